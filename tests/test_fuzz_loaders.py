"""Hypothesis fuzz of every loader and of the CLI entry points (issue 9, "The project's own defence").

Inputs are random JSON of right and wrong shapes (valid examples from the golden corpus, the saved
AWS CLI output fixtures and the demo snapshot, mutated: wrong types, missing keys, extra keys, huge
and odd strings, unicode, control characters, wrapping and unwrapping lists), random bytes and
random nesting. The outcome is always a result or the loader's documented error (PolicyError,
SourceError, SnapshotError) whose message is one line naming the source; through the CLI, a verdict
(exit 0) or exit 2 with one line on stderr naming the file; never an escaped exception, never a
RecursionError or MemoryError, and each example within a time bound (``deadline=None``: the bound is
asserted per example instead, so a loaded machine does not make hypothesis flaky).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import signal
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmstui import PolicySet, Request, evaluate
from kmstui.policy.document import KINDS, PolicyError, parse_policy
from kmstui.sources.errors import SourceError
from kmstui.sources.files import load_path
from kmstui.sources.snapshot import Snapshot, SnapshotError

ROOT = Path(__file__).parent
TIME_BOUND = 5.0  # seconds per example, on a loaded 2-core machine
LOADER_ERRORS = (PolicyError, SourceError, SnapshotError)
VERDICTS = ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied")
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"
ALICE = "arn:aws:iam::111122223333:user/Alice"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                         HealthCheck.filter_too_much])
FUZZ_CLI = settings(FUZZ, max_examples=150)


# -- seeds -------------------------------------------------------------------------------------------
def _policy_seeds() -> list[dict[str, Any]]:
    seeds: list[dict[str, Any]] = []
    for path in sorted((ROOT / "corpus").glob("*.json")):
        for value in json.loads(path.read_text(encoding="utf-8")).get("library", {}).values():
            if isinstance(value, dict) and "Statement" in value and value not in seeds:
                seeds.append(value)
    return seeds


def _cli_seeds() -> list[tuple[str, Any]]:
    seeds = []
    for folder in ("fixtures/sources/cli", "fixtures/sources/example"):
        for path in sorted((ROOT / folder).rglob("*.json")):
            seeds.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
    return seeds


def _snapshot_seed() -> dict[str, Any]:
    data = json.loads((ROOT.parent / "data" / "demo_snapshot.json").read_text(encoding="utf-8"))
    data["keys"] = data["keys"][:2]
    data["principals"] = data["principals"][:4]
    return data


POLICY_SEEDS = _policy_seeds()
CLI_SEEDS = _cli_seeds()
SNAPSHOT_SEED = _snapshot_seed()
KEY_POLICY_SEEDS = [p for p in POLICY_SEEDS if any(isinstance(s, dict) and "Principal" in s
                                                   for s in (p["Statement"] if isinstance(p["Statement"], list) else [p["Statement"]]))]


# -- strategies --------------------------------------------------------------------------------------
VOCAB = ["Version", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
         "Condition", "AWS", "Service", "Allow", "Deny", "kms:*", "kms:Decrypt", "*", "StringEquals", "StringLike", "ArnLike",
         "Bool", "Null", "ForAnyValue:StringEquals", "kms:ViaService", "aws:PrincipalArn", "Keys", "KeyId", "KeyArn", "KeyMetadata",
         "Aliases", "AliasName", "TargetKeyId", "Grants", "Operations", "GranteePrincipal", "Constraints", "Tags", "TagKey",
         "TagValue", "Key", "Value", "Policy", "PolicyVersion", "Document", "UserDetailList", "Policies", "PolicyVersionList",
         "format", "format_version", "keys", "principals", "metadata", "policy", "aliases", "grants", "tags", "arn",
         "2012-10-17", "kmstui-snapshot", KEY_ARN, KEY_ID, ALICE, "arn:aws:iam::111122223333:root"]
ODD_STRINGS = st.one_of(
    st.sampled_from(["", " ", "kms:" + "*" * 60 + "x", "*a" * 30 + "*b", "a" * 5000, "\u0000", "\x1b[31m", "\u202e", "\ufeff",
                     "\U0001F511", "%7B%22", "NaN", "null", "true", "1e999", "-0", "\\", "\"", "{", "]", "alias/aws/s3",
                     "arn:aws:kms:::key/", "arn:" * 50, "\u0410llow", "Allow ", "allow", "DENY"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from(VOCAB), ODD_STRINGS)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.one_of(st.sampled_from(VOCAB), st.text(max_size=8)), inner,
                                                                      max_size=4)),
                    max_leaves=12)


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


def _paths(value: Any, limit: int = 5000) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [()]
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack and len(found) < limit:
        node, path = stack.pop()
        for child in _children(node):
            found.append(path + (child,))
            stack.append((node[child], path + (child,)))
    return found


@st.composite
def mutated(draw: Callable[..., Any], seed: Any, max_ops: int = 3) -> Any:
    """``seed`` with 1..max_ops random mutations at random places in its tree."""
    value = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        # a node chosen uniformly among all nodes of the tree (so deep fields are hit as often as the top)
        path = draw(st.sampled_from(_paths(value)))
        holder, key, node = None, None, value
        for step in path:
            holder, key, node = node, step, node[step]
        op = draw(st.sampled_from(["replace", "delete", "add", "wrap", "unwrap", "odd", "retype", "empty"]))
        if op == "add" and isinstance(node, dict):
            node[draw(st.one_of(st.sampled_from(VOCAB), st.text(max_size=8)))] = draw(JSON)
            continue
        if op == "delete" and holder is not None:
            del holder[key]
            continue
        if op == "replace":
            new = draw(JSON)
        elif op == "wrap":
            new = [node]
        elif op == "unwrap":
            new = node[0] if isinstance(node, list) and node else node
        elif op == "odd":
            new = draw(ODD_STRINGS)
        elif op == "retype":
            new = {"list": [node], "str": json.dumps(node), "int": len(str(node)), "dict": {"value": node}}[
                draw(st.sampled_from(["list", "str", "int", "dict"]))]
        else:
            new = type(node)() if isinstance(node, (list, dict, str)) else None
        if holder is None:
            value = new
        else:
            holder[key] = new
    return value


def to_text(draw: Callable[..., Any], value: Any) -> str:
    """JSON text, sometimes with hand-made damage the json module cannot write (NaN, duplicates, truncation)."""
    text = json.dumps(value, indent=draw(st.sampled_from([None, 1, 2, 4])), ensure_ascii=draw(st.booleans()))
    damage = draw(st.sampled_from(["none"] * 6 + ["nan", "infinity", "duplicate", "truncate", "garbage", "bom", "comment"]))
    if damage == "nan" and ":" in text:
        i = text.index(":")
        text = text[:i + 1] + " NaN, \"x\":" + text[i + 1:] if text.startswith("{") else text
    elif damage == "infinity":
        text = text.replace("2012-10-17\"", "2012-10-17\", \"Infinity\": -Infinity", 1)
    elif damage == "duplicate" and text.startswith("{") and len(text) > 2:
        text = "{" + text[1:-1] + ", " + text[1:-1] + "}" if text != "{}" else text
    elif damage == "truncate":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    elif damage == "garbage":
        text = text + draw(st.sampled_from(["x", ",", "}", "\x00", "]]"]))
    elif damage == "bom":
        text = "\ufeff" + text
    elif damage == "comment":
        text = "// saved\n" + text
    return text


@st.composite
def policy_text(draw: Callable[..., Any], seeds: list[dict[str, Any]] = POLICY_SEEDS) -> str:
    return to_text(draw, draw(mutated(draw(st.sampled_from(seeds)))))


@st.composite
def cli_file(draw: Callable[..., Any]) -> tuple[str, str]:
    name, seed = draw(st.sampled_from(CLI_SEEDS))
    return name, to_text(draw, draw(mutated(seed)))


@st.composite
def snapshot_text(draw: Callable[..., Any]) -> str:
    return to_text(draw, draw(mutated(SNAPSHOT_SEED, max_ops=4)))


@st.composite
def nested_text(draw: Callable[..., Any]) -> str:
    depth = draw(st.one_of(st.integers(1, 100), st.integers(900, 1100), st.integers(10_000, 120_000)))
    shape = draw(st.sampled_from(["list", "object", "statement", "condition", "mixed"]))
    if shape == "list":
        return "[" * depth + "]" * depth
    if shape == "object":
        return '{"a":' * depth + "1" + "}" * depth
    if shape == "statement":
        return '{"Version":"2012-10-17","Statement":' + "[" * depth + "]" * depth + "}"
    if shape == "condition":
        return ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",'
                '"Condition":{"StringEquals":{"kms:ViaService":' + "[" * depth + '"x"' + "]" * depth + "}}}]}")
    return '{"Keys":' + '[{"a":' * depth + "1" + "}]" * depth + "}"


# -- judging ------------------------------------------------------------------------------------------
class _Alarm(Exception):
    pass


@contextlib.contextmanager
def time_bound(what: str):
    """Fails an example that runs past TIME_BOUND (SIGALRM as a backstop for a real hang)."""
    def ring(signum: int, frame: Any) -> None:
        raise _Alarm(f"{what}: still running after {3 * TIME_BOUND:.0f} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(int(3 * TIME_BOUND))
    start = time.monotonic()
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    elapsed = time.monotonic() - start
    assert elapsed < TIME_BOUND, f"{what} took {elapsed:.1f} s"


def check_error(error: Exception, source: str) -> None:
    message = str(error)
    assert "\n" not in message, f"a multi-line error: {message!r}"
    assert source in message, f"the error does not name {source!r}: {message!r}"


def loads_cleanly(fn: Callable[[], Any], source: str, what: str) -> Any:
    with time_bound(what):
        try:
            return fn()
        except LOADER_ERRORS as error:
            check_error(error, source)
            return None


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def run_cli(argv: list[str]) -> tuple[Any, str, str]:
    from kmstui.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_bound(" ".join(argv[:1])):
        try:
            rc = main(argv)
        except SystemExit as stop:
            rc = stop.code
    return rc, out.getvalue(), err.getvalue()


def check_cli(rc: Any, out: str, err: str, names: str, allowed: tuple[int, ...] = (0, 2), verdict: bool = True) -> None:
    assert "Traceback" not in err and "Traceback" not in out
    assert rc in allowed, f"exit {rc!r}; stderr {err[:300]!r}"
    if rc == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, f"exit 2 with {len(lines)} stderr lines: {lines[:4]}"
        about_the_request = any(t in lines[0] for t in ("--", "alias/app", ALICE, KEY_ARN, "no key", "no principal"))
        assert names in lines[0] or about_the_request, f"the error names neither {names!r} nor the request: {lines[0]!r}"
    if rc == 0 and verdict:
        first = out.split()[0] if out.split() else None
        assert first in VERDICTS + ("RejectedByKMS",), f"first word {first!r}"


# -- the Python loaders -------------------------------------------------------------------------------
@FUZZ
@given(text=policy_text(), kind=st.sampled_from(KINDS))
def test_parse_policy_mutated(text: str, kind: str) -> None:
    policy = loads_cleanly(lambda: parse_policy(text, kind, source="fuzz.json"), "fuzz.json", "parse_policy")
    if policy is not None and kind == "key_policy":
        with time_bound("evaluate"):
            decision = evaluate(Request(ALICE, "kms:Decrypt", KEY_ARN, context={"kms:ViaService": "s3.us-west-2.amazonaws.com"}),
                                PolicySet(key_policy=policy))
        assert decision.result in VERDICTS


@FUZZ
@given(value=JSON, kind=st.sampled_from(KINDS))
def test_parse_policy_random_json_values(value: Any, kind: str) -> None:
    """Not only text: parse_policy takes a dict too (the Python API), of any shape."""
    loads_cleanly(lambda: parse_policy(value if isinstance(value, (dict, str)) else json.dumps(value), kind, source="value"),
                  "value", "parse_policy")


@settings(FUZZ, max_examples=60)
@given(text=nested_text(), kind=st.sampled_from(KINDS))
def test_parse_policy_random_nesting(text: str, kind: str) -> None:
    loads_cleanly(lambda: parse_policy(text, kind, source="deep.json"), "deep.json", "parse_policy")


@FUZZ
@given(text=snapshot_text())
def test_snapshot_from_json_mutated(text: str) -> None:
    snapshot = loads_cleanly(lambda: Snapshot.from_json(text, source="snap.json"), "snap.json", "Snapshot.from_json")
    if snapshot is not None:  # what loaded must be usable: its look-ups answer, its JSON round-trips
        with time_bound("snapshot use"):
            for key in snapshot.keys:
                assert isinstance(key.arn, str)
            Snapshot.from_json(snapshot.to_json(), source="again")


@settings(FUZZ, max_examples=60)
@given(text=nested_text())
def test_snapshot_from_json_random_nesting(text: str) -> None:
    loads_cleanly(lambda: Snapshot.from_json(text, source="snap.json"), "snap.json", "Snapshot.from_json")


@FUZZ
@given(file=cli_file())
def test_load_path_mutated_cli_output(file: tuple[str, str], work: Path) -> None:
    name, text = file
    path = work / "one" / KEY_ID / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    loads_cleanly(lambda: load_path(path), name, "load_path")


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), st.builds(lambda a, b: a + b, st.sampled_from([b"{", b"[", b'{"Statement":', b"\xef\xbb\xbf{"]),
                                                       st.binary(max_size=500))))
def test_load_path_random_bytes(data: bytes, work: Path) -> None:
    path = work / "bytes.json"
    path.write_bytes(data)
    loads_cleanly(lambda: load_path(path), "bytes.json", "load_path")


@settings(FUZZ, max_examples=50)
@given(text=nested_text())
def test_load_path_random_nesting(text: str, work: Path) -> None:
    path = work / "deep.json"
    path.write_text(text)
    loads_cleanly(lambda: load_path(path), "deep.json", "load_path")


@settings(FUZZ, max_examples=150)
@given(file=cli_file(), place=st.sampled_from(["kms", f"keys/{KEY_ID}", "iam", "principals/111122223333/role/Auditor"]))
def test_load_folder_one_mutated_file(file: tuple[str, str], place: str, work: Path) -> None:
    """In a folder a bad file is a load error naming it and everything else still loads (README)."""
    import shutil

    root = work / "folder"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(ROOT / "fixtures" / "sources" / "example", root)
    name, text = file
    target = root / place / f"fuzzed-{name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    with time_bound("load_path folder"):
        snapshot = load_path(root)  # never raises for a folder with good files in it
    for error in snapshot.errors:
        assert "\n" not in error.message
    others = {e.what for e in snapshot.errors if f"fuzzed-{name}" not in (e.what + e.message)}
    baseline_errors, baseline_keys = _example_baseline()
    assert others <= baseline_errors, f"one bad file made other files fail: {sorted(others - baseline_errors)}"
    assert len(snapshot.keys) >= baseline_keys, "the good key folders must still load"


_BASELINE: list[Any] = []


def _example_baseline() -> tuple[set[str], int]:
    if not _BASELINE:
        snapshot = load_path(ROOT / "fixtures" / "sources" / "example")
        _BASELINE.append(({e.what for e in snapshot.errors}, len(snapshot.keys)))
    return _BASELINE[0]


# -- the CLI entry points -------------------------------------------------------------------------------
EXPLAIN = ["explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY_ARN]


@FUZZ_CLI
@given(text=policy_text(KEY_POLICY_SEEDS))
def test_cli_explain_fuzzed_key_policy(text: str, work: Path) -> None:
    path = work / "fuzzed-key-policy.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_cli(*run_cli(EXPLAIN + ["--key-policy", str(path)]), names="fuzzed-key-policy.json")


@FUZZ_CLI
@given(text=policy_text(), flag=st.sampled_from(["--identity-policy", "--boundary", "--session-policy", "--scp", "--rcp", "--vpce-policy"]))
def test_cli_explain_fuzzed_other_policies(text: str, flag: str, work: Path) -> None:
    kp = work / "kp.json"
    kp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                                      "Action": "kms:*", "Resource": "*"}]}))
    path = work / "fuzzed-policy.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check_cli(*run_cli(EXPLAIN + ["--key-policy", str(kp), flag, str(path)]), names="fuzzed-policy.json")


SHAPE_OF_FLAG = {"--grants": "Grants", "--key-metadata": "KeyMetadata", "--aliases": "Aliases", "--key-tags": "Tags"}
CONTEXT_SEED = {"kms:ViaService": "s3.us-west-2.amazonaws.com", "kms:EncryptionContext:Dept": ["IT", "HR"], "aws:SecureTransport": "true"}


@st.composite
def flag_and_file(draw: Callable[..., Any]) -> tuple[str, tuple[str, str]]:
    """A flag and a mutation of the saved output that flag takes (so most examples are near-valid for it)."""
    flag = draw(st.sampled_from(sorted(SHAPE_OF_FLAG) + ["--context-file"]))
    if flag == "--context-file":
        seed: Any = CONTEXT_SEED
    elif draw(st.integers(0, 9)) == 0:  # sometimes the wrong file for the flag
        seed = draw(st.sampled_from(CLI_SEEDS))[1]
    else:
        seed = copy.deepcopy(draw(st.sampled_from([v for _, v in CLI_SEEDS if isinstance(v, dict) and SHAPE_OF_FLAG[flag] in v])))
        if flag == "--grants":  # make the grants about this request, so their every part is read
            for grant in seed["Grants"]:
                grant.update(GranteePrincipal=ALICE, KeyId=KEY_ARN)
        if flag == "--aliases":
            for alias in seed["Aliases"]:
                alias["TargetKeyId"] = KEY_ID
    return flag, ("input.json", to_text(draw, draw(mutated(seed))))


KEY_POLICY_READS_EVERYTHING = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*",
     "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/Project": "Alpha", "kms:KeySpec": "SYMMETRIC_DEFAULT",
                                            "kms:ViaService": "s3.us-west-2.amazonaws.com", "kms:ResourceAliases": "alias/app-data"}}}]}
KEY_POLICY_ONLY_GRANTS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/Bob"}, "Action": "kms:*", "Resource": "*"}]}


@FUZZ_CLI
@given(pair=flag_and_file())
def test_cli_explain_fuzzed_cli_output(pair: tuple[str, tuple[str, str]], work: Path) -> None:
    flag, file = pair
    kp = work / "kp2.json"
    kp.write_text(json.dumps(KEY_POLICY_ONLY_GRANTS if flag == "--grants" else KEY_POLICY_READS_EVERYTHING))
    path = work / f"fuzzed-{file[0]}"
    path.write_text(file[1], encoding="utf-8", errors="surrogatepass")
    argv = ["explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", "alias/app-data" if flag == "--aliases" else KEY_ARN,
            "--key-policy", str(kp), flag, str(path), "--context", "kms:EncryptionContext:Department=IT"]
    check_cli(*run_cli(argv), names=path.name)


@FUZZ_CLI
@given(text=snapshot_text(), command=st.sampled_from(["explain", "matrix", "lint"]))
def test_cli_fuzzed_snapshot(text: str, command: str, work: Path) -> None:
    path = work / "fuzzed-snap.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    if command == "explain":
        argv = ["explain", "--snapshot", str(path), "--principal", "arn:aws:iam::111122223333:user/app-developer",
                "--action", "kms:Decrypt", "--resource", "alias/app"]
    elif command == "matrix":
        argv = ["matrix", "--key", "alias/app", "--snapshot", str(path), "--workers", "1"]
    else:
        argv = ["lint", "--snapshot", str(path)]
    rc, out, err = run_cli(argv)
    # explain may also say the principal or key is not in a (mutated) snapshot: that is bad input, exit 2
    check_cli(rc, out, err, names="fuzzed-snap.json" if rc == 2 and "snap" in err else "", allowed=(0, 2),
              verdict=command == "explain")


@FUZZ_CLI
@given(file=st.one_of(cli_file(), policy_text().map(lambda t: ("policy.json", t))))
def test_cli_lint_fuzzed_file(file: tuple[str, str], work: Path) -> None:
    path = work / f"lint-{file[0]}"
    path.write_text(file[1], encoding="utf-8", errors="surrogatepass")
    check_cli(*run_cli(["lint", str(path)]), names=path.name, allowed=(0, 2), verdict=False)


@settings(FUZZ, max_examples=40)
@given(text=nested_text(), flag=st.sampled_from(["--key-policy", "--identity-policy", "--grants", "--key-tags", "--context-file",
                                                 "--snapshot"]))
def test_cli_explain_random_nesting(text: str, flag: str, work: Path) -> None:
    path = work / "fuzzed-deep.json"
    path.write_text(text)
    kp = work / "kp.json"
    kp.write_text('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}')
    argv = EXPLAIN + ([flag, str(path)] if flag in ("--key-policy", "--snapshot") else ["--key-policy", str(kp), flag, str(path)])
    check_cli(*run_cli(argv), names="fuzzed-deep.json")


@FUZZ_CLI
@given(value=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
       key=st.sampled_from(["kms:ViaService", "kms:EncryptionContext:Dept", "aws:SourceArn", "aws:PrincipalTag/team", "kms:CallerAccount",
                            "aws:SecureTransport", "aws:CurrentTime", "kms:GrantOperations", "Nonsense", "aws:SourceIp"]))
def test_cli_explain_fuzzed_context(value: str, key: str, work: Path) -> None:
    """Any context value, against conditions of every operator family: a verdict, or exit 2 naming the flag."""
    kp = work / "kp-conditions.json"
    kp.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*",
         "Condition": {"StringLike": {"kms:EncryptionContext:Dept": "*a*a*a*a*a*a*a*a*a*a*b"}, "ArnLike": {"aws:SourceArn": "arn:aws:s3:::*a*a*a*x"},
                       "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                       "Bool": {"aws:SecureTransport": "true"}}},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
         "Condition": {"NumericLessThan": {"kms:ViaService": "3"}, "StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "x"}}}]}))
    rc, out, err = run_cli(EXPLAIN + ["--key-policy", str(kp), "--context", f"{key}={value}"])
    check_cli(rc, out, err, names="context" if rc == 2 and "context" in err.lower() else "")
