"""Benchmark of the authorization engine on the golden corpus: prints figures, asserts nothing.

    python tests/bench_engine.py

Per decision with policies pre-parsed (goal: 20 µs or less on one core of a 2-core machine), parse
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

from kmstui import PolicySet, Request, evaluate  # noqa: E402

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


def main() -> None:
    scenarios = mixed_scenarios()
    requests = [request_of(s) for s in scenarios]
    texts = [policy_texts(s) for s in scenarios]
    prepared = [PolicySet(**t) for t in texts]
    pairs = list(zip(requests, prepared))
    for request, policies in pairs:  # warm caches (statement indexes, compiled patterns)
        evaluate(request, policies, now=NOW)

    def evaluate_all() -> None:
        for request, policies in pairs:
            evaluate(request, policies, now=NOW)

    def parse_and_evaluate_all() -> None:
        for request, text in zip(requests, texts):
            evaluate(request, PolicySet(**text), now=NOW)

    per_decision = best_of(5, evaluate_all) / len(pairs)
    per_parse = best_of(5, parse_and_evaluate_all) / len(pairs)

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

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"scenarios: {len(pairs)} ({len(SCENARIOS)} in the corpus)")
    print(f"per decision, policies pre-parsed: {per_decision * 1e6:.1f} µs (goal ≤ 20 µs)")
    print(f"per decision, parse JSON text + evaluate: {per_parse * 1e6:.1f} µs (goal ≤ 150 µs)")
    print(f"`kmstui explain` wall time, median of 7: {statistics.median(walls) * 1000:.0f} ms (goal < 350 ms)")


if __name__ == "__main__":
    main()
