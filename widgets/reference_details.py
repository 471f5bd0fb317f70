"""Details panes of the Reference: one action, or one condition key, with a table to jump from.

They render reference entries; they decide nothing. Choosing a row of the inner table posts
``NameTable.NameChosen`` with the table's id (``action-keys`` or ``key-actions``) so the screen can
jump to the condition key or the action.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from kmstui.reference.model import Action, ConditionKey, Reference
from kmstui.widgets.name_table import NamedRow, NameTable

LABEL_WIDTH = 15


def _fact(label: str, value: str) -> Content:
    return Content.from_markup("[b $text-muted]$label[/]$value", label=label.ljust(LABEL_WIDTH), value=value)


def _heading(text: str) -> Content:
    return Content.from_markup("[b $accent]$text[/]", text=text)


def _lines(*parts: Content | str) -> Content:
    return Content("\n").join(Content(p) if isinstance(p, str) else p for p in parts)


def action_summary(action: Action) -> Content:
    """Description and facts of an action, as themed text."""
    facts = [
        Content.from_markup("[b]$name[/]", name=action.name),
        Content(action.description),
        Content(""),
        _fact("Policy type", action.policy_type_label),
        _fact("Cross-account", _cross_account_sentence(action)),
        _fact("API operation", action.api_operation or "none: a permission only"),
        _fact("Access level", action.access_level),
    ]
    for index, resource in enumerate(action.resources):
        policy = "key policy" if resource.policy_type == "key_policy" else "IAM policy"
        text = f"{resource.label}, in the {policy}" if resource.type != "*" else "* (no resource), in an IAM policy"
        if resource.note:
            text += f": {resource.note}"
        facts.append(_fact("Resources" if index == 0 else "", text))
    if action.notes:
        facts += [Content(""), _heading("Notes")]
        facts += [Content(f"• {note}") for note in action.notes]
    return _lines(*facts)


def _cross_account_sentence(action: Action) -> str:
    return {
        "yes": "Yes: usable on a key in another account",
        "no": "No: only in the key's own account",
        "not_applicable": "N/A: no account-specific resource",
    }.get(action.cross_account, action.cross_account)


def short_group(title: str) -> str:
    """AWS's group title without its frame: 'Conditions for KMS key operations' -> 'KMS key operations'."""
    short = re.sub(r"^conditions for\s+", "", title.strip().rstrip(":"), flags=re.IGNORECASE)
    short = re.sub(r"\s+conditions$", "", short, flags=re.IGNORECASE)
    return short[:1].upper() + short[1:]


def action_history(action: Action) -> Content:
    """What changed since the 2021 table, and where each fact came from."""
    if action.seed is None:
        changes = ["not in the 2021 table: new since"]
    else:
        changes = [c for c in action.changes_since_seed] or ["unchanged"]
    lines: list[Content | str] = [_heading("Since the 2021 table")]
    lines += [f"• {c}" for c in changes]
    if action.sources:
        lines += [Content(""), _heading("Sources")]
        for fact, names in action.sources.items():
            shown = ", ".join(names) if isinstance(names, (list, tuple)) else str(names)
            lines.append(_fact(fact.replace("_", " "), shown))
    return _lines(*lines)


def key_summary(reference: Reference, key: ConditionKey) -> Content:
    """Description and facts of a condition key, as themed text."""
    facts = [
        Content.from_markup("[b]$name[/]", name=key.name),
        Content(key.description),
        Content(""),
        _fact("Type", key.type_label),
        _fact("Scope", "AWS global condition key" if key.scope == "global" else "KMS condition key"),
        _fact("Usable in", key.policies_label or "any policy"),
    ]
    if key.valid_values:
        facts.append(_fact("Valid values", ", ".join(key.valid_values)))
        if key.values_from:
            facts.append(_fact("", f"({key.values_from})"))
    if key.deprecated_by:
        facts.append(_fact("Deprecated", f"use {key.deprecated_by} instead"))
    if key.pattern is not None:
        facts.append(_fact("Template", "a concrete key replaces the placeholder part of the name"))
    if reference.applies_to_all_actions(key):
        facts.append(_fact("Applies to", "every KMS action (AWS global condition key)"))
    if key.notes:
        facts += [Content(""), _heading("Notes")]
        facts += [Content(f"• {note}") for note in key.notes]
    return _lines(*facts)


class ActionDetails(Vertical):
    """The selected action: facts, its condition keys (a table to jump from), its history."""

    DEFAULT_CSS = """
    ActionDetails { height: 1fr; }
    ActionDetails > #action-summary { height: auto; max-height: 45%; }
    ActionDetails > #action-keys { height: 1fr; min-height: 6; }
    ActionDetails > #action-history { height: auto; max-height: 20%; }
    /* In the condition keys (enter on an action): the table takes the room, the facts shrink. */
    ActionDetails:focus-within > #action-summary { max-height: 3; }
    ActionDetails:focus-within > #action-history { display: none; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="action-summary", can_focus=False):
            yield Static(id="action-summary-text")
        yield NameTable(("Condition key", "Type", "Group"), id="action-keys")
        with VerticalScroll(id="action-history", can_focus=False):
            yield Static(id="action-history-text")

    def show(self, reference: Reference, action: Action) -> None:
        self.border_title = action.name
        self.query_one("#action-summary-text", Static).update(action_summary(action))
        self.query_one("#action-history-text", Static).update(action_history(action))
        rows = []
        for group, names in action.condition_key_groups:
            for index, name in enumerate(names):
                key = reference.condition_key(name)
                label = short_group(group) if index == 0 else ""
                rows.append(NamedRow(name, (key.type if key else "?", label)))
        table = self.query_one("#action-keys", NameTable)
        table.border_title = f"Condition keys ({len(rows)}) · enter: open"
        table.set_rows(rows)


class KeyDetails(Vertical):
    """The selected condition key: facts and the actions it applies to (a table to jump from)."""

    DEFAULT_CSS = """
    KeyDetails { height: 1fr; }
    KeyDetails > #key-summary { height: auto; max-height: 50%; }
    KeyDetails > #key-actions { height: 1fr; min-height: 6; }
    KeyDetails:focus-within > #key-summary { max-height: 3; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="key-summary", can_focus=False):
            yield Static(id="key-summary-text")
        yield NameTable(("Action", "Policy type", "X-acct"), id="key-actions")

    def show(self, reference: Reference, key: ConditionKey) -> None:
        self.border_title = key.name
        self.query_one("#key-summary-text", Static).update(key_summary(reference, key))
        actions = reference.actions_for_condition_key(key.name)
        table = self.query_one("#key-actions", NameTable)
        table.border_title = f"Applies to {len(actions)} actions · enter: open"
        table.set_rows(
            NamedRow(a.name, (a.policy_type_short, a.cross_account_label))
            for a in actions
        )
