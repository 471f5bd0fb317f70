"""The snapshot cache: XDG location with mode 0700, round trip, corrupted entries dropped with a warning."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kmstui.sources.snapshot import Key, LoadError, Snapshot
from kmstui.sources.cache import SnapshotCache, cache_dir, cache_key

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def sample() -> Snapshot:
    return Snapshot(keys=[Key(KEY, metadata={"KeyManager": "CUSTOMER"}, policy='{"Statement": []}',
                              tags={"Project": "Alpha"})],
                    errors=[LoadError("aws:111122223333/us-west-2", "GetKeyPolicy " + KEY, "denied", "AccessDeniedException")],
                    sources=["aws:111122223333/us-west-2"])


def test_follows_xdg_and_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "kmstui"
    with SnapshotCache():
        pass
    assert stat.S_IMODE((tmp_path / "xdg" / "kmstui").stat().st_mode) == 0o700


def test_round_trip_and_age(tmp_path: Path) -> None:
    key = cache_key("audit", ["us-west-2", "eu-west-1"], None)
    assert key == cache_key("audit", ["eu-west-1", "us-west-2"], None)  # region order does not matter
    with SnapshotCache(tmp_path) as cache:
        assert cache.get(key) is None
        cache.put(key, sample())
    with SnapshotCache(tmp_path) as cache:
        cached = cache.get(key)
        assert cached is not None and cached.snapshot == sample()
        assert cached.age_seconds < 60 and cached.age_text.endswith("s old")
        assert [k for k, _ in cache.entries()] == [key]


def test_corrupted_entry_is_dropped_with_a_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    key = cache_key(None, None, None)
    with SnapshotCache(tmp_path, warn=warnings.append) as cache:
        cache._cache.set(key, {"version": 1, "saved_at": 0, "snapshot": '{"format": "kmstui-snapshot", "keys": ['})
        assert cache.get(key) is None
        assert cache._cache.get(key) is None  # gone, so the next start reloads
    assert len(warnings) == 1 and "dropped a corrupted cache entry" in warnings[0]
