"""`kmstui.analysis.findings` rules (each with a policy that triggers it and a close one that does not) and `kmstui lint`."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from kmstui.analysis.findings import CHECKS, RULES, SEVERITIES, Finding, policy_findings, snapshot_findings
from kmstui.policy.document import parse_policy
from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, OrgPolicy, Principal, Snapshot

ACCOUNT, OTHER = "111122223333", "444455556666"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{KEY_ID}"
ALIAS_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/test-key"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/KMSAdminUser"
SEEDS = Path("/work/shared/seeds")

ENABLE_IAM = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT},
              "Action": "kms:*", "Resource": "*"}
# seed 000: AWSKeyManagementServicePowerUser
POWER_USER = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*", "kms:GenerateRandom", "kms:Get*",
    "kms:List*", "kms:TagResource", "kms:UntagResource", "iam:ListGroups", "iam:ListRoles", "iam:ListUsers"],
    "Resource": "*"}]}


def key_policy(*statements: dict, enable_iam: bool = True) -> dict:
    return {"Version": "2012-10-17", "Statement": ([ENABLE_IAM] if enable_iam else []) + list(statements)}


def identity(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def lint(document: dict, kind: str = "identity", account: str | None = None, **extra) -> list[Finding]:
    return policy_findings(parse_policy(json.dumps(document, indent=2), kind, "test.json"), account, **extra)


def rules(document: dict, kind: str = "identity", account: str | None = None, **extra) -> set[str]:
    return {f.rule for f in lint(document, kind, account, **extra)}


# -- the rule table ------------------------------------------------------------------------------------

def test_every_rule_has_a_severity_a_reference_and_a_why() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.title and rule.why
        assert rule.severity in SEVERITIES
        assert rule.reference.startswith("https://docs.aws.amazon.com/") or (SEEDS / rule.reference).is_file(), rule_id


def test_every_check_reports_only_registered_rules() -> None:
    assert CHECKS, "no checks registered"
    for function, rule_ids, kinds in CHECKS:
        assert rule_ids and set(rule_ids) <= set(RULES), function.__name__
        assert kinds


# -- key policy does not enable IAM policies ---------------------------------------------------------------

def test_key_policy_without_the_iam_statement() -> None:
    admin_only = key_policy({"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"},
                            enable_iam=False)
    found = [f for f in lint(admin_only, "key_policy", ACCOUNT) if f.rule == "key-policy-no-iam"]
    assert len(found) == 1
    assert found[0].statement is None and found[0].line == 1 and ROOT in found[0].message
    assert found[0].reference.startswith("https://docs.aws.amazon.com/kms/")


def test_key_policy_with_the_iam_statement_or_a_bare_account_id() -> None:
    assert "key-policy-no-iam" not in rules(key_policy(), "key_policy", ACCOUNT)
    bare = dict(ENABLE_IAM, Principal={"AWS": ACCOUNT})
    assert "key-policy-no-iam" not in rules(key_policy(bare, enable_iam=False), "key_policy", ACCOUNT)
    assert "key-policy-no-iam" not in rules(key_policy(), "key_policy")  # account unknown: any root counts


def test_another_accounts_root_does_not_enable_iam_for_the_key_account() -> None:
    other_root = dict(ENABLE_IAM, Principal={"AWS": f"arn:aws:iam::{OTHER}:root"})
    assert "key-policy-no-iam" in rules(key_policy(other_root, enable_iam=False), "key_policy", ACCOUNT)


def test_aws_managed_keys_are_not_told_to_enable_iam() -> None:
    admin_only = key_policy({"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"},
                            enable_iam=False)
    assert "key-policy-no-iam" not in rules(admin_only, "key_policy", ACCOUNT, aws_managed=True)


# -- Principal "*" (seed 003) ---------------------------------------------------------------------------

@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}])
def test_public_principal_without_a_condition(principal) -> None:
    policy = key_policy({"Sid": "Open", "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"})
    found = [f for f in lint(policy, "key_policy") if f.rule == "public-principal"]
    assert len(found) == 1 and found[0].severity == "high" and found[0].sid == "Open"
    assert found[0].reference == "003_d13bf331ee1675d0.txt"


def test_public_principal_limited_to_an_organization_or_account() -> None:
    for key, value in (("aws:PrincipalOrgID", "o-exampleorgid"), ("kms:CallerAccount", ACCOUNT)):
        policy = key_policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                             "Condition": {"StringEquals": {key: value}}})
        assert not rules(policy, "key_policy") & {"public-principal", "public-principal-weak-condition"}


def test_public_principal_with_conditions_that_do_not_limit_who() -> None:
    for condition in ({"StringEquals": {"kms:EncryptionContext:Department": "IT"}},
                      {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorgid"}},
                      {"StringNotEquals": {"aws:PrincipalAccount": OTHER}}):
        policy = key_policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                             "Condition": condition})
        assert "public-principal-weak-condition" in rules(policy, "key_policy"), condition
        assert "public-principal" not in rules(policy, "key_policy")


def test_allow_with_not_principal_is_public() -> None:
    policy = key_policy({"Effect": "Allow", "NotPrincipal": {"AWS": ADMIN}, "Action": "kms:Decrypt", "Resource": "*"})
    assert "public-principal" in rules(policy, "key_policy")
    deny = key_policy({"Effect": "Deny", "NotPrincipal": {"AWS": ADMIN}, "Action": "kms:Decrypt", "Resource": "*"})
    assert "public-principal" not in rules(deny, "key_policy")


# -- cross-account use "No" (seed 002) -----------------------------------------------------------------------

def test_cross_account_permission_that_cannot_be_used() -> None:
    external = {"Sid": "External", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": ["kms:Decrypt", "kms:TagResource", "kms:ScheduleKeyDeletion"], "Resource": "*"}
    found = [f for f in lint(key_policy(external), "key_policy") if f.rule == "cross-account-ineffective"]
    assert len(found) == 1
    assert "kms:TagResource" in found[0].message and "kms:ScheduleKeyDeletion" in found[0].message
    assert "kms:Decrypt" not in found[0].message.split("(not in")[1]
    assert found[0].reference == "002_1c542ca8c6f9a8b8.txt"


def test_cross_account_permissions_that_can_be_used() -> None:
    external = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:role/Reader"},
                "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"], "Resource": "*"}
    assert "cross-account-ineffective" not in rules(key_policy(external), "key_policy")
    same_account = dict(external, Principal={"AWS": ADMIN}, Action=["kms:TagResource"])
    assert "cross-account-ineffective" not in rules(key_policy(same_account), "key_policy")


def test_cross_account_uses_the_given_key_account_and_a_bare_account_id() -> None:
    tagging = {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "kms:TagResource", "Resource": "*"}
    assert "cross-account-ineffective" in rules(key_policy(tagging, enable_iam=False), "key_policy", ACCOUNT)
    # Without the key's account and no kms:* root statement, there is no "other" account to judge.
    assert "cross-account-ineffective" not in rules(key_policy(tagging, enable_iam=False), "key_policy")


# -- conditions on alias resources (seed 004) ---------------------------------------------------------------

def test_condition_in_a_statement_on_aliases_only() -> None:
    policy = identity({"Sid": "AliasWithCondition", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias"],
                       "Resource": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/*",
                       "Condition": {"StringEquals": {"kms:KeyOrigin": "AWS_KMS"}}})
    found = [f for f in lint(policy) if f.rule == "condition-on-alias-resource"]
    assert len(found) == 1 and "kms:KeyOrigin" in found[0].message
    assert found[0].reference == "004_889488eba61c4021.txt"


def test_condition_on_keys_and_alias_patterns_without_conditions() -> None:
    # seed 004's own examples: the condition on key/*, and Allow/Deny by alias pattern.
    on_keys = identity({"Sid": "IAMPolicyKeyPermissions", "Effect": "Allow", "Resource": f"arn:aws:kms:us-west-2:{ACCOUNT}:key/*",
                        "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
                        "Condition": {"StringEquals": {"kms:KeyOrigin": "AWS_KMS"}}})
    patterns = identity(
        {"Sid": "IAMPolicyForAnAliasAllow", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
         "Resource": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/*"},
        {"Sid": "IAMPolicyForAnAliasDeny", "Effect": "Deny", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
         "Resource": f"arn:aws:kms:us-west-2:{ACCOUNT}:alias/Restricted*"})
    assert "condition-on-alias-resource" not in rules(on_keys)
    assert rules(patterns) == set()


# -- alias ARNs for key use (alias-authorization docs) --------------------------------------------------------

def test_alias_arn_in_resource_of_key_use_actions() -> None:
    policy = identity({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], "Resource": ALIAS_ARN})
    found = [f for f in lint(policy) if f.rule == "alias-resource-for-key-use"]
    assert len(found) == 1
    assert "kms:Decrypt" in found[0].message and "kms:RequestAlias" in found[0].message
    assert found[0].reference.endswith("alias-authorization.html")


def test_alias_arn_for_alias_actions_and_key_arn_with_request_alias() -> None:
    alias_management = identity({"Sid": "IAMPolicyForAnAlias", "Effect": "Allow",
                                 "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": ALIAS_ARN})
    by_request_alias = identity({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": KEY_ARN,
                                 "Condition": {"StringEquals": {"kms:RequestAlias": "alias/test-key"}}})
    assert "alias-resource-for-key-use" not in rules(alias_management)
    assert "alias-resource-for-key-use" not in rules(by_request_alias)


# -- tags and aliases on all keys (seeds 000, 004) -------------------------------------------------------------

def test_power_user_may_change_tags_and_aliases_on_all_keys() -> None:
    found = [f for f in lint(POWER_USER) if f.rule == "tag-alias-on-all-keys"]
    assert len(found) == 1
    for action in ("kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:DeleteAlias"):
        assert action in found[0].message
    assert found[0].reference == "000_54b69accd06b2432.txt"


def test_tags_and_aliases_limited_to_one_alias_or_by_condition() -> None:
    one_alias = identity({"Sid": "IAMPolicyForAnAlias", "Effect": "Allow",
                          "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": ALIAS_ARN})
    by_tag = identity({"Effect": "Allow", "Action": ["kms:TagResource", "kms:UntagResource"], "Resource": "*",
                       "Condition": {"StringEquals": {"aws:ResourceTag/Team": "${aws:PrincipalTag/Team}"}}})
    read_only = identity({"Effect": "Allow", "Action": ["kms:Describe*", "kms:List*", "kms:Get*"], "Resource": "*"})
    for policy in (one_alias, by_tag, read_only):
        assert "tag-alias-on-all-keys" not in rules(policy)


def test_tag_rule_reads_identity_policies_not_key_policies() -> None:
    statement = {"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:TagResource", "Resource": "*"}
    assert "tag-alias-on-all-keys" not in rules(key_policy(statement), "key_policy")


def test_tag_rule_counts_every_key_of_an_account_as_all_keys() -> None:
    policy = identity({"Effect": "Allow", "Action": "kms:TagResource", "Resource": f"arn:aws:kms:*:{ACCOUNT}:key/*"})
    assert "tag-alias-on-all-keys" in rules(policy)
    one_key = identity({"Effect": "Allow", "Action": "kms:TagResource", "Resource": KEY_ARN})
    assert "tag-alias-on-all-keys" not in rules(one_key)


# -- broad administration in identity policies ----------------------------------------------------------------

@pytest.mark.parametrize("action", ["kms:*", "*", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:Put*"])
def test_broad_kms_permissions_on_all_keys(action: str) -> None:
    found = [f for f in lint(identity({"Effect": "Allow", "Action": action, "Resource": "*"}))
             if f.rule == "broad-kms-permissions"]
    assert len(found) == 1 and found[0].severity == "high"


def test_broad_rule_does_not_repeat_as_a_tag_finding() -> None:
    assert rules(identity({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})) == {"broad-kms-permissions"}


def test_narrow_or_conditioned_administration() -> None:
    one_key = identity({"Effect": "Allow", "Action": "kms:*", "Resource": KEY_ARN})
    for_aws_resources = identity({"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
                                  "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
    denied = identity({"Effect": "Deny", "Action": "kms:PutKeyPolicy", "Resource": "*"})
    for policy in (one_key, for_aws_resources, denied):
        assert "broad-kms-permissions" not in rules(policy)


# -- kms:BypassPolicyLockoutSafetyCheck ---------------------------------------------------------------------------

def test_allowing_the_lockout_bypass() -> None:
    policy = key_policy({"Sid": "Bypass", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:PutKeyPolicy",
                         "Resource": "*", "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}})
    found = [f for f in lint(policy, "key_policy") if f.rule == "bypass-lockout-allowed"]
    assert len(found) == 1 and found[0].sid == "Bypass"


def test_denying_the_lockout_bypass() -> None:
    deny = identity({"Effect": "Deny", "Action": ["kms:CreateKey", "kms:PutKeyPolicy"], "Resource": "*",
                     "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}})
    only_without = identity({"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
                             "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "false"}}})
    assert "bypass-lockout-allowed" not in rules(deny)
    assert "bypass-lockout-allowed" not in rules(only_without)


# -- Policy.warnings as findings ------------------------------------------------------------------------------------

def test_warnings_become_findings() -> None:
    policy = identity(
        {"Sid": "Typo", "Effect": "Allow", "Action": "kms:Decryptt", "Resource": KEY_ARN},
        {"Sid": "Old", "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": KEY_ARN,
         "Condition": {"StringEquals": {"kms:CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}}},
        {"Sid": "Unsupported", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN,
         "Condition": {"StringEquals": {"kms:GrantOperations": "Decrypt"}}},
        {"Sid": "Unknown", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN,
         "Condition": {"StringEquals": {"kms:NoSuchKey": "x"}}},
    )
    found = {(f.rule, f.sid) for f in lint(policy)}
    assert ("unknown-action", "Typo") in found
    assert ("deprecated-condition-key", "Old") in found
    assert ("unsupported-condition-key", "Unsupported") in found
    assert ("unknown-condition-key", "Unknown") in found
    typo = next(f for f in lint(policy) if f.rule == "unknown-action")
    assert typo.message.startswith("kms:Decryptt is not a KMS action") and "kms:Decrypt?" in typo.message


def test_correct_actions_and_keys_give_no_warnings() -> None:
    policy = identity({"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": KEY_ARN,
                       "Condition": {"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}})
    assert rules(policy) == set()


# -- where: statement, Sid, line ------------------------------------------------------------------------------------

LINED = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "Everyone",
      "Effect": "Allow",
      "Principal": "*",
      "Action": [
        "kms:Decrypt",
        "kms:TagResource"
      ],
      "Resource": "*"
    },
    {
      "Sid": "External",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
      "Action": ["kms:Decrypt", "kms:ScheduleKeyDeletion"],
      "Resource": "*",
      "Condition": {
        "StringEquals": {
          "kms:CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"
        }
      }
    }
  ]
}
"""


