"""Theorem 1 (Section 3): a single hidden layer tolerates N_fail crashes when
N_fail <= (eps - eps') / w_m; the bound is tight (attained in the limit alpha -> 0)."""

import sympy as sp
import z3

from fepproof.obligations import obligation
from fepproof.obligations.engines import identity, z3_unsat
from fepproof.obligations.model import proved, unknown
from fepproof.symbolic.notation import C, f, w
from fepproof.symbolic.recurrence import fep_closed, theorem2_unrolled

n, wm, eps, epsp = z3.Reals("N_fail w_m eps eps_prime")
err_fail, err_approx = z3.Reals("err_fail err_approx")
BOUND = z3.Implies(
    z3.And(wm > 0, epsp > 0, epsp <= eps, n >= 0, n * wm <= eps - epsp,
           err_approx <= epsp, err_fail >= 0, err_fail <= n * wm),
    err_approx + err_fail <= eps)


@obligation(
    id="theorem1.upper_bound", result="Theorem 1", method="z3 unsat", expected="proved",
    statement_text="typed in: "
                   "N_fail <= (eps - eps')/w_m, ||F - F_neu|| <= eps' (5) and "
                   "||F_neu - F_fail|| <= N_fail w_m (7) give ||F - F_fail|| <= eps (via (4))",
    statement=BOUND)
def upper_bound():
    return z3_unsat("Theorem 1 upper bound", [], BOUND)


def _crash_sum(k: int):
    ws = z3.Reals(" ".join(f"w{i}" for i in range(k)))
    ys = z3.Reals(" ".join(f"y{i}" for i in range(k)))
    hyp = [z3.And(w_ >= -wm, w_ <= wm, y_ > 0, y_ <= 1) for w_, y_ in zip(ws, ys, strict=True)]
    s = z3.Sum([w_ * y_ for w_, y_ in zip(ws, ys, strict=True)])
    return hyp, z3.And(s <= k * wm, -s <= k * wm)


@obligation(
    id="theorem1.crash_error_N1to4", result="Theorem 1", method="z3 unsat", expected="proved",
    statement_text="typed in: "
                   "inequalities (6)-(7): |sum_{i in I_fail} w_i y_i| <= N_fail w_m for "
                   "|w_i| <= w_m and 0 < y_i <= 1 (N_fail = 1..4)")
def crash_error():
    vs = []
    for k in range(1, 5):
        hyp, goal = _crash_sum(k)
        vs.append(z3_unsat(f"N_fail = {k}", hyp, goal))
    bad = [v for v in vs if v.status.value != "proved"]
    return bad[0] if bad else proved("crash error <= N_fail w_m (N_fail = 1..4)", "z3",
                                     answers=["unsat"] * len(vs))


def _tightness():
    e, ep, a, d, W = sp.symbols("epsilon epsilon' alpha delta w_m", positive=True)
    m = sp.Max(-a / 2, -a / (2 * (e - ep)))
    nfail_wm = e - ep + d * W  # delta = N_fail - (eps - eps')/w_m
    lower = ep - a / 2 + (1 + m) * nfail_wm
    printed = e - a / 2 + m * (e - ep + d * W) + d * W
    return e, ep, a, d, W, lower, printed


@obligation(
    id="theorem1.tightness_algebra", result="Theorem 1", method="sympy identity",
    expected="proved",
    statement_text="typed in: "
                   "eps' - alpha/2 + max(1 - alpha/2, 1 - alpha/(2(eps-eps'))) N_fail w_m = "
                   "eps - alpha/2 + max(-alpha/2, -alpha/(2(eps-eps')))(eps - eps' + delta w_m) "
                   "+ delta w_m, with delta = N_fail - (eps - eps')/w_m")
def tightness_algebra():
    *_, lower, printed = _tightness()
    return identity("Theorem 1 tightness rearrangement", {"rearrangement":
                                                           sp.expand(lower - printed)})


@obligation(
    id="theorem1.tightness_limit", result="Theorem 1", method="sympy limit",
    expected="proved",
    statement_text="typed in: "
                   "as alpha -> 0 the tightness lower bound tends to eps + delta w_m > eps "
                   "(more crashes than the bound allows break eps-accuracy)")
def tightness_limit():
    e, ep, a, d, W, lower, _ = _tightness()
    g = sp.Symbol("g", positive=True)  # g = eps - eps' > 0
    # max(u, v) is one of its two arguments: take the limit along each branch.
    branches = [-a / 2, -a / (2 * (e - ep))]
    lims = []
    for m in branches:
        expr = (ep - a / 2 + (1 + m) * (e - ep + d * W)).subs(e, ep + g)
        lims.append(sp.simplify(sp.limit(expr, a, 0, "+").subs(g, e - ep)))
    if any(sp.simplify(x - (e + d * W)) != 0 for x in lims):
        return unknown("tightness limit", "sympy", limits=[str(x) for x in lims])
    _ = lower
    return proved("lim_{alpha->0} lower bound = eps + delta w_m > eps", "sympy",
                  limits=[str(x) for x in lims], excess="delta*w_m > 0")


@obligation(
    id="theorem1.is_theorem2_at_depth_1", result="Theorem 1", method="sympy identity",
    expected="proved",
    statement_text="with L = 1 and C = 1 (crash) the recurrence and Fep both give N_fail w_m")
def is_theorem2_at_depth_1():
    res = {"recurrence": sp.expand(theorem2_unrolled(1)[1].subs(C, 1) - f[1] * w[2]),
           "Fep": sp.expand(fep_closed(1).subs(C, 1) - f[1] * w[2])}
    return identity("Theorem 1 = Theorem 2 at L = 1, C = 1", res)
