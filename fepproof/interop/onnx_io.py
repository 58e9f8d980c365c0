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

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Mul", "Sigmoid", "Tanh", "Cast", "Identity",
                 "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose")
ACTIVATION_OPS = {"Sigmoid": "sigmoid", "Tanh": "tanh"}
TAIL_OPS = ("Softmax", "LogSoftmax", "ArgMax", "ArrayFeatureExtractor", "ZipMap", "Cast",
            "Reshape", "Identity", "Sub", "Concat")
"""A classifier's post-processing after the network's outputs (the logits, or a final
Sigmoid): stripped, with a note.  ``Sub`` and ``Concat`` are skl2onnx's binary classifier
(``[1 - p, p]``)."""
ML_DOMAIN = "ai.onnx.ml"
ML_TAIL_OPS = ("ArrayFeatureExtractor", "ZipMap")
"""The only ops of another domain that are accepted, and only in the stripped tail."""
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
          "Tanh": (1, 1), "Constant": (0, 0), "Cast": (1, 1), "Identity": (1, 1),
          "Reshape": (2, 2), "Flatten": (1, 1), "Squeeze": (1, 2), "Unsqueeze": (1, 2),
          "Transpose": (1, 1), "Softmax": (1, 1), "LogSoftmax": (1, 1), "ArgMax": (1, 1),
          "ArrayFeatureExtractor": (2, 2), "ZipMap": (1, 1), "Sub": (2, 2), "Concat": (1, 16)}
_ATTRS = {"Gemm": {"alpha": "FLOAT", "beta": "FLOAT", "transA": "INT", "transB": "INT"},
          "Constant": {"value": "TENSOR"}, "Cast": {"to": "INT", "saturate": "INT"},
          "Reshape": {"allowzero": "INT"}, "Flatten": {"axis": "INT"},
          "Squeeze": {"axes": "INTS"}, "Unsqueeze": {"axes": "INTS"},
          "Transpose": {"perm": "INTS"}, "Softmax": {"axis": "INT"},
          "LogSoftmax": {"axis": "INT"}, "Concat": {"axis": "INT"},
          "ArgMax": {"axis": "INT", "keepdims": "INT", "select_last_index": "INT"},
          "ZipMap": {"classlabels_int64s": "INTS", "classlabels_strings": "STRINGS"}}
_FLOAT_CASTS = (1, 11)  # Cast to FLOAT or DOUBLE: a no-op on the network's function
_FLOAT_TYPES = {1: (np.dtype("<f4"), "float_data"), 11: (np.dtype("<f8"), "double_data")}
_INT_TYPES = {7: (np.dtype("<i8"), "int64_data"), 6: (np.dtype("<i4"), "int32_data")}
_DATA_TYPES = {**_FLOAT_TYPES, **_INT_TYPES}
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
        if node.domain not in STANDARD_DOMAINS and not (
                node.domain == ML_DOMAIN and node.op_type in ML_TAIL_OPS):
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
        if op == "Cast" and "to" not in seen:
            raise NetworkError(f"{where}: a Cast needs its 'to' type")


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
        if proto.data_type not in _DATA_TYPES:
            return  # refused if used (an unused tensor of another type is harmless)
        dtype, field = _DATA_TYPES[proto.data_type]
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

    def _kind(self) -> str:
        onnx = _onnx()
        return onnx.TensorProto.DataType.Name(self.proto.data_type) \
            if self.proto.data_type in onnx.TensorProto.DataType.values() \
            else str(self.proto.data_type)

    def _values(self) -> np.ndarray:
        assert self.dtype is not None
        if self.ext is not None:
            flat = np.frombuffer(_read_external(self.ext, self.label), dtype=self.dtype)
        elif self.proto.raw_data:
            flat = np.frombuffer(self.proto.raw_data, dtype=self.dtype)
        else:
            flat = np.array(getattr(self.proto, _DATA_TYPES[self.proto.data_type][1]),
                            dtype=self.dtype)
        return flat.reshape(tuple(self.proto.dims))

    def array(self) -> np.ndarray:
        """The tensor's values (float32/float64; NetworkError for any other type)."""
        if self.proto.data_type not in _FLOAT_TYPES:
            raise NetworkError(f"{self.label}: data type {self._kind()} (need FLOAT or DOUBLE)")
        return self._values()

    def ints(self) -> np.ndarray:
        """The tensor's values as int64 (INT64/INT32 only: shapes and axes)."""
        if self.proto.data_type not in _INT_TYPES:
            raise NetworkError(f"{self.label}: data type {self._kind()} (need INT64)")
        return self._values().astype(np.int64)


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


