"""ONNX as exporters write it: scikit-learn (skl2onnx) and torch (both exporters).

Each model is trained (or built) here, exported, read by fepproof and compared with the
source model on 1000 random inputs (max |difference| <= 1e-6); ``fepproof bound`` must
run on it.  Hand-built graphs check each accepted form (Gemm in every transA/transB/
alpha/beta form, Transpose of a weight, Flatten/Reshape/Squeeze/Unsqueeze) against
onnx's reference evaluator, and each hostile form is refused with one line.
"""

from __future__ import annotations

import io
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from fepproof.cli.main import main
from fepproof.experiments.networks import random_network
from fepproof.netio import load_network, save_network
from fepproof.network import Activation, Network, NetworkError
from fepproof.simulate import forward

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from fepproof.interop import onnx_io  # noqa: E402

TOL = 1e-6
N_TEST = 1000


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def bound_ok(path: Path, net: Network) -> None:
    code, out, err = cli("bound", str(path), "--failures", ",".join("1" * net.depth))
    assert code == 0, err
    assert "Fep" in out


def one_line_refusal(path: Path, *needles: str) -> None:
    code, _, err = cli("bound", str(path), "--failures", "1")
    assert code == 2 and err.count("\n") == 1, err
    for n in needles:
        assert n in err, err


def outputs(net: Network, X: np.ndarray, activated: bool = False) -> np.ndarray:
    out = forward(net, X)[1]
    return net.output_activation.float_fn(out) if activated else out


# ---- scikit-learn ----------------------------------------------------------------------

