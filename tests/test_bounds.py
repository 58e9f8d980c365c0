"""Closed forms of Theorems 1-5, Lemma 2, Corollary 2 and the Theorem 3 frontier."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fepproof import (
    FailureModel,
    bits_for_precision,
    fep,
    frontier,
    load_network,
    max_dominated_fep,
    precision_bound,
    synapse_bound,
    theorem1_max_failures,
    tolerance,
    wait_counts,
)
from fepproof.failures import FailureError
from fepproof.network import network_from_dict
from tests.netgen import networks

CASES = Path(__file__).resolve().parent.parent / "cases"


def test_figure1_fep_by_hand() -> None:
    net = load_network(CASES / "figure1.json")
    # N = (4, 3, 4); w_m = 1/2, 1, 3/4, and 2 at the output; K = 1/4; crash C = 1.
    # f = (1, 0, 1):
    #   layer 1: f1 K^2 w4 (N2 - f2) w2 (N3 - f3) w3 = 1 * 1/16 * 2 * 3 * 1 * 3 * 3/4 = 27/32
    #   layer 2: 0
    #   layer 3: f3 K^0 w4 = 2
    res = fep(net, [1, 0, 1])
    assert res.terms == (Fraction(27, 32), Fraction(0), Fraction(2))
    assert res.value == Fraction(91, 32) and res.sound == res.value
    assert res.wm == (Fraction(1, 2), Fraction(1), Fraction(3, 4), Fraction(2))
    byz = fep(net, [1, 0, 1], FailureModel.byzantine("3/2"))
    assert byz.value == Fraction(3, 2) * Fraction(91, 32)


@given(networks(), st.data())
def test_exact_and_float_agree(net, data) -> None:
    f = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    res = fep(net, f)
    K, L = float(net.K), net.depth
    wm = [float(w) for w in res.wm]
    total = 0.0
    for l in range(1, L + 1):
        t = f[l - 1] * K ** (L - l) * wm[L]
        for lp in range(l + 1, L + 1):
            t *= (net.widths[lp - 1] - f[lp - 1]) * wm[lp - 1]
        total += t
    assert math.isclose(float(res.value), total, rel_tol=1e-12, abs_tol=1e-300)


@given(networks(max_depth=3, max_width=3), st.data())
def test_max_dominated_matches_enumeration(net, data) -> None:
    f = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    value, arg = max_dominated_fep(net, f)
    brute = max(fep(net, g).value for g in itertools.product(*[range(x + 1) for x in f]))
    assert value == brute == fep(net, arg).value


def test_fep_is_not_monotone() -> None:
    net = network_from_dict({"activation": {"K": 1},
                             "layers": [{"weights": [[1]] * 3}, {"weights": [[1, 1, 1]] * 3}],
                             "output": {"weights": [1, 1, 1]}})
    # failing downstream neurons removes the paths the upstream failures travel on
    assert fep(net, [2, 2]).value < fep(net, [2, 0]).value
    tol_exact = tolerance(net, [2, 2], None, 6, 1, "exactly")
    tol_most = tolerance(net, [2, 2], None, 6, 1, "at_most")
    assert tol_exact.tolerated and not tol_most.tolerated
    assert tol_most.worst == (2, 0)


def test_theorem1() -> None:
    net = load_network(CASES / "theorem1_tight.json")
    r = theorem1_max_failures(net, "1.6", "0.1")
    assert (r.n_fail, r.ratio, r.w_m) == (3, Fraction(3), Fraction(1, 2))
    r = theorem1_max_failures(net, 10, "0.1")
    assert r.n_fail == 4 and r.capped
    with pytest.raises(FailureError):
        theorem1_max_failures(load_network(CASES / "figure1.json"), 1, "0.5")
    with pytest.raises(FailureError, match="0 < eps"):
        theorem1_max_failures(net, "0.1", "0.2")


def test_tolerance_requires_f_below_n() -> None:
    net = load_network(CASES / "xor.json")
    r = tolerance(net, [2], None, 100, 1)
    assert not r.tolerated and "f_l < N_l" in r.reason


def _brute_frontier(net, budget, at_most):
    box = list(itertools.product(*[range(n) for n in net.widths]))
    if at_most:
        ok = [f for f in box if max_dominated_fep(net, f)[0] <= budget]
    else:
        ok = [f for f in box if fep(net, f).value <= budget]
    return sorted((f for f in ok if not any(g != f and all(a >= b for a, b in zip(g, f))
                                            for g in ok)), reverse=True)


@given(networks(max_depth=4, max_width=4), st.integers(1, 3000), st.booleans())
def test_frontier_matches_enumeration(net, budget10, at_most) -> None:
    eps = Fraction(budget10, 10) + Fraction(1, 100)
    fr = frontier(net, eps, Fraction(1, 100), reading="at_most" if at_most else "exactly")
    assert list(fr.points) == _brute_frontier(net, Fraction(budget10, 10), at_most)


def test_frontier_ten_layers_of_hundred() -> None:
    rows = [[Fraction((3 * i + 7 * j) % 19 - 9, 10) for j in range(100)] for i in range(100)]
    net = network_from_dict({"input_domain": [[0, 1]] * 100,
                             "layers": [{"weights": rows} for _ in range(10)],
                             "output": {"weights": [Fraction(1, 2)] * 100}})
    for eps in ["1", "1000", "1e9", "1e40"]:
        for reading in ("exactly", "at_most"):
            fr = frontier(net, eps, "1/100", reading=reading)
            assert fr.points and not fr.truncated
            for p in fr.points:
                assert tolerance(net, p, None, eps, "1/100", reading).tolerated


def test_synapse_bound_reading() -> None:
    net = load_network(CASES / "figure1.json")
    m = FailureModel.synapse(1)
    sb = synapse_bound(net, [1, 0, 0, 0], m)
    # one synapse into layer 1: K * C, then K^2 N2 w2 N3 w3 and w4
    K = Fraction(1, 4)
    assert sb.terms[0] == K * 1 * K ** 2 * 2 * 3 * 1 * 4 * Fraction(3, 4)
    assert synapse_bound(net, [0, 0, 0, 2], m).value == 2
    v = synapse_bound(net, [0, 0, 0, 1], FailureModel.synapse(1, "value"))
    assert v.value == 1 + 2 * 1  # C + w_m^(4) * sup phi


def test_precision_bound_and_bits() -> None:
    net = load_network(CASES / "figure1.json")
    lam = ["1/100", "1/100", "1/100"]
    out = precision_bound(net, lam, "output")
    pre = precision_bound(net, lam, "preactivation")
    assert pre.value == out.value * net.K
    # Equation 11, l = 3: K^0 * lambda_3 * N_3 * w_m^(4)
    assert out.terms[2] == Fraction(1, 100) * 4 * 2
    br = bits_for_precision(net, "1/1000")
    assert br.uniform_bound <= Fraction(1, 1000) and br.per_layer_bound <= Fraction(1, 1000)
    assert sum(br.per_layer_bits) <= 3 * br.uniform_bits
    assert bits_for_precision(net, "1/1000").uniform_bits - 1 >= 0
    worse = precision_bound(net, [Fraction(1, 2 ** (br.uniform_bits - 1))] * 3)
    assert worse.value > Fraction(1, 1000)


def test_corollary2_wait_counts() -> None:
    net = load_network(CASES / "figure1.json")
    w = wait_counts(net, [0, 1, 1], 10, 1)
    assert w.waits == (3, 4, 2, 3) and w.sources == (3, 4, 3, 4)
    assert w.tolerance.tolerated


@given(networks(max_depth=2, max_width=3, max_d=2),
       st.builds(Fraction, st.integers(1, 1000), st.sampled_from([10, 1000, 100000])))
def test_bits_per_layer_is_the_minimum_total(net, eps) -> None:
    from fepproof.bounds import _precision_coeffs

    res = bits_for_precision(net, eps)
    coeffs = _precision_coeffs(net, "output")
    best = min(sum(b) for b in itertools.product(range(45), repeat=net.depth)
               if sum(c / Fraction(2) ** x for c, x in zip(coeffs, b)) <= eps)
    assert sum(res.per_layer_bits) == best and res.per_layer_bound <= eps
    assert sum(res.per_layer_bits) <= net.depth * res.uniform_bits
