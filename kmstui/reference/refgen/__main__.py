"""``python -m kmstui.reference.refgen``: rebuild data/kms_reference.json, or ``--check`` that it is current.

Exit codes: 0 done (or up to date), 1 ``--check`` found a difference, 2 an input is missing.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from kmstui.reference.refgen.actions import ActionReport
from kmstui.reference.refgen.build import generate
from kmstui.reference.refgen.errors import InputError
from kmstui.reference.refgen.locate import default_output_path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kmstui.reference.refgen", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, help="the 2021 permissions table (default: <repo>/../shared/seeds/…)")
    parser.add_argument("--output", type=Path, help=f"where to write (default: {default_output_path()})")
    parser.add_argument("--check", action="store_true", help="compare with the output file instead of writing it")
    return parser.parse_args(argv)


def diff_summary(old: str, new: str, limit: int = 12) -> list[str]:
    """A few changed lines of a unified diff, for a short --check report."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "generated", n=0, lineterm=""))
    changed = [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    shown = changed[:limit]
    if len(changed) > limit:
        shown.append(f"… and {len(changed) - limit} more changed lines")
    return shown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = args.output or default_output_path()
    report = ActionReport()
    try:
        text = generate(args.seed, report)
    except InputError as error:
        print(f"kmstui.reference.refgen: {error}", file=sys.stderr)
        return 2
    if args.check:
        old = output.read_text(encoding="utf-8") if output.is_file() else ""
        if old == text:
            print(f"{output}: up to date")
            return 0
        print(f"{output}: differs from what the generator makes (run python -m kmstui.reference.refgen)")
        for line in diff_summary(old, text):
            print(f"  {line}")
        return 1
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    decided = ", ".join(f"{d.action} {d.fact}{' (inferred)' if d.inferred else ''}" for d in report.decisions)
    print(f"wrote {output} ({len(text.encode('utf-8'))} bytes); overlay decided: {decided or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
