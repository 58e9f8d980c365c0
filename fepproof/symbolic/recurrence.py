"""Neuron-level error recurrences and the paper's closed forms (Theorems 2, 4, 5).

Theorem 2 (Section 4.1), neuron level.  A correct neuron j of layer l receives
s_j = sum_i w_ji y_i; its inputs from layer l-1 are f_(l-1) failed neurons (each off by
at most C) and N_(l-1) - f_(l-1) correct ones (each off by at most delta_(l-1)).  Triangle
inequality, |w_ji| <= w_m^(l), and K-Lipschitz phi give

    delta_1 = 0,   delta_l = K w_m^(l) (f_(l-1) C + (N_(l-1) - f_(l-1)) delta_(l-1)),
    Delta   = w_m^(L+1) (f_L C + (N_L - f_L) delta_L)          (linear output node).

The closed forms below are compared with the unrolled recurrence by ``residual``.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .notation import C, K, N, c, f, lam, u, w
from .steps import (
    neuron_step,
    output_step,
    precision_layer,
    synapse_layer,
    synapse_step,
    weighted_sum_step,
)

__all__ = [
    "theorem2_unrolled", "fep_closed", "fep_sum", "theorem4_unrolled", "theorem4_closed",
    "theorem4_as_printed", "theorem4_unrolled_devs", "theorem4_closed_devs",
    "theorem5_unrolled", "eq11_closed", "correct_counts",
]


def correct_counts(depth: int) -> dict:
    """The change of variables N_l -> u_l + f_l (u_l = correct neurons), l = 1..depth."""
    return {N[i]: u[i] + f[i] for i in range(1, depth + 2)}


def theorem2_unrolled(depth: int, D: sp.Expr = C) -> tuple[list[sp.Expr], sp.Expr]:
    """Unroll the neuron-level recurrence: (delta_1..delta_L, Delta) for depth L."""
    deltas = [sp.Integer(0)]
    for i in range(2, depth + 1):
        prev = deltas[-1]
        deltas.append(neuron_step(K, w[i], f[i - 1], N[i - 1], D, prev))
    out = output_step(w[depth + 1], f[depth], N[depth], D, deltas[-1])
    return deltas, out


def fep_closed(depth: int, D: sp.Expr = C) -> sp.Expr:
    """Theorem 2's Fep exactly as printed (Section 4.1), for a concrete depth."""
    total = sp.Integer(0)
    for i in range(1, depth + 1):
        t = f[i] * K ** (depth - i) * w[depth + 1]
        for j in range(i + 1, depth + 1):
            t *= (N[j] - f[j]) * w[j]
        total += t
    return D * total


def fep_sum(depth: sp.Expr, D: sp.Expr = C) -> sp.Expr:
    """Fep with sympy Sum/Product for a (possibly symbolic) depth."""
    from .notation import l, lp
    return D * sp.Sum(f[l] * K ** (depth - l) * w[depth + 1]
                      * sp.Product((N[lp] - f[lp]) * w[lp], (lp, l + 1, depth)), (l, 1, depth))


# ---- Theorem 4 (synapses) -------------------------------------------------------------

def theorem4_unrolled(depth: int, pre_weight: bool = False) -> sp.Expr:
    """Lemma 2 + the layer recurrence for f_l failed synapses into layer l (l = 1..L+1).

    A failed synapse into neuron j of layer l changes s_j by at most C (delivered-term
    reading, Lemma 2's proof) or w_m^(l) C (pre-weight reading).  Every neuron of layer l
    still carries the upstream error, so S_l = K (N_l w_m^(l) S_(l-1) + f_l c_l) sums the
    output errors of layer l, S_0 = 0, and Delta = w_m^(L+1) S_L + f_(L+1) c_(L+1).
    """
    def c(i: int) -> sp.Expr:
        return C * w[i] if pre_weight else C
    S = sp.Integer(0)
    for i in range(1, depth + 1):
        S = synapse_layer(K, w[i], N[i], S, f[i], c(i))
    return synapse_step(1, w[depth + 1], S, f[depth + 1], c(depth + 1))  # linear: K = 1


def theorem4_closed(depth: int, pre_weight: bool = False) -> sp.Expr:
    """The corrected Theorem 4 bound: all N_l' downstream, w_m^(l) only if pre-weight."""
    total = f[depth + 1] * C * (w[depth + 1] if pre_weight else 1)
    for i in range(1, depth + 1):
        t = f[i] * C * K ** (depth - i + 1) * w[depth + 1] * (w[i] if pre_weight else 1)
        for j in range(i + 1, depth + 1):
            t *= N[j] * w[j]
        total += t
    return total


def theorem4_unrolled_devs(depth: int) -> sp.Expr:
    """:func:`theorem4_unrolled` with a deviation c_l per synapse layer (c_l = C in the
    deviation reading; C + w_m^(l) sup|y| in the value reading)."""
    S = sp.Integer(0)
    for i in range(1, depth + 1):
        S = synapse_layer(K, w[i], N[i], S, f[i], c[i])
    return synapse_step(1, w[depth + 1], S, f[depth + 1], c[depth + 1])


def theorem4_closed_devs(depth: int) -> sp.Expr:
    """sum_{l<=L} f_l c_l K^(L-l+1) w_m^(L+1) prod_{l'=l+1}^{L} N_l' w_m^(l') + f_(L+1) c_(L+1)."""
    total = f[depth + 1] * c[depth + 1]
    for i in range(1, depth + 1):
        t = f[i] * c[i] * K ** (depth - i + 1) * w[depth + 1]
        for j in range(i + 1, depth + 1):
            t *= N[j] * w[j]
        total += t
    return total


def theorem4_as_printed(depth: int) -> sp.Expr:
    """Theorem 4's left-hand side exactly as printed (N_(L+1) - f_(L+1) := 1)."""
    total = sp.Integer(0)
    for i in range(1, depth + 2):
        t = C * f[i] * K ** (depth + 1 - i) * w[i]
        for j in range(i + 1, depth + 2):
            t *= (N[j] - f[j] if j <= depth else 1) * w[j]
        total += t
    return total


# ---- Theorem 5 (precision) ------------------------------------------------------------

def theorem5_unrolled(depth: int, reading: str = "output") -> sp.Expr:
    """Every neuron of layer l errs by lambda_l: added after phi ('output') or to the sum
    before phi ('preactivation').  S_l sums layer l's output errors; Delta = w_m^(L+1) S_L."""
    S = sp.Integer(0)
    for i in range(1, depth + 1):
        S = precision_layer(K, w[i], N[i], S, lam[i], reading)
    return weighted_sum_step(w[depth + 1], S)


def eq11_closed(depth: int, extra_k: int = 0) -> sp.Expr:
    """Equation 11 as printed: sum_l K^(L-l) lambda_l prod_{l'=l..L} N_l' w_m^(l'+1)."""
    total = sp.Integer(0)
    for i in range(1, depth + 1):
        t = K ** (depth - i + extra_k) * lam[i]
        for j in range(i, depth + 1):
            t *= N[j] * w[j + 1]
        total += t
    return total


def check_closed_form(closed: Callable[[int], sp.Expr], unrolled: Callable[[int], sp.Expr],
                      depth: int) -> sp.Expr:
    """Residual unrolled(depth) - closed(depth) (0 when the closed form is right)."""
    from .rewrite import residual
    return residual(unrolled(depth), closed(depth), correct_counts(depth))
