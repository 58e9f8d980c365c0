"""fepproof check end to end: the example spec in cases/ (this is how CI runs it), the
user's scenario (a fresh project with an ONNX model: green, red after a model that breaks
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

import numpy as np
import pytest

from fepproof.check.cache import CACHE_DIR
from fepproof.cli.main import main
from fepproof.netio import save_network
from fepproof.network import network_from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "cases" / "ci" / "fepproof.toml"

SPEC = """\
[defaults]
timeout = 300

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
    # the failure reads as the CLI's lines, not a dump of the evidence
    assert "classifier tolerates one crashed hidden neuron: expected proved, got refuted" \
        in res.stdout
    assert "  witness: x = [" in res.stdout and "  claim: |F_neu - F_fail| <= 9/10" in res.stdout
    assert '"bound_float"' not in res.stdout and '"widths"' not in res.stdout


def _entries(project):
    return sorted((project / CACHE_DIR).glob("*.json"))


@pytest.mark.parametrize("kind", ["fifo", "symlink-dev-zero", "huge", "directory"])
def test_a_cache_entry_that_is_not_a_regular_file_is_a_miss(project, kind):
    """An entry swapped for a FIFO or a symlink to /dev/zero used to hang the next run;
    now it is a miss, the claim is re-run and (except a directory) the entry replaced."""
    spec = str(project / "fepproof.toml")
    assert run(["check", spec, "-k", "crashed"])[0] == 0
    (entry,) = _entries(project)
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "symlink-dev-zero":
        entry.symlink_to("/dev/zero")
    elif kind == "huge":
        with open(entry, "wb") as fh:
            fh.truncate(64 * 2**20)  # sparse, over the entry size limit
    else:
        entry.mkdir()
    code, out, err = run(["check", spec, "-k", "crashed", "--json"])
    assert code == 0, out + err
    assert json.loads(out)["cached"] == 0
    if kind != "directory":
        assert entry.is_file() and not entry.is_symlink()
        assert json.loads(entry.read_text())["status"] == "proved"
        assert json.loads(run(["check", spec, "-k", "crashed", "--json"])[1])["cached"] == 1


def _rewrite(entry, change, reseal: bool):
    from fepproof.check.cache import entry_integrity
    data = json.loads(entry.read_text())
    data.pop("integrity")
    change(data)
    if reseal:
        data["integrity"] = entry_integrity(data["key"], data)
    else:
        data["integrity"] = json.loads(entry.read_text())["integrity"]
    entry.write_text(json.dumps(data))


def test_a_hand_edited_entry_is_not_believed(project):
    """A refuted verdict edited to proved fails the integrity check: the claim is re-run
    and refuted again."""
    save_network(classifier(Fraction(8)), project / "models" / "classifier.onnx")
    spec = str(project / "fepproof.toml")
    code, out, _ = run(["check", spec, "-k", "crashed", "--json"])
    assert code == 1 and json.loads(out)["claims"][0]["status"] == "refuted"
    (entry,) = _entries(project)
    _rewrite(entry, lambda d: d.update(status="proved"), reseal=False)
    code, out, _ = run(["check", spec, "-k", "crashed", "--json"])
    (claim,) = json.loads(out)["claims"]
    assert code == 1 and claim["status"] == "refuted" and not claim["cached"]


def test_a_cached_refutation_counts_only_if_its_witness_replays(project):
    """Even with a valid integrity field, a cached refuted verdict whose witness does not
    exceed the bound (a real crash scenario, on a network where the claim holds) is not
    believed; the claim is re-run."""
    spec = str(project / "fepproof.toml")
    assert run(["check", spec, "-k", "crashed"])[0] == 0  # proved
    (entry,) = _entries(project)

    def forge(d):
        d["status"] = "refuted"
        d["evidence"]["witness"] = {"input": [0.5, 0.5], "failed": [[0], []],
                                    "values": None}
    _rewrite(entry, forge, reseal=True)
    from fepproof.check.cache import cache_get
    assert cache_get(project, entry.stem) is not None  # the integrity check passes...
    code, out, err = run(["check", spec, "-k", "crashed", "--json"])
    (claim,) = json.loads(out)["claims"]  # ...but the witness does not replay
    assert code == 0 and claim["status"] == "proved" and not claim["cached"], out + err
    # a genuine refutation does replay, and is then read from the cache
    save_network(classifier(Fraction(8)), project / "models" / "classifier.onnx")
    assert run(["check", spec, "-k", "crashed"])[0] == 1
    code, out, _ = run(["check", spec, "-k", "crashed", "--json"])
    (claim,) = json.loads(out)["claims"]
    assert code == 1 and claim["cached"] and claim["cache"]["check"] == "witness replayed"


