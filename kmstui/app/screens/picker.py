"""A modal, fuzzy-searchable list for choosing one item (a principal, an action, a key).

Type to filter (``textual.fuzzy``), arrows to move (`tab` to the list, then `j`/`k` as in every list),
`enter` to choose, `esc` to cancel. The chosen
item's value is the screen's result.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kmstui.outside_text import visible
from kmstui.widgets.lists import ListOptions


@dataclass(frozen=True)
class PickItem:
    """One choice: what is returned, what is shown, and a dim detail after it."""

    value: str
    label: str
    detail: str = ""


class PickerScreen(ModalScreen[str | None]):
    """Choose one of ``items``; returns its value, or None when cancelled."""

    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical {
        width: 90%; max-width: 110; height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PickerScreen Input { margin-bottom: 1; }
    PickerScreen OptionList { height: 1fr; border: none; }
    PickerScreen #picker-count { color: $text-muted; height: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without choosing", id="picker-cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("enter", "choose", "Choose", tooltip="Choose the highlighted item", id="picker-choose"),
    ]

    def __init__(self, title: str, items: list[PickItem], current: str | None = None,
                 free_text: str | tuple[str, ...] | None = None, free_detail: str = "new") -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.current = current
        # Prefixes (such as "alias/", or "arn:" for any principal ARN): typed text that starts with one
        # may be chosen as is, shown with `free_detail`.
        self.free_text = (free_text,) if isinstance(free_text, str) else tuple(free_text or ())
        self.free_detail = free_detail
        self._shown: list[PickItem] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Input(placeholder="type to filter…", id="picker-filter")
            yield ListOptions(id="picker-list")
            yield Static(id="picker-count")

    def on_mount(self) -> None:
        self._fill("")
        if self.current is not None:
            for index, item in enumerate(self._shown):
                if item.value == self.current:
                    self.query_one(OptionList).highlighted = index
                    break
        self.query_one(Input).focus()

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if query.strip():
            matcher = Matcher(query.strip())
            # The label counts double: typing "encrypt" should find kms:Encrypt before a description
            # that mentions encryption.
            scored = [(max(2 * matcher.match(visible(item.label)), matcher.match(visible(item.detail))), item)
                      for item in self.items]
            ranked = [item for score, item in sorted(scored, key=lambda pair: -pair[0]) if score > 0]
            self._shown = ranked
            prompts = [matcher.highlight(visible(item.label)) for item in ranked]
        else:
            self._shown = list(self.items)
            prompts = [visible(item.label) for item in self._shown]
        typed = query.strip()
        if self.free_text and typed.startswith(self.free_text) and typed not in {i.value for i in self.items}:
            # The typed text first, unless it is the start of a listed value (then it follows them).
            at = len(self._shown) if any(i.value.startswith(typed) for i in self._shown) else 0
            self._shown.insert(at, PickItem(typed, typed, self.free_detail))
            prompts.insert(at, visible(typed))
        options.add_options(
            Option(_prompt(prompt, item.detail), id=str(index)) for index, (prompt, item) in enumerate(zip(prompts, self._shown))
        )
        if self._shown:
            options.highlighted = 0
        self.query_one("#picker-count", Static).update(f"{len(self._shown)} of {len(self.items)}")

    @on(Input.Submitted, "#picker-filter")
    def _submitted(self) -> None:
        self.action_choose()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if not self._shown:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(len(self._shown) - 1, current + step))

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not self._shown:
            return
        self.dismiss(self._shown[options.highlighted].value)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._shown[event.option_index].value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _prompt(label: Content | str, detail: str) -> Content:
    """The label (with the filter's matches highlighted) and a dim detail."""
    base = label if isinstance(label, Content) else Content(visible(label))
    return Content.assemble(base, (f"  {visible(detail)}", "dim")) if detail else base