def test_findings_name_statement_sid_and_line() -> None:
    found = policy_findings(parse_policy(LINED, "key_policy", "key.json"))
    where = {(f.rule, f.statement, f.sid, f.line) for f in found}
    assert ("public-principal", 1, "Everyone", 14) in where  # the Principal line
    assert ("cross-account-ineffective", 2, "External", 25) in where  # the Action line
    assert ("deprecated-condition-key", 2, "External", 29) in where  # the condition key's line
    # a deprecated key still works where it did: reported as deprecated, not as unsupported
    assert not any(f.rule == "unsupported-condition-key" for f in found)
    public = next(f for f in found if f.rule == "public-principal")
    assert public.text().startswith("HIGH public-principal key.json:14 statement 2 'Everyone': ")
    assert public.text().endswith("(003_d13bf331ee1675d0.txt)")
    record = public.to_dict()
    assert record["line"] == 14 and record["statement_index"] == 1 and record["sid"] == "Everyone"
    assert record["severity"] == "high" and record["reference"] == "003_d13bf331ee1675d0.txt"


# -- a whole Snapshot ----------------------------------------------------------------------------------------------------

def build_snapshot() -> Snapshot:
    power_arn = "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"
    boundary_arn = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
    no_iam = key_policy({"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:*", "Resource": "*"},
                        {"Sid": "External", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:role/Ops"},
                         "Action": "kms:TagResource", "Resource": "*"}, enable_iam=False)
    other_key = "0987dcba-09fe-87dc-65ba-ab0987654321"
    return Snapshot(
        keys=[Key(KEY_ARN, metadata={"KeyManager": "CUSTOMER"}, policy=json.dumps(no_iam, indent=2)),
              Key(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/{other_key}", metadata={"KeyManager": "AWS"},
                  policy=json.dumps(key_policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                                "Resource": "*", "Condition": {"StringEquals": {
                                                    "kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
                                               enable_iam=False))),
              Key(f"arn:aws:kms:us-west-2:{ACCOUNT}:key/11112222-3333-4444-5555-666677778888", policy="{ not json")],
        principals=[
            Principal(f"arn:aws:iam::{ACCOUNT}:user/alice", "user", "alice", groups=["KeyAdmins"], boundary=boundary_arn,
                      inline_policies=[InlinePolicy("grants", json.dumps(identity(
                          {"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*"})))]),
            Principal(f"arn:aws:iam::{ACCOUNT}:group/KeyAdmins", "group", "KeyAdmins", managed_policies=[power_arn]),
            Principal(f"arn:aws:iam::{ACCOUNT}:role/Builder", "role", "Builder", managed_policies=[power_arn]),
        ],
        managed_policies={
            power_arn: ManagedPolicy(power_arn, "AWSKeyManagementServicePowerUser", json.dumps(POWER_USER)),
            boundary_arn: ManagedPolicy(boundary_arn, "Boundary", json.dumps(identity(
                {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}))),
        },
        org_policies={"p-1": OrgPolicy("p-1", "NoAliasConditions", "scp", json.dumps(identity(
            {"Effect": "Deny", "Action": "kms:DeleteAlias", "Resource": ALIAS_ARN,
             "Condition": {"StringNotEquals": {"aws:PrincipalTag/Role": "admin"}}})))},
    )


def test_snapshot_findings() -> None:
    found = snapshot_findings(build_snapshot())
    by_rule = {}
    for finding in found:
        by_rule.setdefault(finding.rule, []).append(finding)
    # key policy of the customer key: no IAM statement, TagResource to another account
    assert [f.source for f in by_rule["key-policy-no-iam"]] == [f"key policy of {KEY_ID}"]
    assert f"account {ACCOUNT}" in by_rule["key-policy-no-iam"][0].message
    assert by_rule["cross-account-ineffective"][0].sid == "External"
    # the AWS managed key (Principal "*" limited by kms:CallerAccount) gives nothing
    assert not any("0987dcba" in f.source for f in found)
    # the bad key policy is a finding, not an exception
    invalid = by_rule["invalid-policy"]
    assert len(invalid) == 1 and "11112222" in invalid[0].source and invalid[0].line == 1
    # identity findings name who holds the policy, through groups too
    tags = by_rule["tag-alias-on-all-keys"]
    assert len(tags) == 1 and tags[0].source == "managed policy AWSKeyManagementServicePowerUser"
    assert "group KeyAdmins" in tags[0].message and "user alice (via group KeyAdmins)" in tags[0].message
    assert "role Builder" in tags[0].message
    grants = by_rule["broad-kms-permissions"]
    assert [f.source for f in grants] == ["user alice inline policy grants"]  # not the boundary
    assert "held by user alice" in grants[0].message
    # the SCP's condition on an alias resource
    assert by_rule["condition-on-alias-resource"][0].source == "SCP NoAliasConditions"


def test_snapshot_findings_of_an_empty_snapshot() -> None:
    assert snapshot_findings(Snapshot()) == []


def test_every_rule_is_exercised_by_these_tests() -> None:
    documents = [
        (key_policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}), "key_policy"),
        (key_policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": {"StringEquals": {"kms:EncryptionContext:Dept": "IT"}}}), "key_policy"),
        (key_policy({"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "kms:PutKeyPolicy", "Resource": "*",
                     "Condition": {"Bool": {"kms:BypassPolicyLockoutSafetyCheck": "true"}}}, enable_iam=False), "key_policy"),
        (identity({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Decryptt"], "Resource": ALIAS_ARN,
                   "Condition": {"StringEquals": {"kms:CustomerMasterKeySpec": "RSA_2048", "kms:Nope": "x",
                                                  "kms:GrantOperations": "Decrypt"}}}), "identity"),
        (POWER_USER, "identity"),
        (identity({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}), "identity"),
        (json.loads(LINED), "key_policy"),
        (key_policy({"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": []}), "key_policy"),
    ]
    seen = {f.rule for document, kind in documents for f in lint(document, kind)}
    seen |= {f.rule for f in snapshot_findings(build_snapshot())}
    assert set(RULES) - seen == {"policy-warning"}  # the catch-all for warnings of a new kind


