"""Simulator and replay: the soundness property of Fep and the failure-model readings."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fepproof import FailureModel, Witness, fep, precision_bound, replay, synapse_bound
from fepproof.network import network_from_dict
from fepproof.simulate import (
    forward,
    neuron_errors,
    precision_errors,
    random_failure_masks,
    sample_inputs,
    synapse_errors,
)
from tests.netgen import networks

TOL = 1e-9  # float64 slack on top of an exact bound


@given(networks(), st.data(), st.integers(0, 2**32 - 1))
def test_crash_error_never_exceeds_fep(net, data, seed) -> None:
    rng = np.random.default_rng(seed)
    f = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    X = sample_inputs(net, 40, rng)
    masks = random_failure_masks(net.widths, f, 30, rng)
    err = neuron_errors(net, X, masks)
    assert err.max() <= float(fep(net, f).sound) * (1 + TOL) + TOL


@given(networks(), st.data(), st.integers(0, 2**32 - 1),
       st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(5)]))
def test_byzantine_deviation_error_never_exceeds_fep(net, data, seed, C) -> None:
    rng = np.random.default_rng(seed)
    f = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    X = sample_inputs(net, 30, rng)
    S = 30
    masks = random_failure_masks(net.widths, f, S, rng)
    acts, _ = forward(net, X)
    sent = [a[None] + float(C) * rng.choice([-1.0, 1.0], size=(S, 1, a.shape[1]))
            for a in acts]
    err = neuron_errors(net, X, masks, sent)
    res = fep(net, f, FailureModel.byzantine(C))
    assert res.is_bound
    assert err.max() <= float(res.value) * (1 + TOL) + TOL


def _saturated(C_bias: int = 30) -> object:
    return network_from_dict({"input_domain": [[0, 1]],
                              "layers": [{"weights": [[1], [1]], "bias": [C_bias, 0]}],
                              "output": {"weights": [1, 1]}})


def test_value_reading_exceeds_fep() -> None:
    net = _saturated()
    C = Fraction(2)
    model = FailureModel.byzantine(C, "value")
    res = fep(net, [1], model)
    assert res.value == 2 and res.sound == 3 and not res.is_bound
    # the saturated neuron (nominal ~ 1) sends -C: |sent| <= C but it deviates by ~ C + 1
    X = np.array([[1.0]])
    masks = [np.array([[True, False]])]
    err = neuron_errors(net, X, masks, [np.full((1, 1, 2), -2.0)])
    assert err.max() > float(res.value) + 0.99
    w = Witness.make([1], [[0]], [[-2]])
    rep = replay(net, w, model)
    assert rep.valid and rep.error > 2.99 and rep.error_fraction_lower() > res.value
    assert rep.exceeds(res.value) and not rep.exceeds(res.sound)
    # the same witness breaks the deviation reading's constraint
    assert not replay(net, w, FailureModel.byzantine(C, "deviation")).valid


@given(networks(max_depth=2, max_width=3), st.integers(0, 2**32 - 1))
def test_replay_agrees_with_numpy(net, seed) -> None:
    rng = np.random.default_rng(seed)
    x = sample_inputs(net, 1, rng, corners=False)[0]
    failed = [sorted(rng.choice(n, size=rng.integers(0, n + 1), replace=False).tolist())
              for n in net.widths]
    w = Witness.make(x.tolist(), failed)
    rep = replay(net, w, FailureModel.crash())
    masks = [np.isin(np.arange(n), fl)[None] for n, fl in zip(net.widths, failed, strict=True)]
    err = neuron_errors(net, x[None], masks)[0, 0, 0]
    assert rep.valid
    assert abs(float(rep.error) - err) <= 1e-9 * max(1.0, err)
    assert not rep.exceeds(fep(net, [len(x) for x in failed]).value)


@given(networks(max_depth=3, max_width=3), st.integers(0, 2**32 - 1))
def test_synapse_errors_within_lemma2_theorem4(net, seed) -> None:
    rng = np.random.default_rng(seed)
    X = sample_inputs(net, 20, rng)
    S = 20
    sizes = [(n, net.input_dim if l == 0 else net.widths[l - 1])
             for l, n in enumerate(net.widths)] + [(1, net.widths[-1])]
    masks, deltas, counts = [], [], []
    for shape in sizes:
        k = int(rng.integers(0, 3))
        m = np.zeros((S,) + shape, dtype=bool)
        for s in range(S):
            idx = rng.choice(shape[0] * shape[1], size=min(k, shape[0] * shape[1]), replace=False)
            m[s].flat[idx] = True
        masks.append(m)
        counts.append(min(k, shape[0] * shape[1]))
        deltas.append(rng.choice([-1.0, 1.0], size=(S, 1) + shape))
    err = synapse_errors(net, X, masks, deltas)
    bound = synapse_bound(net, counts, FailureModel.synapse(1))
    assert err.max() <= float(bound.value) * (1 + TOL) + TOL


@given(networks(max_depth=3, max_width=3), st.integers(0, 2**32 - 1))
def test_precision_errors_within_theorem5(net, seed) -> None:
    rng = np.random.default_rng(seed)
    X = sample_inputs(net, 20, rng)
    lam = [Fraction(1, 50)] * net.depth
    for reading in ("output", "preactivation"):
        deltas = [float(x) * rng.choice([-1.0, 1.0], size=(10, X.shape[0], n))
                  for x, n in zip(lam, net.widths, strict=True)]
        err = precision_errors(net, X, deltas, reading)
        assert err.max() <= float(precision_bound(net, lam, reading).value) * (1 + TOL) + TOL


def test_equation11_fails_for_preactivation_errors_when_k_above_one() -> None:
    # lambda added before phi (the proof's induction step) is amplified by K > 1
    net = network_from_dict({"activation": {"K": 3}, "input_domain": [[0, 0]],
                             "layers": [{"weights": [[0]]}], "output": {"weights": [1]}})
    lam = [Fraction(1, 100)]
    err = precision_errors(net, np.zeros((1, 1)), [np.full((1, 1, 1), 0.01)], "preactivation")
    eq11 = precision_bound(net, lam, "output").value
    assert err.max() > float(eq11) * 2.9
    assert err.max() <= float(precision_bound(net, lam, "preactivation").value)
