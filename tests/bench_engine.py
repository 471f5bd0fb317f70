"""Benchmark of the authorization engine on the golden corpus: prints figures, asserts nothing.

    python tests/bench_engine.py

Per decision with policies pre-parsed, on the fast path (decide, goal ≤ 8 µs) and the explaining path (evaluate), parse
plus evaluate from JSON text (goal: 150 µs or less), and `kmstui explain` start-up (goal: < 0.35 s).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_corpus import NOW, SCENARIOS  # noqa: E402

from kmstui import PolicySet, Request, RequestError, decide, evaluate  # noqa: E402

MIN_SCENARIOS = 300


def mixed_scenarios() -> list[dict]:
    """At least 300 scenarios: the corpus, repeated in order when it is smaller."""
    found = list(SCENARIOS)
    while len(found) < MIN_SCENARIOS:
        found += SCENARIOS[: MIN_SCENARIOS - len(found)]
    return found


def request_of(scenario: dict) -> Request:
    r = scenario["request"]
    return Request(r["principal"], r["action"], r["resource"], r.get("resource_account"), r.get("context"), r.get("derive", True))


def policy_texts(scenario: dict) -> dict:
    """The scenario's policies as JSON text, as a user's files would hold them."""
    texts = {}
    for name, value in scenario["policies"].items():
        if value is None:
            continue
        if name in ("key_policy", "boundary", "session") and isinstance(value, dict) and "Statement" in value:
            texts[name] = json.dumps(value, indent=2)
        elif name in ("identity", "vpc_endpoint"):
            texts[name] = [json.dumps(p, indent=2) for p in value]
        elif name in ("scps", "rcps"):
            texts[name] = [[json.dumps(p, indent=2) for p in level] for level in value]
        else:
            texts[name] = value
    return texts


def best_of(repeats: int, work) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def runs(count: int, work) -> tuple[float, float]:
    """(min, median) over ``count`` runs, each the best of five."""
    timings = sorted(best_of(5, work) for _ in range(count))
    return timings[0], timings[len(timings) // 2]


def kmstui_timings(requests: list[Request], texts: list[dict], count: int = 3) -> dict[str, list[float]]:
    """Per decision (min, median of ``count`` runs) on both paths, pre-parsed and from JSON text; questions
    that cannot be decided are left out. bench_peer.py uses it too, beside the peer's figures."""
    pairs, kept = [], []
    for request, text in zip(requests, texts):
        policies = PolicySet(**text)
        try:
            evaluate(request, policies, now=NOW)  # warms the caches (statement indexes, compiled patterns)
        except RequestError:
            continue
        pairs.append((request, policies))
        kept.append((request, text))

    def every(fn):
        def work() -> None:
            for request, policies in pairs:
                fn(request, policies, now=NOW)
        return work

    def parsed(fn):
        def work() -> None:
            for request, text in kept:
                fn(request, PolicySet(**text), now=NOW)
        return work

    n = len(pairs)
    return {"count": [n], "explaining": [t / n for t in runs(count, every(evaluate))],
            "fast": [t / n for t in runs(count, every(decide))],
            "parse_explain": [t / n for t in runs(count, parsed(evaluate))],
            "parse_fast": [t / n for t in runs(count, parsed(decide))]}


def main() -> None:
    scenarios = mixed_scenarios()
    timings = kmstui_timings([request_of(s) for s in scenarios], [policy_texts(s) for s in scenarios])
    n = timings["count"][0]
    explaining, fast = timings["explaining"], timings["fast"]
    parse_explain, parse_fast = timings["parse_explain"], timings["parse_fast"]

    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "key.json"
        policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions",
                          "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}))
        command = [sys.executable, "-m", "kmstui", "explain", "--principal", "arn:aws:iam::111122223333:root",
                   "--action", "kms:Decrypt", "--resource",
                   "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--key-policy", str(policy)]
        walls = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)

    def us(pair: list[float]) -> str:
        return f"min {pair[0] * 1e6:.1f} µs, median {pair[1] * 1e6:.1f} µs"

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"scenarios: {n} ({len(SCENARIOS)} in the corpus; questions that cannot be decided left out)")
    print(f"per decision, pre-parsed, explaining path (evaluate): {us(explaining)}")
    print(f"per decision, pre-parsed, fast path (decide):         {us(fast)}  (goal ≤ 8 µs); "
          f"{explaining[0] / fast[0]:.1f}× the explaining path")
    print(f"parse JSON text + evaluate: {us(parse_explain)}")
    print(f"parse JSON text + decide:   {us(parse_fast)}")
    print("peer (iam-simulate's core engine on Node): not run by this script")
    print(f"`kmstui explain` wall time, median of 7: {statistics.median(walls) * 1000:.0f} ms (goal < 350 ms)")


if __name__ == "__main__":
    main()
