"""Load saved AWS CLI output and policy files into a Snapshot, offline.

``load_path`` takes one file or a folder. Each file is recognised by its shape, never its name: a
policy document; ``aws kms`` list-keys, describe-key, list-aliases, list-grants, list-resource-tags
and get-key-policy output; ``aws iam`` get-policy-version and get-account-authorization-details
output (whole, one page or several pages); ``aws organizations describe-policy`` output (SCPs and
RCPs); and a saved kmstui Snapshot.

What a shape cannot say comes from where the file lives (the folder convention, README "Loading
files"):

* ``…/<key-id>/*.json`` — the folder named after a key id owns the key policy (a bare document or
  get-key-policy output), list-resource-tags and list-grants output inside it. The key's ARN comes
  from list-keys, describe-key, a grant's KeyId or an alias ARN loaded anywhere.
* ``…/principals/<account-id>/<user|role|group>/<name>/<policy-name>.json`` — a bare identity policy
  (or get-policy-version output) is an inline policy of that principal. Without ``<account-id>``
  the account is the one account everything else loaded belongs to.
* ``…/org/<account-id>/<scp|rcp>/<level>/*.json`` — describe-policy output (or a bare document)
  applies at that level of the path from the root (0) to the account.

Errors are one line naming the file (and the line, for JSON): a lone file that cannot be used
raises :class:`SourceError` (or :class:`PolicyError` for a bad policy document); in a folder the
bad file becomes a ``LoadError`` in ``Snapshot.errors`` and every other file still loads. Files
above ``MAX_BYTES`` are refused unread. Imports neither Textual nor boto3.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kmstui.engine.key_data import parse_aliases, parse_grants, parse_metadata
from kmstui.policy.document import PolicyError, parse_policy
from kmstui.sources.snapshot import (FORMAT, InlinePolicy, Key, LoadError, ManagedPolicy, OrgPolicy, Principal, Snapshot,
                             SnapshotError)
from kmstui.sources.documents import DocumentError, document_text
from kmstui.sources.errors import SourceError
from kmstui.sources.reader import MAX_BYTES, parse_json, read_text

KEY_ID = re.compile(r"^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
PRINCIPAL_KINDS = ("user", "role", "group")
ORG_TYPES = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}
_DETAIL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList")
_SHAPES = ("a policy document (Statement), or the output of aws kms get-key-policy, list-keys, describe-key, "
           "list-aliases, list-grants, list-resource-tags, aws iam get-policy-version, "
           "get-account-authorization-details, aws organizations describe-policy, or a saved kmstui snapshot")


class _Shape(Exception):
    """A problem inside one file (``where`` is a JSON path such as ``Keys[2].KeyArn``); the caller adds the file."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)


UNPLACED = "UnplacedPolicy"  # LoadError.code of a policy document outside the folder convention


class UnplacedPolicy(SourceError):
    """A policy document whose folder does not say which key or principal it belongs to."""


# -- public entry point ------------------------------------------------------------------------------


