"""CloudTrail's KMS events as requests kmstui can decide: who called, what, on which key, with what context.

A file may hold one event, a log file as CloudTrail delivers it to S3 (``{"Records": [...]}``, also
gzip-compressed), the output of ``aws cloudtrail lookup-events`` (``{"Events": [...]}`` whose
``CloudTrailEvent`` is JSON text), or JSON lines of any of these. Every file is read by the one
reader (``kmstui.sources.reader``); a gzip file is unpacked within the same size limit.

An event becomes a :class:`KmsEvent`: the principal ARN to evaluate (from ``userIdentity``), the
action (``kms:`` + ``eventName``; ReEncrypt is both of its permissions), the resources
(``requestParameters``, ``resources[].ARN``, ``recipientAccountId``), the request context with,
for every value, the field of the event it came from ("from CloudTrail: requestParameters.
encryptionContext"), and the outcome CloudTrail recorded (``denied``, ``allowed`` or ``failed``).
This module reads; it decides nothing.
"""

from __future__ import annotations

import calendar
import gzip
import os
import stat
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kmstui.sources.errors import SourceError
from kmstui.sources.reader import MAX_BYTES, parse_json, read_text

DENIED, ALLOWED, FAILED = "denied", "allowed", "failed"
KMS_SOURCE = "kms.amazonaws.com"
FROM = "from CloudTrail: "
_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation", "UnauthorizedOperation"})
# Operations authorized on the account, not on a key (their resource is "*").
_GLOBAL_OPERATIONS = frozenset({"CreateKey", "ListKeys", "ListAliases", "GenerateRandom", "ListRetirableGrants",
                                "CreateCustomKeyStore", "DescribeCustomKeyStores", "ConnectCustomKeyStore",
                                "DisconnectCustomKeyStore", "DeleteCustomKeyStore", "UpdateCustomKeyStore"})
_ALIAS_OPERATIONS = frozenset({"CreateAlias", "UpdateAlias", "DeleteAlias"})


class CloudTrailError(SourceError):
    """A file that holds no CloudTrail event kmstui can use, or an event that cannot become a request."""


@dataclass(frozen=True)
class KmsEvent:
    """One KMS API call recorded by CloudTrail, as a request to decide and the outcome to compare with."""

    id: str
    time: str  # eventTime, as recorded
    name: str  # eventName (the API operation)
    principal: str  # the ARN (or service principal) to evaluate
    identity_type: str  # userIdentity.type
    action: str  # kms:Decrypt, kms:ReEncrypt, …
    resources: tuple[str, ...]
    resource_account: str | None
    context: Mapping[str, Any]
    sources: Mapping[str, str]  # context key → "from CloudTrail: <field>"
    outcome: str  # denied | allowed | failed
    error_code: str | None = None
    error_message: str | None = None
    region: str | None = None
    via_service: str | None = None  # the AWS service that made the call for the principal
    notes: tuple[str, ...] = ()  # what the event cannot say (session policy, the caller behind AWSAccount, …)
    grant_tokens: bool = False
    session: bool = False  # a role session or federated user: a session policy may apply
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key_label(self) -> str:
        return ", ".join(self.resources)

    def sourced_context(self) -> Any:
        """The context as the engine takes it, each value with where it came from."""
        from kmstui.engine.context import SourcedContext

        return SourcedContext(self.context, self.sources)


@dataclass(frozen=True)
class Skipped:
    """A KMS event that is not a request kmstui can decide, and why."""

    id: str
    name: str
    reason: str


