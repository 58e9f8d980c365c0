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

Rounding: float64 throughout; the back-substitution is the engines' own
(:mod:`fepproof.numeric.backsub`, whose pads cover every sum and every product of the
rows with a layer's weights), which also covers rounding each rational weight to a float
(2^-53 relative, an error of the same form as a product's).  The lower bounds returned
are therefore sound for the network given by its rational weights; they are at least as
tight as interval propagation on the layers after the first, and much tighter over
small balls.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from ..failures import FailureModel
from ..network import Network
from ..numeric.backsub import BackSub
from ..numeric.relax import chord_lines
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


def _backsub(A: np.ndarray, t: int, Ws, bs, lines, lo: np.ndarray, hi: np.ndarray,
             ymax: float) -> np.ndarray:
    """Lower bound (S, R) of A . s_t over the box (A: rows (S, R, n_t) on layer t's
    pre-activations, t = 0 the first hidden layer, t = L the output; ``ymax`` bounds
    every hidden output): minus the back-substituted upper bound of -A . s_t."""
    bsub = BackSub(A.shape[:-1])
    xmax = np.broadcast_to(np.maximum(np.abs(lo), np.abs(hi)), A.shape[:1] + lo.shape)
    U = -A
    for m in range(t, -1, -1):
        if m < t:
            lam, cl, cu = lines[m]
            U = bsub.relax(U, lam, cl, cu)
        zmax = xmax if m == 0 else np.full(A.shape[:1] + (Ws[m].shape[1],), ymax)
        U = bsub.affine(U, Ws[m], bs[m], zmax)
    bsub.input(U, np.broadcast_to(lo, xmax.shape), np.broadcast_to(hi, xmax.shape))
    return -bsub.upper()


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
    ymax = max(1.0, abs(vlo), abs(vhi))  # correct outputs lie in (0, 1), failed ones at v
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
            low = _backsub(eye, t, Ws, bs, lines, lo, hi, ymax)
            slo, shi = low[:, :n], -low[:, n:]
            lam, cl, cu = chord_lines(slo, np.maximum(slo, shi), slope)
            failed = part[t]
            lines.append((np.where(failed, 0.0, lam), np.where(failed, vlo, cl),
                          np.where(failed, vhi, cu)))
        A = np.broadcast_to(rows, (B,) + rows.shape)
        out[start:start + B] = _backsub(A, form.depth, Ws, bs, lines, lo, hi, ymax)
    return out
