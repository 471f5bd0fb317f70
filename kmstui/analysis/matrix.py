"""The access matrix: every principal × every key action for one key, or every key × action for one principal.

Pure core (no Textual, no boto3). A matrix is planned first — its columns (KMS actions on keys) and
row headers are known at once, so a UI can draw them — then its rows are evaluated one by one by
:func:`iter_rows`, which a UI can drive from a worker thread (``progress``, ``cancel``).

Rows of a key matrix: the Snapshot's users and roles, the users, roles and role sessions its key
policy names (account roots and ``"*"`` aside), and the grantees of its grants. Rows of a principal
matrix: the Snapshot's keys. Each cell is the engine's result and ``decided_by``; the full
:class:`~kmstui.engine.trace.Decision` (with its trace) is recomputed on demand by
:meth:`Matrix.cell_decision`, so a matrix of 100,000 cells does not hold 100,000 traces.

Speed: for a row, the PolicySet is built once by :meth:`Snapshot.policy_set` — which parses each
policy once per Snapshot — and every action is evaluated against it. Only the row key's own aliases
go into its PolicySet: a request naming the key by ARN uses no other alias.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import gc
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from kmstui.sources.snapshot import SnapshotError
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED, IMPLICITLY_DENIED, REJECTED

# Operations that need an alias besides the key: not a cell of a key × principal matrix.
ALIAS_OPERATIONS = frozenset({"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"})

GROUPS = ("cryptographic", "key-management", "grants", "tags", "aliases")
GROUP_LABELS = {"cryptographic": "cryptographic operations", "key-management": "key management",
                "grants": "grants", "tags": "tags", "aliases": "aliases"}
_CRYPTO_CONDITION_GROUPS = ("Conditions for cryptographic operations", "Conditions for signing and verification")

GLYPHS = {ALLOWED: "✓", EXPLICITLY_DENIED: "✗", IMPLICITLY_DENIED: "·", REJECTED: "⊘"}
ERROR_GLYPH, PENDING_GLYPH = "!", " "

Progress = Callable[[int, int], None]


class MatrixError(ValueError):
    """An unknown key, principal or action pattern, or a key policy that cannot be read; one line."""


# -- columns -------------------------------------------------------------------------------------


def action_group(action: Any) -> str:
    """The group of a reference :class:`~kmstui.reference.model.Action`, from its name and reference data."""
    short = action.name.split(":", 1)[1]
    if "Alias" in short:
        return "aliases"
    if "Grant" in short:
        return "grants"
    if "Tagging" in action.access_level or short == "ListResourceTags":
        return "tags"
    if any(name in _CRYPTO_CONDITION_GROUPS for name, _ in action.condition_key_groups):
        return "cryptographic"
    return "key-management"


def key_actions() -> tuple[str, ...]:
    """The matrix columns: reference actions authorized on a key, except the alias operations.

    Ordered by group (cryptographic, key management, grants, tags), then by name.
    """
    from kmstui.reference.model import load_reference

    found = [a for a in load_reference().actions if "key" in a.resource_types and a.name not in ALIAS_OPERATIONS]
    order = {group: index for index, group in enumerate(GROUPS)}
    return tuple(a.name for a in sorted(found, key=lambda a: (order[action_group(a)], a.name.lower())))


def group_actions(actions: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """``{group: action names}`` for filtering, in :data:`GROUPS` order, empty groups left out.

    ``actions`` defaults to the matrix columns; pass every reference action name to get the alias
    operations and the ``*``-resource actions grouped too.
    """
    from kmstui.reference.model import load_reference

    reference = load_reference()
    names = key_actions() if actions is None else tuple(actions)
    grouped: dict[str, list[str]] = {group: [] for group in GROUPS}
    for name in names:
        action = reference.action(name)
        if action is None:
            raise MatrixError(f"unknown KMS action {name!r}")
        grouped[action_group(action)].append(action.name)
    return {group: tuple(found) for group, found in grouped.items() if found}


def select_actions(pattern: str | None, columns: Iterable[str] | None = None) -> tuple[str, ...]:
    """The columns a pattern picks, in column order.

    ``pattern`` is comma-separated terms, each a group name (``cryptographic``, ``key-management``,
    ``grants``, ``tags``), a glob (``Generate*``, ``kms:*Key``), an action name, or a part of one
    (``decrypt``); any case, ``kms:`` optional. None or empty: every column.
    """
    columns = key_actions() if columns is None else tuple(columns)
    if not pattern or not pattern.strip():
        return columns
    groups = group_actions(columns)
    chosen: set[str] = set()
    for raw in pattern.split(","):
        term = raw.strip()
        if not term:
            continue
        group = term.lower().replace("_", "-").replace(" ", "-")
        group = {"crypto": "cryptographic", "management": "key-management", "tagging": "tags",
                 "grant": "grants", "tag": "tags"}.get(group, group)
        if group in groups:
            chosen.update(groups[group])
            continue
        bare = term.split(":", 1)[1] if term.lower().startswith("kms:") else term
        if any(c in bare for c in "*?["):
            hits = [c for c in columns if fnmatch.fnmatchcase(c.split(":", 1)[1].lower(), bare.lower())]
        else:
            exact = [c for c in columns if c.split(":", 1)[1].lower() == bare.lower()]
            hits = exact or [c for c in columns if bare.lower() in c.split(":", 1)[1].lower()]
        if not hits:
            raise MatrixError(f"--actions {term!r} matches no key action; use an action name, a glob such as "
                              f"Generate*, or a group: {', '.join(groups)}")
        chosen.update(hits)
    return tuple(c for c in columns if c in chosen)


def _columns(actions: Iterable[str] | None) -> tuple[str, ...]:
    """Validated columns: reference names, in the given order (duplicates dropped)."""
    if actions is None:
        return key_actions()
    from kmstui.reference.model import load_reference

    reference = load_reference()
    found: list[str] = []
    for name in actions:
        action = reference.action(name)
        if action is None:
            raise MatrixError(f"unknown KMS action {name!r}")
        if "key" not in action.resource_types or action.name in ALIAS_OPERATIONS:
            raise MatrixError(f"{action.name} is not authorized on a key alone, so it is not a matrix column")
        if action.name not in found:
            found.append(action.name)
    return tuple(found)


# -- the matrix ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    result: str
    decided_by: str
    if_known: bool = False  # denied, but a condition with no value in the (empty) request context would allow

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED

    @property
    def glyph(self) -> str:
        return GLYPHS.get(self.result, "?")

    def to_dict(self) -> dict[str, str]:
        return {"result": self.result, "decided_by": self.decided_by}


@dataclass
class Row:
    """One principal (key matrix) or one key (principal matrix), and its cells once evaluated."""

    label: str
    principal: str  # the principal ARN evaluated
    key: str  # the key ARN evaluated
    kind: str  # user, role, role-session, service, … for a key matrix; "key" for a principal matrix
    sources: tuple[str, ...] = ()  # why the row is there: snapshot, key policy, grant
    cells: dict[str, Cell] = field(default_factory=dict)
    error: str | None = None
    done: bool = False

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(a for a, c in self.cells.items() if c.allowed)

    def glyph(self, action: str) -> str:
        if self.error:
            return ERROR_GLYPH
        cell = self.cells.get(action)
        return cell.glyph if cell else PENDING_GLYPH


@dataclass
class Matrix:
    """``kind`` is "key" (rows are principals) or "principal" (rows are keys)."""

    kind: str
    subject: str  # the key ARN or the principal ARN
    label: str  # the key's first alias or id; the principal's name
    actions: tuple[str, ...]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)  # load errors and gaps that concern the matrix
    cancelled: bool = False
    snapshot: Any = field(default=None, repr=False, compare=False)
    _sets: Any = field(default=None, repr=False, compare=False)

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.done)

    @property
    def complete(self) -> bool:
        return all(r.done for r in self.rows)

    def row(self, which: int | str) -> Row:
        """A row by index, or by principal / key ARN or label."""
        if isinstance(which, int):
            return self.rows[which]
        for row in self.rows:
            if which in (row.principal if self.kind == "key" else row.key, row.label):
                return row
        raise MatrixError(f"no row {which!r} in this matrix")

    def cell(self, which: int | str, action: str) -> Cell:
        row = self.row(which)
        name = _action_name(action)
        if name not in row.cells:
            raise MatrixError(f"no cell {name} for {row.label}" + (f": {row.error}" if row.error else " (not evaluated)"))
        return row.cells[name]

    def cell_decision(self, which: int | str | Row, action: str) -> Any:
        """The engine's full Decision (with its trace) for a cell, evaluated again."""
        from kmstui.engine.order import evaluate
        from kmstui.engine.resolve import Request

        row = which if isinstance(which, Row) else self.row(which)
        key = self._sets.key(row.key)
        policies = self._sets.policy_set(row.principal, key)
        return evaluate(Request(row.principal, _action_name(action), key.arn, key.account), policies)

    def to_dict(self, allowed_only: bool = False) -> dict[str, Any]:
        """The JSON shape: {"key"|"principal": ARN, "actions": […], "rows": [{…, "cells": {action: …}}]}.
        Rows whose cells are the same objects (rows the order cannot tell apart) share one "cells" dict:
        read it, do not change it. The CLI writes a shared one's JSON once."""
        rows = []
        shared: dict[tuple[int, ...], dict[str, dict[str, str]]] = {}
        for row in self.rows:
            if allowed_only and not row.allowed:
                continue
            entry: dict[str, Any] = ({"principal": row.principal, "kind": row.kind, "from": list(row.sources)}
                                     if self.kind == "key" else {"key": row.key, "label": row.label})
            same = tuple(map(id, row.cells.values()))  # (the cells are alive while this runs: ids are theirs)
            cells = shared.get(same)
            if cells is None:
                cells = shared[same] = {a: row.cells[a].to_dict() for a in self.actions if a in row.cells}
            entry["cells"] = cells
            if row.error:
                entry["error"] = row.error
            rows.append(entry)
        data: dict[str, Any] = {self.kind: self.subject, "label": self.label, "actions": list(self.actions), "rows": rows}
        if self.notes:
            data["notes"] = list(self.notes)
        if self.cancelled:
            data["cancelled"] = True
        return data


