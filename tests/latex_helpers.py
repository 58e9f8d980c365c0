"""Shared pieces of the LaTeX tests: a small proofs directory with an erratum."""

from __future__ import annotations

from pathlib import Path

DEMO_PROOFS = '''
import sympy as sp
from fepproof.obligations import Erratum, obligation, proved, refuted
x = sp.Symbol("x")

@obligation(id="demo.fixed", result="Theorem 9", statement_text="x + x = 2 x for all x (ε ≤ 1)",
            statement=lambda: sp.Le(x + x, 2 * x + 1), method="sympy identity",
            expected="proved")
def fixed():
    return proved("x + x = 2x", "sympy", residual=str(sp.simplify(x + x - 2 * x)))

@obligation(id="demo.as_written", result="Theorem 9", statement_text="x + x = 3 x",
            statement=lambda: sp.Eq(x + x, 3 * x, evaluate=False), method="sympy identity",
            expected="refuted",
            erratum=Erratum("x + x = 3 x as printed on page 4", sp.Eq(x + x, 3 * x,
                            evaluate=False), "the residual -x is non-zero at x = 17",
                            "demo.fixed"))
def as_written():
    return refuted("x + x = 3x", "sympy", residual="-x", point={"x": 17},
                   residual_at_point=-17)
'''

WRONG_EXPECTATION = '''
from fepproof.obligations import obligation, refuted

@obligation(id="demo.wrong", result="Theorem 8", statement_text="1 = 2",
            method="sympy identity", expected="proved")
def wrong():
    return refuted("1 = 2", "sympy", residual=-1)
'''


def demo_proofs(tmp_path: Path, text: str = DEMO_PROOFS) -> Path:
    d = tmp_path / "proofs"
    d.mkdir(exist_ok=True)
    (d / "demo.py").write_text(text)
    return d
