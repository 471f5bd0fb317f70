"""Load a live AWS account into a Snapshot, read-only.

What decides access to a KMS key lives in three places: KMS itself (keys, key policies, grants,
aliases, tags; per region), IAM (users, groups, roles, their policies and boundaries; global) and
Organizations (SCPs and RCPs on the path from the root to the account). ``load_account`` reads all
three with boto3 clients that refuse any call that is not List*/Get*/Describe*
(``kmstui.sources.readonly``), so loading can never change the account.

Failures are data, not crashes: a call that fails (AccessDenied on one key's policy, a region that
is not enabled, throttling that outlasts the adaptive retries) becomes a ``LoadError`` naming the
call and the key or region, and everything else still loads. Only problems that make the whole
load pointless (no credentials, an expired SSO session, an unknown profile, cancellation) raise
``SourceError``.

Work runs in one bounded thread pool: IAM, Organizations and each region's key listing first, then
one task per key (DescribeKey, GetKeyPolicy, ListGrants, ListResourceTags). Clients are created
up front on the calling thread (boto3 sessions are not thread-safe; clients are), and the progress
callback is only ever called on the calling thread.
"""

from __future__ import annotations

import base64
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

import boto3
from botocore import exceptions as boto_errors

from kmstui.sources.snapshot import InlinePolicy, Key, LoadError, ManagedPolicy, OrgPolicy, Principal, Snapshot
from kmstui.sources.documents import DocumentError, document_text
from kmstui.sources.errors import SourceError
from kmstui.sources.readonly import read_only_client

Progress = Callable[[str, int, int], None]

SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
ORG_POLICY_TYPES = (("scp", SCP), ("rcp", RCP))
CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                    "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"}
POLL_SECONDS = 0.05  # how often the coordinating thread looks at the cancel event while waiting


class _Cancelled(Exception):
    """Raised inside a task when the load is being cancelled or abandoned."""


# -- public entry point ------------------------------------------------------------------------------


def load_account(profile: str | None = None, regions: Sequence[str] | None = None, endpoint_url: str | None = None,
                 progress: Progress | None = None, cancel: threading.Event | None = None, max_workers: int = 16,
                 session: boto3.Session | None = None) -> Snapshot:
    """Everything in the account that decides KMS access, as a Snapshot (errors listed in ``errors``).

    ``regions`` default to the session's region; ``endpoint_url`` points every client elsewhere
    (moto, LocalStack); ``progress(phase, done, total)`` is called as work completes; setting
    ``cancel`` stops the load and raises ``SourceError("load cancelled")``.
    """
    cancel = cancel or threading.Event()
    if cancel.is_set():
        raise SourceError("load cancelled")
    session = session or open_session(profile)
    region_list = _regions(session, regions)
    clients = _Clients(session, region_list, endpoint_url, max(1, max_workers), profile)
    account = caller_account(clients.sts, profile, endpoint_url)
    return _AccountLoad(account, clients, region_list, progress, cancel, max(1, max_workers)).run()


def open_session(profile: str | None) -> boto3.Session:
    """A boto3 session: profiles, SSO profiles and the AWS_* environment variables all work through it."""
    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except boto_errors.ProfileNotFound:
        raise SourceError(f"AWS profile {profile!r} not found in the AWS config files "
                          "(see `aws configure list-profiles`)") from None


def caller_account(sts: Any, profile: str | None = None, endpoint_url: str | None = None) -> str:
    """The account the credentials belong to (sts:GetCallerIdentity); credential problems become one line."""
    try:
        return str(sts.get_caller_identity()["Account"])
    except (boto_errors.BotoCoreError, boto_errors.ClientError) as error:
        raise SourceError(credential_message(error, profile, endpoint_url)) from None


