"""Choosing where a Snapshot comes from on the command line: a file or folder, the demo, or an account.

Shared by ``kmstui snapshot``, ``kmstui explain`` and the app. boto3 is imported only when an account
is actually loaded, so file, demo and cached work stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, TextIO

from kmstui.sources.errors import SourceError

if TYPE_CHECKING:
    from kmstui.sources.snapshot import Snapshot


def add_source_arguments(parser: argparse.ArgumentParser, with_cache: bool = True,
                         title: str = "where policies come from (instead of policy files)") -> None:
    group = parser.add_argument_group(title)
    group.add_argument("--snapshot", metavar="PATH",
                       help="a saved snapshot, a file of saved AWS CLI output, or a folder of them")
    group.add_argument("--demo", action="store_true", help="the bundled demo account (no AWS needed)")
    group.add_argument("--profile", metavar="NAME", help="load this AWS profile's account (read-only)")
    group.add_argument("--region", action="append", default=[], metavar="REGION", help="a region to load (repeatable)")
    group.add_argument("--endpoint-url", metavar="URL", help="send AWS calls to this endpoint, as the AWS CLI does")
    if with_cache:
        group.add_argument("--refresh", action="store_true", help="reload the account even when a cached copy exists")
        group.add_argument("--no-cache", action="store_true", help="neither read nor write the snapshot cache")


def wants_account(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "profile", None) or getattr(args, "region", None) or getattr(args, "endpoint_url", None))


def wants_snapshot(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "snapshot", None) or getattr(args, "demo", False) or wants_account(args))


def load_snapshot(args: argparse.Namespace, err: TextIO | None = None) -> Snapshot:
    """The Snapshot the options name; raises SourceError / SnapshotError with one line."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    chosen = [name for name, on in (("--snapshot", bool(getattr(args, "snapshot", None))), ("--demo", getattr(args, "demo", False)),
                                     ("--profile/--region/--endpoint-url", wants_account(args))) if on]
    if len(chosen) > 1:
        raise SourceError(f"choose one source: {' or '.join(chosen)}")
    if getattr(args, "demo", False):
        from kmstui.sources.demo import load_demo

        return load_demo()
    if getattr(args, "snapshot", None):
        from kmstui.sources.files import load_path

        snapshot = load_path(args.snapshot)
        for error in snapshot.errors:  # files that could not be used, or what a saved load missed
            print(f"kmstui: warning: {error.what}: {error.message}", file=err)
        return snapshot
    return load_account_cached(args, err)


def load_account_cached(args: argparse.Namespace, err: TextIO | None = None) -> Snapshot:
    """From the cache when a fresh-enough copy exists (unless --refresh or --no-cache), else from AWS."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from kmstui.sources.cache import cached_account

    use_cache = not getattr(args, "no_cache", False)
    if use_cache and not getattr(args, "refresh", False):
        cached = cached_account(args.profile, args.region, args.endpoint_url, warn=lambda line: print(line, file=err))
        if cached is not None:
            print(f"kmstui: using the cached snapshot ({cached.age_text}; --refresh reloads)", file=err)
            return cached.snapshot
    return load_account_with_progress(args, err, use_cache)


def load_account_with_progress(args: argparse.Namespace, err: TextIO | None = None, use_cache: bool = True) -> Snapshot:
    """Load the account from AWS (and cache it) with a progress bar per phase on standard error."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kmstui.sources.cache import load_account_cached

    console = Console(file=err)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=not err.isatty()) as progress:
        tasks: dict[str, Any] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=total)
            progress.update(tasks[phase], completed=done, total=total)

        snapshot, _ = load_account_cached(args.profile, args.region, args.endpoint_url, refresh=True,
                                          use_cache=use_cache, progress=report,
                                          warn=lambda line: print(line, file=err))
    for error in snapshot.errors:
        print(f"kmstui: warning: {error.what}: {error.message}", file=err)
    return snapshot


def run_snapshot(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """``kmstui snapshot … -o FILE``: load and write a Snapshot (never changes the account)."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from kmstui.sources.snapshot import SnapshotError

    try:
        if not wants_snapshot(args):
            raise SourceError("say what to load: --profile/--region/--endpoint-url, --snapshot PATH, or --demo")
        snapshot = load_snapshot(args, err)
    except (SourceError, SnapshotError) as error:
        print(f"kmstui: error: {error}", file=err)
        return 2
    except KeyboardInterrupt:
        print("kmstui: cancelled; nothing written", file=err)
        return 130
    text = snapshot.to_json()
    if args.output == "-":
        out.write(text)
    else:
        import os
        import tempfile
        from pathlib import Path

        target = Path(args.output)
        try:
            handle, temporary = tempfile.mkstemp(dir=str(target.parent or "."), prefix=".kmstui-snapshot-")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, target)  # never a half-written snapshot
        except OSError as error:
            print(f"kmstui: error: {args.output}: cannot write: {error.strerror or error}", file=err)
            return 2
    summary = (f"{len(snapshot.keys)} keys, {len(snapshot.principals)} principals, "
               f"{len(snapshot.managed_policies)} managed policies, {len(snapshot.errors)} load errors")
    print(f"kmstui: wrote {args.output}: {summary}", file=err)
    return 0


def add_snapshot_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "snapshot",
        help="load an account (read-only), files or the demo and save a snapshot",
        description="Load everything that decides KMS access — keys, key policies, aliases, grants, tags, IAM "
        "principals and policies, SCPs and RCPs — and write it as one JSON snapshot. Account loads only call "
        "List*, Get* and Describe* operations.",
    )
    add_source_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the snapshot (- for standard output)")