def _action_name(action: str) -> str:
    from kmstui.reference.model import load_reference

    found = load_reference().action(action)
    if found is None:
        raise MatrixError(f"unknown KMS action {action!r}")
    return found.name


# -- planning ------------------------------------------------------------------------------------


def key_label(key: Any) -> str:
    """A key's first alias, or its id."""
    names = key.alias_names
    return names[0] if names else key.key_id


def plan_key_matrix(snapshot: Any, key_ref: str, actions: Iterable[str] | None = None,
                    principals: Iterable[str] | None = None) -> Matrix:
    """A key matrix with its columns and row headers, no cell evaluated yet (see :func:`iter_rows`)."""
    from kmstui.sources.snapshot import SnapshotError

    try:
        key = snapshot.find_key(key_ref)
    except SnapshotError as error:
        raise MatrixError(str(error)) from None
    columns = _columns(actions)
    sets = _PolicySets(snapshot)
    key_policy = sets.key_policy(key)  # raises MatrixError for an unreadable policy
    try:
        sets.check_grants(key)
    except ValueError as error:
        raise MatrixError(f"grants of {key.key_id}: {error}") from None

    rows: dict[str, Row] = {}

    def add(arn: str, source: str, label: str | None = None, kind: str | None = None) -> None:
        found = rows.get(arn)
        if found is not None:
            if source not in found.sources:
                found.sources += (source,)
            return
        caller_kind = kind or _caller_kind(arn)
        if caller_kind is None:
            return
        rows[arn] = Row(label or _principal_label(arn, caller_kind, key.account), arn, key.arn, caller_kind, (source,))

    if principals is None:
        loaded = [p for p in snapshot.principals if p.kind in ("user", "role")]
        for p in sorted(loaded, key=lambda p: (p.kind != "user", p.account != key.account, p.account, p.name.lower())):
            add(p.arn, "snapshot", _principal_label(p.arn, p.kind, key.account, p.name), p.kind)
        for arn in key_policy_principals(key_policy):
            add(sets.canonical_arn(arn), "key policy")
        for arn in grantees(key):
            add(sets.canonical_arn(arn), "grant")
    else:
        for text in principals:
            arn = _principal_arn(snapshot, text)
            add(arn, "chosen")
    matrix = Matrix("key", key.arn, key_label(key), columns, list(rows.values()), snapshot=snapshot, _sets=sets)
    matrix.notes += _key_notes(snapshot, key)
    return matrix


