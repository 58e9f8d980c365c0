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

import json
import os
import zlib
from typing import Any

from ..fsutil import read_limited

__all__ = ["FORMAT", "CertificateUnreadable", "read_certificate"]

FORMAT = "fepproof-certificate/1"
MAX_COMPRESSED = 64 * 2**20
MAX_JSON = 2**30


class CertificateUnreadable(ValueError):
    """The file is not a readable certificate (exit 2, not "invalid")."""


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
