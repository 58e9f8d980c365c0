"""Tightness (Theorem 1; Theorem 2 with all failures in one layer): worst/Fep -> 1 along
the families of fepproof.tightness, measured by the z3 engine of `fepproof verify`.

"Tight" is read as "attained in the limit by some network": on each family member the z3
engine proves worst <= Fep (UNSAT over the certified relaxation) and replays a witness
whose error is a lower bound on the worst case; the obligation holds when every member is
proved, the replayed ratios increase along the family and the last one is within 10^-3
of 1.  Failures in several layers: the ratio on the same networks is reported, too.
"""

from fractions import Fraction

from fepproof.failures import FailureModel
from fepproof.obligations import obligation, proved, refuted, unknown
from fepproof.tightness import (
    THEOREM1_PARAMS,
    THEOREM2_PARAMS,
    theorem1_network,
    theorem2_network,
    tightness_ratio,
)


def _judge(claim: str, points, last_above: float):
    rows = [{"network": p.name, "fep": float(p.fep), "verdict": p.verdict,
             "worst_over_fep": [p.ratio_lower, p.ratio_upper]} for p in points]
    if any(p.verdict == "refuted" for p in points):
        return refuted(claim, "z3", members=rows, note="a witness exceeded Fep")
    if any(p.verdict != "proved" or p.ratio_lower is None for p in points):
        return unknown(claim, "z3", members=rows, reason="a member was not decided in time")
    lows = [p.ratio_lower for p in points]
    if lows != sorted(lows) or lows[-1] <= last_above:
        return unknown(claim, "z3", members=rows, reason="ratios do not approach 1")
    return proved(claim, "z3", members=rows)


@obligation(
    id="tightness.theorem1_family", result="Theorem 1", method="z3 unsat", expected="proved",
    statement_text="N neurons sigma(4K a x), output weights w_m, f = 2 crashes: worst <= Fep "
                   "on every member and worst/Fep -> 1 as a grows (a = 1, 2, 4, 8, 16)")
def theorem1_family():
    pts = [tightness_ratio(theorem1_network(a), (2,), FailureModel.crash(), 10)
           for a in THEOREM1_PARAMS]
    return _judge("Theorem 1 bound attained in the limit", pts, 1 - 1e-3)


@obligation(
    id="tightness.theorem2_one_layer", result="Theorem 2", method="z3 unsat",
    expected="proved",
    statement_text="failures (1, 0) in a centred 2-3 network with downstream weights w, "
                   "Byzantine C = 1 (deviation): worst <= Fep and worst/Fep -> 1 as w -> 0")
def theorem2_one_layer():
    model = FailureModel.byzantine(1)
    pts = [tightness_ratio(theorem2_network(w), (1, 0), model, 10) for w in THEOREM2_PARAMS]
    return _judge("Theorem 2 (one failing layer) attained in the limit", pts, 1 - 1e-3)


@obligation(
    id="tightness.theorem2_several_layers", result="Theorem 2", method="z3 unsat",
    expected="proved",
    statement_text="failures (1, 1, 1) in the centred 2-3-3 family, Byzantine C = 1: "
                   "worst <= Fep and worst/Fep approaches 1 as w -> 0 (ratios reported)")
def theorem2_several_layers():
    model = FailureModel.byzantine(1)
    pts = [tightness_ratio(theorem2_network(w, (2, 3, 3)), (1, 1, 1), model, 10)
           for w in (Fraction(1), Fraction(1, 4), Fraction(1, 16))]
    return _judge("Theorem 2 (failures in every layer) approached on the family", pts, 0.99)


# ---- tightness as limits (sympy): families along which worst/bound -> 1 ----------------

def _sig(z):
    import sympy as sp
    return 1 / (1 + sp.exp(-4 * z))


@obligation(
    id="tightness.theorem2_upstream_limit", result="Theorem 2", method="sympy limit",
    expected="proved",
    statement_text="multi-layer tightness with a non-vanishing upstream term: L = 2, N = (1, "
                   "n + 1), f = (1, 1), Byzantine deviation C, w_m^(2) = c / (n K C), output "
                   "weights w_m^(3), every nominal sum at 0: Fep = w_m^(3) (C + c) for every "
                   "n (the upstream term's share c / (C + c) stays fixed) and the attained "
                   "error C w_m^(3) + n w_m^(3) (phi_K(c / (n K)) - 1/2) satisfies "
                   "error / Fep -> 1 as n -> oo")