@dataclass
class EventLog:
    """What a file held: KMS events as requests, KMS events skipped (with why), and how many others."""

    events: list[KmsEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    other_events: int = 0  # events of other services

    def find(self, event_id: str) -> KmsEvent:
        for event in self.events:
            if event.id == event_id:
                return event
        for skipped in self.skipped:
            if skipped.id == event_id:
                raise CloudTrailError(f"event {event_id} ({skipped.name}) cannot be evaluated: {skipped.reason}")
        raise CloudTrailError(f"no KMS event {event_id!r} in the file; it holds {self.listing()}")

    def listing(self, limit: int = 20) -> str:
        shown = [f"{e.id} ({e.time} {e.name} by {e.principal})" for e in self.events[:limit]]
        more = f", and {len(self.events) - limit} more" if len(self.events) > limit else ""
        return "; ".join(shown) + more if shown else "no KMS events"


# -- reading the file shapes ------------------------------------------------------------------

def read_log_text(path: str, max_bytes: int = MAX_BYTES) -> str:
    """The file's text: through the one reader, or unpacked from gzip (S3 delivery) within ``max_bytes``."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISREG(mode):
            with open(path, "rb") as handle:
                magic = handle.read(2)
        else:
            magic = b""
    except OSError:
        magic = b""
    if magic != b"\x1f\x8b":
        return read_text(path, max_bytes)
    if os.path.getsize(path) > max_bytes:
        raise CloudTrailError(f"{path}: {os.path.getsize(path) / 1048576:.1f} MB is above the "
                              f"{max_bytes / 1048576:.0f} MB limit; raise it with --max-file-mb")
    with open(path, "rb") as handle:
        packed = handle.read(max_bytes + 1)
    raw = bytearray()
    try:
        while packed:
            unpack = zlib.decompressobj(wbits=31)
            raw += unpack.decompress(packed, max_bytes + 1 - len(raw))
            if len(raw) > max_bytes or unpack.unconsumed_tail:
                raise CloudTrailError(f"{path}: unpacks to more than the {max_bytes / 1048576:.0f} MB limit; "
                                      "raise it with --max-file-mb")
            packed = unpack.unused_data  # S3 may concatenate gzip members
    except (zlib.error, gzip.BadGzipFile, EOFError) as error:
        raise CloudTrailError(f"{path}: not a readable gzip file ({error})") from None
    try:
        return bytes(raw).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CloudTrailError(f"{path}: unpacked data is not UTF-8 text (offset {error.start})") from None


def records_of(data: Any, where: str) -> Iterator[Mapping[str, Any]]:
    """The CloudTrail records in one parsed JSON value of any of the shapes."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from records_of(item, f"{where}[{index}]")
        return
    if not isinstance(data, Mapping):
        raise CloudTrailError(f"{where}: expected a CloudTrail event, a log file or lookup-events output, found {type(data).__name__}")
    if isinstance(data.get("Records"), list):
        for index, item in enumerate(data["Records"]):
            if not isinstance(item, dict):
                raise CloudTrailError(f"{where}: Records[{index}] is not an event object")
            yield item
        return
    if isinstance(data.get("Events"), list):
        for index, item in enumerate(data["Events"]):
            yield from records_of(item, f"{where}: Events[{index}]")
        return
    if "CloudTrailEvent" in data:  # one lookup-events entry
        text = data["CloudTrailEvent"]
        if not isinstance(text, str):
            raise CloudTrailError(f"{where}.CloudTrailEvent: expected the event as JSON text")
        inner = parse_json(text, f"{where}.CloudTrailEvent")
        if not isinstance(inner, Mapping):
            raise CloudTrailError(f"{where}.CloudTrailEvent: not an event object")
        yield inner
        return
    if "eventName" in data or "eventSource" in data:
        yield data
        return
    raise CloudTrailError(f"{where}: not a CloudTrail event (no eventName), log file (Records) or lookup-events output (Events)")


def parse_log_text(text: str, where: str) -> list[Mapping[str, Any]]:
    """Every record in the text: one JSON value, or JSON lines."""
    stripped = text.strip()
    if not stripped:
        raise CloudTrailError(f"{where}: the file is empty; expected CloudTrail events")
    try:
        data = parse_json(stripped, where)
    except SourceError as whole:
        lines = [line for line in stripped.splitlines() if line.strip()]
        if len(lines) < 2:
            raise whole
        records: list[Mapping[str, Any]] = []
        for number, line in enumerate(lines, 1):
            records += records_of(parse_json(line, f"{where}, line {number}"), f"{where}, line {number}")
        return records
    return list(records_of(data, where))


def load_events(path: str, max_bytes: int = MAX_BYTES) -> EventLog:
    """The KMS events of a file (errors name the file)."""
    return events_of(parse_log_text(read_log_text(path, max_bytes), path))


def events_of(records: Iterable[Mapping[str, Any]]) -> EventLog:
    log = EventLog()
    for record in records:
        if record.get("eventSource") != KMS_SOURCE:
            log.other_events += 1
            continue
        try:
            log.events.append(event_of(record))
        except CloudTrailError as error:
            log.skipped.append(Skipped(str(record.get("eventID") or "?"), str(record.get("eventName") or "?"), str(error)))
    return log


# -- one event --------------------------------------------------------------------------------

def outcome_of(record: Mapping[str, Any]) -> str:
    code = record.get("errorCode")
    if not code:
        return ALLOWED
    return DENIED if str(code) in _DENIED_CODES or "AccessDenied" in str(code) else FAILED


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _service_endpoint(invoked_by: str, region: str | None) -> str | None:
    """``s3.amazonaws.com`` in us-west-2 → ``s3.us-west-2.amazonaws.com`` (kms:ViaService's form)."""
    if not invoked_by.endswith(".amazonaws.com") or not region:
        return None
    service = invoked_by[: -len(".amazonaws.com")]
    return f"{service}.{region}.amazonaws.com" if service and "." not in service else invoked_by


def _epoch(timestamp: str) -> int | None:
    if len(timestamp) == 20 and timestamp[4] == "-" and timestamp[10] == "T" and timestamp[19] == "Z":
        try:  # CloudTrail's own form, without strptime's cost (a log has many)
            return calendar.timegm((int(timestamp[:4]), int(timestamp[5:7]), int(timestamp[8:10]), int(timestamp[11:13]),
                                    int(timestamp[14:16]), int(timestamp[17:19]), 0, 0, 0))
        except ValueError:
            pass
    try:
        moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        try:
            moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


@lru_cache(maxsize=4096)
def _carried(action_names: tuple[str, ...], key: str) -> bool:
    """Whether requests for these actions carry the condition key (the reference's keys for the action)."""
    from kmstui.reference.model import load_reference

    reference = load_reference()
    return any(reference.carries(reference.action(name), key) for name in action_names)


@lru_cache(maxsize=1)
def _builder_reference() -> Any:
    from kmstui.reference.model import load_reference

    return load_reference()


class _Builder:
    """Context values, each with the event field it came from."""

    def __init__(self, action: str) -> None:
        self.reference = _builder_reference()
        self.action = self.reference.action(action) if action != "kms:ReEncrypt" else self.reference.action("kms:ReEncryptFrom")
        self.actions = ([self.action] if action != "kms:ReEncrypt" else
                        [self.reference.action("kms:ReEncryptFrom"), self.reference.action("kms:ReEncryptTo")])
        self.names = tuple(a.name for a in self.actions if a is not None)
        self.context: dict[str, Any] = {}
        self.sources: dict[str, str] = {}

    def carried(self, key: str) -> bool:
        return _carried(self.names, key)

    def add(self, key: str, value: Any, where: str) -> None:
        if value is None or value == "" or value == []:
            return
        if not self.carried(key):
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)):
            value = str(value)
        elif isinstance(value, list):
            value = [("true" if v else "false") if isinstance(v, bool) else str(v) for v in value]
        existing = self.context.get(key)
        if existing is not None and existing != value:
            merged = (existing if isinstance(existing, list) else [existing]) + (value if isinstance(value, list) else [value])
            value = list(dict.fromkeys(merged))
            where = f"{self.sources[key].removeprefix(FROM)} and {where}"
        self.context[key] = value
        self.sources[key] = FROM + where

    def encryption_context(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            return
        for name, text in value.items():
            self.add(f"kms:EncryptionContext:{name}", str(text), where)
        if value:
            self.add("kms:EncryptionContextKeys", [str(k) for k in value], where)


# requestParameters field → the condition key KMS sets from it, by operation ("*": every operation).
_PARAMETERS: dict[str, tuple[tuple[str, str], ...]] = {
    "*": (("encryptionAlgorithm", "kms:EncryptionAlgorithm"), ("signingAlgorithm", "kms:SigningAlgorithm"),
          ("messageType", "kms:MessageType"), ("macAlgorithm", "kms:MacAlgorithm"),
          ("keyPairSpec", "kms:DataKeyPairSpec"), ("sourceEncryptionAlgorithm", "kms:EncryptionAlgorithm"),
          ("destinationEncryptionAlgorithm", "kms:EncryptionAlgorithm"),
          ("wrappingAlgorithm", "kms:WrappingAlgorithm"), ("wrappingKeySpec", "kms:WrappingKeySpec"),
          ("expirationModel", "kms:ExpirationModel"), ("bypassPolicyLockoutSafetyCheck", "kms:BypassPolicyLockoutSafetyCheck")),
    "CreateKey": (("keySpec", "kms:KeySpec"), ("customerMasterKeySpec", "kms:KeySpec"), ("keyUsage", "kms:KeyUsage"),
                  ("origin", "kms:KeyOrigin"), ("multiRegion", "kms:MultiRegion")),
    "CreateGrant": (("operations", "kms:GrantOperations"), ("retiringPrincipal", "kms:RetiringPrincipal")),
    "ScheduleKeyDeletion": (("pendingWindowInDays", "kms:ScheduleKeyDeletionPendingWindowInDays"),),
    "EnableKeyRotation": (("rotationPeriodInDays", "kms:RotationPeriodInDays"),),
}


_PARAMETER_KEYS = {operation: dict(pairs) for operation, pairs in _PARAMETERS.items()}


def event_of(record: Mapping[str, Any]) -> KmsEvent:
    """One KMS record as a request; raises :class:`CloudTrailError` for one kmstui cannot evaluate."""
    event_id = _text(record.get("eventID")) or "?"
    name = _text(record.get("eventName"))
    if name is None:
        raise CloudTrailError("the event has no eventName")
    event_type = record.get("eventType")
    if event_type not in (None, "AwsApiCall"):
        raise CloudTrailError(f"a {event_type} (KMS acting on its own, not a call to authorize)")
    action = f"kms:{name}"
    if name != "ReEncrypt" and _builder_reference().action(action) is None:
        raise CloudTrailError(f"{action} is not a KMS permission kmstui knows")
    region = _text(record.get("awsRegion"))
    recipient = _text(record.get("recipientAccountId"))
    identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), dict) else {}
    parameters = record.get("requestParameters") if isinstance(record.get("requestParameters"), dict) else {}
    build = _Builder(action)
    notes: list[str] = []
    principal, via, session = _principal(identity, recipient, notes)
    resources, partition = _resources(name, record, parameters, region, recipient, build)
    resource_account = next((r.split(":")[4] for r in resources if r.startswith("arn:")), None) or recipient

    # the request context, field by field
    when = _text(record.get("eventTime"))
    if when:
        build.add("aws:CurrentTime", when, "eventTime")
        epoch = _epoch(when)
        if epoch is not None:
            build.add("aws:EpochTime", str(epoch), "eventTime")
    if region:
        build.add("aws:RequestedRegion", region, "awsRegion")
    source_ip = _text(record.get("sourceIPAddress"))
    vpce = _text(record.get("vpcEndpointId"))
    if via is None and source_ip and source_ip.endswith(".amazonaws.com") and identity.get("type") != "AWSService":
        via = source_ip  # the service's name stands where an address would be
    if vpce:
        build.add("aws:SourceVpce", vpce, "vpcEndpointId")
        if source_ip and not source_ip.endswith(".amazonaws.com"):
            build.add("aws:VpcSourceIp", source_ip, "sourceIPAddress (through a VPC endpoint)")
    elif source_ip and via is None and _looks_like_ip(source_ip):
        build.add("aws:SourceIp", source_ip, "sourceIPAddress")
    via_service = None
    if via is not None:
        via_service = _service_endpoint(via, region)
        if via_service:
            build.add("kms:ViaService", via_service, "userIdentity.invokedBy and awsRegion")
        build.add("aws:ViaAWSService", True, "userIdentity.invokedBy")
    elif identity.get("type") != "AWSService":
        build.add("aws:ViaAWSService", False, "no userIdentity.invokedBy")
    if isinstance(record.get("tlsDetails"), dict):
        build.add("aws:SecureTransport", True, "tlsDetails")
    principal_id = _text(identity.get("principalId"))
    if principal_id and identity.get("type") in ("IAMUser", "AssumedRole", "FederatedUser", "Root"):
        build.add("aws:userid", principal_id, "userIdentity.principalId")
    session_context = identity.get("sessionContext") if isinstance(identity.get("sessionContext"), dict) else {}
    attributes = session_context.get("attributes") if isinstance(session_context.get("attributes"), dict) else {}
    mfa = attributes.get("mfaAuthenticated")
    if isinstance(mfa, str) and mfa.lower() in ("true", "false"):
        build.add("aws:MultiFactorAuthPresent", mfa.lower(), "userIdentity.sessionContext.attributes.mfaAuthenticated")
    created = _text(attributes.get("creationDate"))
    if created and session:
        build.add("aws:TokenIssueTime", created, "userIdentity.sessionContext.attributes.creationDate")
    source_identity = _text(session_context.get("sourceIdentity"))
    if source_identity:
        build.add("aws:SourceIdentity", source_identity, "userIdentity.sessionContext.sourceIdentity")

    # what the request parameters say
    if name == "ReEncrypt":
        build.encryption_context(parameters.get("sourceEncryptionContext"), "requestParameters.sourceEncryptionContext")
        build.encryption_context(parameters.get("destinationEncryptionContext"), "requestParameters.destinationEncryptionContext")
        if len(resources) == 2:
            build.add("kms:ReEncryptOnSameKey", resources[0] == resources[1], "requestParameters (source and destination key)")
    elif name == "CreateGrant":
        constraints = parameters.get("constraints") if isinstance(parameters.get("constraints"), Mapping) else {}
        for field_name, value in constraints.items():
            kind = field_name[:1].upper() + field_name[1:]
            if kind in ("EncryptionContextEquals", "EncryptionContextSubset"):
                build.add("kms:GrantConstraintType", kind, "requestParameters.constraints")
                build.encryption_context(value, f"requestParameters.constraints.{field_name}")
        grantee = _text(parameters.get("granteePrincipal"))
        if grantee:
            key = "kms:GranteeServicePrincipal" if grantee.endswith(".amazonaws.com") else "kms:GranteePrincipal"
            build.add(key, grantee, "requestParameters.granteePrincipal")
        build.add("kms:GrantIsForAWSResource", via is not None, "userIdentity.invokedBy")
    else:
        build.encryption_context(parameters.get("encryptionContext"), "requestParameters.encryptionContext")
    if name in ("ListGrants", "RevokeGrant"):
        build.add("kms:GrantIsForAWSResource", via is not None, "userIdentity.invokedBy")
    own = _PARAMETER_KEYS.get(name, {})
    for field_name, value in parameters.items():
        key = own.get(field_name) or _PARAMETER_KEYS["*"].get(field_name)
        if key is not None:
            build.add(key, value, f"requestParameters.{field_name}")
    tags = parameters.get("tags")
    if isinstance(tags, list):
        names = []
        for tag in tags:
            if isinstance(tag, Mapping):
                tag_key = _text(tag.get("tagKey") or tag.get("TagKey"))
                if tag_key:
                    names.append(tag_key)
                    build.add(f"aws:RequestTag/{tag_key}", str(tag.get("tagValue", tag.get("TagValue", ""))), "requestParameters.tags")
        build.add("aws:TagKeys", names, "requestParameters.tags")
    if isinstance(parameters.get("tagKeys"), list):
        build.add("aws:TagKeys", [str(k) for k in parameters["tagKeys"]], "requestParameters.tagKeys")
    if session:
        notes.append("a session policy or session tags passed when the session was created (CloudTrail records them "
                     "in the AssumeRole or GetFederationToken event, not in this one)")
    grant_tokens = bool(parameters.get("grantTokens"))
    if grant_tokens:
        notes.append("the grant tokens the call passed (a grant not yet visible in ListGrants)")
    code = _text(record.get("errorCode"))
    return KmsEvent(
        id=event_id, time=when or "", name=name, principal=principal, identity_type=str(identity.get("type") or "?"),
        action=action, resources=resources, resource_account=resource_account, context=build.context,
        sources=build.sources, outcome=outcome_of(record), error_code=code,
        error_message=_text(record.get("errorMessage")), region=region, via_service=via_service,
        notes=tuple(notes), grant_tokens=grant_tokens, session=session, raw=record,
    )


