"""Write the README's screenshots: drive the app headless and save SVGs (and PNGs with cairosvg).

    pip install ".[screenshots]"
    python screenshots/make_screenshots.py

Each shot is a terminal size and the keys a user would press. PNGs need cairosvg (and the DejaVu
fonts); without it only the SVGs are written, and the script says so.
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from kmstui.app.application import make_app

HERE = Path(__file__).resolve().parent
REPLAY_LOG = "tests/fixtures/cloudtrail/log/111122223333_CloudTrail_us-west-2_20261120T1000Z_example.json.gz"


@dataclass(frozen=True)
class Shot:
    name: str
    size: tuple[int, int]
    keys: tuple[str, ...] = ()
    theme: str | None = None
    about: str = ""
    hostile: bool = False  # the demo with hostile names (tests/hostile.py) instead of the demo itself
    paste: str = ""  # a file (from the repository's root) whose text is pasted after the keys, as a terminal pastes
    then: tuple[str, ...] = ()  # keys after the paste


SHOTS = (
    Shot("reference", (160, 45), about="the Reference: actions and the selected action's details"),
    Shot("reference-filter-grant", (120, 36), ("slash", *"grant", "enter", "down"),
         about="`/grant` narrows the actions to the grant actions"),
    Shot("reference-condition-key", (160, 45), ("c", "slash", *"viaservice", "enter"),
         about="a condition key and the actions it applies to"),
    Shot("reference-light", (160, 45), ("slash", *"reencrypt", "enter"), theme="textual-light",
         about="the light theme"),
    Shot("reference-80x24", (80, 24), ("slash", *"alias", "enter"), about="an 80x24 terminal"),
    Shot("help", (120, 36), ("question_mark",), about="help: every key"),
    Shot("policies", (160, 45), ("2", "down", "down", "down", "down", "space", "down"),
         about="Policies: what is loaded, and a key policy with its findings"),
    Shot("trace", (160, 45), ("3", "i", *"power-user", "enter", "r", *"alias/app", "enter"),
         about="Trace: why the power user cannot decrypt with alias/app"),
    Shot("trace-grant", (160, 45), ("3", "i", *"batch-processor", "enter", "r", *"payments", "enter", "x",
                                    *"kms:EncryptionContext:Department = Finance", "ctrl+s", "n"),
         about="Trace: a grant with an encryption-context constraint"),
    Shot("trace-80x24", (80, 24), ("3", "i", *"power-user", "enter", "r", *"alias/app", "enter"),
         about="Trace at 80x24"),
    Shot("trace-light", (160, 45), ("3", "i", *"ops-admin", "enter", "a", *"DisableKey", "enter", "r", *"alias/app", "enter"),
         theme="textual-light", about="Trace, light theme: an explicit deny"),
    Shot("matrix", (160, 45), ("4",), about="Access matrix: who can do what with a key"),
    Shot("findings", (160, 45), ("5",), about="Findings: risky or ineffective statements"),
    Shot("hostile-names", (160, 45), ("2", *["down"] * 12, "space", *["up"] * 7), hostile=True,
         about="names, descriptions and Sids holding markup and terminal escapes, shown as text"),
    Shot("paste-event", (120, 36), ("3", "d"), paste="tests/fixtures/cloudtrail/events/decrypt-denied.json",
         about="Start from the denial: a CloudTrail event pasted into the Trace's dialog (d)"),
    Shot("trace-from-cloudtrail", (160, 45), ("3", "d"), paste="tests/fixtures/cloudtrail/events/decrypt-denied.json",
         then=("ctrl+s",), about="the Trace filled from the event: CloudTrail's outcome beside the verdict"),
    Shot("replay", (120, 36), ("6", "ctrl+u"), paste=REPLAY_LOG, then=("enter", "down"),
         about="Replay: a CloudTrail log's KMS events, CloudTrail's outcome beside kmstui's verdict"),
)


def _hostile_snapshot():
    sys.path.insert(0, str(HERE.parent / "tests"))
    from hostile import hostile_snapshot

    return hostile_snapshot()


async def take(shot: Shot) -> Path:
    app = make_app(theme=shot.theme, snapshot=_hostile_snapshot() if shot.hostile else None,
                   source_label="hostile-names.json" if shot.hostile else None)
    async with app.run_test(size=shot.size) as pilot:
        await pilot.pause()
        for key in shot.keys:
            await pilot.press(key)
        if shot.paste:
            from textual import events

            await pilot.pause()
            app.post_message(events.Paste((HERE.parent / shot.paste).read_text(encoding="utf-8")
                                          if not shot.paste.endswith(".gz") else shot.paste))
            await pilot.pause()
            for key in shot.then:
                await pilot.press(key)
        await pilot.pause(1.0)  # the matrix fills in a worker
        await app.workers.wait_for_complete()
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False
        await pilot.pause()
        path = app.save_screenshot(filename=f"{shot.name}.svg", path=str(HERE))
    return Path(path)


def to_png(svg_path: Path) -> Path | None:
    """Convert with cairosvg, using a monospace font it has (the SVG names Fira Code)."""
    try:
        import cairosvg
    except ImportError:
        return None
    svg = svg_path.read_text(encoding="utf-8")
    svg = re.sub(r"font-family: [^;]*Fira Code[^;]*;", 'font-family: "DejaVu Sans Mono", monospace;', svg)
    png_path = svg_path.with_suffix(".png")
    cairosvg.svg2png(bytestring=svg.encode(), write_to=str(png_path), output_width=1400)
    return png_path


def main() -> int:
    import os

    os.chdir(HERE.parent)  # paths the shots type are the repository's, relative
    missing_png = False
    for shot in SHOTS:
        svg = asyncio.run(take(shot))
        png = to_png(svg)
        missing_png |= png is None
        print(f"{svg.relative_to(HERE.parent)}" + (f" and {png.name}" if png else "") + f": {shot.about}")
    if missing_png:
        print("PNGs skipped: pip install cairosvg to make them", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
