"""`fepproof bound` and `fepproof frontier` end to end (text, --json, exit codes)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fepproof.cli.main import main

CASES = Path(__file__).resolve().parent.parent / "cases"
FIG1 = str(CASES / "figure1.json")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_bound_json_fields() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["fep"] == "91/32" and data["fep_float"] == 91 / 32
    assert data["terms"] == ["27/32", "0", "2"] and data["failures"] == [1, 0, 1]
    assert data["model"] == "crash" and "tolerated" not in data


def test_bound_tolerance_exit_codes() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--epsilon", "3",
                       "--epsilon-prime", "1/10")
    assert code == 0 and "tolerated (exactly f_l per layer, Theorem 3): yes" in out
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--epsilon", "2",
                       "--epsilon-prime", "1/10", "--json")
    data = json.loads(out)
    assert code == 1 and data["tolerated"] is False
    assert set(data["tolerance"]) == {"exactly", "at_most"}


def test_bound_byzantine_value_reading_is_named() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--model", "byzantine",
                       "--capacity", "2", "--capacity-reading", "value", "--json")
    data = json.loads(out)
    assert data["capacity_reading"] == "value" and data["fep"] == "91/16"
    assert data["fep_is_bound"] is False and data["sound_bound"] == "273/32"


def test_bound_synapse_and_precision() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "0,0,0,1", "--model", "synapse",
                       "--capacity", "1", "--lambdas", "1/100,1/100,1/100", "--bits-for",
                       "1/1000")
    assert code == 0
    assert "Lemma 2 + Theorem 4" in out and "Theorem 5 (output reading)" in out
    assert "Theorem 5 inverted" in out


@pytest.mark.parametrize("argv,message", [
    (["--failures", "1,0"], "--failures: expected 3 values"),
    (["--failures", "1,x,0"], "--failures: expected comma-separated integers"),
    (["--failures", "5,0,0"], "layer 1: 5 failures but only 4 neurons"),
    (["--failures", "1,0,1", "--model", "byzantine"], "--capacity: the byzantine model needs"),
    (["--failures", "1,0,1", "--model", "byzantine", "--capacity", "-1"],
     "--capacity: must be > 0"),
    (["--failures", "1,0,1", "--epsilon", "1"], "--epsilon and --epsilon-prime go together"),
    (["--failures", "1,0,1", "--epsilon", "1", "--epsilon-prime", "2"], "0 < eps' <= eps"),
    (["--failures", "1,0,1", "--output", "3"], "--output: the network has 1 output"),
])
def test_bound_usage_errors(argv: list[str], message: str) -> None:
    code, out, err = run("bound", FIG1, *argv)
    assert code == 2 and message in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_frontier_both_readings() -> None:
    code, out, _ = run("frontier", FIG1, "--epsilon", "3", "--epsilon-prime", "1/10", "--json")
    data = json.loads(out)
    assert code == 0 and data["reading"] == "exactly" and data["count"] >= 1
    code, out, _ = run("frontier", FIG1, "--epsilon", "3", "--epsilon-prime", "1/10",
                       "--at-most")
    assert code == 0 and "at most f_l failures per layer" in out


def test_help_documents_exit_codes() -> None:
    code, out, _ = run("bound", "--help")
    assert code == 0 and "exit codes" in out and "--capacity-reading" in out


def test_console_script_runs() -> None:
    proc = subprocess.run([sys.executable, "-m", "fepproof", "bound", FIG1, "--failures",
                           "1,0,1"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "91/32" in proc.stdout


def test_not_tolerated_says_by_what_and_how_to_verify() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--epsilon", "3",
                       "--epsilon-prime", "1")
    assert code == 1
    assert ("tolerated (exactly f_l per layer, Theorem 3): not by the closed form — Fep = "
            "2.84375 > eps - eps' = 2.0") in out
    assert ("not tolerated by the closed form (Fep > eps - eps'); verification may still "
            f"prove it: run fepproof verify {FIG1} --failures 1,0,1 --epsilon 3 "
            "--epsilon-prime 1") in out
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--epsilon", "3",
                       "--epsilon-prime", "1", "--json")
    data = json.loads(out)
    assert data["tolerated"] is False and data["tolerated_by"] == "closed form"
    assert data["verify_hint"].startswith("run fepproof verify ")
    # the hinted command does prove it (figure1's worst case is about 1.49 < 2)
    code, out, _ = run("verify", FIG1, "--failures", "1,0,1", "--epsilon", "3",
                       "--epsilon-prime", "1", "--quiet", "--no-bracket", "--timeout", "300")
    assert code == 0 and "verdict   proved" in out
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--epsilon", "4",
                       "--epsilon-prime", "1/2")
    assert code == 0 and "closed form" not in out and "verify" not in out
