"""Cache of claim verdicts in ``.fepproof-cache/`` beside the spec.

The key is the SHA-256 of: every byte the network is read from
(:func:`fepproof.netdigest.network_digest`: the model file and, for ONNX, its external
data files), an input-box file's bytes, the claim (everything its verdict depends on,
see :meth:`Claim.key_data`), the fepproof version and a digest of fepproof's own source
files (so an upgraded or edited checker re-verifies).  Only definitive verdicts
(``proved``, ``refuted``) are stored; ``unknown`` and ``error`` are always re-run.

An entry is believed only when all of these hold, otherwise it is a miss (the claim is
re-run and the entry replaced):

- it is a regular file (not a FIFO, a device, a directory or a symbolic link) of at most
  :data:`MAX_ENTRY_BYTES`, holding JSON of this format for this key;
- its ``integrity`` field is the HMAC-SHA256, keyed by the claim key, of the entry's
  canonical content — tamper-evidence against accidents and hand edits, not against an
  attacker who recomputes it;
- the caller's ``validate(entry)`` hook accepts it (``fepproof check`` replays a cached
  ``refuted`` verdict's witness; a certificate check for ``proved`` is the planned
  stronger form).

Entries are written atomically (temporary file + rename), so concurrent runs never read
half an entry, and the rename replaces whatever was at the entry's path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..fsutil import InputTooLarge, atomic_write
from ..netdigest import file_digest, network_digest
from .files import NotRegularFile, read_regular
from .spec import Claim

__all__ = ["CACHE_DIR", "MAX_ENTRY_BYTES", "claim_key", "cacheable", "cache_get", "cache_put",
           "entry_integrity", "file_digest", "code_digest", "clear"]

CACHE_DIR = ".fepproof-cache"
FORMAT = "fepproof-check-cache/2"
MAX_ENTRY_BYTES = 16 * 2**20
"""Largest cache entry read (a witness of a large network is far smaller)."""

Validator = Callable[[dict[str, Any]], bool]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over fepproof's Python sources (names and bytes), computed once."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def claim_key(claim: Claim, network: str | None = None, box_file: str | None = None,
              data: str | None = None) -> str:
    """The cache key of ``claim``: SHA-256 over the network's bytes (every file it is read
    from), the input-box file's bytes, an accuracy claim's data set bytes, the claim, its
    certificate file's bytes (if it names one), the fepproof version and sources.

    ``network`` / ``box_file`` / ``data``: those digests when the caller has just computed
    them (``network_digest(claim.network)``, ``file_digest(claim.input_box_file)``,
    ``file_digest(claim.data)``).  Raises ``OSError`` or ``ValueError`` (a special file, a
    file over the size limit) when a file cannot be hashed.

    The runner also uses the key to run identical claims once; it never stores an
    accuracy claim's verdict (see :func:`cacheable`)."""
    if network is None:
        network = network_digest(claim.network)
    if box_file is None and claim.input_box_file is not None:
        box_file = file_digest(claim.input_box_file)
    data_set = getattr(claim, "data", None)
    if data is None and data_set is not None:
        data = file_digest(data_set)
    material = {"format": FORMAT, "version": __version__, "code": code_digest(),
                "network": network, "box_file": box_file, "claim": claim.key_data(),
                "certificate": _certificate_digest(claim)}
    if data_set is not None:
        material["data"] = data
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def cacheable(claim: Claim) -> bool:
    """Whether ``claim``'s verdict may be stored and read back.  An accuracy claim's is
    not: a cached ``proved`` would have to be re-validated by re-deciding every point of
    the data set, which is the claim itself, so it is always re-run."""
    return getattr(claim, "kind", "verify") != "accuracy"


def _certificate_digest(claim: Claim) -> str | None:
    """A claim's own certificate counts in its key (editing it re-checks the claim); one
    that cannot be read is keyed as such, and the run then reports why."""
    cert = getattr(claim, "certificate", None)
    if cert is None:
        return None
    try:
        return f"{cert}:{file_digest(cert)}"
    except (OSError, ValueError):
        return f"{cert}:unreadable"


def _entry(base: Path, key: str) -> Path:
    return base / CACHE_DIR / f"{key}.json"


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def entry_integrity(key: str, content: dict[str, Any]) -> str:
    """HMAC-SHA256 keyed by ``key`` over the canonical JSON of ``content`` (the entry
    without its ``integrity`` field)."""
    return hmac.new(key.encode("ascii"), _canonical(content), hashlib.sha256).hexdigest()


def _well_formed(data: Any, key: str) -> bool:
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return False
    seconds = data.get("seconds")
    return (data.get("status") in ("proved", "refuted")
            and isinstance(data.get("evidence"), dict)
            and isinstance(data.get("engine"), str)
            and isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
            and math.isfinite(seconds) and seconds >= 0
            and isinstance(data.get("integrity"), str))


def cache_get(base: Path, key: str, validate: Validator | None = None) -> dict[str, Any] | None:
    """The stored entry for ``key`` (``status``, ``evidence``, ``engine``, ``seconds``),
    or None: missing, not a regular file, too large, not JSON of this format and key,
    an ``integrity`` that does not match, or rejected by ``validate(entry)``."""
    try:
        raw = read_regular(_entry(base, key), MAX_ENTRY_BYTES, follow_symlinks=False)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, NotRegularFile, InputTooLarge, ValueError, RecursionError):
        return None  # UnicodeDecodeError and JSONDecodeError are ValueErrors
    if not _well_formed(data, key):
        return None
    stored = data.pop("integrity")
    try:
        expected = entry_integrity(key, data)
    except (ValueError, RecursionError):
        return None
    if not hmac.compare_digest(stored, expected):
        return None
    if validate is not None:
        try:
            if not validate(data):
                return None
        except Exception:  # noqa: BLE001 - a validator that cannot decide rejects
            return None
    return data


def cache_put(base: Path, key: str, status: str, evidence: dict[str, Any],
              engine: str, seconds: float) -> None:
    """Store a definitive verdict atomically, replacing whatever is at the entry's path
    (a failure to write is not an error: the claim is simply re-run next time)."""
    if status not in ("proved", "refuted"):
        return
    content = {"format": FORMAT, "key": key, "status": status, "evidence": evidence,
               "engine": engine, "seconds": float(seconds)}
    try:
        content["integrity"] = entry_integrity(key, content)
        data = _canonical(content)
    except (TypeError, ValueError, RecursionError):
        return  # evidence that is not plain JSON is not cached
    if len(data) > MAX_ENTRY_BYTES:
        return  # it could not be read back
    directory = base / CACHE_DIR
    try:
        directory.mkdir(exist_ok=True)
        gitignore = directory / ".gitignore"
        if not os.path.lexists(gitignore):
            atomic_write(gitignore, lambda p: p.write_text("*\n", encoding="utf-8"))
        atomic_write(_entry(base, key), lambda p: p.write_bytes(data))
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
