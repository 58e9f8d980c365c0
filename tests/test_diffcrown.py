"""The differential CROWN bound (``fepproof/numeric/diffcrown.py``): its planes
enclose phi(s + d) - phi(s) (checked against mpmath), the bound alone covers exhaustive
enumeration for every neuron failure model, it converges on small boxes, and breaking
either the interpolation error term or the MAYBE gains makes the checks fail."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.numeric import diffcrown
from fepproof.numeric.diffcrown import diff_crown, planes
from fepproof.numeric.floatnet import FloatNet
from fepproof.numeric.leaf import FAILED, MAYBE, OK, leaf_ranges, root_leaf
from fepproof.numeric.relax import diff_range
from tests.test_bab import MODELS, _grid, _issue_net, brute, random_leaf, small_nets

NEURON_MODELS = [m for m in MODELS if m.kind != "synapse"]
SLOPES = [0.5, 1.0, 2.0, 4.0]  # 4K for K = 1/8, 1/4, 1/2, 1


def _g(s, d, slope):
    return 1 / (1 + np.exp(-slope * (s + d))) - 1 / (1 + np.exp(-slope * s))


def _g_exact(s, d, slope):
    """phi(s + d) - phi(s) at 700 digits: enough for a float64 d as small as 1e-308."""
    with mpmath.workdps(700):  # local: the global precision stays as other tests expect
        s, d, k = mpmath.mpf(float(s)), mpmath.mpf(float(d)), mpmath.mpf(slope)
        return +(1 / (1 + mpmath.exp(-k * (s + d))) - 1 / (1 + mpmath.exp(-k * s)))


boxes = st.tuples(st.floats(-30, 30), st.floats(0, 20), st.floats(-10, 10),
                  st.floats(0, 10))


@settings(max_examples=60, deadline=None)
@given(b=boxes, si=st.integers(0, 3), seed=st.integers(0, 2**32 - 1))
def test_diff_range_encloses_the_sigmoid_difference(b, si, seed):
    """relax.diff_range (one batched gdiff call on its six candidate points) contains
    phi(s + d) - phi(s) at the corners, the candidate points and random points of the
    box, in 700-digit mpmath."""
    slope = SLOPES[si]
    s0, ws, d0, wd = b
    slo, shi, dlo, dhi = (np.array([v]) for v in (s0, s0 + ws, d0, d0 + wd))
    lo, hi = diff_range(slo, shi, dlo, dhi, slope)
    rng = np.random.default_rng(seed)
    pts = [(s, d) for s in (s0, s0 + ws) for d in (d0, d0 + wd)]
    pts += [(float(np.clip(-d / 2, s0, s0 + ws)), d) for d in (d0, d0 + wd)]
    pts += [(rng.uniform(s0, s0 + ws), rng.uniform(d0, d0 + wd)) for _ in range(12)]
    for s, d in pts:
        g = _g_exact(s, d, slope)
        assert mpmath.mpf(float(lo[0])) <= g <= mpmath.mpf(float(hi[0]))


def test_planes_of_rows_without_deviation_are_exactly_zero():
    """Rows with delta = 0 exactly (no failure upstream) get the planes 0 <= g <= 0 (g is
    0 there); the other rows get the planes they get on their own."""
    slo, shi = np.array([-1.0, 0.5, -3.0]), np.array([2.0, 4.0, -1.0])
    dlo, dhi = np.array([0.0, -0.3, 0.0]), np.array([0.0, 0.2, 0.0])
    got = planes(slo, shi, dlo, dhi, 1.0)
    alone = planes(slo[1:2], shi[1:2], dlo[1:2], dhi[1:2], 1.0)
    for g, a in zip(got, alone, strict=True):
        assert g[0] == g[2] == 0.0 and g[1] == a[0]


@settings(max_examples=120, deadline=None)
@given(bs=st.lists(boxes, min_size=1, max_size=4), si=st.integers(0, 3),
       seed=st.integers(0, 2**32 - 1))
def test_planes_enclose_the_sigmoid_difference(bs, si, seed):
    """a s + b d + cl <= phi(s + d) - phi(s) <= a s + b d + cu on the whole box: at
    random points and the corners in float64, and at a few points in 700-digit mpmath."""
    slope = SLOPES[si]
    slo = np.array([b[0] for b in bs])
    shi = slo + np.array([b[1] for b in bs])
    dlo = np.array([b[2] for b in bs])
    dhi = dlo + np.array([b[3] for b in bs])
    aL, bL, cl, aU, bU, cu = planes(slo, shi, dlo, dhi, slope)
    rng = np.random.default_rng(seed)
    u = rng.random((4000, len(bs)))
    v = rng.random((4000, len(bs)))
    S = np.vstack([slo + u * (shi - slo), slo, shi, slo, shi])
    D = np.vstack([dlo + v * (dhi - dlo), dlo, dlo, dhi, dhi])
    g = _g(S, D, slope)
    for a, b, c, sign in ((aL, bL, cl, -1), (aU, bU, cu, 1)):
        r = g - a * S - b * D
        tol = 1e-12 * (1 + np.abs(a * S) + np.abs(b * D))
        assert np.all(sign * (r - c) <= tol)
        for k in range(3):
            for j in range(len(bs)):
                s, d = S[k, j], D[k, j]
                with mpmath.workdps(700):
                    ex = _g_exact(s, d, slope) \
                        - mpmath.mpf(float(a[j])) * mpmath.mpf(float(s)) \
                        - mpmath.mpf(float(b[j])) * mpmath.mpf(float(d))
                    assert sign * (ex - mpmath.mpf(float(c[j]))) <= 0


def test_planes_without_the_interpolation_error_term_are_not_sound(monkeypatch):
    """Dropping the (h^2 max|f''| / 8) term: the grid values alone miss the extremes
    between grid points on some box, so the enclosure check above can fail."""
    slo, shi = np.array([-6.0, -2.0, 0.5]), np.array([6.0, 3.0, 9.0])
    dlo, dhi = np.array([-4.0, 0.0, -8.0]), np.array([4.0, 5.0, -1.0])
    monkeypatch.setattr(diffcrown, "dd_phi_max", lambda a, b, slope: np.zeros(np.shape(a)))
    aL, bL, cl, aU, bU, cu = planes(slo, shi, dlo, dhi, 1.0, ns=3, nd=2)
    rng = np.random.default_rng(0)
    S = slo + rng.random((20000, 3)) * (shi - slo)
    D = dlo + rng.random((20000, 3)) * (dhi - dlo)
    g = _g(S, D, 1.0)
    assert np.any(g > aU * S + bU * D + cu) or np.any(g < aL * S + bL * D + cl)


def test_planes_on_degenerate_boxes():
    """Zero-width s or d ranges (no failure upstream: d = 0) give valid, exact planes."""
    z = np.zeros(3)
    s = np.array([-2.0, 0.0, 5.0])
    aL, bL, cl, aU, bU, cu = planes(s, s, z, z, 1.0)
    assert np.all(cl <= 0) and np.all(cu >= 0) and np.all(cu - cl < 1e-250)
    aL, bL, cl, aU, bU, cu = planes(s - 1, s + 1, z, z, 1.0)
    assert np.all(np.abs(aL) + np.abs(aU) < 1e-300) and np.all(cu - cl < 1e-250)


def _diff_only(fn, leaf) -> float:
    rs = leaf_ranges(fn, leaf)
    if rs is None:
        return 0.0
    M = len(fn.rows)
    E = np.eye(fn.Ws[fn.L].shape[0])[fn.rows]
    up = diff_crown(fn, rs, np.vstack([E, -E]), fn.L)[0]
    return float(np.maximum(up[:M], up[M:]).max())


@settings(max_examples=150, deadline=None)
@given(net=small_nets, mi=st.integers(0, len(NEURON_MODELS) - 1), data=st.data())
def test_differential_bound_alone_covers_brute_force(net, mi, data):
    """On a random leaf (sub-box, FAILED / OK / MAYBE status) the differential bound by
    itself is >= every error enumerated over the leaf's failure sets and a grid."""
    model = NEURON_MODELS[mi]
    f = tuple(data.draw(st.integers(0, min(n, 2))) for n in net.widths)
    fn = FloatNet.make(net, f, model)
    leaf = random_leaf(net, fn, data)
    if leaf is None:
        return
    X = _grid(net, leaf.lo, leaf.hi, n=7 if net.input_dim == 2 else 25)
    true = brute(net, f, model, X, leaf.status, (leaf.ulo, leaf.uhi) if leaf.ulo else None)
    assert _diff_only(fn, leaf) >= true - 1e-12 * (1 + true)


