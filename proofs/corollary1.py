"""Corollary 1 (Section 4.4): for every eps' < eps there is a network eps'-approximating F
that keeps eps under the failure distribution N_fail.

The proof fixes w_m^(l) and takes N_l "large enough" for Theorem 3's condition.  With
w_m fixed, Fep never decreases when a layer grows, and the last layer's term C f_L
w_m^(L+1) does not depend on any width at all: the step is refuted.  What holds is
replication: copy every hidden neuron r times and divide its outgoing weights by r.
F_neu is unchanged and Fep shrinks at least like 1/r, so a large r satisfies Theorem 3
and the corollary's statement is proved by this corrected argument.
"""

import sympy as sp
import z3

from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity, nonneg_polynomial, z3_unsat
from fepproof.obligations.model import proved, refuted, unknown
from fepproof.symbolic.notation import C, K, N, f, u, w
from fepproof.symbolic.recurrence import correct_counts, fep_closed

DEPTHS = range(1, 6)


@obligation(
    id="corollary1.enlarging_widths", result="Corollary 1", method="z3 unsat",
    expected="refuted",
    statement_text="with w_m^(l) fixed, widths N_l large enough satisfy Fep <= eps - eps' "
                   "(the proof's step)",
    erratum=Erratum(
        as_written_text="let (N_l) be large enough such that the condition of Theorem 3 is "
                        "satisfied with N_fail, w_m^(l) and eps - eps'",
        as_written=fep_closed(2),
        evidence_text="L = 2, C = K = 1, w_m = (1, 1, 1), f = (1, 1), eps - eps' = 1/2: "
                      "Fep = N_2 >= 2 for every admissible width (z3: no N_1, N_2 satisfy "
                      "the condition); in general Fep >= C f_L w_m^(L+1) whatever the widths",
        corrected_id="corollary1.replication_L1to5"))
def enlarging_widths():
    n1, n2 = z3.Reals("N_1 N_2")
    fep = 1 * 1 * 1 * (n2 - 1) * 1 * 1 + 1 * 1  # C f_1 K w3 (N_2 - f_2) w2 + C f_2 w3
    v = z3_unsat("no widths satisfy the condition", [n1 > 1, n2 > 1],
                 fep > z3.RealVal("1/2"))
    if v.status.value == "proved":
        return refuted("enlarging the widths satisfies Theorem 3", "z3",
                       instance="L = 2, C = K = 1, w_m = (1, 1, 1), f = (1, 1), budget 1/2",
                       fep="N_2", unsat_of="N_1 > 1 and N_2 > 1 and Fep <= 1/2",
                       z3=dict(v.evidence))
    return unknown("enlarging the widths satisfies Theorem 3", "z3", z3=dict(v.evidence))


@obligation(
    id="corollary1.fep_nondecreasing_in_width_L1to5", result="Corollary 1",
    method="sympy inequality", expected="proved",
    statement_text="L = 1..5, every layer l: Fep(N_l + t) - Fep(N_l) >= 0 for t >= 0 "
                   "(w_m fixed; adding neurons never reduces Fep)")
def fep_nondecreasing():
    t = sp.Symbol("t", nonnegative=True)
    exprs, variables = {}, {t, C, K}
    for d in DEPTHS:
        base = fep_closed(d)
        for i in range(1, d + 1):
            diff = base.xreplace({N[i]: N[i] + t}) - base
            e = sp.expand(diff.xreplace(correct_counts(d)))
            exprs[f"L={d},l={i}"] = e
            variables |= {s for s in e.atoms(sp.Indexed)}
    return nonneg_polynomial("Fep non-decreasing in each width", exprs, sorted(
        variables, key=str))


def _net_output(W1, b1, W2, b2, w3, xs, phi):
    h1 = [phi(sum(W1[j][i] * xs[i] for i in range(len(xs))) + b1[j]) for j in range(len(W1))]
    h2 = [phi(sum(W2[j][i] * h1[i] for i in range(len(h1))) + b2[j]) for j in range(len(W2))]
    return sum(w3[j] * h2[j] for j in range(len(h2)))


