"""Benchmark of `kmstui replay` on a generated 100,000-event CloudTrail log: prints figures, asserts nothing.

    python tests/bench_replay.py [EVENTS]

The log repeats the fixtures of tests/fixtures/cloudtrail/ (every event kind: Encrypt, Decrypt,
GenerateDataKey, ReEncrypt, CreateGrant, CreateAlias, via a service, via a VPC endpoint,
cross-account, denied and allowed) with a fresh eventID, eventTime and source address each, as a
gzip-compressed log file as CloudTrail delivers it. Prints the time to read and parse it, to
replay it in-process, and the whole `kmstui replay --demo FILE` run with its counts line.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent / "fixtures" / "cloudtrail"


def generate(count: int, path: Path) -> None:
    base = json.loads((HERE / "log" / "111122223333_CloudTrail_us-west-2_20261120T1000Z_example.json").read_text())["Records"]
    records = []
    for number in range(count):
        record = dict(base[number % len(base)])
        record["eventID"] = f"{number:08d}-0000-4000-8000-000000000000"
        record["eventTime"] = f"2026-11-{1 + number // 86400 % 28:02d}T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}Z"
        if not str(record.get("sourceIPAddress", "")).endswith(".amazonaws.com") and "vpcEndpointId" not in record:
            record["sourceIPAddress"] = f"192.0.2.{number % 250 + 1}"
        records.append(record)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"Records": records}, handle, separators=(",", ":"))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "111122223333_CloudTrail_us-west-2_bench.json.gz"
        started = time.perf_counter()
        generate(count, path)
        print(f"generated {count} events ({path.stat().st_size / 1048576:.1f} MB gzip) in {time.perf_counter() - started:.2f} s")

        from kmstui.analysis.replay import Replayer, counts
        from kmstui.sources.cloudtrail import load_events
        from kmstui.sources.demo import load_demo

        started = time.perf_counter()
        log = load_events(str(path), max_bytes=1 << 30)
        read = time.perf_counter() - started
        print(f"read and parsed: {len(log.events)} KMS events in {read:.2f} s ({len(log.events) / read:,.0f} events/s)")
        replayer = Replayer(load_demo())
        started = time.perf_counter()
        rows = replayer.replay(log.events)
        replayed = time.perf_counter() - started
        print(f"replayed in-process: {replayed:.2f} s ({len(rows) / replayed:,.0f} events/s), "
              f"{replayer.evaluations} engine evaluations for {len(rows)} events")
        print(f"counts: {counts(rows)}")

        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "kmstui", "replay", "--demo", str(path), "--max-file-mb", "1024"],
                                capture_output=True, text=True)
        whole = time.perf_counter() - started
        print(f"`kmstui replay --demo FILE` (exit {result.returncode}): {whole:.2f} s in all "
              f"({count / whole:,.0f} events/s), on {os.cpu_count()} cores")
        print("  " + result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
