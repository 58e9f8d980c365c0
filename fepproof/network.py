"""The paper's network model (Section 2.1, Equations 1-3), held in exact rationals.

L hidden layers; layer l has N_l neurons with activation phi applied to
s_j = sum_i w_ji y_i + b_j; the output is linear: F_neu(X) = sum_i w_i^(L+1) y_i^(L) + b.
phi is the paper's K-Lipschitz bounded activation: the logistic phi_K(x) = sigmoid(4Kx)
(values in (0, 1)) or phi_K(x) = tanh(Kx) (values in (-1, 1); exactly 2 sigmoid(2Kx) - 1,
see :mod:`fepproof.sigmoid_form`).  Several output nodes are allowed (rows of the output
matrix); the paper's single output node is the one-row case.  An optional output
activation (a final sigmoid or tanh after the output node, as exported regressors have)
is recorded; the outputs the claims speak of are the linear ones before it unless a
command says otherwise.  Inputs range over a box, [0, 1]^d by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from .exact import ExactError, JsonNumber, fmt_exact, to_fraction

__all__ = ["NetworkError", "Activation", "Layer", "Network", "network_from_dict", "network_to_dict"]

FORMAT = "fepproof-network/1"
MAX_LAYERS = 1000
"""Most hidden layers a network may have (the closed forms are quadratic in the depth)."""
ACTIVATIONS = ("sigmoid", "tanh")


class NetworkError(ValueError):
    """Invalid network data; the message names the offending field."""


def _exact(value: Any, where: str) -> Fraction:
    try:
        return to_fraction(value, where)
    except ExactError as exc:
        raise NetworkError(str(exc)) from None


@dataclass(frozen=True)
class Activation:
    """The K-Lipschitz bounded activation of Section 2.1.

    ``sigmoid``: phi_K(x) = sigmoid(4 K x), values in (0, 1) (K = 1/4: the logistic).
    ``tanh``: phi_K(x) = tanh(K x), values in (-1, 1) (K = 1: the usual tanh).
    Validated on construction: a known name and 0 < K within the number limits.
    """

    name: str = "sigmoid"
    K: Fraction = Fraction(1, 4)

    def __post_init__(self) -> None:
        if self.name not in ACTIVATIONS:
            raise NetworkError(f"activation.name: unknown activation {self.name!r} "
                               f"(known: {', '.join(ACTIVATIONS)})")
        K = _exact(self.K, "activation.K")
        if K <= 0:
            raise NetworkError(f"activation.K: must be > 0, got {fmt_exact(K)}")
        object.__setattr__(self, "K", K)

    @property
    def sup(self) -> Fraction:
        """sup phi = 1: the largest value a correct neuron approaches."""
        return Fraction(1)

    @property
    def inf(self) -> Fraction:
        """inf phi: 0 for the sigmoid, -1 for tanh."""
        return Fraction(-1) if self.name == "tanh" else Fraction(0)

    @property
    def is_sigmoid(self) -> bool:
        return self.name == "sigmoid"

    @property
    def slope(self) -> Fraction:
        """The factor 4K inside the logistic function (sigmoid only: the engines work on
        the sigmoid form of a tanh network, :mod:`fepproof.sigmoid_form`)."""
        if self.name != "sigmoid":
            raise NetworkError(f"activation: {self.name} has no logistic slope; use the "
                               f"network's sigmoid form (fepproof.sigmoid_form)")
        return 4 * self.K

    @property
    def formula(self) -> str:
        """phi in plain text, e.g. ``sigmoid(4Kx)``."""
        return "tanh(Kx)" if self.name == "tanh" else "sigmoid(4Kx)"

    def float_fn(self, s: np.ndarray) -> np.ndarray:
        """phi(s) in float64, elementwise, without overflow."""
        z = float(self.K) * np.asarray(s, dtype=np.float64)
        if self.name == "tanh":
            return np.tanh(z)
        return 0.5 * (1.0 + np.tanh(2.0 * z))

    def mp_fn(self, s: Any) -> Any:
        """phi(s) in mpmath at the current precision (``s`` an mpf)."""
        import mpmath
        k = mpmath.mpf(self.K.numerator) / self.K.denominator
        if self.name == "tanh":
            return mpmath.tanh(k * s)
        return 1 / (1 + mpmath.exp(-4 * k * s))


Matrix = tuple[tuple[Fraction, ...], ...]


def _rows(value: Any) -> list[Any]:
    if hasattr(value, "tolist"):
        value = value.tolist()
    return value if isinstance(value, (list, tuple)) else [None]


@dataclass(frozen=True)
class Layer:
    """One weight matrix (rows: receiving neurons) and its bias vector.

    Validated on construction: a non-empty rectangular matrix of exact numbers within
    the number limits, one bias per row.  Messages name ``weights row r[c]`` / ``bias[j]``
    (a :class:`Network` or the file reader prefixes the layer's name).
    """

    weights: Matrix
    bias: tuple[Fraction, ...]

    def __post_init__(self) -> None:
        W = self.weights.tolist() if hasattr(self.weights, "tolist") else self.weights
        if not isinstance(W, (list, tuple)) or not W:
            raise NetworkError("weights: expected a non-empty list of rows (an empty layer?)")
        rows: list[tuple[Fraction, ...]] = []
        n_in = -1
        for r, row in enumerate(W):
            if hasattr(row, "tolist"):
                row = row.tolist()
            if not isinstance(row, (list, tuple)):
                raise NetworkError(f"weights row {r}: expected a list of numbers")
            if n_in < 0:
                n_in = len(row)
                if n_in == 0:
                    raise NetworkError(f"weights row {r}: empty row")
            if len(row) != n_in:
                raise NetworkError(f"weights row {r}: expected {n_in} values, got {len(row)}")
            rows.append(tuple(_exact(v, f"weights row {r}[{c}]") for c, v in enumerate(row)))
        b = self.bias.tolist() if hasattr(self.bias, "tolist") else self.bias
        if not isinstance(b, (list, tuple)):
            raise NetworkError("bias: expected a list of numbers")
        if len(b) != len(rows):
            raise NetworkError(f"bias: expected {len(rows)} values, got {len(b)}")
        object.__setattr__(self, "weights", tuple(rows))
        object.__setattr__(self, "bias",
                           tuple(_exact(v, f"bias[{j}]") for j, v in enumerate(b)))

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
    """A feed-forward sigmoid network with exact rational parameters.

    A ``Network`` that exists is valid: construction checks that there is at least one
    hidden layer, that each layer's inputs match the previous layer's neurons (and the
    output node's the last layer's), and that the input box has one ``lo <= hi`` pair
    per input within the number limits (an empty box means [0, 1]^d).
    """

    layers: tuple[Layer, ...]
    output: Layer
    activation: Activation = field(default_factory=Activation)
    input_domain: tuple[tuple[Fraction, Fraction], ...] = ()
    name: str = "network"
    output_activation: Activation | None = None  # a final sigmoid / tanh after the output

    def __post_init__(self) -> None:
        layers = self.layers
        if not isinstance(layers, (list, tuple)) or not layers:
            raise NetworkError("layers: expected a non-empty list of hidden layers")
        if len(layers) > MAX_LAYERS:
            raise NetworkError(f"layers: {len(layers)} hidden layers; the limit is {MAX_LAYERS}")
        for i, layer in enumerate((*layers, self.output)):
            where = "output" if i == len(layers) else f"layers[{i}]"
            if not isinstance(layer, Layer):
                raise NetworkError(f"{where}: expected a Layer, got {type(layer).__name__}")
            if i and layer.n_in != layers[i - 1].n_out:
                raise NetworkError(f"{where}.weights row 0: expected {layers[i - 1].n_out} "
                                   f"values, got {layer.n_in} (layers[{i - 1}] has "
                                   f"{layers[i - 1].n_out} neurons)")
        if not isinstance(self.activation, Activation):
            raise NetworkError("activation: expected an Activation")
        if self.output_activation is not None and not isinstance(self.output_activation,
                                                                 Activation):
            raise NetworkError("output_activation: expected an Activation or None")
        d = layers[0].n_in
        box = self.input_domain
        if hasattr(box, "tolist"):
            box = box.tolist()
        if not isinstance(box, (list, tuple)):
            raise NetworkError("input_domain: expected a list of [lo, hi] pairs")
        if not box:
            box = [(0, 1)] * d
        if len(box) != d:
            raise NetworkError(f"input_domain: expected {d} [lo, hi] pairs (one per input of "
                               f"layers[0]), got {len(box)}")
        pairs = []
        for i, pair in enumerate(box):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise NetworkError(f"input_domain[{i}]: expected [lo, hi]")
            lo = _exact(pair[0], f"input_domain[{i}][0]")
            hi = _exact(pair[1], f"input_domain[{i}][1]")
            if lo > hi:
                raise NetworkError(
                    f"input_domain[{i}]: lo > hi ({fmt_exact(lo)} > {fmt_exact(hi)})")
            pairs.append((lo, hi))
        if not isinstance(self.name, str):
            raise NetworkError(f"name: expected a string, got {type(self.name).__name__}")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in self.name):
            raise NetworkError("name: contains a control character (such as a newline)")
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "input_domain", tuple(pairs))

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
        return Network(self.layers, out, self.activation, self.input_domain, self.name,
                       self.output_activation)

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


# ---- reading the fepproof-network/1 mapping --------------------------------------------------

MAX_PARAMETERS = 4_000_000
"""Most numbers (weights, biases, box ends) a network may hold: counted before any is
converted, so a huge file fails at once instead of after minutes."""

_TOP_KEYS = ("format", "name", "activation", "output_activation", "input_domain", "layers",
             "output", "comment")
_ACT_KEYS = ("name", "K")
_LAYER_KEYS = ("weights", "bias")


def _keys(obj: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in obj:
        if key not in known:
            prefix = f"{where}." if where else ""
            raise NetworkError(f"{prefix}{key}: unknown key (known: {', '.join(known)})")


def _size(value: Any) -> int:
    """How many numbers a (nested) list holds, counted by lengths only, bounded depth."""
    if hasattr(value, "size") and hasattr(value, "dtype"):
        return int(value.size)
    if isinstance(value, (list, tuple)):
        return sum(len(v) if isinstance(v, (list, tuple)) else 1 for v in value)
    return 1


def _layer(spec: Any, where: str, single_row_ok: bool = False) -> Layer:
    if not isinstance(spec, dict):
        raise NetworkError(f"{where}: expected an object with 'weights' (and optional 'bias')")
    _keys(spec, _LAYER_KEYS, where)
    if "weights" not in spec:
        raise NetworkError(f"{where}.weights: missing")
    weights = _rows(spec["weights"])
    if single_row_ok and weights and not isinstance(weights[0], (list, tuple)) \
            and not hasattr(weights[0], "tolist"):
        weights = [weights]
    if not weights or weights == [None]:
        raise NetworkError(f"{where}.weights: expected a non-empty list of rows "
                           f"(an empty layer?)")
    bias = spec.get("bias")
    if bias is None:
        bias = [0] * len(weights)
    else:
        if hasattr(bias, "tolist"):
            bias = bias.tolist()
        if not isinstance(bias, (list, tuple)):
            bias = [bias]
    try:
        return Layer(tuple(weights), tuple(bias))
    except NetworkError as exc:
        raise NetworkError(f"{where}.{exc}") from None


def network_from_dict(data: Any) -> Network:
    """Build a network from the ``fepproof-network/1`` mapping (README, network format).

    ``format`` is optional here (a file must carry it; see :mod:`fepproof.netio`);
    unknown keys are errors; ``activation`` absent means the logistic sigmoid, K = 1/4,
    but an ``activation`` object must give ``K``.  Every message names the field.
    """
    if not isinstance(data, dict):
        raise NetworkError("file: expected a JSON object at top level")
    _keys(data, _TOP_KEYS, "")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise NetworkError(f"format: unknown format version {str(fmt)[:40]!r} "
                           f"(expected {FORMAT!r})")
    act = data.get("activation")
    activation = Activation() if act is None else _activation(act, "activation")
    out_act = data.get("output_activation")
    output_activation = None if out_act is None else _activation(out_act, "output_activation")
    layers_spec = data.get("layers")
    if not isinstance(layers_spec, list) or not layers_spec:
        raise NetworkError("layers: expected a non-empty list of hidden layers")
    if len(layers_spec) > MAX_LAYERS:
        raise NetworkError(f"layers: {len(layers_spec)} hidden layers; the limit is "
                           f"{MAX_LAYERS}")
    if "output" not in data:
        raise NetworkError("output: missing (the linear output node's weights)")
    count = 0
    for spec in (*layers_spec, data["output"]):
        if isinstance(spec, dict):
            count += _size(spec.get("weights")) + _size(spec.get("bias"))
    if count > MAX_PARAMETERS:
        raise NetworkError(f"layers: {count} numbers; the limit is {MAX_PARAMETERS}")
    layers = tuple(_layer(spec, f"layers[{i}]") for i, spec in enumerate(layers_spec))
    output = _layer(data["output"], "output", single_row_ok=True)
    domain = data.get("input_domain")
    if domain is None:
        domain = []
    elif hasattr(domain, "tolist"):
        domain = domain.tolist()
    if not isinstance(domain, list) or (not domain and "input_domain" in data):
        raise NetworkError("input_domain: expected a list of [lo, hi] pairs")
    name = data.get("name", "network")
    if not isinstance(name, str) or isinstance(name, JsonNumber):
        raise NetworkError("name: expected a string")
    return Network(layers, output, activation, tuple(domain), name, output_activation)


def _activation(act: Any, where: str) -> Activation:
    if not isinstance(act, dict):
        raise NetworkError(f"{where}: expected an object with 'name' and 'K'")
    _keys(act, _ACT_KEYS, where)
    if "K" not in act:
        raise NetworkError(f"{where}.K: missing (the standard logistic sigmoid is K = 1/4, "
                           f"the standard tanh K = 1; write it"
                           + (", or leave out the whole activation object)"
                              if where == "activation" else ")"))
    aname = act.get("name", "sigmoid")
    if not isinstance(aname, str):
        raise NetworkError(f"{where}.name: expected a string")
    try:
        return Activation(aname, _exact(act["K"], f"{where}.K"))
    except NetworkError as exc:
        raise NetworkError(str(exc).replace("activation.", f"{where}.", 1)) from None


def network_to_dict(net: Network) -> dict[str, Any]:
    """The ``fepproof-network/1`` mapping, every number as an exact string."""

    def mat(W: Matrix) -> list[list[str]]:
        return [[fmt_exact(w) for w in row] for row in W]

    out_w: Any = mat(net.output.weights)
    out_b: Any = [fmt_exact(b) for b in net.output.bias]
    if net.n_outputs == 1:
        out_w, out_b = out_w[0], out_b[0]
    out: dict[str, Any] = {
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
    if net.output_activation is not None:
        oa = net.output_activation
        out["output_activation"] = {"name": oa.name, "K": fmt_exact(oa.K)}
    return out
