"""Who can use which key across an organisation: every key of every account × the principals of any
account that its policies may allow × every key action, cross-account rules applied.

The input is a folder with one snapshot per account (a saved ``*.json`` snapshot or a folder that
``kmstui.sources.files.load_path`` reads; see :func:`kmstui.sources.organization.organization_entries`).
Rows are (key, principal) pairs: for a key of account B, every user and role of B, and every user
and role of an account A whose account (or ``"*"``, or an Allow with NotPrincipal) an Allow
statement of the key policy names or a grant's grantee is, plus the user, role and role-session
ARNs the key policy names and the grantees of its grants. Any other principal of another account
cannot be allowed (AWS: cross-account use needs the key policy or a grant to allow the external
account or principal), so it has no row. A principal of another account is evaluated with its own
account's identity policies, boundary and SCPs, and the key's policy, grants and RCPs
(:func:`kmstui.sources.organization.policy_set_across`); a row is decided as the access matrix decides
one (:func:`kmstui.analysis.matrix.decide_row`: the engine's fast path, columns the order cannot tell
apart decided once, and rows of a key that the order cannot tell apart sharing their cells).

The work is one task per (account, chunk of keys). :class:`OrganizationRun` runs the tasks in this
process (``workers=1``, the reference result) or on ``dask.distributed`` (``pip install
"kmstui[dask]"``): a LocalCluster of ``workers`` processes, an existing scheduler (``scheduler=
"tcp://HOST:PORT"``) or a given ``Client``. Each process loads a snapshot once
(:func:`kmstui.sources.organization.cached_snapshot`), so every worker must see the folder at the
same path (a shared file system). Tasks send back compact rows (one bitmask per outcome over the
columns); rows stream back in the order tasks finish, each task's in key then principal order.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from kmstui.analysis.matrix import decide_row
from kmstui.engine.fingerprint import Fingerprints
from kmstui.engine.trace import ALLOWED, EXPLICITLY_DENIED, REJECTED
from kmstui.sources.organization import cached_snapshot, organization_entries, policy_set_across

DEFAULT_CHUNK_KEYS = 8  # keys per task
DEFAULT_WORKERS = 2  # LocalCluster workers when Dask runs and no number is given

Progress = Callable[[int, int], None]


class OrganizationError(ValueError):
    """An organisation that cannot be run: no snapshots, an account in two entries, no Dask; one line."""


@dataclass(frozen=True)
class OrgRow:
    """One (key, principal) row: the key actions in each outcome (implicitly denied: the rest)."""

    key: str
    principal: str | None  # None: the key could not be evaluated at all (see error)
    allowed: tuple[str, ...] = ()
    denied_explicitly: tuple[str, ...] = ()
    if_known: tuple[str, ...] = ()  # denied, but a condition with no value in the (empty) context would allow
    rejected: tuple[str, ...] = ()  # allowed by the policies, refused by KMS for this key (RejectedByKMS)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "principal": self.principal, "allowed": list(self.allowed),
                                "denied_explicitly": list(self.denied_explicitly), "if_known": list(self.if_known),
                                "rejected": list(self.rejected)}
        if self.error is not None:
            data["error"] = self.error
        return data


# A task's compact row: (key index in the task, principal, allowed, denied, if_known, rejected masks, error).
Compact = tuple[int, "str | None", int, int, int, int, "str | None"]


@dataclass
class Survey:
    """What the planner needs of one entry: its accounts and its key ARNs."""

    entry: str
    accounts: tuple[str, ...]
    keys: tuple[str, ...]
    principals: int


@dataclass
class OrgPlan:
    entries: list[str]
    accounts: dict[str, str]  # account id → entry
    tasks: list[tuple[str, tuple[str, ...]]]  # (entry, key ARNs)
    actions: tuple[str, ...]
    keys: int = 0
    principals: int = 0
    notes: list[str] = field(default_factory=list)


# -- the work of one task (runs on a worker) ------------------------------------------------------


def survey_entry(entry: str) -> Survey:
    snapshot = cached_snapshot(entry)
    users_roles = sum(1 for p in snapshot.principals if p.kind in ("user", "role"))
    return Survey(entry, tuple(snapshot.accounts), tuple(k.arn for k in snapshot.keys), users_roles)


def evaluate_chunk(entry: str, key_arns: Sequence[str], accounts: dict[str, str],
                   actions: Sequence[str]) -> list[Compact]:
    """Every candidate principal × ``actions`` for each key of ``key_arns`` (keys of ``entry``)."""
    from kmstui.sources.snapshot import Snapshot

    snapshot = cached_snapshot(entry)
    by_arn = {k.arn: k for k in snapshot.keys}
    outside = Snapshot()  # a principal of an account the organisation folder does not hold: no policies known
    rows: list[Compact] = []
    fingerprints, shared = Fingerprints(), {}  # rows of a key that the order cannot tell apart share their cells
    for index, arn in enumerate(key_arns):
        key = by_arn[arn]
        try:
            candidates = candidate_principals(snapshot, key, accounts)
        except ValueError as error:  # the key policy does not parse
            rows.append((index, None, 0, 0, 0, 0, _one_line(error)))
            continue
        for principal_arn, principal_entry in candidates:
            principal_snapshot = (snapshot if principal_entry == entry else
                                  cached_snapshot(principal_entry) if principal_entry is not None else outside)
            rows.append((index, principal_arn, *_row_masks(snapshot, key, principal_snapshot, principal_arn, actions,
                                                           fingerprints, shared)))
    return rows


def _row_masks(snapshot: Any, key: Any, principal_snapshot: Any, principal_arn: str, actions: Sequence[str],
               fingerprints: Fingerprints, shared: dict[Any, Any]) -> tuple[int, int, int, int, str | None]:
    allowed = denied = if_known = rejected = 0
    try:
        policies = policy_set_across(snapshot, key, principal_snapshot, principal_arn)
        cells = decide_row(principal_arn, key, tuple(actions), policies, fingerprints, shared)
    except ValueError as error:  # PolicyError, RequestError, SnapshotError: the row cannot be evaluated
        return 0, 0, 0, 0, _one_line(error)
    for bit, cell in enumerate(cells):
        if cell.result == ALLOWED:
            allowed |= 1 << bit
            continue
        if cell.result == EXPLICITLY_DENIED:
            denied |= 1 << bit
        elif cell.result == REJECTED:
            rejected |= 1 << bit
        if cell.if_known:
            if_known |= 1 << bit
    return allowed, denied, if_known, rejected, None


def _one_line(error: Exception) -> str:
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__


def candidate_principals(snapshot: Any, key: Any, accounts: dict[str, str]) -> list[tuple[str, str | None]]:
    """(principal ARN, the entry that holds its account or None) of every row of a key, in row order.

    The key's account's users and roles; the users and roles of every account the key policy's
    Allow statements or the grants open the key to (all accounts for ``"*"`` or NotPrincipal);
    then the principals they name that are not loaded (role sessions, services, unknown ARNs).
    """
    from kmstui.policy.principals import PrincipalError, parse_caller

    whole: set[str] = {key.account}
    everyone = False
    named: list[str] = []
    policy = (snapshot.parsed(key.policy, "key_policy", f"key policy of {key.key_id}",
                              lambda: f"keys[{snapshot.keys.index(key)}].policy") if key.policy else None)
    values: list[str] = []
    for statement in policy.statements if policy is not None else ():
        if statement.effect != "Allow" or statement.principal is None:
            continue
        if statement.not_principal or "*" in statement.principal:
            everyone = True
            continue
        values += statement.principal.get("AWS", ())
    for grant in key.grants:
        value = str(grant.get("GranteePrincipal") or grant.get("GranteeServicePrincipal") or "").strip()
        if value:
            values.append(value)
    for value in values:
        if value == "*":
            everyone = True
            continue
        account = value.split(":")[4] if value.startswith("arn:") and value.count(":") >= 5 else None
        if "*" in value or "?" in value:
            if account and account.isdigit():
                whole.add(account)
            else:
                everyone = True
            continue
        try:
            caller = parse_caller(value)
        except PrincipalError:
            continue
        if caller.kind == "root" and caller.account:
            whole.add(caller.account)
        elif caller.kind in ("user", "role", "role-session", "service") and value not in named:
            named.append(value)

    found: dict[str, str | None] = {}
    chosen = sorted(accounts) if everyone else sorted(whole, key=lambda a: (a != key.account, a))
    entry_of_key = accounts.get(key.account)
    for account in chosen:
        entry = accounts.get(account)
        if entry is None:
            continue
        holder = snapshot if entry == entry_of_key else cached_snapshot(entry)
        loaded = [p for p in holder.principals if p.kind in ("user", "role") and p.account == account]
        for principal in sorted(loaded, key=lambda p: (p.kind != "user", p.name.lower(), p.arn)):
            found.setdefault(principal.arn, entry)
    for value in named:
        account = value.split(":")[4] if value.startswith("arn:") else ""
        entry = accounts.get(account)
        if entry is not None and ":role/" in value:  # a role named without its path: the loaded role's ARN
            holder = snapshot if entry == entry_of_key else cached_snapshot(entry)
            role = holder.find_role(account, value.rsplit("/", 1)[-1])
            value = role.arn if role is not None else value
        found.setdefault(value, entry)
    return list(found.items())


def expand(key_arns: Sequence[str], actions: Sequence[str], compact: Iterable[Compact]) -> Iterator[OrgRow]:
    """OrgRows from a task's compact rows."""
    def names(mask: int) -> tuple[str, ...]:
        return tuple(a for bit, a in enumerate(actions) if mask >> bit & 1)

    for index, principal, allowed, denied, if_known, rejected, error in compact:
        yield OrgRow(key_arns[index], principal, names(allowed), names(denied), names(if_known), names(rejected), error)