# -- kmstui lint ------------------------------------------------------------------------------------------------------

def lint_args(path: str | None = None, **options) -> argparse.Namespace:
    values = {"path": path, "snapshot": None, "demo": False, "format": "text", "fail_on": None}
    values.update(options)
    return argparse.Namespace(**values)


def run(args: argparse.Namespace) -> tuple[int, str, str]:
    from kmstui.cli.lint import run_lint

    out, err = io.StringIO(), io.StringIO()
    code = run_lint(args, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "key": tmp_path / "policies" / "key.json",
        "power": tmp_path / "policies" / "power-user.json",
        "clean": tmp_path / "clean.json",
        "saved": tmp_path / "get-key-policy.json",
        "bad": tmp_path / "bad.json",
    }
    paths["key"].parent.mkdir()
    paths["key"].write_text(LINED)
    paths["power"].write_text(json.dumps(POWER_USER, indent=2))
    paths["clean"].write_text(json.dumps(key_policy(), indent=2))
    paths["saved"].write_text(json.dumps({"Policy": json.dumps(key_policy(
        {"Sid": "Open to all", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}), indent=2)}))
    paths["bad"].write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n')
    return paths


def test_lint_text(files) -> None:
    code, out, err = run(lint_args(str(files["key"])))
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert f"HIGH public-principal {files['key']}:14 statement 2 'Everyone': " in out
    assert all(line.split(" ", 1)[0] in {"HIGH", "MEDIUM", "LOW", "INFO"} for line in lines[:-1])
    assert lines[-1].startswith(f"{len(lines) - 1} findings in {files['key']}: 1 high, ")


