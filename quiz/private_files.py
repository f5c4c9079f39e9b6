"""Files that hold the platform's data are readable by its own account only.

The instance folder (0700), the SQLite database with its -wal/-shm files and every backup
(0600): names, units and scores of every employee, and password hashes.  Applied explicitly
(not with a process umask, which would also change what gunicorn and the libraries create).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except FileNotFoundError:
        pass


def private_dir(path: str | os.PathLike) -> Path:
    """Create the folder (and its parents) if needed and make it owner-only (0700)."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: str | os.PathLike) -> Path:
    """Create the file empty if it is missing, owner-only (0600) either way, before anything writes into it."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass
    _tighten(path, PRIVATE_FILE_MODE)
    return path


def tighten_sqlite_files(database: str) -> None:
    """The database file and its WAL/shared-memory companions: 0600 when this account owns them."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        _tighten(Path(database + suffix), PRIVATE_FILE_MODE)
