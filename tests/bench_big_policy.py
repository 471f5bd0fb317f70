"""Benchmark of a very large key policy: prints figures, asserts nothing.

    python tests/bench_big_policy.py [--statements 20000] [--repeats 3]

The key policy has one statement per role (each names its role and a few actions, some with a
condition), plus AWS's IAM-enabling statement; the snapshot holds every role, each with a small
inline policy. It times parsing the policy, one explained trace, and the key matrix (every role ×
every key action).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmstui.analysis.matrix import matrix_for_key  # noqa: E402
from kmstui.engine.order import evaluate  # noqa: E402
from kmstui.engine.resolve import Request  # noqa: E402
from kmstui.policy.document import parse_policy  # noqa: E402
from kmstui.sources.snapshot import InlinePolicy, Key, Principal, Snapshot  # noqa: E402

ACCOUNT, REGION = "111122223333", "us-west-2"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACTIONS = [["kms:Decrypt"], ["kms:Encrypt", "kms:GenerateDataKey*"], ["kms:Describe*", "kms:List*"], ["kms:Sign", "kms:Verify"]]


def big_snapshot(statements: int) -> Snapshot:
    roles = [f"arn:aws:iam::{ACCOUNT}:role/service-{i:05d}" for i in range(statements)]
    body = [{"Sid": "EnableIAM", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "kms:*", "Resource": "*"}]
    for i, role in enumerate(roles):
        statement = {"Sid": f"Role{i}", "Effect": "Allow", "Principal": {"AWS": role}, "Action": ACTIONS[i % 4], "Resource": "*"}
        if i % 5 == 0:
            statement["Condition"] = {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
        body.append(statement)
    policy = json.dumps({"Version": "2012-10-17", "Statement": body}, indent=2)
    inline = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*"}]})
    principals = [Principal(role, "role", role.rsplit("/", 1)[1], inline_policies=[InlinePolicy("describe", inline)])
                  for role in roles]
    return Snapshot(keys=[Key(KEY, metadata={"Arn": KEY, "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT",
                                             "KeyUsage": "ENCRYPT_DECRYPT"}, policy=policy)], principals=principals)


def timed(work):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def figures(runs: list[float]) -> str:
    return f"min {min(runs):.2f} s, median {statistics.median(runs):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"cpu_count={os.cpu_count()}  python {sys.version.split()[0]}  key policy of {args.statements + 1} statements")

    text = big_snapshot(1).keys[0].policy  # warm the reference
    parse_runs, trace_runs, matrix_runs, cold_runs = [], [], [], []
    for _ in range(args.repeats):
        snapshot = big_snapshot(args.statements)
        text = snapshot.keys[0].policy
        parse_runs.append(timed(lambda: parse_policy(text, "key_policy", "key policy"))[0])
        role = snapshot.principals[len(snapshot.principals) // 2].arn
        policies = snapshot.policy_set(role, snapshot.keys)
        seconds, decision = timed(lambda: evaluate(Request(role, "kms:Decrypt", KEY, ACCOUNT), policies))
        trace_runs.append(seconds)
        fresh = big_snapshot(args.statements)
        cold_runs.append(timed(lambda: matrix_for_key(fresh, KEY))[0])  # parses every policy on the way
        seconds, matrix = timed(lambda: matrix_for_key(fresh, KEY))
        matrix_runs.append(seconds)
    cells = len(matrix.rows) * len(matrix.actions)
    print(f"parse the key policy: {figures(parse_runs)}")
    print(f"one explained trace ({decision.result}, {len(decision.trace.parts[0].steps)} steps): {figures(trace_runs)}")
    print(f"key matrix, cold (parsing included): {figures(cold_runs)}")
    print(f"key matrix, warm: {figures(matrix_runs)}; {len(matrix.rows)} rows × {len(matrix.actions)} actions = {cells} cells, "
          f"{min(matrix_runs) / cells * 1e6:.1f} µs per cell; {len(matrix._sets.rows)} distinct rows")


if __name__ == "__main__":
    main()
