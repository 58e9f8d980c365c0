"""A network's output activation: recorded and written back by the readers, left out of
the linear claims, and claims after it (``verify --output-side activated``) proved from
the linear claim B / K_o or refuted by a witness whose error after the activation is
replayed above B."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from fepproof.cli.main import main
from fepproof.netio import load_network, save_network
from fepproof.network import Activation, Network, NetworkError, network_from_dict
from fepproof.replay import replay
from fepproof.simulate import failed_outputs, forward, random_failure_masks, sample_inputs
from fepproof.verdict import Witness
from tests.test_tanh import _net


def _with_output(act: Activation) -> Network:
    net = _net()
    return Network(net.layers, net.output, Activation("sigmoid", Fraction(1, 4)),
                   net.input_domain, "out-act", act)


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_the_output_activation_survives_a_round_trip(tmp_path, suffix):
    net = _with_output(Activation("tanh", Fraction(2)))
    save_network(net, tmp_path / f"n{suffix}")
    back = load_network(tmp_path / f"n{suffix}")
    assert back.output_activation == Activation("tanh", Fraction(2))
    assert back.output_network(0).output_activation == back.output_activation


def test_a_bad_output_activation_names_its_field():
    with pytest.raises(NetworkError, match="output_activation.K"):
        network_from_dict({"layers": [{"weights": [[1]]}], "output": {"weights": [1]},
                           "output_activation": {"name": "sigmoid"}})
    with pytest.raises(NetworkError, match="output_activation.name"):
        network_from_dict({"layers": [{"weights": [[1]]}], "output": {"weights": [1]},
                           "output_activation": {"name": "relu", "K": 1}})


def _verify(tmp_path, net, *args):
    save_network(net, tmp_path / "n.json")
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", str(tmp_path / "n.json"), "--failures", "1,1", "--json",
                 "--quiet", "--timeout", "300", *args], out, err)
    return code, (json.loads(out.getvalue()) if out.getvalue() else None), err.getvalue()


@pytest.mark.parametrize("act", [Activation("sigmoid", Fraction(1, 4)),
                                 Activation("tanh", Fraction(1))], ids=["sigmoid", "tanh"])
def test_claims_after_the_output_activation_hold_and_witnesses_replay(tmp_path, act):
    net = _with_output(act)
    code, lin, _ = _verify(tmp_path, net, "--bound", "1000")
    assert code == 0 and lin["output_side"] == "linear"
    upper_lin = lin["worst_case"]["upper"]
    # brute force after psi stays below the activated upper bound
    rng = np.random.default_rng(0)
    X = sample_inputs(net, 200, rng)
    masks = random_failure_masks(net.widths, (1, 1), 25, rng)
    psi = act.float_fn
    sampled = np.abs(psi(failed_outputs(net, X, masks)) - psi(forward(net, X)[1])[None]).max()
    high = Fraction(float(act.K) * upper_lin * 1.02)
    code, data, _ = _verify(tmp_path, net, "--output-side", "activated", "--bound", str(high))
    assert code == 0 and data["verdict"] == "proved" and sampled <= float(high)
    low = Fraction(float(sampled) / 2)
    code, data, _ = _verify(tmp_path, net, "--output-side", "activated", "--bound", str(low))
    assert code == 1 and data["verdict"] == "refuted"
    w = data["witness"]
    rep = replay(net, Witness.make(w["input"], w["failed"]), None, dps=60)
    with mpmath.workdps(60):
        after = max(abs(act.mp_fn(a) - act.mp_fn(b)) for a, b in zip(rep.nominal, rep.failed))
    assert after > mpmath.mpf(low.numerator) / low.denominator


def test_an_activated_claim_needs_an_output_activation(tmp_path):
    code, _, err = _verify(tmp_path, _net(), "--output-side", "activated")
    assert code == 2 and "no output activation" in err and err.count("\n") == 1
