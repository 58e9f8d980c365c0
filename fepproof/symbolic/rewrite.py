"""Sound rewrite rules on ``Sum``/``Product`` with a symbolic upper limit, and the
residual check every sympy obligation ends with.

Each rule is a definitional identity (valid whenever the range is non-empty, which the
callers guarantee: the upper limit is L + 1 >= 1):

- ``split_last``:  Sum_{l=a}^{b} g(l)      = Sum_{l=a}^{b-1} g(l) + g(b)
- ``peel_last``:   Prod_{l'=a}^{b} h(l')   = Prod_{l'=a}^{b-1} h(l') * h(b)
- ``normalize``:   constants (factors free of the summation index) move out of a Sum,
  K^(L+1-l) = K^(L+1) K^(-l); an empty Product is 1.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["split_last", "peel_last", "normalize", "residual", "is_zero", "nonzero_witness"]


def _empty_product(p: sp.Product) -> sp.Expr | None:
    (_, lo, hi), = p.limits
    return sp.Integer(1) if sp.simplify(hi - lo + 1) == 0 else None


def split_last(expr: sp.Expr) -> sp.Expr:
    """Split the last term off every Sum in ``expr`` (Theorem 2's 'last layer')."""
    def rule(s: sp.Sum) -> sp.Expr:
        (i, lo, hi), = s.limits
        last = s.function.subs(i, hi)
        last = last.replace(lambda e: isinstance(e, sp.Product) and _empty_product(e) is not None,
                            _empty_product)
        return sp.Sum(s.function, (i, lo, hi - 1)) + last
    return expr.replace(lambda e: isinstance(e, sp.Sum), rule)


def peel_last(expr: sp.Expr, upper: sp.Expr) -> sp.Expr:
    """Peel the last factor off every Product whose upper limit is ``upper``."""
    def rule(p: sp.Product) -> sp.Expr:
        (i, lo, hi), = p.limits
        return sp.Product(p.function, (i, lo, hi - 1)) * p.function.subs(i, hi)
    return expr.replace(lambda e: isinstance(e, sp.Product) and e.limits[0][2] == upper, rule)


def _pull(s: sp.Sum) -> sp.Expr:
    (i, lo, hi), = s.limits
    body = sp.expand_power_exp(sp.expand(s.function))
    terms = sp.Add.make_args(body)
    out = sp.Integer(0)
    for t in terms:
        free, bound = [], []
        for fac in sp.Mul.make_args(t):
            (bound if fac.has(i) else free).append(fac)
        out += sp.Mul(*free) * sp.Sum(sp.Mul(*bound), (i, lo, hi))
    return out


def normalize(expr: sp.Expr) -> sp.Expr:
    """Empty products -> 1, constants out of every Sum, then expand."""
    expr = expr.replace(lambda e: isinstance(e, sp.Product) and _empty_product(e) is not None,
                        _empty_product)
    expr = expr.replace(lambda e: isinstance(e, sp.Sum), _pull)
    return sp.expand(expr)


def residual(lhs: sp.Expr, rhs: sp.Expr, correct: dict | None = None) -> sp.Expr:
    """lhs - rhs after ``normalize`` (and the change of variables ``correct``,
    e.g. N_l -> u_l + f_l, which is a bijection and keeps expansion polynomial-size)."""
    d = lhs - rhs
    if correct:
        d = d.xreplace(correct)
    return normalize(d)


def is_zero(res: sp.Expr) -> bool:
    """Structural zero only: a residual sympy cannot reduce is *not* zero (-> unknown)."""
    return res == 0


def nonzero_witness(res: sp.Expr, subs: dict) -> sp.Expr:
    """Evaluate a residual at a concrete point (Sums/Products expanded); a non-zero
    rational value proves the residual is not identically zero."""
    val = res
    for _ in range(3):  # indices like N[L + 1] only become concrete after L is substituted
        val = val.subs(subs).doit()
    return sp.nsimplify(sp.simplify(val))