def load_path(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Snapshot:
    """A Snapshot from one file or a folder of ``*.json`` files (walked recursively, in sorted order).

    A lone file that cannot be used raises SourceError/PolicyError; in a folder each bad file becomes
    a LoadError and the rest still loads, so one odd file never hides a whole account.
    """
    name = os.fspath(path)
    if os.path.isdir(name):
        return _load_folder(name, max_bytes)
    if not os.path.exists(name):
        raise SourceError(f"{name}: no such file or folder")
    parts = read_file(name, max_bytes)
    if len(parts.saved) == 1 and parts.only_saved:
        return parts.saved[0]  # a saved Snapshot comes back exactly as it was written
    if parts.aliases and parts.only_aliases:
        raise SourceError(f"{name}: list-aliases output alone names no keys; load it in a folder with list-keys "
                          "or describe-key output")
    builder = _Builder()
    builder.add(parts)
    snapshot = builder.build([f"file:{name}"])
    if builder.problems:
        raise SourceError(builder.problems[0].message)
    if parts.errors and not (snapshot.keys or snapshot.principals or snapshot.managed_policies or snapshot.org_policies):
        raise SourceError(parts.errors[0].message)  # nothing of the file could be used
    return snapshot


def _load_folder(root: str, max_bytes: int) -> Snapshot:
    """Every ``*.json`` below ``root``; a file that fails is recorded, never fatal."""
    files = _json_files(root)
    if not files:
        raise SourceError(f"{root}: no .json files in this folder")
    builder = _Builder(root)
    for file in files:
        relative = Path(os.path.relpath(file, root)).as_posix()
        try:
            parts = read_file(file, max_bytes)
            for error in parts.errors:  # entries of the file that could not be used: name the file first
                error.what = f"{relative} {error.what}"
            builder.add(parts)
        except UnplacedPolicy as error:
            builder.errors.append(LoadError(source=f"file:{file}", what=relative, message=str(error), code=UNPLACED))
        except (SourceError, PolicyError) as error:
            builder.errors.append(LoadError(source=f"file:{file}", what=relative, message=str(error)))
    snapshot = builder.build([f"file:{root}"])
    snapshot.errors += builder.problems
    return snapshot


def _json_files(root: str) -> list[str]:
    """``*.json`` files below ``root`` in sorted order; symlinked folders are not followed (no loops) and
    hidden files and folders (``.git``, editor back-ups) are skipped."""
    found: list[str] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [os.path.join(folder, n) for n in sorted(names)
                  if n.lower().endswith(".json") and not n.startswith(".")]
    return sorted(found, key=lambda f: Path(os.path.relpath(f, root)).parts)


# -- reading one file ----------------------------------------------------------------------------------


@dataclass
class _KeyFacts:
    """What one file says about one key; ``arn`` may be unknown when only the folder names the key."""

    key_id: str
    file: str
    arn: str | None = None
    metadata: dict[str, Any] | None = None
    policy: str | None = None
    tags: dict[str, str] | None = None
    grants: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Inline:
    """A bare identity policy placed by the principals/ convention; the account may be left to the load."""

    account: str | None
    kind: str
    name: str
    policy: InlinePolicy
    file: str


@dataclass
class _Placement:
    """An organization policy attached at one level of one account's path (org/ convention)."""

    kind: str
    account: str
    level: int
    policy_id: str


@dataclass
class FileParts:
    """Everything one file contributed, applied to the Snapshot only once the whole file has been read."""

    keys: list[_KeyFacts] = field(default_factory=list)
    aliases: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    principals: list[Principal] = field(default_factory=list)
    managed: list[ManagedPolicy] = field(default_factory=list)
    inline: list[_Inline] = field(default_factory=list)
    org: list[OrgPolicy] = field(default_factory=list)
    placements: list[_Placement] = field(default_factory=list)
    saved: list[Snapshot] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)  # entries that could not be used; the rest loaded

    @property
    def only_saved(self) -> bool:
        return not (self.keys or self.aliases or self.principals or self.managed or self.inline or self.org)

    @property
    def only_aliases(self) -> bool:
        return not (self.keys or self.saved or self.principals or self.managed or self.inline or self.org)


def read_file(path: str, max_bytes: int = MAX_BYTES) -> FileParts:
    """One file's contribution, recognised by its shape; raises SourceError/PolicyError naming the file."""
    text = read_text(path, max_bytes)
    data = parse_json(text, path)
    try:
        return _dispatch(data, text, path)
    except _Shape as problem:
        raise SourceError(f"{path}: {problem}") from None
    except RecursionError:
        raise SourceError(f"{path}: nested too deeply to be AWS CLI output") from None


def _dispatch(data: Any, text: str, path: str) -> FileParts:
    """Pick the reader by the top-level shape; the first match wins, most specific first."""
    if not isinstance(data, dict):
        raise _Shape("", f"{_a(data)} at the top; expected an object: {_SHAPES}")
    if data.get("format") == FORMAT:
        return _saved_snapshot(text, path)
    if "Statement" in data:
        return _bare_document(text, data, path)
    policy = data.get("Policy")
    if isinstance(policy, str):
        return _key_policy_output(policy, path)
    if isinstance(policy, dict) and "PolicySummary" in policy:
        return _org_policy(policy, path)
    if "PolicyVersion" in data:
        return _policy_version(data, path)
    if any(name in data for name in _DETAIL_LISTS) or _is_authorization_policies(data.get("Policies")):
        return _authorization_details(data, path)
    for name, reader in (("Keys", _list_keys), ("KeyMetadata", _describe_key), ("Aliases", _list_aliases),
                         ("Grants", _list_grants), ("Tags", _list_resource_tags)):
        if name in data:
            return reader(data, path)
    if "Policies" in data:
        raise _Shape("Policies", "entries without PolicyVersionList (list-policies output?); kmstui reads the "
                     "documents from get-account-authorization-details")
    if "Policy" in data:
        raise _Shape("Policy", f"{_a(policy)}; expected the key policy as JSON text (get-key-policy) or "
                     "an object with PolicySummary and Content (organizations describe-policy)")
    found = ", ".join(sorted(str(k) for k in data)[:6]) or "none"
    raise _Shape("", f"not a shape kmstui knows (top-level keys: {found}); expected {_SHAPES}")


