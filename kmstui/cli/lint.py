"""``kmstui lint``: risky or ineffective statements in policy files, a snapshot or the demo.

Imports neither Textual nor boto3. Exit 0 (or 1 when a finding at or above ``--fail-on`` exists), 2 for
bad input with one line naming the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from typing import TYPE_CHECKING

from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, InputError
from kmstui.cli.sources import add_source_arguments, load_snapshot, wants_snapshot
from kmstui.outside_text import visible

if TYPE_CHECKING:
    from kmstui.analysis.findings import Finding

# The findings module is imported when lint runs, not when the CLI builds its parser (explain's start-up).
SEVERITIES = ("high", "medium", "low", "info")

EXIT_FINDINGS = 1


def add_lint_parser(commands: Any) -> None:
    lint = commands.add_parser(
        "lint",
        help="find risky or ineffective statements in KMS key policies and IAM policies",
        description="Lint a policy file (an identity policy, or a key policy when it has a Principal), a folder of "
        "policy files, a snapshot, an account or the demo account. The rules are listed in README.md.",
    )
    lint.add_argument("path", nargs="?", metavar="PATH", help="a policy file or a folder of .json policy files")
    add_source_arguments(lint, title="or lint what a source loads")
    lint.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    lint.add_argument("--fail-on", choices=SEVERITIES, default=None, metavar="SEVERITY",
                      help="exit 1 when a finding of this severity or worse exists: high, medium, low, info "
                      "(default: never)")


def run_lint(args: argparse.Namespace, out: TextIO, err: TextIO | None = None) -> int:
    from kmstui.analysis.findings import severity_at_least
    from kmstui.policy.document import PolicyError
    from kmstui.sources.snapshot import SnapshotError
    from kmstui.sources.errors import SourceError

    err = err or sys.stderr
    try:
        findings, what = _collect(args, err)
    except (PolicyError, SourceError, SnapshotError, InputError) as error:
        print(f"kmstui: error: {visible(error)}", file=err)
        return EXIT_BAD_INPUT
    if args.format == "json":
        from kmstui.cli.output import print_json

        print_json([f.to_dict() for f in findings], out)
    else:
        for finding in findings:  # names, Sids and paths come from outside: controls spelled out
            out.write(visible(finding.text()) + "\n")
        out.write(visible(summary(findings, what)) + "\n")
    fail_on = getattr(args, "fail_on", None)
    return EXIT_FINDINGS if fail_on and severity_at_least(findings, fail_on) else EXIT_OK


def summary(findings: list[Finding], what: str) -> str:
    if not findings:
        return f"no findings in {what}"
    counts = ", ".join(f"{sum(f.severity == s for f in findings)} {s}" for s in SEVERITIES)
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {what}: {counts}"


def _collect(args: argparse.Namespace, err: TextIO) -> tuple[list[Finding], str]:
    from kmstui.analysis.findings import snapshot_findings

    if bool(args.path) == wants_snapshot(args):
        raise InputError("give a PATH, or a source (--snapshot PATH, --demo, --profile/--region), not both"
                         if args.path else "give a PATH, --snapshot PATH, --demo or --profile/--region")
    if args.path:
        from kmstui.cli.sources import max_bytes_of

        return lint_path(Path(args.path), err, max_bytes_of(args)), args.path
    snapshot = load_snapshot(args, err)  # says on stderr what could not be loaded
    what = "the demo account" if getattr(args, "demo", False) else (args.snapshot or "the account")
    if snapshot.errors and not (snapshot.keys or snapshot.principals or snapshot.managed_policies or snapshot.org_policies):
        raise InputError(f"{what}: nothing could be read ({len(snapshot.errors)} error"
                         f"{'s' if len(snapshot.errors) != 1 else ''}; the first: {snapshot.errors[0].message})")
    return snapshot_findings(snapshot), what


def lint_path(path: Path, err: TextIO | None = None, max_bytes: int | None = None) -> list[Finding]:
    """A policy file, any file ``explain --snapshot`` reads, or a folder of them read as ``explain --snapshot
    DIR`` reads it; policy documents the folder convention does not place are linted on their own.

    Files that cannot be read are named on ``err``; when nothing could be read at all, InputError.
    """
    from kmstui.analysis.findings import snapshot_findings
    from kmstui.sources.files import UNPLACED, load_path
    from kmstui.sources.reader import MAX_BYTES

    limit = max_bytes or MAX_BYTES
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if not path.is_dir():
        return lint_file(path, limit)
    snapshot = load_path(path, limit)
    unplaced = [e for e in snapshot.errors if e.code == UNPLACED]
    unreadable = [e for e in snapshot.errors if e.code != UNPLACED]
    snapshot.errors = [e for e in snapshot.errors if e not in unplaced]
    findings = snapshot_findings(snapshot)
    for error in unplaced:
        findings += lint_file(Path(error.source.removeprefix("file:")), limit)
    for error in unreadable:
        print(f"kmstui: warning: {visible(error.what)}: {visible(error.message)}", file=err or sys.stderr)
    loaded = snapshot.keys or snapshot.principals or snapshot.managed_policies or snapshot.org_policies
    if not loaded and not unplaced:
        raise InputError(f"{path}: nothing in this folder could be read ({len(unreadable)} unusable file"
                         f"{'s' if len(unreadable) != 1 else ''}; the first: {unreadable[0].message})"
                         if unreadable else f"{path}: nothing in this folder to lint")
    return findings


def lint_file(path: Path, max_bytes: int | None = None) -> list[Finding]:
    """One file: a policy document (or its saved get-key-policy / get-policy-version output) by itself,
    anything else through the file loader (a snapshot, saved CLI output)."""
    from kmstui.analysis.findings import policy_findings, snapshot_findings
    from kmstui.policy.document import parse_policy
    from kmstui.sources.files import load_path
    from kmstui.sources.reader import MAX_BYTES, read_json

    limit = max_bytes or MAX_BYTES
    text, data = read_json(str(path), limit)
    if _is_policy(data):
        return policy_findings(parse_policy(text, policy_kind(data), source=str(path)))
    return snapshot_findings(load_path(path, limit))


def _is_policy(data: Any) -> bool:
    """A policy document, or saved output that holds exactly one (get-key-policy, get-policy-version)."""
    return isinstance(data, dict) and ("Statement" in data or isinstance(data.get("Policy"), str)
                                       or isinstance(data.get("PolicyVersion"), dict))


def policy_kind(data: Any) -> str:
    """``key_policy`` when a statement has a Principal or NotPrincipal, otherwise ``identity``."""
    from kmstui.policy.document import PolicyError, unwrap_saved_output

    try:
        document, _ = unwrap_saved_output(data, None, "policy")
    except PolicyError:
        document = None  # parse_policy reports the broken inner document with its line
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if isinstance(statements, list) and any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s)
                                            for s in statements):
        return "key_policy"
    return "identity"


