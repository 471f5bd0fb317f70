"""Engine behaviour the corpus's result columns do not show: suggestions, unknown context, evidence, warnings."""

from __future__ import annotations

import json

from kmstui import PolicySet, Request, evaluate
from kmstui.policy.document import parse_policy

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_SESSION = "arn:aws:sts::111122223333:assumed-role/ExampleRole/s1"
ENABLE_IAM = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
USE_KEY = {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
           "Action": ["kms:Encrypt"], "Resource": "*"}
DECRYPT_ANY_KEY = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}


def key_policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def test_suggests_adding_the_action_to_the_statement_that_names_the_caller() -> None:
    decision = evaluate(Request(ROLE_SESSION, "kms:Decrypt", KEY), PolicySet(key_policy=key_policy(USE_KEY)))
    assert decision.result == "ImplicitlyDenied" and decision.blocker == "key-policy"
    assert decision.suggestion == "add kms:Decrypt to key policy statement 1 'Allow use of the key'"


def test_suggests_enabling_iam_when_an_identity_policy_already_allows() -> None:
    decision = evaluate(Request("arn:aws:iam::111122223333:user/Alice", "kms:Decrypt", KEY),
                        PolicySet(key_policy=key_policy(USE_KEY), identity=[DECRYPT_ANY_KEY]))
    assert decision.result == "ImplicitlyDenied"
    assert "does not enable IAM policies" in decision.suggestion and "arn:aws:iam::111122223333:root" in decision.suggestion


def test_unknown_context_is_named_when_it_would_allow() -> None:
    via_s3 = dict(USE_KEY, Action="kms:Decrypt", Condition={"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}})
    decision = evaluate(Request(ROLE_SESSION, "kms:Decrypt", KEY), PolicySet(key_policy=key_policy(via_s3)))
    assert decision.result == "ImplicitlyDenied"
    assert decision.if_known == ("key policy statement 1 'Allow use of the key' would allow it if "
                                 "kms:ViaService StringEquals s3.us-west-2.amazonaws.com",)
    allowed = evaluate(Request(ROLE_SESSION, "kms:Decrypt", KEY, context={"kms:ViaService": "s3.us-west-2.amazonaws.com"}),
                       PolicySet(key_policy=key_policy(via_s3)))
    assert allowed.result == "Allowed" and allowed.if_known == ()


def test_evidence_names_lines_and_condition_provenance() -> None:
    with_condition = dict(ENABLE_IAM, Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}})
    decision = evaluate(Request("arn:aws:iam::111122223333:user/Alice", "kms:Decrypt", KEY),
                        PolicySet(key_policy=key_policy(with_condition), identity=[DECRYPT_ANY_KEY]))
    assert decision.result == "Allowed" and decision.decided_by == "iam"
    door_step = next(s for s in decision.trace.steps if s.phase == "iam")
    statement = door_step.evidence[0]
    assert statement.lines == (4, 17) and statement.sid == "Enable IAM User Permissions"
    condition = statement.conditions[0]
    assert (condition.key, condition.request_values, condition.provenance, condition.result) == (
        "kms:CallerAccount", ("111122223333",), "derived", True)


def test_no_derive_uses_exactly_the_given_context() -> None:
    with_condition = dict(ENABLE_IAM, Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}})
    policies = PolicySet(key_policy=key_policy(with_condition), identity=[DECRYPT_ANY_KEY])
    decision = evaluate(Request("arn:aws:iam::111122223333:user/Alice", "kms:Decrypt", KEY, derive=False), policies)
    assert decision.result == "ImplicitlyDenied"
    assert {c.key for c in decision.trace.context} == set()


def test_role_arn_in_key_policy_is_limited_by_the_boundary_but_the_session_arn_is_not() -> None:
    boundary = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    by_role = dict(USE_KEY, Action="kms:Decrypt")
    by_session = dict(by_role, Principal={"AWS": ROLE_SESSION})
    limited = evaluate(Request(ROLE_SESSION, "kms:Decrypt", KEY), PolicySet(key_policy=key_policy(by_role), boundary=boundary))
    assert (limited.result, limited.blocker) == ("ImplicitlyDenied", "boundary")
    free = evaluate(Request(ROLE_SESSION, "kms:Decrypt", KEY), PolicySet(key_policy=key_policy(by_session), boundary=boundary))
    assert (free.result, free.decided_by) == ("Allowed", "key-policy")


def test_warnings_name_unknown_actions_and_deprecated_keys() -> None:
    policy = parse_policy(key_policy(dict(ENABLE_IAM, Action=["kms:Decrpyt", "kms:CreateKey"],
                                          Condition={"StringEquals": {"kms:CustomerMasterKeySpec": "RSA_2048"}})),
                          "key_policy", "kp.json")
    warnings = "\n".join(policy.warnings)
    assert "kms:Decrpyt is not a KMS action; did you mean kms:Decrypt?" in warnings
    assert "kms:CustomerMasterKeySpec is deprecated; use kms:KeySpec" in warnings
    assert warnings.startswith("kp.json, line 10, statement 1")  # the line of "Action"