def _replicate(W1, b1, W2, b2, w3, r):
    """Copy every hidden neuron r times: incoming weights and biases copied, outgoing
    weights divided by r (the construction of corollary1.replication_L1to5)."""
    W1r = [row for row in W1 for _ in range(r)]
    b1r = [b for b in b1 for _ in range(r)]
    W2r = [[row[i] / r for i in range(len(row)) for _ in range(r)] for row in W2
           for _ in range(r)]
    b2r = [b for b in b2 for _ in range(r)]
    w3r = [x / r for x in w3 for _ in range(r)]
    return W1r, b1r, W2r, b2r, w3r


@obligation(
    id="corollary1.replication_same_function_r1to3", result="Corollary 1",
    method="sympy identity", expected="proved",
    statement_text="for r = 1..3 and a 2-input, 2-2 hidden network with symbolic weights, "
                   "biases and an uninterpreted activation phi: copying every hidden neuron r "
                   "times (incoming weights copied, outgoing weights / r) computes the same "
                   "function F_neu")
def replication_preserves():
    phi = sp.Function("phi")
    xs = sp.symbols("x1:3")
    W1 = [[sp.Symbol(f"a_{j}{i}") for i in (1, 2)] for j in (1, 2)]
    W2 = [[sp.Symbol(f"b_{j}{i}") for i in (1, 2)] for j in (1, 2)]
    b1, b2, w3 = sp.symbols("c1:3"), sp.symbols("d1:3"), sp.symbols("e1:3")
    base = _net_output(W1, b1, W2, b2, w3, xs, phi)
    res = {}
    for r in range(1, 4):
        rep = _net_output(*_replicate(W1, b1, W2, b2, w3, r), xs, phi)
        res[f"r={r}"] = sp.simplify(sp.expand(rep - base))
    return identity("replication keeps F_neu", res)


def _replicated(d):
    r = sp.Symbol("r", positive=True)
    sub = {N[i]: r * N[i] for i in range(1, d + 1)}
    sub.update({w[i]: w[i] / r for i in range(2, d + 2)})
    return r, fep_closed(d).xreplace(sub)


def _fep0(d):
    total = sp.Integer(0)
    for i in range(1, d + 1):
        t = C * f[i] * K ** (d - i) * w[d + 1]
        for j in range(i + 1, d + 1):
            t *= N[j] * w[j]
        total += t
    return total


@obligation(
    id="corollary1.replication_L1to5", result="Corollary 1", method="sympy inequality",
    expected="proved",
    statement_text="L = 1..5: replicating every hidden neuron r times (outgoing weights / r, "
                   "f fixed, f_l <= r N_l) gives Fep_r <= Fep_0 / r with Fep_0 = C sum_l f_l "
                   "K^(L-l) w_m^(L+1) prod N_l' w_m^(l'), and Fep_r -> 0 as r -> oo: r > "
                   "Fep_0 / (eps - eps') satisfies Theorem 3 (Corollary 1, corrected proof)")
def replication():
    tt = sp.Symbol("t", nonnegative=True)  # t = 1/r
    exprs, variables, limits = {}, {tt, C, K}, {}
    for d in DEPTHS:
        r, rep = _replicated(d)
        # N_l = v_l + f_l t with v_l = N_l - f_l / r >= 0 (u is used for v)
        sub = {N[i]: u[i] + f[i] * tt for i in range(1, d + 1)}
        gap = (_fep0(d) - r * rep).xreplace(sub).xreplace({r: 1 / tt})
        e = sp.expand(gap)
        exprs[f"L={d}"] = e
        variables |= {s for s in e.atoms(sp.Indexed)}
        limits[f"L={d}"] = sp.limit(rep, r, sp.oo)
    v = nonneg_polynomial("Fep_0 - r Fep_r >= 0", exprs, sorted(variables, key=str))
    if v.status.value != "proved" or any(x != 0 for x in limits.values()):
        return unknown("replication shrinks Fep", "sympy", inequality=dict(v.evidence),
                       limits={k: str(x) for k, x in limits.items()})
    return proved("Fep_r <= Fep_0 / r -> 0", "sympy", inequality=dict(v.evidence),
                  limits={k: str(x) for k, x in limits.items()})
