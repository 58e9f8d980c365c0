"""`fepproof verify --model synapse` goes to the numeric engine; its witness replays."""

from __future__ import annotations

import io
import json
from pathlib import Path

from fepproof.cli.main import main

FIG1 = str(Path(__file__).resolve().parent.parent / "cases" / "figure1.json")


def test_synapse_verify_auto_uses_numeric_and_replays(tmp_path: Path) -> None:
    wit = tmp_path / "w.json"
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", FIG1, "--failures", "0,0,1,1", "--model", "synapse", "--capacity",
                 "1/2", "--timeout", "300", "--json", "--quiet", "--witness-out", str(wit)],
                out, err)
    data = json.loads(out.getvalue())
    assert data["engine"] == "numeric" and data["model"] == "synapse"
    lower, upper = data["worst_case"]["lower"], data["worst_case"]["upper"]
    # the closed form (Lemma 2 + Theorem 4, sound reading) is 3/4 and caps the upper end
    assert lower is not None and 0 < lower <= upper <= 0.75
    assert code in (0, 3) and data["verdict"] in ("proved", "unknown")
    out2 = io.StringIO()
    assert main(["replay", FIG1, str(wit), "--model", "synapse", "--capacity", "1/2",
                 "--json"], out2, io.StringIO()) == 0
    assert abs(float(json.loads(out2.getvalue())["error"]) - lower) < 1e-9


def test_synapse_verify_with_z3_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["verify", FIG1, "--failures", "0,0,1,1", "--model", "synapse", "--capacity",
                 "1", "--engine", "z3"], io.StringIO(), err) == 2
    assert "--engine z3" in err.getvalue()
