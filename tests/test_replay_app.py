"""Start from the denial, in the app: the Trace's paste dialog (`d`) and the Replay section (`6`).

The events are the fixtures of tests/fixtures/cloudtrail/ on the demo account (111122223333). A paste
arrives as the terminal sends it (a bracketed paste: a Paste event to the focused widget).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static, TextArea

from kmstui.app.application import make_app
from kmstui.app.screens.context_editor import ContextEditorScreen
from kmstui.app.screens.help import HelpScreen, collect_key_help
from kmstui.app.screens.paste_event import PasteError, PasteEventScreen, read_paste
from kmstui.app.screens.replay import ReplayScreen, default_log_path
from kmstui.app.screens.trace import TraceScreen
from kmstui.sources.cloudtrail import KmsEvent
from kmstui.sources.denial_message import DenialMessage
from kmstui.widgets.trace_views import VerdictBanner

FIXTURES = Path(__file__).parent / "fixtures" / "cloudtrail"
LOG = FIXTURES / "log" / "111122223333_CloudTrail_us-west-2_20261120T1000Z_example.json.gz"
APP_KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BOUNDARY_MESSAGE = ("User: arn:aws:sts::111122223333:assumed-role/app-role/app-session is not authorized to perform: "
                    f"kms:Encrypt on resource: {APP_KEY} because no permissions boundary allows the kms:Encrypt action")


def text_of(widget: Static) -> str:
    return str(widget.render())


async def paste(pilot, text: str) -> None:
    """What a terminal sends when the user pastes: one Paste event, which the app forwards to the focused widget."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def open_paste_dialog(pilot) -> PasteEventScreen:
    await pilot.press("3", "d")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PasteEventScreen)
    assert isinstance(pilot.app.focused, TextArea)
    return screen


# -- the paste dialog ------------------------------------------------------------------------

async def test_a_pasted_event_fills_the_trace_and_sets_cloudtrails_outcome_beside_the_verdict() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_paste_dialog(pilot)
        await paste(pilot, (FIXTURES / "events" / "decrypt-denied.json").read_text(encoding="utf-8"))
        await pilot.press("ctrl+s")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen)
        assert trace.principal == "arn:aws:iam::111122223333:user/power-user"
        assert trace.action == "kms:Decrypt"
        assert trace.resources == [APP_KEY]
        assert trace.context["kms:EncryptionContext:Department"] == "IT"
        assert trace.context.sources["kms:EncryptionContext:Department"] == \
            "from CloudTrail: requestParameters.encryptionContext"
        # the engine's trace carries where each value came from
        entries = {c.key: c for c in trace.decision.trace.context}
        assert entries["kms:EncryptionContext:Department"].source == "from CloudTrail: requestParameters.encryptionContext"
        assert "from CloudTrail (x)" in text_of(trace.query_one("#question", Static))
        banner = text_of(trace.query_one(VerdictBanner))
        first = banner.splitlines()[0]
        assert first == "CloudTrail: denied (AccessDenied)  ·  kmstui: IMPLICITLY DENIED  ·  agree"
        assert "no identity-based policy allows it; kmstui agrees" in banner
        # the context editor shows each value's source, and keeps it for values left as they were
        await pilot.press("x")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ContextEditorScreen)
        lines = editor.query_one(TextArea).text.splitlines()
        at = lines.index("# from CloudTrail: requestParameters.encryptionContext")
        assert lines[at + 1] == "kms:EncryptionContext:Department = IT"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert trace.context.sources["aws:SourceIp"] == "from CloudTrail: sourceIPAddress"
        assert trace.origin is not None  # a context edit keeps the comparison


async def test_a_pasted_error_message_fills_the_request_and_compares_the_policy_kind() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_paste_dialog(pilot)
        await paste(pilot, BOUNDARY_MESSAGE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen)
        assert trace.principal == "arn:aws:sts::111122223333:assumed-role/app-role/app-session"
        assert trace.action == "kms:Encrypt" and trace.resources == [APP_KEY]
        banner = text_of(trace.query_one(VerdictBanner))
        assert banner.splitlines()[0] == ("AWS's message: no permissions boundary allows it  ·  kmstui: IMPLICITLY DENIED"
                                          "  ·  agree")
        # choosing another principal ends the comparison
        trace.ask(principal="arn:aws:iam::111122223333:user/app-developer")
        await pilot.pause()
        assert trace.origin is None
        assert "AWS's message" not in text_of(trace.query_one(VerdictBanner))


