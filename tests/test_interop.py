"""Interop: ONNX and StaticNet import/export, exact round trips, convert command."""

from __future__ import annotations

import io
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from fepproof.bounds import fep
from fepproof.cli.main import main
from fepproof.experiments.networks import random_network
from fepproof.netio import load_network, save_network
from fepproof.network import Activation, Layer, Network, NetworkError
from fepproof.simulate import forward

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

DATA = next((p for p in (Path(os.environ.get("FEPPROOF_SHARED_DATA", "/nonexistent")),
                         Path(__file__).resolve().parents[2] / "shared" / "data",
                         Path("/work/shared/data"))
             if (p / "staticnet").is_dir()), Path("/nonexistent")) / "staticnet"
NET_A = DATA / "784-98-10_epoch-1078_0.net"
NET_B = DATA / "784-98-10_epoch-2919_100.net"
needs_data = pytest.mark.skipif(not NET_A.exists(), reason="StaticNet data not present")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---- round trips ----------------------------------------------------------------------

@pytest.mark.parametrize("K", [Fraction(1, 4), Fraction(3, 2)])
def test_round_trip_json_npz_onnx_exact(tmp_path: Path, K: Fraction) -> None:
    net = random_network(7, 3, (4, 5), K, name="rt")
    chain = ["a.json", "b.npz", "c.onnx", "d.json", "e.onnx", "f.npz"]
    cur = net
    for name in chain:
        save_network(cur, tmp_path / name)
        cur = load_network(tmp_path / name)
        assert cur == net, name


def test_round_trip_onnx_float64_weights(tmp_path: Path) -> None:
    # 1 + 2^-40 is a float64 but not a float32: ONNX is written in double, still exact
    w = Fraction(1) + Fraction(1, 2**40)
    net = Network((Layer(((w, -w),), (Fraction(0),)),), Layer(((Fraction(1, 2),),), (w,)),
                  Activation("sigmoid", Fraction(1, 4)),
                  ((Fraction(-1), Fraction(2)), (Fraction(0), Fraction(1))), "f64")
    save_network(net, tmp_path / "n.onnx")
    model = onnx.load(str(tmp_path / "n.onnx"))
    assert model.graph.initializer[0].data_type == TensorProto.DOUBLE
    assert load_network(tmp_path / "n.onnx") == net


def test_lossy_writes_refused(tmp_path: Path) -> None:
    third = Fraction(1, 3)
    net = Network((Layer(((third,),), (Fraction(0),)),), Layer(((Fraction(1),),), (Fraction(0),)),
                  Activation(), ((Fraction(0), Fraction(1)),), "third")
    with pytest.raises(NetworkError, match="1/3.*not a binary float"):
        save_network(net, tmp_path / "t.onnx")
    assert not (tmp_path / "t.onnx").exists()
    # .net: linear output node with weights other than the identity does not fit
    with pytest.raises(NetworkError, match="output: StaticNet"):
        save_network(random_network(1, 2, (3,)), tmp_path / "2-3.net")
    # .net: a float64-only weight is refused rather than rounded to float32
    w = Fraction(1) + Fraction(1, 2**40)
    ident = Layer(((Fraction(1),),), (Fraction(0),))
    net64 = Network((Layer(((w,),), (Fraction(0),)),), ident, Activation(),
                    ((Fraction(0), Fraction(1)),), "n64")
    with pytest.raises(NetworkError, match="not a float32"):
        save_network(net64, tmp_path / "1-1.net")
    with pytest.raises(NetworkError, match="activation.K"):
        save_network(Network(net64.layers, ident, Activation("sigmoid", Fraction(1)),
                             net64.input_domain), tmp_path / "1-1.net")
    assert not list(tmp_path.glob("*.net"))


# ---- ONNX built with the helper API vs the reference evaluator --------------------------

