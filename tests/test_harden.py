"""fepproof harden: Corollary 1's replication, the factor search against brute force over
factor vectors, the exact same-function check (and that it catches a broken construction),
the CLI's outputs, refusals and formats."""

from __future__ import annotations

import io
import json
import random
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.bounds import fep, max_dominated_fep
from fepproof.cli.main import main
from fepproof.failures import FailureModel
from fepproof.harden import (
    HardenError,
    brute_force_factors,
    check_same_function,
    replay_nominal,
    replicate,
)
from fepproof.netio import load_network
from fepproof.network import Layer, network_from_dict
from fepproof.replication import fewest_factors, replicated_fep

ROOT = Path(__file__).resolve().parent.parent
FIG1 = str(ROOT / "cases" / "figure1.json")
MODELS = [FailureModel.crash(), FailureModel.byzantine("1/2"),
          FailureModel.byzantine(2, "value")]


def rnet(seed: int, widths, d: int = 2, scale=Fraction(1), K=Fraction(1, 4)):
    rng = random.Random(seed)
    layers, n = [], d
    for w in widths:
        layers.append({"weights": [[Fraction(rng.randint(-20, 20), 10) * scale
                                    for _ in range(n)] for _ in range(w)],
                       "bias": [Fraction(rng.randint(-5, 5), 4) for _ in range(w)]})
        n = w
    return network_from_dict({"name": f"r{seed}", "activation": {"name": "sigmoid", "K": K},
                              "layers": layers,
                              "output": {"weights": [Fraction(rng.randint(-20, 20), 10) * scale
                                                     for _ in range(n)], "bias": "1/3"}})


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("seed", range(12))
def test_recursion_matches_fep_of_the_built_network(seed):
    rng = random.Random(seed)
    L = rng.randint(1, 3)
    widths = [rng.randint(1, 3) for _ in range(L)]
    net = rnet(seed, widths, scale=rng.choice([Fraction(1, 3), 1, 4]),
               K=rng.choice([Fraction(1, 4), Fraction(1), Fraction(3)]))
    f = [rng.randint(0, 4) for _ in range(L)]
    vec = tuple(max(fl // n + 1, rng.randint(1, 4)) for fl, n in zip(f, widths))
    h = replicate(net, vec)
    for model in MODELS:
        assert replicated_fep(net, f, vec, model) == fep(h, f, model).sound
        assert replicated_fep(net, f, vec, model, "at_most") == max_dominated_fep(h, f, model)[0]
    # Corollary 1 (proofs/corollary1.replication): uniform r gives Fep_r <= Fep_0 / r
    r = max(vec)
    if all(fl < n * r for fl, n in zip(f, widths)):
        from fepproof.replication import fep_without_minus_f
        assert replicated_fep(net, f, [r] * L) <= fep_without_minus_f(
            net, f, FailureModel.crash()) / r


@pytest.mark.parametrize("seed", range(40))
def test_fewest_factors_equals_brute_force(seed):
    rng = random.Random(1000 + seed)
    L = rng.randint(1, 3)
    widths = [rng.randint(1, 3) for _ in range(L)]
    net = rnet(seed, widths, scale=rng.choice([Fraction(1, 2), 1, 3]),
               K=rng.choice([Fraction(1, 4), Fraction(1), Fraction(3)]))
    f = [rng.randint(0, 4) for _ in range(L)]
    model = rng.choice(MODELS)
    reading = rng.choice(["exactly", "at_most"])
    budget = Fraction(rng.randint(1, 40), 10)
    s = fewest_factors(net, f, budget, model, 6, reading)
    b = brute_force_factors(net, f, budget, model, 6, reading)
    assert s.minimal
    if b is None:
        assert s.factors is None
        assert s.best_reachable is None or s.best_reachable > budget
    else:
        assert s.factors is not None and s.added == b[0]
        assert s.fep <= budget
        h = replicate(net, s.factors)
        check = (fep(h, f, model).sound if reading == "exactly"
                 else max_dominated_fep(h, f, model)[0])
        assert check == s.fep


def test_powers_of_two_factors_match_brute_force_over_powers():
    net = load_network(FIG1)
    for f in ([1, 0, 1], [2, 1, 3], [0, 0, 5]):
        for budget in (Fraction(1, 2), Fraction(2), Fraction(1, 10)):
            s = fewest_factors(net, f, budget, FailureModel.crash(), 16, powers_of_two=True)
            best = None
            import itertools
            for vec in itertools.product([1, 2, 4, 8, 16], repeat=3):
                if any(fl >= n * r for fl, n, r in zip(f, net.widths, vec)):
                    continue
                if replicated_fep(net, f, vec) <= budget:
                    cost = sum(n * (r - 1) for n, r in zip(net.widths, vec))
                    best = cost if best is None else min(best, cost)
            assert (s.added if s.factors else None) == best


@pytest.mark.parametrize("seed", range(4))
def test_replication_keeps_the_function_exactly(seed):
    net = rnet(seed, [3, 2], d=3, scale=Fraction(5, 2))
    for vec in ((1, 1), (3, 2), (2, 5)):
        h = replicate(net, vec)
        check_same_function(net, h, vec)
        assert replay_nominal(net, h, samples=6, seed=seed)[0] < 1e-45


def test_same_function_check_catches_a_broken_construction():
    net = rnet(3, [2, 2])
    h = replicate(net, (2, 3))
    # mutation 1: outgoing weights divided by r + 1 instead of r
    bad_out = Layer(tuple(tuple(w * 3 / 4 for w in row) for row in h.output.weights),
                    h.output.bias)
    with pytest.raises(HardenError, match="do not sum"):
        check_same_function(net, replace(h, output=bad_out), (2, 3))
    # mutation 2: one copy with a different bias
    l2 = h.layers[1]
    bias = list(l2.bias)
    bias[1] += 1
    with pytest.raises(HardenError, match="copy 1 of neuron 0 differs"):
        check_same_function(net, replace(h, layers=(h.layers[0], Layer(l2.weights,
                                                                        tuple(bias)))), (2, 3))
    # and the replay sees the mutated function differ
    assert replay_nominal(net, replace(h, output=bad_out), samples=3)[0] > 1e-3


def test_cli_fep_json_and_roundtrip(tmp_path):
    out = tmp_path / "h.json"
    code, text, err = run(["harden", FIG1, "--failures", "1,0,1", "--epsilon", "1",
                           "--epsilon-prime", "1/2", "-o", str(out), "--json"])
    assert code == 0, err
    data = json.loads(text)
    assert data["factors"] == [4, 1, 9] and data["added_neurons"] == 44
    assert data["minimal"] and data["proved_by"] == "fep"
    assert Fraction(data["fep_after"]) <= Fraction(1, 2) < Fraction(data["fep_before"])
    assert data["input_box"]["source"] == "network file"
    h = load_network(out)
    assert h.widths == (16, 3, 36)
    assert fep(h, [1, 0, 1]).value == Fraction(data["fep_after"])
    check_same_function(load_network(FIG1), h, (4, 1, 9))


def test_cli_onnx_uses_powers_of_two_and_reads_back(tmp_path):
    pytest.importorskip("onnx")
    out = tmp_path / "h.onnx"
    code, text, err = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "1/2",
                           "-o", str(out)])
    assert code == 0, err
    assert "powers of two" in text
    h = load_network(out)
    factors = tuple(hn // n for hn, n in zip(h.widths, (4, 3, 4)))
    assert all(r & (r - 1) == 0 for r in factors)
    check_same_function(load_network(FIG1), h, factors)
    assert fep(h, [1, 0, 1]).value <= Fraction(1, 2)


def test_cli_refuses_with_the_limit(tmp_path):
    out = tmp_path / "h.json"
    code, text, _ = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "1/2",
                         "--max-factor", "3", "-o", str(out)])
    assert code == 1 and not out.exists()
    assert "refused" in text and "uniform factor r = " in text
    import itertools
    net = load_network(FIG1)
    smallest = min(replicated_fep(net, [1, 0, 1], v)
                   for v in itertools.product([1, 2, 3], repeat=3))
    from fepproof.exact import fmt_decimal
    assert f"the smallest Fep with such factors is {fmt_decimal(smallest)} " in text
    assert smallest > Fraction(1, 2)
    code, text, _ = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "0",
                         "-o", str(out)])
    assert code == 1 and "no replication can" in text and not out.exists()