def theorem2_upstream_limit():
    import sympy as sp

    from fepproof.symbolic.notation import C, K, N, f, w
    from fepproof.symbolic.recurrence import fep_closed
    n, c, w3 = sp.symbols("n c w3", positive=True)
    fam = {f[1]: 1, f[2]: 1, N[1]: 1, N[2]: n + 1, w[2]: c / (n * K * C), w[3]: w3}
    fep_fam = sp.simplify(fep_closed(2).xreplace(fam))
    # layer 2: the failed neuron deviates by C; each of the n correct ones sees its sum
    # shifted by w_m^(2) C = c / (n K) and deviates by phi_K(c / (n K)) - phi_K(0)
    error = C * w3 + n * w3 * (_sig(K * c / (n * K)) - sp.Rational(1, 2))
    lim = sp.simplify(sp.limit(sp.simplify(error / fep_fam), n, sp.oo))
    const = sp.simplify(fep_fam - w3 * (C + c))
    if lim == 1 and const == 0:
        return proved("error / Fep -> 1 with a fixed upstream share", "sympy",
                      fep=str(fep_fam), error=str(error), limit="1",
                      upstream_share="c/(C + c)")
    return unknown("multi-layer tightness", "sympy", fep=str(fep_fam), limit=str(lim))


@obligation(
    id="tightness.theorem3_condition_limit", result="Theorem 3", method="sympy limit",
    expected="proved",
    statement_text="'the bound (10) is tight': along tightness.theorem2_upstream_limit's "
                   "family Fep is constant (= w_m^(3) (C + c)) and the error tends to it, so "
                   "for every budget beta < Fep some member's error exceeds beta: the "
                   "condition Fep <= eps - eps' cannot be weakened")
def theorem3_condition_limit():
    import sympy as sp
    n, c, w3, C = sp.symbols("n c w3 C", positive=True)
    error = C * w3 + n * w3 * (_sig(c / n) - sp.Rational(1, 2))
    gap = sp.simplify(sp.limit(w3 * (C + c) - error, n, sp.oo))
    if gap == 0:
        return proved("Fep - error -> 0 at constant Fep", "sympy", gap_limit="0")
    return unknown("Theorem 3 tight", "sympy", gap_limit=str(gap))


@obligation(
    id="tightness.theorem4_limit", result="Theorem 4", method="sympy limit",
    expected="proved",
    statement_text="corrected Theorem 4 (delivered reading) is tight as a limit: L = 1, one "
                   "failed synapse into the hidden neuron and one into the output node, "
                   "nominal sum 0: bound C K w_m^(2) + C, attained error w_m^(2) (phi_K(C) - "
                   "1/2) + C; error / bound -> 1 as C -> 0 with the first term's share "
                   "K w_m^(2) / (1 + K w_m^(2)) fixed")
def theorem4_limit():
    import sympy as sp

    from fepproof.symbolic.notation import C, K, N, f, w
    from fepproof.symbolic.recurrence import theorem4_closed
    w2 = sp.Symbol("w2", positive=True)
    bound = theorem4_closed(1).xreplace({f[1]: 1, f[2]: 1, N[1]: 1, w[2]: w2})
    error = w2 * (_sig(K * C) - sp.Rational(1, 2)) + C
    lim = sp.simplify(sp.limit(sp.simplify(error / bound), C, 0, "+"))
    if lim == 1:
        return proved("error / bound -> 1", "sympy", bound=str(bound), error=str(error),
                      limit="1")
    return unknown("Theorem 4 tight", "sympy", bound=str(bound), limit=str(lim))


@obligation(
    id="tightness.theorem5_limit", result="Theorem 5", method="sympy limit",
    expected="proved",
    statement_text="Inequality 11 is tight as a limit: L = 2, all weights w_m^(l) > 0, nominal "
                   "sums 0, lambda after phi with lambda_2 = K N_1 w_m^(2) lambda_1: the attained "
                   "error N_2 w_m^(3) (phi_K(N_1 w_m^(2) lambda_1) - 1/2 + lambda_2) over Eq. "
                   "11 -> 1 as lambda_1 -> 0 (both terms keep half of the bound); at L = 1 "
                   "Eq. 11 is attained exactly (error N_1 w_m^(2) lambda_1)")
def theorem5_limit():
    import sympy as sp

    from fepproof.symbolic.notation import K, N, lam, w
    from fepproof.symbolic.recurrence import eq11_closed
    l1 = sp.Symbol("l1", positive=True)
    sub = {lam[1]: l1, lam[2]: K * N[1] * w[2] * l1}
    bound = eq11_closed(2).xreplace(sub)
    error = N[2] * w[3] * (_sig(K * N[1] * w[2] * l1) - sp.Rational(1, 2) + sub[lam[2]])
    plain = {s: sp.Symbol(str(s).replace("[", "_").replace("]", ""), positive=True)
             for s in (N[1], N[2], w[2], w[3])}
    lim = sp.limit(sp.simplify((error / bound).xreplace(plain)), l1, 0, "+")
    exact1 = sp.simplify(eq11_closed(1) - N[1] * w[2] * lam[1])
    if lim == 1 and exact1 == 0:
        return proved("error / Eq. 11 -> 1", "sympy", bound=str(bound), limit="1",
                      depth_1="attained exactly")
    return unknown("Theorem 5 tight", "sympy", limit=str(lim), depth_1=str(exact1))
