"""A tighter leaf bound for leaves whose failure set is decided: linear forms.

Every quantity q of both copies (nominal pre-activations s and outputs y, differences
d = W e and e = y' - y) is kept as ``q in A z + [lo, hi]`` where z = (x, eps): the input
x ranges over the leaf's box and each eps_k over [-1, 1].  Every relaxation below adds
its offset as a fresh symbol eps_k (one per neuron and relaxation; :func:`_noise`)
instead of an interval, so offsets that later sums weigh with opposite signs cancel, as
in a back-substituted (CROWN-style) bound (in the last layer each offset appears in one
row only, so it stays in [lo, hi]: the same bound); only rounding errors go to [lo, hi]:

* sums ``W q + b``: A' = fl(W_lo A); the constant collects W_lo's interval product with
  [lo, hi], the weight enclosures' width times q's range, and the product's rounding
  (at most 4 (n + 2) u |W_lo| |A| |z|, Higham's bound for a matrix product, doubled for
  computing the bound itself);
* y = phi(s): one slope a (the chord of phi over the range of s) with offsets
  ``phi(s) - a s in [ol, ou]`` on that range, from phi's enclosures at the range's
  ends and tangents where phi' = a (:func:`_chord`);
* a correct neuron's e: its exact interval (:mod:`.bound`), or y' - y with both outputs
  relaxed by chords where that form's range is at most twice as wide (it stays tied to
  the input and the offsets' symbols, which later sums cancel: on 8-16-16-1 networks
  the checker then closes most leaves the engine closed, against half before);
* a failed neuron's e = sent - y, with y's form (crash, stuck-at, value reading) or none
  (deviation reading: e = C u).

Ranges used by the relaxations are the forms' ranges over the leaf intersected with
plain interval products of the previous layer's ranges, the exact ranges of each
neuron's difference (:mod:`.bound`) and the leaf's windows.  Soundness rests on the same
helpers as :mod:`.bound` (:mod:`.rigor`).
"""

from __future__ import annotations

import numpy as np

from .bound import FAILED, Enclosed, LeafState, _affine, _failed
from .rigor import U, dot_range, down, mul_interval, sum_down, sum_up, up

__all__ = ["symbolic_bounds", "FORMS", "QUICK"]


def _mv(M, v):
    """M v for a batch of matrices (B, n, d) and vectors (B, d) (float; not rounded)."""
    return (M @ v[..., None])[..., 0]


def _range(A, lo, hi, xlo, xhi):
    """The range of A z + [lo, hi], z = (x, eps): x in [xlo, xhi], each eps_k in [-1, 1]."""
    tlo, thi = dot_range(A[..., :xlo.shape[-1]], xlo[:, None, :], xhi[:, None, :])
    r = sum_up(np.abs(A[..., xlo.shape[-1]:]))
    return down(down(tlo - r) + lo), up(up(thi + r) + hi)


def _lin(W, A, lo, hi, qlo, qhi, xabs):
    """W q for q(x) in A x + [lo, hi] with range [qlo, qhi]; W = (W_lo, W_hi)."""
    Wm = W[0]
    with np.errstate(all="ignore"):
        A2 = Wm @ A
        g = up(4.0 * (Wm.shape[1] + A.shape[-1] + 2) * U)
        err = up(g * up(_mv(np.abs(Wm) @ np.abs(A), xabs)))
    clo, chi = dot_range(Wm, lo[:, None, :], hi[:, None, :])
    rlo, rhi = mul_interval(np.zeros_like(Wm), up(W[1] - Wm), qlo[:, None, :], qhi[:, None, :])
    lo2 = down(down(clo + sum_down(rlo, axis=-1)) - err)
    hi2 = up(up(chi + sum_up(rhi, axis=-1)) + err)
    return A2, lo2, hi2


def _scale(a, A, lo, hi, xabs):
    """a q elementwise (a a float array (B, n)) for q(x) in A x + [lo, hi]."""
    with np.errstate(all="ignore"):
        A2 = a[..., None] * A
        err = up(up(4.0 * (A.shape[-1] + 2) * U) * up(_mv(np.abs(A2), xabs)))
    clo, chi = mul_interval(a, a, lo, hi)
    return A2, down(clo - err), up(chi + err)


def _add(f1, f2, xabs):
    """f1 + f2 (forms (A, lo, hi)), the coefficients' rounding moved to the constant."""
    with np.errstate(all="ignore"):
        A = f1[0] + f2[0]
        err = up(up(4.0 * U) * up(_mv(np.abs(A), xabs)))
    return A, down(down(f1[1] + f2[1]) - err), up(up(f1[2] + f2[2]) + err)


