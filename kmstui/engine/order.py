"""The KMS authorization decision, in AWS's order (DESIGN.md steps 0 to 8), with its trace.

Each part of the request (a key, an alias, ``*``) is decided on its own: explicit deny anywhere;
guardrails (RCPs, SCPs, VPC endpoint policy); the cross-account-use column; then the three doors
(the key policy names the principal; the key policy enables IAM and the IAM side allows; a grant).
The request is Allowed only when every part is.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from datetime import datetime
from typing import Any

from kmstui.engine.context import build_context, carrier
from kmstui.engine.grants import check_grants
from kmstui.engine.kms_rules import ALIAS_OPERATIONS, alias_rejection, key_type_rejection
from kmstui.engine.matching import NOT_PRINCIPAL, NOT_PRINCIPAL_ALLOW, evidence_of, match_core
from kmstui.policy.document import KIND_LABELS, Policy
from kmstui.engine.policy_set import PolicySet
from kmstui.policy.principals import Caller, PrincipalError, match_index, parse_caller
from kmstui.engine.resolve import Part, Request, RequestError, resolve_parts
from kmstui.engine.trace import (ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED, Decision, Evidence,
                                 PartDecision, Step, Trace, Verdict)

__all__ = ["Request", "PolicySet", "evaluate", "decide", "RequestError"]

def evaluate(request: Request, policies: PolicySet, now: datetime | None = None) -> Decision:
    """Decide ``request`` against ``policies`` and explain it; raises :class:`RequestError` for a bad request."""
    caller, parts, plans = _prepared(request, policies)
    evaluations = [_PartEvaluation(plan, caller, policies, request, now, True) for plan in plans]
    decisions = [evaluation.run() for evaluation in evaluations]
    trace = Trace(
        principal=request.principal, action=request.action, resources=request.resources,
        make_resolve=lambda: (_resolve_step(request, caller, parts),), parts=tuple(decisions),
        request_context=evaluations[0].context,
    )
    decision = _combine(trace, decisions)
    if policies.missing:
        decision = replace(decision, missing=policies.missing)
    return decision


def decide(request: Request, policies: PolicySet, now: datetime | None = None, *,
           memo: dict[Any, Any] | None = None) -> Verdict:
    """The verdict of :func:`evaluate` without its trace: the same rules, with the trace recorder off.

    Result, what decided it, the deny source, the blocker, the "allowed if" notes and each part's
    result are those ``evaluate`` gives (a differential test holds them equal); there are no steps,
    explanations or suggestions. For batches: the access matrix, replaying logs. ``memo``: one dict
    shared by requests that differ only in their action (same principal, resources, context and
    PolicySet), so each statement is matched once for all of them.
    """
    caller, _, plans = _prepared(request, policies)
    if len(plans) == 1:  # most requests: no combining of parts
        decision = _PartEvaluation(plans[0], caller, policies, request, now, False, memo).run()
        if decision.result == ALLOWED:
            return Verdict(ALLOWED, decision.decided_by, None, None, (), decision.rejected, (decision,))
        return Verdict(decision.result, decision.decided_by, decision.deny_source, decision.blocker, decision.if_known,
                       decision.rejected, (decision,))
    decisions = [_PartEvaluation(plan, caller, policies, request, now, False, memo).run() for plan in plans]
    blocking = _blocking(decisions)
    chosen = blocking or decisions[0]
    return Verdict(
        result=ALLOWED if blocking is None else blocking.result,
        decided_by=chosen.decided_by if blocking is not None else "all-parts",
        deny_source=chosen.deny_source if blocking is not None else None,
        blocker=chosen.blocker if blocking is not None else None,
        if_known=blocking.if_known if blocking is not None else (),
        rejected=next((d.rejected for d in decisions if d.rejected), None),
        parts=tuple(decisions),
    )


def _prepared(request: Request, policies: PolicySet) -> tuple[Caller, tuple[Part, ...], tuple[_PartPlan, ...]]:
    """The caller, the parts and each part's plan: what a request resolves to against ``policies``
    whatever its context, worked out once per PolicySet for each (principal, action, resources)."""
    resource = request.resource
    cache_key = (request.principal, request.action, resource if isinstance(resource, str) else tuple(resource),
                 request.resource_account)
    found = policies.prepared.get(cache_key)
    if found is None:
        try:
            caller = parse_caller(request.principal)
        except PrincipalError as error:
            raise RequestError(str(error)) from None
        parts = tuple(resolve_parts(request, caller, policies))
        found = policies.prepared[cache_key] = (caller, parts, tuple(_part_plan(policies, part, caller) for part in parts))
    return found


def _blocking(decisions: list[PartDecision]) -> PartDecision | None:
    """The part that decides a denial: an explicit deny first, else the first part not allowed."""
    return next((d for d in decisions if d.result == EXPLICITLY_DENIED), None) or next(
        (d for d in decisions if d.result != ALLOWED), None)


def _combine(trace: Trace, decisions: list[PartDecision]) -> Decision:
    blocking = _blocking(decisions)
    if blocking is None:
        decided_by = decisions[0].decided_by if len(decisions) == 1 else "all-parts"
        doors = "; ".join(f"{d.part}: {_door_text(d)}" for d in decisions) if len(decisions) > 1 else _door_text(decisions[0])
        return Decision(ALLOWED, decided_by, None, None, f"Allowed: {doors}", None, (), trace)
    where = f" ({blocking.part})" if len(decisions) > 1 else ""
    summary = blocking.steps[-1].explanation + (f" (part: {blocking.part})" if where else "")
    return Decision(blocking.result, blocking.decided_by, blocking.deny_source, blocking.blocker, summary,
                    blocking.suggestion, blocking.if_known, trace,
                    rejected=next((d.rejected for d in decisions if d.rejected), None))


def _door_text(decision: PartDecision) -> str:
    door = decision.door
    label = door.label if door is not None else ""
    return {"key-policy": f"the key policy allows the principal ({label})",
            "iam": f"IAM policies allow ({label})",
            "grant": f"{label} allows it"}.get(decision.decided_by, decision.decided_by)


def _resolve_step(request: Request, caller: Caller, parts: list[Part]) -> Step:
    lines = [f"The caller is {caller.arn} ({caller.principal_type}" + (f", account {caller.account})" if caller.account else ")")]
    if caller.role_arn and caller.kind == "role-session":
        lines.append(f"its role is {caller.role_arn}")
    for part in parts:
        action = part.action
        text = f"{part.name}: {action.name} on {part.resource}"
        if part.note:
            text += f" ({part.note})"
        if part.key_arn:
            text += f"; the key is in account {part.account}"
        text += f"; policy type {action.policy_type_short}; cross-account use {action.cross_account_label}"
        lines.append(text)
    return Step("resolve", "resolve the request", "info", ". ".join(lines) + ".")


class _PartEvaluation:
    """Steps 1 to 8 for one part: one implementation of the order for both paths.

    The trace is recorded only when ``explain`` is on: every step and explanation is written inside
    ``if self.explain:``, so the fast path (``decide``) builds no text, no closure and no evidence,
    and decides by the same code as the explaining path (it only stops matching a statement's
    conditions at the first one that fails on a known value).
    """

    __slots__ = ("part", "caller", "policies", "explain", "memo", "plan", "context", "cross_account", "if_known",
                 "steps", "said")

    def __init__(self, plan: _PartPlan, caller: Caller, policies: PolicySet, request: Request, now: datetime | None,
                 explain: bool = True, memo: dict[Any, Any] | None = None) -> None:
        self.plan = plan
        self.part = part = plan.part
        self.caller, self.policies = caller, policies
        self.explain, self.memo = explain, memo
        # The fast path makes no context when no policy that applies reads one (and no grant is checked).
        self.context = build_context(request.context, caller, plan.key_facts, request.derive, now, policies.derived_by_key,
                                     part.action) if explain or plan.reads_context else None
        self.cross_account = bool(caller.account and part.account and caller.account != part.account)
        self.if_known: list[str] | None = None  # "allowed if" notes, once there is one
        if explain:  # the trace: its steps, and the decision's words (see explained)
            self.steps: list[Step] = []
            self.said: tuple[str, str | None, tuple[Evidence, ...]] | None = None

    # -- helpers ---------------------------------------------------------------------------
    def step(self, phase: str, check: str, outcome: str, explanation: str, evidence: tuple[Evidence, ...] = ()) -> None:
        """Record a step of the trace (explaining path only)."""
        self.steps.append(Step(phase, check, outcome, explanation, evidence, self.part.name))

    def matches(self, policy: Policy, effect: str) -> list:
        """Statements of ``effect`` in ``policy`` whose action, resource and principal match, with their
        conditions (the matcher's :func:`match_core`): StatementEvidence when explaining, its Applied on
        the fast path. With a ``memo`` (fast path only) each statement's verdict is remembered across
        requests that differ only in their action: the access matrix's row, where a statement covering
        several columns is matched once (for each set of condition keys the actions carry)."""
        plan, caller, context = self.plan, self.caller, self.context
        resource, action_lower, has_boundary = plan.part.resource, plan.action_lower, plan.has_boundary
        found = []
        if self.explain:
            for statement in policy.candidates(action_lower, effect, caller):
                applied = match_core(statement, resource, caller, context, has_boundary, True)
                if applied is not None:
                    found.append(evidence_of(applied, action_lower, resource, context))
            return found
        memo = self.memo
        if memo is None:
            for statement in policy.candidates(action_lower, effect, caller):
                applied = match_core(statement, resource, caller, context, has_boundary, False)
                if applied is not None:
                    found.append(applied)
            return found
        carried = plan.carried
        for statement in policy.candidates(action_lower, effect, caller):
            memo_key = (id(statement), resource, carried)
            applied = memo.get(memo_key, memo)
            if applied is memo:
                applied = memo[memo_key] = match_core(statement, resource, caller, context, has_boundary, False)
            if applied is not None:
                found.append(applied)
        return found

    def explained(self, explanation: str, suggestion: str | None = None, evidence: tuple[Evidence, ...] = ()) -> None:
        """What the trace says of the decision about to be made, and the advice (explaining path only)."""
        self.said = (explanation, suggestion, evidence)

    def decide(self, result: str, decided_by: str, *, door: Any = None, deny_source: str | None = None,
               blocker: str | None = None) -> PartDecision:
        part = self.part
        advice, steps = None, ()
        if self.explain:
            if self.said is not None:
                explanation, advice, evidence = self.said
                self.step("decision", "decision", "allow" if result == ALLOWED else "deny", explanation,
                          evidence or ((door,) if door else ()))
            steps = tuple(self.steps)
        if_known = self.if_known
        return PartDecision(part.name, part.action.name, part.resource, result, decided_by, deny_source, blocker, door,
                            advice, tuple(dict.fromkeys(if_known)) if if_known else (), steps)

    # -- the order ---------------------------------------------------------------------------
    def run(self) -> PartDecision:
        decision = self.authorize()
        return decision if self.plan.refusal is None else self.kms_rules(decision)

    def kms_rules(self, decision: PartDecision) -> PartDecision:
        """KMS's own refusals, after authorization: a reserved alias, a key type that cannot do the operation."""
        part = self.part
        refusal = self.plan.refusal
        check = ("KMS accepts the request for this alias and key" if self.plan.action_lower in ALIAS_OPERATIONS
                 else "KMS accepts the request for this key's type")
        if decision.result != ALLOWED:
            steps = decision.steps
            if self.explain:
                steps = steps[:-1] + (Step("kms-rule", check, "info", f"KMS would refuse it anyway: {refusal}.", (), part.name),
                                      steps[-1])
            return replace(decision, steps=steps, rejected=refusal, suggestion=None)  # no policy change would make it work
        if self.explain:
            self.steps = list(decision.steps[:-1])
            self.step("kms-rule", check, "fail", f"The policies allow it ({decision.steps[-1].explanation.rstrip('.')}), "
                      f"but KMS refuses the request whatever the policies say: {refusal}.")
            self.explained(f"Rejected by KMS: {refusal}.",
                           suggestion="use a key of the type the operation needs" if "needs" in refusal else None)
        refused = self.decide(REJECTED, "kms-rule")
        refused.rejected = refusal
        return refused

    def authorize(self) -> PartDecision:
        if self.explain:
            ignored = self.context.ignored
            if ignored:
                self.step("resolve", "the request context KMS sends", "info",
                          f"{', '.join(entry.name for entry in ignored)} left out: KMS never sends "
                          f"{'this key' if len(ignored) == 1 else 'these keys'} with {self.part.action.name} requests (the "
                          "permissions reference lists the condition keys each action supports), so a condition on it sees no value.")
        if self.plan.denying or self.explain:
            denied = self.explicit_deny()
            if denied is not None:
                return denied
        if self.plan.guardrails or self.cross_account:
            for guardrail in (self.rcp_step, self.scp_step, self.vpce_step, self.cross_account_step):
                blocked = guardrail()
                if blocked is not None:
                    return blocked
        if self.part.key_arn is None:
            return self.iam_only()
        return self.doors()

    def explicit_deny(self) -> PartDecision | None:
        for source_kind, policy in self.plan.denying:
            for evidence in self.matches(policy, "Deny"):
                if evidence.matched:
                    if self.explain:
                        action = self.part.action.name
                        self.step("explicit-deny", "explicit deny in any applicable policy", "deny",
                                  f"{evidence.label} denies {action}: an explicit deny overrides every allow.", (evidence,))
                        self.explained(f"Explicitly denied by {evidence.label}.",
                                       f"remove {action} from {evidence.label} or narrow its conditions")
                    return self.decide(EXPLICITLY_DENIED, "explicit-deny", door=evidence, deny_source=source_kind)
        if self.explain:
            notes = []
            if self.policies.rcps and not self.plan.rcps_apply:
                notes.append("RCPs do not apply to AWS managed keys" if self.plan.aws_managed else "RCPs do not control kms:RetireGrant")
            if self.policies.grants.all():
                notes.append("grants never deny")
            extra = f" ({'; '.join(notes)})" if notes else ""
            checked = len(self.plan.applicable)
            self.step("explicit-deny", "explicit deny in any applicable policy", "pass",
                      f"No Deny statement applies, in {checked} polic{'y' if checked == 1 else 'ies'} checked{extra}.")
        return None

    def rcp_step(self) -> PartDecision | None:
        if not self.policies.rcps or not self.explain:
            return None  # RCPs only deny (RCPFullAWSAccess at every level): explicit_deny has applied them
        if not self.plan.rcps_apply:
            self.step("rcp", "RCPs of the key's account allow", "skip",
                      "RCPs do not apply to AWS managed keys." if self.plan.aws_managed else "RCPs do not control kms:RetireGrant.")
            return None
        self.step("rcp", "RCPs of the key's account allow", "pass",
                  f"{len(self.policies.rcps)} RCP level(s): AWS attaches RCPFullAWSAccess at every level and it cannot be "
                  "detached, so every level allows what no RCP denies.")
        return None

    def scp_step(self) -> PartDecision | None:
        if not self.policies.scps or self.caller.kind == "service":
            return None
        action = self.part.action.name
        for depth, level in enumerate(self.policies.scps):
            allows = [e for p in level for e in self.matches(p, "Allow")]
            if not any(e.matched for e in allows):
                for e in allows:
                    self._note_unknown(e)
                if self.explain:
                    self.step("scp", f"SCP level {depth + 1} allows", "fail",
                              f"No SCP at level {depth + 1} of the principal's organization path allows {action}; "
                              "every level must allow.", tuple(allows))
                    self.explained(f"Implicitly denied: SCP level {depth + 1} does not allow {action}.",
                                   f"allow {action} in an SCP at level {depth + 1} (for example attach FullAWSAccess)")
                return self.decide(IMPLICITLY_DENIED, "scp")
        if self.explain:
            self.step("scp", "every SCP level allows", "pass",
                      f"Each of the {len(self.policies.scps)} SCP level(s) has a statement allowing {action}.")
        return None

    def vpce_step(self) -> PartDecision | None:
        if not self.policies.vpc_endpoint:
            return None
        action = self.part.action.name
        allows = [e for p in self.policies.vpc_endpoint for e in self.matches(p, "Allow")]
        hit = next((e for e in allows if e.matched), None)
        if hit is None:
            if self.explain:
                self.step("vpc-endpoint", "the VPC endpoint policy allows", "fail",
                          f"The request came through a VPC endpoint whose policy does not allow {action} "
                          "for this principal and resource.", tuple(allows))
                self.explained("Implicitly denied: the VPC endpoint policy does not allow the request.",
                               f"allow {action} in the VPC endpoint policy")
            return self.decide(IMPLICITLY_DENIED, "vpc-endpoint")
        if self.explain:
            self.step("vpc-endpoint", "the VPC endpoint policy allows", "pass", f"{hit.label} allows it.", (hit,))
        return None

    def cross_account_step(self) -> PartDecision | None:
        if not self.cross_account:
            return None
        action, caller, part = self.part.action, self.caller, self.part
        if action.cross_account == "no":
            if self.explain:
                self.step("cross-account", "the action may be used cross-account", "fail",
                          f"The caller's account {caller.account} is not the key's account {part.account}, and "
                          f"{action.name} cannot be used cross-account (KMS permissions reference), whatever the policies say.")
                self.explained(f"Implicitly denied: {action.name} is not usable cross-account.",
                               f"call {action.name} from a principal in account {part.account}")
            return self.decide(IMPLICITLY_DENIED, "cross-account")
        if self.explain:
            self.step("cross-account", "the action may be used cross-account", "pass",
                      f"The caller is in account {caller.account}, the key in {part.account}: {action.name} can be "
                      "used cross-account, so both the key policy and the caller's IAM policies must allow.")
        return None

    # -- the IAM side ---------------------------------------------------------------------------
    def iam_side(self) -> tuple[bool, str | None, tuple[Any, ...]]:
        """(allows, what blocks, evidence): identity policies, then the boundary, then the session policy."""
        kind = self.caller.kind
        if kind == "root":
            return True, None, ()
        if kind == "service":
            return False, "identity", ()
        identity = [e for p in self.policies.identity for e in self.matches(p, "Allow")]
        allow = next((e for e in identity if e.matched), None)
        if allow is None:
            for e in identity:
                self._note_unknown(e)
            return False, "identity", tuple(identity)
        policies = self.policies
        if policies.boundary is None and policies.session is None:
            return True, None, (allow,)
        evidence: list[Any] = [allow]
        for label, policy in (("boundary", policies.boundary), ("session", policies.session)):
            ok, found = self.limit_allows(policy)
            if not ok:
                return False, label, tuple(evidence + found)
            evidence += found[:1]
        return True, None, tuple(evidence)

    def limit_allows(self, policy: Policy | None) -> tuple[bool, list[Any]]:
        if policy is None:
            return True, []
        found = self.matches(policy, "Allow")
        hit = next((e for e in found if e.matched), None)
        if hit is None:
            for e in found:
                self._note_unknown(e)
            return False, list(found)
        return True, [hit]

    def iam_only(self) -> PartDecision:
        allows, blocker, evidence = self.iam_side()
        if allows:
            if self.explain:
                what = "the alias" if self.part.name == "alias" else "resource *"
                check = f"IAM policies allow ({what}: no key policy applies)"
                explanation = ("the account root user is not limited by IAM policies" if self.caller.kind == "root"
                               else f"{evidence[0].label} allows {self.part.action.name} on {self.part.resource}")
                self.step("iam", check, "allow", explanation + ".", evidence)
                self.explained(f"Allowed: {explanation}.")
            return self.decide(ALLOWED, "iam", door=evidence[0] if evidence else None)
        if self.explain:
            what = "the alias" if self.part.name == "alias" else "resource *"
            self.step("iam", f"IAM policies allow ({what}: no key policy applies)", "fail", self._iam_block_text(blocker), evidence)
            self.explained(f"Implicitly denied: {self._iam_block_text(blocker)}", self._iam_suggestion(blocker))
        return self.decide(IMPLICITLY_DENIED, "no-door", blocker=blocker)

    def _iam_block_text(self, blocker: str | None) -> str:
        action = self.part.action.name
        if blocker == "boundary":
            return f"the identity policies allow {action}, but the permissions boundary does not."
        if blocker == "session":
            return f"the identity policies allow {action}, but the session policy does not."
        if self.caller.kind == "service":
            return "a service principal has no IAM policies."
        return f"no identity policy of the caller allows {action} on {self.part.resource}."

    def _iam_suggestion(self, blocker: str | None) -> str:
        action, resource = self.part.action.name, self.part.resource
        return {"boundary": f"allow {action} in the permissions boundary",
                "session": f"allow {action} in the session policy"}.get(
            blocker or "", f"allow {action} on {resource} in an identity policy of {self.caller.principal_arn}")

    # -- the doors --------------------------------------------------------------------------
    def doors(self) -> PartDecision:
        action = self.part.action.name
        if self.plan.key_policy is None:
            if self.explain:
                self.step("key-policy", "the key policy allows", "fail",
                          "No key policy was given; every KMS key has exactly one and nothing allows use of a key "
                          "without it (grants aside).")
            key_allows: list[Any] = []
        else:
            key_allows = self.matches(self.plan.key_policy, "Allow")
        direct = delegated = None  # the first statement that allows naming the caller, and the account
        for e in key_allows:
            if not e.matched:
                if e.wants:
                    self._note_unknown(e)
            elif e.how == "account":
                if delegated is None:
                    delegated = e
            elif direct is None:
                direct = e

        # Door 1: the key policy names the principal.
        door1 = self.door_one(direct, key_allows)
        if door1.__class__ is PartDecision:
            return door1  # type: ignore[return-value]
        # Door 2: the key policy enables IAM policies for the account.
        door2 = self.door_two(delegated, key_allows)
        if door2.__class__ is PartDecision:
            return door2  # type: ignore[return-value]
        # Door 3: grants.
        if self.plan.grants:
            door3 = self.door_three()
            if door3 is not None:
                return door3
        blocker: str = door2 or door1 or "key-policy"  # type: ignore[assignment]
        if self.explain:
            if blocker == "key-policy":
                text = (f"the key policy neither allows {self.caller.principal_arn} {action} nor enables IAM policies "
                        f"for account {self.caller.account} and this action, and no grant allows it")
                if self.cross_account:
                    suggestion = (f"allow account {self.caller.account} (or the principal) {action} in the key policy, and "
                                  f"allow {action} on {self.part.resource} in the caller's IAM policy")
                else:
                    suggestion = self._key_policy_suggestion()
            else:
                text = self._iam_block_text(blocker).rstrip(".") + ", and no grant allows it"
                suggestion = self._iam_suggestion(blocker)
            self.explained(f"Implicitly denied: {text}.", suggestion)
        return self.decide(IMPLICITLY_DENIED, "no-door", blocker=blocker)

    def _key_policy_suggestion(self) -> str:
        """The smallest key-policy change: extend a statement that names the caller, or enable IAM."""
        action = self.part.action.name
        naming = self._statements_naming_caller()
        if naming:
            return f"add {action} to {naming[0].source} {naming[0].label}"
        notes = self.if_known
        self.if_known = list(notes) if notes is not None else None
        allows, _, _ = self.iam_side()
        self.if_known = notes  # asking for advice must not add "allowed if" notes the verdict did not find
        if allows and self.caller.kind not in ("root", "service"):
            return (f"the key policy does not enable IAM policies for {action}: add the statement that allows "
                    f"arn:aws:iam::{self.part.account}:root {action} (AWS's default \"Enable IAM User Permissions\"), "
                    "so the identity policy that allows it takes effect")
        return (f"add {action} to a key policy statement that allows {self.caller.principal_arn}, or add the "
                f"statement that enables IAM policies (Principal arn:aws:iam::{self.part.account}:root) and "
                f"allow {action} in an identity policy")

    def _statements_naming_caller(self) -> list:
        """Allow statements of the key policy whose Principal names the caller itself (any action)."""
        if self.plan.key_policy is None:
            return []
        return [s for s in self.plan.key_policy.statements
                if s.effect == "Allow" and s.principal is not None and not s.not_principal
                and (m := match_index(s._principal_index, self.caller)) is not None and m[0] not in ("account", "any")]

    def door_one(self, hit: Any, key_allows: list[Any]) -> PartDecision | str | None:
        """Door 1 (the key policy names the principal): a decision, what blocks it, or None when closed.
        ``hit``: the first key policy statement that allows naming the caller itself, if any."""
        if hit is None:
            if self.explain:
                named = tuple(e for e in key_allows if not e.matched and e.how != "account")
                self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                          f"No key policy statement allows {self.caller.principal_arn} {self.part.action.name}"
                          + (" (statements that name it have conditions that do not hold)." if named else "."), named)
            return None
        how = hit.how
        if self.cross_account:
            allows, blocker, evidence = self.iam_side()
            if allows:
                if self.explain:
                    self.step("key-policy", "door 1: the key policy allows the principal", "allow",
                              f"{hit.label} allows the external principal; its own account's IAM side allows too"
                              + (f" ({evidence[0].label})." if evidence else "."), (hit,) + evidence)
                    self.explained(f"Allowed: {hit.label} allows the principal, and its IAM policies allow.")
                return self.decide(ALLOWED, "key-policy", door=hit)
            if self.explain:
                self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                          f"{hit.label} allows the external principal, but cross-account use also needs its own account's IAM "
                          f"side: {self._iam_block_text(blocker)}", (hit,) + evidence)
            return blocker
        limited = (how == "role" or how == "any") and self.caller.kind in ("role-session", "role")
        if limited:
            for label, policy in (("boundary", self.policies.boundary), ("session", self.policies.session)):
                ok, found = self.limit_allows(policy)
                if not ok:
                    if self.explain:
                        self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                                  f"{hit.label} names the role, and a key policy naming the role ARN is limited by the "
                                  f"{KIND_LABELS[label]}, which does not allow {self.part.action.name}.", (hit,) + tuple(found))
                    return label
        if self.explain:
            self.step("key-policy", "door 1: the key policy allows the principal", "allow",
                      f"{hit.label} allows {self.part.action.name}: {self._why_door_one(how, limited)}.", (hit,))
            self.explained(f"Allowed by {hit.label}.")
        return self.decide(ALLOWED, "key-policy", door=hit)

    def _why_door_one(self, how: str | None, limited: bool) -> str:
        boundaries = self.policies.boundary or self.policies.session
        return {"user": "it names the IAM user; same account, so no IAM policy is needed and a permissions boundary does not limit it",
                "session": "it names the role session; same account, so boundaries and session policies do not limit it",
                "role": "it names the role; same account" + (", and the boundary and session policy allow" if boundaries else ""),
                "any": 'its Principal is "*"' + (" (AWS documents boundaries for a resource policy naming the role ARN or the "
                                                   "session ARN, not \"*\"; kmstui treats \"*\" like the role ARN, a choice)"
                                                   if limited else ""),
                "root": "it names the account, and the caller is the account root user",
                "service": "it names the service principal",
                NOT_PRINCIPAL: "its NotPrincipal does not exclude the caller",
                NOT_PRINCIPAL_ALLOW: "its NotPrincipal does not exclude the caller (Allow with NotPrincipal, applied as written)",
                "federated-user": "it names the federated user"}.get(how or "", "it names the principal")

    def door_two(self, hit: Any, key_allows: list[Any]) -> PartDecision | str | None:
        """Door 2 (the key policy enables IAM policies): a decision, what blocks it, or None when closed.
        ``hit``: the first key policy statement that allows the caller's account, if any."""
        if hit is None:
            if self.explain:
                account_failed = tuple(e for e in key_allows if not e.matched and e.how == "account")
                self.step("iam", "door 2: the key policy enables IAM policies for this action", "fail",
                          f"No key policy statement allows account {self.caller.account} {self.part.action.name}"
                          + (" (statements that do have conditions that do not hold)" if account_failed else "")
                          + ", so IAM policies that allow it have no effect on this key.", account_failed)
            return None
        allows, blocker, evidence = self.iam_side()
        if allows:
            if self.explain:
                action = self.part.action.name
                via = evidence[0].label if evidence else "the account root user is not limited by IAM policies"
                self.step("iam", "door 2: the key policy enables IAM policies for this action", "allow",
                          f"{hit.label} allows the account {action}, so IAM policies count, and {via}"
                          + (" allows it." if evidence else "."), (hit,) + evidence)
                self.explained(f"Allowed: {hit.label} enables IAM policies and {via}" + (" allows it." if evidence else "."))
            return self.decide(ALLOWED, "iam", door=evidence[0] if evidence else hit)
        if self.explain:
            self.step("iam", "door 2: the key policy enables IAM policies for this action", "fail",
                      f"{hit.label} enables IAM policies, but {self._iam_block_text(blocker)}", (hit,) + evidence)
        return blocker

    def door_three(self) -> PartDecision | None:
        grants = self.plan.grants
        operation = self.part.action.name.split(":", 1)[1]
        found = check_grants(grants, operation, self.part.key_arn or "", self.caller, self.context)
        hit = next((g for g in found if g.matched), None)
        if hit is None:
            if self.explain:
                self.step("grant", "door 3: a grant allows", "fail",
                          f"None of the {len(grants)} grant(s) on the key allows {self.caller.principal_arn} {operation}"
                          + ("." if not found else f": {found[0].reason}."), tuple(found))
            return None
        if self.explain:
            choice = ""
            if self.policies.boundary is not None or self.policies.session is not None:
                choice = (" AWS documents no effect of permissions boundaries or session policies on grants; kmstui "
                          "does not apply them here (a choice).")
            self.step("grant", "door 3: a grant allows", "allow",
                      f"{hit.label} allows {operation} for {hit.grantee}: {hit.reason}.{choice}", (hit,))
            self.explained(f"Allowed by {hit.label}.")
        return self.decide(ALLOWED, "grant", door=hit)

    def _note_unknown(self, evidence: Any) -> None:
        """Remember a statement that failed only because a key had no value (for "allowed if …")."""
        if evidence.wants:
            if self.if_known is None:
                self.if_known = []
            self.if_known.append(f"{evidence.label} would allow it if {evidence.wants}")


