"""IAM wildcards (``*`` any run, ``?`` one character) and policy variables, compiled once.

A policy value is parsed into segments at policy-parse time; evaluation substitutes variables and
matches, caching compiled regular expressions by their final text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@lru_cache(maxsize=4096)
def wildcard_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The regular expression for one IAM wildcard pattern (whole-string match)."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char == "\ue000":  # a literal * from a variable or ${*}
            parts.append(r"\*")
        elif char == "\ue001":  # a literal ? from a variable or ${?}
            parts.append(r"\?")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def has_wildcard(pattern: str) -> bool:
    """Whether matching needs a regular expression (wildcards, or literal * ? from substitution)."""
    return "*" in pattern or "?" in pattern or "\ue000" in pattern or "\ue001" in pattern


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches the IAM wildcard ``pattern``."""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


@dataclass(frozen=True)
class Variable:
    """``${key}`` or ``${key, 'default'}`` inside a policy value."""

    key: str
    default: str | None = None

    @property
    def text(self) -> str:
        return f"${{{self.key}}}" if self.default is None else f"${{{self.key}, '{self.default}'}}"


# A template is a tuple of literal strings (wildcards active) and Variables / escaped literals.
Segment = str | Variable | tuple[str]  # tuple[str]: an escaped literal character such as ${*}
Template = tuple[Segment, ...]


def parse_template(value: str) -> Template | None:
    """The segments of a value holding policy variables, or None when it holds none."""
    if "${" not in value:
        return None
    segments: list[Segment] = []
    position = 0
    for match in _VARIABLE.finditer(value):
        if match.start() > position:
            segments.append(value[position : match.start()])
        inner = match.group(1)
        if inner in _ESCAPES:
            segments.append((_ESCAPES[inner],))
        else:
            with_default = _DEFAULT.match(inner)
            if with_default:
                segments.append(Variable(with_default.group(1), with_default.group(2)))
            else:
                segments.append(Variable(inner.strip()))
        position = match.end()
    if position < len(value):
        segments.append(value[position:])
    return tuple(segments)


Lookup = Callable[[str], "tuple[str, ...] | None"]


def resolve_template(template: Template, lookup: Lookup) -> tuple[str, str] | Variable:
    """``(as_pattern, as_literal_text)`` with variables filled in, or the Variable that has no value.

    In the pattern form, substituted text and escapes are protected from acting as wildcards
    (``*`` and ``?`` become a one-character class), so ``${aws:username}`` never widens a match.
    """
    pattern: list[str] = []
    literal: list[str] = []
    for segment in template:
        if isinstance(segment, str):
            pattern.append(segment)
            literal.append(segment)
        elif isinstance(segment, tuple):
            pattern.append(_protect(segment[0]))
            literal.append(segment[0])
        else:
            values = lookup(segment.key)
            if values is None or len(values) != 1:
                if segment.default is None:
                    return segment
                text = segment.default
            else:
                text = values[0]
            pattern.append(_protect(text))
            literal.append(text)
    return "".join(pattern), "".join(literal)


# Private-use characters stand for a literal * or ? inside a pattern after substitution.
_LITERAL_STAR, _LITERAL_QUESTION = "\ue000", "\ue001"


def _protect(text: str) -> str:
    return text.replace("*", _LITERAL_STAR).replace("?", _LITERAL_QUESTION)


def unprotect(pattern: str) -> str:
    """A substituted pattern back to plain text (for equality operators and display)."""
    return pattern.replace(_LITERAL_STAR, "*").replace(_LITERAL_QUESTION, "?")
