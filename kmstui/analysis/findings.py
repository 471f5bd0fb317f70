"""Lint rules: risky or ineffective statements in KMS key policies and the policies around them.

Pure core (no Textual, no boto3). Each rule is one small function registered in a table with the
policy kinds it reads; :data:`RULES` gives every rule id its title, severity, the seed file or AWS
documentation page that justifies it, and a one-line why. :func:`policy_findings` lints one parsed
:class:`~kmstui.policy.document.Policy`; :func:`snapshot_findings` lints everything in a
:class:`~kmstui.sources.snapshot.Snapshot` (key policies, identity policies, boundaries, SCPs/RCPs, VPC
endpoint policies) and names the principals that hold each identity policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from kmstui.policy.patterns import has_wildcard, wildcard_match
from kmstui.reference.model import Action, load_reference

if TYPE_CHECKING:
    from kmstui.policy.document import Policy, Statement
    from kmstui.sources.snapshot import Snapshot

SEVERITIES = ("high", "medium", "low", "info")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

SEED_POWER_USER = "000_54b69accd06b2432.txt"
SEED_PERMISSIONS = "002_1c542ca8c6f9a8b8.txt"
SEED_ACCESS_CONTROL = "003_d13bf331ee1675d0.txt"
SEED_ALIASES = "004_889488eba61c4021.txt"
_DOCS = "https://docs.aws.amazon.com/kms/latest/developerguide/"
DOC_ENABLE_IAM = _DOCS + "key-policy-default.html#key-policy-default-allow-root-enable-iam"
DOC_ALIAS_AUTHORIZATION = _DOCS + "alias-authorization.html"
DOC_IAM_BEST_PRACTICES = _DOCS + "iam-policies-best-practices.html"
DOC_LOCKOUT = _DOCS + "conditions-kms.html#conditions-kms-bypass-policy-lockout-safety-check"
DOC_CONDITION_KEYS = _DOCS + "conditions-kms.html"
DOC_PERMISSIONS = _DOCS + "kms-api-permissions-reference.html"
DOC_POLICY_GRAMMAR = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    reference: str
    why: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("key-policy-no-iam", "Key policy does not enable IAM policies", "medium", DOC_ENABLE_IAM,
         "Without an Allow of kms:* to the key's account (arn:aws:iam::ACCOUNT:root), IAM policies grant nothing on the key."),
    Rule("public-principal", "Key policy allows Principal \"*\" without a condition", "high", SEED_ACCESS_CONTROL,
         "Principal \"*\" with no condition lets every identity in every AWS account use the key, given IAM permission in its own account."),
    Rule("public-principal-weak-condition", "Key policy allows Principal \"*\" with conditions that do not limit who", "medium",
         SEED_ACCESS_CONTROL,
         "Conditions on Principal \"*\" must limit the caller (aws:PrincipalAccount, aws:PrincipalOrgID, kms:CallerAccount, "
         "kms:ViaService, aws:SourceVpce, …); others leave the key open to every account."),
    Rule("cross-account-ineffective", "Permission that cannot be used across accounts given to another account", "low",
         SEED_PERMISSIONS,
         "An action whose cross-account use is No is not effective for principals in another account."),
    Rule("condition-on-alias-resource", "Condition in a statement whose resources are only aliases", "medium", SEED_ALIASES,
         "No condition key applies to an alias resource: limit aliases with the Resource element instead."),
    Rule("alias-resource-for-key-use", "Alias ARN in the Resource of an action on keys", "medium", DOC_ALIAS_AUTHORIZATION,
         "Actions on keys are authorized against the key, never the alias: an alias ARN in Resource does not control them; "
         "use the key ARN or the kms:RequestAlias / kms:ResourceAliases condition keys."),
    Rule("tag-alias-on-all-keys", "Principal may change tags or aliases on all keys", "medium", SEED_POWER_USER,
         "Changing a tag or alias can allow or deny use of a key through ABAC (aws:ResourceTag, kms:ResourceAliases)."),
    Rule("broad-kms-permissions", "Broad KMS administration allowed on all keys", "high", DOC_IAM_BEST_PRACTICES,
         "kms:*, kms:PutKeyPolicy or kms:CreateGrant on Resource \"*\" lets a principal take over or share every key "
         "whose key policy enables IAM policies."),
    Rule("bypass-lockout-allowed", "kms:BypassPolicyLockoutSafetyCheck allowed", "high", DOC_LOCKOUT,
         "Bypassing the policy lockout safety check can make a key unmanageable; AWS recommends denying it."),
    Rule("unknown-action", "Not a KMS action", "medium", DOC_PERMISSIONS,
         "A misspelt or retired action matches no request, so the statement does less than it seems to."),
    Rule("unknown-condition-key", "Not a KMS condition key", "medium", DOC_CONDITION_KEYS,
         "A kms: condition key that KMS never sets is missing from every request."),
    Rule("unsupported-condition-key", "Condition key the action does not support", "medium", DOC_PERMISSIONS,
         "A condition key an action does not support is missing from its requests, so the condition never holds for it."),
    Rule("deprecated-condition-key", "Deprecated condition key", "low", DOC_CONDITION_KEYS,
         "kms:CustomerMasterKeySpec and kms:CustomerMasterKeyUsage are deprecated; use kms:KeySpec and kms:KeyUsage."),
    Rule("ineffective-statement", "Statement that never applies", "low", DOC_POLICY_GRAMMAR,
         "AWS accepts a statement with no Action, an empty Action or Resource list, or a condition key with no "
         "values (and PutKeyPolicy one without Resource), but it matches no request: it does nothing."),
    Rule("policy-warning", "Policy warning", "info", DOC_PERMISSIONS, "Legal but suspicious policy content."),
    Rule("invalid-policy", "Policy AWS would reject", "high", DOC_POLICY_GRAMMAR,
         "A policy that does not parse cannot be evaluated; AWS would reject it."),
)}


@dataclass(frozen=True)
class Finding:
    """One problem, where it is, and what justifies it. ``statement`` is 0-based (None: the whole policy)."""

    rule: str
    title: str
    severity: str
    message: str
    source: str
    statement: int | None = None
    sid: str | None = None
    line: int | None = None
    reference: str = ""

    @property
    def statement_label(self) -> str:
        """``statement 2 'Sid'`` (1-based, as people count), or ``policy`` for the whole policy."""
        if self.statement is None:
            return "policy"
        return f"statement {self.statement + 1}" + (f" {self.sid!r}" if self.sid else "")

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def at_least(self, severity: str) -> bool:
        return _RANK[self.severity] <= _RANK[severity]

    def text(self) -> str:
        return f"{self.severity.upper()} {self.rule} {self.location} {self.statement_label}: {self.message} ({self.reference})"

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "severity": self.severity, "message": self.message,
                "source": self.source, "line": self.line, "statement_index": self.statement,
                "statement": self.statement_label, "sid": self.sid, "reference": self.reference}


def make_finding(rule_id: str, message: str, source: str, statement: "Statement | None" = None,
                 line: int | None = None) -> Finding:
    rule = RULES[rule_id]
    if statement is not None and line is None:
        line = statement.lines[0] if statement.lines else None
    return Finding(rule.id, rule.title, rule.severity, message, source,
                   statement.index if statement is not None else None,
                   statement.sid if statement is not None else None, line, rule.reference)


def severity_at_least(findings: Iterable[Finding], severity: str) -> bool:
    return any(f.at_least(severity) for f in findings)


# -- the rule table ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What a rule may know beyond the policy: the key's account, whether AWS manages the key."""

    account: str | None = None
    aws_managed: bool = False


