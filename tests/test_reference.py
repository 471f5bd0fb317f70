"""The reference core: look-ups in any spelling, filters, key-to-action links, search, load speed."""

from __future__ import annotations

import pytest

from kmstui.reference.model import Reference, ReferenceError, load_reference


def test_action_lookup_any_case_with_or_without_prefix(reference: Reference) -> None:
    for spelling in ("kms:Decrypt", "KMS:DECRYPT", "decrypt", " Decrypt "):
        action = reference.action(spelling)
        assert action is not None and action.name == "kms:Decrypt"
    assert reference.action("kms:Decrypts") is None
    assert reference.action("s3:GetObject") is None


def test_documented_facts_of_well_known_actions(reference: Reference) -> None:
    grant = reference.action("CreateGrant")
    assert (grant.policy_type, grant.cross_account) == ("key_policy", "yes")
    assert {"kms:GrantOperations", "kms:GranteePrincipal", "kms:RetiringPrincipal"} <= set(grant.condition_keys)
    store = reference.action("ConnectCustomKeyStore")
    assert (store.policy_type, store.cross_account, store.resource_types) == ("iam_policy", "no", {"*"})
    assert reference.action("GenerateRandom").cross_account == "not_applicable"
    alias = reference.action("CreateAlias")
    assert alias.policy_type == "iam_and_key_policy"
    assert [r.type for r in alias.resources] == ["alias", "key"]
    assert [r.policy_type for r in alias.resources] == ["iam_policy", "key_policy"]
    assert alias.resources[0].condition_keys == ()  # no condition keys on the alias side
    assert alias.resources_short == "alias + key"
    # UpdateAlias authorizes on the alias, the key it points to now, and the key it will point to.
    assert reference.action("UpdateAlias").resources_short == "alias + 2 keys"
    assert store.resources_short == "*"


def test_condition_key_lookup_resolves_templates(reference: Reference) -> None:
    assert reference.condition_key("KMS:VIASERVICE").name == "kms:ViaService"
    context = reference.condition_key("kms:EncryptionContext:Department")
    assert context is not None and context.name == "kms:EncryptionContext:context-key"
    tag = reference.condition_key("aws:ResourceTag/Project")
    assert tag is not None and tag.name == "aws:ResourceTag/tag-key"
    assert reference.condition_key("kms:NoSuchKey") is None


def test_deprecated_keys_name_their_replacement(reference: Reference) -> None:
    assert reference.condition_key("kms:CustomerMasterKeySpec").deprecated_by == "kms:KeySpec"
    assert reference.condition_key("kms:CustomerMasterKeyUsage").deprecated_by == "kms:KeyUsage"


def test_actions_for_a_condition_key(reference: Reference) -> None:
    names = {a.name for a in reference.actions_for_condition_key("kms:GranteePrincipal")}
    assert names == {"kms:CreateGrant"}
    via = {a.name for a in reference.actions_for_condition_key("kms:ViaService")}
    assert {"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"} <= via
    assert "kms:CreateCustomKeyStore" not in via
    # A global key no action lists applies to every action.
    assert len(reference.actions_for_condition_key("aws:SourceIp")) == len(reference.actions)
    with pytest.raises(ReferenceError):
        reference.actions_for_condition_key("kms:NoSuchKey")


def test_filters_combine(reference: Reference) -> None:
    iam_only = reference.filter_actions(policy_type="iam")
    assert iam_only and all(a.policy_type == "iam_policy" for a in iam_only)
    assert "kms:CreateKey" in {a.name for a in iam_only}
    cross = reference.filter_actions(cross_account="yes", resource_type="key")
    assert {"kms:Decrypt", "kms:CreateGrant", "kms:ReEncryptFrom"} <= {a.name for a in cross}
    assert all(a.cross_account == "yes" and "key" in a.resource_types for a in cross)
    aliases = reference.filter_actions(resource_type="alias")
    assert {a.name for a in aliases} == {"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"}
    keyed = reference.filter_actions(condition_key="kms:GrantOperations", cross_account="no")
    assert keyed == []


@pytest.mark.parametrize("field, value", [("policy_type", "bucket"), ("cross_account", "maybe"), ("resource_type", "s3")])
def test_bad_filter_values_are_named(reference: Reference, field: str, value: str) -> None:
    with pytest.raises(ReferenceError, match=value):
        reference.filter_actions(**{field: value})


def test_search_grant_finds_exactly_the_grant_actions(reference: Reference) -> None:
    names = {a.name for a, _ in reference.search_actions("grant")}
    assert names == {
        "kms:CreateGrant",
        "kms:ListGrants",
        "kms:ListRetirableGrants",
        "kms:RetireGrant",
        "kms:RevokeGrant",
    }


def test_search_mixes_actions_and_keys_in_the_best_tier(reference: Reference) -> None:
    hits = reference.search("viaservice")
    assert [h.name for h in hits] == ["kms:ViaService"]
    assert hits[0].kind == "condition_key"


def test_condition_key_json_lists_its_actions(reference: Reference) -> None:
    record = reference.condition_key_json(reference.condition_key("kms:GranteePrincipal"))
    assert record["actions"] == ["kms:CreateGrant"]
    assert reference.condition_key_json(reference.condition_key("aws:SourceIp"))["actions"] == ["*"]


def test_every_listed_condition_key_is_defined(reference: Reference) -> None:
    for action in reference.actions:
        for name in action.condition_keys:
            assert reference.condition_key(name) is not None, (action.name, name)


def test_load_reference_is_cached() -> None:
    assert load_reference() is load_reference()
