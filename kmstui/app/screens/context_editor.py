"""The request-context editor: one `key = value` line per value, derived values listed to adopt.

Given values win over derived ones in the engine, so editing a derived value means adopting it here
(`enter` on its row) and changing it. The line under the cursor shows its key's type and valid values
from the reference.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, TextArea

from kmstui.outside_text import outside_text, visible
from kmstui.reference.model import Reference


def context_to_lines(context: dict[str, Any], sources: dict[str, str] | None = None) -> str:
    """`key = value` lines; with ``sources``, a `# from CloudTrail: …` comment above the values from each field."""
    lines = []
    last_source = ""
    for key, value in context.items():
        source = (sources or {}).get(key, "")
        if source != last_source:
            lines.append(f"# {source}" if source else "# given")
            last_source = source
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key} = {str(item).lower() if isinstance(item, bool) else item}")
    return "\n".join(lines)


def lines_to_context(text: str) -> dict[str, Any]:
    """Parse `key = value` lines; a repeated key becomes a list. Raises ValueError naming the line."""
    context: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"line {number}: expected key = value")
        key, value = (part.strip() for part in line.split("=", 1))
        if not key:
            raise ValueError(f"line {number}: the key is empty")
        if key in context:
            existing = context[key]
            context[key] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            context[key] = value
    return context


class ContextEditorScreen(ModalScreen[dict[str, Any] | None]):
    """Edit the given context; returns the new context, or None when cancelled."""

    DEFAULT_CSS = """
    ContextEditorScreen { align: center middle; }
    ContextEditorScreen > Vertical { width: 90%; max-width: 120; height: 90%; border: round $primary;
        background: $surface; padding: 0 1; }
    ContextEditorScreen TextArea { height: 1fr; }
    ContextEditorScreen DataTable { height: 1fr; }
    ContextEditorScreen #context-hint, ContextEditorScreen #context-error { height: auto; color: $text-muted; }
    ContextEditorScreen #context-error { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Use this context and re-run the trace", id="context-apply"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the context", id="context-cancel"),
        Binding("ctrl+d", "focus_derived", "Derived values", tooltip="Move to the derived values to adopt one", id="context-derived"),
    ]

    def __init__(self, context: dict[str, Any], derived: list[tuple[str, str, str]], reference: Reference,
                 sources: dict[str, str] | None = None) -> None:
        super().__init__()
        self.initial = context
        self.sources = dict(sources or {})  # where given values came from (a pasted CloudTrail event's fields)
        self.derived = derived
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Request context · one `key = value` per line · ctrl+s apply · esc cancel"
            yield TextArea(context_to_lines(self.initial, self.sources), id="context-text")
            yield Static(id="context-hint")
            yield Static(id="context-error")
            table = DataTable(id="context-derived", cursor_type="row")
            table.border_title = "Derived and default values (enter: adopt and edit)"
            yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "value", "provenance")
        for key, value, provenance in self.derived:  # derived values (tags, ARNs) come from outside
            table.add_row(outside_text(key), outside_text(value), outside_text(provenance), key=key)
        self.query_one(TextArea).focus()
        self._hint()

    @on(TextArea.SelectionChanged)
    def _hint(self, event: object = None) -> None:
        area = self.query_one(TextArea)
        row = area.cursor_location[0]
        lines = area.text.splitlines()
        line = lines[row] if row < len(lines) else ""
        key = "" if line.lstrip().startswith("#") else line.split("=", 1)[0].strip()
        found = self.reference.condition_key(key) if key else None
        hint = ""
        if found is not None:
            hint = f"{found.name}: {found.type_label}. {found.description}"
            if found.valid_values:
                hint += f" Valid values: {', '.join(found.valid_values[:12])}{' …' if len(found.valid_values) > 12 else ''}"
        elif key:
            hint = f"{key}: not in the KMS reference (a custom or service key is fine)."
        if key in self.sources:
            hint = f"{self.sources[key]}. {hint}"
        self.query_one("#context-hint", Static).update(Content(visible(hint)))

    def action_focus_derived(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _adopt(self, event: DataTable.RowSelected) -> None:
        key, value = next((k, v) for k, v, _ in self.derived if k == event.row_key.value)
        area = self.query_one(TextArea)
        text = area.text.rstrip("\n")
        area.load_text((text + "\n" if text else "") + f"{key} = {value}")
        area.focus()
        area.move_cursor((len(area.text.splitlines()) - 1, len(f"{key} = ")))

    def action_apply(self) -> None:
        try:
            context = lines_to_context(self.query_one(TextArea).text)
        except ValueError as error:
            self.query_one("#context-error", Static).update(Content(visible(error)))
            return
        self.dismiss(context)

    def action_cancel(self) -> None:
        self.dismiss(None)
