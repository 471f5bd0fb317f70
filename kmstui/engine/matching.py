"""Does a statement apply to a request? Action, resource, principal, then every condition.

One rule, two outputs: :func:`match_core` decides (which principal entry, whether every condition
holds, and what unknown context would change it), and the explaining path wraps its answer in
:class:`StatementEvidence` (:func:`evidence_of`) with the entries and condition values a trace
shows. The fast path (``decide``) uses the core's :class:`Applied` as it is.
"""

from __future__ import annotations

from functools import partial

from kmstui.engine.context import UNKNOWN, Context
from kmstui.engine.trace import ConditionEvidence, StatementEvidence
from kmstui.policy.conditions import Clause, ClauseResult, evaluate_clause
from kmstui.policy.document import Statement
from kmstui.policy.patterns import Variable, resolve_template, unprotect, wildcard_match
from kmstui.policy.principals import Caller, excluded_by_not_principal, match_index

# How a NotPrincipal statement came to apply (match_index's "how" for Principal ones).
NOT_PRINCIPAL, NOT_PRINCIPAL_ALLOW, NOT_PRINCIPAL_BOUNDARY = "not-principal", "not-principal-allow", "not-principal-boundary"
_NOT_PRINCIPAL_TEXT = {
    NOT_PRINCIPAL: "NotPrincipal does not list the caller",
    # AWS's pages disagree (the element page advises against Allow with NotPrincipal, policies with it
    # are accepted): kmstui applies it as written (tests/corpus/README.md, choices).
    NOT_PRINCIPAL_ALLOW: "NotPrincipal does not list the caller (Allow with NotPrincipal, applied as written)",
    NOT_PRINCIPAL_BOUNDARY: "NotPrincipal cannot exempt a caller with a permissions boundary",
}


_NO_PRINCIPAL = (None, None)  # names_caller's answer for a statement without Principal (an identity policy's)


class Applied:
    """A statement whose action, resource and principal match: ``how`` it names the caller, whether
    its conditions hold, and (when they do not, only for want of context) what would make them."""

    __slots__ = ("statement", "how", "entry", "matched", "results", "wants")

    def __init__(self, statement: Statement, how: str | None, entry: str | None, matched: bool,
                 results: tuple[ClauseResult, ...] | None, wants: str | None) -> None:
        self.statement, self.how, self.entry, self.matched = statement, how, entry, matched
        self.results, self.wants = results, wants

    @property
    def label(self) -> str:
        statement = self.statement
        return f"{statement.source} statement {statement.index + 1}" + (f" {statement.sid!r}" if statement.sid else "")


def match_core(statement: Statement, resource: str, caller: Caller, context: Context,
               has_boundary: bool = False, keep_results: bool = True) -> Applied | None:
    """The statement's verdict for a request whose action it covers, or None when resource or principal
    do not match. ``keep_results`` keeps every condition's result (a trace shows them all); without
    it evaluation stops at the first condition that fails on a known value."""
    named = names_caller(statement, resource, caller, context, has_boundary)
    if named is None:
        return None
    how, entry = named
    if not statement.conditions:
        return Applied(statement, how, entry, True, () if keep_results else None, None)
    results: list[ClauseResult] = []
    failing: list[ClauseResult] = []
    unknown_only = True
    for clause in statement.conditions:
        known, result = clause_result(clause, context)
        results.append(result)
        if not result.matched:
            failing.append(result)
            if known:
                unknown_only = False
                if not keep_results:
                    break
    wants = None
    if failing and unknown_only:
        wants = "; ".join(f"{r.clause.key} {r.clause.operator_text} {', '.join(r.clause.values)}" for r in failing)
    return Applied(statement, how, entry, not failing, tuple(results) if keep_results else None, wants)


def names_caller(statement: Statement, resource: str, caller: Caller, context: Context,
                 has_boundary: bool = False) -> tuple[str | None, str | None] | None:
    """(how the statement names the caller, the Principal entry) when its Resource and Principal
    match, else None. ``how`` is None for a statement without Principal (an identity policy's).

    Resource: the compiled list when the statement holds no policy variable (only Resource ``*``
    covers the resource ``*``), else :func:`_resource_entry`, which substitutes them."""
    compiled = statement._resource_set
    if compiled is not None:  # the compiled Resource list: asked of every candidate statement
        if (compiled.any or (resource != "*" and compiled.matches(resource))) == statement.not_resource:
            return None
    elif statement.resources is not None and _resource_entry(statement, resource, context) is None:
        return None
    if statement.principal is None:
        return _NO_PRINCIPAL
    if statement.not_principal:
        # IAM user guide, "AWS JSON policy elements: NotPrincipal": a Deny with NotPrincipal always
        # denies an IAM principal that has a permissions boundary, whatever NotPrincipal lists.
        if statement.effect == "Deny" and has_boundary and caller.kind in ("user", "role", "role-session"):
            return NOT_PRINCIPAL_BOUNDARY, None
        if excluded_by_not_principal(statement.principal, caller):
            return None
        return (NOT_PRINCIPAL_ALLOW if statement.effect == "Allow" else NOT_PRINCIPAL), None
    return match_index(statement._principal_index, caller)


def clause_result(clause: Clause, context: Context) -> tuple[bool, ClauseResult]:
    """(whether the request has a value for the clause's key, how the clause comes out)."""
    known = context.get(clause.key)
    return known is not None, evaluate_clause(clause, known.values if known is not None else None, context.values)


def evidence_of(applied: Applied, action_lower: str, resource: str, context: Context) -> StatementEvidence:
    """The trace's view of a match; the Action and Resource entries that matched and every condition
    are worked out only when the trace is shown (:func:`describe`)."""
    return StatementEvidence(applied.statement, applied.how, applied.matched, applied.wants,
                             partial(describe, applied, action_lower, resource, context))


def describe(applied: Applied, action_lower: str, resource: str, context: Context) -> tuple[
        str, str | None, str | None, tuple[ConditionEvidence, ...]]:
    """(the Action entry, the Resource entry, the Principal entry and how it names the caller, each
    condition with both sides) of a match, as a trace shows them."""
    statement = applied.statement
    if applied.how in _NOT_PRINCIPAL_TEXT:
        principal = _NOT_PRINCIPAL_TEXT[applied.how]
    else:
        principal = f"{applied.entry} ({applied.how})" if applied.how is not None else None
    conditions = tuple(_condition(result, context) for result in applied.results or ())
    return (_action_entry(statement, action_lower), _resource_entry(statement, resource, context), principal, conditions)


def _condition(result: ClauseResult, context: Context) -> ConditionEvidence:
    clause = result.clause
    entry = context.get(clause.key)
    return ConditionEvidence(
        operator=clause.operator_text, key=clause.key, request_values=result.request_values,
        provenance=entry.provenance if entry else UNKNOWN, policy_values=clause.values,
        result=result.matched, note=result.note,
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
    if not statement._resource_templates:  # no policy variables: the common case, without substitution
        hit = next((text for text in statement.resources if _resource_matches(text, resource)), None)
        if statement.not_resource:
            return None if hit is not None else f"NotResource does not list {resource}"
        return hit
    for text, template in zip(statement.resources, statement._resource_templates):
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
