"""Policy documents as AWS hands them over, turned into the JSON text kmstui keeps.

IAM returns documents URL-encoded (GetAccountAuthorizationDetails, GetPolicyVersion); the AWS CLI
prints them decoded, as objects. Whatever the form, a Snapshot keeps JSON text — objects dumped
indented so that line numbers mean something, text kept exactly as it came.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class DocumentError(ValueError):
    """A document in none of the forms above; the message says what is wrong with it."""


def document_text(value: Any) -> str:
    """JSON text for a policy document given as an object, JSON text or URL-encoded JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    if not isinstance(value, str):
        raise DocumentError(f"{type(value).__name__}; expected a policy document (an object or JSON text)")
    text = value
    if not text.lstrip().startswith(("{", "[")):
        bad = _BAD_PERCENT.search(text)
        if bad:
            raise DocumentError(f"bad URL encoding at character {bad.start() + 1} ({text[bad.start():bad.start() + 3]!r})")
        try:
            text = urllib.parse.unquote(text, errors="strict")
        except UnicodeDecodeError:
            raise DocumentError("bad URL encoding: the decoded bytes are not UTF-8") from None
        if not text.lstrip().startswith("{"):
            raise DocumentError("neither JSON text nor a URL-encoded policy document")
    return text
