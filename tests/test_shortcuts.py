"""The shortcuts the fast engine takes, each held to the plain form it replaces.

Parsing checks a key policy's characters as bytes when the text is ASCII, and account ids without a
regular expression; the request context works out the caller's values one key at a time; a policy
under another name (``Policy.named``) shares what is learned of its statements; StatementEvidence
works out what a trace shows of a match when first read; a matrix fill pauses the garbage collector.
Each test compares the shortcut with the slower form on inputs it did not choose (hypothesis), or
checks that what is shared gives the same answers as what is not.
"""

from __future__ import annotations

import gc
import json
import re

from hypothesis import example, given
from hypothesis import strategies as st

from kmstui import PolicySet, Request, decide, evaluate
from kmstui.engine.context import Context, caller_values
from kmstui.policy.document import _KEY_POLICY_REFUSED, _refused_in_text, parse_policy
from kmstui.policy.principals import normalize_aws_principal, parse_caller

from test_corpus import NOW

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_ACCOUNT = re.compile(r"^\d{12}$")  # what normalize_aws_principal tested with before

# Text near the edges of what PutKeyPolicy takes: controls, DEL, Latin-1, and beyond.
edge_text = st.text(alphabet=st.sampled_from(["a", " ", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x80", "\x9f",
                                              "\xa0", "é", "\xff", "\u0100", "\u2603", "~", '"', "\\"]), max_size=40)


@given(edge_text)
def test_refused_characters_found_as_bytes_and_as_a_pattern_agree(text: str) -> None:
    assert _refused_in_text(text) == (_KEY_POLICY_REFUSED.search(text) is not None)


@example("11112222333²")  # a digit that is not a decimal digit: not an account id
@example(" ١١١١٢٢٢٢٣٣٣٣\n")  # Arabic-Indic decimal digits: \\d takes them
@given(st.one_of(st.text(alphabet="0123456789", min_size=11, max_size=13),
                 st.text(alphabet=st.sampled_from(["1", "٣", "۲", " ", "\n", "a", "１", "²"]), max_size=14)))
def test_account_ids_found_without_a_pattern_as_with_one(text: str) -> None:
    stripped = text.strip()
    expected = f"arn:aws:iam::{stripped}:root" if _ACCOUNT.match(stripped) else stripped
    assert normalize_aws_principal(text) == expected


CALLERS = ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/App",
           "arn:aws:sts::111122223333:assumed-role/App/session", "arn:aws:iam::111122223333:root",
           "arn:aws:sts::111122223333:federated-user/bob", "s3.amazonaws.com"]


def test_the_callers_values_one_key_at_a_time_equal_the_whole_table() -> None:
    for text in CALLERS:
        caller = parse_caller(text)
        whole = {entry.name.lower(): entry for entry in caller_values(caller)}
        context = Context(None, (caller, None, NOW, None))
        for key in ("aws:PrincipalArn", "aws:principalaccount", "AWS:PrincipalType", "kms:CallerAccount",
                    "aws:PrincipalIsAWSService", "aws:username", "aws:PrincipalServiceName", "aws:PrincipalTag/x"):
            found = context.get(key)
            expected = whole.get(key.lower())
            assert (found.name, found.values, found.provenance) == (expected.name, expected.values, expected.provenance) \
                if expected is not None else found is None, (text, key)
        assert {entry.name for entry in context} >= {entry.name for entry in caller_values(caller)}


MANAGED = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
    {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": KEY,
     "Condition": {"StringLike": {"aws:PrincipalArn": "*/blocked*"}}},
]})
KEY_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}


def test_a_policy_under_another_name_decides_as_the_policy_parsed_again() -> None:
    origin = parse_policy(MANAGED, "identity", "managed policy shared")
    named = origin.named("user blocked-1 managed policy shared")
    again = parse_policy(MANAGED, "identity", "user blocked-1 managed policy shared")
    assert named.origin is origin and again.origin is again
    assert named.condition_keys == again.condition_keys == origin.condition_keys
    assert [s.source for s in named.statements] == [s.source for s in again.statements]
    actions = ("kms:decrypt", "kms:encrypt", "kms:disablekey", "kms:createalias", "kms:describekey")
    assert named.action_classes(actions) == again.action_classes(actions)
    for action in actions:  # asked of the origin, answered in the copy's own statements
        for effect in (None, "Allow", "Deny"):
            assert [(s.source, s.index) for s in named.statements_for(action, effect)] == \
                [(s.source, s.index) for s in again.statements_for(action, effect)]
    for principal in ("arn:aws:iam::111122223333:user/blocked-1", "arn:aws:iam::111122223333:user/open-1"):
        for action in ("kms:Decrypt", "kms:Encrypt"):
            for context in ({}, {"kms:ViaService": "s3.us-west-2.amazonaws.com"}):
                request = Request(principal, action, KEY, context=context)
                shared, fresh = PolicySet(KEY_POLICY, identity=[named]), PolicySet(KEY_POLICY, identity=[again])
                told, plain = evaluate(request, shared, now=NOW), evaluate(request, fresh, now=NOW)
                assert (told.result, told.decided_by, told.summary) == (plain.result, plain.decided_by, plain.summary)
                assert decide(request, shared, now=NOW).result == plain.result


