"""Step 0: turn a request into the parts AWS authorizes (a key, an alias, ``*``), each resolved.

A key may be named by id, ARN, alias name or alias ARN; alias operations and ReEncrypt authorize
several resources (KMS developer guide, alias-access and the permissions reference), each a part.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

from kmstui.engine.key_data import ALIAS_ARN, is_key_arn
from kmstui.engine.policy_set import PolicySet, key_id_of
from kmstui.policy.principals import Caller
from kmstui.reference.model import Action, load_reference


class RequestError(ValueError):
    """A request kmstui cannot evaluate (unknown action, unresolvable alias, …); one line."""


@dataclass(frozen=True)
class Request:
    """What is asked: ``principal`` may perform ``action`` on ``resource``?

    ``resource`` is a key id or ARN, an alias name or ARN, ``*``, or a list for operations on
    several resources (CreateAlias ``[alias, key]``, UpdateAlias ``[alias, new key]``, ReEncrypt
    ``[source key, destination key]``).
    """

    principal: str
    action: str
    resource: str | Sequence[str]
    resource_account: str | None = None
    context: Mapping[str, Any] | None = None
    derive: bool = True

    @property
    def resources(self) -> tuple[str, ...]:
        if isinstance(self.resource, str):
            return (self.resource,)
        return tuple(self.resource)


@dataclass(frozen=True)
class Part:
    """One resource to authorize, with the permission checked on it."""

    name: str  # key, alias, current-key, new-key, source-key, destination-key, account
    action: Action
    resource: str  # key ARN, alias ARN, or "*"
    key_arn: str | None
    account: str | None
    alias_name: str | None = None  # the alias the request used to name the key
    note: str = ""


@lru_cache(maxsize=512)
def find_action(text: str) -> Action | tuple[Action, Action]:
    """The KMS permission, or both ReEncrypt permissions for the ReEncrypt operation."""
    reference = load_reference()
    name = text.strip()
    bare = name.split(":", 1)[1] if ":" in name else name
    if bare.lower() == "reencrypt":
        return reference.action("kms:ReEncryptFrom"), reference.action("kms:ReEncryptTo")
    if ":" in name and not name.lower().startswith("kms:"):
        raise RequestError(f"action {text!r} is not a KMS action; kmstui evaluates kms:… actions")
    action = reference.action(name)
    if action is None:
        close = difflib.get_close_matches(f"kms:{bare}", [a.name for a in reference.actions], n=1, cutoff=0.6)
        raise RequestError(f"unknown KMS action {text!r}" + (f"; did you mean {close[0]}?" if close else ""))
    return action


def resolve_parts(request: Request, caller: Caller, policies: PolicySet) -> list[Part]:
    """The parts to authorize, in the order AWS's documentation lists them."""
    resource = request.resource
    if isinstance(resource, str):
        simple = simple_key_part(request.action, resource)  # the access matrix's every cell: no PolicySet needed
        if simple is not None:
            return [simple]
    return _resolve_parts(request, caller, policies)


@lru_cache(maxsize=4096)
def simple_key_part(action_text: str, key_arn: str) -> Part | None:
    """The one part of a key action on a key named by ARN (None for any other kind of request)."""
    if not is_key_arn(key_arn):
        return None
    found = find_action(action_text)
    if isinstance(found, tuple) or found.resource_types == {"*"} or found.name.split(":", 1)[1] in (
            "CreateAlias", "DeleteAlias", "UpdateAlias"):
        return None
    return Part("key", found, key_arn, key_arn, key_arn.split(":")[4])


def _resolve_parts(request: Request, caller: Caller, policies: PolicySet) -> list[Part]:
    found = find_action(request.action)
    resources = request.resources
    if not resources:
        raise RequestError("the request names no resource")
    resolver = _Resolver(request, caller, policies)
    if isinstance(found, tuple):
        if len(resources) != 2:
            raise RequestError("ReEncrypt needs two resources: the source key and the destination key")
        return [resolver.key_part("source-key", found[0], resources[0]), resolver.key_part("destination-key", found[1], resources[1])]
    action = found
    short = action.name.split(":", 1)[1]
    if short in ("CreateAlias", "DeleteAlias", "UpdateAlias"):
        return resolver.alias_parts(action, resources)
    if len(resources) != 1:
        raise RequestError(f"{action.name} takes one resource, not {len(resources)}")
    if action.resource_types == {"*"}:
        if resources[0] != "*":
            note = f"{action.name} is not authorized on a key; its resource is *"
        else:
            note = ""
        account = request.resource_account or caller.account
        return [Part("account", action, "*", None, account, note=note)]
    return [resolver.key_part("key", action, resources[0])]


