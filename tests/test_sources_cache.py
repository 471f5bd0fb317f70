"""The snapshot cache: keyed by whose data, JSON text never pickles, and no state of the disk ever a traceback.

Each damaged state is made the way it happens (a file cut short, a file that is not a database, a
crafted pickle row written with sqlite3 directly, a cache directory under a file) and every
operation is tried on it: none raises, each says what happened in one warning line.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import stat
from pathlib import Path

import pytest

from kmstui.sources.cache import SnapshotCache, Whose, cache_dir, cache_key
from kmstui.sources.snapshot import Key, LoadError, Snapshot

ONE, TWO = "111122223333", "444455556666"


def sample(account: str = ONE) -> Snapshot:
    key = f"arn:aws:kms:us-west-2:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return Snapshot(keys=[Key(key, metadata={"KeyManager": "CUSTOMER"}, policy='{"Statement": []}',
                              tags={"Project": "Alpha"})],
                    errors=[LoadError(f"aws:{account}/us-west-2", "GetKeyPolicy " + key, "denied", "AccessDeniedException")],
                    sources=[f"aws:{account}/us-west-2"])


def whose(account: str = ONE, regions: tuple[str, ...] = ("us-west-2",), profile: str | None = "audit") -> Whose:
    return Whose(account, "aws", regions, None, profile)


def rows(directory: Path) -> list[tuple[object, int, int, object]]:
    with sqlite3.connect(directory / "cache.db") as db:
        return list(db.execute("SELECT key, raw, mode, value FROM Cache"))


def test_follows_xdg_and_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "kmstui"
    with SnapshotCache():
        pass
    assert stat.S_IMODE((tmp_path / "xdg" / "kmstui").stat().st_mode) == 0o700


def test_round_trip_and_age(tmp_path: Path) -> None:
    assert cache_key(ONE, "aws", ["us-west-2", "eu-west-1"], None, "audit") == \
        cache_key(ONE, "aws", ["eu-west-1", "us-west-2"], None, "audit")  # region order does not matter
    saved = sample()  # once: its "created" time is part of it
    with SnapshotCache(tmp_path) as cache:
        assert cache.get(whose()) is None
        cache.put(whose(), saved)
    with SnapshotCache(tmp_path) as cache:
        cached = cache.get(whose())
        assert cached is not None and cached.snapshot == saved and cached.whose == whose()
        assert cached.age_seconds < 60 and cached.age_text.endswith("s old")
        assert [entry.whose for entry in cache.entries()] == [whose()]


def test_two_accounts_or_region_sets_never_share_an_entry(tmp_path: Path) -> None:
    """Issue 10.1: same profile, regions and endpoint, other credentials (or default region): other entries."""
    assert len({whose(ONE).key, whose(TWO).key, whose(ONE, ("eu-west-1",)).key,
                Whose(ONE, "aws-cn", ("us-west-2",), None, "audit").key}) == 4
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(ONE), sample(ONE))
        assert cache.get(whose(TWO)) is None
        assert cache.get(whose(ONE, ("eu-west-1",))) is None
        cache.put(whose(TWO), sample(TWO))
        assert cache.get(whose(ONE)).snapshot.accounts == [ONE]  # type: ignore[union-attr]
        assert cache.get(whose(TWO)).snapshot.accounts == [TWO]  # type: ignore[union-attr]


def test_an_entry_recording_another_account_is_never_used(tmp_path: Path) -> None:
    """Even under this account's key (a copied or crafted database), the recorded account must match."""
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        cache.put(whose(TWO), sample(TWO))
        text = cache._cache.get(whose(TWO).key)
        cache._cache.set(whose(ONE).key, text)  # account TWO's entry filed under account ONE
        assert cache.get(whose(ONE)) is None
        cache.put(whose(ONE), sample(TWO))  # right header, but the data is another account's
        assert cache.get(whose(ONE)) is None
    assert len(warnings) == 2 and all("dropped a cache entry" in w for w in warnings)


def test_entries_are_json_text_not_pickles(tmp_path: Path) -> None:
    saved = sample()
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(), saved)
    (key, raw, mode, value), = rows(tmp_path)
    assert raw == 1 and key == whose().key and isinstance(value, str)
    assert value.startswith('{"format":"kmstui-cache-entry","version":2')
    assert Snapshot.from_json(value.split("\n", 1)[1]) == saved  # the snapshot's own format
    with SnapshotCache(tmp_path) as cache, pytest.raises(TypeError):
        cache._cache.set("x", {"not": "text"})  # the disk refuses to pickle


