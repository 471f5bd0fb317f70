"""The KMS authorization decision, in AWS's order (DESIGN.md steps 0 to 8), with its trace.

Each part of the request (a key, an alias, ``*``) is decided on its own: explicit deny anywhere;
guardrails (RCPs, SCPs, VPC endpoint policy); the cross-account-use column; then the three doors
(the key policy names the principal; the key policy enables IAM and the IAM side allows; a grant).
The request is Allowed only when every part is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kmstui.engine.context import UNKNOWN, Context, KeyFacts, build_context
from kmstui.engine.grants import check_grants
from kmstui.engine.kms_rules import alias_rejection, key_type_rejection
from kmstui.engine.matching import applicable, principal_how
from kmstui.policy.document import KIND_LABELS, Policy
from kmstui.engine.policy_set import PolicySet, key_id_of
from kmstui.policy.principals import Caller, PrincipalError, match_index, parse_caller
from kmstui.engine.resolve import Part, Request, RequestError, resolve_parts
from kmstui.engine.trace import (ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED, Decision, Evidence,
                          PartDecision, StatementEvidence, Step, Trace)

__all__ = ["Request", "PolicySet", "evaluate", "RequestError"]


def evaluate(request: Request, policies: PolicySet, now: datetime | None = None) -> Decision:
    """Decide ``request`` against ``policies``; raises :class:`RequestError` for a bad request."""
    try:
        caller = parse_caller(request.principal)
    except PrincipalError as error:
        raise RequestError(str(error)) from None
    parts = resolve_parts(request, caller, policies)
    decisions = []
    context: Context | None = None
    for part in parts:
        part_context = build_context(request.context, caller, _key_facts(part, policies), request.derive, now,
                                     policies.derived_by_key, part.action)
        context = context or part_context
        decisions.append(_PartEvaluation(part, caller, policies, part_context).run())
    assert context is not None
    trace = Trace(
        principal=request.principal, action=request.action, resources=request.resources,
        make_resolve=lambda: (_resolve_step(request, caller, parts),), parts=tuple(decisions), request_context=context,
    )
    decision = _combine(trace, decisions)
    if policies.missing:
        decision = replace(decision, missing=policies.missing)
    return decision


def _combine(trace: Trace, decisions: list[PartDecision]) -> Decision:
    blocking = next((d for d in decisions if d.result == EXPLICITLY_DENIED), None) or next(
        (d for d in decisions if d.result != ALLOWED), None
    )
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


def _key_facts(part: Part, policies: PolicySet) -> KeyFacts | None:
    """What the PolicySet knows about the part's key, for derived context (cached per PolicySet)."""
    if part.key_arn is None:
        return None
    cache_key = ("facts", part.key_arn, part.alias_name)
    found = policies.derived_by_key.get(cache_key)
    if found is None:
        found = policies.derived_by_key[cache_key] = _collect_key_facts(part, policies)
    return found


