"""Malformed policies: each gives one clear PolicyError naming the line and the element, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmstui.policy.document import PolicyError, parse_policy

FOLDER = Path(__file__).with_name("malformed")
EXPECTED = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))


def test_there_are_at_least_fifty() -> None:
    assert len(EXPECTED) >= 50
    assert {p.name for p in FOLDER.glob("*.json")} - {"expected.json"} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_policy(name: str) -> None:
    expect = EXPECTED[name]
    text = (FOLDER / name).read_text(encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, expect["kind"], source=name)
    error = caught.value
    message = str(error)
    assert "\n" not in message and message.startswith(name)
    assert error.line == expect["line"], message
    assert expect["element"].lower() in message.lower(), message