def _meta_K(value: object, K: Fraction, factor: int = 4) -> Fraction:
    """K from the metadata when the graph's slope (``factor`` K) is its float rounding,
    else K."""
    Km = _num(value, "metadata K")
    try:
        same = float(factor * Km) == float(factor * K)
    except OverflowError:
        same = False
    return Km if same else K


def _attrs(node: Any) -> dict[str, Any]:
    return {a.name: a for a in node.attribute}


def _int_attr(node: Any, name: str, default: int) -> int:
    a = _attrs(node).get(name)
    return default if a is None else int(a.i)


def _prod(dims: list[int | None]) -> int | None:
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= d
    return n


class _Reader:
    """Walks the graph from its data input along the MLP chain (see the module
    docstring), folding constants, tracking the data's shape, collecting layers."""

    def __init__(self, model: Any, base_dir: Path | None) -> None:
        self.model, self.g = model, model.graph
        self.inits = _tensors(model, base_dir)
        self.folded: dict[str, np.ndarray] = {}
        self.layers: list[tuple[Layer, str, Fraction, str]] = []  # layer, act, slope, where
        self.pending: tuple[Matrix, list[Fraction]] | None = None
        self.pending_where = ""
        self.scale: Fraction | None = None
        self.first_width: int | None = None

    # ---- constants -------------------------------------------------------------------
    def is_const(self, name: str) -> bool:
        return name in self.inits or name in self.folded

    def const(self, name: str, where: str) -> np.ndarray:
        if name in self.folded:
            return self.folded[name]
        if name not in self.inits:
            raise NetworkError(f"{where}: {_q(name)} is not a constant initializer")
        return self.inits[name].array()

    def const_ints(self, name: str, where: str) -> list[int]:
        if name not in self.inits:
            raise NetworkError(f"{where}: {_q(name)} is not a constant initializer")
        arr = self.inits[name].ints()
        if arr.ndim > 1 or arr.size > 8:
            raise NetworkError(f"{where}: {_q(name)} of shape {arr.shape} is not a short "
                               f"list of integers")
        return [int(v) for v in arr.reshape(-1)]

    def fold(self, idx: int, node: Any) -> bool:
        """Fold a constant-only Identity, Cast (to float) or Transpose of a matrix."""
        op = node.op_type
        if op not in ("Identity", "Cast", "Transpose") or node.domain not in STANDARD_DOMAINS:
            return False
        if not all(t and self.is_const(t) for t in node.input):
            return False
        where = _where(idx, node)
        if op == "Cast" and _int_attr(node, "to", 0) not in _FLOAT_CASTS:
            return False  # a label tensor (skl2onnx's classes): left to the tail
        try:
            arr = self.const(node.input[0], where)
        except NetworkError:
            if op == "Transpose":
                raise
            return False  # an integer tensor passed on: left to the tail
        if op == "Cast":
            arr = arr.astype(np.float32 if _int_attr(node, "to", 1) == 1 else np.float64)
        elif op == "Transpose":
            perm = _attrs(node).get("perm")
            p = list(perm.ints) if perm is not None else list(range(arr.ndim))[::-1]
            if arr.ndim != 2 or p != [1, 0]:
                raise NetworkError(f"{where}: only the transpose of a weight matrix "
                                   f"(perm [1, 0]) is read, got shape {arr.shape}, perm {p}")
            arr = arr.T
        self.folded[node.output[0]] = arr
        return True

    # ---- the chain -------------------------------------------------------------------
    def read(self, name: str) -> tuple[Network, str | None]:
        g = self.g
        inputs = [i for i in g.input if i.name not in self.inits]
        if len(inputs) != 1:
            raise NetworkError(f"graph.input: expected one data input, got {len(inputs)}")
        self.input_info = inputs[0]
        data_nodes = []
        for idx, node in enumerate(g.node):
            if node.op_type == "Constant" or self.fold(idx, node):
                continue
            data_nodes.append(idx)
        consumers: dict[str, list[int]] = {}
        for idx in data_nodes:
            for t in dict.fromkeys(g.node[idx].input):
                if t:
                    consumers.setdefault(t, []).append(idx)
        outputs = [o.name for o in g.output]
        current = inputs[0].name
        dims = self.input_info.type.tensor_type.shape.dim
        shape: list[int | None] = [d.dim_value if d.HasField("dim_value") else None
                                   for d in dims] if len(dims) else [None, None]
        if len(shape) < 2:
            raise NetworkError(f"graph.input {_q(current)}: shape {shape} is not a batch of "
                               f"vectors (batch x features)")
        self.shape, self.rows = shape, True  # rows: batch x features (else transposed)
        chain: set[int] = set()
        self.stop = ""
        while current not in outputs:
            cons = consumers.get(current, [])
            if len(cons) > 1:
                self.stop = (f"{_q(current)} is read by several nodes: "
                             f"{', '.join(_where(i, g.node[i]) for i in cons[:4])}")
            elif cons:
                self.stop = f"{_q(current)} goes to {_where(cons[0], g.node[cons[0]])}"
            if len(cons) != 1:
                break
            idx = cons[0]
            node = g.node[idx]
            if node.op_type not in SUPPORTED_OPS or node.domain not in STANDARD_DOMAINS:
                break
            if node.op_type == "Cast" and _int_attr(node, "to", 0) not in _FLOAT_CASTS:
                break
            self.step(idx, node, current)
            chain.add(idx)
            current = node.output[0]
        tail = [i for i in data_nodes if i not in chain]
        if self.scale is not None:
            raise NetworkError(f"graph: Mul not followed by Sigmoid or Tanh (at {_q(current)})")
        if not self.rows:
            raise NetworkError(f"graph: the output {_q(current)} is transposed (features x "
                               f"batch); fepproof reads batch x features")
        note = self.strip(tail, current, outputs)
        return self.network(name), note

    def strip(self, tail: list[int], current: str, outputs: list[str]) -> str | None:
        """Check that ``tail`` is a classifier's post-processing of ``current`` only."""
        g = self.g
        derived = {current}
        first = None
        for idx in tail:
            node = g.node[idx]
            where = _where(idx, node)
            after = (f"after the network's outputs {_q(current)}" if first is None else
                     f"after the stripped post-processing from {first}")
            if node.op_type not in TAIL_OPS:
                if node.op_type in SUPPORTED_OPS:
                    raise NetworkError(f"{where}: is not part of the MLP: the chain ends "
                                       f"where {self.stop} (a Softmax or ArgMax in the "
                                       f"middle of the network, or a layer read twice?); "
                                       f"only a classifier's post-processing may follow")
                raise NetworkError(f"{where}: unsupported ONNX op {_q(node.op_type)} "
                                   f"({after}; only a classifier's post-processing "
                                   f"{', '.join(TAIL_OPS)} is stripped)")
            data_in = [t for t in node.input if t and not self.is_const(t)]
            for t in data_in:
                if t not in derived:
                    raise NetworkError(f"{where}: reads {_q(t)}, which is not computed "
                                       f"from the network's outputs {_q(current)}; only "
                                       f"post-processing of the outputs is stripped")
            if not data_in:
                raise NetworkError(f"{where}: reads no data; only post-processing of the "
                                   f"network's outputs {_q(current)} is stripped")
            if first is None:
                first = where
            derived.update(t for t in node.output if t)
        for o in outputs:
            if o not in derived:
                raise NetworkError(f"graph.output {_q(o)}: not the network's outputs "
                                   f"{_q(current)} nor computed from them")
        if current not in outputs and not tail:
            raise NetworkError(f"graph.output: expected the single output {_q(current)}")
        if not tail:
            return None
        ops = list(dict.fromkeys(g.node[i].op_type for i in tail))
        return (f"stripped a classifier's post-processing ({', '.join(ops)}; {len(tail)} "
                f"node{'s' if len(tail) > 1 else ''}): the network's outputs are "
                f"{_q(current)}")

    def _data_side(self, node: Any, current: str, where: str) -> int:
        pos = [i for i, t in enumerate(node.input[:2]) if t == current]
        if len(pos) != 1 or any(t == current for t in node.input[2:]):
            raise NetworkError(f"{where}: expected the data {_q(current)} as one of the two "
                               f"matrix operands")
        other = node.input[1 - pos[0]]
        if not self.is_const(other):
            raise NetworkError(f"{where}: not a simple chain ({_q(other)} is neither a "
                               f"constant nor the data {_q(current)})")
        return pos[0]

    def _vector(self, where: str) -> None:
        if len(self.shape) != 2:
            raise NetworkError(f"{where}: expects a batch x features matrix, the data has "
                               f"shape {self._show()}")

    def _show(self) -> str:
        return "[" + ", ".join("N" if i == 0 and d is None else "?" if d is None else str(d)
                               for i, d in enumerate(self.shape)) + "]"

    def step(self, idx: int, node: Any, current: str) -> None:
        op, where = node.op_type, _where(idx, node)
        data_in = [t for t in node.input if t and not self.is_const(t)]
        if data_in != [current]:
            raise NetworkError(f"{where}: not a simple chain (expects input {_q(current)} "
                               f"and constants)")
        if op in ("Identity", "Cast"):
            return
        if op in ("Flatten", "Reshape", "Squeeze", "Unsqueeze"):
            if node.input[0] != current:
                raise NetworkError(f"{where}: expected the data as the first input")
            if self.pending is not None and self.scale is not None:
                raise NetworkError(f"{where}: between Mul and the activation")
            if not self.rows:
                raise NetworkError(f"{where}: {op} of transposed data (features x batch)")
            self.shape = self._reshape(op, node, where)
            return
        if op == "Transpose":
            perm = _attrs(node).get("perm")
            p = list(perm.ints) if perm is not None else [1, 0]
            if len(self.shape) != 2 or p != [1, 0]:
                raise NetworkError(f"{where}: only the transpose of a batch x features matrix "
                                   f"(perm [1, 0]) is read, got perm {p} on shape "
                                   f"{self._show()}")
            self.rows = not self.rows
            return
        if op in ("Gemm", "MatMul"):
            self._affine(op, node, current, where)
            return
        if op == "Add":
            if self.pending is None or self.scale is not None:
                raise NetworkError(f"{where}: Add must follow a Gemm or MatMul directly")
            self._vector(where)
            other = node.input[1] if node.input[0] == current else node.input[0]
            W, b = self.pending
            add = self._bias(self.const(other, where), len(b), f"{where} bias {_q(other)}")
            self.pending = (W, [x + y for x, y in zip(b, add)])
            return
        if op == "Mul":
            other = node.input[1] if node.input[0] == current else node.input[0]
            c = self.const(other, where)
            if self.pending is None or c.size != 1:
                raise NetworkError(f"{where}: only a Mul by one scalar constant between "
                                   f"an affine map and Sigmoid or Tanh is supported")
            if c.ndim > 2:
                raise NetworkError(f"{where}: constant {_q(other)} of shape {c.shape}")
            s = _num(float(c.reshape(())), f"{where} constant")
            if s <= 0:
                raise NetworkError(f"{where}: the activation's slope must be > 0, got {s}")
            self.scale = s if self.scale is None else self.scale * s
            return
        # Sigmoid or Tanh
        if self.pending is None:
            raise NetworkError(f"{where}: {op} without a preceding Gemm/MatMul")
        try:
            layer = Layer(self.pending[0], tuple(self.pending[1]))
        except NetworkError as exc:
            raise NetworkError(f"{where}: {exc}") from None
        slope = self.scale if self.scale is not None else Fraction(1)
        self.layers.append((layer, ACTIVATION_OPS[op], slope, where))
        self.pending, self.scale = None, None

    def _bias(self, C: np.ndarray, n_out: int, where: str) -> list[Fraction]:
        if not self.rows:  # features x batch: a column (m, 1) or one value
            if C.size == 1 and C.ndim <= 2:
                C = C.reshape(())
            elif C.ndim == 2 and C.shape == (n_out, 1):
                C = C.reshape(-1)
            else:
                raise NetworkError(f"{where}: shape {C.shape} does not broadcast to one "
                                   f"value per neuron ({n_out}) of transposed data")
        return _bias(C, n_out, where)

    def _affine(self, op: str, node: Any, current: str, where: str) -> None:
        if self.pending is not None:
            raise NetworkError(f"{where}: two affine maps without an activation between them")
        self._vector(where)
        side = self._data_side(node, current, where)
        attrs = _attrs(node)
        trans = [bool(attrs[k].i) if k in attrs else False for k in ("transA", "transB")]
        # the data operand as it enters the product: batch x features (data first) or
        # features x batch (data second)
        data_rows = self.rows != trans[side]
        if data_rows != (side == 0):
            which = "transA" if side == 0 else "transB"
            raise NetworkError(
                f"{where}: {which} = {int(trans[side])} on data of layout "
                f"{'batch x features' if self.rows else 'features x batch'} would mix the "
                f"batch into the features")
        wname = node.input[1 - side]
        M = self.const(wname, where)
        if M.ndim != 2 or 0 in M.shape:
            raise NetworkError(f"{where}: weights {_q(wname)} of shape {M.shape}; expected a "
                               f"non-empty matrix")
        Meff = M.T if trans[1 - side] else M
        W = Meff.T if side == 0 else Meff  # rows: neurons
        alpha = beta = Fraction(1)
        if op == "Gemm":
            alpha = _num(float(attrs["alpha"].f) if "alpha" in attrs else 1.0, f"{where} alpha")
            beta = _num(float(attrs["beta"].f) if "beta" in attrs else 1.0, f"{where} beta")
        Wq = _exact_matrix(W, f"{where} weights {_q(wname)}")
        if alpha != 1:
            Wq = tuple(tuple(alpha * w for w in row) for row in Wq)
        n_out, n_in = len(Wq), len(Wq[0])
        width = self.shape[1]
        if width is not None and width != n_in:
            if not self.layers and self.first_width is None:
                raise NetworkError(f"{where}: the weights read {n_in} inputs but graph input "
                                   f"{_q(self.input_info.name)} declares {width}")
            raise NetworkError(f"{where}: the weights read {n_in} inputs but the data has "
                               f"{width} features")
        if not self.layers:
            self.first_width = n_in
        self.rows = side == 0
        if op == "Gemm" and len(node.input) > 2 and node.input[2]:
            C = self.const(node.input[2], where)
            b = [beta * v for v in self._bias(C, n_out, f"{where} bias {_q(node.input[2])}")]
        else:
            b = [Fraction(0)] * n_out
        self.pending, self.pending_where = (Wq, b), where
        self.shape = [self.shape[0], n_out]

    def _reshape(self, op: str, node: Any, where: str) -> list[int | None]:
        shape = self.shape
        rank = len(shape)
        n = _prod(shape[1:])
        if op == "Flatten":
            axis = _int_attr(node, "axis", 1)
            if axis < 0:
                axis += rank
            if axis != 1:
                raise NetworkError(f"{where}: Flatten with axis {axis} merges the batch "
                                   f"dimension into the features (need axis 1)")
            return [shape[0], n]
        if op == "Reshape":
            target = self.const_ints(node.input[1], where)
            zero_copies = not _int_attr(node, "allowzero", 0)
            t = [shape[i] if v == 0 and zero_copies and i < rank else v
                 for i, v in enumerate(target)]
            batch = shape[0]
            ok = len(t) >= 1 and t.count(-1) <= 1 and all(v is None or v >= -1 for v in t)
            if ok:
                if target[0] == 0 and zero_copies:
                    first_ok = True
                elif t[0] == -1:
                    first_ok = all(v is not None and v > 0 for v in t[1:]) and \
                        n is not None and _prod(t[1:]) == n
                else:
                    first_ok = t[0] is not None and t[0] > 0 and (
                        batch == t[0] or (batch is None and -1 not in t[1:]))
                rest = t[1:]
                if -1 in rest:
                    known = _prod([v for v in rest if v != -1])
                    rest_ok = n is not None and known not in (None, 0) and n % known == 0
                    if rest_ok:
                        rest = [n // known if v == -1 else v for v in rest]
                else:
                    rest_ok = _prod(rest) == n and n is not None
                ok = first_ok and rest_ok and len(t) >= 2
            if not ok:
                raise NetworkError(f"{where}: Reshape of data of shape {self._show()} to "
                                   f"{target} changes the vector shape (batch x features)")
            return [batch, *rest]
        a = _attrs(node).get("axes")
        if a is not None:
            axes = list(a.ints)
        elif len(node.input) > 1 and node.input[1]:
            axes = self.const_ints(node.input[1], where)
        else:
            raise NetworkError(f"{where}: {op} without axes may change the batch dimension")
        out_rank = rank + len(axes) if op == "Unsqueeze" else rank
        norm = sorted(ax + out_rank if ax < 0 else ax for ax in axes)
        if not axes or len(set(norm)) != len(norm) or \
                any(not 0 < ax < out_rank for ax in norm):
            raise NetworkError(f"{where}: {op} axes {axes} on data of shape {self._show()} "
                               f"(the batch dimension 0 must stay)")
        if op == "Squeeze":
            if any(shape[ax] != 1 for ax in norm):
                raise NetworkError(f"{where}: Squeeze axes {axes} of data of shape "
                                   f"{self._show()}: not dimensions of size 1")
            return [d for i, d in enumerate(shape) if i not in norm]
        out = list(shape)
        for ax in norm:
            out.insert(ax, 1)
        return out

    # ---- the network -----------------------------------------------------------------
    def network(self, name: str) -> Network:
        layers = self.layers
        extra = _metadata(self.model)
        if not layers:
            raise NetworkError("graph: no Sigmoid or Tanh layer (the paper's model needs "
                               "hidden layers)")
        out_act: tuple[str, Fraction] | None = None
        if self.pending is None and len(layers) >= 2:
            last, act, slope, _ = layers[-1]
            layers = layers[:-1]
            out_act = (act, slope)
            output = last
        elif self.pending is None:
            output = None  # one affine map and an activation: identity output node
        else:
            try:
                output = Layer(self.pending[0], tuple(self.pending[1]))
            except NetworkError as exc:
                raise NetworkError(f"output: {exc}") from None
        if len(layers) > MAX_LAYERS:
            raise NetworkError(f"graph: {len(layers)} hidden layers; the limit is {MAX_LAYERS}")
        kinds = {act for _, act, _, _ in layers}
        if len(kinds) > 1:
            first = {act: where for _, act, _, where in reversed(layers)}
            raise NetworkError(f"graph: mixes sigmoid ({first['sigmoid']}) and tanh "
                               f"({first['tanh']}) hidden layers; fepproof needs one "
                               f"activation for every hidden layer")
        kind = kinds.pop()
        slopes = {slope for _, _, slope, _ in layers}
        if len(slopes) != 1:
            raise NetworkError(f"graph: layers use different {kind} slopes "
                               f"{sorted(map(str, slopes))}; fepproof needs one K")
        factor = 4 if kind == "sigmoid" else 1
        K = slopes.pop() / factor
        if "K" in extra:
            K = _meta_K(extra["K"], K, factor)
        hidden = [layer for layer, _, _, _ in layers]
        if output is None:
            one, zero = Fraction(1), Fraction(0)
            M = hidden[-1].n_out
            held = sum(x.n_out * (x.n_in + 1) for x in hidden)
            if M * (M + 1) + held > MAX_PARAMETERS:
                raise NetworkError(f"graph: ends in a {kind} of {M} neurons; its identity "
                                   f"output node ({M}x{M}) would take the network over "
                                   f"{MAX_PARAMETERS} numbers")
            output = Layer(tuple(tuple(one if i == j else zero for i in range(M))
                                 for j in range(M)), tuple(zero for _ in range(M)))
        output_activation = None
        if out_act is not None:
            f = 4 if out_act[0] == "sigmoid" else 1
            output_activation = Activation(out_act[0], out_act[1] / f)
        domain = extra.get("input_domain", [])
        if not isinstance(domain, list) or not all(isinstance(p, list) for p in domain):
            raise NetworkError("metadata input_domain: expected a list of [lo, hi] pairs")
        meta_name = extra.get("name", name)
        return Network(tuple(hidden), output, Activation(kind, K), tuple(domain),
                       meta_name if isinstance(meta_name, str) else name, output_activation)


Matrix = tuple[tuple[Fraction, ...], ...]


def _metadata(model: Any) -> dict[str, Any]:
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
    return extra


def read_onnx(model: Any, name: str = "network",
              base_dir: str | Path | None = None) -> tuple[Network, str | None]:
    """The network of an ``onnx.ModelProto`` and a note saying what post-processing was
    stripped (None when nothing was); see the module docstring."""
    _check_structure(model)
    reader = _Reader(model, None if base_dir is None else Path(base_dir))
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
