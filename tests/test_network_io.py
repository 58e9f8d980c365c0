"""Network model, exact parsing, JSON/.npz round trips and validation messages."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from fepproof import load_network, network_from_dict, save_network
from fepproof.cli.main import main
from fepproof.exact import fmt_exact, to_fraction
from fepproof.network import NetworkError

CASES = Path(__file__).resolve().parent.parent / "cases"

XOR_DOC = {"format": "fepproof-network/1", "name": "xor",
           "activation": {"name": "sigmoid", "K": "1/4"},
           "input_domain": [[0, 1], [0, 1]],
           "layers": [{"weights": [[1.5, -2], [0.25, 3]], "bias": [0, -1]}],
           "output": {"weights": [1, -1], "bias": 0}}


def test_numbers_are_exact_decimals_and_fractions(tmp_path: Path) -> None:
    p = tmp_path / "n.json"
    p.write_text('{"format": "fepproof-network/1", "layers": [{"weights": [[0.1, "0.2", "1/3", 1e-3]]}], '
                 '"output": {"weights": [2]}}')
    net = load_network(p)
    assert net.layers[0].weights[0] == (Fraction(1, 10), Fraction(1, 5), Fraction(1, 3),
                                        Fraction(1, 1000))
    assert net.input_domain == tuple((Fraction(0), Fraction(1)) for _ in range(4))
    assert net.layers[0].bias == (Fraction(0),)
    assert net.K == Fraction(1, 4)
    assert to_fraction("-3/6") == Fraction(-1, 2)
    assert fmt_exact(Fraction(416001, 125000)) == "416001/125000"


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_round_trip_is_exact(tmp_path: Path, suffix: str) -> None:
    net = load_network(CASES / "figure1.json")
    path = tmp_path / f"net{suffix}"
    save_network(net, path)
    again = load_network(path)
    assert again == net


def test_npz_with_plain_float_arrays(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, **{"layers.0.weights": np.array([[0.5, -1.0]]),
                      "layers.0.bias": np.array([0.25]),
                      "output.weights": np.array([[2.0]])})
    net = load_network(path)
    assert net.layers[0].weights == ((Fraction(1, 2), Fraction(-1)),)
    assert net.output.weights == ((Fraction(2),),)


def _doc(**changes: object) -> dict:
    doc = json.loads(json.dumps(XOR_DOC))
    for key, value in changes.items():
        doc[key] = value
    return doc


BAD = [
    (_doc(layers=[{"weights": [[1, 2], [3, 4, 5]]}]),
     "layers[0].weights row 1: expected 2 values, got 3"),
    (_doc(layers=[{"weights": [[1, 2], [3, 4]]}, {"weights": [[1, 2], [1, 2, 3]]}]),
     "layers[1].weights row 1: expected 2 values, got 3"),
    (_doc(layers=[{"weights": []}]), "layers[0].weights"),
    (_doc(activation={"name": "sigmoid", "K": 0}), "activation.K: must be > 0"),
    (_doc(activation={"name": "sigmoid", "K": "-1/4"}), "activation.K: must be > 0"),
    (_doc(activation={"name": "relu", "K": 1}), "activation.name: unknown activation"),
    (_doc(format="fepproof-network/2"), "format: unknown format version"),
    (_doc(input_domain=[[1, 0], [0, 1]]), "input_domain[0]: lo > hi"),
    (_doc(output={"weights": [1, 2, 3]}), "output.weights row 0: expected 2 values, got 3"),
    (_doc(layers=[{"weights": [[1, 2], [3, 4]], "bias": [1]}]),
     "layers[0].bias: expected 2 values, got 1"),
]


@pytest.mark.parametrize("doc,message", BAD)
def test_validation_names_the_field(tmp_path: Path, doc: dict, message: str) -> None:
    with pytest.raises(NetworkError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        network_from_dict(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    out, err = io.StringIO(), io.StringIO()
    code = main(["bound", str(path), "--failures", "1"], out, err)
    assert code == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err.getvalue()
    assert out.getvalue() == ""


@pytest.mark.parametrize("text,message", [
    ('{"format": "fepproof-network/1", "layers": [{"weights": [[NaN]]}], "output": {"weights": [1]}}',
     "layers[0].weights row 0[0]: 'NaN' is not a finite number"),
    ('{"format": "fepproof-network/1", "layers": [{"weights": [[Infinity]]}], "output": {"weights": [1]}}',
     "is not a finite number"),
    ('{"format": "fepproof-network/1", "layers": [{"weights": [[1]]}], "output": {"weights": ["1e400x"]}}',
     "output.weights row 0[0]: cannot read"),
    ('{"format": "fepproof-network/1", "layers": [{"weights": [[1]]}], "output": ', "is not valid JSON"),
    ('[1, 2]', "file: expected a JSON object"),
])
def test_malformed_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    err = io.StringIO()
    assert main(["bound", str(path), "--failures", "1"], io.StringIO(), err) == 2
    assert message in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["bound", str(tmp_path / "nope.json"), "--failures", "1"], io.StringIO(),
                err) == 2
    assert "does not exist" in err.getvalue()
    (tmp_path / "x.txt").write_text("{}")
    err = io.StringIO()
    assert main(["bound", str(tmp_path / "x.txt"), "--failures", "1"], io.StringIO(), err) == 2
    assert "unknown network format" in err.getvalue()


def test_failed_save_leaves_nothing(tmp_path: Path) -> None:
    net = load_network(CASES / "xor.json")
    target = tmp_path / "out.json"

    class Boom(Exception):
        pass

    from fepproof import netio

    def writer(p: Path) -> None:
        p.write_text("partial")
        raise Boom

    with pytest.raises(Boom):
        netio.atomic_write(target, writer)
    assert list(tmp_path.iterdir()) == []
    save_network(net, target)
    assert load_network(target) == net
