"""Obligations: discovery, the runner (parallel, timeout -> unknown, errors), every
expected refutation really carries its evidence, JUnit XML."""

import textwrap
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import METHODS, Obligation, discover, run
from fepproof.obligations.junit import junit_xml, write_junit
from fepproof.obligations.runner import ObligationLoadError
from fepproof.replay import replay
from fepproof.verdict import Witness

PROOFS = str(Path(__file__).resolve().parent.parent / "proofs")
RESULT_FILES = ["theorem1", "theorem2", "theorem3", "theorem4", "theorem5", "lemma1",
                "lemma2", "corollary1", "corollary2", "errata"]


@pytest.fixture(scope="module")
def obligations():
    return discover([PROOFS])


@pytest.fixture(scope="module")
def refuted_outcomes(obligations):
    return run([o for o in obligations if o.expected == "refuted"], jobs=2, timeout=120)


def test_one_file_per_result():
    for name in RESULT_FILES:
        assert (Path(PROOFS) / f"{name}.py").is_file()


def test_discovery_sorted_unique_and_well_formed(obligations):
    ids = [o.id for o in obligations]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert discover([PROOFS]) == obligations  # deterministic
    results = {o.result for o in obligations}
    for r in ["Theorem 1", "Theorem 2", "Theorem 3", "Theorem 4", "Theorem 5", "Lemma 1",
              "Lemma 2", "Corollary 1", "Corollary 2"]:
        assert r in results
    for o in obligations:
        assert isinstance(o, Obligation)
        assert o.method in METHODS and o.expected in ("proved", "refuted")
        assert o.statement_text


def test_errata_point_to_proved_corrections(obligations):
    by_id = {o.id: o for o in obligations}
    refuted = [o for o in obligations if o.expected == "refuted"]
    assert len(refuted) >= 6
    for o in refuted:
        assert o.erratum is not None and o.erratum.evidence_text
        assert by_id[o.erratum.corrected_id].expected == "proved"


def test_every_expected_refutation_has_evidence(refuted_outcomes):
    for out in refuted_outcomes:
        ev = out.verdict.evidence
        assert out.verdict.status.value == "refuted", out.obligation.id
        if "witness" in ev:  # replayed witness: re-check it independently
            net = network_from_dict(ev["network"])
            w = Witness.from_json(ev["witness"])
            fm = ev["failure_model"]
            model = FailureModel(fm["model"], Fraction(fm["capacity"]), fm["capacity_reading"])
            r = replay(net, w, model)
            assert r.valid
            assert r.error_fraction_lower() > Fraction(ev["bound"])
        elif "residual_at_point" in ev:
            assert all(v != "0" for v in ev["residual_at_point"].values())
        else:
            assert ev, out.obligation.id  # exact counterexample / z3 evidence
            assert any(k in ev for k in ("fep_g", "z3", "error", "counterexample"))


def _write(tmp_path, body):
    p = tmp_path / "proofs"
    p.mkdir(exist_ok=True)
    f = p / "mine.py"
    f.write_text(textwrap.dedent(body))
    return str(f)


SLOW = """
import time
from fepproof.obligations import obligation, proved, Erratum

@obligation(id="x.sleeps", result="X", statement_text="sleeps", method="numeric",
            expected="proved")
def sleeps():
    time.sleep(30)
    return proved("never", "test")

@obligation(id="x.fast", result="X", statement_text="fast", method="numeric",
            expected="proved")
def fast():
    return proved("fast", "test")

@obligation(id="x.raises", result="X", statement_text="raises", method="numeric",
            expected="proved")
def raises():
    raise RuntimeError("boom")

@obligation(id="x.not_a_verdict", result="X", statement_text="bad", method="numeric",
            expected="proved")
def bad():
    return 42

@obligation(id="x.wrongly_expects_refuted", result="X", statement_text="1 = 1",
            method="numeric", expected="refuted",
            erratum=Erratum("1 != 1", None, "none", "x.fast"))
def wrong():
    return proved("1 = 1", "test")
"""


