"""The explained result: a decision and the ordered steps that led to it, with their evidence.

Plain data so every view (rich text, Markdown, JSON, the app) renders the same facts;
:func:`decision_to_dict` is the documented JSON shape (README.md, "The JSON trace"). The classes are
slotted dataclasses, built once per decision and read-only by convention: frozen ones cost four
times as much to build, and a decision builds dozens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"
# Not one of AWS's authorization words: the policies allow, but KMS refuses the request for this key
# (a reserved alias, or an operation the key's type cannot do). See kmstui.engine.kms_rules.
REJECTED = "RejectedByKMS"


@dataclass(slots=True)
class ConditionEvidence:
    """One condition clause against the request: operator, key, both sides, the result."""

    operator: str
    key: str
    request_values: tuple[str, ...] | None
    provenance: str  # given, derived, default, unknown
    policy_values: tuple[str, ...]
    result: bool
    note: str = ""


class StatementEvidence:
    """A statement that applied (action, resource and principal matched), and its conditions.

    What a trace shows of it (the Action and Resource entries that matched, how the Principal named
    the caller, each condition with both sides) is worked out when first read, by ``describe``:
    most decisions are never shown (batches, the access matrix, replay), and that text is most of
    the cost of explaining a match.
    """

    __slots__ = ("statement", "how", "wants", "matched", "_describe", "_shown")

    def __init__(self, statement: Any, how: str | None, matched: bool, wants: str | None,
                 describe: Callable[[], tuple[str, str | None, str | None, tuple[ConditionEvidence, ...]]]) -> None:
        self.statement = statement  # the kmstui.policy.document.Statement
        self.how = how  # how the Principal names the caller: user, role, account, any, not-principal, …
        self.matched = matched  # all conditions hold
        self.wants = wants  # when only unknown context fails: "key Operator values; …"
        self._describe = describe
        self._shown: tuple[str, str | None, str | None, tuple[ConditionEvidence, ...]] | None = None

    def __repr__(self) -> str:
        return f"StatementEvidence({self.label!r}, matched={self.matched})"

    def _entries(self) -> tuple[str, str | None, str | None, tuple[ConditionEvidence, ...]]:
        if self._shown is None:
            self._shown = self._describe()
        return self._shown

    @property
    def action(self) -> str:
        """The Action entry that matched, or how NotAction let it through."""
        return self._entries()[0]

    @property
    def resource(self) -> str | None:
        """The Resource entry that matched."""
        return self._entries()[1]

    @property
    def principal(self) -> str | None:
        """The Principal entry that matched, and how."""
        return self._entries()[2]

    @property
    def conditions(self) -> tuple[ConditionEvidence, ...]:
        return self._entries()[3]

    @property
    def source(self) -> str:
        return self.statement.source

    @property
    def policy_kind(self) -> str:
        return self.statement.kind

    @property
    def index(self) -> int:
        return self.statement.index

    @property
    def sid(self) -> str | None:
        return self.statement.sid

    @property
    def effect(self) -> str:
        return self.statement.effect

    @property
    def lines(self) -> tuple[int, int] | None:
        """Where the statement sits in its file (found on first use, not during evaluation)."""
        return self.statement.lines if self.statement is not None else None

    @property
    def label(self) -> str:
        statement = self.statement
        return f"{statement.source} statement {statement.index + 1}" + (f" {statement.sid!r}" if statement.sid else "")

    @property
    def where(self) -> str:
        """The label with the statement's lines, for evidence listings."""
        lines = self.lines
        return self.label + (f" (lines {lines[0]}-{lines[1]})" if lines and lines[0] != lines[1] else
                             f" (line {lines[0]})" if lines else "")


@dataclass(slots=True)
class GrantEvidence:
    """A grant on the key considered for the request."""

    grant_id: str
    grantee: str
    operations: tuple[str, ...]
    constraints: str
    matched: bool
    reason: str

    @property
    def label(self) -> str:
        return f"grant {self.grant_id}"

    @property
    def where(self) -> str:
        return self.label


Evidence = StatementEvidence | GrantEvidence


@dataclass(slots=True)
class Step:
    """One check in AWS's order: its phase, what was checked, the outcome, why, and evidence."""

    phase: str
    check: str
    outcome: str  # pass, fail, allow, deny, skip, info
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    part: str | None = None


@dataclass(slots=True)
class PartDecision:
    """The decision for one resource of the request (a key, an alias, or ``*``)."""

    part: str  # key, alias, current-key, new-key, source-key, destination-key, account
    action: str
    resource: str
    result: str
    decided_by: str
    deny_source: str | None
    blocker: str | None
    door: Evidence | None
    suggestion: str | None
    if_known: tuple[str, ...]
    steps: tuple[Step, ...]
    rejected: str | None = None  # why KMS refuses the request whatever the policies say (kms_rules)