def _gemm_model(rng: np.random.Generator) -> tuple[object, int]:
    d, h1, h2, m = 4, 5, 3, 2
    W1 = rng.normal(size=(d, h1)).astype(np.float32)        # Gemm, transB = 0
    b1 = rng.normal(size=h1).astype(np.float32)
    W2 = rng.normal(size=(h2, h1)).astype(np.float32)       # Gemm, transB = 1, alpha
    b2 = rng.normal(size=h2).astype(np.float32)
    W3 = rng.normal(size=(h2, m)).astype(np.float32)        # MatMul + Add output node
    b3 = rng.normal(size=m).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2"), (W3, "W3"), (b3, "b3"),
              (np.array(2.0, dtype=np.float32), "c")]]
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["s1"]),
        helper.make_node("Mul", ["s1", "c"], ["z1"]),
        helper.make_node("Sigmoid", ["z1"], ["y1"]),
        helper.make_node("Gemm", ["y1", "W2", "b2"], ["s2"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Mul", ["c", "s2"], ["z2"]),
        helper.make_node("Sigmoid", ["z2"], ["y2"]),
        helper.make_node("MatMul", ["y2", "W3"], ["s3"]),
        helper.make_node("Add", ["b3", "s3"], ["out"]),
    ]
    graph = helper.make_graph(nodes, "mlp",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, d])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT,
                                                             [None, m])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model, d


def test_onnx_helper_model_matches_reference(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    model, d = _gemm_model(rng)
    path = tmp_path / "mlp.onnx"
    onnx.save(model, str(path))
    net = load_network(path)
    assert net.widths == (5, 3) and net.n_outputs == 2
    assert net.K == Fraction(1, 2)  # Mul by 2 = 4K before Sigmoid
    X = rng.random((20, d)).astype(np.float32)
    ref = ReferenceEvaluator(model).run(None, {"x": X})[0]
    _, ours = forward(net, X.astype(np.float64))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)
    # weights are the initializers' exact binary values
    W1 = numpy_helper.to_array(model.graph.initializer[0])
    assert net.layers[0].weights[2][1] == Fraction(float(W1[1, 2]))


def test_exported_onnx_matches_reference(tmp_path: Path) -> None:
    net = random_network(11, 3, (4, 4), Fraction(1, 2), name="exp")
    save_network(net, tmp_path / "e.onnx")
    X = np.random.default_rng(0).random((10, 3))
    ref = ReferenceEvaluator(str(tmp_path / "e.onnx")).run(None, {"x": X.astype(np.float32)})[0]
    np.testing.assert_allclose(forward(net, X)[1], ref, rtol=1e-5, atol=1e-5)


def test_onnx_unsupported_op_named(tmp_path: Path) -> None:
    W = numpy_helper.from_array(np.ones((2, 2), dtype=np.float32), "W")
    nodes = [helper.make_node("Gemm", ["x", "W"], ["s"]),
             helper.make_node("Relu", ["s"], ["y"], name="act1")]
    graph = helper.make_graph(nodes, "relu",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
                              [W])
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(NetworkError, match="unsupported ONNX op 'Relu'"):
        load_network(path)
    code, _, err = cli("convert", str(path), str(tmp_path / "relu.json"))
    assert code == 2 and "Relu" in err and err.count("\n") == 1
    assert not (tmp_path / "relu.json").exists()


def test_onnx_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"\x00\x01not protobuf at all" * 3)
    with pytest.raises(NetworkError, match="file:"):
        load_network(path)


# ---- StaticNet -------------------------------------------------------------------------

def _digit(kind: str) -> np.ndarray:
    img = np.zeros((28, 28))
    if kind == "1":
        img[4:24, 13:15] = 1
    elif kind == "7":  # a bar and a slanted stroke
        img[6:8, 8:21] = 1
        for r in range(8, 24):
            c = int(20 - (r - 8) * 0.5)
            img[r, c - 1:c + 1] = 1
    else:  # "0": an ellipse ring
        yy, xx = np.mgrid[:28, :28]
        r2 = (yy - 14) ** 2 / 81 + (xx - 14) ** 2 / 36
        img[(r2 > 0.7) & (r2 < 1.3)] = 1
    return img.reshape(1, -1)


