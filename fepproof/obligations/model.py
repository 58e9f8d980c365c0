"""The obligation record, its erratum, the decorator that declares one, and verdict
helpers (see the package docstring for the proofs-file format)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..verdict import Status, Verdict

__all__ = ["METHODS", "EXPECTED", "Erratum", "Obligation", "Outcome", "obligation",
           "proved", "refuted", "unknown", "error", "plain"]

METHODS = ("sympy identity", "sympy inequality", "sympy limit", "z3 unsat", "numeric")
EXPECTED = ("proved", "refuted")


@dataclass(frozen=True)
class Erratum:
    """Where the paper's statement does not hold as written: the statement as printed,
    the evidence against it, and the id of the obligation proving the corrected one."""

    as_written_text: str
    as_written: Any
    evidence_text: str
    corrected_id: str


@dataclass(frozen=True)
class Obligation:
    """One machine-checked claim about one paper result."""

    id: str
    result: str
    statement_text: str
    statement: Any = field(compare=False)
    method: str
    expected: str
    check: Callable[[], Verdict] = field(repr=False, compare=False)
    erratum: Erratum | None = None
    source: str = ""  # the proofs file that declares it

    def __call__(self) -> Verdict:
        return self.check()


@dataclass(frozen=True)
class Outcome:
    """An obligation and the verdict its check produced."""

    obligation: Obligation
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.status.value == self.obligation.expected

    def to_json(self) -> dict[str, Any]:
        ob = self.obligation
        return {"id": ob.id, "result": ob.result, "method": ob.method,
                "expected": ob.expected, "status": self.verdict.status.value,
                "seconds": round(self.verdict.seconds, 3),
                "evidence": plain(self.verdict.evidence)}



def obligation(*, id: str, result: str, statement_text: str, method: str, expected: str,
               statement: Any = None, erratum: Erratum | None = None
               ) -> Callable[[Callable[[], Verdict]], Obligation]:
    """Declare the decorated function as the check of one obligation."""
    if method not in METHODS:
        raise ValueError(f"obligation {id}: method must be one of {METHODS}, got {method!r}")
    if expected not in EXPECTED:
        raise ValueError(f"obligation {id}: expected must be proved or refuted")
    if expected == "refuted" and erratum is None:
        raise ValueError(f"obligation {id}: an expected refutation needs an Erratum")

    def wrap(fn: Callable[[], Verdict]) -> Obligation:
        stmt = statement() if callable(statement) else statement
        return Obligation(id, result, statement_text, stmt, method, expected, fn, erratum,
                          getattr(fn, "__module__", ""))
    return wrap


def plain(value: Any) -> Any:
    """Evidence as JSON data: sympy/z3/Fraction objects become strings."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _verdict(status: Status, claim: str, engine: str, evidence: Mapping[str, Any]) -> Verdict:
    return Verdict(status, claim, plain(dict(evidence)), engine)


def proved(claim: str, engine: str, **evidence: Any) -> Verdict:
    return _verdict(Status.PROVED, claim, engine, evidence)


def refuted(claim: str, engine: str, **evidence: Any) -> Verdict:
    return _verdict(Status.REFUTED, claim, engine, evidence)


def unknown(claim: str, engine: str, **evidence: Any) -> Verdict:
    return _verdict(Status.UNKNOWN, claim, engine, evidence)


def error(claim: str, engine: str, **evidence: Any) -> Verdict:
    return _verdict(Status.ERROR, claim, engine, evidence)
