"""The IAM condition grammar: every operator, ``…IfExists``, ``ForAllValues:``/``ForAnyValue:``.

Clauses are compiled once when a policy is parsed (values normalised, dates, numbers and networks
parsed); :func:`evaluate_clause` then compares a request context's values with them. Semantics follow
the IAM User Guide ("IAM JSON policy elements: Condition operators" and "Single-valued vs.
multivalued context keys"): a missing key fails a positive operator and satisfies a negated one;
``…IfExists`` makes a missing key satisfy any operator; ``ForAllValues`` is true for a missing or
empty key, ``ForAnyValue`` false.
"""

from __future__ import annotations

from functools import lru_cache

import base64
import binascii
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from kmstui.policy.patterns import Variable, parse_template, resolve_template, unprotect, wildcard_match

STRING = ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
          "StringLike", "StringNotLike")
NUMERIC = ("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
           "NumericGreaterThan", "NumericGreaterThanEquals")
DATE = ("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals")
ARN = ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike")
OTHER = ("Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null")
OPERATORS = STRING + NUMERIC + DATE + ARN + OTHER
_BY_LOWER = {name.lower(): name for name in OPERATORS}
NEGATED = frozenset({"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
                     "DateNotEquals", "ArnNotEquals", "ArnNotLike", "NotIpAddress"})
SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")


class ConditionSyntaxError(ValueError):
    """A condition AWS would reject; ``path`` is where below ``Condition`` (operator, key)."""

    def __init__(self, path: tuple[str, ...], problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


@dataclass(slots=True, eq=False)
class Clause:
    """One ``"Operator": {"key": values}`` pair, compiled. Read-only by convention (slotted, not
    frozen: built for every condition parsed)."""

    operator_text: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    operator: str  # the base operator, e.g. "StringLike"
    qualifier: str | None  # "ForAllValues", "ForAnyValue" or None
    if_exists: bool
    key: str  # as written
    key_lower: str
    values: tuple[str, ...]  # as written, normalised to text
    compiled: tuple[Any, ...]  # per value: parsed number/date/network, or a variable Template
    negated: bool = field(init=False)
    # The values to compare with when none holds a policy variable (most clauses), else None: worked
    # out once, not on every evaluation (see _resolve_policy_values).
    constant_values: tuple[Any, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        operator = self.operator
        self.negated = operator in NEGATED
        for compiled in self.compiled:
            if compiled.__class__ is tuple:  # a Template
                self.constant_values = None
                return
        self.constant_values = self.values if operator in _TEXTUAL else self.compiled


@dataclass(slots=True)
class ClauseResult:
    """How one clause came out against a request, for the trace."""

    clause: Clause
    matched: bool
    request_values: tuple[str, ...] | None  # None: the key is not in the request
    note: str = ""  # why, when the answer is not a plain comparison
    unresolved: tuple[str, ...] = ()  # policy variables with no value


@lru_cache(maxsize=1024)
def split_operator(text: str) -> tuple[str | None, str, bool]:
    """``ForAnyValue:StringLikeIfExists`` → ("ForAnyValue", "StringLike", True); raises when unknown."""
    qualifier = None
    rest = text
    if ":" in text:
        prefix, rest = text.split(":", 1)
        matches = [q for q in SET_QUALIFIERS if q.lower() == prefix.lower()]
        if not matches:
            raise ConditionSyntaxError((text,), f"unknown condition operator {text!r}: {prefix!r} is not ForAllValues or ForAnyValue")
        qualifier = matches[0]
    if_exists = rest.lower().endswith("ifexists")
    base = rest[: -len("IfExists")] if if_exists else rest
    operator = _BY_LOWER.get(base.lower())
    if operator is None:
        raise ConditionSyntaxError((text,), f"unknown condition operator {text!r}{_suggest(base)}")
    if operator == "Null" and if_exists:
        raise ConditionSyntaxError((text,), "Null has no IfExists form")
    return qualifier, operator, if_exists


def _suggest(base: str) -> str:
    import difflib

    close = difflib.get_close_matches(base, OPERATORS, n=1, cutoff=0.7)
    return f" (did you mean {close[0]}?)" if close else ""


def compile_condition(block: Any, allow_variables: bool) -> tuple[Clause, ...]:
    """Compile a statement's ``Condition`` object; raises :class:`ConditionSyntaxError`."""
    if not isinstance(block, dict):
        raise ConditionSyntaxError((), "Condition must be an object of operators")
    clauses: list[Clause] = []
    for operator_text, keys in block.items():
        qualifier, operator, if_exists = split_operator(operator_text)
        if not isinstance(keys, dict):
            raise ConditionSyntaxError((operator_text,), f"{operator_text} must map condition keys to values")
        for key, raw in keys.items():
            path = (operator_text, key)
            values = _values(raw, path)
            compiled = tuple([_compile_value(operator, v, path, allow_variables) for v in values])
            clauses.append(Clause(operator_text, operator, qualifier, if_exists, key, key.lower(), values, compiled))
    return tuple(clauses)


def _values(raw: Any, path: tuple[str, ...]) -> tuple[str, ...]:
    if raw.__class__ is str:  # the common case
        return (raw,)
    items = raw if isinstance(raw, list) else [raw]  # an empty list is accepted by AWS: see evaluate_clause
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (int, float)):
            out.append(str(item))
        elif isinstance(item, str):
            out.append(item)
        else:
            kind = "null" if item is None else type(item).__name__.replace("dict", "object").replace("list", "list")
            raise ConditionSyntaxError(path, f"condition values must be strings, numbers or booleans, not {kind}")
    return tuple(out)


_TEXTUAL = frozenset(STRING + ARN)  # operators that compare text (and may hold policy variables)
_NUMERIC, _DATE = frozenset(NUMERIC), frozenset(DATE)


def _compile_value(operator: str, value: str, path: tuple[str, ...], allow_variables: bool) -> Any:
    if operator in _TEXTUAL:  # the common case
        return parse_template(value) if allow_variables else None
    if operator in _NUMERIC:
        number = parse_number(value)
        if number is None:
            raise ConditionSyntaxError(path, f"{operator} needs numbers, not {value!r}")
        return number
    if operator in _DATE:
        moment = parse_date(value)
        if moment is None:
            raise ConditionSyntaxError(path, f"{operator} needs dates (ISO 8601 or epoch seconds), not {value!r}")
        return moment
    if operator in ("IpAddress", "NotIpAddress"):
        try:
            return ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ConditionSyntaxError(path, f"{operator} needs an IP address or CIDR block, not {value!r}") from None
    if operator == "Bool" and allow_variables and "${" in value:
        # AWS's pages disagree: the policy-variables page lists only string and ARN operators, the
        # condition-operators page says Bool supports variables. kmstui follows the operators page:
        # the variable is substituted when evaluating (see _resolve_policy_values).
        return parse_template(value)
    if operator in ("Bool", "Null"):
        if value.lower() not in ("true", "false"):
            raise ConditionSyntaxError(path, f"{operator} takes true or false, not {value!r}")
        return value.lower() == "true"
    if operator == "BinaryEquals":
        return value
    return parse_template(value) if allow_variables else None


def parse_number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def parse_date(text: str) -> datetime | None:
    """ISO 8601 (date or date-time, ``Z`` or offset) or epoch seconds, as an aware UTC datetime."""
    value = text.strip()
    if value.replace(".", "", 1).isdigit():
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, ValueError, OSError):
            return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


