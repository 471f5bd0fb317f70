"""The what-if editor: a policy's JSON (or a key's grants), validated as you type, applied in memory only."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

import json

from kmstui.outside_text import visible
from kmstui.policy.document import PolicyError, parse_policy
from kmstui.engine.policy_set import parse_grants


class PolicyEditorScreen(ModalScreen[tuple[str, str] | None]):
    """Returns (policy source name, new text) when applied, None when cancelled."""

    DEFAULT_CSS = """
    PolicyEditorScreen { align: center middle; }
    PolicyEditorScreen > Vertical { width: 95%; height: 95%; border: round $primary; background: $surface; padding: 0 1; }
    PolicyEditorScreen TextArea { height: 1fr; }
    PolicyEditorScreen #policy-status { height: auto; color: $success; }
    PolicyEditorScreen #policy-status.-invalid { color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", tooltip="Re-run the trace with this policy (in memory only)", id="policy-apply"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything", id="policy-cancel"),
    ]

    def __init__(self, source: str, kind: str, text: str, line: int | None = None) -> None:
        super().__init__()
        self.source, self.kind, self.text, self.line = source, kind, text, line
        self.valid = True

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"What-if: {self.source} · ctrl+s apply · esc cancel · nothing is written to AWS"
            yield TextArea(self.text, id="policy-text", show_line_numbers=True, tab_behavior="indent")
            yield Static(id="policy-status")

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

    def action_cancel(self) -> None:
        self.dismiss(None)
