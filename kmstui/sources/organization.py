"""An organisation's Snapshots: one per account, loaded once per process, and the PolicySet of a
principal of one account asking about a key of another.

A folder of an organisation holds one entry per account: a saved snapshot (``*.json``) or a folder
that :func:`kmstui.sources.files.load_path` reads as one account. :func:`cached_snapshot` loads an
entry once per process (a Dask worker keeps the Snapshots it has loaded, with their parse caches,
for every later task), keyed by path, size and modification time.

:func:`policy_set_across` is :meth:`Snapshot.policy_set` over two Snapshots: the key's account gives
the key policy, grants, key facts and RCPs; the principal's account gives its identity policies,
permissions boundary and SCPs. Within one account it is :meth:`Snapshot.policy_set` itself.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from kmstui.sources.errors import SourceError
from kmstui.sources.snapshot import Key, Snapshot

# Snapshots a process keeps (env KMSTUI_ORG_CACHE); an organisation run reads the key's account and
# each account whose principals the key's policies may allow.
CACHE_SIZE = 128

_cache: OrderedDict[tuple[str, int, int], Snapshot] = OrderedDict()
_cache_lock = threading.Lock()
_loading: dict[tuple[str, int, int], threading.Lock] = {}


def organization_entries(folder: str | os.PathLike[str]) -> list[str]:
    """The accounts of an organisation folder: its ``*.json`` files and sub-folders, sorted (dot-files aside)."""
    root = Path(folder)
    if not root.is_dir():
        raise SourceError(f"{os.fspath(folder)}: not a folder (--organization takes a folder of snapshots, one per account)")
    found = [str(p) for p in sorted(root.iterdir())
             if not p.name.startswith(".") and (p.is_dir() or (p.is_file() and p.suffix.lower() == ".json"))]
    if not found:
        raise SourceError(f"{os.fspath(folder)}: no snapshots in this folder (*.json files or one folder per account)")
    return found


def cached_snapshot(path: str) -> Snapshot:
    """The Snapshot of one organisation entry, loaded once per process while it is unchanged."""
    stat = os.stat(path)
    cache_key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    with _cache_lock:
        found = _cache.get(cache_key)
        if found is not None:
            _cache.move_to_end(cache_key)
            return found
        lock = _loading.setdefault(cache_key, threading.Lock())
    with lock:  # two threads of one worker asking for one snapshot load it once
        with _cache_lock:
            found = _cache.get(cache_key)
        if found is None:
            from kmstui.sources.files import load_path

            found = load_path(path)
            with _cache_lock:
                _cache[cache_key] = found
                _loading.pop(cache_key, None)
                limit = max(1, int(os.environ.get("KMSTUI_ORG_CACHE", CACHE_SIZE)))
                while len(_cache) > limit:
                    _cache.popitem(last=False)
    return found


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def policy_set_across(key_snapshot: Snapshot, key: Key, principal_snapshot: Snapshot, principal_arn: str) -> Any:
    """The PolicySet for ``principal_arn`` (of ``principal_snapshot``'s account) and ``key`` (of ``key_snapshot``).

    Key policy, grants, key metadata, tags, aliases and RCPs come from the key's Snapshot; identity
    policies (own and groups'), permissions boundary and SCPs from the principal's. The engine then
    applies the cross-account rules (the key policy must allow the external account or principal,
    and the principal's own IAM policies must allow too).
    """
    if principal_snapshot is key_snapshot:
        return key_snapshot.policy_set(principal_arn, [key], own_aliases=True)
    from kmstui.engine.policy_set import PolicySet

    who = principal_snapshot
    principal = who.find_principal(principal_arn)
    identity = [who.parsed(text, "identity", name, lambda name=name: name)
                for name, text in who.identity_documents(principal)] if principal else []
    boundary = None
    if principal is not None and principal.boundary and principal.boundary in who.managed_policies:
        managed = who.managed_policies[principal.boundary]
        boundary = who.parsed(managed.document, "boundary", f"permissions boundary {managed.name}",
                              lambda: f"managed_policies[{principal.boundary!r}].document")
    account = principal_arn.split(":")[4] if principal_arn.startswith("arn:") else ""
    key_policy = (key_snapshot.parsed(key.policy, "key_policy", f"key policy of {key.key_id}",
                                      lambda: f"keys[{key_snapshot.keys.index(key)}].policy") if key.policy else None)
    missing = [f"{e.what} could not be loaded ({e.code or 'error'}: {e.message})" for e in key_snapshot.missing_for(None, [key])]
    missing += [note for note in who.missing_notes(principal_arn, []) if note not in missing]
    if key.policy is None:
        missing.append(f"the key policy of {key.key_id} was not loaded")
    return PolicySet(
        key_policy=key_policy,
        identity=identity,
        boundary=boundary,
        scps=org_levels(who, who.scp_levels.get(account, [])),
        rcps=org_levels(key_snapshot, key_snapshot.rcp_levels.get(key.account, [])),
        grants=key.grants,
        key_metadata=key.metadata,
        key_tags=key.tags,
        aliases=list(key.aliases),
        missing=missing,
    )


def org_levels(snapshot: Snapshot, levels: list[list[str]]) -> list[list[Any]]:
    """SCP or RCP levels (root first) as parsed policies, from a Snapshot's organisation policies."""
    return [[snapshot.parsed(snapshot.org_policies[i].document, snapshot.org_policies[i].kind,
                             f"{snapshot.org_policies[i].kind.upper()} {snapshot.org_policies[i].name}",
                             lambda i=i: f"org_policies[{i!r}].document")
             for i in level if i in snapshot.org_policies] for level in levels]
