"""Read-only AWS clients: kmstui looks at an account and must never change it.

The guard lives in botocore's own event system, on the client, so it holds for every call path
(client methods, paginators, waiters) and fails before a request is built, signed or sent. An
operation is allowed only when its name starts with List, Get or Describe; anything else raises
``ReadOnlyViolation``, a ``SourceError``, so a bug that tries to write shows as one line, not a
changed account.
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config

from kmstui.sources.errors import SourceError

READ_PREFIXES = ("List", "Get", "Describe")
HOOK_ID = "kmstui-read-only"
# provide-client-params fires first (before parameter validation, so a write fails the same way
# whatever its parameters); before-call fires last, just before the request is sent.
HOOK_EVENTS = ("provide-client-params", "before-call")


class ReadOnlyViolation(SourceError):
    """kmstui tried an operation that could change the account; it was not sent."""


def is_read_operation(name: str) -> bool:
    """True for the operations kmstui may call: List*, Get*, Describe*."""
    return name.startswith(READ_PREFIXES)


def _refuse_writes(model: Any = None, **_: Any) -> None:
    """botocore handler: raise before anything is sent for an operation that is not a read."""
    name = getattr(model, "name", "")
    if not is_read_operation(name):
        service = getattr(getattr(model, "service_model", None), "service_name", "aws")
        raise ReadOnlyViolation(f"{service} {name} refused: kmstui is read-only (only List*, Get*, Describe* calls)")


def make_read_only(client: Any) -> Any:
    """Register the guard on this client's events (idempotent) and return the client."""
    for event in HOOK_EVENTS:
        client.meta.events.register(event, _refuse_writes, unique_id=f"{HOOK_ID}-{event}")
    return client


def client_config(max_pool_connections: int = 16) -> Config:
    """Adaptive retries absorb throttling (client-side rate limiting, 10 attempts); the pool fits the workers."""
    return Config(retries={"mode": "adaptive", "max_attempts": 10},
                  max_pool_connections=max(10, max_pool_connections))


def read_only_client(session: Any, service: str, region: str | None, endpoint_url: str | None = None,
                     max_pool_connections: int = 16) -> Any:
    """A boto3 client with kmstui's retry and pool settings and the read-only guard applied."""
    client = session.client(service, region_name=region, endpoint_url=endpoint_url,
                            config=client_config(max_pool_connections))
    return make_read_only(client)
