"""Stuck-at faults: the obligation fails when its formula is broken; simulator vs closed
form; both verify engines vs exhaustive enumeration (soundness rule 4); the CLI."""

from __future__ import annotations

import importlib.util
import io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof import FailureModel, fep
from fepproof.cli.main import main
from fepproof.failures import FailureKind
from fepproof.network import Network
from fepproof.numeric import verify_numeric
from fepproof.numeric.engine import NumericWork
from fepproof.obligations.engines import z3_unsat
from fepproof.replay import replay
from fepproof.simulate import neuron_errors, random_failure_masks, sample_inputs
from fepproof.smt import verify_z3
from fepproof.verdict import Status
from fepproof.verify_api import VerifyProblem
from tests.netgen import networks

ROOT = Path(__file__).resolve().parent.parent


def _numeric(problem: VerifyProblem):
    """The numeric engine stopped by a work budget (its timeout only a safety net): the
    bracket must contain the enumerated worst case whatever the budget."""
    return verify_numeric(problem, None, NumericWork(search_evals=100, upper_boxes=100))


def _proofs():
    spec = importlib.util.spec_from_file_location("proofs_stuck_at", ROOT / "proofs" /
                                                  "stuck_at.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


P = _proofs()


def test_obligations_prove() -> None:
    for ob in (P.deviation_interval, P.sound_deviation_bound, P.sharp, P.code_matches):
        assert ob().status is Status.PROVED


@pytest.mark.parametrize("claim", [
    lambda: P.interval_claim(P.v - P.hi + Fraction(1, 100), P.v - P.lo),
    lambda: P.interval_claim(P.v - P.hi, P.v - P.lo - Fraction(1, 100)),
    lambda: P.interval_claim(P.v - P.lo, P.v - P.hi),
    lambda: P.bound_claim(lambda v: v),                # forgets nominal outputs above v
    lambda: P.bound_claim(lambda v: 1 - v),
    lambda: P.bound_claim(lambda v: z3.If(v >= 1 - v, v, 1 - v) - Fraction(1, 100)),
    lambda: P.bound_claim(lambda v: Fraction(1, 2)),
    lambda: P.sharp_claim(lambda v: z3.If(v >= 1 - v, v, 1 - v) + Fraction(1, 100)),
    lambda: P.sharp_claim(lambda v: 1),                # 1 is a bound, but not the least
])
def test_broken_formula_fails(claim) -> None:
    assert z3_unsat("mutant", [], claim()).status is Status.REFUTED


def test_broken_code_fails(monkeypatch) -> None:
    real = FailureModel.deviation_interval

    def off_by_one_ulp(self, lo, hi):
        a, b = real(self, lo, hi)
        return (a, b + Fraction(1, 10**6)) if self.kind is FailureKind.STUCK_AT else (a, b)

    monkeypatch.setattr(FailureModel, "deviation_interval", off_by_one_ulp)
    assert P.code_matches().status is Status.REFUTED


@given(networks(max_depth=3, max_width=4), st.fractions(0, 1, max_denominator=8),
       st.integers(0, 2**32 - 1))
def test_simulator_never_above_closed_form(net, v, seed) -> None:
    rng = np.random.default_rng(seed)
    f = tuple(int(rng.integers(0, n + 1)) for n in net.widths)
    model = FailureModel.stuck_at(v)
    res = fep(net, f, model)
    assert res.value == res.sound and res.is_bound
    X = sample_inputs(net, 32, rng)
    masks = random_failure_masks(net.widths, f, 16, rng)
    err = neuron_errors(net, X, masks, model=model)
    sent = [np.full((1, 1, n), float(v)) for n in net.widths]
    assert np.array_equal(err, neuron_errors(net, X, masks, sent))
    assert err.max() <= float(res.sound) * (1 + 1e-9) + 1e-12


def exhaustive_stuck(net: Network, f: tuple[int, ...], v: float) -> float:
    g = np.linspace(0.0, 1.0, 17)
    X = np.array(list(itertools.product(*[g] * net.input_dim)))
    sent = [np.full((1, 1, w), v) for w in net.widths]
    best = 0.0
    sets = [list(itertools.combinations(range(w), k)) for w, k in zip(net.widths, f, strict=True)]
    for combo in itertools.product(*sets):
        masks = [np.isin(np.arange(w), c)[None] for w, c in zip(net.widths, combo, strict=True)]
        best = max(best, float(neuron_errors(net, X, masks, sent).max()))
    return best


@pytest.mark.slow
@settings(max_examples=8, deadline=None)
@given(networks(max_depth=2, max_width=3, max_d=2), st.data(),
       st.sampled_from([Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(1)]))
def test_engines_never_below_exhaustive_stuck_at(net, data, v) -> None:
    f = tuple(data.draw(st.integers(0, min(w, 2))) for w in net.widths)
    model = FailureModel.stuck_at(v)
    fe = fep(net, f, model)
    worst = exhaustive_stuck(net, f, float(v))
    assert worst <= float(fe.sound) * (1 + 1e-9) + 1e-12
    for engine in (verify_z3, _numeric):
        res = engine(VerifyProblem(net, f, model, fe.sound, fe.value, Fraction(1, 100), 3.0))
        assert res.upper is not None
        assert worst <= float(res.upper) * (1 + 1e-9) + 1e-12, (engine.__name__, worst,
                                                                float(res.upper))
        if res.lower is not None:
            assert float(res.lower) <= float(res.upper) * (1 + 1e-9) + 1e-12
        if res.witness is not None:  # every witness sends v and replays to its error
            assert all(s == v for row in (res.witness.values or ()) for s in row)
            rep = replay(net, res.witness, model)
            assert rep.valid and rep.error_fraction_upper() >= res.witness_error


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main([str(a) for a in argv], out=out, err=err), out.getvalue(), err.getvalue()


def test_cli_bound_verify_replay(tmp_path) -> None:
    net = ROOT / "cases" / "figure1.json"
    code, out, _ = run("bound", net, "--failures", "1,0,1", "--model", "stuck-at",
                       "--stuck-value", "1/4", "--json")
    data = json.loads(out)
    assert code == 0 and data["model"] == "stuck-at" and data["stuck_value"] == "1/4"
    assert Fraction(data["fep"]) == Fraction(273, 128)
    code, out, _ = run("verify", net, "--failures", "1,0,1", "--model", "stuck-at",
                       "--engine", "z3", "--bound", "1/10", "--json")
    assert code == 1
    w = tmp_path / "v.json"
    w.write_text(out)
    data = json.loads(out)
    assert data["verdict"] == "refuted" and data["witness"]["values_exact"] == [["1"], [], ["1"]]
    code, out, _ = run("replay", net, w, "--json")
    assert code == 0 and json.loads(out)["valid"]
    assert abs(float(json.loads(out)["error"]) - data["witness"]["error"]) < 1e-12
    for flags, field in [(["--stuck-value", "2"], "--stuck-value"),
                         (["--stuck-value", "x"], "--stuck-value"),
                         (["--capacity", "1"], "--capacity")]:
        code, _, err = run("bound", net, "--failures", "1,0,1", "--model", "stuck-at", *flags)
        assert code == 2 and err.count("\n") == 1 and field in err, err
    code, _, err = run("bound", net, "--failures", "1,0,1", "--stuck-value", "1")
    assert code == 2 and "--stuck-value" in err


def test_latex_network_document_names_the_model(tmp_path) -> None:
    net = ROOT / "cases" / "figure1.json"
    out_tex = tmp_path / "s.tex"
    code, _, err = run("latex", "--network", net, "--failures", "1,0,1", "--model", "stuck-at",
                       "--stuck-value", "1/4", "--no-verify", "-o", out_tex)
    text = out_tex.read_text()
    assert code == 0, err
    assert "stuck-at 1/4 (failed neurons send 1/4" in text
    assert "C = max(v, 1 - v)" in text and "$C = 3/4$" in text
    assert "\\textbf{Fep} $= 273/128 = 2.1328125$" in text  # C = max(1/4, 3/4)
