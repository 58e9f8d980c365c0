"""Proof certificates: every ``proved`` verdict can be re-validated by a small checker that
is independent of the engines (it imports nothing from :mod:`fepproof.numeric` or
:mod:`fepproof.smt`).  See ``docs/certificates.md``."""

from .checker import CertificateInvalid, CheckReport, check_certificate, check_document
from .fileformat import CertificateUnreadable, read_certificate
from .produce import make_claim, write_certificate

__all__ = ["CheckReport", "CertificateInvalid", "CertificateUnreadable", "check_certificate",
           "check_document", "make_claim", "read_certificate", "write_certificate"]