def _looks_like_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _principal(identity: Mapping[str, Any], recipient: str | None, notes: list[str]) -> tuple[str, str | None, bool]:
    """(the principal to evaluate, the service that made the call for it or None, whether it is a session)."""
    kind = identity.get("type")
    invoked_by = _text(identity.get("invokedBy"))
    via = invoked_by if invoked_by and invoked_by.endswith(".amazonaws.com") else None
    arn = _text(identity.get("arn"))
    account = _text(identity.get("accountId")) or recipient
    partition = arn.split(":")[1] if arn and arn.startswith("arn:") else "aws"
    if kind in ("IAMUser", "FederatedUser") and arn:
        return arn, via, kind == "FederatedUser"
    if kind == "AssumedRole":
        if arn:
            return arn, via, True
        issuer = identity.get("sessionContext", {}).get("sessionIssuer", {}) if isinstance(identity.get("sessionContext"), dict) else {}
        role = _text(issuer.get("arn")) if isinstance(issuer, Mapping) else None
        if role:
            notes.append("the event names the role, not the session; evaluated as the role")
            return role, via, True
        raise CloudTrailError("an AssumedRole identity with neither arn nor sessionContext.sessionIssuer.arn")
    if kind == "Root":
        if not account:
            raise CloudTrailError("a Root identity with no accountId")
        return f"arn:{partition}:iam::{account}:root", via, False
    if kind == "AWSAccount":
        if not account:
            raise CloudTrailError("an AWSAccount identity with no accountId")
        notes.append(f"which principal of account {account} called: CloudTrail in the key's account records only the "
                     "caller's account (AWSAccount), so kmstui evaluates that account's root, whose identity policies "
                     "allow everything in its account; the caller's own trail has the exact identity")
        return f"arn:{partition}:iam::{account}:root", via, False
    if kind == "AWSService":
        if not invoked_by:
            raise CloudTrailError("an AWSService identity with no invokedBy")
        return invoked_by, None, False
    raise CloudTrailError(f"a {kind or 'missing'} userIdentity type, which kmstui does not evaluate "
                          "(it evaluates IAMUser, AssumedRole, FederatedUser, Root, AWSAccount and AWSService)")


