"""The Reference section: every KMS action and condition key, filtered, explained, linked.

Two tabs share one pattern: a filterable table on one side, the selected entry's details on the
other. Choosing a condition key in an action's details jumps to that key, and back with `esc`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, TabbedContent, TabPane

from kmstui.widgets.key_footer import KeyFooter
from kmstui.reference.model import Action, ConditionKey, Reference
from kmstui.widgets.filter_input import FilterInput
from kmstui.widgets.name_table import NamedRow, NameTable
from kmstui.widgets.reference_details import ActionDetails, KeyDetails

NARROW_WIDTH = 140  # below this the details go under the table instead of beside it



@dataclass(frozen=True)
class Place:
    """Where the user was, for `esc` back: the tab, its list's selection, and the focused table."""

    tab: str
    name: str | None
    focus_id: str | None = None
    focus_name: str | None = None


class ReferenceScreen(Screen):
    """Browse the KMS permissions reference: actions, condition keys, and the links between them."""

    TITLE = "kmstui"
    SUB_TITLE = "KMS permissions reference"
    HELP = """\
The **Reference** lists every KMS permission with its policy type (key policy, or IAM policy only),
whether it can be used **cross-account**, its resources, and its condition keys; and every condition
key with its type and the actions it applies to. Pick a row to see its details; `enter` on a
condition key in the details jumps to it, `esc` jumps back. `z` gives the details the whole section
(an action's condition keys all show; `z` again: the list back). In every list `j`/`k` move, `g`/`G`
go to the first/last row, `s` sorts by the next column (`S` reverses; a click on a header sorts by
it).
"""

    BINDINGS = [
        Binding("slash", "filter", "Filter", tooltip="Filter the list (fuzzy: 'grant', 'gdk')", id="filter"),
        Binding("z", "zoom", "Zoom", tooltip="Give the details the whole section (again: the list back)", id="zoom"),
        Binding("a", "show_tab('actions')", "Actions", tooltip="Show the actions table", id="tab-actions"),
        Binding("c", "show_tab('keys')", "Condition keys", tooltip="Show the condition keys table", id="tab-keys"),
        Binding("y", "copy_name", "Copy name", tooltip="Copy the selected name", id="copy"),
        Binding("Y", "copy_json", "Copy JSON", tooltip="Copy the selected entry as JSON", id="copy-json", show=False),
        Binding("escape", "back", "Back", tooltip="Back to where you jumped from, or clear the filter", id="back"),
    ]

    def __init__(self, reference: Reference) -> None:
        super().__init__()
        self.reference = reference
        self._history: list[Place] = []

    # -- layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with TabbedContent(initial="actions", id="reference-tabs"):
            with TabPane("Actions", id="actions"):
                with Horizontal(classes="split"):
                    with Vertical(classes="list-pane", id="actions-pane"):
                        yield FilterInput("filter actions…  (esc clears)", id="actions-filter")
                        yield NameTable(("Action (kms:)", "Policy type", "X-acct", "Resources"), id="actions-table")
                    yield ActionDetails(id="action-details", classes="details-pane")
            with TabPane("Condition keys", id="keys"):
                with Horizontal(classes="split"):
                    with Vertical(classes="list-pane", id="keys-pane"):
                        yield FilterInput("filter condition keys…  (esc clears)", id="keys-filter")
                        yield NameTable(("Condition key", "Type", "Actions"), id="keys-table")
                    yield KeyDetails(id="key-details", classes="details-pane")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#actions-pane").border_title = "Actions"
        self.query_one("#keys-pane").border_title = "Condition keys"
        self._fill_actions("")
        self._fill_keys("")
        self.query_one("#actions-table").focus()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    # -- filling the tables -----------------------------------------------------------------------

    def _fill_actions(self, query: str) -> None:
        table = self.query_one("#actions-table", NameTable)
        if query.strip():
            matches = self.reference.search_actions(query)
        else:
            matches = [(a, None) for a in self.reference.actions]
        table.set_rows(
            (
                NamedRow(
                    action.name,
                    (
                        action.policy_type_short,
                        action.cross_account_label,
                        action.resources_short,
                    ),
                    match.positions if match else (),
                    hidden_prefix="kms:",
                )
                for action, match in matches
            ),
            keep=table.current_name,
        )
        self._count("actions", len(matches), len(self.reference.actions), query)

    def _fill_keys(self, query: str) -> None:
        table = self.query_one("#keys-table", NameTable)
        if query.strip():
            matches = self.reference.search_condition_keys(query)
        else:
            # KMS's own keys first, then the AWS global keys.
            ordered = sorted(self.reference.condition_keys, key=lambda k: k.scope != "kms")
            matches = [(k, None) for k in ordered]
        table.set_rows(
            (
                NamedRow(key.name, (key.type, self._action_count(key)), match.positions if match else ())
                for key, match in matches
            ),
            keep=table.current_name,
        )
        self._count("keys", len(matches), len(self.reference.condition_keys), query)

    def _action_count(self, key: ConditionKey) -> str:
        if self.reference.applies_to_all_actions(key):
            return "all"
        return str(len(self.reference.actions_for_condition_key(key.name)))

    def _count(self, tab: str, shown: int, total: int, query: str) -> None:
        """Say how many rows show, in the pane's bottom border; when none, what the other tab or a
        close name offers (the CLI's `kmstui reference QUERY` answers from the same matcher)."""
        pane = self.query_one(f"#{tab}-pane")
        if not shown:
            pane.border_subtitle = f"nothing matches “{query}”{self._elsewhere(tab, query)} · esc clears"
        elif query.strip():
            pane.border_subtitle = f"{shown} of {total} match “{query}”"
        else:
            pane.border_subtitle = f"{total} · / to filter"

    def _other_tab_hits(self, tab: str, query: str) -> int:
        if tab == "actions":
            return len(self.reference.search_condition_keys(query))
        return len(self.reference.search_actions(query))

    def _elsewhere(self, tab: str, query: str) -> str:
        other = self._other_tab_hits(tab, query)
        if other:
            what = "condition key" if tab == "actions" else "action"
            return f" here; {other} {what}{'s' if other > 1 else ''} do{'es' if other == 1 else ''} · enter shows"
        close = self.reference.suggest(query)
        return f" · did you mean {close}?" if close else ""

    # -- events -----------------------------------------------------------------------------------

    @on(FilterInput.Changed, "#actions-filter")
    def _actions_filter_changed(self, event: FilterInput.Changed) -> None:
        self._fill_actions(event.value)

    @on(FilterInput.Changed, "#keys-filter")
    def _keys_filter_changed(self, event: FilterInput.Changed) -> None:
        self._fill_keys(event.value)

    @on(FilterInput.Done)
    def _filter_done(self, event: FilterInput.Done) -> None:
        tab = self._current_tab()
        table = self.query_one(f"#{tab}-table", NameTable)
        query = event.filter_input.value
        if not event.cleared and not table.row_count and query.strip() and self._other_tab_hits(tab, query):
            self._carry_filter(tab, query)  # `kms:EncryptionContext:Dept` typed on the actions tab
            return
        table.focus()

    def _carry_filter(self, tab: str, query: str) -> None:
        """Show the other tab filtered by ``query`` (it matches nothing here but something there)."""
        other = "keys" if tab == "actions" else "actions"
        self._clear_filter(tab)
        other_filter = self.query_one(f"#{other}-filter", FilterInput)
        other_filter.show()
        with other_filter.prevent(FilterInput.Changed):
            other_filter.value = query
        (self._fill_keys if other == "keys" else self._fill_actions)(query)
        self.query_one(TabbedContent).active = other
        self.query_one(f"#{other}-table", NameTable).focus()

    @on(NameTable.NameHighlighted, "#actions-table")
    def _action_highlighted(self, event: NameTable.NameHighlighted) -> None:
        action = self.reference.action(event.name)
        if action is not None:
            self.query_one(ActionDetails).show(self.reference, action)

    @on(NameTable.NameHighlighted, "#keys-table")
    def _key_highlighted(self, event: NameTable.NameHighlighted) -> None:
        key = self.reference.condition_key(event.name)
        if key is not None:
            self.query_one(KeyDetails).show(self.reference, key)

    @on(NameTable.NameChosen, "#actions-table, #keys-table")
    def _row_chosen(self, event: NameTable.NameChosen) -> None:
        self.action_focus_details()

    @on(NameTable.NameChosen, "#action-keys")
    def _condition_key_chosen(self, event: NameTable.NameChosen) -> None:
        self.open_condition_key(event.name)

    @on(NameTable.NameChosen, "#key-actions")
    def _action_chosen(self, event: NameTable.NameChosen) -> None:
        self.open_action(event.name)

    # -- navigation used by the palette and the jumps ---------------------------------------------

    def open_action(self, name: str, remember: bool = True) -> bool:
        """Show the Actions tab with ``name`` selected (clearing a filter that hides it)."""
        return self._open("actions", name, remember)

    def open_condition_key(self, name: str, remember: bool = True) -> bool:
        """Show the Condition keys tab with ``name`` (or its template) selected."""
        key = self.reference.condition_key(name)
        return self._open("keys", key.name if key else name, remember)

    def _open(self, tab: str, name: str, remember: bool) -> bool:
        table = self.query_one(f"#{tab}-table", NameTable)
        if remember:
            self._history.append(self._here())
        self.query_one(TabbedContent).active = tab
        if not table.select_name(name):
            self._clear_filter(tab)
            if not table.select_name(name):
                self.notify(f"{name} is not in the reference", severity="warning")
                return False
        table.focus()
        return True

    def _clear_filter(self, tab: str) -> None:
        filter_input = self.query_one(f"#{tab}-filter", FilterInput)
        if filter_input.value:
            filter_input.value = ""
            (self._fill_actions if tab == "actions" else self._fill_keys)("")
        filter_input.close()

    def _here(self) -> Place:
        tab = self._current_tab()
        focused = self.focused
        inner = focused if isinstance(focused, NameTable) else None
        return Place(
            tab,
            self.query_one(f"#{tab}-table", NameTable).current_name,
            inner.id if inner else None,
            inner.current_name if inner else None,
        )

    def _return_to(self, place: Place) -> None:
        if place.name is None or not self._open(place.tab, place.name, remember=False):
            self.action_show_tab(place.tab)
        if place.focus_id:
            inner = self.query_one(f"#{place.focus_id}", NameTable)
            # The details re-render after the list's cursor moved; restore the inner cursor after.
            self.call_after_refresh(self._restore_inner, inner, place.focus_name)

    @staticmethod
    def _restore_inner(inner: NameTable, name: str | None) -> None:
        if name:
            inner.select_name(name)
        inner.focus()

    def _current_tab(self) -> str:
        return self.query_one(TabbedContent).active or "actions"

    def _selected_name(self) -> str | None:
        """The name under the cursor of the focused table, else of the current tab's list."""
        focused = self.focused
        if isinstance(focused, NameTable):
            return focused.current_name
        return self.query_one(f"#{self._current_tab()}-table", NameTable).current_name

    # -- actions (key bindings) -------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(f"#{self._current_tab()}-filter", FilterInput).open()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab}-table", NameTable).focus()

    def action_back(self) -> None:
        """Undo the last jump; else leave the details for the list; else clear the filter."""
        tab = self._current_tab()
        table = self.query_one(f"#{tab}-table", NameTable)
        if self._history:
            self._return_to(self._history.pop())
        elif self.focused is not table and self.focused is not None:
            table.focus()
        elif self.query_one(f"#{tab}-filter", FilterInput).value:
            self._clear_filter(tab)
            table.focus()

    def action_zoom(self) -> None:
        zoomed = not self.has_class("-zoom")
        self.set_class(zoomed, "-zoom")
        if zoomed:
            self.action_focus_details()  # the list is hidden: focus what is shown
        else:
            self.query_one(f"#{self._current_tab()}-table", NameTable).focus()

    def action_focus_details(self) -> None:
        inner = "#action-keys" if self._current_tab() == "actions" else "#key-actions"
        self.query_one(inner, NameTable).focus()

    def action_copy_name(self) -> None:
        name = self._selected_name()
        if name:
            self.app.copy_to_clipboard(name)
            self.notify(name, title="Copied")

    def action_copy_json(self) -> None:
        name = self._selected_name()
        item: Action | ConditionKey | None = self.reference.lookup(name) if name else None
        if item is None:
            return
        record = item.to_json() if isinstance(item, Action) else self.reference.condition_key_json(item)
        self.app.copy_to_clipboard(json.dumps(record, indent=2))
        self.notify(f"{name} as JSON", title="Copied")
