"""Writing a certificate for a ``proved`` verdict (the producer side; not trusted).

The engines record their branch-and-bound partition as a proof tree
(``VerifyResult.proof_tree``); this module pairs it with the exact claim and writes the
file that :func:`fepproof.certificate.check_certificate` re-validates.
"""

from __future__ import annotations

import gzip
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write
from ..netdigest import network_digest
from .fileformat import FORMAT

__all__ = ["CertificateRefused", "certificate_for", "make_claim", "write_certificate"]


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



class CertificateRefused(ValueError):
    """No certificate can be written for this run (which engine, which model, which verdict)."""


def certificate_for(result: Any, network_path: str | os.PathLike[str],
                    path: str | os.PathLike[str]) -> int:
    """Write the certificate of a ``proved`` :class:`fepproof.verify_api.VerifyResult`
    whose network was read from ``network_path``; returns the file's size in bytes."""
    p = result.problem
    if result.verdict.value != "proved":
        raise CertificateRefused(f"no certificate: the verdict is {result.verdict.value} "
                                 "(only a proved claim has one)")
    if p.model.fails_synapses:
        raise CertificateRefused("no certificate: synapse failures are not certified yet")
    if result.proof_tree is None:
        raise CertificateRefused(f"no certificate: the {result.engine} engine records no proof "
                                 "tree (use --engine numeric, z3 or auto)")
    claim = make_claim(network_path, p.model, list(p.failures), list(p.net.input_domain),
                       p.output, p.bound)
    producer = {"engine": result.engine, "seconds": round(result.seconds, 3),
                "upper": None if result.upper is None else float(result.upper),
                "nodes": len(result.proof_tree)}
    return write_certificate(path, claim, result.proof_tree, producer)