Lookup = Callable[[str], "tuple[str, ...] | None"]


def evaluate_clause(clause: Clause, request_values: tuple[str, ...] | None, lookup: Lookup) -> ClauseResult:
    """Compare the request's values for the clause's key with the clause's values."""
    if not clause.values:
        # AWS accepts a condition key with an empty list of values; no request value can match one of
        # none, so the clause never holds, whatever the operator (kmstui's choice: AWS documents no
        # answer; tests/corpus/README.md). lint reports the statement as ineffective.
        return ClauseResult(clause, False, request_values, "the policy lists no value for this key, so it never holds")
    if clause.operator == "Null":
        wants_missing = clause.compiled[0] if len(clause.compiled) == 1 else None
        missing = request_values is None or len(request_values) == 0
        matched = any(missing == wanted for wanted in clause.compiled) if wants_missing is None else missing == wants_missing
        return ClauseResult(clause, matched, request_values, "the key is absent" if missing else "the key is present")
    if request_values is None or (clause.qualifier and not request_values):
        if clause.if_exists:
            return ClauseResult(clause, True, request_values, "the key is absent, so …IfExists is satisfied")
        if clause.qualifier == "ForAllValues":
            return ClauseResult(clause, True, request_values, "ForAllValues is true for an absent or empty key")
        if clause.qualifier == "ForAnyValue":
            return ClauseResult(clause, False, request_values, "ForAnyValue is false for an absent or empty key")
        if clause.negated:
            return ClauseResult(clause, True, request_values, f"the key is absent, so {clause.operator} is satisfied")
        return ClauseResult(clause, False, request_values, "the key is absent from the request")
    constant = clause.constant_values
    policy_values, unresolved = (constant, ()) if constant is not None else _resolve_policy_values(clause, lookup)
    test = _TESTS[clause.operator]
    # Each request value is compared positively with every policy value (plain loops: this runs for
    # every condition of every decision); the operator's negation and the set qualifier then apply.
    qualifier = clause.qualifier
    if qualifier is None:
        hit = False
        for value in request_values:
            for policy_value in policy_values:
                if test(value, policy_value):
                    hit = True
                    break
            if hit:
                break
        matched = not hit if clause.negated else hit
    else:
        hits = [any(test(value, policy_value) for policy_value in policy_values) for value in request_values]
        if clause.negated:
            hits = [not hit for hit in hits]
        matched = all(hits) if qualifier == "ForAllValues" else any(hits)
    if unresolved:
        return ClauseResult(clause, matched, request_values, f"policy variable(s) without a value: {', '.join(unresolved)}",
                            unresolved)
    return ClauseResult(clause, matched, request_values)