def plan_principal_matrix(snapshot: Any, principal_ref: str, actions: Iterable[str] | None = None,
                          keys: Iterable[str] | None = None) -> Matrix:
    """A principal matrix (rows are the Snapshot's keys, or ``keys``), no cell evaluated yet."""
    from kmstui.sources.snapshot import SnapshotError

    arn = _principal_arn(snapshot, principal_ref)
    columns = _columns(actions)
    sets = _PolicySets(snapshot)
    if keys is None:
        chosen = list(snapshot.keys)
    else:
        chosen = []
        for text in keys:
            try:
                found = snapshot.find_key(text)
            except SnapshotError as error:
                raise MatrixError(str(error)) from None
            if found not in chosen:
                chosen.append(found)
    rows = [Row(key_label(k), arn, k.arn, "key", ("snapshot",)) for k in chosen]
    principal = sets.principal(arn)
    label = principal.name if principal is not None and principal.arn == arn else arn
    matrix = Matrix("principal", arn, label, columns, rows, snapshot=snapshot, _sets=sets)
    if principal is None:
        matrix.notes.append(f"{arn} is not in the snapshot: no identity policies are known for it")
    matrix.notes += [f"{e.what}: {e.message}" for e in snapshot.missing_for(principal, [])]
    return matrix


def _key_notes(snapshot: Any, key: Any) -> list[str]:
    notes = []
    if key.policy is None:
        notes.append(f"the key policy of {key.key_id} was not loaded: only grants can allow")
    notes += [f"{e.what}: {e.message}" for e in snapshot.missing_for(None, [key])]
    return notes


