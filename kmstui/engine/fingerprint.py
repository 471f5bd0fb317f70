"""What the evaluation order reads of a request besides its action, as one hashable value.

An access matrix asks every key action for thousands of principals on one key, and most principals
look the same to the order: the same statements apply to them, named the same way, with the same
condition values. Requests on one key of one snapshot whose fingerprints are equal get equal verdicts
for every action, so the matrix decides one row per fingerprint and shares its cells.

The fingerprint is made with the matcher's own pieces (:func:`~kmstui.engine.matching.names_caller`
and :func:`~kmstui.engine.matching.clause_result`, run on every statement that could name the
caller, whatever its action): which statements apply and how they name the caller, and each
condition's outcome, so that a condition on ``aws:PrincipalArn`` that comes out the same for two
principals does not tell them apart. Key facts (metadata, aliases, tags) are not in it: they
are the same for every row of one key. tests/test_matrix_rows.py holds every shared cell to the
engine's, on generated accounts built to look alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Hashable, Iterator, Sequence

from kmstui.engine.context import Context, ContextValue, build_context
from kmstui.engine.grants import grant_names_caller
from kmstui.engine.key_data import is_key_arn
from kmstui.engine.matching import clause_result, names_caller
from kmstui.engine.policy_set import PolicySet
from kmstui.engine.resolve import Request, RequestError, simple_key_part
from kmstui.policy.conditions import Clause
from kmstui.policy.document import Policy, Statement
from kmstui.policy.principals import Caller, PrincipalError, parse_caller


class _Reads:
    """The request context, remembering every key a match looks up (and the values it saw)."""

    __slots__ = ("context", "seen", "looked_up")

    def __init__(self, context: Context) -> None:
        self.context = context
        self.seen: dict[str, tuple[str, ...] | None] = {}
        self.looked_up = False  # a policy variable was resolved

    def get(self, key: str) -> ContextValue | None:
        entry = self.context.get(key)
        self.seen[key.lower()] = entry.values if entry is not None else None
        return entry

    def values(self, key: str) -> tuple[str, ...] | None:
        self.looked_up = True
        found = self.context.values(key)
        self.seen[key.lower()] = found
        return found


def _clause(clause: Clause, context: Context, memo: dict[tuple[int, Any], tuple]) -> tuple:
    """What decides a clause in any column: its outcome, whether the key had a value, and, when it
    reads policy variables, every value it read (a ``kms:`` variable is absent where an action does
    not carry it, so the outcome alone would not do). A ``kms:`` key itself needs only the outcome:
    where an action does not carry it, the clause sees no value, whoever the caller.

    A clause without policy variables reads only its key, so its outcome is remembered by the value
    it saw (``memo``: thousands of principals' rows meet the same clause with a few values)."""
    if clause.constant_values is not None:  # no policy variable
        entry = context.get(clause.key)
        memo_key = (id(clause), entry.values if entry is not None else None)
        found = memo.get(memo_key)
        if found is None:
            found = memo[memo_key] = (clause_result(clause, context)[1].matched, entry is not None, ())
        return found
    seen = _Reads(context)
    known, result = clause_result(clause, seen)  # type: ignore[arg-type]
    return (result.matched, known, _raw(seen) if len(seen.seen) > 1 or seen.looked_up else ())


def _raw(seen: _Reads) -> tuple:
    return tuple(sorted(seen.seen.items()))


class Fingerprints:
    """Fingerprints of requests against one snapshot; keeps each statement's shape as a small number."""

    def __init__(self) -> None:
        self._infos: dict[int, _Statement] = {}  # id → what is known of the statement (which keeps it alive)
        self._numbers: dict[tuple, int] = {}
        self._plain: dict[tuple[tuple[str, ...], Any], bool] = {}
        self._clauses: dict[tuple[int, Any], tuple] = {}  # (id of a clause kept alive by _infos, value) → outcome
        self._policies: dict[tuple[int, str], tuple[Policy, tuple]] = {}  # (id of an origin, resource) → (it, its entries)

    def of(self, request: Request, actions: Sequence[str], policies: PolicySet, now: datetime) -> Hashable | None:
        """Equal for two requests on the same key exactly when the order cannot tell them apart for any
        of ``actions``. None (share nothing) unless every action is a plain key action on one key ARN."""
        resource = request.resource
        try:
            caller = parse_caller(request.principal)
            if not self._plain_key_actions(tuple(actions), resource):
                return None
        except (PrincipalError, RequestError):
            return None
        assert isinstance(resource, str)
        account = resource.split(":")[4]
        context = build_context(request.context, caller, policies.key_facts(resource, account), request.derive, now,
                                policies.derived_by_key)
        has_boundary = policies.boundary is not None
        applied = []
        infos = self._infos
        for label, policy in _every_policy(policies, resource):
            if policy is None:
                applied.append((label, None))
                continue
            if policy.kind in _NO_PRINCIPAL_KINDS and not policy.condition_keys:
                # No Principal, condition or variable: its entries depend on the resource alone, and are the
                # same for every name of the policy (a managed policy attached to many principals).
                known = self._policies.get((id(policy.origin), resource))
                if known is None:  # (the origin is kept with its entries, so that its id is not reused)
                    entries = tuple(entry for entry in (self._plain_entry(statement, resource, caller, context)
                                                        for statement in policy.origin.statements) if entry is not None)
                    known = self._policies[(id(policy.origin), resource)] = (policy.origin, entries)
                applied.append((label, known[1]))
                continue
            found = []
            # A policy under another name has its origin's statements (what is learned of them is shared) and
            # applies as they do: its own copies are made only if a decision reads them (Policy.named).
            for statement in policy.origin.for_caller(caller):
                info = infos.get(id(statement))
                if info is None:
                    info = self._learn(statement)
                if info.plain:  # no Principal, conditions or variables: reads nothing of the caller
                    entry = self._plain_entry(statement, resource, caller, context)
                    if entry is not None:
                        found.append(entry)
                    continue
                if not info.templates:  # names_caller reads the context only to substitute variables
                    named = names_caller(statement, resource, caller, context, has_boundary)
                    if named is not None:
                        found.append((info.shape, named[0], (), tuple(
                            [_clause(clause, context, self._clauses) for clause in statement.conditions])))
                    continue
                seen = _Reads(context)
                named = names_caller(statement, resource, caller, seen, has_boundary)  # type: ignore[arg-type]
                if named is not None:
                    found.append((info.shape, named[0], _raw(seen), tuple(
                        [_clause(clause, context, self._clauses) for clause in statement.conditions])))
                else:  # a variable an action may not carry could make it apply
                    found.append((info.shape, "resource", _raw(seen)))
            applied.append((label, tuple(found)))
        grants = tuple(grant_names_caller(g, caller) for g in policies.grants.get(resource) or ())
        cross_account = bool(caller.account and caller.account != account)
        return (caller.kind, cross_account, tuple(applied), grants)

    def _plain_entry(self, statement: Statement, resource: str, caller: Caller, context: Context) -> tuple | None:
        """The entry of a statement without Principal, conditions or variables when its Resource covers
        the resource (the same for every caller), else None."""
        info = self._infos.get(id(statement)) or self._learn(statement)
        covers = info.covers.get(resource)
        if covers is None:
            covers = info.covers[resource] = names_caller(statement, resource, caller, context) is not None
        return info.plain_entry if covers else None

    def _learn(self, statement: Statement) -> _Statement:
        """What the fingerprint keeps of a statement, the first time it meets it (kept alive here, so
        its id is not reused): what the order reads of it once it applies (effect, actions,
        conditions) as a small number, and whether it is plain (no Principal, conditions or variables)."""
        shape = (statement.effect, statement.not_action, statement.actions, statement.version,
                 tuple((c.operator_text, c.key_lower, c.values) for c in statement.conditions))
        number = self._numbers.setdefault(shape, len(self._numbers))
        info = self._infos[id(statement)] = _Statement(statement, number)
        return info

    def _plain_key_actions(self, actions: tuple[str, ...], resource: Any) -> bool:
        """Whether every action is authorized on the key alone (one part, the key named by its ARN)."""
        found = self._plain.get((actions, resource))
        if found is None:
            found = self._plain[(actions, resource)] = is_key_arn(resource) and all(
                simple_key_part(a, resource) is not None for a in actions)
        return found


class _Statement:
    """A statement as the fingerprint knows it (see Fingerprints._learn)."""

    __slots__ = ("statement", "shape", "templates", "plain", "plain_entry", "covers")

    def __init__(self, statement: Statement, shape: int) -> None:
        self.statement = statement
        self.shape = shape
        self.templates = bool(statement._resource_templates)
        self.plain = statement.principal is None and not statement.conditions and not self.templates
        self.plain_entry = (shape, None, (), ())
        self.covers: dict[str, bool] = {}  # by resource: whether its Resource covers it


_NO_PRINCIPAL_KINDS = frozenset({"identity", "boundary", "session", "scp"})  # policies whose statements have no Principal


def _every_policy(policies: PolicySet, key_arn: str) -> Iterator[tuple[Any, Policy | None]]:
    yield "key_policy", policies.key_policies.get(key_arn)
    for index, policy in enumerate(policies.identity):
        yield ("identity", index), policy
    yield "boundary", policies.boundary
    yield "session", policies.session
    for kind, levels in (("scp", policies.scps), ("rcp", policies.rcps)):
        for depth, level in enumerate(levels):
            for index, policy in enumerate(level):
                yield (kind, depth, index), policy
    for index, policy in enumerate(policies.vpc_endpoint):
        yield ("vpc_endpoint", index), policy
