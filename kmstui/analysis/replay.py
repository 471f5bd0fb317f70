"""Replaying CloudTrail: each KMS event decided by the engine and set beside what CloudTrail recorded.

For every event, kmstui's verdict (the engine's, never decided here) is compared with the outcome
CloudTrail recorded: AccessDenied against a denial, success against Allowed; a failure for another
reason (InvalidCiphertextException, NotFoundException, …) is compared only where it shows the call
got past authorization. When they disagree, the comparison says what kmstui could not see that
would explain it: a policy missing from the snapshot, a session policy or session tags CloudTrail
does not record, a VPC endpoint policy, a grant created since, the caller behind an AWSAccount.

A long log replays fast: each distinct (principal, resources) gets its PolicySet once, and a
decision is reused for requests that differ only in context keys no policy of that PolicySet reads
(the time of each event, its source address, …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

from kmstui.engine.order import Request, RequestError, evaluate
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED, Decision, GrantEvidence
from kmstui.sources.cloudtrail import ALLOWED as CT_ALLOWED
from kmstui.sources.cloudtrail import DENIED as CT_DENIED
from kmstui.sources.cloudtrail import KmsEvent
from kmstui.sources.denial_message import EXPLICIT, DenialMessage, DenialMessageError, parse_denial_message
from kmstui.sources.errors import SourceError
from kmstui.sources.snapshot import Snapshot, SnapshotError

DENIED_RESULTS = (EXPLICITLY_DENIED, IMPLICITLY_DENIED)
# Errors KMS returns only for a call it has authorized (the request reached the key's data).
AUTHORIZED_THEN_FAILED = frozenset({"InvalidCiphertextException", "IncorrectKeyException", "InvalidKeyUsageException",
                                    "KMSInvalidSignatureException", "KMSInvalidMacException", "InvalidGrantIdException",
                                    "AlreadyExistsException", "LimitExceededException"})


@dataclass(frozen=True)
class Comparison:
    """CloudTrail's outcome beside kmstui's verdict."""

    outcome: str  # denied | allowed | failed
    result: str
    agrees: bool
    note: str  # one sentence
    could_not_see: tuple[str, ...] = ()  # when they disagree: what would explain it
    message: DenialMessage | None = None  # the event's errorMessage, when AWS's denial message is in it
    message_agrees: bool | None = None
    message_note: str = ""


def compare_message(message: DenialMessage, decision: Decision) -> tuple[bool, str]:
    """Whether the kind of policy AWS's message names is what kmstui found deciding."""
    result, deny_source, blocker = decision.result, decision.deny_source, decision.blocker
    decided = {decision.decided_by} | {p.decided_by for p in decision.parts}
    blockers = {blocker} | {p.blocker for p in decision.parts}
    denied_by = {deny_source} | {p.deny_source for p in decision.parts}
    says = f"AWS says {message.claim()}"
    if result not in DENIED_RESULTS:
        return False, f"{says}; kmstui finds the request {result}"
    if message.denial is None:
        return True, f"{says}; kmstui also denies it ({result}, {decision.decided_by})"
    if message.denial == EXPLICIT:
        if result != EXPLICITLY_DENIED:
            return False, f"{says}; kmstui finds no explicit deny ({result}, decided by {decision.decided_by})"
        if message.policy_kind is None or message.policy_kind in denied_by:
            return True, f"{says}; kmstui agrees: explicit deny in the {deny_source}"
        return False, f"{says}; kmstui finds the explicit deny in the {deny_source}"
    if result != IMPLICITLY_DENIED:
        return False, f"{says}; kmstui finds an explicit deny in the {deny_source}"
    kind = message.policy_kind
    matches = {
        "key_policy": "key-policy" in blockers or (blocker is None and bool({"key-policy", "no-door"} & decided)),
        "identity": "identity" in blockers or "iam" in decided,
        "boundary": "boundary" in blockers,
        "session": "session" in blockers,
        "scp": "scp" in decided,
        "rcp": "rcp" in decided,
        "vpc_endpoint": "vpc-endpoint" in decided,
    }
    if kind is None or matches.get(kind, False):
        return True, f"{says}; kmstui agrees (implicitly denied, {decision.decided_by}, blocker {blocker or '-'})"
    closed = f"the {blocker} closed the door" if blocker else f"decided by {decision.decided_by}"
    return False, f"{says}; kmstui finds it implicitly denied, but {closed}"


