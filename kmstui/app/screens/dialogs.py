"""Small modal dialogs: a yes/no question, and a path to write to (with the default shown).

Both return their answer as the screen's result; neither knows what the caller will do with it.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from kmstui.outside_text import visible


class ConfirmScreen(ModalScreen[bool]):
    """Ask one question: `y` or `enter` answers yes, `n` or `esc` answers no."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 70; max-width: 95%; height: auto; border: round $warning;
        background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", tooltip="Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", tooltip="No: go back", id="confirm-no"),
    ]

    def __init__(self, question: str, yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Are you sure?"
            yield Static(Content(visible(self.question, keep_lines=True)), id="confirm-question")
            yield Static(f"y / enter: {self.yes}   ·   n / esc: {self.no}", id="confirm-keys", markup=False)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class PathScreen(ModalScreen[Path | None]):
    """Choose where to write: the default path is filled in; `enter` writes, `esc` cancels."""

    DEFAULT_CSS = """
    PathScreen { align: center middle; }
    PathScreen > Vertical { width: 100; max-width: 95%; height: auto; border: round $primary;
        background: $surface; padding: 0 1; }
    PathScreen #path-note, PathScreen #path-keys { color: $text-muted; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Write nothing", id="path-cancel"),
    ]

    def __init__(self, title: str, default: Path, note: str = "") -> None:
        super().__init__()
        self.title_text, self.default, self.note = title, default, note

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content(visible(self.title_text))
            if self.note:
                yield Static(Content(visible(self.note, keep_lines=True)), id="path-note")
            yield Input(str(self.default), id="path-input")
            yield Static("enter: write here   ·   esc: cancel (nothing is written)", id="path-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#path-input")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.notify("Type a path, or esc to cancel.", severity="warning")
            return
        self.dismiss(Path(text).expanduser())

    def action_cancel(self) -> None:
        self.dismiss(None)
