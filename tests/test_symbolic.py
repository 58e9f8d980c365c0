"""The sympy layer: recurrence -> closed form (Theorem 2, 4, 5), the symbolic induction
step, mutation tests (perturbed closed forms are refuted), and the Derivation data."""

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from fepproof.bounds import fep_formula
from fepproof.obligations.engines import identity
from fepproof.symbolic import Derivation, Step, fep_derivation
from fepproof.symbolic.derivation import theorem2_step, theorem2_step_as_written
from fepproof.symbolic.induction import induction_step, rules_agree
from fepproof.symbolic.notation import C, K, L, N, f, l, lp, w
from fepproof.symbolic.recurrence import (
    check_closed_form,
    correct_counts,
    fep_closed,
    fep_sum,
    theorem2_unrolled,
)
from fepproof.symbolic.rewrite import nonzero_witness, residual


def _unrolled(d):
    return theorem2_unrolled(d)[1]


@pytest.mark.parametrize("depth", range(1, 13))
def test_recurrence_gives_fep(depth):
    assert check_closed_form(fep_closed, _unrolled, depth) == 0


# ---- mutation tests: perturbed closed forms must be refuted ----------------------------

def _mutant(kind):
    def closed(depth):
        total = sp.Integer(0)
        for i in range(1, depth + 1):
            exp = depth - i + (1 if kind == "K_power" else 0)
            t = f[i] * K ** exp * (1 if kind == "drop_output_weight" else w[depth + 1])
            for j in range(i + 1, depth + 1):
                count = {"missing_correct_count": N[j],
                         "dropped_correct_count": 1}.get(kind, N[j] - f[j])
                t *= count * (1 if kind == "drop_inner_weight" else w[j])
            total += t
        return C * total
    return closed


POINT = {K: 2, C: 1, **{f[i]: 1 for i in range(1, 8)}, **{N[i]: 3 for i in range(1, 8)},
         **{w[i]: Fraction(1, 3) + i for i in range(1, 9)}}


@pytest.mark.parametrize("kind", ["K_power", "drop_output_weight", "drop_inner_weight",
                                  "missing_correct_count", "dropped_correct_count"])
@pytest.mark.parametrize("depth", [2, 3, 5])
def test_mutants_are_refuted(kind, depth):
    assert check_closed_form(_mutant(kind), _unrolled, depth) != 0
    pt = {k: sp.nsimplify(v) for k, v in POINT.items()}
    res = sp.expand(_unrolled(depth) - _mutant(kind)(depth))
    v = identity("mutant", {"closed": res}, pt)
    assert v.status.value == "refuted"
    assert v.evidence["residual_at_point"]["closed"] != "0"


def test_mutant_verdict_is_refuted_with_point():
    res = sp.expand(_unrolled(3) - _mutant("K_power")(3))
    v = identity("K^(L-l+1)", {"closed": res}, {k: sp.nsimplify(x) for k, x in POINT.items()})
    assert v.status.value == "refuted"
    assert v.evidence["residual_at_point"]["closed"] != "0"


def test_unmutated_is_proved():
    v = identity("Fep", {f"L={d}": check_closed_form(fep_closed, _unrolled, d)
                         for d in range(1, 6)})
    assert v.status.value == "proved"


# ---- symbolic induction ---------------------------------------------------------------

def test_induction_step_symbolic():
    ind = induction_step(fep_sum, theorem2_step)
    assert ind.holds
    assert ind.chain[0][0].has(sp.Sum) and ind.chain[0][0].has(sp.Product)
    assert ind.chain[0][0].has(L)
    assert rules_agree(fep_sum, ind.chain[-1][0])


def test_induction_step_as_written_nonzero():
    ind = induction_step(fep_sum, theorem2_step_as_written)
    assert not ind.holds
    pt = {L: 1, K: 2, C: 1, f[1]: 1, f[2]: 0, N[1]: 2, N[2]: 2, w[1]: 1, w[2]: 1,
          w[3]: sp.Rational(1, 2)}
    assert nonzero_witness(ind.residual, pt) != 0


def test_induction_catches_mutant_sum():
    def bad(depth):
        return C * sp.Sum(f[l] * K ** (depth - l + 1) * w[depth + 1]
                          * sp.Product((N[lp] - f[lp]) * w[lp], (lp, l + 1, depth)),
                          (l, 1, depth))
    assert not induction_step(bad, theorem2_step).holds


@given(st.integers(1, 4), st.data())
def test_closed_form_matches_foundation(depth, data):
    widths = data.draw(st.lists(st.integers(1, 5), min_size=depth, max_size=depth))
    fails = [data.draw(st.integers(0, n)) for n in widths]
    wm = data.draw(st.lists(st.fractions(Fraction(1, 10), 3, max_denominator=10),
                            min_size=depth + 1, max_size=depth + 1))
    k = data.draw(st.fractions(Fraction(1, 4), 2, max_denominator=8))
    c = data.draw(st.fractions(Fraction(1, 2), 3, max_denominator=4))
    sub = {K: k, C: c, **{f[i + 1]: fails[i] for i in range(depth)},
           **{N[i + 1]: widths[i] for i in range(depth)},
           **{w[i + 1]: wm[i] for i in range(depth + 1)}}
    sym = _unrolled(depth).subs(sub)
    assert Fraction(str(sym)) == fep_formula(c, fails, widths, k, wm)


def test_residual_uses_correct_count_substitution():
    r = residual(N[1] - f[1], sp.Symbol("x"), correct_counts(1))
    assert not r.has(N[1])


# ---- the Derivation interface ----------------------------------------------------------

@pytest.mark.parametrize("depth", [None, 1, 3])
def test_derivation_shape(depth):
    d = fep_derivation(depth)
    assert isinstance(d, Derivation)
    assert d.title and d.obligation_id.startswith("theorem2.")
    assert all(isinstance(name, str) and isinstance(obj, sp.Basic) for name, obj in d.model)
    assert isinstance(d.recurrence, sp.Eq)
    assert d.steps and all(isinstance(s, Step) for s in d.steps)
    assert d.steps[0].lhs is not None
    assert all(s.relation in ("=", "<=") for s in d.steps)
    assert all(s.rule for s in d.steps)


def test_concrete_derivation_ends_at_fep():
    d = fep_derivation(4)
    assert sp.expand(d.steps[-1].rhs - fep_closed(4)) == 0
    assert sp.expand(d.steps[-2].rhs - fep_closed(4)) == 0


def test_derivation_rejects_bad_depth():
    with pytest.raises(ValueError):
        fep_derivation(0)
