"""fepproof check end to end: the example spec in cases/ (this is how CI runs it), the
issue's scenario (a fresh project with an ONNX model: green, red after a model that breaks
a claim, JUnit XML, a rerun from the cache), the cache under concurrent runs, and the
pytest plugin collecting the same claims."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.check.cache import CACHE_DIR
from fepproof.cli.main import main
from fepproof.netio import save_network
from fepproof.network import network_from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "cases" / "ci" / "fepproof.toml"

SPEC = """\
[defaults]
timeout = 60

[[claim]]
name = "classifier tolerates one crashed hidden neuron"
network = "models/classifier.onnx"
failures = [1, 0]
bound = "0.9"
engine = "z3"

[[claim]]
name = "classifier output 1 within Fep under a Byzantine neuron"
network = "models/classifier.onnx"
failures = [0, 1]
model = "byzantine"
capacity = "1/2"
bound = "fep"
output = 1
input_box = [[-0.5, 1.5]]
engine = "z3"
"""


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def classifier(scale: Fraction):
    """A 2-3-2-2 network with dyadic weights (exact in ONNX float32)."""
    w1 = [[1, -2], [Fraction(1, 2), 1], [-1, Fraction(3, 4)]]
    w2 = [[1, -1, Fraction(1, 2)], [Fraction(-1, 4), 1, 1]]
    out = [[Fraction(1, 2), Fraction(-1, 4)], [Fraction(1, 4), Fraction(1, 2)]]
    return network_from_dict({
        "name": "classifier", "layers": [
            {"weights": [[v * scale for v in r] for r in w1], "bias": [0, Fraction(1, 2), 0]},
            {"weights": w2, "bias": [0, 0]}],
        "output": {"weights": [[v * scale for v in r] for r in out], "bias": [0, 0]}})


@pytest.fixture
def project(tmp_path):
    pytest.importorskip("onnx")
    (tmp_path / "models").mkdir()
    save_network(classifier(Fraction(1)), tmp_path / "models" / "classifier.onnx")
    (tmp_path / "fepproof.toml").write_text(SPEC)
    return tmp_path


def test_example_spec_in_cases(tmp_path):
    """CI runs the example spec of cases/ci through this test (without its cache)."""
    junit = tmp_path / "ci.xml"
    code, out, err = run(["check", str(EXAMPLE), "--no-cache", "--junit", str(junit)])
    assert code == 0, out + err
    assert "4 claim(s): 4 passed, 0 failed" in out
    assert ET.parse(junit).getroot().get("tests") == "4"


def test_done_when_scenario(project, monkeypatch):
    monkeypatch.chdir(project)
    junit = project / "out" / "check.xml"
    junit.parent.mkdir()
    code, out, err = run(["check", "--junit", str(junit), "--jobs", "2"])
    assert code == 0, out + err
    assert "2 claim(s): 2 passed, 0 failed (0 from cache)" in out
    root = ET.parse(junit).getroot()
    assert root.get("tests") == "2" and root.get("failures") == "0"
    assert len(list((project / CACHE_DIR).glob("*.json"))) == 2

    # unchanged rerun: every verdict comes from the cache
    code, out, _ = run(["check", "--json"])
    data = json.loads(out)
    assert code == 0 and data["cached"] == 2 and data["passed"] == 2

    # a retrained model that breaks the first claim: re-verified, red, JUnit failure
    save_network(classifier(Fraction(8)), project / "models" / "classifier.onnx")
    code, out, err = run(["check", "--junit", str(junit)])
    assert code == 1, out + err
    assert "(0 from cache)" in out and "FAIL" in out and "witness: x = [" in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "1"
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["classifier tolerates one crashed hidden neuron"]
    code, out, _ = run(["check", "--json", "-k", "tolerates"])
    data = json.loads(out)
    (claim,) = data["claims"]
    assert code == 1 and claim["status"] == "refuted" and claim["cached"]
    assert claim["evidence"]["witness"]["error"] > 0.9


def test_byzantine_box_and_output_reach_the_engine(project):
    code, out, _ = run(["check", str(project), "--json", "-k", "byzantine", "--no-cache"])
    assert code == 0
    (claim,) = json.loads(out)["claims"]
    ev = claim["evidence"]
    assert ev["input_box"] == {"source": "input_box in the spec",
                               "box": [["-1/2", "3/2"], ["-1/2", "3/2"]]}
    assert claim["status"] == "proved" and Fraction(ev["bound"]) == Fraction(ev["fep"])


def test_unknown_never_passes(project, monkeypatch):
    """An engine that runs out of time answers unknown: the claim fails, whatever it
    expected, and the answer is not cached (the child process inherits the patch)."""
    import fepproof.run_verify as rv
    from fepproof.verdict import Status
    from fepproof.verify_api import VerifyResult

    def timed_out(problem, engine="auto", progress=None):
        return VerifyResult(Status.UNKNOWN, problem, "z3", reason="timeout after 0.001 s")
    monkeypatch.setattr(rv, "run_verify", timed_out)
    for expect in ("proved", "refuted"):
        spec = project / "fepproof.toml"
        spec.write_text(SPEC.replace('engine = "z3"', f'engine = "z3"\nexpect = "{expect}"'))
        code, out, _ = run(["check", str(spec), "--json"])
        data = json.loads(out)
        assert code == 1 and data["passed"] == 0
        assert {c["status"] for c in data["claims"]} == {"unknown"}
    assert not list((project / CACHE_DIR).glob("*.json"))


def test_input_errors_in_a_claim_exit_2(project):
    spec = project / "fepproof.toml"
    spec.write_text(SPEC.replace("failures = [1, 0]", "failures = [1, 0, 5]"))
    code, out, err = run(["check", str(spec), "--no-cache"])
    assert code == 2
    assert "claim 'classifier tolerates one crashed hidden neuron': failures:" in err
    (project / "models" / "classifier.onnx").write_bytes(b"not onnx")
    code, _, err = run(["check", str(spec), "--no-cache", "-k", "byzantine"])
    assert code == 2 and "network" in err


def test_cache_entries_are_atomic_under_concurrent_runs(project):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "fepproof", "check", str(project),
                               "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, out.decode() + err.decode()
    entries = list((project / CACHE_DIR).glob("*.json"))
    assert len(entries) == 2
    for e in entries:
        assert json.loads(e.read_text())["status"] == "proved"
    assert not [p for p in (project / CACHE_DIR).iterdir() if p.name.startswith(".")
                and p.name != ".gitignore"]
    # a corrupted entry is a miss, not a crash and not a pass
    for e in entries:
        e.write_text('{"format": "fepproof-check-cache/1", "status": "prov')
    code, out, _ = run(["check", str(project), "--json"])
    assert code == 0 and json.loads(out)["cached"] == 0


def test_pytest_plugin_collects_the_claims(project):
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            str(project / "fepproof.toml"), "--rootdir", str(project)]
    installed = any(ep.value == "fepproof.check.pytest_plugin"
                    for ep in importlib.metadata.entry_points(group="pytest11"))
    if not installed:
        args[3:3] = ["-p", "fepproof.check.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run(args, capture_output=True, text=True, env=env, cwd=project,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 passed" in res.stdout
    save_network(classifier(Fraction(8)), project / "models" / "classifier.onnx")
    res = subprocess.run(args, capture_output=True, text=True, env=env, cwd=project,
                         timeout=300)
    assert res.returncode == 1 and "1 failed, 1 passed" in res.stdout
    assert "expected proved, got refuted" in res.stdout
