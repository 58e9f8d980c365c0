"""The network-format registry: file suffix -> reader / writer.

The core owns the registry; formats register into it (plug-in style) with
:func:`register_format`.  Built-in plug-ins (:data:`PLUGINS`: JSON and ``.npz`` in
:mod:`fepproof.netio`, ONNX and StaticNet in :mod:`fepproof.interop`) are imported by
name on the first lookup, so this module imports none of them and there is no import
cycle; ``onnx`` itself is imported only when an ``.onnx`` file is read or written.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fsutil
from .fsutil import InputTooLarge
from .network import Network, NetworkError

__all__ = ["Reader", "Writer", "Format", "register_format", "formats", "reader_for",
           "writer_for", "load_network", "save_network", "PLUGINS", "LOADERS", "SAVERS"]

Reader = Callable[..., Network]
"""``reader(path, **options) -> Network``; raises NetworkError naming the field."""
Writer = Callable[[Network, Path], None]
"""``writer(net, path)``; writes atomically (see :func:`fepproof.fsutil.atomic_write`)."""

PLUGINS: list[str] = ["fepproof.netio", "fepproof.interop"]
"""Modules imported on first lookup; importing one registers its formats."""


@dataclass(frozen=True)
class Format:
    """One registered file format."""

    suffix: str
    reader: Reader | None
    writer: Writer | None
    description: str = ""


_REGISTRY: dict[str, Format] = {}
_loaded = False


def register_format(suffix: str, reader: Reader | None, writer: Writer | None,
                    description: str = "") -> None:
    """Register (or replace) the reader/writer for files ending in ``suffix`` (``".json"``)."""
    if not suffix.startswith(".") or suffix != suffix.lower():
        raise ValueError(f"suffix: expected a lower-case suffix like '.json', got {suffix!r}")
    _REGISTRY[suffix] = Format(suffix, reader, writer, description)


def _load_plugins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in PLUGINS:
            importlib.import_module(name)


def formats() -> dict[str, Format]:
    """Every registered format by suffix (plug-ins loaded)."""
    _load_plugins()
    return dict(_REGISTRY)


def reader_for(suffix: str) -> Reader | None:
    fmt = formats().get(suffix.lower())
    return None if fmt is None else fmt.reader


def writer_for(suffix: str) -> Writer | None:
    fmt = formats().get(suffix.lower())
    return None if fmt is None else fmt.writer


class _View(Mapping[str, Callable[..., Any]]):
    """Read-only ``suffix -> reader`` (or ``-> writer``) view of the registry, for code
    written against the former ``netio.LOADERS`` / ``netio.SAVERS`` dicts."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    def _items(self) -> dict[str, Callable[..., Any]]:
        return {s: getattr(f, self._kind) for s, f in formats().items()
                if getattr(f, self._kind) is not None}

    def __getitem__(self, suffix: str) -> Callable[..., Any]:
        return self._items()[suffix]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())


LOADERS: Mapping[str, Callable[..., Any]] = _View("reader")
SAVERS: Mapping[str, Callable[..., Any]] = _View("writer")


def _known(kind: str) -> str:
    return ", ".join(s for s, f in sorted(formats().items()) if getattr(f, kind) is not None)


def load_network(path: str | os.PathLike[str], **options: Any) -> Network:
    """Load a network from any registered format (by suffix); NetworkError on bad input."""
    path = Path(path)
    if not path.exists():
        raise NetworkError(f"file: {path} does not exist")
    if path.is_dir():
        raise NetworkError(f"file: {path} is a directory")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise NetworkError(f"file: {path} is not a regular file")
    reader = reader_for(path.suffix)
    if reader is None:
        raise NetworkError(f"file: unknown network format {path.suffix!r} "
                           f"(known: {_known('reader')})")
    limit = fsutil.MAX_INPUT_BYTES
    if path.stat().st_size > limit:
        raise NetworkError(f"file: {path} is larger than the {limit}-byte limit")
    try:
        return reader(path, **options)
    except InputTooLarge as exc:
        raise NetworkError(f"file: {exc}") from None
    except RecursionError:
        raise NetworkError(f"file: {path} is nested too deeply") from None


def save_network(net: Network, path: str | os.PathLike[str]) -> None:
    """Write a network in the format given by the suffix, atomically."""
    path = Path(path)
    writer = writer_for(path.suffix)
    if writer is None:
        raise NetworkError(f"output: cannot write format {path.suffix!r} "
                           f"(known: {_known('writer')})")
    writer(net, path)
