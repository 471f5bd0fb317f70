"""Output every sub-command shares."""

from __future__ import annotations

import json
from typing import TextIO


def print_json(data: object, out: TextIO) -> None:
    """JSON as the CLI prints it: indented, non-ASCII kept as is."""
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
