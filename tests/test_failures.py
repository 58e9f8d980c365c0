"""FailureModel: enums, constructors, sent values, deviation intervals, validate()."""

from fractions import Fraction as F

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fepproof.failures import (
    CapacityReading,
    FailureError,
    FailureKind,
    FailureModel,
    WitnessError,
)
from fepproof.network import network_from_dict
from fepproof.verdict import Witness

NET = network_from_dict({
    "format": "fepproof-network/1", "name": "t", "activation": {"name": "sigmoid", "K": "1/4"},
    "input_domain": [[-1, 2]],
    "layers": [{"weights": [["1"], ["-2"]], "bias": ["0", "0"]},
               {"weights": [["1", "1"], ["1", "-1"], ["0", "1"]], "bias": ["0", "0", "0"]}],
    "output": {"weights": [["2", "1", "-1"]], "bias": ["0"]}})

MODELS = [FailureModel.crash(), FailureModel.byzantine(2), FailureModel.byzantine("1/2", "value"),
          FailureModel.stuck_at(1), FailureModel.stuck_at("1/4"), FailureModel.stuck_at(0)]


def test_enums_and_old_spellings() -> None:
    m = FailureModel("byzantine", F(1), "value")
    assert m.kind is FailureKind.BYZANTINE and m.reading is CapacityReading.VALUE
    assert m.kind == "byzantine" and m.reading == "value"  # StrEnum: older callers work
    assert FailureModel("stuck_at").kind is FailureKind.STUCK_AT
    assert FailureModel.stuck_at().stuck_value == 1  # default: stuck at 1
    assert FailureModel.from_json(FailureModel.stuck_at("1/3").to_json()) \
        == FailureModel.stuck_at("1/3")
    for m in MODELS + [FailureModel.synapse(3, "value")]:
        assert FailureModel.from_json(m.to_json()) == m


@pytest.mark.parametrize(("make", "field"), [
    (lambda: FailureModel("byzantine"), "capacity"),
    (lambda: FailureModel.byzantine(0), "capacity"),
    (lambda: FailureModel.byzantine("x"), "capacity"),
    (lambda: FailureModel("crash", F(2)), "capacity"),
    (lambda: FailureModel.stuck_at(2), "stuck_value"),
    (lambda: FailureModel.stuck_at(-1 - F(1, 10**9)), "stuck_value"),
    (lambda: FailureModel("byzantine", F(1), stuck_value=F(1)), "stuck_value"),
    (lambda: FailureModel("gremlin"), "kind"),
    (lambda: FailureModel("byzantine", F(1), "both"), "reading"),
])
def test_library_errors_name_the_parameter(make, field) -> None:
    with pytest.raises(FailureError) as info:
        make()
    assert info.value.field == field and str(info.value).startswith(field + ":")


def test_sound_deviation_per_model() -> None:
    # the erratum lives here once: value reading deviates by C + sup phi
    assert FailureModel.crash().neuron_deviation(NET) == 1
    assert FailureModel.byzantine(2).neuron_deviation(NET) == 2
    assert FailureModel.byzantine(2, "value").neuron_deviation(NET) == 3
    assert FailureModel.stuck_at(1).neuron_deviation(NET) == 1
    assert FailureModel.stuck_at("1/4").neuron_deviation(NET) == F(3, 4)
    assert FailureModel.stuck_at("1/2").neuron_deviation(NET) == F(1, 2)
    assert FailureModel.stuck_at("1/4").C == F(3, 4)
    with pytest.raises(FailureError):
        FailureModel.synapse(1).neuron_deviation(NET)
    assert FailureModel.synapse(1, "value").synapse_deviation(F(3)) == 4
    assert FailureModel.synapse(1).synapse_deviation(F(3)) == 1


@given(st.sampled_from(MODELS), st.fractions(0, 1), st.fractions(0, 1), st.floats(-1, 1))
def test_sent_values_lie_in_the_intervals(model, a, b, u) -> None:
    lo, hi = min(a, b), max(a, b)
    slo, shi = model.sent_interval(lo, hi)
    dlo, dhi = model.deviation_interval(lo, hi)
    flo, fhi = model.deviation_interval_f(float(lo), float(hi))
    assert flo <= dlo and fhi >= dhi  # float version rounded outward
    D = model.neuron_deviation(NET)
    assert -D <= dlo and dhi <= D  # the sound deviation covers every nominal range
    for y in (lo, hi, (lo + hi) / 2):
        sent = float(model.sends_f(float(y), u))
        assert float(slo) - 1e-12 <= sent <= float(shi) + 1e-12
        assert float(dlo) - 1e-12 <= sent - float(y) <= float(dhi) + 1e-12
        with mpmath.workdps(40):
            q = F(sent)
            ok = model.sent_problem(mpmath.mpf(q.numerator) / q.denominator,
                                    mpmath.mpf(y.numerator) / y.denominator) is None
        assert ok or abs(u) > 1 - 1e-12  # rounding at the very edge of the capacity
        p = model.param_of(sent, float(y))
        assert p is None or abs(p - u) < 1e-9
    if model.fixed_value is not None:
        assert slo == shi == model.fixed_value and dlo == slo - hi and dhi == slo - lo


