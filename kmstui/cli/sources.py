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
    from kmstui.sources.limits import Limits
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
    group.add_argument("--max-file-mb", type=float, metavar="MB",
                       help="read files up to this size (default 20); larger ones are refused unread")
    if with_cache:
        group.add_argument("--refresh", action="store_true", help="reload the account even when a cached copy exists")
        group.add_argument("--no-cache", action="store_true", help="neither read nor write the snapshot cache")
    group.add_argument("--connect-timeout", type=float, metavar="SECONDS",
                       help="seconds to open a connection to AWS (default 5; env KMSTUI_CONNECT_TIMEOUT)")
    group.add_argument("--read-timeout", type=float, metavar="SECONDS",
                       help="seconds to wait for an answer (default 20; env KMSTUI_READ_TIMEOUT)")
    group.add_argument("--max-attempts", type=int, metavar="N",
                       help="attempts in all per call, retries included (default 10; env KMSTUI_MAX_ATTEMPTS)")
    group.add_argument("--deadline", type=float, metavar="SECONDS",
                       help="seconds for the whole account load; what is unfinished then is a load error "
                       "(default 600; env KMSTUI_LOAD_DEADLINE)")


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

        from kmstui.outside_text import visible

        snapshot = load_path(args.snapshot, max_bytes_of(args))
        for error in snapshot.errors:  # files that could not be used, or what a saved load missed
            print(f"kmstui: warning: {visible(error.what)}: {visible(error.message)}", file=err)
        return snapshot
    return load_account_cached(args, err)


def max_bytes_of(args: argparse.Namespace) -> int:
    """The file size limit: ``--max-file-mb``, else the reader's default."""
    from kmstui.sources.reader import MAX_BYTES

    value = getattr(args, "max_file_mb", None)
    if value is not None and value <= 0:
        raise SourceError("--max-file-mb must be above 0")
    return int(value * 1024 * 1024) if value is not None else MAX_BYTES


def account_limits(args: argparse.Namespace) -> "Limits":
    """Timeouts, attempts and deadline: the flags, else the KMSTUI_* variables, else the defaults."""
    from kmstui.sources.limits import limits_from

    return limits_from(connect_timeout=getattr(args, "connect_timeout", None),
                       read_timeout=getattr(args, "read_timeout", None),
                       max_attempts=getattr(args, "max_attempts", None), deadline=getattr(args, "deadline", None))


def load_account_cached(args: argparse.Namespace, err: TextIO | None = None) -> Snapshot:
    """Who the credentials are, then the cached copy of that account (unless --refresh or --no-cache),
    else a load from AWS with a progress bar per phase on standard error; says whose data it is."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kmstui.outside_text import visible
    from kmstui.sources.cache import load_account_cached as load_through_cache

    def warn(line: str) -> None:
        print(visible(line), file=err)

    limits = account_limits(args)
    console = Console(file=err, markup=False, highlight=False)
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=not err.isatty()) as progress:
        tasks: dict[str, Any] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(visible(phase), total=total)
            progress.update(tasks[phase], completed=done, total=total)

        data = load_through_cache(args.profile, args.region, args.endpoint_url,
                                  refresh=getattr(args, "refresh", False), use_cache=not getattr(args, "no_cache", False),
                                  progress=report, warn=warn, limits=limits)
    whose = visible(data.whose.label)
    if data.cached is not None:
        print(f"kmstui: using the cached snapshot of {whose}, {data.cached.age_text}; --refresh reloads", file=err)
    else:
        print(f"kmstui: loaded {whose} as {visible(data.caller_arn)}", file=err)
    for error in data.snapshot.errors:
        print(f"kmstui: warning: {visible(error.what)}: {visible(error.message)}", file=err)
    return data.snapshot


def run_snapshot(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    """``kmstui snapshot … -o FILE``: load and write a Snapshot (never changes the account)."""
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from kmstui.sources.snapshot import SnapshotError

    from kmstui.outside_text import visible
    from kmstui.sources.atomic_file import write_text_atomically

    if args.output == "":
        print("kmstui: error: -o needs a file name (or - for standard output)", file=err)
        return 2
    try:
        if not wants_snapshot(args):
            raise SourceError("say what to load: --profile/--region/--endpoint-url, --snapshot PATH, or --demo")
        snapshot = load_snapshot(args, err)
        text = snapshot.to_json()
        if args.output == "-":
            out.write(text)
        else:
            write_text_atomically(args.output, text, follow_symlink=getattr(args, "follow_symlink", False))
    except (SourceError, SnapshotError) as error:
        print(f"kmstui: error: {visible(error)}", file=err)
        return 2
    except OSError as error:
        print(f"kmstui: error: {visible(args.output)}: cannot write: {visible(error.strerror or error)}", file=err)
        return 2
    except KeyboardInterrupt:
        print("kmstui: cancelled; nothing written", file=err)
        return 130
    summary = (f"{len(snapshot.keys)} keys, {len(snapshot.principals)} principals, "
               f"{len(snapshot.managed_policies)} managed policies, {len(snapshot.errors)} load errors")
    print(f"kmstui: wrote {visible(args.output)}: {summary}", file=err)
    return 0


def add_snapshot_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "snapshot",
        help="load an account (read-only), files or the demo and save a snapshot",
        description="Load everything that decides KMS access — keys, key policies, aliases, grants, tags, IAM "
        "principals and policies, SCPs and RCPs — and write it as one JSON snapshot. Account loads call only "
        "the read operations kmstui lists (kmstui.sources.readonly).",
    )
    add_source_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the snapshot (- for standard output)")
    parser.add_argument("--follow-symlink", action="store_true",
                        help="when FILE is a symbolic link, write the file it points to (refused otherwise)")

