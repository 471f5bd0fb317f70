"""The what-if editor: a policy's JSON (or a key's grants), validated as you type, applied in memory only.

`esc` always leaves (the text area's tab indentation does not swallow it): with edits it asks first,
whether or not the text is valid.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

import json

from kmstui.outside_text import outside_text, visible
from kmstui.policy.document import PolicyError, parse_policy
from kmstui.engine.key_data import parse_grants


class PolicyEditorScreen(ModalScreen[tuple[str, str] | None]):
    """Returns (policy source name, new text) when applied, None when cancelled."""

    DEFAULT_CSS = """
    PolicyEditorScreen { align: center middle; }
    PolicyEditorScreen > Vertical { width: 95%; height: 95%; border: round $primary; background: $surface; padding: 0 1; }
    PolicyEditorScreen TextArea { height: 1fr; }
    PolicyEditorScreen #policy-status { height: auto; color: $success; }
    PolicyEditorScreen #policy-keys { height: 1; color: $text-muted; }
    PolicyEditorScreen #policy-status.-invalid { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Re-run the trace with this policy (in memory only)", id="policy-apply"),
        # priority: the TextArea (tab indents) would take esc to move focus instead
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything (asks when edited)",
                id="policy-cancel", priority=True),
    ]

    def __init__(self, source: str, kind: str, text: str, line: int | None = None) -> None:
        super().__init__()
        self.source, self.kind, self.text, self.line = source, kind, text, line
        self.valid = True

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = outside_text(f"What-if: {self.source}")
            yield TextArea(self.text, id="policy-text", show_line_numbers=True, tab_behavior="indent")
            yield Static(id="policy-status")
            yield Static("ctrl+s apply · esc cancel · in memory: nothing is written to AWS", id="policy-keys",
                         markup=False)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        if self.line:  # start at the statement the trace was showing
            area.move_cursor((self.line - 1, 0), center=True)
        self._validate()

    @on(TextArea.Changed)
    def _validate(self, event: object = None) -> None:
        status = self.query_one("#policy-status", Static)
        text = self.query_one(TextArea).text
        try:
            if self.kind == "grants":
                try:
                    parse_grants(json.loads(text), source=self.source)
                except json.JSONDecodeError as error:
                    raise PolicyError(self.source, error.lineno, "JSON", f"not valid JSON: {error.msg}") from None
            else:
                parse_policy(text, self.kind, source=self.source)
        except PolicyError as error:
            self.valid = False
            status.set_class(True, "-invalid")
            status.update(Content(f"✗ {visible(error)}"))
            return
        self.valid = True
        status.set_class(False, "-invalid")
        status.update("✓ valid grants" if self.kind == "grants" else "✓ valid policy")

    def action_apply(self) -> None:
        if not self.valid:
            self.notify("Fix the policy first: the error names the line.", severity="error")
            return
        self.dismiss((self.source, self.query_one(TextArea).text))

    @property
    def edited(self) -> bool:
        return self.query_one(TextArea).text != self.text

    def action_cancel(self) -> None:
        if not self.edited:
            self.dismiss(None)
            return
        from kmstui.app.screens.dialogs import ConfirmScreen

        self.app.push_screen(ConfirmScreen("Drop your edits to this policy?", yes="drop them and close",
                                           no="keep editing"),
                             lambda drop: self.dismiss(None) if drop else None)
