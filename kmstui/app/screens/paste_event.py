"""Start from the denial: a dialog to paste one CloudTrail event (its JSON) or an AWS error message.

What is pasted is read by the project's readers (:mod:`kmstui.sources.cloudtrail` for events,
:mod:`kmstui.sources.denial_message` for messages) into a :class:`KmsEvent` or a
:class:`DenialMessage`, the dialog's result; the Trace fills its question from it and sets what AWS
recorded beside its verdict. Nothing here decides anything. A paste that is neither is a one-line
error in the dialog.
"""

from __future__ import annotations

from typing import Union

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from kmstui.outside_text import visible
from kmstui.sources.cloudtrail import KmsEvent, events_of, parse_log_text
from kmstui.sources.denial_message import DenialMessage, parse_denial_message
from kmstui.sources.errors import SourceError

Origin = Union[KmsEvent, DenialMessage]
WHERE = "the pasted event"
MAX_PASTE = 2 * 1024 * 1024  # one event is a few kB; a paste this big is a log (open it in the Replay section)


class PasteError(ValueError):
    """A paste that is not one CloudTrail KMS event nor an AWS error message naming a request."""


def read_paste(text: str) -> Origin:
    """One KMS event (JSON: the event, a one-record log or lookup-events entry) or an error message naming a request."""
    stripped = text.strip()
    if not stripped:
        raise PasteError("Nothing pasted: paste one CloudTrail event (its JSON) or an AccessDenied error message.")
    if len(stripped) > MAX_PASTE:
        raise PasteError("That is more than one event: open a whole log in the Replay section (6).")
    if stripped[0] in "{[":
        return _event(stripped)
    try:
        message = parse_denial_message(stripped)
    except SourceError as error:
        raise PasteError(f"Not a CloudTrail event (JSON) nor an AWS error message kmstui can read: {_one_line(error)}") from None
    if not message.is_request:
        causes = "; ".join(f"{n}. {c}" for n, c in enumerate(message.causes[:3], 1))
        code = f" ({message.error_code})" if message.error_code else ""
        raise PasteError(f"KMS's message{code} names no principal and key, so there is no request to decide"
                         + (f". It can mean: {causes}" if causes else "."))
    return message


def _event(text: str) -> KmsEvent:
    try:
        log = events_of(parse_log_text(text, WHERE))
    except SourceError as error:
        raise PasteError(_one_line(error)) from None
    if len(log.events) == 1:
        return log.events[0]
    if len(log.events) > 1:
        raise PasteError(f"The paste holds {len(log.events)} KMS events; paste one, or replay the whole log in the "
                         "Replay section (6).")
    if log.skipped:
        skipped = log.skipped[0]
        raise PasteError(f"Event {skipped.id} ({skipped.name}) cannot be evaluated: {_one_line(skipped.reason)}")
    raise PasteError("Not a KMS event: its eventSource is not kms.amazonaws.com." if log.other_events
                     else "No CloudTrail event in the paste.")


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


class PasteEventScreen(ModalScreen[Origin | None]):
    """Paste a CloudTrail event or an error message; `ctrl+s` uses it, `esc` closes."""

    DEFAULT_CSS = """
    PasteEventScreen { align: center middle; }
    PasteEventScreen > Vertical { width: 90%; max-width: 120; height: 80%; border: round $primary;
        background: $surface; padding: 0 1; }
    PasteEventScreen #paste-about, PasteEventScreen #paste-keys { height: auto; color: $text-muted; }
    PasteEventScreen TextArea { height: 1fr; }
    PasteEventScreen #paste-error { height: auto; color: $error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Use it", tooltip="Fill the Trace from the pasted event or message", id="paste-submit"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the Trace", id="paste-cancel"),
    ]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.initial = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Start from the denial"
            yield Static("Paste one CloudTrail event (its JSON, from the console's event history, a log file or "
                         "lookup-events) or an AccessDenied error message. The principal, action, key and context "
                         "fill from it; the banner sets what AWS recorded beside kmstui's verdict.",
                         id="paste-about", markup=False)
            yield TextArea(self.initial, id="paste-text", soft_wrap=True, show_line_numbers=False)
            yield Static(id="paste-error")
            yield Static("ctrl+s: use it   ·   esc: cancel", id="paste-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_text_area_changed(self) -> None:
        self.query_one("#paste-error", Static).update("")

    def action_submit(self) -> None:
        try:
            origin = read_paste(self.query_one(TextArea).text)
        except PasteError as error:
            self.query_one("#paste-error", Static).update(Content(visible(_one_line(error))))
            return
        self.dismiss(origin)

    def action_cancel(self) -> None:
        self.dismiss(None)


def question_of(origin: Origin) -> tuple[str | None, str | None, list[str], dict]:
    """(principal, action, resources, context) the origin names; an event's context keeps where each value came from."""
    if isinstance(origin, KmsEvent):
        return origin.principal, origin.action, list(origin.resources), origin.sourced_context()
    return origin.principal, origin.action, [origin.resource] if origin.resource else [], {}


def outcome_label(origin: Origin) -> str:
    if isinstance(origin, KmsEvent):
        code = f" ({origin.error_code})" if origin.error_code and origin.outcome != "allowed" else ""
        return f"CloudTrail: {origin.outcome}{code}"
    return f"AWS's message: {origin.claim()}"


def recorded_for(origin: Origin, decision, policies, created: str | None):
    """What AWS recorded, compared with the engine's decision by :mod:`kmstui.analysis.replay`, for the banner."""
    from kmstui.analysis.replay import compare_event, compare_message
    from kmstui.widgets.trace_views import Recorded

    if decision is None:  # nothing decided (the snapshot lacks the key, …): what AWS recorded, alone
        return Recorded(outcome_label(origin), None)
    if isinstance(origin, KmsEvent):
        comparison = compare_event(origin, decision, policies, created)
        note = comparison.note + "." + (f" AWS's message: {comparison.message_note}." if comparison.message else "")
        return Recorded(outcome_label(origin), comparison.agrees, note, comparison.could_not_see)
    agrees, note = compare_message(origin, decision)
    return Recorded(outcome_label(origin), agrees, note + ".")
