"""Seeded synthetic networks for the experiments (exact dyadic weights)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..network import Activation, Layer, Network

__all__ = ["random_network", "with_K"]

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


def with_K(net: Network, K: Fraction) -> Network:
    """The same weights with Lipschitz constant K (phi_K(x) = sigmoid(4Kx))."""
    return Network(net.layers, net.output, Activation("sigmoid", Fraction(K)),
                   net.input_domain, net.name)
