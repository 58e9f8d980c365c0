"""Rigorous (outward-rounded) forward passes for the classifier claims.

Soundness argument, once:

* **Weights.**  Each exact rational weight w is held as the nearest float w~ with
  |w - w~| <= ulp(w~) (``numpy.spacing``; rounding to nearest errs by half of it).
* **Affine maps.**  Activations are intervals [lo, hi] of floats, held as a midpoint m
  and a radius r >= the distance of every point of the interval to m (r rounded up).
  For s = sum_i w_i y_i + b with y_i in [m_i - r_i, m_i + r_i]:
  ``s - fl(sum w~_i m_i + b~) = sum w~_i (y_i - m_i) + sum (w_i - w~_i) y_i + (b - b~)
  + (float error of the computed sum)``.  The float error of any summation order of the
  n + 1 terms (BLAS blocking and FMA included) is at most g(n+1) sum |w~_i m_i| + |b~|,
  g(k) = k u / (1 - k u), u = 2^-53 (Higham, *Accuracy and Stability of Numerical
  Algorithms*, 2nd ed., section 3.1).  The other terms are at most
  sum |w~_i| r_i and sum ulp(w~_i) (|m_i| + r_i) + ulp(b~).  Every one of these sums has
  non-negative terms, so its computed value is at least (1 - g(n+1)) times the exact one;
  the radius computed below multiplies by 1 + 4 (n + 3) u and adds (n + 2) 1e-300 (the
  absolute error of products that underflow), which covers those factors and the few
  roundings of the radius formula itself for every n < 2^40.  The interval is then
  [down(mid - R), up(mid + R)].
* **Activations.**  phi (logistic sigmoid(4Kx) or tanh(Kx), K > 0) is increasing, so
  phi([lo, hi]) = [phi(lo), phi(hi)]; each end is evaluated in ball arithmetic
  (python-flint ``arb``, proved error bounds) and rounded outward to a float
  (:func:`fepproof.certificate.rigor.lower` / ``upper``).
* **Failed neurons** replace their interval by the interval of what they may send: the
  exact fixed value (crash, stuck-at) enclosed by two floats, or the nominal interval
  widened by C (Byzantine, deviation reading), or [-C, C] (value reading); for a fixed
  parameter u the value nominal + C u (resp. C u) is enclosed the same way.

So every margin interval computed here contains the exact margin of the network given
by its rational weights.  A set is decided only when its interval excludes 0; the
others are re-evaluated in ball arithmetic at 256 bits (:func:`arb_margins`).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from flint import arb, ctx, fmpq

from ..certificate.rigor import down, frac_interval, lower, mul_interval, sum_up, up, upper
from ..failures import CapacityReading, FailureModel
from ..network import Network
from ..sigmoid_form import sigmoid_form

__all__ = ["RigorNet", "combos", "n_sets", "set_of_index"]

U = 2.0 ** -53
TINY = 1e-300


def combos(n: int, f: int) -> np.ndarray:
    """All f-subsets of range(n) as an (C(n, f), f) int array, lexicographic order."""
    if f == 0:
        return np.zeros((1, 0), dtype=np.int64)
    return np.array(list(itertools.combinations(range(n), f)), dtype=np.int64)


def n_sets(widths: Sequence[int], failures: Sequence[int]) -> int:
    """How many failure sets with ``failures[l]`` failed neurons in layer l there are."""
    return math.prod(math.comb(n, f) for n, f in zip(widths, failures, strict=True))


def set_of_index(widths: Sequence[int], failures: Sequence[int], s: int
                 ) -> tuple[tuple[int, ...], ...]:
    """The failure set number ``s`` in the enumeration order (layer 1 most significant,
    each layer's subsets in lexicographic order)."""
    sizes = [math.comb(n, f) for n, f in zip(widths, failures, strict=True)]
    digits = []
    for size in reversed(sizes):
        digits.append(s % size)
        s //= size
    digits.reverse()
    out = []
    for n, f, d in zip(widths, failures, digits, strict=True):
        # unrank the d-th f-subset of range(n) (lexicographic)
        chosen, start = [], 0
        for k in range(f, 0, -1):
            for i in range(start, n):
                c = math.comb(n - i - 1, k - 1)
                if d < c:
                    chosen.append(i)
                    start = i + 1
                    break
                d -= c
        out.append(tuple(chosen))
    return tuple(out)


def _affine_parts(W: Sequence[Sequence[Fraction]], b: Sequence[Fraction]):
    Wf = np.array([[float(w) for w in row] for row in W], dtype=np.float64)
    bf = np.array([float(v) for v in b], dtype=np.float64)
    return (Wf, np.abs(Wf), np.spacing(np.abs(Wf)), bf, np.abs(bf),
            np.spacing(np.abs(bf)))


class RigorNet:
    """A network prepared for rigorous interval forward passes (module docstring)."""

    def __init__(self, net: Network):
        self.net = net
        self.hidden = [_affine_parts(layer.weights, layer.bias) for layer in net.layers]
        self._margin: dict[int, tuple] = {}
        act = net.activation
        self._tanh = act.name == "tanh"
        self._k = arb(fmpq(act.K.numerator, act.K.denominator))
        self._t = 4 * self._k
        self._memo: dict[float, tuple[float, float]] = {}
        self._arb_weights: list | None = None

    @functools.cached_property
    def form(self) -> Network:
        """The network's exact sigmoid form (itself for a logistic network), rewritten
        once for the many points of a report."""
        return sigmoid_form(self.net)

    # ---- affine maps and activations --------------------------------------------
    @staticmethod
    def affine(lo: np.ndarray, hi: np.ndarray, parts) -> tuple[np.ndarray, np.ndarray]:
        """Enclosure of W y + b for every y in [lo, hi] (rows of lo/hi: batch)."""
        Wf, Wabs, Wrad, bf, babs, brad = parts
        n = Wf.shape[1]
        with np.errstate(over="ignore", invalid="ignore"):
            m = 0.5 * (lo + hi)
            r = up(np.maximum(hi - m, m - lo))
            mid = m @ Wf.T + bf
            am = np.abs(m)
            t1 = am @ Wabs.T + babs
            t2 = r @ Wabs.T
            t3 = (am + r) @ Wrad.T + brad
            R = up((t1 * (2.0 * (n + 2) * U) + t2 + t3) * (1.0 + 4.0 * (n + 3) * U)
                   + (n + 2) * TINY)
            slo, shi = down(mid - R), up(mid + R)
        bad = ~(np.isfinite(slo) & np.isfinite(shi))
        if bad.any():
            slo = np.where(bad, -np.inf, slo)
            shi = np.where(bad, np.inf, shi)
        return slo, shi

    def _phi_ball(self, x: float) -> arb:
        if self._tanh:
            return (self._k * arb(x)).tanh()
        return 1 / (1 + (-(self._t * arb(x))).exp())

    def _phi(self, x: float) -> tuple[float, float]:
        hit = self._memo.get(x)
        if hit is None:
            if math.isinf(x):
                v = 1.0 if x > 0 else (-1.0 if self._tanh else 0.0)
                hit = (v, v)
            else:
                old = ctx.prec
                ctx.prec = 80
                try:
                    ball = self._phi_ball(x)
                finally:
                    ctx.prec = old
                hit = (lower(ball), upper(ball))
            if len(self._memo) > 2_000_000:
                self._memo.clear()
            self._memo[x] = hit
        return hit

    def activate(self, slo: np.ndarray, shi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Enclosure of phi over [slo, shi] (phi increasing), elementwise."""
        phi = self._phi
        lo = np.fromiter((phi(float(v))[0] for v in slo.ravel()), np.float64,
                         slo.size).reshape(slo.shape)
        hi = np.fromiter((phi(float(v))[1] for v in shi.ravel()), np.float64,
                         shi.size).reshape(shi.shape)
        return lo, hi

    def margin_parts(self, c: int):
        """Affine parts of the exact margins F_c - F_k, k != c (in increasing k)."""
        hit = self._margin.get(c)
        if hit is None:
            out = self.net.output
            rows = [tuple(a - b for a, b in zip(out.weights[c], out.weights[k], strict=True))
                    for k in range(out.n_out) if k != c]
            bias = [out.bias[c] - out.bias[k] for k in range(out.n_out) if k != c]
            hit = self._margin[c] = _affine_parts(rows, bias)
        return hit

    # ---- failed neurons --------------------------------------------------------------
    @staticmethod
    def sent_interval(model: FailureModel, lo: np.ndarray, hi: np.ndarray,
                      u: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Enclosure of what a failed neuron with nominal output in [lo, hi] sends: the
        model's fixed value; with ``u`` the value nominal + C u (deviation) or C u
        (value); without ``u`` every value the model allows."""
        fixed = model.fixed_value
        if fixed is not None:
            a, b = frac_interval(fixed)
            return np.full(lo.shape, a), np.full(hi.shape, b)
        clo, chi = frac_interval(model.C)
        if u is None:
            if model.reading is CapacityReading.DEVIATION:
                return down(lo - chi), up(hi + chi)
            return np.full(lo.shape, -chi), np.full(hi.shape, chi)
        u = np.asarray(u, dtype=np.float64)
        dlo = np.minimum(down(clo * u), down(chi * u))
        dhi = np.maximum(up(clo * u), up(chi * u))
        if model.reading is CapacityReading.DEVIATION:
            return down(lo + dlo), up(hi + dhi)
        return np.broadcast_to(dlo, lo.shape).copy(), np.broadcast_to(dhi, hi.shape).copy()

    # ---- forward passes ------------------------------------------------------------
    def nominal_layers(self, xlo: np.ndarray, xhi: np.ndarray) -> list[tuple]:
        """Enclosures of every hidden layer's nominal outputs over the input box(es)."""
        out = []
        lo, hi = np.atleast_2d(xlo), np.atleast_2d(xhi)
        for parts in self.hidden:
            lo, hi = self.activate(*self.affine(lo, hi, parts))
            out.append((lo, hi))
        return out

    def margins_enumerated(self, xlo: np.ndarray, xhi: np.ndarray, c: int,
                           failures: Sequence[int], model: FailureModel,
                           batch: int = 65536) -> tuple[np.ndarray, np.ndarray]:
        """Enclosures (S, M - 1) of the margins F'_c - F'_k over the input box [xlo, xhi]
        for every failure set (order of :func:`set_of_index`); failed neurons send
        anything the model allows (fixed models: their value)."""
        lo, hi = np.atleast_2d(np.asarray(xlo, dtype=np.float64)), \
            np.atleast_2d(np.asarray(xhi, dtype=np.float64))
        need_nominal = model.fixed_value is None and model.reading is \
            CapacityReading.DEVIATION
        nom_lo, nom_hi = lo, hi
        for parts, n, f in zip(self.hidden, self.net.widths, failures, strict=True):
            lo, hi = self.activate(*self.affine(lo, hi, parts))
            if need_nominal:
                nom_lo, nom_hi = self.activate(*self.affine(nom_lo, nom_hi, parts))
            if f == 0:
                continue
            cs = combos(n, f)
            mask = np.zeros((len(cs), n), dtype=bool)
            np.put_along_axis(mask, cs, True, axis=1)
            P = lo.shape[0]
            mask = np.tile(mask, (P, 1))
            lo, hi = np.repeat(lo, len(cs), axis=0), np.repeat(hi, len(cs), axis=0)
            if need_nominal:
                nlo = np.repeat(nom_lo, len(cs), axis=0) if nom_lo.shape[0] > 1 else nom_lo
                nhi = np.repeat(nom_hi, len(cs), axis=0) if nom_hi.shape[0] > 1 else nom_hi
                slo, shi = self.sent_interval(model, np.broadcast_to(nlo, lo.shape),
                                              np.broadcast_to(nhi, hi.shape))
                # keep the nominal enclosure (one row: it does not depend on failures)
            else:
                slo, shi = self.sent_interval(model, lo, hi)
            lo, hi = np.where(mask, slo, lo), np.where(mask, shi, hi)
        parts = self.margin_parts(c)
        S = lo.shape[0]
        mlo = np.empty((S, parts[0].shape[0]))
        mhi = np.empty_like(mlo)
        for a in range(0, S, batch):
            mlo[a:a + batch], mhi[a:a + batch] = self.affine(lo[a:a + batch],
                                                             hi[a:a + batch], parts)
        return mlo, mhi

    def margins_fixed_set(self, X: np.ndarray, classes: np.ndarray,
                          failed: Sequence[Sequence[int]], model: FailureModel,
                          u: Sequence[Sequence[float]] | None = None,
                          radius: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Enclosures (n, M - 1) of each point's margins F'_c - F'_k (c = ``classes``)
        under one failure set (with parameters ``u`` for Byzantine values; without them,
        every allowed value)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        xlo, xhi = X, X
        if radius > 0:
            xlo, xhi = down(X - radius), up(X + radius)
        lo, hi, nlo, nhi = xlo, xhi, xlo, xhi
        for l, parts in enumerate(self.hidden):
            lo, hi = self.activate(*self.affine(lo, hi, parts))
            nlo, nhi = self.activate(*self.affine(nlo, nhi, parts))
            idx = list(failed[l])
            if idx:
                ul = None if u is None else np.asarray(u[l], dtype=np.float64)
                slo, shi = self.sent_interval(model, nlo[:, idx], nhi[:, idx], ul)
                if model.fixed_value is not None or model.reading is CapacityReading.VALUE:
                    slo, shi = self.sent_interval(model, lo[:, idx], hi[:, idx], ul)
                lo, hi = lo.copy(), hi.copy()
                lo[:, idx], hi[:, idx] = slo, shi
        M = self.net.n_outputs
        mlo = np.empty((X.shape[0], M - 1))
        mhi = np.empty_like(mlo)
        for c in np.unique(classes):
            rows = classes == c
            mlo[rows], mhi[rows] = self.affine(lo[rows], hi[rows], self.margin_parts(int(c)))
        return mlo, mhi

    # ---- the mean-value form over a ball (fixed-value models) --------------------------
    def _dphi(self, slo: np.ndarray, shi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Enclosure of phi' over [slo, shi], elementwise: phi' is even and decreasing in
        |s| (sigmoid and tanh), so its minimum is at the end farther from 0 and its
        maximum at the point of the interval closest to 0 (ball arithmetic, outward)."""
        far = np.where(np.abs(slo) > np.abs(shi), slo, shi)
        near = np.clip(0.0, slo, shi)
        lo = np.fromiter((self._dphi1(float(v))[0] for v in far.ravel()), np.float64,
                         far.size).reshape(far.shape)
        hi = np.fromiter((self._dphi1(float(v))[1] for v in near.ravel()), np.float64,
                         near.size).reshape(near.shape)
        return np.maximum(lo, 0.0), hi

    def _dphi1(self, x: float) -> tuple[float, float]:
        key = ("d", x)
        hit = self._memo.get(key)  # type: ignore[call-overload]
        if hit is None:
            if math.isinf(x):
                hit = (0.0, 0.0)
            else:
                old = ctx.prec
                ctx.prec = 80
                try:
                    if self._tanh:
                        th = (self._k * arb(x)).tanh()
                        ball = self._k * (1 - th * th)
                    else:
                        sg = 1 / (1 + (-(self._t * arb(x))).exp())
                        ball = self._t * sg * (1 - sg)
                finally:
                    ctx.prec = old
                hit = (lower(ball), upper(ball))
            self._memo[key] = hit  # type: ignore[index]
        return hit

    def ball_margins_mvf(self, x: np.ndarray, radius: float, c: int,
                         failures: Sequence[int], model: FailureModel,
                         max_elems: int = 4_000_000) -> np.ndarray | None:
        """Lower bounds (S, M - 1) of the margins F'_c - F'_k over the ball of radius
        ``radius`` around x for every failure set of a fixed-value model, by the mean
        value form g(X) >= g(x) - radius * sum_i sup |dg/dx_i|: g(x) from the enclosure
        at x, the gradient enclosed by backward interval propagation with phi' enclosed
        over each pre-activation's interval over the ball (failed neurons send a
        constant, so their derivative is 0).  None when the arrays would be too large."""
        assert model.fixed_value is not None
        widths = self.net.widths
        S = n_sets(widths, failures)
        K = self.net.n_outputs - 1
        if S * K * max(max(widths), x.size) > max_elems:
            return None
        center_lo, _ = self.margins_enumerated(x, x, c, failures, model)
        xlo, xhi = down(x - radius), up(x + radius)
        lo, hi = np.atleast_2d(xlo), np.atleast_2d(xhi)
        dlist, masks = [], []
        for parts, n, f in zip(self.hidden, widths, failures, strict=True):
            slo, shi = self.affine(lo, hi, parts)
            dlist.append(self._dphi(slo, shi))     # (P_l, N_l): one row per prefix
            lo, hi = self.activate(slo, shi)
            cs = combos(n, f)
            mask = np.zeros((len(cs), n), dtype=bool)
            np.put_along_axis(mask, cs, True, axis=1)
            masks.append(mask)
            if f:
                P = lo.shape[0]
                m = np.tile(mask, (P, 1))
                v = frac_interval(model.fixed_value)
                lo = np.where(m, v[0], np.repeat(lo, len(cs), axis=0))
                hi = np.where(m, v[1], np.repeat(hi, len(cs), axis=0))
        sizes = [len(m) for m in masks]
        Wm = self.margin_parts(c)[0]
        glo = np.broadcast_to(Wm, (S,) + Wm.shape).copy()
        ghi = glo.copy()
        rad = np.spacing(np.abs(self.margin_parts(c)[0]))
        glo, ghi = down(glo - rad), up(ghi + rad)
        for l in range(len(widths) - 1, -1, -1):
            below = math.prod(sizes[l + 1:])
            dlo, dhi = dlist[l]
            dlo = np.repeat(dlo, sizes[l] * below, axis=0)[:, None, :]
            dhi = np.repeat(dhi, sizes[l] * below, axis=0)[:, None, :]
            glo, ghi = mul_interval(glo, ghi, dlo, dhi)
            failed = np.repeat(np.tile(masks[l], (S // (sizes[l] * below), 1)), below,
                               axis=0)[:, None, :]
            glo, ghi = np.where(failed, 0.0, glo), np.where(failed, 0.0, ghi)
            parts_t = self._transposed(l)
            n_in = parts_t[0].shape[0]
            a, b = self.affine(glo.reshape(-1, glo.shape[-1]), ghi.reshape(-1, ghi.shape[-1]),
                               parts_t)
            glo, ghi = a.reshape(S, K, n_in), b.reshape(S, K, n_in)
        sup = np.maximum(np.abs(glo), np.abs(ghi))
        bound = up(sum_up(sup, axis=-1) * radius)
        return down(center_lo - bound)

    def box_margins_one_set(self, mid: np.ndarray, rad: np.ndarray, c: int,
                            failed: Sequence[Sequence[int]], model: FailureModel
                            ) -> tuple[np.ndarray, np.ndarray]:
        """Lower bounds (B, M - 1) of the margins under one fixed-value failure set over
        the boxes [mid - rad, mid + rad] (rows), the larger of the interval bound and the
        mean-value form; and the per-dimension terms sup |dg/dx_i| rad_i (B, M - 1, d)
        that say where to split."""
        assert model.fixed_value is not None
        v = frac_interval(model.fixed_value)
        B = mid.shape[0]
        xlo, xhi = down(mid - rad), up(mid + rad)
        lo, hi, clo, chi = xlo, xhi, mid, mid
        ds = []
        for l, parts in enumerate(self.hidden):
            slo, shi = self.affine(lo, hi, parts)
            ds.append(self._dphi(slo, shi))
            lo, hi = self.activate(slo, shi)
            clo, chi = self.activate(*self.affine(clo, chi, parts))
            idx = list(failed[l])
            if idx:
                for arr, val in ((lo, v[0]), (hi, v[1]), (clo, v[0]), (chi, v[1])):
                    arr[:, idx] = val
        parts = self.margin_parts(c)
        naive_lo, _ = self.affine(lo, hi, parts)
        center_lo, _ = self.affine(clo, chi, parts)
        Wm = parts[0]
        K = Wm.shape[0]
        glo = np.broadcast_to(down(Wm - np.spacing(np.abs(Wm))), (B,) + Wm.shape).copy()
        ghi = np.broadcast_to(up(Wm + np.spacing(np.abs(Wm))), (B,) + Wm.shape).copy()
        for l in range(len(self.hidden) - 1, -1, -1):
            dlo, dhi = ds[l]
            glo, ghi = mul_interval(glo, ghi, dlo[:, None, :], dhi[:, None, :])
            idx = list(failed[l])
            if idx:
                glo[:, :, idx] = 0.0
                ghi[:, :, idx] = 0.0
            pt = self._transposed(l)
            n_in = pt[0].shape[0]
            a, b = self.affine(glo.reshape(-1, glo.shape[-1]), ghi.reshape(-1, ghi.shape[-1]),
                               pt)
            glo, ghi = a.reshape(B, K, n_in), b.reshape(B, K, n_in)
        terms = up(np.maximum(np.abs(glo), np.abs(ghi)) * rad[:, None, :])
        mvf = down(center_lo - sum_up(terms, axis=-1))
        return np.maximum(naive_lo, mvf), terms

    def prove_set_over_box(self, x: np.ndarray, radius: float, c: int,
                           failed: Sequence[Sequence[int]], model: FailureModel,
                           deadline: float, max_boxes: int = 20_000) -> bool:
        """True when every margin under the fixed-value set ``failed`` is proved > 0 over
        the ball of radius ``radius`` around x, by bisecting the ball (the dimension with
        the largest mean-value term first); False when out of boxes or time."""
        import time as _time
        d = x.size
        mids = [np.asarray(x, dtype=np.float64)]
        rads = [np.full(d, float(radius))]
        used = 0
        while mids:
            if _time.monotonic() > deadline or used > max_boxes:
                return False
            mid, rad = np.array(mids[:64]), np.array(rads[:64])
            del mids[:64], rads[:64]
            used += len(mid)
            low, terms = self.box_margins_one_set(mid, rad, c, failed, model)
            for b in np.flatnonzero(~(low > 0).all(axis=1)):
                k = int(np.argmin(low[b]))
                i = int(np.argmax(terms[b, k]))
                half = rad[b, i] / 2
                for sgn in (-1.0, 1.0):
                    m = mid[b].copy()
                    m[i] = m[i] + sgn * half
                    r = rad[b].copy()
                    r[i] = up(half + 2 * np.spacing(abs(m[i]) + half))
                    mids.append(m)
                    rads.append(r)
        return True

    def _transposed(self, l: int):
        key = ("T", l)
        hit = self._margin.get(key)  # type: ignore[call-overload]
        if hit is None:
            W = self.net.layers[l].weights
            cols = list(zip(*W))
            hit = _affine_parts(cols, [Fraction(0)] * len(cols))
            self._margin[key] = hit  # type: ignore[index]
        return hit

    # ---- ball arithmetic for undecided sets -------------------------------------------
    def arb_margins(self, x: Sequence[float], c: int, failed: Sequence[Sequence[int]],
                    model: FailureModel, prec: int = 256) -> list[arb]:
        """Balls containing the exact margins F'_c - F'_k (k != c) at the float input
        ``x`` with the fixed-value failure set ``failed`` (crash, stuck-at)."""
        fixed = model.fixed_value
        assert fixed is not None
        old = ctx.prec
        ctx.prec = prec
        try:
            if self._arb_weights is None or self._arb_weights[0] != prec:
                def conv(layer):
                    return ([[arb(fmpq(w.numerator, w.denominator)) for w in row]
                             for row in layer.weights],
                            [arb(fmpq(b.numerator, b.denominator)) for b in layer.bias])
                self._arb_weights = (prec, [conv(layer) for layer in self.net.layers],
                                     conv(self.net.output))
            _, hidden, (Wo, bo) = self._arb_weights
            v = arb(fmpq(fixed.numerator, fixed.denominator))
            y = [arb(float(t)) for t in x]
            for l, (W, b) in enumerate(hidden):
                s = [sum((w * yi for w, yi in zip(row, y)), bj) for row, bj in zip(W, b)]
                y = [self._phi_ball_prec(t) for t in s]
                for j in failed[l]:
                    y[j] = v
            out = [sum((w * yi for w, yi in zip(row, y)), bj) for row, bj in zip(Wo, bo)]
            return [out[c] - out[k] for k in range(len(out)) if k != c]
        finally:
            ctx.prec = old

    def _phi_ball_prec(self, s: arb) -> arb:
        if self._tanh:
            return (self._k * s).tanh()
        return 1 / (1 + (-(self._t * s)).exp())

    def arb_nominal_margins(self, x: Sequence[float], c: int, prec: int = 256) -> list[arb]:
        """Balls containing the nominal margins F_c - F_k at ``x``."""
        none: tuple[tuple[int, ...], ...] = tuple(() for _ in self.net.widths)
        return self.arb_margins(x, c, none, FailureModel.crash(), prec)
