"""Who-can over an organisation (kmstui.analysis.organization, ``kmstui matrix --organization``).

Generated snapshots (tests/org_generate.py) and a hand-made two-account case whose verdicts follow
AWS's documented cross-account rule: the key policy must allow the external account (or principal)
AND the external principal's own IAM policies must allow (KMS developer guide, "Allowing users in
other accounts to use a KMS key"); its own account's SCPs still apply. The Dask runs (a 2-worker
LocalCluster of threads, and one CLI run on the default LocalCluster of processes) must equal the
single-process run cell for cell.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from org_generate import doc, generate_organization, key_arn, write_organization  # noqa: E402

from kmstui import Request, decide  # noqa: E402
from kmstui.analysis.organization import (OrganizationError, OrganizationRun, OrgRow, candidate_principals,  # noqa: E402
                                          organization_rows)
from kmstui.engine.trace import ALLOWED  # noqa: E402
from kmstui.sources.organization import clear_cache, policy_set_across  # noqa: E402
from kmstui.sources.snapshot import InlinePolicy, Key, OrgPolicy, Principal, Snapshot  # noqa: E402

HAS_DASK = importlib.util.find_spec("distributed") is not None
needs_dask = pytest.mark.skipif(not HAS_DASK, reason='dask.distributed is not installed (pip install "kmstui[dask]")')

KEYS_ACCOUNT, USERS_ACCOUNT, OUTSIDE_ACCOUNT = "111122223333", "444455556666", "900000000001"
SHARED_KEY = key_arn(KEYS_ACCOUNT, 1)
PRIVATE_KEY = key_arn(USERS_ACCOUNT, 2)


def sort_rows(rows: list[OrgRow]) -> list[OrgRow]:
    return sorted(rows, key=lambda r: (r.key, r.principal or ""))


def role(account: str, name: str, *statements: dict) -> Principal:
    return Principal(f"arn:aws:iam::{account}:role/{name}", "role", name,
                     inline_policies=[InlinePolicy("inline", doc(*statements))] if statements else [])


def metadata(arn: str) -> dict:
    return {"Arn": arn, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT",
            "Enabled": True, "KeyState": "Enabled"}


def cross_account_org() -> dict[str, Snapshot]:
    """111122223333 shares SHARED_KEY with account 444455556666 (its root) for Decrypt and Encrypt.

    In 444455556666: ``reader`` may Decrypt that key, ``nobody`` has no KMS policy, ``wide`` may do
    kms:* on any key, under an SCP that denies kms:Encrypt. 900000000001 (not named anywhere) has a
    role with kms:* on everything. 444455556666 also has a key of its own, for itself only.
    """
    enable_iam = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{KEYS_ACCOUNT}:root"},
                  "Action": "kms:*", "Resource": "*"}
    shared = Key(SHARED_KEY, metadata=metadata(SHARED_KEY), policy=doc(
        enable_iam,
        {"Sid": "Account 444455556666 may use the key", "Effect": "Allow", "Principal": {"AWS": USERS_ACCOUNT},
         "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"}))
    keys = Snapshot(keys=[shared], principals=[role(KEYS_ACCOUNT, "owner", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})])
    own = Key(PRIVATE_KEY, metadata=metadata(PRIVATE_KEY), policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{USERS_ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}))
    users = Snapshot(
        keys=[own],
        principals=[
            role(USERS_ACCOUNT, "reader", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": SHARED_KEY}),
            role(USERS_ACCOUNT, "nobody"),
            role(USERS_ACCOUNT, "wide", {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}),
        ],
        org_policies={"p-full": OrgPolicy("p-full", "FullAWSAccess", "scp", doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
                      "p-noenc": OrgPolicy("p-noenc", "NoEncrypt", "scp", doc({"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}))},
        scp_levels={USERS_ACCOUNT: [["p-full"], ["p-full", "p-noenc"]]},
    )
    outside = Snapshot(principals=[role(OUTSIDE_ACCOUNT, "admin", {"Effect": "Allow", "Action": "kms:*", "Resource": "*"})])
    return {KEYS_ACCOUNT: keys, USERS_ACCOUNT: users, OUTSIDE_ACCOUNT: outside}


@pytest.fixture
def cross_folder(tmp_path: Path) -> Path:
    clear_cache()
    return write_organization(tmp_path / "org", cross_account_org())


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_organization(tmp_path_factory.mktemp("generated"), generate_organization(3, 12, 4, wide_keys=1))


@pytest.fixture(scope="module")
def reference_rows(generated_folder: Path) -> list[OrgRow]:
    clear_cache()
    return sort_rows(organization_rows(generated_folder))


@pytest.fixture(scope="module")
def cluster():
    if not HAS_DASK:
        pytest.skip('dask.distributed is not installed (pip install "kmstui[dask]")')
    import logging

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      silence_logs=logging.ERROR) as local, Client(local) as client:
        yield client


# -- the cross-account rule ------------------------------------------------------------------------


def test_cross_account_verdicts_follow_aws_rule(cross_folder: Path) -> None:
    rows = {(r.key, r.principal): r for r in organization_rows(cross_folder)}
    reader, nobody, wide = (f"arn:aws:iam::{USERS_ACCOUNT}:role/{n}" for n in ("reader", "nobody", "wide"))
    # Key policy allows the account AND the role's own policy allows Decrypt on the key: allowed.
    assert rows[(SHARED_KEY, reader)].allowed == ("kms:Decrypt",)
    # Key policy allows the account, but nothing in the role's own account allows it: denied.
    assert rows[(SHARED_KEY, nobody)].allowed == ()
    # kms:* in its own policy: only what the key policy allows the account (Decrypt; Encrypt is
    # explicitly denied by its own account's SCP); nothing else of kms:*.
    assert rows[(SHARED_KEY, wide)].allowed == ("kms:Decrypt",)
    assert rows[(SHARED_KEY, wide)].denied_explicitly == ("kms:Encrypt",)
    # An account the key policy does not name has no row: it cannot be allowed...
    outside_admin = f"arn:aws:iam::{OUTSIDE_ACCOUNT}:role/admin"
    assert not any(p == outside_admin for _, p in rows)
    # ...and the engine agrees when asked directly.
    snapshots = cross_account_org()
    key = snapshots[KEYS_ACCOUNT].keys[0]
    policies = policy_set_across(snapshots[KEYS_ACCOUNT], key, snapshots[OUTSIDE_ACCOUNT], outside_admin)
    assert decide(Request(outside_admin, "kms:Decrypt", key.arn, key.account), policies).result != ALLOWED
    # The users' own key is theirs alone: no row for the key account's principals.
    assert {p for k, p in rows if k == PRIVATE_KEY} == {reader, nobody, wide}
    assert rows[(PRIVATE_KEY, wide)].allowed and not rows[(PRIVATE_KEY, nobody)].allowed


def test_policy_set_across_takes_each_side_from_its_own_account() -> None:
    snapshots = cross_account_org()
    key = snapshots[KEYS_ACCOUNT].keys[0]
    wide = f"arn:aws:iam::{USERS_ACCOUNT}:role/wide"
    policies = policy_set_across(snapshots[KEYS_ACCOUNT], key, snapshots[USERS_ACCOUNT], wide)
    assert [p.source for p in policies.identity] == ["role wide inline policy inline"]
    assert [[p.source for p in level] for level in policies.scps] == [["SCP FullAWSAccess"], ["SCP FullAWSAccess", "SCP NoEncrypt"]]
    same = policy_set_across(snapshots[KEYS_ACCOUNT], key, snapshots[KEYS_ACCOUNT], f"arn:aws:iam::{KEYS_ACCOUNT}:role/owner")
    assert [p.source for p in same.identity] == ["role owner inline policy inline"]


def test_rows_left_out_are_never_allowed(generated_folder: Path) -> None:
    """The pruning is sound: a principal without a row is allowed nothing on that key."""
    from kmstui.analysis.organization import columns
    from kmstui.sources.organization import cached_snapshot, organization_entries

    entries = organization_entries(generated_folder)
    snapshots = {e: cached_snapshot(e) for e in entries}
    accounts = {a: e for e, s in snapshots.items() for a in s.accounts}
    actions = columns()
    checked = 0
    for entry, snapshot in snapshots.items():
        for key in snapshot.keys:
            rows = {arn for arn, _ in candidate_principals(snapshot, key, accounts)}
            for other_entry, other in snapshots.items():
                for principal in other.principals:
                    if principal.kind not in ("user", "role") or principal.arn in rows:
                        continue
                    policies = policy_set_across(snapshot, key, other, principal.arn)
                    for action in actions:
                        verdict = decide(Request(principal.arn, action, key.arn, key.account), policies)
                        assert verdict.result != ALLOWED, (key.arn, principal.arn, action)
                    checked += 1
    assert checked > 50


def test_same_account_rows_equal_the_key_matrix(generated_folder: Path, reference_rows: list[OrgRow]) -> None:
    from kmstui.analysis.matrix import matrix_for_key
    from kmstui.sources.files import load_path

    entry = sorted(generated_folder.iterdir())[0]
    snapshot = load_path(entry)
    for key in snapshot.keys[:2]:
        matrix = matrix_for_key(snapshot, key.arn)
        mine = {r.principal: r for r in reference_rows if r.key == key.arn and r.principal.split(":")[4] == key.account}
        assert mine
        for principal, row in mine.items():
            assert set(row.allowed) == set(matrix.row(principal).allowed), principal


def test_every_row_equals_deciding_each_cell_alone(generated_folder: Path, reference_rows: list[OrgRow]) -> None:
    """Rows share cells (columns the order cannot tell apart, rows with one fingerprint): each row is
    held to the engine deciding every cell on its own, cross-account rows included."""
    from kmstui.analysis.organization import columns
    from kmstui.sources.organization import cached_snapshot, organization_entries

    entries = organization_entries(generated_folder)
    snapshots = {e: cached_snapshot(e) for e in entries}
    by_account = {a: s for s in snapshots.values() for a in s.accounts}
    keys = {k.arn: (s, k) for s in snapshots.values() for k in s.keys}
    actions = columns()
    checked = cross = 0
    for row in reference_rows:
        snapshot, key = keys[row.key]
        account = row.principal.split(":")[4]
        policies = policy_set_across(snapshot, key, by_account.get(account, Snapshot()), row.principal)
        verdicts = {a: decide(Request(row.principal, a, key.arn, key.account), policies) for a in actions}
        assert set(row.allowed) == {a for a, v in verdicts.items() if v.result == ALLOWED}, (row.key, row.principal)
        assert set(row.denied_explicitly) == {a for a, v in verdicts.items() if v.result == "ExplicitlyDenied"}
        assert set(row.rejected) == {a for a, v in verdicts.items() if v.result == "RejectedByKMS"}
        assert set(row.if_known) == {a for a, v in verdicts.items() if v.result != ALLOWED and v.if_known}
        checked += 1
        cross += account != key.account
    assert checked > 100 and cross > 10


def test_generated_organisation_has_every_kind_of_cell(reference_rows: list[OrgRow]) -> None:
    cross = [r for r in reference_rows if r.principal and r.principal.split(":")[4] != r.key.split(":")[4]]
    assert any(r.allowed for r in cross) and any(not r.allowed for r in cross)
    assert any(r.denied_explicitly for r in reference_rows) and any(r.if_known for r in reference_rows)
    assert any(r.rejected for r in reference_rows)
    assert not any(r.error for r in reference_rows)


def test_one_snapshot_per_account(tmp_path: Path) -> None:
    snapshots = cross_account_org()
    folder = write_organization(tmp_path / "org", snapshots)
    (folder / "again.json").write_text(snapshots[USERS_ACCOUNT].to_json())
    with pytest.raises(OrganizationError, match="444455556666 is in both"):
        organization_rows(folder)


def test_a_key_policy_that_does_not_parse_is_an_error_row(tmp_path: Path) -> None:
    snapshots = cross_account_org()
    snapshots[KEYS_ACCOUNT].keys[0].policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}'
    clear_cache()
    rows = organization_rows(write_organization(tmp_path / "org", snapshots))
    broken = [r for r in rows if r.key == SHARED_KEY]
    assert len(broken) == 1 and broken[0].principal is None and broken[0].error
    assert any(r.key == PRIVATE_KEY and r.allowed for r in rows)


# -- Dask ----------------------------------------------------------------------------------------


@needs_dask
def test_dask_equals_single_process(cluster, generated_folder: Path, reference_rows: list[OrgRow]) -> None:
    run = OrganizationRun(generated_folder, client=cluster, chunk_keys=1)
    rows = sort_rows(list(run.rows()))
    assert run.tasks == 12 and run.mode.startswith("Dask, 2 workers")
    assert rows == reference_rows  # cell for cell
    assert run.cells == len(reference_rows) * len(run.actions)


# -- the CLI --------------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    from kmstui.cli.matrix import add_matrix_parser, run_matrix

    parser = argparse.ArgumentParser(prog="kmstui")
    add_matrix_parser(parser.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = run_matrix(parser.parse_args(["matrix", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def lines(text: str) -> list[dict]:
    return sorted((json.loads(line) for line in text.splitlines()), key=lambda d: (d["key"], d["principal"] or ""))


def test_cli_single_process_json_lines(generated_folder: Path, reference_rows: list[OrgRow]) -> None:
    code, out, err = run_cli(["--organization", str(generated_folder), "--workers", "1"])
    assert code == 0, err
    assert lines(out) == [r.to_dict() for r in reference_rows]
    assert "3 accounts, 12 keys" in err and "(single process)" in err
    code, out, _ = run_cli(["--organization", str(generated_folder), "--workers", "1", "--allowed-only", "--actions", "Decrypt"])
    assert code == 0 and lines(out) and all(d["allowed"] == ["kms:Decrypt"] for d in lines(out))


@needs_dask
def test_cli_on_a_scheduler(cluster, generated_folder: Path, reference_rows: list[OrgRow], tmp_path: Path) -> None:
    out_file = tmp_path / "rows.jsonl"
    code, out, err = run_cli(["--organization", str(generated_folder), "--scheduler", cluster.scheduler.address,
                              "--output", str(out_file), "--chunk-keys", "3"])
    assert code == 0, err
    assert out == "" and f"({cluster.scheduler.address})" in err
    assert lines(out_file.read_text()) == [r.to_dict() for r in reference_rows]


@needs_dask
def test_cli_default_local_cluster_of_processes(cross_folder: Path) -> None:
    """`kmstui matrix --organization DIR` as a user runs it: Dask's default LocalCluster (2 worker processes)."""
    command = [sys.executable, "-m", "kmstui", "matrix", "--organization", str(cross_folder)]
    dask = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cross_folder)
    assert dask.returncode == 0, dask.stderr
    assert "Dask, 2 workers (a LocalCluster)" in dask.stderr
    code, single, err = run_cli(["--organization", str(cross_folder), "--workers", "1"])
    assert code == 0, err
    assert lines(dask.stdout) == lines(single) and lines(single)


