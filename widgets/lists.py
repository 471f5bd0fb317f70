"""The list widgets every section uses, so that a key means one thing everywhere.

- ``j``/``k`` move down/up, ``g``/``G`` go to the first/last row (k9s, lazygit, Posting), in tables,
  trees and option lists alike; they are the widget's own (non-priority) bindings, so an Input with
  focus still takes the letters as text.
- :class:`ListTable` sorts by a column: ``s`` cycles the sort column (each column, then the table's
  own order again), ``S`` reverses it, and a click on a column header sorts by it (again: reversed).
  The sorted column's header carries ▲ or ▼, and the sort stays when rows are replaced or added
  (call :meth:`ListTable.resort` after adding).
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, OptionList, Tree

ROW_KEYS = [
    Binding("j", "cursor_down", "Down", tooltip="Move down", show=False),
    Binding("k", "cursor_up", "Up", tooltip="Move up", show=False),
    Binding("g", "first", "First row", tooltip="Go to the first row", show=False),
    Binding("G", "last", "Last row", tooltip="Go to the last row", show=False),
]
SORT_KEYS = [
    Binding("s", "cycle_sort", "Sort", tooltip="Sort by the next column (then the table's own order again); "
            "a click on a header sorts by it", id="sort"),
    Binding("S", "reverse_sort", "Reverse sort", tooltip="Reverse the sort order", id="reverse-sort", show=False),
]
ARROWS = {False: " ▲", True: " ▼"}


def next_sort_column(keys: list[Any], current: Any) -> Any:
    """The column ``s`` sorts by after ``current``: each column in turn, then None (the table's own order)."""
    if current not in keys:
        return keys[0]
    position = keys.index(current) + 1
    return keys[position] if position < len(keys) else None


class SortActions:
    """``s`` and ``S`` for a table with ``sort_column``, ``sort_reverse``, ``sort_by`` and ``sort_keys``."""

    sort_column: Any
    sort_reverse: bool

    def sort_keys(self) -> list[Any]:
        raise NotImplementedError

    def sort_by(self, column: Any, reverse: bool = False) -> None:
        raise NotImplementedError

    def action_cycle_sort(self) -> None:
        keys = self.sort_keys()
        if keys:
            self.sort_by(next_sort_column(keys, self.sort_column))

    def action_reverse_sort(self) -> None:
        if self.sort_column is None:
            self.action_cycle_sort()
        self.sort_by(self.sort_column, not self.sort_reverse)


def plain(value: Any) -> str:
    """A cell's text without its styles (for sorting)."""
    if isinstance(value, (Text, Content)):
        return value.plain
    return str(value)


class ListTable(SortActions, DataTable):
    """A DataTable with the list keys and a column sort."""

    BINDING_GROUP_TITLE = "List"
    BINDINGS = [*ROW_KEYS, *SORT_KEYS]

    def __init__(self, *args, sortable: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sortable = sortable
        self.sort_column: Any = None  # a column key, or None for the table's own order
        self.sort_reverse = False
        self.sort_values: dict[Any, Callable[[Any], Any]] = {}  # column key -> sort value of a cell
        self._plain_labels: dict[Any, Text] = {}

    # -- j/k/g/G --------------------------------------------------------------------------
    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    # -- sorting --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cycle_sort", "reverse_sort") and not self.sortable:
            return False
        return super().check_action(action, parameters)

    def sort_keys(self) -> list[Any]:
        return list(self.columns)

    def sort_by(self, column: Any, reverse: bool = False) -> None:
        """Sort by ``column`` (a column key; None: the order rows were given in)."""
        self.sort_column, self.sort_reverse = column, reverse
        self._label_sorted_column()
        if column is None:
            self._restore_order()
        else:
            self.resort()
        label = "the table's own order" if column is None else plain(self._plain_labels.get(column, column))
        self.notify(f"Sorted by {label}" + (" (reversed)" if reverse and column is not None else ""), timeout=2)

    def resort(self) -> None:
        """Sort again by the current column (after rows were added or replaced)."""
        if self.sort_column is None or self.sort_column not in self.columns:
            return
        value = self.sort_values.get(self.sort_column, _natural)
        self._keeping_cursor(lambda: self.sort(self.sort_column, key=value, reverse=self.sort_reverse))

    def _restore_order(self) -> None:
        # A stable sort on a constant key gives back the order the rows were added in.
        self._keeping_cursor(lambda: self.sort(key=lambda _: 0))

    def _keeping_cursor(self, sort: Callable[[], object]) -> None:
        """Sort, and keep the cursor on the row it was on."""
        row_key = None
        if self.row_count and self.is_valid_coordinate(self.cursor_coordinate):
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        sort()
        if row_key is not None:
            self.move_cursor(row=self.get_row_index(row_key), column=self.cursor_column, animate=False)

    def _label_sorted_column(self) -> None:
        for key, column in self.columns.items():
            base = self._plain_labels.setdefault(key, column.label.copy())
            column.label = base + ARROWS[self.sort_reverse] if key == self.sort_column else base.copy()
        self._require_update_dimensions = True
        self.refresh()

    def clear(self, columns: bool = False):
        if columns:
            self._plain_labels.clear()
            self.sort_column, self.sort_reverse = None, False
        return super().clear(columns)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if not self.sortable:
            return
        event.stop()
        key = event.column_key
        self.sort_by(key, reverse=not self.sort_reverse if key == self.sort_column else False)


def _natural(cell: Any) -> tuple:
    """Numbers as numbers, text case-insensitively; empty cells last."""
    text = plain(cell).strip()
    try:
        return (0, float(text), "")
    except ValueError:
        return (1 if text else 2, 0.0, text.lower())


class ListTree(Tree):
    """A Tree with the list keys."""

    BINDING_GROUP_TITLE = "List"
    BINDINGS = ROW_KEYS

    def action_first(self) -> None:
        self.cursor_line = 0

    def action_last(self) -> None:
        self.cursor_line = self.last_line


class ListOptions(OptionList):
    """An OptionList with the list keys (``first``/``last`` are OptionList's own actions)."""

    BINDING_GROUP_TITLE = "List"
    BINDINGS = ROW_KEYS
