"""Where the generator's files live, so the CLI and the tests find them the same way."""

from __future__ import annotations

from pathlib import Path

import kmstui

from kmstui.reference.refgen.errors import InputError

SEED_NAME = "seed_2021.txt"
# The 2021 "AWS KMS permissions" table (the project seed 002_1c542ca8c6f9a8b8.txt), kept beside the
# generator so it, like the overlay and the pinned packages, is an input the checkout carries.
SEED_PATH = Path(__file__).with_name(SEED_NAME)
OVERLAY_PATH = Path(__file__).with_name("overlay.json")


def repo_root() -> Path:
    """The work tree: the directory that holds the ``kmstui`` package (and ``data/``)."""
    return Path(kmstui.__file__).resolve().parent.parent


def default_output_path() -> Path:
    """The committed reference file the generator rewrites and ``--check`` compares with."""
    return repo_root() / "data" / "kms_reference.json"


def default_seed_path() -> Path:
    """The 2021 seed table the generator ships with."""
    return SEED_PATH


def find_seed(explicit: Path | None = None) -> Path:
    """The seed file to read, or :class:`InputError` naming where it was looked for."""
    path = Path(explicit) if explicit is not None else default_seed_path()
    if not path.is_file():
        how = "--seed" if explicit is not None else "the default location"
        raise InputError(f"seed table not found at {path} ({how}); pass --seed PATH to {SEED_NAME}")
    return path
