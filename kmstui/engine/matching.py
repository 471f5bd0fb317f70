"""Does a statement apply to a request? Action, resource, principal, then every condition."""

from __future__ import annotations

from kmstui.policy.conditions import evaluate_clause
from kmstui.engine.context import UNKNOWN, Context
from kmstui.policy.patterns import Variable, resolve_template, unprotect, wildcard_match
from kmstui.policy.document import Policy, Statement
from kmstui.policy.principals import Caller, excluded_by_not_principal, match_index
from kmstui.engine.trace import ConditionEvidence, StatementEvidence


def applicable(policy: Policy, effect: str, action_lower: str, resource: str, caller: Caller,
               context: Context, has_boundary: bool = False) -> list[StatementEvidence]:
    """Statements of ``effect`` whose action, resource and principal match, with their conditions.

    ``has_boundary``: the caller has a permissions boundary attached, which decides Deny statements
    with NotPrincipal (below).
    """
    found = []
    for statement in policy.statements_for(action_lower, effect):
        evidence = match_statement(statement, action_lower, resource, caller, context, has_boundary)
        if evidence is not None:
            found.append(evidence)
    return found


def match_statement(statement: Statement, action_lower: str, resource: str, caller: Caller,
                    context: Context, has_boundary: bool = False) -> StatementEvidence | None:
    """Evidence when action, resource and principal match (conditions may still fail), else None."""
    resource_entry = _resource_entry(statement, resource, context)
    if resource_entry is None:
        return None
    principal_text = None
    if statement.principal is not None:
        if statement.not_principal:
            # IAM user guide, "AWS JSON policy elements: NotPrincipal": a Deny with NotPrincipal always
            # denies an IAM principal that has a permissions boundary, whatever NotPrincipal lists.
            if statement.effect == "Deny" and has_boundary and caller.kind in ("user", "role", "role-session"):
                principal_text = "NotPrincipal cannot exempt a caller with a permissions boundary"
            elif excluded_by_not_principal(statement.principal, caller):
                return None
            elif statement.effect == "Allow":
                # AWS's pages disagree (the element page advises against Allow with NotPrincipal, policies
                # with it are accepted): kmstui applies it as written (tests/corpus/README.md, choices).
                principal_text = "NotPrincipal does not list the caller (Allow with NotPrincipal, applied as written)"
            else:
                principal_text = "NotPrincipal does not list the caller"
        else:
            found = match_index(statement._principal_index, caller)
            if found is None:
                return None
            principal_text = f"{found.entry} ({found.how})"
    conditions = tuple(_condition(clause, context) for clause in statement.conditions)
    return StatementEvidence(
        source=statement.source, policy_kind=statement.kind, index=statement.index, sid=statement.sid,
        effect=statement.effect, action=_action_entry(statement, action_lower),
        resource=resource_entry, principal=principal_text, conditions=conditions,
        matched=all(c.result for c in conditions), statement=statement,
    )


def principal_how(evidence: StatementEvidence) -> str | None:
    """``account``, ``user``, ``role``, … from the evidence's principal text."""
    if evidence.principal is None or "(" not in evidence.principal:
        return "not-principal" if evidence.principal else None
    return evidence.principal.rsplit("(", 1)[1].rstrip(")")


def _condition(clause, context: Context) -> ConditionEvidence:
    entry = context.get(clause.key)
    result = evaluate_clause(clause, entry.values if entry else None, context.values)
    note = result.note
    return ConditionEvidence(
        operator=clause.operator_text, key=clause.key, request_values=result.request_values,
        provenance=entry.provenance if entry else UNKNOWN, policy_values=clause.values,
        result=result.matched, note=note,
    )


def _action_entry(statement: Statement, action_lower: str) -> str:
    if statement.not_action:
        return f"NotAction does not list {action_lower}"
    for action in statement.actions:
        if wildcard_match(action.lower(), action_lower):
            return action
    return statement.actions[0]


def _resource_entry(statement: Statement, resource: str, context: Context) -> str | None:
    """The Resource entry that covers the resource (or the NotResource verdict), or None."""
    if statement.resources is None:
        return "(no Resource element)"
    hit = None
    for text, template in zip(statement.resources, statement._resource_templates or (None,) * len(statement.resources)):
        pattern = text
        if template is not None:
            resolved = resolve_template(template, context.values)
            if isinstance(resolved, Variable):
                continue  # an unresolvable variable matches nothing
            pattern = resolved[0]
        if _resource_matches(pattern, resource):
            hit = text if template is None else f"{text} = {unprotect(pattern)}"
            break
    if statement.not_resource:
        return None if hit is not None else f"NotResource does not list {resource}"
    return hit


def _resource_matches(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    if resource == "*":
        return False  # an IAM-only action's resource is "*": only Resource "*" covers it
    return wildcard_match(pattern, resource)
