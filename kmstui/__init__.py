"""kmstui: can this principal perform this KMS action on this key, and exactly why (not)?

The package keeps a Textual-free core (reference, fuzzy search, and later the policy model,
evaluation and sources) and a Textual app on top (``kmstui.app``, ``kmstui.screens``,
``kmstui.widgets``). Importing ``kmstui`` imports neither Textual nor boto3.
"""

__version__ = "0.1.0"


def _resolve_mapped_folders_in_a_checkout() -> None:
    """Let ``kmstui.widgets`` and ``kmstui.data`` import when ``kmstui`` comes from a checkout.

    An installed kmstui carries ``widgets/`` and ``data/`` inside the package (pyproject's
    package-dir). Run from the repository root (``python -m pytest``, ``python -m kmstui``) the
    checkout's ``kmstui/`` shadows the installed one and those folders sit beside it instead, so
    the repository root joins this package's search path for exactly that case.
    """
    from pathlib import Path

    here = Path(__file__).resolve().parent
    root = here.parent
    if (here / "widgets").is_dir() or not (root / "widgets" / "__init__.py").is_file():
        return
    __path__.append(str(root))  # noqa: F821 - a package module's own __path__


_resolve_mapped_folders_in_a_checkout()


def __getattr__(name: str):
    """``from kmstui import Request, PolicySet, evaluate`` without importing the engine eagerly."""
    if name in ("Request", "PolicySet", "evaluate", "RequestError"):
        import importlib

        return getattr(importlib.import_module("kmstui.engine"), name)
    if name in ("PolicyError", "parse_policy"):
        import importlib

        return getattr(importlib.import_module("kmstui.policy"), name)
    raise AttributeError(f"module 'kmstui' has no attribute {name!r}")
