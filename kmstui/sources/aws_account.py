"""Load a live AWS account into a Snapshot, read-only.

What decides access to a KMS key lives in three places: KMS itself (keys, key policies, grants,
aliases, tags; per region), IAM (users, groups, roles, their policies and boundaries; global) and
Organizations (SCPs and RCPs on the path from the root to the account). ``load_account`` reads all
three with boto3 clients that refuse any operation not on kmstui's exact list
(``kmstui.sources.readonly``), so loading can never change the account.

Failures are data, not crashes: a call that fails (AccessDenied on one key's policy, a region that
is not enabled, throttling that outlasts the adaptive retries, a response that does not parse or
lacks what it must hold, a call still unanswered at the load's deadline) becomes a ``LoadError``
naming the call and the key or region, and everything else still loads. Only problems that make
the whole load pointless (no credentials, an expired SSO session, an unknown profile,
cancellation) raise ``SourceError``.

Work runs on daemon threads (``kmstui.sources.daemon_pool``): IAM, Organizations and each region's
key listing first, then one task per key (DescribeKey, GetKeyPolicy, ListGrants,
ListResourceTags). Clients are created up front on the calling thread (boto3 sessions are not
thread-safe; clients are); tasks return their results and only the calling thread changes the
Snapshot or calls ``progress``, so a task abandoned on cancel or at the deadline changes nothing.
"""

from __future__ import annotations

import base64
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

import boto3
from botocore import exceptions as boto_errors

from kmstui.sources.aws_identity import (CREDENTIAL_CODES, Identity, caller_identity, credential_message,
                                         open_session, regions_to_load)
from kmstui.sources.daemon_pool import POLL_SECONDS, DaemonPool
from kmstui.sources.documents import DocumentError, document_text
from kmstui.sources.errors import LoadCancelled, SourceError
from kmstui.sources.limits import Limits
from kmstui.sources.readonly import ReadOnlyViolation, read_only_client
from kmstui.sources.snapshot import InlinePolicy, Key, LoadError, ManagedPolicy, OrgPolicy, Principal, Snapshot

__all__ = ["Connection", "Identity", "connect", "credential_message", "load_account", "load_connected",
           "open_session"]

Progress = Callable[[str, int, int], None]

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
ORG_POLICY_TYPES = (("scp", SCP), ("rcp", RCP))
MESSAGE_LIMIT = 400  # characters of an exception's text kept in a LoadError (a parse error may quote a whole body)


class _Cancelled(Exception):
    """Raised inside a task when the load is being cancelled or abandoned."""


class MalformedResponse(Exception):
    """A response that parsed but lacks what the operation always returns."""


_FATAL = (_Cancelled, ReadOnlyViolation)  # never a LoadError: they end the task (or the load) as they are


# -- public entry points ------------------------------------------------------------------------------


@dataclass
class Connection:
    """A session whose identity is known, with every client the load needs (made on the calling thread)."""

    session: boto3.Session
    profile: str | None
    endpoint_url: str | None
    regions: list[str]
    identity: Identity
    limits: Limits
    clients: "_Clients"
    deadline: float  # time.monotonic() by which the whole load (identity included) must end