def _principal_arn(snapshot: Any, text: str) -> str:
    """A loaded user or role (name or ARN), or any principal ARN the engine understands."""
    from kmstui.policy.principals import PrincipalError, parse_caller
    from kmstui.sources.snapshot import SnapshotError

    value = text.strip()
    group = next((p for p in snapshot.principals if p.kind == "group" and value in (p.arn, p.name)), None)
    try:
        arn = snapshot.principal_arn(value)
    except SnapshotError as error:
        if group is not None:
            raise MatrixError(f"{value!r} is an IAM group: a matrix is for users, roles and role sessions") from None
        raise MatrixError(str(error)) from None
    if group is not None and arn == value and snapshot.find_principal(value) is None:
        raise MatrixError(f"{value!r} is an IAM group: a matrix is for users, roles and role sessions")
    try:
        parse_caller(arn)
    except PrincipalError as error:
        raise MatrixError(str(error)) from None
    return arn


def _caller_kind(arn: str) -> str | None:
    from kmstui.policy.principals import PrincipalError, parse_caller

    try:
        return parse_caller(arn).kind
    except PrincipalError:
        return None


def _principal_label(arn: str, kind: str, key_account: str, name: str | None = None) -> str:
    if kind == "service":
        return arn
    if name is None:
        resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else arn
        name = resource.split("/", 1)[1] if "/" in resource else resource
        if kind in ("user", "role"):
            name = name.rsplit("/", 1)[-1]
    account = arn.split(":")[4] if arn.startswith("arn:") else ""
    word = {"role-session": "session"}.get(kind, kind)
    return f"{word} {name}" + (f" ({account})" if account and account != key_account else "")


def key_policy_principals(policy: Any) -> list[str]:
    """User, role and role-session ARNs a key policy's Principal elements name (no roots, no "*")."""
    if policy is None:
        return []
    found: dict[str, None] = {}  # in order, each once (a list's `in` made 20,000 statements take seconds)
    for statement in policy.statements:
        if statement.principal is None or statement.not_principal:
            continue
        for value in statement.principal.get("AWS", ()):
            if value not in found and _is_named_principal(value):
                found[value] = None
    return list(found)


def grantees(key: Any) -> list[str]:
    """The grantee principals of a key's grants (users, roles, role sessions, services)."""
    found: dict[str, None] = {}
    for grant in key.grants:
        value = str(grant.get("GranteePrincipal") or grant.get("GranteeServicePrincipal") or "")
        if value not in found and (_is_named_principal(value) or (value.endswith(".amazonaws.com") and "*" not in value)):
            found[value] = None
    return list(found)


