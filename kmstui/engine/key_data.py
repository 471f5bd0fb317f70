"""The KMS data a decision reads besides policies, checked once: grants, tags, key metadata, aliases.

Each takes saved AWS CLI output (``list-grants``, ``list-resource-tags``, ``describe-key``,
``list-aliases``) or the list or object inside it, and raises :class:`PolicyError` naming the
source and the element (``grants.json, Grants[0].Constraints: …``) for anything of the wrong shape,
so that no wrong type reaches evaluation and silently changes a verdict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from kmstui.policy.document import PolicyError

KEY_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:[a-z0-9-]*:[0-9]{12}:key/[A-Za-z0-9-]+$")
ALIAS_ARN = re.compile(r"^arn:[a-z0-9-]+:kms:[a-z0-9-]*:[0-9]{12}:alias/.+$")
KEY_ID = re.compile(r"^[A-Za-z0-9-]+$")


def is_key_arn(text: object) -> bool:
    """arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID, with a 12-digit account."""
    return isinstance(text, str) and KEY_ARN.match(text) is not None

# describe-key fields the engine reads, and their JSON types.
_METADATA_TEXT = ("KeyId", "Arn", "KeySpec", "CustomerMasterKeySpec", "KeyUsage", "Origin", "KeyManager", "KeyState",
                  "Description", "AWSAccountId", "CustomKeyStoreId")
_METADATA_FLAGS = ("MultiRegion", "Enabled")


def parse_grants(value: Any, source: str = "grants") -> tuple[dict[str, Any], ...]:
    """``list-grants`` entries (or the whole output), checked for what the engine reads."""
    if not value and isinstance(value, (list, tuple)):
        return ()  # most PolicySets have no grants: no further checks
    if isinstance(value, Mapping) and "Grants" in value:
        value = value["Grants"]
    if not isinstance(value, (list, tuple)):
        raise PolicyError(source, None, "Grants", "must be a list of list-grants entries")
    known = _grant_operations()
    for index, grant in enumerate(value):
        where = f"Grants[{index}]"
        if not isinstance(grant, Mapping) or not isinstance(grant.get("Operations"), list):
            raise PolicyError(source, None, where, "each grant needs an Operations list")
        for name in ("GrantId", "Name", "KeyId", "GranteePrincipal", "GranteeServicePrincipal", "RetiringPrincipal",
                     "RetiringServicePrincipal", "IssuingAccount"):
            if grant.get(name) is not None and not isinstance(grant[name], str):
                raise PolicyError(source, None, f"{where}.{name}", f"must be a string, not {_kind(grant[name])}")
        unknown = next((o for o in grant["Operations"] if not isinstance(o, str) or o not in known), None)
        if unknown is not None:
            raise PolicyError(source, None, f"{where}.Operations",
                              f"{unknown!r} is not a grant operation (KMS takes {', '.join(sorted(known))})"
                              if isinstance(unknown, str) else f"operations are strings, not {_kind(unknown)}")
        if not (grant.get("GranteePrincipal") or grant.get("GranteeServicePrincipal") or grant.get("RetiringPrincipal")):
            raise PolicyError(source, None, where, "a grant needs a GranteePrincipal")
        _constraints(grant.get("Constraints"), source, f"{where}.Constraints")
    return tuple(dict(g) for g in value)


def _constraints(value: Any, source: str, where: str) -> None:
    """EncryptionContextEquals / EncryptionContextSubset: objects of string keys to string values."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise PolicyError(source, None, where, f"must be an object, not {_kind(value)}")
    for name, pairs in value.items():
        if name not in ("EncryptionContextEquals", "EncryptionContextSubset"):
            raise PolicyError(source, None, f"{where}.{name}",
                              "is not a grant constraint (EncryptionContextEquals or EncryptionContextSubset)")
        if not isinstance(pairs, Mapping) or not all(isinstance(v, str) for v in pairs.values()):
            raise PolicyError(source, None, f"{where}.{name}", "must be an object of encryption context keys to strings")


@lru_cache(maxsize=1)
def _grant_operations() -> frozenset[str]:
    """CreateGrant's Operations, as the reference records them (botocore's GrantOperation enum)."""
    from kmstui.reference.model import load_reference

    key = load_reference().condition_key("kms:GrantOperations")
    return frozenset(key.valid_values if key and key.valid_values else ())


