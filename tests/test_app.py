"""The app as a user drives it: filter, select, jump and back, copy, help, palette, theme."""

from __future__ import annotations

from kmstui.app.application import make_app
from kmstui.app.screens.help import HelpScreen
from kmstui.app.screens.reference import ReferenceScreen
from kmstui.widgets.filter_input import FilterInput
from kmstui.widgets.name_table import NameTable
from kmstui.widgets.reference_details import ActionDetails, KeyDetails

GRANT_ACTIONS = {"kms:CreateGrant", "kms:ListGrants", "kms:ListRetirableGrants", "kms:RetireGrant", "kms:RevokeGrant"}


def names(table: NameTable) -> list[str]:
    return [row.value for row in table.rows]


async def test_opens_on_the_reference_with_every_action(reference) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReferenceScreen)
        table = app.screen.query_one("#actions-table", NameTable)
        assert names(table) == [a.name for a in reference.actions]
        assert app.focused is table
        details = app.screen.query_one(ActionDetails)
        assert details.border_title == reference.actions[0].name


async def test_slash_grant_narrows_the_table_to_the_grant_actions() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", *"grant")
        await pilot.pause()
        screen = app.screen
        assert isinstance(app.focused, FilterInput)
        table = screen.query_one("#actions-table", NameTable)
        assert set(names(table)) == GRANT_ACTIONS
        assert "5 of" in screen.query_one("#actions-pane").border_subtitle
        # enter returns to the list with the filter kept; the details follow the cursor
        await pilot.press("enter", "down")
        await pilot.pause()
        assert app.focused is table
        assert screen.query_one(ActionDetails).border_title == table.current_name
        # esc on the list clears the filter
        await pilot.press("escape")
        await pilot.pause()
        assert len(names(table)) == len(app.reference.actions)


async def test_esc_in_the_filter_clears_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", *"zzzz")
        await pilot.pause()
        table = app.screen.query_one("#actions-table", NameTable)
        assert names(table) == []
        assert "nothing matches" in app.screen.query_one("#actions-pane").border_subtitle
        await pilot.press("escape")
        await pilot.pause()
        assert len(names(table)) == len(app.reference.actions) and app.focused is table


async def test_jump_from_an_action_to_its_condition_key_and_back() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.screen
        assert screen.open_action("kms:CreateGrant", remember=False)
        await pilot.press("enter")  # into the details' condition keys
        await pilot.pause()
        inner = screen.query_one("#action-keys", NameTable)
        assert app.focused is inner
        assert inner.select_name("kms:GranteePrincipal")
        await pilot.press("enter")  # jump to the key
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "keys"
        keys_table = screen.query_one("#keys-table", NameTable)
        assert keys_table.current_name == "kms:GranteePrincipal"
        key_details = screen.query_one(KeyDetails)
        assert key_details.border_title == "kms:GranteePrincipal"
        assert names(screen.query_one("#key-actions", NameTable)) == ["kms:CreateGrant"]
        await pilot.press("escape")  # back where we were
        await pilot.pause()
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "actions"
        assert screen.query_one("#actions-table", NameTable).current_name == "kms:CreateGrant"
        assert app.focused is inner and inner.current_name == "kms:GranteePrincipal"


async def test_jump_from_a_condition_key_to_an_action() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("TabbedContent").active == "keys"
        assert screen.open_condition_key("kms:EncryptionContext:Department", remember=False)
        assert screen.query_one("#keys-table", NameTable).current_name == "kms:EncryptionContext:context-key"
        await pilot.press("enter")
        await pilot.pause()
        inner = screen.query_one("#key-actions", NameTable)
        assert inner.select_name("kms:Decrypt")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "actions"
        assert screen.query_one("#actions-table", NameTable).current_name == "kms:Decrypt"


async def test_jump_clears_a_filter_that_hides_the_target() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", *"grant", "enter")
        await pilot.pause()
        assert app.screen.open_action("kms:Decrypt")
        assert app.screen.query_one("#actions-table", NameTable).current_name == "kms:Decrypt"


async def test_y_copies_the_selected_name() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.screen.open_action("kms:ReEncryptFrom", remember=False)
        await pilot.press("y")
        assert app.clipboard == "kms:ReEncryptFrom"
        await pilot.press("Y")
        assert '"name": "kms:ReEncryptFrom"' in app.clipboard