PolicyCheck = Callable[["Policy", Context], Iterable[Finding]]
ALL_KINDS = frozenset({"identity", "key_policy", "boundary", "session", "scp", "rcp", "vpc_endpoint"})
IDENTITY_KINDS = frozenset({"identity"})
KEY_POLICY_KINDS = frozenset({"key_policy"})

# (check, rule ids it may report, the policy kinds it reads)
CHECKS: list[tuple[PolicyCheck, tuple[str, ...], frozenset[str]]] = []


def check(*rule_ids: str, kinds: frozenset[str] = ALL_KINDS) -> Callable[[PolicyCheck], PolicyCheck]:
    def register(function: PolicyCheck) -> PolicyCheck:
        CHECKS.append((function, rule_ids, kinds))
        return function

    return register


def policy_findings(policy: "Policy", account: str | None = None, aws_managed: bool = False) -> list[Finding]:
    """Every finding about one parsed policy; ``account`` is the key's account for a key policy."""
    context = Context(account, aws_managed)
    found: list[Finding] = []
    for function, _, kinds in CHECKS:
        if policy.kind in kinds:
            found.extend(function(policy, context))
    order = {rule_id: n for n, rule_id in enumerate(RULES)}
    return sorted(found, key=lambda f: (-1 if f.statement is None else f.statement, order[f.rule]))


