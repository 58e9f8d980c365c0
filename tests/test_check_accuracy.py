"""``fepproof check`` claims of kind "accuracy": thresholds on the accuracy report, numbers
in the failure message, spec errors, the data set's bytes in the key, no caching, JUnit."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from fepproof.check.cache import CACHE_DIR, claim_key
from fepproof.check.spec import SpecError, load_spec
from fepproof.classify.report import accuracy_report
from fepproof.cli.main import main
from fepproof.failures import FailureModel
from fepproof.netio import load_network, save_network
from fepproof.network import network_from_dict

# two copies of each comparator: one crash leaves the other, so points far from the
# diagonal are certified and points near it are not
CLASSIFIER = {"format": "fepproof-network/1", "name": "cmp2",
              "activation": {"name": "sigmoid", "K": "1"},
              "input_domain": [[0, 1], [0, 1]],
              "layers": [{"weights": [["4", "-4"], ["4", "-4"], ["-4", "4"], ["-4", "4"]],
                          "bias": ["0", "0", "0", "0"]}],
              "output": {"weights": [["3", "3", "-3", "-3"], ["-3", "-3", "3", "3"]],
                         "bias": ["0", "0"]}}


def cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def claim_toml(name: str, **keys: object) -> str:
    body = {"kind": "accuracy", "network": "cmp2.json", "data": "d.npz", "failures": [1],
            **keys}
    lines = [f"name = {json.dumps(name)}"]
    for k, v in body.items():
        lines.append(f"{k} = {json.dumps(v)}")
    return "[[claim]]\n" + "\n".join(lines) + "\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    save_network(network_from_dict(CLASSIFIER), tmp_path / "cmp2.json")
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(24, 2))
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] <= X[:, 1]).astype(np.int64))
    return tmp_path


def direct(project: Path):
    with np.load(project / "d.npz") as d:
        X, y = d["X"], d["y"]
    return accuracy_report(load_network(project / "cmp2.json"), X, y, (1,),
                           FailureModel.crash(), samples=100)


def test_thresholds_decide_the_claim(project: Path) -> None:
    rep = direct(project)
    assert 0 < rep.certified < 1 and rep.clean == 1.0
    spec = (claim_toml("meets", min_certified=rep.certified, min_clean=1,
                       min_random=rep.random_mean)
            + claim_toml("certified too high", min_certified=min(1.0, rep.certified + 0.2))
            + claim_toml("random too high", min_certified=0,
                         min_random=min(1.0, rep.random_mean + 0.01)))
    (project / "fepproof.toml").write_text(spec)
    code, out, err = cli("check", project, "--json", "--jobs", "1")
    assert code == 1, err
    data = json.loads(out)
    by = {c["name"]: c for c in data["claims"]}
    assert by["meets"]["status"] == "proved" and by["meets"]["passed"]
    acc = by["meets"]["evidence"]["accuracy"]
    assert acc["certified"] == rep.certified and acc["clean"] == rep.clean
    assert acc["random"]["mean"] == rep.random_mean and "points" not in acc
    bad = by["certified too high"]
    assert bad["status"] == "refuted" and not bad["passed"]
    assert f"certified {100 * rep.certified:.4g}%" in bad["evidence"]["reason"]
    assert "certified accuracy" in bad["evidence"]["reason"]
    assert by["random too high"]["status"] == "refuted"
    assert "random mean accuracy" in by["random too high"]["evidence"]["reason"]
    code, out, _ = cli("check", project, "--jobs", "1")
    assert "certified too high: expected proved, got refuted" in out
    assert "reason: certified accuracy" in out


def test_junit_and_no_cache(project: Path) -> None:
    (project / "fepproof.toml").write_text(claim_toml("a", min_certified=0)
                                           + claim_toml("b", min_certified=1))
    junit = project / "out.xml"
    code, out, err = cli("check", project, "--junit", junit, "--jobs", "1")
    assert code == 1, err
    cases = ET.parse(junit).getroot().iter("testcase")
    by = {c.get("name"): c for c in cases}
    assert by["a"].find("failure") is None
    fail = by["b"].find("failure")
    assert fail is not None and "certified accuracy" in fail.text
    props = {p.get("name"): p.get("value") for p in by["a"].iter("property")}
    assert props["method"] == "accuracy" and props["cached"] == "false"
    # accuracy verdicts are never cached: a rerun runs them again
    assert not list((project / CACHE_DIR).glob("*.json"))
    code, out, _ = cli("check", project, "--json", "--jobs", "1")
    assert not any(c["cached"] for c in json.loads(out)["claims"])


def test_data_bytes_are_in_the_key(project: Path) -> None:
    (project / "fepproof.toml").write_text(claim_toml("a", min_certified=0))
    claim = load_spec(project / "fepproof.toml").claims[0]
    before = claim_key(claim)
    with np.load(project / "d.npz") as d:
        X, y = d["X"], d["y"]
    np.savez(project / "d.npz", X=X, y=1 - y)  # same shape, new labels
    assert claim_key(claim) != before
    same_name = claim_toml("a", min_certified=0).replace("d.npz", "e.npz")
    np.savez(project / "e.npz", X=X, y=y)
    (project / "g.toml").write_text(same_name)
    other = load_spec(project / "g.toml").claims[0]
    assert claim_key(other) != claim_key(claim)


def test_changed_labels_change_the_verdict(project: Path) -> None:
    (project / "fepproof.toml").write_text(claim_toml("a", min_certified=0, min_clean=1))
    code, _, err = cli("check", project, "--jobs", "1")
    assert code == 0, err
    with np.load(project / "d.npz") as d:
        X, y = d["X"], d["y"]
    np.savez(project / "d.npz", X=X, y=1 - y)
    code, out, _ = cli("check", project, "--jobs", "1")
    assert code == 1 and "clean accuracy 0% < 100%" in out


@pytest.mark.parametrize("keys,message", [
    ({}, "min_certified: required"),
    ({"min_certified": 2}, "min_certified: expected a number in [0, 1]"),
    ({"min_certified": 0.5, "min_clean": -1}, "min_clean: expected a number in [0, 1]"),
    ({"min_certified": 0.5, "radius": -1}, "radius: expected a number in >= 0"),
    ({"min_certified": 0.5, "bound": "1"}, "bound: not a key of an accuracy claim"),
    ({"min_certified": 0.5, "expect": "refuted"}, "expect: not a key of an accuracy claim"),
    ({"min_certified": 0.5, "data": "missing.npz"}, "data: missing.npz does not exist"),
    ({"min_certified": 0.5, "data": "d.txt"}, "data: d.txt: expected a .npz or .csv"),
    ({"min_certified": 0.5, "samples": 0}, "samples: expected an integer"),
    ({"min_certified": 0.5, "kind": "accurate"}, "kind: expected verify or accuracy"),
])
def test_spec_errors(project: Path, keys: dict, message: str) -> None:
    (project / "fepproof.toml").write_text(claim_toml("c", **keys))
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_spec(project / "fepproof.toml")


def test_accuracy_keys_refused_on_verify_claims(project: Path) -> None:
    (project / "fepproof.toml").write_text(
        '[[claim]]\nname = "v"\nnetwork = "cmp2.json"\nfailures = [1]\nmin_certified = 1\n')
    with pytest.raises(SpecError, match="min_certified: only for kind"):
        load_spec(project / "fepproof.toml")


def test_defaults_apply_across_kinds(project: Path) -> None:
    (project / "fepproof.toml").write_text(
        '[defaults]\nbound = "fep"\nengine = "auto"\nradius = 0\ntimeout = 300\n\n'
        + claim_toml("acc", min_certified=0)
        + '[[claim]]\nname = "v"\nnetwork = "cmp2.json"\nfailures = [1]\n')
    spec = load_spec(project / "fepproof.toml")
    assert [c.kind for c in spec.claims] == ["accuracy", "verify"]
    assert spec.claims[0].timeout == 300
    code, _, err = cli("check", project, "--jobs", "1")
    assert code == 0, err


def test_bad_data_is_an_input_error(project: Path) -> None:
    np.savez(project / "d.npz", X=np.zeros((3, 5)), y=np.zeros(3, dtype=np.int64))
    (project / "fepproof.toml").write_text(claim_toml("a", min_certified=0))
    code, out, err = cli("check", project, "--jobs", "1")
    assert code == 2
    assert "claim 'a': data:" in err and "features" in err


def test_fake_report_through_the_hook(project: Path, monkeypatch) -> None:
    """The runner's report function can be substituted (the contract, not the engine)."""
    import dataclasses

    from fepproof.check import runner
    real = direct(project)
    unknown = dataclasses.replace(real, certified=0.5, counts={**real.counts, "unknown": 6,
                                                               "proved": 12})
    monkeypatch.setattr(runner, "ACCURACY_REPORT", lambda *a, **k: unknown)
    (project / "fepproof.toml").write_text(claim_toml("a", min_certified=0.6))
    code, out, _ = cli("check", project, "--json", "--jobs", "1")
    c = json.loads(out)["claims"][0]
    assert c["status"] == "unknown" and "undecided" in c["evidence"]["reason"]
