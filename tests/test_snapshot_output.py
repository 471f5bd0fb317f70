"""`kmstui snapshot -o FILE`: whole or nothing, nothing left behind, the replaced file's mode kept, links refused.

Issue 10.9. The demo account is the source (no AWS needed); failures are made where they happen
(a directory as the target, os.replace or os.fsync failing, Ctrl-C while writing).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kmstui.cli.main import main
from kmstui.sources.snapshot import Snapshot


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp") or p.name.startswith("."))


def test_a_directory_as_output_is_refused_and_nothing_is_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    assert main(["snapshot", "--demo", "-o", str(tmp_path / "out")]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert leftovers(tmp_path) == [] and list((tmp_path / "out").iterdir()) == []


def test_an_empty_output_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["snapshot", "--demo", "-o", ""]) == 2
    assert "-o needs a file name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    assert main(["snapshot", "--demo", "-o", str(tmp_path / "snap.json")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    assert main(["snapshot", "--demo", "-o", str(tmp_path / "snap.json")]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("kmstui: cancelled")
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_synced_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (order.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append("replace"), real_replace(a, b))[1])
    assert main(["snapshot", "--demo", "-o", str(tmp_path / "snap.json")]) == 0
    assert order[:2] == ["fsync", "replace"]  # the data first, then the name (then the directory)
    assert Snapshot.from_json((tmp_path / "snap.json").read_text()).keys


def test_replacing_a_file_keeps_its_mode_and_a_new_file_is_private(tmp_path: Path) -> None:
    shared = tmp_path / "shared.json"
    shared.write_text("old")
    shared.chmod(0o644)
    assert main(["snapshot", "--demo", "-o", str(shared)]) == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644 and shared.read_text() != "old"
    assert main(["snapshot", "--demo", "-o", str(tmp_path / "new.json")]) == 0
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600


def test_a_symlinked_target_is_refused_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main(["snapshot", "--demo", "-o", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert link.is_symlink() and real.read_text() == "old"
    assert main(["snapshot", "--demo", "-o", str(link), "--follow-symlink"]) == 0
    assert link.is_symlink() and Snapshot.from_json(real.read_text()).keys  # the link stays; its file is written
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_missing_profile_from_aws_profile_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 10.9: "AWS profile None not found" when the profile came from AWS_PROFILE."""
    config = tmp_path / "config"
    config.write_text("[profile other]\nregion = us-west-2\n")
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "example-missing")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["snapshot", "--region", "us-west-2", "--endpoint-url", "http://127.0.0.1:9", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert "AWS profile 'example-missing' not found" in err and "None" not in err


def test_limits_come_from_flags_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from kmstui.cli.main import build_parser
    from kmstui.cli.sources import account_limits
    from kmstui.sources.errors import SourceError
    from kmstui.sources.limits import Limits

    monkeypatch.setenv("KMSTUI_READ_TIMEOUT", "7")
    monkeypatch.setenv("KMSTUI_LOAD_DEADLINE", "30")
    args = build_parser().parse_args(["snapshot", "--demo", "-o", "-", "--deadline", "12", "--max-attempts", "4"])
    assert account_limits(args) == Limits(connect_timeout=5, read_timeout=7, max_attempts=4, deadline=12)
    monkeypatch.setenv("KMSTUI_CONNECT_TIMEOUT", "soon")
    with pytest.raises(SourceError, match="KMSTUI_CONNECT_TIMEOUT must be a number"):
        account_limits(args)
