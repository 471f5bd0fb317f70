"""The request context: condition keys with values, each marked given, derived or default.

Values the user gives win. The rest are derived from the caller, the key's metadata, tags and
aliases, and the request (unless derivation is off, to replay a CloudTrail event exactly). Keys with
no value are *unknown*: the trace says so, and the decision names them when they would matter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping

from kmstui.policy.principals import Caller
from kmstui.reference.model import Action, load_reference

GIVEN, DERIVED, DEFAULT, UNKNOWN = "given", "derived", "default", "unknown"


@dataclass(slots=True)
class ContextValue:
    name: str
    values: tuple[str, ...]
    provenance: str
    source: str = ""  # where a derived value came from


class Context:
    """Condition keys (case-insensitive) to values, with provenance.

    Given values are held as given; derived and default ones are produced by ``derive`` the first
    time a key is not among the given ones (most requests never need them all).
    """

    def __init__(self, given: Iterable[ContextValue], derive: Callable[[], Iterable[ContextValue]] | None = None,
                 carries: Callable[[str], bool] | None = None, carried: frozenset[str] | None = None) -> None:
        self.carried = carried  # the kms: keys the action's requests carry (None: not filtered), for memo keys
        self._given: dict[str, ContextValue] = {}
        self.ignored: tuple[ContextValue, ...] = ()  # given keys the action's requests never carry
        ignored = []
        for entry in given:
            if carries is None or carries(entry.name):
                self._given[entry.name.lower()] = entry
            else:
                ignored.append(entry)
        self.ignored = tuple(ignored)
        self._derive = derive
        self._carries = carries
        self._derived: dict[str, ContextValue] | None = None if derive else {}

    def _all_derived(self) -> dict[str, ContextValue]:
        if self._derived is None:
            assert self._derive is not None
            self._derived = {}
            for entry in self._derive():
                if self._carries is None or self._carries(entry.name):
                    self._derived.setdefault(entry.name.lower(), entry)
        return self._derived

    @property
    def given(self) -> tuple[ContextValue, ...]:
        return tuple(self._given.values())

    def get(self, key: str) -> ContextValue | None:
        lower = key.lower()
        entry = self._given.get(lower)
        if entry is None:
            entry = self._all_derived().get(lower)
        return entry

    def values(self, key: str) -> tuple[str, ...] | None:
        entry = self.get(key)
        return entry.values if entry is not None else None

    def __iter__(self) -> Iterator[ContextValue]:
        merged = dict(self._all_derived())
        merged.update(self._given)
        return iter(sorted(merged.values(), key=lambda e: e.name.lower()))

    def __len__(self) -> int:
        return len(list(iter(self)))


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


class SourcedContext(dict):  # type: ignore[type-arg]
    """A request's given context with where each value came from (``sources[key]``, e.g. "from
    CloudTrail: requestParameters.encryptionContext"), shown as that value's ``source``."""

    def __init__(self, values: Mapping[str, Any] | None = None, sources: Mapping[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.sources: dict[str, str] = dict(sources or {})


@dataclass(slots=True)
class KeyFacts:
    """What is known about the key for derivation."""

    arn: str | None
    account: str | None
    metadata: Mapping[str, Any] | None
    tags: Mapping[str, str] | None
    aliases: tuple[str, ...] | None  # alias names pointing at this key
    request_alias: str | None


def build_context(given: Mapping[str, Any] | None, caller: Caller, key: KeyFacts | None, derive: bool,
                  now: datetime | None = None, key_cache: dict[Any, tuple[ContextValue, ...]] | None = None,
                  action: Action | None = None) -> Context:
    """Given values first; derived and default ones fill the gaps when ``derive`` is on.

    ``key_cache`` (kept by a PolicySet) remembers what each key's facts derive, across evaluations.
    With ``action``, ``kms:`` keys its requests never carry are left out (``Context.ignored``).
    """
    sources = getattr(given, "sources", None) or {}
    entries = [ContextValue(name, to_text_values(value), GIVEN, sources.get(name, "")) for name, value in (given or {}).items()]
    carries = _carrier(action.name) if action is not None else None
    carried = load_reference().carried_keys(action) if action is not None else None
    if not derive:
        return Context(entries, carries=carries, carried=carried)

    def derived() -> Iterable[ContextValue]:
        yield from caller_values(caller)
        if key is not None:
            cache_key = (key.arn, key.request_alias)
            found = key_cache.get(cache_key) if key_cache is not None else None
            if found is None:
                found = tuple(key_values(key))
                if key_cache is not None:
                    key_cache[cache_key] = found
            yield from found
        encryption_keys = tuple(e.name.split(":", 2)[2] for e in entries if e.name.lower().startswith("kms:encryptioncontext:"))
        if encryption_keys:
            yield ContextValue("kms:EncryptionContextKeys", encryption_keys, DERIVED, "from the encryption context")
        yield from time_values(int(now.timestamp()) if now else int(time.time()))

    return Context(entries, derived, carries, carried)


@lru_cache(maxsize=128)
def _carrier(action_name: str) -> Callable[[str], bool]:
    """``carries(key)`` for one action, remembering each answer (asked for every key of every request)."""
    reference = load_reference()
    action = reference.action(action_name)
    assert action is not None

    @lru_cache(maxsize=512)
    def carries(key: str) -> bool:
        return reference.carries(action, key)

    return carries


@lru_cache(maxsize=256)
def caller_values(caller: Caller) -> tuple[ContextValue, ...]:
    """What the principal ARN says: aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount, …"""
    principal = "from the principal ARN"
    if caller.kind == "service":
        return (ContextValue("aws:PrincipalServiceName", (caller.arn,), DERIVED, principal),
                ContextValue("aws:PrincipalIsAWSService", ("true",), DERIVED, principal))
    found = [
        ContextValue("aws:PrincipalArn", (caller.principal_arn,), DERIVED, principal),
        ContextValue("aws:PrincipalAccount", (caller.account or "",), DERIVED, principal),
        ContextValue("aws:PrincipalType", (caller.principal_type,), DERIVED, principal),
        ContextValue("kms:CallerAccount", (caller.account or "",), DERIVED, principal),
        ContextValue("aws:PrincipalIsAWSService", ("false",), DERIVED, principal),
    ]
    if caller.kind == "user":
        found.append(ContextValue("aws:username", (caller.name,), DERIVED, principal))
    return tuple(found)


def key_values(key: KeyFacts) -> Iterator[ContextValue]:
    """What the key's ARN, tags, metadata and aliases say."""
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


@lru_cache(maxsize=64)
def time_values(epoch: int) -> tuple[ContextValue, ...]:
    """aws:SecureTransport (KMS accepts only TLS), aws:CurrentTime and aws:EpochTime."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return (
        ContextValue("aws:SecureTransport", ("true",), DEFAULT, "KMS requires TLS"),
        ContextValue("aws:CurrentTime", (moment.strftime("%Y-%m-%dT%H:%M:%SZ"),), DEFAULT, "the time of evaluation"),
        ContextValue("aws:EpochTime", (str(epoch),), DEFAULT, "the time of evaluation"),
    )
