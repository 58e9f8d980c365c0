"""The numeric engines' one back-substitution (``fepproof/numeric/backsub.py``): replayed
in exact rationals from its recorded steps (the multipliers and relaxations it used),
its float bound is never below the exact value, also where float sums cancel; the
engines' bounds that use it are replayed the same way; dropping either rounding term is
caught."""

from __future__ import annotations

from fractions import Fraction as Q

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.experiments.networks import gaussian_network
from fepproof.failures import FailureModel
from fepproof.numeric import backsub, leaf
from fepproof.numeric.backsub import BackSub
from fepproof.numeric.floatnet import FloatNet
from fepproof.numeric.leaf import leaf_ranges, root_leaf


def _q(a) -> np.ndarray:
    """A float array as an object array of exact rationals."""
    return np.vectorize(Q, otypes=[object])(np.asarray(a, dtype=float))


def replay(steps: list) -> np.ndarray:
    """The exact value (B, R) of a recorded single chain of steps: the constant terms and
    the rows are recomputed in rationals from the first rows and the relaxations (so the
    float rows' rounding is not taken on trust); each recorded row matrix must match the
    replayed one up to float rounding (it is the same chain)."""
    A = mag = None  # mag: the rows' magnitudes, |A| |W| ... (what float rounding scales with)
    const = None
    for s in steps:
        if s.kind == "add":
            v = _q(s.params[0])
            const = v if const is None else const + v
            continue
        if A is None:
            A, mag = _q(s.A), np.abs(s.A)
        else:
            assert (np.abs(s.A - A.astype(float)) <= 1e-6 * mag + 1e-300).all()
        if const is None:
            const = _q(np.zeros(s.A.shape[:-1]))
        if s.kind in ("relax", "offset", "input"):
            lo, hi = _q(s.params[-2])[:, None, :], _q(s.params[-1])[:, None, :]
            const = const + np.where(A > 0, A * hi, A * lo).sum(axis=-1)
            if s.kind == "relax":
                A = A * _q(s.params[0])[:, None, :]
                mag = mag * np.abs(s.params[0])[:, None, :]
        elif s.kind == "affine":
            W, b = _q(s.params[0]), s.params[1]
            if b is not None:
                const = const + A.dot(_q(b))
            A = A.dot(W)
            mag = mag @ np.abs(s.params[0])
    return const


def _check(bs: BackSub) -> None:
    exact = replay(bs.steps)
    up = bs.upper()
    for e, u in zip(exact.ravel(), up.ravel(), strict=True):
        assert e <= Q(float(u)), (float(e), float(u))


# ---- the class on its own ------------------------------------------------------------

def _cancelling_chain() -> BackSub:
    """A W cancels in float: fl(1e16 + 1 - 1e16) = 0, exactly 1; the lost term then meets
    the input box x in [1, 1], so a bound without the (|A| |W|) zmax term is 0 < 1."""
    bs = BackSub((1, 1), record=True)
    A = np.array([[[1.0, 1.0, 1.0]]])
    A = bs.relax(A, np.ones((1, 3)), np.zeros((1, 3)), np.zeros((1, 3)))
    A = bs.affine(A, np.array([[1e16], [1.0], [-1e16]]), None, np.ones((1, 1)))
    bs.input(A, np.ones((1, 1)), np.ones((1, 1)))
    return bs


def test_a_cancelling_product_is_covered():
    bs = _cancelling_chain()
    assert bs.const[0, 0] == 0.0  # the float sum lost the 1
    _check(bs)


def test_dropping_a_rounding_term_is_caught(monkeypatch):
    """Without the pad (PADR = 0) or without the product term of ``affine``, the float
    bound of the cancelling chain falls below its exact value."""
    monkeypatch.setattr(backsub, "PADR", 0.0)
    with pytest.raises(AssertionError):
        _check(_cancelling_chain())
    monkeypatch.undo()
    monkeypatch.setattr(backsub, "bdot", lambda M, v: np.zeros(M.shape[:-1]))
    with pytest.raises(AssertionError):
        _check(_cancelling_chain())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-20, 1e-3, 1.0, 1e3]),
       layers=st.integers(1, 3))
def test_random_chains_are_never_below_their_exact_value(seed, scale, layers):
    rng = np.random.default_rng(seed)
    B, R, n = 2, 3, 4
    bs = BackSub((B, R), record=True)
    A = rng.normal(size=(B, R, n)) * scale
    bs.add(rng.normal(size=(B, R)), np.ones((B, R)))
    for _ in range(layers):
        lo = rng.normal(size=(B, n))
        A = bs.relax(A, rng.uniform(0, 0.25, size=(B, n)), lo, lo + rng.uniform(0, 1, (B, n)))
        W = rng.normal(size=(n, n)) * scale
        W[0] = -W[1] * (1 + 1e-15)  # rows that nearly cancel
        A = bs.affine(A, W, rng.normal(size=n), np.ones((B, n)))
    x = rng.uniform(-1, 1, size=(B, n))
    bs.input(A, x, x + rng.uniform(0, 1, (B, n)))
    _check(bs)


# ---- the engines' nominal bounds, replayed -------------------------------------------

class _Recording(BackSub):
    made: list[BackSub] = []

    def __init__(self, shape, record: bool = False):
        super().__init__(shape, record=True)
        _Recording.made.append(self)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 5.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nominal_preactivation_bounds_replay_exactly(monkeypatch, seed, scale):
    """The back-substituted chord-line bounds of every layer's pre-activations
    (:func:`fepproof.numeric.leaf._nominal_crown`), replayed from their recorded steps in
    rationals, on several seeds and weight scales: never below the exact value."""
    _Recording.made = []
    monkeypatch.setattr(leaf, "BackSub", _Recording)
    net = gaussian_network(seed, 3, (5, 4, 3), scale=scale, name="r")
    fn = FloatNet.make(net, (1, 1, 1), FailureModel.crash())
    lf = root_leaf(fn)
    lf.lo, lf.hi = np.array([0.1, 0.0, 0.5]), np.array([0.6, 1.0, 0.5])
    leaf_ranges(fn, lf, diff=False)
    chains = [b for b in _Recording.made if b.steps[-1].kind == "input"
              and any(s.kind == "relax" for s in b.steps)]
    assert len(chains) == 2  # layers 1 and 2 (layer 0 is plain interval arithmetic)
    for bs in chains:
        _check(bs)


@pytest.mark.parametrize("model", [FailureModel.crash(), FailureModel.stuck_at("1/3"),
                                   FailureModel.stuck_at(1), FailureModel.byzantine("1/2"),
                                   FailureModel.byzantine(3),
                                   FailureModel.byzantine(3, "value")], ids=str)
def test_sent_max_bounds_every_value_the_failed_copy_sends(model):
    """The joint bound's products with the failed copy's values are covered with
    ``sent_max`` as the values' bound: every value a correct or failed neuron sends is
    within it (a Byzantine neuron in the deviation reading sends up to 1 + C)."""
    from fepproof.numeric.faultview import sent_deviation, sent_max
    net = gaussian_network(0, 2, (3,), name="r")
    fn = FloatNet.make(net, (1,), model)
    y = np.linspace(0.0, 1.0, 11)[:, None]
    u = np.linspace(-1.0, 1.0, 9)[None, :]
    sent = y + sent_deviation(fn, np.broadcast_to(y, (11, 9)), np.broadcast_to(u, (11, 9)))
    assert np.abs(sent).max() <= sent_max(fn)
    assert sent_max(fn) >= 1.0