def test_cli_failures_beyond_the_width_fall_among_replicas(tmp_path):
    out = tmp_path / "h.npz"
    code, text, err = run(["harden", FIG1, "--failures", "5,0,9", "--bound", "1",
                           "-o", str(out)])
    assert code == 0, err
    assert "Fep undefined" in text
    h = load_network(out)
    assert all(fl < n for fl, n in zip((5, 0, 9), h.widths))
    assert fep(h, [5, 0, 9]).value <= 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_by_verify_needs_fewer_neurons(tmp_path, jobs):
    out = tmp_path / "h.json"
    code, text, err = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "7/10",
                           "--by", "verify", "--engine", "z3", "--json", "-o", str(out),
                           "--jobs", jobs])
    assert code == 0, err
    data = json.loads(text)
    assert data["proved_by"] == "verify"
    assert data["added_neurons"] < data["search"]["added_neurons"]
    tries = data["verify_tries"]
    assert tries[-1]["verdict"] == "proved"
    assert all(t["verdict"] == "refuted" for t in tries[:-1])
    assert [t["added_neurons"] for t in tries] == sorted(t["added_neurons"] for t in tries)
    assert data["minimal"]
    # the written network is proved by the engine on its own
    assert data["factors"] == [1, 1, 3] and data["added_neurons"] == 8
    code, _, _ = run(["verify", str(out), "--failures", "1,0,1", "--bound", "7/10",
                      "--engine", "z3", "--quiet", "--no-bracket"])
    assert code == 0
    # the closed form needs more: every cheaper vector was refuted by a replayed witness
    assert data["search"]["added_neurons"] > 8


