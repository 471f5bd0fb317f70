"""The Snapshot: the one model of everything loaded, whatever its source (files, an account, the demo).

Plain data that saves to and loads from JSON (with a format version), and resolves a question —
principal (name or ARN) + action + key (id, ARN or alias) — into the engine's Request and PolicySet.
Policy documents are kept as the JSON text they were loaded as, so traces can name their lines.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

FORMAT = "kmstui-snapshot"
# Calls whose failure leaves every trace without data (IAM or Organizations as a whole).
_ACCOUNT_WIDE = ("GetAccountAuthorizationDetails", "ListRoots", "ListParents", "ListPoliciesForTarget",
                 "DescribePolicy", "ListPolicies")
FORMAT_VERSION = 1


class SnapshotError(ValueError):
    """A saved Snapshot that cannot be read, or a name that does not resolve; one line."""


@dataclass
class LoadError:
    """Something that could not be loaded, and why: the rest of the Snapshot is still usable."""

    source: str  # "aws:111122223333/us-west-2", a file path, …
    what: str  # "GetKeyPolicy arn:aws:kms:…", "ListKeys us-east-2", "file.json"
    message: str
    code: str | None = None  # AccessDeniedException, ThrottlingException, …


@dataclass
class Key:
    """A KMS key with everything that decides access to it."""

    arn: str
    metadata: dict[str, Any] = field(default_factory=dict)  # DescribeKey KeyMetadata (JSON-safe)
    policy: str | None = None  # the key policy's JSON text (None: not loaded; see errors)
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[dict[str, Any]] = field(default_factory=list)  # list-aliases entries targeting this key
    grants: list[dict[str, Any]] = field(default_factory=list)  # list-grants entries
    origin: str = ""

    @property
    def key_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def aws_managed(self) -> bool:
        return str(self.metadata.get("KeyManager", "")).upper() == "AWS"

    @property
    def alias_names(self) -> list[str]:
        return [str(a["AliasName"]) for a in self.aliases if a.get("AliasName")]


@dataclass
class InlinePolicy:
    name: str
    document: str  # JSON text


@dataclass
class ManagedPolicy:
    """A customer or AWS managed policy, with its default version's document."""

    arn: str
    name: str
    document: str  # JSON text of the default version
    version: str = ""
    origin: str = ""


@dataclass
class Principal:
    """An IAM user, role or group and the policies attached to it."""

    arn: str
    kind: str  # user, role, group
    name: str
    inline_policies: list[InlinePolicy] = field(default_factory=list)
    managed_policies: list[str] = field(default_factory=list)  # ARNs, in managed_policies
    groups: list[str] = field(default_factory=list)  # group names (users only)
    boundary: str | None = None  # managed policy ARN
    tags: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


@dataclass
class OrgPolicy:
    """An SCP or RCP (Organizations describe-policy)."""

    id: str
    name: str
    kind: str  # scp or rcp
    document: str
    origin: str = ""


