"""Whose account a load reads: the session, the caller's identity, and a region that answers.

The identity (sts GetCallerIdentity) decides the cache entry, so it is asked first and asked of a
region that works: the regions named, in order, then the partition's always-enabled region. A region
that is not enabled rejects the credentials (InvalidClientTokenId, UnrecognizedClientException)
just as expired credentials do, so a rejection is only reported once every candidate said so.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Sequence

import boto3
from botocore import exceptions as boto_errors

from kmstui.sources.daemon_pool import Interrupted, call_interruptibly
from kmstui.sources.errors import LoadCancelled, SourceError
from kmstui.sources.limits import Limits
from kmstui.sources.readonly import ReadOnlyViolation, read_only_client

CREDENTIAL_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                    "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"}
# Regions every account of a partition has (the partition's global-endpoint region).
PARTITION_HOME = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


@dataclass(frozen=True)
class Identity:
    """Who the credentials are, and the region whose STS answered (global clients use it too)."""

    account: str
    arn: str
    partition: str
    region: str


def open_session(profile: str | None) -> boto3.Session:
    """A boto3 session: profiles, SSO profiles and the AWS_* environment variables all work through it."""
    try:
        return boto3.Session(profile_name=profile) if profile else boto3.Session()
    except boto_errors.ProfileNotFound as error:
        raise SourceError(f"AWS profile {_profile_name(error, profile)!r} not found in the AWS config files "
                          "(see `aws configure list-profiles`)") from None


def _profile_name(error: Exception, profile: str | None) -> str | None:
    """The profile botocore looked for: the one given, else AWS_PROFILE's (never ``None`` when there was one)."""
    named = getattr(error, "kwargs", {}).get("profile")
    return profile or named or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")


def regions_to_load(session: boto3.Session, regions: Sequence[str] | None) -> list[str]:
    """The regions to read, in order, without repeats; the session's own region when none are given."""
    chosen = [r for r in (regions or []) if r] or ([session.region_name] if session.region_name else [])
    if not chosen:
        raise SourceError("no AWS region: pass --region or set `region` in the profile (or AWS_REGION)")
    return list(dict.fromkeys(chosen))


def partition_of(session: boto3.Session, region: str) -> str:
    try:
        return str(session.get_partition_for_region(region))
    except Exception:  # noqa: BLE001 - an unknown region name: the call itself will say what is wrong
        return "aws"


def identity_candidates(session: boto3.Session, regions: Sequence[str]) -> list[str]:
    """Regions to ask for the identity: the ones named, then their partition's always-enabled region."""
    homes = [PARTITION_HOME[p] for p in dict.fromkeys(partition_of(session, r) for r in regions) if p in PARTITION_HOME]
    return list(dict.fromkeys([*regions, *homes]))


def caller_identity(session: boto3.Session, regions: Sequence[str], endpoint_url: str | None = None,
                    profile: str | None = None, limits: Limits | None = None,
                    cancel: threading.Event | None = None, deadline: float | None = None) -> Identity:
    """The account the credentials belong to, from the first region that answers; one line if none does."""
    limits = limits or Limits()
    cancel = cancel or threading.Event()
    deadline = deadline if deadline is not None else time.monotonic() + limits.deadline
    last: Exception | None = None
    for region in identity_candidates(session, regions):
        try:
            sts = read_only_client(session, "sts", region, endpoint_url, limits=limits)
            answer = call_interruptibly(sts.get_caller_identity, cancel, deadline)
            arn = str(answer["Arn"])
            return Identity(account=str(answer["Account"]), arn=arn,
                            partition=arn.split(":")[1] if arn.count(":") >= 5 else partition_of(session, region),
                            region=region)
        except Interrupted as stop:
            if stop.reason == "cancelled":
                raise LoadCancelled("load cancelled before the account was known; nothing was kept") from None
            raise SourceError(f"sts GetCallerIdentity did not answer within the load's deadline "
                              f"({limits.deadline:g} s)") from None
        except ReadOnlyViolation:
            raise
        except (boto_errors.ClientError, boto_errors.EndpointConnectionError, boto_errors.ConnectTimeoutError,
                boto_errors.ReadTimeoutError, boto_errors.ConnectionClosedError) as error:
            if isinstance(error, boto_errors.ClientError) and _code(error) not in CREDENTIAL_CODES:
                raise SourceError(credential_message(error, profile, endpoint_url)) from None
            last = error  # maybe only this region (not enabled, unreachable): try the next
        except (KeyError, TypeError, ValueError) as error:
            last = error  # an answer without Account/Arn
        except (boto_errors.BotoCoreError, Exception) as error:  # noqa: BLE001 - no region would help
            raise SourceError(credential_message(error, profile, endpoint_url)) from None
    raise SourceError(credential_message(last or RuntimeError("no region to ask"), profile, endpoint_url))


def _code(error: boto_errors.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


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
        return f"AWS profile {_profile_name(error, profile)!r} not found in the AWS config files"
    if isinstance(error, (boto_errors.EndpointConnectionError, boto_errors.ConnectTimeoutError)):
        return f"cannot reach AWS ({endpoint_url or getattr(error, 'kwargs', {}).get('endpoint_url', 'endpoint')}): {error}"
    if isinstance(error, (boto_errors.ReadTimeoutError, boto_errors.ConnectionClosedError)):
        return f"AWS did not answer sts GetCallerIdentity: {error}"
    if isinstance(error, boto_errors.ClientError):
        code = _code(error)
        message = error.response.get("Error", {}).get("Message", str(error))
        if code in CREDENTIAL_CODES:
            return f"the AWS credentials were rejected ({code}: {message}); refresh them (for SSO: {login})"
        return f"sts GetCallerIdentity failed ({code}: {message})"
    if isinstance(error, (KeyError, TypeError, ValueError)):
        return f"sts GetCallerIdentity gave an answer without the account ({type(error).__name__}: {error})"
    return f"cannot use the AWS credentials: {error}"
