"""The fast path (``decide``) equals the explaining path (``evaluate``): one set of rules, two speeds.

Result, what decided it, deny source, blocker, "allowed if", the KMS refusal, and the door, for every
part, on every golden scenario and on thousands of generated ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmstui import PolicySet, Request, RequestError, decide, evaluate
from kmstui.engine.trace import GrantEvidence

from test_corpus import NOW, SCENARIOS
from test_engine_properties import ACTIONS, KEY, scenarios

MORE_ACTIONS = ACTIONS + ["kms:Sign", "kms:GenerateMac", "kms:ListKeys", "kms:RetireGrant", "kms:PutKeyPolicy"]


def door_of(door: Any) -> tuple | None:
    """The statement (policy source, index) or grant that allowed, whichever object carries it."""
    if door is None:
        return None
    if isinstance(door, GrantEvidence):
        return ("grant", door.grant_id)
    statement = door.statement
    return (statement.source, statement.index)


def verdict_of(decision: Any) -> tuple:
    parts = tuple((p.part, p.result, p.decided_by, p.deny_source, p.blocker, p.if_known, p.rejected, door_of(p.door))
                  for p in decision.parts)
    return (decision.result, decision.decided_by, decision.deny_source, decision.blocker, decision.if_known,
            decision.rejected, parts)


def both(request: Request, policies: PolicySet) -> tuple[tuple, tuple]:
    return verdict_of(evaluate(request, policies, now=NOW)), verdict_of(decide(request, policies, now=NOW))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_the_paths_agree_on_every_golden_scenario(scenario: dict[str, Any]) -> None:
    r = scenario["request"]
    policies = PolicySet(**{k: v for k, v in scenario["policies"].items() if v is not None})
    request = Request(r["principal"], r["action"], r["resource"], r.get("resource_account"), r.get("context"),
                      r.get("derive", True))
    try:
        explained, fast = both(request, policies)
    except RequestError as error:  # a question that cannot be decided is refused alike
        with pytest.raises(RequestError, match=str(error)[:40].replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")
                           .replace("?", r"\?").replace("[", r"\[").replace(".", r"\.").replace("+", r"\+")):
            decide(request, policies, now=NOW)
        return
    assert fast == explained


@settings(max_examples=3000, deadline=None)
@given(scenarios(), st.sampled_from(MORE_ACTIONS),
       st.sampled_from([None, {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
                        {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "KeyManager": "AWS"}]))
def test_the_paths_agree_on_generated_requests(s: dict[str, Any], action: str, metadata: dict | None) -> None:
    policies = PolicySet(
        key_policy={"Version": "2012-10-17", "Statement": s["key"]},
        identity=[{"Version": "2012-10-17", "Statement": s["identity"]}] if s["identity"] else [],
        boundary={"Version": "2012-10-17", "Statement": s["boundary"]} if s["boundary"] else None,
        grants=s["grants"], key_metadata=dict(metadata, Arn=KEY) if metadata else None,
    )
    resource = "*" if action == "kms:ListKeys" else KEY
    explained, fast = both(Request(s["principal"], action, resource, context=s["context"]), policies)
    assert fast == explained


@settings(max_examples=500, deadline=None)
@given(scenarios())
def test_the_paths_agree_on_two_part_requests(s: dict[str, Any]) -> None:
    other = "arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
    key_policy = {"Version": "2012-10-17", "Statement": s["key"]}
    policies = PolicySet(key_policy={KEY: key_policy, other: key_policy},
                         identity=[{"Version": "2012-10-17", "Statement": s["identity"]}] if s["identity"] else [],
                         aliases=[{"AliasName": "alias/app", "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/app",
                                   "TargetKeyId": KEY}])
    for action, resources in (("kms:ReEncrypt", [KEY, other]), ("kms:CreateAlias", ["alias/new", other]),
                              ("kms:UpdateAlias", ["alias/app", other]), ("kms:DeleteAlias", ["alias/app"])):
        explained, fast = both(Request(s["principal"], action, resources, context=s["context"]), policies)
        assert fast == explained


def test_advice_adds_no_allowed_if_note_the_verdict_did_not_find() -> None:
    """Found by the differential test: the explaining path's suggestion re-read the identity policies and
    reported that an unknown kms:ViaService would allow Encrypt, though the key policy does not enable IAM
    policies for Encrypt at all."""
    policies = PolicySet(
        key_policy={"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                  "Action": "kms:Decrypt", "Resource": "*"}},
        identity=[{"Statement": {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
                                 "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}}}])
    decision = evaluate(Request("arn:aws:iam::111122223333:user/Alice", "kms:Encrypt", KEY), policies)
    assert decision.result == "ImplicitlyDenied" and decision.if_known == ()


PRINCIPAL_ENTRIES = [
    {"AWS": "arn:aws:iam::111122223333:root"}, {"AWS": "111122223333"}, {"AWS": "*"}, "*",
    {"AWS": "arn:aws:iam::111122223333:user/Alice"}, {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
    {"AWS": "arn:aws:iam::111122223333:role/path/ExampleRole"}, {"AWS": "arn:aws:sts::111122223333:assumed-role/ExampleRole/s1"},
    {"AWS": "arn:aws:iam::444455556666:root"}, {"AWS": "arn:aws:iam::444455556666:role/ExternalRole"},
    {"Service": "s3.amazonaws.com"}, {"Service": "*"}, {"Federated": "cognito-identity.amazonaws.com"},
]
CALLERS = ["arn:aws:iam::111122223333:user/Alice", "arn:aws:sts::111122223333:assumed-role/ExampleRole/s1",
           "arn:aws:iam::111122223333:role/ExampleRole", "arn:aws:sts::444455556666:assumed-role/ExternalRole/s2",
           "arn:aws:iam::111122223333:root", "s3.amazonaws.com", "arn:aws:iam::444455556666:user/Bob"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Allow", "Allow", "Deny"]), st.sampled_from(PRINCIPAL_ENTRIES),
                          st.booleans(), st.sampled_from(["kms:Decrypt", "kms:*", "kms:Encrypt"])), min_size=16, max_size=40),
       st.sampled_from(CALLERS), st.sampled_from(["kms:Decrypt", "kms:Encrypt"]))
def test_the_principal_index_of_a_big_key_policy_changes_no_verdict(statements, caller: str, action: str) -> None:
    """Policies of 16 statements or more are consulted through an index of the identities they name."""
    import kmstui.policy.document as document

    body = [{"Effect": effect, ("NotPrincipal" if negated and principal != "*" else "Principal"): principal,
             "Action": acts, "Resource": "*"} for effect, principal, negated, acts in statements]
    policy = {"Version": "2012-10-17", "Statement": body}
    indexed = verdict_of(evaluate(Request(caller, action, KEY), PolicySet(key_policy=policy)))
    saved = document._INDEX_FROM
    document._INDEX_FROM = 10**9  # scan every statement
    try:
        scanned = verdict_of(evaluate(Request(caller, action, KEY), PolicySet(key_policy=policy)))
    finally:
        document._INDEX_FROM = saved
    assert indexed == scanned
