"""Theorem 5 (Section 5.1): per-layer implementation errors lambda_l.

Equation 11: sum_{l=1}^{L} K^(L-l) lambda_l prod_{l'=l}^{L} N_l' w_m^(l'+1).
It is the closed form of the recurrence in which lambda_l is added to each neuron's
*output* (after phi) - what the proof's base case does.  The proof's induction step adds
lambda_(L+1) *before* phi ("K E_L + K lambda_(L+1)"), which does not give Eq. 11 (refuted,
residual (1 - K) N_(L+1) w_m^(L+2) lambda_(L+1)); in that reading every term gains a K,
and Eq. 11 itself is then exceeded by a concrete network (mpmath, 50 digits).
"""

from fractions import Fraction

import mpmath
import sympy as sp

from fepproof.exact import fmt_exact
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity
from fepproof.obligations.model import refuted, unknown
from fepproof.symbolic.induction import induction_step, rules_agree
from fepproof.symbolic.notation import K, L, N, l, lam, lp, w
from fepproof.symbolic.recurrence import eq11_closed, theorem5_unrolled
from fepproof.symbolic.rewrite import residual

DEPTHS = range(1, 9)


def eq11_sum(depth):
    """Equation 11 with sympy Sum/Product (depth may be a Symbol)."""
    return sp.Sum(K ** (depth - l) * lam[l] * sp.Product(N[lp] * w[lp + 1], (lp, l, depth)),
                  (l, 1, depth))


def step_output(depth, E):
    """lambda after phi: each neuron of layer L+1 errs by K E + lambda_(L+1)."""
    return N[depth + 1] * w[depth + 2] * (K * E + lam[depth + 1])


def step_as_written(depth, E):
    """The proof's step: N_(L+1) w_m^(L+2) (K E_L + K lambda_(L+1))."""
    return N[depth + 1] * w[depth + 2] * (K * E + K * lam[depth + 1])


@obligation(
    id="theorem5.closed_form_output_L1to8", result="Theorem 5", method="sympy identity",
    expected="proved",
    statement_text="lambda_l added after phi, L = 1..8: S_l = N_l (K w_m^(l) S_(l-1) + "
                   "lambda_l), Delta = w_m^(L+1) S_L unrolls to Equation 11",
    statement=sp.Eq(theorem5_unrolled(2), eq11_closed(2)))
def closed_form_output_reading():
    return identity("Eq. 11 = output-reading recurrence", {
        f"L={d}": residual(theorem5_unrolled(d), eq11_closed(d)) for d in DEPTHS})


@obligation(
    id="theorem5.induction_step", result="Theorem 5", method="sympy identity",
    expected="proved",
    statement_text="symbolic L: Eq11(L+1) = N_(L+1) w_m^(L+2) (K Eq11(L) + lambda_(L+1))",
    statement=sp.Eq(eq11_sum(L + 1), step_output(L, eq11_sum(L))))
def induction_step_holds():
    ind = induction_step(eq11_sum, step_output)
    v = identity("Theorem 5 induction step (lambda after phi)", {"step": ind.residual})
    if v.status.value == "proved" and not rules_agree(eq11_sum, ind.chain[-1][0]):
        return unknown("rewrite rules disagree with doit()", "sympy")
    return v


@obligation(
    id="theorem5.induction_step_as_written", result="Theorem 5", method="sympy identity",
    expected="refuted",
    statement_text="the proof's step N_(L+1) w_m^(L+2) (K E_L + K lambda_(L+1)) equals "
                   "Eq11(L+1)",
    erratum=Erratum(
        as_written_text="final error <= N_(L+1) w_m^(L+2) (K E_L + K lambda_(L+1)) = Eq. 11 "
                        "at depth L + 1",
        as_written=step_as_written(L, sp.Symbol("E_L")),
        evidence_text="residual (1 - K) N_(L+1) w_m^(L+2) lambda_(L+1): adding lambda before "
                      "phi multiplies it by K, Eq. 11 has no such K",
        corrected_id="theorem5.induction_step"))
def induction_step_as_written():
    ind = induction_step(eq11_sum, step_as_written)
    point = {L: 1, K: 2, N[2]: 1, w[3]: 1, lam[2]: 1, N[1]: 1, w[2]: 1, lam[1]: 0}
    return identity("Theorem 5 induction step as printed", {"step": ind.residual}, point)


@obligation(
    id="theorem5.closed_form_preactivation_L1to8", result="Theorem 5",
    method="sympy identity", expected="proved",
    statement_text="lambda_l added before phi, L = 1..8: the recurrence unrolls to Eq. 11 "
                   "with K^(L-l+1) in place of K^(L-l)")
def closed_form_preactivation():
    return identity("preactivation reading = Eq. 11 with one more K", {
        f"L={d}": residual(theorem5_unrolled(d, "preactivation"), eq11_closed(d, 1))
        for d in DEPTHS})


