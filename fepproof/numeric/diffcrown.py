"""Differential CROWN bound of F_S - F on one branch-and-bound leaf.

The bound back-substitutes the objective through the network in the variables
(y, e): the nominal outputs y = phi(s) and the differences e = y' - y that failures
cause, as differential verifiers do (ReluDiff / NeuroDiff's idea, here for sigmoids).
Per neuron of layer m, with s in [slo, shi] and delta = s' - s in [dlo, dhi]:

* a correct neuron has e = g(s, delta) = phi(s + delta) - phi(s), bounded by two
  parallel *planes* a s + b delta + [cl, cu], linear in both s and delta (``planes``).
  The coupled bound of :mod:`.leaf` treats the s-dependence of g as noise; the joint
  bound of :mod:`.crown` relaxes y and y' separately and so loses their coupling; the
  planes keep both.
* a FAILED neuron has e = sent - y = (alpha - 1) y + o, o in [olo, ohi] (the model's
  ``sent_alpha`` / ``failed_offsets``: crash alpha = 0, o = 0; stuck at v: o = v;
  Byzantine value reading o = C u; deviation reading alpha = 1, o = C u; u in the leaf's
  control window, [-1, 1] by default);
* a MAYBE neuron (``free`` failures still to place in its layer) has
  e = e_ok + z (e_fail - e_ok), z in {0, 1}, sum z = free: e_ok is bounded by its plane
  and the gains G (e_fail - e_ok) by intervals, of which the ``free`` largest count;
* y = phi(s) by the chord lines of :mod:`.leaf` (slope lam, offsets [c0, c1]);
* s^m = W^m y^(m-1) + b^m and delta^m = W^m e^(m-1) (delta^0 = 0: the input is exact).

The objective's coefficients on (s, delta) are pushed back layer by layer to the input
box, where the linear function is maximised exactly.

Soundness of the planes: a, b are fitted by least squares on a tensor grid of
ns x nd points spanning the box (any a, b would do); then r = g - a s - b delta is
evaluated at the grid points, and on each grid cell r lies within the range of its four
corner values widened by (hs^2 max|r_ss| + hd^2 max|r_dd|) / 8, the error bound of
bilinear interpolation (f - I f = (f - I_s f) + I_s (f - I_d f), each 1-D term at most
h^2 max|f''| / 8).  r_ss = phi''(s + delta) - phi''(s) and r_dd = phi''(s + delta),
bounded per cell by the maxima of |phi''| over the cell's ranges of s and s + delta
(|sigma''| is even and unimodal on each side of its peaks +-ln(2 + sqrt 3)); r_ss also
by max|phi'''| |delta| = slope^3 |delta| / 8 (|sigma'''| <= 1/8, reached at 0), so a zero
or tiny delta adds no interpolation error.

Rounding: the back-substitution is :mod:`.backsub`'s (whose docstring has the
argument); the grid values are padded by ``REL`` times their magnitude and the curvature
terms enlarged by 1e-6 relative.
"""

from __future__ import annotations

import numpy as np

from ..certificate.bound import FAILED, MAYBE, OK
from .backsub import BackSub, lift
from .faultview import failed_offsets, sent_alpha
from .floatnet import FloatNet, topk_sum
from .relax import dd_phi_max, gdiff, phi
from .rounding import REL, TINY

__all__ = ["planes", "diff_crown", "dd_phi_max", "err_max"]

NS, ND = 17, 5  # grid points along s and delta (measured: finer grids gain < 0.3 %)


