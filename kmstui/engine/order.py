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
from typing import Any, Callable, Union

from kmstui.engine.context import Context, build_context
from kmstui.engine.grants import check_grants
from kmstui.engine.kms_rules import ALIAS_OPERATIONS, alias_rejection, key_type_rejection
from kmstui.engine.matching import NOT_PRINCIPAL, NOT_PRINCIPAL_ALLOW, applicable
from kmstui.policy.document import KIND_LABELS, Policy
from kmstui.engine.policy_set import PolicySet
from kmstui.policy.principals import Caller, PrincipalError, match_index, parse_caller
from kmstui.engine.resolve import Part, Request, RequestError, resolve_parts
from kmstui.engine.trace import (ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED, Decision, Evidence,
                                 PartDecision, Step, Trace, Verdict)

__all__ = ["Request", "PolicySet", "evaluate", "decide", "RequestError"]

Text = Union[str, Callable[[], str]]  # a trace text, built only when the trace is recorded


def evaluate(request: Request, policies: PolicySet, now: datetime | None = None) -> Decision:
    """Decide ``request`` against ``policies`` and explain it; raises :class:`RequestError` for a bad request."""
    caller, parts, decisions, context = _run(request, policies, now, explain=True)
    trace = Trace(
        principal=request.principal, action=request.action, resources=request.resources,
        make_resolve=lambda: (_resolve_step(request, caller, parts),), parts=tuple(decisions), request_context=context,
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
    caller, parts = _caller_and_parts(request, policies)
    if len(parts) == 1:  # most requests: no combining of parts
        part = parts[0]
        decision = _PartEvaluation(part, caller, policies, request, now, False, memo).run()
        allowed = decision.result == ALLOWED
        return Verdict(decision.result, decision.decided_by, None if allowed else decision.deny_source,
                       None if allowed else decision.blocker, () if allowed else decision.if_known,
                       decision.rejected, (decision,))
    decisions = [_PartEvaluation(part, caller, policies, request, now, False, memo).run() for part in parts]
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


def _caller_and_parts(request: Request, policies: PolicySet) -> tuple[Caller, list[Part]]:
    try:
        caller = parse_caller(request.principal)
    except PrincipalError as error:
        raise RequestError(str(error)) from None
    return caller, resolve_parts(request, caller, policies)


def _run(request: Request, policies: PolicySet, now: datetime | None, explain: bool,
         memo: dict[Any, Any] | None = None) -> tuple[Caller, list[Part], list[PartDecision], Context]:
    """Every part of the request through the evaluation order (recording its trace when ``explain``)."""
    caller, parts = _caller_and_parts(request, policies)
    evaluations = [_PartEvaluation(part, caller, policies, request, now, explain, memo) for part in parts]
    return caller, parts, [evaluation.run() for evaluation in evaluations], evaluations[0].context


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
    """Steps 1 to 8 for one part."""

    __slots__ = ("part", "caller", "policies", "explain", "memo", "plan", "context", "action_lower", "steps",
                 "key_policy", "cross_account", "if_known")

    def __init__(self, part: Part, caller: Caller, policies: PolicySet, request: Request, now: datetime | None,
                 explain: bool = True, memo: dict[Any, Any] | None = None) -> None:
        self.part, self.caller, self.policies = part, caller, policies
        self.explain, self.memo = explain, memo
        self.plan = plan = _part_plan(policies, part, caller)
        self.context = build_context(request.context, caller, plan.key_facts, request.derive, now, policies.derived_by_key,
                                     part.action)
        self.action_lower = plan.action_lower
        self.steps: list[Step] = []
        self.key_policy = plan.key_policy
        self.cross_account = bool(caller.account and part.account and caller.account != part.account)
        self.if_known: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def step(self, phase: str, check: str, outcome: str, explanation: Text, evidence: tuple[Evidence, ...] = ()) -> None:
        """Record a step of the trace; the fast path records none (and never builds the text)."""
        if self.explain:
            text = explanation if isinstance(explanation, str) else explanation()
            self.steps.append(Step(phase, check, outcome, text, evidence, self.part.name))

    def matches(self, policy: Policy, effect: str) -> list:
        """StatementEvidence when explaining, the matcher's Applied on the fast path: the same rule."""
        return applicable(policy, effect, self.action_lower, self.part.resource, self.caller, self.context,
                          self.policies.boundary is not None, self.explain, self.memo)

    def decide(self, result: str, decided_by: str, explanation: Text, *, door: Any = None,
               deny_source: str | None = None, blocker: str | None = None, suggestion: Text | None = None,
               evidence: tuple[Evidence, ...] = ()) -> PartDecision:
        advice = None
        if self.explain:
            self.step("decision", "decision", "allow" if result == ALLOWED else "deny", explanation,
                      evidence or ((door,) if door else ()))
            if suggestion is not None:
                advice = suggestion if isinstance(suggestion, str) else suggestion()
        part = self.part
        return PartDecision(part.name, part.action.name, part.resource, result, decided_by, deny_source, blocker, door,
                            advice, tuple(dict.fromkeys(self.if_known)) if self.if_known else (), tuple(self.steps))

    def rcps_apply(self) -> bool:
        return self.plan.rcps_apply

    # -- the order ---------------------------------------------------------------------------
    def run(self) -> PartDecision:
        return self.kms_rules(self.authorize())

    def kms_rules(self, decision: PartDecision) -> PartDecision:
        """KMS's own refusals, after authorization: a reserved alias, a key type that cannot do the operation."""
        part = self.part
        refusal = self.plan.refusal
        if refusal is None:
            return decision
        check = ("KMS accepts the request for this alias and key" if self.action_lower in ALIAS_OPERATIONS
                 else "KMS accepts the request for this key's type")
        if decision.result != ALLOWED:
            steps = decision.steps
            if self.explain:
                steps = steps[:-1] + (Step("kms-rule", check, "info", f"KMS would refuse it anyway: {refusal}.", (), part.name),
                                      steps[-1])
            return replace(decision, steps=steps, rejected=refusal, suggestion=None)  # no policy change would make it work
        self.steps = list(decision.steps[:-1])
        self.step("kms-rule", check, "fail", lambda: f"The policies allow it ({decision.steps[-1].explanation.rstrip('.')}), "
                  f"but KMS refuses the request whatever the policies say: {refusal}.")
        refused = self.decide(REJECTED, "kms-rule", f"Rejected by KMS: {refusal}.",
                              suggestion="use a key of the type the operation needs" if "needs" in refusal else None)
        return replace(refused, rejected=refusal)

    def authorize(self) -> PartDecision:
        ignored = self.context.ignored if self.explain else ()
        if ignored:
            self.step("resolve", "the request context KMS sends", "info", lambda: (
                f"{', '.join(entry.name for entry in ignored)} left out: KMS never sends "
                f"{'this key' if len(ignored) == 1 else 'these keys'} with {self.part.action.name} requests (the "
                "permissions reference lists the condition keys each action supports), so a condition on it sees no value."))
        denied = self.explicit_deny()
        if denied is not None:
            return denied
        policies = self.policies
        if policies.rcps or policies.scps or policies.vpc_endpoint or self.cross_account:
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
                    action = self.part.action.name
                    self.step("explicit-deny", "explicit deny in any applicable policy", "deny",
                              lambda: f"{evidence.label} denies {action}: an explicit deny overrides every allow.",
                              (evidence,))
                    return self.decide(EXPLICITLY_DENIED, "explicit-deny", lambda: f"Explicitly denied by {evidence.label}.",
                                       door=evidence, deny_source=source_kind,
                                       suggestion=lambda: f"remove {action} from {evidence.label} or narrow its conditions")
        if self.explain:
            notes = []
            if self.policies.rcps and not self.rcps_apply():
                notes.append("RCPs do not apply to AWS managed keys" if self.plan.aws_managed else "RCPs do not control kms:RetireGrant")
            if self.policies.grants.all():
                notes.append("grants never deny")
            extra = f" ({'; '.join(notes)})" if notes else ""
            checked = len(self.plan.applicable)
            self.step("explicit-deny", "explicit deny in any applicable policy", "pass",
                      f"No Deny statement applies, in {checked} polic{'y' if checked == 1 else 'ies'} checked{extra}.")
        return None

    def rcp_step(self) -> PartDecision | None:
        if not self.policies.rcps:
            return None
        if not self.rcps_apply():
            self.step("rcp", "RCPs of the key's account allow", "skip",
                      "RCPs do not apply to AWS managed keys." if self.plan.aws_managed else "RCPs do not control kms:RetireGrant.")
            return None
        self.step("rcp", "RCPs of the key's account allow", "pass", lambda:
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
                self.step("scp", f"SCP level {depth + 1} allows", "fail", lambda:
                          f"No SCP at level {depth + 1} of the principal's organization path allows {action}; "
                          "every level must allow.", tuple(allows))
                return self.decide(IMPLICITLY_DENIED, "scp", lambda: f"Implicitly denied: SCP level {depth + 1} does not allow {action}.",
                                   suggestion=lambda: f"allow {action} in an SCP at level {depth + 1} (for example attach FullAWSAccess)")
        self.step("scp", "every SCP level allows", "pass",
                  lambda: f"Each of the {len(self.policies.scps)} SCP level(s) has a statement allowing {action}.")
        return None

    def vpce_step(self) -> PartDecision | None:
        if not self.policies.vpc_endpoint:
            return None
        action = self.part.action.name
        allows = [e for p in self.policies.vpc_endpoint for e in self.matches(p, "Allow")]
        hit = next((e for e in allows if e.matched), None)
        if hit is None:
            self.step("vpc-endpoint", "the VPC endpoint policy allows", "fail", lambda:
                      f"The request came through a VPC endpoint whose policy does not allow {action} "
                      "for this principal and resource.", tuple(allows))
            return self.decide(IMPLICITLY_DENIED, "vpc-endpoint",
                               "Implicitly denied: the VPC endpoint policy does not allow the request.",
                               suggestion=lambda: f"allow {action} in the VPC endpoint policy")
        self.step("vpc-endpoint", "the VPC endpoint policy allows", "pass", lambda: f"{hit.label} allows it.", (hit,))
        return None

    def cross_account_step(self) -> PartDecision | None:
        if not self.cross_account:
            return None
        action, caller, part = self.part.action, self.caller, self.part
        if action.cross_account == "no":
            self.step("cross-account", "the action may be used cross-account", "fail", lambda:
                      f"The caller's account {caller.account} is not the key's account {part.account}, and "
                      f"{action.name} cannot be used cross-account (KMS permissions reference), whatever the policies say.")
            return self.decide(IMPLICITLY_DENIED, "cross-account",
                               lambda: f"Implicitly denied: {action.name} is not usable cross-account.",
                               suggestion=lambda: f"call {action.name} from a principal in account {part.account}")
        self.step("cross-account", "the action may be used cross-account", "pass", lambda:
                  f"The caller is in account {caller.account}, the key in {part.account}: {action.name} can be "
                  "used cross-account, so both the key policy and the caller's IAM policies must allow.")
        return None

    # -- the IAM side ---------------------------------------------------------------------------
    def iam_side(self) -> tuple[bool, str | None, tuple[Any, ...]]:
        """(allows, what blocks, evidence): identity policies, then the boundary, then the session policy."""
        if self.caller.kind == "root":
            return True, None, ()
        if self.caller.kind == "service":
            return False, "identity", ()
        identity = [e for p in self.policies.identity for e in self.matches(p, "Allow")]
        allow = next((e for e in identity if e.matched), None)
        if allow is None:
            for e in identity:
                self._note_unknown(e)
            return False, "identity", tuple(identity)
        evidence: list[Any] = [allow]
        for label, policy in (("boundary", self.policies.boundary), ("session", self.policies.session)):
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
        what = "the alias" if self.part.name == "alias" else "resource *"
        allows, blocker, evidence = self.iam_side()
        check = f"IAM policies allow ({what}: no key policy applies)"
        if allows:
            def explanation() -> str:
                return ("the account root user is not limited by IAM policies" if self.caller.kind == "root"
                        else f"{evidence[0].label} allows {self.part.action.name} on {self.part.resource}")
            self.step("iam", check, "allow", lambda: explanation() + ".", evidence)
            return self.decide(ALLOWED, "iam", lambda: f"Allowed: {explanation()}.", door=evidence[0] if evidence else None)
        self.step("iam", check, "fail", lambda: self._iam_block_text(blocker), evidence)
        return self.decide(IMPLICITLY_DENIED, "no-door", lambda: f"Implicitly denied: {self._iam_block_text(blocker)}",
                           blocker=blocker, suggestion=lambda: self._iam_suggestion(blocker))

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
        if self.key_policy is None:
            self.step("key-policy", "the key policy allows", "fail",
                      "No key policy was given; every KMS key has exactly one and nothing allows use of a key "
                      "without it (grants aside).")
            key_allows: list[Any] = []
        else:
            key_allows = self.matches(self.key_policy, "Allow")
        direct, delegated, failed = [], [], []
        for e in key_allows:
            if not e.matched:
                self._note_unknown(e)
                failed.append(e)
            elif e.how == "account":
                delegated.append(e)
            else:
                direct.append(e)
        failed_conditions = tuple(failed)

        # Door 1: the key policy names the principal.
        door1 = self.door_one(direct, failed_conditions)
        if isinstance(door1, PartDecision):
            return door1
        # Door 2: the key policy enables IAM policies for the account.
        door2 = self.door_two(delegated, failed_conditions)
        if isinstance(door2, PartDecision):
            return door2
        # Door 3: grants.
        door3 = self.door_three()
        if door3 is not None:
            return door3
        blocker = door2 or door1 or "key-policy"
        if blocker == "key-policy":
            def text() -> str:
                return (f"the key policy neither allows {self.caller.principal_arn} {action} nor enables IAM policies "
                        f"for account {self.caller.account} and this action, and no grant allows it")

            def suggestion() -> str:
                if self.cross_account:
                    return (f"allow account {self.caller.account} (or the principal) {action} in the key policy, and "
                            f"allow {action} on {self.part.resource} in the caller's IAM policy")
                return self._key_policy_suggestion()
        else:
            def text() -> str:
                return self._iam_block_text(blocker).rstrip(".") + ", and no grant allows it"

            def suggestion() -> str:
                return self._iam_suggestion(blocker)
        return self.decide(IMPLICITLY_DENIED, "no-door", lambda: f"Implicitly denied: {text()}.", blocker=blocker,
                           suggestion=suggestion)

    def _key_policy_suggestion(self) -> str:
        """The smallest key-policy change: extend a statement that names the caller, or enable IAM."""
        action = self.part.action.name
        naming = self._statements_naming_caller()
        if naming:
            return f"add {action} to {naming[0].source} {naming[0].label}"
        notes = list(self.if_known)
        allows, _, _ = self.iam_side()
        self.if_known[:] = notes  # asking for advice must not add "allowed if" notes the verdict did not find
        if allows and self.caller.kind not in ("root", "service"):
            return (f"the key policy does not enable IAM policies for {action}: add the statement that allows "
                    f"arn:aws:iam::{self.part.account}:root {action} (AWS's default \"Enable IAM User Permissions\"), "
                    "so the identity policy that allows it takes effect")
        return (f"add {action} to a key policy statement that allows {self.caller.principal_arn}, or add the "
                f"statement that enables IAM policies (Principal arn:aws:iam::{self.part.account}:root) and "
                f"allow {action} in an identity policy")

    def _statements_naming_caller(self) -> list:
        """Allow statements of the key policy whose Principal names the caller itself (any action)."""
        if self.key_policy is None:
            return []
        return [s for s in self.key_policy.statements
                if s.effect == "Allow" and s.principal is not None and not s.not_principal
                and (m := match_index(s._principal_index, self.caller)) is not None and m[0] not in ("account", "any")]

    def door_one(self, direct: list[Any], failed: tuple[Any, ...]) -> PartDecision | str | None:
        action = self.part.action.name
        check = "door 1: the key policy allows the principal"
        if not direct:
            named = tuple(e for e in failed if e.how != "account")
            self.step("key-policy", check, "fail", lambda:
                      f"No key policy statement allows {self.caller.principal_arn} {action}"
                      + (" (statements that name it have conditions that do not hold)." if named else "."), named)
            return None
        hit = direct[0]
        how = hit.how
        if self.cross_account:
            allows, blocker, evidence = self.iam_side()
            if allows:
                self.step("key-policy", check, "allow", lambda:
                          f"{hit.label} allows the external principal; its own account's IAM side allows too"
                          + (f" ({evidence[0].label})." if evidence else "."), (hit,) + evidence)
                return self.decide(ALLOWED, "key-policy",
                                   lambda: f"Allowed: {hit.label} allows the principal, and its IAM policies allow.", door=hit)
            self.step("key-policy", check, "fail", lambda:
                      f"{hit.label} allows the external principal, but cross-account use also needs its own account's IAM "
                      f"side: {self._iam_block_text(blocker)}", (hit,) + evidence)
            return blocker
        limited = how in ("role", "any") and self.caller.kind in ("role-session", "role")
        if limited:
            for label, policy in (("boundary", self.policies.boundary), ("session", self.policies.session)):
                ok, found = self.limit_allows(policy)
                if not ok:
                    self.step("key-policy", check, "fail", lambda:
                              f"{hit.label} names the role, and a key policy naming the role ARN is limited by the "
                              f"{KIND_LABELS[label]}, which does not allow {action}.", (hit,) + tuple(found))
                    return label
        self.step("key-policy", check, "allow", lambda: f"{hit.label} allows {action}: {self._why_door_one(how, limited)}.", (hit,))
        return self.decide(ALLOWED, "key-policy", lambda: f"Allowed by {hit.label}.", door=hit)

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

    def door_two(self, delegated: list[Any], failed: tuple[Any, ...]) -> PartDecision | str | None:
        action = self.part.action.name
        check = "door 2: the key policy enables IAM policies for this action"
        if not delegated:
            account_failed = tuple(e for e in failed if e.how == "account")
            self.step("iam", check, "fail", lambda:
                      f"No key policy statement allows account {self.caller.account} {action}"
                      + (" (statements that do have conditions that do not hold)" if account_failed else "")
                      + ", so IAM policies that allow it have no effect on this key.", account_failed)
            return None
        hit = delegated[0]
        allows, blocker, evidence = self.iam_side()
        if allows:
            def via() -> str:
                return evidence[0].label if evidence else "the account root user is not limited by IAM policies"
            self.step("iam", check, "allow", lambda:
                      f"{hit.label} allows the account {action}, so IAM policies count, and {via()}"
                      + (" allows it." if evidence else "."), (hit,) + evidence)
            return self.decide(ALLOWED, "iam", lambda: f"Allowed: {hit.label} enables IAM policies and {via()}"
                               + (" allows it." if evidence else "."), door=evidence[0] if evidence else hit)
        self.step("iam", check, "fail", lambda: f"{hit.label} enables IAM policies, but {self._iam_block_text(blocker)}",
                  (hit,) + evidence)
        return blocker

    def door_three(self) -> PartDecision | None:
        grants = self.policies.grants.get(self.part.key_arn) or ()
        if not grants:
            return None
        operation = self.part.action.name.split(":", 1)[1]
        found = check_grants(grants, operation, self.part.key_arn or "", self.caller, self.context)
        hit = next((g for g in found if g.matched), None)
        if hit is None:
            self.step("grant", "door 3: a grant allows", "fail", lambda:
                      f"None of the {len(grants)} grant(s) on the key allows {self.caller.principal_arn} {operation}"
                      + ("." if not found else f": {found[0].reason}."), tuple(found))
            return None

        def choice() -> str:
            if self.policies.boundary is not None or self.policies.session is not None:
                return (" AWS documents no effect of permissions boundaries or session policies on grants; kmstui "
                        "does not apply them here (a choice).")
            return ""
        self.step("grant", "door 3: a grant allows", "allow",
                  lambda: f"{hit.label} allows {operation} for {hit.grantee}: {hit.reason}.{choice()}", (hit,))
        return self.decide(ALLOWED, "grant", lambda: f"Allowed by {hit.label}.", door=hit)

    def _note_unknown(self, evidence: Any) -> None:
        """Remember a statement that failed only because a key had no value (for "allowed if …")."""
        if evidence.wants:
            self.if_known.append(f"{evidence.label} would allow it if {evidence.wants}")


class _PartPlan:
    """What the order needs of a part that no request changes: the key's policy, whether AWS manages it, which
    policies apply and which of them deny the action, KMS's refusal. Made once per PolicySet for each
    part and kind of caller, so that a decision looks these up once."""

    __slots__ = ("key_policy", "aws_managed", "action_lower", "rcps_apply", "applicable", "denying", "refusal",
                 "key_facts")

    def __init__(self, policies: PolicySet, part: Part, service: bool) -> None:
        key_arn = part.key_arn
        self.action_lower = action_lower = part.action.name.lower()
        self.key_policy: Policy | None = policies.key_policies.get(key_arn) if key_arn else None
        metadata = policies.key_metadata.get(key_arn) if key_arn else None
        self.aws_managed = bool(metadata and str(metadata.get("KeyManager", "")).upper() == "AWS")
        self.rcps_apply = bool(policies.rcps) and not self.aws_managed and action_lower != "kms:retiregrant"
        self.applicable = _applicable_policies(policies, self.key_policy, service, self.rcps_apply)
        self.denying = [(kind, policy) for kind, policy in self.applicable if policy.statements_for(action_lower, "Deny")]
        self.refusal = _refusal(part, action_lower, metadata)
        self.key_facts = policies.key_facts(key_arn, part.account, part.alias_name)


def _part_plan(policies: PolicySet, part: Part, caller: Caller) -> _PartPlan:
    service = caller.kind == "service"
    cache_key = ("plan", part.resource, part.action.name, part.name, part.alias_name, part.account, service)
    found = policies.derived_by_key.get(cache_key)
    if found is None:
        found = policies.derived_by_key[cache_key] = _PartPlan(policies, part, service)
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
