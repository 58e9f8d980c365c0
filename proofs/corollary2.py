"""Corollary 2 (Section 5.2): in the crash case (C = 1) each neuron of layer l may wait for
only N_(l-1) - f_(l-1) signals and reset (adopt 0 for) the slow ones.

Different receivers may skip different senders, so this is not literally a crash of
f_(l-1) neurons.  The per-neuron recurrence behind Fep only uses how many inputs are off
and by how much, so it is unchanged: proved below, with Theorem 2's obligations giving
the closed form."""

import itertools

import z3

from fepproof.obligations import obligation
from fepproof.obligations.engines import z3_unsat
from fepproof.obligations.model import proved


@obligation(
    id="corollary2.reset_deviation", result="Corollary 2", method="z3 unsat",
    expected="proved",
    statement_text="a reset input adopts 0 instead of a nominal output y in (0, 1): its "
                   "deviation is at most 1 = C (the crash case of Theorem 3)")
def reset_deviation():
    y = z3.Real("y")
    return z3_unsat("reset deviation <= 1", [y > 0, y < 1], z3.And(y - 0 <= 1, 0 - y <= 1))


def _abs(e):
    return z3.If(e >= 0, e, -e)


@obligation(
    id="corollary2.per_receiver_sets_N1to3", result="Corollary 2", method="z3 unsat",
    expected="proved",
    statement_text="for N = 1..3 senders, f = 0..N and every set M of senders a receiver "
                   "skips (chosen per receiver, |M| <= f: it may wait for more than N - f "
                   "signals): adopting 0 for y_i in (0, 1) (i in M), the other inputs off by "
                   "<= delta <= 1 (outputs lie in (0, 1)), |w| <= w_m and a K-Lipschitz phi "
                   "(uninterpreted), the receiver is off by <= K w_m (f + (N - f) delta): "
                   "Theorem 2's neuron step with C = 1 (the at-most reading)")
def per_receiver_sets():
    from fepproof.symbolic.steps import neuron_step
    out = {}
    for n in range(1, 4):
        for k in range(n + 1):
            for size in range(k + 1):
                for M in itertools.combinations(range(n), size):
                    K, wm, dl, s, p, q = z3.Reals("K w_m delta s p q")
                    ws = [z3.Real(f"w{i}") for i in range(n)]
                    ys = [z3.Real(f"y{i}") for i in range(n)]
                    ds = [z3.Real(f"d{i}") for i in range(n)]
                    hyp = [K > 0, wm >= 0, dl >= 0, dl <= 1]
                    for i in range(n):
                        hyp += [ws[i] <= wm, -ws[i] <= wm]
                        if i in M:  # reset: sends 0 instead of y_i
                            hyp += [ys[i] > 0, ys[i] < 1, ds[i] == -ys[i]]
                        else:
                            hyp += [ds[i] <= dl, -ds[i] <= dl]
                    s2 = s + z3.Sum([a * b for a, b in zip(ws, ds, strict=True)])
                    hyp.append(_abs(q - p) <= K * _abs(s2 - s))
                    out[f"N={n},f={k},M={M}"] = z3_unsat(
                        "per-receiver skipped set", hyp,
                        _abs(q - p) <= neuron_step(K, wm, k, n, 1, dl), nonlinear=True)
    bad = [v for v in out.values() if v.status.value != "proved"]
    return bad[0] if bad else proved("per-receiver skipped sets obey the crash recurrence",
                                     "z3", answers="unsat", instances=len(out))