@pytest.mark.parametrize("model", NEURON_MODELS, ids=str)
def test_differential_bound_converges_on_small_boxes(model):
    """Unlike the coupled bound's |r| <= h |delta|, the planes shrink with the box: on a
    box of width 1e-3 around a point, one failure set (and for Byzantine models a sent-
    value control window of width 1e-3, as the branch and bound splits them), the bound
    is within 1 % of the worst error in the leaf (a 4-6-6-1 net with N(0, 1) weights).
    With the whole control range [-1, 1] a Byzantine leaf keeps a delta range of fixed
    width and stays loose: sent-value splits are what make it converge."""
    net = _issue_net(4, [6, 6], 3)
    fn = FloatNet.make(net, (1, 1), model)
    leaf = root_leaf(fn)
    for s in leaf.status:
        s[:] = OK
        s[2] = FAILED
    leaf.free = [0, 0]
    x = np.array([0.3, 0.8, 0.1, 0.6])
    leaf.lo, leaf.hi = x - 5e-4, x + 5e-4
    loose = _diff_only(fn, leaf)
    for ulo, uhi in zip(leaf.ulo, leaf.uhi, strict=True):
        ulo[:], uhi[:] = 0.6, 0.601
    windows = (leaf.ulo, leaf.uhi) if leaf.ulo else None
    true = brute(net, (1, 1), model, _grid(net, leaf.lo, leaf.hi, n=3), leaf.status,
                 windows)
    ub = _diff_only(fn, leaf)
    assert true <= ub <= 1.01 * true + 1e-9
    if model.free_value:
        assert loose > 1.1 * ub


