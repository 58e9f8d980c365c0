"""Certified piecewise-linear envelopes of phi_K(s) = sigmoid(k s), k = 4K (Section 2.1).

Each piece [a, b] lies on one side of 0, so phi is convex (b <= 0) or concave (a >= 0)
on it.  On a convex piece the chord is an upper line and tangents are lower lines; on a
concave piece the roles swap.  Coefficients come from mpmath interval enclosures of exp
and are rounded outward to dyadic rationals:

* chord-type lines (above a convex / below a concave function): any rational slope m,
  intercept rounded so the line clears phi's enclosure at both ends; the gap between a
  line and a convex (concave) function is concave (convex), so both ends suffice;
* tangent-type lines at t: slope m near phi'(t) with |phi'(t) - m| <= delta (certified),
  intercept moved by delta * (b - a) so the rounding of the slope cannot cross phi.

Every line is checked against phi's enclosure at its piece's ends (:func:`check_piece`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from mpmath import iv

__all__ = ["Line", "Piece", "phi_enclosure", "dphi_enclosure", "make_piece", "pieces",
           "check_piece", "round_down", "round_up", "max_slope"]

GRID = 2 ** 24  # coefficients rounded outward to multiples of 2^-24 (small rationals: fast z3)
CHECK_GRID = 2 ** 100  # the end-point check uses a much finer enclosure
HULL_LINES = 4  # lines per side of each neuron's hull relaxation
iv.prec = 120


def round_down(q: Fraction, grid: int = GRID) -> Fraction:
    return Fraction(math.floor(q * grid), grid)


def round_up(q: Fraction, grid: int = GRID) -> Fraction:
    return Fraction(math.ceil(q * grid), grid)


def _on_grid(raw: tuple, grid: int, up: bool) -> Fraction:
    """floor (or ceil) of x * grid, over grid, for an interval end point x given as mpmath's
    raw (sign, man, exp, bc) tuple: exact integer arithmetic, no rounding to mp.prec (which
    turned sigmoid(40)'s lower end 1 - 4e-18 into 1.0) and no expansion of 2^exp into a
    huge integer (sigmoid(-5e9) has a binary exponent near -7e9)."""
    sign, man, exp, bc = raw
    if bc < 0:  # mpmath's special values (inf, nan) have a negative bit count
        raise ValueError("interval end point is not finite")
    t = (-man if sign else man) * grid
    if exp >= 0:
        return Fraction(t << exp, grid)
    return Fraction(-((-t) >> -exp) if up else t >> -exp, grid)


def _iv(q: Fraction) -> iv.mpf:
    return iv.mpf(q.numerator) / q.denominator


@lru_cache(maxsize=1 << 16)
def phi_enclosure(k: Fraction, s: Fraction, grid: int = GRID) -> tuple[Fraction, Fraction]:
    """Rationals lo <= sigmoid(k s) <= hi (certified by interval arithmetic), rounded
    outward to multiples of 1/grid."""
    v = 1 / (1 + iv.exp(-_iv(k) * _iv(s)))
    lo, hi = v._mpi_
    return _on_grid(lo, grid, up=False), _on_grid(hi, grid, up=True)


@lru_cache(maxsize=1 << 16)
def dphi_enclosure(k: Fraction, s: Fraction) -> tuple[Fraction, Fraction]:
    """Rationals lo <= phi'(s) = k phi (1 - phi) <= hi."""
    e = iv.exp(-_iv(k) * abs(_iv(s)))  # phi' is even: use the non-overflowing side
    v = _iv(k) * e / (1 + e) ** 2
    lo, hi = v._mpi_
    return _on_grid(lo, GRID, up=False), _on_grid(hi, GRID, up=True)


def max_slope(k: Fraction, lo: Fraction, hi: Fraction) -> Fraction:
    """An upper bound on phi' over [lo, hi] (phi' peaks at the point nearest 0)."""
    t = Fraction(0) if lo <= 0 <= hi else (lo if lo > 0 else hi)
    return dphi_enclosure(k, t)[1]


@dataclass(frozen=True)
class Line:
    """y = m s + c."""

    m: Fraction
    c: Fraction

    def at(self, s: Fraction) -> Fraction:
        return self.m * s + self.c


@dataclass(frozen=True)
class Piece:
    """On a <= s <= b: max(lower lines) <= phi(s) <= min(upper lines)."""

    a: Fraction
    b: Fraction
    lower: tuple[Line, ...]
    upper: tuple[Line, ...]


def _chord(k: Fraction, a: Fraction, b: Fraction, above: bool) -> Line:
    pa, pb = phi_enclosure(k, a), phi_enclosure(k, b)
    mid_a, mid_b = (pa[0] + pa[1]) / 2, (pb[0] + pb[1]) / 2
    m = round_down((mid_b - mid_a) / (b - a))
    if above:
        return Line(m, round_up(max(pa[1] - m * a, pb[1] - m * b)))
    return Line(m, round_down(min(pa[0] - m * a, pb[0] - m * b)))


def _tangent(k: Fraction, t: Fraction, a: Fraction, b: Fraction, above: bool) -> Line:
    d_lo, d_hi = dphi_enclosure(k, t)
    m = round_down((d_lo + d_hi) / 2)
    delta = max(d_hi - m, m - d_lo)
    p_lo, p_hi = phi_enclosure(k, t)
    if above:
        return Line(m, round_up(p_hi - m * t + delta * (b - a)))
    return Line(m, round_down(p_lo - m * t - delta * (b - a)))


def make_piece(k: Fraction, a: Fraction, b: Fraction) -> Piece:
    """Envelope of phi on [a, b] (a <= b, not straddling 0): chord + 3 tangents + bounds."""
    if a > b or (a < 0 < b):
        raise ValueError(f"piece [{a}, {b}] must not straddle 0")
    lo_a, hi_b = phi_enclosure(k, a)[0], phi_enclosure(k, b)[1]
    lower: list[Line] = [Line(Fraction(0), lo_a)]
    upper: list[Line] = [Line(Fraction(0), hi_b)]
    if b > a:
        convex = b <= 0
        chord = _chord(k, a, b, above=convex)
        tangents = [_tangent(k, t, a, b, above=not convex) for t in (a, (a + b) / 2, b)]
        (upper if convex else lower).append(chord)
        (lower if convex else upper).extend(tangents)
    piece = Piece(a, b, tuple(lower), tuple(upper))
    check_piece(k, piece)
    return piece


def check_piece(k: Fraction, piece: Piece) -> None:
    """Every line must clear phi's certified enclosure at both ends of its piece."""
    for s in (piece.a, piece.b):
        lo, hi = phi_enclosure(k, s, CHECK_GRID)
        for ln in piece.lower:
            if ln.at(s) > lo:
                raise AssertionError(f"lower line {ln} above phi at {s}")
        for ln in piece.upper:
            if ln.at(s) < hi:
                raise AssertionError(f"upper line {ln} below phi at {s}")


def pieces(k: Fraction, lo: Fraction, hi: Fraction,
           breakpoints: list[Fraction] | tuple[Fraction, ...] = ()) -> list[Piece]:
    """Pieces covering [lo, hi], split at 0 and at the given breakpoints inside it."""
    cuts = sorted({lo, hi, *(p for p in (Fraction(0), *breakpoints) if lo < p < hi)})
    if len(cuts) == 1:
        return [make_piece(k, lo, hi)]
    return [make_piece(k, a, b) for a, b in zip(cuts, cuts[1:])]


def _vertices(lines: tuple[Line, ...], a: Fraction, b: Fraction, upper: bool
              ) -> list[tuple[Fraction, Fraction]]:
    """Vertices (s, g(s)) of g = max (lower) / min (upper) of ``lines`` on [a, b]: the ends
    and every pairwise intersection inside (a superset of g's kinks)."""
    pts = {a, b}
    for i, l1 in enumerate(lines):
        for l2 in lines[i + 1:]:
            if l1.m != l2.m:
                s = (l2.c - l1.c) / (l1.m - l2.m)
                if a < s < b:
                    pts.add(s)
    f = min if upper else max
    return [(s, f(ln.at(s) for ln in lines)) for s in pts]


def hull_lines(k: Fraction, pieces_: list[Piece], max_lines: int | None = None
               ) -> tuple[list[Line], list[Line]]:
    """Lines valid on the whole range of ``pieces_`` (no case split): for a slope m the
    intercept is the extreme of g(s) - m s over the vertices of the piecewise envelope g,
    where that piecewise-linear function attains it.  Slopes: those of the piece lines.
    Returns (lower lines, upper lines), intercepts rounded outward."""
    max_lines = max_lines or HULL_LINES
    lo_v = [v for p in pieces_ for v in _vertices(p.lower, p.a, p.b, upper=False)]
    up_v = [v for p in pieces_ for v in _vertices(p.upper, p.a, p.b, upper=True)]
    slopes = sorted({ln.m for p in pieces_ for ln in (*p.lower, *p.upper)})
    a, b = pieces_[0].a, pieces_[-1].b
    if b > a:
        pa, pb = phi_enclosure(k, a), phi_enclosure(k, b)
        slopes.append(round_down((pb[0] - pa[1]) / (b - a)))
    slopes = sorted(set(slopes))
    if len(slopes) > max_lines:
        step = (len(slopes) - 1) / (max_lines - 1)
        slopes = sorted({slopes[round(i * step)] for i in range(max_lines)})
    lower = [Line(m, round_down(min(g - m * s for s, g in lo_v))) for m in slopes]
    upper = [Line(m, round_up(max(g - m * s for s, g in up_v))) for m in slopes]
    return lower, upper
