"""The committed reference is exactly what the generator makes from the pinned inputs."""

from __future__ import annotations


from kmstui.reference.refgen.build import generate
from kmstui.reference.refgen.locate import default_output_path, default_seed_path


def test_committed_reference_matches_the_generator() -> None:
    _need_inputs()
    seed = default_seed_path()
    committed = default_output_path().read_bytes()
    generated = generate(seed).encode("utf-8")
    assert generated == committed, "data/kms_reference.json is stale: run python -m kmstui.reference.refgen"


def _need_inputs() -> None:
    from conftest import need_pinned_inputs

    need_pinned_inputs()  # skips with the reason unless the pins are installed (.ci/run's drift environment)
    assert default_seed_path().is_file()


def test_check_mode(tmp_path, capsys) -> None:
    from kmstui.reference.refgen.__main__ import main

    _need_inputs()
    output = tmp_path / "kms_reference.json"
    output.write_text("{}\n", encoding="utf-8")
    assert main(["--check", "--output", str(output)]) == 1
    assert "differs" in capsys.readouterr().out
    assert main(["--output", str(output)]) == 0
    assert main(["--check", "--output", str(output)]) == 0
    assert output.read_bytes() == default_output_path().read_bytes()


def test_missing_seed_is_a_one_line_error(tmp_path, capsys) -> None:
    from kmstui.reference.refgen.__main__ import main

    assert main(["--seed", str(tmp_path / "absent.txt"), "--output", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kmstui.reference.refgen: ") and "\n" not in err
    assert not (tmp_path / "out.json").exists()


def test_wrong_pinned_version_is_a_one_line_error(tmp_path, capsys, monkeypatch) -> None:
    from kmstui.reference.refgen import pins
    from kmstui.reference.refgen.__main__ import main

    monkeypatch.setattr(pins, "installed_version", lambda name: "0.0.1")
    assert main(["--output", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "botocore 0.0.1 is installed but the reference pins botocore==1.44.5" in err and "\n" not in err


def test_other_installed_versions_skip_with_the_reason(monkeypatch) -> None:
    """The test install does not pin botocore: other versions skip the drift tests, saying why."""
    import pytest

    from conftest import need_pinned_inputs
    from kmstui.reference.refgen import pins

    monkeypatch.setattr(pins, "PINS", {"botocore": "0.0.0-not-installed"})
    monkeypatch.delenv("KMSTUI_REQUIRE_PINS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="botocore .* pins botocore==0.0.0-not-installed"):
        need_pinned_inputs()
    monkeypatch.setenv("KMSTUI_REQUIRE_PINS", "1")
    with pytest.raises(pytest.fail.Exception):
        need_pinned_inputs()
