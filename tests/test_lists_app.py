"""Keys that agree across the lists: j/k everywhere, `/` in the Policies tree, column sort, the
principal picker's free ARN, the matrix's implicit-deny glyph at 256 colours, the Reference's
condition-keys pane."""

from __future__ import annotations

from pathlib import Path

from kmstui.app.application import make_app
from kmstui.app.screens.picker import PickerScreen
from kmstui.widgets.trace_views import VerdictBanner

OUTSIDER = "arn:aws:iam::999999999999:role/Outsider"


async def test_the_principal_picker_takes_any_principal_arn(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*OUTSIDER)
        await pilot.pause()
        assert app.screen._shown[0].value == OUTSIDER
        await pilot.press("enter")
        await pilot.pause()
        screen = app.trace_screen
        assert screen.principal == OUTSIDER
        assert screen.decision is not None and screen.decision.result == "ImplicitlyDenied"
        assert "999999999999" in str(screen.query_one(VerdictBanner).render())


async def test_a_partial_arn_does_not_hide_the_principals_it_starts(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i", *"arn:aws:iam::111122223333:user/al")
        await pilot.pause()
        assert app.screen._shown[0].value == "arn:aws:iam::111122223333:user/alice"
        assert app.screen._shown[-1].value == "arn:aws:iam::111122223333:user/al"


async def test_slash_filters_the_policies_tree_and_esc_clears_it() -> None:
    from textual.widgets import Tree

    from kmstui.widgets.filter_input import FilterInput

    app = make_app(start="policies")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one(Tree)
        everything = len(tree._tree_nodes)
        await pilot.press("slash", *"power-user")
        await pilot.pause()
        assert isinstance(app.focused, FilterInput)
        labels = [n.label.plain for n in tree._tree_nodes.values()]
        assert len(labels) < everything and any("power-user" in label for label in labels)
        assert "match “power-user”" in app.screen.query_one("#tree-pane").border_subtitle
        await pilot.press("enter")  # back to the tree, the filter kept
        await pilot.pause()
        assert app.focused is tree and len(tree._tree_nodes) == len(labels)
        await pilot.press("escape")  # esc on the tree clears the filter
        await pilot.pause()
        assert len(tree._tree_nodes) == everything
        await pilot.press("slash", *"zzzzqq")
        await pilot.pause()
        assert "nothing matches" in app.screen.query_one("#tree-pane").border_subtitle
        await pilot.press("escape")  # esc in the filter clears it too
        await pilot.pause()
        assert len(tree._tree_nodes) == everything and app.focused is tree


async def test_j_and_k_move_in_every_list(sample_snapshot) -> None:
    """The Policies tree, Findings, the matrix, the trace steps, a picker's list and the Reference."""
    from textual.widgets import DataTable, OptionList, Tree

    from kmstui.widgets.trace_views import StepList

    app = make_app(start="policies")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()

        async def moves(widget, position) -> None:
            widget.focus()
            await pilot.pause()
            start = position()
            await pilot.press("j")
            await pilot.pause()
            assert position() == start + 1, type(widget).__name__
            await pilot.press("k")
            await pilot.pause()
            assert position() == start
            await pilot.press("G")
            await pilot.pause()
            last = position()
            assert last >= start + 1
            await pilot.press("g")
            await pilot.pause()
            assert position() == 0

        tree = app.screen.query_one(Tree)
        await moves(tree, lambda: tree.cursor_line)
        await pilot.press("5")
        await pilot.pause()
        findings = app.screen.query_one(DataTable)
        await moves(findings, lambda: findings.cursor_row)
        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        matrix = app.screen.query_one("#matrix-table")
        await moves(matrix, lambda: matrix.cursor_row)
        await pilot.press("3")
        await pilot.pause()
        steps = app.screen.query_one(StepList)
        steps.highlighted = 0
        await moves(steps, lambda: steps.highlighted)
        await pilot.press("1")
        await pilot.pause()
        actions = app.screen.query_one("#actions-table", DataTable)
        await moves(actions, lambda: actions.cursor_row)
        await pilot.press("3", "a", "tab")  # the action picker: tab leaves the filter for its list
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert app.focused is options
        await moves(options, lambda: options.highlighted)


async def test_g_means_first_row_everywhere_and_c_the_matrix_columns() -> None:
    from kmstui.app.screens.help import collect_key_help

    app = make_app(start="matrix")
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        keys = {(k.keys, k.description) for k in collect_key_help(app, app.screen)}
        assert ("g", "First row") in keys and ("c", "Columns") in keys and ("s", "Sort") in keys
        assert not any(key == "g" and description != "First row" for key, description in keys)
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "`c` one group of action columns" in readme and "`g`/`G` first/last row" in readme


def cells(table, column) -> list[str]:
    from kmstui.widgets.lists import plain

    return [plain(table.get_cell_at((row, column))) for row in range(table.row_count)]


async def test_s_sorts_the_findings_matrix_and_reference_tables() -> None:
    from kmstui.analysis.findings import snapshot_findings
    from kmstui.app.screens.findings import SEVERITY_ORDER

    app = make_app(start="findings")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#findings-table")
        natural = cells(table, 1)
        await pilot.press("s")  # by severity: worst first, as it opened
        await pilot.pause()
        assert table.sort_column == "severity" and "▲" in table.columns["severity"].label.plain
        severities = [SEVERITY_ORDER[s] for s in cells(table, 0)]
        assert severities == sorted(severities)
        await pilot.press("s")  # by rule
        await pilot.pause()
        assert cells(table, 1) == sorted(natural, key=str.lower)
        await pilot.press("S")  # reversed
        await pilot.pause()
        assert cells(table, 1) == sorted(natural, key=str.lower, reverse=True)
        # enter opens the finding under the cursor, however sorted
        table.move_cursor(row=0)
        await pilot.pause()
        rule = cells(table, 1)[0]
        opened = []
        app.open_policy = opened.append
        await pilot.press("enter")
        finding = next(f for f in snapshot_findings(app.snapshot) if f.rule == rule)
        assert opened and opened[0] == finding.source or rule == cells(table, 1)[0]
        for _ in range(3):  # past the last column: the table's own order again
            await pilot.press("s")
        await pilot.pause()
        assert table.sort_column is None and cells(table, 1) == natural

        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        matrix = app.screen.query_one("#matrix-table")
        await pilot.press("s")
        await pilot.pause()
        names = cells(matrix, 0)
        assert names == sorted(names, key=str.lower)
        await pilot.press("s")  # the first action column: allowed first
        await pilot.pause()
        glyphs = [g.strip() for g in cells(matrix, 1)]
        order = {"✓": 0, "✗": 1, "·": 2}
        assert [order.get(g, 3) for g in glyphs] == sorted(order.get(g, 3) for g in glyphs)

        await pilot.press("1")
        await pilot.pause()
        actions = app.screen.query_one("#actions-table")
        await pilot.press("s", "s")  # by policy type
        await pilot.pause()
        types = cells(actions, 1)
        assert types == sorted(types, key=str.lower) and actions.sort_column is not None
        await pilot.press("slash", *"grant")  # the sort stays over a filter
        await pilot.pause()
        assert cells(actions, 1) == sorted(cells(actions, 1), key=str.lower) and actions.row_count == 5


async def test_a_click_on_a_header_sorts_by_it() -> None:
    app = make_app(start="findings")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#findings-table")
        x = sum(c.get_render_width(table) for c in list(table.columns.values())[:2]) + 2
        await pilot.click("#findings-table", offset=(x, 0))  # the "where" header
        await pilot.pause()
        assert table.sort_column == "where"
        await pilot.click("#findings-table", offset=(x, 0))
        await pilot.pause()
        assert table.sort_column == "where" and table.sort_reverse


def _contrast(a, b) -> float:
    def lum(color) -> float:
        def channel(v: int) -> float:
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        r, g, b_ = color.get_truecolor()
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b_)
    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_the_implicit_deny_dot_is_visible_at_256_colours() -> None:
    """Each "·" cell's colour against its background, both rounded to the 256-colour palette, in the
    dark and the light theme: at least 4.5:1 (WCAG AA for text)."""
    from rich.color import ColorSystem

    for theme in ("textual-dark", "textual-light"):
        app = make_app(start="matrix", theme=theme)
        async with app.run_test(size=(160, 45)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            table = app.screen.query_one("#matrix-table")
            table.cursor_type = "none"
            await pilot.pause()
            ratios = []
            for y in range(1, min(table.row_count + 1, 12)):
                for segment in table.render_line(y):
                    if segment.text.strip() == "·" and segment.style:
                        fg = segment.style.color.downgrade(ColorSystem.EIGHT_BIT)
                        bg = segment.style.bgcolor.downgrade(ColorSystem.EIGHT_BIT)
                        ratios.append(_contrast(fg, bg))
            assert ratios and min(ratios) >= 4.5, (theme, min(ratios))
