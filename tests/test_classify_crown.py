"""The linear (CROWN-style) margin bounds over a ball: below every margin brute force
finds (sampled inputs of the ball, every failure set), for sigmoid and tanh networks,
crash and stuck-at, and the failure sets come in the enumeration order of the rest of
the classifier code."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fepproof.classify.crown import crown_margin_lower, set_masks
from fepproof.classify.intervals import n_sets, set_of_index
from fepproof.failures import FailureModel
from fepproof.network import Activation, Layer, Network
from fepproof.simulate import failed_outputs, forward


def _net(rng, d, widths, M, act, scale):
    layers, n = [], d
    for w in widths:
        layers.append(Layer([[Fraction(float(v)) for v in r] for r in
                             rng.normal(0, scale, (w, n))],
                            [Fraction(float(v)) for v in rng.normal(0, 0.5, w)]))
        n = w
    out = Layer([[Fraction(float(v)) for v in r] for r in rng.normal(0, scale, (M, n))],
                [Fraction(float(v)) for v in rng.normal(0, 0.5, M)])
    return Network(tuple(layers), out, act, ((-1, 1),) * d)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), act=st.sampled_from(["sigmoid", "tanh"]),
       model=st.sampled_from([FailureModel.crash(), FailureModel.stuck_at(1),
                              FailureModel.stuck_at(Fraction(1, 3))]),
       radius=st.sampled_from([0.0, 0.01, 0.3]), scale=st.sampled_from([0.3, 1.0, 3.0]))
def test_linear_margin_bounds_hold_against_brute_force(seed, act, model, radius, scale):
    rng = np.random.default_rng(seed)
    d, M = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    widths = tuple(int(w) for w in rng.integers(1, 5, size=int(rng.integers(1, 3))))
    K = Fraction(1) if act == "tanh" else Fraction(1, 4)
    net = _net(rng, d, widths, M, Activation(act, K), scale)
    f = tuple(int(rng.integers(0, w + 1)) for w in widths)
    x = rng.uniform(-1, 1, d)
    c = int(np.argmax(forward(net, x[None])[1][0]))
    masks = set_masks(net.widths, f)
    low = crown_margin_lower(net, x - radius, x + radius, c, masks, model)
    P = x + radius * rng.uniform(-1, 1, (50, d))
    P[0] = x
    P[1:1 + 2 ** min(d, 5)] = x + radius * np.array(
        np.meshgrid(*[[-1, 1]] * d)).reshape(d, -1).T[:2 ** min(d, 5)]
    out = failed_outputs(net, P, masks, model=model)
    margins = out[:, :, c][:, :, None] - np.delete(out, c, axis=2)
    assert (margins.min(axis=1) >= low - 1e-9 * (1 + np.abs(out).max())).all()


def test_the_masks_follow_the_enumeration_order():
    widths, f = (5, 4, 3), (2, 1, 1)
    masks = set_masks(widths, f)
    assert masks[0].shape[0] == n_sets(widths, f)
    for s in range(n_sets(widths, f)):
        assert tuple(tuple(np.flatnonzero(m[s])) for m in masks) == set_of_index(widths, f, s)
