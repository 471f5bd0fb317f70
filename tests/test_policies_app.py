"""The Policies section: the tree of what is loaded, an item's JSON, and `t` to the Trace."""

from __future__ import annotations

from textual.widgets import Tree

from kmstui.app.application import make_app
from kmstui.sources.snapshot import LoadError
from kmstui.widgets.trace_views import PolicyView


def labels(tree: Tree) -> list[str]:
    found = []

    def walk(node) -> None:
        found.append(str(node.label))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return found


async def test_tree_lists_keys_principals_and_load_errors(sample_snapshot) -> None:
    sample_snapshot.errors.append(LoadError("aws:111122223333/us-east-2", "ListKeys us-east-2", "region not enabled",
                                     "UnrecognizedClientException"))
    app = make_app(snapshot=sample_snapshot, start="policies")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one(Tree)
        shown = labels(tree)
        assert "alias/app" in shown and "key policy" in shown and "aliases (1)" in shown
        assert "users (1)" in shown and "roles (1)" in shown and "Load errors (1)" in shown
        assert "✗ ListKeys us-east-2" in shown


async def test_selecting_a_key_policy_shows_its_json_and_t_opens_the_trace(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="policies")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one(Tree)
        key = next(n for n in tree._tree_nodes.values() if str(n.label) == "alias/app")
        tree.move_cursor(key)
        await pilot.press("space")  # expand the key
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        view = app.screen.query_one(PolicyView)
        assert view.border_title == "key policy of 1234abcd-12ab-34cd-56ef-1234567890ab"
        assert "Enable IAM User Permissions" in view.shown_text
        await pilot.press("t")
        await pilot.pause()
        assert app.trace_screen is not None and app.screen is app.trace_screen
        assert app.trace_screen.resources == ["alias/app"]


async def test_the_count_of_principals_agrees_with_kmstui_snapshot() -> None:
    app = make_app(start="policies")  # the demo: `kmstui snapshot --demo` says 19 principals
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        root = str(app.screen.query_one(Tree).root.label)
        assert "19 principals (8 users, 9 roles, 2 groups)" in root


async def test_t_on_a_group_offers_its_members_to_trace() -> None:
    from kmstui.app.screens.picker import PickerScreen

    app = make_app(start="policies")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one(Tree)
        tree.root.expand_all()
        await pilot.pause()
        group = next(n for n in tree._tree_nodes.values() if str(n.label) == "console-readers")
        tree.move_cursor(group)
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen) and "console-readers" in picker.title_text and picker.items
        member = picker.items[0].value
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.trace_screen and app.trace_screen.principal == member
