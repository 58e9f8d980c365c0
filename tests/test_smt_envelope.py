"""Certified sigmoid envelopes: every line bounds the real sigmoid on its piece."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from fepproof.smt.envelope import check_piece, dphi_enclosure, make_piece, phi_enclosure, pieces


def _phi(k: Fraction, s: Fraction) -> mpmath.mpf:
    with mpmath.workdps(40):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(k.numerator) / k.denominator
                                   * mpmath.mpf(s.numerator) / s.denominator))


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


@pytest.mark.parametrize("K", [Fraction(1, 4), Fraction(1), Fraction(25)])
def test_lines_bound_sigmoid_at_random_points(K):
    k = 4 * K
    rng = np.random.default_rng(1)
    cuts = [Fraction(c) / k for c in (-8, -2, -Fraction(1, 2), Fraction(1, 3), 3, 9)]
    ps = pieces(k, Fraction(-50), Fraction(50), cuts)
    assert ps[0].a == -50 and ps[-1].b == 50
    assert all(a.b == b.a for a, b in zip(ps, ps[1:]))
    with mpmath.workdps(40):
        for p in ps:
            pts = [p.a, p.b] + [p.a + (p.b - p.a) * Fraction(float(u))
                                for u in rng.random(1500)]
            for s in pts:
                v = _phi(k, s)
                for ln in p.lower:
                    assert _mp(ln.at(s)) <= v, (p.a, p.b, s)
                for ln in p.upper:
                    assert _mp(ln.at(s)) >= v, (p.a, p.b, s)


def test_envelope_is_tight_on_short_pieces():
    k = Fraction(1)
    p = make_piece(k, Fraction(1, 2), Fraction(1, 2) + Fraction(1, 1000))
    s = Fraction(1, 2) + Fraction(1, 2000)
    gap = min(ln.at(s) for ln in p.upper) - max(ln.at(s) for ln in p.lower)
    assert 0 <= gap < Fraction(1, 10**6)


def test_extreme_preactivations_and_steep_K():
    k = Fraction(400)
    for s in (Fraction(-50), Fraction(50), Fraction(-1, 10**6), Fraction(1, 10**6)):
        lo, hi = phi_enclosure(k, s)
        v = _phi(k, s)
        assert _mp(lo) <= v <= _mp(hi)
        dlo, dhi = dphi_enclosure(k, s)
        assert dlo <= dhi
    p = make_piece(k, Fraction(-50), Fraction(0))
    check_piece(k, p)


def test_pieces_never_straddle_zero():
    with pytest.raises(ValueError):
        make_piece(Fraction(1), Fraction(-1), Fraction(1))
    ps = pieces(Fraction(1), Fraction(-3), Fraction(2))
    assert [(p.a, p.b) for p in ps] == [(-3, 0), (0, 2)]


def test_check_piece_rejects_a_bad_line():
    from fepproof.smt.envelope import Line, Piece
    p = make_piece(Fraction(1), Fraction(0), Fraction(1))
    bad = Piece(p.a, p.b, (*p.lower, Line(Fraction(0), Fraction(6, 10))), p.upper)
    with pytest.raises(AssertionError):
        check_piece(Fraction(1), bad)


@pytest.mark.parametrize("K, lo, hi", [(Fraction(1, 4), Fraction(-50), Fraction(50)),
                                       (Fraction(1), Fraction(-3, 2), Fraction(7, 10)),
                                       (Fraction(25), Fraction(-1, 5), Fraction(50)),
                                       (Fraction(1, 4), Fraction(2), Fraction(9))])
def test_hull_lines_bound_sigmoid_on_the_whole_range(K, lo, hi):
    from fepproof.smt.envelope import hull_lines
    k = 4 * K
    lower, upper = hull_lines(k, pieces(k, lo, hi, [lo / 3, hi / 5, Fraction(1) / k]))
    rng = np.random.default_rng(2)
    with mpmath.workdps(40):
        for u in [0.0, 1.0, *rng.random(2000)]:
            s = lo + (hi - lo) * Fraction(float(u))
            v = _phi(k, s)
            assert all(_mp(ln.at(s)) <= v for ln in lower)
            assert all(_mp(ln.at(s)) >= v for ln in upper)
