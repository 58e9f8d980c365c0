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