# -- helpers -------------------------------------------------------------------------------------------

_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")
_PROBE_KEYS = ("1234abcd-12ab-34cd-56ef-1234567890ab", "0987dcba-09fe-87dc-65ba-ab0987654321")


def _kms_actions() -> tuple[Action, ...]:
    return load_reference().actions


def _action_list(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _allows(statement: "Statement") -> bool:
    return statement.effect == "Allow"


def _covers(statement: "Statement", name: str) -> bool:
    return statement.action_matches(name.lower())


def _covers_all_kms(statement: "Statement") -> bool:
    return all(_covers(statement, a.name) for a in _kms_actions())


def _named_actions(statement: "Statement", wanted: Callable[[Action], bool]) -> list[str]:
    """KMS actions the statement names (exactly, or by a wildcard all of whose matches are wanted)."""
    if statement.not_action:
        return []
    reference = load_reference()
    found: list[str] = []
    for entry in statement.actions:
        if has_wildcard(entry):
            matches = [a for a in reference.actions if wildcard_match(entry.lower(), a.name.lower())]
            if matches and all(wanted(a) for a in matches):
                found += [a.name for a in matches]
        else:
            action = reference.action(entry) if entry.lower().startswith("kms:") else None
            if action is not None and wanted(action):
                found.append(action.name)
    return list(dict.fromkeys(found))


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if arn.startswith("arn:") and len(parts) >= 6 and re.fullmatch(r"\d{12}", parts[4]) else None


def _aws_principals(statement: "Statement") -> tuple[str, ...]:
    if statement.principal is None or statement.not_principal:
        return ()
    return statement.principal.get("AWS", ())


def _is_public(statement: "Statement") -> bool:
    if statement.principal is None or statement.not_principal:
        return False
    return "*" in statement.principal or "*" in statement.principal.get("AWS", ())


def _covers_all_keys(resource: str) -> bool:
    """Whether a Resource entry matches every key of its account and Region (``*``, ``…:key/*``)."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if not resource.startswith("arn:") or len(parts) < 3:
        return False
    partition = parts[1] if len(parts) > 1 and not has_wildcard(parts[1]) else "aws"
    region = parts[3] if len(parts) > 3 and parts[3] and not has_wildcard(parts[3]) else "us-east-1"
    account = parts[4] if len(parts) > 4 and re.fullmatch(r"\d{12}", parts[4]) else "111122223333"
    return all(wildcard_match(resource, f"arn:{partition}:kms:{region}:{account}:key/{key}") for key in _PROBE_KEYS)


def _on_all_keys(statement: "Statement") -> bool:
    if statement.resources is None or statement.not_resource:
        return True  # no Resource (SCPs) or NotResource: nearly everything
    return any(_covers_all_keys(r) for r in statement.resources)


def _is_alias(resource: str) -> bool:
    return ":alias/" in resource or resource.startswith("alias/")


def _enables_iam(statement: "Statement", account: str | None) -> bool:
    """An Allow to ``arn:aws:iam::ACCOUNT:root`` of a KMS action on the key (Resource ``*``)."""
    if not _allows(statement) or statement.not_resource or not statement.resources:
        return False
    if not any(r == "*" or ":key/" in r for r in statement.resources):
        return False
    roots = [m.group(1) for p in _aws_principals(statement) if (m := _ROOT.match(p))]
    if account is not None:
        roots = [r for r in roots if r == account]
    return bool(roots) and any(_covers(statement, a.name) for a in _kms_actions())


def _owner_account(policy: "Policy", context: Context) -> str | None:
    """The key's account: given, or the one account root that a kms:* Allow names."""
    if context.account:
        return context.account
    accounts = {m.group(1) for s in policy.statements if _allows(s) and _covers_all_kms(s)
                for p in _aws_principals(s) if (m := _ROOT.match(p))}
    return next(iter(accounts)) if len(accounts) == 1 else None


# Condition keys that narrow who the caller is, or where the call comes from.
_LIMITING_KEYS = frozenset({
    "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn", "aws:userid",
    "aws:username", "aws:principalisawsservice", "aws:principalservicename", "aws:principalservicenameslist",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceip", "aws:vpcsourceip", "kms:calleraccount", "kms:viaservice", "kms:grantisforawsresource",
})


def _limits_caller(clause: Any) -> bool:
    key = clause.key_lower
    known = key in _LIMITING_KEYS or key.startswith("aws:principaltag/")
    if not known or clause.negated or clause.if_exists or clause.operator == "Null":
        return False
    if clause.operator == "Bool" and key == "aws:principalisawsservice":
        return any(v.lower() == "true" for v in clause.values)
    return any(v.strip("*") for v in clause.values)


# -- rules on one policy ---------------------------------------------------------------------------------

@check("key-policy-no-iam", kinds=KEY_POLICY_KINDS)
def key_policy_without_iam(policy: "Policy", context: Context) -> Iterator[Finding]:
    if context.aws_managed or any(_enables_iam(s, context.account) for s in policy.statements):
        return
    account = context.account or "ACCOUNT"
    in_account = f" in account {context.account}" if context.account else ""
    yield make_finding(
        "key-policy-no-iam",
        f"no statement allows arn:aws:iam::{account}:root KMS actions on the key (Resource \"*\"), so IAM policies"
        f"{in_account} grant nothing on this key; only principals this key policy names (and grants) can use it",
        policy.source, line=1 if policy.text else None)


@check("public-principal", "public-principal-weak-condition", kinds=KEY_POLICY_KINDS)
def public_principal(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if not _allows(statement) or not (_is_public(statement) or statement.not_principal):
            continue
        element = "NotPrincipal" if statement.not_principal else "Principal"
        who = ("everyone not listed in NotPrincipal" if statement.not_principal
               else "every identity in every AWS account")
        line = statement.line_of(element)
        if not statement.conditions:
            yield make_finding("public-principal",
                               f"allows {_action_list(statement.actions)} to {who} with no condition; users in other "
                               f"accounts need only IAM permission in their own account", policy.source, statement, line)
        elif not any(_limits_caller(c) for c in statement.conditions):
            keys = ", ".join(dict.fromkeys(c.key for c in statement.conditions))
            yield make_finding("public-principal-weak-condition",
                               f"allows {_action_list(statement.actions)} to {who}; its conditions ({keys}) do not limit "
                               f"the caller's account, organization or network (add aws:PrincipalOrgID, "
                               f"aws:PrincipalAccount or kms:CallerAccount)", policy.source, statement,
                               statement.line_of("Condition"))


@check("cross-account-ineffective", kinds=KEY_POLICY_KINDS)
def cross_account_ineffective(policy: "Policy", context: Context) -> Iterator[Finding]:
    owner = _owner_account(policy, context)
    if owner is None:
        return
    for statement in policy.statements:
        if not _allows(statement):
            continue
        others = [p for p in _aws_principals(statement) if (a := _account_of(p)) and a != owner]
        if not others:
            continue
        names = _named_actions(statement, lambda a: a.cross_account == "no")
        if names:
            yield make_finding(
                "cross-account-ineffective",
                f"gives {_action_list(others)} (not in key account {owner}) {_action_list(names)}, which cannot be used "
                f"on a key in another account: {'this permission has' if len(names) == 1 else 'these permissions have'} no effect for them",
                policy.source, statement, statement.line_of("Action"))


@check("condition-on-alias-resource")
def condition_on_alias(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if (statement.conditions and statement.resources and not statement.not_resource
                and all(_is_alias(r) for r in statement.resources)):
            keys = ", ".join(dict.fromkeys(c.key for c in statement.conditions))
            yield make_finding(
                "condition-on-alias-resource",
                f"the Resource is only alias ARNs, and no condition key applies to an alias, so the condition on {keys} "
                f"cannot limit it as written (an Allow may never allow, a Deny never deny); limit aliases by their ARN "
                f"pattern in Resource", policy.source, statement, statement.line_of("Condition"))


def _acts_on_keys_only(action: Action) -> bool:
    return "key" in action.resource_types and "alias" not in action.resource_types


@check("alias-resource-for-key-use")
def alias_resource_for_key_use(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if not statement.resources or statement.not_resource:
            continue
        aliases = [r for r in statement.resources if _is_alias(r)]
        names = _named_actions(statement, _acts_on_keys_only) if aliases else []
        if names:
            yield make_finding(
                "alias-resource-for-key-use",
                f"{_action_list(names)} {'is' if len(names) == 1 else 'are'} authorized against the key, not the alias: "
                f"{_action_list(aliases)} in Resource does not control use of the key; name the key ARN, or use the "
                f"kms:RequestAlias or kms:ResourceAliases condition key", policy.source, statement,
                statement.line_of("Resource"))


_TAG_ALIAS = ("kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")
_ADMIN = ("kms:PutKeyPolicy", "kms:CreateGrant")


@check("tag-alias-on-all-keys", kinds=IDENTITY_KINDS)
def tag_alias_on_all_keys(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if not _allows(statement) or statement.conditions or not _on_all_keys(statement) or _covers_all_kms(statement):
            continue
        names = [n for n in _TAG_ALIAS if _covers(statement, n)]
        if names:
            yield make_finding(
                "tag-alias-on-all-keys",
                f"allows {_action_list(names)} on all keys with no condition: changing a key's tags or aliases can "
                f"change who may use it through ABAC (aws:ResourceTag, kms:ResourceAliases conditions)",
                policy.source, statement, statement.line_of("Action") or statement.line_of("NotAction"))


@check("broad-kms-permissions", kinds=IDENTITY_KINDS)
def broad_kms_permissions(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if not _allows(statement) or statement.conditions or not _on_all_keys(statement):
            continue
        if _covers_all_kms(statement):
            what, can = "every KMS action (kms:*)", "use, change, share and delete it"
        else:
            names = [n for n in _ADMIN if _covers(statement, n)]
            if not names:
                continue
            what = " and ".join(names)
            can = " and ".join(({"kms:PutKeyPolicy": "rewrite its key policy", "kms:CreateGrant": "give anyone use of it "
                                 "through a grant"})[n] for n in names)
        yield make_finding(
            "broad-kms-permissions",
            f"allows {what} on all keys with no condition: on every key whose key policy enables IAM policies this "
            f"principal can {can}; name the keys, or add conditions",
            policy.source, statement, statement.line_of("Action") or statement.line_of("NotAction"))


def _admits_bypass(clause: Any) -> bool:
    if clause.key_lower != "kms:bypasspolicylockoutsafetycheck":
        return False
    values = {v.lower() for v in clause.values}
    if clause.operator == "Null":
        return False
    return ("false" in values) if clause.negated else ("true" in values or "*" in values)


@check("bypass-lockout-allowed")
def bypass_lockout_allowed(policy: "Policy", _: Context) -> Iterator[Finding]:
    for statement in policy.statements:
        if not _allows(statement) or not (_covers(statement, "kms:PutKeyPolicy") or _covers(statement, "kms:CreateKey")):
            continue
        clause = next((c for c in statement.conditions if _admits_bypass(c)), None)
        if clause is not None:
            yield make_finding(
                "bypass-lockout-allowed",
                "explicitly allows requests with kms:BypassPolicyLockoutSafetyCheck true: a key policy set this way "
                "can lock everyone out of the key; deny it instead (Bool kms:BypassPolicyLockoutSafetyCheck true)",
                policy.source, statement, statement.line_of("Condition", clause.operator_text, clause.key))


_WARNING_RULES = (("is not a KMS action", "unknown-action"), ("is not a KMS condition key", "unknown-condition-key"),
                  ("is deprecated", "deprecated-condition-key"), ("does not support", "unsupported-condition-key"),
                  ("never applies", "ineffective-statement"))
_WARNING_LINE = re.compile(r", line (\d+), ")
_UNSUPPORTED_KEY = re.compile(r"does not support (\S+), so")


@check("unknown-action", "unknown-condition-key", "deprecated-condition-key", "unsupported-condition-key",
       "ineffective-statement", "policy-warning")
def policy_warning_findings(policy: "Policy", _: Context) -> Iterator[Finding]:
    """Policy.warnings (kmstui.policy.warnings), each a Finding on its statement."""
    for warning in policy.warnings:
        statement = next((s for s in reversed(policy.statements) if f", {s.label}: " in warning), None)
        message = warning.split(f", {statement.label}: ", 1)[1] if statement is not None else warning
        found = _WARNING_LINE.search(warning)
        rule_id = next((rule for text, rule in _WARNING_RULES if text in message), "policy-warning")
        if rule_id == "unsupported-condition-key" and _deprecated(message):
            continue  # a deprecated key still works where it did; deprecated-condition-key reports it
        yield make_finding(rule_id, message, policy.source, statement, int(found.group(1)) if found else None)


def _deprecated(message: str) -> bool:
    named = _UNSUPPORTED_KEY.search(message)
    key = load_reference().condition_key(named.group(1)) if named else None
    return bool(key and key.deprecated_by)


# -- a whole Snapshot ----------------------------------------------------------------------------------------

def snapshot_findings(snapshot: "Snapshot") -> list[Finding]:
    """Findings for every policy in the Snapshot; identity-policy findings name the principals holding them."""
    from kmstui.policy.document import PolicyError, parse_policy

    found: list[Finding] = []

    def lint(text: str, kind: str, source: str, account: str | None = None, aws_managed: bool = False,
             holders: list[str] | None = None) -> None:
        try:
            policy = parse_policy(text, kind, source)
        except PolicyError as error:
            found.append(make_finding("invalid-policy", f"{error.element}: {error.problem}", source, line=error.line))
            return
        for finding in policy_findings(policy, account, aws_managed):
            if holders is not None and kind == "identity":
                held = f"; held by {_action_list(holders)}" if holders else "; attached to no loaded principal"
                finding = replace(finding, message=finding.message + held)
            found.append(finding)

    for key in snapshot.keys:
        if key.policy:
            lint(key.policy, "key_policy", f"key policy of {key.key_id}", key.account, key.aws_managed)
    holders = _holders(snapshot)
    for principal in snapshot.principals:
        for inline in principal.inline_policies:
            lint(inline.document, "identity", f"{principal.kind} {principal.name} inline policy {inline.name}",
                 holders=holders.get(("inline", principal.arn), []))
    boundaries = {p.boundary for p in snapshot.principals if p.boundary}
    attached = {arn for p in snapshot.principals for arn in p.managed_policies}
    for arn, managed in sorted(snapshot.managed_policies.items()):
        if arn in attached or arn not in boundaries:
            lint(managed.document, "identity", f"managed policy {managed.name}", holders=holders.get(("managed", arn), []))
        else:
            lint(managed.document, "boundary", f"permissions boundary {managed.name}")
    for org in snapshot.org_policies.values():
        lint(org.document, org.kind if org.kind in ("scp", "rcp") else "scp", f"{org.kind.upper()} {org.name}")
    for endpoint, text in snapshot.vpc_endpoint_policies.items():
        lint(text, "vpc_endpoint", f"VPC endpoint policy {endpoint}")
    return found


def _holders(snapshot: "Snapshot") -> dict[tuple[str, str], list[str]]:
    """Who holds each inline policy (by its principal's ARN) and managed policy: users get their groups' too."""
    members: dict[tuple[str, str], list[str]] = {}
    for user in snapshot.principals:
        for group in user.groups:
            members.setdefault((user.account, group), []).append(f"user {user.name}")
    found: dict[tuple[str, str], list[str]] = {}
    for principal in snapshot.principals:
        holders = [f"{principal.kind} {principal.name}"]
        if principal.kind == "group":
            holders += [f"{m} (via group {principal.name})" for m in members.get((principal.account, principal.name), [])]
        found[("inline", principal.arn)] = holders
        for arn in principal.managed_policies:
            found.setdefault(("managed", arn), []).extend(holders)
    return found
