"""Benchmark: from a warm snapshot cache to a usable Snapshot (goal: under 0.5 s). Prints figures.

    python tests/bench_cache.py [--keys 1000] [--principals 500]

The Snapshot is generated (keys with key policies, aliases, grants and tags; principals with
policies), stored in a temporary cache, then read back as the app and CLI do at start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matrix import generate_snapshot  # noqa: E402

from kmstui.sources.cache import SnapshotCache, cache_key  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--principals", type=int, default=500)
    args = parser.parse_args()
    snapshot = generate_snapshot(args.principals, args.keys)
    key = cache_key("bench", ["us-east-1"], None)
    with tempfile.TemporaryDirectory() as folder:
        with SnapshotCache(Path(folder)) as cache:
            cache.put(key, snapshot)
        size = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            with SnapshotCache(Path(folder)) as cache:
                cached = cache.get(key)
            assert cached is not None and len(cached.snapshot.keys) == args.keys
            timings.append(time.perf_counter() - start)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"snapshot: {args.keys} keys, {args.principals} principals; cache on disk {size / 1e6:.1f} MB")
    print(f"warm cache to a usable Snapshot, median of 5: {statistics.median(timings) * 1000:.0f} ms (goal < 500 ms)")


if __name__ == "__main__":
    main()