def test_differential_bound_without_the_maybe_gains_is_not_sound(monkeypatch):
    """Dropping the MAYBE neurons' gains (the failures still to place) puts the bound
    below the enumerated worst case on some of these leaves."""
    caught = []
    for mi, model in enumerate(NEURON_MODELS):
        net = _issue_net(2, [3, 3], mi, scale=2.0)
        fn = FloatNet.make(net, (1, 1), model)
        leaf = root_leaf(fn)
        true = brute(net, (1, 1), model, _grid(net, n=15), leaf.status)
        assert _diff_only(fn, leaf) >= true
        monkeypatch.setattr(diffcrown, "topk_sum", lambda g, k: np.zeros(g.shape[0]))
        caught.append(_diff_only(fn, leaf) < true)
        monkeypatch.undo()
    assert any(caught)


@pytest.mark.parametrize("w", [1e100, 1e160, 1e300])
@pytest.mark.parametrize("model", NEURON_MODELS, ids=str)
def test_overflowing_weights_give_no_nan(w, model):
    """Weights whose squares overflow float64: the differential bound of a row is +inf
    (never NaN, which would compare false and could close a leaf), the leaf bound stays
    finite and covers the enumerated worst case, without warnings."""
    from fepproof.network import network_from_dict

    net = network_from_dict({
        "activation": {"name": "sigmoid", "K": "1/4"},
        "layers": [{"weights": [[w, -w], [1.0, w]], "bias": [0.0, 1.0]},
                   {"weights": [[w, 1.0], [-1.0, 2.0]], "bias": [0.0, 0.0]}],
        "output": {"weights": [1.0, -1.0], "bias": 0.0}})
    fn = FloatNet.make(net, (1, 1), model)
    import warnings

    from fepproof.numeric.leaf import leaf_upper
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = _diff_only(fn, root_leaf(fn))
        ub = float(leaf_upper(fn, root_leaf(fn)).upper.max())
    assert not np.isnan(d)
    assert np.isfinite(ub)
    with np.errstate(all="ignore"):
        assert ub >= brute(net, (1, 1), model, _grid(net, n=9))


