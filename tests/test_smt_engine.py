"""The z3 engine (fepproof.smt.verify_z3) against exhaustive enumeration (Soundness
rules 1, 2 and 4): never `proved` above a sampled error; every `refuted` witness replays."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.bounds import fep
from fepproof.failures import FailureModel
from fepproof.network import Activation, Layer, Network
from fepproof.replay import replay
from fepproof.smt import NAIVE, Options, verify_z3
from fepproof.smt.ibp import fault_bounds, nominal_bounds, status_from_sets
from fepproof.verdict import Status
from fepproof.verify_api import VerifyProblem


def _net(dims, vals, K=Fraction(1, 4)):
    it = iter(vals)
    layers = []
    for a, b in zip(dims, dims[1:]):
        layers.append(Layer(tuple(tuple(next(it) for _ in range(a)) for _ in range(b)),
                            tuple(next(it) for _ in range(b))))
    return Network(tuple(layers[:-1]), layers[-1], Activation("sigmoid", K),
                   tuple((Fraction(0), Fraction(1)) for _ in range(dims[0])))


def _fixed(dims, seed=7):
    rng = np.random.default_rng(seed)
    return _net(dims, [Fraction(int(v), 10) for v in rng.integers(-20, 21, _n_params(dims))])


def _n_params(dims):
    return sum((a + 1) * b for a, b in zip(dims, dims[1:]))


def exhaustive_max(net, failures, n=41):
    """max |F_neu - F_fail| over every crash failure set and an n^d input grid."""
    from fepproof.simulate import neuron_errors
    axes = [np.linspace(float(lo), float(hi), n) for lo, hi in net.input_domain]
    X = np.array(list(itertools.product(*axes)))
    sets = list(itertools.product(*[itertools.combinations(range(N), f)
                                    for N, f in zip(net.widths, failures)]))
    masks = [np.zeros((len(sets), N), dtype=bool) for N in net.widths]
    for s, fs in enumerate(sets):
        for l, idx in enumerate(fs):
            masks[l][s, list(idx)] = True
    return float(neuron_errors(net, X, masks).max())


def _problem(net, f, bound, model=None, timeout=300.0, bracket=False):
    model = model or FailureModel.crash()
    F = fep(net, f, model).value
    return VerifyProblem(net, tuple(f), model, Fraction(bound), F, Fraction(1, 100),
                         timeout, bracket=bracket)


@st.composite
def small_nets(draw):
    dims = draw(st.sampled_from([(2, 3, 3, 1), (2, 2, 2, 1), (2, 2, 1), (1, 2, 1)]))
    net = _fixed(dims, seed=draw(st.integers(0, 10**6)))  # dense random weights in [-2, 2]
    f = tuple(1 - draw(st.integers(0, 1)) if l else 1 for l, _ in enumerate(net.widths))
    return net, f


@settings(max_examples=16)
@given(small_nets(), st.sampled_from([Fraction(102, 100), Fraction(11, 10), Fraction(9, 10),
                                      Fraction(2)]))
def test_never_proved_above_exhaustive_error(case, factor):
    net, f = case
    sampled = exhaustive_max(net, f)
    bound = Fraction(sampled).limit_denominator(10**6) * factor
    res = verify_z3(_problem(net, f, bound, timeout=15))
    if res.verdict is Status.PROVED:
        assert sampled <= float(bound) + 1e-12
        assert res.upper is not None and res.upper <= bound
    if res.verdict is Status.REFUTED:
        r = replay(net, res.witness, FailureModel.crash())
        assert r.valid and r.error > float(bound)
    if res.witness is not None:  # the lower end of the bracket is a replayed error
        assert float(replay(net, res.witness, FailureModel.crash()).error) >= float(res.lower)
    if factor < 1 and sampled > 0:
        assert res.verdict is not Status.PROVED


def test_claim_below_worst_case_is_refuted():
    net = _fixed((2, 3, 3, 1))
    worst = exhaustive_max(net, (1, 1))
    res = verify_z3(_problem(net, (1, 1), Fraction(worst * 0.9).limit_denominator(1000)))
    assert res.verdict is Status.REFUTED
    r = replay(net, res.witness, FailureModel.crash())
    assert r.valid and r.error > worst * 0.9
    assert res.witness_error is not None and float(res.witness_error) <= float(r.error) + 1e-15


def test_bracket_contains_the_sampled_worst_case():
    net = _fixed((2, 3, 3, 1))
    worst = exhaustive_max(net, (1, 1))
    res = verify_z3(_problem(net, (1, 1), fep(net, (1, 1)).value, timeout=300, bracket=True))
    assert res.verdict is Status.PROVED
    assert worst <= float(res.upper) + 1e-9
    if not res.reason:
        assert res.upper - res.lower <= res.upper / 100


def test_byzantine_value_reading_refutes_fep_with_saturated_neuron():
    # one hidden neuron with bias 20: y ~ 1; |sent| <= C = 1 lets it deviate by ~2 > C
    net = _net((1, 1, 1), [Fraction(0), Fraction(20), Fraction(1), Fraction(0)])
    model = FailureModel.byzantine(1, "value")
    F = fep(net, (1,), model).value
    assert F == 1
    res = verify_z3(VerifyProblem(net, (1,), model, F, F, timeout=300))  # a safety net
    assert res.verdict is Status.REFUTED
    r = replay(net, res.witness, model)
    assert r.valid and r.error > 1.9
    dev = verify_z3(VerifyProblem(net, (1,), FailureModel.byzantine(1), F, F, timeout=300))
    assert dev.verdict is Status.PROVED


def test_boolean_selectors_and_enumeration_agree():
    net = _fixed((2, 2, 2, 1), seed=3)
    bound = Fraction(exhaustive_max(net, (1, 1))).limit_denominator(10**6) * Fraction(11, 10)
    a = verify_z3(_problem(net, (1, 1), bound), options=Options(selectors="enumerate"))
    b = verify_z3(_problem(net, (1, 1), bound), options=Options(selectors="boolean"))
    assert a.verdict is Status.PROVED and b.verdict is Status.PROVED


def test_naive_encoding_is_sound_on_a_tiny_net():
    net = _net((1, 2, 1), [Fraction(v, 10) for v in [10, -20, 5, 7, 3, -1, 2]])
    worst = exhaustive_max(net, (1,))
    res = verify_z3(_problem(net, (1,), Fraction(worst * 1.2).limit_denominator(1000)),
                    options=NAIVE)
    assert res.verdict is Status.PROVED


def test_timeout_is_unknown_never_proved():
    net = _fixed((2, 3, 3, 1))
    worst = exhaustive_max(net, (1, 1))
    # a bound just above the worst case cannot be decided in 10 ms
    res = verify_z3(_problem(net, (1, 1), Fraction(worst * 1.0001).limit_denominator(10**6),
                             timeout=0.01))
    assert res.verdict is not Status.PROVED or res.upper <= Fraction(worst * 1.0001)
    assert res.verdict in (Status.UNKNOWN, Status.PROVED)


def test_ibp_bound_is_sound():
    net = _fixed((2, 3, 3, 1))
    nom = nominal_bounds(net)
    worst = 0.0
    for fs in itertools.product(itertools.combinations(range(3), 1), repeat=2):
        fb = fault_bounds(net, nom, status_from_sets(net.widths, fs), FailureModel.crash(),
                          net.output.weights[0])
        worst = max(worst, float(fb.bound))
    assert worst >= exhaustive_max(net, (1, 1))


def test_synapse_model_is_unknown():
    net = _net((1, 1, 1), [Fraction(1), Fraction(0), Fraction(1), Fraction(0)])
    model = FailureModel.synapse(1)
    res = verify_z3(VerifyProblem(net, (1, 0), model, Fraction(1), Fraction(1)))
    assert res.verdict is Status.UNKNOWN and "synapse" in res.reason


@pytest.mark.parametrize("output", [None, 0, 1])
def test_several_outputs(output):
    hidden = Layer(((Fraction(2),), (Fraction(-3),)), (Fraction(0), Fraction(1)))
    out = Layer(((Fraction(1), Fraction(1)), (Fraction(3), Fraction(-1))), (Fraction(0),) * 2)
    net = Network((hidden,), out, Activation(), ((Fraction(0), Fraction(1)),))
    F = fep(net, (1,), output=output).value
    res = verify_z3(VerifyProblem(net, (1,), FailureModel.crash(), F, F, timeout=300,
                                  output=output))
    assert res.verdict is Status.PROVED
    r = replay(net, res.witness, FailureModel.crash(), output=output)
    assert abs(float(r.error) - float(res.lower)) < 1e-9


def test_counterexamples_from_z3_models_replay():
    """Without sampling, the lower bound comes from z3 models (replayed, refined)."""
    net = _fixed((2, 3, 3, 1))
    worst = exhaustive_max(net, (1, 1))
    opts = Options(sample=False)
    res = verify_z3(_problem(net, (1, 1), Fraction(worst * 0.95).limit_denominator(1000)),
                    options=opts)
    assert res.verdict is Status.REFUTED and res.stats["sat"] >= 1
    assert replay(net, res.witness, FailureModel.crash()).error > worst * 0.95
    full = verify_z3(_problem(net, (1, 1), fep(net, (1, 1)).value, timeout=300, bracket=True),
                     options=opts)
    assert full.verdict is Status.PROVED and full.stats["sat"] >= 1
    assert worst <= float(full.upper) + 1e-9  # (the grid may miss the true max: no lower check)


@pytest.mark.parametrize("reading", ["deviation", "value"])
def test_sent_windows_restrict_a_byzantine_neuron(reading):
    """A leaf's control window bounds what a Byzantine neuron sends (C u from its nominal
    value y = sigma(x) in [1/2, 0.731], or C u itself): on 1-1-1 with output weight 1 the
    error exceeds 1/2 with the whole capacity (C = 1), not within u in [0, 1/4]
    (deviation: error <= 1/4) or u in [1/2, 1] (value: |u - y| <= 1/2), and again with
    u in [3/4, 1] in the deviation reading."""
    from fepproof.smt.answer import Answer
    from fepproof.smt.encode import Encoding, default_breakpoints
    net = Network((Layer(((Fraction(1),),), (Fraction(0),)),),
                  Layer(((Fraction(1),),), (Fraction(0),)), Activation("sigmoid", Fraction(1)),
                  ((Fraction(0), Fraction(1)),))
    model = FailureModel.byzantine(1, reading)
    box = net.input_domain
    st_ = status_from_sets(net.widths, ((0,),))
    nom = nominal_bounds(net, box)
    row = net.output.weights[0]
    fb = fault_bounds(net, nom, st_, model, row, box)
    brk = {(c, 0, 0): list(default_breakpoints(Fraction(1))) for c in ("n", "f")}

    def answer(win):
        enc = Encoding(net, model, row, st_, (1,), nom, fb, brk, box=box,
                       sent_windows=win)
        return enc.query(Fraction(1, 2), 5000)[0]
    assert answer(None) is Answer.SAT
    win = (Fraction(0), Fraction(1, 4)) if reading == "deviation" else (Fraction(1, 2), 1)
    assert answer({(0, 0): win}) is Answer.UNSAT
    if reading == "deviation":
        assert answer({(0, 0): (Fraction(3, 4), Fraction(1))}) is Answer.SAT


def test_query_limit_stops_the_run_soundly():
    """``max_queries`` is a work budget: the run stops after that many z3 queries with a
    bracket that still contains the worst case, the same every time."""
    net = _fixed((2, 3, 3, 1))
    worst = exhaustive_max(net, (1, 1))
    opts = Options(max_queries=2, query_cap=None)
    runs = [verify_z3(_problem(net, (1, 1), fep(net, (1, 1)).value, timeout=600,
                               bracket=True), options=opts) for _ in range(2)]
    for res in runs:
        assert res.stats["queries"] == 2 and "query limit" in res.reason
        assert worst <= float(res.upper) + 1e-9 and res.lower <= res.upper
        assert res.verdict is Status.PROVED  # the claim is Fep: the bounds prove it
    assert (runs[0].lower, runs[0].upper, runs[0].reason) == \
        (runs[1].lower, runs[1].upper, runs[1].reason)
