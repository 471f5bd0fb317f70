"""An Input for `/` filtering a list: live, `enter` returns to the list, `esc` clears and hides it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class FilterInput(Input):
    """A one-line filter. Posts :class:`FilterInput.Done` when the user is finished with it."""

    BINDING_GROUP_TITLE = "Filter"
    BINDINGS = [
        Binding("escape", "clear_filter", "Clear filter", tooltip="Clear the filter and return to the list"),
        Binding("enter", "done", "Back to list", tooltip="Keep the filter and return to the list"),
        Binding("down", "done", "Back to list", show=False),
    ]

    @dataclass
    class Done(Message):
        """The user left the filter: ``cleared`` when esc emptied it."""

        filter_input: "FilterInput"
        cleared: bool

        @property
        def control(self) -> "FilterInput":
            return self.filter_input

    def __init__(self, placeholder: str = "filter…", **kwargs) -> None:
        super().__init__(placeholder=placeholder, **kwargs)

    def show(self) -> None:
        """Show the filter (hidden until `/`: the stylesheet's ``FilterInput.-active``)."""
        self.add_class("-active")

    def open(self) -> None:
        """Show the filter and type into it."""
        self.show()
        self.focus()

    def close(self) -> None:
        """Hide the filter again."""
        self.remove_class("-active")

    def action_clear_filter(self) -> None:
        self.value = ""
        self.close()
        self.post_message(self.Done(self, cleared=True))

    def action_done(self) -> None:
        self.post_message(self.Done(self, cleared=False))
