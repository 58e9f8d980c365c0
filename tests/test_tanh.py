"""tanh networks: the exact sigmoid form computes the same function and the same failures;
the engines' verdicts on tanh networks hold against brute force (sampled failure sets,
inputs and sent values), refuted witnesses replay on the tanh network itself, and proved
claims come with certificates the independent checker accepts."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fepproof.bounds import fep
from fepproof.certificate import check_certificate
from fepproof.certificate.produce import certificate_for
from fepproof.cli.main import main
from fepproof.failures import FailureError, FailureModel
from fepproof.netio import save_network
from fepproof.network import Activation, Network
from fepproof.replay import replay
from fepproof.run_verify import run_verify
from fepproof.sigmoid_form import sigmoid_form, sigmoid_model, witness_from_form
from fepproof.simulate import failed_outputs, forward, random_failure_masks, sample_inputs
from fepproof.verdict import Status, Witness
from fepproof.verify_api import VerifyProblem
from tests.netgen import failure_counts, networks

TANH = networks(max_depth=3, max_width=4, max_d=2, activations=("tanh",))
MODELS = [FailureModel.crash(), FailureModel.stuck_at(Fraction(-1)),
          FailureModel.stuck_at(Fraction(1, 3)), FailureModel.byzantine(Fraction(1, 2))]


def _sent(net, model, X, masks, rng):
    """Sent values for the failed neurons: the model's value, or random u in [-1, 1]."""
    if not model.free_value:
        return None
    acts, _ = forward(net, X)
    S = masks[0].shape[0]
    return [model.sends_f(a[None], rng.uniform(-1, 1, (S,) + a.shape)) for a in acts]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=TANH, seed=st.integers(0, 2**16), model=st.sampled_from(MODELS))
