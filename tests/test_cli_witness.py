"""Self-describing witness files: ``verify --witness-out`` records the model, box, claim
and failures; ``replay`` uses them, says when flags override them, and says which
defaults it assumed for an older file without them."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIG1 = str(ROOT / "cases" / "figure1.json")
SAT = str(ROOT / "cases" / "theorem1_tight.json")
DESCRIBING = ("format", "network", "model", "failures", "claim", "fep", "input_box",
              "verdict")


def run(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main([str(a) for a in argv], out, err), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def witness(tmp_path_factory) -> Path:
    """A refuting crash witness on the box [-1, 1]^3 (outside the file's [0, 1]^3)."""
    path = tmp_path_factory.mktemp("wit") / "w.json"
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--input-box", "-1,1",
                       "--bound", "1.4", "--engine", "numeric", "--no-bracket", "--quiet",
                       "--timeout", "300", "--witness-out", path)
    assert code == 1 and f"wrote     {path}" in out
    return path


def test_witness_file_records_model_box_claim_and_failures(witness: Path) -> None:
    data = json.loads(witness.read_text())
    assert data["format"] == "fepproof-witness/1" and data["network"] == "figure1"
    assert data["model"] == "crash" and data["failures"] == [1, 0, 1]
    assert data["claim"] == {"bound": "7/5", "bound_float": 1.4, "output": None}
    assert data["fep"] == "91/32" and data["verdict"] == "refuted"
    assert data["input_box"] == {"source": "--input-box -1,1", "box": [["-1", "1"]] * 3}
    x = [Fraction(v) for v in data["input_exact"]]
    assert any(v < 0 for v in x)  # the point the user's replay wrongly flagged
    assert data["error"] > 1.4


def test_replay_uses_the_recorded_box_bound_and_model(witness: Path) -> None:
    code, out, err = run("replay", FIG1, witness)
    assert code == 0, out  # replayed, obeys the model, error > the recorded bound
    assert f"box       [-1, 1]^3 (recorded in {witness}, from --input-box -1,1)" in out
    assert "(recorded): witness obeys it" in out and "VIOLATED" not in out
    assert "bound     7/5 (recorded claim): error > bound" in out
    assert err == ""
    code, out, _ = run("replay", FIG1, witness, "--json")
    data = json.loads(out)
    assert data["sources"] == {"model": "recorded", "bound": "recorded",
                               "input_box": f"recorded in {witness}, from --input-box -1,1"}
    assert data["exceeds_bound"] is True and data["assumed"] == {} and data["overrides"] == []


def test_flags_override_the_recorded_values_and_say_so(witness: Path) -> None:
    code, out, err = run("replay", FIG1, witness, "--input-box", "0,1", "--bound", "2")
    assert code == 1  # outside [0, 1]^3 and error <= 2
    assert "VIOLATED" in out and "outside [0, 1]" in out and "error <= bound" in out
    assert "--input-box overrides the recorded box [-1, 1]^3" in err
    assert "--bound 2 overrides the recorded bound 7/5" in err
    # a flag equal to the recorded value is no override
    code, _, err = run("replay", FIG1, witness, "--input-box=-1,1", "--bound", "7/5")
    assert code == 0 and err == ""


def test_model_flags_override_the_recorded_model(witness: Path) -> None:
    code, out, err = run("replay", FIG1, witness, "--model", "stuck-at", "--stuck-value", "0")
    assert code == 0 and "stuck-at" in out
    assert "override the recorded model (crash" in err


