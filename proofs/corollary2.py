"""Corollary 2 (Section 5.2): in the crash case (C = 1) each neuron of layer l may wait for
only N_(l-1) - f_(l-1) signals and reset (adopt 0 for) the slow ones.

Different receivers may skip different senders, so this is not literally a crash of
f_(l-1) neurons.  The per-neuron recurrence behind Fep only uses how many inputs are off
and by how much, so it is unchanged: proved below, with Theorem 2's obligations giving
the closed form."""

import itertools

import sympy as sp
import z3

from fepproof.obligations import obligation
from fepproof.obligations.engines import identity, z3_unsat


@obligation(
    id="corollary2.reset_deviation", result="Corollary 2", method="z3 unsat",
    expected="proved",
    statement_text="a reset input adopts 0 instead of a nominal output y in (0, 1): its "
                   "deviation is at most 1 = C (the crash case of Theorem 3)")
def reset_deviation():
    y = z3.Real("y")
    return z3_unsat("reset deviation <= 1", [y > 0, y < 1], z3.And(y - 0 <= 1, 0 - y <= 1))


@obligation(
    id="corollary2.per_receiver_sets", result="Corollary 2", method="sympy identity",
    expected="proved",
    statement_text="for N = 1..6 senders, f = 0..N skipped, and every set M of skipped "
                   "senders (chosen per receiver): sum_{i in M} 1 + sum_{i not in M} delta "
                   "= f + (N - f) delta, the crash recurrence's term with C = 1")
def per_receiver_sets():
    delta = sp.Symbol("delta", nonnegative=True)
    res = {}
    for n in range(1, 7):
        for k in range(n + 1):
            for M in itertools.combinations(range(n), k):
                lhs = sum(sp.Integer(1) if i in M else delta for i in range(n))
                res[f"N={n},M={M}"] = sp.expand(lhs - (k + (n - k) * delta))
    return identity("per-receiver skipped sets give the crash recurrence", res)