def _is_named_principal(value: str) -> bool:
    return (value.startswith("arn:") and "*" not in value and "?" not in value
            and any(part in value for part in (":user/", ":role/", ":assumed-role/"))
            and _caller_kind(value) is not None)


# -- evaluation ------------------------------------------------------------------------------------


def iter_rows(matrix: Matrix, progress: Progress | None = None, cancel: threading.Event | None = None,
              workers: int = 1) -> Iterator[Row]:
    """Evaluate the rows not yet done, yielding each as it is filled.

    ``progress(done, total)`` is called once before the first row and after every row; when
    ``cancel`` is set the matrix stops before the next row (or chunk of rows) and is marked
    ``cancelled``. ``workers`` > 1 evaluates chunks of rows in that many forked processes (POSIX
    only, and only from a single-threaded program such as the CLI); rows are then yielded in the
    order their chunks finish. Otherwise rows are evaluated here, in order.
    """
    total = len(matrix.rows)
    done = matrix.done
    if progress is not None:
        progress(done, total)
    pending = [i for i, row in enumerate(matrix.rows) if not row.done]
    if workers > 1 and len(pending) >= 2 * _MIN_CHUNK and _can_fork():
        evaluated: Iterator[tuple[int, dict[str, Cell], str | None]] = _evaluate_forked(matrix, pending, cancel, workers)
    else:
        evaluated = ((i, *_evaluate_row(matrix, matrix.rows[i])) for i in pending
                     if not (cancel is not None and cancel.is_set()))
    for index, cells, error in evaluated:
        row = matrix.rows[index]
        row.cells, row.error, row.done = cells, error, True
        done += 1
        if progress is not None:
            progress(done, total)
        yield row
    matrix.cancelled = not matrix.complete and cancel is not None and cancel.is_set()


_MIN_CHUNK = 16
_FORKED: Matrix | None = None  # the matrix a forked worker evaluates (inherited, never pickled)


def _evaluate_row(matrix: Matrix, row: Row) -> tuple[dict[str, Cell], str | None]:
    """Every action of a row (see :func:`decide_row`); a row that cannot be evaluated gets an error.
    A cell's trace is built when it is opened (Matrix.cell_decision)."""
    sets: _PolicySets = matrix._sets
    key = sets.key(row.key)
    try:
        policies = sets.policy_set(row.principal, key)
        cells = decide_row(row.principal, key, matrix.actions, policies, sets.fingerprints, sets.rows)
    except ValueError as error:  # PolicyError, RequestError, MatrixError
        text = str(error)
        return {}, (text.splitlines()[0] if text else type(error).__name__)
    return dict(zip(matrix.actions, cells)), None


def decide_row(principal: str, key: Any, actions: tuple[str, ...], policies: Any, fingerprints: Any,
               shared: dict[tuple[str, Any], tuple[Cell, ...]], now: datetime | None = None) -> tuple[Cell, ...]:
    """The cells of one (principal, key) for every action, on the engine's fast path: the row's
    statements are matched once for all its columns (decide's memo), columns the order cannot tell
    apart are decided once (column_classes), equal cells are one object, and a row the order cannot
    tell from one already decided on this key (engine.fingerprint; ``shared`` keeps them) takes its
    cells. Used by the key and principal matrices and by organisation runs; raises ValueError
    (PolicyError, RequestError) when the row cannot be evaluated."""
    from kmstui.engine.order import decide
    from kmstui.engine.resolve import Request

    now = now or datetime.now(timezone.utc)  # one moment for the whole row and its fingerprint
    fingerprint = fingerprints.of(Request(principal, "", key.arn, key.account), actions, policies, now)
    found = shared.get((key.arn, fingerprint)) if fingerprint is not None else None
    if found is not None:
        return found
    memo: dict[Any, Any] = {}
    decided: dict[tuple, Cell] = {}
    account = principal.split(":")[4] if principal.startswith("arn:") else None
    cells = []
    for action, column in zip(actions, column_classes(actions, policies, key.metadata,
                                                      account is not None and account != key.account)):
        cell = decided.get(column)
        if cell is None:
            verdict = decide(Request(principal, action, key.arn, key.account), policies, now, memo=memo)
            cell = decided[column] = _shared_cell(verdict.result, verdict.decided_by, bool(verdict.if_known))
        cells.append(cell)
    found = tuple(cells)
    if fingerprint is not None:
        shared[(key.arn, fingerprint)] = found
    return found