def connect(profile: str | None = None, regions: Sequence[str] | None = None, endpoint_url: str | None = None, *,
            session: boto3.Session | None = None, limits: Limits | None = None,
            cancel: threading.Event | None = None, max_workers: int = 16) -> Connection:
    """Open the session, ask who the credentials are (a region that answers), make the clients."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.deadline
    cancel = cancel or threading.Event()
    if cancel.is_set():
        raise LoadCancelled("load cancelled before it started; nothing was kept")
    session = session or open_session(profile)
    region_list = regions_to_load(session, regions)
    identity = caller_identity(session, region_list, endpoint_url, profile, limits, cancel, deadline)
    clients = _Clients(session, region_list, identity.region, endpoint_url, max(1, max_workers), profile, limits)
    return Connection(session, profile, endpoint_url, region_list, identity, limits, clients, deadline)


def load_connected(connection: Connection, progress: Progress | None = None, cancel: threading.Event | None = None,
                   max_workers: int = 16) -> Snapshot:
    """Everything in the connected account that decides KMS access (errors listed in ``errors``)."""
    return _AccountLoad(connection, progress, cancel or threading.Event(), max(1, max_workers)).run()


def load_account(profile: str | None = None, regions: Sequence[str] | None = None, endpoint_url: str | None = None,
                 progress: Progress | None = None, cancel: threading.Event | None = None, max_workers: int = 16,
                 session: boto3.Session | None = None, limits: Limits | None = None) -> Snapshot:
    """Everything in the account that decides KMS access, as a Snapshot (errors listed in ``errors``).

    ``regions`` default to the session's region; ``endpoint_url`` points every client elsewhere
    (moto, LocalStack); ``progress(phase, done, total)`` is called as work completes; setting
    ``cancel`` stops the load within a fraction of a second and raises ``LoadCancelled``;
    ``limits`` sets the timeouts, attempts and the whole load's deadline.
    """
    connection = connect(profile, regions, endpoint_url, session=session, limits=limits, cancel=cancel,
                         max_workers=max_workers)
    return load_connected(connection, progress, cancel, max_workers)


# -- clients -----------------------------------------------------------------------------------------


class _Clients:
    """Every client the load needs, made on the calling thread before any worker starts."""

    def __init__(self, session: boto3.Session, regions: list[str], home: str, endpoint_url: str | None, pool: int,
                 profile: str | None, limits: Limits) -> None:
        # Global services: the region whose STS answered picks the partition's endpoint and is enabled.
        try:
            self.kms = {r: read_only_client(session, "kms", r, endpoint_url, pool, limits) for r in regions}
            self.iam = read_only_client(session, "iam", home, endpoint_url, limits=limits)
            self.organizations = read_only_client(session, "organizations", home, endpoint_url, limits=limits)
        except boto_errors.BotoCoreError as error:
            raise SourceError(credential_message(error, profile, endpoint_url)) from None


# -- task results (made on worker threads, applied on the calling thread) ------------------------------


@dataclass
class _RegionListing:
    region: str
    keys: list[Key]
    errors: list[LoadError]


@dataclass
class _KeyLoaded:
    region: str
    arn: str
    errors: list[LoadError]
    metadata: dict[str, Any] | None = None
    policy: str | None = None
    grants: list[dict[str, Any]] | None = None
    tags: dict[str, str] | None = None


@dataclass
class _IamLoaded:
    principals: list[Principal]
    managed_policies: dict[str, ManagedPolicy]
    errors: list[LoadError]


@dataclass
class _OrgLoaded:
    policies: dict[str, OrgPolicy] = field(default_factory=dict)
    scp_levels: list[list[str]] | None = None
    rcp_levels: list[list[str]] | None = None
    errors: list[LoadError] = field(default_factory=list)


@dataclass
class _Task:
    """What a scheduled task would load, so that a task abandoned at the deadline is a LoadError."""

    where: str
    what: str


# -- the load ------------------------------------------------------------------------------------------


class _AccountLoad:
    """One load of one account: schedules the tasks, applies their results, reports progress."""

    def __init__(self, connection: Connection, progress: Progress | None, cancel: threading.Event,
                 max_workers: int) -> None:
        self.account = connection.identity.account
        self.clients = connection.clients
        self.regions = connection.regions
        self.limits = connection.limits
        self.deadline = connection.deadline
        self.progress = progress
        self.cancel = cancel
        self.stop = threading.Event()  # set when the load ends early for any reason: tasks bail out
        self.max_workers = max_workers
        self.events: queue.SimpleQueue[tuple[str, int, int]] = queue.SimpleQueue()
        self.snapshot = Snapshot(sources=[self.source(r) for r in self.regions] + [self.source("iam"),
                                                                                   self.source("organizations")])
        self.region_keys: dict[str, list[Key]] = {}
        self.key_done: dict[str, int] = {}

    def source(self, where: str) -> str:
        return f"aws:{self.account}/{where}"

    # -- coordination (calling thread) -------------------------------------------------------------
    def run(self) -> Snapshot:
        """Run every task and assemble the Snapshot; cancellation raises LoadCancelled at once.

        Finished tasks arrive through a queue (a done-callback per future), so each completion costs
        the same however many keys are still pending, and the cancel event and the deadline are looked
        at while waiting. The pool is abandoned, never waited for: a call blocked in a socket cannot
        hold up cancel, the deadline or Ctrl-C.
        """
        if self.cancel.is_set():
            raise LoadCancelled("load cancelled before it started; nothing was kept")
        pool = DaemonPool(self.max_workers, "kmstui-aws")
        finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        tasks: dict[Future[Any], _Task] = {}

        def submit(task: _Task, work: Callable[..., Any], *args: Any) -> None:
            future = pool.submit(work, *args)
            tasks[future] = task
            future.add_done_callback(finished.put)

        try:
            submit(_Task("iam", f"GetAccountAuthorizationDetails {self.account}"), self._load_iam)
            submit(_Task("organizations", f"Organizations {self.account}"), self._load_organizations)
            for region in self.regions:
                submit(_Task(region, f"ListKeys {region}"), self._list_region, region)
            while tasks:
                self._check_cancel()
                if time.monotonic() >= self.deadline:
                    self._deadline_passed(tasks.values())
                    break
                try:
                    future = finished.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    self._report_events()
                    continue
                task = tasks.pop(future)
                self._apply(self._result(future, task), submit)
                self._report_events()
            self._check_cancel()
        except _Cancelled:
            raise LoadCancelled(f"load cancelled ({self._keys_progress()}); nothing was kept") from None
        finally:
            self.stop.set()
            pool.abandon()
        self._report_events()
        self.snapshot.keys = [key for region in self.regions for key in self.region_keys.get(region, [])]
        return self.snapshot

    def _result(self, future: Future[Any], task: _Task) -> Any:
        """The task's result; a task that failed outright (a bug, not a call) becomes its LoadError."""
        error = future.exception()
        if error is None:
            return future.result()
        if isinstance(error, _FATAL) or not isinstance(error, Exception):
            raise error
        return _TaskFailed([load_error(self.source(task.where), task.what, error)])

    def _deadline_passed(self, pending: Iterable[_Task]) -> None:
        """Every unfinished task becomes a LoadError; the load ends with what it has."""
        for task in pending:
            self.snapshot.errors.append(LoadError(
                source=self.source(task.where), what=task.what, code="DeadlineExceeded",
                message=f"not finished within the load's deadline of {self.limits.deadline:g} s"))

    def _keys_progress(self) -> str:
        total = sum(len(keys) for keys in self.region_keys.values())
        return f"{sum(self.key_done.values())} of {total} keys had loaded"

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise _Cancelled()

    def _apply(self, result: Any, submit: Callable[..., None]) -> None:
        """Fold one task's result into the Snapshot; a region listing schedules its key tasks."""
        self.snapshot.errors += result.errors
        if isinstance(result, _RegionListing):
            self.region_keys[result.region] = result.keys
            self.key_done[result.region] = 0
            self._emit(f"keys {result.region}", 0, len(result.keys))
            for key in result.keys:
                submit(_Task(result.region, f"DescribeKey/GetKeyPolicy/ListGrants/ListResourceTags {key.arn}"),
                       self._load_key, result.region, key.arn, key.key_id, is_aws_managed(key))
        elif isinstance(result, _KeyLoaded):
            key = next(k for k in self.region_keys[result.region] if k.arn == result.arn)
            if result.metadata is not None:
                key.metadata = result.metadata
            if result.policy is not None:
                key.policy = result.policy
            if result.grants is not None:
                key.grants = result.grants
            if result.tags is not None:
                key.tags = result.tags
            self.key_done[result.region] += 1
            self._emit(f"keys {result.region}", self.key_done[result.region], len(self.region_keys[result.region]))
        elif isinstance(result, _IamLoaded):
            self.snapshot.principals = result.principals
            self.snapshot.managed_policies = result.managed_policies
        elif isinstance(result, _OrgLoaded):
            self.snapshot.org_policies = result.policies
            if result.scp_levels is not None:
                self.snapshot.scp_levels[self.account] = result.scp_levels
            if result.rcp_levels is not None:
                self.snapshot.rcp_levels[self.account] = result.rcp_levels

    def _emit(self, phase: str, done: int, total: int) -> None:
        """Queue a progress report (any thread); the calling thread delivers it."""
        self.events.put((phase, done, total))

    def _report_events(self) -> None:
        while True:
            try:
                phase, done, total = self.events.get_nowait()
            except queue.Empty:
                return
            if self.progress is not None:
                self.progress(phase, done, total)

    # -- helpers for tasks (worker threads) ----------------------------------------------------------
    def _checkpoint(self) -> None:
        """Between two calls: give up when the load is cancelled or abandoned."""
        if self.cancel.is_set() or self.stop.is_set():
            raise _Cancelled()

    def _call(self, errors: list[LoadError], where: str, what: str, method: Callable[..., Any], need: str,
              kind: type, **params: Any) -> Any:
        """One call's ``need`` field (of type ``kind``); any failure becomes a LoadError and None."""
        self._checkpoint()
        try:
            return _field(method(**params), need, kind)
        except _FATAL:
            raise
        except Exception as error:  # noqa: BLE001 - parse and decode errors too: one call's failure, not the load's
            errors.append(load_error(self.source(where), f"{_operation(method)} {what}", error))
            return None

    def _paginate(self, errors: list[LoadError], where: str, what: str, client: Any, operation: str, result_key: str,
                  **params: Any) -> list[Any] | None:
        """Every item of a paginated list; on failure a LoadError and None (never half a list as if whole)."""
        items: list[Any] = []
        try:
            for page in client.get_paginator(operation).paginate(**params):
                self._checkpoint()
                items += _field(page, result_key, list)
        except _FATAL:
            raise
        except Exception as error:  # noqa: BLE001 - see _call
            errors.append(load_error(self.source(where), f"{_pascal(operation)} {what}", error))
            return None
        return items

    # -- KMS -------------------------------------------------------------------------------------------
    def _list_region(self, region: str) -> _RegionListing:
        """ListKeys and ListAliases for one region; aliases are attached to their target keys.

        A region that is not enabled (or where the credentials are not valid) answers ListKeys with a
        credential error: that is this region's one LoadError, and its aliases are not asked for."""
        errors: list[LoadError] = []
        kms = self.clients.kms[region]
        listed = self._paginate(errors, region, region, kms, "list_keys", "Keys")
        if listed is None:
            if errors and errors[-1].code in CREDENTIAL_CODES:
                error = errors[-1]
                errors[-1] = LoadError(source=error.source, what=error.what, code=error.code,
                                       message=f"region {region} is not enabled for account {self.account}, or the "
                                               f"credentials are not valid there ({error.message})")
            return _RegionListing(region, [], errors)
        keys = []
        for entry in listed:
            try:
                keys.append(Key(arn=str(_field(entry, "KeyArn", str)), origin=self.source(region)))
            except MalformedResponse as error:
                errors.append(load_error(self.source(region), f"ListKeys {region}", error))
        aliases = self._paginate(errors, region, region, kms, "list_aliases", "Aliases") or []
        attach_aliases(keys, aliases)
        return _RegionListing(region, keys, errors)

    def _load_key(self, region: str, arn: str, key_id: str, aws_managed: bool) -> _KeyLoaded:
        """DescribeKey, GetKeyPolicy, ListGrants and ListResourceTags for one key (applied by the calling thread)."""
        result = _KeyLoaded(region, arn, [])
        errors = result.errors
        kms = self.clients.kms[region]
        described = self._call(errors, region, arn, kms.describe_key, "KeyMetadata", dict, KeyId=key_id)
        if described is not None:
            result.metadata = json_safe(described)
            aws_managed = aws_managed or described.get("KeyManager") == "AWS"
        result.policy = self._call(errors, region, arn, kms.get_key_policy, "Policy", str, KeyId=key_id,
                                   PolicyName="default")
        grants = self._paginate(errors, region, arn, kms, "list_grants", "Grants", KeyId=key_id)
        if grants is not None:
            result.grants = json_safe(grants)
        tag_errors: list[LoadError] = []
        tags = self._paginate(tag_errors, region, arn, kms, "list_resource_tags", "Tags", KeyId=key_id)
        if tags is not None:
            try:
                result.tags = {str(_field(t, "TagKey", str)): str(t.get("TagValue", "")) for t in tags}
            except MalformedResponse as error:
                errors.append(load_error(self.source(region), f"ListResourceTags {arn}", error))
        elif not aws_managed:
            errors += tag_errors  # AWS managed keys have no tags of their own: a refusal there is no loss
        return result

    # -- IAM -------------------------------------------------------------------------------------------
    def _load_iam(self) -> _IamLoaded:
        """GetAccountAuthorizationDetails, every page: users, groups, roles and managed policies."""
        errors: list[LoadError] = []
        origin = self.source("iam")
        what = f"GetAccountAuthorizationDetails {self.account}"
        details: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                                         "Policies": []}
        pages = 0
        self._emit("iam", 0, 1)
        try:
            for page in self.clients.iam.get_paginator("get_account_authorization_details").paginate():
                self._checkpoint()
                if not any(name in page for name in details):
                    raise MalformedResponse("the response holds none of UserDetailList, GroupDetailList, "
                                            "RoleDetailList, Policies")
                for name, items in details.items():
                    items += _field(page, name, list) if name in page else []
                pages += 1
                self._emit("iam", pages, pages + (1 if page.get("IsTruncated") else 0))
        except _FATAL:
            raise
        except Exception as error:  # noqa: BLE001 - see _call
            errors.append(load_error(origin, what, error))
            details = {name: [] for name in details}  # never half the principals as if all
        builders: list[tuple[str, Callable[[dict[str, Any], str], Any]]] = [
            ("UserDetailList", user_principal), ("GroupDetailList", group_principal), ("RoleDetailList", role_principal)]
        principals: list[Principal] = []
        for name, build in builders:
            principals += _each(details[name], build, origin, errors, what)
        managed = {p.arn: p for p in _each(details["Policies"], managed_policy, origin, errors, what)}
        self._emit("iam", pages, pages)
        return _IamLoaded(principals, managed, errors)

    # -- Organizations ---------------------------------------------------------------------------------
    def _load_organizations(self) -> _OrgLoaded:
        """SCPs and RCPs with their content, and which apply at each level from the root to the account."""
        result = _OrgLoaded()
        org = self.clients.organizations
        origin = self.source("organizations")
        self._emit("organizations", 0, 1)
        operation = "ListRoots"
        try:
            self._checkpoint()
            roots = _all_pages(org, "list_roots", "Roots", self._checkpoint)
            enabled = {t.get("Type") for root in roots for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
            operation = "ListParents"
            path = self._org_path(org)
            kinds = [(kind, policy_type) for kind, policy_type in ORG_POLICY_TYPES if policy_type in enabled]
            operation = "ListPolicies"
            summaries = {kind: _all_pages(org, "list_policies", "Policies", self._checkpoint, Filter=policy_type)
                         for kind, policy_type in kinds}
            total, done = sum(len(s) for s in summaries.values()) + len(path) * len(kinds), 0
            operation = "DescribePolicy"
            for kind, listed in summaries.items():
                for summary in listed:
                    self._checkpoint()
                    policy_id = str(_field(summary, "Id", str))
                    content = _field(_field(org.describe_policy(PolicyId=policy_id), "Policy", dict), "Content", str)
                    result.policies[policy_id] = OrgPolicy(
                        id=policy_id, name=str(summary.get("Name", policy_id)), kind=kind,
                        document=_document_text(content), origin=origin)
                    done += 1
                    self._emit("organizations", done, total)
            operation = "ListPoliciesForTarget"
            for kind, policy_type in kinds:
                levels = []
                for target in path:
                    attached = _all_pages(org, "list_policies_for_target", "Policies", self._checkpoint,
                                          TargetId=target, Filter=policy_type)
                    levels.append([str(_field(p, "Id", str)) for p in attached])
                    done += 1
                    self._emit("organizations", done, total)
                if kind == "scp":
                    result.scp_levels = levels
                else:
                    result.rcp_levels = levels
            self._emit("organizations", total, total)
        except _FATAL:
            raise
        except Exception as error:  # noqa: BLE001 - see _call
            operation = _pascal(getattr(error, "operation_name", "") or operation)
            result = _OrgLoaded(errors=[load_error(origin, f"{operation} {self.account}", error)])
            self._emit("organizations", 1, 1)
        return result

    def _org_path(self, org: Any) -> list[str]:
        """Target ids from the root down to this account: root, OUs (outermost first), the account."""
        path = [self.account]
        child = self.account
        for _ in range(10):  # Organizations nests at most five OUs below the root
            self._checkpoint()
            parents = _field(org.list_parents(ChildId=child), "Parents", list)
            if not parents:
                break
            parent = parents[0]
            parent_id = str(_field(parent, "Id", str))
            path.insert(0, parent_id)
            if parent.get("Type") == "ROOT":
                break
            child = parent_id
        return path


@dataclass
class _TaskFailed:
    """A task that raised: only its LoadError remains."""

    errors: list[LoadError]


# -- pure helpers ----------------------------------------------------------------------------------


def _all_pages(client: Any, operation: str, result_key: str, checkpoint: Callable[[], None],
               **params: Any) -> list[Any]:
    """Every item of a paginated call; errors propagate to the caller (Organizations stops on the first)."""
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        checkpoint()
        items += _field(page, result_key, list)
    return items


def _field(response: Any, name: str, kind: type) -> Any:
    """``response[name]``, which the operation always returns, as ``kind``; else MalformedResponse."""
    if not isinstance(response, dict):
        raise MalformedResponse(f"the response is {type(response).__name__}, not an object")
    value = response.get(name)
    if not isinstance(value, kind):
        found = "no" if value is None else f"a {type(value).__name__} for"
        raise MalformedResponse(f"the response has {found} {name}")
    return value


def _each(entries: Iterable[Any], build: Callable[[dict[str, Any], str], Any], origin: str,
          errors: list[LoadError], what: str) -> list[Any]:
    """``build`` applied to each entry; an entry lacking a field it needs is a LoadError, not a crash."""
    built = []
    for entry in entries:
        try:
            built.append(build(entry, origin))
        except (KeyError, TypeError, AttributeError) as error:
            name = entry.get("Arn", "an entry") if isinstance(entry, dict) else "an entry"
            errors.append(LoadError(source=origin, what=what, code="MalformedResponse",
                                    message=f"{name} lacks {error}"[:MESSAGE_LIMIT]))
    return built


def _operation(method: Callable[..., Any]) -> str:
    """describe_key → DescribeKey, for LoadError.what."""
    return _pascal(getattr(method, "__name__", "call"))


def _pascal(name: str) -> str:
    if "_" not in name and name[:1].isupper():
        return name
    return "".join(part.capitalize() for part in name.split("_"))


def load_error(source: str, what: str, error: Exception) -> LoadError:
    """A LoadError from any exception of one call: the service's error code and message when there is one,
    else the exception's kind (ReadTimeoutError, UnicodeDecodeError, ResponseParserError, MalformedResponse)."""
    if isinstance(error, boto_errors.ClientError):
        details = error.response.get("Error", {})
        return LoadError(source=source, what=what, message=str(details.get("Message") or error)[:MESSAGE_LIMIT],
                         code=str(details.get("Code")) if details.get("Code") else None)
    return LoadError(source=source, what=what, message=str(error)[:MESSAGE_LIMIT], code=type(error).__name__)


def attach_aliases(keys: Iterable[Key], aliases: Iterable[dict[str, Any]]) -> None:
    """Give each key the ListAliases entries that target it (aliases of keys not listed are dropped)."""
    by_id = {key.key_id: key for key in keys}
    for alias in aliases:
        key = by_id.get(str(alias.get("TargetKeyId", "")))
        if key is not None:
            key.aliases.append(json_safe(alias))


def is_aws_managed(key: Key) -> bool:
    """AWS managed: KeyManager AWS, or (when DescribeKey failed) an alias under alias/aws/."""
    return key.aws_managed or any(name.startswith("alias/aws/") for name in key.alias_names)


def json_safe(value: Any) -> Any:
    """API output made JSON-safe: datetimes as ISO 8601 text, bytes as base64, no ResponseMetadata."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _document_text(document: Any) -> str:
    """JSON text for a document as AWS sent it; one in no known form is kept as sent, and parsing it
    later names the problem."""
    try:
        return document_text(document)
    except DocumentError:
        return str(document)


def _tags(entries: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in entries or []}


def _inline(entries: Iterable[dict[str, Any]] | None) -> list[InlinePolicy]:
    return [InlinePolicy(name=str(p["PolicyName"]), document=_document_text(p.get("PolicyDocument", "")))
            for p in entries or []]


def _attached(entries: Iterable[dict[str, Any]] | None) -> list[str]:
    return [str(p["PolicyArn"]) for p in entries or []]


def _boundary(detail: dict[str, Any]) -> str | None:
    return (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") or None


def user_principal(detail: dict[str, Any], origin: str) -> Principal:
    """A UserDetailList entry: inline and attached policies, groups, boundary, tags."""
    return Principal(arn=str(detail["Arn"]), kind="user", name=str(detail["UserName"]),
                     inline_policies=_inline(detail.get("UserPolicyList")),
                     managed_policies=_attached(detail.get("AttachedManagedPolicies")),
                     groups=[str(g) for g in detail.get("GroupList", [])], boundary=_boundary(detail),
                     tags=_tags(detail.get("Tags")), origin=origin)


def group_principal(detail: dict[str, Any], origin: str) -> Principal:
    """A GroupDetailList entry: its inline and attached policies apply to every member."""
    return Principal(arn=str(detail["Arn"]), kind="group", name=str(detail["GroupName"]),
                     inline_policies=_inline(detail.get("GroupPolicyList")),
                     managed_policies=_attached(detail.get("AttachedManagedPolicies")), origin=origin)


def role_principal(detail: dict[str, Any], origin: str) -> Principal:
    """A RoleDetailList entry: inline and attached policies, boundary, tags."""
    return Principal(arn=str(detail["Arn"]), kind="role", name=str(detail["RoleName"]),
                     inline_policies=_inline(detail.get("RolePolicyList")),
                     managed_policies=_attached(detail.get("AttachedManagedPolicies")), boundary=_boundary(detail),
                     tags=_tags(detail.get("Tags")), origin=origin)


def managed_policy(detail: dict[str, Any], origin: str) -> ManagedPolicy:
    """A Policies entry with its default version's document (the only version that applies)."""
    default = str(detail.get("DefaultVersionId", ""))
    versions = detail.get("PolicyVersionList", [])
    chosen = next((v for v in versions if v.get("IsDefaultVersion") or v.get("VersionId") == default), None)
    arn = str(detail["Arn"])
    return ManagedPolicy(arn=arn, name=str(detail.get("PolicyName") or arn.rsplit("/", 1)[-1]),
                         document=_document_text(chosen.get("Document", "")) if chosen else "",
                         version=default, origin=origin)
