"""Policy documents parsed once into immutable statements that remember where they came from.

Accepts what AWS accepts (Statement as object or list; Action/Resource as string or list; Principal as
``"*"`` or a typed map; bare account ids; both policy versions; the saved output of ``aws kms
get-key-policy`` and ``aws iam get-policy-version``) and rejects what AWS rejects with one
:class:`PolicyError` naming the source, the line and the element. Legal but suspicious input becomes
warnings, computed on demand.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from kmstui.policy.conditions import Clause, ConditionSyntaxError, compile_condition
from kmstui.policy.locations import LazyLocations
from kmstui.outside_text import visible
from kmstui.policy.json_text import JsonTextError, load_json_text
from kmstui.policy.patterns import Glob, PatternSet, Template, Variable, compile_glob, has_wildcard, parse_template, pattern_set
from kmstui.policy.principals import Caller, PrincipalIndex, index_principal, normalize_aws_principal

KINDS = ("identity", "key_policy", "boundary", "session", "scp", "rcp", "vpc_endpoint")
KIND_LABELS = {"identity": "identity policy", "key_policy": "key policy", "boundary": "permissions boundary",
               "session": "session policy", "scp": "SCP", "rcp": "RCP", "vpc_endpoint": "VPC endpoint policy"}
RESOURCE_POLICY_KINDS = frozenset({"key_policy", "vpc_endpoint", "rcp"})
VERSIONS = ("2012-10-17", "2008-10-17")
_TOP = {"Version", "Id", "Statement"}
_ELEMENTS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                       "Condition"})
_PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_IAM_SID_KINDS = frozenset({"identity", "boundary", "session"})
_IAM_SID = re.compile(r"^[A-Za-z0-9]*$")
# The characters PutKeyPolicy refuses in a key policy (KMS API reference, PutKeyPolicy, Policy).
_KEY_POLICY_REFUSED = re.compile(r"[^\t\n\r\u0020-\u007e\u00a0-\u00ff]")
_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$")


class PolicyError(ValueError):
    """A policy AWS would reject. ``str()`` is one line: ``source, line N, element: problem``."""

    def __init__(self, source: str, line: int | None, element: str, problem: str) -> None:
        where = f"{source}, line {line}" if line else source
        super().__init__(visible(f"{where}, {element}: {problem}"))  # names from the policy: controls spelled out
        self.source, self.line, self.element, self.problem = source, line, element, problem


@dataclass(slots=True, eq=False)
class Statement:
    """One statement, compiled for matching; ``index`` is 0-based, ``lines`` 1-based inclusive.

    Read-only by convention (slotted, not frozen: a frozen dataclass of twenty fields costs three
    times as much to build, and a snapshot builds thousands). Equal only to itself.
    """

    source: str
    kind: str
    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principal: dict[str, tuple[str, ...]] | None
    not_principal: bool
    conditions: tuple[Clause, ...]
    version: str | None
    _locations: LazyLocations
    _exact_actions: frozenset[str]
    _action_patterns: tuple[Glob, ...]
    _resource_templates: tuple[Template | None, ...]
    _principal_index: PrincipalIndex | None
    _resource_set: PatternSet | None  # Resource/NotResource compiled, for statements without policy variables

    @property
    def lines(self) -> tuple[int, int] | None:
        """First and last line of the statement in its policy's JSON text (None without text)."""
        location = self._locations.statement(self.index)
        return (location.start, location.end) if location else None

    @property
    def key_lines(self) -> dict[tuple[str, ...], int]:
        location = self._locations.statement(self.index)
        return location.keys if location else {}

    @property
    def label(self) -> str:
        """``statement 2 'Allow use of the key'`` (1-based, as people count)."""
        return f"statement {self.index + 1}" + (f" {self.sid!r}" if self.sid else "")

    @property
    def where(self) -> str:
        lines = f", lines {self.lines[0]}-{self.lines[1]}" if self.lines else ""
        return f"{self.source} {self.label}{lines}"

    def action_matches(self, action_lower: str) -> bool:
        listed = action_lower in self._exact_actions or any(p.matches(action_lower) for p in self._action_patterns)
        return not listed if self.not_action else listed

    def line_of(self, *path: str) -> int | None:
        return self.key_lines.get(path) or (self.lines[0] if self.lines else None)


