"""The Access matrix: principals × key actions for one key (or keys × actions for one principal).

Cells are computed by the core (:mod:`kmstui.analysis.matrix`) in a thread worker and the table fills as rows
arrive; `enter` on a cell opens its trace.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import deque
from collections.abc import Iterable
from functools import lru_cache

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from rich.style import Style
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, ProgressBar, Static

from kmstui.widgets.key_footer import KeyFooter
from kmstui.analysis.matrix import GROUP_LABELS, Matrix, MatrixError, Row, plan_key_matrix, plan_principal_matrix
from kmstui.app.screens.picker import PickerScreen, PickItem
from kmstui.outside_text import outside_text, visible
from kmstui.sources.snapshot import Snapshot
from kmstui.widgets.filter_input import FilterInput
from kmstui.widgets.grid_table import GridColumn, GridRow, GridTable

# "·" (implicitly denied) in a solid grey: $text-muted is a translucent colour that a table cell does not
# blend, so it came out black on the dark theme's panel (1.2:1 at 256 colours); $foreground-darken-3
# is 6:1 in textual-dark and 12:1 in textual-light at 256 colours, and still quieter than ✓ and ✗.
IMPLICIT_STYLE = "$foreground-darken-3"
CELL_STYLES = {"Allowed": "bold $success", "ExplicitlyDenied": "bold $error", "ImplicitlyDenied": IMPLICIT_STYLE,
               "RejectedByKMS": "bold $warning"}
GLYPH_ORDER = {"✓": 0, "✗": 1, "·": 2}  # sorting a column: allowed first


# Rows reach the screen in batches: the first soon, then less and less often.
_FIRST_BATCH_SECONDS, _LAST_BATCH_SECONDS = 0.1, 1.0
# The table takes rows in slices of about this long, so that keys and repaints are served between them
# (adding a batch of 2,000 rows at once kept the interface from answering for 1.5 s).
_SLICE_SECONDS = 0.03


class MatrixScreen(Screen):
    """Who can do what with a key, or what a principal can do with every key."""

    TITLE = "kmstui"
    SUB_TITLE = "Access matrix"
    HELP = """\
