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
from fepproof.obligations.model import proved, refuted, unknown


@obligation(
    id="corollary2.reset_deviation", result="Corollary 2", method="numeric",
    expected="proved",
    statement_text="a reset input adopts 0 where its nominal output y lies in (0, sup phi): "
                   "phi_K(x) = sigmoid(4 K x) has limits 0 and 1 and phi_K' = 4 K phi_K (1 - "
                   "phi_K) > 0, so y in (0, 1); fepproof's activation has sup = 1, and "
                   "fepproof's crash model (with which bounds.wait_counts judges the waits) "
                   "sends 0, has deviation interval exactly [-hi, -lo] for nominal outputs in "
                   "[lo, hi] (random rationals, 0 <= lo <= hi <= 1) and sound deviation 1 = C")
def reset_deviation():
    import random
    from fractions import Fraction

    import sympy as sp

    from fepproof.failures import FailureModel
    from fepproof.network import network_from_dict
    x = sp.Symbol("x", real=True)
    Kp = sp.Symbol("K", positive=True)
    phi = 1 / (1 + sp.exp(-4 * Kp * x))
    rng_ok = (sp.limit(phi, x, sp.oo) == 1 and sp.limit(phi, x, -sp.oo) == 0
              and sp.simplify(sp.diff(phi, x) - 4 * Kp * phi * (1 - phi)) == 0)
    net = network_from_dict({"activation": {"name": "sigmoid", "K": "3/2"},
                             "layers": [{"weights": [["1"]], "bias": ["0"]}],
                             "output": {"weights": [["1"]]}})
    crash = FailureModel.crash()
    problems = []
    if net.activation.sup != 1:
        problems.append(f"activation sup {net.activation.sup}")
    if crash.fixed_value != 0 or crash.neuron_deviation(net) != 1:
        problems.append(f"crash sends {crash.fixed_value}, deviation "
                        f"{crash.neuron_deviation(net)}")
    rng = random.Random(5)
    for _ in range(50):
        lo, hi = sorted(Fraction(rng.randint(0, 60), 60) for _ in range(2))
        if crash.sent_interval(lo, hi) != (0, 0) or crash.deviation_interval(lo, hi) != (-hi,
                                                                                       -lo):
            problems.append(f"[{lo}, {hi}]: sent {crash.sent_interval(lo, hi)}, deviation "
                            f"{crash.deviation_interval(lo, hi)}")
            break
    if rng_ok and not problems:
        return proved("reset deviation <= 1 = the crash model's", "sympy + exact",
                      phi_range="(0, 1)", crash_sends="0", sound_deviation="1")
    if problems:
        return refuted("the crash model is the reset", "exact arithmetic", problems=problems)
    return unknown("phi_K's range is (0, 1)", "sympy", reason="limits or derivative not shown")


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
