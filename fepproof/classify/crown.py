"""Linear (CROWN-style) lower bounds of a classifier's margins over an input ball, for
every failure set of a fixed-value model (crash, stuck-at) at once.

With the failure set fixed, the failed network is an ordinary network whose failed
neurons send a constant.  Each correct neuron's output y = phi(s) is enclosed between two
parallel lines lam s + cl <= y <= lam s + cu on the range of its pre-activation
(:func:`fepproof.numeric.relax.chord_lines`, the engines' one sigmoid relaxation); a
failed neuron is the constant line (lam = 0, cl = cu = its value).  Substituting these
lines backwards from a linear objective down to the input, and taking the objective's
minimum over the box, gives a sound lower bound: for every input x in the box and every
admissible y, objective >= the back-substituted constant + min over the box of the
remaining linear form in x.  The pre-activation ranges come from the same
back-substitution applied to +s and -s of each earlier layer (layer 1's is exact up to
rounding).  A tanh network is bounded on its exact sigmoid form
(:mod:`fepproof.sigmoid_form`), where a crash is a neuron stuck at 1/2.

Rounding: float64 throughout; every back-substituted sum is padded by ``PADR`` times the
sum of the absolute values of its terms plus ``TINY`` (:mod:`fepproof.numeric.rounding`,
the engines' rule), which also covers rounding each rational weight to a float
(2^-53 relative).  The lower bounds returned are therefore sound for the network given
by its rational weights; they are at least as tight as interval propagation on the
layers after the first, and much tighter over small balls.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..failures import FailureModel
from ..network import Network
from ..numeric.relax import chord_lines
from ..numeric.rounding import PADR, TINY
from ..sigmoid_form import sigmoid_form, sigmoid_model
from .intervals import combos

__all__ = ["set_masks", "crown_margin_lower"]


def set_masks(widths: Sequence[int], failures: Sequence[int]) -> list[np.ndarray]:
    """Boolean masks (S, N_l) of every failure set, in the order of
    :func:`fepproof.classify.intervals.set_of_index` (layer 1 most significant, each
    layer's subsets in lexicographic order)."""
    per = []
    for n, f in zip(widths, failures, strict=True):
        idx = combos(n, f)
        m = np.zeros((idx.shape[0], n), dtype=bool)
        if f:
            np.put_along_axis(m, idx, True, axis=1)
        per.append(m)
    sizes = [m.shape[0] for m in per]
    out = []
    for l, m in enumerate(per):
        before = int(np.prod(sizes[:l], dtype=np.int64))
        after = int(np.prod(sizes[l + 1:], dtype=np.int64))
        out.append(np.repeat(np.tile(m, (before, 1)), after, axis=0))
    return out


def _value(v: Fraction) -> tuple[float, float]:
    f = float(v)
    return (f, f) if Fraction(f) == v else (float(np.nextafter(f, -np.inf)),
                                            float(np.nextafter(f, np.inf)))


def _backsub(A: np.ndarray, t: int, Ws, bs, lines, lo: np.ndarray, hi: np.ndarray
             ) -> np.ndarray:
    """Lower bound (S, R) of A . s_t over the box (A: rows (S, R, n_t) on layer t's
    pre-activations, t = 0 the first hidden layer, t = L the output)."""
    const = A @ bs[t]
    mag = np.abs(A) @ np.abs(bs[t])
    G = A @ Ws[t]
    for m in range(t - 1, -1, -1):
        lam, cl, cu = lines[m]
        const = const + np.where(G > 0, G * cl[:, None, :], G * cu[:, None, :]).sum(axis=-1)
        mag = mag + (np.abs(G) * np.maximum(np.abs(cl), np.abs(cu))[:, None, :]).sum(axis=-1)
        A = G * lam[:, None, :]
        const = const + A @ bs[m]
        mag = mag + np.abs(A) @ np.abs(bs[m])
        G = A @ Ws[m]
    low = const + np.where(G > 0, G * lo, G * hi).sum(axis=-1)
    mag = mag + (np.abs(G) * np.maximum(np.abs(lo), np.abs(hi))).sum(axis=-1)
    return low - PADR * mag - TINY


def crown_margin_lower(net: Network, lo: np.ndarray, hi: np.ndarray, c: int,
                       masks: Sequence[np.ndarray], model: FailureModel,
                       batch: int = 1024, form: Network | None = None) -> np.ndarray:
    """Lower bounds (S, M - 1) of the margins F'_c - F'_k (k != c, in class order) over
    the input box [lo, hi], for the failure sets ``masks`` (per layer (S, N_l)) of a
    fixed-value ``model`` (``form``: ``net``'s sigmoid form, if the caller has it)."""
    if model.fixed_value is None:
        raise ValueError("model: linear margin bounds need a model that fixes the sent value")
    form = sigmoid_form(net) if form is None else form
    fmodel = sigmoid_model(net, model)
    assert fmodel.fixed_value is not None
    vlo, vhi = _value(fmodel.fixed_value)
    slope = float(form.activation.slope)
    Ws = [W for W, _ in form.float_layers] + [form.float_output[0]]
    bs = [b for _, b in form.float_layers] + [form.float_output[1]]
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    M = form.n_outputs
    rows = np.zeros((M - 1, M))
    for j, k in enumerate(k for k in range(M) if k != c):
        rows[j, c], rows[j, k] = 1.0, -1.0
    S = masks[0].shape[0]
    out = np.empty((S, M - 1))
    for start in range(0, S, batch):
        part = [m[start:start + batch] for m in masks]
        B = part[0].shape[0]
        lines = []
        for t in range(form.depth):
            n = Ws[t].shape[0]
            eye = np.broadcast_to(np.vstack([np.eye(n), -np.eye(n)]), (B, 2 * n, n))
            low = _backsub(eye, t, Ws, bs, lines, lo, hi)
            slo, shi = low[:, :n], -low[:, n:]
            lam, cl, cu = chord_lines(slo, np.maximum(slo, shi), slope)
            failed = part[t]
            lines.append((np.where(failed, 0.0, lam), np.where(failed, vlo, cl),
                          np.where(failed, vhi, cu)))
        A = np.broadcast_to(rows, (B,) + rows.shape)
        out[start:start + B] = _backsub(A, form.depth, Ws, bs, lines, lo, hi)
    return out
