"""The ``kmstui`` command: the app with no sub-command, or a sub-command for scripts and CI.

Sub-commands import only what they need: ``kmstui reference`` never imports Textual or boto3, so it
starts fast. Bad input exits 2 with a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from kmstui import __version__
from kmstui.cli.errors import EXIT_BAD_INPUT, EXIT_OK, UsageError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class KmsParser(argparse.ArgumentParser):
    """argparse, with errors that name the mistake: an unknown option names itself with the closest
    known one, and a sub-command's own usage is printed for its own errors (sub-commands are made
    of this class too, as ``add_subparsers`` builds them of their parent's class)."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        # A sub-command's leftovers are its own errors: argparse would hand them to the top-level
        # parser, which prints its usage and not the sub-command's.
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(self._unknown(extras))
        return namespace, extras

    def _unknown(self, extras: list[str]) -> str:
        import difflib

        options = [o for o in extras if o.startswith("-") and o != "-"]
        if not options:
            return f"unrecognized arguments: {' '.join(extras)}"
        option = options[0].split("=", 1)[0]
        known = [o for o in self._option_string_actions if o.startswith("--")]
        close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
        return f"unknown option {option}" + (f" (did you mean {close[0]}?)" if close else "")

    def error(self, message: str):  # type: ignore[override]
        if message.startswith("argument COMMAND: invalid choice:"):
            import difflib
            import re

            typed = re.search(r"invalid choice: '([^']*)'", message)
            choices = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
            if typed and choices:
                close = difflib.get_close_matches(typed.group(1), list(choices[0].choices), n=1)
                if close:
                    message += f"; did you mean {close[0]}?"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = KmsParser(
        prog="kmstui",
        description="Can this principal perform this KMS action on this key, and why (not)? "
        "With no sub-command, opens the full-screen app.",
    )
    parser.add_argument("--version", action="version", version=f"kmstui {__version__}")
    parser.add_argument(
        "--theme",
        default=None,
        help="app colour theme, e.g. textual-dark (default) or textual-light",
    )
    from kmstui.cli.sources import add_source_arguments

    add_source_arguments(parser, title="what the app opens on (default: the bundled demo account)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ref = commands.add_parser(
        "reference",
        help="look up KMS permissions and condition keys",
        description="Without QUERY: list every KMS action. With QUERY: the full entry when it names one "
        "action or condition key exactly (any case, kms: optional), otherwise the matching names "
        "(substring, then initials such as 'gdk', then letters in order).",
    )
    ref.add_argument("query", nargs="?", metavar="QUERY", help="an action, a condition key, or a search")
    ref.add_argument("--json", action="store_true", help="print machine-readable JSON")
    ref.add_argument("--policy-type", metavar="TYPE", help="only actions of this policy type: key, iam, both")
    ref.add_argument("--cross-account", metavar="YES|NO|NA", help="only actions with this cross-account use")
    ref.add_argument("--resource", metavar="TYPE", help="only actions on this resource type: key, alias, *")
    ref.add_argument("--condition-key", metavar="KEY", help="only actions that take this condition key")
    ref.add_argument("--keys", action="store_true", help="list condition keys instead of actions")

    from kmstui.cli.explain import add_explain_parser
    from kmstui.cli.sources import add_snapshot_parser

    from kmstui.cli.lint import add_lint_parser
    from kmstui.cli.matrix import add_matrix_parser

    add_explain_parser(commands)
    add_snapshot_parser(commands)
    add_matrix_parser(commands)
    add_lint_parser(commands)
    from kmstui.cli.replay import add_replay_parser

    add_replay_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "reference":
            from kmstui.cli.reference import run_reference

            return run_reference(args, sys.stdout)
        if args.command == "snapshot":
            from kmstui.cli.sources import run_snapshot

            return run_snapshot(args, sys.stdout)
        if args.command == "lint":
            from kmstui.cli.lint import run_lint

            return run_lint(args, sys.stdout)
        if args.command == "matrix":
            from kmstui.cli.matrix import run_matrix

            return run_matrix(args, sys.stdout)
        if args.command == "replay":
            from kmstui.cli.replay import run_replay

            return run_replay(args, sys.stdout)
        if args.command == "explain":
            from kmstui.cli.explain import run_explain

            return run_explain(args, sys.stdout)
        return run_app(args)
    except UsageError as error:
        print(f"kmstui: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `kmstui reference | head`
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C, during an account load or anywhere else: one line, no traceback
        print("kmstui: cancelled; nothing was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (RecursionError, MemoryError) as error:  # the last guard: the readers refuse such input first
        what = "nested too deeply" if isinstance(error, RecursionError) else "too large for this machine's memory"
        print(f"kmstui: error: the input is {what} to evaluate", file=sys.stderr)
        return EXIT_BAD_INPUT


def run_app(args: argparse.Namespace) -> int:
    """Start the full-screen app (imports Textual only here), on the demo unless a source is named."""
    from kmstui.cli.sources import load_snapshot, wants_snapshot
    from kmstui.sources.snapshot import SnapshotError
    from kmstui.sources.errors import SourceError

    from kmstui.app.screens.load import Source

    snapshot, source = None, None
    if wants_snapshot(args):
        try:
            snapshot = load_snapshot(args)
        except (SourceError, SnapshotError) as error:
            raise UsageError(str(error)) from None
        if args.demo:
            source = Source("demo")
        elif args.snapshot:
            source = Source("path", path=args.snapshot)
        else:
            source = Source("account", profile=args.profile, regions=tuple(args.region), endpoint_url=args.endpoint_url)
    from kmstui.app.application import make_app

    app = make_app(theme=args.theme, snapshot=snapshot, source=source)
    app.run()
    return app.return_code or EXIT_OK
