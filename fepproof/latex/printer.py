"""One LaTeX printer for everything fepproof shows: SymPy's printer, extended in its own
``_print_<Thing>`` style with exact rationals, verdicts and failure models.

With ``values`` every listed symbol prints as its number, so the *same* sympy expression
that states a bound also shows it "with the numbers filled in" (products get explicit
``\\cdot`` so adjacent numbers stay readable)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from ..failures import FailureModel
from ..verdict import Status, Verdict
from .numfmt import number
from .text import escape

__all__ = ["FepPrinter", "to_latex", "status_latex", "filled_in", "value_latex", "verdict_items",
           "split_latex", "display"]

_STATUS_WORDS = {Status.PROVED: "proved", Status.REFUTED: "refuted",
                 Status.UNKNOWN: "unknown", Status.ERROR: "error"}


class FepPrinter(LatexPrinter):
    """SymPy's ``LatexPrinter`` plus ``Fraction``, ``Status``, ``Verdict``, ``FailureModel``
    and plain ``str`` (as escaped ``\\text``); ``values`` substitutes numbers for symbols."""

    printmethod = "_fepproof_latex"

    def __init__(self, values: Mapping[sympy.Symbol, Fraction] | None = None,
                 display: bool = True, **settings: Any) -> None:
        if values:
            settings.setdefault("mul_symbol", "dot")
        super().__init__(settings)
        self.values = dict(values or {})
        self.display = display

    def _number(self, q: Fraction, wrap: bool) -> str:
        n = number(q)
        text = n.latex(self.display)
        return f"\\left({text}\\right)" if wrap and not n.atomic else text

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        if expr in self.values:
            return self._number(Fraction(self.values[expr]), wrap=True)
        return super()._print_Symbol(expr, style)

    def _print_Indexed(self, expr: sympy.Indexed) -> str:
        """The paper's notation: w[l] is w_m^{(l)}, lambda[l] is \\lambda_{l}."""
        if expr in self.values:
            return self._number(Fraction(self.values[expr]), wrap=True)
        name = expr.base.label.name
        idx = ",".join(self._print(i) for i in expr.indices)
        if name == "w":
            return f"w_{{m}}^{{({idx})}}"
        if name in ("lambda", "delta"):
            return f"\\{name}_{{{idx}}}"
        return f"{name}_{{{idx}}}"

    def _print_Fraction(self, q: Fraction) -> str:
        return self._number(q, wrap=False)

    def _print_int(self, q: int) -> str:
        return str(q)

    def _print_str(self, s: str) -> str:
        return f"\\text{{{escape(s)}}}"

    def _print_Status(self, s: Status) -> str:
        return f"\\textbf{{{_STATUS_WORDS[s]}}}"

    def _print_Verdict(self, v: Verdict) -> str:
        engine = f" ({escape(v.engine)})" if v.engine else ""
        return f"\\text{{{self._print_Status(v.status)}{engine}}}"

    def _print_FailureModel(self, m: FailureModel) -> str:
        return f"\\text{{{escape(m.describe())}}}"


def to_latex(obj: object, values: Mapping[sympy.Symbol, Fraction] | None = None,
             display: bool = True) -> str:
    """Math-mode LaTeX of a sympy expression, a Fraction, a Verdict, a Status, ..."""
    return FepPrinter(values, display).doprint(obj)


def status_latex(status: Status) -> str:
    """Text-mode LaTeX of a verdict status (bold word)."""
    return FepPrinter()._print_Status(Status(status))


def filled_in(expr: sympy.Expr, values: Mapping[sympy.Symbol, Fraction]) -> tuple[str, Fraction]:
    """``expr`` printed with the numbers filled in, and its exact value.

    The value is sympy's own evaluation of ``expr`` at ``values``; callers compare it with
    the checker's exact result, so the printed line cannot drift from what was computed.
    """
    val = sympy.nsimplify(expr.subs({k: sympy.Rational(v.numerator, v.denominator)
                                     for k, v in ((k, Fraction(v)) for k, v in values.items())}))
    if not val.is_Rational:
        raise ValueError(f"filled_in: {expr} does not evaluate to a rational at the values")
    return to_latex(expr, values), Fraction(int(val.p), int(val.q))


_MAX_TEXT = 600


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + " ... (truncated)"


def value_latex(value: object) -> str:
    """Text-mode LaTeX of one evidence value: sympy and numbers as math, the rest as text."""
    if isinstance(value, sympy.Basic):
        return f"${to_latex(value)}$"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction | int):
        return f"${number(value).latex()}$"
    if isinstance(value, float):
        return f"${escape(repr(value))}$"
    if isinstance(value, Verdict):
        return f"{status_latex(value.status)} ({escape(_short(value.claim))})"
    return escape(_short(value if isinstance(value, str) else repr(value)))


def verdict_items(v: Verdict) -> list[str]:
    """itemize entries describing a verdict: status, engine, time, claim, evidence."""
    items = [f"result: {status_latex(v.status)}"
             + (f" by the {escape(v.engine)} engine" if v.engine else "")
             + f" in {v.seconds:.2f}\\,s"]
    if v.claim:
        items.append(f"claim: {escape(_short(v.claim))}")
    for key, value in v.evidence.items():
        items.append(f"{escape(key)}: {value_latex(value)}")
    return items


LINE = 150  # LaTeX source characters per displayed line before a sum is broken


def split_latex(expr: sympy.Basic, width: int = LINE) -> list[str]:
    """A long sum as lines of printed terms (``+ t`` / ``- t``), else one line."""
    whole = to_latex(expr)
    if len(whole) <= width or not isinstance(expr, sympy.Add):
        return [whole]
    pieces = []
    for i, term in enumerate(expr.as_ordered_terms()):
        t = to_latex(term)
        pieces.append(t if i == 0 else (f"- {t[1:].lstrip()}" if t.startswith("-")
                                        else f"+ {t}"))
    lines, cur = [], ""
    for p in pieces:
        if cur and len(cur) + len(p) > width:
            lines.append(cur)
            cur = p
        else:
            cur = f"{cur} {p}".strip()
    return lines + [cur]


_REL = {"==": "=", "<=": "\\le", ">=": "\\ge", "<": "<", ">": ">", "!=": "\\ne"}


def display(expr: sympy.Basic, width: int = LINE) -> str:
    """A displayed formula: ``equation*`` when short, else ``multline*`` with the
    relation's sides (and long sums) on their own lines."""
    whole = to_latex(expr)
    if len(whole) <= width:
        return f"\\begin{{equation*}}\n{whole}\n\\end{{equation*}}"
    if isinstance(expr, sympy.core.relational.Relational) and expr.rel_op in _REL:
        lines = split_latex(expr.lhs, width)
        rhs = split_latex(expr.rhs, width)
        lines += [f"{_REL[expr.rel_op]} {rhs[0]}"] + rhs[1:]
    else:
        lines = split_latex(expr, width)
    return "\\begin{multline*}\n" + " \\\\\n".join(lines) + "\n\\end{multline*}"
