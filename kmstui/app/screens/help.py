"""The help dialog (`?` or F1): what the current section is for, and every key it answers to.

The key list is read from the bindings themselves (the app's, the section's, and each of its
widgets'), so it cannot fall out of date; `/` filters it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, OptionList, Static, Tabs, Tree

# Textual classes whose own bindings users meet in kmstui; our classes are always included.
_TEXTUAL_CLASSES_SHOWN = (App, Screen, DataTable, Tabs, Tree, OptionList)

GLOBAL_HELP = """\
**kmstui** answers: *can this principal perform this KMS action on this key, and why (not)?*
Keyboard first: the mouse works too. Sections: `1` Reference, `2` Policies, `3` Trace, `4` Access
matrix, `5` Findings, `6` Replay (a CloudTrail log). `ctrl+p` opens the command palette (jump to a section, any action or condition
key, switch theme). Nothing here changes anything in AWS.
"""


@dataclass(frozen=True)
class KeyHelp:
    """One line of the key list."""

    keys: str
    description: str
    group: str


def _classes_shown(node: DOMNode) -> Iterable[type]:
    for cls in type(node).__mro__:
        if cls.__module__.startswith("kmstui") or cls in _TEXTUAL_CLASSES_SHOWN:
            yield cls


def collect_key_help(app: App, screen: Screen) -> list[KeyHelp]:
    """Every described binding of the app, the screen and the screen's widgets, once each."""
    nodes: list[DOMNode] = [app, screen, *screen.query("*")]
    seen_classes: set[type] = set()
    seen: set[tuple[str, str]] = set()
    lines: list[KeyHelp] = [
        KeyHelp(app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "")), "Command palette", "App")
    ]
    for node in nodes:
        for cls in _classes_shown(node):
            if cls in seen_classes:
                continue
            seen_classes.add(cls)
            group = getattr(cls, "BINDING_GROUP_TITLE", None) or _group_name(cls)
            for binding in cls.__dict__.get("BINDINGS", ()):
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                keys = " / ".join(app.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
                if (group, binding.description) in seen:
                    continue
                seen.add((group, binding.description))
                lines.append(KeyHelp(keys, binding.description, group))
    return lines


def _group_name(cls: type) -> str:
    if issubclass(cls, App):
        return "App"
    if issubclass(cls, Screen):
        return "Section" if cls.__module__.startswith("kmstui") else "Focus"
    return {"DataTable": "List", "Tabs": "Tabs"}.get(cls.__name__, cls.__name__)


class HelpScreen(ModalScreen[None]):
    """A modal with the section's help text and a filterable list of its keys."""

    BINDINGS = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close help", tooltip="Close this dialog"),
        Binding("slash", "filter", "Filter keys", tooltip="Filter the key list"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help-box {
        width: 90%; max-width: 100; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-text { height: auto; max-height: 50%; }
    HelpScreen #help-text Markdown { margin: 0; }
    HelpScreen #help-keys { height: 1fr; }
    HelpScreen #help-filter { display: none; }
    HelpScreen #help-filter.-active { display: block; }
    HelpScreen #help-hint { color: $text-muted; }
    """

    def __init__(self, keys: list[KeyHelp], text: str) -> None:
        super().__init__()
        self._keys = keys
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = "Help"
            from textual.widgets import Markdown  # imported when help opens, not at start-up

            with VerticalScroll(id="help-text"):  # scrolls when the text is taller than its half
                yield Markdown(self._text)
            yield Input(placeholder="filter keys…", id="help-filter")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static("esc closes · / filters the keys · the text above scrolls", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Does", "Where")
        self._fill("")
        table.focus()

    def _fill(self, query: str) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.clear()
        wanted = query.lower().strip()
        for line in self._keys:
            if wanted and wanted not in f"{line.keys} {line.description} {line.group}".lower():
                continue
            table.add_row(line.keys, line.description, line.group)

    @on(Input.Changed, "#help-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#help-filter")
    def _filter_submitted(self) -> None:
        self.query_one("#help-keys").focus()

    def action_filter(self) -> None:
        filter_input = self.query_one("#help-filter", Input)
        filter_input.add_class("-active")
        filter_input.focus()

    async def action_dismiss(self, result: None = None) -> None:
        if self.focused is self.query_one("#help-filter") and self.query_one("#help-filter", Input).value:
            self.query_one("#help-filter", Input).value = ""
            self.query_one("#help-keys").focus()
            return
        self.dismiss(result)
