"""The bundled demo account: the committed JSON is what demo_build builds, it loads, and questions asked of it
get the answers AWS's documentation gives (each question names its page; the expectations were written
from the pages, not from the engine's output)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any, NamedTuple

import pytest

from kmstui import evaluate, parse_policy
from kmstui.sources.snapshot import Snapshot
from kmstui.sources import demo_build
from kmstui.sources.demo import load_demo
from kmstui.sources.demo_build import (ACCOUNT, APP_KEY, AUDIT_KEY, EBS_KEY, IMPORTED_KEY, PARTNER, PAYMENTS_KEY,
                                       SHARED_KEY, build_demo, key_arn)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
KMS = "https://docs.aws.amazon.com/kms/latest/developerguide/"
IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ORGS = "https://docs.aws.amazon.com/organizations/latest/userguide/"


def session(role: str, name: str = "demo", account: str = ACCOUNT) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{name}"


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return load_demo()


# -- the file ---------------------------------------------------------------------------------------

def test_committed_json_is_what_demo_build_builds() -> None:
    committed = (resources.files("kmstui.data") / "demo_snapshot.json").read_text(encoding="utf-8")
    assert committed == build_demo().to_json(), "data/demo_snapshot.json drifted: run python -m kmstui.sources.demo_build"


def test_build_is_reproducible() -> None:
    assert build_demo().to_json() == build_demo().to_json()
    assert build_demo().created == demo_build.CREATED


def test_check_exits_1_on_a_difference(tmp_path) -> None:
    target = tmp_path / "demo_snapshot.json"
    assert demo_build.main(["--output", str(target)]) == 0
    assert demo_build.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace("Example Corp", "Other Corp"), encoding="utf-8")
    assert demo_build.main(["--check", "--output", str(target)]) == 1
    assert demo_build.main(["--check", "--output", str(tmp_path / "missing.json")]) == 1


def test_the_demo_loads_and_is_complete(demo: Snapshot) -> None:
    assert demo.to_dict() == build_demo().to_dict()
    assert demo.accounts == [ACCOUNT, PARTNER]
    assert demo.errors == []
    for key in demo.keys:
        meta = key.metadata
        assert meta["Arn"] == key.arn and meta["AWSAccountId"] == ACCOUNT and meta["KeyId"] == key.key_id
        for field in ("KeySpec", "KeyUsage", "Origin", "KeyManager", "Description"):
            assert meta[field], (key.key_id, field)
        assert meta["KeyState"] == "Enabled"
        assert key.region == "us-west-2" and key.aliases and key.policy
        parse_policy(key.policy, "key_policy", key.key_id)
        for alias in key.aliases:
            assert alias["TargetKeyId"] == key.key_id and alias["AliasArn"].endswith(":" + alias["AliasName"])
    aws_managed = [k for k in demo.keys if k.aws_managed]
    assert [k.alias_names for k in aws_managed] == [["alias/aws/ebs"]] and aws_managed[0].tags == {}
    assert all(k.tags for k in demo.keys if not k.aws_managed)
    for principal in demo.principals:
        for arn in principal.managed_policies + ([principal.boundary] if principal.boundary else []):
            assert arn in demo.managed_policies, (principal.name, arn)
        for group in principal.groups:
            assert any(p.kind == "group" and p.name == group for p in demo.principals)
        for name, document in demo.identity_documents(principal):
            parse_policy(document, "identity", name)
    for policy in demo.managed_policies.values():
        parse_policy(policy.document, "identity", policy.name)
    for policy in demo.org_policies.values():
        parse_policy(policy.document, policy.kind, policy.name)
    assert demo.scp_levels == {ACCOUNT: [["p-FullAWSAccess"], ["p-FullAWSAccess", "p-examplekmsdel"], ["p-FullAWSAccess"]]}


def test_the_seed_policies_are_there_verbatim(demo: Snapshot) -> None:
    power = demo.managed_policies["arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"]
    assert json.loads(power.document)["Statement"][0]["Action"] == [
        "kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*", "kms:GenerateRandom", "kms:Get*",
        "kms:List*", "kms:TagResource", "kms:UntagResource", "iam:ListGroups", "iam:ListRoles", "iam:ListUsers"]
    assert demo.find_principal("power-user").managed_policies == [power.arn]
    deny = json.loads(demo.managed_policies[f"arn:aws:iam::{ACCOUNT}:policy/DenyDisableAndDeleteKeys"].document)
    assert deny == {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": [
        "kms:DisableKey", "kms:ScheduleKeyDeletion"], "Resource": "*"}}
    audit = json.loads(demo.find_key("alias/Restricted-audit").policy)
    assert not any(s.get("Principal", {}).get("AWS") == f"arn:aws:iam::{ACCOUNT}:root" for s in audit["Statement"])
    app = json.loads(demo.find_key("alias/app").policy)
    assert [s["Sid"] for s in app["Statement"]] == [
        "Enable IAM User Permissions", "Allow access for Key Administrators", "Allow use of the key",
        "Allow attachment of persistent resources", "Key policy for 1234abcd-12ab-34cd-56ef-1234567890ab"]


# -- questions --------------------------------------------------------------------------------------

class Q(NamedTuple):
    id: str
    principal: str
    action: str
    resources: list[str]
    context: dict[str, Any] | None
    result: str
    decided_by: str
    doc: str
    deny_source: str | None = None
    blocker: str | None = None
    parts: dict[str, tuple[str, str]] | None = None


ALLOWED, EXPLICIT, IMPLICIT = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"
VIA_EC2 = {"kms:ViaService": "ec2.us-west-2.amazonaws.com"}

QUESTIONS = [
    # Issue 5's story: the power user's managed policy has no kms:Decrypt and the key policy does not name it.
    Q("power-user-cannot-decrypt-app-key", "power-user", "kms:Decrypt", ["alias/app"], None, IMPLICIT, "no-door",
      KMS + "security-iam-awsmanpol.html", blocker="identity"),
    Q("power-user-lists-keys", "power-user", "kms:ListKeys", ["*"], None, ALLOWED, "iam",
      KMS + "security-iam-awsmanpol.html"),
    Q("power-user-describes-app-key", "power-user", "kms:DescribeKey", ["alias/app"], None, ALLOWED, "iam",
      KMS + "security-iam-awsmanpol.html"),
    # "effective only when the key policy for that KMS key explicitly allows the AWS account to use IAM policies"
    Q("power-user-cannot-describe-no-iam-key", "power-user", "kms:DescribeKey", ["alias/Restricted-audit"], None,
      IMPLICIT, "no-door", KMS + "security-iam-awsmanpol.html", blocker="key-policy"),
    Q("power-user-creates-an-alias", "power-user", "kms:CreateAlias", ["alias/power-new", APP_KEY], None, ALLOWED,
      "all-parts", KMS + "alias-access.html", parts={"alias": (ALLOWED, "iam"), "key": (ALLOWED, "iam")}),
    Q("key-user-named-in-key-policy-decrypts", "app-developer", "kms:Decrypt", ["alias/app"], None, ALLOWED,
      "key-policy", KMS + "key-policy-default.html#key-policy-default-allow-users"),
    # An explicit Deny in an IAM policy overrides the key policy's allow (customer-managed-policies.html).
    Q("deny-user-cannot-disable-key", "ops-admin", "kms:DisableKey", ["alias/app"], None, EXPLICIT, "explicit-deny",
      KMS + "customer-managed-policies.html", deny_source="identity"),
    Q("deny-user-still-enables-key", "ops-admin", "kms:EnableKey", ["alias/app"], None, ALLOWED, "key-policy",
      KMS + "key-policy-default.html#key-policy-default-allow-administrators"),
    # Without the enabling statement, IAM allows have no effect (key-policies.html).
    Q("iam-allow-works-on-key-that-enables-iam", "data-engineer", "kms:Decrypt", ["alias/app"], None, ALLOWED, "iam",
      KMS + "iam-policies.html"),
    Q("iam-allow-has-no-effect-on-no-iam-key", "data-engineer", "kms:Decrypt", ["alias/Restricted-audit"], None,
      IMPLICIT, "no-door", KMS + "key-policies.html", blocker="key-policy"),
    Q("regional-user-on-no-iam-key", "regional-app-user", "kms:Encrypt", [key_arn(AUDIT_KEY)], None, IMPLICIT,
      "no-door", KMS + "key-policies.html", blocker="key-policy"),
    Q("no-iam-key-user-named-in-key-policy", session("audit-writer", "trail"), "kms:Encrypt",
      ["alias/Restricted-audit"], None, ALLOWED, "key-policy", KMS + "key-policy-default.html#key-policy-default-allow-users"),
    Q("regional-user-encrypts-payments", "regional-app-user", "kms:Encrypt", ["alias/payments"], None, ALLOWED, "iam",
      KMS + "customer-managed-policies.html"),
    Q("console-reader-reads-key-policy", "auditor", "kms:GetKeyPolicy", ["alias/payments"], None, ALLOWED, "iam",
      KMS + "customer-managed-policies.html"),
    # Cross-account: the key policy allows the other account and that account's IAM policy allows.
    Q("partner-decrypts-shared-key", session("partner-analytics-role", "etl", PARTNER), "kms:Decrypt",
      [key_arn(SHARED_KEY)], None, ALLOWED, "iam", KMS + "key-policy-modifying-external-accounts.html"),
    Q("partner-cannot-use-unshared-key", session("partner-analytics-role", "etl", PARTNER), "kms:Decrypt",
      [key_arn(APP_KEY)], None, IMPLICIT, "no-door", KMS + "key-policy-modifying-external-accounts.html",
      blocker="key-policy"),
    # ScheduleKeyDeletion: "Cross-account use: No" (kms-api-permissions-reference.html).
    Q("partner-cannot-schedule-deletion", session("partner-analytics-role", "etl", PARTNER), "kms:ScheduleKeyDeletion",
      [key_arn(SHARED_KEY)], None, IMPLICIT, "cross-account", KMS + "kms-api-permissions-reference.html"),
    # The AWS managed key: Principal "*" limited by kms:ViaService and kms:CallerAccount.
    Q("ebs-key-through-ec2", session("web-server-role", "i-0abc"), "kms:Decrypt", ["alias/aws/ebs"], VIA_EC2, ALLOWED,
      "key-policy", KMS + "conditions-kms.html#conditions-kms-via-service"),
    Q("ebs-key-direct", session("web-server-role", "i-0abc"), "kms:Decrypt", ["alias/aws/ebs"], None, IMPLICIT,
      "no-door", KMS + "conditions-kms.html#conditions-kms-via-service", blocker="key-policy"),
    Q("ebs-key-through-ec2-other-region", session("web-server-role", "i-0abc"), "kms:Decrypt", [key_arn(EBS_KEY)],
      {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}, IMPLICIT, "no-door",
      KMS + "conditions-kms.html#conditions-kms-via-service", blocker="key-policy"),
    Q("ebs-key-metadata-through-iam", "power-user", "kms:DescribeKey", ["alias/aws/ebs"], None, ALLOWED, "iam",
      KMS + "conditions-kms.html#conditions-kms-via-service"),
    # Grants (grants.html; grant constraints in grant-authorization.html / API_GrantConstraints).
    Q("grant-subset-with-context", session("batch-processor", "nightly"), "kms:Decrypt", ["alias/payments"],
      {"kms:EncryptionContext:Department": "Finance", "kms:EncryptionContext:Batch": "2026-11"}, ALLOWED, "grant",
      KMS + "grants.html"),
    Q("grant-subset-without-context", session("batch-processor", "nightly"), "kms:Decrypt", ["alias/payments"], None,
      IMPLICIT, "no-door", KMS + "grants.html"),
    Q("grant-subset-value-case-differs", session("batch-processor", "nightly"), "kms:Decrypt", ["alias/payments"],
      {"kms:EncryptionContext:Department": "finance"}, IMPLICIT, "no-door", KMS + "encrypt_context.html"),
    Q("grant-without-constraints-describes", session("batch-processor", "nightly"), "kms:DescribeKey",
      ["alias/payments"], None, ALLOWED, "grant", KMS + "grants.html"),
    Q("grant-equals-exact-context", session("reporting-lambda-role", "r1"), "kms:Decrypt", ["alias/payments"],
      {"kms:EncryptionContext:Application": "reports", "kms:EncryptionContext:Stage": "prod"}, ALLOWED, "grant",
      KMS + "grants.html"),
    Q("grant-equals-extra-pair", session("reporting-lambda-role", "r1"), "kms:Decrypt", ["alias/payments"],
      {"kms:EncryptionContext:Application": "reports", "kms:EncryptionContext:Stage": "prod",
       "kms:EncryptionContext:Extra": "x"}, IMPLICIT, "no-door", KMS + "grants.html"),
    # The permissions boundary leaves out kms:Encrypt (access_policies_boundaries.html).
    Q("boundary-allows-decrypt", session("app-role", "web"), "kms:Decrypt", ["alias/app"], None, ALLOWED, "iam",
      IAM + "access_policies_boundaries.html"),
    Q("boundary-limits-encrypt", session("app-role", "web"), "kms:Encrypt", ["alias/app"], None, IMPLICIT, "no-door",
      IAM + "access_policies_boundaries.html", blocker="boundary"),
    # The OU's SCP denies kms:ScheduleKeyDeletion even to a key administrator the key policy allows.
    Q("scp-denies-schedule-key-deletion", "KMSAdminUser", "kms:ScheduleKeyDeletion", ["alias/app"], None, EXPLICIT,
      "explicit-deny", ORGS + "orgs_manage_policies_scps.html", deny_source="scp"),
    Q("scp-exception-for-admin-role", session("KMSAdminRole", "breakglass"), "kms:ScheduleKeyDeletion", ["alias/app"],
      None, ALLOWED, "key-policy", ORGS + "orgs_manage_policies_scps_examples_general.html"),
    Q("key-admin-disables-key", "KMSAdminUser", "kms:DisableKey", ["alias/app"], None, ALLOWED, "key-policy",
      KMS + "key-policy-default.html#key-policy-default-allow-administrators"),
    # Aliases (alias-access.html).
    Q("admin-updates-test-key-alias", "KMSAdminUser", "kms:UpdateAlias", ["alias/test-key", PAYMENTS_KEY], None,
      ALLOWED, "all-parts", KMS + "alias-access.html",
      parts={"alias": (ALLOWED, "iam"), "current-key": (ALLOWED, "key-policy"), "new-key": (ALLOWED, "key-policy")}),
    Q("alias-manager-creates-alias", "alias-manager", "kms:CreateAlias", ["alias/reports", APP_KEY], None, ALLOWED,
      "all-parts", KMS + "alias-access.html", parts={"alias": (ALLOWED, "iam"), "key": (ALLOWED, "iam")}),
    Q("restricted-alias-create-denied", "alias-manager", "kms:CreateAlias", ["alias/Restricted-new", APP_KEY], None,
      EXPLICIT, "explicit-deny", KMS + "alias-access.html", deny_source="identity",
      parts={"alias": (EXPLICIT, "explicit-deny"), "key": (ALLOWED, "iam")}),
    Q("restricted-alias-delete-denied", "alias-manager", "kms:DeleteAlias", ["alias/Restricted-audit"], None, EXPLICIT,
      "explicit-deny", KMS + "alias-access.html", deny_source="identity"),
    Q("alias-to-imported-key-denied-by-key-origin", "alias-manager", "kms:UpdateAlias", ["alias/app", IMPORTED_KEY],
      None, IMPLICIT, "no-door", KMS + "alias-access.html",
      parts={"alias": (ALLOWED, "iam"), "current-key": (ALLOWED, "iam"), "new-key": (IMPLICIT, "no-door")}),
]


def ask(snapshot: Snapshot, q: Q):
    request, policies = snapshot.question(q.principal, q.action, q.resources, q.context)
    return evaluate(request, policies, now=NOW)


def test_enough_questions() -> None:
    assert len(QUESTIONS) >= 15 and len({q.id for q in QUESTIONS}) == len(QUESTIONS)


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.id for q in QUESTIONS])
def test_question(demo: Snapshot, q: Q) -> None:
    decision = ask(demo, q)
    got: dict[str, Any] = {"result": decision.result, "decided_by": decision.decided_by}
    want: dict[str, Any] = {"result": q.result, "decided_by": q.decided_by}
    if q.deny_source:
        got["deny_source"], want["deny_source"] = decision.deny_source, q.deny_source
    if q.blocker:
        got["blocker"], want["blocker"] = decision.blocker, q.blocker
    for name, (result, decided_by) in (q.parts or {}).items():
        part = next((p for p in decision.parts if p.part == name), None)
        got[name] = (part.result, part.decided_by) if part else None
        want[name] = (result, decided_by)
    assert got == want, f"{q.id} ({q.doc})\n{decision.summary}"


def test_power_user_story_adding_it_to_the_key_policy_allows_decrypt(demo: Snapshot) -> None:
    """Issue 5: "why can't the power user decrypt with this key?" Adding the power user to the key policy's
    "Allow use of the key" statement allows it: a key policy may allow an IAM user by itself (key-policies.html)."""
    key = demo.find_key("alias/app")
    policy = json.loads(key.policy)
    users = next(s for s in policy["Statement"] if s["Sid"] == "Allow use of the key")
    users["Principal"]["AWS"] = [*users["Principal"]["AWS"], f"arn:aws:iam::{ACCOUNT}:user/power-user"]
    edited = demo.with_policy_text(f"key policy of {key.key_id}", json.dumps(policy, indent=2))
    before = ask(demo, QUESTIONS[0])
    after = evaluate(*edited.question("power-user", "kms:Decrypt", ["alias/app"]), now=NOW)
    assert (before.result, after.result, after.decided_by) == (IMPLICIT, ALLOWED, "key-policy")
    assert demo.find_key("alias/app").policy == key.policy  # the demo itself is unchanged