@dataclass
class Snapshot:
    """Everything loaded. ``scp_levels[account]`` lists OU levels root first, each a list of policy ids."""

    keys: list[Key] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    managed_policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    org_policies: dict[str, OrgPolicy] = field(default_factory=dict)
    scp_levels: dict[str, list[list[str]]] = field(default_factory=dict)
    rcp_levels: dict[str, list[list[str]]] = field(default_factory=dict)
    vpc_endpoint_policies: dict[str, str] = field(default_factory=dict)  # endpoint id → JSON text
    errors: list[LoadError] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

    # -- saving and loading ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **data}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=False, default=str) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "snapshot") -> "Snapshot":
        """A Snapshot from its saved form; every field's type is checked, and an error names the file and
        the JSON path (``snap.json: keys[3].tags: expected an object of strings, found a list``)."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise SnapshotError(f"{source}: not a kmstui snapshot (no \"format\": \"{FORMAT}\")")
        if data.get("format_version") != FORMAT_VERSION:
            raise SnapshotError(f"{source}: snapshot format version {data.get('format_version')!r}; this kmstui reads {FORMAT_VERSION}")
        read = _Fields(source)
        read.known(data, "", {"format", "format_version", "keys", "principals", "managed_policies", "org_policies",
                              "scp_levels", "rcp_levels", "vpc_endpoint_policies", "errors", "sources", "created"})
        snapshot = cls(
            keys=[read.key(k, f"keys[{i}]") for i, k in enumerate(read.items(data, "keys"))],
            principals=[read.principal(p, f"principals[{i}]") for i, p in enumerate(read.items(data, "principals"))],
            managed_policies={a: read.managed(m, f"managed_policies[{a!r}]") for a, m in read.entries(data, "managed_policies")},
            org_policies={i: read.org(o, f"org_policies[{i!r}]") for i, o in read.entries(data, "org_policies")},
            scp_levels={a: read.levels(v, f"scp_levels[{a!r}]") for a, v in read.entries(data, "scp_levels")},
            rcp_levels={a: read.levels(v, f"rcp_levels[{a!r}]") for a, v in read.entries(data, "rcp_levels")},
            vpc_endpoint_policies={e: read.text(v, f"vpc_endpoint_policies[{e!r}]")
                                   for e, v in read.entries(data, "vpc_endpoint_policies")},
            errors=[read.error(e, f"errors[{i}]") for i, e in enumerate(read.items(data, "errors"))],
            sources=[read.text(v, f"sources[{i}]") for i, v in enumerate(read.items(data, "sources"))],
            created=read.text(data.get("created", ""), "created"),
        )
        snapshot.__dict__["_loaded_from"] = source
        return snapshot

    @classmethod
    def from_json(cls, text: str, source: str = "snapshot") -> "Snapshot":
        from kmstui.policy.json_text import JsonTextError, load_json_text

        try:
            data = load_json_text(text)
        except JsonTextError as error:
            raise SnapshotError(f"{source}{f', line {error.line}' if error.line else ''}: {error.problem}") from None
        return cls.from_dict(data, source)

    def merge(self, other: "Snapshot") -> None:
        """Add another Snapshot's items (later sources win for the same ARN)."""
        keys = {k.arn: k for k in self.keys}
        keys.update({k.arn: k for k in other.keys})
        self.keys = list(keys.values())
        principals = {p.arn: p for p in self.principals}
        principals.update({p.arn: p for p in other.principals})
        self.principals = list(principals.values())
        self.managed_policies.update(other.managed_policies)
        self.org_policies.update(other.org_policies)
        self.scp_levels.update(other.scp_levels)
        self.rcp_levels.update(other.rcp_levels)
        self.vpc_endpoint_policies.update(other.vpc_endpoint_policies)
        self.errors += other.errors
        self.sources += [s for s in other.sources if s not in self.sources]

    # -- look-ups ------------------------------------------------------------------------------
    @property
    def accounts(self) -> list[str]:
        found = {k.account for k in self.keys} | {p.account for p in self.principals}
        return sorted(found)

    def find_key(self, text: str) -> Key:
        """A key by id, ARN, alias name or alias ARN."""
        value = text.strip()
        for key in self.keys:
            if value in (key.arn, key.key_id):
                return key
            for alias in key.aliases:
                if value in (alias.get("AliasName"), alias.get("AliasArn")):
                    return key
        known = ", ".join(sorted({a for k in self.keys for a in k.alias_names})[:8])
        raise SnapshotError(f"no key {value!r} in the snapshot" + (f" (aliases include {known})" if known else ""))

    # -- indexes and the parse cache (not fields: never saved, never compared) -----------------
    def _index(self) -> dict[str, Any]:
        """Principals by ARN or name, roles and groups by (account, name); rebuilt when principals change."""
        index = self.__dict__.get("_principal_index")
        if index is None or index["count"] != len(self.principals):
            named: dict[str, list[Principal]] = {}
            roles: dict[tuple[str, str], Principal] = {}
            groups: dict[tuple[str, str], tuple[int, Principal]] = {}
            for position, principal in enumerate(self.principals):
                if principal.kind == "group":
                    groups.setdefault((principal.account, principal.name), (position, principal))
                    continue
                for name in {principal.arn, principal.name}:
                    named.setdefault(name, []).append(principal)
                if principal.kind == "role":
                    roles.setdefault((principal.account, principal.name), principal)
            index = {"count": len(self.principals), "named": named, "roles": roles, "groups": groups}
            self.__dict__["_principal_index"] = index
        return index

    def parsed(self, text: str, kind: str, source: str, where: Callable[[], str] | None = None) -> Any:
        """A policy parsed once per Snapshot (keyed by its text), however many questions use it.

        A policy that does not parse is an error naming the snapshot file and ``where()``, its JSON
        path in it (``snap.json: keys[3].policy, line 4, Statement[0].Effect: …``).
        """
        cache = self.__dict__.setdefault("_parse_cache", {})
        found = cache.get((kind, source, text))
        if found is None:
            from kmstui.policy.document import PolicyError, parse_policy  # (only on a miss: asked for every row of a matrix)

            same_text = cache.get((kind, None, text))  # a managed policy attached to many: parsed once, named for each
            if same_text is not None:
                found = cache[(kind, source, text)] = same_text.named(source)
                return found
            try:
                found = cache[(kind, source, text)] = cache[(kind, None, text)] = parse_policy(text, kind, source)
            except PolicyError as error:
                loaded_from = self.__dict__.get("_loaded_from")
                if loaded_from is None or where is None:
                    raise
                line = f", line {error.line}" if error.line else ""
                raise SnapshotError(f"{loaded_from}: {where()} ({source}){line}, {error.element}: {error.problem}") from None
        return found

    def find_role(self, account: str, name: str) -> Principal | None:
        """A loaded role by account and name (role names are unique in an account, whatever the path)."""
        return self._index()["roles"].get((account, name))

    def find_principal(self, text: str) -> Principal | None:
        """A user or role by name or ARN; a role session ARN finds its role. None if not loaded."""
        value = text.strip()
        if ":assumed-role/" in value:
            role_name = value.split(":assumed-role/", 1)[1].split("/")[0]
            return self.find_role(value.split(":")[4], role_name)
        matches = self._index()["named"].get(value, [])
        if len(matches) > 1:
            raise SnapshotError(f"{value!r} names several principals: {', '.join(p.arn for p in matches)}; give the ARN")
        return matches[0] if matches else None

    def principal_arn(self, text: str) -> str:
        """The ARN to evaluate: a loaded principal's, or the text itself when it is an ARN."""
        found = self.find_principal(text)
        if found is not None:
            return found.arn
        if text.startswith("arn:") or text.endswith(".amazonaws.com"):
            return text
        names = ", ".join(sorted(p.name for p in self.principals if p.kind != "group")[:8])
        raise SnapshotError(f"no principal {text!r} in the snapshot" + (f" (principals include {names})" if names else ""))

    def identity_documents(self, principal: Principal) -> list[tuple[str, str]]:
        """(source name, JSON text) of every identity policy that applies: own, then its groups'."""
        found: list[tuple[str, str]] = []
        groups = self._index()["groups"]
        member_of = sorted((groups[(principal.account, name)] for name in set(principal.groups)
                            if (principal.account, name) in groups), key=lambda pair: pair[0])
        holders = [principal] + [group for _, group in member_of]
        for holder in holders:
            for inline in holder.inline_policies:
                found.append((f"{holder.kind} {holder.name} inline policy {inline.name}", inline.document))
            for arn in holder.managed_policies:
                policy = self.managed_policies.get(arn)
                if policy is not None:
                    found.append((f"{holder.kind} {holder.name} managed policy {policy.name}", policy.document))
        return found

    def missing_for(self, principal: Principal | None, keys: Iterable[Key]) -> list[LoadError]:
        """Load errors that concern the question: ones naming its key or principal, and account-wide
        ones (IAM or Organizations could not be read)."""
        if not self.errors:  # (asked for every row of an access matrix)
            return []
        names = {k.arn for k in keys} | {k.key_id for k in keys}
        if principal is not None:
            names |= {principal.arn, principal.name}
        return [e for e in self.errors
                if e.code != "AWSOrganizationsNotInUseException"  # no organization: no SCPs, nothing missing
                and (any(name and name in e.what for name in names) or e.what.startswith(_ACCOUNT_WIDE)
                     or "/iam" in e.source or "/organizations" in e.source)]

    def missing_notes(self, principal_arn: str, keys: list[Key]) -> list[str]:
        """What a trace should say it could not see, in one line each."""
        principal = self.find_principal(principal_arn)
        notes = [f"{e.what} could not be loaded ({e.code or 'error'}: {e.message})" for e in self.missing_for(principal, keys)]
        if principal is None and principal_arn.startswith("arn:") and ":root" not in principal_arn:
            notes.append(f"{principal_arn} is not in the snapshot, so none of its identity policies are known")
        notes += [f"the key policy of {k.key_id} was not loaded" for k in keys if k.policy is None
                  and not any(k.key_id in n for n in notes)]
        if principal is not None:
            groups = self._index()["groups"]
            holders = [principal] + [groups[(principal.account, g)][1] for g in principal.groups
                                     if (principal.account, g) in groups]
            notes += [f"the managed policy {arn} attached to {holder.kind} {holder.name} was not loaded"
                      for holder in holders for arn in holder.managed_policies if arn not in self.managed_policies]
        return notes

    def policy_set(self, principal_arn: str, keys: list[Key], own_aliases: bool = False, like: Any = None) -> Any:
        """The engine's PolicySet for a principal and the key(s) of a request.

        ``own_aliases`` passes only these keys' aliases (enough when the request names keys by ARN,
        as the access matrix does, and cheaper: the engine reads the alias list on every evaluation).
        ``like``: a PolicySet this method made for the same keys and ``own_aliases``, whose key side
        is reused as it is (the access matrix, one PolicySet per row of a key).
        """
        from kmstui.engine.policy_set import PolicySet

        principal = self.find_principal(principal_arn)
        identity = [self.parsed(text, "identity", name, lambda: self._path_of_policy(name))
                    for name, text in self.identity_documents(principal)] if principal else []
        boundary = None
        if principal is not None and principal.boundary and principal.boundary in self.managed_policies:
            arn = principal.boundary
            boundary = self.parsed(self.managed_policies[arn].document, "boundary",
                                   f"permissions boundary {self.managed_policies[arn].name}",
                                   lambda: f"managed_policies[{arn!r}].document")
        account = principal_arn.split(":")[4] if principal_arn.startswith("arn:") else None
        key_account = keys[0].account if keys else None
        scps = self._levels(self.scp_levels.get(account or "", []))
        if like is not None:
            return like.with_principal(identity=identity, boundary=boundary, scps=scps,
                                       missing=self.missing_notes(principal_arn, keys))
        rcps = self._levels(self.rcp_levels.get(key_account or "", []))
        per_key = len(keys) > 1
        policies = {k.arn: self.parsed(k.policy, "key_policy", f"key policy of {k.key_id}",
                                       lambda k=k: f"keys[{self.keys.index(k)}].policy") for k in keys if k.policy}
        return PolicySet(
            key_policy=(policies if per_key else next(iter(policies.values()), None)),
            identity=identity,
            boundary=boundary,
            scps=scps,
            rcps=rcps,
            grants=({k.arn: k.grants for k in keys} if per_key else (keys[0].grants if keys else [])),
            key_metadata=({k.arn: k.metadata for k in keys} if per_key else (keys[0].metadata if keys else None)),
            key_tags=({k.arn: k.tags for k in keys} if per_key else (keys[0].tags if keys else None)),
            aliases=[a for k in (keys if own_aliases else self.keys) for a in k.aliases],
            missing=self.missing_notes(principal_arn, keys),
        )

    def _levels(self, levels: list[list[str]]) -> list[list[Any]]:
        return [[self.parsed(self.org_policies[i].document, self.org_policies[i].kind,
                             f"{self.org_policies[i].kind.upper()} {self.org_policies[i].name}",
                             lambda i=i: f"org_policies[{i!r}].document")
                 for i in level if i in self.org_policies] for level in levels]

    def _path_of_policy(self, source: str) -> str:
        """The JSON path of an identity policy named as identity_documents names it."""
        for index, principal in enumerate(self.principals):
            for number, inline in enumerate(principal.inline_policies):
                if source == f"{principal.kind} {principal.name} inline policy {inline.name}":
                    return f"principals[{index}].inline_policies[{number}].document"
        for arn, managed in self.managed_policies.items():
            if source.endswith(f" managed policy {managed.name}"):
                return f"managed_policies[{arn!r}].document"
        return source

    def question(self, principal: str, action: str, resources: list[str], context: Mapping[str, Any] | None = None,
                 derive: bool = True) -> tuple[Any, Any]:
        """(Request, PolicySet) for a principal name or ARN, an action and key/alias names."""
        from kmstui.engine.resolve import Request

        principal_arn = self.principal_arn(principal)
        keys = []
        named = []  # a key named by id becomes its ARN: the snapshot knows where it lives, the engine must not guess
        for resource in resources:
            if resource == "*" or (resource.startswith("alias/") and self._alias_is_new(resource)):
                named.append(resource)
                continue
            key = self.find_key(resource)
            keys.append(key)
            named.append(resource if resource.startswith("alias/") or ":alias/" in resource else key.arn)
        request = Request(principal_arn, action, named[0] if len(named) == 1 else named,
                          keys[0].account if keys else None, context, derive)
        return request, self.policy_set(principal_arn, keys)

    def with_policy_text(self, source: str, text: str) -> "Snapshot":
        """A copy with the policy a trace names ``source`` replaced by ``text`` (for what-if edits)."""
        copy = Snapshot.from_dict(self.to_dict())
        for key in copy.keys:
            if source == f"key policy of {key.key_id}":
                key.policy = text
                return copy
        for principal in copy.principals:
            for inline in principal.inline_policies:
                if source == f"{principal.kind} {principal.name} inline policy {inline.name}":
                    inline.document = text
                    return copy
        for managed in copy.managed_policies.values():
            if source == f"permissions boundary {managed.name}" or source.endswith(f" managed policy {managed.name}"):
                managed.document = text
                return copy
        for org in copy.org_policies.values():
            if source == f"{org.kind.upper()} {org.name}":
                org.document = text
                return copy
        raise SnapshotError(f"no policy named {source!r} in the snapshot")

    def with_grants(self, key_ref: str, grants: list[dict[str, Any]]) -> "Snapshot":
        """A copy in which the key's grants are ``grants`` (for what-if edits)."""
        copy = Snapshot.from_dict(self.to_dict())
        copy.find_key(key_ref).grants = [dict(g) for g in grants]
        return copy

    def _alias_is_new(self, alias: str) -> bool:
        return not any(alias in (a.get("AliasName"), a.get("AliasArn")) for k in self.keys for a in k.aliases)


