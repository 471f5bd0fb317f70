"""Shared fixtures: the bundled reference, parsed once per test session."""

from __future__ import annotations

import pytest

from kmstui.reference import Reference, load_reference


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()
