"""Door 3: grants. A grant allows (never denies) its grantee the listed operations on its key.

Rules (KMS developer guide, grants.html and create-grant-overview.html; API_GrantConstraints):
the grantee is a user or role ARN (a role session uses its role's grants) or a service principal;
the operation must be listed; ``EncryptionContextEquals`` needs exactly the same pairs and
``EncryptionContextSubset`` all of its pairs, keys compared case-insensitively and values exactly;
constraints are not applied to operations that take no encryption context. RetireGrant is also
allowed for the grant's retiring principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmstui.engine.context import Context
from kmstui.engine.policy_set import key_id_of
from kmstui.policy.principals import Caller, normalize_aws_principal
from kmstui.engine.trace import GrantEvidence

# Operations that take an encryption context, so that grant constraints apply to them.
ENCRYPTION_CONTEXT_OPERATIONS = frozenset({
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant",
})


def check_grants(grants: tuple[Mapping[str, Any], ...], operation: str, key_arn: str, caller: Caller,
                 context: Context) -> list[GrantEvidence]:
    """Evidence for every grant on the key whose grantee (or retiring principal) is the caller."""
    found = []
    request_context = _encryption_context(context)
    for index, grant in enumerate(grants):
        grant_key = grant.get("KeyId")
        if grant_key and key_id_of(str(grant_key)) != key_id_of(key_arn):
            continue
        grant_id = str(grant.get("GrantId") or grant.get("Name") or f"#{index + 1}")
        operations = tuple(str(o) for o in grant.get("Operations") or ())
        grantee = str(grant.get("GranteePrincipal") or grant.get("GranteeServicePrincipal") or "")
        constraints = grant.get("Constraints") or {}
        described = _describe(constraints)
        if operation == "RetireGrant" and _is(grant.get("RetiringPrincipal"), caller):
            found.append(GrantEvidence(grant_id, grantee, operations, described, True,
                                       f"the caller is the grant's retiring principal ({grant['RetiringPrincipal']})"))
            continue
        if not _is(grantee, caller):
            continue
        if operation not in operations:
            found.append(GrantEvidence(grant_id, grantee, operations, described, False,
                                       f"the grant's operations do not include {operation}"))
            continue
        if constraints and operation in ENCRYPTION_CONTEXT_OPERATIONS:
            ok, why = _constraints_hold(constraints, request_context)
            found.append(GrantEvidence(grant_id, grantee, operations, described, ok, why))
            continue
        why = "grantee and operation match" + (
            f"; constraints do not apply to {operation}, which takes no encryption context" if constraints else ""
        )
        found.append(GrantEvidence(grant_id, grantee, operations, described, True, why))
    return found


def grant_names_caller(grant: Mapping[str, Any], caller: Caller) -> tuple[bool, bool]:
    """(the caller is the grant's grantee, the caller is its retiring principal): all a grant reads of a caller."""
    grantee = grant.get("GranteePrincipal") or grant.get("GranteeServicePrincipal") or ""
    return _is(grantee, caller), _is(grant.get("RetiringPrincipal"), caller)


def _is(principal: Any, caller: Caller) -> bool:
    if not principal:
        return False
    value = normalize_aws_principal(str(principal))
    if value == caller.arn:
        return True
    if caller.role_arn and ":role/" in value:
        parts = value.split(":", 5)
        return len(parts) == 6 and parts[4] == caller.account and parts[5].rsplit("/", 1)[-1] == caller.name
    return False


def _encryption_context(context: Context) -> dict[str, str]:
    pairs = {}
    for entry in context.given:  # the encryption context is part of the request, never derived
        if entry.name.lower().startswith("kms:encryptioncontext:") and entry.values:
            pairs[entry.name.split(":", 2)[2].lower()] = entry.values[0]
    return pairs


def _constraints_hold(constraints: Mapping[str, Any], request: dict[str, str]) -> tuple[bool, str]:
    equals = constraints.get("EncryptionContextEquals")
    subset = constraints.get("EncryptionContextSubset")
    if equals is not None:
        wanted = {str(k).lower(): str(v) for k, v in equals.items()}
        if request == wanted:
            return True, "the encryption context equals EncryptionContextEquals"
        return False, f"the encryption context {_pairs(request)} does not equal EncryptionContextEquals {_pairs(wanted)}"
    if subset is not None:
        wanted = {str(k).lower(): str(v) for k, v in subset.items()}
        missing = {k: v for k, v in wanted.items() if request.get(k) != v}
        if not missing:
            return True, "the encryption context includes every EncryptionContextSubset pair"
        return False, f"the encryption context lacks EncryptionContextSubset pair(s) {_pairs(missing)}"
    return True, "grantee and operation match"


def _pairs(pairs: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in pairs.items()) + "}" if pairs else "{}"


def _describe(constraints: Mapping[str, Any]) -> str:
    if not constraints:
        return "none"
    return "; ".join(f"{name} {_pairs({str(k): str(v) for k, v in value.items()}) if isinstance(value, Mapping) else value}"
                     for name, value in constraints.items())