@lru_cache(maxsize=4096)
def _parsed_message(text: str) -> DenialMessage | None:
    try:
        return parse_denial_message(text)
    except DenialMessageError:
        return None


def compare_event(event: KmsEvent, decision: Decision, policies: Any = None, snapshot_created: str | None = None) -> Comparison:
    """CloudTrail's outcome for ``event`` beside the engine's ``decision``."""
    result = decision.result
    message = None
    message_agrees, message_note = None, ""
    if event.outcome == CT_DENIED and event.error_message:
        parsed = _parsed_message(event.error_message)
        if parsed is not None and (parsed.denial is not None or parsed.principal):
            message = parsed
            message_agrees, message_note = compare_message(parsed, decision)
    if event.outcome == CT_ALLOWED:
        agrees = result == ALLOWED
        note = "CloudTrail recorded success; kmstui " + ("allows it too" if agrees else f"finds it {result}")
    elif event.outcome == CT_DENIED:
        agrees = result in DENIED_RESULTS
        note = "CloudTrail recorded AccessDenied; kmstui " + ("denies it too" if agrees else f"finds it {result}")
        if agrees and message_agrees is False:
            note += f" (but {message_note})"
    else:
        code = event.error_code or "an error"
        if code in AUTHORIZED_THEN_FAILED:
            agrees = result in (ALLOWED, REJECTED)
            note = (f"CloudTrail recorded {code}, which KMS returns after authorizing the call; kmstui "
                    + ("allows it too" if agrees else f"finds it {result}"))
        else:
            agrees = True
            note = f"CloudTrail recorded {code}, a failure that says nothing about permissions; kmstui finds it {result}"
    could_not_see = () if agrees and message_agrees is not False else tuple(_unseen(event, decision, policies, snapshot_created, message))
    return Comparison(event.outcome, result, agrees, note, could_not_see, message, message_agrees, message_note)


_NAMED_BY_MESSAGE = {
    "session": "the session policy AWS's message names (passed when the session was created; CloudTrail's event "
               "for this call does not record it, the AssumeRole or GetFederationToken event does)",
    "scp": "the SCP AWS's message names{arn}, which is not among the SCPs loaded",
    "rcp": "the RCP AWS's message names{arn}, which is not among the RCPs loaded",
    "vpc_endpoint": "the VPC endpoint policy AWS's message names (not in what was loaded)",
    "boundary": "the permissions boundary AWS's message names{arn} (check it is the one loaded)",
    "identity": "the identity-based policy AWS's message names{arn} (check it is among those loaded)",
    "key_policy": "the key policy as it was at the time of the event (AWS's message names it)",
}


