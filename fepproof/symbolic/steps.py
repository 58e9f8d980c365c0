"""The neuron-level steps every recurrence is built from, written once and used twice:
by the recurrences of :mod:`.recurrence` (so the closed forms are derived from them) and
by the model obligations of ``proofs/model.py`` (so the steps themselves are checked: z3
with an uninterpreted K-Lipschitz phi, and a symbolic triangle-inequality argument).

The functions are plain arithmetic: they accept sympy expressions, ``Fraction`` values and
z3 terms alike.

- :func:`neuron_step`  Theorem 2: a correct neuron with N inputs, f of them failed (each
  off by <= D) and N - f correct (each off by <= delta), |w| <= w_m, K-Lipschitz phi:
  its output is off by <= K w_m (f D + (N - f) delta).
- :func:`output_step`  the same at the linear output node (no phi, no K).
- :func:`synapse_step` Lemma 2 + Theorem 4: a neuron whose inputs are off by S in total
  (each weighted by |w| <= w_m) and g of whose input synapses deliver a term off by
  <= c each: its output is off by <= K (w_m S + g c); ``K = 1`` at the output node.
- :func:`precision_step` Theorem 5: a neuron whose inputs are off by S in total and that
  adds its own error lambda after phi (``output``) or to its sum (``preactivation``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["neuron_step", "output_step", "synapse_step", "precision_step", "lipschitz_step",
           "weighted_sum_step", "synapse_layer", "precision_layer"]


def neuron_step(K: Any, wm: Any, f: Any, N: Any, D: Any, delta: Any) -> Any:
    """Theorem 2's step: K w_m (f D + (N - f) delta)."""
    return K * output_step(wm, f, N, D, delta)


def output_step(wm: Any, f: Any, N: Any, D: Any, delta: Any) -> Any:
    """The linear output node: w_m (f D + (N - f) delta)."""
    return wm * (f * D + (N - f) * delta)


def lipschitz_step(K: Any, shift: Any) -> Any:
    """A K-Lipschitz phi moves its output by at most K times its input's shift."""
    return K * shift


def synapse_step(K: Any, wm: Any, S: Any, g: Any, c: Any) -> Any:
    """Lemma 2 + Theorem 4's step: K (w_m S + g c)."""
    return K * (wm * S + g * c)


def precision_step(K: Any, wm: Any, S: Any, lam: Any, reading: str = "output") -> Any:
    """Theorem 5's step: K w_m S + lambda (after phi) or K (w_m S + lambda) (before phi)."""
    if reading == "output":
        return K * wm * S + lam
    if reading == "preactivation":
        return K * (wm * S + lam)
    raise ValueError(f"reading: unknown precision reading {reading!r}")


def weighted_sum_step(wm: Any, S: Any) -> Any:
    """A sum with weights |w| <= w_m over inputs off by S in total is off by <= w_m S."""
    return wm * S


def synapse_layer(K: Any, wm: Any, N: Any, S: Any, f: Any, c: Any) -> Any:
    """Lemma 2 + Theorem 4, summed over the N neurons of a layer with f failed input
    synapses in all: K (N w_m S + f c) (the sum of :func:`synapse_step` over receivers)."""
    return K * (N * wm * S + f * c)


def precision_layer(K: Any, wm: Any, N: Any, S: Any, lam: Any, reading: str = "output") -> Any:
    """Theorem 5, summed over the N neurons of a layer: N times :func:`precision_step`."""
    return N * precision_step(K, wm, S, lam, reading)
