"""A live load under a hostile network: real boto3 → the fault proxy (tests/fault_proxy.py) → moto, on loopback.

Each test names the defect of issue 10 it holds fixed. Waits are bounded generously (the machine
may be loaded): cancel must land within 5 s, a deadline within its length plus 5 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from fault_proxy import Fault, FaultProxy
from moto_accounts import ONE, REGION, TWO, Moto, moto  # noqa: F401 - moto is a fixture
from kmstui.sources.aws_account import load_account
from kmstui.sources.errors import LoadCancelled, SourceError
from kmstui.sources.limits import Limits

CANCEL_WITHIN = 5.0
FAST = Limits(connect_timeout=2, read_timeout=120, max_attempts=2, deadline=120)  # a hang stays hung


@pytest.fixture()
def proxy(moto: Moto) -> Iterator[FaultProxy]:
    with FaultProxy(moto.url) as running:
        yield running


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def errors_of(snapshot: Any) -> list[Any]:
    """Load errors other than "not in an organization" (these accounts are in none)."""
    return [e for e in snapshot.errors if e.code != "AWSOrganizationsNotInUseException"]


def load_in_thread(**kwargs: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["snapshot"] = load_account(**kwargs)
        except BaseException as error:  # noqa: BLE001 - the test looks at it
            outcome["error"] = error
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# -- issue 10.4: hung calls, timeouts, deadline, cancel -------------------------------------------------------------


def test_a_hung_call_is_cancelled_within_seconds(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("hang", "DescribeKey", contains=moto.key_id(ONE, 0)))
    cancel = threading.Event()
    thread, outcome = load_in_thread(profile="faults-one", endpoint_url=proxy.url, cancel=cancel, limits=FAST)
    assert proxy.hung.wait(30)
    time.sleep(0.5)  # the other keys finish; only the hung call is left
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(CANCEL_WITHIN + 5)
    assert not thread.is_alive()
    latency = outcome["ended"] - cancelled_at
    print(f"cancel latency with a hung call: {latency:.3f} s")
    assert latency < CANCEL_WITHIN
    assert isinstance(outcome["error"], LoadCancelled)
    assert "3 of 4 keys had loaded); nothing was kept" in str(outcome["error"])


def test_a_hung_identity_call_is_cancelled_too(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("hang", "GetCallerIdentity"))
    cancel = threading.Event()
    thread, outcome = load_in_thread(profile="faults-one", endpoint_url=proxy.url, cancel=cancel, limits=FAST)
    assert proxy.hung.wait(30)
    cancelled_at = time.monotonic()
    cancel.set()
    thread.join(CANCEL_WITHIN + 5)
    assert outcome["ended"] - cancelled_at < CANCEL_WITHIN
    assert isinstance(outcome["error"], LoadCancelled)


def test_a_load_with_one_hung_call_finishes_within_its_deadline(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("hang", "GetKeyPolicy", contains=moto.key_id(ONE, 1)))
    deadline = 8.0
    started = time.monotonic()
    snapshot = load_account(profile="faults-one", endpoint_url=proxy.url,
                            limits=Limits(connect_timeout=2, read_timeout=300, max_attempts=3, deadline=deadline))
    took = time.monotonic() - started
    print(f"load with a hung call: {took:.2f} s for a {deadline:g} s deadline")
    assert took < deadline + 5
    late = [e for e in snapshot.errors if e.code == "DeadlineExceeded"]
    assert [e.what.split()[-1] for e in late] == [moto.keys[ONE][1]]
    assert "deadline of 8 s" in late[0].message
    assert {k.arn for k in snapshot.keys} == set(moto.keys[ONE])
    whole = [k for k in snapshot.keys if k.arn != moto.keys[ONE][1]]
    assert all(k.policy and k.metadata for k in whole)  # everything else loaded
    assert [p.name for p in snapshot.principals] == ["faults-one-user"]


def test_every_client_has_botocore_read_timeouts_and_attempts(moto: Moto, proxy: FaultProxy) -> None:
    """No hand-made timers: a slow answer is botocore's ReadTimeoutError after its attempts, as a load error."""
    proxy.add(Fault("delay", "ListGrants", contains=moto.key_id(ONE, 2), seconds=4))
    started = time.monotonic()
    snapshot = load_account(profile="faults-one", endpoint_url=proxy.url,
                            limits=Limits(connect_timeout=2, read_timeout=1, max_attempts=2, deadline=60))
    assert time.monotonic() - started < 30
    assert [(e.what, e.code) for e in errors_of(snapshot)] == [(f"ListGrants {moto.keys[ONE][2]}", "ReadTimeoutError")]
    assert proxy.seen["ListGrants"] == len(moto.keys[ONE]) + 1  # two attempts for the slow one