@dataclass(slots=True)
class ContextEntry:
    key: str
    values: tuple[str, ...]
    provenance: str
    source: str = ""


@dataclass(slots=True)
class Trace:
    """Everything shown: the resolved request, the context, and each part's steps in order."""

    principal: str
    action: str
    resources: tuple[str, ...]
    make_resolve: Any  # () -> tuple[Step, ...]: the resolve step, written only when shown
    parts: tuple[PartDecision, ...]
    request_context: Any = field(default=(), repr=False)  # a kmstui.engine.context.Context, listed on demand

    @property
    def resolve(self) -> tuple[Step, ...]:
        """Step 0: how the request resolved (the caller, each part's action, resource and account)."""
        return self.make_resolve()

    @property
    def context(self) -> tuple[ContextEntry, ...]:
        """Every context value of the (first part's) request, with provenance, sorted by key."""
        return tuple(ContextEntry(e.name, e.values, e.provenance, e.source) for e in self.request_context)

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.resolve + tuple(step for part in self.parts for step in part.steps)


@dataclass(slots=True)
class Decision:
    """``result`` is one of AWS's words; ``trace`` says why, step by step."""

    result: str
    decided_by: str
    deny_source: str | None
    blocker: str | None
    summary: str
    suggestion: str | None
    if_known: tuple[str, ...]
    trace: Trace = field(repr=False)
    missing: tuple[str, ...] = ()  # data that could not be loaded and may change the answer
    rejected: str | None = None  # why KMS refuses the request whatever the policies say

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED

    @property
    def parts(self) -> tuple[PartDecision, ...]:
        return self.trace.parts


@dataclass(slots=True)
class Verdict:
    """What :func:`kmstui.engine.order.decide` returns: a Decision's verdict without its trace.

    ``parts`` are PartDecisions with no steps and no suggestion; their ``door`` is the statement
    (``kmstui.engine.matching.Applied``) or grant that allowed.
    """

    result: str
    decided_by: str
    deny_source: str | None
    blocker: str | None
    if_known: tuple[str, ...]
    rejected: str | None
    parts: tuple[PartDecision, ...]

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """The JSON trace (shape documented in README.md)."""
    trace = decision.trace
    return {
        "result": decision.result,
        "decided_by": decision.decided_by,
        "deny_source": decision.deny_source,
        "blocker": decision.blocker,
        "summary": decision.summary,
        "suggestion": decision.suggestion,
        "if_known": list(decision.if_known),
        "missing": list(decision.missing),
        "rejected": decision.rejected,
        "request": {"principal": trace.principal, "action": trace.action, "resources": list(trace.resources)},
        "context": [
            {"key": c.key, "values": list(c.values), "provenance": c.provenance, "source": c.source} for c in trace.context
        ],
        "resolve": [_step(s) for s in trace.resolve],
        "parts": [
            {
                "part": p.part, "action": p.action, "resource": p.resource, "result": p.result,
                "decided_by": p.decided_by, "deny_source": p.deny_source, "blocker": p.blocker,
                "door": _evidence(p.door) if p.door else None, "suggestion": p.suggestion,
                "if_known": list(p.if_known), "rejected": p.rejected, "steps": [_step(s) for s in p.steps],
            }
            for p in trace.parts
        ],
    }


def _step(step: Step) -> dict[str, Any]:
    return {"phase": step.phase, "check": step.check, "outcome": step.outcome, "explanation": step.explanation,
            "evidence": [_evidence(e) for e in step.evidence]}


def _evidence(evidence: Evidence) -> dict[str, Any]:
    if isinstance(evidence, GrantEvidence):
        return {"type": "grant", "grant_id": evidence.grant_id, "grantee": evidence.grantee,
                "operations": list(evidence.operations), "constraints": evidence.constraints,
                "matched": evidence.matched, "reason": evidence.reason}
    return {
        "type": "statement", "policy": evidence.source, "policy_kind": evidence.policy_kind,
        "statement_index": evidence.index, "sid": evidence.sid,
        "lines": list(evidence.lines) if evidence.lines else None, "effect": evidence.effect,
        "action": evidence.action, "resource": evidence.resource, "principal": evidence.principal,
        "matched": evidence.matched,
        "conditions": [
            {"operator": c.operator, "key": c.key,
             "request_values": list(c.request_values) if c.request_values is not None else None,
             "provenance": c.provenance, "policy_values": list(c.policy_values), "result": c.result, "note": c.note}
            for c in evidence.conditions
        ],
    }