def _data(n_classes: int | None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((300, 6))
    if n_classes is None:
        return X, X[:, 0] - 0.5 * X[:, 1] + 0.1 * rng.normal(size=len(X))
    return X, np.minimum((X[:, 0] + X[:, 1]) / 2 * n_classes, n_classes - 1).astype(int)


def _skl(model, X: np.ndarray, path: Path, zipmap: bool = True) -> Path:
    skl2onnx = pytest.importorskip("skl2onnx")
    options = None if zipmap else {id(model): {"zipmap": False}}
    onx = skl2onnx.to_onnx(model, X[:1].astype(np.float32), options=options)
    path.write_bytes(onx.SerializeToString())
    return path


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a few iterations on purpose
        return model.fit(X, y)


def _sk_logits(clf, X: np.ndarray) -> np.ndarray:
    """sklearn's own forward pass up to the last linear layer (float64)."""
    h = X
    act = np.tanh if clf.activation == "tanh" else (lambda s: 1 / (1 + np.exp(-s)))
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        h = h @ W + b
        if i < len(clf.coefs_) - 1:
            h = act(h)
    return h


LAYERS = [(7,), (7, 5), (6, 5, 4)]


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("hidden", LAYERS, ids=["1layer", "2layers", "3layers"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("zipmap", [True, False], ids=["zipmap", "nozipmap"])
def test_sklearn_classifier(tmp_path: Path, activation: str, hidden: tuple[int, ...],
                            n_classes: int, zipmap: bool) -> None:
    neural = pytest.importorskip("sklearn.neural_network")
    X, y = _data(n_classes)
    clf = _fit(neural.MLPClassifier(hidden_layer_sizes=hidden, activation=activation,
                                    max_iter=40, random_state=0), X, y)
    path = _skl(clf, X, tmp_path / "clf.onnx", zipmap)
    notes: list[str] = []
    net = load_network(path, notes=notes)
    assert net.widths == hidden
    assert net.activation == Activation("sigmoid" if activation == "logistic" else "tanh",
                                        Fraction(1, 4) if activation == "logistic" else 1)
    assert len(notes) == 1 and "stripped" in notes[0] and "ArgMax" in notes[0]
    T = np.random.default_rng(1).random((N_TEST, X.shape[1]))
    logits = outputs(net, T)
    if n_classes == 2:  # one logit and a final Sigmoid: the output activation
        assert net.n_outputs == 1 and net.output_activation == Activation("sigmoid",
                                                                          Fraction(1, 4))
        p1 = net.output_activation.float_fn(logits)[:, 0]
        proba = np.stack([1 - p1, p1], axis=1)
    else:
        assert net.n_outputs == n_classes and net.output_activation is None
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba = e / e.sum(axis=1, keepdims=True)
    assert np.abs(proba - clf.predict_proba(T)).max() <= TOL
    assert np.abs(logits - _sk_logits(clf, T)).max() <= TOL
    bound_ok(path, net)


@pytest.mark.parametrize("activation", ["logistic", "tanh"])
@pytest.mark.parametrize("hidden", LAYERS, ids=["1layer", "2layers", "3layers"])
def test_sklearn_regressor(tmp_path: Path, activation: str, hidden: tuple[int, ...]) -> None:
    neural = pytest.importorskip("sklearn.neural_network")
    X, y = _data(None)
    reg = _fit(neural.MLPRegressor(hidden_layer_sizes=hidden, activation=activation,
                                   max_iter=40, random_state=0), X, y)
    path = _skl(reg, X, tmp_path / "reg.onnx")
    notes: list[str] = []
    net = load_network(path, notes=notes)
    assert net.widths == hidden and net.output_activation is None and not notes
    T = np.random.default_rng(2).random((N_TEST, X.shape[1]))
    assert np.abs(outputs(net, T)[:, 0] - reg.predict(T)).max() <= TOL
    bound_ok(path, net)


def test_sklearn_multi_output_regressor_reshape_refused(tmp_path: Path) -> None:
    # skl2onnx reshapes a 2-output regressor's (N, 2) to [-1, 1]: (2N, 1), not a vector
    # per input; fepproof refuses it rather than read another function
    neural = pytest.importorskip("sklearn.neural_network")
    X, y = _data(None)
    reg = _fit(neural.MLPRegressor(hidden_layer_sizes=(4,), activation="logistic",
                                   max_iter=10, random_state=0), X, np.stack([y, -y], 1))
    one_line_refusal(_skl(reg, X, tmp_path / "reg2.onnx"), "Reshape",
                     "changes the vector shape")


def test_sklearn_relu_refused_naming_the_node(tmp_path: Path) -> None:
    neural = pytest.importorskip("sklearn.neural_network")
    X, y = _data(3)
    clf = _fit(neural.MLPClassifier(hidden_layer_sizes=(4,), activation="relu",
                                    max_iter=5, random_state=0), X, y)
    one_line_refusal(_skl(clf, X, tmp_path / "relu.onnx"), "Relu", "unsupported ONNX op")


def test_cli_prints_the_stripped_note(tmp_path: Path) -> None:
    import subprocess
    import sys

    neural = pytest.importorskip("sklearn.neural_network")
    X, y = _data(3)
    clf = _fit(neural.MLPClassifier(hidden_layer_sizes=(4,), activation="logistic",
                                    max_iter=5, random_state=0), X, y)
    path = _skl(clf, X, tmp_path / "c.onnx")
    proc = subprocess.run([sys.executable, "-m", "fepproof", "bound", str(path),
                           "--failures", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    notes = [ln for ln in proc.stderr.splitlines() if "note" in ln]
    assert len(notes) == 1 and "Softmax" in notes[0] and "ZipMap" in notes[0], proc.stderr
    code, out, err = cli("convert", str(path), str(tmp_path / "c.json"))
    assert code == 0 and err.count("\n") == 1 and "stripped" in err


# ---- torch -----------------------------------------------------------------------------

def _torch_model(act: str, final: bool):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    A = nn.Sigmoid if act == "sigmoid" else nn.Tanh
    mods = [nn.Flatten(), nn.Linear(6, 8), A(), nn.Linear(8, 5), A(), nn.Linear(5, 2)]
    if final:
        mods.append(nn.Sigmoid())
    return torch, nn.Sequential(*mods)


def _torch_export(torch, model, path: Path, dynamo: bool) -> None:
    x = torch.rand(3, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            pytest.importorskip("onnxscript")
            torch.onnx.export(model, (x,), str(path), dynamo=True, external_data=True,
                              dynamic_shapes=({0: torch.export.Dim("N")},), verbose=False)
        else:
            torch.onnx.export(model, (x,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "N"}})


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
@pytest.mark.parametrize("final", [False, True], ids=["linear", "final-sigmoid"])
def test_torch_exporters(tmp_path: Path, dynamo: bool, act: str, final: bool) -> None:
    torch, model = _torch_model(act, final)
    path = tmp_path / "model.onnx"
    _torch_export(torch, model, path, dynamo)
    net = load_network(path)
    assert net.widths == (8, 5) and net.activation.name == act and net.n_outputs == 2
    assert (net.output_activation is not None) == final
    T = np.random.default_rng(3).random((N_TEST, 2, 3))
    with torch.no_grad():  # float64 on the same (float32) weights
        ref = model.double()(torch.tensor(T)).numpy()
    assert np.abs(outputs(net, T.reshape(N_TEST, 6), final) - ref).max() <= TOL
    bound_ok(path, net)


def test_torch_dynamo_external_data(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(256, 64), nn.Sigmoid(), nn.Linear(64, 3))
    path = tmp_path / "big.onnx"
    x = torch.rand(2, 16, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("onnxscript")
        torch.onnx.export(model, (x,), str(path), dynamo=True, external_data=True,
                          verbose=False)
    assert (tmp_path / "big.onnx.data").exists()
    m = onnx.load(str(path), load_external_data=False)
    assert any(t.data_location == TensorProto.EXTERNAL for t in m.graph.initializer)
    net = load_network(path)
    T = np.random.default_rng(4).random((N_TEST, 16, 16))
    with torch.no_grad():
        ref = model.double()(torch.tensor(T)).numpy()
    assert np.abs(outputs(net, T.reshape(N_TEST, 256)) - ref).max() <= TOL


def test_torch_relu_refused_naming_the_node(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    _torch_export(torch, nn.Sequential(nn.Flatten(), model), tmp_path / "r.onnx", False)
    one_line_refusal(tmp_path / "r.onnx", "Relu", "unsupported ONNX op")


# ---- hand-built graphs: every accepted form against the reference evaluator ------------

def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32)


def _model(nodes, inits, in_shape, out_name="y", out_shape=None, extra_outputs=()):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, out_shape)]
        + [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in extra_outputs],
        [numpy_helper.from_array(a, n) for n, a in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _same_as_reference(model, tmp_path: Path, X: np.ndarray) -> Network:
    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    net = load_network(path)
    ref = ReferenceEvaluator(model).run(None, {"x": X.astype(np.float32)})[0]
    ours = outputs(net, X.reshape(len(X), -1), net.output_activation is not None)
    np.testing.assert_allclose(ours, ref.reshape(len(X), -1), rtol=1e-5, atol=1e-5)
    return net


def test_gemm_in_every_form(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    W1, b1 = _f32(rng, 4, 3), _f32(rng, 4)              # (out, in)
    W2, b2 = _f32(rng, 4, 5), _f32(rng, 5, 1)           # (in, out); column bias
    W3, b3 = _f32(rng, 2, 5), _f32(rng, 1, 2)
    nodes = [
        # x (N,3) @ W1^T: transB = 1, alpha, beta
        helper.make_node("Gemm", ["x", "W1", "b1"], ["s1"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Sigmoid", ["s1"], ["h1"]),
        # the weight first: W2^T (5,4) . h1^T (4,N) -> features x batch (transA, transB)
        helper.make_node("Gemm", ["W2", "h1", "b2"], ["s2"], transA=1, transB=1),
        helper.make_node("Sigmoid", ["s2"], ["h2t"]),
        # features x batch back as the first operand: transA = 1
        helper.make_node("Gemm", ["h2t", "W3", "b3"], ["y"], transA=1, transB=1, beta=0.25),
    ]
    net = _same_as_reference(_model(nodes, dict(W1=W1, b1=b1, W2=W2, b2=b2, W3=W3, b3=b3),
                                    ["N", 3]), tmp_path, np.random.default_rng(6).random((50, 3)))
    assert net.widths == (4, 5) and net.n_outputs == 2


def test_matmul_transposed_weight_cast_identity_and_shapes(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    W1, b1 = _f32(rng, 5, 6), _f32(rng, 5)   # stored (out, in): Transpose before MatMul
    W2, b2 = _f32(rng, 5, 3), _f32(rng, 3)
    nodes = [
        helper.make_node("Cast", ["x"], ["xc"], to=TensorProto.FLOAT),
        helper.make_node("Flatten", ["xc"], ["xf"], axis=1),
        helper.make_node("Transpose", ["W1"], ["W1t"], perm=[1, 0]),
        helper.make_node("MatMul", ["xf", "W1t"], ["m1"]),
        helper.make_node("Add", ["b1", "m1"], ["s1"]),
        helper.make_node("Mul", ["s1", "two"], ["z1"]),
        helper.make_node("Tanh", ["z1"], ["h1"]),
        helper.make_node("Unsqueeze", ["h1", "ax1"], ["h1u"]),
        helper.make_node("Squeeze", ["h1u", "ax1"], ["h1s"]),
        helper.make_node("Identity", ["h1s"], ["h1i"]),
        helper.make_node("Reshape", ["h1i", "shape"], ["h1r"]),
        helper.make_node("MatMul", ["h1r", "W2"], ["m2"]),
        helper.make_node("Add", ["m2", "b2"], ["s2"]),
        helper.make_node("Tanh", ["s2"], ["y"]),
    ]
    inits = dict(W1=W1, b1=b1, W2=W2, b2=b2, two=np.array(2.0, np.float32),
                 ax1=np.array([1], np.int64), shape=np.array([0, -1], np.int64))
    net = _same_as_reference(_model(nodes, inits, ["N", 2, 3]), tmp_path,
                             np.random.default_rng(8).random((40, 2, 3)))
    # one hidden tanh layer (K = 2), a final Tanh (K = 1): the output activation
    assert net.activation == Activation("tanh", 2) and net.widths == (5,)
    assert net.output_activation == Activation("tanh", 1)


# ---- hostile graphs: one line each -----------------------------------------------------

def _hidden(rng, d=6, n=4):
    return dict(W1=_f32(rng, d, n), b1=_f32(rng, n))


def _refused(tmp_path: Path, model, *needles: str) -> None:
    path = tmp_path / "h.onnx"
    onnx.save(model, str(path))
    with pytest.raises(NetworkError) as info:
        load_network(path)
    for n in needles:
        assert n in str(info.value), str(info.value)
    one_line_refusal(path, *needles)


def test_reshape_that_changes_the_vector_shape(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    inits = {**_hidden(rng), "W2": _f32(rng, 2, 1), "shape": np.array([-1, 2], np.int64)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("Reshape", ["h1", "shape"], ["h1r"], name="fold"),
             helper.make_node("MatMul", ["h1r", "W2"], ["y"])]
    _refused(tmp_path, _model(nodes, inits, ["N", 6]), "Reshape 'fold'",
             "changes the vector shape")


def test_gemm_trans_a_on_batch_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    inits = {"W1": _f32(rng, 5, 4), "W2": _f32(rng, 4, 1)}
    nodes = [helper.make_node("Gemm", ["x", "W1"], ["s1"], transA=1, name="g1"),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["y"])]
    _refused(tmp_path, _model(nodes, inits, ["N", 5]), "Gemm 'g1'", "transA = 1",
             "mix the batch")


def test_stripped_tail_feeding_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 3)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["logits"]),
             helper.make_node("Softmax", ["logits"], ["p"], axis=1),
             helper.make_node("Add", ["logits", "p"], ["y"], name="back")]
    _refused(tmp_path, _model(nodes, inits, ["N", 6]), "Add 'back'")


def test_softmax_in_the_middle(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 3), "W3": _f32(rng, 3, 1)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["s2"]),
             helper.make_node("Softmax", ["s2"], ["h2"], axis=1, name="sm"),
             helper.make_node("MatMul", ["h2", "W3"], ["y"], name="after")]
    _refused(tmp_path, _model(nodes, inits, ["N", 6]), "MatMul 'after'",
             "Softmax or ArgMax in the middle")


def test_mixed_sigmoid_and_tanh_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 3), "W3": _f32(rng, 3, 1)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["s2"]),
             helper.make_node("Tanh", ["s2"], ["h2"]),
             helper.make_node("MatMul", ["h2", "W3"], ["y"])]
    _refused(tmp_path, _model(nodes, inits, ["N", 6]), "mixes sigmoid", "tanh")


def test_ml_domain_op_inside_the_network_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 1), "idx": np.array([0], np.int64)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("ArrayFeatureExtractor", ["h1", "idx"], ["h1x"],
                              domain="ai.onnx.ml", name="afe"),
             helper.make_node("MatMul", ["h1x", "W2"], ["y"])]
    model = _model(nodes, inits, ["N", 6])
    model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 1))
    _refused(tmp_path, model, "MatMul")