# -- placement by folder -------------------------------------------------------------------------------


def _folders(path: str) -> tuple[str, ...]:
    """The names of the folders holding the file, outermost first, as the convention reads them."""
    return Path(os.path.abspath(path)).parent.parts


def _key_folder(path: str) -> str | None:
    """The key id when the file's own folder is named after a key."""
    folders = _folders(path)
    return folders[-1] if folders and KEY_ID.match(folders[-1]) else None


def _principal_folder(path: str) -> tuple[str | None, str, str] | None:
    """(account or None, kind, name) for principals/[<account-id>/]<kind>/<name>/file.json."""
    folders = _folders(path)
    if (len(folders) >= 5 and folders[-4] == "principals" and ACCOUNT_ID.match(folders[-3])
            and folders[-2] in PRINCIPAL_KINDS):
        return folders[-3], folders[-2], folders[-1]
    if len(folders) >= 4 and folders[-3] == "principals" and folders[-2] in PRINCIPAL_KINDS:
        return None, folders[-2], folders[-1]
    return None if "principals" not in folders[-4:] else _bad_principal_folder(path)


def _bad_principal_folder(path: str) -> None:
    raise _Shape("", "a file under principals/ must be principals/<account-id>/<user|role|group>/<name>/<policy>.json")


def _org_folder(path: str) -> tuple[str, str, int] | None:
    """(account, scp|rcp, level) for org/<account-id>/<scp|rcp>/<level>/file.json."""
    folders = _folders(path)
    if len(folders) >= 5 and folders[-4] == "org":
        account, kind, level = folders[-3], folders[-2], folders[-1]
        if ACCOUNT_ID.match(account) and kind in ("scp", "rcp") and level.isdigit():
            return account, kind, int(level)
        raise _Shape("", "a file under org/ must be org/<account-id>/<scp|rcp>/<level-number>/<policy>.json")
    return None


# -- readers by shape ----------------------------------------------------------------------------------


def _saved_snapshot(text: str, path: str) -> FileParts:
    """A Snapshot saved by ``kmstui snapshot``; its ARNs are checked so merging it cannot trip later."""
    try:
        saved = Snapshot.from_json(text, path)
    except SnapshotError as error:
        raise SourceError(str(error)) from None
    for index, key in enumerate(saved.keys):
        _key_arn(key.arn, f"keys[{index}].arn")
    for index, principal in enumerate(saved.principals):
        _iam_arn(principal.arn, f"principals[{index}].arn")
    return FileParts(saved=[saved])


def _bare_document(text: str, data: dict[str, Any], path: str) -> FileParts:
    """A policy document: which policy it is comes from its folder (key, principal or org level)."""
    key_id = _key_folder(path)
    if key_id is not None:
        parse_policy(text, "key_policy", path)
        return FileParts(keys=[_KeyFacts(key_id, path, policy=text)])
    org = _org_folder(path)
    if org is not None:
        account, kind, level = org
        parse_policy(text, kind, path)
        policy_id = f"file:{Path(path).stem}@{account}/{kind}/{level}"
        policy = OrgPolicy(id=policy_id, name=Path(path).stem, kind=kind, document=text, origin=f"file:{path}")
        return FileParts(org=[policy], placements=[_Placement(kind, account, level, policy_id)])
    place = _principal_folder(path)
    if place is not None:
        parse_policy(text, "identity", path)
        return FileParts(inline=[_Inline(place[0], place[1], place[2], InlinePolicy(Path(path).stem, text), path)])
    if _names_principal(data):
        raise UnplacedPolicy(f"{path}: a key policy (its statements name a Principal), but for which key? Put it in a "
                             "folder named after the key id: keys/<key-id>/policy.json")
    raise UnplacedPolicy(f"{path}: an identity policy, but whose? Put it in principals/<account-id>/<user|role|group>/<name>/")


def _names_principal(data: dict[str, Any]) -> bool:
    statements = data.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    return any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in statements)


def _key_policy_output(policy: str, path: str) -> FileParts:
    """``aws kms get-key-policy``: the policy is JSON text inside; the key comes from the folder."""
    key_id = _key_folder(path)
    if key_id is None:
        raise _Shape("", "get-key-policy output, but for which key? Put it in a folder named after the key id: "
                     "keys/<key-id>/policy.json")
    parse_policy(policy, "key_policy", f"{path} (its Policy string)")
    return FileParts(keys=[_KeyFacts(key_id, path, policy=policy)])