def test_lint_reads_a_key_policy_with_spaces_in_sids_as_a_key_policy(files) -> None:
    code, out, _ = run(lint_args(str(files["clean"])))
    assert code == 0 and out == f"no findings in {files['clean']}\n"


def test_lint_saved_get_key_policy_output(files) -> None:
    code, out, _ = run(lint_args(str(files["saved"]), fail_on="high"))
    assert code == 1 and "public-principal" in out and "'Open to all'" in out


def test_lint_json(files) -> None:
    code, out, _ = run(lint_args(str(files["power"]), format="json"))
    data = json.loads(out)
    assert code == 0 and isinstance(data, list)
    assert [d["rule"] for d in data] == ["tag-alias-on-all-keys"]
    assert data[0]["source"] == str(files["power"]) and data[0]["line"] == 6  # the Action line
    assert set(data[0]) >= {"rule", "title", "severity", "message", "source", "line", "statement", "sid", "reference"}


def test_lint_folder(files) -> None:
    code, out, _ = run(lint_args(str(files["key"].parent), format="json"))
    sources = {d["source"] for d in json.loads(out)}
    assert code == 0 and sources == {str(files["key"]), str(files["power"])}


@pytest.mark.parametrize(("fail_on", "expected"), [(None, 0), ("high", 0), ("medium", 1), ("low", 1), ("info", 1)])
def test_lint_fail_on(files, fail_on, expected) -> None:
    # power-user.json has one medium finding only
    assert run(lint_args(str(files["power"]), fail_on=fail_on))[0] == expected