class Exploit:
    """Unpickling this writes a file: the proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "pwned"))  # type: ignore[return-value]


def test_a_pickle_entry_is_never_unpickled(tmp_path: Path) -> None:
    """Issue 10.7: a crafted row (mode 4, pickle) under the key kmstui will read."""
    marker = tmp_path / "ran"
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(), sample())
    with sqlite3.connect(tmp_path / "cache.db") as db:
        db.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = ?",
                   (sqlite3.Binary(pickle.dumps(Exploit(marker))), whose().key))
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        assert cache.entries() == []
        assert cache.get(whose()) is None
        cache.put(whose(), sample())
        assert cache.get(whose()) is not None  # the crafted row was dropped and replaced
    assert not marker.exists()
    assert any("not text" in w for w in warnings)


def test_a_pickled_key_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(), sample())
    with sqlite3.connect(tmp_path / "cache.db") as db:
        db.execute("UPDATE Cache SET raw = 0, key = ?", (sqlite3.Binary(pickle.dumps(Exploit(marker))),))
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        assert cache.entries() == []  # listing reads every key: the database is moved aside
        assert cache.get(whose()) is None
    assert not marker.exists()
    assert any("moved it to" in w for w in warnings)


def damage_truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite database\n" * 200)


def damage_zero_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page overwritten
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [damage_truncated, damage_garbage, damage_zero_header])
def test_a_damaged_database_is_moved_aside_and_rebuilt(tmp_path: Path, damage) -> None:
    """Issue 10.3: every operation on a damaged cache.db: a warning, never sqlite3.DatabaseError."""
    with SnapshotCache(tmp_path) as cache:
        for number in range(30):  # several pages, so a cut lands inside the data
            cache.put(whose(regions=(f"r-{number}",)), sample())
    damage(tmp_path / "cache.db")
    for operation in ("get", "put", "entries"):
        warnings: list[str] = []
        with SnapshotCache(tmp_path, warn=warnings.append) as cache:
            if operation == "get":
                assert cache.get(whose()) is None
            elif operation == "put":
                cache.put(whose(), sample())
                assert cache.get(whose()) is not None  # rebuilt, and usable at once
            else:
                cache.entries()
        damage(tmp_path / "cache.db") if (tmp_path / "cache.db").exists() else None
        assert all(w.startswith("kmstui: warning:") for w in warnings)
    assert list(tmp_path.glob("cache.db.damaged-*"))
    (tmp_path / "cache.db").unlink()
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(), sample())
        assert cache.get(whose()) is not None


def test_a_cache_directory_under_a_file_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file" / "below"))
    warnings: list[str] = []
    with SnapshotCache(warn=warnings.append) as cache:
        assert not cache.enabled
        cache.put(whose(), sample())
        assert cache.get(whose()) is None and cache.entries() == []
    assert len(warnings) == 1 and "the snapshot cache is off" in warnings[0]


def test_a_database_that_cannot_be_opened_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / "cache.db").mkdir()  # what sqlite3 meets when it may not create or open the file
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        cache.put(whose(), sample())
        assert cache.get(whose()) is None
    assert warnings and "kmstui: warning" in warnings[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_directory_means_no_cache(tmp_path: Path) -> None:
    tmp_path.joinpath("kmstui").mkdir(mode=0o500)
    warnings: list[str] = []
    with SnapshotCache(tmp_path / "kmstui", warn=warnings.append) as cache:
        cache.put(whose(), sample())
        assert cache.get(whose()) is None
    assert warnings


def test_a_read_only_database_means_no_cache_for_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing fails as a read-only file system would make it: a warning, the load still returned."""
    with SnapshotCache(tmp_path) as cache:
        cache.put(whose(), sample())
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        def readonly(*_: object, **__: object) -> None:
            raise sqlite3.OperationalError("attempt to write a readonly database")

        monkeypatch.setattr(cache._cache, "set", readonly)
        cache.put(whose(TWO), sample(TWO))
    assert warnings and "cannot write" in warnings[0]
    with SnapshotCache(tmp_path) as cache:
        assert cache.get(whose()) is not None  # nothing moved aside: it was not damaged


def test_corrupted_entry_is_dropped_with_a_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        cache._cache.set(whose().key, '{"format":"kmstui-cache-entry","version":2,"saved_at":0,"whose":{}}\n{"keys": [')
        assert cache.get(whose()) is None
        assert cache._cache.get(whose().key) is None  # gone, so the next start reloads
    assert len(warnings) == 1 and "dropped a cache entry" in warnings[0]
