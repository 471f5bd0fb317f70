"""Facts from botocore's KMS service model: operations, the prose lines on permissions, enums.

botocore is the only machine-readable source that states, per API operation, the policy type
("Required permissions: kms:X (key policy)") and cross-account use ("Cross-account use: Yes").
Those are HTML prose, so the parsing lives here, with tests, and never runs in the app.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from kmstui.reference.refgen.errors import InputError

_CROSS = re.compile(r"Cross-account use\s*:?\s*(Yes|No|Not applicable)\b")
_CROSS_TEXT = re.compile(r"Cross-account use\s*:?\s*([^.]*\.)")
_PERMISSION = re.compile(r"\bkms:([A-Za-z]+)(?![\w*])")
_LIST_FIRST = re.compile(r"\s*:?\s*</p>\s*(<ul>.*?</ul>)", re.S)
_POLICY_PAREN = re.compile(r"\((key policy|IAM policy)\)")
_POLICY_PHRASE = re.compile(r"\b(key policy|IAM policy)\b")
_TARGET = re.compile(r"\bon the ((?:[a-z]+ )?(?:KMS key|alias|primary key|replica key))\b")
_CONDITION_KEY = re.compile(r"use the (kms:[A-Za-z:]+) condition key")
_POLICY_CODES = {"key policy": "key_policy", "IAM policy": "iam_policy"}
_CROSS_CODES = {"Yes": "yes", "No": "no", "Not applicable": "not_applicable"}


@dataclass(frozen=True)
class PermissionUse:
    """One permission named under "Required permissions", with where it must be allowed."""

    permission: str  # "kms:CreateAlias"
    policy_type: str | None  # "key_policy", "iam_policy", or None when the prose names neither
    target: str | None  # "alias", "KMS key", "current KMS key", "source KMS key", …
    own: bool  # the operation's own permission (not a related one such as kms:TagResource)


@dataclass
class OperationFacts:
    """What one operation's documentation says about authorizing it."""

    name: str
    cross_account: str | None  # "yes", "no", "not_applicable", or None when the line is prose
    cross_account_text: str | None  # the sentence, when there is no Yes/No
    uses: list[PermissionUse] = field(default_factory=list)
    permissions_text: str = ""  # the whole "Required permissions" paragraph, as plain text
    condition_keys: list[str] = field(default_factory=list)  # "You can use the kms:X condition key"

    @property
    def own_permissions(self) -> list[str]:
        """The operation's permission(s): ReEncrypt has two; RetireGrant names none in its docs."""
        names = list(dict.fromkeys(use.permission for use in self.uses if use.own))
        return names or [f"kms:{self.name}"]

    def uses_of(self, permission: str) -> list[PermissionUse]:
        return [use for use in self.uses if use.permission == permission]

    def policy_type_of(self, permission: str) -> str | None:
        """key_policy, iam_policy, iam_and_key_policy (alias operations), or None if not stated."""
        kinds = {use.policy_type for use in self.uses_of(permission)} - {None}
        if kinds == {"key_policy", "iam_policy"}:
            return "iam_and_key_policy"
        return kinds.pop() if len(kinds) == 1 else None


@dataclass
class BotocoreData:
    """The parsed KMS model: operations by name and the enums the reference uses."""

    version: str
    api_version: str
    operations: dict[str, OperationFacts]
    enums: dict[str, list[str]]

    def operation_for(self, permission: str) -> OperationFacts | None:
        """The operation whose own permissions include ``permission``."""
        for facts in self.operations.values():
            if permission in facts.own_permissions:
                return facts
        return None


def html_to_text(fragment: str) -> str:
    """Plain text with list items kept apart by newlines."""
    text = re.sub(r"<li>", "\n", fragment)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _section(doc: str, title: str) -> str | None:
    """The HTML after ``<b>title</b>`` up to the next bold heading."""
    start = doc.find(f"<b>{title}</b>")
    if start < 0:
        return None
    start += len(title) + 7
    end = doc.find("<b>", start)
    return doc[start:] if end < 0 else doc[start:end]


def _first_block(section: str) -> str:
    """The list right after the heading, or else the heading's own paragraph."""
    listed = _LIST_FIRST.match(section)
    if listed:
        return listed.group(1)
    end = section.find("</p>")
    return section if end < 0 else section[:end]


def _is_own(operation: str, permission: str) -> bool:
    prefix = f"kms:{operation}"
    return permission.startswith(prefix) and permission[len(prefix):] in ("", "From", "To")


def parse_permissions(operation: str, text: str) -> list[PermissionUse]:
    """Each ``kms:X`` in the paragraph with the policy type and target stated up to the next one."""
    matches = list(_PERMISSION.finditer(text))
    uses = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        span = text[match.end():end]
        policy = _POLICY_PAREN.search(span) or _POLICY_PHRASE.search(span)
        target = _TARGET.search(span)
        permission = f"kms:{match.group(1)}"
        uses.append(
            PermissionUse(
                permission=permission,
                policy_type=_POLICY_CODES[policy.group(1)] if policy else None,
                target=target.group(1) if target else None,
                own=_is_own(operation, permission),
            )
        )
    return uses


def parse_operation_doc(operation: str, doc: str) -> OperationFacts:
    """The authorization facts in one operation's HTML documentation."""
    cross_html = _section(doc, "Cross-account use")
    cross_text = html_to_text("Cross-account use" + cross_html) if cross_html is not None else ""
    cross = _CROSS.search(cross_text)
    sentence = _CROSS_TEXT.search(cross_text)
    permissions_html = _first_block(_section(doc, "Required permissions") or "")
    permissions_text = html_to_text(permissions_html).lstrip(": ").strip()
    return OperationFacts(
        name=operation,
        cross_account=_CROSS_CODES[cross.group(1)] if cross else None,
        cross_account_text=None if cross or not sentence else sentence.group(1).strip(),
        uses=parse_permissions(operation, permissions_text),
        permissions_text=permissions_text,
        condition_keys=sorted(set(_CONDITION_KEY.findall(html_to_text(doc)))),
    )


def load_service_model() -> Any:
    """botocore's KMS service model (imported here so the rest of kmstui never needs botocore)."""
    try:
        import botocore
        import botocore.session
    except ImportError:
        raise InputError('botocore is not installed (install with: pip install ".[refgen]")') from None
    return botocore.session.get_session().get_service_model("kms")


def enum_values(model: Any, shape_name: str) -> list[str] | None:
    """The enum of a string shape in the model, or None if the model has no such enum."""
    try:
        shape = model.shape_for(shape_name)
    except Exception:  # botocore raises NoShapeFoundError
        return None
    values = getattr(shape, "enum", None)
    return list(values) if values else None


def load_botocore(enum_names: list[str]) -> BotocoreData:
    """Parse every KMS operation and read the named enums from the installed botocore."""
    import botocore

    model = load_service_model()
    operations = {
        name: parse_operation_doc(name, model.operation_model(name).documentation or "")
        for name in model.operation_names
    }
    enums = {name: values for name in enum_names if (values := enum_values(model, name)) is not None}
    return BotocoreData(
        version=botocore.__version__,
        api_version=model.metadata.get("apiVersion", ""),
        operations=operations,
        enums=enums,
    )
