"""A tighter leaf bound for leaves whose failure set is decided: linear forms.

Every quantity q of both copies (nominal pre-activations s and outputs y, differences
d = W e and e = y' - y) is kept as ``q in A z + [lo, hi]`` where z = (x, eps): the input
x ranges over the leaf's box and each eps_k over [-1, 1].  Every relaxation below adds
its offset as a fresh symbol eps_k (one per neuron and relaxation; :func:`_noise`)
instead of an interval, so offsets that later sums weigh with opposite signs cancel, as
in a back-substituted (CROWN-style) bound; only rounding errors go to [lo, hi]:

* sums ``W q + b``: A' = fl(W_lo A); the constant collects W_lo's interval product with
  [lo, hi], the weight enclosures' width times q's range, and the product's rounding
  (at most 4 (n + 2) u |W_lo| |A| |z|, Higham's bound for a matrix product, doubled for
  computing the bound itself);
* y = phi(s): one slope a (the chord of phi over the range of s) with offsets
  ``phi(s) - a s in [ol, ou]`` on that range, computed in ball arithmetic at the range's
  ends and at the points where phi' = a (the only interior extremes);
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

import math

import numpy as np
from flint import arb, ctx

from .bound import FAILED, Enclosed, LeafState, _affine, _failed
from .rigor import PREC, U, down, down1, lower, mul_interval, sum_down, sum_up, up, up1, upper

__all__ = ["symbolic_bound"]


def _range(A, lo, hi, xlo, xhi):
    tlo, thi = mul_interval(A, A, xlo[None, :], xhi[None, :])
    return down(sum_down(tlo, axis=1) + lo), up(sum_up(thi, axis=1) + hi)


def _lin(W, A, lo, hi, qlo, qhi, xabs):
    """W q for q(x) in A x + [lo, hi] with range [qlo, qhi]; W = (W_lo, W_hi)."""
    Wm = W[0]
    with np.errstate(all="ignore"):
        A2 = Wm @ A
        g = up(4.0 * (Wm.shape[1] + A.shape[1] + 2) * U)
        err = up(g * up((np.abs(Wm) @ np.abs(A)) @ xabs))
    clo, chi = mul_interval(Wm, Wm, lo[None, :], hi[None, :])
    rlo, rhi = mul_interval(np.zeros_like(Wm), up(W[1] - Wm), qlo[None, :], qhi[None, :])
    lo2 = down(down(sum_down(clo, axis=1) + sum_down(rlo, axis=1)) - err)
    hi2 = up(up(sum_up(chi, axis=1) + sum_up(rhi, axis=1)) + err)
    return A2, lo2, hi2


def _scale(a, A, lo, hi, xabs):
    """a q elementwise (a a float vector) for q(x) in A x + [lo, hi]."""
    with np.errstate(all="ignore"):
        A2 = a[:, None] * A
        err = up(up(4.0 * (A.shape[1] + 2) * U) * up(np.abs(A2) @ xabs))
    clo, chi = mul_interval(a, a, lo, hi)
    return A2, down(clo - err), up(chi + err)


def _add(f1, f2, xabs):
    """f1 + f2 (forms (A, lo, hi)), the coefficients' rounding moved to the constant."""
    with np.errstate(all="ignore"):
        A = f1[0] + f2[0]
        err = up(up(4.0 * U) * up(np.abs(A) @ xabs))
    return A, down(down(f1[1] + f2[1]) - err), up(up(f1[2] + f2[2]) + err)


