"""Tightness families (Theorem 1; Theorem 2 with failures in one layer): worst/Fep -> 1."""

from fractions import Fraction

from fepproof.bounds import fep
from fepproof.failures import FailureModel
from fepproof.tightness import (
    THEOREM1_PARAMS,
    THEOREM2_PARAMS,
    theorem1_network,
    theorem2_network,
    tightness_ratio,
)


def test_theorem1_family_approaches_one():
    ratios = [tightness_ratio(theorem1_network(a), (2,), FailureModel.crash(), 20)
              for a in THEOREM1_PARAMS]
    assert all(r.verdict == "proved" for r in ratios)
    lows = [r.ratio_lower for r in ratios]
    assert lows == sorted(lows) and lows[-1] > 0.9999
    assert all(r.ratio_upper <= 1 for r in ratios)


def test_theorem2_family_one_layer_approaches_one():
    model = FailureModel.byzantine(1)
    ratios = [tightness_ratio(theorem2_network(w), (1, 0), model, 20) for w in THEOREM2_PARAMS]
    lows = [r.ratio_lower for r in ratios]
    assert all(r.verdict == "proved" for r in ratios)
    assert lows == sorted(lows) and lows[-1] > 0.999


def test_theorem2_family_deep_and_several_layers():
    model = FailureModel.byzantine(1)
    net = theorem2_network(Fraction(1, 16), (2, 3, 3))
    one = tightness_ratio(net, (1, 0, 0), model, 20)
    several = tightness_ratio(net, (1, 1, 1), model, 20)
    assert one.ratio_lower > 0.999 and several.ratio_lower > 0.99
    assert one.ratio_upper <= 1 and several.ratio_upper <= 1


def test_family_networks_have_the_paper_quantities():
    net = theorem2_network(Fraction(1, 4))
    assert net.widths == (2, 3)
    assert fep(net, (1, 0), FailureModel.byzantine(1)).value == Fraction(1, 4) * 3 / 4
    assert theorem1_network(Fraction(4)).max_abs_weight(2) == 1
