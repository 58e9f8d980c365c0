"""``fepproof experiment accuracy``: one row per f, numbers equal to direct
accuracy_report calls, a valid PNG, formats, progress on stderr, bad arguments."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from fepproof.classify.report import accuracy_report
from fepproof.cli.main import main
from fepproof.experiments.accuracy import failures_at, run_accuracy
from fepproof.failures import FailureModel
from fepproof.netio import load_network, save_network
from fepproof.network import network_from_dict

pytest.importorskip("matplotlib")

NET = {"format": "fepproof-network/1", "name": "cmp2",
       "activation": {"name": "sigmoid", "K": "1"}, "input_domain": [[0, 1], [0, 1]],
       "layers": [{"weights": [["4", "-4"], ["4", "-4"], ["-4", "4"], ["-4", "4"]],
                   "bias": ["0", "0", "0", "0"]},
                  {"weights": [["1", "0", "0", "0"], ["0", "0", "1", "0"]],
                   "bias": ["0", "0"]}],
       "output": {"weights": [["6", "-6"], ["-6", "6"]], "bias": ["0", "0"]}}


def cli(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    save_network(network_from_dict(NET), tmp_path / "cmp2.json")
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, size=(16, 2))
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] <= X[:, 1]).astype(np.int64))
    return tmp_path / "cmp2.json", tmp_path / "d.npz"


def test_csv_matches_accuracy_report_and_png_is_valid(files, tmp_path: Path) -> None:
    net_path, data = files
    out_dir = tmp_path / "out"
    code, out, err = cli("experiment", "accuracy", net_path, "--data", data,
                         "--max-failures", "3", "--samples", "20", "--out", out_dir)
    assert code == 0, err
    png = out_dir / "accuracy.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (out_dir / "accuracy.svg").read_text()
    rows = list(csv.DictReader((out_dir / "accuracy.csv").open()))
    assert [int(r["f"]) for r in rows] == [0, 1, 2, 3]
    net = load_network(net_path)
    with np.load(data) as d:
        X, y = d["X"], d["y"]
    for r in rows:
        counts = failures_at(net, int(r["f"]))
        assert r["failures"] == "-".join(map(str, counts))
        rep = accuracy_report(net, X, y, counts, FailureModel.crash(), samples=20)
        assert float(r["clean"]) == rep.clean
        assert float(r["random_mean"]) == rep.random_mean
        assert float(r["random_min"]) == rep.random_min
        assert (float(r["worst_fixed_lo"]), float(r["worst_fixed_hi"])) == rep.worst_fixed
        assert float(r["certified"]) == rep.certified
        assert int(r["proved"]) == rep.counts["proved"]
        assert float(r["certified"]) <= float(r["worst_fixed_lo"]) \
            <= float(r["worst_fixed_hi"]) <= float(r["random_min"]) <= float(r["random_mean"])
    assert counts == (3, 2)  # f = 3 capped at the second layer's width (2)
    assert "accuracy: f = 3" in err and "[4/4]" in err
    assert f"wrote {png}" in out


def test_formats_and_model(files, tmp_path: Path) -> None:
    net_path, data = files
    code, out, err = cli("experiment", "accuracy", net_path, "--data", data,
                         "--max-failures", "1", "--format", "csv", "-o", tmp_path / "o",
                         "--model", "stuck-at", "--stuck-value", "1", "--quiet")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["accuracy.csv"]
    rows = list(csv.DictReader((tmp_path / "o" / "accuracy.csv").open()))
    assert {r["model"] for r in rows} == {"stuck-at"} and err == ""


def test_run_accuracy_with_a_fake_report(files, tmp_path: Path) -> None:
    net_path, data = files
    net = load_network(net_path)
    seen = []

    def fake(net, X, y, failures, model, **kw):
        seen.append(failures)
        with np.load(data) as d:
            return accuracy_report(net, d["X"], d["y"], failures, model, samples=5)
    res = run_accuracy(net, np.zeros((1, 2)), np.zeros(1), 2, formats=("csv",),
                       outdir=tmp_path / "f", report=fake)
    assert seen == [(0, 0), (1, 1), (2, 2)] and len(res.rows) == 3


@pytest.mark.parametrize("extra,message", [
    ([], "--data: required"),
    (["--data", "D", "--max-failures", "1", "--format", "gif"], "--format:"),
    (["--data", "D"], "--max-failures: required"),
    (["--data", "D", "--max-failures", "1", "--net", "N"], "not for the accuracy"),
    (["--data", "D", "--max-failures", "1", "--model", "byzantine"], "--capacity"),
])
def test_bad_arguments(files, extra, message) -> None:
    net_path, data = files
    extra = [str(data) if a == "D" else str(net_path) if a == "N" else a for a in extra]
    code, _, err = cli("experiment", "accuracy", net_path, *extra)
    assert code == 2 and message in err, err


def test_accuracy_flags_refused_elsewhere(files) -> None:
    _, data = files
    code, _, err = cli("experiment", "depth", "--data", data)
    assert code == 2 and "--data: only for the accuracy experiment" in err
