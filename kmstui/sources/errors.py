"""The one error a source raises for input it cannot use: one line naming the file (or call) and why."""


class SourceError(ValueError):
    """Unusable input: printed as one line, never a traceback."""


class LoadCancelled(SourceError):
    """The load was cancelled (cancel event, esc, Ctrl-C): nothing of it was kept."""