class Policy:
    """A parsed policy: its statements in order, indexed by action on first use."""

    def __init__(self, source: str, kind: str, version: str | None, statements: tuple[Statement, ...] | None, text: str | None,
                 origin: Policy | None = None) -> None:
        self.source = source
        self.kind = kind
        self.version = version
        if statements is not None:  # (None: a renamed copy, whose statements are made when first read)
            self.statements = statements
        self.text = text
        self._origin = origin  # None: this is the policy as parsed (not kept as self: a cycle only gc frees)
        self._by_action: dict[tuple[str, str | None], tuple[Statement, ...]] = {}
        self._by_principal: dict[tuple[str, str | None], _PrincipalStatements] = {}
        self._classes: dict[tuple[str, ...], tuple[int, ...]] = {}

    def __repr__(self) -> str:
        return f"Policy({self.source!r}, {self.kind}, {len(self.statements)} statements)"

    @property
    def origin(self) -> Policy:
        """The policy as parsed, when this is it under another name (named): the same statements, so what
        depends only on them (the access matrix's fingerprints) is worked out once for every name."""
        return self._origin if self._origin is not None else self

    def named(self, source: str) -> Policy:
        """This policy under another name (its statements' labels say where they come from), unparsed again."""
        return Policy(source, self.kind, self.version, None, self.text, self.origin)

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """A renamed copy's statements, labelled with its name: made when first read, since an access
        matrix names a managed policy once for every principal it is attached to and reads few of them
        (its fingerprint reads the origin's). A parsed policy's statements are set in ``__init__``."""
        return tuple([replace(statement, source=self.source) for statement in self.origin.statements])

    def statements_for(self, action_lower: str, effect: str | None = None) -> tuple[Statement, ...]:
        """The statements (of ``effect``, when given) whose Action/NotAction covers the action
        (lower-case), cached: evaluation asks the same question of a policy again and again."""
        found = self._by_action.get((action_lower, effect))
        if found is None and self._origin is not None:  # a renamed copy: the origin's answer, in its own statements
            statements = self.statements
            found = self._by_action[(action_lower, effect)] = tuple(
                [statements[s.index] for s in self._origin.statements_for(action_lower, effect)])
        if found is None:
            covers: dict[tuple[bool, tuple[str, ...]], bool] = {}  # statements often repeat one Action list
            picked = []
            for s in self.statements:
                if effect is None or s.effect == effect:
                    signature = (s.not_action, s.actions)
                    hit = covers.get(signature)
                    if hit is None:
                        hit = covers[signature] = s.action_matches(action_lower)
                    if hit:
                        picked.append(s)
            found = self._by_action[(action_lower, effect)] = tuple(picked)
        return found

    def action_classes(self, actions_lower: tuple[str, ...]) -> tuple[int, ...]:
        """For each action, a number that is equal for two actions exactly when the same statements
        cover both (for Allow and for Deny): nothing in this policy can tell them apart. Cached (for a
        renamed copy, by its origin: the same statements)."""
        if self._origin is not None:
            return self._origin.action_classes(actions_lower)
        found = self._classes.get(actions_lower)
        if found is None:
            allow, deny = [0] * len(actions_lower), [0] * len(actions_lower)
            for position, statement in enumerate(self.statements):
                covered = allow if statement.effect == "Allow" else deny
                bit = 1 << position
                for column in _coverage(statement, actions_lower):
                    covered[column] |= bit
            ids: dict[tuple[int, int], int] = {}
            found = tuple(ids.setdefault(pair, len(ids)) for pair in zip(allow, deny))
            self._classes[actions_lower] = found
        return found

    def candidates(self, action_lower: str, effect: str | None, caller: Caller) -> tuple[Statement, ...]:
        """The statements of :meth:`statements_for` that could name ``caller``, in policy order.

        A key policy of 20,000 statements naming 20,000 roles is consulted for one role a few times,
        not 20,000: its statements are indexed by the identities their Principal names. The index
        only narrows; the matcher still checks each candidate's Principal.
        """
        statements = self.statements_for(action_lower, effect)
        if len(statements) < _INDEX_FROM:
            return statements
        index = self._by_principal.get((action_lower, effect))
        if index is None:
            index = self._by_principal[(action_lower, effect)] = _PrincipalStatements(statements)
        return index.for_caller(caller)

    def for_caller(self, caller: Caller) -> tuple[Statement, ...]:
        """Every statement, whatever its action, that could name ``caller`` (see :meth:`candidates`)."""
        if len(self.statements) < _INDEX_FROM:
            return self.statements
        index = self._by_principal.get(("*", None))
        if index is None:
            index = self._by_principal[("*", None)] = _PrincipalStatements(self.statements)
        return index.for_caller(caller)

    @cached_property
    def condition_keys(self) -> frozenset[str]:
        """Every context key the policy's statements read (lower case): each condition's key and each
        policy variable in a condition value or a Resource (``${kms:CallerAccount}`` reads a key too)."""
        if self.origin is not self:  # the same statements under another name
            return self.origin.condition_keys
        keys = set()
        for statement in self.statements:
            for clause in statement.conditions:
                keys.add(clause.key_lower)
                keys.update(variable.key.lower() for compiled in clause.compiled for variable in _variables(compiled))
            keys.update(variable.key.lower() for template in statement._resource_templates for variable in _variables(template))
        return frozenset(keys)

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        from kmstui.policy.warnings import policy_warnings

        return tuple(policy_warnings(self))


