"""Generated organisations for tests/test_organization.py and tests/bench_organization.py.

``generate_organization(accounts, principals, keys)`` returns ``{account id: Snapshot}``: each
account has users and roles with identity policies of a few shapes (KMS everywhere, own keys only,
any account's keys, with a deny, conditional, none), a group, some permissions boundaries, SCPs
(some accounts deny key deletion), and keys whose policies enable IAM and often open the key to
another account (its root, or one of its roles), with grants to other accounts' roles and some
signing keys (KMS refuses Encrypt on them). ``wide_keys`` keys open themselves to ``"*"`` under an
aws:PrincipalOrgID condition (every principal of every account becomes a row). No real account
data: 111122223333, 444455556666, then generated 12-digit ids.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, OrgPolicy, Principal, Snapshot

REGION = "us-east-1"
CROSS_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ReEncrypt*", "kms:CreateGrant"]


def account_id(index: int) -> str:
    return ("111122223333", "444455556666")[index] if index < 2 else f"{900000000000 + index * 104729:012d}"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=1)


def key_arn(account: str, index: int) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{index:08x}-{int(account) % 10000:04d}-4000-8000-{index:012x}"


def _identity(rng: random.Random, account: str) -> list[InlinePolicy]:
    shape = rng.choice(["all", "own", "cross", "cross", "deny", "conditional", "none"])
    if shape == "all":
        return [InlinePolicy("kms-all", doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}))]
    if shape == "own":
        return [InlinePolicy("own-keys", doc({"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
                                              "Resource": f"arn:aws:kms:*:{account}:key/*"}))]
    if shape == "cross":
        return [InlinePolicy("any-keys", doc({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey",
                                                                            "kms:GenerateDataKey"],
                                              "Resource": "arn:aws:kms:*:*:key/*"}))]
    if shape == "deny":
        return [InlinePolicy("kms-but-delete", doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
                                                   {"Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
                                                    "Resource": "*"}))]
    if shape == "conditional":
        return [InlinePolicy("via-s3", doc({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
                                            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}}))]
    return [InlinePolicy("s3-only", doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))]


def _account(index: int, ids: list[str], principals: int, keys: int, wide_keys: int, rng: random.Random) -> Snapshot:
    account = ids[index]
    others = [a for a in ids if a != account] or [account]
    boundary_arn = f"arn:aws:iam::{account}:policy/kms-boundary"
    group_arn = f"arn:aws:iam::{account}:policy/readers"
    managed = {
        boundary_arn: ManagedPolicy(boundary_arn, "kms-boundary", doc(
            {"Effect": "Allow", "Action": ["kms:Describe*", "kms:List*", "kms:Decrypt", "kms:Encrypt"], "Resource": "*"})),
        group_arn: ManagedPolicy(group_arn, "readers", doc(
            {"Effect": "Allow", "Action": ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags"], "Resource": "*"})),
    }
    people: list[Principal] = [Principal(f"arn:aws:iam::{account}:group/readers", "group", "readers", managed_policies=[group_arn])]
    for j in range(principals):
        if j % 3 == 0:
            people.append(Principal(f"arn:aws:iam::{account}:user/user-{j}", "user", f"user-{j}",
                                    inline_policies=_identity(rng, account), groups=["readers"] if j % 2 else []))
        else:
            path = "service-role/" if j % 5 == 1 else ""
            people.append(Principal(f"arn:aws:iam::{account}:role/{path}app-{j}", "role", f"app-{j}",
                                    inline_policies=_identity(rng, account),
                                    boundary=boundary_arn if j % 7 == 2 else None))
    found: list[Key] = []
    for k in range(keys):
        arn = key_arn(account, k)
        statements: list[dict] = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                   "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]
        roll = rng.random()
        if roll < 0.35:
            statements.append({"Sid": "Other account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{rng.choice(others)}:root"},
                               "Action": CROSS_ACTIONS, "Resource": "*"})
        elif roll < 0.55:
            statements.append({"Sid": "Other role", "Effect": "Allow",
                               "Principal": {"AWS": f"arn:aws:iam::{rng.choice(others)}:role/app-{rng.randrange(1, max(2, principals), 3) if principals > 1 else 1}"},
                               "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"})
        if k < wide_keys:
            statements.append({"Sid": "Whole organisation", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:DescribeKey"],
                               "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}})
        if rng.random() < 0.3:
            statements.append({"Sid": "No deletion", "Effect": "Deny", "Principal": {"AWS": "*"},
                               "Action": "kms:ScheduleKeyDeletion", "Resource": "*"})
        grants = []
        if rng.random() < 0.25:
            grantee = f"arn:aws:iam::{rng.choice(others)}:role/app-{1 + 3 * rng.randrange(max(1, principals // 3))}"
            grants.append({"KeyId": arn, "GrantId": f"{k:064x}", "Name": "", "GranteePrincipal": grantee,
                           "Operations": ["Decrypt", "GenerateDataKey"], "IssuingAccount": f"arn:aws:iam::{account}:root"})
        signing = rng.random() < 0.1
        metadata = {"AWSAccountId": account, "KeyId": arn.rsplit("/", 1)[1], "Arn": arn, "Enabled": True, "KeyState": "Enabled",
                    "KeyManager": "CUSTOMER", "Origin": "AWS_KMS", "MultiRegion": False,
                    "KeyUsage": "SIGN_VERIFY" if signing else "ENCRYPT_DECRYPT",
                    "KeySpec": "RSA_2048" if signing else "SYMMETRIC_DEFAULT"}
        found.append(Key(arn, metadata=metadata, policy=doc(*statements), grants=grants,
                         aliases=[{"AliasName": f"alias/key-{k}", "AliasArn": f"arn:aws:kms:{REGION}:{account}:alias/key-{k}",
                                   "TargetKeyId": arn.rsplit("/", 1)[1]}], tags={"team": f"t{k % 3}"}))
    org = {"p-full": OrgPolicy("p-full", "FullAWSAccess", "scp", doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
           "p-nodelete": OrgPolicy("p-nodelete", "NoKeyDeletion", "scp",
                                   doc({"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}))}
    levels = [["p-full"], ["p-full", "p-nodelete"] if index % 2 else ["p-full"]]
    return Snapshot(keys=found, principals=people, managed_policies=managed, org_policies=org, scp_levels={account: levels},
                    sources=[f"generated:{account}"], created="2026-01-01T00:00:00Z")


def generate_organization(accounts: int = 3, principals: int = 12, keys: int = 4, wide_keys: int = 0,
                          seed: int = 11) -> dict[str, Snapshot]:
    rng = random.Random(seed)
    ids = [account_id(i) for i in range(accounts)]
    return {ids[i]: _account(i, ids, principals, keys, wide_keys, rng) for i in range(accounts)}


def write_organization(folder: Path, snapshots: dict[str, Snapshot]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for account, snapshot in snapshots.items():
        (folder / f"{account}.json").write_text(snapshot.to_json(), encoding="utf-8")
    return folder
