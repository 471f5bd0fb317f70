"""`kmstui explain`: exit codes, formats, file errors naming file and line, saved CLI output."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from kmstui.cli.main import main

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALICE = "arn:aws:iam::111122223333:user/Alice"
DEFAULT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                   "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}],
}
# seed 001: encrypt and decrypt on any key in account 111122223333
ENCRYPT_DECRYPT = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"],
                                                          "Resource": ["arn:aws:kms:*:111122223333:key/*"]}}


def explain(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["explain", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    def write(name: str, data: object) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(data, indent=2) if not isinstance(data, str) else data)
        return str(path)

    return {
        "key": write("key.json", {"Policy": json.dumps(DEFAULT_KEY_POLICY, indent=2)}),  # as `aws kms get-key-policy` saves it
        "identity": write("identity.json", {"PolicyVersion": {"Document": ENCRYPT_DECRYPT, "VersionId": "v1"}}),
        "broken": write("broken.json", '{\n  "Statement": {\n    "Effect": "Alow",\n    "Action": "kms:Decrypt",\n    "Resource": "*"\n  }\n}\n'),
        "grants": write("grants.json", {"Grants": [{"KeyId": KEY, "GrantId": "abc", "GranteePrincipal": ALICE,
                                                    "Operations": ["GenerateDataKey"]}]}),
    }


def base(files: dict[str, str], action: str = "kms:Decrypt") -> list[str]:
    return ["--principal", ALICE, "--action", action, "--resource", KEY, "--key-policy", files["key"],
            "--identity-policy", files["identity"]]


def test_text_trace_names_the_door_and_exit_zero(files: dict[str, str]) -> None:
    code, out, _ = explain(*base(files))
    assert code == 0
    assert out.startswith("Allowed")
    assert "door 2: the key policy enables IAM policies" in out and "'Enable IAM User Permissions'" in out


def test_expect_mismatch_exits_one(files: dict[str, str]) -> None:
    code, out, err = explain(*base(files, "kms:DisableKey"), "--expect", "allow")
    assert code == 1 and out.startswith("ImplicitlyDenied") and "expected allow" in err
    assert explain(*base(files, "kms:DisableKey"), "--expect", "deny")[0] == 0


def test_json_has_the_documented_shape(files: dict[str, str]) -> None:
    code, out, _ = explain(*base(files), "--format", "json", "--context", "kms:EncryptionContext:Dept=IT")
    data = json.loads(out)
    assert code == 0 and data["result"] == "Allowed" and data["decided_by"] == "iam"
    assert {"request", "context", "resolve", "parts", "summary", "suggestion", "if_known"} <= set(data)
    given = {c["key"]: c["provenance"] for c in data["context"]}
    assert given["kms:EncryptionContext:Dept"] == "given" and given["kms:CallerAccount"] == "derived"
    step = data["parts"][0]["steps"][-1]
    assert step["phase"] == "decision" and step["evidence"][0]["type"] == "statement"


def test_markdown(files: dict[str, str]) -> None:
    code, out, _ = explain(*base(files, "kms:GenerateDataKey"), "--grants", files["grants"], "--format", "markdown")
    assert code == 0 and out.startswith("# Allowed") and "door 3: a grant allows" in out


def test_bad_policy_is_one_line_naming_file_and_line(files: dict[str, str]) -> None:
    code, out, err = explain("--principal", ALICE, "--action", "kms:Decrypt", "--resource", KEY, "--key-policy", files["broken"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "broken.json, line 3" in err and "Effect" in err and "Traceback" not in err


@pytest.mark.parametrize("flag, value, words", [
    ("--action", "kms:Decrpyt", "did you mean kms:Decrypt"),
    ("--principal", "alice", "not an ARN"),
    ("--resource", "alias/missing", "not in the aliases given"),
    ("--key-policy", "/no/such/file.json", "cannot read"),
    ("--context", "novalue", "KEY=VALUE"),
])
def test_bad_input_exits_two_with_one_line(files: dict[str, str], flag: str, value: str, words: str) -> None:
    options = dict(zip(base(files)[::2], base(files)[1::2]))
    options[flag] = value
    code, out, err = explain(*[item for pair in options.items() for item in pair])
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_suspicious_policy_content_is_warned_on_stderr(tmp_path: Path) -> None:
    policy = tmp_path / "key.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [dict(DEFAULT_KEY_POLICY["Statement"][0],
                                                                              Action=["kms:*", "kms:Decrpyt"])]}, indent=2))
    code, out, err = explain("--principal", "arn:aws:iam::111122223333:root", "--action", "kms:Decrypt", "--resource", KEY,
                             "--key-policy", str(policy))
    assert code == 0 and out.startswith("Allowed")
    assert "kmstui: warning:" in err and "kms:Decrpyt is not a KMS action; did you mean kms:Decrypt?" in err


def test_a_trace_says_what_could_not_be_loaded(tmp_path: Path) -> None:
    from kmstui.sources.snapshot import Key, LoadError, Snapshot

    key = Key(KEY, metadata={"Arn": KEY}, policy=json.dumps(DEFAULT_KEY_POLICY),
              aliases=[{"AliasName": "alias/app", "AliasArn": "arn:aws:kms:us-west-2:111122223333:alias/app",
                        "TargetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}])
    other = Key("arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321")
    snapshot = Snapshot(keys=[key, other], errors=[
        LoadError("aws:111122223333/iam", "GetAccountAuthorizationDetails 111122223333", "not allowed", "AccessDenied"),
        LoadError("aws:111122223333/organizations", "ListRoots 111122223333", "not in an organization",
                  "AWSOrganizationsNotInUseException"),
        LoadError("aws:111122223333/us-west-2", f"GetKeyPolicy {other.arn}", "denied", "AccessDeniedException"),
    ])
    path = tmp_path / "snap.json"
    path.write_text(snapshot.to_json())
    code, out, _ = explain("--snapshot", str(path), "--principal", ALICE, "--action", "kms:Decrypt",
                           "--resource", "alias/app", "--format", "json")
    missing = json.loads(out)["missing"]
    assert code == 0 and any("GetAccountAuthorizationDetails" in m and "AccessDenied" in m for m in missing)
    assert any("not in the snapshot" in m for m in missing)  # alice's identity policies are unknown
    assert not any("organization" in m for m in missing) and not any("0987dcba" in m for m in missing)
    code, out, _ = explain("--snapshot", str(path), "--principal", ALICE, "--action", "kms:Decrypt",
                           "--resource", other.arn)
    assert "Missing data" in out and "GetKeyPolicy" in out
