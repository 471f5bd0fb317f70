"""The request context: condition keys with values, each marked given, derived or default.

Values the user gives win. The rest are derived from the caller, the key's metadata, tags and
aliases, and the request (unless derivation is off, to replay a CloudTrail event exactly). Keys with
no value are *unknown*: the trace says so, and the decision names them when they would matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from kmstui.principals import Caller

GIVEN, DERIVED, DEFAULT, UNKNOWN = "given", "derived", "default", "unknown"


@dataclass(frozen=True)
class ContextValue:
    name: str
    values: tuple[str, ...]
    provenance: str
    source: str = ""  # where a derived value came from


class Context:
    """Condition keys (case-insensitive) to values, with provenance."""

    def __init__(self, entries: Iterable[ContextValue]) -> None:
        self._entries: dict[str, ContextValue] = {}
        for entry in entries:
            self._entries[entry.name.lower()] = entry

    def get(self, key: str) -> ContextValue | None:
        return self._entries.get(key.lower())

    def values(self, key: str) -> tuple[str, ...] | None:
        entry = self._entries.get(key.lower())
        return entry.values if entry is not None else None

    def __iter__(self):
        return iter(sorted(self._entries.values(), key=lambda e: e.name.lower()))

    def __len__(self) -> int:
        return len(self._entries)


def to_text_values(value: Any) -> tuple[str, ...]:
    """A context value as given (string, number, boolean or list) as text values."""
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        else:
            out.append(str(item))
    return tuple(out)


@dataclass(frozen=True)
class KeyFacts:
    """What is known about the key for derivation."""

    arn: str | None
    account: str | None
    metadata: Mapping[str, Any] | None
    tags: Mapping[str, str] | None
    aliases: tuple[str, ...] | None  # alias names pointing at this key
    request_alias: str | None


def build_context(given: Mapping[str, Any] | None, caller: Caller, key: KeyFacts | None, derive: bool,
                  now: datetime | None = None) -> Context:
    """Given values first; derived and default ones fill the gaps when ``derive`` is on."""
    entries: dict[str, ContextValue] = {}
    for name, value in (given or {}).items():
        entries[name.lower()] = ContextValue(name, to_text_values(value), GIVEN)
    if derive:
        for entry in _derived(caller, key, now, entries):
            entries.setdefault(entry.name.lower(), entry)
    return Context(entries.values())


def _derived(caller: Caller, key: KeyFacts | None, now: datetime | None, given: Mapping[str, ContextValue]) -> Iterable[ContextValue]:
    principal = "from the principal ARN"
    if caller.kind != "service":
        yield ContextValue("aws:PrincipalArn", (caller.principal_arn,), DERIVED, principal)
        yield ContextValue("aws:PrincipalAccount", (caller.account or "",), DERIVED, principal)
        yield ContextValue("aws:PrincipalType", (caller.principal_type,), DERIVED, principal)
        yield ContextValue("kms:CallerAccount", (caller.account or "",), DERIVED, principal)
        yield ContextValue("aws:PrincipalIsAWSService", ("false",), DERIVED, principal)
        if caller.kind == "user":
            yield ContextValue("aws:username", (caller.name,), DERIVED, principal)
    else:
        yield ContextValue("aws:PrincipalServiceName", (caller.arn,), DERIVED, principal)
        yield ContextValue("aws:PrincipalIsAWSService", ("true",), DERIVED, principal)
    if key is not None:
        if key.account:
            yield ContextValue("aws:ResourceAccount", (key.account,), DERIVED, "from the key ARN")
        for tag, value in (key.tags or {}).items():
            yield ContextValue(f"aws:ResourceTag/{tag}", (str(value),), DERIVED, "from the key's tags")
        metadata = key.metadata or {}
        for name, field in (("kms:KeySpec", "KeySpec"), ("kms:KeyUsage", "KeyUsage"), ("kms:KeyOrigin", "Origin")):
            if field in metadata:
                yield ContextValue(name, (str(metadata[field]),), DERIVED, "from the key's metadata")
        if "MultiRegion" in metadata:
            yield ContextValue("kms:MultiRegion", to_text_values(bool(metadata["MultiRegion"])), DERIVED, "from the key's metadata")
        region_type = (metadata.get("MultiRegionConfiguration") or {}).get("MultiRegionKeyType")
        if region_type:
            yield ContextValue("kms:MultiRegionKeyType", (str(region_type),), DERIVED, "from the key's metadata")
        if key.aliases is not None:
            yield ContextValue("kms:ResourceAliases", key.aliases, DERIVED, "from the key's aliases")
        if key.request_alias:
            yield ContextValue("kms:RequestAlias", (key.request_alias,), DERIVED, "the request names the key by this alias")
    encryption_keys = tuple(
        entry.name.split(":", 2)[2] for lower, entry in given.items() if lower.startswith("kms:encryptioncontext:")
    )
    if encryption_keys:
        yield ContextValue("kms:EncryptionContextKeys", encryption_keys, DERIVED, "from the encryption context")
    yield ContextValue("aws:SecureTransport", ("true",), DEFAULT, "KMS requires TLS")
    moment = now or datetime.now(timezone.utc)
    yield ContextValue("aws:CurrentTime", (moment.strftime("%Y-%m-%dT%H:%M:%SZ"),), DEFAULT, "the time of evaluation")
    yield ContextValue("aws:EpochTime", (str(int(moment.timestamp())),), DEFAULT, "the time of evaluation")
