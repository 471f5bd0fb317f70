"""Loaded Snapshots cached on disk (diskcache), so the app and CLI start from the last load.

An entry is keyed by whose data it holds and where it came from: the account the credentials
resolved to (sts GetCallerIdentity, asked before the cache is read), the partition, the regions
actually read, the endpoint and the profile. It is used only when the identity asked now is the
account it records, so switching AWS_PROFILE, credentials or AWS_DEFAULT_REGION never shows
another account's (or region's) data.

Entries are JSON text, never pickles: a header line (format, version, saved_at, whose) and the
snapshot in its own format. ``TextDisk`` stores only text and refuses to read anything else, so a
crafted entry cannot run code. The directory follows the XDG rules (``$XDG_CACHE_HOME/kmstui``, else
``~/.cache/kmstui``), mode 0700. A damaged database is moved aside with a warning and rebuilt; a
location that cannot be used means no cache, with a warning. Nothing here raises to the caller.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from kmstui.sources.errors import SourceError
from kmstui.sources.snapshot import Snapshot

if TYPE_CHECKING:
    from kmstui.sources.limits import Limits

ENTRY_FORMAT = "kmstui-cache-entry"
ENTRY_VERSION = 2
DATABASE = "cache.db"
Warn = Callable[[str], None]


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kmstui`` or ``~/.cache/kmstui``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kmstui"


@dataclass(frozen=True)
class Whose:
    """Whose data an entry holds and where it was read: the cache key, and what a reader checks."""

    account: str
    partition: str
    regions: tuple[str, ...]
    endpoint: str | None = None
    profile: str | None = None

    @property
    def key(self) -> str:
        return cache_key(self.account, self.partition, self.regions, self.endpoint, self.profile)

    @property
    def label(self) -> str:
        """``account 111122223333 (aws; us-west-2; profile audit)``, for the CLI and the app."""
        where = [self.partition, ", ".join(self.regions) or "no region", f"profile {self.profile or 'default'}"]
        if self.endpoint:
            where.append(f"endpoint {self.endpoint}")
        return f"account {self.account} ({'; '.join(where)})"

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "partition": self.partition, "regions": list(self.regions),
                "endpoint": self.endpoint, "profile": self.profile}

    @classmethod
    def from_dict(cls, data: Any) -> "Whose":
        if not isinstance(data, dict) or not isinstance(data.get("account"), str):
            raise ValueError("no account recorded")
        regions = data.get("regions")
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise ValueError("no regions recorded")
        return cls(account=data["account"], partition=str(data.get("partition", "")), regions=tuple(regions),
                   endpoint=_text_or_none(data.get("endpoint")), profile=_text_or_none(data.get("profile")))


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def cache_key(account: str, partition: str, regions: Sequence[str], endpoint_url: str | None,
              profile: str | None) -> str:
    """One text key per account, partition, set of regions (any order), endpoint and profile."""
    return json.dumps([f"v{ENTRY_VERSION}", account, partition, sorted(set(regions)), endpoint_url or "aws",
                       profile or "(default)"], separators=(",", ":"))


@dataclass
class CachedSnapshot:
    snapshot: Snapshot
    saved_at: float  # epoch seconds
    whose: Whose

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.saved_at)

    @property
    def age_text(self) -> str:
        return age_text(self.age_seconds)


@dataclass(frozen=True)
class CacheEntry:
    """One entry as listed (its header only): for the app's list of cached snapshots."""

    key: str
    whose: Whose
    saved_at: float


def age_text(seconds: float) -> str:
    """``42 s old``, ``12 min old``, ``3.5 h old``, ``9 days old``."""
    if seconds < 90:
        return f"{seconds:.0f} s old"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min old"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h old"
    return f"{seconds / 86400:.0f} days old"


# -- storage that never unpickles ----------------------------------------------------------------------


class UnsafeEntry(Exception):
    """The database holds something that is not text (a pickle): it is never read."""


def _text_disk() -> type:
    """diskcache's Disk restricted to text keys and text values (made lazily: diskcache loads on first use)."""
    import diskcache
    from diskcache.core import MODE_RAW, MODE_TEXT

    class TextDisk(diskcache.Disk):  # type: ignore[misc]
        def put(self, key: Any) -> tuple[Any, bool]:
            if type(key) is not str:
                raise TypeError("cache keys are text")
            return key, True

        def get(self, key: Any, raw: bool) -> Any:
            if not raw or type(key) is not str:
                raise UnsafeEntry("a key that is not text")
            return key

        def store(self, value: Any, read: bool, key: Any = None) -> Any:
            if type(value) is not str or read:
                raise TypeError("cache values are text")
            return super().store(value, read, key=key)

        def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> Any:
            if mode not in (MODE_RAW, MODE_TEXT) or read or (mode == MODE_RAW and type(value) is not str):
                raise UnsafeEntry("a value that is not text")
            return super().fetch(mode, filename, value, read)

    return TextDisk


