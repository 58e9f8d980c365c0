"""Outward-rounded arithmetic for the certificate checker: every result encloses the exact one.

The soundness argument, once (the rest of the checker only calls these helpers):

* **Elementary float operations.**  IEEE 754 float64 ``+ - *`` (numpy's elementwise
  operations) are correctly rounded: the exact result r of one operation on floats lies
  within one ulp of the computed value c, so ``down(c) <= r <= up(c)`` where ``down`` and
  ``up`` step one float toward -inf / +inf (:func:`numpy.nextafter`; :func:`math.nextafter`
  for the ends of a ball).  Overflow gives
  +-inf, which stays a valid bound on its side; a NaN (inf - inf, 0 * inf) makes the
  bound unusable and is reported as +inf by :func:`bound_or_inf`.
* **Sums.**  For any order of pairwise additions (numpy's pairwise and SIMD summation
  included), the computed sum S of n floats satisfies ``|S - sum| <= g(n-1) sum|t_i|``,
  g(k) = k u / (1 - k u), u = 2^-53 (Higham, *Accuracy and Stability of Numerical
  Algorithms*, 2nd ed., eq. (4.4) and the remark after it); additions never underflow
  inexactly.  The computed A = fl(sum|t_i|) is at least (1 - g(n-1)) sum|t_i|, so
  ``E = 2 (n + 1) u A`` (rounded up) bounds the error for every n < 2^49: :func:`sum_up`
  returns ``up(S + E)``, :func:`sum_down` returns ``down(S - E)``.
* **Exact inputs.**  Weights are exact rationals; :func:`frac_interval` encloses each in
  [down, up] floats by comparing the nearest float with the rational exactly.
* **The sigmoid.**  phi(x) = 1 / (1 + exp(-t x)), t = 4K exact, is evaluated in ball
  arithmetic (python-flint's ``arb``, which returns a ball certain to contain the exact
  value); the ball's ends are converted to floats and stepped one float outward (a
  conversion rounds by less than one ulp in any rounding mode).  The difference
  phi(s + d) - phi(s) is evaluated as ``-e^-(ts) expm1(-t d) / ((1 + e^-(t(s+d)))(1 +
  e^-(ts)))``, which keeps its relative accuracy when d is tiny.

python-flint (Arb) is used rather than mpmath intervals: Arb's error bounds are proved
for every function used here, it is ~10x faster per evaluation, and it is a maintained
library with a stable release on PyPI.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from flint import arb, ctx, fmpq

__all__ = ["up", "down", "up1", "down1", "frac_interval", "mul_interval", "sum_up", "sum_down",
           "Sigmoid", "bound_or_inf", "lower", "upper", "PREC"]

U = 2.0 ** -53
PREC = 80  # bits of the ball arithmetic (wider than float64, so balls stay within an ulp)
_INF = np.inf


def up(x):
    """The next float toward +inf (an upper bound of anything rounded to nearest to x)."""
    return np.nextafter(x, _INF)


def down(x):
    """The next float toward -inf."""
    return np.nextafter(x, -_INF)


def frac_interval(q: Fraction) -> tuple[float, float]:
    """Floats lo <= q <= hi, each the nearest float on its side (lo == hi when exact)."""
    try:
        f = float(q)
    except OverflowError:
        return (-_INF, -float(np.finfo(float).max)) if q < 0 else (float(np.finfo(float).max),
                                                                     _INF)
    e = Fraction(f)
    if e == q:
        return f, f
    return (f, float(up(f))) if e < q else (float(down(f)), f)


def mul_interval(alo, ahi, blo, bhi):
    """Enclosure [lo, hi] of {a b : a in [alo, ahi], b in [blo, bhi]}, elementwise (numpy
    broadcasting): the four corner products, each stepped outward."""
    with np.errstate(all="ignore"):
        p = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
    lo = np.minimum(np.minimum(p[0], p[1]), np.minimum(p[2], p[3]))
    hi = np.maximum(np.maximum(p[0], p[1]), np.maximum(p[2], p[3]))
    return down(lo), up(hi)


def _err(terms: np.ndarray, axis: int) -> np.ndarray:
    n = terms.shape[axis]
    with np.errstate(all="ignore"):
        a = np.abs(terms).sum(axis=axis)
        return up(a * up(2.0 * (n + 1) * U))


def sum_up(terms: np.ndarray, axis: int = -1) -> np.ndarray:
    """An upper bound of the exact sum of ``terms`` along ``axis`` (module docstring)."""
    terms = np.asarray(terms, dtype=np.float64)
    if terms.shape[axis] == 0:
        return np.zeros(np.delete(terms.shape, axis % terms.ndim))
    with np.errstate(all="ignore"):
        return up(terms.sum(axis=axis) + _err(terms, axis))


def sum_down(terms: np.ndarray, axis: int = -1) -> np.ndarray:
    """A lower bound of the exact sum of ``terms`` along ``axis``."""
    terms = np.asarray(terms, dtype=np.float64)
    if terms.shape[axis] == 0:
        return np.zeros(np.delete(terms.shape, axis % terms.ndim))
    with np.errstate(all="ignore"):
        return down(terms.sum(axis=axis) - _err(terms, axis))


def bound_or_inf(x: float) -> float:
    """``x``, or +inf when it is NaN (an operation lost every digit: no usable bound)."""
    return _INF if x != x else float(x)


def up1(x: float) -> float:
    """:func:`up` of one Python float (math.nextafter: no numpy call)."""
    return math.nextafter(x, _INF)


def down1(x: float) -> float:
    """:func:`down` of one Python float."""
    return math.nextafter(x, -_INF)


def lower(b: arb) -> float:
    """A float <= every point of the ball (-inf for a ball that is NaN)."""
    v = float(b.lower())
    return -_INF if v != v else down1(v)


def upper(b: arb) -> float:
    """A float >= every point of the ball (+inf for a ball that is NaN)."""
    v = float(b.upper())
    return _INF if v != v else up1(v)


class Sigmoid:
    """Enclosures of phi(x) = 1 / (1 + exp(-t x)) and of phi(s + d) - phi(s), t exact.

    Results are memoised per argument (leaves of one proof share most of their ranges).
    """

    def __init__(self, t: Fraction):
        self.t = arb(fmpq(t.numerator, t.denominator))
        self._phi: dict[float, tuple[float, float]] = {}
        self._diff: dict[tuple, tuple[float, float]] = {}

    def phi(self, x: float) -> tuple[float, float]:
        """[lo, hi] containing phi(x) for the float x."""
        hit = self._phi.get(x)
        if hit is None:
            old = ctx.prec
            ctx.prec = PREC
            try:
                v = 1 / (1 + (-(self.t * arb(x))).exp())
            finally:
                ctx.prec = old
            hit = (lower(v), upper(v))
            if len(self._phi) > 1_000_000:
                self._phi.clear()
            self._phi[x] = hit
        return hit

    def diff_at(self, s: arb, d: arb) -> tuple[float, float]:
        """[lo, hi] containing phi(s + d) - phi(s) for exact balls s, d."""
        exact = s.is_exact() and d.is_exact()
        key = (s.man_exp(), d.man_exp()) if exact else None  # exact values: no collision
        if key is not None and key in self._diff:
            return self._diff[key]
        old = ctx.prec
        ctx.prec = PREC
        try:
            a, b = self.t * (s + d), self.t * s
            v = -(-b).exp() * (-(self.t * d)).expm1() / ((1 + (-a).exp()) * (1 + (-b).exp()))
        finally:
            ctx.prec = old
        out = (lower(v), upper(v))
        if key is not None:
            if len(self._diff) > 1_000_000:
                self._diff.clear()
            self._diff[key] = out
        return out

    def diff_range(self, slo: float, shi: float, dlo: float, dhi: float
                   ) -> tuple[float, float]:
        """[lo, hi] containing phi(s + d) - phi(s) for every s in [slo, shi], d in
        [dlo, dhi].

        The difference grows with d, so its maximum is at d = dhi and its minimum at
        d = dlo.  For fixed d >= 0 it is unimodal in s with its peak at s = -d/2 (the
        derivative phi'(s + d) - phi'(s) changes sign there, phi' being even and
        decreasing in |s|); for d <= 0 it has its trough there.  So each extreme is at
        -d/2 clamped to [slo, shi], or at an end of [slo, shi]: those points are
        evaluated exactly (arb, -d/2 computed exactly).
        """
        ends = (arb(slo), arb(shi))

        def at(d: float, want_max: bool) -> list[tuple[float, float]]:
            D = arb(d)
            pts = list(ends)
            if (d >= 0) == want_max:  # the extreme sought is the interior one
                c = -D / 2  # exact: halving a float in arb loses nothing
                if c < ends[0]:
                    c = ends[0]
                elif c > ends[1]:
                    c = ends[1]
                pts = [c]
            return [self.diff_at(p, D) for p in pts]

        hi = max(h for _, h in at(dhi, True))
        lo = min(lo_ for lo_, _ in at(dlo, False))
        return lo, hi
