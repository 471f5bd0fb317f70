"""The hand-kept overlay: facts only the KMS or IAM guides state, each with its source note.

Loading checks the overlay's shape up front, so that a typo in ``overlay.json`` fails with the
entry's name instead of surfacing as a wrong fact in the generated reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmstui.reference.refgen.errors import InputError
from kmstui.reference.refgen.locate import OVERLAY_PATH

POLICY_TYPES = ("key_policy", "iam_policy", "iam_and_key_policy")
CROSS_ACCOUNT = ("yes", "no", "not_applicable")
POLICIES = ("key_policy", "iam_policy")
KEY_TYPES = ("String", "ArrayOfString", "Bool", "Numeric", "Date", "ARN", "IPAddress", "Binary")

_ACTION_FIELDS = {
    "description", "source", "key_types", "resource_notes", "group_overrides", "extra_condition_keys",
    "notes", "policy_type", "cross_account", "inferred",
}
_KEY_FIELDS = {
    "description", "source", "type", "multivalued", "policies", "deprecated_by", "values_from_enum",
    "valid_values", "values_from", "notes", "define",
}


class OverlayError(InputError):
    """overlay.json has an entry the generator cannot use."""


@dataclass
class Overlay:
    """The overlay, checked; fields mirror the top-level sections of overlay.json."""

    resource_types: dict[str, dict[str, str]]
    group_order: list[str]
    group_default: dict[str, str]
    group_without_key_resource: dict[str, str]
    actions: dict[str, dict[str, Any]]
    condition_keys: dict[str, dict[str, Any]]
    global_keys: dict[str, dict[str, Any]]
    global_keys_source: str

    def action(self, name: str) -> dict[str, Any]:
        return self.actions.get(name, {})


def _fail(where: str, problem: str) -> None:
    raise OverlayError(f"overlay.json, {where}: {problem}")


def _check_common(name: str, entry: dict[str, Any], fields: set[str] | frozenset[str]) -> None:
    """What every overlay entry needs: known fields, a description and a source note."""
    unknown = set(entry) - fields
    if unknown:
        _fail(name, f"unknown field(s) {sorted(unknown)}")
    for field in ("description", "source"):
        if not isinstance(entry.get(field), str) or not entry[field].strip():
            _fail(name, f"needs a non-empty {field}")


def _check_action(name: str, entry: dict[str, Any], groups: list[str]) -> None:
    _check_common(name, entry, _ACTION_FIELDS)
    if "\n" in entry["description"]:
        _fail(name, "description must be one line")
    if entry.get("policy_type", POLICY_TYPES[0]) not in POLICY_TYPES:
        _fail(name, f"policy_type must be one of {POLICY_TYPES}")
    if entry.get("cross_account", CROSS_ACCOUNT[0]) not in CROSS_ACCOUNT:
        _fail(name, f"cross_account must be one of {CROSS_ACCOUNT}")
    for key, group in entry.get("group_overrides", {}).items():
        if group not in groups:
            _fail(name, f"group {group!r} for {key} is not in condition_key_groups.order")
    for fact in entry.get("inferred", []):
        if fact not in entry:
            _fail(name, f"inferred fact {fact!r} has no value in the entry")


def _check_key(name: str, entry: dict[str, Any]) -> None:
    _check_common(name, entry, _KEY_FIELDS)
    if entry.get("type", "String") not in KEY_TYPES:
        _fail(name, f"type must be one of {KEY_TYPES}")
    if "define" in entry and entry["define"].get("type") not in KEY_TYPES:
        _fail(name, "define.type must be a condition key type")
    if any(p not in POLICIES for p in entry.get("policies", POLICIES)):
        _fail(name, f"policies must be drawn from {POLICIES}")


def parse_overlay(data: dict[str, Any]) -> Overlay:
    """Check the overlay's JSON and wrap it."""
    try:
        groups = data["condition_key_groups"]
        overlay = Overlay(
            resource_types=data["resource_types"],
            group_order=list(groups["order"]),
            group_default=dict(groups["default"]),
            group_without_key_resource=dict(groups.get("without_key_resource", {})),
            actions=data["actions"],
            condition_keys=data["condition_keys"],
            global_keys=data["global_condition_keys"]["keys"],
            global_keys_source=data["global_condition_keys"]["source"],
        )
    except KeyError as missing:
        raise OverlayError(f"overlay.json: missing section {missing}") from None
    for title in [*overlay.group_default.values(), *overlay.group_without_key_resource.values()]:
        if title not in overlay.group_order:
            _fail("condition_key_groups", f"group {title!r} is not in order")
    for name, entry in overlay.actions.items():
        _check_action(name, entry, overlay.group_order)
    for name, entry in overlay.condition_keys.items():
        _check_key(name, entry)
    for name, entry in overlay.global_keys.items():
        if not name.startswith("aws:"):
            _fail(name, "global condition keys start with aws:")
        if entry.get("type") not in KEY_TYPES or not isinstance(entry.get("multivalued"), bool) or not entry.get("description"):
            _fail(name, "a global key needs type, multivalued and description")
    return overlay


def load_overlay(path: Path | None = None) -> Overlay:
    """Read and check overlay.json (the packaged one unless ``path`` is given)."""
    target = Path(path) if path is not None else OVERLAY_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OverlayError(f"overlay not found at {target}") from None
    except json.JSONDecodeError as error:
        raise OverlayError(f"overlay.json is not valid JSON: {error}") from None
    return parse_overlay(data)
