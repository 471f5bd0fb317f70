"""Outside strings are shown as text: markup stays literal, terminal control is spelled out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from kmstui.outside_text import outside_text, visible


def test_terminal_escapes_are_spelled_out() -> None:
    assert visible("a\x1b]2;pwned\x07b") == "a\\x1b]2;pwned\\x07b"
    assert visible("left\u202eright") == "left\\u202eright"
    assert visible("two\nlines") == "two\\nlines"
    assert visible("two\nlines\tkept", keep_lines=True) == "two\nlines\tkept"


def test_markup_is_literal() -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(outside_text("[/] [@click=app.quit]quit[/] [bold]x"))
    assert console.export_text().strip() == "[/] [@click=app.quit]quit[/] [bold]x"


@given(st.text())
def test_nothing_unsafe_survives(value: str) -> None:
    shown = visible(value)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in shown)
    assert str(outside_text(value)) == shown
