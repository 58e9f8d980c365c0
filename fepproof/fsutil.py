"""File-system helpers: atomic writes and size-limited reads (nothing half-written, no
unbounded reads of hostile input)."""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "read_limited", "check_size", "current_umask", "MAX_INPUT_BYTES",
           "InputTooLarge"]

MAX_INPUT_BYTES = 256 * 2**20
"""Largest input file (and largest decompressed ``.npz`` member total): 256 MiB."""


class InputTooLarge(ValueError):
    """An input file (or its decompressed content) exceeds :data:`MAX_INPUT_BYTES`."""


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting and at
    once restoring it (under a lock, so two threads of fepproof cannot interleave)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8) & 0o777
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask & 0o777


def atomic_write(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp)`` then rename ``tmp`` onto ``path``; nothing half-written.

    The file gets the mode a plain ``open(path, "w")`` of a new file would give it,
    ``0o666 & ~umask`` (a temporary file alone would be private, 0600)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():  # say so, rather than name the temporary file
        raise FileNotFoundError(errno.ENOENT, "no such directory", str(parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=parent)
    try:
        try:
            os.fchmod(fd, 0o666 & ~current_umask())
        finally:
            os.close(fd)
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_size(size: int, what: str, limit: int | None = None) -> None:
    """Raise InputTooLarge when ``size`` bytes exceed ``limit`` (default MAX_INPUT_BYTES)."""
    limit = MAX_INPUT_BYTES if limit is None else limit
    if size > limit:
        raise InputTooLarge(f"{what} is {size} bytes; the limit is {limit} bytes "
                            f"({limit // 2**20} MiB)")


def read_limited(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of ``path``, refusing (InputTooLarge) files larger than ``limit``
    (default MAX_INPUT_BYTES)."""
    path = Path(path)
    limit = MAX_INPUT_BYTES if limit is None else limit
    with open(path, "rb") as fh:
        check_size(os.fstat(fh.fileno()).st_size, str(path), limit)
        data = fh.read(limit + 1)  # a file growing while read is still bounded
    check_size(len(data), str(path), limit)
    return data


def unwritable_reason(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written as a new or replaced file (a directory, or in a
    directory that does not exist), checked before a long run; None when it can."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return f"{path} is a directory"
    if not parent.is_dir():
        return f"directory {parent} does not exist"
    return None
