"""The app's load dialog with a live account: whose data it shows, cancel that stops the worker, a broken cache.

Issue 10.1 (say whose data), 10.3 (ctrl+o crashed on a damaged cache, even on the demo) and 10.4
(esc showed "Cancelling…" for minutes; a second esc closed the dialog while the worker ran on).
Real boto3 against moto, through the fault proxy where a call must hang.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from fault_proxy import Fault, FaultProxy
from moto_accounts import ONE, Moto, moto  # noqa: F401 - moto is a fixture
from kmstui.app.application import make_app
from kmstui.app.screens.load import LoadScreen

CANCEL_WITHIN = 5.0


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # never the user's cache
    monkeypatch.setenv("KMSTUI_READ_TIMEOUT", "120")  # a hung call stays hung: only cancel ends it
    return tmp_path / "cache" / "kmstui"


@pytest.fixture()
def proxy(moto: Moto) -> Iterator[FaultProxy]:
    with FaultProxy(moto.url) as running:
        yield running


async def wait_until(pilot: Any, condition: Any, seconds: float = 30.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("timed out")


def status(app: Any) -> str:
    return str(app.screen.query_one("#load-status").render())


def load_workers(screen: Any) -> list[Any]:
    return [w for w in screen.app.workers if w.group == "load" and not w.is_finished]


async def start_account_load(pilot: Any, app: Any, endpoint: str) -> LoadScreen:
    await pilot.press("ctrl+o")
    screen = app.screen
    assert isinstance(screen, LoadScreen)
    screen.query_one("#load-profile").value = "faults-one"
    screen.query_one("#load-endpoint").value = endpoint
    screen.query_one("#load-profile").focus()
    await pilot.press("enter")
    return screen


async def test_ctrl_o_with_a_damaged_cache_opens_on_the_demo(private_cache: Path) -> None:
    private_cache.mkdir(parents=True)
    (private_cache / "cache.db").write_bytes(b"not a database" * 300)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoadScreen)
        assert any("damaged" in str(n.message) for n in app._notifications)
    assert list(private_cache.glob("cache.db.damaged-*"))


async def test_an_account_load_says_whose_data_it_is(moto: Moto) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await start_account_load(pilot, app, moto.url)
        await wait_until(pilot, lambda: not isinstance(app.screen, LoadScreen))
        assert app.source.account == ONE
        assert f"account {ONE}" in app.sub_title and "loaded now" in app.sub_title
        assert app.snapshot.accounts == [ONE]
        await pilot.press("ctrl+o")  # the cached entry is listed with whose it is
        await pilot.pause()
        listed = str(app.screen.query_one("#load-cached").get_option_at_index(0).prompt)
        assert f"account {ONE}" in listed and "profile faults-one" in listed


async def test_esc_stops_a_hung_load_and_its_worker_within_seconds(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("hang", "DescribeKey", contains=moto.key_id(ONE, 0)))
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        before = app.snapshot
        screen = await start_account_load(pilot, app, proxy.url)
        await wait_until(pilot, proxy.hung.is_set)
        assert load_workers(screen)
        cancelled_at = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: not load_workers(screen) and "cancelled" in status(app), CANCEL_WITHIN + 5)
        latency = time.monotonic() - cancelled_at
        print(f"app cancel latency with a hung call: {latency:.2f} s")
        assert latency < CANCEL_WITHIN
        assert "nothing was kept" in status(app) and app.screen is screen  # it says so, and stays open
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LoadScreen) and app.snapshot is before


async def test_a_second_esc_closes_only_once_the_worker_has_stopped(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("hang", "DescribeKey", contains=moto.key_id(ONE, 0)))
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        before = app.snapshot
        screen = await start_account_load(pilot, app, proxy.url)
        await wait_until(pilot, proxy.hung.is_set)
        await pilot.press("escape", "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, LoadScreen), CANCEL_WITHIN + 5)
        assert not load_workers(screen) and app.snapshot is before
