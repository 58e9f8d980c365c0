"""``check`` and ``harden --by verify`` decide claims with the same branch-and-bound engines
as ``fepproof verify``: a claim 0.5 % from the true worst case is decided either
way, the closed form (Theorem 2) stops a run at once when it already proves the claim, and
the earlier engines stay selectable by name."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import pytest

from fepproof import FailureModel
from fepproof.bounds import fep
from fepproof.netio import save_network
from fepproof.numeric.bab import BabOptions
from fepproof.numeric.engine_bab import verify_bab
from fepproof.run_verify import ENGINES, engine_for, run_verify
from fepproof.verdict import Status
from fepproof.verify_api import VerifyProblem
from tests.test_bab import _issue_net, _problem

CRASH = FailureModel.crash()
SAFETY = 300.0  # seconds: a safety net only, never what stops a run below


def _claim(net, f, model, bound, timeout=SAFETY, bracket=False):
    """A claim (decide mode by default) through test_bab's problem builder; every claim
    here is decided by the engine's own stop rule long before the timeout, a safety net."""
    return _problem(net, f, model, Fraction(bound), timeout, bracket)


@pytest.fixture(scope="module")
def near_worst():
    """The convergence benchmark's 2-8-8-1 network (seed 0) and a 1 % bracket of its worst case."""
    net = _issue_net(2, [8, 8], seed=0)
    res = verify_bab(_claim(net, (1, 1), CRASH, 0, bracket=True), None,
                     BabOptions(jobs=1, max_bounds=5000, attack_every=2))  # ~20 bounds
    assert res.upper <= res.lower / Fraction(99, 100)
    return net, res


@pytest.mark.parametrize("engine", ["numeric", "z3"])
def test_claims_near_the_worst_case_are_decided(near_worst, engine):
    net, br = near_worst
    above = br.upper * Fraction(1005, 1000)
    below = br.lower * Fraction(995, 1000)
    proved = run_verify(_claim(net, (1, 1), CRASH, above), engine)
    refuted = run_verify(_claim(net, (1, 1), CRASH, below), engine)
    assert proved.verdict is Status.PROVED and proved.upper <= above
    assert refuted.verdict is Status.REFUTED and refuted.witness_error > below
    assert proved.engine == refuted.engine == engine
    assert "stopped: claim decided" in proved.reason + refuted.reason


def test_check_cli_uses_the_converging_engine(near_worst, tmp_path):
    from fepproof.cli.main import main
    net, br = near_worst
    save_network(net, tmp_path / "net.json")
    bound = float(br.upper * Fraction(1005, 1000))
    (tmp_path / "fepproof.toml").write_text(
        f'[[claim]]\nname = "near"\nnetwork = "net.json"\nfailures = [1, 1]\n'
        f'bound = "{bound!r}"\ntimeout = {SAFETY:g}\n')
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(tmp_path), "--json", "--no-cache"], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    (claim,) = json.loads(out.getvalue())["claims"]
    assert claim["status"] == "proved" and claim["engine"] == "numeric"
    assert claim["evidence"]["upper"] <= bound


def test_closed_form_decides_a_claim_at_the_worst_case_at_once():
    """A Byzantine neuron in the last hidden layer moves the output by exactly Fep: no
    leaf bound can go below the claim, only the closed form proves it (no BaB round)."""
    net = _issue_net(2, [3, 3], seed=1)
    model = FailureModel.byzantine("1/2")
    res = run_verify(_claim(net, (0, 1), model, fep(net, (0, 1), model).value), "numeric")
    assert res.verdict is Status.PROVED
    assert res.stats["upper_from"] == "closed form (sound Fep)"
    assert res.stats["rounds"] == 0 and res.stats["attacks"] == 0


def test_a_claim_the_root_bound_proves_skips_the_witness_search():
    net = _issue_net(2, [8, 8], seed=0)
    res = run_verify(_claim(net, (1, 1), CRASH, 1000), "numeric")
    assert res.verdict is Status.PROVED and res.witness is None and res.lower == 0
    assert res.stats["stop"] == "claim decided"  # not "exhausted": [0, upper] is no exact
    huge = run_verify(_claim(net, (1, 1), CRASH, 10**400), "numeric")  # above float range
    assert huge.verdict is Status.PROVED and huge.stats["stop"] == "claim decided"
    assert res.stats["rounds"] == 0 and res.stats["attacks"] == 0


def test_engine_names():
    net = _issue_net(2, [3, 3], seed=0)
    p = _claim(net, (1, 0), CRASH, 1)
    assert {engine_for(p, e) for e in ENGINES} >= {"numeric", "z3", "numeric-v1", "z3-v1"}
    syn = FailureModel.synapse("1/2")
    ps = VerifyProblem(net, (1, 0, 0), syn, Fraction(1), Fraction(1), Fraction(1, 100), 5.0)
    assert engine_for(ps, "auto") == "numeric" and engine_for(ps, "numeric-v1") == "numeric-v1"
    with pytest.raises(ValueError, match="neuron failures only"):
        engine_for(ps, "z3-v1")
    with pytest.raises(ValueError, match="unknown engine"):
        engine_for(p, "cplex")
    for name in ("numeric-v1", "z3-v1"):
        assert run_verify(_claim(net, (1, 0), CRASH, 1000, timeout=300.0), name).verdict \
            is Status.PROVED


def test_decide_mode_search_stops_at_a_refuting_witness(monkeypatch):
    """With ``stop_at`` the witness search returns once an error above it is found (one
    refinement here), instead of spending its budget; a claim below the worst case is
    then refuted by the replayed witness as before."""
    import importlib

    from fepproof.numeric.floatnet import FloatNet
    search_mod = importlib.import_module("fepproof.numeric.search")
    net = _issue_net(8, [16, 16], seed=0)
    fn = FloatNet.make(net, (1, 1), CRASH, None)
    calls = []
    real = search_mod.optimise_input

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(search_mod, "optimise_input", counted)
    found = search_mod.search(fn, time_budget=SAFETY, stop_at=1e-9)
    assert found.value > 1e-9 and len(calls) == 1
    calls.clear()
    search_mod.search(fn, time_budget=SAFETY, max_evals=200)
    assert len(calls) > 1
    monkeypatch.undo()
    res = run_verify(_claim(net, (1, 1), CRASH, Fraction(1, 10)), "numeric")
    assert res.verdict is Status.REFUTED and res.witness_error > Fraction(1, 10)
