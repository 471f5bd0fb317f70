"""Recent KMS events from a live account: CloudTrail LookupEvents (read-only, through the guarded client).

``LookupEvents`` with ``EventSource = kms.amazonaws.com``, every page, from ``since`` seconds ago to
now; each event's ``CloudTrailEvent`` JSON becomes a :class:`~kmstui.sources.cloudtrail.KmsEvent`.
The client is ``read_only_client``'s: it refuses every operation but those on
``kmstui.sources.readonly.ALLOWED_OPERATIONS`` (which lists exactly cloudtrail LookupEvents here).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from kmstui.sources.cloudtrail import EventLog, events_of, records_of
from kmstui.sources.errors import SourceError
from kmstui.sources.limits import Limits

MAX_EVENTS = 200_000  # a guard: LookupEvents returns at most 50 a page, 2 pages a second per account


def lookup_kms_events(profile: str | None, region: str | None, endpoint_url: str | None, since_seconds: float,
                      limits: Limits | None = None, session: Any = None, now: datetime | None = None,
                      progress: Callable[[int], None] | None = None) -> EventLog:
    """The KMS events CloudTrail recorded in the last ``since_seconds`` (newest first, as LookupEvents lists them)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from kmstui.sources.aws_identity import open_session
    from kmstui.sources.readonly import read_only_client

    session = session or open_session(profile)
    client = read_only_client(session, "cloudtrail", region or session.region_name, endpoint_url, limits=limits)
    end = now or datetime.now(timezone.utc)
    start = end - timedelta(seconds=since_seconds)
    records: list[Any] = []
    try:
        pages = client.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "kms.amazonaws.com"}],
            StartTime=start, EndTime=end)
        for number, page in enumerate(pages, 1):
            for index, entry in enumerate(page.get("Events") or ()):
                records += records_of(entry, f"LookupEvents page {number}, Events[{index}]")
            if progress is not None:
                progress(len(records))
            if len(records) > MAX_EVENTS:
                raise SourceError(f"more than {MAX_EVENTS} KMS events since {start:%Y-%m-%dT%H:%M:%SZ}; "
                                  "narrow --since, or replay the trail's log files from S3")
    except ClientError as error:
        details = error.response.get("Error", {})
        raise SourceError(f"cloudtrail LookupEvents: {details.get('Code', 'error')}: {details.get('Message', error)}") from None
    except BotoCoreError as error:
        raise SourceError(f"cloudtrail LookupEvents: {error}") from None
    return events_of(records)