def test_resets_errors_and_throttling_are_retried_then_load_errors(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("reset", "ListGrants", contains=moto.key_id(ONE, 0), times=1))  # retried: loads
    proxy.add(Fault("error", "DescribeKey", contains=moto.key_id(ONE, 1), status=400, code="ThrottlingException",
                    times=2))  # retried (adaptive mode): loads
    proxy.add(Fault("status", "GetKeyPolicy", contains=moto.key_id(ONE, 2), status=500, body=b"{}"))  # every attempt
    snapshot = load_account(profile="faults-one", endpoint_url=proxy.url,
                            limits=Limits(connect_timeout=2, read_timeout=10, max_attempts=3, deadline=120))
    assert [(e.what, e.code) for e in errors_of(snapshot)] == [(f"GetKeyPolicy {moto.keys[ONE][2]}", "500")]
    keys = {k.arn: k for k in snapshot.keys}
    assert keys[moto.keys[ONE][0]].grants == [] and keys[moto.keys[ONE][0]].policy
    assert keys[moto.keys[ONE][1]].metadata["KeyId"] == moto.key_id(ONE, 1).decode()
    assert proxy.seen["GetKeyPolicy"] >= 3 + len(moto.keys[ONE]) - 1  # three attempts for the failing one


# -- issue 10.5: malformed responses ----------------------------------------------------------------------------------


def test_malformed_responses_are_load_errors_and_the_rest_loads(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("body", "DescribeKey", contains=moto.key_id(ONE, 0),
                    body=lambda answer: answer.replace(b'"Description"', b'"Descr\xff\xfeiption"')))
    proxy.add(Fault("body", "GetAccountAuthorizationDetails", body=b"<GetAccountAuthorizationDetailsResponse><oops"))
    proxy.add(Fault("body", "GetKeyPolicy", contains=moto.key_id(ONE, 1), body=b"{}"))  # 200, no Policy
    proxy.add(Fault("body", "DescribeKey", contains=moto.key_id(ONE, 2), body=b'{"Other": 1}'))
    snapshot = load_account(profile="faults-one", endpoint_url=proxy.url, limits=FAST)
    found = {(e.what, e.code) for e in errors_of(snapshot)}
    assert found == {
        (f"DescribeKey {moto.keys[ONE][0]}", "UnicodeDecodeError"),
        (f"GetAccountAuthorizationDetails {ONE}", "ResponseParserError"),
        (f"GetKeyPolicy {moto.keys[ONE][1]}", "MalformedResponse"),
        (f"DescribeKey {moto.keys[ONE][2]}", "MalformedResponse"),
    }
    keys = {k.arn: k for k in snapshot.keys}
    assert keys[moto.keys[ONE][0]].policy and keys[moto.keys[ONE][0]].metadata == {}
    assert keys[moto.keys[ONE][1]].policy is None and keys[moto.keys[ONE][1]].metadata
    assert keys[moto.keys[ONE][3]].policy and keys[moto.keys[ONE][3]].metadata  # untouched
    assert snapshot.principals == []  # IAM could not be read: none, and the error says so
    assert all(len(e.message) <= 400 for e in snapshot.errors)


# -- issue 10.6: a region that is not enabled, named first ---------------------------------------------------------------


def test_a_region_not_enabled_named_first_is_that_regions_load_error(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("error", "GetCallerIdentity", region="ap-east-1", status=403, code="InvalidClientTokenId"))
    proxy.add(Fault("error", "*", region="ap-east-1", status=400, code="UnrecognizedClientException"))
    snapshot = load_account(profile="faults-one", regions=["ap-east-1", REGION], endpoint_url=proxy.url, limits=FAST)
    assert {k.arn for k in snapshot.keys} == set(moto.keys[ONE])
    region_errors = [e for e in snapshot.errors if e.source == f"aws:{ONE}/ap-east-1"]
    assert [(e.what, e.code) for e in region_errors] == [("ListKeys ap-east-1", "UnrecognizedClientException")]
    assert "region ap-east-1 is not enabled" in region_errors[0].message
    assert [p.name for p in snapshot.principals] == ["faults-one-user"]


def test_credentials_rejected_everywhere_are_still_one_line(moto: Moto, proxy: FaultProxy) -> None:
    proxy.add(Fault("error", "GetCallerIdentity", status=403, code="InvalidClientTokenId"))
    with pytest.raises(SourceError, match="credentials were rejected"):
        load_account(profile="faults-one", regions=["ap-east-1", REGION], endpoint_url=proxy.url, limits=FAST)
    assert proxy.seen["GetCallerIdentity"] == 3 * FAST.max_attempts or proxy.seen["GetCallerIdentity"] >= 3


# -- issue 10.1: whose data the cache holds ---------------------------------------------------------------------------