_INDEX_FROM = 16  # fewer statements than this are simply scanned


def _variables(compiled: Any) -> list[Variable]:
    """The policy variables of a compiled value (a Template is a tuple of segments; other values have none)."""
    return [segment for segment in compiled if isinstance(segment, Variable)] if isinstance(compiled, tuple) else []
_COVERAGE: dict[tuple[bool, tuple[str, ...], tuple[str, ...]], tuple[int, ...]] = {}


def _coverage(statement: Statement, actions_lower: tuple[str, ...]) -> tuple[int, ...]:
    """The positions of the actions a statement's Action/NotAction covers, shared by every statement
    with the same Action list (thousands of principals' policies repeat a few lists)."""
    signature = (statement.not_action, statement.actions, actions_lower)
    found = _COVERAGE.get(signature)
    if found is None:
        if len(_COVERAGE) > 50_000:
            _COVERAGE.clear()
        found = _COVERAGE[signature] = tuple(i for i, action in enumerate(actions_lower) if statement.action_matches(action))
    return found


class _PrincipalStatements:
    """Statements by the identities their Principal names (a superset of match_index's answers)."""

    def __init__(self, statements: tuple[Statement, ...]) -> None:
        self.open: list[tuple[int, Statement]] = []  # no Principal, NotPrincipal, "*": every caller
        self.named: dict[str, list[tuple[int, Statement]]] = {}
        for position, statement in enumerate(statements):
            index = statement._principal_index
            if index is None or index.any or "*" in index.services:
                self.open.append((position, statement))
                continue
            names = set(index.aws) | set(index.federated) | set(index.services)
            names |= {f"role:{account}:{name}" for account, name in index.roles}
            for name in names:
                self.named.setdefault(name, []).append((position, statement))

    def for_caller(self, caller: Caller) -> tuple[Statement, ...]:
        keys = [caller.arn, caller.arn.lower()]
        if caller.account_arn:
            keys.append(caller.account_arn)
        if caller.kind in ("role", "role-session"):
            keys.append(f"role:{caller.account or ''}:{caller.name}")
        found = dict(self.open)
        for key in keys:
            found.update(self.named.get(key, ()))
        return tuple(found[position] for position in sorted(found))


def parse_policy(document: Any, kind: str = "identity", source: str = "policy") -> Policy:
    """Parse JSON text, a dict, or pass through a :class:`Policy`; raises :class:`PolicyError`."""
    if isinstance(document, Policy):
        return document
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    text: str | None = None
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        text = document
        data = _load_json(text, source)
    else:
        data = document
    data, text = unwrap_saved_output(data, text, source)
    return _build(data, kind, source, text, LazyLocations(text))


