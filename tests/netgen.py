"""Random small networks for property tests (hypothesis strategies, exact rational
weights).  Seeded Gaussian networks shared with the benchmarks come from
:func:`fepproof.experiments.networks.gaussian_network`; re-exported here."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from fepproof.experiments.networks import gaussian_network
from fepproof.network import Network, network_from_dict

__all__ = ["networks", "failure_counts", "gaussian_network"]

rationals = st.builds(Fraction, st.integers(-40, 40), st.sampled_from([4, 5, 8, 10]))
Ks = st.sampled_from([Fraction(1, 4), Fraction(1, 10), Fraction(1), Fraction(3)])


@st.composite
def networks(draw, max_depth: int = 3, max_width: int = 4, max_d: int = 3,
             activations: tuple[str, ...] = ("sigmoid",)) -> Network:
    d = draw(st.integers(1, max_d))
    depth = draw(st.integers(1, max_depth))
    widths = [draw(st.integers(1, max_width)) for _ in range(depth)]
    layers, n = [], d
    for w in widths:
        layers.append({"weights": [[draw(rationals) for _ in range(n)] for _ in range(w)],
                       "bias": [draw(rationals) for _ in range(w)]})
        n = w
    return network_from_dict({
        "activation": {"name": draw(st.sampled_from(activations)), "K": draw(Ks)},
        "layers": layers,
        "output": {"weights": [draw(rationals) for _ in range(n)], "bias": draw(rationals)},
    })


@st.composite
def failure_counts(draw, net: Network, allow_full: bool = True) -> tuple[int, ...]:
    return tuple(draw(st.integers(0, n if allow_full else n - 1)) for n in net.widths)