def columns(actions: Iterable[str] | None = None) -> tuple[str, ...]:
    """The columns: the access matrix's key actions, or these of them (any case, ``kms:`` optional)."""
    from kmstui.analysis.matrix import key_actions
    from kmstui.reference.model import load_reference

    every = key_actions()
    if actions is None:
        return every
    reference = load_reference()
    chosen: list[str] = []
    for name in actions:
        found = reference.action(name if name.lower().startswith("kms:") else f"kms:{name}")
        if found is None or found.name not in every:
            raise OrganizationError(f"{name!r} is not a key action of the matrix (alias operations and actions on "
                                    "resource * are not)")
        if found.name not in chosen:
            chosen.append(found.name)
    return tuple(chosen)


# -- planning and running ------------------------------------------------------------------------


def plan(surveys: Iterable[Survey], actions: Sequence[str], chunk_keys: int = DEFAULT_CHUNK_KEYS) -> OrgPlan:
    surveys = list(surveys)
    accounts: dict[str, str] = {}
    for survey in surveys:
        for account in survey.accounts:
            if account in accounts:
                raise OrganizationError(f"account {account} is in both {accounts[account]} and {survey.entry}: "
                                        "give one snapshot per account")
            accounts[account] = survey.entry
    tasks = [(s.entry, s.keys[i:i + chunk_keys]) for s in surveys for i in range(0, len(s.keys), chunk_keys)]
    result = OrgPlan([s.entry for s in surveys], accounts, tasks, tuple(actions),
                     keys=sum(len(s.keys) for s in surveys), principals=sum(s.principals for s in surveys))
    result.notes += [f"{s.entry}: no keys and no users or roles" for s in surveys if not s.keys and s.principals == 0]
    return result