The **Access matrix** decides every KMS key action for every principal on one key (`r`), or for one
principal on every key (`i`): ✓ allowed, ✗ explicitly denied, · implicitly denied, ⊘ allowed by the
policies but refused by KMS for this key (a reserved alias, or a key type that cannot do it). `f` shows only
rows with an allowed cell, `c` shows one group of actions (columns) at a time, `/` filters the rows, `enter` on
a cell opens its trace. `j`/`k` move up and down (`g`/`G` first and last row), `h`/`l` or the arrows across
columns (the principal column stays in place), `s` sorts by the next column
(`S` reverses; a click on a header sorts by it).
"""
    BINDINGS = [
        Binding("r", "pick_key", "Key", tooltip="The matrix of one key (resource): every principal × action",
                id="matrix-key"),
        Binding("i", "pick_principal", "Principal", tooltip="The matrix of one principal: every key × action",
                id="matrix-principal"),
        Binding("f", "toggle_allowed", "Allowed only", tooltip="Show only rows with at least one allowed cell",
                id="matrix-allowed"),
        Binding("slash", "filter", "Filter", tooltip="Filter the rows by name", id="matrix-filter"),
        Binding("c", "next_group", "Columns", tooltip="Show one group of actions at a time: cryptographic, key "
                "management, grants, tags and aliases, or all", id="matrix-group"),
        Binding("escape", "cancel", "Stop", tooltip="Stop filling the matrix", id="matrix-cancel", show=False),
    ]

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.matrix: Matrix | None = None
        self.allowed_only = False
        self.query_text = ""
        self.group: str | None = None  # an action group shown alone, or None for every action
        self._cancel = threading.Event()
        self._pending: deque[Row] = deque()  # rows computed and shown, not yet in the table
        self._draining = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="matrix-subject")
        with Vertical(id="matrix-pane", classes="list-pane") as pane:
            pane.border_title = "Access"
            yield FilterInput(placeholder="filter rows…", id="matrix-filter-input")
            yield GridTable(id="matrix-table")
            yield ProgressBar(id="matrix-progress", show_eta=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        key = next((k for k in self.snapshot.keys if not k.aws_managed), None) or (self.snapshot.keys[0] if self.snapshot.keys else None)
        if key is not None:
            self.show_key(key.arn)
        self.query_one(GridTable).focus()
        self._set_palette()
        # The cells' colours are the theme's: read again once the new theme's CSS is in effect.
        self.app.theme_changed_signal.subscribe(self, lambda _: self._set_palette())

    def _set_palette(self) -> None:
        table = self.query_one(GridTable)
        table.palette = {result: _style(result, self.app.theme) for result in CELL_STYLES}
        table.palette[""] = table.palette["ImplicitlyDenied"]  # a cell not decided (a row in error)
        table.refresh()

    # -- building --------------------------------------------------------------------------
    def show_key(self, key_ref: str) -> None:
        self._start(lambda: plan_key_matrix(self.snapshot, key_ref))

    def show_principal(self, principal_ref: str) -> None:
        self._start(lambda: plan_principal_matrix(self.snapshot, principal_ref))

    def _start(self, plan) -> None:
        self._cancel.set()
        self._cancel = threading.Event()
        try:
            self.matrix = plan()
        except MatrixError as error:
            self.notify(str(error), severity="error")
            return
        self._pending.clear()
        self._show_subject()
        self._columns()
        progress = self.query_one(ProgressBar)
        progress.remove_class("-done")
        progress.update(total=len(self.matrix.rows), progress=0)
        self._fill(self.matrix, self._cancel)

    def _show_subject(self) -> None:
        """The subject, its size, the action group shown and the legend (wrapping, never cut off)."""
        matrix = self.matrix
        if matrix is None:
            return
        what = "key" if matrix.kind == "key" else "principal"
        notes = f"  ·  {visible('; '.join(matrix.notes))}" if matrix.notes else ""
        group = GROUP_LABELS.get(self.group, self.group) if self.group else "all actions"
        self.query_one("#matrix-subject", Static).update(Content.assemble(
            " ", (what.title(), "bold"), f" {visible(matrix.label)}  ·  {len(matrix.rows)} rows × "
            f"{len(self.shown_actions)} of {len(matrix.actions)} actions  ·  ", ("Columns", "bold"),
            f" {group} (c)  ·  ✓ allowed  ✗ explicitly denied  · implicitly denied  ⊘ refused by KMS{notes}"))

    @work(thread=True, exclusive=True, group="matrix", description="fill the access matrix")
    def _fill(self, matrix: Matrix, cancel: threading.Event) -> None:
        # description: Textual otherwise names the worker by the repr of its arguments, and the repr of
        # a 5,000-row Matrix took the interface's thread a while.
        from kmstui.analysis.matrix import iter_rows

        batch: list[Row] = []
        sent, wait = time.monotonic(), _FIRST_BATCH_SECONDS
        gc.freeze()  # what exists now (the app, the snapshot) lives on: full collections need not walk it
        for row in iter_rows(matrix, cancel=cancel):
            if cancel.is_set():
                return
            batch.append(row)
            if time.monotonic() - sent >= wait:
                self.app.call_from_thread(self._add_rows, matrix, batch)
                batch, sent, wait = [], time.monotonic(), min(wait * 2, _LAST_BATCH_SECONDS)
                gc.freeze()  # nor the rows made so far: a full collection walked them all and paused for 0.2 s
        if batch and not cancel.is_set():
            self.app.call_from_thread(self._add_rows, matrix, batch)

    @property
    def shown_actions(self) -> tuple[str, ...]:
        if self.matrix is None:
            return ()
        if self.group is None:
            return self.matrix.actions
        from kmstui.analysis.matrix import group_actions

        wanted = set(group_actions(self.matrix.actions).get(self.group, ()))
        return tuple(a for a in self.matrix.actions if a in wanted)

    def _columns(self) -> None:
        assert self.matrix is not None
        columns = [GridColumn("row", "principal" if self.matrix.kind == "key" else "key", 9)]
        # A fixed width per action; sorting a column puts allowed first.
        columns += [GridColumn(action, _short(action), max(len(_short(action)), 3), GLYPH_ORDER) for action in self.shown_actions]
        self.query_one(GridTable).set_columns(columns)

    def _add_rows(self, matrix: Matrix, rows: list[Row]) -> None:
        if matrix is not self.matrix:
            return
        progress = self.query_one(ProgressBar)
        progress.advance(len(rows))
        if progress.total is not None and progress.progress >= progress.total:
            progress.add_class("-done")  # finished: the bar goes away
        self._queue(row for row in rows if self._visible(row))

    def _queue(self, rows: Iterable[Row]) -> None:
        self._pending.extend(rows)
        if not self._draining and self._pending:
            self._draining = True
            self._drain()

    def _drain(self) -> None:
        """Move pending rows into the table for one slice of time, then let the app serve keys and
        repaint before the next slice."""
        start = time.perf_counter()
        while self._pending and time.perf_counter() - start < _SLICE_SECONDS:
            self._append([self._pending.popleft() for _ in range(min(100, len(self._pending)))])
        if self._pending:
            self.call_after_refresh(self._drain)
        else:
            self._draining = False

    def _visible(self, row: Row) -> bool:
        if self.allowed_only and not row.allowed:
            return False
        return not self.query_text or self.query_text.lower() in row.label.lower()

    def _append(self, rows: list[Row]) -> None:
        assert self.matrix is not None
        actions = self.shown_actions
        by_principal = self.matrix.kind == "key"
        self.query_one(GridTable).add_rows(
            GridRow(row.principal if by_principal else row.key, outside_text(row.label),
                    tuple((row.glyph(action), cell.result if (cell := row.cells.get(action)) is not None else "")
                          for action in actions))
            for row in rows)

    def _refill(self) -> None:
        self.query_one(GridTable).clear()
        self._pending.clear()
        if self.matrix is not None:
            self._queue(row for row in self.matrix.rows if row.done and self._visible(row))

    # -- actions ---------------------------------------------------------------------------
    def action_pick_key(self) -> None:
        items = [PickItem(k.arn, k.alias_names[0] if k.alias_names else k.key_id, k.key_id) for k in self.snapshot.keys]
        self.app.push_screen(PickerScreen("Matrix of key", items), lambda value: value and self.show_key(value))

    def action_pick_principal(self) -> None:
        items = [PickItem(p.arn, p.name, f"{p.kind} · {p.arn}") for p in self.snapshot.principals if p.kind != "group"]
        self.app.push_screen(PickerScreen("Matrix of principal", items), lambda value: value and self.show_principal(value))

    def action_next_group(self) -> None:
        if self.matrix is None:
            return
        from kmstui.analysis.matrix import group_actions

        groups = [None, *group_actions(self.matrix.actions)]
        self.group = groups[(groups.index(self.group) + 1) % len(groups)]
        self._columns()
        self._refill()
        self._show_subject()

    def action_toggle_allowed(self) -> None:
        self.allowed_only = not self.allowed_only
        self._refill()
        self.notify("Rows with an allowed cell only." if self.allowed_only else "All rows.")

    def action_filter(self) -> None:
        self.query_one(FilterInput).open()

    @on(FilterInput.Changed)
    def _filtered(self, event: FilterInput.Changed) -> None:
        self.query_text = event.value.strip()
        self._refill()

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        self.query_one(GridTable).focus()

    def action_cancel(self) -> None:
        self._cancel.set()

    @on(GridTable.CellSelected)
    def _open_cell(self, event: GridTable.CellSelected) -> None:
        matrix = self.matrix
        if matrix is None or event.column_key == "row":
            return
        row = matrix.row(event.row_key)
        key = self.snapshot.find_key(row.key)
        resource = key.alias_names[0] if key.alias_names else key.arn
        opener = getattr(self.app, "open_trace", None)
        if opener is not None:
            opener(principal=row.principal, action=event.column_key, resources=[resource], context={})

    def on_unmount(self) -> None:
        self._cancel.set()


def _short(action: str) -> str:
    return action.split(":", 1)[-1]


@lru_cache(maxsize=64)
def _style(result: str, theme: str) -> Style:
    """The rich Style of a result's cells in a theme: Textual's own reading of CELL_STYLES."""
    segment = Content.styled("x", CELL_STYLES[result]).render_segments()[0]
    return segment.style or Style()