@pytest.mark.parametrize(("pasted", "says"), [
    ("{\"eventName\": ", "not valid JSON"),
    ("hello there", "Not a CloudTrail event (JSON) nor an AWS error message"),
    ("", "Nothing pasted"),
    ("{\"eventSource\": \"s3.amazonaws.com\", \"eventName\": \"GetObject\"}", "Not a KMS event"),
    ("An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer "
     "master key that does not exist, does not exist in this region, or you are not allowed to access.",
     "names no principal and key"),
])
async def test_an_invalid_paste_is_a_one_line_error_in_the_dialog(pasted: str, says: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_paste_dialog(pilot)
        if pasted:
            await paste(pilot, pasted)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # still open, nothing crashed
        error = text_of(dialog.query_one("#paste-error", Static))
        assert says in error and "\n" not in error
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen.origin is None


async def test_a_paste_of_several_events_says_to_paste_one() -> None:
    with pytest.raises(PasteError, match="holds 22 KMS events; paste one"):
        read_paste(json.dumps(json.loads(LOG.with_suffix("").read_text(encoding="utf-8"))))


def test_read_paste_takes_a_lookup_events_entry_and_a_prefixed_cli_message() -> None:
    lookup = json.loads((FIXTURES / "lookup-events.json").read_text(encoding="utf-8"))
    with pytest.raises(PasteError, match=r"\(RotateKey\) cannot be evaluated: a AwsServiceEvent"):
        read_paste(json.dumps(lookup["Events"][0]))
    event = read_paste(json.dumps(lookup["Events"][2]))
    assert isinstance(event, KmsEvent) and event.sources
    message = read_paste("An error occurred (AccessDeniedException) when calling the Encrypt operation: " + BOUNDARY_MESSAGE)
    assert isinstance(message, DenialMessage) and message.policy_kind == "boundary"


# -- the Replay section ----------------------------------------------------------------------

async def replay_log(pilot, path: Path = LOG) -> ReplayScreen:
    await pilot.press("6")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReplayScreen)
    path_input = screen.query_one("#replay-path", Input)
    assert pilot.app.focused is path_input
    path_input.value = ""
    await paste(pilot, str(path))
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


def cells(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


async def test_the_replay_lists_the_logs_events_and_the_filter_narrows_them() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replay_log(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 22
        assert [str(c.label) for c in table.columns.values()] == ["time", "principal", "action", "key", "CloudTrail",
                                                                 "kmstui", "agree"]
        assert cells(table, 1) == ["11-20 10:02:00", "user/power-user", "Decrypt", "alias/app", "denied",
                                   "implicit deny", "agree"]
        summary = text_of(screen.query_one("#replay-summary", Static))
        assert "22 KMS events: 21 agree, 1 disagree" in summary
        assert app.focused is table
        await pilot.press("slash", *"disagree", "enter")
        await pilot.pause()
        assert table.row_count == 1 and cells(table, 0)[-1] == "DISAGREE"
        assert screen.query_one("#replay-pane").border_subtitle == "1 of 22"
        assert "session policy" in text_of(screen.query_one("#replay-details", Static))
        await pilot.press("slash", "escape")  # esc in the filter clears it
        await pilot.pause()
        assert table.row_count == 22


async def test_enter_opens_the_events_trace_and_esc_comes_back() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replay_log(pilot)
        await pilot.press("slash", *"restricted", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        trace = app.screen
        assert isinstance(trace, TraceScreen)
        assert trace.principal == "arn:aws:sts::111122223333:assumed-role/app-role/restricted-session"
        assert trace.action == "kms:Decrypt"
        assert trace.context.sources  # the event's context, with its sources
        first = text_of(trace.query_one(VerdictBanner)).splitlines()[0]
        assert first == "CloudTrail: denied (AccessDenied)  ·  kmstui: ALLOWED  ·  DISAGREE"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_what_if_edits_in_the_trace_replay_the_log_against_them() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replay_log(pilot)
        await pilot.press("enter")  # the first event's trace
        await pilot.pause()
        trace = app.screen
        only_root = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]})
        trace._edited_policy(("key policy of 1234abcd-12ab-34cd-56ef-1234567890ab", only_root))
        await pilot.press("escape")  # back to the replay, which replays against the edit
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen and screen.before is not None
        summary = text_of(screen.query_one("#replay-summary", Static))
        assert "What-if (key policy of 1234abcd-12ab-34cd-56ef-1234567890ab): " in summary
        table = screen.query_one(DataTable)
        assert cells(table, 0)[5] == "allowed → implicit deny"  # app-developer's Encrypt would stop working
        assert " would stop working" in summary and not summary.split("): ")[1].startswith("0 would")
        # dropping the edits and `r` replays against the loaded snapshot again
        trace.action_undo_what_if()
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.before is None and "What-if" not in text_of(screen.query_one("#replay-summary", Static))


async def test_a_log_that_cannot_be_read_is_a_notification(tmp_path: Path) -> None:
    bad = tmp_path / "CloudTrail-broken.json"
    bad.write_text("{not json", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await replay_log(pilot, bad)
        assert screen.rows == [] and not screen.replaying
        assert any("not valid JSON" in n.message for n in app._notifications)
        assert app.focused is screen.query_one("#replay-path", Input)


def test_the_default_log_path_is_the_newest_cloudtrail_file(tmp_path: Path) -> None:
    import os

    assert default_log_path(tmp_path) == ""
    old, new = tmp_path / "111122223333_CloudTrail_us-west-2_a.json.gz", tmp_path / "111122223333_CloudTrail_b.json"
    old.write_text("{}"), new.write_text("{}"), (tmp_path / "notes.json").write_text("{}")
    os.utime(old, (1, 1))
    assert default_log_path(tmp_path) == str(new)


async def test_the_palette_opens_the_replay_and_help_lists_the_new_keys() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p", *"replay a cloudtrail", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReplayScreen)
        described = {line.description for line in collect_key_help(app, app.screen)}
        assert {"Open log", "Filter", "Trace", "Re-run", "Replay"} <= described
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "3")
        await pilot.pause()
        assert "From denial" in {line.description for line in collect_key_help(app, app.screen)}
