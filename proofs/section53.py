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


@obligation(
    id="section53.depth_limit", result="Section 5.3", method="sympy limit", expected="proved",
    statement_text="uniform network, failures in layer 1: Fep(L) = C f w q^(L-1) with q = K N "
                   "w tends to oo as L -> oo iff q > 1 (q = 2: oo, q = 1: C f w, q = 1/2: 0)")
def depth_limit():
    Lsym = sp.Symbol("L", positive=True, integer=True)
    cf = sp.Symbol("Cfw", positive=True)
    lims = {str(q): sp.limit(cf * q ** (Lsym - 1), Lsym, sp.oo)
            for q in (sp.Integer(2), sp.Integer(1), sp.Rational(1, 2))}
    if lims == {"2": sp.oo, "1": cf, "1/2": 0}:
        return proved("growth with depth iff K N w > 1", "sympy",
                      limits={k: str(v) for k, v in lims.items()})
    return unknown("growth with depth", "sympy", limits={k: str(v) for k, v in lims.items()})
