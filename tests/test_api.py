"""The public Python API (fepproof.api, docs/api.md): each function gives what its command
gives (``--json``), refuses bad arguments with a ValueError naming the parameter, and
``import fepproof`` stays cheap (the API is imported on first use)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import fepproof
from fepproof.cli.main import main

SAFETY = 300.0  # seconds per point: a safety net only; the verdicts are decided by work

ROOT = Path(__file__).resolve().parent.parent
FIG1 = ROOT / "cases" / "figure1.json"
XOR = ROOT / "cases" / "xor.json"


def cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_import_is_lazy() -> None:
    code = ("import sys, fepproof; assert 'fepproof.api' not in sys.modules; "
            "assert 'fepproof.check' not in sys.modules; "
            "f = fepproof.verify; assert 'fepproof.api' in sys.modules; "
            "assert f is sys.modules['fepproof.api'].verify; print('ok')")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.stdout.strip() == "ok", res.stderr
    assert fepproof.load_network is not None and fepproof.fep is not None  # old exports
    with pytest.raises(AttributeError):
        fepproof.no_such_name  # noqa: B018


def test_check_and_harden_are_modules_and_functions() -> None:
    import fepproof.check.spec
    from fepproof.harden import replicate
    assert callable(fepproof.check) and callable(fepproof.harden)
    assert fepproof.check.spec.load_spec is not None
    assert fepproof.harden.replicate is replicate
    code = ("import fepproof; r = fepproof.harden('cases/figure1.json', [1, 0, 1], "
            "bound='1/2'); import fepproof.harden as h; assert h.replicate; "
            "print(r.factors)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "(4, 1, 9)"


def test_load_reads_every_cli_format(tmp_path: Path) -> None:
    net = fepproof.load(FIG1)
    assert net.widths == (4, 3, 4)
    fepproof.save_network(net, tmp_path / "f.npz")
    assert fepproof.load(tmp_path / "f.npz").widths == (4, 3, 4)
    with pytest.raises(ValueError, match="file: .*does not exist"):
        fepproof.load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="^path:"):
        fepproof.load(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("args", [
    ([1, 0, 1], {}),
    ([1, 0, 1], {"model": "byzantine", "capacity": "1/2"}),
    ([0, 1, 1], {"model": "stuck-at", "stuck_value": "0.75"}),
    ([1, 0, 0, 1], {"model": "synapse", "capacity": "1/4"}),
])
def test_bound_equals_cli(args) -> None:
    failures, kw = args
    res = fepproof.bound(FIG1, failures, **kw)
    flags = ["--failures", ",".join(map(str, failures))]
    for key, flag in (("model", "--model"), ("capacity", "--capacity"),
                      ("stuck_value", "--stuck-value")):
        if key in kw:
            flags += [flag, kw[key]]
    code, out, err = cli("bound", FIG1, *flags, "--json")
    assert code == 0, err
    data = json.loads(out)
    mine = res.to_json()
    for key in mine:
        assert mine[key] == data[key], key
    if kw.get("model") != "synapse":
        assert res.value == Fraction(data["fep"])
    assert fepproof.bound(fepproof.load(FIG1), failures, **kw).value == res.value


def test_verify_equals_cli_and_writes_a_certificate(tmp_path: Path) -> None:
    cert = tmp_path / "p.cert"
    res = fepproof.verify(FIG1, [1, 0, 1], bound="1.55", certificate=cert, timeout=300)
    assert res.verdict.value == "proved"
    assert res.stats["certificate"] == str(cert) and cert.is_file()
    code, out, _ = cli("check-certificate", FIG1, cert, "--quiet")
    assert code == 0 and out.startswith("valid")
    code, out, err = cli("verify", FIG1, "--failures", "1,0,1", "--bound", "1.55", "--json",
                         "--quiet", "--jobs", "1", "--timeout", "300")
    assert code == 0, err
    data = json.loads(out)
    mine = res.to_json()
    for key in ("verdict", "claim", "fep", "failures", "model", "engine"):
        assert mine[key] == data[key], key
    # refuted: the same replayed witness error as the command
    bad = fepproof.verify(FIG1, [1, 0, 1], bound="1.4", timeout=300, bracket=False)
    code, out, _ = cli("verify", FIG1, "--failures", "1,0,1", "--bound", "1.4", "--json",
                       "--quiet", "--no-bracket", "--jobs", "1", "--timeout", "300")
    assert code == 1 and bad.verdict.value == "refuted"
    assert bad.to_json()["witness"]["error"] > 1.4
    assert json.loads(out)["witness"]["error"] > 1.4


def test_verify_default_bound_is_fep_and_box_and_model_options() -> None:
    res = fepproof.verify(XOR, [1], model="byzantine", capacity="1/4", bound=1,
                          input_box=[[-0.5, 1.5]], timeout=300)
    assert res.verdict.value == "proved"
    assert res.problem.net.input_domain == ((Fraction(-1, 2), Fraction(3, 2)),) * 2
    same = fepproof.verify(XOR, "1", model="byzantine", capacity="1/4", bound=1,
                           input_box="-0.5,1.5", timeout=300)
    assert same.problem.net.input_domain == res.problem.net.input_domain
    fep_claim = fepproof.verify(fepproof.load(FIG1), [1, 0, 1], timeout=300, bracket=False)
    assert fep_claim.problem.bound == Fraction(91, 32) and fep_claim.verdict.value == "proved"


@pytest.mark.parametrize("kw,param", [
    ({"failures": [1, 0]}, "failures"),
    ({"failures": "1,x"}, "failures"),
    ({"failures": [1, 0, 9]}, "failures"),
    ({"model": "byzantine"}, "capacity"),
    ({"model": "byzantine", "capacity": -1}, "capacity"),
    ({"model": "byzantine", "capacity": 1, "capacity_reading": "bad"}, "capacity_reading"),
    ({"model": "stuck-at", "stuck_value": 3}, "stuck_value"),
    ({"model": "nope"}, "model"),
    ({"bound": -1}, "bound"),
    ({"bound": "abc"}, "bound"),
    ({"engine": "fast"}, "engine"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": float("inf")}, "timeout"),
    ({"tolerance": 2}, "tolerance"),
    ({"jobs": 0}, "jobs"),
    ({"output": 1}, "output"),
    ({"input_box": [[1, 0]]}, "input_box"),
    ({"certificate": "/nonexistent-dir/p.cert"}, "certificate"),
    ({"net": 42}, "net"),
])
def test_verify_bad_arguments_name_the_parameter(kw, param) -> None:
    kw = dict(kw)
    net = kw.pop("net", FIG1)
    failures = kw.pop("failures", [1, 0, 1])
    with pytest.raises(ValueError, match=f"^{param}[:\\[]"):
        fepproof.verify(net, failures, **kw)


def test_verify_certificate_needs_a_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="^certificate: give the network as a file path"):
        fepproof.verify(fepproof.load(FIG1), [1, 0, 1], certificate=tmp_path / "c")
    with pytest.raises(ValueError, match="^engine: the z3 engine"):
        fepproof.verify(FIG1, [1, 0, 0, 1], model="synapse", capacity=1, engine="z3")


def test_harden_equals_cli(tmp_path: Path) -> None:
    res = fepproof.harden(FIG1, [1, 0, 1], epsilon=1, epsilon_prime="1/2",
                          out=tmp_path / "h.json")
    code, out, err = cli("harden", FIG1, "--failures", "1,0,1", "--epsilon", "1",
                         "--epsilon-prime", "1/2", "-o", tmp_path / "c.json", "--json")
    assert code == 0, err
    data = json.loads(out)
    mine = res.to_json()
    for key in ("factors", "added_neurons", "fep_after", "budget", "widths_after"):
        assert mine[key] == data[key], key
    assert (tmp_path / "h.json").is_file()
    assert fepproof.load(tmp_path / "h.json").widths == tuple(data["widths_after"])
    with pytest.raises(ValueError, match="^bound:"):
        fepproof.harden(FIG1, [1, 0, 1])
    with pytest.raises(ValueError, match="^by:"):
        fepproof.harden(FIG1, [1, 0, 1], bound=1, by="magic")
    with pytest.raises(ValueError, match="^out:"):
        fepproof.harden(FIG1, [1, 0, 1], bound=1, out=tmp_path / "h.txt")
    with pytest.raises(ValueError, match="^out:"):
        fepproof.harden(FIG1, [1, 0, 1], bound=1, out=FIG1)


def test_check_equals_cli() -> None:
    res = fepproof.check(ROOT / "cases" / "ci", cache=False, jobs=2)
    assert res.passed and res.exit_code == 0
    code, out, err = cli("check", ROOT / "cases" / "ci", "--no-cache", "--json", "--jobs", "2")
    assert code == 0, err
    data = json.loads(out)
    mine = res.to_json()
    assert [c["status"] for c in mine["claims"]] == [c["status"] for c in data["claims"]]
    assert mine["passed"] == data["passed"] == len(res.outcomes)
    name = res.outcomes[1].claim.name
    assert res[name].verdict.status.value == "refuted"
    only = fepproof.check(ROOT / "cases" / "ci", cache=False, select="xor")
    assert len(only.outcomes) == 1
    with pytest.raises(ValueError, match="^select:"):
        fepproof.check(ROOT / "cases" / "ci", cache=False, select="no such claim")
    with pytest.raises(ValueError, match="^jobs:"):
        fepproof.check(ROOT / "cases" / "ci", jobs=0)
    with pytest.raises(ValueError, match="no such spec file"):
        fepproof.check(ROOT / "cases" / "nothing.toml")


CLASSIFIER = {"format": "fepproof-network/1", "name": "cmp",
              "activation": {"name": "sigmoid", "K": "1"},
              "input_domain": [[0, 1], [0, 1]],
              "layers": [{"weights": [["4", "-4"], ["-4", "4"], ["1", "1"]],
                          "bias": ["0", "0", "-1"]}],
              "output": {"weights": [["3", "-3", "0.5"], ["-3", "3", "0.5"]],
                         "bias": ["0", "0"]}}


def classifier() -> fepproof.Network:
    """Two classes: x0 > x1 (class 0) or not; crashing a comparator neuron flips some."""
    return fepproof.network_from_dict(CLASSIFIER)


def _tiny_data(n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(n, 2))
    return X, (X[:, 0] <= X[:, 1]).astype(np.int64)


def test_accuracy_bad_arguments() -> None:
    X, y = _tiny_data()
    with pytest.raises(ValueError, match="^data:"):
        fepproof.accuracy(XOR, (X[:, :1], y), [1])
    with pytest.raises(ValueError, match="^data:"):
        fepproof.accuracy(XOR, (X, y[:3]), [1])
    with pytest.raises(ValueError, match="^data:"):
        fepproof.accuracy(XOR, 42, [1])
    with pytest.raises(ValueError, match="^radius:"):
        fepproof.accuracy(XOR, (X, y), [1], radius=-1)
    with pytest.raises(ValueError, match="^samples:"):
        fepproof.accuracy(XOR, (X, y), [1], samples=0)
    with pytest.raises(ValueError, match="^failures:"):
        fepproof.accuracy(XOR, (X, y), [1, 1])


def test_accuracy_delegates_to_accuracy_report(tmp_path: Path) -> None:
    report_mod = pytest.importorskip("fepproof.classify.report")
    X, y = _tiny_data()
    net = classifier()
    res = fepproof.accuracy(net, (X, y), [1], samples=5, point_timeout=SAFETY)
    direct = report_mod.accuracy_report(net, X, y, (1,),
                                        fepproof.FailureModel.crash(), samples=5,
                                        point_timeout=SAFETY)
    assert res.n == direct.n == len(X)
    assert (res.clean, res.random_mean, res.random_min) == \
        (direct.clean, direct.random_mean, direct.random_min)
    assert res.certified == direct.certified and res.counts == direct.counts
    assert res.clean == 1.0 and res.certified < 1.0  # a crashed comparator flips points
    with pytest.raises(ValueError, match="^data:"):  # the report's own checks: a label
        fepproof.accuracy(net, (X, y + 5), [1])        # outside the outputs
    np.savez(tmp_path / "d.npz", X=X, y=y)
    fepproof.save_network(net, tmp_path / "cmp.json")
    again = fepproof.accuracy(tmp_path / "cmp.json", tmp_path / "d.npz", [1], samples=5,
                              point_timeout=SAFETY)
    assert again.clean == res.clean and again.certified == res.certified
