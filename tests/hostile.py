"""A Snapshot whose free text is hostile: markup, a click action, terminal escapes, a reordering mark.

Built from the demo account with the Snapshot model. Used by tests/test_hostile_text.py and by
screenshots/make_screenshots.py (the hostile-names shot). Everything an account, a file or a
snapshot may fill with any characters gets one: key descriptions, tags, aliases, principal names and
tags, inline and managed policy names, Sids, organization policy names, load errors, sources.
"""

from __future__ import annotations

import json

from kmstui.sources.demo import load_demo
from kmstui.sources.snapshot import LoadError, Snapshot

# ESC]2;…BEL retitles a terminal; [/] crashes a markup parser; [@click=…] would be a live action.
TITLE_ESCAPE = "\x1b]2;pwned\x07"
HOSTILE = f"{TITLE_ESCAPE}[/] [@click=app.quit]quit[/] [bold red]big\u202eevil"
# What each looks like once made visible.
SHOWN_ESCAPE = "\\x1b]2;pwned\\x07"
SHOWN_CLICK = "[@click=app.quit]quit[/]"
# A key policy holds only printable characters (PutKeyPolicy refuses controls): its Sids get markup.
KEY_POLICY_HOSTILE = "[/] [@click=app.quit]quit[/] [bold red]big"
USER_ARN = "arn:aws:iam::111122223333:user/power-user"


def hostile(label: str) -> str:
    """A hostile string that also says where it came from (so a test can look for it)."""
    return f"{label} {HOSTILE}"


def hostile_snapshot() -> Snapshot:
    snapshot = load_demo()
    snapshot.sources = [hostile("source")]
    key = next(k for k in snapshot.keys if not k.aws_managed)
    key.metadata["Description"] = hostile("description")
    key.tags = {**key.tags, hostile("tag-key"): hostile("tag-value")}
    if key.policy:
        document = json.loads(key.policy)
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        for index, statement in enumerate(statements):
            statement["Sid"] = f"sid{index} {KEY_POLICY_HOSTILE}"
        key.policy = json.dumps(document, indent=2, ensure_ascii=False)
    for principal in snapshot.principals:
        if principal.arn == USER_ARN:
            principal.name = hostile("user")
            principal.tags = {**principal.tags, "Team": hostile("team")}
        for inline in principal.inline_policies:
            inline.name = hostile("inline")
            document = json.loads(inline.document)
            statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
            for statement in statements:
                statement["Sid"] = hostile("inline-sid")
            inline.document = json.dumps(document, indent=2, ensure_ascii=False)
    for managed in snapshot.managed_policies.values():
        managed.name = hostile("managed")
    for policy in snapshot.org_policies.values():
        if policy.kind == "scp" and policy.name != "FullAWSAccess":
            policy.name = hostile("scp")
    snapshot.errors.append(LoadError(source=hostile("error-source"), what=hostile("error-what"),
                                     message=hostile("error-message"), code=hostile("error-code")))
    return snapshot
