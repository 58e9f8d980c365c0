"""Reading an ONNX graph as an MLP: the chain of layers an exporter writes.

Starting from the graph's one data input, :class:`GraphReader` follows a single chain and
keeps track of the data's shape (batch x features, or transposed):

* ``Cast`` to float/double and ``Identity`` are no-ops; ``Flatten(axis=1)``, and
  ``Reshape`` / ``Squeeze`` / ``Unsqueeze`` that keep the batch on axis 0 and the same
  features, are skipped; a ``Transpose`` of a weight or of the data flips the layout;
* each hidden layer is ``Gemm`` (every transA/transB form, alpha and beta applied exactly)
  or ``MatMul`` (+ ``Add``), optionally ``Mul`` by a constant c, then ``Sigmoid`` (slope
  4K = c) or ``Tanh`` (K = c); every layer must use the same activation and c;
* the last affine map is the linear output node; a ``Sigmoid`` / ``Tanh`` after it is the
  network's output activation (a graph whose only affine map ends in Sigmoid gets the
  identity output node instead, as StaticNet);
* where the data has several consumers or reaches a classifier's post-processing
  (:data:`fepproof.interop.onnx_checks.TAIL_OPS`), the rest of the graph must be that
  post-processing and computed from the network's outputs only: it is stripped, and the
  reader returns a note saying so.

Anything else is refused with one line naming the node.  The structure, domains, sizes and
tensor data were checked by :mod:`.onnx_io` before the reader runs.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..netio import parse_json_exact
from ..network import MAX_LAYERS, MAX_PARAMETERS, Activation, Layer, Network, NetworkError
from .onnx_checks import (
    _FLOAT_CASTS,
    _META,
    ACTIVATION_OPS,
    STANDARD_DOMAINS,
    SUPPORTED_OPS,
    TAIL_OPS,
    Matrix,
    _exact_matrix,
    _num,
    _q,
    _tensors,
    _where,
)

__all__ = ["GraphReader"]


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


class GraphReader:
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