@needs_data
@pytest.mark.parametrize("path,digits", [(NET_A, "107"), (NET_B, "17")],
                         ids=["epoch-1078", "epoch-2919"])
def test_staticnet_loads_and_classifies(path: Path, digits: str) -> None:
    net = load_network(path)  # sizes from the file name
    assert net.input_dim == 784 and net.widths == (98, 10) and net.n_outputs == 10
    assert net.K == Fraction(1, 4)
    assert net.output.weights[3][3] == 1 and net.output.weights[3][4] == 0
    raw = np.frombuffer(path.read_bytes(), dtype="<f4")
    assert net.layers[0].weights[0][5] == Fraction(float(raw[5]))
    assert net.layers[0].bias[0] == Fraction(float(raw[784]))
    assert net.layers[1].bias[9] == Fraction(float(raw[-1]))
    _, out = forward(net, np.vstack([_digit(c) for c in digits] + [np.zeros((1, 784))]))
    assert np.all((out > 0) & (out < 1))  # identity output reads sigmoids
    # hand-drawn digits; the weight-clipped network is too weak for a drawn "0"
    assert [int(np.argmax(o)) for o in out[:-1]] == [int(c) for c in digits]


@needs_data
def test_staticnet_round_trip_bytes(tmp_path: Path) -> None:
    net = load_network(NET_A)
    for name in ("a.onnx", "b.npz", "c.json"):
        save_network(net, tmp_path / name)
        net = load_network(tmp_path / name)
    out = tmp_path / "784-98-10_copy.net"
    code, text, err = cli("convert", str(tmp_path / "c.json"), str(out))
    assert code == 0, err
    assert out.read_bytes() == NET_A.read_bytes()


@needs_data
def test_staticnet_sizes(tmp_path: Path) -> None:
    blob = tmp_path / "weights.net"
    blob.write_bytes(NET_B.read_bytes())
    with pytest.raises(NetworkError, match="--sizes"):
        load_network(blob)
    net = load_network(blob, sizes="784-98-10")
    assert net.layers == load_network(NET_B).layers
    with pytest.raises(NetworkError, match="need 78019 float32"):
        load_network(blob, sizes="784-98-11")
    code, _, err = cli("convert", str(blob), str(tmp_path / "w.json"), "--sizes", "784-x")
    assert code == 2 and "--sizes" in err
    code, text, _ = cli("convert", str(blob), str(tmp_path / "w.json"), "--sizes", "784-98-10")
    assert code == 0 and "N = [98, 10], outputs = 10" in text


@needs_data
def test_multi_output_bounds_on_staticnet() -> None:
    net = load_network(NET_B)
    every = fep(net, (2, 1)).value
    per = [fep(net, (2, 1), output=k).value for k in range(10)]
    assert max(per) == every  # identity output: every row has w_m = 1
    code, text, _ = cli("bound", str(NET_B), "--failures", "2,1", "--output", "7")
    assert code == 0 and "bounding output 7" in text


def test_convert_errors(tmp_path: Path) -> None:
    code, _, err = cli("convert", str(tmp_path / "missing.json"), str(tmp_path / "x.onnx"))
    assert code == 2 and "does not exist" in err
    net = random_network(2, 2, (3,))
    save_network(net, tmp_path / "n.json")
    code, _, err = cli("convert", str(tmp_path / "n.json"), str(tmp_path / "x.txt"))
    assert code == 2 and "cannot write format '.txt'" in err
    code, text, _ = cli("convert", str(tmp_path / "n.json"), str(tmp_path / "x.onnx"),
                        "--name", "renamed")
    assert code == 0 and load_network(tmp_path / "x.onnx").name == "renamed"


def test_onnx_refuses_non_binary_slope(tmp_path: Path) -> None:
    net = random_network(3, 2, (2,), Fraction(1, 3))
    with pytest.raises(NetworkError, match="activation.K: 4K = 4/3"):
        save_network(net, tmp_path / "k.onnx")
