"""Metamorphic tests of the engine: rewriting a policy without changing its meaning never changes the decision.

Seeds are the golden corpus (tests/corpus/*.json, built into a Request and PolicySet as
tests/test_corpus.py does). Each transformation rests on a documented property of AWS policies:

* statement order does not matter (IAM policy evaluation logic: every statement is evaluated; an
  explicit Deny wins wherever it is);
* the order of keys inside a JSON object does not matter, nor does insignificant whitespace or the
  line ending (RFC 8259), nor passing the document as text or as a parsed object (README Python API);
* ``Statement`` may be one statement or a list of them; ``Action``/``NotAction``/``Resource``/
  ``NotResource``/principal ARNs and condition values may be a string or a list of strings: a
  one-element list means the same as the string (IAM JSON policy grammar);
* action names are case-insensitive (IAM JSON reference, Action);
* ``Sid`` is only an identifier (IAM JSON reference, Sid): dropping it changes nothing;
* an identity policy split into two identity policies of the same principal, or an SCP/RCP split into
  two policies at the same level, grants and denies the same (IAM evaluation: the union of allows,
  any deny; Organizations: a level allows what any of its policies allows);
* a statement about an unrelated service or principal changes nothing for this request.

The decision compared is (result, decided_by, deny_source, blocker) and the same for every linked part.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmstui import PolicySet, Request, evaluate
from test_corpus import NOW, SCENARIOS

POLICY_FIELDS = ("key_policy", "identity", "boundary", "session", "scps", "rcps", "vpc_endpoint")
LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


# -- running a scenario ----------------------------------------------------------------------------
def decide(scenario: dict[str, Any], policies: dict[str, Any]) -> tuple[Any, ...]:
    request = scenario["request"]
    decision = evaluate(Request(request["principal"], request["action"], request["resource"], request.get("resource_account"),
                                request.get("context"), request.get("derive", True)),
                        PolicySet(**{k: v for k, v in policies.items() if v is not None}), now=NOW)
    parts = tuple((p.part, p.result, p.decided_by, getattr(p, "deny_source", None), getattr(p, "blocker", None))
                  for p in decision.parts) if len(decision.parts) > 1 else ()
    return decision.result, decision.decided_by, decision.deny_source, decision.blocker, parts


# -- where the policies are ----------------------------------------------------------------------------
def slots(policies: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Paths (field, index, ...) to every policy document (a dict with Statement) in a scenario's policies."""
    found: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict) and "Statement" in value:
            found.append(path)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    for field in POLICY_FIELDS:
        if policies.get(field) is not None:
            walk(policies[field], (field,))
    return found


