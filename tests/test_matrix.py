"""The access matrix (kmstui.analysis.matrix) and ``kmstui matrix`` (kmstui.cli.matrix).

Cells are checked against AWS's documented rules (KMS developer guide, key-policy-default and
key-policy-overview: IAM policies alone give no access unless the key policy enables them; an
explicit deny wins; grants-overview: a grant allows its grantee the listed operations only), and
every cell against the engine asked one question at a time.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
from pathlib import Path

import pytest

from kmstui.engine.order import evaluate
from kmstui.analysis.matrix import (ALIAS_OPERATIONS, Cell, MatrixError, group_actions, iter_rows, key_actions, matrix_for_key,
                           matrix_for_principal, plan_key_matrix, select_actions)
from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, Principal, Snapshot
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED

A, B = "111122223333", "444455556666"
IAM_KEY_ID = "1111aaaa-11aa-11aa-11aa-111111111111"
NO_IAM_KEY_ID = "2222bbbb-22bb-22bb-22bb-222222222222"
BARE_KEY_ID = "3333cccc-33cc-33cc-33cc-333333333333"
IAM_KEY = f"arn:aws:kms:us-east-1:{A}:key/{IAM_KEY_ID}"
NO_IAM_KEY = f"arn:aws:kms:us-east-1:{A}:key/{NO_IAM_KEY_ID}"
BARE_KEY = f"arn:aws:kms:us-east-1:{A}:key/{BARE_KEY_ID}"
ALICE, BOB, CAROL = (f"arn:aws:iam::{A}:user/{n}" for n in ("alice", "bob", "carol"))
APP_ROLE, GRANT_ROLE, ADMIN_ROLE = (f"arn:aws:iam::{A}:role/{n}" for n in ("AppRole", "GrantRole", "KeyAdmin"))
PARTNER = f"arn:aws:iam::{B}:role/Partner"
SESSION = f"arn:aws:sts::{A}:assumed-role/AppRole/batch"


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


ENABLE_IAM = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
              "Action": "kms:*", "Resource": "*"}


def build_snapshot() -> Snapshot:
    iam_key_policy = doc(
        ENABLE_IAM,
        {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": [APP_ROLE, PARTNER]},
         "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"},
        {"Sid": "Never delete", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*"},
    )
    no_iam_key_policy = doc(  # no "Enable IAM User Permissions": IAM policies have no effect on this key
        {"Sid": "Key administrators", "Effect": "Allow", "Principal": {"AWS": ADMIN_ROLE},
         "Action": ["kms:Describe*", "kms:Put*", "kms:Get*"], "Resource": "*"},
        {"Sid": "Batch signs", "Effect": "Allow", "Principal": {"AWS": [SESSION, f"arn:aws:iam::{A}:root", "*"]},
         "Action": "kms:Sign", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}},
    )
    grant = {"KeyId": NO_IAM_KEY, "GrantId": "grant-1", "GranteePrincipal": GRANT_ROLE, "Operations": ["Decrypt"],
             "IssuingAccount": f"arn:aws:iam::{A}:root"}
    everything = doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
    return Snapshot(
        keys=[
            Key(IAM_KEY, metadata={"Arn": IAM_KEY, "KeyId": IAM_KEY_ID, "KeyManager": "CUSTOMER"}, policy=iam_key_policy,
                aliases=[{"AliasName": "alias/with-iam", "AliasArn": f"arn:aws:kms:us-east-1:{A}:alias/with-iam",
                          "TargetKeyId": IAM_KEY_ID}]),
            Key(NO_IAM_KEY, metadata={"Arn": NO_IAM_KEY, "KeyId": NO_IAM_KEY_ID, "KeyManager": "CUSTOMER"},
                policy=no_iam_key_policy, grants=[grant],
                aliases=[{"AliasName": "alias/no-iam", "AliasArn": f"arn:aws:kms:us-east-1:{A}:alias/no-iam",
                          "TargetKeyId": NO_IAM_KEY_ID}]),
            Key(BARE_KEY, metadata={"Arn": BARE_KEY, "KeyId": BARE_KEY_ID, "KeyManager": "CUSTOMER"},
                policy=doc(ENABLE_IAM)),
        ],
        principals=[
            Principal(ALICE, "user", "alice", groups=["admins"]),
            Principal(BOB, "user", "bob", inline_policies=[InlinePolicy("encrypt", doc(
                {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}))]),
            Principal(CAROL, "user", "carol", managed_policies=[f"arn:aws:iam::{A}:policy/KmsAll"],
                      inline_policies=[InlinePolicy("no-decrypt", doc({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}))]),
            Principal(APP_ROLE, "role", "AppRole"),
            Principal(GRANT_ROLE, "role", "GrantRole"),
            Principal(ADMIN_ROLE, "role", "KeyAdmin"),
            Principal(f"arn:aws:iam::{A}:group/admins", "group", "admins", inline_policies=[InlinePolicy("all", everything)]),
        ],
        managed_policies={f"arn:aws:iam::{A}:policy/KmsAll": ManagedPolicy(f"arn:aws:iam::{A}:policy/KmsAll", "KmsAll", everything)},
    )


@pytest.fixture()
def snapshot() -> Snapshot:
    return build_snapshot()


# -- columns ---------------------------------------------------------------------------------------


def test_columns_are_the_key_actions_without_alias_operations(reference) -> None:
    columns = key_actions()
    expected = {a.name for a in reference.actions if "key" in a.resource_types} - ALIAS_OPERATIONS
    assert set(columns) == expected
    assert {"kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:Decrypt", "kms:CreateGrant"} <= set(columns)
    assert not set(columns) & {"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:ListKeys", "kms:CreateKey"}
    assert len(columns) == len(set(columns))


def test_groups_cover_every_column_once(reference) -> None:
    groups = group_actions()
    assert list(groups) == ["cryptographic", "key-management", "grants", "tags"]
    assert sorted(a for names in groups.values() for a in names) == sorted(key_actions())
    assert {"kms:Decrypt", "kms:Sign", "kms:GenerateMac", "kms:ReEncryptTo"} <= set(groups["cryptographic"])
    assert set(groups["grants"]) == {"kms:CreateGrant", "kms:ListGrants", "kms:RetireGrant", "kms:RevokeGrant"}
    assert set(groups["tags"]) == {"kms:TagResource", "kms:UntagResource", "kms:ListResourceTags"}
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DescribeKey"} <= set(groups["key-management"])
    every = group_actions([a.name for a in reference.actions])
    assert set(every["aliases"]) == set(ALIAS_OPERATIONS) | {"kms:ListAliases"}


def test_select_actions() -> None:
    assert select_actions(None) == key_actions()
    assert select_actions("Decrypt") == ("kms:Decrypt",)
    assert select_actions("kms:decrypt,tags") == ("kms:Decrypt", "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource")
    assert set(select_actions("GenerateDataKey*")) == {"kms:GenerateDataKey", "kms:GenerateDataKeyPair",
                                                       "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext"}
    assert select_actions("reencrypt") == ("kms:ReEncryptFrom", "kms:ReEncryptTo")
    with pytest.raises(MatrixError, match="matches no key action"):
        select_actions("CreateAlias")


# -- rows and cells -----------------------------------------------------------------------------------


def test_key_matrix_rows(snapshot: Snapshot) -> None:
    matrix = matrix_for_key(snapshot, "alias/with-iam")
    assert matrix.subject == IAM_KEY and matrix.label == "alias/with-iam" and matrix.complete
    principals = [r.principal for r in matrix.rows]
    # The snapshot's users then roles (groups are not rows), then the key policy's other principals.
    assert principals == [ALICE, BOB, CAROL, APP_ROLE, GRANT_ROLE, ADMIN_ROLE, PARTNER]
    assert matrix.row(APP_ROLE).sources == ("snapshot", "key policy")
    assert matrix.row(PARTNER).sources == ("key policy",) and matrix.row(PARTNER).label == f"role Partner ({B})"

    other = matrix_for_key(snapshot, NO_IAM_KEY_ID)
    principals = [r.principal for r in other.rows]
    # The role session the key policy names is a row of its own; the account root and "*" are not.
    assert SESSION in principals and f"arn:aws:iam::{A}:root" not in principals and "*" not in principals
    assert other.row(GRANT_ROLE).sources == ("snapshot", "grant")
    assert other.row(SESSION).kind == "role-session"


def test_key_without_the_iam_enabling_statement_ignores_iam_policies(snapshot: Snapshot) -> None:
    with_iam = matrix_for_key(snapshot, "alias/with-iam")
    without = matrix_for_key(snapshot, "alias/no-iam")
    # alice's group policy allows kms:* : it counts only where the key policy enables IAM policies.
    assert with_iam.cell(ALICE, "kms:Decrypt") == Cell(ALLOWED, "iam")
    assert with_iam.cell(ALICE, "kms:PutKeyPolicy").result == ALLOWED
    for action in without.actions:
        cell = without.cell(ALICE, action)
        assert (cell.result, cell.decided_by) == (IMPLICITLY_DENIED, "no-door"), action
    # The explicit deny in the key policy wins over every allow.
    assert (with_iam.cell(ALICE, "kms:ScheduleKeyDeletion").result,
            with_iam.cell(ALICE, "kms:ScheduleKeyDeletion").decided_by) == (EXPLICITLY_DENIED, "explicit-deny")
    # bob's IAM policy allows Encrypt only.
    assert with_iam.cell(BOB, "kms:Encrypt").result == ALLOWED
    assert with_iam.cell(BOB, "kms:Decrypt").result == IMPLICITLY_DENIED
    # carol: kms:* allowed, kms:Decrypt explicitly denied by her own policy.
    assert with_iam.cell(CAROL, "kms:Decrypt").result == EXPLICITLY_DENIED
    assert with_iam.cell(CAROL, "kms:Encrypt").result == ALLOWED
    # AppRole is named by the key policy for Encrypt and Decrypt, and has no IAM policy.
    assert with_iam.row(APP_ROLE).allowed == ("kms:Decrypt", "kms:Encrypt")
    assert with_iam.cell(APP_ROLE, "kms:Decrypt").decided_by == "key-policy"
    # The key administrator is named only in the other key's policy.
    assert without.row(ADMIN_ROLE).allowed == tuple(a for a in without.actions
                                                    if a.split(":")[1].startswith(("Describe", "Put", "Get")))


def test_grantee_row_allows_the_granted_operation_only(snapshot: Snapshot) -> None:
    matrix = matrix_for_key(snapshot, "alias/no-iam")
    row = matrix.row(GRANT_ROLE)
    assert row.allowed == ("kms:Decrypt",)
    assert matrix.cell(GRANT_ROLE, "kms:Decrypt").decided_by == "grant"
    assert matrix.cell(GRANT_ROLE, "kms:Encrypt").result == IMPLICITLY_DENIED


def test_cross_account_principal_named_by_the_key_policy_needs_its_own_iam(snapshot: Snapshot) -> None:
    matrix = matrix_for_key(snapshot, "alias/with-iam")
    # Partner's account (not in the snapshot) has no identity policy that allows it.
    assert matrix.row(PARTNER).allowed == ()


def test_every_cell_matches_the_engine_asked_one_question(snapshot: Snapshot) -> None:
    for key in snapshot.keys:
        matrix = matrix_for_key(snapshot, key.arn)
        for row in matrix.rows:
            assert row.error is None
            for action in matrix.actions:
                decision = evaluate(*snapshot.question(row.principal, action, [key.arn]))
                assert (row.cells[action].result, row.cells[action].decided_by) == (decision.result, decision.decided_by), \
                    (row.principal, key.key_id, action)


def test_cell_decision_carries_the_trace(snapshot: Snapshot) -> None:
    matrix = matrix_for_key(snapshot, "alias/no-iam")
    decision = matrix.cell_decision(GRANT_ROLE, "kms:Decrypt")
    assert decision.result == ALLOWED and decision.decided_by == "grant"
    assert any(step.phase == "grant" for part in decision.trace.parts for step in part.steps)
    assert matrix.cell_decision(matrix.row(ALICE), "Decrypt").result == IMPLICITLY_DENIED


def test_principal_matrix(snapshot: Snapshot) -> None:
    matrix = matrix_for_principal(snapshot, "alice")
    assert matrix.subject == ALICE and matrix.label == "alice"
    assert [r.label for r in matrix.rows] == ["alias/with-iam", "alias/no-iam", BARE_KEY_ID]
    assert matrix.cell("alias/with-iam", "kms:Decrypt").result == ALLOWED
    assert matrix.cell("alias/no-iam", "kms:Decrypt").result == IMPLICITLY_DENIED
    assert matrix.cell(BARE_KEY_ID, "kms:ScheduleKeyDeletion").result == ALLOWED
    session = matrix_for_principal(snapshot, SESSION, actions=["kms:Sign"])
    assert session.actions == ("kms:Sign",) and all(r.cells["kms:Sign"].result == IMPLICITLY_DENIED for r in session.rows)
    assert session.row("alias/no-iam").cells["kms:Sign"].if_known  # allowed if aws:SourceVpce were vpce-1
    grantee = matrix_for_principal(snapshot, "GrantRole")
    assert [r.allowed for r in grantee.rows] == [(), ("kms:Decrypt",), ()]


def test_unknown_names_raise_one_line_value_errors(snapshot: Snapshot) -> None:
    cases = [
        (lambda: matrix_for_key(snapshot, "alias/nope"), "no key 'alias/nope'"),
        (lambda: matrix_for_principal(snapshot, "nobody"), "no principal 'nobody'"),
        (lambda: matrix_for_principal(snapshot, "admins"), "is an IAM group"),
        (lambda: matrix_for_principal(snapshot, "arn:aws:iam::1:user/x"), "not a valid ARN"),
        (lambda: matrix_for_key(snapshot, IAM_KEY, actions=["kms:CreateAlias"]), "not authorized on a key alone"),
        (lambda: matrix_for_key(snapshot, IAM_KEY, actions=["kms:Nope"]), "unknown KMS action"),
    ]
    for build, message in cases:
        with pytest.raises(MatrixError, match=message) as caught:
            build()
        assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_malformed_policies(snapshot: Snapshot) -> None:
    snapshot.keys[0].policy = '{"Statement": [{"Effect": "Allow"'
    with pytest.raises(MatrixError, match="key policy of"):
        matrix_for_key(snapshot, IAM_KEY)
    # In a principal matrix the bad key is one row with an error; the others are evaluated.
    matrix = matrix_for_principal(snapshot, "alice")
    assert matrix.rows[0].error and matrix.rows[0].glyph("kms:Decrypt") == "!" and matrix.rows[0].cells == {}
    assert matrix.rows[1].error is None and matrix.rows[1].cells


# -- progress, cancel, progressive rows -------------------------------------------------------------------


def test_progress_is_reported_per_row(snapshot: Snapshot) -> None:
    calls: list[tuple[int, int]] = []
    matrix = matrix_for_key(snapshot, IAM_KEY, progress=lambda done, total: calls.append((done, total)))
    total = len(matrix.rows)
    assert calls == [(i, total) for i in range(total + 1)]


def test_cancel_stops_before_the_next_row(snapshot: Snapshot) -> None:
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 2:
            cancel.set()

    matrix = matrix_for_key(snapshot, IAM_KEY, progress=progress, cancel=cancel)
    assert matrix.cancelled and not matrix.complete
    assert [r.done for r in matrix.rows][:3] == [True, True, False] and matrix.done == 2
    assert matrix.to_dict()["cancelled"] is True
    # Resuming fills the rest.
    cancel.clear()
    assert len(list(iter_rows(matrix))) == len(matrix.rows) - 2 and matrix.complete and not matrix.cancelled
    stopped = threading.Event()
    stopped.set()
    assert matrix_for_key(snapshot, IAM_KEY, cancel=stopped).done == 0


def test_rows_are_yielded_as_they_are_filled(snapshot: Snapshot) -> None:
    matrix = plan_key_matrix(snapshot, IAM_KEY)
    assert matrix.rows and not any(r.done for r in matrix.rows) and matrix.rows[0].glyph("kms:Decrypt") == " "
    rows = iter_rows(matrix)
    first = next(rows)
    assert first is matrix.rows[0] and first.done and not matrix.rows[1].done
    rows.close()


def _bench_snapshot(principals: int, keys: int) -> Snapshot:
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from bench_matrix import generate_snapshot
    finally:
        sys.path.pop(0)
    return generate_snapshot(principals, keys)


@pytest.mark.skipif(sys.platform == "win32", reason="forked workers are POSIX only")
def test_forked_workers_give_the_same_cells() -> None:
    big = _bench_snapshot(80, 4)
    key = big.keys[1].arn
    alone = matrix_for_key(big, key, actions=select_actions("Decrypt,Encrypt,ScheduleKeyDeletion,CreateGrant"))
    calls: list[int] = []
    forked = matrix_for_key(big, key, actions=alone.actions, workers=2, progress=lambda done, total: calls.append(done))
    assert forked.complete and calls == list(range(len(forked.rows) + 1))
    assert [(r.principal, r.cells) for r in forked.rows] == [(r.principal, r.cells) for r in alone.rows]
    assert any(r.allowed for r in alone.rows) and not all(r.allowed for r in alone.rows)


# -- the command ----------------------------------------------------------------------------------------


@pytest.fixture()
def snapshot_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A saved Snapshot, read by kmstui.sources.files."""
    path = tmp_path / "snapshot.json"
    path.write_text(build_snapshot().to_json(), encoding="utf-8")
    return str(path)


