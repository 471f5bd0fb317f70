"""The shared fuzzy matcher: tiers, positions, and that the best tier alone is kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kmstui.reference import fuzzy

NAMES = [
    "kms:CreateGrant",
    "kms:RetireGrant",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPairWithoutPlaintext",
    "kms:GenerateRandom",
    "kms:Decrypt",
]


def names(query: str) -> list[str]:
    return [name for name, _ in fuzzy.best_matches(query, NAMES, str)]


def test_substring_is_case_insensitive_and_beats_looser_tiers() -> None:
    # "grant" is also a subsequence of GenerateDataKeyPairWithoutPlaintext: that must not show.
    assert names("GRANT") == ["kms:CreateGrant", "kms:RetireGrant"]


def test_initials_match_word_starts() -> None:
    assert names("gdk") == ["kms:GenerateDataKey", "kms:GenerateDataKeyPairWithoutPlaintext"]
    match = fuzzy.match("gdk", "kms:GenerateDataKey")
    assert match is not None and match.tier == fuzzy.INITIALS
    assert match.positions == (4, 12, 16)


def test_subsequence_is_the_last_resort() -> None:
    match = fuzzy.match("dcrpt", "kms:Decrypt")
    assert match is not None and match.tier == fuzzy.SUBSEQUENCE


def test_exact_name_ranks_first() -> None:
    assert names("decrypt")[0] == "kms:Decrypt"
    ranked = fuzzy.best_matches("generatedatakey", NAMES, str)
    assert ranked[0][0] == "kms:GenerateDataKey"


def test_no_match() -> None:
    assert fuzzy.match("zzz", "kms:Decrypt") is None
    assert names("zzz") == []


def test_empty_query_matches_everything() -> None:
    assert names("") == NAMES


def test_highlight_spans_merge_runs() -> None:
    assert fuzzy.highlight_spans([4, 5, 6, 9, 12, 13]) == [(4, 7), (9, 10), (12, 14)]


@given(st.text(min_size=1, max_size=8), st.sampled_from(NAMES))
def test_positions_point_at_the_query_letters(query: str, name: str) -> None:
    match = fuzzy.match(query, name)
    if match is None:
        return
    letters = "".join(query.lower().split())
    assert "".join(name.lower()[p] for p in match.positions) == letters
    assert list(match.positions) == sorted(set(match.positions))
