"""Numeric engine (v1): soundness of the certified upper bound, replayed witnesses,
verdicts and the engine choice."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.bounds import fep, synapse_bound
from fepproof.experiments.networks import gaussian_network
from fepproof.failures import FailureModel
from fepproof.network import Network, network_from_dict
from fepproof.numeric import FloatNet, box_upper, certified_upper, choose_engine, verify_numeric
from fepproof.numeric.engine import NumericWork
from fepproof.numeric.samples import random_network
from fepproof.numeric.search import count_scenarios, search
from fepproof.replay import replay
from fepproof.simulate import forward, neuron_errors, sample_inputs, synapse_errors
from fepproof.verdict import Status
from fepproof.verify_api import VerifyProblem

# Wall-clock limits are only a safety net: every run below is stopped by a work budget
# (scenario evaluations, boxes), so its outcome does not depend on the machine's load.
SAFETY = 600.0

rationals = st.builds(Fraction, st.integers(-30, 30), st.sampled_from([4, 5, 10]))


@st.composite
def small_nets(draw, max_depth: int = 3, max_width: int = 3, max_d: int = 2) -> Network:
    d = draw(st.integers(1, max_d))
    widths = [draw(st.integers(1, max_width)) for _ in range(draw(st.integers(1, max_depth)))]
    layers, n = [], d
    for w in widths:
        layers.append({"weights": [[draw(rationals) for _ in range(n)] for _ in range(w)],
                       "bias": [draw(rationals) for _ in range(w)]})
        n = w
    n_out = draw(st.integers(1, 2))
    return network_from_dict({
        "activation": {"name": "sigmoid", "K": draw(st.sampled_from(["1/4", "1", "3/2"]))},
        "layers": layers,
        "output": {"weights": [[draw(rationals) for _ in range(n)] for _ in range(n_out)],
                   "bias": [0] * n_out},
    })


models = st.sampled_from([FailureModel.crash(), FailureModel.byzantine("1/2"),
                          FailureModel.byzantine("2", "value"),
                          FailureModel.byzantine("1/3", "value")])


def _all_masks(widths, failures):
    per = [list(itertools.combinations(range(n), f)) for n, f in zip(widths, failures,
                                                                      strict=True)]
    sets = list(itertools.product(*per))
    masks = []
    for l, n in enumerate(widths):
        m = np.zeros((len(sets), n), dtype=bool)
        for s, choice in enumerate(sets):
            m[s, list(choice[l])] = True
        masks.append(m)
    return masks


def _sampled_worst(net: Network, failures, model: FailureModel, rng) -> float:
    """Max error over dense inputs, every failure set and extreme/random sent values."""
    X = sample_inputs(net, 150, rng)
    masks = _all_masks(net.widths, failures)
    if model.kind == "crash":
        return float(neuron_errors(net, X, masks).max())
    acts, _ = forward(net, X)
    C = float(model.C)
    best = 0.0
    for trial in range(6):
        sent = []
        for a, m in zip(acts, masks, strict=True):
            S, n = m.shape[0], a.shape[1]
            sign = rng.choice([-1.0, 1.0], size=(S, 1, n)) if trial < 5 else \
                rng.uniform(-1, 1, size=(S, 1, n))
            if model.reading == "deviation":
                sent.append(a[None] + sign * C)
            else:
                sent.append(np.broadcast_to(sign * C, (S, X.shape[0], n)))
        best = max(best, float(neuron_errors(net, X, masks, sent).max()))
    return best


def _root_upper(net, failures, model, output=None) -> float:
    fn = FloatNet.make(net, failures, model, output)
    return float(box_upper(fn, fn.dom[:, 0], fn.dom[:, 1]).max())


@given(data=st.data())
def test_upper_bound_dominates_sampled_errors_neurons(data):
    net = data.draw(small_nets())
    model = data.draw(models)
    failures = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    rng = np.random.default_rng(0)
    upper = _root_upper(net, failures, model)
    worst = _sampled_worst(net, failures, model, rng)
    assert upper >= worst - 1e-12
    # branch and bound over the input box: still above every sampled error
    split = certified_upper(FloatNet.make(net, failures, model), time_budget=SAFETY,
                            max_boxes=16).upper
    assert worst - 1e-12 <= split <= upper


@given(data=st.data())
def test_upper_bound_dominates_sampled_errors_synapses(data):
    net = data.draw(small_nets(max_depth=2, max_width=2))
    model = data.draw(st.sampled_from([FailureModel.synapse("1/2"),
                                       FailureModel.synapse("1", "value")]))
    fan_in = [net.input_dim] + list(net.widths)
    sizes = [n * m for n, m in zip([*net.widths, net.n_outputs], fan_in, strict=True)]
    failures = tuple(data.draw(st.integers(0, min(s, 2))) for s in sizes)
    upper = _root_upper(net, failures, model)
    rng = np.random.default_rng(1)
    X = sample_inputs(net, 100, rng)
    shapes = [(n, m) for n, m in zip([*net.widths, net.n_outputs], fan_in, strict=True)]
    C = float(model.C)
    worst = 0.0
    for _ in range(40):
        masks, deltas = [], []
        for (n, m), f in zip(shapes, failures, strict=True):
            mask = np.zeros((1, n, m), dtype=bool)
            mask.reshape(1, -1)[0, rng.choice(n * m, size=f, replace=False)] = True
            masks.append(mask)
            sign = rng.choice([-1.0, 1.0], size=(1, 1, n, m))
            deltas.append(sign * C)
        if model.reading == "value":
            # deliver +-C instead of w * y: only checkable on layer-1 synapses (y = x)
            if any(m.any() for m in masks[1:]):
                continue
            W = net.float_layers[0][0]
            deltas[0] = deltas[0] - W[None, None] * X[None, :, None, :]
        worst = max(worst, float(synapse_errors(net, X, masks, deltas).max()))
    assert upper >= worst - 1e-12


@given(data=st.data())
def test_witness_replays_and_search_below_upper(data):
    net = data.draw(small_nets(max_depth=2))
    model = data.draw(models)
    failures = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    fn = FloatNet.make(net, failures, model)
    found = search(fn, time_budget=SAFETY, max_evals=30)
    upper = float(box_upper(fn, fn.dom[:, 0], fn.dom[:, 1]).max())
    assert found.value <= upper + 1e-9
    if found.value > 0:
        from fepproof.numeric import build_witness
        w = build_witness(net, fn, model, found, None)
        rep = replay(net, w, model)
        assert rep.valid, rep.problems
        assert abs(float(rep.error) - found.value) <= 1e-9 * max(1.0, found.value)


def _problem(net, failures, model, bound, timeout=SAFETY, output=None, bracket=True):
    fe = fep(net, failures, model).value if model.kind != "synapse" else \
        synapse_bound(net, failures, model).value
    return VerifyProblem(net, tuple(failures), model, Fraction(bound), fe, timeout=timeout,
                         output=output, bracket=bracket)


def _verify(problem: VerifyProblem, progress=None, evals: int = 100, boxes: int = 200):
    """The numeric engine stopped by work (scenario evaluations, boxes), not by time."""
    return verify_numeric(problem, progress, NumericWork(search_evals=evals,
                                                         upper_boxes=boxes))


@pytest.fixture(scope="module")
def mid_net() -> Network:
    return random_network(6, [16, 16], n_out=2, seed=3)


def test_verdicts_follow_the_bracket(mid_net):
    model = FailureModel.crash()
    res = _verify(_problem(mid_net, (1, 1), model, 1))
    assert res.engine == "numeric"
    assert res.upper <= fep(mid_net, (1, 1), model).sound
    assert res.lower is not None and res.upper is not None
    assert 0 < res.lower <= res.upper < res.problem.fep
    assert res.witness is not None
    rep = replay(mid_net, res.witness, model)
    assert rep.valid and rep.error_fraction_lower() >= res.lower
    hi = _verify(_problem(mid_net, (1, 1), model, res.upper * 2, bracket=False))
    assert hi.verdict == Status.PROVED and hi.upper <= hi.problem.bound
    lo = _verify(_problem(mid_net, (1, 1), model, res.lower / 2))
    assert lo.verdict == Status.REFUTED and lo.witness_error > lo.problem.bound
    if res.lower < res.upper:
        mid = (res.lower + res.upper) / 2
        m = _verify(_problem(mid_net, (1, 1), model, mid), evals=50, boxes=50)
        assert m.verdict in (Status.UNKNOWN, Status.PROVED, Status.REFUTED)
        if m.verdict == Status.PROVED:
            assert m.upper <= mid
        if m.verdict == Status.REFUTED:
            assert m.witness_error > mid
    data = res.to_json()
    assert data["engine"] == "numeric" and data["worst_case"]["upper"] == float(res.upper)


def test_single_output_and_byzantine_readings(mid_net):
    for model in (FailureModel.byzantine("1/2"), FailureModel.byzantine("1/2", "value")):
        both = _verify(_problem(mid_net, (1, 0), model, 10))
        one = _verify(_problem(mid_net, (1, 0), model, 10, output=1))
        assert one.stats["root_upper"] <= both.stats["root_upper"]
        assert one.lower <= both.upper
        assert one.witness is not None and one.witness.output == 1
        rep = replay(mid_net, one.witness, model, output=1)
        assert rep.valid and rep.error_fraction_lower() >= one.lower
    # the value reading allows deviations up to C + 1: its worst case is larger
    dev = _verify(_problem(mid_net, (1, 0), FailureModel.byzantine("1/2"), 10))
    val = _verify(_problem(mid_net, (1, 0), FailureModel.byzantine("1/2", "value"), 10))
    assert val.lower > 0 and val.upper > dev.upper


def test_synapse_engine_witness_replays(mid_net):
    for model in (FailureModel.synapse("1/2"), FailureModel.synapse("1/2", "value")):
        res = _verify(_problem(mid_net, (1, 1, 1), model, 100))
        assert res.verdict == Status.PROVED
        assert res.witness is not None and res.witness.synapses
        rep = replay(mid_net, res.witness, model)
        assert rep.valid, rep.problems
        assert res.upper <= synapse_bound(mid_net, (1, 1, 1), model).value


def test_no_failures_is_proved_with_zero_bound(mid_net):
    res = _verify(_problem(mid_net, (0, 0), FailureModel.crash(), "1/1000000"))
    assert res.verdict == Status.PROVED and res.upper < Fraction(1, 10**6)


def test_progress_lines(mid_net):
    lines: list[str] = []
    _verify(_problem(mid_net, (1, 1), FailureModel.crash(), 1), lines.append, 50, 50)
    assert any("lower bound" in s for s in lines)


def test_choose_engine_rule():
    tiny = random_network(2, [3, 2], seed=0)
    crash = FailureModel.crash()
    assert choose_engine(_problem(tiny, (1, 1), crash, 1)) == "z3"
    wide = random_network(16, [64, 64], seed=0)
    assert choose_engine(_problem(wide, (2, 2), crash, 1)) == "numeric"
    # many failure sets on a small network also go to the numeric engine
    eight = random_network(3, [6, 6], seed=0)
    assert count_scenarios(FloatNet.make(eight, (3, 3), crash)) == 400
    assert choose_engine(_problem(eight, (3, 3), crash, 1)) == "numeric"
    assert choose_engine(_problem(tiny, (1, 0, 0), FailureModel.synapse("1/2"), 1)) == "numeric"


def test_upper_at_least_z3_worst_case():
    smt = pytest.importorskip("fepproof.smt")
    net = random_network(2, [3, 2], seed=5)
    for model, f in ((FailureModel.crash(), (1, 1)),
                     (FailureModel.byzantine("1/2", "value"), (1, 0))):
        z = smt.verify_z3(_problem(net, f, model, "1/1000", bracket=False))
        numeric_upper = Fraction(_root_upper(net, f, model))
        assert z.lower is not None
        assert numeric_upper >= z.lower


@pytest.mark.parametrize("seed,gain", [(0, 1.0), (1, 3.0), (2, 6.0)])
@pytest.mark.parametrize("model", [FailureModel.crash(), FailureModel.byzantine("1/2"),
                                   FailureModel.byzantine("1/2", "value")],
                         ids=["crash", "byz-dev", "byz-val"])
def test_upper_sound_on_wider_networks(seed, gain, model):
    """Width 8: the coupled (one failure set for all neurons) bound is decisive here."""
    net = random_network(3, [8, 8], n_out=2, seed=seed, gain=gain)
    failures = (1, 2)
    fn = FloatNet.make(net, failures, model)
    upper = float(box_upper(fn, fn.dom[:, 0], fn.dom[:, 1]).max())
    worst = _sampled_worst(net, failures, model, np.random.default_rng(seed))
    assert worst <= upper
    found = search(fn, time_budget=SAFETY, max_evals=200)
    assert found.value <= upper


@given(data=st.data())
def test_run_many_matches_run_scenario_by_scenario(data):
    """The batched scenario evaluation (the exhaustive sweep) gives each scenario's own
    objective and input gradient, for every neuron failure model."""
    from fepproof.numeric.scenario import Scenario, run, run_many
    net = data.draw(small_nets(max_depth=3, max_width=3, max_d=2))
    model = data.draw(st.sampled_from([FailureModel.crash(), FailureModel.byzantine("1/2"),
                                       FailureModel.byzantine("2", "value"),
                                       FailureModel.stuck_at("1/3")]))
    failures = tuple(data.draw(st.integers(0, n)) for n in net.widths)
    fn = FloatNet.make(net, failures, model)
    rng = np.random.default_rng(data.draw(st.integers(0, 99)))
    scs = []
    for _ in range(data.draw(st.integers(1, 4))):
        sets = [sorted(rng.choice(n, size=f, replace=False).tolist())
                for n, f in zip(net.widths, failures, strict=True)]
        signs = [rng.choice([-1.0, 1.0], size=len(s)).tolist() if model.free_value
                 else [0.0] * len(s) for s in sets]
        scs.append(Scenario(sets, signs))
    X = fn.dom[:, 0] + rng.random((3, net.input_dim)) * (fn.dom[:, 1] - fn.dom[:, 0])
    c = rng.standard_normal(fn.Ws[-1].shape[0])
    many = run_many(fn, scs, np.tile(X, (len(scs), 1)), c)
    for i, sc in enumerate(scs):
        one = run(fn, sc, X, c)
        rows = slice(3 * i, 3 * i + 3)
        np.testing.assert_allclose(many.J[rows], one.J, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(many.grad[rows], one.grad, rtol=1e-12, atol=1e-15)


def test_exhaustive_search_sweeps_every_failure_set():
    """16-32-32-1, two crashes in the first layer (bench_converge's row, seed 2): the best of
    the 496 sets on random starts is (14, 22) at 2.718, while a short ascent on every set
    finds (14, 31) at 2.9027 (256 starts x 300 steps on every set: 2.90283)."""
    net = gaussian_network(2, 16, (32, 32))  # benchmarks/bench_converge.py's row
    found = search(FloatNet.make(net, (2, 0), FailureModel.crash()), time_budget=SAFETY,
                   max_evals=10_000)  # the exhaustive search stops by itself (~2200)
    assert found.exhaustive and found.evaluated < 10_000
    assert found.scenario.sets == [[14, 31], []]
    assert found.value >= 2.9


def test_search_work_budget_makes_runs_repeatable():
    """With ``max_evals`` the search stops after that many scenario evaluations (at most
    one batch more), whatever the time budget: two runs give the same scenario."""
    from fepproof.numeric.search import SWEEP_CHUNK
    net = gaussian_network(1, 6, (16, 16))  # 120 x 120 failure sets: not exhaustive
    fn = FloatNet.make(net, (2, 2), FailureModel.crash())
    runs = [search(fn, time_budget=SAFETY, max_evals=120) for _ in range(2)]
    for r in runs:
        assert not r.exhaustive and 120 <= r.evaluated <= 120 + SWEEP_CHUNK
    a, b = runs
    assert (a.value, a.scenario.sets, a.evaluated) == (b.value, b.scenario.sets, b.evaluated)
    assert np.array_equal(a.x, b.x)
    assert search(fn, time_budget=SAFETY, max_evals=40).evaluated < a.evaluated


@settings(max_examples=100, deadline=None)
@given(st.floats(-6, 6), st.floats(0, 6), st.floats(-4, 4), st.floats(0, 3))
def test_sigmoid_difference_range_contains_the_interior_extremes(slo, sw, dlo, dw):
    """phi(s + d) - phi(s) peaks (d > 0) or dips (d < 0) at s = -d/2: the range must
    contain those values, not only the ends' (checked at 40 digits, in the cancellation-
    free form sinh(d/2) / (2 cosh((s + d)/2) cosh(s/2)): the plain difference loses every
    digit for d ~ 1e-62, where the range, relatively accurate, is still checked)."""
    import mpmath

    from fepproof.numeric.relax import diff_range
    shi, dhi = slo + sw, dlo + dw
    lo, hi = diff_range(np.array([slo]), np.array([shi]), np.array([dlo]), np.array([dhi]), 1.0)
    with mpmath.workdps(40):
        def g(s, d):
            s = mpmath.mpf(s)
            return mpmath.sinh(d / 2) / (2 * mpmath.cosh((s + d) / 2) * mpmath.cosh(s / 2))
        for d in (dlo, dhi, 0.5 * (dlo + dhi)):
            for s in (slo, shi, min(max(-d / 2, slo), shi)):
                v = g(s, mpmath.mpf(d))
                assert lo[0] <= v <= hi[0]
