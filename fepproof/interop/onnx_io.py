"""ONNX multilayer perceptrons: Gemm (or MatMul + Add) with Sigmoid, through ``onnx``.

Import: a chain ``affine -> [Mul by a constant c] -> Sigmoid`` per hidden layer, where
affine is ``Gemm`` or ``MatMul`` (+ ``Add``); a final affine without Sigmoid is the
paper's linear output node, and a graph ending in Sigmoid gets the identity as output
node (as StaticNet).  ``Mul`` by c before Sigmoid sets the slope 4K = c (the same c in
every layer).  Weights come from float32/float64 initializers and keep their exact binary
values (``Fraction(float)``).  Any other op is refused with an error naming it, and so
is an op of any domain but the standard one (a custom-domain ``Sigmoid`` may compute
anything).

Reading is hostile-input safe: node arities and attributes, text fields, every tensor's
dims (at most ``MAX_PARAMETERS`` numbers in all) and data lengths are checked before any
tensor is converted.  Initializers in external data files (``model.onnx.data``, as
torch's exporter writes them) are read by this module from the model's folder only,
after checking the location, the declared lengths and the file sizes.

Export: float32 initializers when every parameter is a float32, float64 when every one is
a float64, otherwise refused (an exact rational such as 1/3 has no binary float form).
The input box, K and name travel exactly in ``metadata_props``.
"""

from __future__ import annotations

import json
import os
import stat
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..exact import ExactError, fmt_exact, to_fraction
from ..fsutil import atomic_write, read_limited
from ..netio import parse_json_exact
from ..network import MAX_LAYERS, MAX_PARAMETERS, Activation, Layer, Network, NetworkError

__all__ = ["load_onnx", "save_onnx", "network_to_onnx", "network_from_onnx"]

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Mul", "Sigmoid")
_META = "fepproof"


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:  # pragma: no cover - depends on the environment
        from ..cli.common import INSTALL_INTEROP  # here: the CLI imports this module
        raise NetworkError("file: reading/writing .onnx needs the 'onnx' package "
                           f"({INSTALL_INTEROP})") from None
    return onnx


def _num(value: object, where: str) -> Fraction:
    try:
        return to_fraction(value, where)
    except ExactError as exc:
        raise NetworkError(str(exc)) from None


