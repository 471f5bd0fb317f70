"""IAM wildcards (``*`` any run, ``?`` one character) and policy variables, compiled once.

A policy value is parsed into segments at policy-parse time; evaluation substitutes variables and
matches with a Glob (no regular expression is ever built from policy text), cached by its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

_ESCAPES = {"*": "*", "?": "?", "$": "$"}
# Private-use characters stand for a literal * or ? inside a pattern after substitution.
_LITERAL_STAR, _LITERAL_QUESTION = "\ue000", "\ue001"


_ANY_ONE = None  # a ``?`` inside a glob segment: any one character


class Glob:
    """One IAM wildcard pattern, matched without backtracking: time O(len(pattern) × len(value)).

    A regular expression built from policy text can take exponential time (``*a*a*…*b`` against a
    long value), so patterns are split at ``*`` into segments instead: the first must start the
    value, the last must end it, and each middle one is found leftmost after the previous one. That
    greedy choice is exact for ``*``-separated segments, and a segment is compared character by
    character only when it holds a ``?``.
    """

    __slots__ = ("segments", "min_length", "ignore_case")

    def __init__(self, pattern: str, ignore_case: bool = False) -> None:
        if ignore_case:
            pattern = pattern.lower()
        self.ignore_case = ignore_case
        self.segments = tuple(_segment(part) for part in pattern.split("*"))
        self.min_length = sum(len(segment) for segment in self.segments)

    def matches(self, value: str) -> bool:
        """Whether the whole of ``value`` matches."""
        if self.ignore_case:
            value = value.lower()
        segments = self.segments
        if len(value) < self.min_length:
            return False
        if len(segments) == 1:
            return len(value) == len(segments[0]) and _at(segments[0], value, 0)
        first, last = segments[0], segments[-1]
        end = len(value) - len(last)
        if not (_at(first, value, 0) and _at(last, value, end)):
            return False
        position = len(first)
        for segment in segments[1:-1]:
            found = _find(segment, value, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True


def _segment(part: str) -> str | tuple[str | None, ...]:
    """A plain string when the segment has no ``?`` (compared at C speed), else one item per character."""
    literal = part.replace(_LITERAL_STAR, "*").replace(_LITERAL_QUESTION, "?") if "?" not in part else None
    if literal is not None:
        return literal
    return tuple(_ANY_ONE if char == "?" else {_LITERAL_STAR: "*", _LITERAL_QUESTION: "?"}.get(char, char) for char in part)


def _at(segment: str | tuple[str | None, ...], value: str, start: int) -> bool:
    if isinstance(segment, str):
        return value.startswith(segment, start)
    return all(want is _ANY_ONE or value[start + i] == want for i, want in enumerate(segment))


def _find(segment: str | tuple[str | None, ...], value: str, start: int, end: int) -> int:
    """The leftmost position >= start where ``segment`` fits wholly before ``end``, or -1."""
    if isinstance(segment, str):
        return value.find(segment, start, end)
    for position in range(start, end - len(segment) + 1):
        if _at(segment, value, position):
            return position
    return -1


@lru_cache(maxsize=4096)
def compile_glob(pattern: str, ignore_case: bool = False) -> Glob:
    """The compiled form of one IAM wildcard pattern (cached by its text)."""
    return Glob(pattern, ignore_case)


@lru_cache(maxsize=4096)
def pattern_set(patterns: tuple[str, ...]) -> PatternSet:
    """The compiled form of a Resource list, one object for every statement that repeats the list
    (thousands of policies say ``"Resource": "*"``)."""
    return PatternSet(patterns)


class PatternSet:
    """A Resource list matched as one: ``*`` and plain texts by look-up, only the rest as Globs
    (most statements say ``"Resource": "*"`` or name exact ARNs)."""

    __slots__ = ("any", "exact", "globs")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.any = "*" in patterns
        exact, globs = [], []
        for pattern in patterns:
            if not has_wildcard(pattern):
                exact.append(pattern)
            elif pattern != "*":
                globs.append(compile_glob(pattern))
        self.exact = frozenset(exact)
        self.globs = tuple(globs)

    def matches(self, value: str) -> bool:
        """Whether any pattern matches ``value``, as :func:`wildcard_match` would for each."""
        if self.any or value in self.exact:
            return True
        for glob in self.globs:
            if glob.matches(value):
                return True
        return False


def has_wildcard(pattern: str) -> bool:
    """Whether matching needs a Glob (wildcards, or literal * ? from substitution)."""
    return "*" in pattern or "?" in pattern or _LITERAL_STAR in pattern or _LITERAL_QUESTION in pattern


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches the IAM wildcard ``pattern`` (``*`` any run, ``?`` one character)."""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return compile_glob(pattern, ignore_case).matches(value)


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
    """The segments of a value holding policy variables, or None when it holds none.

    Scanned with ``str.find`` (linear time): a value full of unclosed ``${`` must not take
    quadratic time, as a regular expression retried at every ``${`` would.
    """
    if "${" not in value:
        return None
    segments: list[Segment] = []
    position = 0
    while True:
        start = value.find("${", position)
        close = value.find("}", start + 2) if start >= 0 else -1
        if start < 0 or close < 0:
            break
        if start > position:
            segments.append(value[position:start])
        segments.append(_variable(value[start + 2 : close]))
        position = close + 1
    if position < len(value):
        segments.append(value[position:])
    return tuple(segments)


def _variable(inner: str) -> Segment:
    """``*`` ``?`` ``$`` as escaped literals, ``key, 'default'``, or a plain ``key``."""
    if inner in _ESCAPES:
        return (_ESCAPES[inner],)
    key, comma, default = inner.partition(",")
    default = default.strip()
    if comma and key.strip() and len(default) >= 2 and default[0] == default[-1] == "'" and "'" not in default[1:-1]:
        return Variable(key.strip(), default[1:-1])
    return Variable(inner.strip())


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


def _protect(text: str) -> str:
    return text.replace("*", _LITERAL_STAR).replace("?", _LITERAL_QUESTION)


def unprotect(pattern: str) -> str:
    """A substituted pattern back to plain text (for equality operators and display)."""
    return pattern.replace(_LITERAL_STAR, "*").replace(_LITERAL_QUESTION, "?")