def _key_arn(text: str, keys: list[str], region: str | None, account: str | None, partition: str) -> str | None:
    """A key named by id or ARN, as an ARN: from the event's resources, else its region and recipient account."""
    if text.startswith("arn:") and ":key/" in text:
        return text
    if text.startswith("alias/") or ":alias/" in text:
        return None
    for arn in keys:
        if arn.endswith(f"/{text}"):
            return arn
    if region and account:
        return f"arn:{partition}:kms:{region}:{account}:key/{text}"
    return None


def _alias_name(text: str) -> str:
    return "alias/" + text.split(":alias/", 1)[1] if ":alias/" in text else text


def _resources(name: str, record: Mapping[str, Any], parameters: Mapping[str, Any], region: str | None,
               recipient: str | None, build: _Builder) -> tuple[tuple[str, ...], str]:
    listed = [r for r in record.get("resources") or () if isinstance(r, dict) and isinstance(r.get("ARN"), str)]
    keys = [r["ARN"] for r in listed if ":key/" in r["ARN"]]
    aliases = [r["ARN"] for r in listed if ":alias/" in r["ARN"]]
    partition = (keys + aliases)[0].split(":")[1] if keys + aliases else "aws"
    if name in _GLOBAL_OPERATIONS:
        return ("*",), partition

    def key(text: Any, what: str) -> str:
        value = _text(text)
        if value is None:
            raise CloudTrailError(f"the event does not name the {what}")
        arn = _key_arn(value, keys, region, recipient, partition)
        if arn is None:
            if value.startswith("alias/") or ":alias/" in value:
                build.add("kms:RequestAlias", _alias_name(value), "requestParameters.keyId")
                if keys:
                    return keys[0]
                return _alias_name(value)
            raise CloudTrailError(f"the {what} {value!r} has no ARN in the event (no resources, awsRegion or recipientAccountId)")
        return arn

    if name == "ReEncrypt":
        destination = key(parameters.get("destinationKeyId") or (keys[-1] if keys else None), "destination key")
        source_text = parameters.get("sourceKeyId") or next((k for k in keys if k != destination), None) or (keys[0] if keys else None)
        if source_text is None:
            raise CloudTrailError("the event does not name the source key (it is inside the ciphertext, and "
                                  "CloudTrail recorded no resources)")
        return (key(source_text, "source key"), destination), partition
    if name in _ALIAS_OPERATIONS:
        alias = _text(parameters.get("aliasName")) or (aliases[0] if aliases else None)
        if alias is None:
            raise CloudTrailError("the event does not name the alias (requestParameters.aliasName)")
        if name == "DeleteAlias":
            return ((_alias_name(alias), keys[0]) if keys else (_alias_name(alias),)), partition
        return (_alias_name(alias), key(parameters.get("targetKeyId") or (keys[-1] if keys else None), "target key")), partition
    named = parameters.get("keyId") or parameters.get("keyArn")
    if named is None and not keys:
        raise CloudTrailError("the event does not name the key (Decrypt names it only inside the ciphertext, and "
                              "CloudTrail recorded no resources)")
    return (key(named if named is not None else keys[0], "key"),), partition
