"""Rich renderings of reference entries, for the CLI's text output.

Only text styles (bold, dim, italic), never colours, so the output reads on any terminal theme.
"""

from __future__ import annotations

from typing import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from kmstui.reference.model import Action, ConditionKey, Reference


def actions_table(actions: Sequence[Action], title: str | None = None) -> Table:
    """One row per action: name, policy type, cross-account use, resources."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    table.add_column("Action", no_wrap=True)
    table.add_column("Policy type")
    table.add_column("Cross-account")
    table.add_column("Resources")
    for action in actions:
        table.add_row(action.name, action.policy_type_label, action.cross_account_label, action.resources_label)
    return table


def condition_keys_table(
    reference: Reference, keys: Sequence[ConditionKey], title: str | None = None
) -> Table:
    """One row per condition key: name, type, the number of actions it applies to, description."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    table.add_column("Condition key", no_wrap=True)
    table.add_column("Type")
    table.add_column("Actions", justify="right")
    table.add_column("Description")
    for key in keys:
        table.add_row(key.name, key.type_label, _action_count(reference, key), key.description)
    return table


def _action_count(reference: Reference, key: ConditionKey) -> str:
    if reference.applies_to_all_actions(key):
        return "all"
    return str(len(reference.actions_for_condition_key(key.name)))


def _facts(rows: Sequence[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def action_entry(reference: Reference, action: Action) -> RenderableType:
    """The full entry of one action: facts, resources, grouped condition keys, notes, history."""
    parts: list[RenderableType] = [Text(action.name, style="bold"), Text(action.description), Text()]
    parts.append(
        _facts(
            [
                ("Policy type", action.policy_type_label),
                ("Cross-account use", action.cross_account_label),
                ("API operation", action.api_operation or "none (permission only)"),
                ("Access level", action.access_level),
            ]
        )
    )
    parts += [Text(), Text("Resources", style="bold")]
    for resource in action.resources:
        line = Text(f"  {resource.label}", style="bold")
        line.append(f"  in a {resource.policy_type.replace('_', ' ').replace('iam', 'IAM')}", style="")
        if resource.note:
            line.append(f"  {resource.note}", style="dim")
        parts.append(line)
    parts += [Text(), Text("Condition keys", style="bold")]
    if not action.condition_key_groups:
        parts.append(Text("  none", style="dim"))
    for group, keys in action.condition_key_groups:
        parts.append(Text(f"  {group}", style="italic"))
        for name in keys:
            key = reference.condition_key(name)
            line = Text(f"    {name}")
            if key is not None:
                line.append(f"  {key.type_label}", style="dim")
                line.append(f"  {key.description}")
            parts.append(line)
    if action.notes:
        parts += [Text(), Text("Notes", style="bold")]
        parts += [Text(f"  • {note}") for note in action.notes]
    parts += [Text(), Text("Since the 2021 table", style="bold")]
    if action.seed is None:
        parts.append(Text("  not in the 2021 table (new since)"))
    changes = [c for c in action.changes_since_seed if action.seed is not None or "new" not in c.lower()]
    if action.seed is not None and not changes:
        parts.append(Text("  unchanged"))
    parts += [Text(f"  {change}") for change in changes]
    return Group(*parts)


def condition_key_entry(reference: Reference, key: ConditionKey) -> RenderableType:
    """The full entry of one condition key, with the actions it applies to."""
    rows = [
        ("Type", key.type_label),
        ("Scope", "AWS global key" if key.scope == "global" else "KMS key"),
        ("Usable in", key.policies_label or "any policy"),
    ]
    if key.valid_values:
        rows.append(("Valid values", ", ".join(key.valid_values)))
    if key.deprecated_by:
        rows.append(("Deprecated", f"use {key.deprecated_by}"))
    parts: list[RenderableType] = [Text(key.name, style="bold"), Text(key.description), Text(), _facts(rows)]
    if key.notes:
        parts += [Text(), Text("Notes", style="bold")]
        parts += [Text(f"  • {note}") for note in key.notes]
    parts += [Text(), Text("Applies to", style="bold")]
    if reference.applies_to_all_actions(key):
        parts.append(Text("  every KMS action (AWS global condition key)"))
    else:
        actions = reference.actions_for_condition_key(key.name)
        parts += [Text(f"  {a.name}") for a in actions] or [Text("  no action today", style="dim")]
    return Group(*parts)
