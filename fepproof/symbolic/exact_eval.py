"""Evaluate a proved sympy closed form exactly on ``Fraction`` values: the expression is
lambdified (plain Python arithmetic, no floats: only integer constants are allowed) so a
production number can be compared with the statement an obligation proves, fast enough
to do it on thousands of exact instances."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["exact_function"]


def exact_function(expr: sp.Expr, args: Sequence[sp.Expr]) -> Callable[..., Any]:
    """``expr`` as a Python function of ``args`` (symbols or ``Indexed`` entries) computing
    with the argument types (``Fraction`` in, ``Fraction`` out)."""
    dummies = [sp.Dummy(f"a{i}") for i in range(len(args))]
    body = sp.sympify(expr).xreplace(dict(zip(args, dummies, strict=True)))
    bad = [a for a in body.atoms(sp.Number) if not a.is_Integer]
    if bad:
        raise ValueError(f"expr: only integer constants evaluate exactly, found {bad[0]}")
    leftover = body.free_symbols - set(dummies)
    if leftover:
        raise ValueError(f"args: {sorted(map(str, leftover))} not given")
    fn = sp.lambdify(dummies, body, modules=[{}], docstring_limit=0)

    def call(*values: Any) -> Any:
        out = fn(*values)
        return Fraction(out) if isinstance(out, int) else out
    return call
