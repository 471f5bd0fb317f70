"""GridTable, the matrix's table drawn line by line: keys, sorting, sideways scrolling, selection."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from kmstui.widgets.grid_table import GridColumn, GridRow, GridTable

RANK = {"✓": 0, "✗": 1, "·": 2}


class _Host(App):
    def __init__(self, rows: list[GridRow], columns: int = 3) -> None:
        super().__init__()
        self.rows, self.column_count = rows, columns
        self.selected: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield GridTable(id="grid")

    def on_mount(self) -> None:
        table = self.query_one(GridTable)
        table.set_columns([GridColumn("row", "principal", 9)]
                          + [GridColumn(f"kms:Action{i}", f"Action{i}", 12, RANK) for i in range(self.column_count)])
        table.add_rows(self.rows)
        table.focus()

    def on_grid_table_cell_selected(self, event: GridTable.CellSelected) -> None:
        self.selected.append((event.row_key, event.column_key))


def _rows(glyphs: list[str], columns: int = 3) -> list[GridRow]:
    return [GridRow(f"arn:aws:iam::111122223333:user/u{n}", Text(f"user u{n}"), tuple((g, "") for _ in range(columns)))
            for n, g in enumerate(glyphs)]


def _line(table: GridTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


async def test_h_and_l_move_across_columns_and_enter_selects_the_cell() -> None:
    app = _Host(_rows(["·", "✓", "✗"]))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(GridTable)
        await pilot.press("l", "l", "j")
        assert (table.cursor_row, table.cursor_column) == (1, 2)
        await pilot.press("h")
        assert table.cursor_column == 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [("arn:aws:iam::111122223333:user/u1", "kms:Action0")]


async def test_s_sorts_by_label_then_by_rank_and_the_cursor_stays_on_its_row() -> None:
    app = _Host(_rows(["·", "✓", "✗", "✓"]))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(GridTable)
        table.move_cursor(row=2)  # user u2, "✗"
        await pilot.press("s", "s")  # the label column, then the first action column: ✓ first
        assert table.sort_column == "kms:Action0"
        assert [table.get_cell_at((r, 1)).plain for r in range(4)] == ["✓", "✓", "✗", "·"]
        assert table.row_at(table.cursor_row).label.plain == "user u2"
        assert "▲" in _line(table, 0)
        await pilot.press("S")
        assert [table.get_cell_at((r, 1)).plain for r in range(4)] == ["·", "✗", "✓", "✓"]
        table.add_rows(_rows(["✓"]))  # a row added while sorted takes its place
        assert table.get_cell_at((table.row_count - 1, 1)).plain == "✓"


async def test_a_click_on_a_header_sorts_and_a_second_click_on_a_cell_opens_it() -> None:
    app = _Host(_rows(["·", "✓"]))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(GridTable)
        label_width = len("principal") + 2
        await pilot.click("#grid", offset=(label_width + 3, 0))
        assert table.sort_column == "kms:Action0" and not table.sort_reverse
        await pilot.click("#grid", offset=(label_width + 3, 0))
        assert table.sort_reverse
        await pilot.click("#grid", offset=(label_width + 3, 1))
        await pilot.click("#grid", offset=(label_width + 3, 1))
        await pilot.pause()
        assert app.selected == [(table.row_at(0).key, "kms:Action0")]


async def test_the_labels_stay_when_the_columns_scroll_sideways() -> None:
    app = _Host(_rows(["✓", "·"], columns=20), columns=20)
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(GridTable)
        assert "Action19" not in _line(table, 0)
        await pilot.press("end")
        for _ in range(20):
            await pilot.press("l")
        await pilot.pause()
        header, row = _line(table, 0), _line(table, 2)
        assert header.startswith(" principal") and "Action19" in header and "Action0 " not in header
        assert row.startswith(" user u1")
        assert len(header) == len(row) == table.scrollable_content_region.width


async def test_only_the_lines_on_screen_are_drawn_for_a_large_table() -> None:
    """20,000 rows: the table holds them as data; a line below the last row is blank, the last row
    is reached with G, and nothing is laid out per cell."""
    app = _Host(_rows(["·"] * 20_000))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(GridTable)
        assert table.row_count == 20_000 and table.virtual_size.height == 20_001
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == 19_999
        visible = [_line(table, y) for y in range(1, table.scrollable_content_region.height)]
        assert visible[-1].startswith(" user u19999")