def test_sends_f_vectorised() -> None:
    y = np.array([0.1, 0.9])
    assert np.all(FailureModel.crash().sends_f(y, 0.0) == 0)
    assert np.all(FailureModel.stuck_at("1/4").sends_f(y, 0.0) == 0.25)
    assert np.allclose(FailureModel.byzantine(1).sends_f(y, np.array([1, -1])), [1.1, -0.1])
    assert np.allclose(FailureModel.byzantine(1, "value").sends_f(y, np.array([1, -1])), [1, -1])


def _w(**kw):
    base = {"x": [0], "failed": [[0], [1]]}
    base.update(kw)
    x, failed = base.pop("x"), base.pop("failed")
    values = base.pop("values", None)
    return Witness.make(x, failed, values, **base)


@pytest.mark.parametrize(("model", "witness", "claim", "field"), [
    (FailureModel.crash(), _w(failed=[[2], []]), None, "witness.failed[0]"),
    (FailureModel.crash(), _w(failed=[[0, 0], []]), None, "witness.failed[0]"),
    (FailureModel.crash(), _w(failed=[[0]]), None, "witness.failed"),
    (FailureModel.crash(), _w(x=[0, 1]), None, "witness.input"),
    (FailureModel.crash(), _w(values=[[F(1, 2)], [0]]), None, "witness.values[0][0]"),
    (FailureModel.crash(), _w(), [1, 0], "witness.failed"),
    (FailureModel.crash(), _w(), [1, 1, 0], "failures"),
    (FailureModel.byzantine(1), _w(), None, "witness.values"),
    (FailureModel.byzantine(1), _w(values=[[0]]), None, "witness.values"),
    (FailureModel.byzantine(1), _w(values=[[0], []]), None, "witness.values[1]"),
    (FailureModel.byzantine(1), _w(values=[[0], [3]]), None, "witness.values[1][0]"),
    (FailureModel.byzantine(1, "value"), _w(values=[[0], [F(-3, 2)]]), None,
     "witness.values[1][0]"),
    (FailureModel.stuck_at(1), _w(values=[[1], [0]]), None, "witness.values[1][0]"),
    (FailureModel.crash(), _w(failed=[], synapses=[[1, 0, 0]], synapse_deltas=[1]), None,
     "witness.synapses"),
    (FailureModel.synapse(1), _w(), None, "witness.failed"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[4, 0, 0]], synapse_deltas=[1]), None,
     "witness.synapses[0]"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[3, 1, 0]], synapse_deltas=[1]), None,
     "witness.synapses[0]"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[2, 0, 2]], synapse_deltas=[1]), None,
     "witness.synapses[0]"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[1, 0, 0], [1, 0, 0]],
                                 synapse_deltas=[1, 1]), None, "witness.synapses[1]"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[1, 0, 0], [1, 1, 0]],
                                 synapse_deltas=[1]), None, "witness.synapse_deltas"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[1, 0, 0]], synapse_deltas=[2]), None,
     "witness.synapse_deltas[0]"),
    (FailureModel.synapse(1), _w(failed=[], synapses=[[1, 0, 0]], synapse_deltas=[1]),
     [0, 1, 0], "witness.synapses"),
])
def test_validate_names_the_field(model, witness, claim, field) -> None:
    with pytest.raises(WitnessError) as info:
        model.validate(witness, NET, claim)
    assert str(info.value).startswith(field + ":"), str(info.value)


def test_validate_accepts_fitting_witnesses() -> None:
    FailureModel.crash().validate(_w(), NET, [1, 1])
    FailureModel.crash().validate(_w(values=[[0], [0]]), NET, [1, 1])
    FailureModel.stuck_at("1/3").validate(_w(), NET, [1, 1])  # values default to v
    FailureModel.byzantine(1).validate(_w(values=[[F(3, 2)], [-1]]), NET, [1, 1])
    FailureModel.synapse(1, "value").validate(
        _w(failed=[], synapses=[[1, 0, 0], [3, 0, 2]], synapse_deltas=[2, -2]), NET, [1, 0, 1])


@pytest.mark.parametrize(("kw", "field"), [
    ({"x": "abc"}, "witness.input"),
    ({"failed": [["a"]]}, "witness.failed[0]"),
    ({"failed": [[1.5]]}, "witness.failed[0]"),
    ({"failed": [[-1]]}, "witness.failed[0]"),
    ({"failed": 3}, "witness.failed"),
    ({"values": [[float("nan")]], "failed": [[0]]}, "witness.values[0][0]"),
    ({"values": [["inf"]], "failed": [[0]]}, "witness.values[0][0]"),
    ({"synapses": [[1, 0]], "synapse_deltas": [{}]}, "witness.synapse_deltas[0]"),
    ({"output": "0"}, "witness.output"),
])
def test_witness_parsing_names_the_field(kw, field) -> None:
    with pytest.raises(ValueError) as info:
        _w(**kw)
    assert str(info.value).startswith(field + ":"), str(info.value)
