"""The one error a source raises for input it cannot use: one line naming the file (or call) and why."""


class SourceError(ValueError):
    """Unusable input: printed as one line, never a traceback."""