def test_switching_profile_credentials_or_region_never_reuses_another_entry(moto: Moto,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kmstui.sources.cache import load_account_cached

    monkeypatch.setenv("AWS_PROFILE", "faults-one")
    first = load_account_cached(None, None, moto.url)
    assert first.whose.account == ONE and first.snapshot.accounts == [ONE]
    monkeypatch.setenv("AWS_PROFILE", "faults-two")  # same profile argument (none), other account
    second = load_account_cached(None, None, moto.url)
    assert second.cached is None and second.whose.account == TWO and second.snapshot.accounts == [TWO]
    monkeypatch.delenv("AWS_PROFILE")
    for name, value in moto.env_credentials[ONE].items():  # environment credentials, no profile at all
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    third = load_account_cached(None, None, moto.url)
    assert third.whose.account == ONE and third.snapshot.accounts == [ONE]
    for name, value in moto.env_credentials[TWO].items():
        monkeypatch.setenv(name, value)
    fourth = load_account_cached(None, None, moto.url)
    assert fourth.cached is None and fourth.snapshot.accounts == [TWO]
    again = load_account_cached(None, None, moto.url)
    assert again.cached is not None and again.snapshot.accounts == [TWO]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")  # another default region: not the us-west-2 entry
    other_region = load_account_cached(None, None, moto.url)
    assert other_region.cached is None and other_region.whose.regions == ("eu-west-1",)
    assert other_region.snapshot.keys == [] and f"aws:{TWO}/eu-west-1" in other_region.snapshot.sources


def test_a_cached_entry_refuses_credentials_of_another_account(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmstui.sources.cache import load_account_cached

    load_account_cached("faults-one", None, moto.url)
    with pytest.raises(SourceError, match=f"now belong to account {ONE}, not {TWO}"):
        load_account_cached("faults-one", None, moto.url, expected_account=TWO)


@pytest.mark.parametrize("state", ["garbage", "truncated", "under-a-file"])
def test_the_cli_survives_every_cache_state(moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], state: str) -> None:
    """Issue 10.3: snapshot, lint and explain (also --refresh) with a damaged cache: a warning, never a traceback."""
    from kmstui.cli.main import main

    cache = tmp_path / "cache" / "kmstui"
    args = ["--profile", "faults-one", "--endpoint-url", moto.url]
    if state == "under-a-file":
        (tmp_path / "file").write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    else:
        assert main(["snapshot", *args, "-o", str(tmp_path / "first.json")]) == 0
        database = cache / "cache.db"
        data = database.read_bytes()
        database.write_bytes(data[: len(data) // 3] if state == "truncated" else b"garbage!" * 512)
    capsys.readouterr()
    key = moto.keys[ONE][0]
    runs = [["snapshot", *args, "-o", str(tmp_path / "snap.json")], ["snapshot", *args, "--refresh", "-o", "-"],
            ["lint", *args], ["explain", *args, "--principal", f"arn:aws:iam::{ONE}:user/faults-one-user",
                              "--action", "kms:Decrypt", "--resource", key]]
    for run in runs:
        code = main(run)
        err = capsys.readouterr().err
        assert code in (0, 1), (run, err)
        assert "Traceback" not in err and "DatabaseError" not in err
    if state != "under-a-file":
        assert list(cache.glob("cache.db.damaged-*"))


# -- issue 10.9: Ctrl-C in the CLI ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["snapshot", "lint", "explain", "matrix", "app"])
def test_ctrl_c_during_an_account_load_is_one_line_and_exit_130(moto: Moto, proxy: FaultProxy, tmp_path: Path,
                                                                command: str) -> None:
    proxy.add(Fault("hang", "DescribeKey", contains=moto.key_id(ONE, 0)))
    source = ["--profile", "faults-one", "--endpoint-url", proxy.url, "--no-cache"]
    extra = {"snapshot": ["-o", str(tmp_path / "out.json")], "lint": [],
             "explain": ["--principal", f"arn:aws:iam::{ONE}:user/faults-one-user", "--action", "kms:Decrypt",
                         "--resource", moto.keys[ONE][0]],
             "matrix": ["--key", moto.keys[ONE][0]], "app": []}[command]
    if command == "explain":
        source.remove("--no-cache")  # explain takes the cache flags too, but keep its line short
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}
    words = [] if command == "app" else [command]  # the app loads the account before it starts
    # A user's Ctrl-C reaches a program in the foreground. Run as a background job (`pytest … &` in a script),
    # the tests would inherit SIGINT ignored and pass it on, and the child would rightly keep ignoring it.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # (a caught signal is reset to the default in the child)
    try:
        process = subprocess.Popen([sys.executable, "-m", "kmstui", *words, *source, *extra], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assert proxy.hung.wait(60), process.stderr.read().decode() if process.poll() is not None else "no hang"
        interrupted_at = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=CANCEL_WITHIN + 10)
        took = time.monotonic() - interrupted_at
    finally:
        if process.poll() is None:
            process.kill()
    text = err.decode()
    print(f"{command}: exit {process.returncode} {took:.2f} s after SIGINT")
    assert process.returncode == 130, text
    assert took < CANCEL_WITHIN
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[-1].startswith("kmstui: cancelled") and sum("cancelled" in line for line in lines) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == []  # nothing written or left behind
