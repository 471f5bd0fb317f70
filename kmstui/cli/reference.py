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

    # The app's `/` filters use the same matcher (Reference.search): the better tier of the two kinds.
    hits = ref.search(args.query, actions=[] if args.keys else actions, condition_keys=not filtered)
    action_hits = [h.item for h in hits if isinstance(h.item, Action)]
    key_hits = [h.item for h in hits if isinstance(h.item, ConditionKey)]
    if not hits:
        close = ref.suggest(args.query)
        hint = f"; did you mean {close}?" if close else ""
        raise UsageError(f"nothing in the KMS reference matches {args.query!r}{hint}")
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
