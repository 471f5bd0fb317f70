"""Command-palette providers (`ctrl+p`): open any action or condition key, switch tabs.

Hits are named "category: thing" so the palette reads like a menu. Matching uses the palette's own
``textual.fuzzy`` matcher, as every Textual palette does.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ReferenceCommands(Provider):
    """Every KMS action and condition key, plus the Reference tabs."""

    def _commands(self) -> list[tuple[str, object, str]]:
        reference = self.app.reference
        commands: list[tuple[str, object, str]] = [
            ("view: Reference actions", partial(self._go, "actions", None), "Show the actions table"),
            ("view: Reference condition keys", partial(self._go, "keys", None), "Show the condition keys table"),
        ]
        for action in reference.actions:
            commands.append((f"action: {action.name}", partial(self._go, "actions", action.name), action.description))
        for key in reference.condition_keys:
            commands.append((f"condition key: {key.name}", partial(self._go, "keys", key.name), key.description))
        return commands

    def _go(self, tab: str, name: str | None) -> None:
        self.app.open_reference(tab, name)

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands()[:2]:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
