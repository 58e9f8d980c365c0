"""Networks for tests and benchmarks: seeded random ones and StaticNet's raw float32 files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..network import Network, network_from_dict

__all__ = ["random_network", "staticnet_network"]


def random_network(d: int, widths: list[int], n_out: int = 1, seed: int = 0,
                   K: str = "1/4", gain: float = 2.0) -> Network:
    """Gaussian weights with std gain/sqrt(fan_in), rounded to float32 (exact rationals)."""
    rng = np.random.default_rng(seed)
    layers, n = [], d
    for w in widths:
        W = (rng.standard_normal((w, n)) * gain / np.sqrt(n)).astype(np.float32)
        b = (rng.standard_normal(w) * 0.5).astype(np.float32)
        layers.append({"weights": W.astype(float).tolist(), "bias": b.astype(float).tolist()})
        n = w
    Wo = (rng.standard_normal((n_out, n)) / np.sqrt(n)).astype(np.float32).astype(float)
    return network_from_dict({
        "name": f"random-{d}-{'-'.join(map(str, widths))}-{n_out}-seed{seed}",
        "activation": {"name": "sigmoid", "K": K},
        "layers": layers,
        "output": {"weights": Wo.tolist(), "bias": [0.0] * n_out},
    })


def staticnet_network(path: str | Path, sizes: tuple[int, ...] = (784, 98, 10)) -> Network:
    """A StaticNet ``.net`` file through the interop importer (every layer sigmoid with
    K = 1/4, identity output on the last layer, input box [0,1]^d)."""
    from ..interop.staticnet import load_staticnet

    return load_staticnet(path, sizes)
