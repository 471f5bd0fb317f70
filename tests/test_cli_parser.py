"""CLI typos: an unknown option names itself and its closest spelling, and a sub-command's own usage
is printed for its own errors."""

from __future__ import annotations

import pytest

from kmstui.cli.main import main


def error_of(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_an_unknown_option_names_itself_and_the_closest_one(capsys) -> None:
    err = error_of(capsys, "explain", "--principl", "x")
    assert err.startswith("usage: kmstui explain ")
    assert err.splitlines()[-1] == "kmstui explain: error: unknown option --principl (did you mean --principal?)"


def test_a_sub_command_prints_its_own_usage(capsys) -> None:
    err = error_of(capsys, "reference", "--cross-acount", "yes")
    assert err.startswith("usage: kmstui reference ")
    assert "COMMAND ..." not in err
    assert err.splitlines()[-1] == ("kmstui reference: error: unknown option --cross-acount "
                                    "(did you mean --cross-account?)")


def test_a_stray_argument_and_a_misspelled_sub_command(capsys) -> None:
    err = error_of(capsys, "reference", "a", "b")
    assert err.startswith("usage: kmstui reference ") and err.endswith("error: unrecognized arguments: b\n")
    err = error_of(capsys, "refrence")
    assert err.rstrip().endswith("did you mean reference?")
    err = error_of(capsys, "--bogus")
    assert err.splitlines()[-1] == "kmstui: error: unknown option --bogus"
