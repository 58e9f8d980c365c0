"""The replay the refuting obligations rest on (``witness_exceeds`` in fepproof prove): the
error is the largest over the outputs, and the rational compared with a bound lies below
the replayed error (above it for the upper one)."""


import mpmath

from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.replay import replay
from fepproof.verdict import Witness

NET = network_from_dict({"activation": {"name": "sigmoid", "K": "1"},
                         "layers": [{"weights": [["3"], ["-2"]], "bias": ["0", "1/3"]}],
                         "output": {"weights": [["1", "1/5"], ["-1/7", "2"]]}})


def test_error_is_the_largest_over_the_outputs():
    w = Witness.make([1], [[0, 1]])
    both = replay(NET, w, FailureModel.crash())
    each = [replay(NET, w, FailureModel.crash(), output=k).error for k in (0, 1)]
    assert each[0] != each[1]
    assert both.error == max(each)


def test_rational_bounds_bracket_the_replayed_error():
    for x in ("0", "1/2", "1"):
        r = replay(NET, Witness.make([x], [[1]]), FailureModel.crash())
        lo, hi = r.error_fraction_lower(), r.error_fraction_upper()
        with mpmath.workdps(r.dps + 20):
            err = r.error
            assert mpmath.mpf(lo.numerator) / lo.denominator < err
            assert mpmath.mpf(hi.numerator) / hi.denominator > err
        assert lo < hi and hi - lo < hi / 10 ** 20
        assert r.exceeds(lo - lo / 10 ** 30) and not r.exceeds(hi)


def test_a_synapse_change_beyond_the_model_is_refused():
    """witness_exceeds replays only witnesses the model allows: a failed synapse in the
    deviation reading changes its delivered term by at most C."""
    import pytest

    from fepproof.failure_errors import WitnessError
    model = FailureModel.synapse(1, "deviation")
    ok = Witness.make([1], [[]], None, synapses=[(2, 0, 0)], synapse_deltas=[1])
    assert replay(NET, ok, model).valid
    for delta in ("-1", "1/2"):
        replay(NET, Witness.make([1], [[]], None, synapses=[(2, 0, 0)],
                                 synapse_deltas=[delta]), model)
    for delta in ("3/2", "-2", "2"):
        bad = Witness.make([1], [[]], None, synapses=[(2, 0, 0)], synapse_deltas=[delta])
        with pytest.raises(WitnessError, match="synapse_deltas"):
            replay(NET, bad, model)
