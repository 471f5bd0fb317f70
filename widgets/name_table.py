"""A DataTable of named rows whose first column highlights where a filter matched.

Rows are keyed by name, so the screen can select, copy and jump by name without reaching into
cells. The table knows nothing of KMS: the screen gives it rows and match positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from kmstui.reference.fuzzy import highlight_spans
from kmstui.widgets.lists import ListTable


@dataclass(frozen=True, slots=True)
class NamedRow:
    """One row: its name (the row key and first cell), the other cells, and filter positions."""

    name: str
    cells: Sequence[str | Text]
    positions: Sequence[int] = ()
    hidden_prefix: str = ""  # shown without this prefix (e.g. "kms:"); positions shift with it


class NameTable(ListTable):
    """A row-cursor table of names (j/k/g/G, `s` sorts: :class:`~kmstui.widgets.lists.ListTable`).
    Posts :class:`NameTable.NameHighlighted` and ``NameChosen``."""

    @dataclass
    class NameHighlighted(Message):
        table: "NameTable"
        name: str

        @property
        def control(self) -> "NameTable":
            return self.table

    @dataclass
    class NameChosen(Message):
        table: "NameTable"
        name: str

        @property
        def control(self) -> "NameTable":
            return self.table

    def __init__(self, columns: Sequence[str], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._column_labels = tuple(columns)

    def on_mount(self) -> None:
        self.add_columns(*self._column_labels)

    def set_rows(self, rows: Iterable[NamedRow], keep: str | None = None) -> None:
        """Replace every row in one batch; keep the cursor on ``keep`` when it is still listed."""
        self.clear()
        names: list[str] = []
        for row in rows:
            shift = len(row.hidden_prefix) if row.name.startswith(row.hidden_prefix) else 0
            first = Text(row.name[shift:])
            for start, end in highlight_spans([p - shift for p in row.positions if p >= shift]):
                first.stylize("bold underline", start, end)
            self.add_row(first, *row.cells, key=row.name)
            names.append(row.name)
        self.resort()  # a sort the user chose stays over a filter's order
        if keep in names:
            self.move_cursor(row=self.get_row_index(keep))
        elif names:
            self.move_cursor(row=0)

    @property
    def current_name(self) -> str | None:
        """The name under the cursor, if any."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select_name(self, name: str) -> bool:
        """Put the cursor on ``name``; False when the table does not list it."""
        try:
            index = self.get_row_index(name)
        except Exception:  # RowDoesNotExist
            return False
        self.move_cursor(row=index)
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.NameHighlighted(self, event.row_key.value))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.NameChosen(self, event.row_key.value))