def get(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        root = root[step]
    return root


def put(root: Any, path: tuple[Any, ...], value: Any) -> None:
    get(root, path[:-1])[path[-1]] = value


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    s = policy["Statement"]
    return s if isinstance(s, list) else [s]


# -- transformations: (policy, rng) -> policy, each meaning-preserving -----------------------------------
def reorder_statements(policy: dict[str, Any], rng: random.Random) -> Any:
    if isinstance(policy["Statement"], list):
        rng.shuffle(policy["Statement"])
    return policy


def reverse_statements(policy: dict[str, Any], rng: random.Random) -> Any:
    if isinstance(policy["Statement"], list):
        policy["Statement"].reverse()
    return policy


def reorder_keys(policy: dict[str, Any], rng: random.Random) -> Any:
    def shuffle(value: Any) -> Any:
        if isinstance(value, dict):
            items = list(value.items())
            rng.shuffle(items)
            return {k: shuffle(v) for k, v in items}
        if isinstance(value, list):
            return [shuffle(v) for v in value]
        return value
    return shuffle(policy)


def as_text_with_whitespace(policy: dict[str, Any], rng: random.Random) -> Any:
    indent = rng.choice([None, 0, 1, 2, 4, 8, "\t"])
    separators = rng.choice([(",", ":"), (", ", ": "), (" ,  ", " :  ")])
    text = json.dumps(policy, indent=indent, separators=separators)
    if rng.random() < 0.5:
        text = text.replace("\n", "\r\n")
    return rng.choice(["", "\n", "  \n\t"]) + text + rng.choice(["", "\n", " \r\n\n"])


def statement_object_or_list(policy: dict[str, Any], rng: random.Random) -> Any:
    s = policy["Statement"]
    if isinstance(s, list) and len(s) == 1:
        policy["Statement"] = s[0]
    elif isinstance(s, dict):
        policy["Statement"] = [s]
    return policy


def strings_to_lists(policy: dict[str, Any], rng: random.Random) -> Any:
    """A string becomes a one-element list (and a one-element list a string) in Action, Resource, principals, conditions."""
    def flip(value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
            return value[0]
        return value

    for s in statements(policy):
        for element in LIST_ELEMENTS:
            if element in s and rng.random() < 0.8:
                s[element] = flip(s[element])
        for element in ("Principal", "NotPrincipal"):
            if isinstance(s.get(element), dict):
                for kind in s[element]:
                    if rng.random() < 0.8:
                        s[element][kind] = flip(s[element][kind])
        for operator, keys in (s.get("Condition") or {}).items():
            if isinstance(keys, dict):
                for key in keys:
                    if rng.random() < 0.8:
                        keys[key] = flip(keys[key])
    return policy


def action_case(policy: dict[str, Any], rng: random.Random) -> Any:
    def scramble(action: str) -> str:
        if ":" not in action:
            return action
        prefix, name = action.split(":", 1)
        name = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
        return f"{prefix}:{name}"

    for s in statements(policy):
        for element in ("Action", "NotAction"):
            if isinstance(s.get(element), str):
                s[element] = scramble(s[element])
            elif isinstance(s.get(element), list):
                s[element] = [scramble(a) if isinstance(a, str) else a for a in s[element]]
    return policy


def drop_sids(policy: dict[str, Any], rng: random.Random) -> Any:
    for s in statements(policy):
        s.pop("Sid", None)
    return policy


def add_unrelated_statement(policy: dict[str, Any], rng: random.Random) -> Any:
    extra: dict[str, Any] = {"Effect": rng.choice(["Allow", "Deny"]), "Action": ["s3:GetObject", "dynamodb:Query"],
                             "Resource": "arn:aws:s3:::example-metamorphic-bucket/*"}
    with_principals = [s for s in statements(policy) if "Principal" in s or "NotPrincipal" in s]
    if with_principals and all(s.get("Principal") == "*" for s in with_principals):
        extra["Principal"] = "*"  # RCPs and VPC endpoint policies: only Principal "*"; an S3 action changes nothing for KMS
    elif with_principals:  # a key policy: a principal that is never the caller
        extra["Principal"] = {"AWS": "arn:aws:iam::111122223333:user/MetamorphicNobody"}
        extra["Action"] = "kms:Decrypt" if extra["Effect"] == "Allow" else "s3:GetObject"
        extra["Resource"] = "*"
    s = policy["Statement"]
    policy["Statement"] = (s if isinstance(s, list) else [s]) + [extra]
    if rng.random() < 0.5:
        policy["Statement"].reverse()
    return policy


TRANSFORMS: dict[str, Callable[[dict[str, Any], random.Random], Any]] = {
    "reorder_statements": reorder_statements, "reverse_statements": reverse_statements, "reorder_keys": reorder_keys,
    "statement_object_or_list": statement_object_or_list, "strings_to_lists": strings_to_lists, "action_case": action_case,
    "drop_sids": drop_sids, "add_unrelated_statement": add_unrelated_statement, "as_text_with_whitespace": as_text_with_whitespace,
}
LAST_ONLY = {"as_text_with_whitespace"}  # turns the document into text: nothing structural after it


def splittable(path: tuple[Any, ...]) -> bool:
    """Identity policies (a list) and SCP/RCP levels (lists of policies) may hold one more policy."""
    return (path[0] == "identity" and len(path) == 2) or (path[0] in ("scps", "rcps") and len(path) == 3)


def split_policy(policies: dict[str, Any], path: tuple[Any, ...], rng: random.Random) -> bool:
    policy = get(policies, path)
    items = statements(policy)
    if len(items) < 2:
        return False
    cut = rng.randint(1, len(items) - 1)
    order = items[:]
    rng.shuffle(order)
    first, second = dict(policy), dict(policy)
    first["Statement"], second["Statement"] = order[:cut], order[cut:]
    holder = get(policies, path[:-1])
    holder[path[-1]] = first
    holder.insert(path[-1] + 1, second)
    return True


def transformed(scenario: dict[str, Any], names: list[str], rng: random.Random, split: bool = False) -> dict[str, Any] | None:
    policies = copy.deepcopy(scenario["policies"])
    paths = slots(policies)
    if not paths:
        return None
    if split:
        candidates = [p for p in paths if splittable(p) and len(statements(get(policies, p))) >= 2]
        if not candidates:
            return None
        split_policy(policies, rng.choice(candidates), rng)
        paths = slots(policies)
    path = rng.choice(paths)
    policy = get(policies, path)
    for name in names:
        policy = TRANSFORMS[name](policy, rng)
    put(policies, path, policy)
    return policies


# -- every scenario, every transformation, once --------------------------------------------------------------
BASELINE: dict[str, tuple[Any, ...]] = {}


def baseline(scenario: dict[str, Any]) -> tuple[Any, ...]:
    if scenario["id"] not in BASELINE:
        BASELINE[scenario["id"]] = decide(scenario, scenario["policies"])
    return BASELINE[scenario["id"]]


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_scenario_survives_transformation(name: str) -> None:
    """Applied to every policy of every golden scenario in turn (deterministic seed)."""
    rng = random.Random(f"metamorphic-{name}")
    changed: list[str] = []
    tried = 0
    for scenario in SCENARIOS:
        for path in slots(copy.deepcopy(scenario["policies"])):
            policies = copy.deepcopy(scenario["policies"])
            put(policies, path, TRANSFORMS[name](get(policies, path), rng))
            tried += 1
            before, after = baseline(scenario), decide(scenario, policies)
            if before != after:
                changed.append(f"{scenario['id']} {'/'.join(map(str, path))}: {before[:4]} -> {after[:4]}")
    assert tried > 500
    assert not changed, f"{len(changed)} of {tried} decisions changed under {name}:\n" + "\n".join(changed[:15])


def test_every_splittable_policy_survives_a_split() -> None:
    rng = random.Random("metamorphic-split")
    changed, tried = [], 0
    for scenario in SCENARIOS:
        for path in slots(copy.deepcopy(scenario["policies"])):
            policies = copy.deepcopy(scenario["policies"])
            if not splittable(path) or not split_policy(policies, path, rng):
                continue
            tried += 1
            before, after = baseline(scenario), decide(scenario, policies)
            if before != after:
                changed.append(f"{scenario['id']} {'/'.join(map(str, path))}: {before[:4]} -> {after[:4]}")
    assert tried >= 10
    assert not changed, f"{len(changed)} of {tried} decisions changed under a split:\n" + "\n".join(changed[:15])


# -- random combinations (hypothesis chooses the scenario, the transformations and their order) -------------------
STRUCTURAL = sorted(set(TRANSFORMS) - LAST_ONLY)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(SCENARIOS) - 1), names=st.lists(st.sampled_from(STRUCTURAL), min_size=1, max_size=4),
       as_text=st.booleans(), split=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_combined_transformations_keep_the_decision(index: int, names: list[str], as_text: bool, split: bool, seed: int) -> None:
    scenario = SCENARIOS[index]
    policies = transformed(scenario, names + (["as_text_with_whitespace"] if as_text else []), random.Random(seed), split=split)
    if policies is None:
        return
    assert decide(scenario, policies) == baseline(scenario), f"{scenario['id']}: {names}, split={split}, text={as_text}"


def test_transformations_are_not_identity() -> None:
    """Guard against a transformation that silently does nothing (a test that cannot fail)."""
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-west-2.amazonaws.com"}}},
        {"Sid": "B", "Effect": "Deny", "Principal": "*", "Action": ["kms:ScheduleKeyDeletion"], "Resource": "*"}]}
    for name, transform in TRANSFORMS.items():
        changed = any(json.dumps(transform(copy.deepcopy(p), random.Random(seed))) != json.dumps(p)
                      for seed in range(5) for p in (policy, {**policy, "Statement": policy["Statement"][:1]}))
        assert changed, name
