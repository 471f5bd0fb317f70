"""Read-only AWS clients: kmstui looks at an account and must never change it.

The guard lives in botocore's own event system, on the client, so it holds for every call path
(client methods, paginators, waiters) and fails before a request is built, signed or sent. An
operation is allowed only when it is on ``ALLOWED_OPERATIONS``, the exact list of what the loader
calls, per service: a name that merely looks like a read (sts GetSessionToken, GetFederationToken,
kms GetParametersForImport) is refused like any write. Anything else raises ``ReadOnlyViolation``,
a ``SourceError``, so a bug shows as one line, not a changed account (or a minted credential).

Adding a call to the loader means adding it here (the load tests record every operation sent and
compare with this list). CloudTrail LookupEvents (``kmstui replay --lookup-events``) is the one
cloudtrail operation on it. The one call made outside these clients is the credential provider's own
(sts AssumeRole for a role profile, SSO GetRoleCredentials): README says why that is harmless.
"""

from __future__ import annotations

from typing import Any, Mapping

from botocore.config import Config

from kmstui.sources.errors import SourceError
from kmstui.sources.limits import Limits

ALLOWED_OPERATIONS: Mapping[str, frozenset[str]] = {
    "sts": frozenset({"GetCallerIdentity"}),
    "kms": frozenset({"ListKeys", "ListAliases", "DescribeKey", "GetKeyPolicy", "ListGrants", "ListResourceTags"}),
    "iam": frozenset({"GetAccountAuthorizationDetails"}),
    "organizations": frozenset({"ListRoots", "ListParents", "ListPolicies", "DescribePolicy",
                                "ListPoliciesForTarget"}),
    "cloudtrail": frozenset({"LookupEvents"}),  # kmstui replay --lookup-events (kmstui.sources.cloudtrail_lookup)
}
HOOK_ID = "kmstui-read-only"
# provide-client-params fires first (before parameter validation, so a write fails the same way
# whatever its parameters); before-call fires last, just before the request is sent.
HOOK_EVENTS = ("provide-client-params", "before-call")


class ReadOnlyViolation(SourceError):
    """kmstui tried an operation that is not on its list; it was not sent."""


def is_allowed(service: str, operation: str) -> bool:
    """True only for the operations the loader uses (exact names, per service)."""
    return operation in ALLOWED_OPERATIONS.get(service, frozenset())


def _refuse_others(model: Any = None, **_: Any) -> None:
    """botocore handler: raise before anything is sent for an operation that is not on the list."""
    name = getattr(model, "name", "")
    service = getattr(getattr(model, "service_model", None), "service_name", "aws")
    if not is_allowed(service, name):
        raise ReadOnlyViolation(f"{service} {name} refused: kmstui is read-only and calls only the operations "
                                "it lists (kmstui.sources.readonly)")


def make_read_only(client: Any) -> Any:
    """Register the guard on this client's events (idempotent) and return the client."""
    for event in HOOK_EVENTS:
        client.meta.events.register(event, _refuse_others, unique_id=f"{HOOK_ID}-{event}")
    return client


def client_config(limits: Limits | None = None, max_pool_connections: int = 16) -> Config:
    """botocore's own timeouts and adaptive retries (client-side rate limiting); the pool fits the workers."""
    limits = limits or Limits()
    return Config(connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout,
                  retries={"mode": "adaptive", "total_max_attempts": limits.max_attempts},
                  max_pool_connections=max(10, max_pool_connections))


def read_only_client(session: Any, service: str, region: str | None, endpoint_url: str | None = None,
                     max_pool_connections: int = 16, limits: Limits | None = None) -> Any:
    """A boto3 client with kmstui's timeouts, retries and pool settings and the read-only guard applied."""
    client = session.client(service, region_name=region, endpoint_url=endpoint_url,
                            config=client_config(limits, max_pool_connections))
    return make_read_only(client)
