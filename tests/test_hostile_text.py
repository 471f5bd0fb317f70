"""Free text from an account, a file or a snapshot is shown as text: never markup, never terminal control.

The hostile snapshot (tests/hostile.py) puts ``ESC]2;…BEL``, ``[/]``, ``[@click=app.quit]…[/]`` and a
right-to-left override into descriptions, tags, names, Sids, SCP names and load errors. Every section
of the app shows them spelled out, and every CLI format prints them without a raw escape.
"""

from __future__ import annotations

import html
import io
import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hostile import SHOWN_CLICK, SHOWN_ESCAPE, USER_ARN, hostile_snapshot  # noqa: E402

from kmstui.app.application import make_app  # noqa: E402

JSON_ESCAPE = "\\u001b]2;pwned\\u0007"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


def screen_text(app) -> str:
    """What the terminal shows, as text (from the SVG Textual would save)."""
    svg = app.export_screenshot()
    for raw in RAW:
        assert raw not in svg, f"a raw {raw!r} reached the screen"
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return html.unescape("".join(re.sub(r"<[^>]+>", "", line) for line in lines)).replace("\xa0", " ")


def assert_shown(app, *labels: str) -> str:
    text = screen_text(app)
    flat = re.sub(r"[\n│]+", "", text)  # a long name may wrap in a list
    for label in labels:
        assert f"{label} {SHOWN_ESCAPE}" in flat or (label in text and SHOWN_ESCAPE in flat), f"{label!r} not shown"
    return text


def make() -> object:
    return make_app(snapshot=hostile_snapshot(), source_label="hostile", start="policies")


async def test_policies_every_node() -> None:
    app = make()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        tree = app.screen.query_one("Tree")
        tree.root.expand_all()
        await pilot.pause()
        seen = ""
        for _ in range(tree.last_line + 1):
            await pilot.press("down")
            seen += screen_text(app)
        assert f"sid0 [/] {SHOWN_CLICK}" in seen
        for label in ("description", "tag-key", "user", "team", "inline", "managed", "scp", "error-what",
                      "error-message", "source"):
            # shown spelled out, or as JSON escapes inside a policy's or an item's JSON
            assert f"{label} {SHOWN_ESCAPE}" in seen or f"{label} {JSON_ESCAPE}" in seen, label
        assert SHOWN_CLICK in seen
        assert app.is_running  # the click action stayed text: nothing quit


async def test_trace_steps_pickers_and_editors() -> None:
    app = make()
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        screen = app.screen
        screen.ask(principal=USER_ARN, action="kms:Decrypt", resources=["alias/app"])
        await pilot.pause()
        seen = ""
        for _ in range(12):
            await pilot.press("n")
            seen += screen_text(app)
        assert f"[/] {SHOWN_CLICK}" in seen  # a key policy's Sid in the step's evidence
        await pilot.press("i")  # the principal picker lists the hostile name
        await pilot.pause()
        assert_shown(app, "user")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")  # the key picker
        await pilot.pause()
        assert_shown(app, "description")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("x")  # the context editor lists the hostile tag as a derived value
        await pilot.pause()
        assert_shown(app, "team")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


async def test_matrix_findings_palette_and_notifications() -> None:
    app = make()
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        assert_shown(app, "user")
        await pilot.press("5")
        await pilot.pause()
        seen = ""
        for _ in range(len(app.screen.findings)):
            seen += screen_text(app)
            await pilot.press("down")
        assert SHOWN_ESCAPE in seen
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"trace principal: user")
        await pilot.pause(0.5)
        assert_shown(app, "user")
        await pilot.press("escape")
        app.notify("note [/] \x1b]2;pwned\x07 [@click=app.quit]quit[/]", title="[b]x[/]")
        await pilot.pause()
        text = screen_text(app)
        assert f"note [/] {SHOWN_ESCAPE} {SHOWN_CLICK}" in text
        assert app.is_running


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.json"
    path.write_text(hostile_snapshot().to_json(), encoding="utf-8")
    return path


def run_cli(argv: list[str], capsys) -> tuple[str, str]:
    from kmstui.cli.main import main

    main(argv)
    captured = capsys.readouterr()
    for raw in RAW:
        assert raw not in captured.out, f"{argv}: a raw {raw!r} in the output"
    return captured.out, captured.err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_matrix(hostile_file: Path, capsys, fmt: str) -> None:
    out, _ = run_cli(["matrix", "--snapshot", str(hostile_file), "--key", "alias/app", "--format", fmt], capsys)
    if fmt == "text":
        assert f"user {SHOWN_ESCAPE}[/] {SHOWN_CLICK}" in out
    else:
        assert json.loads(out)["rows"]  # the names read back exactly: JSON escapes them, nothing is lost


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_lint(hostile_file: Path, capsys, fmt: str) -> None:
    out, _ = run_cli(["lint", "--snapshot", str(hostile_file), "--format", fmt], capsys)
    if fmt == "text":
        assert SHOWN_ESCAPE in out
    else:
        json.loads(out)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_cli_explain(hostile_file: Path, capsys, fmt: str) -> None:
    run_cli(["explain", "--snapshot", str(hostile_file), "--principal", USER_ARN, "--action", "kms:Decrypt",
             "--resource", "alias/app", "--format", fmt], capsys)


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_cli_reference(capsys, extra: list[str]) -> None:
    from kmstui.cli.main import main

    main(["reference", "\x1b]2;pwned\x07[/]", *extra])
    captured = capsys.readouterr()
    for raw in RAW:
        assert raw not in captured.out + captured.err


def test_cli_matrix_renders_through_rich_without_markup() -> None:
    """The text renderer itself, on a terminal: the label is never parsed as markup."""
    from kmstui.analysis.matrix import fill, plan_key_matrix
    from kmstui.cli.matrix import render_text

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    matrix = plan_key_matrix(hostile_snapshot(), "alias/app")
    fill(matrix)
    out = Tty()
    render_text(matrix, out)
    assert "\x1b]2;" not in out.getvalue()
    assert f"user {SHOWN_ESCAPE}" in re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