def _is_busy(error: BaseException) -> bool:
    return "locked" in str(error) or "busy" in str(error)


class SnapshotCache:
    """Get and put Snapshots by whose they are; ``warn`` receives one line per problem, nothing raises."""

    def __init__(self, directory: Path | None = None, warn: Warn | None = None) -> None:
        self.directory = Path(directory) if directory else cache_dir()
        self.warn = warn or (lambda message: None)
        self._cache: Any = None
        self._open()

    # -- opening, damage, no cache -------------------------------------------------------------
    def _open(self, retry: bool = True) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
        except OSError as error:
            self._without(f"cannot use {self.directory} ({error.strerror or error})")
            return
        try:
            import diskcache

            self._cache = diskcache.Cache(str(self.directory), disk=_text_disk())
        except sqlite3.DatabaseError as error:
            if retry and not _is_busy(error) and "unable to open" not in str(error):
                self._move_aside(error)
                self._open(retry=False)
            else:
                self._without(f"cannot open {self.directory / DATABASE} ({error})")
        except (OSError, Exception) as error:  # noqa: BLE001 - diskcache's own failures: no cache, never a crash
            self._without(f"cannot open {self.directory / DATABASE} ({error})")

    def _without(self, why: str) -> None:
        self._cache = None
        self.warn(f"kmstui: warning: the snapshot cache is off: {why}")

    def _move_aside(self, error: BaseException) -> None:
        """Keep the damaged database for inspection (``cache.db.damaged-…``) and start an empty one."""
        self._close_quietly()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        moved = self.directory / f"{DATABASE}.damaged-{stamp}"
        try:
            for suffix in ("", "-wal", "-shm"):
                part = self.directory / f"{DATABASE}{suffix}"
                if part.exists():
                    os.replace(part, self.directory / f"{moved.name}{suffix}")
        except OSError as move_error:
            self._without(f"{self.directory / DATABASE} is damaged ({error}) and cannot be moved aside "
                          f"({move_error.strerror or move_error})")
            return
        self.warn(f"kmstui: warning: the snapshot cache was damaged ({error}); moved it to {moved} "
                  "and started an empty one")

    def _close_quietly(self) -> None:
        if self._cache is not None:
            try:
                self._cache.close()
            except Exception:  # noqa: BLE001
                pass
        self._cache = None

    def _run(self, operation: Callable[[Any], Any], default: Any, retry: bool = True) -> Any:
        """``operation(diskcache)``; a damaged database is moved aside (and the operation tried once more)."""
        if self._cache is None:
            return default
        try:
            return operation(self._cache)
        except sqlite3.DatabaseError as error:
            if _is_busy(error):
                self.warn(f"kmstui: warning: the snapshot cache is busy ({error}); not used this time")
                return default
            if "readonly" in str(error) or "unable to open" in str(error):
                self._close_quietly()
                self._without(f"cannot write {self.directory / DATABASE} ({error})")
                return default
            self._move_aside(error)
        except UnsafeEntry as error:
            self._move_aside(UnsafeEntry(f"it holds {error}, which kmstui never reads"))
        except OSError as error:
            self.warn(f"kmstui: warning: the snapshot cache cannot be used ({error.strerror or error})")
            return default
        except Exception as error:  # noqa: BLE001 - diskcache's own failures (timeouts): never a crash
            self.warn(f"kmstui: warning: the snapshot cache cannot be used ({type(error).__name__}: {error})")
            return default
        if self._cache is None and self.directory.exists():
            self._open(retry=False)
        if retry and self._cache is not None:
            return self._run(operation, default, retry=False)
        return default

    def close(self) -> None:
        self._close_quietly()

    def __enter__(self) -> "SnapshotCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def enabled(self) -> bool:
        return self._cache is not None

    # -- entries -------------------------------------------------------------------------------
    def get(self, whose: Whose) -> CachedSnapshot | None:
        """The entry for ``whose``, only if it records the same account, partition and regions."""
        text = self._run(lambda cache: _fetch_text(cache, whose.key), None)
        if text is None:
            return None
        try:
            if text is _UNSAFE:
                raise UnsafeEntry("it is not text (a pickle?); it was not read")
            header, snapshot = _decode(text)
            recorded = Whose.from_dict(header.get("whose"))
            if (recorded.account, recorded.partition, sorted(recorded.regions)) != \
                    (whose.account, whose.partition, sorted(whose.regions)):
                raise ValueError(f"it records account {recorded.account}, not {whose.account}")
            foreign = [s for s in snapshot.sources if not s.startswith(f"aws:{whose.account}/")]
            if foreign:
                raise ValueError(f"it holds data of {foreign[0]}")
            return CachedSnapshot(snapshot, float(header["saved_at"]), recorded)
        except Exception as error:  # noqa: BLE001 - any bad entry: dropped, reloaded
            self._drop(whose.key, str(error))
            return None

    def put(self, whose: Whose, snapshot: Snapshot) -> None:
        header = {"format": ENTRY_FORMAT, "version": ENTRY_VERSION, "saved_at": time.time(), "whose": whose.to_dict()}
        text = json.dumps(header, separators=(",", ":")) + "\n" + snapshot.to_json()
        self._run(lambda cache: cache.set(whose.key, text), None)

    def entries(self) -> list[CacheEntry]:
        """Every readable entry's header, newest first (unreadable ones are skipped)."""
        def listing(cache: Any) -> list[CacheEntry]:
            found = []
            for key in list(cache.iterkeys()):
                try:
                    text = cache.get(key)
                    header = json.loads(text.split("\n", 1)[0])
                    _check_header(header)
                    found.append(CacheEntry(key, Whose.from_dict(header["whose"]), float(header["saved_at"])))
                except sqlite3.DatabaseError:
                    raise
                except Exception:  # noqa: BLE001 - not text, or not an entry: get() drops it when it is opened
                    continue
            return found

        return sorted(self._run(listing, []), key=lambda entry: -entry.saved_at)

    def _drop(self, key: str, why: str) -> None:
        self._run(lambda cache: cache.delete(key), None)
        self.warn(f"kmstui: warning: dropped a cache entry that could not be used ({why}); it will be reloaded")