@pytest.mark.parametrize("argv, field", [
    (["--failures", "1,0"], "--failures"),
    (["--failures", "1,x,0"], "--failures"),
    (["--failures", "1,0,1"], "--epsilon"),
    (["--failures", "1,0,1", "--bound", "-1"], "--bound"),
    (["--failures", "1,0,1", "--bound", "1", "--max-factor", "0"], "--max-factor"),
    (["--failures", "1,0,1", "--bound", "1", "--input-box", "2,1"], "--input-box"),
    (["--failures", "1,0,1", "--bound", "1", "--model", "byzantine"], "--capacity"),
])
def test_cli_bad_input_one_line_exit_2(tmp_path, argv, field):
    out = tmp_path / "h.json"
    code, text, err = run(["harden", FIG1, *argv, "-o", str(out)])
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_bad_output_suffix(tmp_path):
    code, _, err = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "1",
                        "-o", str(tmp_path / "h.txt")])
    assert code == 2 and "-o" in err


def test_bound_and_frontier_give_the_same_factors_as_harden(tmp_path):
    code, text, _ = run(["bound", FIG1, "--failures", "1,0,1", "--epsilon", "1",
                         "--epsilon-prime", "1/2", "--json"])
    data = json.loads(text)
    assert code == 1 and data["replication"]["factors"] == [4, 1, 9]
    assert data["replication"]["added_neurons"] == 44
    code, text, _ = run(["bound", FIG1, "--failures", "1,0,1", "--epsilon", "1",
                         "--epsilon-prime", "1/2", "--at-most", "--max-factor", "3"])
    assert code == 1 and "no factors <= 3 suffice" in text and "uniform factor 7" in text
    code, text, _ = run(["bound", FIG1, "--failures", "1,0,1", "--epsilon", "4",
                         "--epsilon-prime", "1/2", "--json"])
    assert code == 0 and "replication" not in json.loads(text)
    code, text, _ = run(["frontier", FIG1, "--epsilon", "1", "--epsilon-prime", "1/2",
                         "--replicate-for", "2,2,5", "--json"])
    rep = json.loads(text)["replication"]
    assert code == 0 and rep["target"] == [2, 2, 5] and rep["minimal"]
    net = load_network(FIG1)
    assert replicated_fep(net, (2, 2, 5), rep["factors"]) <= Fraction(1, 2)
    code, _, err = run(["frontier", FIG1, "--epsilon", "1", "--epsilon-prime", "1/2",
                        "--replicate-for", "2,2"])
    assert code == 2 and "--replicate-for" in err


def test_search_minimality_on_a_larger_net_against_smaller_vectors():
    """Every vector with fewer added neurons than the answer misses the budget (checked
    exhaustively over r_l <= 12 on a 3-layer net)."""
    import itertools
    net = rnet(7, [3, 2, 3], d=2, scale=Fraction(1, 2), K=Fraction(1))
    f, budget = (2, 1, 2), Fraction(2)
    s = fewest_factors(net, f, budget, FailureModel.crash(), 12)
    assert s.factors == (7, 5, 3) and s.minimal and s.fep <= budget
    for vec in itertools.product(range(1, 13), repeat=3):
        if any(fl >= n * r for fl, n, r in zip(f, net.widths, vec)):
            continue
        cost = sum(n * (r - 1) for n, r in zip(net.widths, vec))
        if cost < s.added:
            assert replicated_fep(net, f, vec) > budget