def test_cli_parquet(cross_folder: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow")
    import pyarrow.parquet as pq

    target = tmp_path / "rows.parquet"
    code, _, err = run_cli(["--organization", str(cross_folder), "--workers", "1", "--output", str(target)])
    assert code == 0, err
    _, out, _ = run_cli(["--organization", str(cross_folder), "--workers", "1"])
    table = [{k: v for k, v in row.items() if v is not None} for row in pq.read_table(target).to_pylist()]
    assert sorted(table, key=lambda d: (d["key"], d["principal"])) == lines(out)


@pytest.mark.parametrize(("argv", "message"), [
    (["--organization", "{org}", "--key", "alias/x"], "leave out --key and --principal"),
    (["--organization", "{org}", "--demo"], "leave out --snapshot"),
    (["--organization", "{org}", "--workers", "0"], "--workers must be 1 or more"),
    (["--organization", "{org}/nothing-here"], "not a folder"),
    (["--organization", "{org}", "--workers", "1", "--actions", "CreateAlias"], "matches no key action"),
    (["--key", "alias/x", "--demo", "--output", "x.parquet"], "--output is for --organization DIR"),
])
def test_cli_errors_are_one_line(cross_folder: Path, argv: list[str], message: str) -> None:
    code, out, err = run_cli([a.replace("{org}", str(cross_folder)) for a in argv])
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_cli_error_rows_exit_2(tmp_path: Path) -> None:
    snapshots = cross_account_org()
    snapshots[KEYS_ACCOUNT].keys[0].policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}'
    code, out, err = run_cli(["--organization", str(write_organization(tmp_path / "org", snapshots)), "--workers", "1"])
    assert code == 2 and out and "kmstui: error:" in err and SHARED_KEY in err


def test_dask_missing_falls_back_to_one_process(cross_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kmstui.cli.organization as cli

    monkeypatch.setattr(cli, "_dask_installed", lambda: False)
    code, out, err = run_cli(["--organization", str(cross_folder)])
    assert code == 0 and "Dask is not installed" in err and "(single process)" in err and out
    code, _, err = run_cli(["--organization", str(cross_folder), "--workers", "2"])
    assert code == 2 and 'pip install "kmstui[dask]"' in err


def test_environment_variable_bounds_the_cache(cross_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmstui.sources import organization as org

    monkeypatch.setenv("KMSTUI_ORG_CACHE", "1")
    clear_cache()
    for entry in org.organization_entries(cross_folder):
        org.cached_snapshot(entry)
    assert len(org._cache) == 1
    assert os.environ["KMSTUI_ORG_CACHE"] == "1"
