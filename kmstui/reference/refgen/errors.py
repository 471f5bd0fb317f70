"""The one error the generator reports to its user: an input it needs is missing or unusable."""

from __future__ import annotations


class InputError(Exception):
    """An input is absent, not the pinned version, or not in the shape the parser expects.

    The CLI prints the message on one line and exits 2, so the message must say what to fix.
    """
