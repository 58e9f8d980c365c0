"""One failure scenario in float64 with its gradient (the witness search's inner loop).

A scenario fixes the failed neurons (and Byzantine signs) or the failed synapses; the
objective is J = c . (F_fail(X) - F_neu(X)) for a signed output selector c.  ``run``
returns J, dJ/dX and the sensitivities the search uses to rank candidate failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .floatnet import FloatNet
from .relax import phi

__all__ = ["Scenario", "Run", "run", "run_many"]

DEV_SHRINK = 1 - 1e-6  # Byzantine deviation sent slightly inside the capacity (replay-safe)
VAL_SHRINK = 1 - 1e-9  # synapse value reading: delivered value slightly inside [-C, C]


@dataclass
class Scenario:
    """Failed neurons per hidden layer with signs, or failed synapses (t, j, i, sign)."""

    sets: list[list[int]] = field(default_factory=list)
    signs: list[list[float]] = field(default_factory=list)
    synapses: list[tuple[int, int, int, float]] = field(default_factory=list)

    def key(self) -> tuple:
        return (tuple(tuple(sorted(zip(s, g, strict=True))) for s, g in
                      zip(self.sets, self.signs, strict=True)),
                tuple(sorted(self.synapses)))

    def copy(self) -> Scenario:
        return Scenario([list(s) for s in self.sets], [list(g) for g in self.signs],
                        list(self.synapses))


@dataclass
class Run:
    J: np.ndarray            # (n,)
    grad: np.ndarray | None  # (n, d)
    gy: list[np.ndarray]     # dJ/d(failed outputs of hidden layer t), before masking
    gs: list[np.ndarray]     # dJ/d(failed pre-activations of layer t), t = 0..L
    ys: list[np.ndarray]     # failed-network values entering layer t (t = 0: X)
    nom: list[np.ndarray]    # nominal hidden outputs


def _weights(fn: FloatNet, sc: Scenario) -> tuple[list[np.ndarray], list[np.ndarray]]:
    Ws = [W for W in fn.Ws]
    bs = [b.copy() for b in fn.bs]
    if fn.model.fails_synapses:
        Ws = [W.copy() for W in Ws]
        for t, j, i, sign in sc.synapses:
            if fn.model.tracks_nominal:
                bs[t][j] += sign * fn.C
            else:
                Ws[t][j, i] = 0.0
                bs[t][j] += sign * fn.C * VAL_SHRINK
    return Ws, bs


def run(fn: FloatNet, sc: Scenario, X: np.ndarray, c: np.ndarray,
        grad: bool = True) -> Run:
    """Forward both networks on the batch X; backward if ``grad``."""
    Wt, bt = _weights(fn, sc)
    return _run(fn, Wt, bt, X, _masks(fn, [sc], 1), c, grad)


def run_many(fn: FloatNet, scs: list[Scenario], X: np.ndarray, c: np.ndarray,
             grad: bool = True) -> Run:
    """:func:`run` of many scenarios (neuron failures) at once: X holds the same number
    of rows for each scenario, scenario after scenario."""
    if fn.model.fails_synapses:
        raise ValueError("run_many: neuron failure models only")
    rep, rem = divmod(X.shape[0], max(len(scs), 1))
    if rem or not scs:
        raise ValueError("run_many: X must hold the same number of rows per scenario")
    return _run(fn, fn.Ws, fn.bs, X, _masks(fn, scs, rep), c, grad)


def _masks(fn: FloatNet, scs: list[Scenario], rep: int
           ) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per hidden layer: (failed mask, sent-value parameters), one row per scenario
    repeated ``rep`` times (a single scenario: one row, broadcast); None for a layer
    where no scenario fails a neuron."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    shrink = DEV_SHRINK if fn.model.tracks_nominal else 1.0
    for t in range(fn.L):
        if not fn.model.fails_neurons or not any(sc.sets[t] for sc in scs):
            out.append(None)
            continue
        n = fn.Ws[t].shape[0]
        M = np.zeros((len(scs), n), dtype=bool)
        U = np.zeros((len(scs), n))
        for i, sc in enumerate(scs):
            if sc.sets[t]:
                M[i, sc.sets[t]] = True
                U[i, sc.sets[t]] = np.array(sc.signs[t]) * shrink
        if len(scs) > 1:  # one scenario: its row broadcasts against the batch
            M, U = np.repeat(M, rep, axis=0), np.repeat(U, rep, axis=0)
        out.append((M, U))
    return out


def _run(fn: FloatNet, Wt: list[np.ndarray], bt: list[np.ndarray], X: np.ndarray,
         masks: list[tuple[np.ndarray, np.ndarray] | None], c: np.ndarray,
         grad: bool) -> Run:
    L, slope = fn.L, fn.slope
    nom, y = [], X
    for t in range(L):
        y = phi(y @ fn.Ws[t].T + fn.bs[t], slope)
        nom.append(y)
    out_nom = y @ fn.Ws[L].T + fn.bs[L]
    ys, pre, yt = [X], [], X
    for t in range(L):
        a = phi(yt @ Wt[t].T + bt[t], slope)
        pre.append(a)
        yt = a
        if masks[t] is not None:
            M, U = masks[t]
            yt = np.where(M, fn.model.sends_f(nom[t], U), a)
        ys.append(yt)
    out = yt @ Wt[L].T + bt[L]
    J = (out - out_nom) @ c
    gy: list[np.ndarray] = [None] * L  # type: ignore[list-item]
    gs: list[np.ndarray] = [None] * (L + 1)  # type: ignore[list-item]
    if not grad:
        return Run(J, None, gy, gs, ys, nom)
    n = X.shape[0]
    g = np.broadcast_to(c, (n, c.size)).copy()
    gs[L] = g
    gn = -g
    g_y, gn_y = g @ Wt[L], gn @ fn.Ws[L]
    for t in range(L - 1, -1, -1):
        gy[t] = g_y.copy()
        if masks[t] is not None:
            M = masks[t][0]
            if fn.model.tracks_nominal:  # what is sent moves with the nominal value
                gn_y = gn_y + np.where(M, g_y, 0.0)
            g_y = np.where(M, 0.0, g_y)
        a = pre[t]
        g_s = g_y * slope * a * (1 - a)
        gs[t] = g_s
        g_y = g_s @ Wt[t]
        yn = nom[t]
        gn_y = (gn_y * slope * yn * (1 - yn)) @ fn.Ws[t]
    return Run(J, g_y + gn_y, gy, gs, ys, nom)
