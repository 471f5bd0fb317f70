"""What changed for one permission between the 2021 table and today, as short readable lines.

Computed, never hand-written, so the history cannot drift from the facts it compares.
"""

from __future__ import annotations

from typing import Any

from kmstui.reference.refgen.seed_table import SeedRow

NEW = "new since the 2021 table"
_SEED_RESOURCE_WORDS = {"CMK": "KMS key", "Alias": "alias"}
_LABELS = {"key_policy": "key policy", "iam_policy": "IAM policy", "iam_and_key_policy": "IAM policy (alias) + key policy (key)"}
_CROSS = {"yes": "Yes", "no": "No", "not_applicable": "N/A"}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def seed_resource_label(label: str) -> str:
    """A 2021 resource cell in today's words: "CMK (symmetric only)" → "KMS key (symmetric only)"."""
    head, _, rest = label.partition(" ")
    return " ".join(filter(None, [_SEED_RESOURCE_WORDS.get(head, head), rest]))


def resource_label(resource: dict[str, Any]) -> str:
    base = {"key": "KMS key", "alias": "alias"}.get(resource["type"], resource["type"])
    return f"{base} ({resource['key_types']})" if resource.get("key_types") else base


def changes_since_seed(action: dict[str, Any], row: SeedRow | None, deprecated_by: dict[str, str]) -> list[str]:
    """The changes between the seed row and today's ``action`` record (empty when nothing changed)."""
    if row is None:
        return [NEW]
    changes = []
    if row.policy_type_code != action["policy_type"]:
        changes.append(f"policy type: {_LABELS[row.policy_type_code]} → {_LABELS[action['policy_type']]}")
    seed_cross = row.cross_account_code
    if seed_cross is None:
        changes.append(f"cross-account use: the 2021 table gave a note instead of Yes/No; now {_CROSS[action['cross_account']]}")
    elif seed_cross != action["cross_account"]:
        changes.append(f"cross-account use: {_CROSS[seed_cross]} → {_CROSS[action['cross_account']]}")
    old = _unique([block.resource_label for block in row.blocks])
    new = _unique([resource_label(resource) for resource in action["resources"]])
    if [seed_resource_label(label) for label in old] != new:
        changes.append(f'resources: "{", ".join(old)}" → "{", ".join(new)}"')
    before, now = set(row.condition_keys), set(action["condition_keys"])
    changes += [f"+{key}" for key in sorted(now - before)]
    for key in sorted(before - now):
        replacement = deprecated_by.get(key)
        changes.append(f"-{key} (deprecated: {replacement})" if replacement else f"-{key}")
    return changes
