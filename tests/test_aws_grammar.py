"""Accept what AWS accepts (as an ineffective statement) and reject what it rejects.

Each case failed before: kmstui refused policies PutKeyPolicy and IAM take, and took JSON, Sids and
grant operations AWS refuses.
"""

from __future__ import annotations

import json

import pytest

from kmstui import PolicyError, PolicySet, Request, evaluate, parse_policy
from kmstui.analysis.findings import policy_findings
from kmstui.engine.key_data import parse_grants

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALICE = "arn:aws:iam::111122223333:user/alice"
ENABLE_IAM = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
ALICE_ALL = {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"}


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


INEFFECTIVE = {
    "key policy statement without Resource": ("key_policy", dict(ALICE_ALL, Resource=None)),
    "key policy statement without Action": ("key_policy", dict(ALICE_ALL, Action=None)),
    "empty Action list": ("key_policy", dict(ALICE_ALL, Action=[])),
    "empty Resource list": ("key_policy", dict(ALICE_ALL, Resource=[])),
    "condition key with no values": ("key_policy", dict(ALICE_ALL, Condition={"StringEquals": {"kms:ViaService": []}})),
    "negated condition key with no values": ("key_policy", dict(ALICE_ALL, Condition={"StringNotEquals": {"kms:ViaService": []}})),
}


@pytest.mark.parametrize("name", sorted(INEFFECTIVE))
def test_accepted_as_a_statement_that_never_applies(name: str) -> None:
    kind, statement = INEFFECTIVE[name]
    statement = {k: v for k, v in statement.items() if v is not None}
    policy = parse_policy(document(statement), kind, "key.json")  # before: PolicyError
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY), PolicySet(key_policy=policy))
    assert decision.result == "ImplicitlyDenied"
    assert [f.rule for f in policy_findings(policy)].count("ineffective-statement") == 1


def test_an_identity_policy_statement_still_needs_an_action() -> None:
    with pytest.raises(PolicyError, match="neither Action nor NotAction"):
        parse_policy(document({"Effect": "Allow", "Resource": "*"}), "identity")


@pytest.mark.parametrize("text", ['{"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*", '
                                  '"Condition": {"NumericLessThan": {"kms:X": NaN}}}}',
                                  '{"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*", '
                                  '"Condition": {"NumericLessThan": {"kms:X": -Infinity}}}}'])
def test_nan_and_infinity_are_not_json(text: str) -> None:
    with pytest.raises(PolicyError, match="is not a JSON value"):
        parse_policy(text, "identity", "p.json")


def test_deep_nesting_is_refused_with_one_line() -> None:
    with pytest.raises(PolicyError, match="nested more than"):
        parse_policy('{"Statement": ' + "[" * 100_000 + "]" * 100_000 + "}", "identity", "p.json")
    with pytest.raises(PolicyError, match="nested more than"):
        parse_policy('{"Statement": ' + "[" * 200 + "]" * 200 + "}", "identity", "p.json")


@pytest.mark.parametrize("sid", ["Allow \u2603 use", "bell\u0007", "\u4f7f\u7528"])
def test_key_policy_sids_put_key_policy_refuses(sid: str) -> None:
    with pytest.raises(PolicyError, match="PutKeyPolicy"):
        parse_policy(document(dict(ENABLE_IAM, Sid=sid)), "key_policy", "key.json")


def test_key_policy_sids_put_key_policy_accepts() -> None:
    policy = parse_policy(document(dict(ENABLE_IAM, Sid="Allow use of the key (café) #1")), "key_policy", "key.json")
    assert policy.statements[0].sid.endswith("#1")


def test_grant_operations_that_do_not_exist_are_refused() -> None:
    grant = {"GrantId": "g1", "GranteePrincipal": ALICE, "Operations": ["Decrypt", "DecryptAll"]}
    with pytest.raises(PolicyError, match="'DecryptAll' is not a grant operation"):
        parse_grants([grant], source="grants.json")


@pytest.mark.parametrize(("value", "context", "result"), [
    ("${aws:SecureTransport}", {"aws:SecureTransport": "true"}, "Allowed"),
    ("${aws:SecureTransport}", {"aws:SecureTransport": "false"}, "Allowed"),
    ("${kms:Unset}", {"aws:SecureTransport": "true"}, "ImplicitlyDenied"),
])
def test_a_policy_variable_as_a_bool_value_is_substituted(value: str, context: dict, result: str) -> None:
    """Bool {aws:SecureTransport: ${aws:SecureTransport}} compares the key with itself when it has a value."""
    statement = dict(ALICE_ALL, Condition={"Bool": {"aws:SecureTransport": value}})
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY, context=context, derive=False),
                        PolicySet(key_policy=document(statement)))
    assert decision.result == result
