"""The contract between ``fepproof verify`` and its engines (z3 in ``fepproof.smt``,
numpy in ``fepproof.numeric``): one problem in, one result out, no engine internals.

Claim: |F_neu(X) - F_fail(X)| <= bound for every X in the input box and every failure
set with the given per-layer sizes.  ``proved`` needs a sound upper bound <= bound;
``refuted`` needs a witness replayed in high precision above the bound; otherwise
``unknown`` with a reason (timeout, resource limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .exact import fmt_exact
from .failures import FailureModel
from .network import Network
from .verdict import Status, Witness

__all__ = ["VerifyProblem", "VerifyResult", "Progress"]

Progress = Callable[[str], None]  # one human-readable status line (stderr unless --quiet)


@dataclass(frozen=True)
class VerifyProblem:
    """What to verify (see module docstring)."""

    net: Network
    failures: tuple[int, ...]
    model: FailureModel
    bound: Fraction
    fep: Fraction  # the paper's bound for this distribution (for worst/Fep ratios)
    tolerance: Fraction = Fraction(1, 100)  # stop when upper - lower <= tolerance * upper
    timeout: float = 60.0  # seconds of wall time for the whole run
    output: int | None = None  # None: max over outputs
    bracket: bool = True  # also narrow the worst-case bracket (not only decide the claim)


@dataclass(frozen=True)
class VerifyResult:
    """Verdict on the claim plus the worst-case bracket [lower, upper]."""

    verdict: Status
    problem: VerifyProblem
    engine: str
    lower: Fraction | None = None  # from a replayed witness
    upper: Fraction | None = None  # from a sound proof (UNSAT / certified bound)
    witness: Witness | None = None
    witness_error: Fraction | None = None  # replayed error of the witness (rounded down)
    reason: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    # the branch-and-bound partition as a proof tree (fepproof.certificate.tree), for
    # certificates; None from engines that do not record one
    proof_tree: list | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        p = self.problem
        ratio = (None if self.upper is None or p.fep == 0
                 else {"lower": None if self.lower is None else float(self.lower / p.fep),
                       "upper": float(self.upper / p.fep)})
        wit = None
        if self.witness is not None:
            wit = self.witness.to_json()
            wit["error"] = None if self.witness_error is None else float(self.witness_error)
        return {
            "verdict": self.verdict.value,
            "claim": {"bound": fmt_exact(p.bound), "bound_float": float(p.bound)},
            "fep": fmt_exact(p.fep), "fep_float": float(p.fep),
            "failures": list(p.failures), **p.model.to_json(),
            "worst_case": {"lower": None if self.lower is None else float(self.lower),
                           "upper": None if self.upper is None else float(self.upper)},
            "worst_over_fep": ratio,
            "witness": wit,
            "engine": self.engine,
            "reason": self.reason,
            "stats": self.stats,
            "seconds": round(self.seconds, 3),
        }
