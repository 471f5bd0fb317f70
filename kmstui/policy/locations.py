"""Line numbers of a policy's statements and elements, read from its JSON text.

``json.loads`` gives values but no positions; errors and traces must name lines. This scanner walks
the text's strings and brackets once (one regular expression, so it stays fast) and records where
each statement starts and ends and the line of every key inside it, down to condition keys.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

# A JSON string is "[^"\\]*(?:\\.[^"\\]*)*": the repeat runs once per escape, not once per character, so
# a 50 MB string needs no backtracking state (the (?:[^"\\]|\\.)* form took 2.3 GB and 11 s on 20 MB).
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?|[{}\[\]]')


@dataclass
class StatementLocation:
    """Where one statement sits: its braces, and the line of each key, by path below it."""

    start: int
    end: int
    keys: dict[tuple[str, ...], int] = field(default_factory=dict)


@dataclass
class PolicyLocations:
    """The line of each top-level key and the statements' locations, in order."""

    top_keys: dict[str, int] = field(default_factory=dict)
    statements: list[StatementLocation] = field(default_factory=list)

    def statement(self, index: int) -> StatementLocation | None:
        return self.statements[index] if 0 <= index < len(self.statements) else None


def locate(text: str) -> PolicyLocations:
    """Scan valid policy JSON text; unknown shapes simply leave fewer locations."""
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    found = PolicyLocations()
    path: list[str | int] = []  # keys and list markers from the top object down
    containers: list[str] = []  # "{" or "["
    pending_key: str | None = None
    statement_depth: int | None = None
    current: StatementLocation | None = None
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token[0] == '"':
            if match.group(1):  # a key
                key = _unquote(token[: len(token) - len(match.group(1))])
                depth = len(containers)
                if depth == 1:
                    found.top_keys.setdefault(key, line_of(match.start()))
                elif current is not None and statement_depth is not None and depth >= statement_depth:
                    inner = tuple(str(p) for p in path[statement_depth:] if isinstance(p, str)) + (key,)
                    current.keys.setdefault(inner, line_of(match.start()))
                pending_key = key
            else:
                pending_key = None
            continue
        if token in "{[":
            opening_statement = (
                token == "{"
                and statement_depth is None
                and (
                    (len(containers) == 1 and pending_key == "Statement")
                    or (len(containers) == 2 and containers[1] == "[" and path[-1:] == ["Statement"])
                )
            )
            path.append(pending_key if pending_key is not None else len(containers))
            containers.append(token)
            if opening_statement:
                statement_depth = len(containers)
                current = StatementLocation(start=line_of(match.start()), end=line_of(match.start()))
            pending_key = None
            continue
        # a closing bracket
        if current is not None and statement_depth == len(containers):
            current.end = line_of(match.start())
            found.statements.append(current)
            current, statement_depth = None, None
        if containers:
            containers.pop()
            path.pop()
        pending_key = None
    return found


def _unquote(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    import json

    return json.loads(token)


class LazyLocations:
    """:func:`locate` run only when a line number is first wanted (an error, a trace's evidence)."""

    def __init__(self, text: str | None) -> None:
        self._text = text
        self._found: PolicyLocations | None = None

    def get(self) -> PolicyLocations:
        if self._found is None:
            self._found = locate(self._text) if self._text is not None else PolicyLocations()
        return self._found

    @property
    def top_keys(self) -> dict[str, int]:
        return self.get().top_keys

    def statement(self, index: int) -> StatementLocation | None:
        return self.get().statement(index)
