"""`fepproof replay`: bare witnesses, verify output, model checks, errors."""

import io
import json

from fepproof.cli.main import main
from fepproof.netio import save_network
from fepproof.network import network_from_dict

NET = {"format": "fepproof-network/1", "name": "one",
       "activation": {"name": "sigmoid", "K": "1/4"},
       "layers": [{"weights": [["0"], ["0"]], "bias": ["0", "0"]}],
       "output": {"weights": [["2", "1"]], "bias": ["0"]}}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main([str(a) for a in argv], out=out, err=err), out.getvalue(), err.getvalue()


def _setup(tmp_path, witness):
    n, w = tmp_path / "n.json", tmp_path / "w.json"
    save_network(network_from_dict(NET), n)
    w.write_text(json.dumps(witness))
    return n, w


def test_crash_witness_error_is_exact(tmp_path):
    n, w = _setup(tmp_path, {"input": [0.5], "failed": [[0]], "values": None})
    code, out, _ = run("replay", n, w, "--json")
    data = json.loads(out)
    assert code == 0 and data["valid"] and float(data["error"]) == 1.0  # 2 * sigma(0)


def test_byzantine_model_from_verify_output_is_checked(tmp_path):
    wit = {"verdict": "refuted", "model": "byzantine", "capacity": "1",
           "capacity_reading": "deviation",
           "witness": {"input": [0], "failed": [[1]], "values": [[2]]}}
    n, w = _setup(tmp_path, wit)
    code, out, _ = run("replay", n, w)
    assert code == 1 and "VIOLATED" in out  # |2 - 1/2| > C = 1
    code, out, _ = run("replay", n, w, "--bound", "1")
    assert "error > bound" in out


def test_bad_witness_exits_2(tmp_path):
    n, w = _setup(tmp_path, {"input": [0, 1], "failed": [[0]]})
    code, _, err = run("replay", n, w)
    assert code == 2 and "witness.input" in err
    w.write_text("{not json")
    code, _, err = run("replay", n, w)
    assert code == 2 and "not JSON" in err
