"""Outward-rounded arithmetic for the certificate checker: every result encloses the exact one.

The soundness argument, once (the rest of the checker only calls these helpers):

* **Elementary float operations.**  IEEE 754 float64 ``+ - * /`` (numpy's elementwise
  operations) are correctly rounded, subnormal results included: the exact result r of
  one operation on floats lies within one ulp of the computed value c, so ``down(c) <= r
  <= up(c)`` where ``down`` and ``up`` step at least one float toward -inf / +inf: c -+ s
  with s = fl(min(fl(|c| 2^-52), 2^971) + 2^-1074) at least the spacing of the floats
  at c (|c| 2^-52 is exact or rounds to at least 2^-1074, the subnormals' spacing;
  2^971 is the largest spacing), and rounding is monotone, so fl(c + s) is at least the
  next float (:func:`math.nextafter` for the ends of a ball).  Overflow gives +-inf,
  which stays a valid bound on its side (``down(inf)`` is finite: r may be); a NaN
  (inf - inf, 0 * inf) makes the bound unusable, and the leaf bounds report it as +inf.
  Other float functions (log, sqrt) only choose where to look, never bound anything.
* **Sums.**  For any order of pairwise additions (numpy's pairwise and SIMD summation
  included), the computed sum S of n floats satisfies ``|S - sum| <= g(n-1) sum|t_i|``,
  g(k) = k u / (1 - k u), u = 2^-53 (Higham, *Accuracy and Stability of Numerical
  Algorithms*, 2nd ed., eq. (4.4) and the remark after it); additions never underflow
  inexactly.  The computed A = fl(sum|t_i|) is at least (1 - g(n-1)) sum|t_i|, so
  ``E = 2 (n + 1) u A`` (rounded up) bounds the error for every n < 2^49: :func:`sum_up`
  returns ``up(S + E)``, :func:`sum_down` returns ``down(S - E)``.  E also covers terms
  that are each one rounded product t_i = fl(m_i) (:func:`dot_range`): |t_i - m_i| <=
  u |t_i| (+ 2^-1075 where it underflows, added separately), and g(n-1) + u <=
  2 (n + 1) u (1 - g(n-1)) while n u <= 1/16.
* **Exact inputs.**  Weights are exact rationals; :func:`frac_interval` encloses each in
  [down, up] floats by comparing the nearest float with the rational exactly.
* **exp** (:func:`exp_enclosure`), from correctly rounded operations only: x = h + m/256
  + r with h, m integers and r exact, exp(h) and exp(m/256) from tables computed once in
  ball arithmetic (python-flint's ``arb``, whose balls are certain to contain the exact
  value; each end converted to a float and stepped one float outward), exp(r) from its
  Taylor polynomial with Higham's a-priori bound for Horner's rule (:data:`_POLY_ERR`).
  expm1 near 0 uses its own series, so a tiny difference keeps its relative accuracy.
* **The sigmoid.**  phi(x) = 1 / (1 + exp(-t x)), t = 4K exact, and phi(s + d) - phi(s)
  (evaluated as ``k E M / ((1 + E (1 + M)) (1 + E))`` with E = exp(k t s) <= 1, M =
  expm1(k t d), k = -sign(s)) in interval arithmetic on those enclosures, elementwise
  over whole arrays.

python-flint (Arb) is used rather than mpmath intervals for the tables: Arb's error
bounds are proved for every function used here, and it is a maintained library with a
stable release on PyPI.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from flint import arb, ctx, fmpq

__all__ = ["up", "down", "frac_interval", "mul_interval", "sum_up", "sum_down", "Sigmoid",
           "dot_range", "exp_enclosure", "expm1_enclosure", "lower", "upper", "PREC"]

U = 2.0 ** -53
PREC = 80  # bits of the ball arithmetic (wider than float64, so balls stay within an ulp)
_INF, _MAX, _E, _C, _T = np.inf, float(np.finfo(float).max), 2.0 ** -52, 2.0 ** 971, 2.0 ** -1074


def up(x):
    """A float >= the next float toward +inf (an upper bound of anything rounded to
    nearest to x; -MAX for -inf, which overflow gives for anything below -MAX)."""
    return np.maximum(x, -_MAX) + (np.minimum(np.abs(x) * _E, _C) + _T)


def down(x):
    """A float <= the next float toward -inf (MAX's predecessor for +inf)."""
    return np.minimum(x, _MAX) - (np.minimum(np.abs(x) * _E, _C) + _T)


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
        if alo is ahi:  # a point: two products
            p1, p2 = alo * blo, alo * bhi
            return down(np.minimum(p1, p2)), up(np.maximum(p1, p2))
        p = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
    lo = np.minimum(np.minimum(p[0], p[1]), np.minimum(p[2], p[3]))
    hi = np.maximum(np.maximum(p[0], p[1]), np.maximum(p[2], p[3]))
    return down(lo), up(hi)


def dot_range(A, xlo, xhi):
    """[lo, hi] containing sum_j A_j x_j over every x in [xlo, xhi] (along the last axis,
    broadcasting; A exact floats): min/max of the two products per term, the products'
    rounding covered by the sums' error bound (module docstring)."""
    with np.errstate(all="ignore"):
        p1, p2 = A * xlo, A * xhi
        tiny = max(p1.shape[-1], p2.shape[-1]) * 2.0 ** -1074
        return (down(sum_down(np.minimum(p1, p2), axis=-1) - tiny),
                up(sum_up(np.maximum(p1, p2), axis=-1) + tiny))


def _err(terms: np.ndarray, axis: int) -> np.ndarray:
    n = terms.shape[axis]
    with np.errstate(all="ignore"):
        a = np.abs(terms).sum(axis=axis)
        return up(a * up(2.0 * (n + 1) * U))


def sum_up(terms: np.ndarray, axis: int = -1) -> np.ndarray:
    """An upper bound of the exact sum of ``terms`` along ``axis`` (module docstring)."""
    terms = np.asarray(terms, dtype=np.float64)  # no terms: a tiny positive bound
    with np.errstate(all="ignore"):
        return up(terms.sum(axis=axis) + _err(terms, axis))


def sum_down(terms: np.ndarray, axis: int = -1) -> np.ndarray:
    """A lower bound of the exact sum of ``terms`` along ``axis``."""
    terms = np.asarray(terms, dtype=np.float64)
    with np.errstate(all="ignore"):
        return down(terms.sum(axis=axis) - _err(terms, axis))


def lower(b: arb) -> float:
    """A float <= every point of the ball (-inf for a ball that is NaN)."""
    v = float(b.lower())
    return -_INF if v != v else math.nextafter(v, -_INF)


def upper(b: arb) -> float:
    """A float >= every point of the ball (+inf for a ball that is NaN)."""
    v = float(b.upper())
    return _INF if v != v else math.nextafter(v, _INF)


def _table(points) -> tuple[np.ndarray, np.ndarray]:
    """Enclosures of exp(v) for exact ``points`` (ball arithmetic)."""
    old = ctx.prec
    ctx.prec = PREC
    try:
        vals = [arb(v).exp() for v in points]
    finally:
        ctx.prec = old
    return np.array([lower(v) for v in vals]), np.array([upper(v) for v in vals])


DEG = 5  # Taylor degree of exp on |r| <= 2^-9
_H = np.arange(-746, 710)  # exp(h) for the integers h, exp(m / 256) for m = 0..255
_EH, _EM = _table(_H.tolist()), _table([fmpq(m, 256) for m in range(256)])
_EXP_C = np.array([1 / math.factorial(k) for k in range(DEG + 1)])
_M1_C = np.array([1 / math.factorial(k + 1) for k in range(DEG + 1)])
# |Horner(r) - sum c_k r^k| <= gamma(2 DEG) sum |c_k| |r|^k (Higham, eq. (5.3)), the
# coefficients' own rounding <= u / k!, Taylor's remainder <= |r|^(DEG+1) e^|r| / (DEG+1)!,
# and underflow at most 2 DEG times 2^-1074: with sum 1 / k! |r|^k <= e^(2^-9) < 1002/1000
_G = Fraction(2 * DEG) * Fraction(U) / (1 - 2 * DEG * Fraction(U))
_POLY_ERR = float(up(float((_G * (1 + Fraction(U)) + Fraction(U)) * Fraction(1002, 1000)
                           + Fraction(1, 2 ** (9 * (DEG + 1)) * math.factorial(DEG + 1)) * 2
                           + 2 * DEG * Fraction(2) ** -1074)))


def _poly(r: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] containing sum_k c_k r^k (+ the Taylor remainder) for |r| <= 2^-9 exact."""
    p = np.full(r.shape, c[-1])
    for ck in c[-2::-1]:
        p = ck + r * p
    return down(p - _POLY_ERR), up(p + _POLY_ERR)


def exp_enclosure(x) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] containing exp(x), elementwise for floats x (NaN: [0, inf]).

    x = h + m/256 + r with n = rint(256 x) = 256 h + m: r = x - n/256 is exact (|r| <=
    2^-9, and x is a multiple of r's ulp or r = x), exp(h), exp(m/256) come from
    Arb-certified tables and exp(r) from its Taylor polynomial (:func:`_poly`)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        xc = np.fmax(np.fmin(x, 709.5), -745.5)  # NaN -> 709.5 (set apart below)
        n = np.rint(256.0 * xc)
        h = np.floor(n / 256.0)
        m = (n - 256.0 * h).astype(np.int64)
        r = xc - n / 256.0
        plo, phi = _poly(r, _EXP_C)
        k = h.astype(np.int64) - _H[0]
        lo = down(down(_EH[0][k] * _EM[0][m]) * plo)
        hi = up(up(_EH[1][k] * _EM[1][m]) * phi)
    lo = np.where(x < -745.5, 0.0, lo)
    hi = np.where(x > 709.5, np.inf, hi)
    nan = np.isnan(x)
    return np.where(nan, 0.0, lo), np.where(nan, np.inf, hi)


def expm1_enclosure(x) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] containing exp(x) - 1 elementwise, with relative accuracy near 0: x times
    sum x^k / (k + 1)! for |x| <= 2^-9, exp(x) - 1 elsewhere."""
    x = np.asarray(x, dtype=np.float64)
    small = np.abs(x) <= 2.0 ** -9
    qlo, qhi = _poly(np.where(small, x, 0.0), _M1_C)
    slo, shi = mul_interval(x, x, qlo, qhi)
    elo, ehi = exp_enclosure(x)
    return np.where(small, slo, down(elo - 1.0)), np.where(small, shi, up(ehi - 1.0))


def _pair(f, a, b):
    """(the lower end of f(a), the upper end of f(b)) for an enclosure f of an increasing
    function, a <= b elementwise: one call on both, or on a alone where b is a."""
    lo, hi = f(a) if a is b else f(np.stack([a, b]))
    return (lo, hi) if a is b else (lo[0], hi[1])


class Sigmoid:
    """Enclosures of phi(x) = 1 / (1 + exp(-t x)) and of phi(s + d) - phi(s), t > 0 exact,
    elementwise on float arrays."""

    def __init__(self, t: Fraction):
        if not t > 0:
            raise ValueError("the sigmoid's slope must be positive")
        self.tlo, self.thi = frac_interval(Fraction(t))

    def times_t(self, lo, hi):
        """[lo, hi] containing t v for every v in [lo, hi] (the same arrays where t = 1)."""
        return (lo, hi) if self.tlo == self.thi == 1.0 else mul_interval(self.tlo, self.thi,
                                                                          lo, hi)

    def _exp_tx(self, x, sign: float):
        """[lo, hi] containing exp(sign t x)."""
        x = sign * np.asarray(x, dtype=np.float64)
        return _pair(exp_enclosure, *self.times_t(x, x))

    def phi(self, x) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] containing phi(x) for the floats x."""
        elo, ehi = self._exp_tx(x, -1.0)
        with np.errstate(all="ignore"):
            return down(1.0 / up(1.0 + ehi)), up(1.0 / down(1.0 + elo))

    def diff(self, s, d) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] containing phi(s + d) - phi(s) for the floats s, d.

        With k = -1 where s >= 0, +1 elsewhere, E = exp(k t s) <= 1 and M = expm1(k t d):
        the difference is k E M / ((1 + E (1 + M)) (1 + E)), which keeps its relative
        accuracy when d is tiny; where that overflows, phi(s + d) - phi(s) directly."""
        s, d = np.broadcast_arrays(np.asarray(s, dtype=np.float64),
                                   np.asarray(d, dtype=np.float64))
        k = np.where(s >= 0, -1.0, 1.0)
        Elo, Ehi = self._exp_tx(k * s, 1.0)
        kd = k * d
        Mlo, Mhi = _pair(expm1_enclosure, *self.times_t(kd, kd))
        with np.errstate(all="ignore"):
            Flo, Fhi = down(Elo * np.maximum(down(1.0 + Mlo), 0.0)), up(Ehi * up(1.0 + Mhi))
            Dlo, Dhi = down(down(1.0 + Flo) * down(1.0 + Elo)), up(up(1.0 + Fhi) * up(1.0 + Ehi))
            Nlo, Nhi = mul_interval(Elo, Ehi, Mlo, Mhi)
            qlo = down(np.where(Nlo >= 0, Nlo / Dhi, Nlo / Dlo))
            qhi = up(np.where(Nhi >= 0, Nhi / Dlo, Nhi / Dhi))
        lo, hi = np.where(k > 0, qlo, -qhi), np.where(k > 0, qhi, -qlo)
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        if bad.any():
            with np.errstate(all="ignore"):
                p1, p2 = self.phi(down(s + d)), self.phi(up(s + d))
            p0 = self.phi(s)
            lo = np.where(bad, np.maximum(down(p1[0] - p0[1]), -1.0), lo)
            hi = np.where(bad, np.minimum(up(p2[1] - p0[0]), 1.0), hi)
        return lo, hi

    def diff_range(self, slo, shi, dlo, dhi) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi] containing phi(s + d) - phi(s) for every s in [slo, shi], d in
        [dlo, dhi], elementwise.

        The difference grows with d, so its maximum is at d = dhi and its minimum at
        d = dlo.  For fixed d >= 0 it is unimodal in s with its peak at s = -d/2 (the
        derivative phi'(s + d) - phi'(s) changes sign there, phi' being even and
        decreasing in |s|); for d <= 0 it has its trough there.  So each extreme is at
        -d/2 clamped to [slo, shi], or at an end of [slo, shi].  Where halving d is not
        exact (d near the smallest floats), |phi(s + d) - phi(s)| <= t |d| / 4 instead.
        """
        slo, shi, dlo, dhi = (np.asarray(v, dtype=np.float64) for v in (slo, shi, dlo, dhi))
        d = np.stack([dhi, dlo])
        c = np.clip(-0.5 * d, slo, shi)
        lo, hi = self.diff(np.stack([c, np.broadcast_to(slo, c.shape),
                                     np.broadcast_to(shi, c.shape)]), d[None])
        top = np.where(dhi >= 0, hi[0, 0], np.maximum(hi[1, 0], hi[2, 0]))
        bottom = np.where(dlo <= 0, lo[0, 1], np.minimum(lo[1, 1], lo[2, 1]))
        q = 0.25 * self.thi
        top = np.where((-2.0 * (-0.5 * dhi) != dhi) & (dhi >= 0), up(q * dhi), top)
        bottom = np.where((-2.0 * (-0.5 * dlo) != dlo) & (dlo <= 0), down(q * dlo), bottom)
        return bottom, top
