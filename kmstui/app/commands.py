"""Command-palette providers (`ctrl+p`): open any action or condition key, switch tabs.

Hits are named "category: thing" so the palette reads like a menu. Matching uses the palette's own
``textual.fuzzy`` matcher, as every Textual palette does.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from kmstui.outside_text import visible


class ReferenceCommands(Provider):
    """Every section, KMS action and condition key, and the loaded principals and keys (to trace)."""

    def _commands(self) -> list[tuple[str, object, str]]:
        reference = self.app.reference
        commands: list[tuple[str, object, str]] = [
            ("view: Reference actions", partial(self._go, "actions", None), "Show the actions table"),
            ("view: Reference condition keys", partial(self._go, "keys", None), "Show the condition keys table"),
            ("view: Policies", partial(self.app.action_section, "policies"), "Keys, principals, policies and load errors"),
            ("view: Trace", partial(self.app.action_section, "trace"), "Decide a request and step through why"),
            ("view: Access matrix", partial(self.app.action_section, "matrix"), "Who can do what with a key"),
            ("view: Findings", partial(self.app.action_section, "findings"), "Risky or ineffective statements"),
            ("view: Replay a CloudTrail log", partial(self.app.action_section, "replay"),
             "Every KMS event of a log: CloudTrail's outcome beside kmstui's verdict"),
            ("trace: from a CloudTrail event or error message", self.app.paste_into_trace,
             "Paste one event or an AccessDenied message; the Trace fills from it"),
        ]
        snapshot = getattr(self.app, "snapshot", None)
        for principal in snapshot.principals if snapshot else ():
            if principal.kind != "group":
                commands.append((f"trace principal: {visible(principal.name)}",
                                 partial(self.app.open_trace, principal=principal.arn), visible(principal.arn)))
        for key in snapshot.keys if snapshot else ():
            name = key.alias_names[0] if key.alias_names else key.key_id
            commands.append((f"trace key: {visible(name)}", partial(self.app.open_trace, resources=[name]), visible(key.arn)))
        for action in reference.actions:
            commands.append((f"action: {action.name}", partial(self._go, "actions", action.name), action.description))
        for key in reference.condition_keys:
            commands.append((f"condition key: {key.name}", partial(self._go, "keys", key.name), key.description))
        return commands

    def _go(self, tab: str, name: str | None) -> None:
        self.app.open_reference(tab, name)

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands()[:8]:
            yield DiscoveryHit(Content(title), callback, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                # The palette reads help as markup: names from outside are escaped for it.
                yield Hit(score, matcher.highlight(title), callback, help=escape(help_text))
