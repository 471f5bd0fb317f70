"""Output every sub-command shares."""

from __future__ import annotations

from typing import TextIO

from kmstui.outside_text import json_text


def print_json(data: object, out: TextIO) -> None:
    """JSON as the CLI prints it (kmstui.outside_text.json_text: safe on a terminal)."""
    out.write(json_text(data) + "\n")
