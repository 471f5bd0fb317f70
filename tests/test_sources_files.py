"""kmstui.sources.files: saved AWS CLI output and policy files, recognised by shape, placed by folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kmstui import evaluate
from kmstui.policy.document import PolicyError
from kmstui.sources.snapshot import Snapshot
from kmstui.sources.errors import SourceError
from kmstui.sources.files import MAX_BYTES, load_path

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
CLI = FIXTURES / "cli"
EXAMPLE = FIXTURES / "example"
MALFORMED = FIXTURES / "malformed"
A, B = "111122223333", "444455556666"
K1, K2 = "1234abcd-12ab-34cd-56ef-1234567890ab", "0987dcba-09fe-87dc-65ba-ab0987654321"
ARN1, ARN2 = f"arn:aws:kms:us-west-2:{A}:key/{K1}", f"arn:aws:kms:us-west-2:{A}:key/{K2}"


def by_arn(snapshot: Snapshot) -> dict[str, object]:
    return {k.arn: k for k in snapshot.keys} | {p.arn: p for p in snapshot.principals}


# -- each CLI output on its own ------------------------------------------------------------------------


def test_list_keys_gives_keys_with_arns() -> None:
    snapshot = load_path(CLI / "list-keys.json")
    assert [k.arn for k in snapshot.keys] == [ARN1, ARN2]
    assert all(k.policy is None and k.metadata == {} for k in snapshot.keys)
    assert snapshot.sources == [f"file:{CLI / 'list-keys.json'}"] and snapshot.errors == []


def test_describe_key_gives_metadata() -> None:
    (key,) = load_path(CLI / "describe-key.json").keys
    assert key.arn == ARN1 and key.metadata["KeyManager"] == "CUSTOMER" and key.metadata["Description"] == "Application data"
    assert key.metadata["CreationDate"] == "2023-04-12T10:20:58.211000-07:00" and not key.aws_managed


def test_list_grants_attach_to_the_key_each_names() -> None:
    (key,) = load_path(str(CLI / "list-grants.json")).keys
    assert key.arn == ARN1 and [g["Name"] for g in key.grants] == ["", "ebs-volume"]
    assert key.grants[0]["Constraints"] == {"EncryptionContextSubset": {"Department": "IT"}}


def test_get_account_authorization_details_with_url_encoded_documents() -> None:
    snapshot = load_path(CLI / "get-account-authorization-details.json")
    principals = {p.name: p for p in snapshot.principals}
    assert {(p.kind, p.name) for p in snapshot.principals} == {
        ("user", "alice"), ("user", "bob"), ("group", "Developers"), ("role", "AppRole"), ("role", "KeyAdmin"),
        ("role", "GrantRole")}
    alice = principals["alice"]
    assert alice.groups == ["Developers"] and alice.tags == {"team": "payments"}
    (inline,) = alice.inline_policies
    assert inline.name == "encrypt-app-data" and json.loads(inline.document)["Statement"][0]["Resource"] == ARN1
    assert inline.document.startswith("{\n")  # decoded from its URL-encoded form, lines kept
    assert principals["AppRole"].boundary == f"arn:aws:iam::{A}:policy/KmsOnlyBoundary"
    assert principals["GrantRole"].arn == f"arn:aws:iam::{A}:role/service-role/GrantRole"
    assert principals["KeyAdmin"].managed_policies == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    decrypt = snapshot.managed_policies[f"arn:aws:iam::{A}:policy/KmsDecryptAll"]
    assert decrypt.version == "v2" and "DecryptAnyKeyInAccount" in decrypt.document  # the default version only
    assert set(snapshot.managed_policies) == {f"arn:aws:iam::{A}:policy/KmsDecryptAll",
                                              f"arn:aws:iam::{A}:policy/KmsOnlyBoundary",
                                              "arn:aws:iam::aws:policy/AdministratorAccess"}


def test_authorization_detail_pages_in_a_folder_add_up_to_the_whole() -> None:
    whole = load_path(CLI / "get-account-authorization-details.json")
    pages = load_path(CLI / "authorization-pages")
    assert pages.errors == []
    assert sorted(p.arn for p in pages.principals) == sorted(p.arn for p in whole.principals)
    assert set(pages.managed_policies) == set(whole.managed_policies)
    # page documents are objects, the whole file's are URL-encoded: the same policies either way
    for arn, policy in whole.managed_policies.items():
        assert json.loads(pages.managed_policies[arn].document) == json.loads(policy.document)


def test_get_policy_version_in_a_principal_folder_is_that_principals_policy() -> None:
    snapshot = load_path(CLI / "principals" / A / "role" / "Auditor" / "get-policy-version.json")
    (role,) = snapshot.principals
    assert (role.arn, role.kind, role.name) == (f"arn:aws:iam::{A}:role/Auditor", "role", "Auditor")
    assert role.inline_policies[0].name == "get-policy-version"
    assert "kms:DescribeKey" in role.inline_policies[0].document


def test_bare_identity_policy_in_a_principal_folder() -> None:
    (carol,) = load_path(CLI / "principals" / A / "user" / "carol" / "read-keys.json").principals
    assert carol.arn == f"arn:aws:iam::{A}:user/carol" and carol.inline_policies[0].name == "read-keys"
    assert carol.inline_policies[0].document == (CLI / "principals" / A / "user" / "carol" / "read-keys.json").read_text()


def test_principal_folder_without_account_needs_one_known_account() -> None:
    lone = CLI / "principals" / "role" / "OldRole" / "decrypt-v1.json"
    with pytest.raises(SourceError, match="which account does role OldRole belong to"):
        load_path(lone)
    snapshot = load_path(CLI)  # everything else in cli/ is account 111122223333
    assert f"arn:aws:iam::{A}:role/OldRole" in by_arn(snapshot)


def test_describe_policy_gives_scp_and_rcp() -> None:
    scp = load_path(CLI / "describe-policy-scp.json").org_policies["p-examplepolicyid111"]
    assert (scp.kind, scp.name) == ("scp", "DenyKmsKeyDeletion") and "kms:ScheduleKeyDeletion" in scp.document
    rcp = load_path(CLI / "describe-policy-rcp.json").org_policies["p-examplercp222"]
    assert (rcp.kind, rcp.name) == ("rcp", "KmsOrgIdentitiesOnly")


def test_key_folder_files_need_the_keys_arn_from_somewhere() -> None:
    with pytest.raises(SourceError, match=f"the ARN of key {K1} is not known"):
        load_path(CLI / K1 / "get-key-policy.json")


def test_list_aliases_alone_names_no_keys() -> None:
    with pytest.raises(SourceError, match="list-aliases output alone names no keys"):
        load_path(CLI / "list-aliases.json")


def test_the_cli_folder_puts_every_piece_on_its_key() -> None:
    snapshot = load_path(CLI)
    assert snapshot.errors == []
    keys = {k.key_id: k for k in snapshot.keys}
    assert set(keys) == {K1, K2}  # alias/aws/s3 targets a key that was not listed: dropped
    key = keys[K1]
    assert json.loads(key.policy)["Id"] == "key-consolepolicy-3" and key.metadata["KeyId"] == K1
    assert key.tags == {"Project": "Alpha", "CostCenter": "87654", "Purpose": "Test"}
    assert key.alias_names == ["alias/app-data"] and len(key.grants) == 2
    assert keys[K2].policy == (CLI / K2 / "key-policy.json").read_text() and keys[K2].alias_names == ["alias/payments"]
    assert set(snapshot.org_policies) == {"p-examplepolicyid111", "p-examplercp222"} and snapshot.scp_levels == {}


def test_alias_arn_is_enough_to_place_a_key_folder(tmp_path: Path) -> None:
    shutil.copytree(CLI / K1, tmp_path / "keys" / K1)
    shutil.copy(CLI / "list-aliases.json", tmp_path / "aliases.json")
    (key,) = load_path(tmp_path).keys
    assert key.arn == ARN1 and key.policy and key.alias_names == ["alias/app-data"]


def test_powershell_utf16_output_loads(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_bytes((CLI / "list-keys.json").read_text().encode("utf-16"))
    assert [k.arn for k in load_path(path).keys] == [ARN1, ARN2]


# -- the example folder and its decisions ----------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Snapshot:
    return load_path(EXAMPLE)


def test_example_folder_loads_everything(example: Snapshot) -> None:
    assert example.errors == []
    keys = {k.key_id: k for k in example.keys}
    assert set(keys) == {K1, K2}
    assert keys[K1].alias_names == ["alias/app-data"] and keys[K1].tags["Project"] == "Alpha" and len(keys[K1].grants) == 2
    assert keys[K2].grants == [] and keys[K2].metadata["Description"] == "Payments"
    assert all(k.policy for k in example.keys)
    auditor = example.find_principal("Auditor")
    assert auditor is not None and auditor.inline_policies[0].name == "read-keys"
    assert example.scp_levels == {A: [["p-FullAWSAccess"], ["p-examplepolicyid111", "p-FullAWSAccess"], ["p-FullAWSAccess"]]}
    assert example.rcp_levels == {A: [["p-RCPFullAWSAccess"]] * 3}
    assert example.accounts == [A]


@pytest.mark.parametrize(("principal", "action", "resource", "context", "result", "decided_by"), [
    ("alice", "kms:Encrypt", "alias/app-data", None, "Allowed", "iam"),
    ("bob", "kms:Decrypt", K1, None, "Allowed", "iam"),  # through group Developers' managed policy
    ("bob", "kms:Decrypt", "alias/payments", None, "ImplicitlyDenied", "no-door"),  # the key policy does not enable IAM
    ("alice", "kms:ScheduleKeyDeletion", "alias/app-data", None, "ExplicitlyDenied", "explicit-deny"),  # SCP at level 1
    ("Auditor", "kms:DescribeKey", "alias/app-data", None, "Allowed", "iam"),  # principals/ folder policy
    ("KeyAdmin", "kms:DisableKey", ARN2, None, "Allowed", "key-policy"),
    # the key policy trusts account 444455556666, but carol's own account grants her nothing (not loaded)
    (f"arn:aws:iam::{B}:user/carol", "kms:Decrypt", ARN2, None, "ImplicitlyDenied", "no-door"),
    (f"arn:aws:iam::{A}:role/service-role/GrantRole", "kms:Decrypt", "alias/app-data",
     {"kms:EncryptionContext:Department": "IT"}, "Allowed", "grant"),
])
def test_example_decisions(example: Snapshot, principal: str, action: str, resource: str, context: dict | None,
                           result: str, decided_by: str) -> None:
    request, policies = example.question(principal, action, [resource], context)
    decision = evaluate(request, policies)
    assert (decision.result, decision.decided_by) == (result, decided_by), decision.summary


def test_scp_deny_is_named_in_the_decision(example: Snapshot) -> None:
    decision = evaluate(*example.question("alice", "kms:ScheduleKeyDeletion", ["alias/app-data"]))
    assert "SCP DenyKmsKeyDeletion" in decision.summary


# -- saved snapshots ------------------------------------------------------------------------------------


def test_saved_snapshot_round_trips(example: Snapshot, tmp_path: Path) -> None:
    path = tmp_path / "saved.json"
    path.write_text(example.to_json(), encoding="utf-8")
    again = load_path(path)
    assert again.to_dict() == example.to_dict()


def test_saved_snapshot_in_a_folder_merges_with_other_files(example: Snapshot, tmp_path: Path) -> None:
    (tmp_path / "saved.json").write_text(example.to_json(), encoding="utf-8")
    (tmp_path / "keys" / K2).mkdir(parents=True)
    (tmp_path / "keys" / K2 / "tags.json").write_text(json.dumps({"Tags": [{"TagKey": "Team", "TagValue": "payments"}]}))
    merged = load_path(tmp_path)
    assert merged.errors == []
    assert {k.key_id: k.tags for k in merged.keys}[K2] == {"Team": "payments"}
    assert {k.key_id: k.policy for k in merged.keys} == {k.key_id: k.policy for k in example.keys}
    assert merged.scp_levels == example.scp_levels and len(merged.principals) == len(example.principals)


# -- folders: order, partial failure, placement -------------------------------------------------------------


def test_principal_folder_policy_joins_the_principal_from_authorization_details(tmp_path: Path) -> None:
    """principals/ sorts before zz/: the inline policy still joins the role that has a path in its ARN."""
    folder = tmp_path / "principals" / A / "role" / "GrantRole"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLE / "principals" / A / "role" / "Auditor" / "read-keys.json", folder / "extra.json")
    (tmp_path / "zz").mkdir()
    shutil.copy(CLI / "get-account-authorization-details.json", tmp_path / "zz" / "iam.json")
    snapshot = load_path(tmp_path)
    roles = [p for p in snapshot.principals if p.name == "GrantRole"]
    assert len(roles) == 1 and roles[0].arn.endswith("role/service-role/GrantRole")
    assert [i.name for i in roles[0].inline_policies] == ["extra"]


def test_one_bad_file_in_a_folder_is_a_load_error(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "example")
    bad = tmp_path / "example" / "keys" / K1 / "policy.json"
    bad.write_text('{"Policy": "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": ["}')
    (tmp_path / "example" / "notes.txt").write_text("not json, not read")
    snapshot = load_path(tmp_path / "example")
    (error,) = snapshot.errors
    assert error.what == f"keys/{K1}/policy.json" and error.source == f"file:{bad}"
    assert str(bad) in error.message and "line 1" in error.message and "\n" not in error.message
    keys = {k.key_id: k for k in snapshot.keys}
    assert keys[K1].policy is None and keys[K1].tags and keys[K2].policy  # everything else still loaded
    assert snapshot.missing_for(None, [keys[K1]]) == [error]  # the question about that key can say what is missing


def test_key_policy_without_a_known_key_in_a_folder(tmp_path: Path) -> None:
    shutil.copy(CLI / K2 / "key-policy.json", tmp_path / "key-policy.json")
    shutil.copy(CLI / "list-keys.json", tmp_path / "list-keys.json")
    snapshot = load_path(tmp_path)
    (error,) = snapshot.errors
    assert error.what == "key-policy.json" and "but for which key?" in error.message
    assert [k.policy for k in snapshot.keys] == [None, None]


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        load_path(tmp_path / "missing")
    with pytest.raises(SourceError, match="no .json files in this folder"):
        load_path(tmp_path)


# -- malformed input: one line naming the file, never a traceback ----------------------------------------------

EXPECTED = {
    f"{K1}/describe-key-of-another-key.json": "in the folder of key",
    f"{K1}/get-key-policy-truncated-inner.json": "(its Policy string), line 4",
    f"{K1}/key-policy-bad-effect.json": "line 5, Statement[0].Effect",
    f"{K1}/list-resource-tags-iam-shape.json": "has no TagKey",
    "auth-details-bad-arn.json": "is not an IAM ARN",
    "auth-details-bad-url-encoding.json": "bad URL encoding at character 20",
    "auth-details-document-number.json": "a number; expected a policy document",
    "auth-details-invalid-inline-policy.json": "user alice inline policy typo",
    "auth-details-no-default-version.json": "has no default version",
    "auth-details-url-encoding-not-utf8.json": "not UTF-8",
    "auth-details-user-no-name.json": "UserDetailList[0].UserName: missing",
    "auth-details-userlist-object.json": "UserDetailList: an object; expected a list",
    "binary.json": "binary data",
    "describe-key-metadata-list.json": "KeyMetadata: a list; expected an object",
    "describe-key-no-arn.json": "KeyMetadata.Arn: missing",
    "describe-policy-no-content.json": "has no Content",
    "describe-policy-summary-string.json": "PolicySummary: a string",
    "describe-policy-tag-policy.json": "TAG_POLICY",
    "describe-policy-truncated-content.json": "(its Content string), line 3",
    "empty.json": "the file is empty",
    "get-key-policy-no-key-folder.json": "but for which key?",
    "get-policy-version-no-document.json": "has no Document",
    "get-policy-version-no-principal-folder.json": "but whose?",
    "huge-integer.json": "not usable JSON",
    "identity-policy-no-principal-folder.json": "an identity policy, but whose?",
    "key-policy-no-key-folder.json": "a key policy (its statements name a Principal), but for which key?",
    "key-policy-number.json": "Policy: a number",
    f"keys/{K2}/policy-of-unknown-arn.json": f"the ARN of key {K2} is not known",
    "latin1.json": "not UTF-8 text (byte 0xe9",
    "list-aliases-bad-name.json": "does not start with alias/",
    "list-aliases-null-entry.json": "Aliases[0]: null; expected an object",
    "list-grants-bad-key-arn.json": "Grants[0].KeyId: 'arn:aws:kms:us-west-2:111122223333:alias/app-data' is not a KMS key ARN",
    "list-grants-no-key.json": "has no KeyId",
    "list-grants-operations-string.json": "Grants[0].Operations: a string; expected a list",
    "list-keys-bad-arn.json": "is not a KMS key ARN",
    "list-keys-entry-string.json": "Keys[0]: a string; expected an object",
    "list-keys-missing-arn.json": "Keys[0].KeyArn: missing",
    "list-keys-object.json": "Keys: an object; expected a list",
    "list-policies-output.json": "list-policies output?",
    "list-resource-tags-no-key-folder.json": "list-resource-tags output, but for which key?",
    f"org/{A}/scp/0/rcp-in-scp-folder.json": "RESOURCE_CONTROL_POLICY in a scp folder",
    f"org/{A}/scp/root/FullAWSAccess.json": "org/<account-id>/<scp|rcp>/<level-number>",
    "principals/AppRole/policy.json": "principals/<account-id>/<user|role|group>/<name>",
    "snapshot-future-version.json": "snapshot format version 99",
    "snapshot-key-arn-number.json": "keys[0].arn: expected a string, found a number",
    "snapshot-key-wrong-fields.json": "keys[0]: unknown field 'KeyArn'",
    "top-level-list.json": "a list at the top",
    "top-level-string.json": "a string at the top",
    "trailing-comma.json": "trailing-comma.json, line 4: not valid JSON",
    "truncated.json": "truncated.json, line 5: not valid JSON",
    "unknown-shape.json": "not a shape kmstui knows (top-level keys: Buckets, Owner)",
    "utf16-odd-bytes.json": "not UTF-16 text",
    "whitespace-only.json": "the file is empty",
}
MALFORMED_FILES = sorted(p.relative_to(MALFORMED).as_posix() for p in MALFORMED.rglob("*.json"))


def test_every_malformed_file_has_an_expectation() -> None:
    assert len(MALFORMED_FILES) >= 30
    assert MALFORMED_FILES == sorted(EXPECTED)


def assert_one_line_naming(error: Exception, path: Path) -> None:
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(str(path)), message


@pytest.mark.parametrize("name", MALFORMED_FILES)
def test_malformed_file_is_one_line_naming_it(name: str) -> None:
    path = MALFORMED / name
    with pytest.raises((SourceError, PolicyError)) as raised:
        load_path(path)
    assert isinstance(raised.value, (SourceError, PolicyError))
    assert_one_line_naming(raised.value, path)
    assert EXPECTED[name] in str(raised.value)


def test_malformed_folder_loads_as_one_error_per_file() -> None:
    snapshot = load_path(MALFORMED)
    assert sorted(e.what.split(" ")[0] for e in snapshot.errors) == MALFORMED_FILES
    assert snapshot.keys == [] and snapshot.principals == []
    assert all(e.source.startswith("file:") and "\n" not in e.message for e in snapshot.errors)


def test_file_above_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    assert MAX_BYTES < 50 * 1024 * 1024
    with pytest.raises(SourceError) as raised:
        load_path(path)
    assert_one_line_naming(raised.value, path)
    assert "50.0 MB is above the 20 MB limit" in str(raised.value)
    snapshot = load_path(tmp_path)  # in a folder: a LoadError
    assert [e.what for e in snapshot.errors] == ["huge.json"]


def test_size_limit_is_a_parameter(tmp_path: Path) -> None:
    shutil.copy(CLI / "list-keys.json", tmp_path / "keys.json")
    with pytest.raises(SourceError, match="above the"):
        load_path(tmp_path / "keys.json", max_bytes=100)


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"Keys": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(SourceError) as raised:
        load_path(path)
    assert_one_line_naming(raised.value, path)


def test_not_a_regular_file(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.json"
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        load_path(fifo)


def test_one_bad_managed_policy_does_not_drop_the_authorization_details(tmp_path: Path) -> None:
    """Before: the whole file was refused, and with it every principal of the account."""
    good = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}
    bad = {"Version": "2012-10-17", "Statement": {"Effect": "Alow", "Action": "kms:Decrypt", "Resource": "*"}}

    def managed(name: str, document: dict) -> dict:
        return {"PolicyName": name, "Arn": f"arn:aws:iam::111122223333:policy/{name}", "DefaultVersionId": "v1",
                "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": document}]}

    details = {"UserDetailList": [{"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice",
                                   "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::111122223333:policy/Good"},
                                                               {"PolicyArn": "arn:aws:iam::111122223333:policy/Broken"}]}],
               "Policies": [managed("Good", good), managed("Broken", bad)]}
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(details, indent=1))
    snapshot = load_path(path)
    assert [p.name for p in snapshot.principals] == ["alice"]
    assert list(snapshot.managed_policies) == ["arn:aws:iam::111122223333:policy/Good"]
    [error] = snapshot.errors
    assert "Policies[1] Broken" in error.what and error.message.startswith(str(path)) and "Alow" in error.message
    notes = snapshot.missing_notes("arn:aws:iam::111122223333:user/alice", [])
    assert any("policy/Broken" in note and "not loaded" in note for note in notes)
