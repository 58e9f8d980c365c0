"""Theorem 3 (Section 4.2): F_neu tolerates the distribution (f_l) when f_l < N_l and
Fep <= eps - eps'.  The condition itself is proved; the tempting "tolerates up to f_l per
layer" reading is refuted (Fep is not monotone in the failures) and the corrected
reading, max over every g <= f, is checked against exhaustive enumeration."""

import itertools
from fractions import Fraction

import z3

from fepproof.bounds import fep_formula, max_dominated_fep
from fepproof.exact import fmt_exact
from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import z3_unsat
from fepproof.obligations.model import proved, refuted, unknown

fe, eps, epsp, err_approx, err_fail = z3.Reals("Fep eps eps_prime err_approx err_fail")
CONDITION = z3.Implies(
    z3.And(epsp > 0, epsp <= eps, fe <= eps - epsp, err_approx <= epsp, err_fail >= 0,
           err_fail <= fe),
    err_approx + err_fail <= eps)


@obligation(
    id="theorem3.condition", result="Theorem 3", method="z3 unsat", expected="proved",
    statement_text="typed in: "
                   "Fep <= eps - eps' (10), ||F - F_neu|| <= eps' and ||F_neu - F_fail|| <= Fep "
                   "(Theorem 2) give ||F - F_fail|| <= eps",
    statement=CONDITION)
def condition():
    return z3_unsat("Theorem 3 condition", [], CONDITION)


# Fep(1, 0) > Fep(1, 1) on N = (2, 3), K = 1, w_m = (1, 2, 1), C = 1.
_N, _K, _WM = (2, 3), Fraction(1), (Fraction(1), Fraction(2), Fraction(1))


@obligation(
    id="theorem3.monotone_in_failures", result="Theorem 3", method="numeric",
    expected="refuted",
    statement_text="if (f_l) satisfies Fep <= eps - eps' then so does every g <= f "
                   "(fewer failures per layer)",
    erratum=Erratum(
        as_written_text="Theorem 3 read as 'tolerates up to f_l failures per layer'",
        as_written=None,
        evidence_text="what fails is the sufficient condition, not tolerance itself: on N = "
                      "(2, 3), K = 1, w_m = (1, 2, 1), crashes, Fep(1, 1) = 5 <= 5 = eps - eps' "
                      "but Fep(1, 0) = 6 > 5 (a failure downstream removes a relaying neuron "
                      "from (N_2 - f_2)), while on that very network the real worst case is "
                      "monotone: worst(1, 0) < 0.88 < 1.80 < worst(1, 1) (z3 engine of "
                      "`fepproof verify`, theorem3.worst_case_monotone_example)",
        corrected_id="theorem3.at_most_reading_4nets"))
def monotone_in_failures():
    budget = Fraction(5)
    big = fep_formula(1, (1, 0), _N, _K, _WM)
    small = fep_formula(1, (1, 1), _N, _K, _WM)
    if small <= budget < big:
        return refuted("Fep monotone in the failures", "exact arithmetic",
                       N=list(_N), K="1", w_m=[fmt_exact(x) for x in _WM], C="1",
                       budget=fmt_exact(budget), fep_f=fmt_exact(small), f=[1, 1],
                       fep_g=fmt_exact(big), g=[1, 0])
    return unknown("Fep monotone in the failures", "exact arithmetic",
                   fep_f=fmt_exact(small), fep_g=fmt_exact(big))


def _net(widths, weights_scale):
    layers, n_in = [], 1
    for i, n in enumerate(widths):
        layers.append({"weights": [[str(weights_scale[i] * (-1) ** (r + c)) for c in range(n_in)]
                                   for r in range(n)]})
        n_in = n
    out = {"weights": [[str(weights_scale[-1])] * n_in]}
    return network_from_dict({"activation": {"name": "sigmoid", "K": "1"}, "layers": layers,
                              "output": out})


@obligation(
    id="theorem3.at_most_reading_4nets", result="Theorem 3", method="numeric", expected="proved",
    statement_text="'at most f_l per layer' is tolerated iff max_{g <= f} Fep(g) <= eps - "
                   "eps'; the O(L) endpoint recursion equals exhaustive enumeration of every "
                   "g <= f (exact rationals, 4 networks, every f)")
def at_most_reading():
    cases = [((2, 3), (1, 2, 1)), ((3, 3, 2), (2, 1, 3, 1)), ((4, 2), (1, 3, 2)),
             ((2, 2, 2, 2), (1, 2, 1, 2, 1))]
    checked = 0
    for widths, scale in cases:
        net = _net(widths, [Fraction(s) for s in scale])
        wm = [net.max_abs_weight(i) for i in range(1, net.depth + 2)]
        for fvec in itertools.product(*[range(n + 1) for n in widths]):
            fast, _ = max_dominated_fep(net, fvec, FailureModel.crash())
            brute = max(fep_formula(1, g, widths, net.K, wm)
                        for g in itertools.product(*[range(x + 1) for x in fvec]))
            checked += 1
            if fast != brute:
                return refuted("max over g <= f", "exact enumeration", widths=list(widths),
                               f=list(fvec), fast=fmt_exact(fast), brute=fmt_exact(brute))
    return proved("endpoint recursion = exhaustive maximum", "exact enumeration",
                  distributions_checked=checked)


@obligation(
    id="theorem3.worst_case_monotone_example", result="Theorem 3", method="z3 unsat",
    expected="proved",
    statement_text="on the network of theorem3.monotone_in_failures (N = (2, 3), K = 1, "
                   "w_m = (1, 2, 1), crashes), where Fep(1, 0) = 6 > Fep(1, 1) = 5, the real "
                   "worst case over exactly-f failure sets is monotone: worst(1, 0) < "
                   "worst(1, 1) (upper bound of (1, 0) from UNSAT over the certified sigmoid "
                   "relaxation < lower bound of (1, 1) from a witness replayed in mpmath)")
def worst_case_monotone_example():
    from fepproof.smt import verify_z3
    from fepproof.verify_api import VerifyProblem
    net = _net(_N, [Fraction(s) for s in (1, 2, 1)])
    model = FailureModel.crash()
    res = {}
    for fv in ((1, 0), (1, 1)):
        F = fep_formula(1, fv, _N, _K, _WM)
        res[fv] = verify_z3(VerifyProblem(net, fv, model, F, F, Fraction(1, 4), 40.0))
    up, low = res[(1, 0)].upper, res[(1, 1)].lower
    ev = {"worst_1_0": [None if res[(1, 0)].lower is None else float(res[(1, 0)].lower),
                        None if up is None else float(up)],
          "worst_1_1": [None if low is None else float(low),
                        None if res[(1, 1)].upper is None else float(res[(1, 1)].upper)],
          "fep_1_0": "6", "fep_1_1": "5"}
    if up is not None and low is not None and up < low:
        return proved("worst(1, 0) < worst(1, 1)", "z3", upper_1_0=fmt_exact(up),
                      lower_1_1=fmt_exact(low), **ev)
    return unknown("worst(1, 0) < worst(1, 1)", "z3", reason="brackets overlap or missing",
                   **ev)