def _unseen(event: KmsEvent, decision: Decision, policies: Any, snapshot_created: str | None,
            message: DenialMessage | None = None) -> list[str]:
    """What kmstui could not see that would explain a disagreement, most likely first."""
    found: list[str] = []
    if message is not None and message.policy_kind in _NAMED_BY_MESSAGE:
        arn = f" ({message.policy_arn})" if message.policy_arn else ""
        found.append(_NAMED_BY_MESSAGE[message.policy_kind].format(arn=arn))
    allowed = decision.result == ALLOWED
    if allowed or decision.result == REJECTED:  # AWS denied (or failed); kmstui allows
        for part in decision.parts:
            door = part.door
            if isinstance(door, GrantEvidence) and policies is not None:
                for grant in policies.grants.all() or ():
                    if isinstance(grant, Mapping) and grant.get("GrantId") == door.grant_id:
                        created = str(grant.get("CreationDate") or "")
                        if created and event.time and created[:19] > event.time[:19]:
                            found.append(f"grant {door.grant_id} was created at {created}, after the event ({event.time})")
        if policies is not None:
            if not policies.scps and event.identity_type not in ("AWSService",):
                found.append("the SCPs of the caller's account (none are in what was loaded)")
            if not policies.rcps:
                found.append("the RCPs of the key's account (none are in what was loaded)")
            vpce = event.context.get("aws:SourceVpce")
            if vpce and not policies.vpc_endpoint:
                found.append(f"the policy of VPC endpoint {vpce} (not in what was loaded)")
        found += [n for n in event.notes if "grant tokens" not in n]
    else:  # AWS allowed; kmstui denies
        if event.grant_tokens:
            found.append("a grant token passed with the call (a grant that was not yet listed, or retired since)")
        found.append("a grant that existed at the time of the event and was retired or revoked since")
        found += list(decision.if_known)
        found += [n for n in event.notes if "which principal" in n]
    found += list(decision.missing)
    when = f" ({event.time})" if event.time else ""
    since = f" and the snapshot ({snapshot_created})" if snapshot_created else " and what was loaded"
    found.append(f"a key policy, grant or IAM policy that changed between the event{when}{since}")
    return list(dict.fromkeys(found))


# -- replaying a log --------------------------------------------------------------------------

@dataclass
class Replayed:
    """One event of a replay."""

    event: KmsEvent
    result: str | None  # None when kmstui could not evaluate it
    decided_by: str | None
    summary: str  # the deciding statement, or the blocker and smallest change; or why it was not evaluated
    comparison: Comparison | None
    error: str | None = None

    @property
    def agrees(self) -> bool | None:
        return self.comparison.agrees if self.comparison else None


def decision_summary(decision: Decision) -> str:
    if decision.result != ALLOWED and decision.suggestion:
        return f"{decision.summary} Smallest change: {decision.suggestion}"
    return decision.summary


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _keys_read(policies: Any) -> frozenset[str]:
    """Every context key (lower case) a PolicySet's conditions or policy variables read."""
    found: set[str] = set()
    for policy in policies.policies():
        for statement in policy.statements:
            for clause in statement.conditions:
                found.add(clause.key_lower)
                for value in clause.values:
                    found.update(v.lower() for v in _VARIABLE.findall(value))
            for resource in statement.resources or ():
                found.update(v.lower() for v in _VARIABLE.findall(resource))
    return frozenset(found)


class Replayer:
    """Decides events against one Snapshot, caching PolicySets and decisions."""

    def __init__(self, snapshot: Snapshot, derive: bool = True) -> None:
        self.snapshot = snapshot
        self.derive = derive
        self._questions: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self._policy_sets: dict[tuple[Any, ...], Any] = {}
        self._reads: dict[int, frozenset[str]] = {}
        self._decisions: dict[tuple[Any, ...], Decision] = {}
        self.evaluations = 0

    def question(self, event: KmsEvent) -> tuple[Any, Any]:
        """(Request, PolicySet) for the event; raises SnapshotError / RequestError."""
        key = (event.principal, event.action, event.resources)
        found = self._questions.get(key)
        if found is None:
            request, policies = self.snapshot.question(event.principal, event.action, list(event.resources), None, self.derive)
            policies = self._policy_sets.setdefault((request.principal, event.resources), policies)
            found = self._questions[key] = (request, policies)
        request, policies = found
        return Request(request.principal, request.action, request.resource, request.resource_account,
                       event.sourced_context(), request.derive), policies

    def decide(self, event: KmsEvent) -> tuple[Decision, Any]:
        """The engine's decision for the event (reused for an identical request) and its PolicySet."""
        request, policies = self.question(event)
        reads = self._reads.get(id(policies))
        if reads is None:
            reads = self._reads[id(policies)] = _keys_read(policies)
        relevant = frozenset(
            (lower, tuple(value) if isinstance(value, list) else value)
            for lower, value in ((name.lower(), value) for name, value in event.context.items())
            if lower in reads or lower.startswith("kms:encryptioncontext"))
        cache_key = (id(policies), request.principal, request.action, request.resources, relevant)
        decision = self._decisions.get(cache_key)
        if decision is None:
            decision = self._decisions[cache_key] = evaluate(request, policies)
            self.evaluations += 1
        return decision, policies

    def replay_one(self, event: KmsEvent) -> Replayed:
        try:
            decision, policies = self.decide(event)
        except (SnapshotError, RequestError, SourceError) as error:
            return Replayed(event, None, None, f"not evaluated: {error}", None, str(error))
        comparison = compare_event(event, decision, policies, self.snapshot.created)
        return Replayed(event, decision.result, decision.decided_by, decision_summary(decision), comparison)

    def replay(self, events: Sequence[KmsEvent], progress: Callable[[int, int], None] | None = None) -> list[Replayed]:
        rows = []
        total = len(events)
        for number, event in enumerate(events, 1):
            rows.append(self.replay_one(event))
            if progress is not None and (number % 2000 == 0 or number == total):
                progress(number, total)
        return rows


