"""Readable text output on real networks: long vectors are abbreviated (first 8, "...",
last 2, with the count).  The full data always stays in ``--json`` and ``--witness-out``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["abbreviate", "HEAD", "TAIL"]

HEAD, TAIL = 8, 2


def abbreviate(items: Sequence[Any], fmt: Callable[[Any], str] = str, head: int = HEAD,
               tail: int = TAIL) -> str:
    """``[a, b, ..., y, z]``; longer than head + tail + 1 items gives
    ``[a, ..., h, ... (784 values), y, z]``."""
    items = list(items)
    if len(items) <= head + tail + 1:
        return "[" + ", ".join(fmt(v) for v in items) + "]"
    parts = [fmt(v) for v in items[:head]] + [f"... ({len(items)} values)"] \
        + [fmt(v) for v in items[len(items) - tail:]]
    return "[" + ", ".join(parts) + "]"
