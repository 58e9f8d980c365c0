"""The certificate file: gzip-compressed JSON, ``fepproof-certificate/1``.

Top level::

    {"format": "fepproof-certificate/1",
     "claim": {"network_sha256": "...", "model": {...FailureModel.to_json()...},
               "failures": [1, 1], "input_box": [["0", "1"], ...], "output": null,
               "bound": "91/32"},
     "tree": [node, node, ...],       # the proof tree in preorder (see fepproof.certificate.tree)
     "producer": {"engine": "numeric", "seconds": 1.2, ...}}   # information only

Numbers that matter are exact strings (the box, the bound); split points are floats,
which JSON carries exactly (Python writes the shortest repr that reads back the same).
Reading is bounded: at most 64 MiB compressed and 1 GiB decompressed.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write, read_limited
from ..netdigest import network_digest

__all__ = ["FORMAT", "CertificateUnreadable", "make_claim", "write_certificate",
           "read_certificate"]

FORMAT = "fepproof-certificate/1"
MAX_COMPRESSED = 64 * 2**20
MAX_JSON = 2**30


class CertificateUnreadable(ValueError):
    """The file is not a readable certificate (exit 2, not "invalid")."""


def _exact(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def make_claim(network_path: str | os.PathLike[str], model: Any, failures: list[int],
               box: list[tuple[Fraction, Fraction]], output: int | None,
               bound: Fraction) -> dict[str, Any]:
    """The claim object of a certificate (the network is named by every byte it is read
    from)."""
    return {"network_sha256": network_digest(network_path), "model": model.to_json(),
            "failures": [int(f) for f in failures],
            "input_box": [[_exact(Fraction(lo)), _exact(Fraction(hi))] for lo, hi in box],
            "output": None if output is None else int(output), "bound": _exact(bound)}


def write_certificate(path: str | os.PathLike[str], claim: dict[str, Any], tree: list,
                      producer: dict[str, Any]) -> int:
    """Write the certificate atomically; returns its size in bytes."""
    doc = {"format": FORMAT, "claim": claim, "tree": tree, "producer": producer}
    data = gzip.compress(json.dumps(doc, separators=(",", ":"), allow_nan=False).encode(),
                         compresslevel=6, mtime=0)

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    atomic_write(path, write)
    return len(data)


def _no_constants(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def read_certificate(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The certificate's JSON object (bounded read; CertificateUnreadable otherwise)."""
    try:
        raw = read_limited(path, MAX_COMPRESSED)
    except (OSError, ValueError) as exc:
        raise CertificateUnreadable(f"certificate: cannot read {path}: {exc}") from None
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        text = d.decompress(raw, MAX_JSON + 1)
        if len(text) > MAX_JSON or d.unconsumed_tail:
            raise CertificateUnreadable(f"certificate: {path} decompresses to more than "
                                        f"{MAX_JSON // 2**20} MiB")
    except zlib.error as exc:
        raise CertificateUnreadable(f"certificate: {path} is not gzip data ({exc})") from None
    try:
        doc = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise CertificateUnreadable(f"certificate: {path} is not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CertificateUnreadable(f"certificate: {path} is not a {FORMAT} file")
    if not isinstance(doc.get("claim"), dict) or not isinstance(doc.get("tree"), list):
        raise CertificateUnreadable(f"certificate: {path} lacks its claim or tree")
    return doc
