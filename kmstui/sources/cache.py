"""Loaded Snapshots cached on disk (diskcache), so the app and CLI start from the last load.

One entry per profile, endpoint and set of regions (the entry records the account and partition it
held). The directory follows the XDG rules (``$XDG_CACHE_HOME/kmstui``, else ``~/.cache/kmstui``)
and is created with mode 0700. An entry is written only after a load completes (diskcache writes in
one SQLite transaction), so an interrupted load never leaves a broken entry; an entry that cannot be
read is dropped with a warning.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from kmstui.sources.snapshot import Snapshot, SnapshotError

ENTRY_VERSION = 1


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kmstui`` or ``~/.cache/kmstui``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kmstui"


def cache_key(profile: str | None, regions: Sequence[str] | None, endpoint_url: str | None) -> str:
    return "|".join([f"v{ENTRY_VERSION}", profile or "(default)", ",".join(sorted(regions or [])) or "(default)",
                     endpoint_url or "aws"])


@dataclass
class CachedSnapshot:
    snapshot: Snapshot
    saved_at: float  # epoch seconds

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.saved_at)

    @property
    def age_text(self) -> str:
        return age_text(self.age_seconds)


def age_text(seconds: float) -> str:
    """``42 s old``, ``12 min old``, ``3.5 h old``, ``9 days old``."""
    if seconds < 90:
        return f"{seconds:.0f} s old"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min old"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h old"
    return f"{seconds / 86400:.0f} days old"


class SnapshotCache:
    """Get and put Snapshots by load parameters; ``warn`` receives one line per dropped entry."""

    def __init__(self, directory: Path | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.directory = Path(directory) if directory else cache_dir()
        self.warn = warn or (lambda message: None)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        import diskcache

        self._cache = diskcache.Cache(str(self.directory))

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> "SnapshotCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, key: str) -> CachedSnapshot | None:
        try:
            entry = self._cache.get(key)
        except Exception as error:  # noqa: BLE001 - a damaged cache file must not stop the app
            self._drop(key, f"unreadable ({type(error).__name__})")
            return None
        if entry is None:
            return None
        try:
            if not isinstance(entry, dict) or entry.get("version") != ENTRY_VERSION:
                raise SnapshotError("unexpected entry layout")
            return CachedSnapshot(Snapshot.from_json(entry["snapshot"], "cache entry"), float(entry["saved_at"]))
        except (SnapshotError, KeyError, TypeError, ValueError) as error:
            self._drop(key, str(error))
            return None

    def put(self, key: str, snapshot: Snapshot) -> None:
        self._cache.set(key, {"version": ENTRY_VERSION, "saved_at": time.time(), "snapshot": snapshot.to_json()})

    def entries(self) -> list[tuple[str, float]]:
        """(key, saved_at) of every readable entry, newest first."""
        found = []
        for key in list(self._cache.iterkeys()):
            try:
                entry = self._cache.get(key)
                found.append((str(key), float(entry["saved_at"])))
            except Exception:  # noqa: BLE001
                continue
        return sorted(found, key=lambda item: -item[1])

    def _drop(self, key: str, why: str) -> None:
        try:
            self._cache.delete(key)
        except Exception:  # noqa: BLE001
            pass
        self.warn(f"kmstui: dropped a corrupted cache entry ({why}); it will be reloaded")


def cached_account(profile: str | None, regions: Sequence[str] | None, endpoint_url: str | None,
                   warn: Callable[[str], None] | None = None) -> CachedSnapshot | None:
    """The cached Snapshot of an account load, or None."""
    with SnapshotCache(warn=warn) as cache:
        return cache.get(cache_key(profile, regions, endpoint_url))


def load_account_cached(profile: str | None, regions: Sequence[str] | None, endpoint_url: str | None, *,
                        refresh: bool = False, use_cache: bool = True, progress: Callable[[str, int, int], None] | None = None,
                        cancel: Any = None, warn: Callable[[str], None] | None = None) -> tuple[Snapshot, CachedSnapshot | None]:
    """An account's Snapshot: the cached copy unless ``refresh`` (the entry is returned too, for its age),
    else loaded from AWS and, unless ``use_cache`` is off, cached. Shared by the CLI and the app."""
    if use_cache and not refresh:
        cached = cached_account(profile, regions, endpoint_url, warn)
        if cached is not None:
            return cached.snapshot, cached
    from kmstui.sources.aws_account import load_account

    snapshot = load_account(profile=profile, regions=list(regions or []) or None, endpoint_url=endpoint_url,
                            progress=progress, cancel=cancel)
    if use_cache:
        with SnapshotCache(warn=warn) as cache:
            cache.put(cache_key(profile, regions, endpoint_url), snapshot)
    return snapshot, None