def _chord(sig, l: float, u: float) -> tuple[float, float, float]:
    """(a, ol, ou): phi(s) - a s in [ol, ou] for every s in [l, u].

    phi(s) - a s is extreme at l, at u, or where phi'(s) = a: sigma(t s) = q or 1 - q
    with q (1 - q) = a / t, i.e. at s = z or -z, z = logit(q) / t < 0, where its value is
    q - a z or 1 - q + a z (in ball arithmetic; a point whose ball meets [l, u] counts,
    and an extra value only widens the offsets)."""
    pl, pu = sig.phi(l), sig.phi(u)
    if not (u - l > 1e-12 * (1 + abs(l)) and math.isfinite(u - l)):  # phi rises: a flat line
        return 0.0, pl[0], pu[1]
    a = (pu[0] - pl[0]) / (u - l)
    a = float(a) if np.isfinite(a) and a > 0 else 0.0
    # at the ends: the enclosure of phi minus a s (one correctly rounded product)
    ol = min(down1(pl[0] - up1(a * l)), down1(pu[0] - up1(a * u)))
    ou = max(up1(pl[1] - down1(a * l)), up1(pu[1] - down1(a * u)))
    old = ctx.prec
    ctx.prec = PREC
    try:
        A = arb(a)
        r2 = 1 - 4 * A / sig.t
        vals, whole = [], a > 0 and not r2 < 0 and not r2 > 0  # r2's sign unknown
        if a > 0 and r2 > 0:
            q = (2 * A / sig.t) / (1 + r2.sqrt())  # (1 - sqrt(1 - 4a/t)) / 2, no cancellation
            z = (q.log() - (-q).log1p()) / sig.t
            whole = not z.is_finite()
            vals = [v for c, v in ((z, q - A * z), (-z, 1 - q + A * z))
                    if c.upper() >= l and c.lower() <= u]
    finally:
        ctx.prec = old
    if whole:  # the extremes not located: phi rises, so phi(l) - a u <= phi(s) - a s
        ol, ou = min(ol, down1(pl[0] - up1(a * u))), max(ou, up1(pu[1] - down1(a * l)))
    ol, ou = min([ol] + [lower(v) for v in vals]), max([ou] + [upper(v) for v in vals])
    if not (np.isfinite(ol) and np.isfinite(ou)):  # a ball lost every digit: a flat line
        return 0.0, pl[0], pu[1]
    return a, ol, ou


def _noise(f, col: int):
    """The form f = A x + [lo, hi] rewritten A x + R eps + c with fresh symbols eps in
    [-1, 1] (columns col, col + 1, ...): c = fl((lo + hi) / 2), R = diag(r) with
    r >= max(hi - c, c - lo), so every value of the form is still taken.  Offsets kept as
    symbols cancel where later sums combine them with opposite signs (as the back-
    substituted bound does), instead of adding up in absolute value."""
    A, lo, hi = f
    n = lo.shape[0]
    with np.errstate(all="ignore"):
        c = 0.5 * lo + 0.5 * hi
        r = np.maximum(up(hi - c), up(c - lo))
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(r))):
        return f
    A = A.copy()
    A[np.arange(n), col + np.arange(n)] = r
    return A, c, c.copy()


FORMS = ("interval", "chords")


