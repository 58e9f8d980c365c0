"""StaticNet ``.net`` files: raw little-endian float32, no header.

Layers in order; in each layer, neurons in order; each neuron its ``input_dim`` weights
then its bias.  The sizes (``784-98-10``) are not stored in the file: pass ``sizes=`` or
name the file like ``784-98-10_epoch-1078_0.net``.

Mapping onto the paper's model (Section 2.1): every StaticNet layer applies the standard
logistic sigmoid, i.e. phi_K with K = 1/4, so *every* StaticNet layer becomes a hidden
layer of the paper (784-98-10 gives N = [98, 10]); the paper's linear output node is the
identity reading each last-layer sigmoid (one output per class, bias 0).  With several
outputs the error is the maximum over outputs, or one output chosen with ``--output k``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..fsutil import atomic_write, read_limited
from ..network import MAX_LAYERS, MAX_PARAMETERS, Activation, Layer, Network, NetworkError

__all__ = ["parse_sizes", "load_staticnet", "save_staticnet", "staticnet_sizes",
           "staticnet_count"]

_SIZES_RE = re.compile(r"^(\d+(?:-\d+)+)(?:_|$)")


def parse_sizes(text: str, field: str = "--sizes") -> tuple[int, ...]:
    """Parse ``784-98-10`` into (784, 98, 10); NetworkError naming ``field`` otherwise."""
    parts = str(text).strip().split("-")
    if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        raise NetworkError(f"{field}: expected sizes like 784-98-10 (ASCII digits), "
                           f"got {str(text)[:40]!r}")
    sizes = tuple(int(p) for p in parts)
    if len(sizes) < 2 or any(s <= 0 for s in sizes):
        raise NetworkError(f"{field}: need an input size and at least one layer, all > 0, "
                           f"got {text!r}")
    return sizes


def _sizes_from_name(path: Path) -> tuple[int, ...] | None:
    m = _SIZES_RE.match(path.stem)
    return parse_sizes(m.group(1), f"file name {path.name}") if m else None


def load_staticnet(path: str | Path, sizes: str | tuple[int, ...] | None = None,
                   **_: Any) -> Network:
    """Read a StaticNet ``.net`` file exactly (each float32 becomes its exact Fraction)."""
    path = Path(path)
    if sizes is None:
        sz = _sizes_from_name(path)
        if sz is None:
            raise NetworkError(f"--sizes: StaticNet files carry no sizes; give them like "
                               f"784-98-10 (cannot read them from the name {path.name!r})")
        field = f"file name {path.name}"
    elif isinstance(sizes, str):
        sz, field = parse_sizes(sizes), "--sizes"
    else:
        sz, field = tuple(int(s) for s in sizes), "sizes"
        if len(sz) < 2 or any(s <= 0 for s in sz):
            raise NetworkError(f"sizes: need an input size and at least one layer, all > 0, "
                               f"got {sz[:8]}")
    text = "-".join(map(str, sz))
    if len(sz) - 1 > MAX_LAYERS:
        raise NetworkError(f"{field}: {len(sz) - 1} layers; the limit is {MAX_LAYERS}")
    expected = staticnet_count(sz)
    held = expected + sz[-1] * (sz[-1] + 1) + 2 * sz[0]  # + identity output node, box
    if held > MAX_PARAMETERS:  # decided from the sizes, before reading a byte
        raise NetworkError(f"{field}: sizes {text} make a network of {held} numbers "
                           f"(weights, biases, the identity output node and the input box); "
                           f"the limit is {MAX_PARAMETERS}")
    size = path.stat().st_size
    if size != 4 * expected:
        raise NetworkError(f"file: {path.name} has {size} bytes; sizes {text} need "
                           f"{expected} float32 = {4 * expected} bytes")
    raw = read_limited(path, 4 * expected)
    if len(raw) != 4 * expected:
        raise NetworkError(f"file: {path.name} has {len(raw)} bytes; sizes "
                           f"{text} need {expected} float32 = "
                           f"{4 * expected} bytes")
    data = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    if not np.all(np.isfinite(data)):
        bad = int(np.flatnonzero(~np.isfinite(data))[0])
        raise NetworkError(f"file: {path.name} float #{bad} is not finite ({data[bad]})")
    layers = []
    pos = 0
    for li, (n_in, n_out) in enumerate(zip(sz, sz[1:])):
        block = data[pos:pos + n_out * (n_in + 1)].reshape(n_out, n_in + 1)
        pos += block.size
        W = tuple(tuple(Fraction(v) for v in row[:-1].tolist()) for row in block)
        b = tuple(Fraction(v) for v in block[:, -1].tolist())
        try:
            layers.append(Layer(W, b))
        except NetworkError as exc:
            raise NetworkError(f"layers[{li}].{exc}") from None
    M = sz[-1]
    one, zero = Fraction(1), Fraction(0)
    output = Layer(tuple(tuple(one if i == j else zero for i in range(M)) for j in range(M)),
                   tuple(zero for _ in range(M)))
    domain = tuple((zero, one) for _ in range(sz[0]))
    return Network(tuple(layers), output, Activation("sigmoid", Fraction(1, 4)), domain,
                   path.stem)


def staticnet_count(sizes: tuple[int, ...]) -> int:
    """How many float32 a StaticNet file of these sizes holds (weights and biases)."""
    return sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes, sizes[1:]))


def staticnet_sizes(net: Network) -> tuple[int, ...]:
    """The StaticNet sizes of ``net`` (input, then every hidden layer)."""
    return (net.input_dim,) + net.widths


def _is_identity_output(net: Network) -> bool:
    W, b = net.output.weights, net.output.bias
    M = net.n_outputs
    return (M == net.widths[-1] and all(v == 0 for v in b)
            and all(W[j][i] == (1 if i == j else 0) for j in range(M) for i in range(M)))


def _f32_exact(values: list[Fraction], where: str) -> np.ndarray:
    arr = np.array([float(v) for v in values], dtype=np.float64)
    f32 = arr.astype("<f4")
    for i, (v, x) in enumerate(zip(values, f32.tolist())):
        if Fraction(x) != v:
            raise NetworkError(f"{where}: value #{i} = {v} is not a float32; StaticNet .net "
                               f"holds float32 only (refusing a lossy write)")
    return f32


def save_staticnet(net: Network, path: Path) -> None:
    """Write ``net`` as StaticNet ``.net``; only all-sigmoid (K = 1/4), identity-output
    networks on [0, 1]^d with float32 weights fit the format, else NetworkError."""
    if not net.activation.is_sigmoid:
        raise NetworkError(f"activation: StaticNet .net holds sigmoid networks only, got "
                           f"{net.activation.name} (keep .json, .npz or .onnx)")
    if net.output_activation is not None:
        raise NetworkError(f"output_activation: StaticNet .net has no output activation, got "
                           f"{net.output_activation.name} (keep .json, .npz or .onnx)")
    if net.K != Fraction(1, 4):
        raise NetworkError(f"activation.K: StaticNet uses the standard sigmoid (K = 1/4), "
                           f"got K = {net.K}")
    if not _is_identity_output(net):
        raise NetworkError("output: StaticNet has no linear output node; only networks whose "
                           "output is the identity on the last hidden layer (bias 0) fit")
    if any(d != (0, 1) for d in net.input_domain):
        raise NetworkError("input_domain: StaticNet files cannot record an input box other "
                           "than [0, 1]^d")
    chunks = []
    for li, layer in enumerate(net.layers):
        flat = [v for row, bias in zip(layer.weights, layer.bias) for v in (*row, bias)]
        chunks.append(_f32_exact(flat, f"layers[{li}]"))
    payload = np.concatenate(chunks).astype("<f4").tobytes()
    atomic_write(path, lambda p: p.write_bytes(payload))
