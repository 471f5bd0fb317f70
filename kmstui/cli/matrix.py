"""``kmstui matrix``: who may do what on a key, or what one principal may do on every key.

Loads a Snapshot (a file or folder, or the demo), evaluates every row × KMS key action with the
engine, and prints a compact table (one glyph a cell) or JSON. Imports neither Textual nor boto3.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any, TextIO

from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kmstui.cli.sources import add_source_arguments
from kmstui.outside_text import outside_text, visible


LEGEND = "✓ allowed   ✗ explicitly denied   · implicitly denied   ⊘ allowed but refused by KMS for this key   ! could not be evaluated"


def add_matrix_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "matrix",
        help="every principal × KMS action on a key, or every key × action for a principal",
        description="Evaluate a whole access matrix against a snapshot: with --key, a row for each user and role "
        "of the snapshot, each principal the key policy names and each grantee of the key's grants; with "
        "--principal, a row for each key. Columns are the KMS actions authorized on a key (alias operations "
        "aside). The request context is empty, so conditions on it do not hold.",
    )
    parser.add_argument("--key", metavar="KEY", help="the key: id, ARN, alias name or alias ARN")
    parser.add_argument("--principal", metavar="PRINCIPAL", help="the principal: user or role name, or an ARN")
    add_source_arguments(parser, title="where policies come from")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    parser.add_argument("--allowed-only", action="store_true", help="only rows allowed at least one action")
    parser.add_argument("--actions", metavar="PATTERN",
                        help="only these columns: comma-separated action names, parts of names, globs (Generate*) "
                        "or groups (cryptographic, key-management, grants, tags)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="processes evaluating rows (default 1: rows the evaluation cannot tell apart share their "
                        "cells within one process, and forked processes, which do not share them, were slower; "
                        "with --organization: LocalCluster workers, default 2)")
    from kmstui.cli.organization import add_organization_arguments

    add_organization_arguments(parser)


def run_matrix(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    err = err or sys.stderr  # resolved at call time (tests capture it)
    from kmstui.analysis.matrix import MatrixError, plan_key_matrix, plan_principal_matrix, select_actions
    from kmstui.policy.document import PolicyError
    from kmstui.sources.snapshot import SnapshotError
    from kmstui.sources.errors import SourceError

    from kmstui.cli.organization import check_organization_options, organization_mode, run_organization

    if organization_mode(args):
        return run_organization(args, out, err)
    try:
        check_organization_options(args)
        if bool(args.key) == bool(args.principal):
            raise InputError("give exactly one of --key KEY or --principal PRINCIPAL")
        if args.workers is not None and args.workers < 1:
            raise InputError("--workers must be 1 or more")
        columns = select_actions(args.actions)
        snapshot = _load(args, err)
        if args.key:
            matrix = plan_key_matrix(snapshot, args.key, columns)
        else:
            matrix = plan_principal_matrix(snapshot, args.principal, columns)
    except (InputError, MatrixError, SnapshotError, SourceError, PolicyError) as error:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"kmstui: error: {visible(text)}", file=err)
        return EXIT_BAD_INPUT
    workers = args.workers or 1
    try:
        _fill(matrix, workers, err)
    except KeyboardInterrupt:
        print("kmstui: cancelled", file=err)
        return 130
    if args.format == "json":
        write_json(matrix, out, allowed_only=args.allowed_only)
    else:
        render_text(matrix, out, allowed_only=args.allowed_only)
    failed = [row for row in matrix.rows if row.error]
    if failed:  # a policy in the snapshot that does not parse: the matrix is incomplete (its rows show !)
        more = f" (and {len(failed) - 1} more row{'s' if len(failed) > 2 else ''})" if len(failed) > 1 else ""
        print(f"kmstui: error: {visible(failed[0].label)}: {visible(failed[0].error)}{more}", file=err)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _load(args: argparse.Namespace, err: TextIO) -> Any:
    from kmstui.cli.sources import load_snapshot, wants_snapshot

    if not wants_snapshot(args):
        raise InputError("say where policies come from: --snapshot PATH, --demo or --profile/--region")
    return load_snapshot(args, err)


def _fill(matrix: Any, workers: int, err: TextIO) -> None:
    from kmstui.analysis.matrix import fill

    if not err.isatty() or len(matrix.rows) < 200:
        fill(matrix, workers=workers)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=err), transient=True) as progress:
        task = progress.add_task("rows", total=len(matrix.rows))
        fill(matrix, lambda done, total: progress.update(task, completed=done, total=total), workers=workers)


def write_json(matrix: Any, out: TextIO, allowed_only: bool = False) -> None:
    """Matrix.to_dict as JSON, a row a line, written as it goes: the indented form of 5,000 rows takes
    Python's slow encoder seconds; a line per row is fast, reads back the same and greps well."""
    from kmstui.outside_text import json_line, json_text

    data = matrix.to_dict(allowed_only=allowed_only)
    rows = data.pop("rows")
    head = json_text(data)  # "{\n  …\n}": the small fields, indented
    out.write(head[:-2] + ',\n  "rows": [' + ("\n" if rows else ""))
    cells_text: dict[int, str] = {}  # rows that share a "cells" dict (Matrix.to_dict) share its JSON
    for index, row in enumerate(rows):
        cells = row["cells"]
        text = cells_text.get(id(cells))
        if text is None:
            text = cells_text[id(cells)] = json_line(cells)
        # (a quote inside a JSON string is escaped: only the key itself reads `, "cells": null`)
        before, after = json_line({**row, "cells": None}).split(', "cells": null', 1)
        out.write("    " + before + ', "cells": ' + text + after + ("," if index < len(rows) - 1 else "") + "\n")
    out.write(("  ]" if rows else "]") + "\n}\n")