def test_the_sigmoid_form_is_the_same_network_under_the_same_failures(net, seed, model):
    rng = np.random.default_rng(seed)
    form, fmodel = sigmoid_form(net), sigmoid_model(net, model)
    assert form.activation.name == "sigmoid" and form.K == net.K / 2
    X = sample_inputs(net, 20, rng)
    a, b = forward(net, X)[1], forward(form, X)[1]
    assert np.allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(a).max()))
    masks = random_failure_masks(net.widths, [min(1, n) for n in net.widths], 8, rng)
    if model.free_value:  # the same deviations: tanh u*C <-> sigmoid u*C/2
        acts, _ = forward(net, X)
        u = [rng.uniform(-1, 1, (8,) + x.shape) for x in acts]
        sent = [model.sends_f(x[None], ui) for x, ui in zip(acts, u, strict=True)]
        facts, _ = forward(form, X)
        fsent = [fmodel.sends_f(x[None], ui) for x, ui in zip(facts, u, strict=True)]
    else:
        sent = fsent = None
    fa = failed_outputs(net, X, masks, sent, model=model)
    fb = failed_outputs(form, X, masks, fsent, model=fmodel)
    assert np.allclose(fa, fb, rtol=1e-9, atol=1e-9 * (1 + np.abs(fa).max()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(data=st.data(), model=st.sampled_from(MODELS), engine=st.sampled_from(["numeric", "z3"]))
def test_engine_verdicts_on_tanh_networks_hold_against_brute_force(data, model, engine):
    net = data.draw(TANH)
    f = data.draw(failure_counts(net))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    X = sample_inputs(net, 30, rng)
    masks = random_failure_masks(net.widths, f, 20, rng)
    sampled = float(np.abs(failed_outputs(net, X, masks, _sent(net, model, X, masks, rng),
                                          model=model) - forward(net, X)[1][None]).max())
    fe = fep(net, f, model).sound
    bound = Fraction(sampled) * Fraction(data.draw(st.sampled_from([1, 3, 5])), 4)
    problem = VerifyProblem(net, f, model, bound, fe, Fraction(1, 20), 120.0, None,
                            bracket=False)
    res = run_verify(problem, engine)
    assert res.problem.net is net  # the result speaks of the tanh network
    if res.verdict is Status.PROVED:
        assert res.upper is not None and res.upper <= bound
        assert sampled <= float(res.upper) * (1 + 1e-9) + 1e-12
    if res.verdict is Status.REFUTED:
        rep = replay(net, res.witness, model, dps=60, failures=f)
        assert rep.valid and rep.error_fraction_lower() > bound
    if res.witness is not None:  # every witness is a witness of the tanh network
        model.validate(res.witness, net, f)


def _net(seed=3, K=Fraction(1)) -> Network:
    rng = np.random.default_rng(seed)
    from fepproof.network import Layer
    def lay(o, i):
        return Layer([[Fraction(float(v)).limit_denominator(1000) for v in r]
                      for r in rng.normal(size=(o, i))],
                     [Fraction(float(v)).limit_denominator(1000) for v in rng.normal(size=o)])
    return Network((lay(5, 2), lay(5, 5)), lay(1, 5), Activation("tanh", K),
                   ((-1, 1), (-1, 1)), "tanh-2-5-5-1")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.describe()[:22])
def test_a_tanh_certificate_is_accepted_and_a_changed_claim_is_not(model, tmp_path):
    net = _net()
    save_network(net, tmp_path / "net.json")
    probe = run_verify(VerifyProblem(net, (1, 1), model, Fraction(10**6), Fraction(1),
                                     Fraction(1, 50), 120.0, None, bracket=True), "numeric")
    bound = probe.upper * Fraction(11, 10)  # a claim 10 % above the engine's bracket
    res = run_verify(VerifyProblem(net, (1, 1), model, bound, Fraction(1), Fraction(1, 50),
                                   120.0, None, bracket=False), "numeric")
    assert res.verdict is Status.PROVED
    certificate_for(res, tmp_path / "net.json", tmp_path / "c.cert")
    report = check_certificate(tmp_path / "net.json", tmp_path / "c.cert")
    assert report.valid, report.message
    # the same certificate against a claim below a replayed witness: rejected
    if probe.witness_error is not None:
        low = dict(report.claim, bound=str(probe.witness_error * Fraction(99, 100)))
        from fepproof.certificate.checker import check_document
        from fepproof.certificate.fileformat import read_certificate
        doc = read_certificate(tmp_path / "c.cert")
        doc["claim"] = low
        assert not check_document(doc, tmp_path / "net.json").valid


def test_witnesses_map_back_by_y_equals_2y_prime_minus_1():
    net = _net()
    w = Witness.make([0, 0], [[1], [2]], [[Fraction(1, 4)], [Fraction(3, 4)]])
    back = witness_from_form(net, w, FailureModel.byzantine(1))
    assert back.values == ((Fraction(-1, 2),), (Fraction(1, 2),))
    assert witness_from_form(net, w, FailureModel.crash()).values is None


def test_what_the_sigmoid_form_cannot_express_is_refused():
    net = _net()
    with pytest.raises(FailureError, match="value"):
        sigmoid_model(net, FailureModel.byzantine(1, "value"))
    sig = Network(net.layers, net.output, Activation("sigmoid", Fraction(1, 4)))
    with pytest.raises(FailureError, match="stuck_value"):
        fep(sig, (1, 1), FailureModel.stuck_at(Fraction(-1, 2)))
    assert fep(net, (1, 1), FailureModel.stuck_at(Fraction(-1, 2))).sound > 0


def test_cli_verifies_a_tanh_network_and_names_what_it_refuses(tmp_path):
    save_network(_net(), tmp_path / "t.json")
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", str(tmp_path / "t.json"), "--failures", "1,1", "--json",
                 "--quiet", "--timeout", "300"], out, err)
    data = json.loads(out.getvalue())
    assert code == 0 and data["verdict"] == "proved"  # Fep holds on tanh networks too
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", str(tmp_path / "t.json"), "--failures", "1,1", "--model",
                 "byzantine", "--capacity", "1", "--capacity-reading", "value"], out, err)
    assert code == 2 and err.getvalue().count("\n") == 1
    assert "--capacity-reading" in err.getvalue() and "tanh" in err.getvalue()


def test_check_decides_claims_on_a_tanh_network_and_revalidates_the_cache(tmp_path,
                                                                        monkeypatch):
    """A fepproof.toml with tanh claims: a tight one proved (its certificate stored and
    re-checked from the cache on the next run) and one refuted by a replayed witness."""
    save_network(_net(), tmp_path / "t.json")
    (tmp_path / "fepproof.toml").write_text(
        '[[claim]]\nname = "holds"\nnetwork = "t.json"\nfailures = [1, 1]\n'
        'bound = "3"\nexpect = "proved"\ntimeout = 300\n\n'
        '[[claim]]\nname = "too tight"\nnetwork = "t.json"\nfailures = [1, 1]\n'
        'bound = "1/10"\nexpect = "refuted"\ntimeout = 300\n')
    monkeypatch.chdir(tmp_path)
    for cached in (0, 2):
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", "--json"], out, err)
        data = json.loads(out.getvalue())
        assert code == 0 and data["passed"] == 2 and data["cached"] == cached, out.getvalue()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.describe()[:22])
def test_the_latex_document_of_a_tanh_network_prints_its_own_arithmetic(model):
    """The document's terms are filled in with the C the bound uses (a tanh neuron stuck
    at v: 1 + |v|) and checked against the checker's terms as it is written."""
    from fepproof.latex.network_doc import network_document
    text = network_document(_net(), (1, 1), model).render()
    assert "\\tanh(Kx)" in text
    C = fep(_net(), (1, 1), model).paper_C
    assert f"$C = {C}$" in text or f"C = \\frac{{{C.numerator}}}{{{C.denominator}}}" in text
