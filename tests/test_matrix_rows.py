"""The matrix, computed a row at a time on the fast path, equals the explaining engine cell by cell."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kmstui.analysis.matrix import fill, plan_key_matrix, plan_principal_matrix
from kmstui.engine.order import evaluate
from kmstui.engine.resolve import Request
from kmstui.sources.demo import load_demo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_matrix import generate_snapshot  # noqa: E402


def assert_cells_equal_the_engine(matrix) -> int:
    checked = 0
    for row in matrix.rows:
        assert row.error is None, row.error
        key = matrix._sets.key(row.key)
        policies = matrix._sets.policy_set(row.principal, key)
        for action in matrix.actions:
            decision = evaluate(Request(row.principal, action, key.arn, key.account), policies)
            cell = row.cells[action]
            assert (cell.result, cell.decided_by, cell.if_known) == (
                decision.result, decision.decided_by, bool(decision.if_known)), (row.label, action)
            checked += 1
    return checked


@pytest.mark.parametrize("key", ["alias/app", "alias/code-signing", "alias/aws/ebs", "alias/partner-shared",
                                 "alias/payments", "alias/Restricted-audit", "alias/imported-archive"])
def test_every_demo_key_matrix_equals_the_engine(key: str) -> None:
    matrix = fill(plan_key_matrix(load_demo(), key), workers=1)
    assert assert_cells_equal_the_engine(matrix) == len(matrix.rows) * len(matrix.actions)


def test_every_demo_principal_matrix_equals_the_engine() -> None:
    demo = load_demo()
    for principal in ("power-user", "app-role", "partner-analytics-role", "KMSAdminRole"):
        assert_cells_equal_the_engine(fill(plan_principal_matrix(demo, principal), workers=1))


def test_a_generated_account_equals_the_engine_cell_by_cell() -> None:
    snapshot = generate_snapshot(principals=120, keys=8, seed=11)
    checked = 0
    for key in snapshot.keys[:4]:
        checked += assert_cells_equal_the_engine(fill(plan_key_matrix(snapshot, key.arn), workers=1))
    assert checked > 10_000
