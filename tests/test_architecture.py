"""Layering rules: import-linter's contracts (pyproject.toml) hold and catch a wrong import;
the CLI's sub-commands load neither Textual nor boto3; the package installs no bare `widgets`."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the checkout at ``root`` (its pyproject.toml holds the contracts)."""
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("kmstui/engine/trace.py", "import textual", "The core never imports Textual"),
        ("kmstui/engine/order.py", "from kmstui.sources import snapshot", "Layers run downwards"),
        ("kmstui/policy/patterns.py", "import boto3", "nothing in analysis, engine, policy or"),
    ],
)
def test_the_contracts_catch_a_wrong_import(tmp_path: Path, module: str, line: str, broken: str) -> None:
    """A copy of the checkout with one import that runs the wrong way fails the check."""
    for folder in ("kmstui", "widgets"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert broken in " ".join(result.stdout.split())


def test_reference_cli_does_not_load_textual() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from kmstui.cli.main import main\n"
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
        "from kmstui.cli.main import main\n"
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
