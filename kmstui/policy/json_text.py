"""JSON as AWS reads it, for every policy and file kmstui parses: strict, bounded, errors with a line.

Python's ``json`` accepts ``NaN`` and ``Infinity``, which AWS (and JSON) reject, and raises
RecursionError on deep nesting. ``load_json_text`` refuses both with a :class:`JsonTextError`
naming the line, and caps nesting at ``MAX_DEPTH`` levels (AWS's own documents nest about six
deep), so no caller walks an adversarially deep structure.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

MAX_DEPTH = 64
_CONSTANT = re.compile(r"-?\b(?:NaN|Infinity)\b")


class JsonTextError(ValueError):
    """Text that is not JSON AWS would accept; ``line`` is 1-based, or None when unknown."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


class _Constant(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_constant(name: str) -> Any:
    raise _Constant(name)


def load_json_text(text: str, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """Parse ``text``; raises :class:`JsonTextError` (other exceptions of ``object_pairs_hook`` pass through)."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as error:
        raise JsonTextError(error.lineno, f"not valid JSON: {error.msg} (column {error.colno})") from None
    except _Constant as constant:
        found = _CONSTANT.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        raise JsonTextError(line, f"{constant.name} is not a JSON value (AWS rejects it); write a number or a string") from None
    except RecursionError:
        raise JsonTextError(None, f"nested more than {MAX_DEPTH} levels deep; no AWS document is") from None
    except ValueError as error:
        if type(error) is not ValueError:  # raised by object_pairs_hook: the caller's own exception
            raise
        # an integer with more digits than Python converts
        raise JsonTextError(None, f"not usable JSON: {str(error).split(';')[0]}") from None
    # Containers cannot nest deeper than the text has brackets (a policy has a few dozen): count first.
    if text.count("{") + text.count("[") > MAX_DEPTH and _deeper_than(data, MAX_DEPTH):
        raise JsonTextError(None, f"nested more than {MAX_DEPTH} levels deep; no AWS document is")
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