def test_control_characters_are_escaped_and_junit_stays_parseable(project):
    spec = project / "fepproof.toml"
    spec.write_text(SPEC.replace('"classifier tolerates one crashed hidden neuron"',
                                 '"evil\\u001b[2J\\u0000name\\u202e\\n"'))
    junit = project / "j.xml"
    code, out, err = run(["check", str(spec), "--junit", str(junit), "--no-cache"])
    assert code == 0, out + err
    for text in (out, err, junit.read_text()):
        assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert "evil\\x1b[2J\\x00name\\u202e\\x0a" in out
    assert "fepproof check: evil\\x1b[2J\\x00name\\u202e\\x0a: proved\n" in err
    names = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")]
    assert names[0] == "evil\\x1b[2J\\x00name\\u202e\\x0a"


def test_cached_results_say_so_with_this_runs_times(project):
    junit = project / "j.xml"
    spec = str(project / "fepproof.toml")
    assert run(["check", spec, "--junit", str(junit)])[0] == 0
    first = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert {c.find("properties/property[@name='cached']").get("value")
            for c in first.values()} == {"false"}
    code, out, _ = run(["check", spec, "--junit", str(junit)])
    assert code == 0 and "(2 from cache)" in out and out.count("cached ok") == 2
    for case in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert props["cached"] == "true" and props["cache_check"] == "certificate re-validated"
        # the time is this run's (a lookup), the original one a property
        assert props["verified_seconds"] == first[case.get("name")].get("time")
        assert case.find("system-out").text.splitlines()[1].startswith(
            "from .fepproof-cache/ (verified in")
    data = json.loads(run(["check", spec, "--json"])[1])
    for c in data["claims"]:
        assert c["cached"] and c["cache"]["verified_seconds"] >= 0
        assert c["cache"]["check"] == "certificate re-validated"


def test_a_cached_proved_counts_only_with_a_certificate_for_this_claim(project):
    """An attacker who rewrites a cached 'proved' (and recomputes its integrity digest)
    cannot make it count: the certificate must prove this very claim and pass the
    independent checker again."""
    from fepproof.check.cache import entry_integrity
    spec = str(project / "fepproof.toml")
    assert run(["check", spec])[0] == 0
    entries = sorted((project / CACHE_DIR).glob("*.json"))
    assert len(entries) == 2

    def forge(edit):
        for e in entries:
            data = json.loads(e.read_text())
            data.pop("integrity")
            edit(data["evidence"])
            data["integrity"] = entry_integrity(data["key"], data)
            e.write_text(json.dumps(data))
        code, out, _ = run(["check", spec])
        assert code == 0 and "(0 from cache)" in out, out

    forge(lambda ev: ev.pop("certificate"))  # no certificate: re-run
    assert run(["check", spec])[1].count("cached ok") == 2

    def smaller_box(ev):  # a true certificate, but of another claim
        ev["certificate"]["claim"]["input_box"] = [["0", "1/2"]]
    forge(smaller_box)

    def lower_bound(ev):  # a claim the checker cannot prove
        ev["certificate"]["claim"]["bound"] = "1/1000000"
    forge(lower_bound)


