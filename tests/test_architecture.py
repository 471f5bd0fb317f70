"""Layering rules: the core never imports Textual; the package installs no bare `widgets`."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import kmstui

PACKAGE = Path(kmstui.__file__).parent
# The user interface: these may import Textual. Everything else in kmstui/ is core.
UI_MODULES = {"app.py", "commands.py"}
UI_PACKAGES = {"screens"}


def core_modules() -> list[Path]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in UI_PACKAGES or (len(relative.parts) == 1 and relative.name in UI_MODULES):
            continue
        found.append(path)
    return found


def imported_modules(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_modules_exist() -> None:
    names = {p.name for p in core_modules()}
    assert {"reference.py", "fuzzy.py", "cli.py"} <= names


def test_core_never_imports_textual() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in core_modules()
        for name in imported_modules(path)
        if name.split(".")[0] == "textual"
    ]
    assert offenders == []


def test_core_loads_the_ui_only_on_demand() -> None:
    """Only a function body (the CLI starting the app) may import the app; never a module top."""
    ui = ("kmstui.app", "kmstui.screens", "kmstui.widgets", "kmstui.commands")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in core_modules()
        for name in imported_modules(path, top_level_only=True)
        if name.startswith(ui)
    ]
    assert offenders == []


def test_reference_cli_does_not_load_textual() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from kmstui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['reference', 'kms:Decrypt', '--json'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'boto3', 'botocore')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_explain_cli_does_not_load_textual_or_boto3(tmp_path: Path) -> None:
    policy = tmp_path / "key.json"
    policy.write_text('{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}}')
    code = (
        "import sys, io, contextlib\n"
        "from kmstui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['explain', '--principal', 'arn:aws:iam::111122223333:root', '--action', 'kms:Decrypt', "
        f"'--resource', 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', '--key-policy', {str(policy)!r}])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('textual', 'boto3', 'botocore')}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_widgets_and_data_install_inside_the_package(tmp_path: Path) -> None:
    assert importlib.util.find_spec("kmstui.widgets") is not None
    assert importlib.util.find_spec("kmstui.data") is not None
    # Outside the repository, no bare top-level `widgets` or `data` package was installed.
    code = "import importlib.util as u; print(u.find_spec('widgets'), u.find_spec('data'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip() == "None None"