class _KeySide:
    """What the order needs of a part that only the key side decides (the same for every principal):
    the key's policy, whether AWS manages it, the key's facts, its grants, the context keys the action
    carries, KMS's refusal. Made once per key side (PolicySet.derived_by_key, which the access
    matrix's row PolicySets share)."""

    __slots__ = ("key_policy", "aws_managed", "rcps_apply", "refusal", "key_facts", "carried", "grants", "key_guardrails")

    def __init__(self, policies: PolicySet, part: Part, action_lower: str) -> None:
        key_arn = part.key_arn
        self.key_policy: Policy | None = policies.key_policies.get(key_arn) if key_arn else None
        metadata = policies.key_metadata.get(key_arn) if key_arn else None
        self.aws_managed = bool(metadata and str(metadata.get("KeyManager", "")).upper() == "AWS")
        self.rcps_apply = bool(policies.rcps) and not self.aws_managed and action_lower != "kms:retiregrant"
        self.refusal = _refusal(part, action_lower, metadata)
        self.key_facts = policies.key_facts(key_arn, part.account, part.alias_name)
        self.carried = carrier(part.action.name)[1]
        self.grants = (policies.grants.get(key_arn) or ()) if key_arn else ()
        self.key_guardrails = bool(policies.rcps or policies.vpc_endpoint)


