"""From a candidate scenario (input, failure set, sent-value parameters) to a replayed
witness (Soundness rule 2), plus a cheap numpy search that improves candidates.

Sent values are parametrised by u in [-1, 1] per failed neuron
(:meth:`FailureModel.sends_f`): Byzantine ``deviation`` sends y + C u, ``value`` sends
C u; crashes send 0 and stuck-at neurons v (no parameter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from ..failures import FailureModel
from ..network import Network
from ..replay import mp_forward, replay
from ..simulate import phi
from ..verdict import Witness

__all__ = ["Candidate", "signed_errors", "improve", "make_witness", "sample_candidates"]

XGRID = 2 ** 40


@dataclass
class Candidate:
    x: np.ndarray  # (d,)
    failed: tuple[tuple[int, ...], ...]
    u: np.ndarray  # (n_failed,) in [-1, 1] (empty for crashes)
    value: float = 0.0


def signed_errors(net: Network, out_row: np.ndarray, X: np.ndarray,
                  failed: Sequence[Sequence[int]], U: np.ndarray,
                  model: FailureModel) -> np.ndarray:
    """out_row . (y_L - y'_L) for each row of X (and of U), float64."""
    K = float(net.K)
    y, yf = X, X
    col = 0
    for (W, b), fl in zip(net.float_layers, failed, strict=True):
        y = phi(y @ W.T + b, K)
        yf = phi(yf @ W.T + b, K)
        for j in fl:
            if model.free_value:
                yf[:, j] = model.sends_f(y[:, j], U[:, col])
                col += 1
            else:
                yf[:, j] = model.sends_f(y[:, j], 0.0)
    return (y - yf) @ out_row


def sample_candidates(net: Network, out_row: np.ndarray, failed: Sequence[Sequence[int]],
                      model: FailureModel, rng: np.random.Generator, n: int = 256) -> Candidate:
    """The best of n random inputs (and box corners) with random extreme sent values."""
    lo, hi = net.float_domain[:, 0], net.float_domain[:, 1]
    X = lo + (hi - lo) * rng.random((n, net.input_dim))
    if net.input_dim <= 8:
        corners = np.array(np.meshgrid(*[[a, b] for a, b in zip(lo, hi, strict=True)]))
        X = np.vstack([X, corners.reshape(net.input_dim, -1).T])
    p = model.n_params(failed)
    U = rng.choice([-1.0, 1.0], size=(len(X), p))
    e = np.abs(signed_errors(net, out_row, X, failed, U, model))
    i = int(np.argmax(e))
    return Candidate(X[i].copy(), tuple(tuple(f) for f in failed), U[i].copy(), float(e[i]))


def improve(net: Network, out_row: np.ndarray, cand: Candidate, model: FailureModel,
            rng: np.random.Generator, rounds: int = 12, batch: int = 64) -> Candidate:
    """Random-perturbation hill climbing on (x, u) with shrinking steps."""
    lo, hi = net.float_domain[:, 0], net.float_domain[:, 1]
    x, u = cand.x.copy(), cand.u.copy()
    best = abs(float(signed_errors(net, out_row, x[None], cand.failed, u[None], model)[0]))
    step = 0.25
    for _ in range(rounds):
        X = np.clip(x + step * (hi - lo) * rng.normal(size=(batch, len(x))), lo, hi)
        U = np.clip(u + 2 * step * rng.normal(size=(batch, len(u))), -1, 1)
        e = np.abs(signed_errors(net, out_row, X, cand.failed, U, model))
        i = int(np.argmax(e))
        if e[i] > best:
            best, x, u = float(e[i]), X[i].copy(), U[i].copy()
        else:
            step /= 2
    return Candidate(x, cand.failed, u, best)


def _round_in(v: float, lo: Fraction, hi: Fraction) -> Fraction:
    q = Fraction(round(v * XGRID), XGRID)
    return min(max(q, lo), hi)


def make_witness(net: Network, cand: Candidate, model: FailureModel,
                 output: int | None) -> tuple[Witness, Fraction]:
    """An exact witness for ``cand`` and its replayed error (a rational just below it)."""
    x = tuple(_round_in(float(v), lo, hi) for v, (lo, hi) in
              zip(cand.x, net.input_domain, strict=True))
    values = None
    fixed = model.fixed_value
    if fixed is not None and fixed != 0:  # stuck-at: every failed neuron sends v
        values = tuple((fixed,) * len(fl) for fl in cand.failed)
    elif model.free_value:
        C = model.C
        us = [Fraction(round(float(np.clip(v, -1, 1)) * XGRID), XGRID) for v in cand.u]
        rows, col = [], 0
        if model.tracks_nominal:
            with mpmath.workdps(60):
                acts = mp_forward(net, x)
                for l, fl in enumerate(cand.failed):
                    row = []
                    for j in fl:
                        y = acts[l][j]
                        target = y + mpmath.mpf(C.numerator) / C.denominator * (
                            mpmath.mpf(us[col].numerator) / us[col].denominator) \
                            * (1 - mpmath.mpf(2) ** -40)
                        g = mpmath.mpf(2) ** 120
                        q = (mpmath.floor(target * g) if target >= y else mpmath.ceil(target * g))
                        row.append(Fraction(int(q), 2 ** 120))
                        col += 1
                    rows.append(tuple(row))
        else:  # the value reading: C u
            for fl in cand.failed:
                rows.append(tuple(C * us[col + i] for i in range(len(fl))))
                col += len(fl)
        values = tuple(rows)
    w = Witness(x, cand.failed, values, output=output)
    r = replay(net, w, model, output=output)
    if not r.valid:
        raise AssertionError(f"witness does not obey the model: {r.problems}")
    return w, r.error_fraction_lower()