def test_tail_reading_a_hidden_layer_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(15)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 2)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["y"]),
             helper.make_node("Softmax", ["s1"], ["leak"], axis=1, name="leak")]
    _refused(tmp_path, _model(nodes, inits, ["N", 6], extra_outputs=["leak"]), "leak")


# ---- writing tanh networks and output activations ---------------------------------------

@pytest.mark.parametrize("act,out_act", [
    (Activation("tanh", 1), None),
    (Activation("tanh", Fraction(3, 2)), Activation("sigmoid", Fraction(1, 4))),
    (Activation("sigmoid", Fraction(1, 2)), Activation("tanh", 2)),
])
def test_round_trip_tanh_and_output_activation(tmp_path: Path, act: Activation,
                                               out_act: Activation | None) -> None:
    base = random_network(21, 3, (4, 3), name="rt")
    net = Network(base.layers, base.output, act, base.input_domain, "rt", out_act)
    save_network(net, tmp_path / "a.json")
    assert cli("convert", str(tmp_path / "a.json"), str(tmp_path / "b.onnx"))[0] == 0
    assert cli("convert", str(tmp_path / "b.onnx"), str(tmp_path / "c.json"))[0] == 0
    assert load_network(tmp_path / "c.json") == net
    model = onnx.load(str(tmp_path / "b.onnx"))
    ops = [n.op_type for n in model.graph.node]
    assert ops.count("Tanh") == (2 if act.name == "tanh" else 0) + (
        1 if out_act is not None and out_act.name == "tanh" else 0)
    X = np.random.default_rng(0).random((20, 3))
    ref = ReferenceEvaluator(model).run(None, {"x": X.astype(np.float32)})[0]
    np.testing.assert_allclose(outputs(net, X, out_act is not None), ref, rtol=1e-5,
                               atol=1e-5)