def _policy_version(data: dict[str, Any], path: str) -> FileParts:
    """``aws iam get-policy-version``: an identity policy placed by the principals/ convention."""
    version = _obj(data["PolicyVersion"], "PolicyVersion")
    if "Document" not in version:
        raise _Shape("PolicyVersion", "has no Document")
    document = _document(version["Document"], "PolicyVersion.Document")
    place = _principal_folder(path)
    if place is None:
        raise _Shape("", "a managed policy version, but whose? Put it in principals/<account-id>/<user|role|group>/<name>/")
    parse_policy(document, "identity", f"{path} (its Document)")
    name = Path(path).stem
    return FileParts(inline=[_Inline(place[0], place[1], place[2], InlinePolicy(name, document), path)])


def _org_policy(policy: dict[str, Any], path: str) -> FileParts:
    """``aws organizations describe-policy``: an SCP or RCP, attached to a level when under org/."""
    summary = _obj(policy["PolicySummary"], "Policy.PolicySummary")
    policy_type = _str(summary.get("Type"), "Policy.PolicySummary.Type")
    kind = ORG_TYPES.get(policy_type)
    if kind is None:
        raise _Shape("Policy.PolicySummary.Type", f"{policy_type}; kmstui uses only SERVICE_CONTROL_POLICY and "
                     "RESOURCE_CONTROL_POLICY")
    policy_id = _str(summary.get("Id"), "Policy.PolicySummary.Id")
    if "Content" not in policy:
        raise _Shape("Policy", "has no Content")
    content = _document(policy["Content"], "Policy.Content")
    parse_policy(content, kind, f"{path} (its Content string)")
    found = OrgPolicy(id=policy_id, name=str(summary.get("Name") or policy_id), kind=kind, document=content,
                      origin=f"file:{path}")
    parts = FileParts(org=[found])
    org = _org_folder(path)
    if org is not None:
        account, folder_kind, level = org
        if folder_kind != kind:
            raise _Shape("Policy.PolicySummary.Type", f"{policy_type} in a {folder_kind} folder")
        parts.placements.append(_Placement(kind, account, level, policy_id))
    return parts


def _list_keys(data: dict[str, Any], path: str) -> FileParts:
    """``aws kms list-keys``: the keys and their ARNs (pages merge)."""
    keys = []
    for index, entry in enumerate(_list(data["Keys"], "Keys")):
        where = f"Keys[{index}]"
        entry = _obj(entry, where)
        arn = _key_arn(entry.get("KeyArn"), f"{where}.KeyArn")
        keys.append(_KeyFacts(_key_id(arn), path, arn=arn))
    return FileParts(keys=keys)


def _describe_key(data: dict[str, Any], path: str) -> FileParts:
    """``aws kms describe-key``: the metadata conditions read (KeyManager, KeySpec, Origin, …)."""
    metadata = _obj(data["KeyMetadata"], "KeyMetadata")
    arn = _key_arn(metadata.get("Arn"), "KeyMetadata.Arn")
    _checked(parse_metadata, metadata, path)
    folder = _key_folder(path)
    if folder is not None and folder != _key_id(arn):
        raise _Shape("KeyMetadata.Arn", f"describes key {_key_id(arn)}, but the file is in the folder of key {folder}")
    return FileParts(keys=[_KeyFacts(_key_id(arn), path, arn=arn, metadata=metadata)])


def _list_aliases(data: dict[str, Any], path: str) -> FileParts:
    """``aws kms list-aliases``: attached to keys by TargetKeyId once every file is read."""
    aliases = []
    for index, entry in enumerate(_list(data["Aliases"], "Aliases")):
        where = f"Aliases[{index}]"
        entry = _obj(entry, where)
        name = _str(entry.get("AliasName"), f"{where}.AliasName")
        if not name.startswith("alias/"):
            raise _Shape(f"{where}.AliasName", f"{name!r} does not start with alias/")
        if "TargetKeyId" in entry:
            _str(entry["TargetKeyId"], f"{where}.TargetKeyId")
        _checked(parse_aliases, [entry], path, ("Aliases[0]", where))
        aliases.append((entry, path))
    return FileParts(aliases=aliases)


def _list_grants(data: dict[str, Any], path: str) -> FileParts:
    """``aws kms list-grants``: each grant names its key (KeyId is the key ARN); the folder fills a gap."""
    folder = _key_folder(path)
    by_key: dict[str, _KeyFacts] = {}
    for index, entry in enumerate(_list(data["Grants"], "Grants")):
        where = f"Grants[{index}]"
        grant = _obj(entry, where)
        _strings(grant.get("Operations", []), f"{where}.Operations")
        _checked(parse_grants, [grant], path, ("Grants[0]", where))
        if "Constraints" in grant and grant["Constraints"] is not None:
            _obj(grant["Constraints"], f"{where}.Constraints")
        key_id, arn = _grant_key(grant.get("KeyId"), folder, where)
        facts = by_key.setdefault(key_id, _KeyFacts(key_id, path))
        facts.arn = facts.arn or arn
        facts.grants.append(grant)
    if not by_key and folder is not None:
        by_key[folder] = _KeyFacts(folder, path)  # a key with no grants: say so (an empty list, not unknown)
    return FileParts(keys=list(by_key.values()))


