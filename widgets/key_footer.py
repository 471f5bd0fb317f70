"""The footer every section uses: help and quit first, so a narrow terminal never hides them.

Textual's Footer lists the focused widget's keys, then the section's, then the app's; at 80 columns
the last ones fall off the edge. This footer shows ``?`` and ``q`` first.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST_ACTIONS = ("help", "quit")


class KeyFooter(Footer):
    def compose(self):
        items = list(super().compose())
        first = [w for w in items if isinstance(w, FooterKey) and w.action in FIRST_ACTIONS]
        yield from first + [w for w in items if w not in first]
