"""What every sub-command shares: bad input is one line on standard error and exit status 2."""

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class InputError(Exception):
    """Bad input on the command line or in a file it names: one line, exit 2, never a traceback."""


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit 2."""
