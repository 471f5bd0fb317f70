"""The adversarial corpus (tests/adversarial/): every input decided or refused, right, at once, in one line.

Issue 9: on any input kmstui gives a verdict derived from AWS's rules (exit 0, first word Allowed /
ExplicitlyDenied / ImplicitlyDenied) or exit 2 with exactly one line on standard error naming the
file, never a traceback, within 10 s and 2 GiB. Each case in tests/adversarial/cases.json says which
and why (the AWS rule or README promise behind it); tests/adversarial/make_cases.py writes them.

Cases run the CLI's ``main(argv)`` in a forked child of the test process (in-process code, no
interpreter start-up), so a hang or a memory blow-up is caught and killed instead of stalling the
suite; cases marked ``subprocess`` (hostile patterns, FIFOs, devices, large and deep files) run
``python -m kmstui`` in a real subprocess with a timeout.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import select
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent / "adversarial"
CASES_DIR = HERE / "cases"
CASES: list[dict[str, Any]] = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
TIME_LIMIT = 10.0
MEMORY_LIMIT = 2 * 1024 ** 3
VERDICTS = ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied")
CRASH_MARKERS = ("Traceback (most recent call last)", "RecursionError", "MemoryError", "UnicodeEncodeError",
                 "UnicodeDecodeError", "KeyError:", "TypeError:", "AttributeError:")


@dataclass
class Outcome:
    rc: Any
    out: str
    err: str
    seconds: float
    hung: bool = False


# -- running -------------------------------------------------------------------------------------------
def _vm_size() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_forked(argv: list[str], timeout: float = TIME_LIMIT) -> Outcome:
    """``kmstui.cli.main.main(argv)`` in a forked child: stdout/stderr captured, 2 GiB more address space at most."""
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read_fd)
            limit = _vm_size() + MEMORY_LIMIT
            try:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ValueError, OSError):
                pass
            out, err = io.StringIO(), io.StringIO()
            sys.stdout, sys.stderr = out, err
            sys.stdin = open(os.devnull)
            try:
                from kmstui.cli.main import main

                rc: Any = main(argv)
            except SystemExit as stop:
                rc = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
            except BaseException:  # noqa: BLE001 - an escaped exception is what we look for
                err.write(traceback.format_exc())
                rc = "escaped exception"
            payload = json.dumps({"rc": rc, "out": out.getvalue(), "err": err.getvalue()}, ensure_ascii=True)
        except BaseException as error:  # noqa: BLE001
            payload = json.dumps({"rc": "child failure", "out": "", "err": f"Traceback (most recent call last)\n{error!r}"})
        data = payload.encode()
        view = memoryview(data)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
        os._exit(0)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = start + timeout
    hung = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            hung = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    seconds = time.monotonic() - start
    os.close(read_fd)
    if hung:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    if hung:
        return Outcome("hang", "", "", seconds, hung=True)
    try:
        result = json.loads(b"".join(chunks).decode())
    except ValueError:
        return Outcome("child died (memory limit or signal)", "", "", seconds)
    return Outcome(result["rc"], result["out"], result["err"], seconds)


def run_subprocess(argv: list[str], timeout: float = TIME_LIMIT) -> Outcome:
    start = time.monotonic()
    limit = MEMORY_LIMIT + 512 * 1024 ** 2  # the interpreter itself

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    try:
        done = subprocess.run([sys.executable, "-m", "kmstui", *argv], capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, preexec_fn=limits, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    except subprocess.TimeoutExpired:
        return Outcome("hang", "", "", time.monotonic() - start, hung=True)
    return Outcome(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"),
                   time.monotonic() - start)


# -- generated inputs ------------------------------------------------------------------------------------
def _write_padded(path: Path, document: Any, megabytes: int) -> None:
    body = json.dumps(document).encode()
    pad = b" " * (1 << 20)
    with path.open("wb") as f:
        f.write(body[:1])
        for _ in range(megabytes):
            f.write(pad)
        f.write(body[1:])


def generate(spec: dict[str, Any], tmp: Path) -> None:
    path = tmp / spec["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = spec["kind"]
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind == "big":  # a valid policy, padded to N MB with insignificant whitespace
        _write_padded(path, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*",
                                                                      "Principal": "*"}]}, spec["mb"])
    elif kind == "padded":
        _write_padded(path, spec["document"], spec["mb"])
    elif kind == "big-line":  # one 60 MB line: a Sid of N MB
        with path.open("wb") as f:
            f.write(b'{"Version": "2012-10-17", "Statement": [{"Sid": "')
            chunk = b"A" * (1 << 20)
            for _ in range(spec["mb"]):
                f.write(chunk)
            f.write(b'", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}')
    elif kind == "deep":
        d = spec["depth"]
        if spec["shape"] == "list":
            text = "[" * d + "]" * d
        elif spec["shape"] == "object":
            text = '{"a":' * d + "1" + "}" * d
        else:
            text = '{"Version": "2012-10-17", "Statement": ' + "[" * d + "]" * d + "}"
        path.write_text(text)
    elif kind == "bytes":
        path.write_bytes(random.Random(9).randbytes(spec["size"]))
    elif kind == "files":
        for rel, content in spec["files"].items():
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(content, indent=2) + "\n")
    else:
        raise AssertionError(f"unknown generator {kind}")


def substitute(args: list[str], folder: Path, tmp: Path) -> list[str]:
    return [a.replace("{dir}", str(folder)).replace("{tmp}", str(tmp)) for a in args]


# -- judging ---------------------------------------------------------------------------------------------
def problems(expect: dict[str, Any], got: Outcome) -> list[str]:
    found: list[str] = []
    if got.hung:
        return [f"no answer within {TIME_LIMIT:.0f} s (hang)"]
    if got.seconds > TIME_LIMIT:
        found.append(f"took {got.seconds:.1f} s")
    for marker in CRASH_MARKERS:
        if marker in got.err or marker in got.out:
            found.append(f"{marker!r} in the output")
            break
    allowed = expect["exit"] if isinstance(expect["exit"], list) else [expect["exit"]]
    if got.rc not in allowed:
        found.append(f"exit {got.rc!r}, expected {allowed}")
    first = got.out.split()[0] if got.out.split() else None
    if got.rc == 0:
        if "first_word" in expect and first != expect["first_word"]:
            found.append(f"first word {first!r}, expected {expect['first_word']!r}")
        if "first_word_not" in expect and first == expect["first_word_not"]:
            found.append(f"first word {first!r}, which must not be")
    if got.rc == 2:
        lines = [line for line in got.err.splitlines() if line.strip()]
        if len(lines) != 1 and expect.get("stderr_lines") != "any":
            found.append(f"{len(lines)} lines on stderr, expected exactly 1")
        for name in expect.get("names", []):
            if name not in got.err:
                found.append(f"stderr does not name {name!r}")
    if got.rc in allowed:
        for text in expect.get("stderr_contains", []):
            if text not in got.err:
                found.append(f"stderr lacks {text!r}")
        for text in expect.get("output_contains", []):
            if text.lower() not in (got.out + got.err).lower():
                found.append(f"output lacks {text!r}")
    return found


def describe(case: dict[str, Any], got: Outcome, found: list[str]) -> str:
    err = got.err.strip().splitlines()
    first_out = got.out.strip().splitlines()[:1]
    return (f"{case['name']}: {'; '.join(found)}\n  why: {case['why']}\n  args: {' '.join(case['args'])}\n"
            f"  got: exit {got.rc!r} in {got.seconds:.2f} s; stdout[0]: {first_out}; stderr: {err[:3]}{' …' if len(err) > 3 else ''}")


def run_case(case: dict[str, Any], tmp: Path) -> tuple[Outcome, list[str]]:
    folder = CASES_DIR / case["name"]
    for spec in case.get("generate", []):
        generate(spec, tmp)
    argv = substitute(case["args"], folder, tmp)
    try:
        got = run_subprocess(argv) if case.get("subprocess") else run_forked(argv)
    finally:
        for big in [p for p in tmp.rglob("*") if p.is_file() and p.stat().st_size > (1 << 20)]:
            big.unlink()
    return got, problems(case["expect"], got)


# -- tests -------------------------------------------------------------------------------------------------
def test_the_corpus_is_large_and_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 150
    for c in CASES:
        assert c["why"], c["name"]
        assert (CASES_DIR / c["name"]).is_dir(), c["name"]
        expect = c["expect"]
        allowed = expect["exit"] if isinstance(expect["exit"], list) else [expect["exit"]]
        assert set(allowed) <= {0, 1, 2}, c["name"]
        if "first_word" in expect:
            assert expect["first_word"] in VERDICTS, c["name"]
    kinds = {c["kind"] for c in CASES}
    for kind in ("wildcard-key-policy", "accept-key-policy", "reject-key-policy", "cli-output", "grants", "snapshot", "folder",
                 "gaad", "generated"):
        assert kind in kinds
    assert {c["name"] for c in CASES} == {p.name for p in CASES_DIR.iterdir() if p.is_dir()}, "stale case folders"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_adversarial_case(case: dict[str, Any], tmp_path: Path) -> None:
    got, found = run_case(case, tmp_path)
    assert not found, describe(case, got, found)


def test_the_judge_catches_what_it_should() -> None:
    """The checks themselves: a traceback, two stderr lines, a wrong verdict and a hang are each caught."""
    assert problems({"exit": 0, "first_word": "Allowed"}, Outcome(0, "Allowed x", "", 0.1)) == []
    assert problems({"exit": 0, "first_word": "Allowed"}, Outcome(0, "ImplicitlyDenied x", "", 0.1))
    assert problems({"exit": 2, "names": ["a.json"]}, Outcome(2, "", "kmstui: error: a.json: bad\nmore\n", 0.1))
    assert problems({"exit": 2, "names": ["a.json"]}, Outcome(2, "", "kmstui: error: b.json: bad\n", 0.1))
    assert problems({"exit": 2}, Outcome(1, "", "Traceback (most recent call last):\n", 0.1))
    assert problems({"exit": 2}, Outcome("hang", "", "", 10.0, hung=True))
    got = run_forked(["reference", "--policy-type", "no-such-type"])
    assert got.rc == 2 and "Traceback" not in got.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_the_forked_runner_survives_a_hang(tmp_path: Path) -> None:
    """Sanity of the harness: a child that blocks is killed at the time limit and reported as a hang."""
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    start = time.monotonic()
    got = run_forked_callable(lambda: open(fifo).read(), timeout=1.0)
    assert got.hung and time.monotonic() - start < 5


def run_forked_callable(fn: Any, timeout: float) -> Outcome:
    """Like run_forked, for an arbitrary callable (used to test the harness)."""
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    os.close(write_fd)
    ready, _, _ = select.select([read_fd], [], [], timeout)
    os.close(read_fd)
    hung = not ready
    if hung:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return Outcome("hang" if hung else 0, "", "", time.monotonic() - start, hung=hung)
