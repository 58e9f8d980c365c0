"""`fepproof verify` end to end: verdicts, exit codes, JSON shape, witness file, errors."""

import io
import json
from pathlib import Path

import pytest

from fepproof.cli.main import main
from fepproof.netio import save_network
from fepproof.network import network_from_dict

NET = {"format": "fepproof-network/1", "name": "tiny",
       "activation": {"name": "sigmoid", "K": "1/4"},
       "layers": [{"weights": [["1.2", "-0.7"], ["0.5", "0.9"], ["-1.1", "0.4"]],
                   "bias": ["0.2", "-0.8", "0.6"]},
                  {"weights": [["1.3", "-0.2", "0.7"], ["0.1", "-0.9", "1.0"],
                               ["0.3", "-0.4", "1.5"]],
                   "bias": ["-1.2", "0.8", "0.1"]}],
       "output": {"weights": [["1", "-0.5", "0.8"]], "bias": ["0"]}}

SATURATED = {"format": "fepproof-network/1", "name": "saturated",
             "activation": {"name": "sigmoid", "K": "1/4"},
             "layers": [{"weights": [["0"]], "bias": ["20"]}],
             "output": {"weights": [["1"]], "bias": ["0"]}}


@pytest.fixture()
def net_path(tmp_path):
    p = tmp_path / "tiny.json"
    save_network(network_from_dict(NET), p)
    return p


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_fep_claim_is_proved_with_a_bracket(net_path):
    code, out, err = run("verify", net_path, "--failures", "1,1", "--json", "--timeout", "300",
                         "--engine", "z3")
    assert code == 0, err
    data = json.loads(out)
    assert data["verdict"] == "proved" and data["engine"] == "z3"
    lo, hi = data["worst_case"]["lower"], data["worst_case"]["upper"]
    assert 0 < lo <= hi <= data["fep_float"]
    assert data["claim"]["bound"] == data["fep"]
    assert data["witness"]["failed"] and len(data["witness"]["failed"]) == 2
    assert data["witness"]["values"] is None
    assert "fepproof verify: round" in err or data["stats"]["queries"] == 0


def test_low_bound_is_refuted_and_the_witness_replays(net_path, tmp_path):
    wpath = tmp_path / "w.json"
    code, out, _ = run("verify", net_path, "--failures", "1,1", "--bound", "0.05", "--json",
                       "--quiet", "--no-bracket", "--witness-out", wpath, "--engine", "z3")
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "refuted" and data["witness"]["error"] > 0.05
    full = tmp_path / "full.json"
    full.write_text(out)
    for wfile in (wpath, full):
        code, rout, _ = run("replay", net_path, wfile, "--bound", "0.05", "--json")
        assert code == 0
        assert json.loads(rout)["exceeds_bound"] is True


def test_epsilon_claim_and_byzantine_value_reading(tmp_path):
    p = tmp_path / "sat.json"
    save_network(network_from_dict(SATURATED), p)
    code, out, _ = run("verify", p, "--failures", "1", "--model", "byzantine",
                       "--capacity", "1", "--capacity-reading", "value", "--json", "--quiet",
                       "--engine", "z3")
    assert code == 1
    data = json.loads(out)
    assert data["verdict"] == "refuted" and data["witness"]["values"][0][0] == pytest.approx(-1)
    code, out, _ = run("verify", p, "--failures", "1", "--epsilon", "3", "--epsilon-prime",
                       "0.5", "--model", "byzantine", "--capacity", "1", "--quiet", "--json",
                       "--capacity-reading", "value")
    assert code == 0 and json.loads(out)["claim"]["bound"] == "5/2"


def test_text_output_and_progress(net_path):
    code, out, err = run("verify", net_path, "--failures", "1,0", "--engine", "z3")
    assert code == 0
    assert "verdict   proved" in out and "worst" in out and "worst/Fep" in out


@pytest.mark.parametrize("argv, field", [
    (["--failures", "1"], "--failures"),
    (["--failures", "1,1", "--bound", "-1"], "--bound"),
    (["--failures", "1,1", "--tolerance", "2"], "--tolerance"),
    (["--failures", "1,1", "--timeout", "0"], "--timeout"),
    (["--failures", "1,1", "--bound", "1", "--epsilon", "2", "--epsilon-prime", "1"],
     "--bound"),
    (["--failures", "1,1", "--model", "byzantine"], "--capacity"),
])
def test_usage_errors_exit_2(net_path, argv, field):
    code, _, err = run("verify", net_path, *argv)
    assert code == 2 and field in err and err.count("\n") == 1