def planes(slo: np.ndarray, shi: np.ndarray, dlo: np.ndarray, dhi: np.ndarray,
           slope: float, ns: int = 0, nd: int = 0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                      np.ndarray]:
    """(aL, bL, cl, aU, bU, cu) with aL s + bL d + cl <= phi(s + d) - phi(s) <=
    aU s + bU d + cu for every s in [slo, shi], d in [dlo, dhi] (per neuron; see the
    module docstring).  Each side's slopes are the candidate with the smallest mean gap
    over the grid: the least-squares plane or the flat one."""
    ns, nd = ns or NS, nd or ND
    if ns < 2 or nd < 2:
        raise ValueError("planes: ns and nd must be at least 2")
    if np.ndim(slo) != 1:  # a batch of leaves (B, n): one call on the flattened neurons
        shape = np.shape(slo)
        flat = planes(*(np.reshape(v, -1) for v in (slo, shi, dlo, dhi)), slope, ns, nd)
        return tuple(v.reshape(shape) for v in flat)  # type: ignore[return-value]
    moving = (dlo != 0) | (dhi != 0)
    if not moving.all():  # delta = 0 exactly (no failure upstream): g = 0, planes 0
        out = [np.zeros(np.shape(slo)) for _ in range(6)]
        if moving.any():
            for o, v in zip(out, planes(slo[moving], shi[moving], dlo[moving], dhi[moving],
                                        slope, ns, nd), strict=True):
                o[moving] = v
        return tuple(out)  # type: ignore[return-value]
    S = np.linspace(slo, shi, ns, axis=-1)                 # (n, ns), exact end points
    D = np.linspace(dlo, dhi, nd, axis=-1)                 # (n, nd)
    G = gdiff(S[:, :, None], D[:, None, :], slope)         # (n, ns, nd)
    Sc = S - S.mean(axis=1, keepdims=True)
    Dc = D - D.mean(axis=1, keepdims=True)
    vs = (Sc ** 2).sum(axis=1)
    vd = (Dc ** 2).sum(axis=1)
    ok_s = vs > 0
    ok_d = vd > 0
    a = np.where(ok_s, (Sc * G.mean(axis=2)).sum(axis=1) / np.where(ok_s, vs, 1.0), 0.0)
    b = np.where(ok_d, (Dc * G.mean(axis=1)).sum(axis=1) / np.where(ok_d, vd, 1.0), 0.0)
    curv = _interpolation_error(S, D, slope)
    z = np.zeros_like(a)
    best: list[np.ndarray] = []
    for ca, cb in ((a, b), (z, z)):  # (a, 0) and (0, b) as well: +12 % time, < 0.2 %
        lin = ca[:, None, None] * S[:, :, None] + cb[:, None, None] * D[:, None, :]
        R = G - lin
        rpad = REL * (np.abs(G) + np.abs(lin)) + TINY
        Rhi, Rlo = R + rpad, R - rpad
        chi = np.maximum.reduce([Rhi[:, :-1, :-1], Rhi[:, 1:, :-1], Rhi[:, :-1, 1:],
                                 Rhi[:, 1:, 1:]])
        clo = np.minimum.reduce([Rlo[:, :-1, :-1], Rlo[:, 1:, :-1], Rlo[:, :-1, 1:],
                                 Rlo[:, 1:, 1:]])
        cu = (chi + curv).max(axis=(1, 2))
        cl = (clo - curv).min(axis=(1, 2))
        mean = R.mean(axis=(1, 2))
        cand = [ca, cb, cl, mean - cl, ca, cb, cu, cu - mean]  # with mean gaps
        if not best:
            best = cand
            continue
        lo_ = cand[3] < best[3]
        up_ = cand[7] < best[7]
        best = [np.where(lo_ if i < 4 else up_, c, o)
                for i, (c, o) in enumerate(zip(cand, best, strict=True))]
    return best[0], best[1], best[2], best[4], best[5], best[6]


def _interpolation_error(S: np.ndarray, D: np.ndarray, slope: float) -> np.ndarray:
    """Per grid cell, the bilinear interpolation error bound of r = g - plane (the
    same for every plane: its second derivatives are g's)."""
    hs = (S[:, 1:] - S[:, :-1]) * (1 + 1e-12)               # (n, ns-1)
    hd = (D[:, 1:] - D[:, :-1]) * (1 + 1e-12)               # (n, nd-1)
    s0, s1 = S[:, :-1, None], S[:, 1:, None]
    d0, d1 = D[:, None, :-1], D[:, None, 1:]
    m_u = dd_phi_max(s0 + d0 - np.abs(s0 + d0) * 1e-12, s1 + d1 + np.abs(s1 + d1) * 1e-12,
                     slope)                                 # |phi''| on the cell's s + d
    m_s = dd_phi_max(S[:, :-1], S[:, 1:], slope)[:, :, None]  # |phi''| on the cell's s
    # |r_ss| = |phi''(s + d) - phi''(s)| <= min(m_u + m_s, max|phi'''| |d|) with
    # max|phi'''| = slope^3 / 8: no error where d = 0, a small one for small deviations
    dmax = np.maximum(np.abs(d0), np.abs(d1))
    m_ss = np.minimum(m_u + m_s, slope ** 3 / 8.0 * dmax * (1 + 1e-6))
    curv = (hs[:, :, None] ** 2 * m_ss + hd[:, None, :] ** 2 * m_u) / 8.0
    return curv * (1 + 1e-6) + TINY