def test_cli_output_option_and_reproof_on_the_written_file(tmp_path):
    """--output k: factors for that output only; the proof is re-run on the file read back
    (and a two-output network needs no more neurons for one output than for the max)."""
    net = network_from_dict({"layers": [{"weights": [[1, -1], ["1/2", 2]]}],
                             "output": {"weights": [[4, -4], ["1/8", "1/8"]], "bias": [0, 0]}})
    src = tmp_path / "two.json"
    from fepproof.netio import save_network
    save_network(net, src)
    added = {}
    for extra in ([], ["--output", "1"]):
        out = tmp_path / f"h{len(extra)}.json"
        code, text, err = run(["harden", str(src), "--failures", "1", "--bound", "1/4",
                               "-o", str(out), "--json", *extra])
        assert code == 0, err
        data = json.loads(text)
        assert data["reproof"].startswith("Theorem 3 on the written file")
        added[len(extra)] = data["added_neurons"]
        h = load_network(out)
        k = 1 if extra else None
        assert fep(h, [1], output=k).value <= Fraction(1, 4)
    assert added[2] < added[0]


def _brute_min(net, f, budget, R, reading="exactly"):
    import itertools
    best = None
    for vec in itertools.product(range(1, R + 1), repeat=net.depth):
        if any(fl >= n * r for fl, n, r in zip(f, net.widths, vec)):
            continue
        if replicated_fep(net, f, vec, None, reading) <= budget:
            cost = sum(n * (r - 1) for n, r in zip(net.widths, vec))
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_deeper_nets_against_enumeration_of_factor_vectors(seed):
    """Depth 4-5 (the Pareto programme's dominance pruning matters there), every factor
    vector up to R enumerated with the recursion (itself checked against built networks
    above)."""
    rng = random.Random(500 + seed)
    L = 4 + seed % 2
    widths = [rng.randint(1, 4) for _ in range(L)]
    net = rnet(seed, widths, scale=rng.choice([Fraction(1, 2), 1]), K=rng.choice(
        [Fraction(1, 4), Fraction(1)]))
    f = [rng.randint(0, 3) for _ in range(L)]
    R = 6 if L == 4 else 4
    reading = "at_most" if seed % 3 == 0 else "exactly"
    for budget in (Fraction(1, 2), Fraction(2), Fraction(6)):
        s = fewest_factors(net, f, budget, FailureModel.crash(), R, reading)
        assert s.minimal
        assert (s.added if s.factors else None) == _brute_min(net, f, budget, R, reading)


def test_cli_counts_beyond_every_factor_refuse_and_name_the_uniform_factor(tmp_path):
    out = tmp_path / "h.json"
    code, text, _ = run(["harden", FIG1, "--failures", "1000,0,0", "--bound", "1",
                         "-o", str(out)])
    assert code == 1 and not out.exists()
    assert "no correct neuron would be left" in text and "uniform factor r = 1125" in text
    code, text, _ = run(["harden", FIG1, "--failures", "1000,0,0", "--bound", "1",
                         "--max-factor", "2000", "-o", str(out), "--json"])
    data = json.loads(text)
    assert code == 0 and data["factors"][0] >= 251 and data["minimal"]
    assert fep(load_network(out), [1000, 0, 0]).value <= 1


def test_cli_at_most_by_verify_checks_every_dominated_distribution(tmp_path):
    out = tmp_path / "h.json"
    code, text, err = run(["harden", FIG1, "--failures", "1,0,1", "--bound", "7/10",
                           "--by", "verify", "--engine", "z3", "--at-most", "--json",
                           "-o", str(out)])
    assert code == 0, err
    data = json.loads(text)
    assert data["proved_by"] == "verify" and data["reading"] == "at_most"
    for g in ("1,0,0", "0,0,1", "1,0,1"):  # each dominated distribution, on its own
        code, _, _ = run(["verify", str(out), "--failures", g, "--bound", "7/10",
                          "--engine", "z3", "--quiet", "--no-bracket"])
        assert code == 0, g
    code, _, err = run(["harden", FIG1, "--failures", "5,3,3", "--bound", "1", "--by",
                        "verify", "--at-most", "-o", str(out)])
    assert code == 2 and "--at-most" in err


@pytest.mark.parametrize("how", ["same", "dot", "hardlink", "symlink"])
def test_out_equal_to_the_input_is_refused(tmp_path, how):
    src = tmp_path / "net.json"
    src.write_bytes(Path(FIG1).read_bytes())
    before = src.read_bytes()
    target = {"same": src, "dot": tmp_path / "." / "net.json",
              "hardlink": tmp_path / "hard.json", "symlink": tmp_path / "sym.json"}[how]
    if how == "hardlink":
        target.hardlink_to(src)
    elif how == "symlink":
        target.symlink_to(src)
    code, out, err = run(["harden", str(src), "--failures", "1,0,1", "--bound", "2",
                          "-o", str(target)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "is the input network" in err and src.read_bytes() == before