class _Fields:
    """Reads a saved Snapshot's entries, checking each field's type; errors name the file and JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, expected: str, value: Any) -> SnapshotError:
        return SnapshotError(f"{self.source}: {path or 'the snapshot'}: expected {expected}, found {_kind(value)}")

    def known(self, data: Mapping[str, Any], path: str, names: set[str]) -> None:
        unknown = sorted(str(k) for k in data if k not in names)
        if unknown:
            raise SnapshotError(f"{self.source}: {path or 'the snapshot'}: unknown field {unknown[0]!r}")

    def obj(self, value: Any, path: str, names: set[str], required: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, "an object", value)
        self.known(value, path, names)
        missing = sorted(required - set(value))
        if missing:
            raise SnapshotError(f"{self.source}: {path}: missing field {missing[0]!r}")
        return value

    def items(self, data: Mapping[str, Any], name: str) -> list[Any]:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise self.fail(name, "a list", value)
        return value

    def entries(self, data: Mapping[str, Any], name: str) -> list[tuple[str, Any]]:
        value = data.get(name, {})
        if not isinstance(value, Mapping):
            raise self.fail(name, "an object", value)
        return list(value.items())

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise self.fail(path, "a string", value)
        return value

    def optional_text(self, value: Any, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def texts(self, value: Any, path: str) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(path, "a list of strings", value)
        return [self.text(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def tags(self, value: Any, path: str) -> dict[str, str]:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise self.fail(path, "an object of tag keys to string values", value)
        return dict(value)

    def dicts(self, value: Any, path: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self.fail(path, "a list of objects", value)
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise self.fail(f"{path}[{i}]", "an object", item)
        return [dict(item) for item in value]

    def key(self, value: Any, path: str) -> Key:
        names = {"arn", "metadata", "policy", "tags", "aliases", "grants", "origin"}
        entry = self.obj(value, path, names, {"arn"})
        arn = self.text(entry["arn"], f"{path}.arn")
        metadata = entry.get("metadata", {})
        if not isinstance(metadata, Mapping):
            raise self.fail(f"{path}.metadata", "an object (describe-key's KeyMetadata)", metadata)
        key = Key(arn=arn, metadata=dict(metadata), policy=self.optional_text(entry.get("policy"), f"{path}.policy"),
                  tags=self.tags(entry.get("tags", {}), f"{path}.tags"),
                  aliases=self.dicts(entry.get("aliases", []), f"{path}.aliases"),
                  grants=self.dicts(entry.get("grants", []), f"{path}.grants"),
                  origin=self.text(entry.get("origin", ""), f"{path}.origin"))
        self.kms_data(key, path)
        return key

    def kms_data(self, key: Key, path: str) -> None:
        """The key's metadata, aliases and grants as the engine checks them (kmstui.engine.key_data)."""
        from kmstui.engine.key_data import parse_aliases, parse_grants, parse_metadata
        from kmstui.policy.document import PolicyError

        checks = [(parse_grants, key.grants, "grants", "Grants"), (parse_aliases, key.aliases, "aliases", "Aliases")]
        if key.metadata:
            checks.append((parse_metadata, key.metadata, "metadata", "KeyMetadata"))
        for parse, value, field_name, element in checks:
            try:
                parse(value)
            except PolicyError as error:
                inner = error.element.removeprefix(element)
                raise SnapshotError(f"{self.source}: {path}.{field_name}{inner}: {error.problem}") from None

    def principal(self, value: Any, path: str) -> Principal:
        names = {"arn", "kind", "name", "inline_policies", "managed_policies", "groups", "boundary", "tags", "origin"}
        entry = self.obj(value, path, names, {"arn", "kind", "name"})
        kind = self.text(entry["kind"], f"{path}.kind")
        if kind not in ("user", "role", "group"):
            raise SnapshotError(f"{self.source}: {path}.kind: expected user, role or group, found {kind!r}")
        inline = []
        for i, item in enumerate(self.dicts(entry.get("inline_policies", []), f"{path}.inline_policies")):
            where = f"{path}.inline_policies[{i}]"
            self.obj(item, where, {"name", "document"}, {"name", "document"})
            inline.append(InlinePolicy(self.text(item["name"], f"{where}.name"), self.text(item["document"], f"{where}.document")))
        return Principal(arn=self.text(entry["arn"], f"{path}.arn"), kind=kind, name=self.text(entry["name"], f"{path}.name"),
                         inline_policies=inline, managed_policies=self.texts(entry.get("managed_policies", []), f"{path}.managed_policies"),
                         groups=self.texts(entry.get("groups", []), f"{path}.groups"),
                         boundary=self.optional_text(entry.get("boundary"), f"{path}.boundary"),
                         tags=self.tags(entry.get("tags", {}), f"{path}.tags"),
                         origin=self.text(entry.get("origin", ""), f"{path}.origin"))

    def managed(self, value: Any, path: str) -> ManagedPolicy:
        entry = self.obj(value, path, {"arn", "name", "document", "version", "origin"}, {"arn", "name", "document"})
        return ManagedPolicy(**{name: self.text(entry.get(name, ""), f"{path}.{name}")
                                for name in ("arn", "name", "document", "version", "origin")})

    def org(self, value: Any, path: str) -> OrgPolicy:
        entry = self.obj(value, path, {"id", "name", "kind", "document", "origin"}, {"id", "name", "kind", "document"})
        if entry["kind"] not in ("scp", "rcp"):
            raise SnapshotError(f"{self.source}: {path}.kind: expected scp or rcp, found {_kind(entry['kind'])}"
                                + (f" {entry['kind']!r}" if isinstance(entry["kind"], str) else ""))
        return OrgPolicy(**{name: self.text(entry.get(name, ""), f"{path}.{name}")
                            for name in ("id", "name", "kind", "document", "origin")})

    def levels(self, value: Any, path: str) -> list[list[str]]:
        if not isinstance(value, list):
            raise self.fail(path, "a list of levels (lists of policy ids)", value)
        return [self.texts(level, f"{path}[{i}]") for i, level in enumerate(value)]

    def error(self, value: Any, path: str) -> LoadError:
        entry = self.obj(value, path, {"source", "what", "message", "code"}, {"source", "what", "message"})
        return LoadError(self.text(entry["source"], f"{path}.source"), self.text(entry["what"], f"{path}.what"),
                         self.text(entry["message"], f"{path}.message"), self.optional_text(entry.get("code"), f"{path}.code"))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