def render_text(matrix: Any, out: TextIO, allowed_only: bool = False) -> None:
    """A compact table: a glyph a cell, action names as headers when they fit, else numbers and a key."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from kmstui.analysis.matrix import GROUP_LABELS, group_actions

    tty = out.isatty()
    rows = [r for r in matrix.rows if r.allowed or not allowed_only]
    short = [a.split(":", 1)[1] for a in matrix.actions]
    subject = "key" if matrix.kind == "key" else "principal"
    row_header = "principal" if matrix.kind == "key" else "key"
    label_width = max([len(row_header)] + [len(visible(r.label)) for r in rows])
    by_name = label_width + sum(len(s) + 1 for s in short) + 4
    available = Console(file=out).width if tty else 160
    numbered = by_name > available
    headers = [str(i + 1) for i in range(len(short))] if numbered else short

    title = f"{subject} {matrix.label}" + (f" ({matrix.subject})" if matrix.label != matrix.subject else "")
    if not tty:  # a file or a pipe: plain lines, written as they are made (a rich Table of 5,000 rows takes seconds)
        _plain_rows(rows, matrix.actions, headers, row_header, label_width, out, visible(title), matrix.notes)
    else:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1 if not numbered else 0), collapse_padding=True,
                      show_edge=False)
        table.add_column(row_header, no_wrap=True)
        for header in headers:
            table.add_column(header, justify="center", no_wrap=True, min_width=2 if numbered else None)
        for row in rows:
            # A row's label is a name from the snapshot: Text (never markup), control characters spelled out.
            table.add_row(outside_text(row.label), *[_styled(row.glyph(a), tty) for a in matrix.actions])
    width = label_width + sum(max(len(h), 2) + 1 for h in headers) + 8
    console = Console(file=out, force_terminal=tty, no_color=not tty, highlight=False, soft_wrap=False,
                      width=None if tty else max(width, 80))
    if tty:
        console.print(outside_text(title), soft_wrap=True)
        for note in matrix.notes:
            console.print(outside_text(f"note: {note}"), soft_wrap=True)
    if rows and tty:
        console.print(table)
    elif not rows:
        console.print("no principal is allowed any of these actions" if matrix.kind == "key"
                      else "no key allows this principal any of these actions")
    hidden = len(matrix.rows) - len(rows)
    counts = f"{len(rows)} rows × {len(matrix.actions)} actions" + (f" ({hidden} rows with nothing allowed hidden)" if hidden else "")
    console.print(counts, soft_wrap=True)
    console.print(LEGEND, soft_wrap=True)
    if numbered:
        groups = group_actions(matrix.actions)
        index = {a: i + 1 for i, a in enumerate(matrix.actions)}
        wrap_at = max(40, min(console.width, 100))  # a key of numbers to names, wrapped (never one long line)
        for group, names in groups.items():
            listed = "  ".join(f"{index[n]}\u00a0{n.split(':', 1)[1]}" for n in names)
            lines = textwrap.wrap(f"{GROUP_LABELS[group]}: {listed}", width=wrap_at, subsequent_indent="  ")
            for line in lines:
                console.print(line.replace("\u00a0", " "), markup=False, soft_wrap=True)


def _plain_rows(rows: list, actions: tuple[str, ...], headers: list[str], row_header: str, label_width: int,
                out: TextIO, title: str, notes: list[str]) -> None:
    """The table as plain text lines, one write per row: a glyph centred under each header."""
    widths = [max(len(h), 2) for h in headers]
    out.write(title + "\n")
    for note in notes:
        out.write(visible(f"note: {note}") + "\n")
    if not rows:
        return
    header = row_header.ljust(label_width) + "  " + " ".join(h.center(w) for h, w in zip(headers, widths))
    out.write(header.rstrip() + "\n" + "─" * len(header.rstrip()) + "\n")
    for row in rows:
        cells = " ".join(row.glyph(a).center(w) for a, w in zip(actions, widths))
        out.write((visible(row.label).ljust(label_width) + "  " + cells).rstrip() + "\n")


def _styled(glyph: str, tty: bool) -> str:
    if not tty:
        return glyph
    style = {"✓": "green", "✗": "bold red", "·": "dim", "!": "yellow"}.get(glyph)
    return f"[{style}]{glyph}[/]" if style else glyph