class _PartPlan:
    """What the order needs of a part that no request changes: the part and its key side (see
    _KeySide), which policies apply and which of them deny the action, whether guardrails apply,
    whether a decision reads the request context. Made once per PolicySet for each part and kind of
    caller, so that a decision looks these up once."""

    __slots__ = ("part", "action_lower", "key_policy", "aws_managed", "rcps_apply", "refusal", "key_facts", "carried",
                 "grants", "applicable", "denying", "guardrails", "has_boundary", "reads_context")

    def __init__(self, policies: PolicySet, part: Part, service: bool) -> None:
        self.part = part
        self.action_lower = action_lower = part.action.name.lower()
        side_key = ("key-side", part.resource, part.action.name, part.name, part.alias_name, part.account)
        side = policies.derived_by_key.get(side_key)
        if side is None:
            side = policies.derived_by_key[side_key] = _KeySide(policies, part, action_lower)
        self.key_policy, self.aws_managed, self.rcps_apply = side.key_policy, side.aws_managed, side.rcps_apply
        self.refusal, self.key_facts, self.grants = side.refusal, side.key_facts, side.grants
        self.carried = side.carried  # the kms: keys the action carries (the matrix's memo keys)
        self.applicable = _applicable_policies(policies, self.key_policy, service, self.rcps_apply)
        self.denying = [(kind, policy) for kind, policy in self.applicable if policy.statements_for(action_lower, "Deny")]
        self.guardrails = side.key_guardrails or bool(policies.scps)
        self.has_boundary = policies.boundary is not None
        # Whether a decision reads the request context: a condition or policy variable, or a grant's constraints.
        self.reads_context = bool(self.grants) or any(policy.condition_keys for _, policy in self.applicable)


