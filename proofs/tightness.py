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


# The family of theorem2_upstream_limit: L = 2, N = (1, n + 1), f = (1, 1), Byzantine
# (deviation) C, w_m^(2) = c / (n K C), output weights w3, every nominal sum at 0.
FAM_K, FAM_C, FAM_c, FAM_W3 = Fraction(3, 2), Fraction(1), Fraction(1, 2), Fraction(2, 3)
FAM_N = (1, 4, 16, 64)


def _family_error_formula():
    """The attained error as a function of n (and K, C, c, w3): the failed layer-2 neuron
    deviates by C; each of the n correct ones sees its sum shifted by w_m^(2) C = c / (n K)
    and deviates by phi_K(c / (n K)) - phi_K(0)."""
    import sympy as sp

    from fepproof.symbolic.notation import C, K
    n, c, w3 = sp.symbols("n c w3", positive=True)
    return (n, c, w3), C * w3 + n * w3 * (_sig(K * c / (n * K)) - sp.Rational(1, 2))


def _family_members():
    """Each member built by fepproof.tightness.theorem2_network and its worst failure
    replayed by fepproof.replay (50 digits): (n, network, model, replay result, printed
    Fep, the error formula's value at n)."""
    import mpmath
    import sympy as sp

    from fepproof.bounds import fep
    from fepproof.replay import replay
    from fepproof.symbolic.notation import C, K
    from fepproof.tightness import theorem2_network
    from fepproof.verdict import Witness
    (n_, c_, w3_), formula = _family_error_formula()
    model = FailureModel.byzantine(FAM_C)
    out = []
    for n in FAM_N:
        w2 = FAM_c / (n * FAM_K * FAM_C)
        net = theorem2_network(w2, (1, n + 1), FAM_K, FAM_W3)
        sent = Fraction(1, 2) + FAM_C  # nominal 1/2 (sum 0) plus C
        r = replay(net, Witness.make([0], [[0], [0]], [[sent], [sent]]), model)
        value = formula.subs({n_: n, c_: sp.Rational(str(FAM_c)), w3_: sp.Rational(str(FAM_W3)),
                              C: sp.Rational(str(FAM_C)), K: sp.Rational(str(FAM_K))})
        with mpmath.workdps(50):
            expected = mpmath.mpf(str(sp.N(value, 60)))
        out.append((n, net, model, r, fep(net, [1, 1], model).value, expected))
    return out


def _check_members(members):
    """None when every member's replay is valid, equals the error formula to 40 digits and
    fepproof's Fep is w3 (C + c); else the first discrepancy."""
    import mpmath
    for n, _net, _model, r, fep_value, expected in members:
        with mpmath.workdps(50):
            off = abs(r.error - expected)
            if not r.valid or off > mpmath.mpf(10) ** -40 * (1 + abs(expected)):
                return {"n": n, "replayed": mpmath.nstr(r.error, 30),
                        "formula": mpmath.nstr(expected, 30), "valid": r.valid}
        if fep_value != FAM_W3 * (FAM_C + FAM_c):
            return {"n": n, "fepproof_fep": str(fep_value)}
    return None


@obligation(
    id="tightness.theorem2_upstream_limit", result="Theorem 2", method="sympy limit",
    expected="proved",
    statement_text="multi-layer tightness with a non-vanishing upstream term: L = 2, N = (1, "
                   "n + 1), f = (1, 1), Byzantine deviation C, w_m^(2) = c / (n K C), output "
                   "weights w_m^(3), every nominal sum at 0: the proved Fep is w_m^(3) (C + c) "
                   "for every n (the upstream term's share c / (C + c) stays fixed); the "
                   "networks fepproof.tightness builds for n = 1, 4, 16, 64 replay (50 "
                   "digits) the error C w_m^(3) + n w_m^(3) (phi_K(c / (n K)) - 1/2) to 40 "
                   "digits with fepproof's Fep = w_m^(3) (C + c), and that error / Fep -> 1 "
                   "as n -> oo")
def theorem2_upstream_limit():
    import sympy as sp

    from fepproof.symbolic.notation import C, K, N, f, w
    from fepproof.symbolic.recurrence import fep_closed
    (n, c, w3), error = _family_error_formula()
    fam = {f[1]: 1, f[2]: 1, N[1]: 1, N[2]: n + 1, w[2]: c / (n * K * C), w[3]: w3}
    fep_fam = sp.simplify(fep_closed(2).xreplace(fam))
    members = _family_members()
    bad = _check_members(members)
    ratios = [float(m[3].error) / float(FAM_W3 * (FAM_C + FAM_c)) for m in members]
    lim = sp.simplify(sp.limit(sp.simplify(error / fep_fam), n, sp.oo))
    const = sp.simplify(fep_fam - w3 * (C + c))
    if lim == 1 and const == 0 and bad is None and ratios == sorted(ratios):
        return proved("error / Fep -> 1 with a fixed upstream share", "sympy",
                      fep=str(fep_fam), error=str(error), limit="1",
                      upstream_share="c/(C + c)",
                      members={f"n={m[0]}": ratio for m, ratio in zip(members, ratios,
                                                                     strict=True)})
    return unknown("multi-layer tightness", "sympy", fep=str(fep_fam), limit=str(lim),
                   member_mismatch=bad, ratios=ratios)


@obligation(
    id="tightness.theorem3_condition_limit", result="Theorem 3", method="sympy limit",
    expected="proved",
    statement_text="'the bound (10) is tight': on tightness.theorem2_upstream_limit's family "
                   "(members built by fepproof.tightness, worst failures replayed in 50 "
                   "digits and matching the error formula) Fep = w_m^(3) (C + c) is constant "
                   "and Fep - error -> 0, so for every budget beta < Fep some member's error "
                   "exceeds beta; for beta = Fep (1 - 10^-k), k up to 3, a member's replayed "
                   "error (a rational below it) exceeds beta while bounds.tolerance refuses "
                   "beta: the condition Fep <= eps - eps' cannot be weakened")
def theorem3_condition_limit():
    import sympy as sp

    from fepproof.bounds import tolerance
    from fepproof.symbolic.notation import C
    (n, c, w3), error = _family_error_formula()
    gap = sp.simplify(sp.limit(w3 * (C + c) - error, n, sp.oo))
    members = _family_members()
    bad = _check_members(members)
    fep_value = FAM_W3 * (FAM_C + FAM_c)
    exceeded = {}
    for k in (1, 2, 3):
        beta = fep_value * (1 - Fraction(1, 10 ** k))
        for n_, net, model, r, _fep, _e in members:
            eps_p = Fraction(1, 100)
            if r.error_fraction_lower() > beta and \
                    not tolerance(net, [1, 1], model, eps_p + beta, eps_p).tolerated:
                exceeded[f"beta=Fep(1-10^-{k})"] = f"n={n_}"
                break
    if gap == 0 and bad is None and len(exceeded) == 3:
        return proved("Fep - error -> 0 at constant Fep", "sympy", gap_limit="0",
                      exceeded_by=exceeded)
    return unknown("Theorem 3 tight", "sympy", gap_limit=str(gap), member_mismatch=bad,
                   exceeded_by=exceeded)


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