def test_corrupt_onnx_and_failure_counts_exit_2_with_one_prefix(project):
    """A truncated ONNX model is bad input (exit 2), and a wrong number of failure
    counts is named once: 'failures: expected 2 values, one per hidden layer'."""
    spec = project / "fepproof.toml"
    spec.write_text(SPEC.replace("failures = [1, 0]", "failures = [1, 0, 5]"))
    code, _, err = run(["check", str(spec), "--no-cache", "-k", "crashed"])
    assert code == 2
    assert err.splitlines()[-1] == (
        "fepproof check: claim 'classifier tolerates one crashed hidden neuron': "
        "failures: expected 2 values, one per hidden layer, got 3")
    model = project / "models" / "classifier.onnx"
    model.write_bytes(model.read_bytes()[:-40])
    code, out, err = run(["check", str(spec), "--no-cache", "-k", "byzantine"])
    assert code == 2, out + err
    assert err.splitlines()[-1].startswith(
        "fepproof check: claim 'classifier output 1 within Fep under a Byzantine neuron': "
        "network: ")


def test_a_reader_crash_on_a_corrupt_model_is_bad_input(project, monkeypatch):
    """Whatever a reader raises on a corrupt file (onnx raises protobuf's DecodeError),
    the claim's network is bad input: exit 2, one line naming it, not exit 1."""
    import fepproof.netio as netio

    class DecodeError(Exception):
        pass

    def corrupt(path, **kw):
        raise DecodeError("Error parsing message with type 'onnx.ModelProto'")
    monkeypatch.setattr(netio, "load_network", corrupt)
    code, out, err = run(["check", str(project), "--no-cache", "-k", "crashed"])
    assert code == 2, out + err
    assert err.splitlines()[-1] == (
        "fepproof check: claim 'classifier tolerates one crashed hidden neuron': network: "
        f"{project / 'models' / 'classifier.onnx'} cannot be read as a network "
        "(DecodeError: Error parsing message with type 'onnx.ModelProto')")


def test_onnx_external_data_is_part_of_the_key(project):
    """The cache key hashes every byte the network is read from: editing the external
    data file of an ONNX model re-verifies the claim."""
    onnx = pytest.importorskip("onnx")
    path = project / "models" / "classifier.onnx"
    m = onnx.load(str(path))
    onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="classifier.onnx.data", size_threshold=0)
    data = project / "models" / "classifier.onnx.data"
    assert data.is_file()
    spec = str(project / "fepproof.toml")
    assert run(["check", spec, "-k", "crashed"])[0] == 0
    assert json.loads(run(["check", spec, "-k", "crashed", "--json"])[1])["cached"] == 1
    from fepproof.check.cache import claim_key
    from fepproof.check.spec import load_spec
    (claim,) = [c for c in load_spec(spec).claims if "crashed" in c.name]
    before = claim_key(claim)
    main_bytes = path.read_bytes()
    weights = np.frombuffer(data.read_bytes(), dtype="<f4") * 8  # only the data file
    data.write_bytes(weights.astype("<f4").tobytes())
    assert path.read_bytes() == main_bytes and claim_key(claim) != before
    code, out, _ = run(["check", spec, "-k", "crashed", "--json"])
    (claim,) = json.loads(out)["claims"]
    assert not claim["cached"] and claim["status"] == "refuted" and code == 1


def test_a_network_is_loaded_once_per_run(project, tmp_path, monkeypatch):
    """Per-claim overhead: five claims on one network (distinct timeouts, so each is
    verified) load it once, in the parent; the claim processes inherit it."""
    import fepproof.netio as netio
    log = tmp_path / "loads.log"
    real = netio.load_network

    def counting(path, **kw):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(path, **kw)
    monkeypatch.setattr(netio, "load_network", counting)
    body = "".join(f'[[claim]]\nname = "c{i}"\nnetwork = "models/classifier.onnx"\n'
                   f'failures = [1, 0]\nbound = "fep"\nengine = "numeric"\n'
                   f"timeout = {300 + i}\n" for i in range(5))
    (project / "fepproof.toml").write_text(body)
    code, out, err = run(["check", str(project), "--no-cache", "--jobs", "2"])
    assert code == 0 and "5 claim(s): 5 passed" in out, out + err
    assert log.read_text().split() == [str(os.getpid())]
