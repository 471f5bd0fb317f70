"""kmstui: can this principal perform this KMS action on this key, and exactly why (not)?

One sub-package per layer, imports running downwards only (import-linter checks it):
``cli`` and ``app`` (over ``widgets``) → ``analysis`` → ``sources`` → ``engine`` → ``policy`` →
``reference``. Importing ``kmstui`` imports neither Textual nor boto3.
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


# The public API, by name -> the module that defines it (imported on first use, so that
# ``import kmstui`` stays cheap).
_PUBLIC = {
    "Request": "kmstui.engine.resolve",
    "RequestError": "kmstui.engine.resolve",
    "PolicySet": "kmstui.engine.policy_set",
    "evaluate": "kmstui.engine.order",
    "decide": "kmstui.engine.order",
    "PolicyError": "kmstui.policy.document",
    "parse_policy": "kmstui.policy.document",
}


def __getattr__(name: str):
    """``from kmstui import Request, PolicySet, evaluate, decide`` without importing the engine eagerly."""
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'kmstui' has no attribute {name!r}")