def _grant_key(value: Any, folder: str | None, where: str) -> tuple[str, str | None]:
    """(key id, key ARN or None) of a grant: its KeyId (an ARN in list-grants output), else the folder."""
    if value is None:
        if folder is None:
            raise _Shape(where, "has no KeyId, and the file is not in a key's folder")
        return folder, None
    text = _str(value, f"{where}.KeyId")
    arn = _key_arn(text, f"{where}.KeyId") if text.startswith("arn:") else None
    key_id = _key_id(text)
    if folder is not None and key_id != folder:
        raise _Shape(f"{where}.KeyId", f"is key {key_id}, but the file is in the folder of key {folder}")
    return key_id, arn


def _list_resource_tags(data: dict[str, Any], path: str) -> FileParts:
    """``aws kms list-resource-tags``: the output does not name its key, so the folder must."""
    tags: dict[str, str] = {}
    for index, entry in enumerate(_list(data["Tags"], "Tags")):
        where = f"Tags[{index}]"
        entry = _obj(entry, where)
        if "TagKey" not in entry:
            hint = " (Key/Value is an IAM tag list; KMS writes TagKey/TagValue)" if "Key" in entry else ""
            raise _Shape(where, f"has no TagKey{hint}")
        tags[_str(entry["TagKey"], f"{where}.TagKey")] = _scalar(entry.get("TagValue", ""), f"{where}.TagValue")
    key_id = _key_folder(path)
    if key_id is None:
        raise _Shape("", "list-resource-tags output, but for which key? Put it in a folder named after the key id: "
                     "keys/<key-id>/tags.json")
    return FileParts(keys=[_KeyFacts(key_id, path, tags=tags)])


# -- IAM authorization details ---------------------------------------------------------------------------


def _is_authorization_policies(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(p, dict) and "PolicyVersionList" in p for p in value)


# (detail list, kind, name field, inline policy list field) of each principal kind
_PRINCIPAL_LISTS = (("UserDetailList", "user", "UserName", "UserPolicyList"),
                    ("GroupDetailList", "group", "GroupName", "GroupPolicyList"),
                    ("RoleDetailList", "role", "RoleName", "RolePolicyList"))


def _authorization_details(data: dict[str, Any], path: str) -> FileParts:
    """``aws iam get-account-authorization-details`` (a whole output or one page): principals, managed policies."""
    parts = FileParts()

    def entry(where: str, detail: Any, read: Any, into: list[Any]) -> None:
        """One user, group, role or managed policy; a bad one is a load error naming it, the rest loads."""
        try:
            into.append(read(_obj(detail, where)))
        except (_Shape, PolicyError, SourceError) as problem:
            name = next((str(detail.get(k)) for k in ("PolicyName", "UserName", "RoleName", "GroupName", "Arn")
                         if isinstance(detail, dict) and isinstance(detail.get(k), str)), "")
            message = str(problem) if isinstance(problem, (PolicyError, SourceError)) else f"{path}: {problem}"
            parts.errors.append(LoadError(source=f"file:{path}", what=f"{where}" + (f" {name}" if name else ""),
                                          message=message))

    for list_name, kind, name_field, inline_field in _PRINCIPAL_LISTS:
        for index, detail in enumerate(_list(data.get(list_name, []), list_name)):
            where = f"{list_name}[{index}]"
            entry(where, detail, lambda d, w=where, k=kind, n=name_field, i=inline_field: _principal(d, w, path, k, n, i),
                  parts.principals)
    for index, detail in enumerate(_list(data.get("Policies", []), "Policies")):
        where = f"Policies[{index}]"
        entry(where, detail, lambda d, w=where: _managed(d, w, path), parts.managed)
    return parts


def _principal(detail: dict[str, Any], where: str, path: str, kind: str, name_field: str, inline_field: str) -> Principal:
    """One user, group or role: inline and attached policies, groups (users), boundary and tags (not groups)."""
    name = _str(detail.get(name_field), f"{where}.{name_field}")
    return Principal(
        arn=_iam_arn(detail.get("Arn"), f"{where}.Arn"), kind=kind, name=name,
        inline_policies=_inline(detail.get(inline_field), f"{where}.{inline_field}", f"{kind} {name}", path),
        managed_policies=_attached(detail.get("AttachedManagedPolicies"), f"{where}.AttachedManagedPolicies"),
        groups=_strings(detail.get("GroupList", []), f"{where}.GroupList") if kind == "user" else [],
        boundary=_boundary(detail, where) if kind != "group" else None,
        tags=_iam_tags(detail.get("Tags"), f"{where}.Tags") if kind != "group" else {},
        origin=f"file:{path}")


