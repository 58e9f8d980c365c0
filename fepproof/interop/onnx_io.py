"""ONNX multilayer perceptrons: Gemm (or MatMul + Add) with Sigmoid, through ``onnx``.

Import: a chain ``affine -> [Mul by a constant c] -> Sigmoid`` per hidden layer, where
affine is ``Gemm`` or ``MatMul`` (+ ``Add``); a final affine without Sigmoid is the
paper's linear output node, and a graph ending in Sigmoid gets the identity as output
node (as StaticNet).  ``Mul`` by c before Sigmoid sets the slope 4K = c (the same c in
every layer).  Weights come from float32/float64 initializers and keep their exact binary
values (``Fraction(float)``).  Any other op is refused with an error naming it.

Export: float32 initializers when every parameter is a float32, float64 when every one is
a float64, otherwise refused (an exact rational such as 1/3 has no binary float form).
The input box, K and name travel exactly in ``metadata_props``.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..exact import ExactError, fmt_exact, to_fraction
from ..fsutil import atomic_write
from ..netio import parse_json_exact
from ..network import Activation, Layer, Network, NetworkError

__all__ = ["load_onnx", "save_onnx", "network_to_onnx", "network_from_onnx"]

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Mul", "Sigmoid")
_META = "fepproof"


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:  # pragma: no cover - depends on the environment
        raise NetworkError("file: reading/writing .onnx needs the 'onnx' package "
                           "(pip install 'fepproof[interop]')") from None
    return onnx


def _num(value: object, where: str) -> Fraction:
    try:
        return to_fraction(value, where)
    except ExactError as exc:
        raise NetworkError(str(exc)) from None


def _exact_matrix(arr: np.ndarray, where: str) -> tuple[tuple[Fraction, ...], ...]:
    if arr.dtype not in (np.float32, np.float64):
        raise NetworkError(f"{where}: initializer dtype {arr.dtype} (need float32/float64)")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{where}: contains a non-finite value")
    a = np.asarray(arr, dtype=np.float64)
    return tuple(tuple(Fraction(v) for v in row) for row in a.tolist())


def network_from_onnx(model: Any, name: str = "network") -> Network:
    """Build a :class:`Network` from an ``onnx.ModelProto`` (see the module docstring)."""
    onnx = _onnx()
    from onnx import numpy_helper

    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    for node in g.node:  # Constant nodes act as initializers
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    inits[node.output[0]] = numpy_helper.to_array(a.t)
    inputs = [i for i in g.input if i.name not in inits]
    if len(inputs) != 1:
        raise NetworkError(f"graph.input: expected one data input, got {len(inputs)}")
    current = inputs[0].name
    meta = {p.key: p.value for p in model.metadata_props}
    extra = parse_json_exact(meta[_META]) if _META in meta else {}
    if not isinstance(extra, dict):
        raise NetworkError(f"metadata {_META}: expected a JSON object")

    def const(tensor: str, where: str) -> np.ndarray:
        if tensor not in inits:
            raise NetworkError(f"{where}: {tensor!r} is not a constant initializer")
        return inits[tensor]

    layers: list[Layer] = []
    pending: tuple[tuple[tuple[Fraction, ...], ...], list[Fraction]] | None = None
    scale: Fraction | None = None
    slopes: set[Fraction] = set()
    for idx, node in enumerate(g.node):
        op = node.op_type
        where = f"node {idx} ({op} {node.name!r})" if node.name else f"node {idx} ({op})"
        if op == "Constant":
            continue
        if op not in SUPPORTED_OPS:
            raise NetworkError(f"{where}: unsupported ONNX op {op!r} (supported: "
                               f"{', '.join(SUPPORTED_OPS)} forming an MLP)")
        data_in = [t for t in node.input if t and t not in inits]
        if data_in != [current]:
            raise NetworkError(f"{where}: not a simple chain (expects input {current!r})")
        if op in ("Gemm", "MatMul"):
            if pending is not None:
                raise NetworkError(f"{where}: two affine maps without a Sigmoid between them")
            if op == "Gemm":
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                if attrs.get("transA", 0):
                    raise NetworkError(f"{where}: transA = 1 is not supported")
                B = const(node.input[1], where)
                W = B if attrs.get("transB", 0) else B.T
                alpha = _num(float(attrs.get("alpha", 1.0)), f"{where} alpha")
                beta = _num(float(attrs.get("beta", 1.0)), f"{where} beta")
                Wq = _exact_matrix(np.atleast_2d(W), f"{where} weights")
                if alpha != 1:
                    Wq = tuple(tuple(alpha * w for w in row) for row in Wq)
                n_out = len(Wq)
                if len(node.input) > 2 and node.input[2]:
                    C = np.broadcast_to(const(node.input[2], where), (n_out,))
                    b = [beta * v for v in _exact_matrix(C[None, :], f"{where} bias")[0]]
                else:
                    b = [Fraction(0)] * n_out
            else:
                if node.input[0] != current:
                    raise NetworkError(f"{where}: expected the data as the first input")
                Wq = _exact_matrix(np.atleast_2d(const(node.input[1], where)).T,
                                   f"{where} weights")
                b = [Fraction(0)] * len(Wq)
            pending = (Wq, b)
        elif op == "Add":
            if pending is None or scale is not None:
                raise NetworkError(f"{where}: Add must follow a MatMul directly")
            other = [t for t in node.input if t != current][0]
            C = np.broadcast_to(const(other, where), (len(pending[1]),))
            add = _exact_matrix(C[None, :], f"{where} bias")[0]
            pending = (pending[0], [x + y for x, y in zip(pending[1], add)])
        elif op == "Mul":
            other = [t for t in node.input if t != current]
            c = const(other[0], where) if other else None
            if pending is None or c is None or c.size != 1:
                raise NetworkError(f"{where}: only a Mul by one scalar constant between "
                                   f"an affine map and Sigmoid is supported")
            s = _num(float(c.reshape(())), f"{where} constant")
            if s <= 0:
                raise NetworkError(f"{where}: the sigmoid slope must be > 0, got {s}")
            scale = s if scale is None else scale * s
        else:  # Sigmoid
            if pending is None:
                raise NetworkError(f"{where}: Sigmoid without a preceding Gemm/MatMul")
            layers.append(Layer(pending[0], tuple(pending[1])))
            slopes.add(scale if scale is not None else Fraction(1))
            pending, scale = None, None
        current = node.output[0]
    if scale is not None:
        raise NetworkError("graph: Mul not followed by Sigmoid")
    if [o.name for o in g.output] != [current]:
        raise NetworkError(f"graph.output: expected the single output {current!r}")
    if not layers:
        raise NetworkError("graph: no Sigmoid layer (the paper's model needs hidden layers)")
    if len(slopes) != 1:
        raise NetworkError(f"graph: layers use different sigmoid slopes "
                           f"{sorted(map(str, slopes))}; fepproof needs one K")
    K = slopes.pop() / 4
    if "K" in extra:
        Km = _num(extra["K"], "metadata K")
        if float(4 * Km) == float(4 * K):  # K was exact in the metadata, rounded in the graph
            K = Km
    one, zero = Fraction(1), Fraction(0)
    if pending is None:
        M = layers[-1].n_out
        output = Layer(tuple(tuple(one if i == j else zero for i in range(M))
                             for j in range(M)), tuple(zero for _ in range(M)))
    else:
        output = Layer(pending[0], tuple(pending[1]))
    domain = extra.get("input_domain", [])
    if not isinstance(domain, list) or not all(isinstance(p, list) for p in domain):
        raise NetworkError("metadata input_domain: expected a list of [lo, hi] pairs")
    meta_name = extra.get("name", name)
    return Network(tuple(layers), output, Activation("sigmoid", K), tuple(domain),
                   meta_name if isinstance(meta_name, str) else name)


def load_onnx(path: str | Path, **_: Any) -> Network:
    """Read an ``.onnx`` MLP file (see :func:`network_from_onnx`)."""
    onnx = _onnx()
    path = Path(path)
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf DecodeError and friends
        raise NetworkError(f"file: {path} is not a readable ONNX model ({exc})") from None
    return network_from_onnx(model, path.stem)


def _params(net: Network) -> list[Fraction]:
    vals: list[Fraction] = []
    for layer in (*net.layers, net.output):
        vals.extend(v for row in layer.weights for v in row)
        vals.extend(layer.bias)
    vals.append(4 * net.K)
    return vals


def _dtype_for(net: Network) -> np.dtype:
    slope = 4 * net.K
    if Fraction(float(slope)) != slope:
        raise NetworkError(f"activation.K: 4K = {fmt_exact(slope)} is not a binary float; "
                           f"ONNX cannot hold the sigmoid slope exactly (keep .json)")
    vals = _params(net)
    if all(Fraction(float(np.float32(float(v)))) == v for v in vals):
        return np.dtype(np.float32)
    for v in vals:
        if Fraction(float(v)) != v:
            raise NetworkError(f"weights: {fmt_exact(v)} is not a binary float; ONNX holds "
                               f"float32/float64 only (refusing a lossy write; keep .json)")
    return np.dtype(np.float64)


def network_to_onnx(net: Network) -> Any:
    """An ``onnx.ModelProto``: Gemm (+ Mul by 4K when K != 1/4) + Sigmoid per hidden layer,
    then a Gemm for the output node; exact when the weights are binary floats."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    dt = _dtype_for(net)
    elem = TensorProto.FLOAT if dt == np.float32 else TensorProto.DOUBLE
    nodes, inits = [], []
    cur = "x"

    def arr(values: Any) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in values], dtype=dt)

    slope = 4 * net.K
    for li, layer in enumerate((*net.layers, net.output)):
        last = li == net.depth
        tag = "out" if last else f"l{li + 1}"
        inits.append(numpy_helper.from_array(arr(layer.weights), f"{tag}.W"))
        inits.append(numpy_helper.from_array(arr([layer.bias])[0], f"{tag}.b"))
        nodes.append(helper.make_node("Gemm", [cur, f"{tag}.W", f"{tag}.b"], [f"{tag}.s"],
                                      transB=1, name=f"{tag}.gemm"))
        cur = f"{tag}.s"
        if last:
            break
        if slope != 1:
            if li == 0:
                inits.append(numpy_helper.from_array(np.array(float(slope), dtype=dt), "slope"))
            nodes.append(helper.make_node("Mul", [cur, "slope"], [f"{tag}.z"], name=f"{tag}.mul"))
            cur = f"{tag}.z"
        nodes.append(helper.make_node("Sigmoid", [cur], [f"{tag}.y"], name=f"{tag}.sigmoid"))
        cur = f"{tag}.y"
    nodes[-1].output[0] = "y"
    graph = helper.make_graph(
        nodes, net.name,
        [helper.make_tensor_value_info("x", elem, ["N", net.input_dim])],
        [helper.make_tensor_value_info("y", elem, ["N", net.n_outputs])], inits)
    model = helper.make_model(graph, producer_name="fepproof",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = min(model.ir_version, 8)
    extra = {"name": net.name, "K": fmt_exact(net.K),
             "input_domain": [[fmt_exact(lo), fmt_exact(hi)] for lo, hi in net.input_domain]}
    helper.set_model_props(model, {_META: json.dumps(extra)})
    onnx.checker.check_model(model)
    return model


def save_onnx(net: Network, path: Path) -> None:
    """Write ``net`` as ``.onnx`` atomically (refuses weights that are not binary floats)."""
    model = network_to_onnx(net)
    data = model.SerializeToString()
    atomic_write(path, lambda p: p.write_bytes(data))