def diff_crown(fn: FloatNet, st, A: np.ndarray, t: int,
               plane_cache: dict | None = None) -> np.ndarray:
    """Upper bound of A @ delta^t over each leaf of ``st`` (t = L: the output, F_S - F)
    by the differential back-substitution of the module docstring: (B, R) for the rows
    (R, n) of A.  ``st`` (:func:`.leaf.leaf_ranges`) carries the leaves (``st.leaf``:
    boxes, failure status, windows) and their per-layer ranges (``slo``, ``shi``,
    ``dlo``, ``dhi``, ``felo``, ``fehi``, ``elo``, ``ehi`` and the chord lines ``nlam``,
    ``nclo``, ``nchi``, each (B, n)) for layers < t.  Where float64 overflows (weights
    ~1e160 square to inf), the row's bound is +inf, never NaN: the caller keeps its other
    bounds."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        out = _diff_crown(fn, st, A, t, plane_cache)
        return np.where(np.isfinite(out), out, np.inf)


def _diff_crown(fn: FloatNet, st, A: np.ndarray, t: int,
                plane_cache: dict | None) -> np.ndarray:
    cache = {} if plane_cache is None else plane_cache
    leaf = st.leaf
    alpha = sent_alpha(fn)
    A = np.broadcast_to(A, (len(leaf.lo),) + np.shape(A)[-2:])
    bs = BackSub(A.shape[:-1])
    Le = bs.affine(A, fn.Ws[t], None, err_max(st, t - 1))  # on e^(t-1)
    Ly = np.zeros_like(Le)                               # on y^(t-1)
    for m in range(t - 1, -1, -1):
        status = leaf.status[m]
        failed = status == FAILED
        maybe = status == MAYBE
        if m not in cache:
            cache[m] = planes(st.slo[m], st.shi[m], st.dlo[m], st.dhi[m], fn.slope)
        aL, bL, cl, aU, bU, cu = cache[m]
        if failed.any():  # e = (alpha - 1) y + o
            lam = Le[..., failed]
            ylo = phi(st.slo[m][:, failed], fn.slope)
            yhi = phi(st.shi[m][:, failed], fn.slope)
            ylo, yhi = ylo - REL * ylo - TINY, yhi + REL * yhi + TINY
            win = leaf.window(m)
            bs.offset(lam, *failed_offsets(fn, ylo, yhi,
                                           None if win is None else (win[0][:, failed],
                                                                     win[1][:, failed])))
            Ly[..., failed] += (alpha - 1.0) * lam
            Le[..., failed] = 0.0
        if maybe.any() and leaf.free[m] > 0:
            Lm = Le[..., maybe]
            fe = np.where(Lm > 0, Lm * lift(st.fehi[m][:, maybe]), Lm * lift(st.felo[m][:, maybe]))
            eo = np.where(Lm > 0, Lm * lift(st.elo[m][:, maybe]), Lm * lift(st.ehi[m][:, maybe]))
            bs.add(topk_sum(fe - eo, leaf.free[m]),
                   np.abs(fe).sum(axis=-1) + np.abs(eo).sum(axis=-1))
        pos = Le > 0
        bs.offset(Le, cl, cu)  # e between the planes, y = phi(s) between the chord lines
        Cs = Le * np.where(pos, lift(aU), lift(aL)) + bs.relax(Ly, st.nlam[m], st.nclo[m],
                                                                st.nchi[m])
        Cd = Le * np.where(pos, lift(bU), lift(bL))
        if m == 0:
            xmax = np.maximum(np.abs(leaf.lo), np.abs(leaf.hi))
            bs.input(bs.affine(Cs, fn.Ws[0], fn.bs[0], xmax), leaf.lo, leaf.hi)
            break
        Ly = bs.affine(Cs, fn.Ws[m], fn.bs[m], _ymax(st, m - 1, fn.slope))
        Le = bs.affine(Cd, fn.Ws[m], None, err_max(st, m - 1))
    return bs.upper()


def _ymax(st, m: int, slope: float) -> np.ndarray:
    return np.minimum(phi(st.shi[m], slope) * (1 + REL) + TINY, 1.0)


def err_max(st, m: int) -> np.ndarray:
    """Bound of |e| = |y' - y| over layer m's neurons: the correct neuron's difference
    range, and the failed deviation where the neuron may fail (zeros for m < 0: the
    input is exact)."""
    if m < 0:
        return np.zeros((len(st.leaf.lo), 0))
    e = np.maximum(np.abs(st.elo[m]), np.abs(st.ehi[m]))
    if not st.fails(m):
        return e
    f = np.maximum(np.abs(st.felo[m]), np.abs(st.fehi[m]))
    return np.where(st.leaf.status[m] != OK, np.maximum(e, f), e)