def _sampled_error(fn, X, failed, model, rng):
    """|F_S - F| on the rows of X for one failure set, random extreme sent values."""
    y = yf = X
    for m in range(fn.L):
        y = 1 / (1 + np.exp(-fn.slope * (y @ fn.Ws[m].T + fn.bs[m])))
        yf = 1 / (1 + np.exp(-fn.slope * (yf @ fn.Ws[m].T + fn.bs[m])))
        k = failed[m]
        u = rng.choice([-1.0, 1.0], size=(len(X), int(k.sum())))
        C = float(model.C)
        if model.fixed_value is not None:
            v = np.full_like(u, float(model.fixed_value))
        elif model.reading == "deviation":
            v = y[:, k] + C * u * (1 - 1e-9)
        else:
            v = C * u * (1 - 1e-9)
        yf = yf.copy()
        yf[:, k] = v
    return np.abs((yf - y) @ fn.Ws[fn.L][fn.rows[0]])


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.0])
@pytest.mark.parametrize("model", NEURON_MODELS, ids=str)
def test_leaf_bound_covers_sampled_errors_on_mid_size_nets(model, scale):
    """6-10-10-1 nets (too big to enumerate), weights N(0, scale^2): on random leaves
    (box widths 1 / 0.3 / 0.05, each layer's status fixed, partly or wholly free) the leaf
    bound, differential bound included, is >= every sampled error (3000 inputs x 10
    failure sets consistent with the status, extreme sent values)."""
    from fepproof.numeric.leaf import leaf_upper

    for seed in range(2):
        net = _issue_net(6, [10, 10], seed, scale)
        fn = FloatNet.make(net, (1, 1), model)
        rng = np.random.default_rng(seed)
        root = root_leaf(fn)
        for _ in range(6):
            leaf = root.copy()
            w = rng.choice([1.0, 0.3, 0.05])
            leaf.lo = rng.uniform(0, 1 - w, size=6)
            leaf.hi = leaf.lo + w
            for m in range(fn.L):
                j, how = int(rng.integers(10)), int(rng.integers(3))
                if how == 0:
                    leaf.status[m][:] = OK
                    leaf.status[m][j] = FAILED
                    leaf.free[m] = 0
                elif how == 1:
                    leaf.status[m][j] = OK
            leaf.normalise()
            ub = float(leaf_upper(fn, leaf).upper.max())
            X = rng.uniform(leaf.lo, leaf.hi, size=(3000, 6))
            for _ in range(10):
                failed = []
                for m in range(fn.L):
                    fixed = np.flatnonzero(leaf.status[m] == FAILED)
                    j = fixed[0] if len(fixed) else rng.choice(
                        np.flatnonzero(leaf.status[m] == MAYBE))
                    failed.append(np.arange(10) == j)
                assert _sampled_error(fn, X, failed, model, rng).max() <= ub * (1 + 1e-9)


def test_one_status_vocabulary_for_the_engine_and_the_checker():
    """The failure status codes are defined once (the checker's, fepproof.certificate.bound)
    and only imported by the engines' modules (numeric and z3)."""
    import re
    from pathlib import Path

    from fepproof.certificate import bound
    from fepproof.numeric import leaf
    assert (leaf.FAILED, leaf.OK, leaf.MAYBE) == (bound.FAILED, bound.OK, bound.MAYBE)
    assert (diffcrown.FAILED, diffcrown.MAYBE) == (bound.FAILED, bound.MAYBE)
    literal = re.compile(r"^(FAILED|OK|MAYBE)(, *(FAILED|OK|MAYBE))* *= *-?\d", re.M)
    numeric = Path(leaf.__file__).parent
    for path in [*numeric.glob("*.py"), *(numeric.parent / "smt").glob("*.py")]:
        assert not literal.search(path.read_text()), path
