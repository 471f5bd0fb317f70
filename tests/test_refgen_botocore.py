"""botocore's KMS operations against the committed reference, and the prose parser on made-up docs."""

from __future__ import annotations

from typing import Any

import pytest

from kmstui.reference.model import read_reference_json
from kmstui.reference.refgen.botocore_source import BotocoreData, load_botocore, parse_operation_doc


@pytest.fixture(scope="module")
def botocore_data() -> BotocoreData:
    from conftest import need_pinned_inputs

    need_pinned_inputs("botocore")  # the test install leaves botocore as the user has it: skip unless pinned
    return load_botocore([])


@pytest.fixture(scope="module")
def actions() -> dict[str, dict[str, Any]]:
    return {action["name"]: action for action in read_reference_json()["actions"]}


def test_every_operation_maps_to_its_permissions(botocore_data: BotocoreData, actions: dict[str, dict[str, Any]]) -> None:
    assert len(botocore_data.operations) == 56
    for name, facts in botocore_data.operations.items():
        expected = ["kms:ReEncryptFrom", "kms:ReEncryptTo"] if name == "ReEncrypt" else [f"kms:{name}"]
        assert facts.own_permissions == expected
        for permission in expected:
            assert actions[permission]["api_operation"] == name
    mapped = {a["api_operation"] for a in actions.values()} - {None}
    assert mapped == set(botocore_data.operations)
    assert [n for n, a in actions.items() if a["api_operation"] is None] == ["kms:SynchronizeMultiRegionKey"]


def test_parsed_facts_agree_with_the_reference(botocore_data: BotocoreData, actions: dict[str, dict[str, Any]]) -> None:
    for facts in botocore_data.operations.values():
        for permission in facts.own_permissions:
            action = actions[permission]
            policy = facts.policy_type_of(permission)
            if policy is None:
                assert "overlay" in action["sources"]["policy_type"], permission
            else:
                assert action["policy_type"] == policy, permission
                assert "botocore" in action["sources"]["policy_type"]
            if facts.cross_account is None:
                assert "overlay" in action["sources"]["cross_account"], permission
            else:
                assert action["cross_account"] == facts.cross_account, permission
                assert "botocore" in action["sources"]["cross_account"]


def test_special_operations(botocore_data: BotocoreData) -> None:
    ops = botocore_data.operations
    assert ops["RetireGrant"].policy_type_of("kms:RetireGrant") is None  # "determined primarily by the grant"
    assert ops["GenerateRandom"].cross_account == "not_applicable"
    assert ops["ListRetirableGrants"].cross_account is None and ops["ListRetirableGrants"].cross_account_text
    assert [u.target for u in ops["UpdateAlias"].uses] == ["alias", "current KMS key", "new KMS key"]
    assert ops["CreateAlias"].policy_type_of("kms:CreateAlias") == "iam_and_key_policy"
    related = {(u.permission, u.policy_type) for u in ops["ReplicateKey"].uses if not u.own}
    assert related == {("kms:CreateKey", "iam_policy"), ("kms:TagResource", "iam_policy")}
    assert ops["GetKeyPolicy"].condition_keys == ["kms:PolicyName"]


def test_enums_for_condition_values() -> None:
    from conftest import need_pinned_inputs

    need_pinned_inputs("botocore")
    data = load_botocore(["MessageType", "NoSuchShape"])
    assert data.enums == {"MessageType": ["RAW", "DIGEST", "EXTERNAL_MU"]}


ALIAS_DOC = """<p> <b>Cross-account use</b>: No. You cannot do this.</p> <p> <b>Required permissions</b> </p>
<ul> <li> <p> <a href="x">kms:CreateAlias</a> on the alias (IAM policy).</p> </li>
<li> <p> <a href="x">kms:CreateAlias</a> on the KMS key (key policy).</p> </li> </ul>
<p>For details, see <a>kms:ReEncrypt*</a> in the guide.</p> <p> <b>Related operations:</b> </p>"""


def test_parser_on_made_up_docs() -> None:
    alias = parse_operation_doc("CreateAlias", ALIAS_DOC)
    assert alias.cross_account == "no"
    assert [(u.permission, u.policy_type, u.target) for u in alias.uses] == [
        ("kms:CreateAlias", "iam_policy", "alias"), ("kms:CreateAlias", "key_policy", "KMS key")]
    random = parse_operation_doc(
        "GenerateRandom",
        "<p><b>Cross-account use</b>: Not applicable. No keys.</p><p><b>Required permissions</b>: kms:GenerateRandom (IAM policy)</p>",
    )
    assert (random.cross_account, random.policy_type_of("kms:GenerateRandom")) == ("not_applicable", "iam_policy")
    silent = parse_operation_doc("RetireGrant", "<p><b>Required permissions</b>: Decided by the grant.</p>")
    assert silent.uses == [] and silent.own_permissions == ["kms:RetireGrant"] and silent.cross_account is None
