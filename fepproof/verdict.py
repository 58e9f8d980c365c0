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
        """Build from floats, ints, strings or Fractions (floats are taken exactly).

        Shapes and types are checked here (a ``ValueError`` naming the field); whether the
        witness fits a network and a model is :meth:`FailureModel.validate`."""
        vals = None if values is None else tuple(
            tuple(to_fraction(v, f"witness.values[{l}][{k}]")
                  for k, v in enumerate(_seq(row, f"witness.values[{l}]")))
            for l, row in enumerate(_seq(values, "witness.values")))
        syn = tuple(tuple(_index(t, f"witness.synapses[{k}]")
                          for t in _seq(s, f"witness.synapses[{k}]"))
                    for k, s in enumerate(_seq(kw.get("synapses", ()), "witness.synapses")))
        deltas = tuple(to_fraction(d, f"witness.synapse_deltas[{k}]") for k, d in
                       enumerate(_seq(kw.get("synapse_deltas", ()), "witness.synapse_deltas")))
        output = kw.get("output")
        return cls(tuple(to_fraction(v, f"witness.input[{i}]")
                         for i, v in enumerate(_seq(x, "witness.input"))),
                   tuple(tuple(_index(i, f"witness.failed[{l}]")
                               for i in _seq(row, f"witness.failed[{l}]"))
                         for l, row in enumerate(_seq(failed, "witness.failed"))),
                   vals, syn, deltas, None if output is None else _index(output, "witness.output"))

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
        return cls.make(x, data["failed"], values, synapses=data.get("synapses") or (),
                        synapse_deltas=data.get("synapse_deltas") or (),
                        output=data.get("output"))


def _seq(value: object, field: str) -> Sequence[Any]:
    """A JSON list (or tuple / numpy array) or a ValueError naming ``field``."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__") \
            or not hasattr(value, "__iter__"):
        raise ValueError(f"{field}: expected a list, got {type(value).__name__}")
    return list(value)  # type: ignore[call-overload]


def _index(value: object, field: str) -> int:
    """A non-negative integer index (an int, or a numpy integer) or a ValueError."""
    if hasattr(value, "dtype") and hasattr(value, "item"):
        value = value.item()  # type: ignore[union-attr]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: expected an integer index, got {value!r}"[:200])
    if value < 0:
        raise ValueError(f"{field}: index {value} is negative")
    return value
