"""Stuck-at faults: a failed neuron sends a fixed value v in [0, 1].

Its deviation v - y from the nominal output y lies in [v - hi, v - lo] when y is in
[lo, hi], and |v - y| <= max(v, 1 - v) over y in (0, 1), the least such constant; Fep
(Theorem 2) with C = max(v, 1 - v) is therefore the bound for stuck-at faults (Theorem 2's
proof only uses |sent - nominal| <= C per failed neuron).  The z3 statements below are the
formulas :class:`fepproof.failures.FailureModel` implements; ``stuck_at.code_matches_grid``
checks the code against them on a grid of exact rationals, so a change of either side
fails an obligation.
"""

from fractions import Fraction

import z3

from fepproof.bounds import fep, fep_formula
from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import obligation
from fepproof.obligations.engines import z3_unsat
from fepproof.obligations.model import proved, refuted

v, y, lo, hi, eps = z3.Reals("v y lo hi eps")


def sound_deviation(v_):
    """max(v, 1 - v): the C of a neuron stuck at v (the closed form)."""
    return z3.If(v_ >= 1 - v_, v_, 1 - v_)


def interval_claim(dlo, dhi):
    """y in [lo, hi] within [0, 1] implies dlo <= v - y <= dhi."""
    hyp = z3.And(v >= 0, v <= 1, lo >= 0, lo <= y, y <= hi, hi <= 1)
    return z3.Implies(hyp, z3.And(dlo <= v - y, v - y <= dhi))


def bound_claim(D):
    """0 < y < 1 implies |v - y| <= D(v)."""
    return z3.Implies(z3.And(v >= 0, v <= 1, y > 0, y < 1),
                      z3.And(v - y <= D(v), y - v <= D(v)))


def sharp_claim(D):
    """D(v) is the least bound: for every eps > 0 some y in (0, 1) has |v - y| > D(v) - eps
    (y = min(eps, 1/2) / 2 when v >= 1/2, 1 - that otherwise)."""
    t = z3.If(eps < z3.RealVal(1) / 2, eps, z3.RealVal(1) / 2) / 2
    yy = z3.If(v >= z3.RealVal(1) / 2, t, 1 - t)
    return z3.Implies(z3.And(v >= 0, v <= 1, eps > 0),
                      z3.And(yy > 0, yy < 1, z3.Or(v - yy > D(v) - eps, yy - v > D(v) - eps)))


INTERVAL = interval_claim(v - hi, v - lo)
BOUND = bound_claim(sound_deviation)
SHARP = sharp_claim(sound_deviation)


@obligation(
    id="stuck_at.deviation_interval", result="stuck-at faults", method="z3 unsat",
    expected="proved",
    statement_text="typed in: "
                   "a neuron stuck at v in [0, 1] whose nominal output y lies in [lo, hi] "
                   "deviates by v - y in [v - hi, v - lo]",
    statement=INTERVAL)
def deviation_interval():
    return z3_unsat("stuck-at deviation interval", [], INTERVAL)


@obligation(
    id="stuck_at.sound_deviation", result="stuck-at faults", method="z3 unsat",
    expected="proved",
    statement_text="typed in: "
                   "a neuron stuck at v in [0, 1] deviates from its nominal output y in "
                   "(0, 1) by |v - y| <= max(v, 1 - v): the C of Fep for stuck-at faults",
    statement=BOUND)
def sound_deviation_bound():
    return z3_unsat("stuck-at deviation <= max(v, 1 - v)", [], BOUND)


@obligation(
    id="stuck_at.sharp", result="stuck-at faults", method="z3 unsat", expected="proved",
    statement_text="typed in: "
                   "max(v, 1 - v) is the least such constant: every smaller one is exceeded "
                   "by some nominal output y in (0, 1)",
    statement=SHARP)
def sharp():
    return z3_unsat("stuck-at deviation bound is sharp", [], SHARP)


def _grid() -> list[Fraction]:
    return sorted({Fraction(a, b) for b in (1, 2, 3, 4, 7, 12) for a in range(b + 1)})


def _net():
    return network_from_dict({"name": "stuck-at-check", "activation": {"name": "sigmoid",
                                                                        "K": "1/4"},
                              "layers": [{"weights": [["1"], ["-2"]], "bias": ["0", "1"]},
                                         {"weights": [["1", "3"], ["-1", "1/2"]],
                                          "bias": ["0", "0"]}],
                              "output": {"weights": [["2", "-1"]]}})


@obligation(
    id="stuck_at.code_matches_grid", result="stuck-at faults", method="numeric",
    expected="proved",
    statement_text="FailureModel.stuck_at(v) implements the proved formulas: deviation "
                   "interval [v - hi, v - lo], sound deviation and Fep's C max(v, 1 - v) "
                   "(exact rationals, v and [lo, hi] on a grid of 0..1)")
def code_matches():
    net = _net()
    grid = _grid()
    checked = 0
    for sv in grid:
        m = FailureModel.stuck_at(sv)
        D = max(sv, 1 - sv)
        if m.neuron_deviation(net) != D or m.C != D:
            return refuted("stuck-at code = formulas", "exact", v=str(sv),
                           code=str(m.neuron_deviation(net)), formula=str(D))
        for a in grid:
            for b in grid:
                if a <= b and m.deviation_interval(a, b) != (sv - b, sv - a):
                    return refuted("stuck-at code = formulas", "exact", v=str(sv), lo=str(a),
                                   hi=str(b), code=[str(q) for q in m.deviation_interval(a, b)])
                checked += 1
        res = fep(net, [1, 2], m)
        if not (res.value == res.sound == fep_formula(D, [1, 2], net.widths, net.K, res.wm)):
            return refuted("stuck-at code = formulas", "exact", v=str(sv), fep=str(res.value))
    return proved("stuck-at code = formulas", "exact", values=len(grid), intervals=checked)
