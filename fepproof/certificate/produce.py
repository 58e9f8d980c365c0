"""Writing a certificate for a ``proved`` verdict (the producer side; not trusted).

The engines record their branch-and-bound partition as a proof tree
(``VerifyResult.proof_tree``); this module pairs it with the exact claim and writes the
file that :func:`fepproof.certificate.check_certificate` re-validates.
"""

from __future__ import annotations

import os
from typing import Any

from .fileformat import make_claim, write_certificate

__all__ = ["CertificateRefused", "certificate_for"]


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
