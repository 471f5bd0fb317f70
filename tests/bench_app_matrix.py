"""Benchmark of the app's Matrix section on a large account: prints figures, asserts nothing.

    python tests/bench_app_matrix.py [--principals 5000] [--repeats 3]

Opens the app headless (Textual's test driver) on bench_matrix's generated account, shows the key
matrix of a key with the IAM-enabling statement, and times the fill until the last row is in the
table. While it fills, a timer asks the event loop for a tick every 20 ms: the longest gap between
ticks is how long the interface could not answer a key press.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matrix import generate_snapshot  # noqa: E402

from kmstui.app.application import make_app  # noqa: E402
from kmstui.widgets.grid_table import GridTable  # noqa: E402


async def one_fill(snapshot, key: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    app = make_app(snapshot=snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        ticks: list[float] = []
        timer = app.set_interval(0.02, lambda: ticks.append(time.perf_counter()))
        start = time.perf_counter()
        app.screen.show_key(key)
        table = app.screen.query_one(GridTable)
        while app.screen.matrix is None or not app.screen.matrix.complete or table.row_count < len(app.screen.matrix.rows):
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - start
        timer.stop()
        gaps = [b - a for a, b in zip(ticks, ticks[1:])] or [seconds]
        return seconds, max(gaps), table.row_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    snapshot = generate_snapshot(args.principals, 50)
    key = snapshot.keys[1].arn
    print(f"cpu_count={os.cpu_count()}  python {sys.version.split()[0]}")
    fills, gaps = [], []
    for _ in range(args.repeats):
        seconds, gap, rows = asyncio.run(one_fill(snapshot, key))
        fills.append(seconds)
        gaps.append(gap)
    print(f"app matrix, {rows} rows × 44 actions: filled in min {min(fills):.2f} s, median {statistics.median(fills):.2f} s; "
          f"longest the interface went without a tick while filling: min {min(gaps) * 1000:.0f} ms, "
          f"median {statistics.median(gaps) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
