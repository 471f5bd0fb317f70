"""The one reader of files kmstui is given: regular files only, a size limit, Unicode, strict JSON.

Every file (a policy for ``explain``, a folder's saved CLI output, a snapshot, a lint input) is read
here, so each refusal is one line naming the file: a FIFO, a device or a folder where a file is
expected; a file above the size limit (``--max-file-mb`` raises it); binary or non-Unicode bytes;
JSON that AWS would reject (NaN, nesting deeper than ``kmstui.policy.json_text.MAX_DEPTH``).
"""

from __future__ import annotations

import os
import stat
from typing import Any

from kmstui.policy.json_text import JsonTextError, load_json_text
from kmstui.sources.errors import SourceError

MAX_BYTES = 20 * 1024 * 1024  # a whole account's authorization details is rarely above a few MB


def read_text(path: str, max_bytes: int = MAX_BYTES) -> str:
    """The file's text, refusing what is too big, empty, binary or not Unicode before anyone parses it."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise SourceError(f"{path}: a folder, not a file")
        if not stat.S_ISREG(mode):
            raise SourceError(f"{path}: not a regular file (a pipe, socket or device); save the output to a file first")
        size = os.path.getsize(path)
        if size > max_bytes:
            raise SourceError(f"{path}: {size / 1048576:.1f} MB is above the {max_bytes / 1048576:.0f} MB limit; "
                              "raise it with --max-file-mb, or save large outputs in pages (--max-items / "
                              "--starting-token) into a folder")
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise SourceError(f"{path}: cannot read: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise SourceError(f"{path}: above the {max_bytes / 1048576:.0f} MB limit")
    return _decode(raw, path)


def _decode(raw: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM as Windows PowerShell's ``>`` writes it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise SourceError(f"{path}: starts with a UTF-16 byte order mark but is not UTF-16 text") from None
    if not raw.strip():
        raise SourceError(f"{path}: the file is empty; expected JSON")
    if b"\x00" in raw:
        raise SourceError(f"{path}: binary data (NUL bytes), not JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})") from None


def parse_json(text: str, path: str) -> Any:
    """Parsed JSON; errors name the file and the line, as an editor would show it."""
    if not text.strip():
        raise SourceError(f"{path}: the file is empty; expected JSON")
    try:
        return load_json_text(text)
    except JsonTextError as error:
        raise SourceError(f"{path}{f', line {error.line}' if error.line else ''}: {error.problem}") from None


def read_json(path: str, max_bytes: int = MAX_BYTES) -> tuple[str, Any]:
    """(text, parsed JSON) of one file."""
    text = read_text(path, max_bytes)
    return text, parse_json(text, path)
