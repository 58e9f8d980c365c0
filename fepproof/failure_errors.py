"""The errors of the failure model (:mod:`fepproof.failures`) and of witness validation
(:mod:`fepproof.witness_check`), in a module of their own so that both can raise them
without importing each other."""

from __future__ import annotations

__all__ = ["FailureError", "WitnessError"]


class FailureError(ValueError):
    """Invalid failure specification; the message names the field (parameter or flag)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class WitnessError(FailureError):
    """A witness that does not fit the network or the model; the message names the field."""