def _collect_key_facts(part: Part, policies: PolicySet) -> KeyFacts:
    assert part.key_arn is not None
    aliases = None
    if policies.aliases is not None:
        key_id = key_id_of(part.key_arn)
        aliases = tuple(str(a["AliasName"]) for a in policies.aliases
                        if a.get("TargetKeyId") and key_id_of(str(a["TargetKeyId"])) == key_id and a.get("AliasName"))
    return KeyFacts(part.key_arn, part.account, policies.key_metadata.get(part.key_arn),
                    policies.key_tags.get(part.key_arn), aliases, part.alias_name)


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

    def __init__(self, part: Part, caller: Caller, policies: PolicySet, context: Context) -> None:
        self.part, self.caller, self.policies, self.context = part, caller, policies, context
        self.action_lower = part.action.name.lower()
        self.steps: list[Step] = []
        self.key_policy: Policy | None = policies.key_policies.get(part.key_arn) if part.key_arn else None
        self.metadata = metadata = policies.key_metadata.get(part.key_arn) if part.key_arn else None
        self.aws_managed = bool(metadata and str(metadata.get("KeyManager", "")).upper() == "AWS")
        self.cross_account = bool(caller.account and part.account and caller.account != part.account)
        self.if_known: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def step(self, phase: str, check: str, outcome: str, explanation: str, evidence: tuple[Evidence, ...] = ()) -> None:
        self.steps.append(Step(phase, check, outcome, explanation, evidence, self.part.name))

    def matches(self, policy: Policy, effect: str) -> list[StatementEvidence]:
        return applicable(policy, effect, self.action_lower, self.part.resource, self.caller, self.context,
                          self.policies.boundary is not None)

    def decide(self, result: str, decided_by: str, explanation: str, *, door: Evidence | None = None,
               deny_source: str | None = None, blocker: str | None = None, suggestion: str | None = None,
               evidence: tuple[Evidence, ...] = ()) -> PartDecision:
        phase = "decision"
        self.step(phase, "decision", {"Allowed": "allow"}.get(result, "deny"), explanation, evidence or ((door,) if door else ()))
        return PartDecision(self.part.name, self.part.action.name, self.part.resource, result, decided_by, deny_source,
                            blocker, door, suggestion, tuple(dict.fromkeys(self.if_known)), tuple(self.steps))

    def applicable_policies(self) -> list[tuple[str, Policy]]:
        found: list[tuple[str, Policy]] = []
        if self.key_policy is not None:
            found.append(("key_policy", self.key_policy))
        if self.caller.kind != "service":
            found += [("identity", p) for p in self.policies.identity]
            if self.policies.boundary is not None:
                found.append(("boundary", self.policies.boundary))
            if self.policies.session is not None:
                found.append(("session", self.policies.session))
            found += [("scp", p) for level in self.policies.scps for p in level]
        if self.rcps_apply():
            found += [("rcp", p) for level in self.policies.rcps for p in level]
        found += [("vpc_endpoint", p) for p in self.policies.vpc_endpoint]
        return found

    def rcps_apply(self) -> bool:
        return bool(self.policies.rcps) and not self.aws_managed and self.action_lower != "kms:retiregrant"

    # -- the order ---------------------------------------------------------------------------
    def run(self) -> PartDecision:
        return self.kms_rules(self.authorize())

    def kms_rules(self, decision: PartDecision) -> PartDecision:
        """KMS's own refusals, after authorization: a reserved alias, a key type that cannot do the operation."""
        part = self.part
        refusal = alias_rejection(self.action_lower, part.name, part.resource, self.metadata) or (
            key_type_rejection(part.action, self.metadata) if part.key_arn else None)
        if refusal is None:
            return decision
        check = "KMS accepts the request for this alias and key"
        if decision.result != ALLOWED:
            note = Step("kms-rule", check, "info", f"KMS would refuse it anyway: {refusal}.", (), part.name)
            return replace(decision, steps=decision.steps[:-1] + (note, decision.steps[-1]), rejected=refusal,
                           suggestion=None)  # no policy change would make it work
        self.steps = list(decision.steps[:-1])
        self.step("kms-rule", check, "fail", f"The policies allow it ({decision.steps[-1].explanation.rstrip('.')}), "
                  f"but KMS refuses the request whatever the policies say: {refusal}.")
        refused = self.decide(REJECTED, "kms-rule", f"Rejected by KMS: {refusal}.",
                              suggestion="use a key of the type the operation needs" if "needs" in refusal else None)
        return replace(refused, rejected=refusal)

    def authorize(self) -> PartDecision:
        if self.context.ignored:
            names = ", ".join(entry.name for entry in self.context.ignored)
            self.step("resolve", "the request context KMS sends", "info",
                      f"{names} left out: KMS never sends {'this key' if len(self.context.ignored) == 1 else 'these keys'} "
                      f"with {self.part.action.name} requests (the permissions reference lists the condition keys "
                      "each action supports), so a condition on it sees no value.")
        denied = self.explicit_deny()
        if denied is not None:
            return denied
        for guardrail in (self.rcp_step, self.scp_step, self.vpce_step, self.cross_account_step):
            blocked = guardrail()
            if blocked is not None:
                return blocked
        if self.part.key_arn is None:
            return self.iam_only()
        return self.doors()

    def explicit_deny(self) -> PartDecision | None:
        checked = []
        for source_kind, policy in self.applicable_policies():
            checked.append(policy.source)
            for evidence in self.matches(policy, "Deny"):
                if evidence.matched:
                    self.step("explicit-deny", "explicit deny in any applicable policy", "deny",
                              f"{evidence.label} denies {self.part.action.name}: an explicit deny overrides every allow.",
                              (evidence,))
                    return self.decide(EXPLICITLY_DENIED, "explicit-deny",
                                       f"Explicitly denied by {evidence.label}.", door=evidence,
                                       deny_source=source_kind,
                                       suggestion=f"remove {self.part.action.name} from {evidence.label} or narrow its conditions")
                self._note_unknown(evidence, deny=True)
        notes = []
        if self.policies.rcps and not self.rcps_apply():
            notes.append("RCPs do not apply to AWS managed keys" if self.aws_managed else "RCPs do not control kms:RetireGrant")
        if self.policies.grants.all():
            notes.append("grants never deny")
        extra = f" ({'; '.join(notes)})" if notes else ""
        self.step("explicit-deny", "explicit deny in any applicable policy", "pass",
                  f"No Deny statement applies, in {len(checked)} polic{'y' if len(checked) == 1 else 'ies'} checked{extra}.")
        return None

    def rcp_step(self) -> PartDecision | None:
        if not self.policies.rcps:
            return None
        if not self.rcps_apply():
            self.step("rcp", "RCPs of the key's account allow", "skip",
                      "RCPs do not apply to AWS managed keys." if self.aws_managed else "RCPs do not control kms:RetireGrant.")
            return None
        self.step("rcp", "RCPs of the key's account allow", "pass",
                  f"{len(self.policies.rcps)} RCP level(s): AWS attaches RCPFullAWSAccess at every level and it cannot be "
                  "detached, so every level allows what no RCP denies.")
        return None

    def scp_step(self) -> PartDecision | None:
        if not self.policies.scps or self.caller.kind == "service":
            return None
        for depth, level in enumerate(self.policies.scps):
            allows = [e for p in level for e in self.matches(p, "Allow")]
            if not any(e.matched for e in allows):
                for e in allows:
                    self._note_unknown(e)
                self.step("scp", f"SCP level {depth + 1} allows", "fail",
                          f"No SCP at level {depth + 1} of the principal's organization path allows {self.part.action.name}; "
                          "every level must allow.", tuple(allows))
                return self.decide(IMPLICITLY_DENIED, "scp",
                                   f"Implicitly denied: SCP level {depth + 1} does not allow {self.part.action.name}.",
                                   suggestion=f"allow {self.part.action.name} in an SCP at level {depth + 1} (for example attach FullAWSAccess)")
        self.step("scp", "every SCP level allows", "pass",
                  f"Each of the {len(self.policies.scps)} SCP level(s) has a statement allowing {self.part.action.name}.")
        return None

    def vpce_step(self) -> PartDecision | None:
        if not self.policies.vpc_endpoint:
            return None
        allows = [e for p in self.policies.vpc_endpoint for e in self.matches(p, "Allow")]
        hit = next((e for e in allows if e.matched), None)
        if hit is None:
            self.step("vpc-endpoint", "the VPC endpoint policy allows", "fail",
                      f"The request came through a VPC endpoint whose policy does not allow {self.part.action.name} "
                      "for this principal and resource.", tuple(allows))
            return self.decide(IMPLICITLY_DENIED, "vpc-endpoint",
                               "Implicitly denied: the VPC endpoint policy does not allow the request.",
                               suggestion=f"allow {self.part.action.name} in the VPC endpoint policy")
        self.step("vpc-endpoint", "the VPC endpoint policy allows", "pass", f"{hit.label} allows it.", (hit,))
        return None

    def cross_account_step(self) -> PartDecision | None:
        if not self.cross_account:
            return None
        action = self.part.action
        if action.cross_account == "no":
            self.step("cross-account", "the action may be used cross-account", "fail",
                      f"The caller's account {self.caller.account} is not the key's account {self.part.account}, and "
                      f"{action.name} cannot be used cross-account (KMS permissions reference), whatever the policies say.")
            return self.decide(IMPLICITLY_DENIED, "cross-account",
                               f"Implicitly denied: {action.name} is not usable cross-account.",
                               suggestion=f"call {action.name} from a principal in account {self.part.account}")
        self.step("cross-account", "the action may be used cross-account", "pass",
                  f"The caller is in account {self.caller.account}, the key in {self.part.account}: {action.name} can be "
                  "used cross-account, so both the key policy and the caller's IAM policies must allow.")
        return None

    # -- the IAM side ---------------------------------------------------------------------------
    def iam_side(self) -> tuple[bool, str | None, tuple[Evidence, ...]]:
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
        evidence: list[Evidence] = [allow]
        for label, policy in (("boundary", self.policies.boundary), ("session", self.policies.session)):
            ok, found = self.limit_allows(policy)
            if not ok:
                return False, label, tuple(evidence + found)
            evidence += found[:1]
        return True, None, tuple(evidence)

    def limit_allows(self, policy: Policy | None) -> tuple[bool, list[Evidence]]:
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
        if allows:
            explanation = ("the account root user is not limited by IAM policies" if self.caller.kind == "root"
                           else f"{evidence[0].label} allows {self.part.action.name} on {self.part.resource}")
            self.step("iam", f"IAM policies allow ({what}: no key policy applies)", "allow", explanation + ".", evidence)
            return self.decide(ALLOWED, "iam", f"Allowed: {explanation}.", door=evidence[0] if evidence else None)
        text = self._iam_block_text(blocker)
        self.step("iam", f"IAM policies allow ({what}: no key policy applies)", "fail", text, evidence)
        return self.decide(IMPLICITLY_DENIED, "no-door", f"Implicitly denied: {text}", blocker=blocker,
                           suggestion=self._iam_suggestion(blocker))

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
            key_allows: list[StatementEvidence] = []
        else:
            key_allows = self.matches(self.key_policy, "Allow")
            for e in key_allows:
                if not e.matched:
                    self._note_unknown(e)
        matched = [e for e in key_allows if e.matched]
        direct = [e for e in matched if principal_how(e) not in ("account",)]
        delegated = [e for e in matched if principal_how(e) == "account"]
        failed_conditions = tuple(e for e in key_allows if not e.matched)

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
            text = (f"the key policy neither allows {self.caller.principal_arn} {action} nor enables IAM policies "
                    f"for account {self.caller.account} and this action, and no grant allows it")
            suggestion = self._key_policy_suggestion()
            if self.cross_account:
                suggestion = (f"allow account {self.caller.account} (or the principal) {action} in the key policy, and "
                              f"allow {action} on {self.part.resource} in the caller's IAM policy")
        else:
            text = self._iam_block_text(blocker).rstrip(".") + ", and no grant allows it"
            suggestion = self._iam_suggestion(blocker)
        return self.decide(IMPLICITLY_DENIED, "no-door", f"Implicitly denied: {text}.", blocker=blocker,
                           suggestion=suggestion)

    def _key_policy_suggestion(self) -> str:
        """The smallest key-policy change: extend a statement that names the caller, or enable IAM."""
        action = self.part.action.name
        naming = self._statements_naming_caller()
        if naming:
            return f"add {action} to {naming[0].source} {naming[0].label}"
        allows, _, _ = self.iam_side()
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
                and (m := match_index(s._principal_index, self.caller)) is not None and m.how not in ("account", "any")]

    def door_one(self, direct: list[StatementEvidence], failed: tuple[StatementEvidence, ...]) -> PartDecision | str | None:
        action = self.part.action.name
        if not direct:
            named = [e for e in failed if principal_how(e) != "account"]
            self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                      f"No key policy statement allows {self.caller.principal_arn} {action}"
                      + (" (statements that name it have conditions that do not hold)." if named else "."), tuple(named))
            return None
        hit = direct[0]
        how = principal_how(hit)
        if self.cross_account:
            allows, blocker, evidence = self.iam_side()
            if allows:
                self.step("key-policy", "door 1: the key policy allows the principal", "allow",
                          f"{hit.label} allows the external principal; its own account's IAM side allows too"
                          + (f" ({evidence[0].label})." if evidence else "."), (hit,) + evidence)
                return self.decide(ALLOWED, "key-policy", f"Allowed: {hit.label} allows the principal, and its IAM policies allow.",
                                   door=hit)
            self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                      f"{hit.label} allows the external principal, but cross-account use also needs its own account's IAM "
                      f"side: {self._iam_block_text(blocker)}", (hit,) + evidence)
            return blocker
        limited = how in ("role", "any") and self.caller.kind in ("role-session", "role")
        if limited:
            for label, policy in (("boundary", self.policies.boundary), ("session", self.policies.session)):
                ok, found = self.limit_allows(policy)
                if not ok:
                    self.step("key-policy", "door 1: the key policy allows the principal", "fail",
                              f"{hit.label} names the role, and a key policy naming the role ARN is limited by the "
                              f"{KIND_LABELS[label]}, which does not allow {action}.", (hit,) + tuple(found))
                    return label
        why = {"user": "it names the IAM user; same account, so no IAM policy is needed and a permissions boundary does not limit it",
               "session": "it names the role session; same account, so boundaries and session policies do not limit it",
               "role": "it names the role; same account" + (", and the boundary and session policy allow" if (self.policies.boundary or self.policies.session) else ""),
               "any": 'its Principal is "*"' + (" (AWS documents boundaries for a resource policy naming the role ARN or the "
                                                  "session ARN, not \"*\"; kmstui treats \"*\" like the role ARN, a choice)"
                                                  if limited else ""),
               "root": "it names the account, and the caller is the account root user",
               "service": "it names the service principal",
               "not-principal": "its NotPrincipal does not exclude the caller",
               "federated-user": "it names the federated user"}.get(how or "", "it names the principal")
        self.step("key-policy", "door 1: the key policy allows the principal", "allow", f"{hit.label} allows {action}: {why}.", (hit,))
        return self.decide(ALLOWED, "key-policy", f"Allowed by {hit.label}.", door=hit)

    def door_two(self, delegated: list[StatementEvidence], failed: tuple[StatementEvidence, ...]) -> PartDecision | str | None:
        action = self.part.action.name
        if not delegated:
            account_failed = tuple(e for e in failed if principal_how(e) == "account")
            self.step("iam", "door 2: the key policy enables IAM policies for this action", "fail",
                      f"No key policy statement allows account {self.caller.account} {action}"
                      + (" (statements that do have conditions that do not hold)" if account_failed else "")
                      + ", so IAM policies that allow it have no effect on this key.", account_failed)
            return None
        hit = delegated[0]
        allows, blocker, evidence = self.iam_side()
        if allows:
            via = evidence[0].label if evidence else "the account root user is not limited by IAM policies"
            self.step("iam", "door 2: the key policy enables IAM policies for this action", "allow",
                      f"{hit.label} allows the account {action}, so IAM policies count, and {via}"
                      + (" allows it." if evidence else "."), (hit,) + evidence)
            return self.decide(ALLOWED, "iam", f"Allowed: {hit.label} enables IAM policies and {via}"
                               + (" allows it." if evidence else "."), door=evidence[0] if evidence else hit)
        self.step("iam", "door 2: the key policy enables IAM policies for this action", "fail",
                  f"{hit.label} enables IAM policies, but {self._iam_block_text(blocker)}", (hit,) + evidence)
        return blocker

    def door_three(self) -> PartDecision | None:
        grants = self.policies.grants.get(self.part.key_arn) or ()
        if not grants:
            return None
        operation = self.part.action.name.split(":", 1)[1]
        found = check_grants(grants, operation, self.part.key_arn or "", self.caller, self.context)
        hit = next((g for g in found if g.matched), None)
        if hit is None:
            self.step("grant", "door 3: a grant allows", "fail",
                      f"None of the {len(grants)} grant(s) on the key allows {self.caller.principal_arn} {operation}"
                      + ("." if not found else f": {found[0].reason}."), tuple(found))
            return None
        choice = ""
        if self.policies.boundary is not None or self.policies.session is not None:
            choice = (" AWS documents no effect of permissions boundaries or session policies on grants; kmstui "
                      "does not apply them here (a choice).")
        self.step("grant", "door 3: a grant allows", "allow",
                  f"{hit.label} allows {operation} for {hit.grantee}: {hit.reason}.{choice}", (hit,))
        return self.decide(ALLOWED, "grant", f"Allowed by {hit.label}.", door=hit)

    def _note_unknown(self, evidence: StatementEvidence, deny: bool = False) -> None:
        """Remember conditions that failed only because a key had no value (for "allowed if …")."""
        failing = [c for c in evidence.conditions if not c.result]
        if failing and all(c.provenance == UNKNOWN for c in failing) and not deny:
            wants = "; ".join(f"{c.key} {c.operator} {', '.join(c.policy_values)}" for c in failing)
            self.if_known.append(f"{evidence.label} would allow it if {wants}")
