"""Exact rationals for people: a short fraction, an exact decimal, or a rounded decimal
whose rounding the document states (every number in the LaTeX says how it was rounded)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

__all__ = ["Number", "number", "rounded", "with_decimal", "ROUND_DIGITS", "ROUNDING_NOTE",
           "SHORT_DIGITS"]

SHORT_DIGITS = 6  # a fraction is "short" when numerator and denominator have <= 6 digits
EXACT_DECIMAL_DIGITS = 12  # terminating decimals up to this many significant digits: exact
ROUND_DIGITS = 10  # otherwise: rounded to nearest at this many significant digits
ROUNDING_NOTE = (f"Numbers marked $^{{\\dagger}}$ are decimals rounded to nearest (ties to "
                 f"even) at {ROUND_DIGITS} significant digits, those marked $^{{\\downarrow}}$ "
                 f"($^{{\\uparrow}}$) rounded down (up) at {ROUND_DIGITS} significant digits, "
                 "so a lower (upper) bound stays one; every other number is exact.")
_MARKS = {ROUND_HALF_EVEN: "\\dagger", ROUND_FLOOR: "\\downarrow", ROUND_CEILING: "\\uparrow"}


@dataclass(frozen=True)
class Number:
    """How one exact rational is shown: ``kind`` is integer, fraction, decimal or rounded."""

    value: Fraction
    kind: str
    text: str  # plain text: "3", "-3/7", "0.125", "0.3333333333"
    mode: str = ROUND_HALF_EVEN  # the rounding of a "rounded" number

    @property
    def exact(self) -> bool:
        return self.kind != "rounded"

    def latex(self, display: bool = False) -> str:
        """Math-mode LaTeX; ``display`` typesets fractions with \\frac, else with a slash."""
        sign = "-" if self.value < 0 else ""
        if self.kind == "fraction" and display:
            q = abs(self.value)
            return f"{sign}\\frac{{{q.numerator}}}{{{q.denominator}}}"
        text = self.text
        if "e" in text:
            mant, exp = text.split("e")
            text = f"{mant} \\times 10^{{{int(exp)}}}"
        if self.kind == "rounded":
            return f"{{{text}}}^{{{_MARKS[self.mode]}}}"
        return text

    @property
    def atomic(self) -> bool:
        """Can it stand as a factor or power base without parentheses?"""
        return (self.value >= 0 and self.kind in ("integer", "decimal", "rounded")
                and "e" not in self.text)


def _decimal_text(d: Decimal) -> str:
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _terminating(q: Fraction) -> Decimal | None:
    den = q.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return None
    with localcontext() as ctx:
        ctx.prec = 4 * len(str(q.denominator)) + len(str(abs(q.numerator))) + 10
        return Decimal(q.numerator) / Decimal(q.denominator)


def rounded(q: Fraction, digits: int = ROUND_DIGITS, mode: str = ROUND_HALF_EVEN) -> str:
    """``q`` rounded (default: to nearest, ties to even) at ``digits`` significant digits."""
    if q == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits + len(str(q.denominator)) + len(str(abs(q.numerator))) + 10
        exact = Decimal(q.numerator) / Decimal(q.denominator)
        exp = exact.adjusted() - digits + 1
        r = exact.quantize(Decimal(1).scaleb(exp), rounding=mode)
    if -6 <= r.adjusted() < 15:
        return _decimal_text(r)
    mant = r.scaleb(-r.adjusted())
    return f"{_decimal_text(mant)}e{r.adjusted()}"


def number(q: Fraction | int) -> Number:
    """Choose the form: integer; short fraction; exact terminating decimal; rounded."""
    q = Fraction(q)
    if q.denominator == 1:
        return Number(q, "integer", str(q.numerator))
    d = _terminating(q)
    short_decimal = d is not None and len(d.as_tuple().digits) <= EXACT_DECIMAL_DIGITS
    if short_decimal and set(str(q.denominator)) <= {"1", "0"}:  # p / 10^k: as written
        return Number(q, "decimal", _decimal_text(d))
    if len(str(abs(q.numerator))) <= SHORT_DIGITS and len(str(q.denominator)) <= SHORT_DIGITS:
        return Number(q, "fraction", f"{q.numerator}/{q.denominator}")
    if short_decimal:
        return Number(q, "decimal", _decimal_text(d))
    return Number(q, "rounded", rounded(q))


def with_decimal(q: Fraction | int, direction: str = "nearest") -> str:
    """Math-mode LaTeX of a result: a fraction followed by its decimal (``=`` when the
    decimal is exact, ``\\approx`` and the rounding mark otherwise).  ``direction`` "down"
    or "up" rounds a lower or upper bound outward."""
    mode = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}[direction]
    n = number(q)
    if n.kind == "rounded":
        return Number(n.value, "rounded", rounded(n.value, mode=mode), mode).latex()
    if n.kind != "fraction":
        return n.latex()
    d = _terminating(n.value)
    if d is not None:
        return f"{n.latex()} = {_decimal_text(d)}"
    return (f"{n.latex()} \\approx "
            f"{Number(n.value, 'rounded', rounded(n.value, mode=mode), mode).latex()}")
