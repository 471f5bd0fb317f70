"""The Access matrix and Findings sections driven as a user would."""

from __future__ import annotations

import json

from textual.widgets import DataTable

from kmstui.app.application import make_app
from kmstui.widgets.grid_table import GridTable


async def wait_for_matrix(app, pilot) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        screen = app.screen
        if (screen.matrix is not None and screen.matrix.complete
                and screen.query_one(GridTable).row_count == len(screen.matrix.rows)):
            await pilot.pause()
            return
    raise AssertionError("the matrix did not fill")


async def test_matrix_fills_and_a_cell_opens_its_trace(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_matrix(app, pilot)
        screen = app.screen
        table = screen.query_one(GridTable)
        assert table.row_count == 2
        alice = "arn:aws:iam::111122223333:user/alice"
        assert screen.matrix.cell(alice, "kms:Encrypt").result == "Allowed"
        assert screen.matrix.cell(alice, "kms:Decrypt").result == "ImplicitlyDenied"
        table.move_cursor(row=table.row_index(alice), column=table.column_index("kms:Encrypt"))
        await pilot.press("enter")
        await pilot.pause()
        trace = app.trace_screen
        assert app.screen is trace
        assert (trace.principal, trace.action, trace.resources) == (alice, "kms:Encrypt", ["alias/app"])
        assert trace.decision.result == "Allowed"


async def test_allowed_only_and_filter_narrow_the_rows(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_matrix(app, pilot)
        table = app.screen.query_one(GridTable)
        await pilot.press("f")
        assert table.row_count == 1  # AppRole has no allowed cell without kms:ViaService
        await pilot.press("f", "slash", *"approle")
        await pilot.pause()
        assert table.row_count == 1 and table.row_at(0).label.plain == "role AppRole"


async def test_findings_list_and_enter_shows_the_policy(sample_snapshot) -> None:
    policy = json.loads(sample_snapshot.keys[0].policy)
    policy["Statement"].append({"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
    sample_snapshot.keys[0].policy = json.dumps(policy, indent=2)
    app = make_app(snapshot=sample_snapshot, start="findings")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert any(f.source == "key policy of 1234abcd-12ab-34cd-56ef-1234567890ab" and f.line for f in screen.findings)
        table = screen.query_one(DataTable)
        index = next(i for i, f in enumerate(screen.findings) if "Principal" in f.message or f.rule.startswith("public"))
        table.move_cursor(row=index)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.SUB_TITLE == "Policies"
        assert app.screen.selected is not None and app.screen.selected.source == screen.findings[index].source


async def test_c_cycles_action_groups_and_the_header_names_the_group(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_matrix(app, pilot)
        screen = app.screen
        table = screen.query_one(GridTable)
        everything = len(table.columns)
        assert not screen.query_one("ProgressBar").display  # finished: the bar is gone
        await pilot.press("c")
        assert screen.group is not None and 1 < len(table.columns) < everything
        assert "cryptographic operations" in str(screen.query_one("#matrix-subject").render())
        assert table.row_count == 2 and len(table.row_at(0).cells) + 1 == len(table.columns)
        for _ in range(10):
            if screen.group is None:
                break
            await pilot.press("c")
        assert screen.group is None and len(table.columns) == everything


async def test_esc_from_a_trace_opened_from_the_matrix_returns_to_the_matrix(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_matrix(app, pilot)
        matrix = app.screen
        table = matrix.query_one(GridTable)
        table.move_cursor(row=0, column=2)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.trace_screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is matrix


async def test_enter_on_an_iam_policy_finding_opens_it_at_the_statement_and_esc_returns() -> None:
    app = make_app(start="findings")  # the demo: the power user's managed policy has a finding
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        findings = app.screen
        index = next(i for i, f in enumerate(findings.findings) if f.source.startswith("managed policy "))
        finding = findings.findings[index]
        findings.query_one(DataTable).move_cursor(row=index)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        policies = app.screen
        assert policies.SUB_TITLE == "Policies"
        assert policies.selected is not None and policies.selected.source.endswith(finding.source)
        view = policies.query_one("#item-json")
        assert view.shown_lines == (finding.line, finding.line)  # the statement is highlighted
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is findings


async def test_cells_take_the_new_theme_colours(sample_snapshot) -> None:
    """Drawn cells are in the theme's colours; switching theme draws them in the new ones."""
    from textual.content import Content

    from kmstui.app.screens.matrix import IMPLICIT_STYLE

    app = make_app(snapshot=sample_snapshot, start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_matrix(app, pilot)
        for theme in ("textual-light", "textual-dark"):
            await pilot.press("ctrl+t") if app.theme != theme else None
            await pilot.pause(0.3)
            table = app.screen.query_one(GridTable)
            table.cursor_type = "none"
            dots = [segment for segment in table.render_line(1) if segment.text.strip() == "·"]
            wanted = Content.styled("·", IMPLICIT_STYLE).render_segments()[0].style
            assert dots and all(segment.style.color == wanted.color for segment in dots), (theme, dots[0].style, wanted)