def test_timeout_is_unknown_and_errors_are_errors(tmp_path):
    obs = discover([_write(tmp_path, SLOW)])
    outs = {o.obligation.id: o for o in run(obs, jobs=2, timeout=1.0)}
    assert outs["x.sleeps"].verdict.status.value == "unknown"
    assert "timeout" in outs["x.sleeps"].verdict.evidence["reason"]
    assert not outs["x.sleeps"].passed
    assert outs["x.fast"].passed
    assert outs["x.raises"].verdict.status.value == "error"
    assert "boom" in outs["x.raises"].verdict.evidence["reason"]
    assert outs["x.not_a_verdict"].verdict.status.value == "error"
    assert not outs["x.wrongly_expects_refuted"].passed


def test_interrupted_run_leaves_no_check_process(tmp_path):
    import multiprocessing as mp

    obs = [o for o in discover([_write(tmp_path, SLOW)])
           if o.id in ("x.sleeps", "x.fast")]

    class Stop(Exception):
        pass

    def progress(outcome):
        raise Stop  # e.g. Ctrl-C while x.sleeps is still running

    with pytest.raises(Stop):
        run(obs, jobs=2, timeout=60.0, progress=progress)
    assert not [p for p in mp.active_children() if p.is_alive()]


def test_bad_files(tmp_path):
    with pytest.raises(ObligationLoadError):
        discover([str(tmp_path / "missing")])
    with pytest.raises(ObligationLoadError, match="SyntaxError"):
        discover([_write(tmp_path, "def (:\n")])


def test_decorator_validates():
    from fepproof.obligations import obligation
    with pytest.raises(ValueError):
        obligation(id="a", result="X", statement_text="s", method="magic", expected="proved")
    with pytest.raises(ValueError):
        obligation(id="a", result="X", statement_text="s", method="numeric",
                   expected="refuted")


def test_junit_one_testcase_per_obligation(tmp_path, refuted_outcomes):
    obs = discover([_write(tmp_path, SLOW)])
    outs = list(refuted_outcomes) + run(obs, jobs=2, timeout=1.0)
    path = tmp_path / "junit.xml"
    write_junit(outs, path)
    root = ET.parse(path).getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [o.obligation.id for o in outs]
    suite = root.find("testsuite")
    failed = sum(not o.passed for o in outs)
    assert int(suite.get("failures")) + int(suite.get("errors")) == failed
    by_name = {c.get("name"): c for c in cases}
    assert by_name["x.sleeps"].find("failure") is not None
    assert by_name["x.raises"].find("error") is not None
    assert by_name["x.fast"].find("failure") is None
    assert junit_xml(outs).startswith("<?xml")


def test_finite_checks_are_labelled_in_the_id(obligations):
    import re
    for o in obligations:
        if re.search(r"\d+\s?\.\.\s?\d+", o.statement_text):
            assert re.search(r"\d+to\d+|random|4nets|grid", o.id), o.id


def test_the_model_and_the_production_link_are_obligations(obligations):
    ids = {o.id for o in obligations}
    for needed in ("model.neuron_step_N1to4", "model.lipschitz_step", "model.synapse_step_g0to6",
                   "model.precision_step", "model.steps_attained", "production.fep_random",
                   "production.theorem1_random", "production.tolerance_random",
                   "production.frontier_random", "production.synapse_random",
                   "production.precision_random", "production.bits_random",
                   "production.wait_counts_random", "lemma2.receiver_error_N1to4",
                   "corollary2.per_receiver_sets_N1to3"):
        assert needed in ids, needed
    assert "lemma2.synapse_shift" not in ids  # the vacuous ones are gone
    limits = [o for o in obligations if o.method == "sympy limit"]
    assert {o.id for o in limits} >= {"lemma1.unbounded_deviation", "theorem2.tight_in_limit"}


def test_production_obligation_catches_a_drift(monkeypatch):
    """A production closed form that drifts from the proved statement is refuted."""
    import fepproof.bounds as bounds
    from fepproof.obligations.runner import load_file
    obs = {o.id: o for o in load_file(Path(PROOFS) / "production.py")}
    assert obs["production.theorem1_random"].check().status.value == "proved"
    monkeypatch.setattr(bounds.math, "floor", lambda x: -(-x.numerator // x.denominator))
    v = obs["production.theorem1_random"].check()
    assert v.status.value == "refuted" and "proved_largest" in v.evidence
