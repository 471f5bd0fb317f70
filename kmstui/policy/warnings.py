"""Legal but suspicious policy content, checked against the KMS reference.

Kept apart from parsing so that evaluation never pays for it: a policy's ``warnings`` are computed
when something (the CLI, the app, a finding) asks for them.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Iterator

from kmstui.policy.patterns import has_wildcard
from kmstui.reference.model import load_reference

if TYPE_CHECKING:
    from kmstui.policy.document import Policy, Statement


def policy_warnings(policy: "Policy") -> Iterator[str]:
    """Unknown KMS actions, deprecated condition keys, keys an action does not support."""
    reference = load_reference()
    known = [a.name for a in reference.actions]
    for statement in policy.statements:
        where = f"{policy.source}, line {statement.line_of('Action') or statement.line_of('NotAction')}, {statement.label}"
        ineffective = _ineffective(statement)
        if ineffective:
            yield f"{where}: {ineffective}, so the statement never applies"
        named = []
        for action in statement.actions:
            if not action.lower().startswith("kms:") or has_wildcard(action):
                continue
            found = reference.action(action)
            if found is None:
                close = difflib.get_close_matches(action, known, n=1, cutoff=0.75)
                hint = f"; did you mean {close[0]}?" if close else ""
                yield f"{where}: {action} is not a KMS action{hint}"
            else:
                named.append(found)
        yield from _condition_warnings(policy, statement, named, reference)


def _condition_warnings(policy: "Policy", statement: "Statement", named: list, reference) -> Iterator[str]:
    for clause in statement.conditions:
        where = f"{policy.source}, line {statement.line_of('Condition', clause.operator_text, clause.key)}, {statement.label}"
        key = reference.condition_key(clause.key)
        if key is None:
            if clause.key_lower.startswith("kms:"):
                yield f"{where}: {clause.key} is not a KMS condition key"
            continue
        if key.deprecated_by:
            yield f"{where}: {clause.key} is deprecated; use {key.deprecated_by}"
        if statement.not_action:
            continue
        for action in named:
            if key.name not in action.condition_keys and key.scope == "kms":
                yield f"{where}: {action.name} does not support {key.name}, so this condition never holds for it"


def _ineffective(statement: "Statement") -> str | None:
    """Why a statement AWS accepts can never apply: no Action, an empty list, a condition with no values."""
    if not statement.actions and not statement.not_action:
        return "it has no Action" if statement.line_of("Action") == statement.line_of() else "its Action list is empty"
    if statement.resources == () and not statement.not_resource:
        return "it has no Resource or an empty Resource list"
    empty = next((c for c in statement.conditions if not c.values), None)
    if empty is not None:
        return f"its condition {empty.operator_text} {empty.key} lists no value"
    return None