def _load_json(text: str, source: str) -> Any:
    if not text or text.isspace():  # (not text.strip(), which copies the text)
        raise PolicyError(source, 1, "JSON", "the file is empty; expected a policy document")
    try:
        return load_json_text(text, object_pairs_hook=_no_duplicate_keys)
    except JsonTextError as error:
        raise PolicyError(source, error.line, "JSON", error.problem) from None
    except _DuplicateKey as duplicate:
        raise PolicyError(source, _second_key_line(text, duplicate.key), duplicate.key,
                          f"{duplicate.key!r} appears twice in one object; AWS would keep only the last") from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _second_key_line(text: str, key: str) -> int | None:
    hits = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    return text.count("\n", 0, hits[1]) + 1 if len(hits) > 1 else None


def unwrap_saved_output(data: Any, text: str | None, source: str) -> tuple[Any, str | None]:
    """The document inside saved CLI output — ``get-key-policy`` (``{"Policy": "..."}``) or
    ``get-policy-version`` — with its own text; anything else is returned as it is."""
    if isinstance(data, dict) and "Statement" not in data:
        if isinstance(data.get("Policy"), str):
            inner = data["Policy"]
            return _load_json(inner, f"{source} (its Policy string)"), inner
        version = data.get("PolicyVersion")
        if isinstance(version, dict) and "Document" in version:
            document = version["Document"]
            if isinstance(document, str):
                inner = urllib.parse.unquote(document) if document.lstrip().startswith("%") else document
                return _load_json(inner, f"{source} (its Document string)"), inner
            return document, None
    return data, text


def _build(data: Any, kind: str, source: str, text: str | None, locations: LazyLocations) -> Policy:
    if not isinstance(data, dict):
        raise PolicyError(source, 1, "Policy", f"a policy must be a JSON object, not {_type_name(data)}")
    if not _TOP.issuperset(data):
        key = next(key for key in data if key not in _TOP)
        raise PolicyError(source, locations.top_keys.get(key, 1), key, f"unknown top-level element {key!r}{_did_you_mean(key, _TOP)}")
    version = data.get("Version")
    if "Version" in data and version not in VERSIONS:
        raise PolicyError(source, locations.top_keys.get("Version", 1), "Version", f"must be 2012-10-17 or 2008-10-17, not {version!r}")
    if "Statement" not in data:
        raise PolicyError(source, 1, "Statement", "the policy has no Statement")
    if kind == "key_policy":
        _put_key_policy_characters(data, text, source)
    raw = data["Statement"]
    if isinstance(raw, dict):
        raw_statements = [raw]
    elif isinstance(raw, list):
        raw_statements = raw
    else:
        raise PolicyError(source, locations.top_keys.get("Statement", 1), "Statement", f"must be an object or a list of objects, not {_type_name(raw)}")
    if not raw_statements:
        raise PolicyError(source, locations.top_keys.get("Statement", 1), "Statement", "must hold at least one statement")
    statements = tuple([_statement(item, index, kind, source, version, locations) for index, item in enumerate(raw_statements)])
    if kind in _IAM_SID_KINDS:
        seen: set[str] = set()
        for statement in statements:
            if statement.sid:
                if statement.sid in seen:
                    raise PolicyError(source, statement.line_of("Sid"), f"Statement[{statement.index}].Sid",
                                      f"Sid {statement.sid!r} is used twice; in IAM policies each Sid must be unique")
                seen.add(statement.sid)
    return Policy(source, kind, version, statements, text)


class _Where:
    """Where a statement sits, to name its line in an error (only looked up when one is raised)."""

    __slots__ = ("source", "index", "locations")

    def __init__(self, source: str, index: int, locations: LazyLocations) -> None:
        self.source, self.index, self.locations = source, index, locations

    def __call__(self, element: str, problem: str, *path: str) -> PolicyError:
        location = self.locations.statement(self.index)
        line = location.keys.get(path) if path and location else None
        start = location.start if location else None
        label = f"Statement[{self.index}]"
        return PolicyError(self.source, line or start or 1, f"{label}.{element}" if element else label, problem)