@obligation(
    id="theorem5.eq11_preactivation", result="Theorem 5", method="numeric",
    expected="refuted",
    statement_text="typed in: "
                   "Equation 11 bounds the output error when lambda_l is added to the "
                   "neuron's sum before phi (the proof's induction step)",
    erratum=Erratum(
        as_written_text="||F_neu - F_lambda|| <= sum_l K^(L-l) lambda_l prod N_l' w_m^(l'+1)",
        as_written=eq11_closed(1),
        evidence_text="L = 1, N_1 = 1, K = 2, w^(2) = 1, nominal sum 0, lambda_1 = 1/100 "
                      "before phi: error sigmoid(8/100) - 1/2 ~ 0.019989 > Eq. 11 = 1/100",
        corrected_id="theorem5.closed_form_preactivation_L1to8"))
def eq11_preactivation():
    Kq, lam1, w2 = Fraction(2), Fraction(1, 100), Fraction(1)
    bound = lam1 * w2  # Eq. 11 at L = 1, N_1 = 1
    with mpmath.workdps(50):
        err = w2 * (1 / (1 + mpmath.exp(-4 * Kq * mpmath.mpf(lam1.numerator) / lam1.denominator))
                    - mpmath.mpf(1) / 2)
        b = mpmath.mpf(bound.numerator) / bound.denominator
        if err * (1 - mpmath.mpf(10) ** -40) > b:
            return refuted("Eq. 11 bounds the preactivation reading", "mpmath", K="2",
                           lambda_1="1/100", w_m2="1", nominal_sum="0",
                           error=mpmath.nstr(err, 20), eq11=fmt_exact(bound),
                           corrected=fmt_exact(Kq * bound))
    return unknown("Eq. 11 bounds the preactivation reading", "mpmath", error=str(err))


@obligation(
    id="theorem5.base_case_as_written", result="Theorem 5", method="sympy identity",
    expected="refuted",
    statement_text="the proof's base case: the L = 1 error sum_i lambda_i w_i^(2) is bounded "
                   "by N C w_m^(2), which is Eq. 11 at L = 1",
    erratum=Erratum(
        as_written_text="the total error is bounded by N C w_m^(2) ... This is the base case "
                        "(L = 1) of our induction",
        as_written=N[1] * sp.Symbol("C", positive=True) * w[2],
        evidence_text="Eq. 11 at L = 1 is lambda_1 N_1 w_m^(2): the printed base case has the "
                      "capacity C of Theorems 2-4 in place of lambda_1 (residual (C - "
                      "lambda_1) N_1 w_m^(2), non-zero at C = 1, lambda_1 = 1/2)",
        corrected_id="theorem5.closed_form_output_L1to8"))
def base_case_as_written():
    Cs = sp.Symbol("C", positive=True)
    res = sp.expand(N[1] * Cs * w[2] - eq11_closed(1))
    return identity("Theorem 5 base case as printed", {"base case": res},
                    {Cs: 1, lam[1]: sp.Rational(1, 2), N[1]: 1, w[2]: 1})


def eq11_final_as_written(depth):
    """The proof's last line: sum_{l=1}^{L+1} K^(L-l) lambda_l prod_{l'=l}^{L+1} N_l'
    w_m^(l'+1) (the exponent still L - l at depth L + 1)."""
    return sp.Sum(K ** (depth - 1 - l) * lam[l] * sp.Product(N[lp] * w[lp + 1], (lp, l, depth)),
                  (l, 1, depth))


@obligation(
    id="theorem5.final_exponent_as_written", result="Theorem 5", method="sympy identity",
    expected="refuted",
    statement_text="the proof's final sum with K^(L-l) at depth L + 1 equals Eq. 11 at "
                   "depth L + 1 (which has K^(L+1-l))",
    erratum=Erratum(
        as_written_text="N_(L+1) w_m^(L+2) (K E_L + K lambda_(L+1)) = sum_{l=1}^{L+1} K^(L-l) "
                        "lambda_l prod_{l'=l}^{L+1} N_l' w_m^(l'+1)",
        as_written=eq11_final_as_written(L + 1),
        evidence_text="at depth L + 1 Eq. 11's exponent is L + 1 - l; the printed K^(L-l) is "
                      "one K short in every term (residual non-zero at L = 1, K = 2)",
        corrected_id="theorem5.induction_step"))
def final_exponent_as_written():
    res = residual(eq11_sum(L + 1), eq11_final_as_written(L + 1))
    point = {L: 1, K: 2, N[1]: 1, N[2]: 1, w[2]: 1, w[3]: 1, lam[1]: 1, lam[2]: 1}
    return identity("Theorem 5 final sum as printed", {"final": res}, point)
