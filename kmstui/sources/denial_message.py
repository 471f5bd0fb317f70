"""AWS's AccessDenied messages (and KMS's vaguer errors) read back into a request and a claim.

AWS's enhanced messages say who was refused what on which resource, and which kind of policy
refused it: ``User: ARN is not authorized to perform: kms:Decrypt on resource: ARN because no
resource-based policy allows the kms:Decrypt action``, or ``… with an explicit deny in a service
control policy: arn:aws:organizations::…``. KMS's own messages are often vaguer (the ciphertext
that "refers to a customer master key that does not exist, does not exist in this region, or you
are not allowed to access"); those are decoded into the causes to check. This module reads; the
engine decides, and ``kmstui.analysis.replay`` compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kmstui.sources.errors import SourceError

EXPLICIT, IMPLICIT = "explicit", "implicit"

# The policy kinds AWS's messages name, as kmstui's deny_source / blocker names them.
_KINDS = (
    ("service control polic", "scp"),
    ("resource control polic", "rcp"),
    ("identity-based polic", "identity"),
    ("session polic", "session"),
    ("permissions boundar", "boundary"),
    ("resource-based polic", "key_policy"),
    ("vpc endpoint polic", "vpc_endpoint"),
)
KIND_LABELS = {"scp": "a service control policy (SCP)", "rcp": "a resource control policy (RCP)",
               "identity": "an identity-based policy", "session": "a session policy",
               "boundary": "a permissions boundary", "key_policy": "a resource-based policy (the key policy)",
               "vpc_endpoint": "a VPC endpoint policy"}

_PREFIX = re.compile(r"^\s*(?:An error occurred \((?P<code>[A-Za-z.]+)\)(?: when calling the (?P<operation>\w+) operation)?:\s*)?",
                     re.IGNORECASE)
_DENIED = re.compile(
    r"(?:User|Principal):\s*(?P<principal>\S+)\s+is not authorized to perform:\s*(?P<action>[\w:*-]+)"
    r"(?:\s+on resource:\s*(?P<resource>\S+?))?"
    r"(?:\s+(?P<reason>(?:because|with)\b.*?))?\s*\.?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ARN = re.compile(r"(arn:aws[\w-]*:[^\s,]+)")

# KMS's own messages whose cause is one of several: what each can mean, in the order to check.
_VAGUE: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"ciphertext refers to a (?:customer master key|KMS key) that does not exist", re.I), "AccessDeniedException", (
        "the key that encrypted the ciphertext is in another region (the ciphertext names its key; decrypt in that "
        "key's region, or use a multi-Region replica there)",
        "the key is in another account and the call is not allowed on both sides (the key policy must allow the caller "
        "or its account, and the caller's IAM policy must allow the key ARN)",
        "the caller may not use the key: kms:Decrypt is not allowed by the key policy, an IAM policy the key policy "
        "enables, or a grant (check with kmstui explain on the key the event or the ciphertext names)",
        "the key was deleted (a deleted key cannot be recovered, and neither can its ciphertexts)",
    )),
    (re.compile(r"(?:Key|Alias) '?(?P<arn>arn:[^' ]+|alias/[^' ]+)'? (?:does not exist|is not found)|NotFoundException", re.I),
     "NotFoundException", (
        "the key or alias is in another region or account than the call went to (the region of the client, the "
        "account of the credentials)",
        "the key id or alias name is misspelt, or the alias was deleted or points elsewhere now",
        "the key was deleted",
        "for an alias in another account: KMS does not resolve alias names across accounts; use the key ARN",
    )),
    (re.compile(r"is pending deletion|KMSInvalidStateException|is (?:pending import|unavailable)", re.I), "KMSInvalidStateException", (
        "the key is pending deletion (CancelKeyDeletion restores it) or waits for imported key material",
        "the key's custom key store is disconnected",
    )),
    (re.compile(r"is disabled|DisabledException", re.I), "DisabledException", ("the key is disabled (EnableKey enables it)",)),
    (re.compile(r"InvalidCiphertextException", re.I), "InvalidCiphertextException", (
        "the encryption context differs from the one given when encrypting (keys and values, case-sensitive)",
        "the ciphertext was changed, truncated or encoded twice (base64)",
        "for an asymmetric key: the key id or encryption algorithm differs from the one used to encrypt",
    )),
    (re.compile(r"IncorrectKeyException", re.I), "IncorrectKeyException", (
        "the KeyId given does not match the key that encrypted the ciphertext (omit it, or give that key)",
    )),
    (re.compile(r"InvalidKeyUsageException|not valid for this (?:operation|request)", re.I), "InvalidKeyUsageException", (
        "the key's usage or spec does not allow the operation (ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, "
        "KEY_AGREEMENT; GenerateDataKey needs a symmetric key)",
    )),
)


class DenialMessageError(SourceError):
    """A message kmstui cannot read as an AWS denial or KMS error."""


@dataclass(frozen=True)
class DenialMessage:
    """What an error message says."""

    text: str
    principal: str | None = None
    action: str | None = None
    resource: str | None = None
    denial: str | None = None  # explicit | implicit | None (the message does not say)
    policy_kind: str | None = None  # scp | rcp | identity | session | boundary | key_policy | vpc_endpoint
    policy_arn: str | None = None
    error_code: str | None = None
    operation: str | None = None
    causes: tuple[str, ...] = ()  # for KMS's vaguer messages: what to check

    @property
    def is_request(self) -> bool:
        """Whether it names principal, action and resource (enough to ask the engine)."""
        return bool(self.principal and self.action and self.resource)

    def claim(self) -> str:
        """What AWS says denied it, in one phrase."""
        if self.denial == EXPLICIT:
            what = KIND_LABELS.get(self.policy_kind or "", "a policy")
            return f"an explicit deny in {what}" + (f" ({self.policy_arn})" if self.policy_arn else "")
        if self.denial == IMPLICIT:
            return f"no {KIND_LABELS.get(self.policy_kind or '', 'policy').removeprefix('a ').removeprefix('an ')} allows it"
        return "access denied (the message does not say which policy)"


def _kind(text: str) -> str | None:
    lower = text.lower()
    for needle, kind in _KINDS:
        if needle in lower:
            return kind
    return None


def parse_denial_message(text: str) -> DenialMessage:
    """The request and the claim in an AWS error message; raises :class:`DenialMessageError`."""
    message = " ".join(text.split())
    if not message:
        raise DenialMessageError("the error message is empty")
    prefix = _PREFIX.match(message)
    code = prefix.group("code") if prefix else None
    operation = prefix.group("operation") if prefix else None
    body = message[prefix.end():] if prefix else message
    found = _DENIED.search(body)
    if found:
        reason = found.group("reason") or ""
        denial = kind = arn = None
        if reason:
            lower = reason.lower()
            kind = _kind(reason)
            if "explicit deny" in lower:
                denial = EXPLICIT
                arn_match = _ARN.search(reason)
                arn = arn_match.group(1).rstrip(".") if arn_match else None
            elif lower.startswith("because no") or " no " in lower:
                denial = IMPLICIT
        action = found.group("action")
        resource = found.group("resource")
        return DenialMessage(text=message, principal=found.group("principal").rstrip(":"),
                             action=action if ":" in action else f"kms:{action}",
                             resource=resource.rstrip(".") if resource else None, denial=denial, policy_kind=kind,
                             policy_arn=arn, error_code=code or "AccessDeniedException", operation=operation)
    for pattern, vague_code, causes in _VAGUE:
        match = pattern.search(message)
        if match:
            named = match.groupdict().get("arn") if match.groupdict() else None
            action = f"kms:{operation}" if operation else None
            return DenialMessage(text=message, action=action, resource=named, error_code=code or vague_code,
                                 operation=operation, causes=causes)
    raise DenialMessageError("not an AWS access-denied message kmstui can read (expected \"User: ARN is not authorized "
                             "to perform: ACTION on resource: ARN …\" or a KMS error)")
