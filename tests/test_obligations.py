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
        elif "fep_lower_bound" in ev:  # no width reaches the budget: Fep >= its last term
            assert ev["inequality"]["checked"]
            floor = Fraction(ev["fep_lower_bound"])
            assert floor > Fraction(1, 2)
            assert min(Fraction(v) for v in ev["fepproof_fep"].values()) >= floor
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
    time.sleep(600)
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
    outs = {o.obligation.id: o for o in run(obs, jobs=2, timeout=20.0)}
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
    outs = list(refuted_outcomes) + run(obs, jobs=2, timeout=20.0)
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
                   "production.wait_counts_random", "lemma2.receiver_error",
                   "corollary2.per_receiver_sets_N1to3", "production.harden_random",
                   "production.replication_random",
                   "corollary1.replication_same_function_random"):
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


# ---- obligations that can fail: each reaches fepproof code or a derived statement ------

NEUTRAL = ("fepproof.obligations", "fepproof.verdict", "fepproof.symbolic.notation",
           "fepproof.exact")


def reached_modules(fn) -> set[str]:
    """The fepproof modules an obligation's check reaches: globals it loads (functions,
    classes, modules), modules it imports inside the body, and the same for the helper
    functions of its own proofs file it calls.  The checkers (fepproof.obligations), the
    verdict type, the notation symbols and number formatting do not count."""
    import dis
    import types
    g, out, seen, stack = fn.__globals__, set(), set(), [fn.__code__]
    while stack:
        co = stack.pop()
        if co in seen:
            continue
        seen.add(co)
        stack.extend(c for c in co.co_consts if isinstance(c, types.CodeType))
        for ins in dis.get_instructions(co):
            if ins.opname == "IMPORT_NAME":
                out.add(ins.argval)
            elif ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                obj = g.get(ins.argval)
                if isinstance(obj, types.ModuleType):
                    out.add(obj.__name__)
                elif isinstance(obj, types.FunctionType) and obj.__module__ == fn.__module__:
                    stack.append(obj.__code__)
                elif isinstance(getattr(obj, "__module__", None), str):
                    out.add(obj.__module__)
    return {m for m in out if m.startswith("fepproof") and not m.startswith(NEUTRAL)}


def test_an_obligation_reaching_no_code_says_so(obligations):
    """An obligation whose check calls no fepproof code and no derived statement (closed
    forms, steps, the simulator) is a typed-in step of the paper's argument or a sanity
    check: its description starts with 'typed in:' or its id has 'sanity'."""
    unlabelled = [o.id for o in obligations if not reached_modules(o.check)
                  and not o.statement_text.startswith("typed in: ") and "sanity" not in o.id]
    assert not unlabelled, f"obligations that reach no code, unlabelled: {unlabelled}"
    # and the label is not a blanket: those that do reach code do not wear it
    worn = [o.id for o in obligations if reached_modules(o.check)
            and o.statement_text.startswith("typed in: ")]
    assert not worn, worn


def test_reached_modules_sees_helpers_and_local_imports(tmp_path):
    obs = {o.id: o for o in discover([_write(tmp_path, """
from fepproof.obligations import obligation, proved
from fepproof.bounds import fep

def _helper():
    return fep

@obligation(id="x.helper", result="X", statement_text="s", method="numeric",
            expected="proved")
def via_helper():
    _helper()
    return proved("s", "t")

@obligation(id="x.local", result="X", statement_text="s", method="numeric",
            expected="proved")
def local_import():
    from fepproof.symbolic.recurrence import fep_closed
    return proved(str(fep_closed), "t")

@obligation(id="x.none", result="X", statement_text="s", method="numeric",
            expected="proved")
def none():
    from fepproof.symbolic.notation import C
    return proved(str(C), "t")
""")])}
    assert reached_modules(obs["x.helper"].check) == {"fepproof.bounds"}
    assert reached_modules(obs["x.local"].check) == {"fepproof.symbolic.recurrence"}
    assert reached_modules(obs["x.none"].check) == set()


# ---- prove's own checkers refuse what is not a proof ------------------------------------

def test_nonneg_polynomial_refuses_a_negative_coefficient():
    import sympy as sp

    from fepproof.obligations.engines import nonneg_polynomial
    x, y = sp.symbols("x y", nonnegative=True)
    assert nonneg_polynomial("ok", {"e": x * y + 2 * x}, [x, y]).status.value == "proved"
    assert nonneg_polynomial("bad", {"e": x * y - x}, [x, y]).status.value == "unknown"
    assert nonneg_polynomial("bad", {"e": x - 1}, [x]).status.value == "unknown"


def test_identity_needs_a_zero_residual():
    import sympy as sp

    from fepproof.obligations.engines import identity
    x = sp.Symbol("x")
    assert identity("ok", {"r": sp.Integer(0)}).status.value == "proved"
    assert identity("bad", {"r": x - 1}).status.value == "unknown"
    assert identity("bad", {"r": x - 1}, {x: 3}).status.value == "refuted"


def test_z3_unsat_unknown_is_never_proved():
    import z3

    from fepproof.obligations.engines import z3_unsat
    x, y = z3.Reals("x y")
    assert z3_unsat("ok", [x > 1], x > 0).status.value == "proved"
    assert z3_unsat("false", [x > 0], x > 1).status.value == "refuted"
    # a true claim z3 proves at once, cut short by its resource limit: unknown, not proved
    # (a deterministic limit: a quantified claim once kept z3 past both its timeout and
    # its resource limit for minutes inside the full suite)
    claim = ([x > 2, y > 0], x * x * x + x * y * y > 7)
    assert z3_unsat("true", *claim).status.value == "proved"
    cut = z3_unsat("cut short", *claim, rlimit=1)
    assert cut.status.value == "unknown" and cut.status.value != "proved"


def test_witness_exceeds_refuses_a_witness_the_model_forbids():
    from fepproof.obligations.engines import witness_exceeds
    net = network_from_dict({"activation": {"name": "sigmoid", "K": "1"},
                             "layers": [{"weights": [["8"]], "bias": ["0"]}],
                             "output": {"weights": [["1"]]}})
    ok = witness_exceeds("c", net, Witness.make([1], [[0]], [[-1]]),
                         FailureModel.byzantine(1, "value"), Fraction(1))
    assert ok.status.value == "refuted"
    # the deviation reading: sending -1 where the nominal output is ~1 deviates by ~2 > C,
    # a witness the model forbids, however large the error it replays
    dev = FailureModel.byzantine(1, "deviation")
    bad = witness_exceeds("c", net, Witness.make([1], [[0]], [[-1]]), dev, Fraction(1))
    assert bad.evidence["replay"]["valid"] is False
    assert Fraction(bad.evidence["error_lower"]) > 1
    assert bad.status.value == "unknown"