class _Resolver:
    def __init__(self, request: Request, caller: Caller, policies: PolicySet) -> None:
        self.request, self.caller, self.policies = request, caller, policies

    def _where_key_lives(self, key_id: str, hint: str | None) -> tuple[str, str] | None:
        """(region, account) of a key named by id, only from data that says so: an alias ARN
        naming it (``hint``), an alias entry or a grant of that key; never a default."""
        texts = [hint] + [a.get("AliasArn") for a in self.policies.aliases or () if a.get("TargetKeyId") == key_id]
        texts += [g.get("KeyId") for grants in self.policies.grants.all() for g in grants
                  if str(g.get("KeyId", "")).endswith(f"/{key_id}")]
        for text in texts:
            if isinstance(text, str) and text.startswith("arn:") and len(text.split(":")) >= 6:
                parts = text.split(":")
                if parts[3] and parts[4]:
                    return parts[3], parts[4]
        return None

    def alias_arn(self, text: str, key_arn: str | None = None) -> str:
        """The alias's ARN: given, from the aliases loaded, or (for a new alias) in its key's region and account."""
        if text.startswith("arn:"):
            if not ALIAS_ARN.match(text):
                raise RequestError(f"{text!r} is not a KMS alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME)")
            return text
        if not text.startswith("alias/"):
            raise RequestError(f"{text!r} is not an alias name (alias/NAME) or alias ARN")
        for alias in self.policies.aliases or ():
            if alias.get("AliasName") == text and alias.get("AliasArn"):
                return str(alias["AliasArn"])
        if key_arn is not None:  # an alias lives in the region and account of its key
            parts = key_arn.split(":")
            return f"arn:{parts[1]}:kms:{parts[3]}:{parts[4]}:{text}"
        raise RequestError(f"the alias {text!r} is not in the aliases given, so its region and account are unknown: "
                           "name it by ARN or pass list-aliases output (--aliases FILE)")

    def alias_target(self, alias_arn: str) -> str | None:
        name = "alias/" + alias_arn.split(":alias/", 1)[1] if ":alias/" in alias_arn else alias_arn
        for alias in self.policies.aliases or ():
            if alias.get("AliasArn") == alias_arn or alias.get("AliasName") == name:
                target = alias.get("TargetKeyId")
                return str(target) if target else None
        return None

    def key_arn(self, text: str) -> tuple[str, str | None]:
        """A key ARN and, when the request named it by alias, that alias's name."""
        value = text.strip()
        if value.startswith("alias/") or ":alias/" in value:
            alias_arn = self.alias_arn(value)
            target = self.alias_target(alias_arn)
            if target is None:
                raise RequestError(f"alias {value!r} is not in the aliases given, so its key is unknown (pass aliases, e.g. --aliases FILE)")
            key, _ = self.key_arn(target if target.startswith("arn:") else self._arn_for_id(target, alias_arn))
            return key, "alias/" + alias_arn.split(":alias/", 1)[1]
        if value.startswith("arn:"):
            if not is_key_arn(value):
                raise RequestError(f"{value!r} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)")
            return value, None
        return self._arn_for_id(value, None), None

    def _arn_for_id(self, key_id: str, hint: str | None) -> str:
        for metadata in self.policies.key_metadata.all():
            arn = metadata.get("Arn")
            if isinstance(arn, str) and key_id_of(arn) == key_id:
                return arn
        where = self._where_key_lives(key_id, hint)
        if where is None:
            raise RequestError(f"the key {key_id} is named by id, and nothing loaded says its region and account "
                               "(no describe-key, list-keys KeyArn, alias or grant for it): name it by its ARN, "
                               "or add its describe-key output (--key-metadata FILE)")
        partition = hint.split(":")[1] if hint and hint.startswith("arn:") else "aws"
        return f"arn:{partition}:kms:{where[0]}:{where[1]}:key/{key_id}"

    def key_part(self, name: str, action: Action, text: str) -> Part:
        arn, alias = self.key_arn(text)
        note = f"{text} resolves to {arn}" if arn != text else ""
        return Part(name, action, arn, arn, arn.split(":")[4], alias_name=alias, note=note)

    def alias_parts(self, action: Action, resources: tuple[str, ...]) -> list[Part]:
        short = action.name.split(":", 1)[1]
        key_arn = self.key_arn(resources[1])[0] if len(resources) == 2 else None
        alias_arn = self.alias_arn(resources[0], key_arn)
        account = alias_arn.split(":")[4]
        parts = [Part("alias", action, alias_arn, None, account)]
        if short == "UpdateAlias":
            if len(resources) != 2:
                raise RequestError("UpdateAlias needs two resources: the alias and the new key")
            current = self.alias_target(alias_arn)
            if current is None:
                raise RequestError(f"the alias {resources[0]!r} is not in the aliases given, so its current key is unknown")
            parts.append(self.key_part("current-key", action, current if current.startswith("arn:") else self._arn_for_id(current, alias_arn)))
            parts.append(self.key_part("new-key", action, resources[1]))
            return parts
        if len(resources) == 2:
            parts.append(self.key_part("key", action, resources[1]))
            return parts
        if short == "CreateAlias":
            raise RequestError("CreateAlias needs two resources: the alias and the key")
        target = self.alias_target(alias_arn)
        if target is None:
            raise RequestError(f"the alias {resources[0]!r} is not in the aliases given; name its key as a second resource")
        parts.append(self.key_part("key", action, target if target.startswith("arn:") else self._arn_for_id(target, alias_arn)))
        return parts
