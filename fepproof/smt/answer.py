"""Solver answers as an enum: every z3 result maps onto :class:`Answer`.

A timeout is read from the answer and the clock (``unknown`` after the whole budget was
spent), never from z3's reason text.
"""

from __future__ import annotations

from enum import Enum

import z3

__all__ = ["Answer", "answer_of"]


class Answer(Enum):
    UNSAT = "unsat"      # the relaxation has no counterexample: a proof
    SAT = "sat"          # a model of the relaxation (to replay: may be spurious)
    TIMEOUT = "timeout"  # unknown after the whole time budget
    UNKNOWN = "unknown"  # unknown for another reason (resource limit, incompleteness)


def answer_of(result: z3.CheckSatResult, elapsed: float, budget: float) -> Answer:
    """Map z3's result exhaustively; ``unknown`` counts as a timeout when at least 90 %
    of the budget (seconds) was used."""
    if result == z3.unsat:
        return Answer.UNSAT
    if result == z3.sat:
        return Answer.SAT
    if result == z3.unknown:
        return Answer.TIMEOUT if elapsed >= 0.9 * budget else Answer.UNKNOWN
    raise RuntimeError("unreachable")
