"""The Trace section driven as a user would: pick, read the verdict, step, set context, what-if, export."""

from __future__ import annotations

import json
from pathlib import Path

from kmstui.app.application import make_app
from textual.widgets import Input

from kmstui.app.screens.context_editor import ContextEditorScreen
from kmstui.app.screens.dialogs import ConfirmScreen, PathScreen
from kmstui.app.screens.picker import PickerScreen
from kmstui.app.screens.policy_editor import PolicyEditorScreen
from kmstui.widgets.trace_views import PolicyView, StepDetails, StepList, VerdictBanner


def text_of(widget) -> str:
    return str(widget.render())


async def test_opens_on_a_decision_with_the_failing_step_highlighted(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        assert screen.principal == "arn:aws:iam::111122223333:role/AppRole" and screen.resources == ["alias/app"]
        assert screen.decision.result == "ImplicitlyDenied"
        banner = text_of(screen.query_one(VerdictBanner))
        assert "IMPLICITLY DENIED" in banner and "would allow it if kms:ViaService" in banner
        steps = screen.query_one(StepList)
        assert steps.current.step.check == "door 1: the key policy allows the principal"
        assert "Allow use of the key" in text_of(screen.query_one(StepDetails))
        view = screen.query_one(PolicyView)
        assert view.border_title.startswith("key policy of 1234abcd")
        assert view.shown_lines == (13, 29) and '"Allow use of the key"' in view.shown_text.splitlines()[13]


async def test_n_and_p_walk_the_steps(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        steps = app.trace_screen.query_one(StepList)
        assert steps.current.step.phase == "key-policy"  # the closest miss: its condition failed
        await pilot.press("n")
        assert steps.current.step.phase == "iam"
        await pilot.press("p", "p")
        assert steps.current.step.phase == "explicit-deny"
        assert "No Deny statement applies" in text_of(app.trace_screen.query_one(StepDetails))


async def test_context_editor_turns_the_decision(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        assert isinstance(app.screen, ContextEditorScreen)
        app.screen.query_one("#context-text").load_text("kms:ViaService = s3.us-west-2.amazonaws.com")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.trace_screen
        assert screen.context == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
        assert screen.decision.result == "Allowed" and screen.decision.decided_by == "key-policy"
        assert "ALLOWED" in text_of(screen.query_one(VerdictBanner))


async def test_pickers_choose_principal_action_and_key(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"alice", "enter")
        await pilot.pause()
        await pilot.press("a")
        await pilot.press(*"encrypt", "enter")
        await pilot.pause()
        screen = app.trace_screen
        assert (screen.principal, screen.action) == ("arn:aws:iam::111122223333:user/alice", "kms:Encrypt")
        assert screen.decision.result == "Allowed" and screen.decision.decided_by == "iam"
        await pilot.press("r", "escape")  # cancelling a picker changes nothing
        await pilot.pause()
        assert screen.resources == ["alias/app"]


async def test_what_if_edit_turns_denied_into_allowed_and_marks_changed_steps(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        await pilot.press("w")
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen) and editor.source.startswith("key policy of")
        area = editor.query_one("#policy-text")
        area.load_text(area.text.replace('"Alow"', "x").replace('"Allow"', '"Alow"', 1))
        await pilot.pause()
        assert not editor.valid and "line 6" in text_of(editor.query_one("#policy-status"))
        without_condition = json.loads(editor.text)
        del without_condition["Statement"][1]["Condition"]
        area.load_text(json.dumps(without_condition, indent=2))
        await pilot.pause()
        assert editor.valid
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.decision.result == "Allowed" and screen.before.result == "ImplicitlyDenied"
        assert "IMPLICITLY DENIED → ALLOWED" in text_of(screen.query_one(VerdictBanner))
        assert any(ref is not None and ref.changed for ref in screen.query_one(StepList).refs)
        assert sample_snapshot.keys[0].policy != screen.edited.keys[0].policy  # the loaded snapshot is untouched
        await pilot.press("u")
        await pilot.pause()
        assert screen.decision.result == "ImplicitlyDenied" and screen.edited is None


async def test_export_writes_markdown_and_json(sample_snapshot, tmp_path: Path) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        screen.export_dir = tmp_path
        await pilot.press("e")  # the path is asked for, with the default filled in
        dialog = app.screen
        assert isinstance(dialog, PathScreen) and dialog.query_one(Input).value.startswith(str(tmp_path))
        assert not list(tmp_path.iterdir())  # nothing written before the user says where
        await pilot.press("enter")
        markdown = screen.last_export
        assert markdown.parent == tmp_path and markdown.read_text().startswith("# ImplicitlyDenied")
        await pilot.press("E")
        await pilot.press("ctrl+u", *str(tmp_path / "chosen.json"), "enter")
        assert screen.last_export == tmp_path / "chosen.json"
        assert json.loads(screen.last_export.read_text())["result"] == "ImplicitlyDenied"
        await pilot.press("e", "escape")  # esc writes nothing
        assert len(list(tmp_path.iterdir())) == 2


async def test_trace_at_80x24_stacks_the_panes(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.trace_screen.has_class("-narrow")
        await pilot.press("n")
        assert app.trace_screen.query_one(StepList).current is not None


async def test_what_if_on_grants_and_saving_the_edits(sample_snapshot, tmp_path: Path) -> None:
    from kmstui.app.screens.picker import PickerScreen
    from kmstui.sources.snapshot import Snapshot

    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        screen.export_dir = tmp_path
        await pilot.press("W")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*"grants", "enter")
        editor = app.screen
        assert isinstance(editor, PolicyEditorScreen) and editor.kind == "grants"
        grant = {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "GrantId": "g-1",
                 "GranteePrincipal": "arn:aws:iam::111122223333:role/AppRole", "Operations": ["Decrypt"]}
        editor.query_one("#policy-text").load_text(json.dumps([{"Operations": "Decrypt"}]))
        await pilot.pause()
        assert not editor.valid  # Operations must be a list
        editor.query_one("#policy-text").load_text(json.dumps([grant], indent=2))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.decision.result == "Allowed" and screen.decision.decided_by == "grant"
        assert screen.unsaved_edits
        await pilot.press("s", "enter")
        assert not screen.unsaved_edits
        saved = Snapshot.from_json(screen.last_export.read_text())
        assert saved.keys[0].grants == [grant] and sample_snapshot.keys[0].grants == []


async def test_alias_operations_and_reencrypt_ask_for_their_other_resource(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        await pilot.press("a", *"createalias", "enter")
        await pilot.pause()
        assert screen.decision is None and "the alias (l)" in text_of(screen.query_one(VerdictBanner))
        await pilot.press("l", *"alias/new-app", "enter")  # a new alias, typed
        await pilot.pause()
        assert screen.resources == ["alias/new-app", "alias/app"]
        assert [p.part for p in screen.decision.parts] == ["alias", "key"]
        await pilot.press("a", *"deletealias", "enter", "l", *"alias/app", "enter")
        await pilot.pause()
        assert screen.resources == ["alias/app"] and [p.part for p in screen.decision.parts] == ["alias", "key"]
        await pilot.press("a", *"reencrypt", "enter")
        await pilot.pause()
        assert screen.resources == ["alias/app", "alias/app"]
        assert [p.part for p in screen.decision.parts] == ["source-key", "destination-key"]


async def _open_editor_with_invalid_text(app, pilot):
    await pilot.press("w")
    editor = app.screen
    assert isinstance(editor, PolicyEditorScreen)
    area = editor.query_one("#policy-text")
    area.load_text(area.text.replace('"Allow"', '"Alow"', 1))
    await pilot.pause()
    assert not editor.valid
    return editor


async def test_esc_leaves_the_what_if_editor_even_with_invalid_text(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        assert isinstance(app.screen, PolicyEditorScreen)
        await pilot.press("escape")  # unchanged: closes at once, though the text area has focus
        assert app.screen is app.trace_screen
        editor = await _open_editor_with_invalid_text(app, pilot)
        await pilot.press("escape")  # edited: asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        assert app.screen is editor
        await pilot.press("escape", "y")
        assert app.screen is app.trace_screen and app.trace_screen.edited is None


async def test_the_editor_title_and_keys_fit_at_80_columns(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("w")
        editor = app.screen
        box = editor.query_one("Vertical")
        title = str(box.border_title)
        assert len(title) + 4 <= box.size.width, title
        keys = editor.query_one("#policy-keys")
        assert "esc cancel" in str(keys.render()) and keys.size.width >= len(str(keys.render()))


async def test_q_and_ctrl_q_ask_before_dropping_unsaved_edits(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        await pilot.press("w")
        area = app.screen.query_one("#policy-text")
        area.load_text(area.text.replace("kms:Encrypt", "kms:Sign", 1))
        await pilot.pause()
        await pilot.press("ctrl+q")  # in the editor, with changes not applied
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.unsaved_edits
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("escape")
        assert app.screen is screen and app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
        assert not app.is_running


async def test_an_export_with_what_if_edits_says_so_and_holds_the_edited_policy(sample_snapshot, tmp_path) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        screen.export_dir = tmp_path
        await pilot.press("w")
        area = app.screen.query_one("#policy-text")
        area.load_text(area.text.replace('"s3.us-west-2.amazonaws.com"', '"edited.example"', 1))
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("e")
        assert "What-if edits are in effect" in str(app.screen.query_one("#path-note").render())
        await pilot.press("enter")
        markdown = screen.last_export.read_text()
        assert markdown.startswith("> **What-if:**") and "edited.example" in markdown
        await pilot.press("E", "enter")
        data = json.loads(screen.last_export.read_text())
        assert data["what_if"]["edited"][0]["source"].startswith("key policy of")
        assert "edited.example" in data["what_if"]["edited"][0]["text"]


async def test_every_fact_of_the_banner_and_the_question_is_readable_at_80x24() -> None:
    from kmstui.widgets.trace_views import shorten_arns

    app = make_app(start="trace")  # the demo
    cases = [dict(principal="arn:aws:iam::111122223333:user/power-user", action="kms:Decrypt", resources=["alias/app"]),
             dict(principal="arn:aws:iam::111122223333:user/power-user", action="kms:ReEncrypt",
                  resources=["alias/app", "alias/payments"]),
             dict(principal="arn:aws:iam::111122223333:user/alias-manager", action="kms:UpdateAlias",
                  resources=["alias/app", "alias/payments"])]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.trace_screen
        for question in cases:
            screen.ask(**question)
            await pilot.pause()
            banner = screen.query_one(VerdictBanner)
            lines = banner.render().split(allow_blank=True) if hasattr(banner.render(), "split") else None
            shown = str(banner.render())
            assert banner.size.height >= len(shown.splitlines())  # nothing cut at the bottom
            assert "Smallest change" not in shown or shown.rstrip().endswith(tuple("abcdefghijklmnopqrstuvwxyz)./"))
            if screen.decision.suggestion:
                assert shorten_arns(screen.decision.suggestion, "111122223333") in shown.replace("\n", " ")
            question_bar = screen.query_one("#question")
            text = str(question_bar.render())
            assert question_bar.size.height >= 2 or len(text) <= 78
            if question["action"] == "kms:UpdateAlias":
                assert "New key alias/payments" in text
        screen.ask(**cases[0])
        await pilot.pause()
        assert "arn:aws:kms:" not in str(screen.query_one(VerdictBanner).render())
        await pilot.press("v")  # the full ARNs, a key away
        assert "arn:aws:kms:" in str(screen.query_one(VerdictBanner).render())
