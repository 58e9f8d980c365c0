"""The ONNX file as hostile input: structure, operator domains, text fields, sizes and
tensor data, all checked before anything large is read or allocated (the reader's first
half; :mod:`.onnx_graph` walks the checked graph, :mod:`.onnx_io` is the public API).

Node arities and attributes, every tensor's dims (at most ``MAX_PARAMETERS`` numbers in
all) and data lengths are checked before any tensor is converted.  Initializers in
external data files (``model.onnx.data``, as torch's exporter writes them) are read from
the model's folder only, after checking the location, the declared lengths and the file
sizes.  Ops of a domain other than the standard one are refused, except the
``ai.onnx.ml`` ops of a classifier's post-processing (:data:`ML_TAIL_OPS`), which the
graph reader accepts only in the stripped tail.
"""

from __future__ import annotations

import os
import stat
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..exact import ExactError, to_fraction
from ..network import MAX_LAYERS, MAX_PARAMETERS, NetworkError

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


Matrix = tuple[tuple[Fraction, ...], ...]
