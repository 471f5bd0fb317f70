"""Everything that can decide a request, parsed once at construction and reused across evaluations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kmstui.engine.context import KeyFacts
from kmstui.engine.key_data import parse_aliases, parse_grants, parse_metadata, parse_tags
from kmstui.policy.document import Policy, parse_policy


def _is_per_key_map(value: Any) -> bool:
    """``{key ARN or id: thing}`` rather than one policy / metadata / tag set."""
    if value is None or value.__class__ is str or value.__class__ is list:  # the common cases, without an ABC check
        return False
    return (
        isinstance(value, Mapping)
        and bool(value)
        and "Statement" not in value
        and all(isinstance(k, str) and (k.startswith("arn:aws") and ":key/" in k or _looks_like_key_id(k)) for k in value)
    )


def _looks_like_key_id(text: str) -> bool:
    parts = text.split("-")
    return (len(parts) == 5 and all(p.isalnum() for p in parts)) or (text.startswith("mrk-") and len(text) > 8)


def key_id_of(key: str) -> str:
    """The key id of a key ARN (or the id itself)."""
    return key.rsplit("key/", 1)[-1] if ":key/" in key else key


class PerKey:
    """One value for every key, or a value per key (by ARN or id)."""

    def __init__(self, value: Any, convert: Any) -> None:
        if _is_per_key_map(value):
            self.shared = None
            self.by_id = {key_id_of(k): convert(v, k) for k, v in value.items()}
        else:
            self.shared = convert(value, None) if value is not None else None
            self.by_id = {}

    def get(self, key_arn: str | None) -> Any:
        if key_arn is not None and self.by_id:
            return self.by_id.get(key_id_of(key_arn))
        return self.shared

    def all(self) -> list[Any]:
        return ([self.shared] if self.shared is not None else []) + list(self.by_id.values())


class PolicySet:
    """The policies, grants and key facts for evaluating requests (see README.md, Python API).

    Policies may be JSON text, dicts or parsed :class:`~kmstui.policy.document.Policy` objects. ``scps`` and
    ``rcps`` are OU levels, root first, each a list of policies. ``grants`` are ``list-grants``
    entries. For operations on two keys, ``key_policy``, ``key_metadata``, ``key_tags`` and
    ``grants`` may map key ARNs to values.
    """

    def __init__(
        self,
        key_policy: Any = None,
        identity: Iterable[Any] = (),
        boundary: Any = None,
        session: Any = None,
        scps: Sequence[Sequence[Any]] = (),
        rcps: Sequence[Sequence[Any]] = (),
        vpc_endpoint: Iterable[Any] = (),
        grants: Any = (),
        key_metadata: Any = None,
        key_tags: Any = None,
        aliases: Iterable[Mapping[str, Any]] | None = None,
        missing: Iterable[str] = (),
    ) -> None:
        self.key_policies = PerKey(key_policy, lambda v, k: parse_policy(v, "key_policy", _name("key policy", k)))
        self._set_principal_side(identity, boundary, session, scps)
        self.rcps = _levels(rcps, "rcp", "RCP")
        self.vpc_endpoint: tuple[Policy, ...] = tuple(
            parse_policy(p, "vpc_endpoint", f"VPC endpoint policy {i + 1}") for i, p in enumerate(vpc_endpoint or ())
        )
        self.grants = PerKey(list(grants) if isinstance(grants, (list, tuple)) else grants,
                             lambda v, k: parse_grants(v, _name("grants", k)))
        self.key_metadata = PerKey(key_metadata, lambda v, k: parse_metadata(v, _name("key metadata", k)))
        self.key_tags = PerKey(key_tags, lambda v, k: parse_tags(v, _name("key tags", k)))
        self.aliases: tuple[dict[str, Any], ...] | None = parse_aliases(aliases) if aliases is not None else None
        # Data that could not be loaded and may matter (a source says so); every trace repeats it.
        self.missing: tuple[str, ...] = tuple(missing)
        # What the key side alone decides, filled by evaluations as they go: each key's facts and what they
        # derive for the request context, each part's key-side plan (kmstui.engine.order). Shared by the
        # PolicySets with_principal makes, which have the same key side.
        self.derived_by_key: dict[Any, Any] = {}
        # What each request resolves to against these policies (caller, parts, each part's plan), by
        # (principal, action, resources, resource account), and each part's plan: kmstui.engine.order.
        self.prepared: dict[Any, Any] = {}
        self.plans: dict[Any, Any] = {}

    def with_principal(self, identity: Iterable[Any] = (), boundary: Any = None, session: Any = None,
                       scps: Sequence[Sequence[Any]] = (), missing: Iterable[str] = ()) -> PolicySet:
        """The same key side (key policies, grants, key facts, RCPs, VPC endpoint policies), already
        checked, with another principal's policies: the access matrix needs one PolicySet per row."""
        other = PolicySet.__new__(PolicySet)
        other.__dict__.update(self.__dict__)
        other._set_principal_side(identity, boundary, session, scps)
        other.missing = tuple(missing)
        # What the key side derives is shared (the same dict); which policies apply depends on the principal's.
        other.prepared, other.plans = {}, {}
        return other

    def _set_principal_side(self, identity: Iterable[Any], boundary: Any, session: Any, scps: Sequence[Sequence[Any]]) -> None:
        self.identity: tuple[Policy, ...] = tuple(
            _parsed(p, "identity", "identity policy", i) for i, p in enumerate(identity or ()))
        self.boundary = parse_policy(boundary, "boundary", "permissions boundary") if boundary is not None else None
        self.session = parse_policy(session, "session", "session policy") if session is not None else None
        self.scps = _levels(scps, "scp", "SCP")

    def key_facts(self, key_arn: str | None, account: str | None, alias_name: str | None = None) -> KeyFacts | None:
        """What these policies know of a key (metadata, tags, aliases), for derived context; cached."""
        if key_arn is None:
            return None
        cache_key = ("facts", key_arn, alias_name)
        found = self.derived_by_key.get(cache_key)
        if found is None:
            aliases = None
            if self.aliases is not None:
                key_id = key_id_of(key_arn)
                aliases = tuple(str(a["AliasName"]) for a in self.aliases
                                if a.get("TargetKeyId") and key_id_of(str(a["TargetKeyId"])) == key_id and a.get("AliasName"))
            found = self.derived_by_key[cache_key] = KeyFacts(key_arn, account, self.key_metadata.get(key_arn),
                                                              self.key_tags.get(key_arn), aliases, alias_name)
        return found

    def policies(self) -> list[Policy]:
        """Every parsed policy (for warnings and listings)."""
        found = list(self.key_policies.all()) + list(self.identity)
        found += [p for p in (self.boundary, self.session) if p is not None]
        found += [p for level in self.scps + self.rcps for p in level] + list(self.vpc_endpoint)
        return found


def _name(base: str, key: str | None) -> str:
    return f"{base} of {key_id_of(key)}" if key else base


def _levels(levels: Sequence[Sequence[Any]], kind: str, label: str) -> tuple[tuple[Policy, ...], ...]:
    parsed = []
    for depth, level in enumerate(levels or ()):
        items = level if isinstance(level, (list, tuple)) else [level]
        parsed.append(tuple(_parsed(p, kind, f"{label} level {depth + 1} policy", i) for i, p in enumerate(items)))
    return tuple(parsed)


def _parsed(policy: Any, kind: str, label: str, index: int) -> Policy:
    """A policy given parsed as it is; otherwise parsed and named ``label`` and its number. (The access
    matrix gives every row's policies parsed: no name is made for them.)"""
    return policy if policy.__class__ is Policy else parse_policy(policy, kind, f"{label} {index + 1}")
