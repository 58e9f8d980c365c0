"""Joint CROWN bound of F_S - F on a leaf with a fixed failure set.

Both copies of the network (nominal y, failed y') are relaxed by linear bounds and the
objective +-w_out . (y'_L - y_L) is back-substituted to the input box, as CROWN does on
the product network, with the two copies merged exactly wherever they coincide (every
layer before the first failure, and the correct neurons of that layer).  A failed neuron
sends alpha y + [plo, phi] (crash: 0 y + [0, 0]; stuck at v: [v, v]; Byzantine deviation
reading: 1 y + [-C, C]; value reading: 0 y + [-C, C]; asked of :mod:`.faultview`).

Relaxation: for ANY slope a, phi(s) - a s over [l, u] is extreme at l, u or where
phi'(s) = a, so a s + min(...) <= phi(s) <= a s + max(...) are valid lines; the slopes
are free parameters (alpha-CROWN's idea).  They are chosen from candidate settings (the
chord; the derivative at the interval's midpoint; the derivative at the end nearer 0) and
the smallest bound is kept, each being sound; no gradient is taken.

Rounding: the back-substitution of :mod:`.backsub` (whose docstring has the argument).
"""

from __future__ import annotations

import numpy as np

from .backsub import BackSub
from .faultview import Window, failed_offsets, sent_alpha, sent_max
from .floatnet import FloatNet
from .relax import chord_slope, dphi, lines, phi
from .rounding import pad

__all__ = ["joint_crown"]

def _slopes(lo: np.ndarray, hi: np.ndarray, slope: float, how: str) -> np.ndarray:
    if how == "chord":
        return chord_slope(lo, hi, slope, dphi(lo, slope))
    if how == "mid":
        return dphi(0.5 * (lo + hi), slope)
    return dphi(np.clip(0.0, lo, hi), slope)  # the end nearer 0 (largest slope)


def _bound(fn: FloatNet, lo: np.ndarray, hi: np.ndarray, failed: list[np.ndarray],
           slo: list[np.ndarray], shi: list[np.ndarray], flo: list[np.ndarray],
           fhi: list[np.ndarray], how: str, windows: list[Window]) -> np.ndarray:
    L = fn.L
    E = np.eye(fn.Ws[L].shape[0])[fn.rows]
    Wo = E @ fn.Ws[L]
    Ly = np.vstack([-Wo, Wo])[None]  # on nominal y_(L-1); rows: +obj, -obj; one leaf
    Lf = -Ly                         # on failed y'_(L-1)
    bs = BackSub(Ly.shape[:-1])
    first = min((m for m in range(L) if failed[m].any()), default=L)
    alpha, ymax = sent_alpha(fn), sent_max(fn)
    for m in range(L - 1, -1, -1):
        fm = failed[m]
        if fm.any():
            lam = Lf[..., fm]
            ylo, yhi = pad(phi(slo[m][fm], fn.slope), phi(shi[m][fm], fn.slope))
            win = windows[m]
            plo, phi_ = failed_offsets(fn, ylo, yhi,
                                       None if win is None else (win[0][fm], win[1][fm]))
            Ly[..., fm] += alpha * lam
            bs.offset(lam, plo[None], phi_[None])
            Lf[..., fm] = 0.0
        if Lf is not None and m <= first:  # the copies coincide from here on
            Ly, Lf = Ly + Lf, None
        # relax y = phi(s) (nominal) and y' = phi(s') (failed copy)
        a = _slopes(slo[m], shi[m], fn.slope, how)
        Ls = bs.relax(Ly, a[None], *(c[None] for c in lines(slo[m], shi[m], a, fn.slope)))
        xmax = np.maximum(np.abs(lo), np.abs(hi))[None]  # below layer 0: the input
        Ly = bs.affine(Ls, fn.Ws[m], fn.bs[m],
                       np.ones((1, fn.Ws[m].shape[1])) if m > 0 else xmax)
        if Lf is not None:
            af = _slopes(flo[m], fhi[m], fn.slope, how)
            Lsf = bs.relax(Lf, af[None],
                           *(c[None] for c in lines(flo[m], fhi[m], af, fn.slope)))
            Lf = bs.affine(Lsf, fn.Ws[m], fn.bs[m],  # the failed copy's sent values
                           np.full((1, fn.Ws[m].shape[1]), ymax) if m > 0 else xmax)
    bs.input(Ly if Lf is None else Ly + Lf, lo[None], hi[None])  # both copies read x
    up = bs.upper()[0]
    M = len(fn.rows)
    return np.maximum(up[:M], up[M:])


def joint_crown(fn: FloatNet, lo: np.ndarray, hi: np.ndarray, failed: list[np.ndarray],
                slo: list[np.ndarray], shi: list[np.ndarray], dlo: list[np.ndarray],
                dhi: list[np.ndarray], windows: list[Window] | None = None) -> np.ndarray:
    """Upper bound of |F_S - F| per considered output over the box, failure set fixed
    (``failed[m]``: boolean mask of layer m), nominal pre-activations in [slo, shi] and
    the failed copy's in [slo + dlo, shi + dhi]; ``windows[m]``: the sent-value control
    windows of layer m (None: the whole range)."""
    flo = [pad(a + d, a + d)[0] for a, d in zip(slo, dlo, strict=True)]
    fhi = [pad(b + d, b + d)[1] for b, d in zip(shi, dhi, strict=True)]
    best = None
    for how in ("chord", "mid", "zero"):
        u = _bound(fn, lo, hi, failed, slo, shi, flo, fhi, how,
                   windows or [None] * len(failed))
        best = u if best is None else np.minimum(best, u)
    assert best is not None
    return np.maximum(best, 0.0)