def symbolic_bound(P: Enclosed, st: LeafState, forms: tuple[str, ...] = FORMS) -> float:
    """An upper bound of max |F_k - F_S,k| on a leaf whose failure set is decided (every
    neuron FAILED or OK); +inf when the arithmetic overflowed.  ``forms``: which forms of a
    correct neuron's difference to choose from (all by default; fewer only in tests)."""
    d0 = st.lo.shape[0]
    d = d0 + 2 * sum(W[0].shape[0] for W in P.Ws)  # the inputs, two symbols per neuron
    xlo = np.concatenate([st.lo, -np.ones(d - d0)])
    xhi = np.concatenate([st.hi, np.ones(d - d0)])
    xabs = np.maximum(np.abs(xlo), np.abs(xhi))
    y = (np.eye(d0, d), np.zeros(d0), np.zeros(d0))
    col = d0
    yr = (st.lo, st.hi)
    e = er = None
    for l in range(len(P.Ws)):
        W, b = P.Ws[l], P.bs[l]
        A, slo, shi = _lin(W, *y, *yr, xabs)
        s = (A, down(slo + b[0]), up(shi + b[1]))
        sr = _range(*s, xlo, xhi)
        ia = _affine(W, b, *yr)
        sr = (np.maximum(np.maximum(sr[0], ia[0]), st.plo[l]),
              np.minimum(np.minimum(sr[1], ia[1]), st.phi[l]))
        if np.any(sr[0] > sr[1]):
            return 0.0
        n = sr[0].shape[0]
        chords = [_chord(P.sig, float(a), float(c)) for a, c in zip(*sr)]
        a = np.array([c[0] for c in chords])
        Ay, ylo, yhi = _scale(a, *s, xabs)
        yf = _noise((Ay, down(ylo + np.array([c[1] for c in chords])),
                     up(yhi + np.array([c[2] for c in chords]))), col)
        col += n
        yfr = _range(*yf, xlo, xhi)
        ylo_i, yhi_i = (np.maximum(yfr[0], [P.sig.phi(float(v))[0] for v in sr[0]]),
                        np.minimum(yfr[1], [P.sig.phi(float(v))[1] for v in sr[1]]))
        status = st.status[l]
        A_e, elo, ehi = np.zeros((n, d)), np.zeros(n), np.zeros(n)
        exact_lo, exact_hi = np.full(n, -np.inf), np.full(n, np.inf)
        if e is not None:
            dA, dlo, dhi = _lin(W, *e, *er, xabs)
            dr = _range(dA, dlo, dhi, xlo, xhi)
            ia = _affine(W, (0.0, 0.0), *er)
            dr = (np.maximum(dr[0], ia[0]), np.minimum(dr[1], ia[1]))
            okj = np.flatnonzero(status != FAILED)
            cands = []
            if "interval" in forms:
                for j in okj:
                    exact_lo[j], exact_hi[j] = P.sig.diff_range(
                        float(sr[0][j]), float(sr[1][j]), float(dr[0][j]), float(dr[1][j]))
                cands.append((np.zeros((n, d)), exact_lo.copy(), exact_hi.copy()))
            hl = down(sr[0] + np.minimum(dr[0], 0.0))
            hu = up(sr[1] + np.maximum(dr[1], 0.0))
            finite = np.all(np.isfinite(hl)) and np.all(np.isfinite(hu))
            if finite and "chords" in forms:
                # both outputs by chords: e = y' - y, s' = s + d
                s2 = _add(s, (dA, dlo, dhi), xabs)
                s2r = _range(*s2, xlo, xhi)
                ch = np.array([_chord(P.sig, float(a), float(b)) for a, b in zip(*s2r)])
                y2 = _scale(ch[:, 0], *s2, xabs)
                y2 = (y2[0], down(y2[1] + ch[:, 1]), up(y2[2] + ch[:, 2]))
                cands.append(_add(y2, (-yf[0], -yf[2], -yf[1]), xabs))
            if not cands:
                return np.inf
            ranges = [_range(*c, xlo, xhi) for c in cands]
            widths = np.array([hi - lo for lo, hi in ranges])
            widths[~np.isfinite(widths)] = np.inf
            if finite and "chords" in forms:  # the chords' form (the last), tied to x and
                widths[-1] /= 2  # the offsets' symbols: kept unless over twice as wide
            pick = np.argmin(widths, axis=0)
            for k, c in enumerate(cands):
                rows = okj[pick[okj] == k]
                A_e[rows], elo[rows], ehi[rows] = c[0][rows], c[1][rows], c[2][rows]
        for j in np.flatnonzero(status == FAILED):
            exact_lo[j], exact_hi[j] = _failed(
                P, ylo_i[j], yhi_i[j], -1.0 if st.ulo is None else st.ulo[l][j],
                1.0 if st.uhi is None else st.uhi[l][j])
            if P.fixed is not None:  # e = v - y
                A_e[j], elo[j], ehi[j] = -yf[0][j], down(P.fixed[0] - yf[2][j]), \
                    up(P.fixed[1] - yf[1][j])
                continue
            ulo = -1.0 if st.ulo is None else st.ulo[l][j]
            uhi = 1.0 if st.uhi is None else st.uhi[l][j]
            clo, chi = mul_interval(P.C[0], P.C[1], ulo, uhi)
            if P.model.tracks_nominal:  # e = C u
                elo[j], ehi[j] = clo, chi
            else:  # e = C u - y
                A_e[j], elo[j], ehi[j] = -yf[0][j], down(clo - yf[2][j]), up(chi - yf[1][j])
        e = _noise((A_e, elo, ehi), col)
        col += n
        er = _range(*e, xlo, xhi)
        er = (np.maximum(er[0], exact_lo), np.minimum(er[1], exact_hi))
        y, yr = yf, (ylo_i, yhi_i)
    A, lo, hi = _lin(P.Wout, *e, *er, xabs)
    olo, ohi = _range(A, lo, hi, xlo, xhi)
    worst = max(max(float(ohi[k]), float(-olo[k])) for k in P.outputs)
    return np.inf if worst != worst else worst
