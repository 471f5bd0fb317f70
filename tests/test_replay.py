"""kmstui replay: a whole log decided and compared, the what-if of an edited key policy, the decision
cache, and --lookup-events through real boto3 against a recorded-response CloudTrail server on
loopback (moto 5.2 has no LookupEvents), pages included."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest

from kmstui.analysis.replay import Replayer, counts
from kmstui.cli.main import main
from kmstui.sources.cloudtrail import load_events
from kmstui.sources.cloudtrail_lookup import lookup_kms_events
from kmstui.sources.demo import load_demo
from kmstui.sources.readonly import ALLOWED_OPERATIONS, ReadOnlyViolation, read_only_client

HERE = Path(__file__).parent / "fixtures" / "cloudtrail"
LOG = HERE / "log" / "111122223333_CloudTrail_us-west-2_20261120T1000Z_example.json"
SHAPES = [LOG, LOG.with_name(LOG.name + ".gz"), HERE / "lookup-events.json", HERE / "events.jsonl"]
K_APP = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize("path", SHAPES, ids=lambda p: p.name)
def test_replay_lists_every_event_and_exits_1_on_a_disagreement(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--demo", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 23
    assert sum("DISAGREE" in line for line in lines) == 1
    assert lines[-1].startswith("22 KMS events: 21 agree, 1 disagree, 0 not evaluated; CloudTrail 10 denied, 11 allowed, "
                                "1 failed; kmstui 13 Allowed, 9 ImplicitlyDenied; 1 KMS events skipped, 1 other events; ")
    assert lines[-1].endswith(" s")


def test_replay_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--demo", str(HERE / "events.jsonl"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"events", "counts"}
    assert {"id", "time", "principal", "action", "resources", "outcome", "result", "agrees", "summary"} <= set(data["events"][0])
    assert data["counts"]["disagree"] == 1 and data["counts"]["events"] == 22
    odd = [e for e in data["events"] if not e["agrees"]]
    assert [e["id"] for e in odd] == ["e0e1e2e3-0000-4000-8000-000000000019"]
    assert any("session policy" in item for item in odd[0]["could_not_see"])
    assert data["skipped"][0]["name"] == "RotateKey"


def test_denied_only(capsys: pytest.CaptureFixture[str]) -> None:
    main(["replay", "--demo", str(LOG), "--denied-only", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert len(data["events"]) == 10 and data["counts"]["events"] == 22
    assert all(e["outcome"] == "denied" or e["result"] != "Allowed" for e in data["events"])


def test_a_log_that_agrees_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = json.loads(LOG.read_text())["Records"]
    kept = [r for r in records if r["eventID"] != "e0e1e2e3-0000-4000-8000-000000000019"]
    (tmp_path / "log.json").write_text(json.dumps({"Records": kept}), encoding="utf-8")
    assert main(["replay", "--demo", str(tmp_path / "log.json")]) == 0


def test_key_policy_what_if_lists_the_calls_that_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Removing app-developer from 'Allow use of the key' breaks its Encrypt, ReEncrypt and the
    authorized-then-failed Decrypt; adding power-user makes its denied Decrypt work."""
    policy = json.loads(load_demo().find_key(K_APP).policy)
    use = next(s for s in policy["Statement"] if s.get("Sid") == "Allow use of the key")
    use["Principal"]["AWS"] = ["arn:aws:iam::111122223333:user/power-user"]
    (tmp_path / "edited.json").write_text(json.dumps(policy, indent=2), encoding="utf-8")
    assert main(["replay", "--demo", str(LOG), "--key-policy", f"alias/app={tmp_path / 'edited.json'}", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    stops = sorted(c["id"][-2:] for c in data["changes"] if c["direction"] == "stops working")
    starts = sorted(c["id"][-2:] for c in data["changes"] if c["direction"] == "starts working")
    assert stops == ["01", "04", "20"]  # Encrypt, ReEncrypt on the key, the Decrypt that failed later
    assert starts == ["02"]  # power-user's Decrypt
    assert data["counts"]["would_stop_working"] == 3 and data["counts"]["would_start_working"] == 1
    main(["replay", "--demo", str(LOG), "--key-policy", f"alias/app={tmp_path / 'edited.json'}"])
    out = capsys.readouterr().out
    assert "stops working: 2026-11-20T10:01:00Z  111122223333:user/app-developer  kms:Encrypt" in out
    assert "the edit: 3 would stop working, 1 would start working" in out
    # an unchanged policy changes nothing: exit 0
    (tmp_path / "same.json").write_text(load_demo().find_key(K_APP).policy, encoding="utf-8")
    assert main(["replay", "--demo", str(LOG), "--key-policy", f"alias/app={tmp_path / 'same.json'}"]) == 0
    assert "no call changes" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text('{"Statement": [{"Effect": "Alow"}]}', encoding="utf-8")
    assert main(["replay", "--demo", str(LOG), "--key-policy", f"alias/app={tmp_path / 'bad.json'}"]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_identical_requests_are_decided_once() -> None:
    """Events that differ only in what no policy reads (time, address) reuse one decision."""
    log = load_events(str(LOG))
    many = [replace(e, id=f"{e.id}-{n}", context={**e.context, "aws:CurrentTime": f"2026-11-2{n}T10:00:00Z",
                                                   "aws:SourceIp": f"192.0.2.{n}"})
            for n in range(5) for e in log.events]
    replayer = Replayer(load_demo())
    rows = replayer.replay(many)
    assert replayer.evaluations == len(log.events)
    assert counts(rows)["disagree"] == 5
    # a context key a policy does read is part of the request: a new decision
    grant = next(e for e in log.events if e.name == "GenerateDataKey" and e.outcome == "denied")
    other = replace(grant, context={**grant.context, "kms:EncryptionContext:Department": "Finance"})
    assert replayer.replay_one(other).result == "Allowed"
    assert replayer.evaluations == len(log.events) + 1


def test_an_event_on_a_key_not_in_the_snapshot_is_not_evaluated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = json.loads((HERE / "events" / "encrypt-allowed.json").read_text())
    other = "arn:aws:kms:us-west-2:111122223333:key/11112222-3333-4444-5555-666677778888"
    record["resources"][0]["ARN"] = other
    record["requestParameters"]["keyId"] = other
    (tmp_path / "e.json").write_text(json.dumps(record), encoding="utf-8")
    assert main(["replay", "--demo", str(tmp_path / "e.json")]) == 0
    out = capsys.readouterr().out
    assert "not evaluated" in out and "1 not evaluated" in out


def test_replay_needs_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(LOG)]) == 2
    assert "--snapshot PATH, --demo" in capsys.readouterr().err
    assert main(["replay", "--demo"]) == 2


# -- LookupEvents on loopback ------------------------------------------------------------------

class _CloudTrail(BaseHTTPRequestHandler):
    """Answers LookupEvents from recorded pages (by NextToken); records every operation asked."""

    pages: list[dict[str, Any]] = []
    seen: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        self.seen.append((operation, body))
        if operation != "LookupEvents":
            self._answer(400, {"__type": "UnknownOperationException", "message": operation})
            return
        index = int(body.get("NextToken", "0"))
        page = dict(self.pages[index])
        if index + 1 < len(self.pages):
            page["NextToken"] = str(index + 1)
        self._answer(200, page)

    def _answer(self, status: int, data: dict[str, Any]) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def cloudtrail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    entries = json.loads((HERE / "lookup-events.json").read_text())["Events"]
    _CloudTrail.pages = [{"Events": entries[i:i + 10]} for i in range(0, len(entries), 10)]  # 3 pages
    _CloudTrail.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CloudTrail)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (tmp_path / "config").write_text("[profile example]\nregion = us-west-2\n", encoding="utf-8")
    (tmp_path / "credentials").write_text("[example]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                                          "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_lookup_events_reads_every_page(cloudtrail: str) -> None:
    log = lookup_kms_events("example", "us-west-2", cloudtrail, 86400)
    assert len(log.events) == 22 and [s.name for s in log.skipped] == ["RotateKey"] and log.other_events == 1
    assert [op for op, _ in _CloudTrail.seen] == ["LookupEvents"] * 3
    first = _CloudTrail.seen[0][1]
    assert first["LookupAttributes"] == [{"AttributeKey": "EventSource", "AttributeValue": "kms.amazonaws.com"}]
    assert first["EndTime"] - first["StartTime"] == pytest.approx(86400, abs=1)
    assert sorted(e.id for e in log.events) == sorted(e.id for e in load_events(str(LOG)).events)


def test_replay_lookup_events_cli(cloudtrail: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", "--lookup-events", "--since", "7d", "--profile", "example", "--region", "us-west-2",
                 "--endpoint-url", cloudtrail, "--demo", "--format", "json"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["events"] == 22 and data["counts"]["disagree"] == 1
    assert all(op == "LookupEvents" for op, _ in _CloudTrail.seen)
    assert main(["replay", "--lookup-events", "--demo"]) == 2  # no account to read events from
    assert "give --profile" in capsys.readouterr().err


def test_the_guard_allows_lookup_events_and_refuses_the_rest_of_cloudtrail(cloudtrail: str) -> None:
    assert ALLOWED_OPERATIONS["cloudtrail"] == frozenset({"LookupEvents"})
    session = boto3.Session(profile_name="example")
    client = read_only_client(session, "cloudtrail", "us-west-2", cloudtrail)
    for call in (lambda: client.create_trail(Name="t", S3BucketName="amzn-s3-demo-bucket"),
                 lambda: client.delete_trail(Name="t"), lambda: client.stop_logging(Name="t"),
                 lambda: client.describe_trails(), lambda: client.put_event_selectors(TrailName="t", EventSelectors=[])):
        with pytest.raises(ReadOnlyViolation):
            call()
    assert _CloudTrail.seen == []  # refused before anything was sent
    assert client.lookup_events(MaxResults=5)["Events"]


# -- README's examples ---------------------------------------------------------------------------

README = Path(__file__).parent.parent / "README.md"


def readme_examples() -> list[tuple[str, int]]:
    """The `$ kmstui …` lines of README's "Start from the denial" section, with the exit each states."""
    import re

    text = README.read_text(encoding="utf-8")
    section = text.split("### Start from the denial", 1)[1].split("\n### ", 1)[0]
    found = []
    for line in section.splitlines():
        if line.startswith("$ kmstui "):
            command, _, comment = line[2:].partition("   # ")
            match = re.search(r"exit (\d)", comment)
            found.append((command.strip(), int(match.group(1)) if match else 0))
    return found


def test_readme_has_the_examples() -> None:
    assert len(readme_examples()) >= 6


@pytest.mark.parametrize(("command", "code"), readme_examples())
def test_readme_examples_run(command: str, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    monkeypatch.chdir(README.parent)
    assert main(shlex.split(command)[1:]) == code
    assert capsys.readouterr().out.strip()


def test_readme_shows_what_the_first_example_prints(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(README.parent)
    command = readme_examples()[0][0]
    main(command.split()[1:])
    printed = capsys.readouterr().out.splitlines()
    shown = README.read_text(encoding="utf-8").split("The first prints, above the usual trace:\n\n```text\n", 1)[1].split("\n  …", 1)[0]
    assert printed[: len(shown.splitlines())] == shown.splitlines()
