"""Cache of claim verdicts in ``.fepproof-cache/`` beside the spec.

The key is the SHA-256 of: the network file's bytes (and an input-box file's), the claim
(everything its verdict depends on, see :meth:`Claim.key_data`), the fepproof version and
a digest of fepproof's own source files (so an upgraded or edited checker re-verifies).
Only definitive verdicts (``proved``, ``refuted``) are stored; ``unknown`` and ``error``
are always re-run.  Entries are written atomically (temporary file + rename), so
concurrent runs never read half an entry; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..netio import atomic_write
from .spec import Claim

__all__ = ["CACHE_DIR", "claim_key", "cache_get", "cache_put", "file_digest", "code_digest"]

CACHE_DIR = ".fepproof-cache"
FORMAT = "fepproof-check-cache/1"


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over fepproof's Python sources (names and bytes), computed once."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def claim_key(claim: Claim) -> str:
    material = {"format": FORMAT, "version": __version__, "code": code_digest(),
                "network": file_digest(claim.network),
                "box_file": None if claim.input_box_file is None
                else file_digest(claim.input_box_file),
                "claim": claim.key_data()}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _entry(base: Path, key: str) -> Path:
    return base / CACHE_DIR / f"{key}.json"


def cache_get(base: Path, key: str) -> dict[str, Any] | None:
    """The stored verdict for ``key`` or None (missing, unreadable or not ours)."""
    try:
        data = json.loads(_entry(base, key).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key \
            or data.get("status") not in ("proved", "refuted"):
        return None
    return data


def cache_put(base: Path, key: str, status: str, evidence: dict[str, Any],
              engine: str, seconds: float) -> None:
    """Store a definitive verdict atomically (a failure to write is not an error)."""
    if status not in ("proved", "refuted"):
        return
    directory = base / CACHE_DIR
    try:
        directory.mkdir(exist_ok=True)
        gitignore = directory / ".gitignore"
        if not gitignore.exists():
            atomic_write(gitignore, lambda p: p.write_text("*\n", encoding="utf-8"))
        text = json.dumps({"format": FORMAT, "key": key, "status": status,
                           "evidence": evidence, "engine": engine, "seconds": seconds},
                          sort_keys=True)
        atomic_write(_entry(base, key), lambda p: p.write_text(text, encoding="utf-8"))
    except OSError:
        pass  # a read-only checkout still checks, it just does not cache


def clear(base: Path) -> int:
    """Remove every cache entry under ``base``; returns how many."""
    n = 0
    for p in (base / CACHE_DIR).glob("*.json"):
        try:
            os.unlink(p)
            n += 1
        except OSError:
            pass
    return n
