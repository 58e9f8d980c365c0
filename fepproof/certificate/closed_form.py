"""Theorem 2's bound, recomputed exactly by the checker (its own few lines).

Fep = sum_l D f_l K^(L-l) w_m^(L+1) prod_{l' > l} (N_l' - f_l') w_m^(l'), with D the
largest deviation of one failed neuron under the failure model (the sound C:
:meth:`FailureModel.neuron_deviation`).  A claim whose bound is at least this value holds
whatever the tree says; this covers claims the float checker cannot close because the
worst case equals the bound exactly (a deviation C sent straight to the output).
"""

from __future__ import annotations

from fractions import Fraction

from ..failures import FailureModel
from ..network import Network

__all__ = ["sound_fep"]


def sound_fep(net: Network, model: FailureModel, failures: list[int],
              output: int | None) -> Fraction:
    """Theorem 2 with the sound deviation, in exact rationals."""
    L, N, K = net.depth, net.widths, net.K
    wm = [net.max_abs_weight(l, output) for l in range(1, L + 2)]
    D = model.neuron_deviation(net)
    total = Fraction(0)
    for l in range(1, L + 1):
        t = D * failures[l - 1] * K ** (L - l) * wm[L]
        for lp in range(l + 1, L + 1):
            t *= (N[lp - 1] - failures[lp - 1]) * wm[lp - 1]
        total += t
    return total