def credential_message(error: Exception, profile: str | None, endpoint_url: str | None = None) -> str:
    """One line saying why the account cannot be read at all, with the command that usually fixes it."""
    login = f"run `aws sso login{f' --profile {profile}' if profile else ''}`"
    sso_errors = tuple(getattr(boto_errors, name) for name in
                       ("SSOError", "SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError")
                       if hasattr(boto_errors, name))
    if isinstance(error, sso_errors):
        return f"the AWS SSO session is missing or expired: {login}"
    if isinstance(error, boto_errors.NoCredentialsError):
        return "no AWS credentials found: pass --profile, set AWS_PROFILE, or configure credentials"
    if isinstance(error, boto_errors.ProfileNotFound):
        return f"AWS profile {profile!r} not found in the AWS config files"
    if isinstance(error, boto_errors.EndpointConnectionError):
        return f"cannot reach AWS ({endpoint_url or error.kwargs.get('endpoint_url', 'endpoint')}): {error}"
    if isinstance(error, boto_errors.ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", str(error))
        if code in CREDENTIAL_CODES:
            return f"the AWS credentials were rejected ({code}: {message}); refresh them (for SSO: {login})"
        return f"sts GetCallerIdentity failed ({code}: {message})"
    return f"cannot use the AWS credentials: {error}"


def _regions(session: boto3.Session, regions: Sequence[str] | None) -> list[str]:
    """The regions to read, in order, without repeats; the session's own region when none are given."""
    chosen = [r for r in (regions or []) if r] or ([session.region_name] if session.region_name else [])
    if not chosen:
        raise SourceError("no AWS region: pass --region or set `region` in the profile (or AWS_REGION)")
    return list(dict.fromkeys(chosen))


# -- clients -----------------------------------------------------------------------------------------


class _Clients:
    """Every client the load needs, made on the calling thread before any worker starts."""

    def __init__(self, session: boto3.Session, regions: list[str], endpoint_url: str | None, pool: int,
                 profile: str | None) -> None:
        home = regions[0]  # global services: the first region picks the partition's endpoint
        try:
            self.kms = {r: read_only_client(session, "kms", r, endpoint_url, pool) for r in regions}
            self.iam = read_only_client(session, "iam", home, endpoint_url)
            self.organizations = read_only_client(session, "organizations", home, endpoint_url)
            self.sts = read_only_client(session, "sts", home, endpoint_url)
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
    errors: list[LoadError]


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


# -- the load ------------------------------------------------------------------------------------------


class _AccountLoad:
    """One load of one account: schedules the tasks, applies their results, reports progress."""

    def __init__(self, account: str, clients: _Clients, regions: list[str], progress: Progress | None,
                 cancel: threading.Event, max_workers: int) -> None:
        self.account = account
        self.clients = clients
        self.regions = regions
        self.progress = progress
        self.cancel = cancel
        self.stop = threading.Event()  # set when the load ends early for any reason: tasks bail out
        self.max_workers = max_workers
        self.events: queue.SimpleQueue[tuple[str, int, int]] = queue.SimpleQueue()
        self.snapshot = Snapshot(sources=[self.source(r) for r in regions] + [self.source("iam"),
                                                                              self.source("organizations")])
        self.region_keys: dict[str, list[Key]] = {}
        self.key_done: dict[str, int] = {}

    def source(self, where: str) -> str:
        return f"aws:{self.account}/{where}"

    # -- coordination (calling thread) -------------------------------------------------------------
    def run(self) -> Snapshot:
        """Run every task to completion and assemble the Snapshot; cancellation raises SourceError.

        Finished tasks arrive through a queue (a done-callback per future), so each completion costs
        the same however many keys are still pending, and the cancel event is looked at while waiting.
        """
        pool = ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="kmstui-aws")
        finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        outstanding = 0

        def submit(task: Callable[..., Any], *args: Any) -> None:
            nonlocal outstanding
            outstanding += 1
            pool.submit(task, *args).add_done_callback(finished.put)

        try:
            submit(self._load_iam)
            submit(self._load_organizations)
            for region in self.regions:
                submit(self._list_region, region)
            while outstanding:
                self._check_cancel()
                try:
                    future = finished.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    self._report_events()
                    continue
                outstanding -= 1
                self._apply(future.result(), submit)
                self._report_events()
            self._check_cancel()
        except _Cancelled:
            raise SourceError("load cancelled") from None
        finally:
            self.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
        self.snapshot.keys = [key for region in self.regions for key in self.region_keys.get(region, [])]
        return self.snapshot

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
                submit(self._load_key, result.region, key)
        elif isinstance(result, _KeyLoaded):
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

    def _call(self, errors: list[LoadError], where: str, what: str, method: Callable[..., Any],
              **params: Any) -> dict[str, Any] | None:
        """One call; a failure becomes a LoadError and None."""
        self._checkpoint()
        try:
            return method(**params)
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
            errors.append(load_error(self.source(where), f"{_operation(method)} {what}", error))
            return None

    def _paginate(self, errors: list[LoadError], where: str, what: str, client: Any, operation: str, result_key: str,
                  **params: Any) -> list[Any] | None:
        """Every item of a paginated list; on failure a LoadError and None (never half a list as if whole)."""
        items: list[Any] = []
        try:
            for page in client.get_paginator(operation).paginate(**params):
                self._checkpoint()
                items += page.get(result_key, [])
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
            errors.append(load_error(self.source(where), f"{_pascal(operation)} {what}", error))
            return None
        return items

    # -- KMS -------------------------------------------------------------------------------------------
    def _list_region(self, region: str) -> _RegionListing:
        """ListKeys and ListAliases for one region; aliases are attached to their target keys."""
        errors: list[LoadError] = []
        kms = self.clients.kms[region]
        listed = self._paginate(errors, region, region, kms, "list_keys", "Keys") or []
        keys = [Key(arn=str(entry["KeyArn"]), origin=self.source(region)) for entry in listed]
        aliases = self._paginate(errors, region, region, kms, "list_aliases", "Aliases") or []
        attach_aliases(keys, aliases)
        return _RegionListing(region, keys, errors)

    def _load_key(self, region: str, key: Key) -> _KeyLoaded:
        """DescribeKey, GetKeyPolicy, ListGrants and ListResourceTags for one key (this task owns ``key``)."""
        errors: list[LoadError] = []
        kms = self.clients.kms[region]
        described = self._call(errors, region, key.arn, kms.describe_key, KeyId=key.key_id)
        if described is not None:
            key.metadata = json_safe(described.get("KeyMetadata", {}))
        policy = self._call(errors, region, key.arn, kms.get_key_policy, KeyId=key.key_id, PolicyName="default")
        if policy is not None:
            key.policy = policy.get("Policy")
        grants = self._paginate(errors, region, key.arn, kms, "list_grants", "Grants", KeyId=key.key_id)
        if grants is not None:
            key.grants = json_safe(grants)
        tag_errors: list[LoadError] = []
        tags = self._paginate(tag_errors, region, key.arn, kms, "list_resource_tags", "Tags", KeyId=key.key_id)
        if tags is not None:
            key.tags = {str(t["TagKey"]): str(t.get("TagValue", "")) for t in tags}
        elif not is_aws_managed(key):
            errors += tag_errors  # AWS managed keys have no tags of their own: a refusal there is no loss
        return _KeyLoaded(region, errors)

    # -- IAM -------------------------------------------------------------------------------------------
    def _load_iam(self) -> _IamLoaded:
        """GetAccountAuthorizationDetails, every page: users, groups, roles and managed policies."""
        errors: list[LoadError] = []
        details: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                                         "Policies": []}
        pages = 0
        self._emit("iam", 0, 1)
        try:
            for page in self.clients.iam.get_paginator("get_account_authorization_details").paginate():
                self._checkpoint()
                for name, items in details.items():
                    items += page.get(name, [])
                pages += 1
                self._emit("iam", pages, pages + (1 if page.get("IsTruncated") else 0))
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
            errors.append(load_error(self.source("iam"), f"GetAccountAuthorizationDetails {self.account}", error))
        origin = self.source("iam")
        principals = ([user_principal(u, origin) for u in details["UserDetailList"]]
                      + [group_principal(g, origin) for g in details["GroupDetailList"]]
                      + [role_principal(r, origin) for r in details["RoleDetailList"]])
        managed = {str(p["Arn"]): managed_policy(p, origin) for p in details["Policies"]}
        self._emit("iam", pages, pages)
        return _IamLoaded(principals, managed, errors)

    # -- Organizations ---------------------------------------------------------------------------------
    def _load_organizations(self) -> _OrgLoaded:
        """SCPs and RCPs with their content, and which apply at each level from the root to the account."""
        result = _OrgLoaded()
        org = self.clients.organizations
        origin = self.source("organizations")
        self._emit("organizations", 0, 1)
        try:
            self._checkpoint()
            roots = _all_pages(org, "list_roots", "Roots", self._checkpoint)
            enabled = {t.get("Type") for root in roots for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
            path = self._org_path(org)
            kinds = [(kind, policy_type) for kind, policy_type in ORG_POLICY_TYPES if policy_type in enabled]
            summaries = {kind: _all_pages(org, "list_policies", "Policies", self._checkpoint, Filter=policy_type)
                         for kind, policy_type in kinds}
            total, done = sum(len(s) for s in summaries.values()) + len(path) * len(kinds), 0
            for kind, listed in summaries.items():
                for summary in listed:
                    self._checkpoint()
                    content = org.describe_policy(PolicyId=summary["Id"])["Policy"]
                    result.policies[str(summary["Id"])] = OrgPolicy(
                        id=str(summary["Id"]), name=str(summary.get("Name", summary["Id"])), kind=kind,
                        document=_document_text(content.get("Content", "")), origin=origin)
                    done += 1
                    self._emit("organizations", done, total)
            for kind, policy_type in kinds:
                levels = []
                for target in path:
                    attached = _all_pages(org, "list_policies_for_target", "Policies", self._checkpoint,
                                          TargetId=target, Filter=policy_type)
                    levels.append([str(p["Id"]) for p in attached])
                    done += 1
                    self._emit("organizations", done, total)
                if kind == "scp":
                    result.scp_levels = levels
                else:
                    result.rcp_levels = levels
            self._emit("organizations", total, total)
        except (boto_errors.ClientError, boto_errors.BotoCoreError) as error:
            operation = _pascal(getattr(error, "operation_name", "") or "Organizations")
            result.errors.append(load_error(origin, f"{operation} {self.account}", error))
            self._emit("organizations", 1, 1)
        return result

    def _org_path(self, org: Any) -> list[str]:
        """Target ids from the root down to this account: root, OUs (outermost first), the account."""
        path = [self.account]
        child = self.account
        for _ in range(10):  # Organizations nests at most five OUs below the root
            self._checkpoint()
            parents = org.list_parents(ChildId=child).get("Parents", [])
            if not parents:
                break
            parent = parents[0]
            path.insert(0, str(parent["Id"]))
            if parent.get("Type") == "ROOT":
                break
            child = str(parent["Id"])
        return path


# -- pure helpers ----------------------------------------------------------------------------------


def _all_pages(client: Any, operation: str, result_key: str, checkpoint: Callable[[], None],
               **params: Any) -> list[Any]:
    """Every item of a paginated call; errors propagate to the caller (Organizations stops on the first)."""
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        checkpoint()
        items += page.get(result_key, [])
    return items


def _operation(method: Callable[..., Any]) -> str:
    """describe_key → DescribeKey, for LoadError.what."""
    return _pascal(getattr(method, "__name__", "call"))


def _pascal(name: str) -> str:
    if "_" not in name and name[:1].isupper():
        return name
    return "".join(part.capitalize() for part in name.split("_"))


def load_error(source: str, what: str, error: Exception) -> LoadError:
    """A LoadError from a botocore exception: the service's error code and message when there is one."""
    if isinstance(error, boto_errors.ClientError):
        details = error.response.get("Error", {})
        return LoadError(source=source, what=what, message=str(details.get("Message") or error),
                         code=str(details.get("Code")) if details.get("Code") else None)
    return LoadError(source=source, what=what, message=str(error), code=type(error).__name__)


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
