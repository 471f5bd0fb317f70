"""KMS's own rules beside the policies: where a key lives, reserved aliases, key types, NotPrincipal with a
boundary, and condition keys a request never carries. Each test failed before its rule was modelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmstui import PolicySet, Request, RequestError, evaluate
from kmstui.analysis.matrix import GLYPHS
from kmstui.cli.main import main
from kmstui.engine.kms_rules import KEY_TYPE_RULES
from kmstui.reference.model import load_reference
from kmstui.sources.demo import load_demo
from kmstui.sources.files import load_path

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = f"arn:aws:kms:us-west-2:111122223333:key/{KEY_ID}"
ALICE = "arn:aws:iam::111122223333:user/alice"
IAM_ALL = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}})
ADMIN_ALL = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"}


def key_policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def metadata(spec: str, usage: str, origin: str = "AWS_KMS", manager: str = "CUSTOMER") -> dict:
    return {"Arn": KEY, "KeyId": KEY_ID, "KeySpec": spec, "KeyUsage": usage, "Origin": origin, "KeyManager": manager}


# -- never invent where a key lives ------------------------------------------------------------------


def test_a_key_named_by_id_in_a_list_keys_folder_takes_its_arn_from_list_keys(tmp_path: Path) -> None:
    """Before: resolved to us-east-1, so the statement naming the real ARN did not match (silent deny)."""
    (tmp_path / "list-keys.json").write_text(json.dumps({"Keys": [{"KeyId": KEY_ID, "KeyArn": KEY}]}))
    (tmp_path / KEY_ID).mkdir()
    statement = dict(ADMIN_ALL, Action="kms:Decrypt", Resource=KEY)
    (tmp_path / KEY_ID / "policy.json").write_text(key_policy(statement))
    request, policies = load_path(tmp_path).question(ALICE, "kms:Decrypt", [KEY_ID])
    decision = evaluate(request, policies)
    assert decision.result == "Allowed"
    assert decision.parts[0].resource == KEY


def test_a_key_id_that_nothing_places_is_an_error_not_a_default_region() -> None:
    with pytest.raises(RequestError, match="nothing loaded says its region and account"):
        evaluate(Request(ALICE, "kms:Decrypt", KEY_ID), PolicySet(key_policy=key_policy(ADMIN_ALL)))


def test_explain_names_the_missing_location_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "key.json"
    policy.write_text(key_policy(ADMIN_ALL))
    code = main(["explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY_ID, "--key-policy", str(policy)])
    err = capsys.readouterr().err
    assert code == 2 and "--key-metadata" in err and "us-east-1" not in err


def test_an_alias_places_the_key_it_targets() -> None:
    aliases = [{"AliasName": "alias/app", "AliasArn": "arn:aws:kms:eu-west-1:444455556666:alias/app", "TargetKeyId": KEY_ID}]
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY_ID), PolicySet(key_policy=key_policy(ADMIN_ALL), aliases=aliases))
    assert decision.parts[0].resource == f"arn:aws:kms:eu-west-1:444455556666:key/{KEY_ID}"


# -- reserved aliases ----------------------------------------------------------------------------------


def test_create_alias_with_the_reserved_prefix_is_refused_whatever_the_policies_say() -> None:
    decision = evaluate(Request(ALICE, "kms:CreateAlias", ["alias/aws/mine", KEY]),
                        PolicySet(key_policy=key_policy(ADMIN_ALL), identity=[IAM_ALL],
                                  key_metadata=metadata("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")))
    assert decision.result == "RejectedByKMS" and decision.decided_by == "kms-rule"
    assert "alias/aws/" in decision.rejected and decision.parts[0].part == "alias"


def test_the_aliases_of_an_aws_managed_key_cannot_change() -> None:
    demo = load_demo()
    request, policies = demo.question("KMSAdminRole", "kms:DeleteAlias", ["alias/aws/ebs"])
    decision = evaluate(request, policies)
    assert decision.result != "Allowed"
    assert decision.rejected is not None


# -- key type and operation ----------------------------------------------------------------------------


def test_every_key_type_phrase_of_the_reference_has_a_rule() -> None:
    phrases = {use.key_types for action in load_reference().actions for use in action.resources if use.key_types}
    assert phrases <= set(KEY_TYPE_RULES), phrases - set(KEY_TYPE_RULES)


@pytest.mark.parametrize(("action", "spec", "usage", "refused"), [
    ("kms:Encrypt", "RSA_2048", "SIGN_VERIFY", "InvalidKeyUsageException"),
    ("kms:Sign", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "InvalidKeyUsageException"),
    ("kms:GenerateMac", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "InvalidKeyUsageException"),
    ("kms:GenerateDataKey", "RSA_2048", "ENCRYPT_DECRYPT", "InvalidKeyUsageException"),
    ("kms:DeriveSharedSecret", "ECC_NIST_P256", "SIGN_VERIFY", "InvalidKeyUsageException"),
    ("kms:GetPublicKey", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "UnsupportedOperationException"),
    ("kms:Sign", "RSA_2048", "SIGN_VERIFY", None),
    ("kms:Encrypt", "RSA_2048", "ENCRYPT_DECRYPT", None),
    ("kms:GenerateMac", "HMAC_256", "GENERATE_VERIFY_MAC", None),
    ("kms:DeriveSharedSecret", "ECC_NIST_P256", "KEY_AGREEMENT", None),
])
def test_kms_refuses_what_the_key_type_cannot_do(action: str, spec: str, usage: str, refused: str | None) -> None:
    decision = evaluate(Request(ALICE, action, KEY), PolicySet(key_policy=key_policy(ADMIN_ALL), key_metadata=metadata(spec, usage)))
    if refused is None:
        assert decision.result == "Allowed" and decision.rejected is None
    else:
        assert decision.result == "RejectedByKMS" and refused in decision.rejected
        assert [s.phase for s in decision.parts[0].steps][-2:] == ["kms-rule", "decision"]


def test_a_denied_request_stays_denied_and_notes_the_refusal() -> None:
    decision = evaluate(Request(ALICE, "kms:Encrypt", KEY), PolicySet(key_policy=key_policy(dict(ADMIN_ALL, Action="kms:Sign")),
                                                                      key_metadata=metadata("RSA_2048", "SIGN_VERIFY")))
    assert decision.result == "ImplicitlyDenied"
    assert decision.rejected and decision.suggestion is None  # no policy change would make it work


def test_the_demo_signing_key_is_not_plainly_allowed_for_encrypt() -> None:
    demo = load_demo()
    request, policies = demo.question("data-engineer", "kms:Encrypt", ["alias/code-signing"])
    assert evaluate(request, policies).result == "RejectedByKMS"
    assert GLYPHS["RejectedByKMS"] != GLYPHS["Allowed"]


# -- Deny with NotPrincipal and a permissions boundary ---------------------------------------------------


def test_deny_with_not_principal_always_denies_a_caller_with_a_boundary() -> None:
    # NotPrincipal must list the user and its account to exempt the user (IAM user guide, NotPrincipal).
    deny_all_but_alice = {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, "arn:aws:iam::111122223333:root"]},
                          "Action": "kms:*", "Resource": "*"}
    policy = key_policy(ADMIN_ALL, deny_all_but_alice)
    boundary = json.dumps({"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}})
    assert evaluate(Request(ALICE, "kms:Decrypt", KEY), PolicySet(key_policy=policy)).result == "Allowed"
    with_boundary = evaluate(Request(ALICE, "kms:Decrypt", KEY), PolicySet(key_policy=policy, boundary=boundary))
    assert with_boundary.result == "ExplicitlyDenied" and with_boundary.deny_source == "key_policy"
    assert "permissions boundary" in with_boundary.parts[0].door.principal


# -- condition keys KMS never sends ------------------------------------------------------------------------


def test_a_kms_key_the_action_does_not_support_is_left_out() -> None:
    only_with_grant_ops = dict(ADMIN_ALL, Action="kms:Decrypt",
                               Condition={"StringEquals": {"kms:GrantOperations": "Decrypt"}})
    context = {"kms:GrantOperations": "Decrypt"}
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY, context=context), PolicySet(key_policy=key_policy(only_with_grant_ops)))
    assert decision.result == "ImplicitlyDenied"
    assert any("kms:GrantOperations left out" in s.explanation for s in decision.parts[0].steps)
    grant = dict(only_with_grant_ops, Action="kms:CreateGrant")
    allowed = evaluate(Request(ALICE, "kms:CreateGrant", KEY, context=context), PolicySet(key_policy=key_policy(grant)))
    assert allowed.result == "Allowed"
