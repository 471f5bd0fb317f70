"""``kmstui matrix --organization DIR``: who can use which key, over a folder of snapshots (one per account).

Writes JSON lines, one per (key, principal) row, to standard output or ``--output FILE`` (``.parquet``:
Parquet, when pyarrow is installed), and a summary on standard error. Runs on Dask when it is
installed (``pip install "kmstui[dask]"``): a LocalCluster of ``--workers`` processes (default 2),
or ``--scheduler tcp://HOST:PORT``; in this process with ``--workers 1`` or without Dask.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kmstui.outside_text import visible


def add_organization_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("an organisation (one snapshot per account)")
    group.add_argument("--organization", metavar="DIR",
                       help="every key of every account × the principals of any account its policies may allow, "
                       "from a folder of snapshots (one *.json file or sub-folder per account); writes JSON lines. Runs on a Dask "
                       "LocalCluster of --workers processes (default 2) when Dask is installed; --workers 1: this process")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --organization: run on this Dask scheduler (tcp://HOST:PORT) instead of a LocalCluster")
    group.add_argument("--output", metavar="FILE",
                       help="with --organization: write the rows to FILE (.parquet: Parquet, needs pyarrow; else JSON lines)")
    group.add_argument("--chunk-keys", type=int, metavar="N",
                       help="with --organization: keys per Dask task (default 8)")


def organization_mode(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "organization", None))


def check_organization_options(args: argparse.Namespace) -> None:
    """Options that only make sense with --organization are refused without it."""
    if not organization_mode(args):
        used = [flag for flag, value in (("--scheduler", args.scheduler), ("--output", args.output),
                                          ("--chunk-keys", args.chunk_keys)) if value is not None]
        if used:
            raise InputError(f"{used[0]} is for --organization DIR")


def run_organization(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from kmstui.analysis.matrix import MatrixError, select_actions
    from kmstui.analysis.organization import DEFAULT_CHUNK_KEYS, DEFAULT_WORKERS, OrganizationError, OrganizationRun
    from kmstui.policy.document import PolicyError
    from kmstui.sources.errors import SourceError
    from kmstui.sources.snapshot import SnapshotError

    try:
        if args.key or args.principal:
            raise InputError("--organization covers every key and principal: leave out --key and --principal")
        from kmstui.cli.sources import wants_snapshot

        if wants_snapshot(args):
            raise InputError("--organization reads its folder: leave out --snapshot, --demo and --profile/--region")
        if args.workers is not None and args.workers < 1:
            raise InputError("--workers must be 1 or more")
        if args.chunk_keys is not None and args.chunk_keys < 1:
            raise InputError("--chunk-keys must be 1 or more")
        workers = args.workers if args.workers is not None else DEFAULT_WORKERS
        if args.scheduler is None and workers > 1 and not _dask_installed():
            if args.workers is not None:
                raise InputError('Dask is not installed: pip install "kmstui[dask]", or use --workers 1')
            print('kmstui: note: Dask is not installed (pip install "kmstui[dask]"): evaluating in this process', file=err)
            workers = 1
        run = OrganizationRun(args.organization, select_actions(args.actions), workers=workers, scheduler=args.scheduler,
                              chunk_keys=args.chunk_keys or DEFAULT_CHUNK_KEYS, allowed_only=args.allowed_only)
        writer = _writer(args.output, out)
        failed = 0
        try:
            for row in run.rows():
                writer.write(row)
                if row.error is not None:
                    failed += 1
                    if failed <= 10:
                        who = row.principal or "the key"
                        print(f"kmstui: error: {visible(row.key)} × {visible(who)}: {visible(row.error)}", file=err)
        finally:
            writer.close()
    except (InputError, MatrixError, OrganizationError, SnapshotError, SourceError, PolicyError) as error:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"kmstui: error: {visible(text)}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("kmstui: cancelled", file=err)
        return 130
    plan = run.plan
    for note in plan.notes if plan else []:
        print(f"kmstui: note: {visible(note)}", file=err)
    rate = f", {run.cells / run.seconds:,.0f} cells/s" if run.seconds > 0 and run.cells else ""
    print(f"kmstui: organisation: {len(plan.accounts) if plan else 0} accounts, {plan.keys if plan else 0} keys, "
          f"{run.rows_out:,} rows, {run.cells:,} cells in {run.seconds:.1f} s{rate} ({run.mode})", file=err)
    if failed > 10:
        print(f"kmstui: error: {failed} rows could not be evaluated (the first 10 are above)", file=err)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _dask_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


class _JsonLines:
    def __init__(self, stream: TextIO, close: bool) -> None:
        self.stream, self._close = stream, close

    def write(self, row: Any) -> None:
        self.stream.write(json.dumps(row.to_dict(), separators=(",", ":")) + "\n")

    def close(self) -> None:
        if self._close:
            self.stream.close()
        else:
            self.stream.flush()


class _Parquet:
    """Rows in batches of ``BATCH`` to a Parquet file (lists of action names, dictionary-encoded)."""

    BATCH = 10_000

    def __init__(self, path: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        names = pa.list_(pa.string())
        self.pa = pa
        self.schema = pa.schema([("key", pa.string()), ("principal", pa.string()), ("allowed", names),
                                 ("denied_explicitly", names), ("if_known", names), ("rejected", names),
                                 ("error", pa.string())])
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.pending: list[dict[str, Any]] = []

    def write(self, row: Any) -> None:
        data = row.to_dict()
        data.setdefault("error", None)
        self.pending.append(data)
        if len(self.pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.writer.write_table(self.pa.Table.from_pylist(self.pending, schema=self.schema))
            self.pending = []

    def close(self) -> None:
        self._flush()
        self.writer.close()


def _writer(path: str | None, out: TextIO) -> Any:
    if path is None or path == "-":
        return _JsonLines(out, close=False)
    if path.lower().endswith(".parquet"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(f"{path}: Parquet needs pyarrow (pip install pyarrow), or write JSON lines (.jsonl)") from None
        try:
            return _Parquet(path)
        except OSError as error:
            raise InputError(f"{path}: {error.strerror or error}") from None
    try:
        return _JsonLines(open(path, "w", encoding="utf-8"), close=True)
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from None
