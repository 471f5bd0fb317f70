"""Writing a file whole or not at all: a snapshot on disk is never half written, never left behind.

The text goes to a temporary file beside the target, is flushed to the disk (fsync), and is renamed
over the target; the directory is synced too, so the rename survives a crash. On any failure, or
Ctrl-C, the temporary file is removed. A file being replaced keeps its mode (a new file is 0600:
snapshots describe an account). A symbolic link is refused unless ``follow_symlink``, which then
writes the file it points to (the link stays a link).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from kmstui.sources.errors import SourceError


def write_text_atomically(path: str | os.PathLike[str], text: str, follow_symlink: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the file written. Raises SourceError for a
    target that cannot be one (empty, a directory, a refused link) and OSError for the rest."""
    if not str(path):
        raise SourceError("no output file named (use - for standard output)")
    target = Path(path)
    if target.is_symlink():
        if not follow_symlink:
            raise SourceError(f"{target} is a symbolic link; pass --follow-symlink to write the file it points to")
        target = target.resolve()
    if target.is_dir():
        raise SourceError(f"{target} is a directory; name a file to write")
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
    handle, temporary = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_directory(target.parent)
    return target


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every platform lets a directory be opened)."""
    try:
        descriptor = os.open(str(directory), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
