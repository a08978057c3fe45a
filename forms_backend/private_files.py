"""The data folder and database files hold password hashes, sessions, the audit log and sealed PHI:
only the service's own user may read them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class SharedFileError(Exception):
    """A private file or folder can be read by other users of the machine."""


def private_folder(path: Path) -> Path:
    """Create the folder (and missing parents) readable by this user only."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 if it is missing (SQLite then gives its -wal and -shm files the same mode)."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    return path


def readable_by_others(paths: list[Path]) -> list[str]:
    """Those of `paths` that exist and that the group or other users may read, write or enter."""
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            found.append(f"{path} is {mode:o}")
    return found