def column_classes(actions: tuple[str, ...], policies: Any, metadata: Any, cross_account: bool) -> list[tuple]:
    """For each column, what the evaluation order reads of its action: the statements that cover it in
    every policy (Policy.action_classes), the condition keys its requests carry, its cross-account use,
    its grant operation and KMS's refusal for this key. Columns with equal classes have equal cells, so
    a row decides each class once. tests/test_matrix_rows.py holds every cell to the engine's."""
    lowered = tuple(a.lower() for a in actions)
    parsed = policies.policies()
    per_policy = [policy.action_classes(lowered) for policy in parsed]
    grants = [tuple(str(o) for o in g.get("Operations") or ()) for group in policies.grants.all() for g in group]
    used = frozenset().union(*(policy.condition_keys for policy in parsed))
    facts = (tuple(grants), _metadata_key(metadata), used, cross_account)
    by_column = zip(*per_policy) if per_policy else ((),) * len(actions)  # each column's class in every policy
    return [(classes,) + _action_facts(action, *facts) for action, classes in zip(actions, by_column)]


def _metadata_key(metadata: Any) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in (metadata or {}).items() if k in ("KeySpec", "CustomerMasterKeySpec", "KeyUsage",
                                                                                 "Origin", "KeyManager")))


@functools.lru_cache(maxsize=4096)
def _action_facts(action_name: str, grants: tuple[tuple[str, ...], ...], metadata: tuple, used: frozenset[str],
                  cross_account: bool) -> tuple:
    """What the order reads of the action itself, besides the statements that cover it: of the kms:
    condition keys its requests carry, only those some condition of the policies names; its
    cross-account use, for a caller of another account; grants, when the key has some; whether KMS
    refuses it for this key (a cell shows only that it does)."""
    from kmstui.engine.grants import ENCRYPTION_CONTEXT_OPERATIONS
    from kmstui.engine.kms_rules import key_type_rejection
    from kmstui.reference.model import load_reference

    reference = load_reference()
    action = reference.action(action_name)
    operation = action_name.split(":", 1)[1]
    carried = frozenset(key for key in used if key.startswith("kms:") and reference.carries(action, key))
    return (carried, action.cross_account if cross_account else None, operation == "RetireGrant",
            bool(grants) and operation in ENCRYPTION_CONTEXT_OPERATIONS, tuple(operation in ops for ops in grants),
            bool(metadata) and key_type_rejection(action, dict(metadata)) is not None)


@functools.lru_cache(maxsize=256)
def _shared_cell(result: str, decided_by: str, if_known: bool) -> Cell:
    """One Cell object for each distinct outcome (a 5,000-row matrix holds a handful of them)."""
    return Cell(result, decided_by, if_known)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _forked_chunk(indexes: list[int]) -> list[tuple[int, list[tuple[str, str, str, bool]], str | None]]:
    assert _FORKED is not None
    found = []
    for index in indexes:
        cells, error = _evaluate_row(_FORKED, _FORKED.rows[index])
        found.append((index, [(a, c.result, c.decided_by, c.if_known) for a, c in cells.items()], error))
    return found