def _q(text: str, limit: int = 60) -> str:
    """A name from the file, quoted on one line and cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _exact_matrix(arr: np.ndarray, where: str) -> tuple[tuple[Fraction, ...], ...]:
    if arr.dtype not in (np.float32, np.float64):
        raise NetworkError(f"{where}: initializer dtype {arr.dtype} (need float32/float64)")
    if arr.ndim != 2:
        raise NetworkError(f"{where}: expected a matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{where}: contains a non-finite value")
    a = np.asarray(arr, dtype=np.float64)
    return tuple(tuple(Fraction(v) for v in row) for row in a.tolist())


# ---- reading: structure, sizes and tensor data, checked before anything is allocated ------

MAX_GRAPH_ENTRIES = 8 * (MAX_LAYERS + 1)
"""Most nodes (and most initializers, graph inputs/outputs, metadata entries) a model may
have: an MLP of MAX_LAYERS hidden layers needs at most five nodes per layer."""

STANDARD_DOMAINS = ("", "ai.onnx")
"""The operator domains read: the standard ONNX operator set.  An op of the same name in
any other domain (a custom ``Sigmoid``) may compute anything and is refused."""

_ARITY = {"Gemm": (2, 3), "MatMul": (2, 2), "Add": (2, 2), "Mul": (2, 2), "Sigmoid": (1, 1),
          "Constant": (0, 0)}
_ATTRS = {"Gemm": {"alpha": "FLOAT", "beta": "FLOAT", "transA": "INT", "transB": "INT"},
          "Constant": {"value": "TENSOR"}}
_FLOAT_TYPES = {1: (np.dtype("<f4"), "float_data"), 11: (np.dtype("<f8"), "double_data")}
_EXTERNAL_KEYS = ("location", "offset", "length", "checksum")


def _where(idx: int, node: Any) -> str:
    op = node.op_type if node.op_type.isidentifier() else _q(node.op_type)
    return f"node {idx} ({op} {_q(node.name)})" if node.name else f"node {idx} ({op})"


def _check_text(model: Any) -> None:
    """Every string the reader looks at is UTF-8 text (protobuf hands an ONNX (proto2)
    string that is not as ``bytes``)."""
    g = model.graph

    def text(value: Any, what: str) -> None:
        if not isinstance(value, str):
            raise NetworkError(f"{what}: not UTF-8 text ({bytes(value)[:40]!r})")

    for i, p in enumerate(model.metadata_props):
        text(p.key, f"metadata entry {i} key")
        text(p.value, f"metadata entry {i} value")
    for i, fn in enumerate(model.functions):
        text(fn.domain, f"local function {i} domain")
        text(fn.name, f"local function {i} name")
    for what, infos in (("graph input", g.input), ("graph output", g.output)):
        for i, v in enumerate(infos):
            text(v.name, f"{what} {i} name")
    tensors = [(f"initializer {i}", t) for i, t in enumerate(g.initializer)]
    for i, node in enumerate(g.node):
        where = f"node {i}"
        for field in ("op_type", "domain", "name"):
            text(getattr(node, field), f"{where} {field}")
        for j, name in enumerate(node.input):
            text(name, f"{where} input {j}")
        for j, name in enumerate(node.output):
            text(name, f"{where} output {j}")
        for a in node.attribute:
            text(a.name, f"{where} attribute name")
            if a.HasField("t"):
                tensors.append((f"{where} attribute {a.name}", a.t))
    for what, t in tensors:
        text(t.name, f"{what} name")
        for e in t.external_data:
            text(e.key, f"{what} external-data key")
            text(e.value, f"{what} external-data value")


def _check_structure(model: Any) -> None:
    """Entry counts, text fields, operator domains, arities and attributes of every
    node."""
    onnx = _onnx()
    g = model.graph
    for what, entries in (("nodes", g.node), ("initializers", g.initializer),
                          ("graph inputs", g.input), ("graph outputs", g.output),
                          ("metadata entries", model.metadata_props),
                          ("local functions", model.functions)):
        if len(entries) > MAX_GRAPH_ENTRIES:
            raise NetworkError(f"graph: {len(entries)} {what}; an MLP of at most "
                               f"{MAX_LAYERS} hidden layers has at most {MAX_GRAPH_ENTRIES}")
    _check_text(model)
    if len(g.sparse_initializer):
        raise NetworkError("graph: sparse initializers are not supported (store weights as "
                           "dense initializers)")
    for fn in model.functions:
        if fn.domain in STANDARD_DOMAINS:
            raise NetworkError(f"graph: local function {_q(fn.name)} redefines an op of the "
                               f"standard ONNX domain")
    for idx, node in enumerate(g.node):
        where = _where(idx, node)
        if node.domain not in STANDARD_DOMAINS:
            raise NetworkError(f"{where}: op {_q(node.op_type)} of domain {_q(node.domain)} "
                               f"is not a standard ONNX op (only the default domain '' or "
                               f"'ai.onnx' is read; a custom op may compute anything)")
        op = node.op_type
        if op not in _ARITY:
            raise NetworkError(f"{where}: unsupported ONNX op {_q(op)} (supported: "
                               f"{', '.join(SUPPORTED_OPS)} forming an MLP)")
        lo, hi = _ARITY[op]
        if not lo <= len(node.input) <= hi or len(node.output) != 1 or not node.output[0]:
            need = f"{lo}" if lo == hi else f"{lo} or {hi}"
            raise NetworkError(f"{where}: expected {need} input(s) and one output, got "
                               f"{len(node.input)} and {len(node.output)}")
        allowed = _ATTRS.get(op, {})
        seen: set[str] = set()
        for a in node.attribute:
            kind = onnx.AttributeProto.AttributeType.Name(a.type) if a.type in \
                onnx.AttributeProto.AttributeType.values() else str(a.type)
            if a.name not in allowed:
                raise NetworkError(f"{where}: attribute {_q(a.name)} is not supported"
                                   + (f" (known: {', '.join(allowed)})" if allowed else ""))
            if kind != allowed[a.name]:
                raise NetworkError(f"{where}: attribute {a.name} must be a {allowed[a.name]},"
                                   f" got {kind}")
            if a.name in seen:
                raise NetworkError(f"{where}: attribute {a.name} given twice")
            seen.add(a.name)
            if a.name in ("transA", "transB") and a.i not in (0, 1):
                raise NetworkError(f"{where}: attribute {a.name} must be 0 or 1, got {a.i}")
        if op == "Constant" and "value" not in seen:
            raise NetworkError(f"{where}: a Constant needs its 'value' tensor")


def _count(t: Any, label: str) -> int:
    """The number of elements ``t``'s dims declare (NetworkError for negative dims)."""
    n = 1
    for d in t.dims:
        if d < 0:
            raise NetworkError(f"{label}: negative dimension {d} in dims {list(t.dims)[:8]}")
        n *= d
        if n > MAX_PARAMETERS:  # also keeps the product of a long dims list small
            n = MAX_PARAMETERS + 1
    if len(t.dims) > 8:
        raise NetworkError(f"{label}: {len(t.dims)} dimensions (a weight tensor has 1 or 2)")
    return n


