"""Verdicts and witnesses: the plain data every engine returns (design: one-way data flow).

A :class:`Verdict` is frozen: status, the claim it judges, evidence, engine, seconds.
``proved`` only from a sound argument; ``refuted`` only with a replayed witness (or a
non-zero symbolic residual); timeouts and resource limits are ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from .exact import fmt_exact, to_fraction

__all__ = ["Status", "Verdict", "Witness", "combine"]


class Status(StrEnum):
    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


_RANK = {Status.PROVED: 0, Status.UNKNOWN: 1, Status.REFUTED: 2, Status.ERROR: 3}


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one claim."""

    status: Status
    claim: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    engine: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "claim": self.claim, "engine": self.engine,
                "seconds": round(self.seconds, 6), "evidence": dict(self.evidence)}


def combine(verdicts: Iterable[Verdict], claim: str = "all") -> Verdict:
    """The worst status wins (error > refuted > unknown > proved)."""
    vs = list(verdicts)
    if not vs:
        return Verdict(Status.UNKNOWN, claim, {"reason": "no verdicts"})
    worst = max(vs, key=lambda v: _RANK[v.status])
    return Verdict(worst.status, claim, {"parts": [v.to_json() for v in vs]}, "combined",
                   sum(v.seconds for v in vs))


@dataclass(frozen=True)
class Witness:
    """One concrete failure scenario: input X, failed neurons per hidden layer (0-based),
    the values they sent (``None`` for crashes), and for synapse failures the failed
    synapses ``(layer 1..L+1, j, i)`` with the change of each delivered term."""

    input: tuple[Fraction, ...]
    failed: tuple[tuple[int, ...], ...]
    values: tuple[tuple[Fraction, ...], ...] | None = None
    synapses: tuple[tuple[int, int, int], ...] = ()
    synapse_deltas: tuple[Fraction, ...] = ()
    output: int | None = None

    @classmethod
    def make(cls, x: Sequence[object], failed: Sequence[Sequence[int]],
             values: Sequence[Sequence[object]] | None = None, **kw: Any) -> Witness:
        """Build from floats, ints, strings or Fractions (floats are taken exactly)."""
        vals = None if values is None else tuple(
            tuple(to_fraction(v, "witness.values") for v in row) for row in values)
        return cls(tuple(to_fraction(v, "witness.input") for v in x),
                   tuple(tuple(int(i) for i in row) for row in failed), vals,
                   tuple(tuple(int(t) for t in s) for s in kw.get("synapses", ())),
                   tuple(to_fraction(d, "witness.synapse_deltas")
                         for d in kw.get("synapse_deltas", ())),
                   kw.get("output"))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": [float(v) for v in self.input],
            "input_exact": [fmt_exact(v) for v in self.input],
            "failed": [list(r) for r in self.failed],
            "values": None if self.values is None else [[float(v) for v in r] for r in self.values],
        }
        if self.values is not None:
            out["values_exact"] = [[fmt_exact(v) for v in r] for r in self.values]
        if self.synapses:
            out["synapses"] = [list(s) for s in self.synapses]
            out["synapse_deltas"] = [fmt_exact(d) for d in self.synapse_deltas]
        if self.output is not None:
            out["output"] = self.output
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Witness:
        """Read the JSON form; the ``*_exact`` fields win over the float ones."""
        if not isinstance(data, Mapping):
            raise ValueError("witness: expected a JSON object")
        if "witness" in data and isinstance(data["witness"], Mapping):
            data = data["witness"]
        for key in ("input", "failed"):
            if key not in data:
                raise ValueError(f"witness.{key}: missing")
        x = data.get("input_exact", data["input"])
        values = data.get("values_exact", data.get("values"))
        return cls.make(x, data["failed"], values, synapses=data.get("synapses", ()),
                        synapse_deltas=data.get("synapse_deltas", ()), output=data.get("output"))