def test_missing_file_exits_2(tmp_path):
    code, _, err = run("verify", tmp_path / "nope.json", "--failures", "1")
    assert code == 2 and "nope.json" in err


def test_timeout_is_unknown(net_path):
    code, out, _ = run("verify", net_path, "--failures", "1,1", "--bound", "0.6", "--json",
                       "--quiet", "--timeout", "0.001", "--engine", "z3")
    data = json.loads(out)
    assert data["verdict"] in ("unknown", "refuted", "proved")
    assert code == {"unknown": 3, "refuted": 1, "proved": 0}[data["verdict"]]
    if data["verdict"] == "unknown":
        assert data["reason"]


FIG1 = str(Path(__file__).resolve().parent.parent / "cases" / "figure1.json")
TIGHT = str(Path(__file__).resolve().parent.parent / "cases" / "theorem1_tight.json")


def test_zero_z3_queries_are_explained():
    # the replayed witness meets the Fep claim's upper bound at once: z3 is never asked
    code, out, _ = run("verify", TIGHT, "--failures", "1", "--model", "byzantine",
                       "--capacity", "1", "--capacity-reading", "value", "--engine", "z3",
                       "--quiet")
    assert code == 1 and ", 0 z3 queries\n" in out
    assert "no z3 query: interval bounds and replayed witnesses narrowed the bracket to " \
           "the tolerance before any leaf reached z3" in out
    code, out, _ = run("verify", TIGHT, "--failures", "1", "--model", "byzantine",
                       "--capacity", "1", "--capacity-reading", "value", "--engine", "z3",
                       "--quiet", "--json")
    data = json.loads(out)
    assert data["stats"]["queries"] == 0 and data["z3_note"].startswith("no z3 query")
    # the numeric engine makes no z3 queries and says nothing about them
    code, out, _ = run("verify", TIGHT, "--failures", "1", "--engine", "numeric", "--quiet",
                       "--json")
    assert json.loads(out)["z3_note"] is None


def test_no_query_reason_follows_the_stats():
    from fepproof.cli.verify_cmd import no_query_reason
    assert no_query_reason({"queries": 3}) is None and no_query_reason({}) is None
    offered = no_query_reason({"queries": 0, "hook_calls": 2, "stop": "claim decided"})
    assert "decided the claim" in offered and "offered 2 leaves" in offered
    assert "seeded witnesses" in no_query_reason({"queries": 0, "items_queried": 0})


def test_where_the_run_ran_is_reported():
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric",
                       "--quiet", "--jobs", "3", "--timeout", "300")
    assert code == 0 and "locally, up to 3 worker processes" in out
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric",
                       "--quiet", "--json", "--timeout", "300")
    assert json.loads(out)["ran_on"] == {"where": "local", "processes": 2, "scheduler": None,
                                         "note": None}
    code, _, err = run("verify", FIG1, "--failures", "1,0,1", "--engine", "z3-v1",
                       "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and err.count("\n") == 1 and "--scheduler: the z3-v1 engine" in err


def test_dask_run_says_it_ran_on_the_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        addr = cluster.scheduler_address
        code, out, err = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric",
                             "--scheduler", addr, "--timeout", "5")
        assert code == 0 and f"on the Dask cluster at {addr}" in out
        assert f"fepproof verify: branching leaves on the Dask cluster at {addr}" in err
        code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric",
                           "--scheduler", addr, "--timeout", "5", "--json", "--quiet")
    data = json.loads(out)
    assert data["ran_on"]["where"] == "dask" and data["ran_on"]["scheduler"] == addr
    assert data["stats"]["jobs"] is None  # the local process count did not apply


def test_witness_out_is_checked_before_the_run(tmp_path):
    code, _, err = run("verify", FIG1, "--failures", "1,0,1", "--witness-out",
                       tmp_path / "no" / "w.json")
    assert code == 2 and "--witness-out: directory" in err and err.count("\n") == 1
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric",
                       "--quiet", "--timeout", "300", "--witness-out", tmp_path / "w.json")
    assert code == 0 and f"wrote     {tmp_path / 'w.json'}" in out
