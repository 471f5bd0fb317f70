"""Properties AWS's evaluation logic guarantees, checked on generated policies with hypothesis."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kmstui import PolicySet, Request, evaluate
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/Alice",
    "arn:aws:sts::111122223333:assumed-role/ExampleRole/s1",
    "arn:aws:sts::444455556666:assumed-role/ExternalRole/s2",
    "arn:aws:iam::111122223333:root",
]
ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:CreateGrant"]
ACTION_PATTERNS = ACTIONS + ["kms:*", "kms:Re*", "kms:Describe*", "kms:*Key*", "*"]
KEY_PRINCIPALS: list[Any] = [
    {"AWS": "arn:aws:iam::111122223333:root"}, {"AWS": "111122223333"},
    {"AWS": "arn:aws:iam::111122223333:user/Alice"}, {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
    {"AWS": "arn:aws:iam::444455556666:root"}, {"AWS": "arn:aws:iam::444455556666:role/ExternalRole"}, "*",
]
RESOURCES = ["*", KEY, "arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-west-2:111122223333:key/other"]
CONDITIONS: list[Any] = [
    None,
    {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}},
    {"StringEquals": {"kms:CallerAccount": "111122223333"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEqualsIfExists": {"kms:EncryptionContext:Department": "IT"}},
    {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/app-*"}},
    {"StringNotEquals": {"aws:PrincipalAccount": "444455556666"}},
]
CONTEXTS = [{}, {"kms:ViaService": "s3.us-west-2.amazonaws.com"}, {"kms:EncryptionContext:Department": "HR"}]


def statement(effect: str, actions: list[str], resource: str, condition: Any, principal: Any = None) -> dict[str, Any]:
    found: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resource}
    if principal is not None:
        found["Principal"] = principal
    if condition:
        found["Condition"] = condition
    return found


effects = st.sampled_from(["Allow", "Allow", "Deny"])
action_lists = st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3)
key_statements = st.builds(statement, effects, action_lists, st.just("*"), st.sampled_from(CONDITIONS),
                           st.sampled_from(KEY_PRINCIPALS))
identity_statements = st.builds(statement, effects, action_lists, st.sampled_from(RESOURCES), st.sampled_from(CONDITIONS))


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    return {
        "principal": draw(st.sampled_from(PRINCIPALS)),
        "action": draw(st.sampled_from(ACTIONS)),
        "context": draw(st.sampled_from(CONTEXTS)),
        "key": draw(st.lists(key_statements, min_size=1, max_size=4)),
        "identity": draw(st.lists(identity_statements, min_size=0, max_size=3)),
        "boundary": draw(st.one_of(st.none(), st.lists(identity_statements, min_size=1, max_size=2))),
        "grants": draw(st.sampled_from([[], [{"KeyId": KEY, "GrantId": "g1", "GranteePrincipal": "arn:aws:iam::111122223333:role/ExampleRole",
                                              "Operations": ["Decrypt", "Encrypt"]}]])),
    }


def decide(s: dict[str, Any], action: str | None = None) -> str:
    policies = PolicySet(
        key_policy={"Version": "2012-10-17", "Statement": s["key"]},
        identity=[{"Version": "2012-10-17", "Statement": s["identity"]}] if s["identity"] else [],
        boundary={"Version": "2012-10-17", "Statement": s["boundary"]} if s["boundary"] else None,
        grants=s["grants"],
    )
    return evaluate(Request(s["principal"], action or s["action"], KEY, context=s["context"]), policies).result


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.sampled_from(["key", "identity", "boundary"]))
def test_a_matching_deny_anywhere_gives_explicitly_denied(s: dict[str, Any], where: str) -> None:
    deny = statement("Deny", ["kms:*"], "*", None, "*" if where == "key" else None)
    if where == "boundary":
        s["boundary"] = (s["boundary"] or []) + [deny]
    else:
        s[where] = s[where] + [deny]
    assert decide(s) == EXPLICITLY_DENIED


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.lists(key_statements, min_size=1, max_size=2), st.lists(identity_statements, min_size=1, max_size=2))
def test_adding_a_deny_never_allows(s: dict[str, Any], key_extra: list, identity_extra: list) -> None:
    before = decide(s)
    s["key"] = s["key"] + [dict(x, Effect="Deny") for x in key_extra]
    s["identity"] = s["identity"] + [dict(x, Effect="Deny") for x in identity_extra]
    after = decide(s)
    if before != ALLOWED:
        assert after != ALLOWED
    if before == EXPLICITLY_DENIED:
        assert after == EXPLICITLY_DENIED


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.data())
def test_removing_an_allow_never_allows(s: dict[str, Any], data: Any) -> None:
    before = decide(s)
    allows = [("key", i) for i, x in enumerate(s["key"]) if x["Effect"] == "Allow" and len(s["key"]) > 1]
    allows += [("identity", i) for i, x in enumerate(s["identity"]) if x["Effect"] == "Allow"]
    if not allows:
        return
    where, index = data.draw(st.sampled_from(allows))
    s[where] = [x for i, x in enumerate(s[where]) if i != index]
    if before != ALLOWED:
        assert decide(s) != ALLOWED


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.sampled_from(ACTIONS), st.randoms(use_true_random=False))
def test_action_case_never_matters(s: dict[str, Any], action: str, rnd: Any) -> None:
    def scramble(text: str) -> str:
        return "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in text)

    expected = decide(s, action)
    for group in ("key", "identity"):
        s[group] = [dict(x, Action=[scramble(a) for a in x["Action"]]) for x in s[group]]
    assert decide(s, scramble(action)) == expected


@settings(max_examples=500, deadline=None)
@given(scenarios())
def test_evaluation_never_raises_on_valid_policies(s: dict[str, Any]) -> None:
    assert decide(s) in ("Allowed", "ExplicitlyDenied", "ImplicitlyDenied")
