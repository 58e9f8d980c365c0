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
from fepproof.network import Network, NetworkError

CASES = Path(__file__).resolve().parent.parent / "cases"

XOR_DOC = {"format": "fepproof-network/1", "name": "xor",
           "activation": {"name": "sigmoid", "K": "1/4"},
           "input_domain": [[0, 1], [0, 1]],
           "layers": [{"weights": [[1.5, -2], [0.25, 3]], "bias": [0, -1]}],
           "output": {"weights": [1, -1], "bias": 0}}


def test_numbers_are_exact_decimals_and_fractions(tmp_path: Path) -> None:
    p = tmp_path / "n.json"
    p.write_text('{"format": "fepproof-network/1", '
                 '"layers": [{"weights": [[0.1, "0.2", "1/3", 1e-3]]}], '
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


F1 = '{"format": "fepproof-network/1", '


@pytest.mark.parametrize("text,message", [
    (F1 + '"layers": [{"weights": [[NaN]]}], "output": {"weights": [1]}}',
     "layers[0].weights row 0[0]: 'NaN' is not a finite number"),
    (F1 + '"layers": [{"weights": [[Infinity]]}], "output": {"weights": [1]}}',
     "is not a finite number"),
    (F1 + '"layers": [{"weights": [[1]]}], "output": {"weights": ["1e400x"]}}',
     "output.weights row 0[0]: cannot read"),
    (F1 + '"layers": [{"weights": [[1]]}], "output": ', "is not JSON (line"),
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


# ---- hostile input: each case exits 2 with one line naming the field, fast ----

FIG1 = json.loads((CASES / "figure1.json").read_text())


def _one_line_exit_2(argv: list[str], field: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    text = err.getvalue()
    assert code == 2, text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert field in lines[0] and "Traceback" not in text, lines[0]
    assert out.getvalue() == ""
    return lines[0]


def _put(doc: dict, where: str, literal: str) -> str:
    d = json.loads(json.dumps(doc))
    if where == "weight":
        d["layers"][0]["weights"][0][0] = "@@"
    elif where == "bias":
        d["layers"][0]["bias"][0] = "@@"
    elif where == "box":
        d["input_domain"][0][1] = "@@"
    else:
        d["activation"]["K"] = "@@"
    return json.dumps(d).replace('"@@"', literal)  # a JSON number literal, not a string


FIELDS = {"weight": "layers[0].weights row 0[0]", "bias": "layers[0].bias[0]",
          "box": "input_domain[0][1]", "K": "activation.K"}


@pytest.mark.parametrize("literal", ["1e400", "1e1000000", "1e999999999", "-1e400",
                                     "1e-400", '"1e999999999"', "1" + "0" * 5000,
                                     '"1/' + "3" * 2000 + '"'])
@pytest.mark.parametrize("where", list(FIELDS))
@pytest.mark.parametrize("command", ["bound", "verify"])
def test_absurd_numbers_in_the_file(tmp_path: Path, literal: str, where: str,
                                    command: str) -> None:
    path = tmp_path / "net.json"
    path.write_text(_put(FIG1, where, literal))
    line = _one_line_exit_2([command, str(path), "--failures", "1,0,1", "--timeout", "5"]
                            [: 4 if command == "bound" else 6], FIELDS[where])
    assert "out of range" in line or "digits" in line


@pytest.mark.parametrize("flag,extra", [
    ("--capacity", ["--model", "byzantine"]), ("--bound", []),
    ("--epsilon", ["--epsilon-prime", "1"]),
])
@pytest.mark.parametrize("value", ["1e400", "1e1000000", "1e999999999", "1" * 5000])
def test_absurd_numbers_in_flags(flag: str, extra: list[str], value: str) -> None:
    net = str(CASES / "figure1.json")
    for command in ("bound", "verify"):
        if command == "bound" and flag == "--bound":
            continue
        _one_line_exit_2([command, net, "--failures", "1,0,1", flag, value, *extra], flag)


def test_number_limits_are_exactly_float64() -> None:
    big = Fraction(1.7976931348623157e308)
    assert to_fraction("1.7976931348623157e308") < big  # the decimal, below the float
    assert to_fraction(fmt_exact(big)) == big
    tiny = Fraction(5e-324)  # 2^-1074, the smallest positive float64
    assert to_fraction(fmt_exact(tiny)) == tiny
    assert to_fraction("0e999999999") == 0 and to_fraction("-0.000e-999999") == 0
    assert to_fraction("1e" + "0" * 10_000 + "1") == 10  # leading zeros of the exponent
    assert to_fraction("5e-" + "0" * 10_000 + "1") == Fraction(1, 2)
    assert to_fraction("0." + "0" * 10_000 + "1e10001") == 1
    for bad in ("1.8e308", "2e-324", fmt_exact(big + 1), fmt_exact(tiny / 2)):
        with pytest.raises(ValueError, match="out of range"):
            to_fraction(bad, "w")
    # digits: the exact decimal of every float64 fits (up to 767 significant digits)
    assert to_fraction(f"{tiny.numerator / 1:.0f}") == 1
    from decimal import Decimal
    assert to_fraction(str(Decimal(5e-324)), "w") == tiny


def test_deep_json_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    _one_line_exit_2(["bound", str(path), "--failures", "1"], "nested too deeply")
    doc = json.loads(json.dumps(XOR_DOC))
    doc["layers"][0]["weights"][0][0] = "@@"
    path.write_text(json.dumps(doc).replace('"@@"', "[" * 50_000 + "1" + "]" * 50_000))
    _one_line_exit_2(["verify", str(path), "--failures", "1"], "nested too deeply")


def test_npz_object_array_is_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "obj.npz"
    np.savez(path, **{"layers.0.weights": np.array([[1, "a"]], dtype=object),
                      "output.weights": np.array([[1.0]])})
    _one_line_exit_2(["bound", str(path), "--failures", "1"], "layers.0.weights")
    line = _one_line_exit_2(["verify", str(path), "--failures", "1"], "layers.0.weights")
    assert "never unpickles" in line


@pytest.mark.parametrize("arrays,field", [
    ({"layers.0.weights": np.array([[1.0, 2.0]]), "output.weights": np.array([[1.0]]),
      "layers.0.bais": np.array([1.0])}, "layers.0.bais: unknown array"),
    ({"layers.0.weights": np.array([[1 + 2j]]), "output.weights": np.array([[1.0]])},
     "layers.0.weights: arrays of dtype complex128"),
    ({"layers.0.weights": np.array([[True]]), "output.weights": np.array([[1.0]])},
     "layers.0.weights: arrays of dtype bool"),
    ({"layers.0.weights.exact": np.array([["1e400"]]), "output.weights": np.array([[1.0]])},
     "layers[0].weights row 0[0]: 1.0e+400 is out of range"),
    ({"layers.0.weights": np.array([[np.nan]]), "output.weights": np.array([[1.0]])},
     "layers[0].weights row 0[0]: nan is not a finite number"),
    ({"layers.0.weights": np.array([[1.0]]), "output.weights": np.array([[1.0]]),
      "format": np.array(["a", "b"])}, "format: expected a single string"),
    ({"layers.0.weights": np.array([[1.0]]), "output.weights": np.array([[1.0]]),
      "activation.name": np.array("sigmoid")}, "activation.K: missing"),
])
def test_npz_hostile_arrays(tmp_path: Path, arrays: dict, field: str) -> None:
    path = tmp_path / "h.npz"
    np.savez(path, **arrays)
    _one_line_exit_2(["bound", str(path), "--failures", "1"], field)


def test_npz_decompression_bomb_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    from fepproof import fsutil

    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, **{"layers.0.weights": np.zeros((1, 2_000_000)),
                                 "output.weights": np.array([[1.0]])})
    assert path.stat().st_size < 100_000  # 16 MB of zeros, compressed
    monkeypatch.setattr(fsutil, "MAX_INPUT_BYTES", 1_000_000)
    _one_line_exit_2(["bound", str(path), "--failures", "1"], "decompressed")


def test_oversize_file_refused(tmp_path: Path, monkeypatch) -> None:
    from fepproof import fsutil

    path = tmp_path / "big.json"
    path.write_text(json.dumps(XOR_DOC) + " " * 2000)
    monkeypatch.setattr(fsutil, "MAX_INPUT_BYTES", 1000)
    _one_line_exit_2(["bound", str(path), "--failures", "1"], "larger than")


@pytest.mark.parametrize("text,field", [
    # decisions documented in the README (network format)
    (json.dumps({k: v for k, v in XOR_DOC.items() if k != "format"}), "format: missing"),
    (json.dumps({**XOR_DOC, "activation": {"name": "sigmoid"}}), "activation.K: missing"),
    (json.dumps({**XOR_DOC, "bais": [0, 0]}), "bais: unknown key"),
    (json.dumps({**XOR_DOC, "layers": [{"weights": [[1, 2], [3, 4]], "bais": [1, 1]}]}),
     "layers[0].bais: unknown key"),
    (json.dumps({**XOR_DOC, "activation": {"name": "sigmoid", "K": "1/4", "k": 1}}),
     "activation.k: unknown key"),
    (json.dumps({**XOR_DOC, "layers": [{"weights": [["１", 2], [3, 4]]}]}),
     "layers[0].weights row 0[0]: cannot read '１' as a number (only ASCII digits"),
    (json.dumps({**XOR_DOC, "activation": {"name": "sigmoid", "K": "٠.٢٥"}}),
     "activation.K: cannot read"),
    ('{"format": "fepproof-network/1", "format": "fepproof-network/1"}', "duplicate key"),
    (json.dumps({**XOR_DOC, "name": "a\nb"}), "name: contains a control character"),
    (json.dumps({**XOR_DOC, "name": 5}), "name: expected a string"),
    (json.dumps({**XOR_DOC, "input_domain": [[0, 1]]}), "input_domain: expected 2"),
    (json.dumps({**XOR_DOC, "layers": [{"weights": [[1, 2]]}, {"weights": [[1, 2]]}]}),
     "layers[1].weights row 0: expected 1 values, got 2"),
])
def test_decided_cases(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    _one_line_exit_2(["bound", str(path), "--failures", "1"], field)


def test_absent_activation_is_the_logistic_sigmoid(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({k: v for k, v in XOR_DOC.items() if k != "activation"}))
    assert load_network(path).K == Fraction(1, 4)
    path.write_text(json.dumps({**XOR_DOC, "comment": "trained 2024-01-01"}))
    assert load_network(path).name == "xor"


@pytest.mark.parametrize("argv,field", [
    (["--failures", "-1"], "--failures: entry 1 is negative"),
    (["--failures", "-1,0,0"], "--failures: entry 1 is negative"),
    (["--failures", "１"], "--failures: expected comma-separated integers in ASCII"),
    (["--failures", "1_0"], "--failures: expected comma-separated integers in ASCII"),
    (["--failures", "1", "--output", "-1"], "argument --output: must be between 0"),
    (["--failures", "1", "--output", "٣"], "argument --output: expected an integer"),
    (["--failures", "1", "--capacity", "-.5", "--model", "byzantine"],
     "--capacity: must be > 0"),
    (["--failures", "1", "--capacity", "１", "--model", "byzantine"],
     "--capacity: cannot read '１' as a number (only ASCII"),
])
def test_cli_number_flags(argv: list[str], field: str) -> None:
    _one_line_exit_2(["bound", str(CASES / "xor.json"), *argv], field)


@pytest.mark.parametrize("argv,field", [
    (["verify", "--timeout", "inf"], "argument --timeout"),
    (["verify", "--timeout", "nan"], "argument --timeout"),
    (["verify", "--timeout", "1e400"], "argument --timeout"),
    (["verify", "--timeout", "-1"], "argument --timeout"),
    (["replay", "--dps", "1000000000"], "argument --dps"),
])
def test_cli_budget_flags(argv: list[str], field: str) -> None:
    cmd, *rest = argv
    extra = ["--failures", "1"] if cmd == "verify" else ["w.json"]
    _one_line_exit_2([cmd, str(CASES / "xor.json"), *extra, *rest], field)


def test_network_validates_itself() -> None:
    from fepproof.network import Activation, Layer, Network

    one, zero = Fraction(1), Fraction(0)
    good = Layer(((one, one),), (zero,))
    with pytest.raises(NetworkError, match="weights row 1: expected 2 values, got 1"):
        Layer(((one, one), (one,)), (zero, zero))
    with pytest.raises(NetworkError, match="bias: expected 1 values, got 2"):
        Layer(((one,),), (zero, zero))
    with pytest.raises(NetworkError, match="weights: expected a non-empty"):
        Layer((), ())
    with pytest.raises(NetworkError, match="out of range"):
        Layer(((Fraction(10) ** 400,),), (zero,))
    with pytest.raises(NetworkError, match="output.weights row 0: expected 1 values, got 2"):
        Network((good,), Layer(((one, one),), (zero,)))
    with pytest.raises(NetworkError, match="layers: expected a non-empty"):
        Network((), good)
    with pytest.raises(NetworkError, match="input_domain: expected 2"):
        Network((good,), Layer(((one,),), (zero,)), Activation(), ((zero, one),))
    with pytest.raises(NetworkError, match=r"input_domain\[1\]: lo > hi"):
        Network((good,), Layer(((one,),), (zero,)), Activation(), ((zero, one), (one, zero)))
    with pytest.raises(NetworkError, match="activation.K: must be > 0"):
        Activation("sigmoid", Fraction(0))
    net = Network((good,), Layer(((one,),), (zero,)))
    assert net.input_domain == ((zero, one), (zero, one))  # empty box = [0, 1]^d
    assert Layer([[1, "1/2"]], [0]).weights == ((one, Fraction(1, 2)),)  # coerced exactly


@pytest.mark.parametrize("argv", [["bound"], ["bound", "--json"],
                                  ["verify", "--json", "--quiet", "--timeout", "5"]])
def test_derived_value_beyond_float64(tmp_path: Path, argv: list[str]) -> None:
    # each weight is within the limits; Fep (a product over layers) is about 1e600
    doc = json.loads(json.dumps(FIG1))
    doc["layers"][0]["weights"][0][0] = doc["layers"][2]["weights"][0][0] = "1e300"
    doc["output"]["weights"][0] = "1e300"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    cmd, *rest = argv
    _one_line_exit_2([cmd, str(path), "--failures", "1,0,1", *rest], "exceeds the float64 range")


def test_read_json_plain_numbers_is_bounded(tmp_path: Path) -> None:
    from fepproof.netio import read_json_exact

    path = tmp_path / "w.json"
    path.write_text('{"input": [1e999999999, 0.5, 3], "n": 1e-999999999}')
    data = read_json_exact(path, "witness", exact=False)
    assert data == {"input": [float("inf"), 0.5, 3], "n": 0.0}
    for text, message in [("[" * 100_000, "nested too deeply"),
                          ("[" + "7" * 5000 + "]", "integer literal of 5000 digits"),
                          ('{"a": 1, "a": 2}', "duplicate key 'a'")]:
        path.write_text(text)
        with pytest.raises(NetworkError, match=f"witness: .*{message}"):
            read_json_exact(path, "witness", exact=False)


def test_size_limits(tmp_path: Path) -> None:
    deep = {"format": "fepproof-network/1", "layers": [{"weights": [[1]]}] * 1001,
            "output": {"weights": [1]}}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(deep))
    _one_line_exit_2(["bound", str(path), "--failures", "1" + ",0" * 1000],
                     "layers: 1001 hidden layers; the limit is 1000")
    import os
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    _one_line_exit_2(["bound", str(fifo), "--failures", "1"], "is not a regular file")


@pytest.mark.parametrize("text,message", [
    ("[" * 100_000 + "]" * 100_000, "witness: "),
    ('{"input": [' + "1" * 5000 + ', 0], "failed": [[0]]}', "integer literal of 5000 digits"),
    ('{"input": [0, 1], "failed": [[0]], "failed": [[1]]}', "duplicate key 'failed'"),
    ("{not json", "not JSON"),
])
def test_hostile_witness_json(tmp_path: Path, text: str, message: str) -> None:
    w = tmp_path / "w.json"
    w.write_text(text)
    _one_line_exit_2(["replay", str(CASES / "xor.json"), str(w)], message)


def test_write_into_missing_directory(tmp_path: Path) -> None:
    line = _one_line_exit_2(["convert", str(CASES / "xor.json"),
                             str(tmp_path / "no" / "such" / "x.json")], "no such directory")
    assert ".x.json." not in line  # the temporary file's name is not shown


def test_format_registry_plugins(tmp_path: Path) -> None:
    from fepproof import formats, netio
    from fepproof.network import network_from_dict

    assert {".json", ".npz", ".onnx", ".net"} <= set(formats.formats())
    assert set(netio.SAVERS) == set(netio.LOADERS) == set(formats.formats())
    assert netio.SAVERS[".json"] is formats.writer_for(".json")
    seen: list[Path] = []

    def read(path: Path, **options: object) -> Network:
        seen.append(path)
        return network_from_dict(json.loads(path.read_text()))

    formats.register_format(".mynet", read, None, "a plug-in")
    try:
        (tmp_path / "a.mynet").write_text(json.dumps(XOR_DOC))
        assert load_network(tmp_path / "a.mynet").name == "xor" and seen
        assert ".mynet" in netio.LOADERS and ".mynet" not in netio.SAVERS
        with pytest.raises(NetworkError, match="cannot write format '.mynet'"):
            save_network(load_network(CASES / "xor.json"), tmp_path / "b.mynet")
        with pytest.raises(ValueError, match="suffix"):
            formats.register_format("json", read, None)
    finally:
        formats._REGISTRY.pop(".mynet")
