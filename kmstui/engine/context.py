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
    """Condition keys (case-insensitive) to values, with provenance, found one key at a time.

    A request's context is asked for only the keys its policies' conditions read, so nothing is
    built up front: a given value is converted to text when a condition first asks for its key, and
    a derived or default one is looked up in small tables (the caller's, the key's, the time's) that
    are made once and shared by every request that has them. ``carries`` (the action's) leaves out
    ``kms:`` keys its requests never carry, given or derived.
    """

    __slots__ = ("carried", "_raw", "_sources", "_carries", "_derive", "_found", "_names", "_converted")

    def __init__(self, given: Mapping[str, Any] | None, derive: tuple[Caller, KeyFacts | None, datetime | None, Any] | None = None,
                 carries: Callable[[str], bool] | None = None, carried: frozenset[str] | None = None,
                 sources: Mapping[str, str] | None = None) -> None:
        self.carried = carried  # the kms: keys the action's requests carry (None: not filtered), for memo keys
        self._raw = given or _EMPTY  # (a context is made for every decision: no dict is made until needed)
        self._sources = sources or _EMPTY
        self._carries = carries
        self._derive = derive  # (caller, key facts, now, key cache) to derive values from; None: derivation is off
        self._found: tuple[Mapping[str, ContextValue], ...] | None = None  # the derived tables, once made
        self._names: dict[str, str] | None = None  # lower-case key -> the given name (the last one wins)
        self._converted: dict[str, ContextValue] | None = None

    def _tables(self) -> tuple[Mapping[str, ContextValue], ...]:
        """Derived and default values, first table first: the caller's, the key's (cached per key in
        the PolicySet's key cache), kms:EncryptionContextKeys, the time's."""
        found = self._found
        if found is None:
            if self._derive is None:
                found = ()
            else:
                caller, key, now, key_cache = self._derive
                key_table: Mapping[str, ContextValue] | None = _EMPTY
                if key is not None:
                    cache_key = (key.arn, key.request_alias)
                    key_table = key_cache.get(cache_key) if key_cache is not None else None
                    if key_table is None:
                        key_table = _table(key_values(key))
                        if key_cache is not None:
                            key_cache[cache_key] = key_table
                found = (_CallerTable(caller), key_table, _encryption_keys_table(self._raw),
                         _time_table(int(now.timestamp()) if now else int(time.time())))
            self._found = found
        return found

    def _given_entry(self, name: str) -> ContextValue:
        if self._converted is None:
            self._converted = {}
        entry = self._converted.get(name)
        if entry is None:
            raw = self._raw[name]
            values = (raw,) if raw.__class__ is str else to_text_values(raw)
            entry = self._converted[name] = ContextValue(name, values, GIVEN, self._sources.get(name, ""))
        return entry

    @property
    def given(self) -> tuple[ContextValue, ...]:
        """The given values the action's requests carry."""
        carries = self._carries
        return tuple(self._given_entry(name) for name in self._raw if carries is None or carries(name))

    @property
    def ignored(self) -> tuple[ContextValue, ...]:
        """Given keys the action's requests never carry (the trace says they were left out)."""
        carries = self._carries
        if carries is None:
            return ()
        return tuple(self._given_entry(name) for name in self._raw if not carries(name))

    def get(self, key: str) -> ContextValue | None:
        carries = self._carries
        if carries is not None and not carries(key):
            return None
        lower = key.lower()
        if self._raw:
            names = self._names
            if names is None:
                names = self._names = {name.lower(): name for name in self._raw}
            name = names.get(lower)
            if name is not None:
                return self._given_entry(name)
        for table in self._tables():
            entry = table.get(lower)
            if entry is not None:
                return entry
        return None

    def values(self, key: str) -> tuple[str, ...] | None:
        entry = self.get(key)
        return entry.values if entry is not None else None

    def __iter__(self) -> Iterator[ContextValue]:
        merged: dict[str, ContextValue] = {}
        for table in reversed(self._tables()):
            merged.update(table.whole() if isinstance(table, _CallerTable) else table)
        merged = {lower: entry for lower, entry in merged.items() if self._carries is None or self._carries(entry.name)}
        merged.update((entry.name.lower(), entry) for entry in self.given)
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
                  now: datetime | None = None, key_cache: dict[Any, Any] | None = None,
                  action: Action | None = None) -> Context:
    """Given values first; derived and default ones fill the gaps when ``derive`` is on.

    ``key_cache`` (kept by a PolicySet) remembers what each key's facts derive, across evaluations.
    With ``action``, ``kms:`` keys its requests never carry are left out (``Context.ignored``).
    Nothing is converted here: the Context finds each value when a condition asks for it.
    """
    carries, carried = carrier(action.name) if action is not None else (None, None)
    return Context(given, (caller, key, now, key_cache) if derive else None, carries, carried, getattr(given, "sources", None))


