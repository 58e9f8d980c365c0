"""Section 5.3 and Figure 3: how Fep depends on K and on the depth.

"Fep has a polynomial dependency on K" (Section 4.1, Figure 3): Fep is a polynomial in K
of degree L - l_min, with l_min the first layer with failures (degree L - 1 when f_1 > 0).
"The effect of a failure on the output increases exponentially with the depth of the
layer (dependency on K^(L-l))" and Section 5.3's trade-offs: on a uniform network
(N_l = N, w_m^(l) = w) with failures only in layer 1, Fep(L) = C f w (K N w)^(L-1): it
grows exponentially with the depth only when K N w > 1, is constant at K N w = 1 and
decays when K N w < 1.  With f failures in every layer the ratio is K (N - f) w and the
sum is geometric.
"""

import sympy as sp

from fepproof.obligations import obligation
from fepproof.obligations.engines import identity
from fepproof.obligations.model import proved, unknown
from fepproof.symbolic.notation import C, K, N, f, u, w
from fepproof.symbolic.recurrence import correct_counts, fep_closed

DEPTHS = range(1, 9)


@obligation(
    id="section53.fep_polynomial_in_K_L1to8", result="Section 5.3", method="sympy identity",
    expected="proved",
    statement_text="for L = 1..8 and every first failing layer l0 = 1..L (f_l = 0 for l < "
                   "l0, f_l0 > 0): Fep is a polynomial in K of degree exactly L - l0 with "
                   "leading coefficient C f_l0 w_m^(L+1) prod_{l'>l0} (N_l' - f_l') w_m^(l')")
def fep_polynomial_in_k():
    res = {}
    for d in DEPTHS:
        for l0 in range(1, d + 1):
            # N_l = u_l + f_l (u_l correct neurons) keeps the expansion small
            e = fep_closed(d).xreplace(correct_counts(d)).xreplace(
                {f[i]: 0 for i in range(1, l0)})
            p = sp.Poly(sp.expand(e), K)
            lead = C * f[l0] * w[d + 1]
            for j in range(l0 + 1, d + 1):
                lead *= u[j] * w[j]
            res[f"L={d},l0={l0},degree"] = sp.Integer(p.degree() - (d - l0))
            res[f"L={d},l0={l0},leading"] = sp.expand(p.LC() - lead)
    return identity("Fep polynomial in K", res)


def _uniform(d, every_layer):
    n, ww, g = sp.symbols("N w f", positive=True)
    sub = {N[i]: n for i in range(1, d + 1)}
    sub.update({w[i]: ww for i in range(1, d + 2)})
    sub.update({f[i]: (g if (i == 1 or every_layer) else 0) for i in range(1, d + 1)})
    return n, ww, g, fep_closed(d).xreplace(sub)


@obligation(
    id="section53.depth_growth_L1to8", result="Section 5.3", method="sympy identity",
    expected="proved",
    statement_text="uniform network (N_l = N, w_m^(l) = w), L = 1..8: failures f in layer 1 "
                   "only give Fep(L) = C f w (K N w)^(L-1), so Fep(L+1)/Fep(L) = K N w "
                   "(exponential growth with depth iff K N w > 1); f failures in every layer "
                   "give Fep(L) = C f w sum_{j<L} (K (N - f) w)^j (ratio K (N - f) w)")
def depth_growth():
    res = {}
    for d in DEPTHS:
        n, ww, g, e = _uniform(d, False)
        res[f"L={d}, layer 1"] = sp.expand(e - C * g * ww * (K * n * ww) ** (d - 1))
        n, ww, g, e = _uniform(d, True)
        geo = C * g * ww * sum((K * (n - g) * ww) ** j for j in range(d))
        res[f"L={d}, every layer"] = sp.expand(e - geo)
    return identity("Fep along the depth", res)


def _uniform_values(expr, Kq, n):
    """``expr`` with K = Kq, every N_l = n, every f_l = 1, every w_m^(l) = 1."""
    e = expr.xreplace({K: Kq})
    for base, val in ((f, 1), (N, n), (w, 1)):
        e = e.replace(lambda x, b=base: isinstance(x, sp.Indexed) and x.base == b,
                      lambda x, v=val: sp.Integer(v))
    return e


@obligation(
    id="section53.depth_limit", result="Section 5.3", method="sympy limit", expected="proved",
    statement_text="Fep with a symbolic depth L (fep_sum, the Sum/Product form "
                   "theorem2.induction_step proves) on a uniform network with one failure in "
                   "every layer, w = 1: q = K (N - f) w = 2 gives C (2^L - 1) -> oo, q = 1 "
                   "gives C L -> oo, q = 1/2 gives 2 C - 2 C / 2^L -> C f w / (1 - q) = 2 C; "
                   "the symbolic form is cross-checked against fep_closed at the first four "
                   "depths")
def depth_limit():
    from fepproof.symbolic.recurrence import fep_sum
    Lsym = sp.Symbol("L", positive=True, integer=True)
    want = {"q=2": sp.oo, "q=1": sp.oo, "q=1/2": 2 * C}
    got, agree = {}, {}
    for name, Kq, n in (("q=2", sp.Integer(1), 3), ("q=1", sp.Integer(1), 2),
                        ("q=1/2", sp.Rational(1, 2), 2)):
        e = sp.simplify(_uniform_values(fep_sum(Lsym), Kq, n).doit())
        got[name] = sp.limit(e, Lsym, sp.oo)
        for d in range(1, 5):
            agree[f"{name},L={d}"] = sp.simplify(
                e.subs(Lsym, d) - _uniform_values(fep_closed(d), Kq, n))
    ev = {"limits": {k: str(v) for k, v in got.items()},
          "closed_form_residuals": {k: str(v) for k, v in agree.items()}}
    if got == want and all(v == 0 for v in agree.values()):
        return proved("Fep grows without bound with depth iff K (N - f) w >= 1", "sympy", **ev)
    return unknown("Fep along the depth", "sympy", **ev)
