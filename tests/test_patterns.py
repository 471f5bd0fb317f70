"""The IAM wildcard matcher: equal to a plain dynamic-programming reference, and never slow."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from kmstui.policy.conditions import compile_condition, evaluate_clause
from kmstui.policy.patterns import parse_template, wildcard_match

LITERAL_STAR, LITERAL_QUESTION = "\ue000", "\ue001"


def reference_match(pattern: str, value: str) -> bool:
    """The textbook O(n·m) table: ``*`` any run, ``?`` one character, the private-use pair literal."""
    rows, cols = len(pattern), len(value)
    table = [[False] * (cols + 1) for _ in range(rows + 1)]
    table[0][0] = True
    for i in range(1, rows + 1):
        char = pattern[i - 1]
        table[i][0] = table[i - 1][0] and char == "*"
        for j in range(1, cols + 1):
            if char == "*":
                table[i][j] = table[i - 1][j] or table[i][j - 1]
            else:
                want = {LITERAL_STAR: "*", LITERAL_QUESTION: "?"}.get(char, char)
                table[i][j] = table[i - 1][j - 1] and (char == "?" or value[j - 1] == want)
    return table[rows][cols]


ALPHABET = st.sampled_from("ab*?:/" + LITERAL_STAR + LITERAL_QUESTION)
VALUES = st.text(alphabet="ab*?:/A", max_size=14)


@settings(max_examples=2000)
@given(st.text(alphabet=ALPHABET, max_size=10), VALUES)
def test_the_matcher_equals_the_reference(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value) == reference_match(pattern, value)


@settings(max_examples=500)
@given(st.text(alphabet="aB*?", max_size=8), st.text(alphabet="AbaB", max_size=10))
def test_ignoring_case_is_matching_the_lower_case(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value, ignore_case=True) == reference_match(pattern.lower(), value.lower())


def test_known_cases() -> None:
    assert wildcard_match("kms:*", "kms:Decrypt")
    assert wildcard_match("kms:De*pt", "kms:Decrypt")
    assert not wildcard_match("kms:De*pt", "kms:DecryptX")
    assert wildcard_match("kms:?ecrypt", "kms:Decrypt")
    assert wildcard_match("*", "")
    assert not wildcard_match("a*a", "a")
    assert wildcard_match("a" + LITERAL_STAR, "a*") and not wildcard_match("a" + LITERAL_STAR, "ab")


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def test_adversarial_patterns_decide_at_once() -> None:
    """Patterns that make a backtracking regular expression take exponential time (seconds to years)."""
    stars = "kms:" + "*" * 60 + "x"
    alternating = "*a" * 30 + "*b"
    long_value = "a" * 5000
    elapsed = _seconds(lambda: [wildcard_match(stars, "kms:" + "y" * 5000),
                                wildcard_match(alternating, long_value),
                                wildcard_match("*a?" * 40 + "b", long_value)])
    assert not wildcard_match(alternating, long_value)
    assert elapsed < 2.0  # linear: milliseconds; the regular expression it replaces did not finish


def test_string_like_and_arn_like_use_it() -> None:
    clause = compile_condition({"StringLike": {"aws:PrincipalTag/x": "*a" * 30 + "*b"}}, True)[0]
    elapsed = _seconds(lambda: evaluate_clause(clause, ("a" * 5000,), lambda key: None))
    assert elapsed < 2.0 and not evaluate_clause(clause, ("a" * 5000,), lambda key: None).matched
    arn = compile_condition({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/" + "*a" * 30 + "*b"}}, True)[0]
    assert not evaluate_clause(arn, ("arn:aws:iam::111122223333:role/" + "a" * 3000,), lambda key: None).matched


def test_variables_are_scanned_in_linear_time() -> None:
    elapsed = _seconds(lambda: parse_template("${" * 20000))
    assert elapsed < 2.0
    assert parse_template("${aws:username, 'nobody'}x") is not None
    segments = parse_template("a${aws:username, 'nobody'}b${*}")
    assert segments is not None and segments[1].default == "nobody" and segments[3] == ("*",)


def test_line_location_of_a_huge_string_needs_no_backtracking_memory(tmp_path) -> None:
    """A 20 MB string value: the scanner's regular expression used to hold 2.3 GB of state for it."""
    import subprocess
    import sys

    code = (
        "import resource\n"
        "from kmstui.policy.locations import locate\n"
        "text = '{\"Statement\": [{\"Sid\": \"' + 'x' * 20_000_000 + '\", \"Effect\": \"Allow\"}]}'\n"
        "found = locate(text)\n"
        "assert found.statements[0].keys[('Effect',)] == 1\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    peak_mb = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert peak_mb < 600
