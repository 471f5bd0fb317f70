"""Every console example in README.md runs as written, from the repository root.

Each ``$ command`` (with ``\\`` continuations) of a ```console block is run by the shell; when the
README shows output under it, the command's first line of output must match the first line shown
(a trailing ``…`` in the README stands for the rest of the line).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@dataclass(frozen=True)
class Example:
    line: int
    command: str
    first_output: str | None


def examples() -> list[Example]:
    found: list[Example] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    inside = False
    index = 0
    while index < len(lines):
        text = lines[index].strip()
        if text.startswith("```"):
            inside = text.strip() == "```console" if not inside else False
            index += 1
            continue
        if inside and text.startswith("$ "):
            start = index
            command = text[2:]
            while command.endswith("\\") and index + 1 < len(lines):
                index += 1
                command = command[:-1] + " " + lines[index].strip()
            following = lines[index + 1].strip() if index + 1 < len(lines) else "```"
            shown = None if following.startswith(("$ ", "```")) else following
            command = re.sub(r"\s+#\s.*$", "", command)  # a comment after the command
            found.append(Example(start + 1, command.strip(), shown))
        index += 1
    return found


EXAMPLES = examples()


def test_the_readme_has_console_examples() -> None:
    assert len(EXAMPLES) >= 4 and any(e.first_output for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README line {e.line}" for e in EXAMPLES])
def test_readme_example_runs_as_written(example: Example) -> None:
    if "| jq" in example.command and shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    bin_dir = str(Path(sys.executable).parent)  # the kmstui of this environment
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "COLUMNS": "200",
           "XDG_CACHE_HOME": str(ROOT / "build" / "readme-cache")}
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {example.command}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    expects_failure = "--expect allow" in example.command and example.first_output \
        and not example.first_output.startswith("Allowed")
    assert result.returncode == (1 if expects_failure else 0), result.stderr
    assert result.stdout.strip(), "the example printed nothing"
    if example.first_output is not None:
        got = result.stdout.splitlines()[0].rstrip()
        want = example.first_output.rstrip()
        if want.endswith("…"):
            assert got.startswith(want[:-1]), (got, want)
        else:
            assert got == want