def _table(entries: Iterable[ContextValue]) -> dict[str, ContextValue]:
    """Entries by lower-case key; the first of a key wins."""
    table: dict[str, ContextValue] = {}
    for entry in entries:
        table.setdefault(entry.name.lower(), entry)
    return table


_EMPTY: dict[str, ContextValue] = {}


def _encryption_keys_table(given: Mapping[str, Any] | None) -> Mapping[str, ContextValue]:
    """kms:EncryptionContextKeys, from the given encryption context pairs."""
    if not given:
        return _EMPTY
    keys = tuple(name.split(":", 2)[2] for name in given if name.lower().startswith("kms:encryptioncontext:"))
    if not keys:
        return _EMPTY
    return {"kms:encryptioncontextkeys": ContextValue("kms:EncryptionContextKeys", keys, DERIVED, "from the encryption context")}


class _CallerTable:
    """What the caller's ARN derives, each key worked out when a condition first asks for it: an
    access matrix meets thousands of callers once each, and its conditions read one or two keys."""

    __slots__ = ("caller", "_made")

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self._made: dict[str, ContextValue | None] | None = None

    def get(self, lower: str) -> ContextValue | None:
        derive = _CALLER_DERIVED.get(lower)
        if derive is None:
            return None
        made = self._made
        if made is None:
            made = self._made = {}
        elif lower in made:
            return made[lower]
        entry = made[lower] = derive(self.caller)
        return entry

    def whole(self) -> dict[str, ContextValue]:
        return _table(caller_values(self.caller))


@lru_cache(maxsize=64)
def _time_table(epoch: int) -> dict[str, ContextValue]:
    return _table(time_values(epoch))


@lru_cache(maxsize=128)
def carrier(action_name: str) -> tuple[Callable[[str], bool], frozenset[str]]:
    """(``carries(key)`` for one action, remembering each answer: asked for every key of every
    request; the keys its requests carry)."""
    reference = load_reference()
    action = reference.action(action_name)
    assert action is not None

    @lru_cache(maxsize=512)
    def carries(key: str) -> bool:
        return reference.carries(action, key)

    return carries, reference.carried_keys(action)


_PRINCIPAL = "from the principal ARN"


def _unless_service(name: str, value: Callable[[Caller], str]) -> Callable[[Caller], ContextValue | None]:
    return lambda caller: None if caller.kind == "service" else ContextValue(name, (value(caller),), DERIVED, _PRINCIPAL)


# What the principal ARN derives, by lower-case key: a value, or None where the caller has none.
_CALLER_DERIVED: dict[str, Callable[[Caller], ContextValue | None]] = {
    "aws:principalservicename": lambda caller: ContextValue("aws:PrincipalServiceName", (caller.arn,), DERIVED, _PRINCIPAL)
    if caller.kind == "service" else None,
    "aws:principalarn": _unless_service("aws:PrincipalArn", lambda caller: caller.principal_arn),
    "aws:principalaccount": _unless_service("aws:PrincipalAccount", lambda caller: caller.account or ""),
    "aws:principaltype": _unless_service("aws:PrincipalType", lambda caller: caller.principal_type),
    "kms:calleraccount": _unless_service("kms:CallerAccount", lambda caller: caller.account or ""),
    "aws:principalisawsservice": lambda caller: ContextValue(
        "aws:PrincipalIsAWSService", ("true" if caller.kind == "service" else "false",), DERIVED, _PRINCIPAL),
    "aws:username": lambda caller: ContextValue("aws:username", (caller.name,), DERIVED, _PRINCIPAL)
    if caller.kind == "user" else None,
}


@lru_cache(maxsize=256)
def caller_values(caller: Caller) -> tuple[ContextValue, ...]:
    """What the principal ARN says: aws:PrincipalArn, aws:PrincipalAccount, kms:CallerAccount, …"""
    return tuple(entry for entry in (derive(caller) for derive in _CALLER_DERIVED.values()) if entry is not None)


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