class _External:
    """Where one tensor's data lies in an external file (checked, not yet read)."""

    def __init__(self, file: Path, offset: int, length: int) -> None:
        self.file, self.offset, self.length = file, offset, length


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)  # a FIFO swapped in never blocks the open


def _external(t: Any, label: str, nbytes: int, base_dir: Path | None) -> _External:
    """Check an external-data entry: a relative location inside the model's folder, a
    regular file holding exactly the ``nbytes`` the dims need (nothing is read yet)."""
    keys: dict[str, str] = {}
    for entry in t.external_data:
        if entry.key not in _EXTERNAL_KEYS:
            raise NetworkError(f"{label}: unknown external-data key {_q(entry.key)} "
                               f"(known: {', '.join(_EXTERNAL_KEYS)})")
        if entry.key in keys:
            raise NetworkError(f"{label}: external-data key {entry.key} given twice")
        keys[entry.key] = entry.value
    if base_dir is None:
        raise NetworkError(f"{label}: data in an external file; read the model from its "
                           f"file (load_onnx) so the file can be found")
    loc = keys.get("location", "")
    if not loc or "\0" in loc:
        raise NetworkError(f"{label}: external data without a file location")
    if os.path.isabs(loc) or loc.startswith(("/", "\\")) or Path(loc).drive:
        raise NetworkError(f"{label}: external data location {_q(loc)} is an absolute path; "
                           f"it must be a file in the model's folder")
    base = base_dir.resolve()
    file = (base / loc).resolve()
    if file == base or base not in file.parents:
        raise NetworkError(f"{label}: external data location {_q(loc)} escapes the model's "
                           f"folder")
    nums = {}
    for key in ("offset", "length"):
        if key in keys:
            text = keys[key]
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise NetworkError(f"{label}: external data {key} {_q(text)} is not a "
                                   f"non-negative integer")
            nums[key] = int(text)
    try:
        st = os.stat(file)
    except FileNotFoundError:
        raise NetworkError(f"{label}: external data file {_q(loc)} is missing") from None
    except OSError as exc:
        raise NetworkError(f"{label}: cannot read external data file {_q(loc)} "
                           f"({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise NetworkError(f"{label}: external data {_q(loc)} is not a regular file")
    offset = nums.get("offset", 0)
    length = nums.get("length", max(st.st_size - offset, 0))
    if length != nbytes:
        raise NetworkError(f"{label}: external data length {length} bytes, but dims "
                           f"{list(t.dims)} need {nbytes}")
    if offset + length > st.st_size:
        raise NetworkError(f"{label}: external data file {_q(loc)} is truncated (has "
                           f"{st.st_size} bytes, the tensor needs bytes {offset} to "
                           f"{offset + length})")
    return _External(file, offset, length)


def _read_external(ext: _External, label: str) -> bytes:
    try:
        with open(ext.file, "rb", opener=_nonblocking) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise NetworkError(f"{label}: external data is not a regular file")
            fh.seek(ext.offset)
            data = fh.read(ext.length)
    except OSError as exc:
        raise NetworkError(f"{label}: cannot read external data file {ext.file.name!r} "
                           f"({exc.strerror})") from None
    if len(data) != ext.length:
        raise NetworkError(f"{label}: external data file {ext.file.name!r} is truncated "
                           f"(read {len(data)} of {ext.length} bytes)")
    return data


class _Tensor:
    """A checked constant tensor: dims, dtype and where its data is; converted on use."""

    def __init__(self, proto: Any, label: str, base_dir: Path | None) -> None:
        onnx = _onnx()
        self.proto, self.label = proto, label
        self.count = _count(proto, label)
        self.ext: _External | None = None
        self.dtype: np.dtype | None = None
        if proto.data_type not in _FLOAT_TYPES:
            return  # refused if used (an unused non-float tensor is harmless)
        dtype, field = _FLOAT_TYPES[proto.data_type]
        self.dtype = dtype
        nbytes = self.count * dtype.itemsize
        if proto.data_location == onnx.TensorProto.EXTERNAL:
            if proto.raw_data or len(getattr(proto, field)):
                raise NetworkError(f"{label}: data both in the model and in an external file")
            self.ext = _external(proto, label, nbytes, base_dir)
        elif proto.raw_data:
            if len(getattr(proto, field)):
                raise NetworkError(f"{label}: data both as raw bytes and as {field}")
            if len(proto.raw_data) != nbytes:
                raise NetworkError(f"{label}: dims {list(proto.dims)} need {nbytes} bytes of "
                                   f"{dtype.name} data, the tensor holds "
                                   f"{len(proto.raw_data)}")
        elif len(getattr(proto, field)) != self.count:
            raise NetworkError(f"{label}: dims {list(proto.dims)} need {self.count} values, "
                               f"{field} holds {len(getattr(proto, field))}")

    def array(self) -> np.ndarray:
        """The tensor's values (float32/float64; NetworkError for any other type)."""
        if self.dtype is None:
            onnx = _onnx()
            kind = onnx.TensorProto.DataType.Name(self.proto.data_type) \
                if self.proto.data_type in onnx.TensorProto.DataType.values() \
                else str(self.proto.data_type)
            raise NetworkError(f"{self.label}: data type {kind} (need FLOAT or DOUBLE)")
        if self.ext is not None:
            flat = np.frombuffer(_read_external(self.ext, self.label), dtype=self.dtype)
        elif self.proto.raw_data:
            flat = np.frombuffer(self.proto.raw_data, dtype=self.dtype)
        else:
            flat = np.array(getattr(self.proto, _FLOAT_TYPES[self.proto.data_type][1]),
                            dtype=self.dtype)
        return flat.reshape(tuple(self.proto.dims))


def _tensors(model: Any, base_dir: Path | None) -> dict[str, _Tensor]:
    """Every initializer and Constant value, checked: unique names, at most MAX_PARAMETERS
    numbers in all (from the dims alone), data lengths matching the dims."""
    g = model.graph
    protos: list[tuple[str, Any, str]] = [
        (t.name, t, f"initializer {_q(t.name)}") for t in g.initializer]
    for idx, node in enumerate(g.node):
        if node.op_type == "Constant":
            protos.append((node.output[0], node.attribute[0].t, f"{_where(idx, node)} value"))
    total = 0
    for _, proto, label in protos:
        total += _count(proto, label)
        if total > MAX_PARAMETERS:
            raise NetworkError(f"{label}: the model's tensors hold more than "
                               f"{MAX_PARAMETERS} numbers (the limit for a network)")
    out: dict[str, _Tensor] = {}
    for tname, proto, label in protos:
        if tname in out:
            raise NetworkError(f"{label}: a second constant named {_q(tname)}")
        out[tname] = _Tensor(proto, label, base_dir)
    return out


def _bias(C: np.ndarray, n_out: int, where: str) -> list[Fraction]:
    """A bias broadcast to ``n_out`` neurons: shape (), (1,), (n,), (1, 1) or (1, n)."""
    if C.ndim > 2 or any(d != 1 for d in C.shape[:-1]) or \
            (C.ndim and C.shape[-1] not in (1, n_out)):
        raise NetworkError(f"{where}: shape {C.shape} does not broadcast to one value per "
                           f"neuron ({n_out})")
    flat = C.reshape(-1)
    return list(_exact_matrix(np.broadcast_to(flat, (n_out,))[None, :], where)[0])


def _meta_K(value: object, K: Fraction) -> Fraction:
    """K from the metadata when the graph's slope is its float rounding, else K."""
    Km = _num(value, "metadata K")
    try:
        same = float(4 * Km) == float(4 * K)
    except OverflowError:
        same = False
    return Km if same else K


def network_from_onnx(model: Any, name: str = "network",
                      base_dir: str | Path | None = None) -> Network:
    """Build a :class:`Network` from an ``onnx.ModelProto`` (see the module docstring).

    Structure, operator domains, sizes and data lengths are checked before any tensor is
    converted; external data is read from ``base_dir`` (the model's folder) only then.
    """
    _check_structure(model)
    g = model.graph
    inits = _tensors(model, None if base_dir is None else Path(base_dir))
    inputs = [i for i in g.input if i.name not in inits]
    if len(inputs) != 1:
        raise NetworkError(f"graph.input: expected one data input, got {len(inputs)}")
    current = inputs[0].name
    meta: dict[str, str] = {}
    for p in model.metadata_props:
        if p.key in meta:
            raise NetworkError(f"metadata {_q(p.key)}: given twice")
        meta[p.key] = p.value
    try:
        extra = parse_json_exact(meta[_META], strict=True) if _META in meta else {}
    except json.JSONDecodeError as exc:
        raise NetworkError(f"metadata {_META}: not JSON (line {exc.lineno} column "
                           f"{exc.colno}: {exc.msg})") from None
    except NetworkError as exc:  # duplicate keys, deep nesting
        raise NetworkError(f"metadata {_META}: {exc}") from None
    if not isinstance(extra, dict):
        raise NetworkError(f"metadata {_META}: expected a JSON object")

    def const(tensor: str, where: str) -> np.ndarray:
        if tensor not in inits:
            raise NetworkError(f"{where}: {_q(tensor)} is not a constant initializer")
        return inits[tensor].array()

    layers: list[Layer] = []
    pending: tuple[tuple[tuple[Fraction, ...], ...], list[Fraction]] | None = None
    scale: Fraction | None = None
    slopes: set[Fraction] = set()
    for idx, node in enumerate(g.node):
        op = node.op_type
        where = _where(idx, node)
        if op == "Constant":
            continue
        data_in = [t for t in node.input if t and t not in inits]
        if data_in != [current]:
            raise NetworkError(f"{where}: not a simple chain (expects input {_q(current)})")
        if op in ("Gemm", "MatMul"):
            if pending is not None:
                raise NetworkError(f"{where}: two affine maps without a Sigmoid between them")
            if node.input[0] != current:
                raise NetworkError(f"{where}: expected the data as the first input")
            B = const(node.input[1], where)
            if B.ndim != 2 or 0 in B.shape:
                raise NetworkError(f"{where}: weights {_q(node.input[1])} of shape {B.shape};"
                                   f" expected a non-empty matrix")
            if op == "Gemm":
                attrs = {a.name: a for a in node.attribute}
                if "transA" in attrs and attrs["transA"].i:
                    raise NetworkError(f"{where}: transA = 1 is not supported")
                W = B if "transB" in attrs and attrs["transB"].i else B.T
                alpha = _num(float(attrs["alpha"].f) if "alpha" in attrs else 1.0,
                             f"{where} alpha")
                beta = _num(float(attrs["beta"].f) if "beta" in attrs else 1.0,
                            f"{where} beta")
                Wq = _exact_matrix(W, f"{where} weights {_q(node.input[1])}")
                if alpha != 1:
                    Wq = tuple(tuple(alpha * w for w in row) for row in Wq)
                n_out = len(Wq)
                if len(node.input) > 2 and node.input[2]:
                    C = const(node.input[2], where)
                    b = [beta * v for v in _bias(C, n_out, f"{where} bias "
                                                            f"{_q(node.input[2])}")]
                else:
                    b = [Fraction(0)] * n_out
            else:
                Wq = _exact_matrix(B.T, f"{where} weights {_q(node.input[1])}")
                b = [Fraction(0)] * len(Wq)
            if not layers:
                _check_input_width(inputs[0], len(Wq[0]), where)
            pending = (Wq, b)
        elif op == "Add":
            if pending is None or scale is not None:
                raise NetworkError(f"{where}: Add must follow a MatMul directly")
            other = node.input[1] if node.input[0] == current else node.input[0]
            add = _bias(const(other, where), len(pending[1]), f"{where} bias {_q(other)}")
            pending = (pending[0], [x + y for x, y in zip(pending[1], add)])
        elif op == "Mul":
            other = node.input[1] if node.input[0] == current else node.input[0]
            c = const(other, where)
            if pending is None or c.size != 1:
                raise NetworkError(f"{where}: only a Mul by one scalar constant between "
                                   f"an affine map and Sigmoid is supported")
            if c.ndim > 2:
                raise NetworkError(f"{where}: constant {_q(other)} of shape {c.shape}")
            s = _num(float(c.reshape(())), f"{where} constant")
            if s <= 0:
                raise NetworkError(f"{where}: the sigmoid slope must be > 0, got {s}")
            scale = s if scale is None else scale * s
        else:  # Sigmoid
            if pending is None:
                raise NetworkError(f"{where}: Sigmoid without a preceding Gemm/MatMul")
            try:
                layers.append(Layer(pending[0], tuple(pending[1])))
            except NetworkError as exc:
                raise NetworkError(f"{where}: {exc}") from None
            slopes.add(scale if scale is not None else Fraction(1))
            pending, scale = None, None
        current = node.output[0]
    if scale is not None:
        raise NetworkError("graph: Mul not followed by Sigmoid")
    if [o.name for o in g.output] != [current]:
        raise NetworkError(f"graph.output: expected the single output {_q(current)}")
    if not layers:
        raise NetworkError("graph: no Sigmoid layer (the paper's model needs hidden layers)")
    if len(layers) > MAX_LAYERS:
        raise NetworkError(f"graph: {len(layers)} hidden layers; the limit is {MAX_LAYERS}")
    if len(slopes) != 1:
        raise NetworkError(f"graph: layers use different sigmoid slopes "
                           f"{sorted(map(str, slopes))}; fepproof needs one K")
    K = slopes.pop() / 4
    if "K" in extra:
        K = _meta_K(extra["K"], K)
    one, zero = Fraction(1), Fraction(0)
    if pending is None:
        M = layers[-1].n_out
        held = sum(x.n_out * (x.n_in + 1) for x in layers)
        if M * (M + 1) + held > MAX_PARAMETERS:
            raise NetworkError(f"graph: ends in a Sigmoid of {M} neurons; its identity output "
                               f"node ({M}x{M}) would take the network over "
                               f"{MAX_PARAMETERS} numbers")
        output = Layer(tuple(tuple(one if i == j else zero for i in range(M))
                             for j in range(M)), tuple(zero for _ in range(M)))
    else:
        try:
            output = Layer(pending[0], tuple(pending[1]))
        except NetworkError as exc:
            raise NetworkError(f"output: {exc}") from None
    domain = extra.get("input_domain", [])
    if not isinstance(domain, list) or not all(isinstance(p, list) for p in domain):
        raise NetworkError("metadata input_domain: expected a list of [lo, hi] pairs")
    meta_name = extra.get("name", name)
    return Network(tuple(layers), output, Activation("sigmoid", K), tuple(domain),
                   meta_name if isinstance(meta_name, str) else name)


def _check_input_width(value_info: Any, width: int, where: str) -> None:
    """A declared input width (the last dimension of the graph input) must match the
    first weight matrix."""
    dims = value_info.type.tensor_type.shape.dim
    if len(dims) and dims[-1].HasField("dim_value") and dims[-1].dim_value != width:
        raise NetworkError(f"{where}: the weights read {width} inputs but graph input "
                           f"{_q(value_info.name)} declares {dims[-1].dim_value}")


def load_onnx(path: str | Path, **_: Any) -> Network:
    """Read an ``.onnx`` MLP file (see :func:`network_from_onnx`); external data files
    (``model.onnx.data``) are read from the model's folder after every check."""
    onnx = _onnx()
    path = Path(path)
    raw = read_limited(path)
    model = onnx.ModelProto()
    try:
        model.ParseFromString(raw)
    except Exception as exc:  # protobuf DecodeError and friends
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise NetworkError(f"file: {path} is not a readable ONNX model ({detail})") from None
    return network_from_onnx(model, path.stem, path.parent)


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