class OrganizationRun:
    """One run over an organisation folder (or a list of entries); iterate :meth:`rows`.

    ``workers=1`` with no ``scheduler`` or ``client``: this process (the reference). Otherwise
    Dask: ``client`` as given, else a Client of ``scheduler``, else a LocalCluster of ``workers``
    processes (``processes=False``: threads of this process; for tests). Counts (``tasks``,
    ``done``, ``rows_out``, ``cells``) and ``mode`` are filled as the run goes.
    """

    def __init__(self, source: str | os.PathLike[str] | Sequence[str], actions: Iterable[str] | None = None, *,
                 workers: int = 1, scheduler: str | None = None, client: Any = None,
                 chunk_keys: int = DEFAULT_CHUNK_KEYS, allowed_only: bool = False, processes: bool = True,
                 progress: Progress | None = None) -> None:
        if chunk_keys < 1:
            raise OrganizationError("chunk_keys must be 1 or more")
        if workers < 1:
            raise OrganizationError("workers must be 1 or more")
        self.entries = (organization_entries(source) if isinstance(source, (str, os.PathLike))
                        else [os.fspath(e) for e in source])
        if not self.entries:
            raise OrganizationError("no snapshots given")
        self.actions = columns(actions)
        self.workers, self.scheduler, self.client = workers, scheduler, client
        self.chunk_keys, self.allowed_only, self.processes, self.progress = chunk_keys, allowed_only, processes, progress
        self.plan: OrgPlan | None = None
        self.mode = ""
        self.tasks = self.done = self.rows_out = self.cells = 0
        self.seconds = 0.0

    @property
    def uses_dask(self) -> bool:
        return self.client is not None or self.scheduler is not None or self.workers > 1

    def rows(self) -> Iterator[OrgRow]:
        started = time.perf_counter()
        try:
            if self.uses_dask:
                yield from self._dask_rows()
            else:
                self.mode = "single process"
                plan_ = self._plan([survey_entry(e) for e in self.entries])
                for entry, keys in plan_.tasks:
                    yield from self._finish(keys, evaluate_chunk(entry, keys, plan_.accounts, plan_.actions))
        finally:
            self.seconds = time.perf_counter() - started

    def _plan(self, surveys: list[Survey]) -> OrgPlan:
        self.plan = plan(surveys, self.actions, self.chunk_keys)
        self.tasks = len(self.plan.tasks)
        if self.progress is not None:
            self.progress(0, self.tasks)
        return self.plan

    def _finish(self, keys: Sequence[str], compact: list[Compact]) -> Iterator[OrgRow]:
        self.done += 1
        for row in expand(keys, self.actions, compact):
            if row.principal is not None:
                self.cells += len(self.actions)
            if self.allowed_only and not row.allowed and row.error is None:
                continue
            self.rows_out += 1
            yield row
        if self.progress is not None:
            self.progress(self.done, self.tasks)

    def _dask_rows(self) -> Iterator[OrgRow]:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise OrganizationError('Dask is not installed: pip install "kmstui[dask]" (or run with one worker)') from None
        cluster = None
        client = self.client
        own_client = client is None
        if client is None:
            if self.scheduler is not None:
                try:
                    client = Client(self.scheduler, timeout=10)
                except (OSError, TimeoutError) as error:
                    raise OrganizationError(f"cannot reach the Dask scheduler {self.scheduler}: {_one_line(error)}") from None
            else:
                import logging

                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                       dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster)
        try:
            if self.scheduler is not None:
                try:
                    client.wait_for_workers(1, timeout=60)
                except TimeoutError:
                    raise OrganizationError(f"the Dask scheduler {self.scheduler} has no workers (start some with "
                                            f"dask-worker {self.scheduler})") from None
            workers = len(client.scheduler_info().get("workers", {}))
            where = self.scheduler or ("a LocalCluster" if cluster is not None else client.scheduler.address)
            self.mode = f"Dask, {workers} workers ({where})"
            surveys = client.gather(client.map(survey_entry, self.entries, pure=False))
            plan_ = self._plan(surveys)
            accounts = client.scatter(plan_.accounts, broadcast=True) if plan_.tasks else plan_.accounts
            futures = {client.submit(evaluate_chunk, entry, keys, accounts, plan_.actions, pure=False): keys
                       for entry, keys in plan_.tasks}
            for future, compact in as_completed(futures, with_results=True):
                keys = futures.pop(future)
                yield from self._finish(keys, compact)
        finally:
            if own_client:
                client.close()
            if cluster is not None:
                cluster.close()


def organization_rows(source: str | os.PathLike[str] | Sequence[str], actions: Iterable[str] | None = None,
                      **options: Any) -> list[OrgRow]:
    """Every row of an organisation run (see :class:`OrganizationRun` for the options)."""
    return list(OrganizationRun(source, actions, **options).rows())
