"""Strings from outside (files, accounts, snapshots) made safe to show: never markup, never terminal control.

A key Description, a policy name, a Sid or an error message may hold any characters: ``[/]`` that
Rich would read as markup, ``ESC]2;…`` that would retitle the terminal, a right-to-left override
that would reorder what the reader sees. Every such string reaches Rich or Textual through
``outside_text`` (as a ``Text``) or ``visible`` (as a plain string for plain output). The bottom
layer: imports nothing of kmstui.
"""

from __future__ import annotations

import json
import re

from rich.text import Text

# C0 controls, DEL, C1 controls, and the Unicode format characters that reorder or hide text
# (bidirectional overrides and isolates, zero-width joiners, the byte-order mark).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_UNSAFE_KEEPING_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object, keep_lines: bool = False) -> str:
    """``value`` as a string whose control and reordering characters are spelled out (``\\x1b``).

    ``keep_lines`` keeps newlines and tabs, for multi-line text such as a policy document.
    """
    text = value if isinstance(value, str) else str(value)
    return (_UNSAFE_KEEPING_LINES if keep_lines else _UNSAFE).sub(_escape, text)


def outside_text(value: object, style: str = "", keep_lines: bool = False) -> Text:
    """A Rich ``Text`` of ``value`` made visible: safe wherever Rich or Textual would parse markup."""
    return Text(visible(value, keep_lines=keep_lines), style=style)


# Characters that reorder or hide text on a terminal; JSON escapes control characters itself.
_REORDERING = re.compile("[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def json_text(data: object) -> str:
    """JSON as kmstui prints it: indented, non-ASCII kept as is, except characters that would reorder or
    hide what a terminal shows (written as \\uXXXX escapes, which read back as the same string)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_line(data: object) -> str:
    """:func:`json_text` on one line (Python's fast encoder, for long outputs written a record a line)."""
    text = json.dumps(data, ensure_ascii=False)
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