def test_onnx_refuses_non_binary_tanh_slope(tmp_path: Path) -> None:
    base = random_network(22, 2, (3,))
    net = Network(base.layers, base.output, Activation("tanh", Fraction(1, 3)))
    with pytest.raises(NetworkError, match="K = 1/3 is not a binary float"):
        save_network(net, tmp_path / "t.onnx")


def test_staticnet_refuses_tanh_and_output_activation(tmp_path: Path) -> None:
    base = random_network(23, 2, (3,))
    for net, needle in ((Network(base.layers, base.output, Activation("tanh", 1)),
                         "sigmoid networks only"),
                        (Network(base.layers, base.output, Activation(), (), "n",
                                 Activation()), "no output activation")):
        with pytest.raises(NetworkError, match=needle):
            save_network(net, tmp_path / "2-3.net")
        save_network(net, tmp_path / "n.json")
        code, _, err = cli("convert", str(tmp_path / "n.json"), str(tmp_path / "2-3.net"))
        assert code == 2 and err.count("\n") == 1 and needle in err


def test_reader_api_returns_the_note() -> None:
    rng = np.random.default_rng(16)
    inits = {**_hidden(rng), "W2": _f32(rng, 4, 3)}
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["s1"]),
             helper.make_node("Sigmoid", ["s1"], ["h1"]),
             helper.make_node("MatMul", ["h1", "W2"], ["logits"]),
             helper.make_node("LogSoftmax", ["logits"], ["y"], axis=1)]
    net, note = onnx_io.read_onnx(_model(nodes, inits, ["N", 6]))
    assert net.n_outputs == 3 and note is not None and "LogSoftmax" in note