def _chord(sig, l, u, ends=None):
    """(a, ol, ou): phi(s) - a s in [ol, ou] for every s in [l, u], elementwise, a the
    chord's slope (a flat line where the offsets overflow; :func:`_offsets`).  ``ends``:
    phi's enclosures at l and at u, if the caller has them."""
    l, u = np.asarray(l, dtype=np.float64), np.asarray(u, dtype=np.float64)
    pl, pu = ends or (sig.phi(l), sig.phi(u))
    with np.errstate(all="ignore"):
        w = u - l
        a = (pu[0] - pl[0]) / w
        a = np.where((w > 1e-12 * (1 + np.abs(l))) & np.isfinite(w) & np.isfinite(a)
                     & (a > 0), a, 0.0)  # else a flat line
    ol, ou = _offsets(sig, l, u, a, (pl, pu))
    bad = ~(np.isfinite(ol) & np.isfinite(ou))  # a bound lost every digit: a flat line
    return (np.where(bad, 0.0, a), np.where(bad, pl[0], ol), np.where(bad, pu[1], ou))


def _offsets(sig, l, u, a, ends):
    """[ol, ou] containing phi(s) - a s for every s in [l, u], elementwise (any slope a).

    g(s) = phi(s) - a s is concave on s >= 0 and convex on s <= 0: on [max(l, 0), u] g'
    falls, so g's maximum there is at an end unless g' > 0 at the left end and < 0 at the
    right one (g' = t phi (1 - phi) - a from phi's enclosures, phi(0) = 1/2), and then g
    lies below its tangent at any point p; on [l, min(u, 0)] the same holds for the
    minimum, g rising and above its tangent.  The ends are l, u and 0 (where g = 1/2).
    The tangent is taken at p near the point where phi' = a (a float estimate, not
    trusted, clamped to the piece), and bounded at the piece's ends in outward-rounded
    interval arithmetic.  ``ends``: phi's enclosures at l and at u."""
    l, u = np.asarray(l, dtype=np.float64), np.asarray(u, dtype=np.float64)
    a = np.broadcast_to(a, l.shape)
    pl, pu = ends
    with np.errstate(all="ignore"):
        def g(s, ps, a):  # [lo, hi] of phi(s) - a s, phi(s) in ps
            p = np.where(a == 0, 0.0, a * s)
            return down(ps[0] - up(p)), up(ps[1] - down(p))

        def dg(ps, a):  # [lo, hi] of g'(s), phi(s) in ps
            one = mul_interval(np.maximum(ps[0], 0), ps[1], down(1 - ps[1]), up(1 - ps[0]))
            d = sig.times_t(*one)
            return down(d[0] - a), up(d[1] - a)
        gl, gu = g(l, pl, a), g(u, pu, a)
        ol, ou = np.minimum(gl[0], gu[0]), np.maximum(gl[1], gu[1])
        mid = (l < 0) & (u > 0)
        ol, ou = np.where(mid, np.minimum(ol, 0.5), ol), np.where(mid, np.maximum(ou, 0.5), ou)
        dl, du = dg(pl, a), dg(pu, a)
        d0 = down(0.25 * sig.tlo - a), up(0.25 * sig.thi - a)  # phi'(0) = t / 4
        top = np.flatnonzero((u > 0) & (np.where(l > 0, dl[1], d0[1]) > 0) & (du[0] < 0))
        bot = np.flatnonzero((l < 0) & (dl[0] < 0) & (np.where(u < 0, du[1], d0[1]) > 0))
        if len(top) + len(bot):
            A = a.reshape(-1)[np.concatenate([top, bot])]
            q = (2 * A / float(sig.thi)) / (1 + np.sqrt(np.maximum(1 - 4 * A / float(sig.tlo),
                                                                   0)))
            z = np.nan_to_num((np.log1p(-q) - np.log(q)) / float(sig.tlo))  # phi'(+-z) ~ a
            lf, uf = l.reshape(-1), u.reshape(-1)
            L = np.concatenate([np.maximum(lf[top], 0.0), lf[bot]])
            R = np.concatenate([uf[top], np.minimum(uf[bot], 0.0)])
            p = np.clip(np.concatenate([z[:len(top)], -z[len(top):]]), L, R)
            ps = sig.phi(p)
            gp, dp = g(p, ps, A), dg(ps, A)
            eL, eR = (mul_interval(*dp, down(e - p), up(e - p)) for e in (L, R))
            hi = up(gp[1] + np.maximum(eL[1], eR[1]))[:len(top)]
            lo = down(gp[0] + np.minimum(eL[0], eR[0]))[len(top):]
            ou, ol = ou.reshape(-1), ol.reshape(-1)
            ou[top], ol[bot] = np.maximum(ou[top], hi), np.minimum(ol[bot], lo)
            ou, ol = ou.reshape(l.shape), ol.reshape(l.shape)
    return ol, ou


