"""Rows that share cells (engine.fingerprint) equal the explaining engine, cell by cell.

The accounts here are built to look alike: many principals that differ in one thing the evaluation
order reads (a name a condition or a policy variable tests, a boundary, an account, a grant, a
NotPrincipal), so that a fingerprint that missed it would hand one principal another's cells.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings, strategies as st

from kmstui.analysis.matrix import fill, plan_key_matrix
from kmstui.engine.fingerprint import Fingerprints
from kmstui.engine.resolve import Request
from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, OrgPolicy, Principal, Snapshot

from test_matrix_rows import assert_cells_equal_the_engine

MAIN, OTHER, REGION = "111122223333", "444455556666", "us-west-2"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:{REGION}:{MAIN}:key/{KEY_ID}"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# Identity statements: each reads something of the caller, or nothing.
IDENTITY = [
    {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": KEY},
    {"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*",
     "Condition": {"StringLike": {"aws:PrincipalArn": "*/app-1*"}}},
    {"Effect": "Allow", "Action": "kms:GenerateDataKey*", "Resource": "*",
     "Condition": {"StringEquals": {"aws:username": "app-2"}}},
    {"Effect": "Allow", "Action": "kms:Sign", "Resource": f"arn:aws:kms:*:{MAIN}:key/${{aws:username}}"},
    {"Effect": "Allow", "Action": "kms:Verify", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}},
    {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringNotEquals": {"kms:CallerAccount": MAIN}}},
    {"Effect": "Allow", "Action": "kms:ReEncrypt*", "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}},
]

# Key policy statements: how they name the caller is what door 1 and door 2 read.
KEY_POLICY = [
    {"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MAIN}:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
     "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"},
    {"Sid": "NamedRole", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MAIN}:role/app-1"},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"},
    {"Sid": "NamedUser", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MAIN}:user/app-2"},
     "Action": "kms:*", "Resource": "*"},
    {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*",
     "Condition": {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{MAIN}:role/*"}}},
    {"Sid": "NotThem", "Effect": "Deny", "NotPrincipal": {"AWS": [f"arn:aws:iam::{MAIN}:role/app-1", f"arn:aws:iam::{MAIN}:root"]},
     "Action": "kms:ScheduleKeyDeletion", "Resource": "*"},
    {"Sid": "AnyoneWithTag", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Sign", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalAccount": OTHER}}},
]


def lookalike_account(seed: int, principals: int = 40) -> Snapshot:
    """Principals drawn from a few names, kinds, accounts and policies, so that many rows look alike."""
    rng = random.Random(seed)
    managed = {f"arn:aws:iam::{MAIN}:policy/p{i}": ManagedPolicy(f"arn:aws:iam::{MAIN}:policy/p{i}", f"p{i}",
                                                                  _doc(*rng.sample(IDENTITY, k=rng.randint(1, 3))))
               for i in range(4)}
    boundary = f"arn:aws:iam::{MAIN}:policy/p0"
    # A few profiles (inline policy, managed policies, boundary), worn by principals of many names.
    profiles = [([InlinePolicy("inline", _doc(*rng.sample(IDENTITY, k=rng.randint(1, 3))))] if rng.random() < 0.7 else [],
                 rng.sample(list(managed), k=rng.randint(0, 2)), boundary if rng.random() < 0.25 else None)
                for _ in range(4)]
    loaded = []
    for index in range(principals):
        kind = rng.choice(["user", "role"])
        account = OTHER if rng.random() < 0.2 else MAIN
        name = rng.choice(["app-1", "app-2", "app-3", "app-10", "ops"]) + (f"-{index}" if rng.random() < 0.6 else "")
        inline, attached, limit = rng.choice(profiles)
        loaded.append(Principal(f"arn:aws:iam::{account}:{kind}/{name}", kind, name, inline_policies=inline,
                                managed_policies=attached, boundary=limit))
    unique = list({p.arn: p for p in loaded}.values())
    statements = [KEY_POLICY[0]] if rng.random() < 0.8 else []
    statements += rng.sample(KEY_POLICY[1:], k=rng.randint(2, len(KEY_POLICY) - 1))
    grantees = rng.sample([p.arn for p in unique], k=min(3, len(unique)))
    grants = [{"KeyId": KEY, "GrantId": f"g{i}", "GranteePrincipal": grantee, "Operations": ["Decrypt", "RetireGrant"],
               "RetiringPrincipal": rng.choice([p.arn for p in unique])} for i, grantee in enumerate(grantees)]
    grants.append({"KeyId": KEY, "GrantId": "g-session", "Operations": ["Encrypt"],
                   "GranteePrincipal": f"arn:aws:sts::{MAIN}:assumed-role/app-1/worker"})
    guard = OrgPolicy("p-guard", "Guard", "scp", _doc({"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                       {"Effect": "Deny", "Action": "kms:PutKeyPolicy", "Resource": "*",
                                                        "Condition": {"StringNotLike": {"aws:PrincipalArn": "*:role/ops*"}}}))
    key = Key(KEY, metadata={"Arn": KEY, "KeyId": KEY_ID, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                             "KeyUsage": "ENCRYPT_DECRYPT"},
              policy=_doc(*statements), grants=grants, tags={"team": "app-2"},
              aliases=[{"AliasName": "alias/app", "AliasArn": f"arn:aws:kms:{REGION}:{MAIN}:alias/app", "TargetKeyId": KEY_ID}])
    return Snapshot(keys=[key], principals=unique, managed_policies=managed, org_policies={guard.id: guard},
                    scp_levels={MAIN: [[guard.id]]} if rng.random() < 0.7 else {})


@pytest.mark.parametrize("seed", range(12))
def test_lookalike_accounts_share_rows_and_equal_the_engine(seed: int) -> None:
    matrix = fill(plan_key_matrix(lookalike_account(seed), KEY), workers=1)
    assert assert_cells_equal_the_engine(matrix) == len(matrix.rows) * len(matrix.actions)
    assert len(matrix._sets.rows) < len(matrix.rows)  # some rows were shared: the test exercises sharing


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), principals=st.integers(min_value=2, max_value=60))
def test_generated_lookalike_accounts_equal_the_engine(seed: int, principals: int) -> None:
    matrix = fill(plan_key_matrix(lookalike_account(seed, principals), KEY), workers=1)
    assert_cells_equal_the_engine(matrix)


def test_a_fingerprint_tells_apart_what_the_order_reads() -> None:
    """Two principals alike but for one thing the order reads never share a fingerprint."""
    snapshot = lookalike_account(3)
    fingerprints, now = Fingerprints(), __import__("datetime").datetime(2026, 12, 1)
    actions = ("kms:Decrypt", "kms:Sign")

    def of(arn: str) -> object:
        return fingerprints.of(Request(arn, "", KEY, MAIN), actions, snapshot.policy_set(arn, snapshot.keys), now)

    # Names no policy tests, not in the snapshot: identical to the order.
    assert of(f"arn:aws:iam::{MAIN}:role/x-1") == of(f"arn:aws:iam::{MAIN}:role/x-2")
    # A user and a role; two accounts; a name a policy variable reads; the role a grant names.
    assert of(f"arn:aws:iam::{MAIN}:role/x-1") != of(f"arn:aws:iam::{MAIN}:user/x-1")
    assert of(f"arn:aws:iam::{MAIN}:role/x-1") != of(f"arn:aws:iam::{OTHER}:role/x-1")
    assert of(f"arn:aws:iam::{MAIN}:role/ops") != of(f"arn:aws:iam::{MAIN}:role/x-1")  # the SCP's condition reads it
    assert of(f"arn:aws:sts::{MAIN}:assumed-role/app-1/worker") != of(f"arn:aws:sts::{MAIN}:assumed-role/app-1/other")
    # Requests the fingerprint does not cover share nothing.
    assert fingerprints.of(Request(f"arn:aws:iam::{MAIN}:role/x-1", "", "alias/app", MAIN), actions,
                           snapshot.policy_set(f"arn:aws:iam::{MAIN}:role/x-1", snapshot.keys), now) is None


def _pair_account(key_statements: list[dict], principals: list[tuple[str, list[dict], list[dict] | None]]) -> Snapshot:
    """One key and a few principals, each with one inline policy and perhaps a boundary; no SCPs."""
    managed, loaded = {}, []
    for arn, identity, boundary in principals:
        kind, name = arn.split(":")[5].split("/", 1)
        limit = None
        if boundary is not None:
            limit = f"arn:aws:iam::{MAIN}:policy/limit-{len(managed)}"
            managed[limit] = ManagedPolicy(limit, f"limit-{len(managed)}", _doc(*boundary))
        loaded.append(Principal(arn, kind, name, inline_policies=[InlinePolicy("inline", _doc(*identity))], boundary=limit))
    key = Key(KEY, metadata={"Arn": KEY, "KeyId": KEY_ID, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                             "KeyUsage": "ENCRYPT_DECRYPT"}, policy=_doc(*key_statements))
    return Snapshot(keys=[key], principals=loaded, managed_policies=managed)


ALL = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
NOWHERE = {"Effect": "Allow", "Action": "kms:*", "Resource": f"arn:aws:kms:{REGION}:{MAIN}:key/other"}
ANYONE = {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
ENABLE_IAM = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MAIN}:root"}, "Action": "kms:*", "Resource": "*"}
ONLY_DECRYPT = [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]
ALIKE_BUT_FOR = {
    # Door 1 for the role the key policy names, door 2 (and no IAM allow) for the other: how it names them.
    "how the key policy names them": _pair_account(
        [{"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{MAIN}:role/app-1", f"arn:aws:iam::{MAIN}:root"]},
          "Action": "kms:*", "Resource": "*"}],
        [(f"arn:aws:iam::{MAIN}:role/app-1", [NOWHERE], None), (f"arn:aws:iam::{MAIN}:role/app-3", [NOWHERE], None)]),
    # Principal "*" lets both in; only the other account's is refused actions not usable cross-account.
    "their account": _pair_account(
        [ANYONE], [(f"arn:aws:iam::{MAIN}:role/app-1", [ALL], None), (f"arn:aws:iam::{OTHER}:role/app-1", [ALL], None)]),
    # A key policy naming "*" is limited by a role's boundary (kmstui's choice), not a user's.
    "user or role": _pair_account(
        [ANYONE], [(f"arn:aws:iam::{MAIN}:role/app-1", [ALL], ONLY_DECRYPT),
                   (f"arn:aws:iam::{MAIN}:user/app-1", [ALL], ONLY_DECRYPT)]),
    # The same outcome where kms:CallerAccount has a value; where SynchronizeMultiRegionKey leaves it
    # out, only app-3 still matches the literal value.
    "a policy variable an action does not carry": _pair_account(
        [ENABLE_IAM], [(f"arn:aws:iam::{MAIN}:user/{name}", [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringEquals": {"aws:username": ["${kms:CallerAccount}", "app-3"]}}}], None)
            for name in (MAIN, "app-3")]),
    # A NotResource naming a key by a variable applies where the action does not carry the variable.
    "a resource variable an action does not carry": _pair_account(
        [ENABLE_IAM], [(f"arn:aws:iam::{MAIN}:user/app-1", [
            {"Effect": "Allow", "Action": "kms:*", "NotResource": "arn:aws:kms:*:${kms:CallerAccount}:key/*"}], None),
            (f"arn:aws:iam::{MAIN}:user/app-3", [NOWHERE], None)]),
    # A grant names one of them.
    "a grant": Snapshot(keys=[Key(KEY, metadata={"Arn": KEY, "KeyId": KEY_ID, "KeyManager": "CUSTOMER"},
                                  policy=_doc(ENABLE_IAM), grants=[{"KeyId": KEY, "GrantId": "g1", "Operations": ["Decrypt"],
                                                                    "GranteePrincipal": f"arn:aws:iam::{MAIN}:role/app-1"}])],
                        principals=[Principal(f"arn:aws:iam::{MAIN}:role/{n}", "role", n,
                                              inline_policies=[InlinePolicy("inline", _doc(NOWHERE))]) for n in ("app-1", "app-3")]),
    # A condition on the caller's ARN that holds for one of them.
    "a condition on the caller": _pair_account(
        [ENABLE_IAM], [(f"arn:aws:iam::{MAIN}:role/{name}", [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringLike": {"aws:PrincipalArn": "*/app-1"}}}], None) for name in ("app-1", "app-3")]),
}


@pytest.mark.parametrize("case", sorted(ALIKE_BUT_FOR))
def test_principals_alike_but_for_one_thing_get_their_own_cells(case: str) -> None:
    matrix = fill(plan_key_matrix(ALIKE_BUT_FOR[case], KEY), workers=1)
    assert_cells_equal_the_engine(matrix)
    rows = [r for r in matrix.rows if r.principal.split("/")[-1] in ("app-1", "app-3", MAIN)]
    assert len(rows) == 2 and rows[0].cells != rows[1].cells  # the case tells them apart: sharing would be wrong
