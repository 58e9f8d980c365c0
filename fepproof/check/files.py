"""Reading the files ``fepproof check`` is given or keeps (the spec, cache entries) as
regular files only, with a size limit.

The file is opened non-blocking, so a FIFO cannot block the open, and ``fstat`` of the
open descriptor decides: anything but a regular file (a FIFO, ``/dev/zero``, a socket, a
directory) is refused before one byte is read.  The size is checked before reading and
the read itself stops one byte past the limit, so a file that grows while read is still
bounded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..fsutil import check_size

__all__ = ["NotRegularFile", "file_kind", "read_regular"]


class NotRegularFile(ValueError):
    """The path names a directory, FIFO, device or socket, not a regular file."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.path = path
        self.kind = kind  # "a FIFO (named pipe)", "a directory", ...


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message: ``"a directory"``, ``"a FIFO"``, ..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], limit: int, *,
                 follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`NotRegularFile` (naming what the path is),
    :class:`~fepproof.fsutil.InputTooLarge`, or
    ``OSError`` (missing, unreadable; a symbolic link when ``follow_symlinks`` is false).
    """
    path = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, file_kind(st.st_mode))
        check_size(st.st_size, str(path), limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
    finally:
        os.close(fd)
    check_size(total, str(path), limit)
    return b"".join(chunks)
