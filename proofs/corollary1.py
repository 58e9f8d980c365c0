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

from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity, nonneg_polynomial
from fepproof.obligations.model import proved, refuted, unknown
from fepproof.symbolic.notation import C, K, N, f, u, w
from fepproof.symbolic.recurrence import correct_counts, fep_closed

DEPTHS = range(1, 6)


@obligation(
    id="corollary1.enlarging_widths", result="Corollary 1", method="sympy inequality",
    expected="refuted",
    statement_text="with w_m^(l) fixed, widths N_l large enough satisfy Fep <= eps - eps' "
                   "(the proof's step)",
    erratum=Erratum(
        as_written_text="let (N_l) be large enough such that the condition of Theorem 3 is "
                        "satisfied with N_fail, w_m^(l) and eps - eps'",
        as_written=fep_closed(2),
        evidence_text="the proved Fep is >= its last term C f_L w_m^(L+1) for every width "
                      "(L = 1..5, non-negative coefficients in N_l - f_l): at L = 2, C = K = "
                      "1, w_m = (1, 1, 1), f = (1, 1), eps - eps' = 1/2 no widths satisfy "
                      "the condition (Fep >= 1; fepproof's Fep at widths 2..6 agrees)",
        corrected_id="corollary1.replication_L1to5"))
def enlarging_widths():
    # (1) the proved Fep (theorem2.closed_form_L1to12) is >= its last term C f_L w_m^(L+1)
    #     for every width: Fep - C f_L w_m^(L+1) has non-negative coefficients in the
    #     correct counts u_l = N_l - f_l >= 0 (L = 1..5)
    exprs, variables = {}, {C, K}
    for d in DEPTHS:
        e = sp.expand((fep_closed(d) - C * f[d] * w[d + 1]).xreplace(correct_counts(d)))
        exprs[f"L={d}"] = e
        variables |= set(e.atoms(sp.Indexed))
    lower = nonneg_polynomial("Fep >= C f_L w_m^(L+1) for all widths", exprs,
                              sorted(variables, key=str))
    # (2) the instance: C = K = 1, w_m = (1, 1, 1), f = (1, 1), eps - eps' = 1/2 < C f_2 w_m^(3)
    inst = {C: 1, K: 1, f[1]: 1, f[2]: 1, w[1]: 1, w[2]: 1, w[3]: 1}
    floor = (C * f[2] * w[3]).xreplace(inst)
    # (3) what fepproof prints on such networks, widths 2..6: never below the floor
    from fepproof.bounds import fep
    from fepproof.failures import FailureModel
    from fepproof.network import network_from_dict
    printed = {}
    for n1 in range(2, 7):
        for n2 in range(2, 7):
            net = network_from_dict({"activation": {"name": "sigmoid", "K": "1"}, "layers": [
                {"weights": [["1"]] * n1, "bias": ["0"] * n1},
                {"weights": [["1"] * n1] * n2, "bias": ["0"] * n2}],
                "output": {"weights": [["1"] * n2]}})
            printed[f"N=({n1},{n2})"] = fep(net, [1, 1], FailureModel.crash()).value
    budget = sp.Rational(1, 2)
    if lower.status.value == "proved" and floor > budget and min(printed.values()) >= floor:
        return refuted("enlarging the widths satisfies Theorem 3", "sympy",
                       instance="L = 2, C = K = 1, w_m = (1, 1, 1), f = (1, 1), budget 1/2",
                       fep_lower_bound=str(floor), inequality=dict(lower.evidence),
                       fepproof_fep={k: str(v) for k, v in printed.items()})
    return unknown("enlarging the widths satisfies Theorem 3", "sympy",
                   inequality=dict(lower.evidence), floor=str(floor),
                   fepproof_fep={k: str(v) for k, v in printed.items()})


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


def _outputs(net, phi, xs):
    """F_neu of ``net`` as sympy expressions in the inputs ``xs`` with ``phi`` an
    uninterpreted function (exact rational weights: equal subterms are merged by sympy,
    so two networks computing the same function for every phi give identical trees)."""
    def q(v):
        return sp.Rational(v.numerator, v.denominator)
    ys = list(xs)
    for layer in net.layers:
        ys = [phi(sp.Add(*[q(wt) * y for wt, y in zip(row, ys, strict=True)]) + q(b))
              for row, b in zip(layer.weights, layer.bias, strict=True)]
    return [sp.Add(*[q(wt) * y for wt, y in zip(row, ys, strict=True)]) + q(b)
            for row, b in zip(net.output.weights, net.output.bias, strict=True)]


@obligation(
    id="corollary1.replication_same_function_random", result="Corollary 1",
    method="sympy identity", expected="proved",
    statement_text="random exact networks, L = 1..3, widths 1..3, factors 1..3 per layer: "
                   "the network harden.replicate builds (what fepproof harden writes) has "
                   "exactly the original's outputs as expressions in the inputs with an "
                   "uninterpreted activation phi, so it computes F_neu for every activation")
def replication_preserves():
    import random

    from fepproof.harden import replicate
    from fepproof.network import network_from_dict
    phi = sp.Function("phi")
    res = {}
    for d in (1, 2, 3):
        for seed in range(6):
            rng = random.Random(31000 + 100 * d + seed)
            n_in, prev, layers = rng.randint(1, 2), None, []
            prev = n_in
            for _ in range(d):
                n = rng.randint(1, 3)
                layers.append({"weights": [[f"{rng.randint(-9, 9)}/{rng.randint(1, 7)}"
                                            for _ in range(prev)] for _ in range(n)],
                               "bias": [f"{rng.randint(-9, 9)}/{rng.randint(1, 5)}"
                                        for _ in range(n)]})
                prev = n
            net = network_from_dict({"activation": {"name": "sigmoid", "K": "1"},
                                     "layers": layers,
                                     "output": {"weights": [[f"{rng.randint(-9, 9)}/3"
                                                             for _ in range(prev)]],
                                                "bias": ["1/2"]}})
            vec = [rng.randint(1, 3) for _ in range(d)]
            xs = sp.symbols(f"x1:{n_in + 1}")
            base = _outputs(net, phi, xs)
            rep = _outputs(replicate(net, vec), phi, xs)
            for k, (a, b) in enumerate(zip(rep, base, strict=True)):
                res[f"L={d},seed={seed},r={vec},out={k}"] = a - b
    return identity("harden.replicate keeps F_neu", res)


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
