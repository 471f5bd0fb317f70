"""Requests KMS refuses whatever the policies say: reserved aliases, and operations a key's type cannot do.

Both are KMS's own validation, not authorization, so the evaluation order runs first and these
rules are applied to its outcome (see ``order.py``): an allowed request that KMS would refuse is
``RejectedByKMS``, a denied one stays denied with the refusal noted.

- Alias names beginning ``alias/aws/`` are reserved for AWS managed keys; CreateAlias, UpdateAlias
  and DeleteAlias never succeed on them, and the aliases of AWS managed keys cannot be changed (KMS
  developer guide, "Creating aliases"; CreateAlias API reference).
- A key's KeySpec, KeyUsage and Origin limit its operations (the permissions reference's key-type
  column, kept in ``ResourceUse.key_types``): Encrypt on a SIGN_VERIFY key, GenerateMac on a
  non-HMAC key, GenerateDataKey on an asymmetric key, … (each operation's API reference: the
  exception named below).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from kmstui.reference.model import Action

RESERVED_ALIAS_PREFIX = "alias/aws/"
ALIAS_OPERATIONS = ("kms:createalias", "kms:updatealias", "kms:deletealias")

Metadata = Mapping[str, Any]


def _spec(metadata: Metadata) -> str:
    return str(metadata.get("KeySpec") or metadata.get("CustomerMasterKeySpec") or "")


def _usage(metadata: Metadata) -> str:
    return str(metadata.get("KeyUsage") or "")


def _is_symmetric_encryption(metadata: Metadata) -> bool:
    return _spec(metadata) == "SYMMETRIC_DEFAULT"


def _is_hmac(metadata: Metadata) -> bool:
    return _spec(metadata).startswith("HMAC_") or _usage(metadata) == "GENERATE_VERIFY_MAC"


# The reference's key-type phrases -> (what the key must be, the test, the exception KMS raises).
# tests/test_kms_rules.py fails when the reference holds a phrase this table does not know.
KEY_TYPE_RULES: dict[str, tuple[str, Callable[[Metadata], bool], str]] = {
    "symmetric encryption only": ("a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT)",
                                  _is_symmetric_encryption, "InvalidKeyUsageException"),
    "symmetric or asymmetric ENCRYPT_DECRYPT": ("a key with KeyUsage ENCRYPT_DECRYPT",
                                                lambda m: _usage(m) == "ENCRYPT_DECRYPT", "InvalidKeyUsageException"),
    "asymmetric SIGN_VERIFY only": ("an asymmetric key with KeyUsage SIGN_VERIFY",
                                    lambda m: _usage(m) == "SIGN_VERIFY", "InvalidKeyUsageException"),
    "asymmetric KEY_AGREEMENT only": ("an asymmetric key with KeyUsage KEY_AGREEMENT",
                                      lambda m: _usage(m) == "KEY_AGREEMENT", "InvalidKeyUsageException"),
    "asymmetric ML-KEM only": ("an ML-KEM key (KeySpec ML_KEM_…)",
                               lambda m: _spec(m).startswith("ML_KEM"), "InvalidKeyUsageException"),
    "HMAC only": ("an HMAC key (KeySpec HMAC_…, KeyUsage GENERATE_VERIFY_MAC)", _is_hmac, "InvalidKeyUsageException"),
    "asymmetric only": ("an asymmetric key", lambda m: not _is_symmetric_encryption(m) and not _is_hmac(m),
                        "UnsupportedOperationException"),
    "imported key material only": ("a key with imported key material (Origin EXTERNAL)",
                                   lambda m: str(m.get("Origin") or "") == "EXTERNAL", "UnsupportedOperationException"),
}


def key_type_rejection(action: Action, metadata: Metadata | None) -> str | None:
    """Why KMS refuses ``action`` on a key of this type, or None (also when the type is unknown)."""
    if not metadata or not (_spec(metadata) or _usage(metadata)):
        return None
    for use in action.resources:
        if use.type != "key" or not use.key_types or use.key_types not in KEY_TYPE_RULES:
            continue
        needs, test, exception = KEY_TYPE_RULES[use.key_types]
        if not test(metadata):
            described = ", ".join(f"{name} {value}" for name, value in
                                  (("KeySpec", _spec(metadata)), ("KeyUsage", _usage(metadata)),
                                   ("Origin", metadata.get("Origin"))) if value)
            return f"{action.name} needs {needs}; this key has {described} ({exception})"
    return None


def alias_rejection(action_lower: str, part_name: str, resource: str, metadata: Metadata | None) -> str | None:
    """Why KMS refuses an alias operation on this part: a reserved alias name or an AWS managed key."""
    if action_lower not in ALIAS_OPERATIONS:
        return None
    if part_name == "alias" and ":alias/" in resource:
        name = "alias/" + resource.split(":alias/", 1)[1]
        if name.lower().startswith(RESERVED_ALIAS_PREFIX):
            return (f"alias names beginning {RESERVED_ALIAS_PREFIX} are reserved for AWS managed keys: KMS never "
                    f"lets anyone create, update or delete {name}")
    if part_name != "alias" and metadata and str(metadata.get("KeyManager", "")).upper() == "AWS":
        return "the aliases of an AWS managed key cannot be created, changed or deleted"
    return None
