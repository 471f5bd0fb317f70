"""Output every sub-command shares."""

from __future__ import annotations

import json
import re
from typing import TextIO

# Characters that reorder or hide text on a terminal; JSON escapes control characters itself.
_REORDERING = re.compile("[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def json_text(data: object) -> str:
    """JSON as the CLI prints it: indented, non-ASCII kept as is, except characters that would reorder or
    hide what a terminal shows (written as \\uXXXX escapes, which read back as the same string)."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _REORDERING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(data: object, out: TextIO) -> None:
    out.write(json_text(data) + "\n")
