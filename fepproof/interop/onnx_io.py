"""ONNX multilayer perceptrons through ``onnx``: the file, its tensors, and the writer.

Import reads what exporters write (scikit-learn through skl2onnx, PyTorch through either
exporter): a chain of affine maps (``Gemm``, or ``MatMul`` + ``Add``) and ``Sigmoid`` /
``Tanh`` activations, shape no-ops on the way, an optional output activation, and a
classifier's post-processing, which is stripped; the chain walk is
:class:`fepproof.interop.onnx_graph.GraphReader`.  Weights come from float32/float64
initializers and keep their exact binary values (``Fraction(float)``).  Any other op is
refused with an error naming it, and so is an op of any domain but the standard one (a
custom-domain ``Sigmoid`` may compute anything), except the ``ai.onnx.ml`` ops of a
classifier's stripped post-processing.

Reading is hostile-input safe (:mod:`.onnx_checks`): node arities and attributes, text
fields, every tensor's dims (at most ``MAX_PARAMETERS`` numbers in all) and data lengths
are checked before any tensor is converted; external data files are read from the
model's folder only.

Export: float32 initializers when every parameter is a float32, float64 when every one is
a float64, otherwise refused (an exact rational such as 1/3 has no binary float form).
Tanh layers and an output activation are written as ``Tanh`` / ``Sigmoid`` nodes (with a
``Mul`` by the slope when it is not 1).  The input box, K and name travel exactly in
``metadata_props``.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..exact import fmt_exact
from ..fsutil import atomic_write, read_limited
from ..network import Activation, Network, NetworkError
from .onnx_checks import (
    _META,
    _check_structure,
    _onnx,
)

__all__ = ["load_onnx", "save_onnx", "network_to_onnx", "network_from_onnx"]



def read_onnx(model: Any, name: str = "network",
              base_dir: str | Path | None = None) -> tuple[Network, str | None]:
    """The network of an ``onnx.ModelProto`` and a note saying what post-processing was
    stripped (None when nothing was); see the module docstring."""
    from .onnx_graph import GraphReader  # the chain walk (imports this module's helpers)
    _check_structure(model)
    reader = GraphReader(model, None if base_dir is None else Path(base_dir))
    return reader.read(name)


def network_from_onnx(model: Any, name: str = "network",
                      base_dir: str | Path | None = None,
                      notes: list[str] | None = None) -> Network:
    """Build a :class:`Network` from an ``onnx.ModelProto`` (see the module docstring).

    Structure, operator domains, sizes and data lengths are checked before any tensor is
    converted; external data is read from ``base_dir`` (the model's folder) only then.
    A note on stripped post-processing is appended to ``notes`` when given.
    """
    net, note = read_onnx(model, name, base_dir)
    if note is not None and notes is not None:
        notes.append(note)
    return net


def load_onnx(path: str | Path, notes: list[str] | None = None, **_: Any) -> Network:
    """Read an ``.onnx`` MLP file (see :func:`network_from_onnx`); external data files
    (``model.onnx.data``) are read from the model's folder after every check.  A note on
    stripped post-processing is appended to ``notes`` when given."""
    onnx = _onnx()
    path = Path(path)
    raw = read_limited(path)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(raw)
    except Exception as exc:  # protobuf DecodeError and friends
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise NetworkError(f"file: {path} is not a readable ONNX model ({detail})") from None
    return network_from_onnx(model, path.stem, path.parent, notes)


def _slopes(net: Network) -> list[tuple[str, Fraction]]:
    """(what, the factor written before the activation op) for the hidden layers and the
    output activation: 4K before Sigmoid, K before Tanh."""
    out = []
    for what, act in (("activation", net.activation), ("output_activation",
                                                        net.output_activation)):
        if act is not None:
            out.append((what, 4 * act.K if act.is_sigmoid else act.K))
    return out


def _params(net: Network) -> list[Fraction]:
    vals: list[Fraction] = []
    for layer in (*net.layers, net.output):
        vals.extend(v for row in layer.weights for v in row)
        vals.extend(layer.bias)
    vals.extend(slope for _, slope in _slopes(net))
    return vals


def _dtype_for(net: Network) -> np.dtype:
    for what, slope in _slopes(net):
        if Fraction(float(slope)) != slope:
            factor = "4K" if getattr(net, what).is_sigmoid else "K"
            raise NetworkError(f"{what}.K: {factor} = {fmt_exact(slope)} is not a binary "
                               f"float; ONNX cannot hold the slope exactly (keep .json)")
    vals = _params(net)
    if all(Fraction(float(np.float32(float(v)))) == v for v in vals):
        return np.dtype(np.float32)
    for v in vals:
        if Fraction(float(v)) != v:
            raise NetworkError(f"weights: {fmt_exact(v)} is not a binary float; ONNX holds "
                               f"float32/float64 only (refusing a lossy write; keep .json)")
    return np.dtype(np.float64)


def network_to_onnx(net: Network) -> Any:
    """An ``onnx.ModelProto``: Gemm [+ Mul by the slope] + Sigmoid or Tanh per hidden
    layer, a Gemm for the output node [+ Mul + Sigmoid or Tanh: the output activation];
    exact when the weights are binary floats."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    dt = _dtype_for(net)
    elem = TensorProto.FLOAT if dt == np.float32 else TensorProto.DOUBLE
    nodes, inits = [], []
    cur = "x"

    def arr(values: Any) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in values], dtype=dt)

    slopes = dict(_slopes(net))

    def activate(act: Activation, slope: Fraction, tag: str, sname: str) -> None:
        nonlocal cur
        if slope != 1:
            if sname not in {t.name for t in inits}:
                inits.append(numpy_helper.from_array(np.array(float(slope), dtype=dt), sname))
            nodes.append(helper.make_node("Mul", [cur, sname], [f"{tag}.z"], name=f"{tag}.mul"))
            cur = f"{tag}.z"
        op = "Sigmoid" if act.is_sigmoid else "Tanh"
        nodes.append(helper.make_node(op, [cur], [f"{tag}.y"], name=f"{tag}.{op.lower()}"))
        cur = f"{tag}.y"

    for li, layer in enumerate((*net.layers, net.output)):
        last = li == net.depth
        tag = "out" if last else f"l{li + 1}"
        inits.append(numpy_helper.from_array(arr(layer.weights), f"{tag}.W"))
        inits.append(numpy_helper.from_array(arr([layer.bias])[0], f"{tag}.b"))
        nodes.append(helper.make_node("Gemm", [cur, f"{tag}.W", f"{tag}.b"], [f"{tag}.s"],
                                      transB=1, name=f"{tag}.gemm"))
        cur = f"{tag}.s"
        if not last:
            activate(net.activation, slopes["activation"], tag, "slope")
        elif net.output_activation is not None:
            activate(net.output_activation, slopes["output_activation"], tag, "out.slope")
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
