"""Experiments: each writes PNG, SVG and CSV; local pool and Dask give the same rows."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.cli.main import main
from fepproof.experiments.evaluate import EvalTask, evaluate, search_worst
from fepproof.experiments.networks import random_network, with_K
from fepproof.experiments.sweep import ProgressBar, run_sweep
from fepproof.experiments.tightness import family

pytest.importorskip("matplotlib")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _tasks(n: int = 6) -> list[EvalTask]:
    base = random_network(5, 2, (3, 3))
    return [EvalTask(with_K(base, Fraction(2) ** k / 4), (1, 1), seed=k, samples=32,
                     engine=False, labels=(("k", k),)) for k in range(n)]


@pytest.mark.parametrize("name,rows", [("fig3", 24), ("tightness", 24), ("depth", 15)])
def test_experiment_writes_png_svg_csv(tmp_path: Path, name: str, rows: int) -> None:
    code, out, err = cli("experiment", name, "-o", str(tmp_path), "--workers", "1",
                         "--samples", "64", "--no-engine")
    assert code == 0, err
    png, svg, csv_path = (tmp_path / f"{name}.{e}" for e in ("png", "svg", "csv"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()
    table = list(csv.DictReader(csv_path.open()))
    assert len(table) == rows
    for r in table:
        # crash / Byzantine (deviation): the replayed worst error never exceeds Fep
        assert 0 < float(r["worst_found"]) <= float(r["fep"])
        assert Fraction(r["fep_exact"]) == Fraction(r["fep_exact"])  # exact column parses
        assert r["certified"] == ""  # engine disabled: no certified number is invented
    assert f"{name} [" in err and f"{rows}/{rows}" in err  # progress bar on stderr
    assert "note: certified bound not shown: the numeric engine is disabled" in out


def test_tightness_ratio_approaches_one(tmp_path: Path) -> None:
    for name in ("theorem1", "theorem2", "two-layer"):
        ratios = []
        for t in (Fraction(1), Fraction(8), Fraction(64)):
            net, f, model = family(name, t)
            row = evaluate(EvalTask(net, f, seed=0, model=model, samples=16, engine=False))
            ratios.append(row["worst_over_fep"])
        assert ratios[0] < ratios[1] < ratios[2] <= 1
        assert ratios[2] > 0.999


def test_search_witness_is_replayed_lower_bound() -> None:
    # theorem1 family: the exact worst case is (1/N) sigmoid(4 K t) at x = 1
    import mpmath

    net, f, _ = family("theorem1", Fraction(2))
    wit, lower = search_worst(EvalTask(net, f, seed=1, samples=8, engine=False))
    with mpmath.workdps(50):
        exact = 1 / (1 + mpmath.exp(-2))
        low = mpmath.mpf(lower.numerator) / lower.denominator
        assert wit.input == (Fraction(1),)
        assert low <= exact and low > exact * (1 - mpmath.mpf(10) ** -20)


def test_local_pool_equals_serial() -> None:
    tasks = _tasks()
    serial = run_sweep(evaluate, tasks, workers=1, progress=None)
    pooled = run_sweep(evaluate, tasks, workers=2, progress=None)
    assert serial == pooled
    assert [r["k"] for r in pooled] == list(range(len(tasks)))  # task order kept


def test_dask_equals_local() -> None:
    distributed = pytest.importorskip("distributed")
    tasks = _tasks()
    local = run_sweep(evaluate, tasks, workers=2, progress=None)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        err = io.StringIO()
        remote = run_sweep(evaluate, tasks, scheduler=cluster.scheduler_address,
                           progress=err, label="dask")
    assert remote == local
    assert f"dask [{'#' * 30}] {len(tasks)}/{len(tasks)}" in err.getvalue()


def test_progress_bar_format() -> None:
    s = io.StringIO()
    bar = ProgressBar(4, s, "x", width=8)
    bar.update()
    bar.update()
    bar.close()
    assert "x [####....] 2/4" in s.getvalue() and s.getvalue().endswith("\n")


def test_experiment_cli_errors(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = cli("experiment", "fig3", "-o", str(f))
    assert code == 2 and "--outdir" in err
    code, _, err = cli("experiment", "fig3", "--workers", "0")
    assert code == 2 and "--workers" in err
    code, _, err = cli("experiment", "nosuch")
    assert code == 2


def test_engine_bracket_consistent_when_installed() -> None:
    from fepproof.experiments.evaluate import engine_available

    if not engine_available():
        pytest.skip("numeric engine not installed")
    net, f, model = family("theorem2", Fraction(2))
    row = evaluate(EvalTask(net, f, seed=0, model=model, samples=16, engine_timeout=300.0))
    assert row["certified_by"] == "numeric"
    assert row["worst_found"] <= row["certified"]  # replayed lower <= certified upper


def test_crash_errors_match_simulator() -> None:
    import numpy as np

    from fepproof.experiments.evaluate import crash_errors
    from fepproof.simulate import neuron_errors, random_failure_masks, sample_inputs

    net = random_network(4, 3, (5, 4, 3))
    rng = np.random.default_rng(0)
    masks = random_failure_masks(net.widths, (2, 1, 1), 20, rng)
    X = sample_inputs(net, 30, rng)
    np.testing.assert_allclose(crash_errors(net, X, masks), neuron_errors(net, X, masks),
                               rtol=1e-12, atol=1e-14)


def test_experiments_on_user_networks(tmp_path: Path) -> None:
    from fepproof.netio import save_network
    from fepproof.network import Layer, Network

    base = random_network(21, 2, (4, 3))
    two = Network(base.layers, Layer(base.output.weights * 2,
                                     (Fraction(0), Fraction(1, 2))), base.activation,
                  base.input_domain, "two-out")
    save_network(two, tmp_path / "two.onnx")
    save_network(random_network(22, 2, (3, 3)), tmp_path / "other.json")
    code, out, err = cli("experiment", "fig3", "--net", str(tmp_path / "two.onnx"),
                         "--net", str(tmp_path / "other.json"), "--failures", "1,2",
                         "--output", "1", "-o", str(tmp_path), "--workers", "1",
                         "--samples", "32", "--no-engine", "--quiet")
    assert code == 2 and "--output: the network has 1 output(s)" in err
    code, out, err = cli("experiment", "fig3", "--net", str(tmp_path / "two.onnx"),
                         "--net", str(tmp_path / "other.json"), "--failures", "1,2",
                         "-o", str(tmp_path), "--workers", "1", "--samples", "32",
                         "--no-engine", "--quiet")
    assert code == 0, err
    table = list(csv.DictReader((tmp_path / "fig3.csv").open()))
    assert {r["network"] for r in table} == {"two-out", "net22"}
    assert {r["failures"] for r in table} == {"1-2"}
    assert all(float(r["worst_found"]) <= float(r["fep"]) for r in table)
    code, out, err = cli("experiment", "depth", "--net", str(tmp_path / "two.onnx"),
                         "--output", "1", "-o", str(tmp_path), "--workers", "1",
                         "--samples", "32", "--no-engine", "--quiet")
    assert code == 0, err
    table = list(csv.DictReader((tmp_path / "depth.csv").open()))
    assert [r["failures"] for r in table] == ["1-0", "0-1"]
    code, _, err = cli("experiment", "fig3", "--net", str(tmp_path / "two.onnx"),
                       "--failures", "1,9", "--quiet")
    assert code == 2 and "--failures" in err


@pytest.mark.parametrize("reading", ["deviation", "value"])
def test_byzantine_search_witness_replays(reading: str) -> None:
    from fepproof.failures import FailureModel
    from fepproof.replay import replay

    net = random_network(8, 2, (4, 3))
    model = FailureModel.byzantine(Fraction(1, 2), reading)
    wit, lower = search_worst(EvalTask(net, (1, 1), seed=2, model=model, samples=32,
                                       engine=False))
    rep = replay(net, wit, model)
    assert rep.valid and rep.error_fraction_lower() == lower
    from fepproof.bounds import fep

    assert lower <= fep(net, (1, 1), model).sound


def test_gaussian_network_is_seeded_and_scaled() -> None:
    """The generator the benchmarks and tests share: same seed, same network; weights
    ~ N(0, scale^2) (exact float32 values), the requested widths and input box."""
    import numpy as np

    from fepproof.experiments.networks import gaussian_network
    from fepproof.network import network_to_dict

    a = gaussian_network(3, 4, (50, 40), scale=2.0, box=(-1.0, 1.0))
    assert network_to_dict(a) == network_to_dict(gaussian_network(3, 4, (50, 40), scale=2.0,
                                                                   box=(-1.0, 1.0)))
    assert network_to_dict(a) != network_to_dict(gaussian_network(4, 4, (50, 40), scale=2.0))
    assert a.widths == (50, 40) and a.input_dim == 4
    assert all(lo == -1 and hi == 1 for lo, hi in a.input_domain)
    W = np.array([[float(w) for w in row] for row in a.layers[1].weights])
    assert 1.7 < W.std() < 2.3 and abs(W.mean()) < 0.2
    assert all(float(np.float32(w)) == w for w in W.ravel())
    dec = gaussian_network(0, 2, (3,), decimals=2, out_bias=True)
    assert all(w * 100 == int(w * 100) for row in dec.layers[0].weights for w in row)
    assert dec.output.bias[0] != 0