def _coupled(sig, sr, dr, a, a2, k: int = 16):
    """[lo, hi] containing (phi(s + d) - a2 (s + d)) - (phi(s) - a s) for every s in sr,
    d in dr, elementwise: both offsets bounded together on each of k pieces of sr (s in
    the piece, s + d in [its lo + d lo, its hi + d hi]), which keeps most of their
    coupling when d is small against the range of s."""
    t = np.linspace(0.0, 1.0, k + 1).reshape(-1, *([1] * np.ndim(sr[0])))
    with np.errstate(all="ignore"):
        pts = sr[0] + t * (sr[1] - sr[0])  # nondecreasing: every operation is monotone
    pts[0], pts[-1] = sr[0], sr[1]
    sl, sh = pts[:-1], pts[1:]
    ul, uh = down(sl + dr[0]), up(sh + dr[1])
    ol1, ou1 = _offsets(sig, ul, uh, a2, (sig.phi(ul), sig.phi(uh)))
    ps = sig.phi(pts)
    ol2, ou2 = _offsets(sig, sl, sh, a, ((ps[0][:-1], ps[1][:-1]), (ps[0][1:], ps[1][1:])))
    return down(down(ol1 - ou2).min(axis=0)), up(up(ou1 - ol2).max(axis=0))


def _noise(f, col: int):
    """The form f = A x + [lo, hi] rewritten A x + R eps + c with fresh symbols eps in
    [-1, 1] (columns col, col + 1, ...): c = fl((lo + hi) / 2), R = diag(r) with
    r >= max(hi - c, c - lo), so every value of the form is still taken.  Offsets kept as
    symbols cancel where later sums combine them with opposite signs (as the back-
    substituted bound does), instead of adding up in absolute value.  A row whose c or r
    overflows keeps its interval."""
    A, lo, hi = f
    n = lo.shape[-1]
    with np.errstate(all="ignore"):
        c = 0.5 * lo + 0.5 * hi
        r = np.maximum(up(hi - c), up(c - lo))
    ok = np.isfinite(c) & np.isfinite(r)
    A = A.copy()
    A[:, np.arange(n), col + np.arange(n)] = np.where(ok, r, 0.0)
    return A, np.where(ok, c, lo), np.where(ok, c, hi)


FORMS = ("interval", "chords", "coupled")
QUICK = ("interval", "chords")  # without the costlier coupled form
COUPLED = 0.5