_UNSAFE = object()


def _fetch_text(cache: Any, key: str) -> Any:
    """The entry's text, or ``_UNSAFE`` when its value is not text (never unpickled)."""
    try:
        return cache.get(key)
    except UnsafeEntry:
        return _UNSAFE


def _check_header(header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != ENTRY_FORMAT or header.get("version") != ENTRY_VERSION:
        raise ValueError("unexpected entry layout")


def _decode(text: Any) -> tuple[dict[str, Any], Snapshot]:
    if not isinstance(text, str) or "\n" not in text:
        raise ValueError("unexpected entry layout")
    first, rest = text.split("\n", 1)
    header = json.loads(first)
    _check_header(header)
    return header, Snapshot.from_json(rest, "cache entry")


# -- loading through the cache -------------------------------------------------------------------------


@dataclass
class AccountData:
    """An account's Snapshot and whose it is; ``cached`` is the entry used (None: loaded just now)."""

    snapshot: Snapshot
    whose: Whose
    caller_arn: str
    cached: CachedSnapshot | None = None


def load_account_cached(profile: str | None, regions: Sequence[str] | None, endpoint_url: str | None, *,
                        refresh: bool = False, use_cache: bool = True,
                        progress: Callable[[str, int, int], None] | None = None,
                        cancel: threading.Event | None = None, warn: Warn | None = None,
                        limits: "Limits | None" = None, expected_account: str | None = None) -> AccountData:
    """An account's Snapshot: first who the credentials are (one STS call), then the cached copy for that
    account unless ``refresh``, else a load from AWS that is cached unless ``use_cache`` is off.
    ``expected_account`` refuses credentials that now belong to another account. Shared by the CLI and
    the app."""
    from kmstui.sources.aws_account import connect, load_connected

    connection = connect(profile, list(regions or []) or None, endpoint_url, limits=limits, cancel=cancel)
    identity = connection.identity
    if expected_account and identity.account != expected_account:
        raise SourceError(f"the credentials now belong to account {identity.account}, not {expected_account}: "
                          "load that account again (ctrl+o) to see its data")
    named = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or None
    whose = Whose(identity.account, identity.partition, tuple(sorted(connection.regions)), endpoint_url, named)
    if use_cache and not refresh:
        with SnapshotCache(warn=warn) as cache:
            cached = cache.get(whose)
        if cached is not None:
            return AccountData(cached.snapshot, whose, identity.arn, cached)
    snapshot = load_connected(connection, progress, cancel)
    if use_cache:
        with SnapshotCache(warn=warn) as cache:
            cache.put(whose, snapshot)
    return AccountData(snapshot, whose, identity.arn)
