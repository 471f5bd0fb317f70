"""Build the bundled demo account in code: ``python -m kmstui.sources.demo_build`` writes data/demo_snapshot.json.

Example Corp, account 111122223333 in us-west-2, with a partner account 444455556666. Its IAM and key
policies are the example policies of AWS's KMS documentation, verbatim where the documentation gives
one (the page each comes from is named beside it), attached to principals whose names say what they
show. ``--check`` compares the committed file with what this module builds and exits 1 on a difference.

The stories it tells:

* **Why can't the power user decrypt with this key?** ``power-user`` has the AWS managed policy
  AWSKeyManagementServicePowerUser, which does not allow kms:Decrypt; the key policy of alias/app does
  not name the power user either, so no door opens. Adding ``power-user`` to the key policy's
  "Allow use of the key" statement would allow it (the key policy alone can allow a user).
* **A Deny wins**: ``ops-admin`` is a key administrator of alias/app, but the group guarded-operators
  denies kms:DisableKey and kms:ScheduleKeyDeletion.
* **A key policy that does not enable IAM**: alias/Restricted-audit names its users itself, so the
  IAM allows of ``data-engineer`` (encrypt/decrypt with any key in the account) have no effect on it.
* **Cross-account**: alias/partner-shared lets 444455556666 use it; partner-analytics-role there
  has the matching identity policy.
* **An AWS managed key** (alias/aws/ebs) usable only through EC2 in us-west-2 by callers of the account.
* **Grants** on alias/payments, with EncryptionContextSubset and EncryptionContextEquals constraints.
* **A permissions boundary** on app-role that leaves out kms:Encrypt.
* **An SCP** at the Workloads OU denying kms:ScheduleKeyDeletion (except to KMSAdminRole).
* **Alias permissions**: alias-manager may manage any alias but those starting with ``Restricted``,
  and only on keys whose key material comes from AWS KMS.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, OrgPolicy, Principal, Snapshot

ACCOUNT = "111122223333"
ACCOUNT_NAME = "Example Corp"
REGION = "us-west-2"
PARTNER = "444455556666"
CREATED = "2026-01-15T09:00:00Z"
ORIGIN = "demo"
SOURCE = f"demo:{ACCOUNT}/{REGION} ({ACCOUNT_NAME})"
DEMO_FILE = "demo_snapshot.json"

# Key ids: the first two are the ones AWS's KMS documentation uses; the rest have the same shape.
APP_KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
PAYMENTS_KEY = "0987dcba-09fe-87dc-65ba-ab0987654321"
AUDIT_KEY = "4321dcba-21ba-43dc-65fe-0987654321fe"
SHARED_KEY = "abcd1234-a123-456a-a12b-a123b4cd56ef"
IMPORTED_KEY = "5678efab-56ef-78ab-90cd-5678efab90cd"
SIGNING_KEY = "0123abcd-45ef-67ab-89cd-0123456789ef"
EBS_KEY = "7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b"

DOC = "https://docs.aws.amazon.com/kms/latest/developerguide/"


def key_arn(key_id: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


def iam_arn(kind: str, name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def policy_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def text(document: dict[str, Any]) -> str:
    """A policy document as the indented JSON text the Snapshot keeps (lines a trace can name)."""
    return json.dumps(document, indent=2)


# -- identity policies: the documentation's examples ------------------------------------------------

# security-iam-awsmanpol.html (seed 000): the AWS managed policy for power users.
POWER_USER_ARN = "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser"
POWER_USER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    "kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*", "kms:GenerateRandom", "kms:Get*",
    "kms:List*", "kms:TagResource", "kms:UntagResource", "iam:ListGroups", "iam:ListRoles", "iam:ListUsers"],
    "Resource": "*"}]}

# iam-policies.html / customer-managed-policies.html (seed 001).
LIST_KEYS_AND_ALIASES = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Action": ["kms:ListKeys", "kms:ListAliases"], "Resource": "*"}}
CONSOLE_READ_ONLY = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": [
    "kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:ListKeyPolicies", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "iam:ListUsers", "iam:ListRoles"], "Resource": "*"}}
ENCRYPT_DECRYPT_ACCOUNT = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": ["arn:aws:kms:*:111122223333:key/*"]}}
ENCRYPT_DECRYPT_REGION = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": ["arn:aws:kms:us-west-2:111122223333:key/*"]}}
ENCRYPT_DECRYPT_TWO_KEYS = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": [
        "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"]}}
DENY_DISABLE_AND_DELETE = {"Version": "2012-10-17", "Statement": {
    "Effect": "Deny", "Action": ["kms:DisableKey", "kms:ScheduleKeyDeletion"], "Resource": "*"}}

# alias-access.html (seed 004).
ALIAS_TEST_KEY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "IAMPolicyForAnAlias", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
    "Resource": "arn:aws:kms:us-west-2:111122223333:alias/test-key"}]}
ALIASES_EXCEPT_RESTRICTED = {"Version": "2012-10-17", "Statement": [
    {"Sid": "IAMPolicyForAnAliasAllow", "Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
     "Resource": "arn:aws:kms:us-west-2:111122223333:alias/*"},
    {"Sid": "IAMPolicyForAnAliasDeny", "Effect": "Deny", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
     "Resource": "arn:aws:kms:us-west-2:111122223333:alias/Restricted*"}]}
ALIAS_KEYS_FROM_KMS = {"Version": "2012-10-17", "Statement": [{
    "Sid": "IAMPolicyKeyPermissions", "Effect": "Allow", "Resource": "arn:aws:kms:us-west-2:111122223333:key/*",
    "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
    "Condition": {"StringEquals": {"kms:KeyOrigin": "AWS_KMS"}}}]}

# The demo's own policies (no documentation example to copy).
APP_ROLE_DATA_KEYS = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AppDataKeys", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
    "Resource": [key_arn(APP_KEY), key_arn(PAYMENTS_KEY)]}]}
APP_ROLE_BOUNDARY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AppDataAccess", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], "Resource": "*"},
    {"Sid": "KmsWithoutEncrypt", "Effect": "Allow",
     "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "arn:aws:kms:us-west-2:111122223333:key/*"}]}
S3_BATCH = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadBatchFiles", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::example-corp-batch", "arn:aws:s3:::example-corp-batch/*"]}]}
EC2_VOLUMES = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AttachEncryptedVolumes", "Effect": "Allow",
    "Action": ["ec2:DescribeVolumes", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:CreateVolume"], "Resource": "*"}]}
# key-policy-modifying-external-accounts.html: the external account's IAM policy.
PARTNER_USES_SHARED_KEY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AllowUseOfKeyInAccount111122223333", "Effect": "Allow",
    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
    "Resource": key_arn(SHARED_KEY)}]}


# -- key policies -------------------------------------------------------------------------------------

def enable_iam(account: str = ACCOUNT) -> dict[str, Any]:
    """key-policy-default.html: allows access to the AWS account and enables IAM policies."""
    return {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "kms:*", "Resource": "*"}


def key_administrators(arns: list[str]) -> dict[str, Any]:
    """key-policy-default.html: the console's key administrators statement."""
    return {"Sid": "Allow access for Key Administrators", "Effect": "Allow", "Principal": {"AWS": arns}, "Action": [
        "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
        "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"], "Resource": "*"}