def with_key_policies(snapshot: Snapshot, policies: Mapping[str, str]) -> Snapshot:
    """A copy of the snapshot whose keys (by id, ARN or alias) have these key policies (JSON text)."""
    copy = Snapshot.from_dict(snapshot.to_dict(), source=snapshot.__dict__.get("_loaded_from", "snapshot"))
    for key_ref, text in policies.items():
        copy.find_key(key_ref).policy = text
    return copy


@dataclass(frozen=True)
class Change:
    """An event whose verdict an edited policy changes."""

    before: Replayed
    after: Replayed

    @property
    def direction(self) -> str:
        return "stops working" if self.before.result == ALLOWED else "starts working" if self.after.result == ALLOWED else "changes"


def changes(before: Iterable[Replayed], after: Iterable[Replayed]) -> list[Change]:
    return [Change(b, a) for b, a in zip(before, after) if b.result != a.result]


def counts(rows: Sequence[Replayed]) -> dict[str, int]:
    found = {"events": len(rows), "evaluated": 0, "not_evaluated": 0, "agree": 0, "disagree": 0,
             "cloudtrail_denied": 0, "cloudtrail_allowed": 0, "cloudtrail_failed": 0,
             "Allowed": 0, "ExplicitlyDenied": 0, "ImplicitlyDenied": 0, "RejectedByKMS": 0}
    for row in rows:
        found[f"cloudtrail_{row.event.outcome}"] += 1
        if row.result is None:
            found["not_evaluated"] += 1
            continue
        found["evaluated"] += 1
        found[row.result] = found.get(row.result, 0) + 1
        found["agree" if row.agrees else "disagree"] += 1
    return found


def event_dict(event: KmsEvent, comparison: Comparison | None) -> dict[str, Any]:
    """The ``"event"`` object of ``kmstui explain --cloudtrail --format json``."""
    found: dict[str, Any] = {"id": event.id, "time": event.time, "name": event.name, "outcome": event.outcome,
                             "error_code": event.error_code,
                             "agrees": comparison.agrees if comparison else None,
                             "note": comparison.note if comparison else None,
                             "could_not_see": list(comparison.could_not_see) if comparison else []}
    if comparison is not None and comparison.message is not None:
        found["message"] = {"claim": comparison.message.claim(), "policy_kind": comparison.message.policy_kind,
                            "denial": comparison.message.denial, "agrees": comparison.message_agrees,
                            "note": comparison.message_note}
    return found


def row_dict(row: Replayed) -> dict[str, Any]:
    event = row.event
    return {"id": event.id, "time": event.time, "principal": event.principal, "action": event.action,
            "resources": list(event.resources), "outcome": event.outcome, "error_code": event.error_code,
            "result": row.result, "decided_by": row.decided_by, "agrees": row.agrees, "summary": row.summary,
            "note": row.comparison.note if row.comparison else row.error,
            "could_not_see": list(row.comparison.could_not_see) if row.comparison else []}