def _resolve_policy_values(clause: Clause, lookup: Lookup) -> tuple[list[Any], tuple[str, ...]]:
    if clause.operator == "Bool":
        return _resolve_bool_values(clause, lookup)
    if clause.operator not in STRING and clause.operator not in ARN:
        return list(clause.compiled), ()
    values: list[Any] = []
    unresolved: list[str] = []
    for text, template in zip(clause.values, clause.compiled):
        if template is None:
            values.append(text)
            continue
        resolved = resolve_template(template, lookup)
        if isinstance(resolved, Variable):
            unresolved.append(resolved.text)  # an unresolvable variable matches nothing
            continue
        pattern, literal = resolved
        values.append(pattern if clause.operator in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals") else unprotect(pattern))
    return values, tuple(unresolved)


def _resolve_bool_values(clause: Clause, lookup: Lookup) -> tuple[list[Any], tuple[str, ...]]:
    """Bool values, substituting a policy variable (a value that is then not true or false matches nothing)."""
    values: list[Any] = []
    unresolved: list[str] = []
    for compiled in clause.compiled:
        if isinstance(compiled, bool):
            values.append(compiled)
            continue
        resolved = resolve_template(compiled, lookup)
        if isinstance(resolved, Variable):
            unresolved.append(resolved.text)
        elif unprotect(resolved[0]).lower() in ("true", "false"):
            values.append(unprotect(resolved[0]).lower() == "true")
    return values, tuple(unresolved)


def _string_equals(value: str, policy: str) -> bool:
    return value == policy


def _string_equals_ignore_case(value: str, policy: str) -> bool:
    return value.casefold() == policy.casefold()


def _string_like(value: str, policy: str) -> bool:
    return wildcard_match(policy, value)


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, float], bool]:
    def test(value: str, policy: float) -> bool:
        number = parse_number(value)
        return number is not None and compare(number, policy)

    return test


def _date(compare: Callable[[datetime, datetime], bool]) -> Callable[[str, datetime], bool]:
    def test(value: str, policy: datetime) -> bool:
        moment = parse_date(value)
        return moment is not None and compare(moment, policy)

    return test


def _bool(value: str, policy: bool) -> bool:
    return value.lower() == ("true" if policy else "false")


def _binary(value: str, policy: str) -> bool:
    try:
        return base64.b64decode(value, validate=True) == base64.b64decode(policy, validate=True)
    except (binascii.Error, ValueError):
        return value == policy


def _ip(value: str, network: Any) -> bool:
    address = _address(value)
    if address is None:
        return False
    try:
        return address in network if not isinstance(address, (ipaddress.IPv4Network, ipaddress.IPv6Network)) \
            else address.subnet_of(network)
    except TypeError:  # an IPv4 value against an IPv6 network, or the reverse
        return False


@lru_cache(maxsize=1024)
def _address(value: str) -> Any:
    """A request's address (or network), parsed once: the same aws:SourceIp is compared again and again."""
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        try:
            return ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return None


def _arn_like(value: str, policy: str) -> bool:
    """ARNs compare part by part (partition, service, region, account, resource), wildcards per part."""
    value_parts = value.split(":", 5)
    policy_parts = policy.split(":", 5)
    if len(value_parts) != 6 or len(policy_parts) != 6:
        return wildcard_match(policy, value)
    return all(wildcard_match(p, v) for p, v in zip(policy_parts, value_parts))


_EQ, _LT, _LE, _GT, _GE = (lambda a, b: a == b), (lambda a, b: a < b), (lambda a, b: a <= b), (lambda a, b: a > b), (lambda a, b: a >= b)
_TESTS: dict[str, Callable[[str, Any], bool]] = {
    "StringEquals": _string_equals, "StringNotEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case, "StringNotEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like, "StringNotLike": _string_like,
    "NumericEquals": _numeric(_EQ), "NumericNotEquals": _numeric(_EQ), "NumericLessThan": _numeric(_LT),
    "NumericLessThanEquals": _numeric(_LE), "NumericGreaterThan": _numeric(_GT), "NumericGreaterThanEquals": _numeric(_GE),
    "DateEquals": _date(_EQ), "DateNotEquals": _date(_EQ), "DateLessThan": _date(_LT),
    "DateLessThanEquals": _date(_LE), "DateGreaterThan": _date(_GT), "DateGreaterThanEquals": _date(_GE),
    "Bool": _bool, "BinaryEquals": _binary, "IpAddress": _ip, "NotIpAddress": _ip,
    "ArnEquals": _arn_like, "ArnNotEquals": _arn_like, "ArnLike": _arn_like, "ArnNotLike": _arn_like,
}


def describe_values(values: tuple[str, ...] | None) -> str:
    if values is None:
        return "(absent)"
    if not values:
        return "(empty)"
    return ", ".join(values)
