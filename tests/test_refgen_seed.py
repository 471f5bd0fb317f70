"""The seed-table parser, on the real 2021 table and on small made-up tables."""

from __future__ import annotations

import pytest

from kmstui.reference.model import read_reference_json
from kmstui.reference.refgen.locate import default_seed_path
from kmstui.reference.refgen.seed_table import SeedFormatError, SeedRow, load_seed, parse_seed, rename_group

GRANT_KEYS = ["kms:GrantConstraintType", "kms:GranteePrincipal", "kms:GrantIsForAWSResource", "kms:GrantOperations",
              "kms:RetiringPrincipal"]


@pytest.fixture(scope="module")
def rows() -> dict[str, SeedRow]:
    return {row.operation: row for row in load_seed(default_seed_path())}


def test_counts(rows: dict[str, SeedRow]) -> None:
    assert len(rows) == 48
    assert sum(len(row.permissions) for row in rows.values()) == 49
    assert rows["ReEncrypt"].permissions == ["kms:ReEncryptFrom", "kms:ReEncryptTo"]
    assert all(row.permissions == [f"kms:{op}"] for op, row in rows.items() if op != "ReEncrypt")


def test_create_grant(rows: dict[str, SeedRow]) -> None:
    row = rows["CreateGrant"]
    assert (row.policy_type_code, row.cross_account_code) == ("key_policy", "yes")
    groups = dict(row.key_groups)
    assert groups["Grant conditions"] == GRANT_KEYS
    assert groups["Encryption context conditions"] == ["kms:EncryptionContext:context-key", "kms:EncryptionContextKeys"]
    assert "kms:CustomerMasterKeySpec" in groups["Conditions for CMK operations"]
    assert row.blocks[0].resource_label == "CMK"


def test_connect_custom_key_store(rows: dict[str, SeedRow]) -> None:
    row = rows["ConnectCustomKeyStore"]  # "IAM policy No" shares one line in the flattened text
    assert (row.policy_type_code, row.cross_account_code) == ("iam_policy", "no")
    assert [block.resource for block in row.blocks] == ["*"]
    assert row.key_groups == [(None, ["kms:CallerAccount"])]


def test_alias_rows_have_two_resources(rows: dict[str, SeedRow]) -> None:
    for op in ("CreateAlias", "DeleteAlias", "UpdateAlias"):
        row = rows[op]
        assert row.policy_type_code == "iam_and_key_policy"
        alias, key = row.blocks
        assert (alias.policy_label, alias.resource, alias.condition_keys) == ("IAM policy (for the alias)", "Alias", [])
        assert alias.keys_note == "when controlling access to the alias"
        assert key.policy_type == "Key policy" and key.resource == "CMK" and "kms:ResourceAliases" in key.condition_keys
    assert rows["UpdateAlias"].blocks[1].policy_for == "CMKs"
    assert "three resources" in rows["UpdateAlias"].notes[0]


def test_retire_grant(rows: dict[str, SeedRow]) -> None:
    row = rows["RetireGrant"]
    assert (row.policy_type_code, row.cross_account_code) == ("iam_policy", "yes")
    assert "not effective in a key policy" in row.blocks[0].notes[0]
    assert "determined primarily by the grant" in row.notes[0]
    assert row.condition_keys == ["kms:ResourceAliases", "aws:ResourceTag/tag-key"]


def test_special_cross_account_cells(rows: dict[str, SeedRow]) -> None:
    assert rows["GenerateRandom"].cross_account_code == "not_applicable"
    assert rows["GenerateRandom"].condition_keys == []
    retirable = rows["ListRetirableGrants"]
    assert retirable.cross_account_code is None
    assert "must be in the local account" in (retirable.blocks[0].cross_account_text or "")


def test_group_headings_and_qualifiers(rows: dict[str, SeedRow]) -> None:
    titles = {rename_group(title) for row in rows.values() for title, _ in row.key_groups} - {None}
    assert titles == {
        "Conditions for KMS key operations", "Encryption context conditions", "Grant conditions", "Other conditions",
        "Conditions for cryptographic operations", "Conditions for tagging", "Conditions for data key pairs",
        "Conditions for signing and verification",
    }
    assert rows["GenerateDataKey"].blocks[0].resource_qualifier == "symmetric only"
    assert rows["Sign"].blocks[0].resource_qualifier == "asymmetric only"
    assert dict(rows["UpdatePrimaryRegion"].key_groups)["Other conditions"] == ["kms:PrimaryRegion"]
    assert dict(rows["CreateKey"].key_groups)["Conditions for tagging"] == [
        "aws:RequestTag/tag-key", "aws:ResourceTag/tag-key", "aws:TagKeys"]


def test_committed_grouping_agrees_with_the_seed(rows: dict[str, SeedRow]) -> None:
    """Where the 2021 table put a key under a heading, today's reference uses the same heading."""
    actions = {a["name"]: a for a in read_reference_json()["actions"]}
    for row in rows.values():
        for permission in row.permissions:
            groups = {key: g["group"] for g in actions[permission]["condition_key_groups"] for key in g["keys"]}
            for title, keys in row.key_groups:
                for key in keys:
                    if title is not None and key in groups:
                        assert groups[key] == rename_group(title), (permission, key)


TINY = """header
Actions and permissions Policy type Cross-account use Resources (for IAM policies) AWS KMS condition keys
Decrypt
kms:Decrypt
Key policy
Yes
CMK
Encryption context conditions:
kms:EncryptionContextKeys
ListKeys
kms:ListKeys
IAM policy
No
*
None
The columns in this table provide the following information:
"""


def test_parser_on_a_tiny_table() -> None:
    decrypt, list_keys = parse_seed(TINY)
    assert decrypt.key_groups == [("Encryption context conditions", ["kms:EncryptionContextKeys"])]
    assert (list_keys.policy_type_code, list_keys.cross_account_code, list_keys.condition_keys) == ("iam_policy", "no", [])


def test_parser_rejects_what_it_cannot_place() -> None:
    with pytest.raises(SeedFormatError):
        parse_seed(TINY.replace("CMK\n", "Bucket\n"))
    with pytest.raises(SeedFormatError):
        parse_seed("no table here")
