"""The CLI on inputs it cannot fully use: one line naming the file, a non-zero exit, never a traceback.
Each case failed before (exit 0 with raw Python messages, "no findings", or a traceback)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kmstui.cli.main import main
from kmstui.sources.demo import load_demo

ROOT = Path(__file__).resolve().parent
ALICE = "arn:aws:iam::111122223333:user/alice"
KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_matrix_exits_2_when_a_policy_of_the_snapshot_does_not_parse(tmp_path: Path, capsys) -> None:
    data = load_demo().to_dict()
    user = next(i for i, p in enumerate(data["principals"]) if p["kind"] == "user")
    data["principals"][user]["inline_policies"].append(
        {"name": "broken", "document": '{"Statement": {"Effect": "Alow", "Action": "kms:*", "Resource": "*"}}'})
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data))
    code, _, err = run(capsys, "matrix", "--snapshot", str(path), "--key", "alias/app")
    assert code == 2
    assert f"{path}: principals[{user}].inline_policies[" in err and "Effect" in err and "Alow" in err


def test_matrix_exits_2_on_a_snapshot_field_of_the_wrong_type(tmp_path: Path, capsys) -> None:
    data = load_demo().to_dict()
    data["keys"][0]["tags"] = [{"Key": "a", "Value": "b"}]
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data))
    code, _, err = run(capsys, "matrix", "--snapshot", str(path), "--key", "alias/app")
    assert code == 2 and f"{path}: keys[0].tags: expected an object" in err


def test_lint_of_only_unusable_files_fails(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.json").write_text("{")
    (tmp_path / "b.json").write_text("NaN")
    (tmp_path / "c.json").write_bytes(b"\x00\x01")
    code, out, err = run(capsys, "lint", str(tmp_path))
    assert code == 2 and "nothing in this folder could be read (3 unusable files" in err
    assert "no findings" not in out


def test_lint_reads_a_folder_of_saved_cli_output_as_explain_does(capsys) -> None:
    code, out, err = run(capsys, "lint", str(ROOT / "fixtures" / "sources" / "example"))
    assert code == 0 and "finding" in out and "error" not in err


def test_the_file_size_limit_can_be_raised(tmp_path: Path, capsys) -> None:
    policy = tmp_path / "key.json"
    statement = {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Decrypt", "Resource": "*"}
    policy.write_text(json.dumps({"Statement": [statement]}) + " " * (2 * 1024 * 1024))
    args = ["explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY, "--key-policy", str(policy)]
    code, _, err = run(capsys, *args, "--max-file-mb", "1")
    assert code == 2 and "above the 1 MB limit" in err and "--max-file-mb" in err
    code, out, _ = run(capsys, *args, "--max-file-mb", "3")
    assert code == 0 and out.startswith("Allowed")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_unread(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY,
                       "--key-policy", str(fifo))
    assert code == 2 and "not a regular file" in err


@pytest.mark.parametrize(("flag", "content", "expected"), [
    ("--key-tags", [{"Key": "a", "Value": "b"}], "IAM's Key/Value tags?"),
    ("--key-metadata", {"KeyMetadata": []}, "expected describe-key output"),
    ("--key-metadata", [{"Arn": KEY}], "expected describe-key output"),
    ("--aliases", {"Other": []}, "expected list-aliases output"),
    # Found by test_fuzz_loaders: a blank TargetKeyId used to pass the loader and fail later as a bad key ARN.
    ("--aliases", {"Aliases": [{"AliasName": "alias/app", "TargetKeyId": " "}]}, "' ' is not a key id or key ARN"),
    ("--aliases", {"Aliases": [{"AliasName": "alias/app", "TargetKeyId": "key/1234"}]}, "is not a key id or key ARN"),
    ("--grants", {"Grants": [{"GranteePrincipal": ALICE, "Operations": ["Decrypt", "Nope"]}]}, "'Nope' is not a grant operation"),
])
def test_saved_cli_output_of_the_wrong_shape_names_the_file(tmp_path: Path, capsys, flag: str, content, expected: str) -> None:
    policy = tmp_path / "key.json"
    policy.write_text(json.dumps({"Statement": {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"}}))
    data = tmp_path / "data.json"
    data.write_text(json.dumps(content))
    code, _, err = run(capsys, "explain", "--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY,
                       "--key-policy", str(policy), flag, str(data))
    assert code == 2 and err.startswith(f"kmstui: error: {data}") and expected in err and err.count("\n") == 1
