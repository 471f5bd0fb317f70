"""How the Reference looks: compared with the SVGs in tests/__snapshots__/ (pytest-textual-snapshot).

After an intended change of appearance: `pytest tests/test_snapshots.py --snapshot-update`, then look
at the new SVGs before committing them.
"""

from __future__ import annotations

from kmstui.app.application import make_app


async def no_blink(pilot) -> None:
    for widget in pilot.app.screen.query("Input"):
        widget.cursor_blink = False


class TestReference:
    def test_actions_wide(self, snap_compare) -> None:
        assert snap_compare(make_app(), terminal_size=(160, 45))

    def test_filter_grant(self, snap_compare) -> None:
        assert snap_compare(make_app(), press=["slash", *"grant"], run_before=no_blink, terminal_size=(120, 36))

    def test_condition_key(self, snap_compare) -> None:
        assert snap_compare(make_app(), press=["c", "slash", *"viaservice", "enter"], terminal_size=(160, 45))

    def test_narrow_80x24(self, snap_compare) -> None:
        assert snap_compare(make_app(), press=["slash", *"alias", "enter"], terminal_size=(80, 24))

    def test_light_theme(self, snap_compare) -> None:
        assert snap_compare(make_app(theme="textual-light"), terminal_size=(120, 36))

    def test_help(self, snap_compare) -> None:
        assert snap_compare(make_app(), press=["question_mark"], terminal_size=(120, 36))


async def wait_for_matrix(pilot) -> None:
    import asyncio

    from textual.widgets import ProgressBar

    from kmstui.widgets.grid_table import GridTable

    for _ in range(200):
        screen = pilot.app.screen
        matrix = getattr(screen, "matrix", None)
        # complete, and every row's callback has reached the table and the progress bar
        if (matrix is not None and matrix.complete
                and screen.query_one(GridTable).row_count == len(matrix.rows)
                and screen.query_one(ProgressBar).progress == len(matrix.rows)):
            break
        await asyncio.sleep(0.05)
    await pilot.pause(0.3)


class TestSections:
    """Each section of the app on the bundled demo account."""

    def test_policies(self, snap_compare) -> None:
        assert snap_compare(make_app(start="policies"), press=["down"] * 4 + ["space", "down"], terminal_size=(160, 45))

    def test_trace_power_user(self, snap_compare) -> None:
        press = ["i", *"power-user", "enter", "r", *"alias/app", "enter"]
        assert snap_compare(make_app(start="trace"), press=press, terminal_size=(160, 45))

    def test_trace_narrow(self, snap_compare) -> None:
        press = ["i", *"power-user", "enter", "r", *"alias/app", "enter"]
        assert snap_compare(make_app(start="trace"), press=press, terminal_size=(80, 24))

    def test_matrix(self, snap_compare) -> None:
        assert snap_compare(make_app(start="matrix"), run_before=wait_for_matrix, terminal_size=(160, 45))

    def test_findings(self, snap_compare) -> None:
        assert snap_compare(make_app(start="findings"), terminal_size=(160, 45))
