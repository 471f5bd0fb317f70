"""`kmstui reference`: tables, full entries, JSON, filters, and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from kmstui.cli.main import main


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = main(["reference", *args])
    return code, out.getvalue()


def test_create_grant_json_is_a_cross_account_key_policy_permission_with_grant_keys() -> None:
    code, out = run("kms:CreateGrant", "--json")
    assert code == 0
    entry = json.loads(out)
    assert entry["kind"] == "action"
    assert entry["name"] == "kms:CreateGrant"
    assert entry["policy_type"] == "key_policy"
    assert entry["cross_account"] == "yes"
    grant_keys = {"kms:GrantOperations", "kms:GranteePrincipal", "kms:RetiringPrincipal", "kms:GrantConstraintType",
                  "kms:GrantIsForAWSResource"}
    assert grant_keys <= set(entry["condition_keys"])


def test_json_without_query_lists_every_action(reference) -> None:
    code, out = run("--json")
    assert code == 0
    assert [a["name"] for a in json.loads(out)] == [a.name for a in reference.actions]


def test_full_entry_of_a_condition_key() -> None:
    code, out = run("kms:viaservice")
    assert code == 0
    assert "kms:ViaService" in out and "Applies to" in out and "kms:Decrypt" in out


def test_search_prints_a_table_of_the_grant_actions() -> None:
    code, out = run("grant")
    assert code == 0
    for name in ("kms:CreateGrant", "kms:ListGrants", "kms:ListRetirableGrants", "kms:RetireGrant", "kms:RevokeGrant"):
        assert name in out
    assert "kms:Decrypt" not in out


def test_search_json_gives_records_of_each_kind() -> None:
    code, out = run("grant", "--json")
    records = json.loads(out)
    assert code == 0 and {r["kind"] for r in records} <= {"action", "condition_key"}
    assert "kms:CreateGrant" in {r["name"] for r in records}


def test_filters_narrow_the_action_list() -> None:
    code, out = run("--policy-type", "iam", "--json")
    assert code == 0
    assert {a["policy_type"] for a in json.loads(out)} == {"iam_policy"}
    code, out = run("--cross-account", "yes", "--resource", "key", "--json")
    assert all(a["cross_account"] == "yes" for a in json.loads(out))


def test_keys_lists_condition_keys_with_their_actions() -> None:
    code, out = run("--keys", "--json")
    records = json.loads(out)
    assert code == 0 and all("actions" in r for r in records)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cross-account", "maybe"], "unknown cross-account value 'maybe'"),
        (["--policy-type", "bucket"], "unknown policy type"),
        (["nosuchthingatall"], "nothing in the KMS reference matches"),
        (["--condition-key", "kms:Nope"], "unknown condition key"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kmstui", "reference", *args], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.stderr


def test_piped_output_does_not_wrap_rows() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kmstui", "reference", "--keys"], capture_output=True, text=True, check=True
    )
    rows = [line for line in result.stdout.splitlines() if line.startswith("kms:ViaService")]
    assert len(rows) == 1 and "service" in rows[0].lower()
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_a_concrete_condition_key_and_a_misspelling(capsys) -> None:
    code, out = run("kms:EncryptionContext:Department")
    assert code == 0 and out.startswith("kms:EncryptionContext:context-key")
    code = main(["reference", "kms:Decrpyt"])
    assert code == 2
    assert capsys.readouterr().err.strip() == ("kmstui: error: nothing in the KMS reference matches 'kms:Decrpyt'; "
                                               "did you mean kms:Decrypt?")
