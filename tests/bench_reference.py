"""Benchmark: how fast the reference loads and the app starts (and first paints: goal < 0.8 s).
Prints figures; asserts nothing.

    python tests/bench_reference.py

Each figure is the median of several fresh processes, so import time counts as a user feels it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

RUNS = 7

LOAD = """
import time
t0 = time.perf_counter()
from kmstui.reference.model import load_reference
ref = load_reference()
t1 = time.perf_counter()
print((t1 - t0) * 1000, len(ref.actions), len(ref.condition_keys))
"""

LOOKUPS = """
import time
from kmstui.reference.model import load_reference
ref = load_reference()
names = [a.name for a in ref.actions]
t0 = time.perf_counter()
for _ in range(200):
    for name in names:
        ref.action(name.lower())
t1 = time.perf_counter()
for _ in range(20):
    ref.search_actions("grant"); ref.search_actions("gdk"); ref.search_condition_keys("context")
t2 = time.perf_counter()
print((t1 - t0) / (200 * len(names)) * 1e6, (t2 - t1) / 60 * 1000)
"""

APP_START = """
import asyncio, time
t0 = time.perf_counter()
from kmstui.app.application import make_app
async def main():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#actions-table").row_count > 0
        return time.perf_counter()
t1 = asyncio.run(main())
print((t1 - t0) * 1000)
"""

# First paint as a user feels it: from launching the process (interpreter start and every import
# included) to the first frame of the Reference, drawn by a headless driver. The child prints a
# line when that frame is done; the parent times from Popen to reading it.
FIRST_PAINT = """
import asyncio, sys
from kmstui.app.application import make_app
async def main():
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        def painted():
            print("painted", flush=True)
        app.screen.call_after_refresh(painted)  # after the first refresh of the mounted screen
        await pilot.pause()
asyncio.run(main())
"""
FIRST_PAINT_GOAL_MS = 800


def first_paint_ms() -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", FIRST_PAINT], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        line = child.stdout.readline()
        times.append((time.perf_counter() - t0) * 1000)
        child.wait()
        assert line.strip() == "painted", line
    return statistics.median(times)


def run(code: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()]


def median_of(code: str, index: int = 0) -> float:
    return statistics.median(run(code)[index] for _ in range(RUNS))


def cli_wall_ms() -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kmstui", "reference", "kms:Decrypt", "--json"],
                       capture_output=True, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    first = run(LOAD)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"reference: {int(first[1])} actions, {int(first[2])} condition keys")
    print(f"load_reference (import + parse), median of {RUNS} processes: {median_of(LOAD):.1f} ms (goal < 50 ms)")
    per_lookup, per_search = statistics.median(run(LOOKUPS)[0] for _ in range(3)), run(LOOKUPS)[1]
    print(f"action look-up: {per_lookup:.2f} µs; fuzzy search over all names: {per_search:.2f} ms")
    print(f"`kmstui reference kms:Decrypt --json` wall time, median: {cli_wall_ms():.0f} ms")
    print(f"app start to a filled Reference (headless 120x36, imports included), median: {median_of(APP_START):.0f} ms")
    paint = first_paint_ms()
    verdict = "within" if paint < FIRST_PAINT_GOAL_MS else "OVER"
    print(f"first paint (process launch to the Reference's first frame, headless 120x36), median of {RUNS}: "
          f"{paint:.0f} ms ({verdict} the {FIRST_PAINT_GOAL_MS} ms goal)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
