"""Who is calling, and which policy ``Principal`` entries name them (and how).

How a key-policy statement names the caller decides the door: the account (``…:root`` or a bare
account id) delegates to IAM; a user, role, role session, service or ``"*"`` names the caller
directly. A role session is named by its role's ARN or by the session ARN, and the two differ
against permissions boundaries and session policies (IAM User Guide, access_policies_boundaries).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_ACCOUNT = re.compile(r"^\d{12}$")


class PrincipalError(ValueError):
    """The request's principal is not an ARN or service principal kmstui understands."""


@dataclass(frozen=True)
class Caller:
    """The request's principal, with the identities AWS would match it by."""

    arn: str
    kind: str  # "user", "role-session", "root", "federated-user", "service", "role"
    account: str | None  # None for a service principal
    name: str  # user name, role name, service name
    role_arn: str | None = None  # the role behind a role session
    session_name: str | None = None

    # Worked out once (asked for every statement matched): the caller's account as a principal, and
    # aws:PrincipalArn (a role session's role, otherwise the caller's own ARN).
    account_arn: str | None = field(init=False, repr=False, compare=False)
    principal_arn: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "account_arn", f"arn:aws:iam::{self.account}:root" if self.account else None)
        object.__setattr__(self, "principal_arn", self.role_arn or self.arn)

    @property
    def principal_type(self) -> str:
        return {"user": "User", "role-session": "AssumedRole", "role": "AssumedRole", "root": "Account",
                "federated-user": "FederatedUser", "service": "Service"}[self.kind]

    @property
    def identities(self) -> tuple[str, ...]:
        """Every principal string this caller is known by, broadest last (for NotPrincipal)."""
        own = (self.arn,) if self.role_arn is None else (self.arn, self.role_arn)
        return own + ((self.account_arn,) if self.account_arn and self.kind != "root" else ())


@lru_cache(maxsize=1024)
def parse_caller(text: str) -> Caller:
    """A caller from an IAM user/role/root ARN, an STS session ARN, or a service principal."""
    value = text.strip()
    if _ACCOUNT.match(value):
        return Caller(f"arn:aws:iam::{value}:root", "root", value, "root")
    if not value.startswith("arn:"):
        if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
            return Caller(value, "service", None, value)
        raise PrincipalError(f"principal {text!r} is not an ARN (arn:aws:iam::ACCOUNT:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, …) or a service principal")
    parts = value.split(":", 5)
    if len(parts) != 6 or not _ACCOUNT.match(parts[4]):
        raise PrincipalError(f"principal {text!r} is not a valid ARN (arn:PARTITION:SERVICE::ACCOUNT:RESOURCE)")
    partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
    if service == "iam":
        if resource == "root":
            return Caller(value, "root", account, "root")
        if resource.startswith("user/"):
            return Caller(value, "user", account, resource.rsplit("/", 1)[-1])
        if resource.startswith("role/"):
            # A role ARN as the caller: treat as a session of that role whose name is unknown.
            return Caller(value, "role", account, resource.rsplit("/", 1)[-1], role_arn=value)
    if service == "sts":
        if resource.startswith("assumed-role/"):
            pieces = resource.split("/")
            if len(pieces) >= 3:
                role_arn = f"arn:{partition}:iam::{account}:role/{pieces[1]}"
                return Caller(value, "role-session", account, pieces[1], role_arn=role_arn, session_name="/".join(pieces[2:]))
        if resource.startswith("federated-user/"):
            return Caller(value, "federated-user", account, resource.split("/", 1)[1])
    raise PrincipalError(f"principal {text!r}: kmstui understands IAM users, roles, role sessions, federated users, the account root and service principals")


def normalize_aws_principal(value: str) -> str:
    """A bare account id in a policy means that account (``arn:aws:iam::ID:root``)."""
    text = value.strip()
    # len + isdecimal is _ACCOUNT's test (\d is a Unicode decimal digit) without a regular expression
    return f"arn:aws:iam::{text}:root" if len(text) == 12 and text.isdecimal() else text


# How a statement's principal list named the caller: (how, the policy entry that matched); ``how`` is
# "any", "account", "user", "role", "session", "federated-user", "root" or "service".
PrincipalMatch = tuple[str, str]


def _same_role(value: str, caller: Caller) -> bool:
    """Role names are unique in an account whatever their path, so compare account and name."""
    if not value.startswith("arn:") or ":role/" not in value:
        return False
    parts = value.split(":", 5)
    return len(parts) == 6 and parts[4] == caller.account and parts[5].rsplit("/", 1)[-1] == caller.name


def excluded_by_not_principal(entries: dict[str, tuple[str, ...]], caller: Caller) -> bool:
    """NotPrincipal excludes a caller only when every identity it is known by is listed.

    (IAM User Guide, NotPrincipal: to exclude a role session, list the session ARN, the role ARN and
    the account.)
    """
    if "*" in entries:
        return True
    listed = set(entries.get("AWS", ())) | set(entries.get("Service", ())) | set(entries.get("Federated", ()))
    if caller.kind == "service":
        return caller.arn in listed
    identities = [caller.arn] + ([caller.role_arn] if caller.kind == "role-session" and caller.role_arn else [])
    if caller.account_arn and caller.kind != "root":
        identities.append(caller.account_arn)
    return all(identity in listed or (identity == caller.role_arn and any(_same_role(v, caller) for v in listed)) for identity in identities)


@dataclass(slots=True, eq=False)
class PrincipalIndex:
    """A ``Principal`` element prepared for look-ups, so matching a caller is a few set probes.
    Read-only by convention (slotted, not frozen: one is built for every statement parsed)."""

    entries: dict[str, tuple[str, ...]]
    any: bool
    aws: frozenset[str]
    roles: dict[tuple[str, str], str]  # (account, role name) → the entry that names the role
    services: frozenset[str]  # lower case
    federated: frozenset[str]


def index_principal(entries: dict[str, tuple[str, ...]]) -> PrincipalIndex:
    aws = entries.get("AWS", ())
    roles: dict[tuple[str, str], str] = {}
    for value in aws:
        if ":role/" in value and value.startswith("arn:"):
            parts = value.split(":", 5)
            if len(parts) == 6:
                roles.setdefault((parts[4], parts[5].rsplit("/", 1)[-1]), value)
    services = entries.get("Service")
    federated = entries.get("Federated")
    return PrincipalIndex(entries, "*" in entries or "*" in aws, frozenset(aws), roles,
                          frozenset(v.lower() for v in services) if services else _NONE,
                          frozenset(federated) if federated else _NONE)


_NONE: frozenset[str] = frozenset()


def match_index(index: PrincipalIndex, caller: Caller) -> PrincipalMatch | None:
    """How a statement's ``Principal`` names the caller, or None. Specific names (user, role session,
    role) win over the account, so the door is reported exactly."""
    if index.any:
        return ("any", "*")
    if caller.kind == "service":
        if "*" in index.services or caller.arn.lower() in index.services:
            return ("service", caller.arn)
        return None
    if caller.kind == "user" and caller.arn in index.aws:
        return ("user", caller.arn)
    if caller.kind in ("role-session", "role"):
        if caller.kind == "role-session" and caller.arn in index.aws:
            return ("session", caller.arn)
        entry = index.roles.get((caller.account or "", caller.name))
        if entry is not None:
            return ("role", entry)
    if caller.kind == "federated-user" and (caller.arn in index.aws or caller.arn in index.federated):
        return ("federated-user", caller.arn)
    if caller.account_arn is not None and caller.account_arn in index.aws:
        return ("account", caller.account_arn)
    return None
