"""`fepproof replay` trusts nothing: tampered witnesses are rejected with one
line naming the field and exit 2; whatever is accepted replays to the simulator's error."""

from __future__ import annotations

import copy
import io
import json
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fepproof.cli.main import main
from fepproof.failures import FailureModel
from fepproof.netio import save_network
from fepproof.network import Network
from fepproof.replay import mp_forward
from fepproof.simulate import witness_error
from fepproof.verdict import Witness
from tests.netgen import networks

ROOT = Path(__file__).resolve().parent.parent
FIGURE1 = ROOT / "cases" / "figure1.json"

# the shape of a `verify --json` output on figure1 (crash, failures 1,0,1, bound 0.1)
VERIFY_OUT = {"verdict": "refuted", "claim": {"bound": "1/10"}, "failures": [1, 0, 1],
              "model": "crash",
              "witness": {"input": [0.0, 1.0, 1.0], "input_exact": ["0", "1", "1"],
                          "failed": [[1], [], [3]], "values": None}}


def run(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main([str(a) for a in argv], out=out, err=err), out.getvalue(), err.getvalue()


def replay_json(tmp_path: Path, obj: object, *flags: str, net: Path = FIGURE1
                ) -> tuple[int, str, str]:
    w = tmp_path / "w.json"
    w.write_text(json.dumps(obj))
    return run("replay", net, w, *flags)


def assert_rejected(result: tuple[int, str, str], field: str) -> None:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert f": {field}" in err, err


def test_untampered_verify_output_replays(tmp_path) -> None:
    code, out, _ = replay_json(tmp_path, VERIFY_OUT, "--json")
    assert code == 0 and json.loads(out)["valid"]
    assert abs(float(json.loads(out)["error"]) - 1.4761633465712665) < 1e-12


def test_synapse_listed_six_times(tmp_path) -> None:
    # once: -1/2 six times on one synapse added up to -3 and replay said "obeys"
    w = {"input": [0, 1, 0], "failed": [], "synapses": [[1, 0, 0]] * 6,
         "synapse_deltas": ["-1/2"] * 6}
    assert_rejected(replay_json(tmp_path, w, "--model", "synapse", "--capacity", "1/2"),
                    "witness.synapses[1]")


def test_claim_counts_are_compared(tmp_path) -> None:
    # once: the claim says failures [1,0,1]; the witness fails two neurons in layer 3
    t = copy.deepcopy(VERIFY_OUT)
    t["witness"]["failed"] = [[1], [], [3, 0]]
    assert_rejected(replay_json(tmp_path, t), "witness.failed")
    t["witness"]["failed"] = [[1], [], []]
    assert_rejected(replay_json(tmp_path, t), "witness.failed")
    t["failures"] = [1, 0]
    assert_rejected(replay_json(tmp_path, t), "failures")
    for bad in ("lots", [1, 0, 1.5], [1, 0, -1], [True, 0, 1], None):
        t["failures"] = bad
        assert_rejected(replay_json(tmp_path, t), "failures")


def test_crash_neuron_listed_twice(tmp_path) -> None:
    t = copy.deepcopy(VERIFY_OUT)
    t["witness"]["failed"] = [[1, 1], [], []]
    t["failures"] = [2, 0, 0]
    assert_rejected(replay_json(tmp_path, t), "witness.failed[0]")
    assert_rejected(replay_json(tmp_path, t["witness"]), "witness.failed[0]")


def test_synapse_in_missing_layer(tmp_path) -> None:
    # once: silently ignored (error 0.0)
    for syn, field in [([7, 0, 0], "witness.synapses[0]"), ([0, 0, 0], "witness.synapses[0]"),
                       ([1, 9, 0], "witness.synapses[0]"), ([4, 0, 5], "witness.synapses[0]"),
                       ([1, 0], "witness.synapses[0]")]:
        w = {"input": [0, 1, 0], "failed": [], "synapses": [syn], "synapse_deltas": ["1/2"]}
        assert_rejected(replay_json(tmp_path, w, "--model", "synapse", "--capacity", "1/2"),
                        field)


def test_values_shorter_than_failed(tmp_path) -> None:
    # once: an IndexError traceback
    w = {"input": [0, 1, 0], "failed": [[0, 1], [], []], "values": [[0.5], [], []]}
    assert_rejected(replay_json(tmp_path, w, "--model", "byzantine", "--capacity", "1"),
                    "witness.values[0]")
    w["values"] = [[0.5, 0.5]]
    assert_rejected(replay_json(tmp_path, w, "--model", "byzantine", "--capacity", "1"),
                    "witness.values")
    w["values"] = None
    assert_rejected(replay_json(tmp_path, w, "--model", "byzantine", "--capacity", "1"),
                    "witness.values")


def test_too_few_synapse_deltas(tmp_path) -> None:
    # once: "zip() argument 2 is shorter than argument 1"
    w = {"input": [0, 1, 0], "failed": [], "synapses": [[1, 0, 0], [1, 1, 0]],
         "synapse_deltas": ["1/2"]}
    assert_rejected(replay_json(tmp_path, w, "--model", "synapse", "--capacity", "1/2"),
                    "witness.synapse_deltas")


@pytest.mark.parametrize(("witness", "flags", "field"), [
    ({"input": [0, 1, 0], "failed": [[0], [], []], "values": [["nan"], [], []]},
     ("--model", "byzantine", "--capacity", "1"), "witness.values[0][0]"),
    ({"input": [0, 1, "Infinity"], "failed": []}, (), "witness.input[2]"),
    ({"input": [0, 1, 0], "failed": [[0], [], []], "values": [[5], [], []]},
     ("--model", "byzantine", "--capacity", "1", "--capacity-reading", "value"),
     "witness.values[0][0]"),
    ({"input": [0, 1, 0], "failed": [[0], [], []], "values": [["1/2"], [], []]}, (),
     "witness.values[0][0]"),
    ({"input": [0, 1, 0], "failed": [[0], [], []], "values": [["1/2"], [], []]},
     ("--model", "stuck-at"), "witness.values[0][0]"),
    ({"input": [0, 1, 0], "failed": [[0.5], [], []]}, (), "witness.failed[0]"),
    ({"input": [0, 1, 0], "failed": [[True], [], []]}, (), "witness.failed[0]"),
    ({"input": [0, 1, 0], "failed": {"0": [1]}}, (), "witness.failed"),
    ({"input": [0, 1, 0], "failed": [[-1], [], []]}, (), "witness.failed[0]"),
    ({"input": [0, 1, 0], "failed": [[4], [], []]}, (), "witness.failed[0]"),
    ({"input": [0, 1, 0], "failed": [], "output": 1}, (), "witness.output"),
    ({"input": [0, 1, 0], "failed": [], "synapses": [[1, 0, 0]], "synapse_deltas": [2]},
     ("--model", "synapse", "--capacity", "1/2"), "witness.synapse_deltas[0]"),
    ({"input": [0, 1, 0], "failed": [], "synapses": [[1, 0, 0]], "synapse_deltas": [2]},
     (), "witness.synapses"),
    ({"input": [0, 1, 0], "failed": [[0], [], []]},
     ("--model", "synapse", "--capacity", "1/2"), "witness.failed"),
])
def test_tampered_fields(tmp_path, witness, flags, field) -> None:
    assert_rejected(replay_json(tmp_path, witness, *flags), field)


def test_messages_stay_one_short_line(tmp_path) -> None:
    w = {"input": [0, 1, 0], "failed": [[0], [], []], "values": [["1e400"], [], []]}
    code, _, err = replay_json(tmp_path, w, "--model", "byzantine", "--capacity", "1")
    assert code == 2 and err.count("\n") == 1 and len(err) < 300 and "1.0e+400" in err
    w = {"input": [0, 1, 0], "failed": [[10**30], [], []]}
    code, _, err = replay_json(tmp_path, w)
    assert code == 2 and "out of range" in err and err.count("\n") == 1


def test_recorded_model_is_used_and_checked(tmp_path) -> None:
    t = {"model": "stuck-at", "stuck_value": "1", "failures": [1, 0, 1],
         "witness": {"input": [0, 1, 0], "failed": [[2], [], [0]], "values": [[1], [], [1]]}}
    code, out, _ = replay_json(tmp_path, t, "--json")
    assert code == 0 and json.loads(out)["model"] == "stuck-at"
    assert abs(float(json.loads(out)["error"]) - 0.8727490442657636) < 1e-12
    # an explicit --model overrides the recorded one (and crash neurons send 0, not 1)
    assert_rejected(replay_json(tmp_path, t, "--model", "crash"), "witness.values[0][0]")
    t["stuck_value"] = "3"
    code, _, err = replay_json(tmp_path, t)
    assert code == 2 and "stuck_value" in err


# ---- property: random mutations of valid witnesses ---------------------------------

MODELS = [FailureModel.crash(), FailureModel.byzantine(Fraction(1, 2)),
          FailureModel.byzantine(Fraction(3, 2), "value"), FailureModel.stuck_at(1),
          FailureModel.stuck_at(Fraction(1, 4)), FailureModel.synapse(Fraction(1, 2)),
          FailureModel.synapse(Fraction(1), "value")]


def _flags(model: FailureModel) -> list[str]:
    flags = ["--model", model.kind.value]
    if model.capacity is not None:
        flags += ["--capacity", str(model.capacity), "--capacity-reading", model.reading.value]
    if model.stuck_value is not None:
        flags += ["--stuck-value", str(model.stuck_value)]
    return flags


def _valid_witness(net: Network, model: FailureModel, data: st.DataObject
                   ) -> tuple[Witness, list[int]]:
    """A witness that obeys ``model`` (as the simulator or an engine would produce)."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = [lo + (hi - lo) * Fraction(int(rng.integers(0, 9)), 8) for lo, hi in net.input_domain]
    if model.fails_synapses:
        shapes = [(len(l.weights), len(l.weights[0])) for l in net.layers] + \
            [(len(net.output.weights), len(net.output.weights[0]))]
        syn, deltas, counts = [], [], []
        for t, (r, c) in enumerate(shapes, start=1):
            k = int(rng.integers(0, min(2, r * c) + 1))
            picks = rng.choice(r * c, size=k, replace=False)
            counts.append(k)
            for p in picks:
                syn.append((t, int(p) // c, int(p) % c))
                deltas.append(model.C * Fraction(int(rng.integers(-4, 5)), 4))
        if not model.tracks_nominal:  # the value reading: deliver C u exactly
            acts = mp_forward(net, tuple(x))
            ins = [list(x)] + acts
            ws = [l.weights for l in net.layers] + [net.output.weights]
            deltas = []
            for t, j, i in syn:
                nominal = ws[t - 1][j][i] * Fraction(str(ins[t - 1][i])[:30])
                deltas.append(model.C * Fraction(int(rng.integers(-3, 4)), 4) - nominal)
        return Witness(tuple(x), (), None, tuple(syn), tuple(deltas)), counts
    failed = [sorted(int(j) for j in rng.choice(n, size=int(rng.integers(0, n + 1)),
                                                replace=False)) for n in net.widths]
    values = None
    if model.free_value:
        acts = mp_forward(net, tuple(x))
        values = []
        for l, row in enumerate(failed):
            vals = []
            for j in row:
                u = Fraction(int(rng.integers(-4, 5)), 5)  # strictly inside the capacity
                base = Fraction(str(acts[l][j])[:40]) if model.tracks_nominal else Fraction(0)
                vals.append(base + model.C * u)
            values.append(tuple(vals))
        values = tuple(values)
    elif model.fixed_value and rng.random() < 0.5:
        values = tuple((model.fixed_value,) * len(r) for r in failed)
    return Witness(tuple(x), tuple(map(tuple, failed)), values), [len(r) for r in failed]


def _mutate(obj: dict, data: st.DataObject) -> None:
    w = obj["witness"]
    junk = st.one_of(st.integers(-3, 9), st.sampled_from(["nan", "1/0", "x", None, 1.5, [1]]),
                     st.fractions(-3, 3).map(str))
    choices = ["failed", "values", "synapses", "deltas", "claim", "input", "output", "drop"]
    what = data.draw(st.sampled_from(choices))
    if what == "failed" and w["failed"]:
        l = data.draw(st.integers(0, len(w["failed"]) - 1))
        row = w["failed"][l]
        op = data.draw(st.sampled_from(["set", "dup", "add", "pop", "row"]))
        if op == "set" and row:
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(junk)
        elif op == "dup" and row:
            row.append(row[0])
        elif op == "add":
            row.append(data.draw(st.integers(0, 5)))
        elif op == "pop" and row:
            row.pop()
        else:
            w["failed"].append([0])
    elif what == "values" and w.get("values"):
        l = data.draw(st.integers(0, len(w["values"]) - 1))
        row = w["values"][l]
        op = data.draw(st.sampled_from(["set", "add", "pop", "none"]))
        if op == "set" and row:
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(junk)
        elif op == "add":
            row.append("1/3")
        elif op == "pop" and row:
            row.pop()
        else:
            w["values"] = None
    elif what == "synapses" and w.get("synapses"):
        k = data.draw(st.integers(0, len(w["synapses"]) - 1))
        op = data.draw(st.sampled_from(["set", "dup"]))
        if op == "dup":
            w["synapses"].append(list(w["synapses"][k]))
            w["synapse_deltas"].append(w["synapse_deltas"][k])
        else:
            w["synapses"][k][data.draw(st.integers(0, 2))] = data.draw(junk)
    elif what == "deltas" and w.get("synapse_deltas"):
        op = data.draw(st.sampled_from(["set", "pop", "add"]))
        if op == "set":
            w["synapse_deltas"][0] = data.draw(junk)
        elif op == "pop":
            w["synapse_deltas"].pop()
        else:
            w["synapse_deltas"].append("1/4")
    elif what == "claim":
        k = data.draw(st.integers(0, len(obj["failures"])))
        if k == len(obj["failures"]):
            obj["failures"].append(0)
        else:
            obj["failures"][k] += data.draw(st.sampled_from([-1, 1]))
    elif what == "input":
        k = data.draw(st.integers(0, len(w["input"])))
        if k == len(w["input"]):
            w["input"].append("0")
        else:
            w["input"][k] = data.draw(junk)
    elif what == "output":
        w["output"] = data.draw(junk)
    else:
        w.pop(data.draw(st.sampled_from(["input", "failed", "values", "synapses"])), None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_depth=2, max_width=3, max_d=2), st.sampled_from(MODELS), st.data())
def test_mutated_witnesses_are_rejected_or_replay_like_the_simulator(net, model, data) -> None:
    witness, counts = _valid_witness(net, model, data)
    model.validate(witness, net, counts)
    obj = {"verdict": "refuted", "failures": counts, **model.to_json(),
           "witness": witness.to_json()}
    for key in ("input", "values"):  # mutate the exact fields only
        obj["witness"].pop(key + "_exact", None)
    obj["witness"]["input"] = [str(v) for v in witness.input]
    if witness.values is not None:
        obj["witness"]["values"] = [[str(v) for v in r] for r in witness.values]
    mutated = data.draw(st.booleans())
    if mutated:
        _mutate(obj, data)
    with tempfile.TemporaryDirectory() as d:
        n, w = Path(d) / "n.json", Path(d) / "w.json"
        save_network(net, n)
        w.write_text(json.dumps(obj))
        code, out, err = run("replay", n, w, "--json", *_flags(model))
    assert "Traceback" not in err
    if code == 2:
        assert mutated and out == "" and err.count("\n") == 1, err
        return
    assert code in (0, 1), (code, err)
    result = json.loads(out)
    accepted = Witness.from_json(obj)
    model.validate(accepted, net, obj["failures"])  # what replay accepted is valid
    sim = witness_error(net, accepted, model)
    assert abs(float(result["error"]) - sim) <= 1e-9 * max(1.0, sim)
    if not mutated:
        assert code == 0 and result["valid"], result
