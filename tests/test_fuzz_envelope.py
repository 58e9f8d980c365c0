"""Fuzz the certified sigmoid enclosures behind the z3 engine (design rule 3).

Found by the hostile-input fuzzing: a network weight of -5e9 made
``phi_enclosure`` expand sigmoid(-5e9) ~ 2^-7e9 into an exact Fraction (verify hung past
its --timeout), and rounding the 120-bit interval end points to 53 bits made the
enclosure of sigmoid(40) the unsound [1, 1].  Each enclosure must contain the true value
(400-bit mpmath) and stay one grid step wide, quickly, whatever the scale.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.smt import envelope as e


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


SCALED = st.builds(lambda m, p: Fraction(m) * Fraction(10) ** p,
                   st.integers(-10**6, 10**6).map(lambda n: Fraction(n, 1000)),
                   st.integers(-12, 12))


def _true_phi(k: Fraction, s: Fraction) -> mpmath.mpf:
    with mpmath.workprec(400):
        return 1 / (1 + mpmath.exp(-_mp(k) * _mp(s)))


@settings(max_examples=150)
@given(st.sampled_from([Fraction(1, 4), Fraction(1), Fraction(3), Fraction(7, 3)]), SCALED,
       st.sampled_from([e.GRID, e.CHECK_GRID]))
def test_phi_enclosure_contains_sigmoid(k: Fraction, s: Fraction, grid: int) -> None:
    lo, hi = e.phi_enclosure(k, s, grid)
    with mpmath.workprec(400):
        true = _true_phi(k, s)
        assert _mp(lo) <= true <= _mp(hi)
        assert 0 <= hi - lo <= Fraction(2, grid)
        dlo, dhi = e.dphi_enclosure(k, s)
        assert _mp(dlo) <= _mp(k) * true * (1 - true) <= _mp(dhi)


def test_saturated_points() -> None:
    # sigmoid(40) = 1 - 4.2e-18: its lower end is below 1 (it was the unsound [1, 1])
    assert e.phi_enclosure(Fraction(1), Fraction(40)) == (1 - Fraction(1, e.GRID), 1)
    # sigmoid(-5e9): instant, [0, one grid step]
    assert e.phi_enclosure(Fraction(1), Fraction(-5071872084)) == (0, Fraction(1, e.GRID))
    assert e.phi_enclosure(Fraction(1), Fraction(5071872084)) == (1 - Fraction(1, e.GRID), 1)