def key_users(arns: list[str]) -> dict[str, Any]:
    """key-policy-default.html: the console's key users statement (symmetric encryption keys)."""
    return {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": arns},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*"}


def signing_key_users(arns: list[str]) -> dict[str, Any]:
    """key-policy-default.html: the key users statement for an asymmetric SIGN_VERIFY key."""
    return {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": arns},
            "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign", "kms:Verify"], "Resource": "*"}


def persistent_resources(arns: list[str]) -> dict[str, Any]:
    """key-policy-default.html: lets key users allow AWS services to use the key through grants."""
    return {"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": {"AWS": arns},
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}


def console_policy(admins: list[str], users: list[str], *extra: dict[str, Any]) -> str:
    """A key policy as the console writes it (Id key-consolepolicy-3), then the demo's own statements."""
    return text({"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": [
        enable_iam(), key_administrators(admins), key_users(users), persistent_resources(users), *extra]})


KMS_ADMIN_USER = iam_arn("user", "KMSAdminUser")
KMS_ADMIN_ROLE = iam_arn("role", "KMSAdminRole")

# alias-access.html (seed 004): the key policy statements for KMSAdminUser.
ALIAS_ADMIN_APP_KEY = {"Sid": "Key policy for 1234abcd-12ab-34cd-56ef-1234567890ab", "Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::111122223333:user/KMSAdminUser"},
                       "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:DescribeKey"],
                       "Resource": "*"}
