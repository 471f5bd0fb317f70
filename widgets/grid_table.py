"""A table drawn line by line from plain rows, for thousands of rows of short cells (the Access matrix).

Textual's DataTable lays out every cell it holds: with 5,000 rows × 45 columns, adding a batch of
rows and drawing one line each took a few hundred milliseconds, so the interface stopped answering
while the matrix filled. GridTable keeps each row as a label and a (text, style name) per column,
draws only the lines on screen (Textual's Line API), sorts on demand, and keeps the first column in
place while the others scroll sideways. Keys: arrows and ``h``/``j``/``k``/``l`` move, ``g``/``G``
first/last row, ``s``/``S`` sort (as :class:`~kmstui.widgets.lists.ListTable`), ``enter`` selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kmstui.widgets.lists import ARROWS, ROW_KEYS, SORT_KEYS, SortActions


@dataclass(frozen=True)
class GridColumn:
    """A column: its key, header and width in cells; ``rank`` orders its cells' texts when sorting."""

    key: str
    label: str
    width: int
    rank: Mapping[str, int] | None = None


@dataclass(frozen=True)
class GridRow:
    """A row: its key, its label (first column) and, per column, (text, style name)."""

    key: str
    label: Text
    cells: tuple[tuple[str, str], ...]


class GridTable(SortActions, ScrollView, can_focus=True):
    """Rows of short cells under a header, the first column fixed; see the module docstring."""

    BINDING_GROUP_TITLE = "List"
    BINDINGS = [
        *ROW_KEYS,
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("left,h", "cursor_left", "Left", tooltip="Move to the column on the left", show=False),
        Binding("right,l", "cursor_right", "Right", tooltip="Move to the column on the right", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("enter", "select", "Open", tooltip="Open the cell under the cursor", show=False),
        *SORT_KEYS,
    ]
    COMPONENT_CLASSES = {"grid-table--header", "grid-table--cursor", "grid-table--even-row"}
    DEFAULT_CSS = """
    GridTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .grid-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .grid-table--even-row { background: $surface-darken-1 40%; }
        & > .grid-table--even-row { background: $surface-lighten-1 50%; }
        & > .grid-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .grid-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class CellSelected(Message):
        """``enter`` (or a second click) on a cell."""

        def __init__(self, table: GridTable, row_key: str, column_key: str) -> None:
            super().__init__()
            self.table, self.row_key, self.column_key = table, row_key, column_key

        @property
        def control(self) -> GridTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[GridColumn] = []  # the first is the rows' labels
        self.palette: dict[str, Style] = {}  # style name -> colours, set by the screen for its theme
        self.cursor_type = "cell"  # or "none"
        self.cursor_row = 0
        self.cursor_column = 0
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._rows: list[GridRow] = []  # in the order they were added
        self._shown: list[GridRow] = []  # in display order
        self._label_width = 1

    # -- content -------------------------------------------------------------------------------
    def set_columns(self, columns: list[GridColumn]) -> None:
        """New columns (the first for the labels); the rows go, as with DataTable.clear(columns=True)."""
        self.columns = list(columns)
        self.clear()

    def clear(self) -> None:
        self._rows, self._shown = [], []
        self._label_width = max((len(self.columns[0].label) if self.columns else 1), 1)
        self.cursor_row = 0
        self._resize()

    def add_rows(self, rows: Iterable[GridRow]) -> None:
        """Append rows; an active sort places them."""
        added = list(rows)
        if not added:
            return
        self._rows += added
        self._label_width = max(self._label_width, max(row.label.cell_len for row in added))
        index = self.column_index(self.sort_column) if self.sort_column is not None else None
        if index is None:
            self._shown += added
        else:  # the shown rows are one sorted run, so this merges: as sorting every row, stably
            self._shown = sorted(self._shown + added, key=self._sort_value(index), reverse=self.sort_reverse)
        self._resize()

    @property
    def row_count(self) -> int:
        return len(self._shown)

    def row_at(self, index: int) -> GridRow:
        return self._shown[index]

    def row_index(self, key: str) -> int | None:
        return next((i for i, row in enumerate(self._shown) if row.key == key), None)

    def column_index(self, key: str) -> int | None:
        return next((i for i, column in enumerate(self.columns) if column.key == key), None)

    def get_cell_at(self, position: tuple[int, int]) -> Text:
        """The cell's text (the label for column 0), as DataTable's get_cell_at."""
        row, column = position
        found = self._shown[row]
        return found.label if column == 0 else Text(found.cells[column - 1][0])

    # -- sorting -------------------------------------------------------------------------------
    def sort_by(self, column: str | None, reverse: bool = False) -> None:
        """Sort by ``column`` (a column key; None: the order rows were added in), as ListTable says it."""
        self.sort_column, self.sort_reverse = column, reverse
        self._keeping_cursor(self._sort)
        index = self.column_index(column) if column is not None else None
        label = "the table's own order" if index is None else self.columns[index].label
        self.notify(f"Sorted by {label}" + (" (reversed)" if reverse and index is not None else ""), timeout=2)

    def _sort(self) -> None:
        index = self.column_index(self.sort_column) if self.sort_column is not None else None
        if index is None:
            self.sort_column = None
            self._shown = list(self._rows)
            return
        self._shown = sorted(self._rows, key=self._sort_value(index), reverse=self.sort_reverse)

    def _sort_value(self, index: int) -> Callable[[GridRow], Any]:
        if index == 0:
            return lambda row: row.label.plain.lower()
        rank = self.columns[index].rank
        if rank is None:
            return lambda row: row.cells[index - 1][0].lower()
        last = len(rank)
        return lambda row: rank.get(row.cells[index - 1][0].strip(), last)

    def _keeping_cursor(self, change: Callable[[], None]) -> None:
        key = self._shown[self.cursor_row].key if 0 <= self.cursor_row < len(self._shown) else None
        change()
        if key is not None:
            self.cursor_row = self.row_index(key) or 0
        self._scroll_to_cursor()
        self.refresh()

    def sort_keys(self) -> list[str]:
        return [column.key for column in self.columns]

    # -- the cursor ----------------------------------------------------------------------------
    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        if row is not None:
            self.cursor_row = max(0, min(row, len(self._shown) - 1))
        if column is not None:
            self.cursor_column = max(0, min(column, len(self.columns) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_left(self) -> None:
        self.move_cursor(column=self.cursor_column - 1)

    def action_cursor_right(self) -> None:
        self.move_cursor(column=self.cursor_column + 1)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._shown) - 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(self._body_height() - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(self._body_height() - 1, 1))

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self._shown) and self.columns:
            self.post_message(self.CellSelected(self, self._shown[self.cursor_row].key, self.columns[self.cursor_column].key))

    async def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._column_at(offset.x)
        if offset.y == 0:  # a header: sort by it (again: reversed)
            if column is not None:
                key = self.columns[column].key
                self.sort_by(key, not self.sort_reverse if self.sort_column == key else False)
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < len(self._shown) or column is None:
            return
        again = (row, column) == (self.cursor_row, self.cursor_column)
        self.move_cursor(row=row, column=column)
        if again:
            self.action_select()

    # -- geometry ------------------------------------------------------------------------------
    def _body_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scrolled_width(self) -> int:
        return sum(column.width + 1 for column in self.columns[1:])

    def _fixed_width(self) -> int:
        return self._label_width + 2  # the label between two spaces

    def _resize(self) -> None:
        self.virtual_size = Size(self._fixed_width() + self._scrolled_width(), len(self._shown) + 1)
        self.refresh()

    def _column_x(self, index: int) -> int:
        """Where column ``index`` (1 or more) starts in the scrolled part."""
        return sum(column.width + 1 for column in self.columns[1:index])

    def _column_at(self, x: int) -> int | None:
        if x < self._fixed_width():
            return 0 if self.columns else None
        position = x - self._fixed_width() + int(self.scroll_offset.x)
        for index, column in enumerate(self.columns[1:], start=1):
            if position < column.width + 1:
                return index
            position -= column.width + 1
        return None

    def _scroll_to_cursor(self) -> None:
        if not self._shown:
            return
        top, height = int(self.scroll_offset.y), self._body_height()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False, immediate=True)
        if self.cursor_column > 0:
            left, visible = int(self.scroll_offset.x), self.scrollable_content_region.width - self._fixed_width()
            start = self._column_x(self.cursor_column)
            end = start + self.columns[self.cursor_column].width + 1
            if start < left:
                self.scroll_to(x=start, animate=False, immediate=True)
            elif end > left + visible:
                self.scroll_to(x=end - visible, animate=False, immediate=True)

    # -- drawing -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base + self.get_component_rich_style("grid-table--header"))
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._shown):
            return Strip.blank(width, base)
        row = self._shown[index]
        line = base + self.get_component_rich_style("grid-table--even-row") if index % 2 else base
        cursor = self.get_component_rich_style("grid-table--cursor") if (
            index == self.cursor_row and self.cursor_type != "none") else None
        label_style = line + cursor if cursor is not None and self.cursor_column == 0 else line
        label = row.label.copy()
        label.truncate(self._label_width, overflow="ellipsis", pad=True)
        fixed = Strip([Segment(" "), *label.render(self.app.console, end=""), Segment(" ")]).apply_style(label_style)
        segments = []
        for number, (column, (text, style_name)) in enumerate(zip(self.columns[1:], row.cells), start=1):
            style = line + self.palette.get(style_name, Style())
            if cursor is not None and number == self.cursor_column:
                style += cursor
            segments.append(Segment(text.center(column.width)[: column.width], style))
            segments.append(Segment(" ", line))
        scrolled = Strip(segments).crop(int(self.scroll_offset.x), int(self.scroll_offset.x) + width)
        return Strip.join([fixed, scrolled]).crop(0, width).extend_cell_length(width, line)

    def _header(self, width: int, style: Style) -> Strip:
        def title(column: GridColumn, room: int) -> str:
            if column.key != self.sort_column:
                return column.label[:room]
            return column.label[: max(room - 2, 1)] + ARROWS[self.sort_reverse]

        first = self.columns[0] if self.columns else GridColumn("", "", 1)
        fixed = Strip([Segment(" " + title(first, self._label_width).ljust(self._label_width) + " ", style)])
        segments = [Segment(title(column, column.width).center(column.width) + " ", style) for column in self.columns[1:]]
        scrolled = Strip(segments).crop(int(self.scroll_offset.x), int(self.scroll_offset.x) + width)
        return Strip.join([fixed, scrolled]).crop(0, width).extend_cell_length(width, style)
