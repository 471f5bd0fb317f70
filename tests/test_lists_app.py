"""Keys that agree across the lists: j/k everywhere, `/` in the Policies tree, column sort, the
principal picker's free ARN, the matrix's implicit-deny glyph at 256 colours, the Reference's
condition-keys pane."""

from __future__ import annotations

from kmstui.app.application import make_app
from kmstui.app.screens.picker import PickerScreen
from kmstui.widgets.trace_views import VerdictBanner

OUTSIDER = "arn:aws:iam::999999999999:role/Outsider"


async def test_the_principal_picker_takes_any_principal_arn(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press(*OUTSIDER)
        await pilot.pause()
        assert app.screen._shown[0].value == OUTSIDER
        await pilot.press("enter")
        await pilot.pause()
        screen = app.trace_screen
        assert screen.principal == OUTSIDER
        assert screen.decision is not None and screen.decision.result == "ImplicitlyDenied"
        assert "999999999999" in str(screen.query_one(VerdictBanner).render())


async def test_a_partial_arn_does_not_hide_the_principals_it_starts(sample_snapshot) -> None:
    app = make_app(snapshot=sample_snapshot, start="trace")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.press("i", *"arn:aws:iam::111122223333:user/al")
        await pilot.pause()
        assert app.screen._shown[0].value == "arn:aws:iam::111122223333:user/alice"
        assert app.screen._shown[-1].value == "arn:aws:iam::111122223333:user/al"