async def test_help_lists_every_binding_and_filters() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys")
        described = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        expected = {b.description for b in [*type(screen).BINDINGS, *type(app).BINDINGS, *FilterInput.BINDINGS]}
        assert expected <= described
        assert "Command palette" in described
        await pilot.press("slash", *"copy")
        await pilot.pause()
        shown = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert shown == {"Copy name", "Copy JSON", "Copy selected text"}
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen


async def test_palette_opens_an_action() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p", *"action: kms:ScheduleKeyDeletion")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReferenceScreen)
        assert app.screen.query_one("#actions-table", NameTable).current_name == "kms:ScheduleKeyDeletion"


async def test_theme_toggles_between_dark_and_light() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark


async def test_narrow_terminal_stacks_the_details_under_the_list() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-narrow")
        pane = screen.query_one("#actions-pane").region
        details = screen.query_one(ActionDetails).region
        assert details.y >= pane.bottom and pane.width == details.width
        assert screen.query_one("#actions-table", NameTable).size.height >= 6


async def test_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_help_text_is_whole_and_markdown_loads_with_help() -> None:
    import subprocess
    import sys

    code = ("import sys; from kmstui.app.application import make_app; make_app(); "
            "print('textual.widgets._markdown' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help-text")
        assert box.virtual_size.height <= box.size.height or box.allow_vertical_scroll  # whole, or it scrolls


async def test_footer_shows_help_and_quit_at_80_columns() -> None:
    from textual.widgets._footer import FooterKey

    for start in ("reference", "policies", "trace", "matrix", "findings"):
        app = make_app(start=start)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            keys = {k.action: k for k in app.screen.query(FooterKey)}
            for action in ("help", "quit"):
                key = keys[action]
                assert key.region.right <= 80 and key.region.width > 0, (start, action)


async def test_notifications_do_not_stack() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        for n in range(4):
            app.notify(f"message {n}")
        await pilot.pause()
        assert len(app._notifications) == 1


async def test_a_concrete_condition_key_finds_its_template_as_the_cli_does(reference) -> None:
    """`/ kms:EncryptionContext:Department` on the keys tab lists its template; on the actions tab,
    where no action matches, enter shows the keys tab with it (as `kmstui reference` resolves it)."""
    query = "kms:EncryptionContext:Department"
    assert [h.name for h in reference.search(query)] == ["kms:EncryptionContext:context-key"]
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("c", "slash", *query)
        await pilot.pause()
        keys_table = screen.query_one("#keys-table", NameTable)
        assert names(keys_table) == ["kms:EncryptionContext:context-key"]
        await pilot.press("escape", "a", "slash", *query)
        await pilot.pause()
        assert names(screen.query_one("#actions-table", NameTable)) == []
        assert "1 condition key does · enter shows" in screen.query_one("#actions-pane").border_subtitle
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("TabbedContent").active == "keys"
        assert app.focused is keys_table and keys_table.current_name == "kms:EncryptionContext:context-key"
        assert screen.query_one(KeyDetails).border_title == "kms:EncryptionContext:context-key"


async def test_a_misspelled_name_is_offered_its_correction() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("slash", *"kms:Decrpyt")
        await pilot.pause()
        assert "did you mean kms:Decrypt?" in app.screen.query_one("#actions-pane").border_subtitle


async def test_an_actions_condition_keys_get_the_room() -> None:
    """kms:ReEncryptFrom has 14 condition keys: enter shows them all at 120×36, `z` nearly all at 80×24."""
    for size, keys, wanted in (((120, 36), ("enter",), 14), ((80, 24), ("z",), 12), ((120, 36), (), 3)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            assert screen.open_action("kms:ReEncryptFrom", remember=False)
            await pilot.press(*keys)
            await pilot.pause()
            table = screen.query_one("#action-keys", NameTable)
            assert table.row_count == 14
            shown = table.scrollable_content_region.height - 1  # less the header row
            assert shown >= wanted, (size, keys, shown)
            if keys == ("z",):
                assert app.focused is table and not screen.query_one("#actions-pane").display
                await pilot.press("z")
                await pilot.pause()
                assert screen.query_one("#actions-pane").display