def run(argv: list[str]) -> tuple[int, str, str]:
    from kmstui.cli.matrix import add_matrix_parser, run_matrix

    parser = argparse.ArgumentParser(prog="kmstui")
    add_matrix_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = run_matrix(parser.parse_args(["matrix", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_shape(snapshot_file: str) -> None:
    code, out, err = run(["--key", "alias/no-iam", "--snapshot", snapshot_file, "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["key"] == NO_IAM_KEY and data["actions"] == list(key_actions())
    rows = {r["principal"]: r for r in data["rows"]}
    assert set(rows) == {ALICE, BOB, CAROL, APP_ROLE, GRANT_ROLE, ADMIN_ROLE, SESSION}
    assert rows[GRANT_ROLE]["cells"]["kms:Decrypt"] == {"result": "Allowed", "decided_by": "grant"}
    assert rows[ALICE]["cells"]["kms:Decrypt"] == {"result": "ImplicitlyDenied", "decided_by": "no-door"}
    assert all(set(r["cells"]) == set(data["actions"]) for r in data["rows"])

    code, out, _ = run(["--principal", "carol", "--snapshot", snapshot_file, "--format", "json",
                        "--actions", "Decrypt,Encrypt", "--allowed-only"])
    data = json.loads(out)
    assert code == 0 and data["principal"] == CAROL and data["actions"] == ["kms:Decrypt", "kms:Encrypt"]
    assert [r["key"] for r in data["rows"]] == [IAM_KEY, BARE_KEY]  # the key without IAM enabled allows nothing
    assert data["rows"][0]["cells"]["kms:Decrypt"] == {"result": "ExplicitlyDenied", "decided_by": "explicit-deny"}


@pytest.mark.parametrize("argv", [["--key", "alias/no-iam"], ["--principal", "carol"],
                                  ["--key", "alias/no-iam", "--allowed-only", "--actions", "ScheduleKeyDeletion"]])
def test_cli_json_is_the_matrix_a_row_a_line(snapshot_file: str, argv: list[str]) -> None:
    """The JSON written a row a line reads back as Matrix.to_dict, empty row lists included."""
    from kmstui.sources.files import load_path

    code, out, err = run([*argv, "--snapshot", snapshot_file, "--format", "json"])
    assert code == 0, err
    loaded = load_path(snapshot_file)
    snapshot = getattr(loaded, "snapshot", loaded)
    actions = select_actions(argv[argv.index("--actions") + 1]) if "--actions" in argv else None
    matrix = (matrix_for_key(snapshot, argv[1], actions) if argv[0] == "--key" else matrix_for_principal(snapshot, argv[1], actions))
    assert json.loads(out) == matrix.to_dict(allowed_only="--allowed-only" in argv)
    rows = json.loads(out)["rows"]
    lines = [line.strip().rstrip(",") for line in out.splitlines()]
    assert [json.loads(line) for line in lines if line.startswith('{"')] == rows  # each row whole on its line


def test_json_rows_share_the_text_of_shared_cells_and_keep_what_rows_say(snapshot: Snapshot) -> None:
    """write_json writes a shared "cells" dict's JSON once and splices it into each row's line: rows
    with errors, and labels that spell the splice point, still read back as Matrix.to_dict."""
    from kmstui.cli.matrix import write_json

    from bench_matrix import generate_snapshot

    generated = generate_snapshot(200, 20)
    shared = matrix_for_key(generated, generated.keys[1].arn)
    cells = [row["cells"] for row in shared.to_dict()["rows"]]
    assert len({id(c) for c in cells}) < len(cells) / 4  # rows the order cannot tell apart share one dict
    for matrix in (shared, matrix_for_key(snapshot, "alias/with-iam"), matrix_for_principal(snapshot, "carol")):
        matrix.rows[0].cells, matrix.rows[0].error = {}, 'bad, "cells": null, "x": 1'
        matrix.rows[1].label = matrix.rows[1].principal = '", "cells": null, "error": "'
        out = io.StringIO()
        write_json(matrix, out)
        assert json.loads(out.getvalue()) == matrix.to_dict()


def test_cli_text_table(snapshot_file: str) -> None:
    code, out, err = run(["--key", "alias/with-iam", "--snapshot", snapshot_file, "--actions", "Decrypt,Encrypt,ScheduleKeyDeletion"])
    assert code == 0, err
    assert "\x1b[" not in out  # no colour when not a terminal
    lines = out.splitlines()
    header = next(line for line in lines if "Decrypt" in line and "Encrypt" in line)
    assert "ScheduleKeyDeletion" in header
    carol = next(line for line in lines if line.startswith("user carol"))
    assert carol.split()[2:] == ["✗", "✓", "✗"]
    approle = next(line for line in lines if line.startswith("role AppRole"))
    assert approle.split()[2:] == ["✓", "✓", "✗"]
    assert "✓ allowed" in out and "✗ explicitly denied" in out and "· implicitly denied" in out
    # Every column: numbered headers and a key to them.
    code, out, _ = run(["--key", "alias/with-iam", "--snapshot", snapshot_file, "--allowed-only"])
    assert code == 0 and "cryptographic operations: 1 " in out and "role Partner" not in out


def test_cli_bad_input_exits_2_with_one_line(snapshot_file: str) -> None:
    for argv, message in [
        (["--snapshot", snapshot_file], "exactly one of --key"),
        (["--key", "k", "--principal", "p", "--snapshot", snapshot_file], "exactly one of --key"),
        (["--key", "alias/with-iam"], "--snapshot PATH, --demo or --profile/--region"),
        (["--key", "alias/with-iam", "--snapshot", snapshot_file, "--demo"], "choose one source"),
        (["--key", "alias/nope", "--snapshot", snapshot_file], "no key 'alias/nope'"),
        (["--principal", "nobody", "--snapshot", snapshot_file], "no principal 'nobody'"),
        (["--key", "alias/with-iam", "--snapshot", snapshot_file, "--actions", "zzz"], "matches no key action"),
    ]:
        code, out, err = run(argv)
        assert code == 2 and out == "", argv
        assert err.startswith("kmstui: error: ") and message in err and err.count("\n") == 1, (argv, err)


def test_cli_demo_runs() -> None:
    from kmstui.sources.demo import load_demo

    key = load_demo().keys[0].arn
    code, out, err = run(["--key", key, "--demo", "--format", "json"])
    assert code == 0, err
    assert json.loads(out)["key"] == key


def test_cli_module_imports_neither_textual_nor_boto3() -> None:
    import subprocess

    code = ("import sys\nimport kmstui.cli.matrix, kmstui.analysis.matrix\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'boto3', 'botocore')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cell_decision_recomputes_the_full_trace(snapshot: Snapshot) -> None:
    matrix = matrix_for_key(snapshot, "alias/with-iam")
    for row in matrix.rows[:3]:
        for action in ("kms:Decrypt", "kms:ScheduleKeyDeletion"):
            decision = matrix.cell_decision(row, action)
            cell = matrix.cell(row.principal, action)
            assert (decision.result, decision.decided_by) == (cell.result, cell.decided_by)
            assert decision.trace.steps  # the trace a UI opens for the cell