def _evaluate_forked(matrix: Matrix, pending: list[int], cancel: threading.Event | None,
                     workers: int) -> Iterator[tuple[int, dict[str, Cell], str | None]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    global _FORKED
    size = max(_MIN_CHUNK, min(64, len(pending) // (workers * 8) or 1))
    chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
    _FORKED = matrix
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        running = {pool.submit(_forked_chunk, chunk) for chunk in chunks}
        while running:
            finished, running = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
            for future in finished:
                for index, cells, error in future.result():
                    yield index, {a: Cell(r, d, k) for a, r, d, k in cells}, error
            if cancel is not None and cancel.is_set():
                return
    finally:
        _FORKED = None
        pool.shutdown(wait=True, cancel_futures=True)


def fill(matrix: Matrix, progress: Progress | None = None, cancel: threading.Event | None = None,
         workers: int = 1) -> Matrix:
    """Evaluate every row not yet done (see :func:`iter_rows`)."""
    with _collector_paused():
        for _ in iter_rows(matrix, progress, cancel, workers):
            pass
    return matrix


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a matrix fills. Its rows allocate millions of small objects
    and keep many (each principal's parsed policies); every collection walks them and finds nothing to
    free: a fill makes no reference cycles (tests/test_shortcuts.py holds it to that). At Python's
    default, collections took a fifth of a cold 5,000-row matrix. What the fill kept then goes to the
    oldest generation unscanned (freeze, then unfreeze: ``gc``'s own way to move objects there), as two
    collections would have moved it; re-enabled, the collector would otherwise walk all of it at once
    (50-110 ms). Inside another pause (matrix_for_key's around fill's), or when the caller turned the
    collector off, this does nothing more. The app's fill freezes what exists instead (screens/matrix.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:  # nothing frozen by the caller, so unfreeze returns only these
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def matrix_for_key(snapshot: Any, key_ref: str, actions: Iterable[str] | None = None,
                   principals: Iterable[str] | None = None, progress: Progress | None = None,
                   cancel: threading.Event | None = None, workers: int = 1) -> Matrix:
    """Every principal × every key action for one key (``actions``/``principals`` narrow it)."""
    with _collector_paused():  # planning too: its allocations set off the full collection a new snapshot has made due
        return fill(plan_key_matrix(snapshot, key_ref, actions, principals), progress, cancel, workers)


def matrix_for_principal(snapshot: Any, principal_ref: str, actions: Iterable[str] | None = None,
                         keys: Iterable[str] | None = None, progress: Progress | None = None,
                         cancel: threading.Event | None = None, workers: int = 1) -> Matrix:
    """Every key × every key action for one principal (``actions``/``keys`` narrow it)."""
    with _collector_paused():  # (planning too: see matrix_for_key)
        return fill(plan_principal_matrix(snapshot, principal_ref, actions, keys), progress, cancel, workers)


class _PolicySets:
    """The (principal, key) PolicySets of a matrix, from :meth:`Snapshot.policy_set` (which parses
    each policy once per Snapshot), with the errors a matrix reports as :class:`MatrixError`."""

    def __init__(self, snapshot: Any) -> None:
        from kmstui.engine.fingerprint import Fingerprints

        self.snapshot = snapshot
        self.keys = {k.arn: k for k in snapshot.keys}
        self.fingerprints = Fingerprints()
        self._key_sides: dict[str, Any] = {}  # key ARN → a PolicySet whose key side the key's rows share
        self.rows: dict[tuple[str, Any], tuple[Cell, ...]] = {}  # (key, fingerprint) → the cells of the first such row

    def key(self, arn: str) -> Any:
        return self.keys[arn]

    def principal(self, arn: str) -> Any:
        """The loaded user or role behind an ARN (a role session: its role), or None."""
        try:
            return self.snapshot.find_principal(arn)
        except SnapshotError:
            return None

    def canonical_arn(self, arn: str) -> str:
        """A loaded principal's own ARN for a policy's spelling of it (a role named without its path)."""
        if ":role/" in arn and arn.startswith("arn:"):
            found = self.snapshot.find_role(arn.split(":")[4], arn.rsplit("/", 1)[-1])
            if found is not None:
                return found.arn
        return arn

    def key_policy(self, key: Any) -> Any:
        from kmstui.policy.document import PolicyError

        try:
            return self.snapshot.parsed(key.policy, "key_policy", f"key policy of {key.key_id}",
                                        lambda: f"keys[{self.snapshot.keys.index(key)}].policy") if key.policy else None
        except (PolicyError, SnapshotError) as error:
            raise MatrixError(str(error).splitlines()[0]) from None

    def check_grants(self, key: Any) -> None:
        from kmstui.engine.key_data import parse_grants

        parse_grants(key.grants, source=f"grants of {key.key_id}")

    def policy_set(self, principal_arn: str, key: Any) -> Any:
        """The row's PolicySet; the key side is checked once per key, not once per row."""
        like = self._key_sides.get(key.arn)
        found = self.snapshot.policy_set(principal_arn, [key], own_aliases=True, like=like)
        if like is None:
            self._key_sides[key.arn] = found
        return found
