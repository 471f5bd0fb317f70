"""How long an account load may wait: per connection, per read, per call (attempts) and in all.

Defaults suit a real account over a slow link; ``KMSTUI_CONNECT_TIMEOUT``, ``KMSTUI_READ_TIMEOUT``,
``KMSTUI_MAX_ATTEMPTS`` and ``KMSTUI_LOAD_DEADLINE`` (seconds, attempts) change them, and the CLI's
flags override those. botocore applies the first three itself; the deadline bounds the whole load,
so one hung call cannot stall it (its work becomes a load error).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

from kmstui.sources.errors import SourceError

ENV = {"connect_timeout": "KMSTUI_CONNECT_TIMEOUT", "read_timeout": "KMSTUI_READ_TIMEOUT",
       "max_attempts": "KMSTUI_MAX_ATTEMPTS", "deadline": "KMSTUI_LOAD_DEADLINE"}


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0  # seconds to open a connection
    read_timeout: float = 20.0  # seconds to wait for a response's next bytes
    max_attempts: int = 10  # attempts in all per call (the first and up to nine retries)
    deadline: float = 600.0  # seconds for the whole load

    def __post_init__(self) -> None:
        for name in ENV:
            if not getattr(self, name) > 0:
                raise SourceError(f"{name.replace('_', ' ')} must be more than 0 (got {getattr(self, name)})")


def limits_from(environ: Mapping[str, str] | None = None, **overrides: float | int | None) -> Limits:
    """Defaults, then the KMSTUI_* variables, then the given overrides (None: not given)."""
    environ = os.environ if environ is None else environ
    values: dict[str, float | int] = {}
    for name, variable in ENV.items():
        text = environ.get(variable, "").strip()
        if text:
            try:
                values[name] = int(text) if name == "max_attempts" else float(text)
            except ValueError:
                raise SourceError(f"{variable} must be a number (got {text!r})") from None
        if overrides.get(name) is not None:
            values[name] = overrides[name]  # type: ignore[assignment]
    return Limits(**values)  # type: ignore[arg-type]
