"""Lower bounds inside branch and bound: gradient ascent on the input and on the sent
values, for one failure set on one sub-box.

The objective is one signed output of F_fail - F_neu, evaluated in *difference form*:
the error of each layer is propagated as delta = W e (plus synapse terms) and
e = phi(s + delta) - phi(s) by :func:`.relax.gdiff`, so a 1e-20 deviation that a 1e20
output weight amplifies is not lost to cancellation (degenerate networks).
Gradients come from a backward pass through that difference form (forward differences,
d + k + 1 batched evaluations, for synapse failures); the ascent is a projected
sign-gradient step from many starts, on the two most promising signed outputs.
Byzantine neurons and synapses get a control u in [-1, 1] each (the sent value, see
:mod:`.faultview`).

This module only proposes; a witness counts after :func:`fepproof.replay.replay`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..failures import FailureModel
from ..network import Network
from ..verdict import Witness
from .faultview import (
    control_scale,
    exact_sent,
    exact_synapse_delta,
    has_sign,
    neuron_kind,
    records_values,
    sent_alpha,
    sent_deviation,
    synapse_extra,
)
from .floatnet import FloatNet
from .relax import dphi, gdiff, phi

__all__ = ["Attack", "diff_forward", "attack", "to_witness"]


@dataclass
class Attack:
    value: float
    x: np.ndarray
    sets: list[list[int]]            # failed neurons per hidden layer
    u: np.ndarray                    # controls: failed neurons in order, then synapses
    synapses: list[tuple[int, int, int]]  # (layer 0..L, j, i)
    row: int                         # output index (into the network's outputs)
    sign: float


def diff_forward(fn: FloatNet, X: np.ndarray, sets: list[list[int]], U: np.ndarray,
                 synapses: list[tuple[int, int, int]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """F_fail - F_neu on the batch X (rows), controls U (rows), and the nominal outputs."""
    y, e = X, np.zeros_like(X)
    k = 0
    noms = []
    for t in range(fn.L + 1):
        W, b = fn.Ws[t], fn.bs[t]
        s = y @ W.T + b
        delta = e @ W.T
        for tt, j, i in synapses:
            if tt == t:
                delta[:, j] += synapse_extra(fn, W[j, i], y[:, i], U[:, k])
                k += 1
        if t == fn.L:
            return delta, noms
        e = gdiff(s, delta, fn.slope)
        y = phi(s, fn.slope)
        noms.append(y)
        idx = sets[t] if t < len(sets) else []
        if idx:
            cols = np.array(idx)
            e[:, cols] = sent_deviation(fn, y[:, cols], U[:, k:k + len(idx)])
            k += len(idx)
    raise AssertionError("unreachable")


def _objective(fn: FloatNet, Z: np.ndarray, d: int, sets, synapses, c: np.ndarray
               ) -> np.ndarray:
    D, _ = diff_forward(fn, Z[:, :d], sets, Z[:, d:], synapses)
    return D @ c


def _grad_neurons(fn: FloatNet, Z: np.ndarray, d: int, sets: list[list[int]],
                  c: np.ndarray) -> np.ndarray:
    """dJ/dZ for neuron failures, by a backward pass through the difference form:
    e = phi(s + delta) - phi(s) for correct neurons, e = sent(y, u) - y for failed ones
    (sent = alpha y + C u, or a fixed value; alpha from the model)."""
    alpha = sent_alpha(fn)
    X, U = Z[:, :d], Z[:, d:]
    y, e = X, np.zeros_like(X)
    cache = []
    k = 0
    for t in range(fn.L):
        W, b = fn.Ws[t], fn.bs[t]
        s = y @ W.T + b
        delta = e @ W.T
        e = gdiff(s, delta, fn.slope)
        y = phi(s, fn.slope)
        idx = sets[t] if t < len(sets) else []
        cols = np.array(idx, dtype=int)
        if idx:
            e[:, cols] = sent_deviation(fn, y[:, cols], U[:, k:k + len(idx)])
        cache.append((s, delta, cols, k))
        k += len(idx)
    gE = np.broadcast_to(c @ fn.Ws[fn.L], e.shape).copy()
    gY = np.zeros_like(gE)
    gU = np.zeros_like(U)
    du = control_scale(fn)
    for t in range(fn.L - 1, -1, -1):
        s, delta, cols, k = cache[t]
        d0 = dphi(s, fn.slope)
        d1 = dphi(s + delta, fn.slope)
        gS = gY * d0 + gE * (d1 - d0)
        gD = gE * d1
        if cols.size:
            gS[:, cols] = (gY[:, cols] + gE[:, cols] * (alpha - 1.0)) * d0[:, cols]
            gD[:, cols] = 0.0
            if du:
                gU[:, k:k + cols.size] = gE[:, cols] * du
        gY = gS @ fn.Ws[t]
        gE = gD @ fn.Ws[t]
    return np.hstack([gY, gU])


def attack(fn: FloatNet, lo: np.ndarray, hi: np.ndarray, sets: list[list[int]],
           synapses: list[tuple[int, int, int]], rng: np.random.Generator,
           starts: int = 16, steps: int = 40, hints: list[np.ndarray] | None = None,
           deadline: float = float("inf")) -> Attack:
    """Best (input, controls) found for this failure set over the box, max over outputs
    and signs (the two most promising signed outputs are ascended)."""
    d = lo.size
    n_u = sum(len(s) for s in sets) + len(synapses) if has_sign(fn) else 0
    zlo = np.concatenate([lo, -np.ones(n_u)])
    zhi = np.concatenate([hi, np.ones(n_u)])
    width = zhi - zlo
    free = width > 0
    Z0 = zlo + rng.random((starts, d + n_u)) * width
    Z0[0, :d] = 0.5 * (lo + hi)
    if n_u:
        Z0[:, d:] = np.where(rng.random((starts, n_u)) < 0.5, -1.0, 1.0)
    for h in hints or []:
        if h.size == d + n_u:
            Z0 = np.vstack([Z0, np.clip(h, zlo, zhi)])
    D, _ = diff_forward(fn, Z0[:, :d], sets, Z0[:, d:], synapses)
    objs = sorted(((float(np.max(sg * D[:, r])), int(r), sg) for r in fn.rows
                   for sg in (1.0, -1.0)), reverse=True)[:2]
    best: Attack | None = None
    for _, row, sign in objs:
        c = np.zeros(fn.Ws[-1].shape[0])
        c[row] = sign
        Z = Z0.copy()
        nz = Z.shape[1]
        for s in range(steps + 1):
            J = _objective(fn, Z, d, sets, synapses, c)
            kbest = int(np.argmax(J))
            if best is None or J[kbest] > best.value:
                best = Attack(float(J[kbest]), Z[kbest, :d].copy(), [list(x) for x in sets],
                              Z[kbest, d:].copy(), list(synapses), int(row), sign)
            if s == steps or time.monotonic() > deadline:
                break
            if not synapses:
                grad = _grad_neurons(fn, Z, d, sets, c)
            else:  # synapse failures: forward differences (d + k + 1 evaluations)
                h = 1e-7 * np.where(free, width, 1.0)
                P = np.repeat(Z, nz, axis=0) + np.tile(np.diag(h), (Z.shape[0], 1))
                Jp = _objective(fn, P, d, sets, synapses, c).reshape(Z.shape[0], nz)
                grad = Jp - J[:, None]
            eta = 0.25 * (0.01 / 0.25) ** (s / max(steps - 1, 1))
            Z = np.clip(Z + eta * width * np.sign(grad) * free, zlo, zhi)
    assert best is not None
    return best


def to_witness(net: Network, fn: FloatNet, model: FailureModel, a: Attack,
               output: int | None) -> Witness:
    """An exact witness for the attack (input clipped exactly into the box)."""
    x = tuple(min(max(Fraction(float(v)), lo), hi)
              for v, (lo, hi) in zip(a.x, net.input_domain, strict=True))
    xf = np.array([float(v) for v in x])[None]
    if not neuron_kind(fn):
        ys = [xf[0]]
        yy = xf
        for t in range(fn.L):
            yy = phi(yy @ fn.Ws[t].T + fn.bs[t], fn.slope)
            ys.append(yy[0])
        deltas = []
        for k, (t, j, i) in enumerate(a.synapses):
            deltas.append(exact_synapse_delta(fn, float(fn.Ws[t][j, i]), float(ys[t][i]),
                                              float(a.u[k])))
        return Witness(x, (), None, tuple((t + 1, j, i) for t, j, i in a.synapses),
                       tuple(deltas), output)
    failed = tuple(tuple(s) for s in a.sets)
    if not records_values(fn):
        return Witness(x, failed, None, output=output)
    _, noms = diff_forward(fn, xf, a.sets, a.u[None] if has_sign(fn) else
                           np.zeros((1, 0)), [])
    values, k = [], 0
    for t, s in enumerate(a.sets):
        row = []
        for j in s:
            row.append(exact_sent(fn, float(noms[t][0, j]),
                                  float(a.u[k]) if has_sign(fn) else 0.0))
            k += 1
        values.append(tuple(row))
    return Witness(x, failed, tuple(values), output=output)