def _inline(entries: Any, where: str, holder: str, path: str) -> list[InlinePolicy]:
    """Inline policies, each validated so a broken one names its file, principal and line."""
    found = []
    for index, entry in enumerate(_list(entries if entries is not None else [], where)):
        entry = _obj(entry, f"{where}[{index}]")
        name = _str(entry.get("PolicyName"), f"{where}[{index}].PolicyName")
        if "PolicyDocument" not in entry:
            raise _Shape(f"{where}[{index}]", "has no PolicyDocument")
        document = _document(entry["PolicyDocument"], f"{where}[{index}].PolicyDocument")
        parse_policy(document, "identity", f"{path} ({holder} inline policy {name})")
        found.append(InlinePolicy(name=name, document=document))
    return found


def _attached(entries: Any, where: str) -> list[str]:
    found = []
    for index, entry in enumerate(_list(entries if entries is not None else [], where)):
        found.append(_str(_obj(entry, f"{where}[{index}]").get("PolicyArn"), f"{where}[{index}].PolicyArn"))
    return found


def _boundary(detail: dict[str, Any], where: str) -> str | None:
    boundary = detail.get("PermissionsBoundary")
    if boundary is None:
        return None
    return _str(_obj(boundary, f"{where}.PermissionsBoundary").get("PermissionsBoundaryArn"),
                f"{where}.PermissionsBoundary.PermissionsBoundaryArn")


def _iam_tags(entries: Any, where: str) -> dict[str, str]:
    tags = {}
    for index, entry in enumerate(_list(entries if entries is not None else [], where)):
        entry = _obj(entry, f"{where}[{index}]")
        tags[_str(entry.get("Key"), f"{where}[{index}].Key")] = _scalar(entry.get("Value", ""), f"{where}[{index}].Value")
    return tags


def _managed(detail: dict[str, Any], where: str, path: str) -> ManagedPolicy:
    """A managed policy with its default version's document: the only version that applies."""
    arn = _iam_arn(detail.get("Arn"), f"{where}.Arn")
    name = str(detail.get("PolicyName") or arn.rsplit("/", 1)[-1])
    default = str(detail.get("DefaultVersionId") or "")
    versions = _list(detail.get("PolicyVersionList", []), f"{where}.PolicyVersionList")
    chosen = None
    for index, version in enumerate(versions):
        version = _obj(version, f"{where}.PolicyVersionList[{index}]")
        if version.get("IsDefaultVersion") is True or (default and version.get("VersionId") == default):
            chosen = (index, version)
            break
    if chosen is None:
        raise _Shape(f"{where}.PolicyVersionList", f"policy {name} has no default version")
    index, version = chosen
    if "Document" not in version:
        raise _Shape(f"{where}.PolicyVersionList[{index}]", "has no Document")
    document = _document(version["Document"], f"{where}.PolicyVersionList[{index}].Document")
    parse_policy(document, "identity", f"{path} (managed policy {name})")
    return ManagedPolicy(arn=arn, name=name, document=document, version=default or str(version.get("VersionId", "")),
                         origin=f"file:{path}")


# -- small shape checks ----------------------------------------------------------------------------------


def _document(value: Any, where: str) -> str:
    """A policy document as JSON text (see :func:`kmstui.sources.documents.document_text`)."""
    if not isinstance(value, (dict, str)):
        raise _Shape(where, f"{_a(value)}; expected a policy document (an object or JSON text)")
    try:
        return document_text(value)
    except DocumentError as error:
        raise _Shape(where, str(error)) from None


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(where, f"{_a(value)}; expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Shape(where, f"{_a(value)}; expected a list")
    return value


def _checked(parse: Any, value: Any, path: str, rename: tuple[str, str] = ("", "")) -> Any:
    """One of the engine's checks of KMS data (kmstui.engine.key_data), its error as this file's."""
    try:
        return parse(value, source=path)
    except PolicyError as error:
        element = error.element.replace(*rename) if rename[0] else error.element
        raise _Shape(element, error.problem) from None


def _str(value: Any, where: str) -> str:
    if value is None:
        raise _Shape(where, "missing")
    if not isinstance(value, str) or not value:
        raise _Shape(where, f"{_a(value)}; expected a non-empty string")
    return value


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, (dict, list)):
        raise _Shape(where, f"{_a(value)}; expected a string")
    return "" if value is None else str(value)