def _statement(raw: Any, index: int, kind: str, source: str, version: str | None, locations: LazyLocations) -> Statement:
    fail = _Where(source, index, locations)
    if not isinstance(raw, dict):
        location = locations.statement(index)
        return_line = (location.start if location else None) or locations.top_keys.get("Statement", 1)
        raise PolicyError(source, return_line, f"Statement[{index}]", f"each statement must be an object, not {_type_name(raw)}")
    if not _ELEMENTS.issuperset(raw):
        key = next(key for key in raw if key not in _ELEMENTS)
        raise fail(key, f"unknown statement element {key!r}{_did_you_mean(key, _ELEMENTS)}", key)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise fail("Sid", f"must be a string, not {_type_name(sid)}", "Sid")
    if sid and kind in _IAM_SID_KINDS and not _IAM_SID.match(sid):
        raise fail("Sid", f"{sid!r}: in IAM policies a Sid holds only letters A-Z, a-z and digits 0-9", "Sid")

    if "Effect" not in raw:
        raise fail("Effect", "the statement has no Effect (Allow or Deny)")
    effect = raw["Effect"]
    if effect != "Allow" and effect != "Deny":
        raise fail("Effect", f"must be exactly Allow or Deny, not {json.dumps(effect)}", "Effect")
    # PutKeyPolicy accepts a statement without Action or Resource, and IAM an empty Action or Resource
    # list: such a statement never applies (lint reports it as ineffective). Key policies only, for
    # the missing elements: IAM rejects an identity policy statement without them.
    action_key = _one_of(raw, "Action", "NotAction", fail, required=kind != "key_policy")
    if kind == "rcp" and action_key == "NotAction":
        raise fail("NotAction", "RCPs do not support NotAction", "NotAction")
    actions = _strings(raw[action_key], action_key, fail, allow_empty=action_key == "Action") if action_key else ()
    exact, patterns, bad_action = _compiled_actions(actions)
    if bad_action is not None:
        raise fail(action_key or "Action", f"{bad_action!r} is not service:action (such as kms:Decrypt) or *", action_key or "Action")
    resource_key = _one_of(raw, "Resource", "NotResource", fail, required=kind not in _RESOURCE_OPTIONAL)
    if resource_key:
        resources: tuple[str, ...] | None = _strings(raw[resource_key], resource_key, fail, allow_empty=resource_key == "Resource")
    else:
        resources = () if kind == "key_policy" else None  # a key policy statement without Resource covers nothing
    principal_key = _one_of(raw, "Principal", "NotPrincipal", fail, required=kind in RESOURCE_POLICY_KINDS)
    principal = None
    if principal_key:
        if kind not in RESOURCE_POLICY_KINDS:
            raise fail(principal_key, f"a {KIND_LABELS[kind]} has no {principal_key}: it applies to whoever it is attached to", principal_key)
        if kind == "rcp" and (principal_key == "NotPrincipal" or raw[principal_key] != "*"):
            raise fail(principal_key, 'an RCP statement\'s Principal must be "*"', principal_key)
        principal = _principal(raw[principal_key], principal_key, fail)
    allow_variables = version == "2012-10-17"
    conditions: tuple[Clause, ...] = ()
    if "Condition" in raw:
        try:
            conditions = compile_condition(raw["Condition"], allow_variables)
        except ConditionSyntaxError as error:
            element = ".".join(("Condition",) + error.path)
            raise fail(element, error.problem, "Condition", *error.path) from None
    templates, resource_set = _compiled_resources(resources, allow_variables) if resources is not None else ((), None)
    return Statement(
        source=source, kind=kind, index=index, sid=sid, effect=effect,
        actions=actions, not_action=action_key == "NotAction",
        resources=resources, not_resource=resource_key == "NotResource",
        principal=principal, not_principal=principal_key == "NotPrincipal",
        conditions=conditions, version=version, _locations=locations,
        _principal_index=index_principal(principal) if principal is not None and principal_key == "Principal" else None,
        _exact_actions=exact, _action_patterns=patterns, _resource_templates=templates, _resource_set=resource_set,
    )


_RESOURCE_OPTIONAL = frozenset({"scp", "rcp", "vpc_endpoint", "key_policy"})


@lru_cache(maxsize=4096)
def _compiled_actions(actions: tuple[str, ...]) -> tuple[frozenset[str], tuple[Glob, ...], str | None]:
    """(exact actions, wildcard patterns, the first entry that is not ``service:action``), lower case;
    one answer for every statement that repeats an Action list (most say ``kms:*`` or a few names)."""
    bad = next((a for a in actions if a != "*" and not _ACTION.match(a)), None)
    lowered = [a.lower() for a in actions]
    return (frozenset(a for a in lowered if not has_wildcard(a)), tuple(compile_glob(a) for a in lowered if has_wildcard(a)),
            bad)