def symbolic_bounds(P: Enclosed, states: list[LeafState], forms: tuple[str, ...] = FORMS
                    ) -> np.ndarray:
    """Upper bounds of max |F_k - F_S,k| on leaves whose failure set is decided (every
    neuron FAILED or OK), all at once (a batch axis first); +inf where the arithmetic
    overflowed, 0 for a leaf without points.  ``forms``: which forms of a correct
    neuron's difference to choose from (all by default; fewer only in tests)."""
    B, d0 = len(states), states[0].lo.shape[0]
    # the inputs, and two symbols per neuron but in the last layer, whose offsets each
    # stay in one row (its y only in its e, its e only in the output): intervals there
    d = d0 + 2 * sum(W[0].shape[0] for W in P.Ws[:-1])
    xlo, xhi = np.stack([s.lo for s in states]), np.stack([s.hi for s in states])
    xabs = np.concatenate([np.maximum(np.abs(xlo), np.abs(xhi)), np.ones((B, d - d0))], 1)
    y = (np.broadcast_to(np.eye(d0, d), (B, d0, d)), np.zeros((B, d0)), np.zeros((B, d0)))
    col, empty = d0, np.zeros(B, dtype=bool)
    yr = (xlo, xhi)
    e = er = None
    for l in range(len(P.Ws)):
        W, b, last = P.Ws[l], P.bs[l], l == len(P.Ws) - 1
        A, slo, shi = _lin(W, *y, *yr, xabs)
        s = (A, down(slo + b[0]), up(shi + b[1]))
        sr = _range(*s, xlo, xhi)
        ia = _affine(W, b, *yr)
        sr = (np.maximum(np.maximum(sr[0], ia[0]), np.stack([t.plo[l] for t in states])),
              np.minimum(np.minimum(sr[1], ia[1]), np.stack([t.phi[l] for t in states])))
        empty |= np.any(sr[0] > sr[1], axis=1)
        n = sr[0].shape[1]
        ends = P.sig.phi(sr[0]), P.sig.phi(sr[1])
        a, ol, ou = _chord(P.sig, *sr, ends)
        Ay, ylo, yhi = _scale(a, *s, xabs)
        yf = (Ay, down(ylo + ol), up(yhi + ou))
        yf, col = (yf, col) if last else (_noise(yf, col), col + n)
        yfr = _range(*yf, xlo, xhi)
        ylo_i, yhi_i = np.maximum(yfr[0], ends[0][0]), np.minimum(yfr[1], ends[1][1])
        failed = np.stack([t.status[l] for t in states]) == FAILED
        A_e, elo, ehi = np.zeros((B, n, d)), np.zeros((B, n)), np.zeros((B, n))
        exact_lo, exact_hi = np.full((B, n), -np.inf), np.full((B, n), np.inf)
        if e is not None:
            dA, dlo, dhi = _lin(W, *e, *er, xabs)
            dr = _range(dA, dlo, dhi, xlo, xhi)
            ia = _affine(W, (0.0, 0.0), *er)
            dr = (np.maximum(dr[0], ia[0]), np.minimum(dr[1], ia[1]))
            cands, prefer = [], []  # prefer: a form tied to x and the offsets' symbols is
            # kept unless its range is over 1 / prefer times as wide as the narrowest
            if "interval" in forms:
                exact_lo, exact_hi = P.sig.diff_range(*sr, *dr)
                cands.append((np.zeros((B, n, d)), exact_lo, exact_hi))
                prefer.append(1.0)
            s2 = _add(s, (dA, dlo, dhi), xabs)  # s' = s + d
            a2, ol2, ou2 = _chord(P.sig, *_range(*s2, xlo, xhi))
            y2 = _scale(a2, *s2, xabs)
            if "chords" in forms:  # both outputs by chords: e = y' - y
                y2c = (y2[0], down(y2[1] + ol2), up(y2[2] + ou2))
                cands.append(_add(y2c, (-yf[0], -yf[2], -yf[1]), xabs))
                prefer.append(0.5)
            if "coupled" in forms:  # a2 s' - a s + both offsets bounded together
                oc = _coupled(P.sig, sr, dr, a, a2)
                f = _add(y2, (-Ay, -yhi, -ylo), xabs)  # - a s
                cands.append((f[0], down(f[1] + oc[0]), up(f[2] + oc[1])))
                prefer.append(COUPLED)
            ranges = [_range(*c, xlo, xhi) for c in cands]
            with np.errstate(all="ignore"):
                widths = np.array([hi - lo for lo, hi in ranges])
            widths[~np.isfinite(widths)] = np.inf
            widths *= np.array(prefer)[:, None, None]
            pick = np.argmin(widths, axis=0)
            for k, c in enumerate(cands):
                rows = ~failed & (pick == k)
                A_e[rows], elo[rows], ehi[rows] = c[0][rows], c[1][rows], c[2][rows]
        ulo = -1.0 if states[0].ulo is None else np.stack([t.ulo[l] for t in states])
        uhi = 1.0 if states[0].uhi is None else np.stack([t.uhi[l] for t in states])
        flo, fhi = _failed(P, ylo_i, yhi_i, ulo, uhi)
        exact_lo, exact_hi = np.where(failed, flo, exact_lo), np.where(failed, fhi, exact_hi)
        if P.fixed is not None:  # e = v - y
            A_e[failed], elo[failed], ehi[failed] = (-yf[0][failed],
                                                     down(P.fixed[0] - yf[2][failed]),
                                                     up(P.fixed[1] - yf[1][failed]))
        else:
            clo, chi = mul_interval(P.C[0], P.C[1], ulo, uhi)
            clo, chi = np.broadcast_to(clo, (B, n)), np.broadcast_to(chi, (B, n))
            if P.model.tracks_nominal:  # e = C u
                A_e[failed], elo[failed], ehi[failed] = 0.0, clo[failed], chi[failed]
            else:  # e = C u - y
                A_e[failed], elo[failed], ehi[failed] = (-yf[0][failed],
                                                         down(clo[failed] - yf[2][failed]),
                                                         up(chi[failed] - yf[1][failed]))
        e, col = ((A_e, elo, ehi), col) if last else (_noise((A_e, elo, ehi), col), col + n)
        er = _range(*e, xlo, xhi)
        er = (np.maximum(er[0], exact_lo), np.minimum(er[1], exact_hi))
        y, yr = yf, (ylo_i, yhi_i)
    A, lo, hi = _lin(P.Wout, *e, *er, xabs)
    olo, ohi = _range(A, lo, hi, xlo, xhi)
    with np.errstate(all="ignore"):
        worst = np.maximum(ohi[:, P.outputs], -olo[:, P.outputs]).max(axis=1)
    return np.where(empty, 0.0, np.where(np.isnan(worst), np.inf, worst))
