"""`fepproof verify --engine numeric|auto` through the CLI (numeric engines)."""

from __future__ import annotations

import io
import json

import pytest

from fepproof.netio import save_network
from fepproof.numeric.samples import random_network

main = pytest.importorskip("fepproof.cli.main").main
pytest.importorskip("fepproof.cli.verify_cmd")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def wide_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("nets") / "wide.json"
    save_network(random_network(8, [32, 32], seed=2), path)
    return str(path)


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("nets") / "tiny.json"
    save_network(random_network(2, [2, 2], seed=2), path)
    return str(path)


def test_numeric_engine_text_and_json(wide_path):
    # the run stops at a 50 % bracket (a witness replayed, the upper bound within twice
    # it), not at a time budget: the timeout is only a safety net
    code, out, err = _run(["verify", wide_path, "--failures", "2,2", "--engine", "numeric",
                           "--tolerance", "0.5", "--timeout", "300"])
    assert code == 0  # Fep (the default bound) is far above the certified upper bound
    assert "engine    numeric" in out and "verdict   proved" in out
    assert "worst" in out and "Fep" in out
    assert "numeric:" in err  # progress lines
    code, out, _ = _run(["verify", wide_path, "--failures", "2,2", "--engine", "numeric",
                         "--tolerance", "0.5", "--timeout", "300", "--json", "--quiet"])
    data = json.loads(out)
    assert data["engine"] == "numeric" and data["verdict"] == "proved"
    lo, up = data["worst_case"]["lower"], data["worst_case"]["upper"]
    assert 0 < lo <= up < data["fep_float"] and up - lo <= 0.5 * up
    assert data["worst_over_fep"]["upper"] == pytest.approx(up / data["fep_float"])


def test_numeric_engine_refutes_with_replayable_witness(wide_path, tmp_path):
    wit = tmp_path / "w.json"
    # decide mode: the run stops at the first replayed witness above the bound (the
    # timeout is only a safety net, so a loaded machine gives the same verdict)
    code, out, _ = _run(["verify", wide_path, "--failures", "2,2", "--engine", "numeric",
                         "--bound", "1/1000", "--no-bracket", "--timeout", "300", "--json",
                         "--quiet", "--witness-out", str(wit)])
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "refuted" and data["witness"]["error"] > 0.001
    assert wit.exists()
    # the witness replays with the CLI's own replay command, above the bound
    code, out, _ = _run(["replay", wide_path, str(wit), "--bound", "1/1000"])
    assert code == 0, out


def test_auto_chooses_by_size(wide_path, tiny_path):
    _, out, _ = _run(["verify", wide_path, "--failures", "1,1", "--timeout", "2", "--json",
                      "--quiet"])
    assert json.loads(out)["engine"] == "numeric"
    _, out, _ = _run(["verify", tiny_path, "--failures", "1,0", "--timeout", "5", "--json",
                      "--quiet", "--no-bracket"])
    assert json.loads(out)["engine"] == "z3"