@lru_cache(maxsize=4096)
def _compiled_resources(resources: tuple[str, ...], allow_variables: bool) -> tuple[tuple[Template | None, ...], PatternSet | None]:
    """(each entry's policy-variable template, or () when none has one; the compiled list when none has one)."""
    templates = tuple(parse_template(r) for r in resources) if allow_variables else ()
    if any(templates):
        return templates, None
    return (), pattern_set(resources)


def _one_of(raw: dict[str, Any], positive: str, negative: str, fail: Any, required: bool) -> str | None:
    if positive in raw and negative in raw:
        raise fail(negative, f"a statement has {positive} or {negative}, not both")
    if positive in raw:
        return positive
    if negative in raw:
        return negative
    if required:
        raise fail(positive, f"the statement has neither {positive} nor {negative}")
    return None


def _strings(value: Any, element: str, fail: Any, allow_empty: bool = False) -> tuple[str, ...]:
    if value.__class__ is str and value.strip():  # the common case: one string
        return (value,)
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value and not allow_empty:
        raise fail(element, "must not be an empty list", element)
    for item in items:
        if not isinstance(item, str):
            raise fail(element, f"must be a string or a list of strings; found {_type_name(item)}", element)
        if not item.strip():
            raise fail(element, "must not be an empty string", element)
    return tuple(items)


def _principal(value: Any, element: str, fail: Any) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict):
        raise fail(element, f'must be "*" or an object such as {{"AWS": "arn:aws:iam::111122223333:root"}}, not {_type_name(value)}', element)
    parsed: dict[str, tuple[str, ...]] = {}
    for kind, entries in value.items():
        if kind not in _PRINCIPAL_TYPES:
            raise fail(element, f"unknown principal type {kind!r}; use AWS, Service, Federated or CanonicalUser", element)
        values = _strings(entries, element, fail)
        parsed[kind] = tuple(normalize_aws_principal(v) for v in values) if kind == "AWS" else values
    if not parsed:
        raise fail(element, "names no principal", element)
    return parsed


def _put_key_policy_characters(data: Any, text: str | None, source: str) -> None:
    """PutKeyPolicy takes printable ASCII and Latin-1 (U+0020 to U+00FF), tab, line feed and carriage
    return only (KMS API reference, PutKeyPolicy, Policy): anything else in a key policy is refused,
    in its text or in a string as JSON decodes it (``"\\u2603"`` is the character itself)."""
    if text is not None and "\\u" not in text and not _refused_in_text(text):
        return  # the common case: nothing refused, and no escapes that could decode to something refused
    found = _refused_in_strings(data)
    if found is None:
        return
    char, element = found
    raw = text.find(char) if text is not None else -1
    line = text.count("\n", 0, raw) + 1 if text is not None and raw >= 0 else None
    raise PolicyError(source, line, element, f"U+{ord(char):04X} is a character PutKeyPolicy refuses: a key "
                      "policy holds printable ASCII and Latin-1 characters (U+0020 to U+00FF), tab, line feed and "
                      "carriage return only")


_PLAIN_ASCII = bytes([9, 10, 13]) + bytes(range(0x20, 0x7F))  # the ASCII PutKeyPolicy takes


def _refused_in_text(text: str) -> bool:
    """Whether the text holds a character PutKeyPolicy refuses (ASCII text, the common case, is checked
    as bytes: five times faster than the regular expression)."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PLAIN_ASCII))
    return _KEY_POLICY_REFUSED.search(text) is not None


def _refused_in_strings(data: Any) -> tuple[str, str] | None:
    """The first refused character in a key or string of the document, and where (``Statement[0].Sid``)."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = _KEY_POLICY_REFUSED.search(value)
            if found is not None:
                return found.group(), path or "Policy"
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                where = f"{path}.{key}" if path else str(key)
                stack.append((item, where))
                stack.append((key, where))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value))))
    return None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _did_you_mean(word: str, choices: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""