def test_byzantine_witness_replays_under_its_recorded_capacity(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    code, _, _ = run("verify", SAT, "--failures", "1", "--model", "byzantine", "--capacity",
                     "1", "--capacity-reading", "value", "--engine", "numeric", "--quiet",
                     "--no-bracket", "--timeout", "300", "--witness-out", path)
    assert code == 1
    data = json.loads(path.read_text())
    assert (data["model"], data["capacity"], data["capacity_reading"]) == \
        ("byzantine", "1", "value")
    code, out, err = run("replay", SAT, path)
    assert code == 0 and "reading 'value'" in out and "obeys" in out and err == ""
    # --capacity-reading alone keeps the recorded kind and capacity; under the deviation
    # reading the same sent value moves the neuron by 2 > C
    code, out, err = run("replay", SAT, path, "--capacity-reading", "deviation")
    assert code == 1 and "VIOLATED" in out and "|sent - nominal| = 2.0 > C" in out
    assert "override the recorded model" in err


def test_old_witness_without_fields_uses_defaults_and_says_which(witness: Path,
                                                                 tmp_path: Path) -> None:
    data = json.loads(witness.read_text())
    for key in DESCRIBING:
        data.pop(key)
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    code, out, err = run("replay", FIG1, old)
    assert code == 1 and "outside [0, 1]" in out  # the default box, as before
    assert err.count("\n") == 1
    assert (f"{old} records no failure model, input box or bound; assumed: failure model "
            f"crash; input box the network file's input box; bound none") in err
    code, out, err = run("replay", FIG1, old, "--input-box=-1,1", "--bound", "1.4")
    assert code == 0 and "records no failure model; assumed: failure model crash" in err


@pytest.mark.parametrize("field, value, message", [
    ("input_box", {"box": [["0", "nan"]]}, "input_box.box[0][1]"),
    ("input_box", {"box": [["0", "1e300"]]}, "input_box.box: 1.0e+300 is too large"),
    ("input_box", {"box": [["0", "1"]] * 2}, "input_box.box: 2 [lo, hi] pairs recorded"),
    ("input_box", [0, 1], "input_box: expected an object"),
    ("claim", {"bound": 3}, "claim.bound: expected the claimed bound"),
    ("claim", {"bound": "-1"}, "claim.bound: must be >= 0"),
    ("model", "martian", "recorded model"),
])
def test_bad_recorded_fields_are_one_line(witness: Path, tmp_path: Path, field: str,
                                          value: object, message: str) -> None:
    data = json.loads(witness.read_text())
    data[field] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, err = run("replay", FIG1, bad)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err


def test_verify_json_is_also_self_describing(tmp_path: Path) -> None:
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--input-box", "-1,1",
                       "--bound", "1.4", "--engine", "numeric", "--no-bracket", "--quiet",
                       "--timeout", "300", "--json")
    data = json.loads(out)
    assert code == 1 and data["network"] == "figure1" and data["output"] is None
    assert data["input_box"]["box"] == [["-1", "1"]] * 3
    full = tmp_path / "full.json"
    full.write_text(out)
    code, out, err = run("replay", FIG1, full)
    assert code == 0 and "(recorded in" in out and err == ""


def test_replay_checks_the_recorded_verdict(witness: Path, tmp_path: Path) -> None:
    code, out, _ = run("replay", FIG1, witness)
    assert code == 0 and "error > bound, as the recorded verdict refuted says" in out
    # a proved run's witness is a point of the bracket: its error is not above the claim
    proved = tmp_path / "p.json"
    code, _, _ = run("verify", FIG1, "--failures", "1,0,1", "--engine", "numeric", "--quiet",
                     "--timeout", "300", "--witness-out", proved)  # a safety net
    assert code == 0
    code, out, _ = run("replay", FIG1, proved, "--json")
    data = json.loads(out)
    assert code == 0 and data["recorded_verdict"] == "proved"
    assert data["exceeds_bound"] is False and data["agrees_with_verdict"] is True
    # a tampered verdict is caught
    record = json.loads(proved.read_text())
    record["verdict"] = "refuted"
    proved.write_text(json.dumps(record))
    code, out, _ = run("replay", FIG1, proved)
    assert code == 1 and "CONTRADICTING the recorded verdict refuted" in out
