"""A small fuzzy matcher for names such as ``kms:GenerateDataKey``, shared by the CLI and the app.

The core may not import Textual, yet the CLI and the app must agree on what a query matches, so both
use this. A candidate matches in one of three tiers, best first:

1. ``substring``: the query appears as is (``grant`` in ``kms:RetireGrant``);
2. ``initials``: each query letter starts a word, in order (``gdk`` in ``kms:GenerateDataKey``);
3. ``subsequence``: the query's letters appear in order anywhere.

:func:`best_matches` keeps only the best tier that has any match, so ``grant`` lists the five grant
actions and not every name that happens to hold g, r, a, n and t in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")

SUBSTRING, INITIALS, SUBSEQUENCE = 0, 1, 2
TIER_NAMES = ("substring", "initials", "subsequence")

_WORD_START = re.compile(r"(?<=[:/_\-\s.])[A-Za-z0-9]|(?<=[a-z0-9])[A-Z]|^[A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class Match:
    """Where a query matched a candidate: its tier, a score within the tier, and the positions."""

    tier: int
    score: float
    positions: tuple[int, ...]

    @property
    def sort_key(self) -> tuple[int, float]:
        return (self.tier, -self.score)


def word_starts(text: str) -> tuple[int, ...]:
    """Indexes where a word starts: after a separator, at a capital after a lower-case letter."""
    return tuple(m.start() for m in _WORD_START.finditer(text))


def match(query: str, candidate: str) -> Match | None:
    """Match ``query`` against ``candidate`` (case-insensitive); None when it does not match."""
    needle = "".join(query.lower().split())
    if not needle:
        return Match(SUBSTRING, 0.0, ())
    hay = candidate.lower()
    index = hay.find(needle)
    if index >= 0:
        starts = set(word_starts(candidate))
        # Prefer a match at a word start, then shorter candidates (closer to an exact name).
        at_word = 1.0 if index in starts or index == 0 else 0.0
        exact = 2.0 if hay == needle or hay.endswith(":" + needle) else 0.0
        score = exact + at_word + len(needle) / max(len(hay), 1)
        return Match(SUBSTRING, score, tuple(range(index, index + len(needle))))
    initials = _match_initials(needle, candidate)
    if initials is not None:
        return Match(INITIALS, len(needle) / max(len(hay), 1), initials)
    positions = _match_subsequence(needle, hay)
    if positions is not None:
        spread = positions[-1] - positions[0] + 1
        return Match(SUBSEQUENCE, len(needle) / spread, positions)
    return None


def _match_initials(needle: str, candidate: str) -> tuple[int, ...] | None:
    """Each letter of the needle starts a word; a run of letters may continue one word."""
    starts = word_starts(candidate)
    hay = candidate.lower()
    positions: list[int] = []
    cursor = 0  # index in `starts` of the next word we may begin
    i = 0
    while i < len(needle):
        found = False
        for w in range(cursor, len(starts)):
            pos = starts[w]
            if hay[pos] != needle[i]:
                continue
            # Take as many following letters of the needle as continue this word.
            end = starts[w + 1] if w + 1 < len(starts) else len(hay)
            j = 0
            while i + j < len(needle) and pos + j < end and hay[pos + j] == needle[i + j]:
                positions.append(pos + j)
                j += 1
            i += j
            cursor = w + 1
            found = True
            break
        if not found:
            return None
    return tuple(positions)


def _match_subsequence(needle: str, hay: str) -> tuple[int, ...] | None:
    positions: list[int] = []
    start = 0
    for ch in needle:
        index = hay.find(ch, start)
        if index < 0:
            return None
        positions.append(index)
        start = index + 1
    return tuple(positions)


def best_matches(
    query: str, items: Iterable[T], key: Callable[[T], str]
) -> list[tuple[T, Match]]:
    """Items matching ``query`` in the best tier that has any, best first (stable for ties)."""
    found = [(item, m) for item in items if (m := match(query, key(item))) is not None]
    if not found:
        return []
    best_tier = min(m.tier for _, m in found)
    kept = [pair for pair in found if pair[1].tier == best_tier]
    return sorted(kept, key=lambda pair: pair[1].sort_key)


def highlight_spans(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Collapse match positions into ``(start, end)`` spans for styling."""
    spans: list[tuple[int, int]] = []
    for pos in positions:
        if spans and spans[-1][1] == pos:
            spans[-1] = (spans[-1][0], pos + 1)
        else:
            spans.append((pos, pos + 1))
    return spans
