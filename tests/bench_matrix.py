"""Benchmark of the access matrix over a generated Snapshot: prints figures, asserts nothing.

    python tests/bench_matrix.py [--principals 1000 2000 5000] [--keys 50] [--repeats 3] [--no-cli]

The Snapshot has 2,000 principals (users and roles, with inline, managed and group policies, some
boundaries, some in a second account) and 500 keys (AWS's default key policy with key-admin and
key-user statements, some without the IAM-enabling statement, grants, tags and aliases), under two
SCP levels. For each size it times one key matrix (every principal × every key action) cold (a new
Snapshot: every policy parsed on the way) and warm, with forked workers, and ``kmstui matrix`` end to
end with text and JSON output; then the first rows, one principal matrix (every key × every key
action) and one cell's trace.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmstui.analysis.matrix import iter_rows, matrix_for_key, matrix_for_principal, plan_key_matrix  # noqa: E402
from kmstui.sources.snapshot import InlinePolicy, Key, ManagedPolicy, OrgPolicy, Principal, Snapshot  # noqa: E402

MAIN, OTHER, REGION = "111122223333", "444455556666", "us-east-1"


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _key_id(index: int) -> str:
    return f"{index:08x}-1111-2222-3333-{index:012x}"


def generate_snapshot(principals: int = 2000, keys: int = 500, seed: int = 7) -> Snapshot:
    rng = random.Random(seed)
    key_arns = [f"arn:aws:kms:{REGION}:{MAIN}:key/{_key_id(i)}" for i in range(keys)]
    managed = {
        "ReadOnly": _doc({"Effect": "Allow", "Action": ["kms:Describe*", "kms:List*", "kms:Get*"], "Resource": "*"}),
        "KeyUser": _doc({"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                         "Resource": f"arn:aws:kms:*:{MAIN}:key/*",
                         "Condition": {"StringEquals": {"aws:ResourceTag/team": "payments"}}}),
        "Admin": _doc({"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"], "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:PrincipalTag/level": "senior"}}}),
        "Signer": _doc({"Effect": "Allow", "Action": ["kms:Sign", "kms:Verify", "kms:GetPublicKey"], "Resource": "*"}),
        "Boundary": _doc({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:Describe*"], "Resource": "*"}),
    }
    managed_policies = {f"arn:aws:iam::{MAIN}:policy/{name}": ManagedPolicy(f"arn:aws:iam::{MAIN}:policy/{name}", name, text)
                        for name, text in managed.items()}
    names = list(managed_policies)
    groups = [Principal(f"arn:aws:iam::{MAIN}:group/team{g}", "group", f"team{g}", managed_policies=[names[g % len(names)]])
              for g in range(10)]
    loaded: list[Principal] = []
    for index in range(principals):
        account = OTHER if index % 20 == 0 else MAIN
        kind = "user" if index % 2 == 0 else "role"
        name = f"{kind}{index:04d}"
        some_keys = rng.sample(key_arns, k=min(3, len(key_arns)))
        inline = _doc(
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": some_keys},
            {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}},
            {"Effect": "Deny", "Action": "kms:DisableKey", "Resource": "*"},
        )
        loaded.append(Principal(
            f"arn:aws:iam::{account}:{kind}/{'service-role/' if index % 7 == 0 else ''}{name}", kind, name,
            inline_policies=[InlinePolicy("kms-access", inline)],
            managed_policies=rng.sample(names, k=rng.randint(0, 2)),
            groups=[f"team{rng.randrange(10)}"] if kind == "user" else [],
            boundary=f"arn:aws:iam::{MAIN}:policy/Boundary" if index % 10 == 3 else None,
            tags={"level": "senior"} if index % 9 == 0 else {},
        ))
    roles = [p for p in loaded if p.kind == "role" and p.account == MAIN]
    users = [p for p in loaded if p.kind == "user"]
    built: list[Key] = []
    for index, arn in enumerate(key_arns):
        admins = [r.arn for r in rng.sample(roles, k=min(3, len(roles)))]
        key_users = [p.arn for p in rng.sample(roles + users, k=min(5, len(roles) + len(users)))]
        statements = [
            {"Sid": "Allow access for Key Administrators", "Effect": "Allow", "Principal": {"AWS": admins},
             "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
                        "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
                        "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"], "Resource": "*"},
            {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": key_users},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"},
            {"Sid": "Allow attachment of persistent resources", "Effect": "Allow", "Principal": {"AWS": key_users},
             "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
            {"Sid": "Cross-account use", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
             "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"},
        ]
        if index % 10 != 0:  # one key in ten lacks AWS's default IAM-enabling statement
            statements.insert(0, {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                  "Principal": {"AWS": f"arn:aws:iam::{MAIN}:root"}, "Action": "kms:*", "Resource": "*"})
        grants = [{"KeyId": arn, "GrantId": f"g{index}-{g}", "GranteePrincipal": rng.choice(roles).arn,
                   "Operations": ["Decrypt", "GenerateDataKey"], "IssuingAccount": f"arn:aws:iam::{MAIN}:root"}
                  for g in range(index % 4)]
        key_id = _key_id(index)
        built.append(Key(
            arn, metadata={"Arn": arn, "KeyId": key_id, "KeyManager": "CUSTOMER", "KeyState": "Enabled",
                           "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"},
            policy=json.dumps({"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": statements}, indent=2),
            tags={"team": rng.choice(["payments", "search", "infra"])},
            aliases=[{"AliasName": f"alias/app-{index}", "AliasArn": f"arn:aws:kms:{REGION}:{MAIN}:alias/app-{index}",
                      "TargetKeyId": key_id}],
            grants=grants,
        ))
    full = OrgPolicy("p-FullAWSAccess", "FullAWSAccess", "scp", _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
    guard = OrgPolicy("p-guard", "NoKeyDeletion", "scp", _doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/level": "senior"}}}))
    return Snapshot(
        keys=built, principals=loaded + groups, managed_policies=managed_policies,
        org_policies={full.id: full, guard.id: guard},
        scp_levels={MAIN: [[full.id], [guard.id]], OTHER: [[full.id]]},
    )


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def figures(runs: list[float]) -> str:
    return f"min {min(runs):.2f} s, median {statistics.median(runs):.2f} s"


def cli_end_to_end(snapshot: Snapshot, key: str, repeats: int) -> None:
    """``kmstui matrix --snapshot FILE --key KEY`` in a new process, as a user runs it, with each output format."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.json"
        path.write_text(snapshot.to_json(), encoding="utf-8")
        for output in ("text", "json"):
            runs = []
            for _ in range(repeats):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "kmstui", "matrix", "--snapshot", str(path), "--key", key,
                                "--format", output], check=True, stdout=subprocess.DEVNULL)
                runs.append(time.perf_counter() - start)
            print(f"  kmstui matrix --format {output}, end to end: {figures(runs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI runs")
    args = parser.parse_args()
    print(f"cpu_count={os.cpu_count()}  python {sys.version.split()[0]}  (min and median of {args.repeats} runs)")

    for size in args.principals:
        cold, warm = [], []
        for _ in range(args.repeats):
            snapshot = generate_snapshot(size, args.keys)  # a new Snapshot: nothing parsed yet
            key = snapshot.keys[1].arn
            cold.append(timed(lambda: matrix_for_key(snapshot, key))[0])
            seconds, matrix = timed(lambda: matrix_for_key(snapshot, key))
            warm.append(seconds)
        cells = len(matrix.rows) * len(matrix.actions)
        allowed = sum(len(r.allowed) for r in matrix.rows)
        print(f"{len(matrix.rows)} principals × {len(matrix.actions)} actions = {cells} cells ({allowed} allowed, "
              f"{len(matrix._sets.rows)} distinct rows):")
        print(f"  cold (parsing included): {figures(cold)}, {min(cold) / cells * 1e6:.1f} µs per cell")
        print(f"  warm: {figures(warm)}, {min(warm) / cells * 1e6:.1f} µs per cell")
        workers = os.cpu_count() or 1
        if workers > 1:
            runs = [timed(lambda: matrix_for_key(snapshot, key, workers=workers))[0] for _ in range(args.repeats)]
            print(f"  warm, workers={workers} (forked processes): {figures(runs)}")
        if not args.no_cli:
            cli_end_to_end(snapshot, key, args.repeats)

    snapshot = generate_snapshot(max(args.principals), args.keys)
    key = snapshot.keys[1].arn
    seen = []
    matrix = plan_key_matrix(snapshot, key)
    start = time.perf_counter()
    for row in iter_rows(matrix):
        seen.append(time.perf_counter() - start)
        if len(seen) == 50:
            break
    print(f"progressive rows: first row after {seen[0] * 1000:.1f} ms, first 50 rows after {seen[-1] * 1000:.0f} ms")

    principal = next(p for p in snapshot.principals if p.kind == "role" and p.account == "111122223333").arn
    runs = []
    for _ in range(args.repeats):
        seconds, matrix = timed(lambda: matrix_for_principal(snapshot, principal))
        runs.append(seconds)
    cells = len(matrix.rows) * len(matrix.actions)
    print(f"principal matrix: {figures(runs)}; {len(matrix.rows)} keys × {len(matrix.actions)} "
          f"actions = {cells} cells; {min(runs) / cells * 1e6:.1f} µs per cell")

    seconds, decision = timed(lambda: matrix.cell_decision(0, "kms:Decrypt"))
    print(f"one cell's decision with its trace, on demand: {seconds * 1000:.2f} ms ({decision.result})")


if __name__ == "__main__":
    main()
