"""Machine-checked obligations: the paper's results as checks that ``fepproof prove`` and
``pytest proofs/`` run.

Format of a proofs file (``proofs/<result>.py``, one file per paper result)::

    from fepproof.obligations import Erratum, obligation, proved, refuted, unknown

    @obligation(
        id="theorem2.induction_step",          # unique, "<result>.<name>", sorts the report
        result="Theorem 2",                     # the paper result it belongs to
        statement_text="Fep(L+1) = w(L+2) (f(L+1) C + (N(L+1) - f(L+1)) K Fep(L))",
        statement=lambda: some_sympy_or_z3_object,   # optional, built lazily (or a value)
        method="sympy identity",                # | "sympy inequality" | "z3 unsat" | "numeric"
        expected="proved",                      # | "refuted"
        erratum=None,                           # Erratum(as_written_text, as_written,
    )                                           #         evidence_text, corrected_id)
    def induction_step() -> Verdict:
        ...                                     # the check: return proved(...)/refuted(...)

The decorated name becomes an :class:`Obligation`; :func:`discover` imports each file and
collects every module-level ``Obligation``.  A check returns a
:class:`fepproof.verdict.Verdict`; ``refuted`` must carry its evidence (a non-zero residual
with a point where it is non-zero, or a witness replayed by :func:`fepproof.replay.replay`).
Evidence is plain JSON data (numbers, strings, lists, dicts).  :func:`run` executes each
check in its own process under a timeout; a timeout gives ``unknown``, never ``proved``.
"""

from .model import (
    METHODS,
    Erratum,
    Obligation,
    Outcome,
    error,
    obligation,
    proved,
    refuted,
    unknown,
)
from .runner import discover, run

__all__ = ["METHODS", "Erratum", "Obligation", "Outcome", "discover", "run", "obligation",
           "proved", "refuted", "unknown", "error"]