def _part_plan(policies: PolicySet, part: Part, caller: Caller) -> _PartPlan:
    service = caller.kind == "service"
    cache_key = (part.resource, part.action.name, part.name, part.alias_name, part.account, service)
    found = policies.plans.get(cache_key)
    if found is None:
        found = policies.plans[cache_key] = _PartPlan(policies, part, service)
    return found


def _applicable_policies(policies: PolicySet, key_policy: Policy | None, service: bool, rcps_apply: bool) -> list[tuple[str, Policy]]:
    """(kind, policy) of every policy that applies to a part."""
    found: list[tuple[str, Policy]] = []
    if key_policy is not None:
        found.append(("key_policy", key_policy))
    if not service:
        found += [("identity", p) for p in policies.identity]
        if policies.boundary is not None:
            found.append(("boundary", policies.boundary))
        if policies.session is not None:
            found.append(("session", policies.session))
        found += [("scp", p) for level in policies.scps for p in level]
    if rcps_apply:
        found += [("rcp", p) for level in policies.rcps for p in level]
    found += [("vpc_endpoint", p) for p in policies.vpc_endpoint]
    return found


def _refusal(part: Part, action_lower: str, metadata: Any) -> str | None:
    """KMS's refusal of the part (kms_rules), remembered by what decides it: the matrix asks per cell."""
    facts = tuple(str(metadata.get(name, "")) for name in ("KeySpec", "CustomerMasterKeySpec", "KeyUsage", "Origin",
                                                           "KeyManager")) if metadata else None
    return _refusal_of(part.action.name, action_lower, part.name, part.resource if part.name == "alias" else "",
                       part.key_arn is not None, facts)


@lru_cache(maxsize=4096)
def _refusal_of(action_name: str, action_lower: str, part_name: str, alias_resource: str, on_key: bool,
                facts: tuple[str, ...] | None) -> str | None:
    from kmstui.reference.model import load_reference

    action = load_reference().action(action_name)
    metadata = dict(zip(("KeySpec", "CustomerMasterKeySpec", "KeyUsage", "Origin", "KeyManager"), facts)) if facts else None
    metadata = {k: v for k, v in metadata.items() if v} if metadata else None
    return alias_rejection(action_lower, part_name, alias_resource, metadata) or (
        key_type_rejection(action, metadata) if on_key else None)
