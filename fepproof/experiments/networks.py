"""Seeded synthetic networks for the experiments, the tests and the benchmarks: uniform
dyadic weights (:func:`random_network`) or Gaussian ones (:func:`gaussian_network`)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..network import Activation, Layer, Network, network_from_dict

__all__ = ["random_network", "gaussian_network", "with_K"]

_GRID = 64  # weights are multiples of 1/64: exact in every format, float32 included


def _mat(rng: np.random.Generator, rows: int, cols: int, scale: float) -> tuple:
    q = np.round(rng.uniform(-scale, scale, (rows, cols)) * _GRID).astype(int)
    return tuple(tuple(Fraction(int(v), _GRID) for v in row) for row in q)


def random_network(seed: int, d: int, widths: Sequence[int], K: Fraction = Fraction(1, 4),
                   scale: float = 1.0, name: str | None = None) -> Network:
    """A network with weights and biases uniform in [-scale, scale] (multiples of 1/64),
    one linear output node, input box [0, 1]^d."""
    rng = np.random.default_rng(seed)
    layers = []
    n_in = d
    for n in widths:
        W = _mat(rng, n, n_in, scale)
        b = _mat(rng, 1, n, scale)[0]
        layers.append(Layer(W, b))
        n_in = n
    out = Layer(_mat(rng, 1, n_in, scale), (Fraction(0),))
    dom = tuple((Fraction(0), Fraction(1)) for _ in range(d))
    return Network(tuple(layers), out, Activation("sigmoid", Fraction(K)), dom,
                   name or f"net{seed}")


def gaussian_network(seed: int, d: int, widths: Sequence[int], scale: float = 1.0,
                     bias_scale: float = 0.5, n_out: int = 1, out_scale: float | None = None,
                     fan_in: bool = False, out_bias: bool = False, decimals: int | None = None,
                     K: Fraction | str = Fraction(1, 4),
                     box: tuple[float, float] = (0.0, 1.0), name: str | None = None) -> Network:
    """A network with weights ~ N(0, scale^2) and biases ~ N(0, bias_scale^2), drawn by
    ``numpy.random.default_rng(seed)`` layer by layer (weights, then biases), then the
    ``n_out`` linear outputs (weights ~ N(0, out_scale^2), ``out_scale`` = ``scale`` by
    default; biases only with ``out_bias``, else 0).  ``fan_in``: every weight's standard
    deviation is divided by sqrt(fan-in).  Values are rounded to float32 (exact rationals)
    or, with ``decimals``, to that many decimal places; input box ``box``^d."""
    rng = np.random.default_rng(seed)
    osc = scale if out_scale is None else out_scale

    def num(a: np.ndarray) -> list:
        if decimals is None:
            return a.astype(np.float32).astype(float).tolist()
        return np.vectorize(lambda v: str(round(float(v), decimals)), otypes=[object])(
            a).tolist()

    def layer(rows: int, cols: int, sd: float, bias: bool) -> dict:
        norm = np.sqrt(cols) if fan_in else 1.0
        W = rng.standard_normal((rows, cols)) * sd / norm
        b = rng.standard_normal(rows) * bias_scale if bias else np.zeros(rows)
        return {"weights": num(W), "bias": num(b)}

    layers, n = [], d
    for w in widths:
        layers.append(layer(w, n, scale, True))
        n = w
    out = layer(n_out, n, osc, out_bias)
    lo, hi = box
    return network_from_dict({
        "name": name or f"gauss-{d}-{'-'.join(map(str, widths))}-{n_out}-seed{seed}",
        "activation": {"name": "sigmoid", "K": str(Fraction(K))},
        "layers": layers, "output": out,
        "input_domain": [[str(Fraction(lo)), str(Fraction(hi))]] * d})


def with_K(net: Network, K: Fraction) -> Network:
    """The same weights with Lipschitz constant K (phi_K(x) = sigmoid(4Kx))."""
    return Network(net.layers, net.output, Activation("sigmoid", Fraction(K)),
                   net.input_domain, net.name)
