"""``kmstui reference [QUERY] [--json] [filters]``: the reference for scripts and terminals."""

from __future__ import annotations

import argparse
import io
from typing import Any, TextIO

from rich.console import Console

from kmstui.reference import text as reference_text
from kmstui.cli.errors import EXIT_OK, UsageError
from kmstui.cli.output import print_json
from kmstui.reference.model import Action, ConditionKey, Reference, ReferenceError, load_reference


def run_reference(args: argparse.Namespace, out: TextIO) -> int:
    ref = load_reference()
    try:
        actions = ref.filter_actions(
            policy_type=args.policy_type,
            cross_account=args.cross_account,
            resource_type=args.resource,
            condition_key=args.condition_key,
        )
    except ReferenceError as error:
        raise UsageError(str(error)) from None
    filtered = any(v is not None for v in (args.policy_type, args.cross_account, args.resource, args.condition_key))
    console = _console(out)

    if args.query is None:
        if args.keys:
            return _list_keys(ref, list(ref.condition_keys), args.json, console, out)
        return _list_actions(actions, args.json, console, out, title=f"{len(actions)} KMS actions")

    exact = ref.lookup(args.query)
    if exact is not None and not filtered and not args.keys:
        if args.json:
            print_json(_record(ref, exact), out)
        elif isinstance(exact, Action):
            console.print(reference_text.action_entry(ref, exact))
        else:
            console.print(reference_text.condition_key_entry(ref, exact))
        return EXIT_OK

    action_hits = [] if args.keys else [a for a, _ in ref.search_actions(args.query, actions)]
    key_hits = [] if filtered else [k for k, _ in ref.search_condition_keys(args.query)]
    if action_hits and key_hits:  # keep the better tier, as the app's filter does
        tiers = {h.kind: h.match.tier for h in ref.search(args.query)}
        if tiers.get("action", 9) < tiers.get("condition_key", 9):
            key_hits = []
        elif tiers.get("condition_key", 9) < tiers.get("action", 9):
            action_hits = []
    if not action_hits and not key_hits:
        raise UsageError(f"nothing in the KMS reference matches {args.query!r}")
    if args.json:
        print_json([_record(ref, item) for item in [*action_hits, *key_hits]], out)
        return EXIT_OK
    if action_hits:
        console.print(reference_text.actions_table(action_hits, title=f"{len(action_hits)} actions"))
    if key_hits:
        if action_hits:
            console.print()
        console.print(reference_text.condition_keys_table(ref, key_hits, title=f"{len(key_hits)} condition keys"))
    return EXIT_OK


class _PlainConsole(Console):
    """For pipes: wide enough that table rows never wrap, no styles, no trailing blanks."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(file=io.StringIO(), width=200, highlight=False, color_system=None)
        self._out = out

    def print(self, *objects: Any, **kwargs: Any) -> None:
        with self.capture() as capture:
            super().print(*objects, **kwargs)
        self._out.write("".join(line.rstrip() + "\n" for line in capture.get().splitlines()))


def _console(out: TextIO) -> Console:
    if out.isatty():
        return Console(file=out, highlight=False)
    return _PlainConsole(out)


def _list_actions(actions: list[Action], as_json: bool, console: Console, out: TextIO, title: str) -> int:
    if as_json:
        print_json([a.to_json() for a in actions], out)
    else:
        console.print(reference_text.actions_table(actions, title=title))
    return EXIT_OK


def _list_keys(ref: Reference, keys: list[ConditionKey], as_json: bool, console: Console, out: TextIO) -> int:
    if as_json:
        print_json([ref.condition_key_json(k) for k in keys], out)
    else:
        console.print(reference_text.condition_keys_table(ref, keys, title=f"{len(keys)} condition keys"))
    return EXIT_OK


def _record(ref: Reference, item: Action | ConditionKey) -> dict[str, Any]:
    if isinstance(item, Action):
        return {"kind": "action", **item.to_json()}
    return {"kind": "condition_key", **ref.condition_key_json(item)}