ALIAS_ADMIN_PAYMENTS_KEY = {"Sid": "Key policy for 0987dcba-09fe-87dc-65ba-ab0987654321", "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::111122223333:user/KMSAdminUser"},
                            "Action": ["kms:UpdateAlias", "kms:DescribeKey"], "Resource": "*"}

# key-policy-modifying-external-accounts.html: the key policy statement for the external account.
EXTERNAL_ACCOUNT_USE = {"Sid": "Allow an external account to use this KMS key", "Effect": "Allow",
                        "Principal": {"AWS": [f"arn:aws:iam::{PARTNER}:root"]},
                        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                        "Resource": "*"}

# The key policy of the AWS managed key for EBS, as AWS writes it (Id auto-ebs-2).
EBS_POLICY = {"Version": "2012-10-17", "Id": "auto-ebs-2", "Statement": [
    {"Sid": "Allow access through EBS for all principals in the account that are authorized to use EBS",
     "Effect": "Allow", "Principal": {"AWS": "*"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
     "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT}}},
    {"Sid": "Allow direct access to key metadata to the account", "Effect": "Allow",
     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
     "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"], "Resource": "*"}]}

# A key policy that does NOT enable IAM: only the principals it names may use or manage the key.
AUDIT_POLICY = {"Version": "2012-10-17", "Id": "audit-key-policy", "Statement": [
    key_administrators([KMS_ADMIN_ROLE]), key_users([iam_arn("role", "audit-writer")])]}

# -- Organizations ----------------------------------------------------------------------------------

FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_KEY_DELETION_SCP = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DenyKMSKeyDeletion", "Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/KMSAdminRole"}}}]}
FULL_AWS_ACCESS_ID = "p-FullAWSAccess"
DENY_KEY_DELETION_ID = "p-examplekmsdel"


# -- building ---------------------------------------------------------------------------------------

def metadata(key_id: str, description: str, created: str, *, origin: str = "AWS_KMS", manager: str = "CUSTOMER",
             spec: str = "SYMMETRIC_DEFAULT", usage: str = "ENCRYPT_DECRYPT") -> dict[str, Any]:
    """A DescribeKey KeyMetadata, JSON-safe as the account loader stores it."""
    data: dict[str, Any] = {
        "AWSAccountId": ACCOUNT, "KeyId": key_id, "Arn": key_arn(key_id), "CreationDate": created, "Enabled": True,
        "Description": description, "KeyUsage": usage, "KeyState": "Enabled", "Origin": origin, "KeyManager": manager,
        "CustomerMasterKeySpec": spec, "KeySpec": spec,
    }
    if usage == "SIGN_VERIFY":
        data["SigningAlgorithms"] = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                                     "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
    else:
        data["EncryptionAlgorithms"] = ["SYMMETRIC_DEFAULT"]
    if origin == "EXTERNAL":
        data["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE"
    data["MultiRegion"] = False
    return data


def aliases(key_id: str, created: str, *names: str) -> list[dict[str, Any]]:
    return [{"AliasName": name, "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:{name}", "TargetKeyId": key_id,
             "CreationDate": created, "LastUpdatedDate": created} for name in names]


def grant(key_id: str, grant_id: str, name: str, grantee: str, operations: list[str], created: str,
          constraints: dict[str, Any] | None = None, retiring: str | None = None) -> dict[str, Any]:
    """A ListGrants entry."""
    entry: dict[str, Any] = {"KeyId": key_arn(key_id), "GrantId": grant_id, "Name": name, "CreationDate": created,
                             "GranteePrincipal": grantee}
    if retiring:
        entry["RetiringPrincipal"] = retiring
    entry["IssuingAccount"] = f"arn:aws:iam::{ACCOUNT}:root"
    entry["Operations"] = operations
    if constraints:
        entry["Constraints"] = constraints
    return entry


def build_keys() -> list[Key]:
    app_role, payments_role = iam_arn("role", "app-role"), iam_arn("role", "payments-role")
    batch, reporting = iam_arn("role", "batch-processor"), iam_arn("role", "reporting-lambda-role")
    keys = [
        Key(arn=key_arn(APP_KEY),
            metadata=metadata(APP_KEY, "Example Corp application data key", "2024-03-04T10:15:00+00:00"),
            policy=console_policy([KMS_ADMIN_USER, KMS_ADMIN_ROLE, iam_arn("user", "ops-admin")],
                                  [iam_arn("user", "app-developer")], ALIAS_ADMIN_APP_KEY),
            tags={"Project": "Alpha", "Environment": "prod", "Owner": "app-team"},
            aliases=aliases(APP_KEY, "2024-03-04T10:16:00+00:00", "alias/app", "alias/test-key")),
        Key(arn=key_arn(PAYMENTS_KEY),
            metadata=metadata(PAYMENTS_KEY, "Payments: card data and batch files", "2024-05-20T08:00:00+00:00"),
            policy=console_policy([KMS_ADMIN_USER, KMS_ADMIN_ROLE], [payments_role], ALIAS_ADMIN_PAYMENTS_KEY),
            tags={"Project": "Payments", "Environment": "prod", "DataClass": "confidential"},
            aliases=aliases(PAYMENTS_KEY, "2024-05-20T08:01:00+00:00", "alias/payments"),
            grants=[
                grant(PAYMENTS_KEY, "0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60",
                      "batch-finance-decrypt", batch, ["Decrypt", "GenerateDataKey"], "2024-06-01T12:00:00+00:00",
                      {"EncryptionContextSubset": {"Department": "Finance"}}, retiring=payments_role),
                grant(PAYMENTS_KEY, "8c94d1f12f5e69f440bae30eaec9570bb1fb7358824f9ddfa1aa5a0dab1a59b2",
                      "reports-prod-decrypt", reporting, ["Decrypt"], "2024-06-02T12:00:00+00:00",
                      {"EncryptionContextEquals": {"Application": "reports", "Stage": "prod"}}),
                grant(PAYMENTS_KEY, "6f6ac4ac3e2e2e1eb6d8a3e1a0a5d79d6d3b3e5b0c6e8fd7bb1b0a5b1f0e9d3a",
                      "batch-describe", batch, ["DescribeKey"], "2024-06-01T12:05:00+00:00"),
            ]),
        Key(arn=key_arn(AUDIT_KEY),
            metadata=metadata(AUDIT_KEY, "Audit log encryption; its key policy does not enable IAM policies",
                              "2024-02-11T16:30:00+00:00"),
            policy=text(AUDIT_POLICY),
            tags={"Project": "Audit", "Environment": "prod", "DataClass": "restricted"},
            aliases=aliases(AUDIT_KEY, "2024-02-11T16:31:00+00:00", "alias/Restricted-audit")),
        Key(arn=key_arn(SHARED_KEY),
            metadata=metadata(SHARED_KEY, f"Data shared with partner account {PARTNER}", "2024-07-09T14:00:00+00:00"),
            policy=console_policy([KMS_ADMIN_USER, KMS_ADMIN_ROLE], [app_role], EXTERNAL_ACCOUNT_USE),
            tags={"Project": "PartnerExchange", "Environment": "prod", "SharedWith": PARTNER},
            aliases=aliases(SHARED_KEY, "2024-07-09T14:01:00+00:00", "alias/partner-shared")),
        Key(arn=key_arn(IMPORTED_KEY),
            metadata=metadata(IMPORTED_KEY, "Archive key with imported key material (BYOK)", "2024-09-30T11:45:00+00:00",
                              origin="EXTERNAL"),
            policy=console_policy([KMS_ADMIN_USER, KMS_ADMIN_ROLE], [app_role]),
            tags={"Project": "Archive", "Environment": "prod", "KeyMaterial": "imported"},
            aliases=aliases(IMPORTED_KEY, "2024-09-30T11:46:00+00:00", "alias/imported-archive")),
        Key(arn=key_arn(SIGNING_KEY),
            metadata=metadata(SIGNING_KEY, "Release artifact signing (RSA 2048)", "2025-01-08T09:20:00+00:00",
                              spec="RSA_2048", usage="SIGN_VERIFY"),
            policy=text({"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": [
                enable_iam(), key_administrators([KMS_ADMIN_USER, KMS_ADMIN_ROLE]),
                signing_key_users([iam_arn("role", "release-signer")])]}),
            tags={"Project": "Releases", "Environment": "prod"},
            aliases=aliases(SIGNING_KEY, "2025-01-08T09:21:00+00:00", "alias/code-signing")),
        Key(arn=key_arn(EBS_KEY),
            metadata=metadata(EBS_KEY, "Default key that protects my EBS volumes when no other key is defined",
                              "2023-11-02T07:00:00+00:00", manager="AWS"),
            policy=text(EBS_POLICY),
            aliases=aliases(EBS_KEY, "2023-11-02T07:00:00+00:00", "alias/aws/ebs")),
    ]
    for key in keys:
        key.origin = ORIGIN
    return keys


MANAGED = [
    # (ARN, name, document)
    (POWER_USER_ARN, "AWSKeyManagementServicePowerUser", POWER_USER_POLICY),
    (policy_arn("KMSListKeysAndAliases"), "KMSListKeysAndAliases", LIST_KEYS_AND_ALIASES),
    (policy_arn("KMSConsoleReadOnly"), "KMSConsoleReadOnly", CONSOLE_READ_ONLY),
    (policy_arn("KMSEncryptDecryptAnyKeyInAccount"), "KMSEncryptDecryptAnyKeyInAccount", ENCRYPT_DECRYPT_ACCOUNT),
    (policy_arn("KMSEncryptDecryptAnyKeyInUsWest2"), "KMSEncryptDecryptAnyKeyInUsWest2", ENCRYPT_DECRYPT_REGION),
    (policy_arn("KMSEncryptDecryptTwoAppKeys"), "KMSEncryptDecryptTwoAppKeys", ENCRYPT_DECRYPT_TWO_KEYS),
    (policy_arn("DenyDisableAndDeleteKeys"), "DenyDisableAndDeleteKeys", DENY_DISABLE_AND_DELETE),
    (policy_arn("AliasesExceptRestricted"), "AliasesExceptRestricted", ALIASES_EXCEPT_RESTRICTED),
    (policy_arn("AliasesOnKeysFromKMSOnly"), "AliasesOnKeysFromKMSOnly", ALIAS_KEYS_FROM_KMS),
    (policy_arn("AppRoleBoundary"), "AppRoleBoundary", APP_ROLE_BOUNDARY),
]


def build_managed_policies() -> dict[str, ManagedPolicy]:
    return {arn: ManagedPolicy(arn=arn, name=name, document=text(document), version="v1", origin=ORIGIN)
            for arn, name, document in MANAGED}


def build_principals() -> list[Principal]:
    def user(name: str, *, managed: Sequence[str] = (), inline: Sequence[InlinePolicy] = (), groups: Sequence[str] = (),
             tags: dict[str, str] | None = None) -> Principal:
        return Principal(arn=iam_arn("user", name), kind="user", name=name, inline_policies=list(inline),
                         managed_policies=list(managed), groups=list(groups), tags=tags or {}, origin=ORIGIN)

    def role(name: str, *, managed: Sequence[str] = (), inline: Sequence[InlinePolicy] = (), boundary: str | None = None,
             account: str = ACCOUNT, tags: dict[str, str] | None = None) -> Principal:
        return Principal(arn=iam_arn("role", name, account), kind="role", name=name, inline_policies=list(inline),
                         managed_policies=list(managed), boundary=boundary, tags=tags or {}, origin=ORIGIN)

    def group(name: str, *, managed: Sequence[str] = ()) -> Principal:
        return Principal(arn=iam_arn("group", name), kind="group", name=name, managed_policies=list(managed),
                         origin=ORIGIN)

    return [
        # users
        user("power-user", managed=[POWER_USER_ARN], tags={"Team": "platform"}),
        user("KMSAdminUser", inline=[InlinePolicy("IAMPolicyForAnAlias", text(ALIAS_TEST_KEY))], tags={"Team": "security"}),
        user("ops-admin", groups=["guarded-operators"], tags={"Team": "operations"}),
        user("auditor", groups=["console-readers"], tags={"Team": "compliance"}),
        user("alias-manager", managed=[policy_arn("AliasesExceptRestricted"), policy_arn("AliasesOnKeysFromKMSOnly"),
                                       policy_arn("KMSListKeysAndAliases")], tags={"Team": "platform"}),
        user("data-engineer", managed=[policy_arn("KMSEncryptDecryptAnyKeyInAccount")], tags={"Team": "data"}),
        user("regional-app-user", managed=[policy_arn("KMSEncryptDecryptAnyKeyInUsWest2")], tags={"Team": "app"}),
        user("app-developer", tags={"Team": "app"}),
        # groups
        group("console-readers", managed=[policy_arn("KMSConsoleReadOnly")]),
        group("guarded-operators", managed=[policy_arn("DenyDisableAndDeleteKeys")]),
        # roles
        role("app-role", managed=[policy_arn("KMSEncryptDecryptTwoAppKeys")],
             inline=[InlinePolicy("AppDataKeys", text(APP_ROLE_DATA_KEYS))], boundary=policy_arn("AppRoleBoundary"),
             tags={"Application": "app"}),
        role("payments-role", tags={"Application": "payments"}),
        role("batch-processor", inline=[InlinePolicy("ReadBatchFiles", text(S3_BATCH))], tags={"Application": "batch"}),
        role("reporting-lambda-role", tags={"Application": "reports"}),
        role("web-server-role", inline=[InlinePolicy("AttachEncryptedVolumes", text(EC2_VOLUMES))],
             tags={"Application": "web"}),
        role("KMSAdminRole", tags={"Team": "security"}),
        role("audit-writer", tags={"Application": "audit"}),
        role("release-signer", tags={"Application": "releases"}),
        # the partner account
        role("partner-analytics-role", account=PARTNER,
             inline=[InlinePolicy("UseExampleCorpSharedKey", text(PARTNER_USES_SHARED_KEY))],
             tags={"Partner": "AnyCompany"}),
    ]


def build_org_policies() -> dict[str, OrgPolicy]:
    return {
        FULL_AWS_ACCESS_ID: OrgPolicy(id=FULL_AWS_ACCESS_ID, name="FullAWSAccess", kind="scp",
                                      document=text(FULL_AWS_ACCESS), origin=ORIGIN),
        DENY_KEY_DELETION_ID: OrgPolicy(id=DENY_KEY_DELETION_ID, name="DenyKMSKeyDeletion", kind="scp",
                                        document=text(DENY_KEY_DELETION_SCP), origin=ORIGIN),
    }


def build_demo() -> Snapshot:
    """The demo account, built in code (the same every time)."""
    return Snapshot(
        keys=build_keys(),
        principals=build_principals(),
        managed_policies=build_managed_policies(),
        org_policies=build_org_policies(),
        # Root, the Workloads OU, the account. FullAWSAccess is attached at every level (each level of an
        # SCP path needs its own Allow); the OU adds the deny of kms:ScheduleKeyDeletion.
        scp_levels={ACCOUNT: [[FULL_AWS_ACCESS_ID], [FULL_AWS_ACCESS_ID, DENY_KEY_DELETION_ID], [FULL_AWS_ACCESS_ID]]},
        sources=[SOURCE],
        created=CREATED,
    )


def demo_path() -> Path:
    """data/demo_snapshot.json (the kmstui.data package's folder)."""
    return Path(str(resources.files("kmstui.data"))) / DEMO_FILE


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmstui.sources.demo_build",
                                     description="Build the demo account and write data/demo_snapshot.json.")
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing; exit 1 on a difference")
    parser.add_argument("--output", type=Path, default=None, help="where to write (default: data/demo_snapshot.json)")
    args = parser.parse_args(argv)
    path = args.output or demo_path()
    built = build_demo().to_json()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != built:
            print(f"{path}: differs from what kmstui.sources.demo_build builds; run python -m kmstui.sources.demo_build",
                  file=sys.stderr)
            return 1
        print(f"{path}: up to date")
        return 0
    path.write_text(built, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
