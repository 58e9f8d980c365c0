"""The SHA-256 of a network over every byte it is read from.

A network is read from one file, except an ONNX model whose initializers live in
external data files (``model.onnx.data``, as torch's exporter writes them).  A cache
entry or a certificate names its network by :func:`network_digest`, so editing any of
those files changes the digest.  Only regular files are read: a FIFO, a device or a
directory is refused at once (no hang, no unbounded read).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .fsutil import MAX_INPUT_BYTES, check_size

__all__ = ["network_sources", "network_digest", "file_digest", "NotARegularFile"]


class NotARegularFile(ValueError):
    """A path that should name a regular file names a FIFO, device, socket or directory."""


def _regular(path: Path) -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise
    if stat.S_ISDIR(st.st_mode):
        raise NotARegularFile(f"{path} is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise NotARegularFile(f"{path} is not a regular file (a FIFO, device or socket)")
    return st


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of one regular file's bytes (refusing special files and files over the
    input size limit)."""
    path = Path(path)
    check_size(_regular(path).st_size, str(path), MAX_INPUT_BYTES)
    h = hashlib.sha256()
    read = 0
    with open(path, "rb", opener=_nonblocking) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            read += len(block)
            check_size(read, str(path), MAX_INPUT_BYTES)
            h.update(block)
    return h.hexdigest()


def _nonblocking(path: str, flags: int) -> int:
    # O_NONBLOCK: a path swapped for a FIFO between stat and open does not block the open
    return os.open(path, flags | os.O_NONBLOCK)


def _external_locations(path: Path) -> list[str | bytes]:
    """The external-data ``location`` entries of an ONNX model's tensors (sorted, unique)."""
    try:
        import onnx
    except ImportError:  # no onnx: the model cannot be read at all, the file alone is hashed
        return []
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # an unreadable model: the reader refuses it; hash the bytes as they are
        return []
    found: set[str | bytes] = set()

    def tensors():
        yield from model.graph.initializer
        for node in model.graph.node:
            for attr in node.attribute:
                if attr.HasField("t"):
                    yield attr.t
                yield from attr.tensors

    for t in tensors():
        if t.data_location == onnx.TensorProto.EXTERNAL:
            for entry in t.external_data:
                if entry.key == "location":
                    found.add(entry.value)
    return sorted(found, key=lambda v: (isinstance(v, bytes), v))


def _inside(folder: Path, location: str | bytes) -> Path | None:
    """The external data file at ``location``, or None when the location is not text or
    leaves the model's folder (the reader refuses such a model; nothing outside is read)."""
    if not isinstance(location, str) or not location or os.path.isabs(location):
        return None
    target = (folder / location).resolve()
    try:
        target.relative_to(folder.resolve())
    except ValueError:
        return None
    return folder / location


def network_sources(path: str | os.PathLike[str]) -> list[Path]:
    """Every file a network is read from: the file itself, then (ONNX) its external data
    files in sorted order."""
    path = Path(path)
    _regular(path)
    sources = [path]
    if path.suffix.lower() == ".onnx":
        sources += [p for loc in _external_locations(path)
                    if (p := _inside(path.parent, loc)) is not None]
    return sources


def network_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 over every byte the network at ``path`` is read from.

    The main file contributes its digest, each external data file its location (as the
    model names it) and its digest, so editing the model or any data file changes the
    result; renaming the main file does not.  A missing
    external data file is hashed as missing (the reader then refuses the model).
    """
    path = Path(path)
    h = hashlib.sha256(b"fepproof-network-digest/1\0")
    h.update(file_digest(path).encode() + b"\0")
    if path.suffix.lower() == ".onnx":
        for loc in _external_locations(path):
            name = loc if isinstance(loc, bytes) else loc.encode("utf-8", "surrogateescape")
            h.update(name + b"\0")
            src = _inside(path.parent, loc)
            if src is None:
                h.update(b"refused")  # not text, or outside the model's folder: not read
            else:
                try:
                    h.update(file_digest(src).encode())
                except FileNotFoundError:
                    h.update(b"missing")
            h.update(b"\0")
    return h.hexdigest()