def test_lint_bad_file_exits_2_with_one_line(files) -> None:
    code, out, err = run(lint_args(str(files["bad"])))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and str(files["bad"]) in err and "line 4" in err


def test_lint_bad_input(tmp_path: Path) -> None:
    for args in (lint_args(), lint_args(str(tmp_path / "missing.json")), lint_args(str(tmp_path)),
                 lint_args(str(tmp_path), demo=True)):
        code, out, err = run(args)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, args


def test_lint_a_saved_snapshot_as_path(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(build_snapshot().to_json())
    code, out, _ = run(lint_args(str(path), fail_on="high"))
    assert code == 1 and "key-policy-no-iam" in out and "invalid-policy" in out


def test_lint_parser_options() -> None:
    from kmstui.cli.lint import add_lint_parser

    parser = argparse.ArgumentParser()
    add_lint_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["lint", "key.json", "--format", "json", "--fail-on", "medium"])
    assert (args.command, args.path, args.format, args.fail_on, args.snapshot, args.demo) == (
        "lint", "key.json", "json", "medium", None, False)
    with pytest.raises(SystemExit):
        parser.parse_args(["lint", "key.json", "--fail-on", "critical"])


def test_lint_snapshot_option(tmp_path: Path) -> None:
    from kmstui.sources.snapshot import LoadError

    snapshot = build_snapshot()
    snapshot.errors.append(LoadError("aws:111122223333/us-west-2", "GetKeyPolicy " + KEY_ARN, "denied", "AccessDeniedException"))
    path = tmp_path / "snapshot.json"
    path.write_text(snapshot.to_json())
    code, out, err = run(lint_args(snapshot=str(path), format="json"))
    assert code == 0 and "key-policy-no-iam" in {d["rule"] for d in json.loads(out)}
    assert "kmstui: warning: GetKeyPolicy" in err and "denied" in err  # what could not be loaded is said, on stderr
    code, out, err = run(lint_args(snapshot=str(tmp_path / "missing")))
    assert code == 2 and out == "" and err.startswith("kmstui: error: ") and "missing" in err


def test_lint_demo() -> None:
    code, out, err = run(lint_args(demo=True, format="json"))
    rules = {d["rule"] for d in json.loads(out)}
    assert code == 0 and "key-policy-no-iam" in rules  # the demo's alias/Restricted-audit key


def test_lint_does_not_load_textual_or_boto3(files) -> None:
    import subprocess
    import sys

    code = (
        "import sys, io, argparse\n"
        "from kmstui.cli.lint import run_lint\n"
        f"run_lint(argparse.Namespace(path={str(files['key'])!r}, snapshot=None, demo=False, format='text', fail_on=None), io.StringIO())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'boto3', 'botocore')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