def _strings(value: Any, where: str) -> list[str]:
    return [_str(item, f"{where}[{index}]") for index, item in enumerate(_list(value, where))]


def _key_arn(value: Any, where: str) -> str:
    arn = _str(value, where)
    parts = arn.split(":")
    if (len(parts) != 6 or parts[0] != "arn" or parts[2] != "kms" or not parts[5].startswith("key/")
            or not ACCOUNT_ID.match(parts[4])):
        raise _Shape(where, f"{arn!r} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)")
    return arn


def _iam_arn(value: Any, where: str) -> str:
    arn = _str(value, where)
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not (ACCOUNT_ID.match(parts[4]) or parts[4] == "aws"):
        raise _Shape(where, f"{arn!r} is not an IAM ARN")
    return arn


def _key_id(value: str) -> str:
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _type(value: Any) -> str:
    """The JSON name of a value's type."""
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(value), type(value).__name__)


def _a(value: Any) -> str:
    """``an object``, ``a list``, ``null``: what a message says was found."""
    name = _type(value)
    return name if name == "null" else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


# -- assembling the Snapshot -------------------------------------------------------------------------------


class _Builder:
    """Collects every file's parts, then resolves what only the whole folder knows (key ARNs, accounts)."""

    def __init__(self, root: str | None = None) -> None:
        self.root = root  # a folder: errors name files relative to it
        self.facts: list[_KeyFacts] = []
        self.aliases: list[tuple[dict[str, Any], str]] = []
        self.principals: dict[str, Principal] = {}
        self.managed: dict[str, ManagedPolicy] = {}
        self.inline: list[_Inline] = []
        self.org: dict[str, OrgPolicy] = {}
        self.placements: list[_Placement] = []
        self.saved: list[Snapshot] = []
        self.errors: list[LoadError] = []  # files that could not be read
        self.problems: list[LoadError] = []  # files read, but not placeable (unknown key ARN, account)

    def add(self, parts: FileParts) -> None:
        self.facts += parts.keys
        self.aliases += parts.aliases
        self.principals.update({p.arn: p for p in parts.principals})
        self.managed.update({m.arn: m for m in parts.managed})
        self.inline += parts.inline
        self.org.update({o.id: o for o in parts.org})
        self.placements += parts.placements
        self.errors += parts.errors
        for saved in parts.saved:
            self.saved.append(saved)
            for key in saved.keys:
                self.facts.append(_KeyFacts(key.key_id, key.origin or "snapshot", arn=key.arn, metadata=key.metadata,
                                            policy=key.policy, tags=key.tags, grants=list(key.grants)))
                self.aliases += [(alias, key.origin) for alias in key.aliases]
            self.principals.update({p.arn: p for p in saved.principals})
            self.managed.update(saved.managed_policies)
            self.org.update(saved.org_policies)

    def build(self, sources: list[str]) -> Snapshot:
        snapshot = Snapshot(sources=sources)
        for saved in self.saved:
            snapshot.scp_levels.update(saved.scp_levels)
            snapshot.rcp_levels.update(saved.rcp_levels)
            snapshot.vpc_endpoint_policies.update(saved.vpc_endpoint_policies)
            snapshot.errors += saved.errors
            snapshot.sources += [s for s in saved.sources if s not in snapshot.sources]
        snapshot.keys = self._keys()
        self._place_inline()
        snapshot.principals = list(self.principals.values())
        snapshot.managed_policies = dict(self.managed)
        snapshot.org_policies = dict(self.org)
        self._levels(snapshot)
        snapshot.errors = self.errors + snapshot.errors
        return snapshot

    # -- keys ---------------------------------------------------------------------------------------
    def _keys(self) -> list[Key]:
        """Keys by ARN; facts that only know the key id (its folder) join the one key with that id."""
        keys: dict[str, Key] = {}
        pending: list[_KeyFacts] = []
        for facts in self.facts:
            if facts.arn is None:
                pending.append(facts)
            else:
                self._apply(keys.setdefault(facts.arn, Key(arn=facts.arn, origin=f"file:{facts.file}")), facts)
        alias_arns = self._alias_key_arns()
        for facts in pending:
            matches = [k for k in keys.values() if k.key_id == facts.key_id]
            if not matches and facts.key_id in alias_arns:
                arn = alias_arns[facts.key_id]
                matches = [keys.setdefault(arn, Key(arn=arn, origin=f"file:{facts.file}"))]
            if len(matches) == 1:
                self._apply(matches[0], facts)
            elif matches:
                self._problem(facts.file, f"{facts.file}: key {facts.key_id} has several ARNs "
                              f"({', '.join(k.arn for k in matches)}); keep one region's files per folder")
            else:
                self._problem(facts.file, f"{facts.file}: the ARN of key {facts.key_id} is not known; add its "
                              f"describe-key output ({facts.key_id}/describe-key.json) or list-keys output")
        self._attach_aliases(keys.values())
        return list(keys.values())

    @staticmethod
    def _apply(key: Key, facts: _KeyFacts) -> None:
        """Later files win for the same field; grants add up (by GrantId)."""
        if facts.metadata is not None:
            key.metadata = facts.metadata
        if facts.policy is not None:
            key.policy = facts.policy
        if facts.tags is not None:
            key.tags = dict(facts.tags)
        seen = {g.get("GrantId") for g in key.grants if g.get("GrantId")}
        for grant in facts.grants:
            if not grant.get("GrantId") or grant.get("GrantId") not in seen:
                key.grants.append(grant)
                seen.add(grant.get("GrantId"))

    def _alias_key_arns(self) -> dict[str, str]:
        """Key id → key ARN, built from alias ARNs (same region and account as the key they target)."""
        found = {}
        for alias, _ in self.aliases:
            target, alias_arn = alias.get("TargetKeyId"), str(alias.get("AliasArn") or "")
            parts = alias_arn.split(":")
            if target and len(parts) == 6 and parts[2] == "kms" and ACCOUNT_ID.match(parts[4]):
                found[str(target)] = ":".join(parts[:5] + [f"key/{target}"])
        return found

    def _attach_aliases(self, keys: Any) -> None:
        """Each alias joins the key it targets (same account and region when its ARN says so)."""
        by_id: dict[str, list[Key]] = {}
        for key in keys:
            by_id.setdefault(key.key_id, []).append(key)
        for alias, _ in self.aliases:
            candidates = by_id.get(_key_id(str(alias.get("TargetKeyId") or "")), [])
            alias_arn = str(alias.get("AliasArn") or "")
            if len(candidates) > 1 and alias_arn.count(":") == 5:
                candidates = [k for k in candidates if k.arn.split(":")[3:5] == alias_arn.split(":")[3:5]]
            for key in candidates[:1]:
                names = {(a.get("AliasName"), a.get("AliasArn")) for a in key.aliases}
                if (alias.get("AliasName"), alias.get("AliasArn")) not in names:
                    key.aliases.append(alias)

    # -- principals and organization policies -------------------------------------------------------
    def _place_inline(self) -> None:
        """Bare identity policies join their principal (made from the folder when not otherwise loaded)."""
        accounts = {p.arn.split(":")[4] for p in self.principals.values()} | {
            f.arn.split(":")[4] for f in self.facts if f.arn}
        for item in self.inline:
            account = item.account
            if account is None:
                known = [p for p in self.principals.values() if p.kind == item.kind and p.name == item.name]
                if len(known) == 1:
                    account = known[0].account
                elif len(accounts) == 1:
                    account = next(iter(accounts))
                else:
                    self._problem(item.file, f"{item.file}: which account does {item.kind} {item.name} belong to? "
                                  f"Use principals/<account-id>/{item.kind}/{item.name}/")
                    continue
            principal = next((p for p in self.principals.values() if p.kind == item.kind and p.name == item.name
                              and p.account == account), None)
            if principal is None:
                arn = f"arn:aws:iam::{account}:{item.kind}/{item.name}"
                principal = self.principals.setdefault(arn, Principal(arn=arn, kind=item.kind, name=item.name,
                                                                      origin=f"file:{item.file}"))
            principal.inline_policies = [p for p in principal.inline_policies if p.name != item.policy.name]
            principal.inline_policies.append(item.policy)

    def _levels(self, snapshot: Snapshot) -> None:
        """org/<account>/<kind>/<n>/ placements become each account's levels, root (lowest n) first."""
        grouped: dict[tuple[str, str], dict[int, list[str]]] = {}
        for placement in self.placements:
            level = grouped.setdefault((placement.kind, placement.account), {}).setdefault(placement.level, [])
            if placement.policy_id not in level:
                level.append(placement.policy_id)
        for (kind, account), levels in grouped.items():
            target = snapshot.scp_levels if kind == "scp" else snapshot.rcp_levels
            target[account] = [levels[n] for n in sorted(levels)]

    def _problem(self, file: str, message: str) -> None:
        what = Path(os.path.relpath(file, self.root)).as_posix() if self.root else file
        self.problems.append(LoadError(source=f"file:{file}", what=what, message=message))
