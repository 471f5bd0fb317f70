"""Benchmark of organisation who-can: prints figures, asserts nothing but equal results.

    python tests/bench_organization.py [--accounts 20] [--principals 50] [--keys 10] [--repeats 3] [--workers 2]
    python tests/bench_organization.py --full      # 50 accounts × 200 principals × 20 keys (slow on 2 cores)

Generates one snapshot per account (tests/org_generate.py: users and roles with identity policies
of several shapes, groups, boundaries, SCPs; keys whose policies often open them to another
account's root or one of its roles, grants to other accounts' roles, some signing keys), writes
them to a temporary folder, and runs the organisation matrix (every key × its candidate principals
× every key action, with ``decide``) in one process and on a LocalCluster of ``--workers``
processes. Each run starts cold (every process's snapshot cache cleared), so loading and parsing
are in the figures; the cluster's start is timed apart. Prints cells per second of wall time (min and
median of the runs), CPU time (this process and every worker: the figure that does not depend on
what else the machine runs), the machine's cores and load, and the extrapolation to 500 accounts ×
1,000 principals × 200 keys in CPU-hours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from org_generate import generate_organization, write_organization  # noqa: E402

from kmstui.analysis.organization import OrganizationRun  # noqa: E402
from kmstui.sources.organization import clear_cache  # noqa: E402

TARGET = (500, 1000, 200)  # accounts, principals per account, keys per account


def _run(folder: Path, client: object = None, **options: object) -> tuple[float, float, OrganizationRun, list]:
    """(wall seconds, CPU seconds of this process and every worker, the run, its rows)."""
    run = OrganizationRun(folder, client=client, **options)
    workers_before = client.run(time.process_time) if client is not None else {}  # type: ignore[attr-defined]
    cpu, started = time.process_time(), time.perf_counter()
    rows = list(run.rows())
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if client is not None:
        after = client.run(time.process_time)  # type: ignore[attr-defined]
        cpu += sum(after[w] - workers_before.get(w, 0.0) for w in after)
    return wall, cpu, run, rows


def _key(row: object) -> tuple[str, str]:
    return (row.key, row.principal or "")  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--principals", type=int, default=50, help="users and roles per account")
    parser.add_argument("--keys", type=int, default=10, help="keys per account")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-keys", type=int, default=8)
    parser.add_argument("--full", action="store_true", help="50 accounts × 200 principals × 20 keys")
    args = parser.parse_args()
    if args.full:
        args.accounts, args.principals, args.keys = 50, 200, 20

    cores = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    print(f"machine: {cores} cores ({usable} usable by this process), load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"organisation: {args.accounts} accounts × {args.principals} principals × {args.keys} keys"
          + ("" if args.full else " (scaled down from 50 × 200 × 20 to keep a run to minutes on 2 shared cores; --full for it)"))

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_organization(Path(tmp) / "org", generate_organization(args.accounts, args.principals, args.keys))

        single: list[float] = []
        single_cpu: list[float] = []
        reference: list = []
        run = None
        for _ in range(args.repeats):
            clear_cache()
            seconds, cpu, run, rows = _run(folder, chunk_keys=args.chunk_keys)
            single.append(seconds)
            single_cpu.append(cpu)
            reference = reference or sorted(rows, key=_key)
        assert run is not None
        cells, rows_count, actions = run.cells, len(reference), len(run.actions)
        keys_total = args.accounts * args.keys
        print(f"work: {keys_total:,} keys, {rows_count:,} (key, principal) rows ({rows_count / keys_total:.1f} a key, "
              f"{rows_count / keys_total / args.principals:.2f}× an account's principals), {actions} actions, "
              f"{cells:,} cells, {run.tasks} tasks")

        dask: list[float] = []
        dask_cpu: list[float] = []
        start = None
        try:
            import logging

            from distributed import Client, LocalCluster
        except ImportError:
            print('dask: not installed (pip install "kmstui[dask]"): only the single process was timed')
        else:
            began = time.perf_counter()
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                start = time.perf_counter() - began
                for _ in range(args.repeats):
                    client.run(clear_cache)
                    seconds, cpu, _, rows = _run(folder, client=client, chunk_keys=args.chunk_keys)
                    dask.append(seconds)
                    dask_cpu.append(cpu)
                    assert sorted(rows, key=_key) == reference, "Dask and the single process differ"

    def figures(name: str, times: list[float], cpu: list[float]) -> tuple[float, float]:
        best, median = min(times), statistics.median(times)
        cpu_median = statistics.median(cpu)
        print(f"{name}: wall min {best:.2f} s, median {median:.2f} s over {len(times)} runs; "
              f"{cells / best:,.0f} cells/s (min), {cells / median:,.0f} cells/s (median); "
              f"CPU min {min(cpu):.2f} s, median {cpu_median:.2f} s = {1e6 * cpu_median / cells:.1f} CPU-s per million cells")
        return cells / median, cpu_median / cells

    single_rate, single_cost = figures("single process", single, single_cpu)
    if dask:
        dask_rate, dask_cost = figures(f"Dask LocalCluster, {args.workers} worker processes", dask, dask_cpu)
        print(f"  cluster start {start:.2f} s (not in the runs); wall speed-up {dask_rate / single_rate:.2f}× "
              f"(median); identical rows in every run")

    accounts, principals, keys = TARGET
    ratio = rows_count / keys_total / args.principals  # rows a key / principals of an account
    target_cells = accounts * keys * principals * ratio * actions
    print(f"extrapolation to {accounts} accounts × {principals:,} principals × {keys} keys: "
          f"{target_cells:.2e} cells (at this organisation's {ratio:.2f} rows per key per account principal)")
    print(f"  one process: {target_cells * single_cost / 3600:,.0f} CPU-hours (median CPU time a cell)")
    if dask:
        hours = target_cells * dask_cost / 3600
        print(f"  on Dask: {hours:,.0f} CPU-hours (workers, scheduler and client); about {hours / 64:,.1f} h on 64 "
              f"workers, {hours / 256:,.1f} h on 256, if each gets a whole core")

if __name__ == "__main__":
    main()
