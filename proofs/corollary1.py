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
        corrected_id="corollary1.replication"))
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
    id="corollary1.fep_nondecreasing_in_width", result="Corollary 1",
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


@obligation(
    id="corollary1.replication_preserves_function", result="Corollary 1",
    method="sympy identity", expected="proved",
    statement_text="replicating neuron i r times with outgoing weights w_ji / r leaves every "
                   "downstream sum, hence F_neu, unchanged (symbolic r)")
def replication_preserves():
    r = sp.Symbol("r", integer=True, positive=True)
    c = sp.Symbol("c", integer=True, positive=True)
    res = {}
    for n in range(1, 5):
        ws, ys = sp.symbols(f"w1:{n + 1}"), sp.symbols(f"y1:{n + 1}")
        replicated = sum(sp.Sum(ws[i] / r * ys[i], (c, 1, r)).doit() for i in range(n))
        res[f"N={n}"] = sp.simplify(replicated - sum(a * b for a, b in zip(ws, ys, strict=True)))
    return identity("replication keeps every sum", res)


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
    id="corollary1.replication", result="Corollary 1", method="sympy inequality",
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
