"""The paper's network model (Section 2.1, Equations 1-3), held in exact rationals.

L hidden layers; layer l has N_l neurons with activation phi_K(x) = sigmoid(4Kx) applied
to s_j = sum_i w_ji y_i + b_j; the output is linear: F_neu(X) = sum_i w_i^(L+1) y_i^(L) + b.
Several output nodes are allowed (rows of the output matrix); the paper's single output
node is the one-row case.  Inputs range over a box, [0, 1]^d by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .exact import ExactError, fmt_exact, to_fraction

__all__ = ["NetworkError", "Activation", "Layer", "Network", "network_from_dict", "network_to_dict"]

FORMAT = "fepproof-network/1"
ACTIVATIONS = ("sigmoid",)


class NetworkError(ValueError):
    """Invalid network data; the message names the offending field."""


@dataclass(frozen=True)
class Activation:
    """phi_K(x) = sigmoid(4 K x): K-Lipschitz, values in (0, 1) (Section 2.1)."""

    name: str = "sigmoid"
    K: Fraction = Fraction(1, 4)

    @property
    def sup(self) -> Fraction:
        """sup phi = 1: the largest value a correct neuron approaches."""
        return Fraction(1)

    @property
    def inf(self) -> Fraction:
        """inf phi = 0."""
        return Fraction(0)

    @property
    def slope(self) -> Fraction:
        """The factor 4K inside the logistic function."""
        return 4 * self.K


Matrix = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class Layer:
    """One weight matrix (rows: receiving neurons) and its bias vector."""

    weights: Matrix
    bias: tuple[Fraction, ...]

    @property
    def n_out(self) -> int:
        return len(self.weights)

    @property
    def n_in(self) -> int:
        return len(self.weights[0])

    @cached_property
    def _max_abs(self) -> Fraction:
        return max(abs(w) for row in self.weights for w in row)

    def max_abs_weight(self) -> Fraction:
        """max |w_ji| over the layer (computed once)."""
        return self._max_abs


@dataclass(frozen=True)
class Network:
    """A feed-forward sigmoid network with exact rational parameters."""

    layers: tuple[Layer, ...]
    output: Layer
    activation: Activation = field(default_factory=Activation)
    input_domain: tuple[tuple[Fraction, Fraction], ...] = ()
    name: str = "network"

    # ---- sizes -------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """L, the number of hidden layers."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """(N_1, ..., N_L)."""
        return tuple(layer.n_out for layer in self.layers)

    @property
    def input_dim(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.output.n_out

    @property
    def K(self) -> Fraction:
        return self.activation.K

    def max_abs_weight(self, l: int, output: int | None = None) -> Fraction:
        """w_m^(l) for l = 1..L+1 (l = L+1: the output node's weights).

        For several outputs, ``output=k`` restricts w_m^(L+1) to output k; ``None`` takes
        the maximum over every output row.
        """
        if not 1 <= l <= self.depth + 1:
            raise IndexError(f"layer index {l} outside 1..{self.depth + 1}")
        if l <= self.depth:
            return self.layers[l - 1].max_abs_weight()
        if output is None:
            return self.output.max_abs_weight()
        return max(abs(w) for w in self.output.weights[output])

    def output_network(self, k: int) -> Network:
        """The single-output network computing output k."""
        if not 0 <= k < self.n_outputs:
            raise NetworkError(f"output {k}: the network has {self.n_outputs} output(s)")
        out = Layer((self.output.weights[k],), (self.output.bias[k],))
        return Network(self.layers, out, self.activation, self.input_domain, self.name)

    # ---- float views ---------------------------------------------------------------
    @cached_property
    def float_layers(self) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """(W, b) as float64 arrays for each hidden layer (numeric work only)."""
        return tuple(
            (np.array([[float(w) for w in row] for row in layer.weights], dtype=np.float64),
             np.array([float(b) for b in layer.bias], dtype=np.float64))
            for layer in self.layers
        )

    @cached_property
    def float_output(self) -> tuple[np.ndarray, np.ndarray]:
        W = np.array([[float(w) for w in row] for row in self.output.weights], dtype=np.float64)
        return W, np.array([float(b) for b in self.output.bias], dtype=np.float64)

    @cached_property
    def float_domain(self) -> np.ndarray:
        """The input box as a (d, 2) float array."""
        return np.array([[float(lo), float(hi)] for lo, hi in self.input_domain])


# ---- construction and validation ---------------------------------------------------------

def _num(value: Any, where: str) -> Fraction:
    try:
        return to_fraction(value, where)
    except ExactError as exc:
        raise NetworkError(str(exc)) from None


def _vector(value: Any, where: str, length: int | None = None) -> tuple[Fraction, ...]:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise NetworkError(f"{where}: expected a list of numbers")
    if length is not None and len(value) != length:
        raise NetworkError(f"{where}: expected {length} values, got {len(value)}")
    return tuple(_num(v, f"{where}[{i}]") for i, v in enumerate(value))


def _matrix(value: Any, where: str, n_in: int | None) -> Matrix:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not value:
        raise NetworkError(f"{where}: expected a non-empty list of rows (an empty layer?)")
    rows = []
    for r, row in enumerate(value):
        if hasattr(row, "tolist"):
            row = row.tolist()
        if not isinstance(row, (list, tuple)):
            raise NetworkError(f"{where} row {r}: expected a list of numbers")
        if n_in is None:
            n_in = len(row)
            if n_in == 0:
                raise NetworkError(f"{where} row {r}: empty row")
        if len(row) != n_in:
            raise NetworkError(f"{where} row {r}: expected {n_in} values, got {len(row)}")
        rows.append(tuple(_num(v, f"{where} row {r}[{c}]") for c, v in enumerate(row)))
    return tuple(rows)


def _layer(spec: Any, where: str, n_in: int | None, single_row_ok: bool = False) -> Layer:
    if not isinstance(spec, dict):
        raise NetworkError(f"{where}: expected an object with 'weights' (and optional 'bias')")
    if "weights" not in spec:
        raise NetworkError(f"{where}.weights: missing")
    weights = spec["weights"]
    if hasattr(weights, "tolist"):
        weights = weights.tolist()
    if single_row_ok and isinstance(weights, (list, tuple)) and weights and not isinstance(
        weights[0], (list, tuple)
    ):
        weights = [weights]
    W = _matrix(weights, f"{where}.weights", n_in)
    bias = spec.get("bias")
    if bias is None:
        b = tuple(Fraction(0) for _ in W)
    else:
        if hasattr(bias, "tolist"):
            bias = bias.tolist()
        if not isinstance(bias, (list, tuple)):
            bias = [bias]
        b = _vector(bias, f"{where}.bias", len(W))
    return Layer(W, b)


def network_from_dict(data: Any) -> Network:
    """Build and validate a network from the ``fepproof-network/1`` mapping."""
    if not isinstance(data, dict):
        raise NetworkError("file: expected a JSON object at top level")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise NetworkError(f"format: unknown format version {fmt!r} (expected {FORMAT!r})")
    act = data.get("activation", {"name": "sigmoid", "K": "1/4"})
    if not isinstance(act, dict):
        raise NetworkError("activation: expected an object with 'name' and 'K'")
    aname = act.get("name", "sigmoid")
    if aname not in ACTIVATIONS:
        raise NetworkError(f"activation.name: unknown activation {aname!r} (known: sigmoid)")
    K = _num(act.get("K", "1/4"), "activation.K")
    if K <= 0:
        raise NetworkError(f"activation.K: must be > 0, got {fmt_exact(K)}")
    layers_spec = data.get("layers")
    if not isinstance(layers_spec, list) or not layers_spec:
        raise NetworkError("layers: expected a non-empty list of hidden layers")
    layers: list[Layer] = []
    n_in: int | None = None
    domain_spec = data.get("input_domain")
    if domain_spec is not None:
        if hasattr(domain_spec, "tolist"):
            domain_spec = domain_spec.tolist()
        if not isinstance(domain_spec, list) or not domain_spec:
            raise NetworkError("input_domain: expected a list of [lo, hi] pairs")
        n_in = len(domain_spec)
    for i, spec in enumerate(layers_spec):
        layer = _layer(spec, f"layers[{i}]", n_in)
        layers.append(layer)
        n_in = layer.n_out
    if "output" not in data:
        raise NetworkError("output: missing (the linear output node's weights)")
    output = _layer(data["output"], "output", n_in, single_row_ok=True)
    d = layers[0].n_in
    if domain_spec is None:
        domain = tuple((Fraction(0), Fraction(1)) for _ in range(d))
    else:
        pairs = []
        for i, pair in enumerate(domain_spec):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise NetworkError(f"input_domain[{i}]: expected [lo, hi]")
            lo = _num(pair[0], f"input_domain[{i}][0]")
            hi = _num(pair[1], f"input_domain[{i}][1]")
            if lo > hi:
                raise NetworkError(
                    f"input_domain[{i}]: lo > hi ({fmt_exact(lo)} > {fmt_exact(hi)})"
                )
            pairs.append((lo, hi))
        domain = tuple(pairs)
    name = str(data.get("name", "network"))
    return Network(tuple(layers), output, Activation(aname, K), domain, name)


def network_to_dict(net: Network) -> dict[str, Any]:
    """The ``fepproof-network/1`` mapping, every number as an exact string."""

    def mat(W: Matrix) -> list[list[str]]:
        return [[fmt_exact(w) for w in row] for row in W]

    out_w: Any = mat(net.output.weights)
    out_b: Any = [fmt_exact(b) for b in net.output.bias]
    if net.n_outputs == 1:
        out_w, out_b = out_w[0], out_b[0]
    return {
        "format": FORMAT,
        "name": net.name,
        "activation": {"name": net.activation.name, "K": fmt_exact(net.K)},
        "input_domain": [[fmt_exact(lo), fmt_exact(hi)] for lo, hi in net.input_domain],
        "layers": [
            {"weights": mat(layer.weights), "bias": [fmt_exact(b) for b in layer.bias]}
            for layer in net.layers
        ],
        "output": {"weights": out_w, "bias": out_b},
    }
