"""Adversarial wildcard patterns: prints the time each takes (linear matcher; a regex took years).

Run: python tests/bench_patterns.py
"""

from __future__ import annotations

import os
import time

from kmstui.policy.patterns import parse_template, wildcard_match

CASES = [
    ("60 stars then a letter, 5,000-char value", "kms:" + "*" * 60 + "x", "kms:" + "y" * 5000),
    ("*a repeated 30 times then *b, 5,000 a's", "*a" * 30 + "*b", "a" * 5000),
    ("*a? repeated 40 times then b, 5,000 a's", "*a?" * 40 + "b", "a" * 5000),
    ("*a repeated 500 times then *b, 100,000 a's", "*a" * 500 + "*b", "a" * 100_000),
    ("one star, 1 MB value", "arn:aws:kms:*:111122223333:key/x", "arn:aws:kms:" + "r" * 1_000_000),
]


def main() -> None:
    print(f"wildcard matching, {os.cpu_count()} cores")
    for label, pattern, value in CASES:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            wildcard_match(pattern, value)
            runs.append(time.perf_counter() - start)
        print(f"  {label:48} min {min(runs) * 1e3:9.3f} ms  median {sorted(runs)[1] * 1e3:9.3f} ms")
    start = time.perf_counter()
    parse_template("${" * 200_000)
    print(f"  {'200,000 unclosed ${ in one value':48} {(time.perf_counter() - start) * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()