def test_evidence_shows_what_describing_the_match_says() -> None:
    request = Request("arn:aws:iam::111122223333:user/alice", "kms:Decrypt", KEY,
                      context={"kms:ViaService": "s3.us-west-2.amazonaws.com"})
    decision = evaluate(request, PolicySet(KEY_POLICY, identity=[MANAGED]), now=NOW)
    shown = [e for step in decision.trace.steps for e in step.evidence if hasattr(e, "conditions")]
    assert shown, "the trace shows statement evidence"
    for evidence in shown:
        action, resource, principal, conditions = evidence._describe()
        assert (evidence.action, evidence.resource, evidence.principal) == (action, resource, principal)
        assert [(c.key, c.request_values, c.result) for c in evidence.conditions] == \
            [(c.key, c.request_values, c.result) for c in conditions]
    identity = next(e for e in shown if e.policy_kind == "identity")
    assert identity.conditions[0].key == "kms:ViaService" and identity.conditions[0].result is True


def test_a_matrix_fill_pauses_the_collector_and_resumes_it() -> None:
    """fill() turns cyclic garbage collection off while it runs (on the ground, checked below, that a
    fill makes no reference cycles) and leaves the collector, and what a caller froze, as they were."""
    from kmstui.analysis import matrix as matrix_module
    from kmstui.sources.demo import load_demo

    snapshot = load_demo()
    for planned in (matrix_module.plan_key_matrix(snapshot, snapshot.keys[1].arn),
                    matrix_module.plan_principal_matrix(snapshot, snapshot.principals[1].arn)):
        seen = []
        assert gc.isenabled()
        matrix_module.fill(planned, progress=lambda done, total, seen=seen: seen.append(gc.isenabled()))
        assert gc.isenabled() and seen and not any(seen) and planned.complete
    gc.disable()
    try:
        matrix_module.fill(matrix_module.plan_key_matrix(snapshot, snapshot.keys[0].arn))
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
    gc.freeze()  # what a caller froze (the app does) stays frozen
    try:
        frozen = gc.get_freeze_count()
        matrix_module.fill(matrix_module.plan_key_matrix(snapshot, snapshot.keys[0].arn))
        assert gc.get_freeze_count() > frozen // 2  # not unfrozen (a frozen object that dies leaves the count)
    finally:
        gc.unfreeze()


# Run in a new interpreter: in the test process, threads that earlier app tests left winding down make
# garbage of their own while a fill runs.
_GARBAGE = """
import gc, json, sys
sys.path.insert(0, {tests!r})
from bench_matrix import generate_snapshot
from kmstui.analysis import matrix as m
from kmstui.sources.demo import load_demo

collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
after_fill = []
for snapshot in (load_demo(), generate_snapshot(300, 20)):
    for planned in (m.plan_key_matrix(snapshot, snapshot.keys[1].arn),
                    m.plan_principal_matrix(snapshot, snapshot.principals[1].arn)):
        gc.collect()
        collections.clear()
        m.fill(planned)
        made_after = [[] for _ in range(100)]  # would set off a collection of all the fill kept, were it young
        after_fill.append((len(collections), gc.get_freeze_count(), gc.collect()))
        planned.cell_decision(0, "kms:Decrypt")
matrix = m.matrix_for_key(snapshot, snapshot.keys[1].arn)
matrix.cell_decision(0, "kms:Decrypt")
del snapshot, planned
gc.collect()
gc.disable()
del matrix
print(json.dumps({{"after_fill": after_fill, "dropped": gc.collect()}}))
"""


def test_a_fill_makes_no_cycles_and_a_dropped_snapshot_is_freed_without_the_collector() -> None:
    """What a fill keeps goes to the oldest generation, and nothing it made is left for the collector.
    A dropped snapshot and its matrix are freed by reference counts: the app freezes what exists while a
    matrix fills, so a cycle would keep them for good (a parsed policy once named itself as its origin)."""
    import subprocess
    import sys
    from pathlib import Path

    code = _GARBAGE.format(tests=str(Path(__file__).resolve().parent))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    found = json.loads(out)
    for collections, frozen, garbage in found["after_fill"]:
        assert collections == 0 and frozen == 0 and garbage == 0
    assert found["dropped"] == 0