def parse_tags(value: Any, source: str = "key tags") -> dict[str, str]:
    """A key's tags: ``list-resource-tags`` output (TagKey/TagValue), its Tags list, or an object of strings."""
    if isinstance(value, Mapping) and "Tags" in value:
        value = value["Tags"]
    if isinstance(value, list):
        tags = {}
        for index, tag in enumerate(value):
            if not (isinstance(tag, Mapping) and isinstance(tag.get("TagKey"), str) and isinstance(tag.get("TagValue"), str)):
                hint = " (IAM's Key/Value tags? KMS's list-resource-tags writes TagKey and TagValue)" if (
                    isinstance(tag, Mapping) and "Key" in tag) else ""
                raise PolicyError(source, None, f"Tags[{index}]", "expected an object with TagKey and TagValue strings" + hint)
            tags[tag["TagKey"]] = tag["TagValue"]
        return tags
    if isinstance(value, Mapping):
        bad = next((k for k, v in value.items() if not isinstance(v, str)), None)
        if bad is None:
            return dict(value)
        raise PolicyError(source, None, f"Tags.{bad}", f"a tag value is a string, not {_kind(value[bad])}")
    raise PolicyError(source, None, "Tags", "expected list-resource-tags output or an object of tag keys to values")


def parse_metadata(value: Any, source: str = "key metadata") -> dict[str, Any]:
    """A key's metadata: ``describe-key`` output or its KeyMetadata object (with its KeyId or Arn)."""
    if isinstance(value, Mapping) and "KeyMetadata" in value:
        value = value["KeyMetadata"]
    if isinstance(value, Mapping) and not value:
        return {}  # nothing known about the key (a snapshot without its describe-key)
    if not isinstance(value, Mapping) or not any(name in value for name in _METADATA_TEXT + _METADATA_FLAGS):
        raise PolicyError(source, None, "KeyMetadata", "expected describe-key output (an object with KeyMetadata, "
                          "which has KeyId, Arn, KeySpec, KeyUsage, …)")
    for name in _METADATA_TEXT:
        if value.get(name) is not None and not isinstance(value[name], str):
            raise PolicyError(source, None, f"KeyMetadata.{name}", f"must be a string, not {_kind(value[name])}")
    for name in _METADATA_FLAGS:
        if value.get(name) is not None and not isinstance(value[name], bool):
            raise PolicyError(source, None, f"KeyMetadata.{name}", f"must be true or false, not {_kind(value[name])}")
    arn = value.get("Arn")
    if arn is not None and not is_key_arn(arn):
        raise PolicyError(source, None, "KeyMetadata.Arn", "expected a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)")
    region = value.get("MultiRegionConfiguration")
    if region is not None and not isinstance(region, Mapping):
        raise PolicyError(source, None, "KeyMetadata.MultiRegionConfiguration", f"must be an object, not {_kind(region)}")
    return dict(value)


def parse_aliases(value: Any, source: str = "aliases") -> tuple[dict[str, Any], ...]:
    """``list-aliases`` output or its Aliases list: entries with an AliasName (alias/…)."""
    if isinstance(value, Mapping):
        if "Aliases" not in value:
            raise PolicyError(source, None, "Aliases", "expected list-aliases output (an object with an Aliases list)")
        value = value["Aliases"]
    if not isinstance(value, (list, tuple)):
        raise PolicyError(source, None, "Aliases", "expected a list of list-aliases entries")
    for index, alias in enumerate(value):
        where = f"Aliases[{index}]"
        if not isinstance(alias, Mapping) or not isinstance(alias.get("AliasName"), str):
            raise PolicyError(source, None, where, "each alias needs an AliasName string")
        if not alias["AliasName"].startswith("alias/") or alias["AliasName"] == "alias/":
            raise PolicyError(source, None, f"{where}.AliasName", f"{alias['AliasName']!r} does not start with alias/")
        for name in ("AliasArn", "TargetKeyId"):
            if alias.get(name) is not None and not isinstance(alias[name], str):
                raise PolicyError(source, None, f"{where}.{name}", f"must be a string, not {_kind(alias[name])}")
        if alias.get("AliasArn") is not None and not ALIAS_ARN.match(alias["AliasArn"]):
            raise PolicyError(source, None, f"{where}.AliasArn", "expected an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME)")
        target = alias.get("TargetKeyId")
        if target is not None and not (is_key_arn(target) if target.startswith("arn:") else KEY_ID.match(target)):
            raise PolicyError(source, None, f"{where}.TargetKeyId", f"{target!r} is not a key id or key ARN")
    return tuple(dict(a) for a in value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
