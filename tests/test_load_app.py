"""Loading from the app: a folder of saved CLI output, a bad path, the cached list, and ctrl+r."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmstui.app.application import make_app
from kmstui.app.screens.load import LoadScreen

EXAMPLE = Path(__file__).parent / "fixtures" / "sources" / "example"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # never the user's cache


async def wait_until(pilot, condition, tries: int = 100) -> None:
    for _ in range(tries):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("timed out")


async def test_load_a_folder_replaces_the_data_in_every_section() -> None:
    app = make_app(start="policies")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        demo_keys = len(app.snapshot.keys)
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, LoadScreen)
        app.screen.query_one("#load-path").value = str(EXAMPLE)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, LoadScreen))
        assert app.source.kind == "path" and app.sub_title == str(EXAMPLE)
        assert len(app.snapshot.keys) != demo_keys or app.snapshot.sources != ["demo"]
        assert app.screen.SUB_TITLE == "Policies" and app.screen.snapshot is app.snapshot
        await pilot.press("3")
        await pilot.pause()
        assert app.trace_screen.snapshot is app.snapshot


async def test_a_bad_path_is_a_notification_and_the_data_stays(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        before = app.snapshot
        await pilot.press("ctrl+o")
        app.screen.query_one("#load-path").value = str(tmp_path / "missing")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "✗" in str(app.screen.query_one("#load-status").render()))
        assert "missing" in str(app.screen.query_one("#load-status").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.snapshot is before and not isinstance(app.screen, LoadScreen)


async def test_ctrl_r_reloads_the_current_source() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        before = app.snapshot
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: app.snapshot is not before)
        assert app.source.kind == "demo" and app.snapshot.to_dict() == before.to_dict()


async def test_profiles_and_regions_are_suggested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = us-west-2\n[profile prod-readonly]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+o")
        dialog = app.screen
        await wait_until(pilot, lambda: dialog.regions)
        assert {"audit", "prod-readonly"} <= set(dialog.profiles) and "us-west-2" in dialog.regions
        suggester = dialog.query_one("#load-regions").suggester
        assert await suggester.get_suggestion("us-east-1, eu-we") == "us-east-1, eu-west-1"


async def test_a_folder_of_only_unusable_files_keeps_what_was_loaded_and_ctrl_d_loads_the_demo(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{ not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"unrelated": true}', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = app.snapshot
        await pilot.press("ctrl+o")
        app.screen.query_one("#load-path").value = str(tmp_path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, LoadScreen)
                         or "✗" in str(app.screen.query_one("#load-status").render()))
        if isinstance(app.screen, LoadScreen):
            await pilot.press("escape")
            await pilot.pause()
        assert app.snapshot is before  # not replaced by an empty snapshot
        await pilot.press("ctrl+o")
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: not isinstance(app.screen, LoadScreen))
        assert app.source.kind == "demo" and app.snapshot.keys


async def test_the_load_dialog_placeholders_fit_at_80_columns() -> None:
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        for field in app.screen.query(Input):
            inner = field.content_region.width
            assert len(field.placeholder) < inner, (field.id, field.placeholder, inner)
