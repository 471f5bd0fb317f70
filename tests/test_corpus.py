"""The golden corpus: scenarios written from AWS's documentation (tests/corpus/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmstui import PolicySet, Request, evaluate

CORPUS = Path(__file__).with_name("corpus")
NOW = __import__("datetime").datetime(2026, 11, 23, 12, 0, tzinfo=__import__("datetime").timezone.utc)


def _expand(value: Any, library: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return library[value[1:]]
    if isinstance(value, list):
        return [_expand(v, library) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, library) for k, v in value.items()}
    return value


def load_corpus() -> list[dict[str, Any]]:
    scenarios = []
    for path in sorted(CORPUS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        library = data.get("library", {})
        for scenario in data["scenarios"]:
            scenario = dict(scenario)
            scenario["policies"] = _expand(scenario.get("policies", {}), library)
            scenario["file"] = path.name
            scenarios.append(scenario)
    return scenarios


SCENARIOS = load_corpus()


def run(scenario: dict[str, Any]):
    request = scenario["request"]
    policies = PolicySet(**{k: v for k, v in scenario["policies"].items() if v is not None})
    return evaluate(Request(request["principal"], request["action"], request["resource"],
                            request.get("resource_account"), request.get("context"), request.get("derive", True)),
                    policies, now=NOW)


def test_the_corpus_is_large_and_ids_unique() -> None:
    ids = [s["id"] for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert len(SCENARIOS) >= 250
    assert all(s.get("doc", "").startswith("https://docs.aws.amazon.com/") for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    decision = run(scenario)
    expect = scenario["expect"]
    got = {"result": decision.result, "decided_by": decision.decided_by}
    want = {"result": expect["result"], "decided_by": expect["decided_by"]}
    if "deny_source" in expect and expect["deny_source"]:
        got["deny_source"], want["deny_source"] = decision.deny_source, expect["deny_source"]
    if expect.get("blocker"):
        got["blocker"], want["blocker"] = decision.blocker, expect["blocker"]
    for name, part_expect in (expect.get("parts") or {}).items():
        part = next((p for p in decision.parts if p.part == name), None)
        got[name] = (part.result, part.decided_by) if part else None
        want[name] = (part_expect["result"], part_expect["decided_by"])
    assert got == want, f"{scenario['title']} ({scenario['doc']})\n{decision.summary}"
