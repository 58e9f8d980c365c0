"""Failure models (Definition 2, Assumption 1, Section 4.3) and per-layer failure counts.

* ``crash``: a failed neuron sends 0 (Definition 2).  Its deviation from the nominal
  value y in (0, 1) is below sup phi = 1, which is the C the paper uses for crashes.
* ``byzantine``: a failed neuron sends an arbitrary value, bounded by the capacity C in
  one of two readings:
    - ``deviation``: |sent - nominal| <= C, the reading the proofs of Theorems 2-3 use;
    - ``value``: |sent| <= C, Assumption 1 read literally; then the deviation can reach
      C + sup phi = C + 1, and the paper's Fep with C is *not* a bound.
* ``synapse``: a Byzantine synapse delivers a term into the receiving neuron's sum that
  differs from the nominal w_ji * y_i by at most C (``deviation``, as Lemma 2's proof adds
  lambda_ji to the sum) or whose value is at most C (``value``: deviation up to
  C + |w_ji| * sup |y_i|).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .exact import fmt_exact, to_fraction
from .network import Network

__all__ = ["FailureModel", "FailureError", "parse_failures", "check_failures", "input_sup"]

Kind = Literal["crash", "byzantine", "synapse"]
Reading = Literal["deviation", "value"]
KINDS = ("crash", "byzantine", "synapse")
READINGS = ("deviation", "value")


class FailureError(ValueError):
    """Invalid failure specification; the message names the field."""


@dataclass(frozen=True)
class FailureModel:
    """Which failures, with which capacity C and which capacity reading."""

    kind: Kind = "crash"
    capacity: Fraction | None = None
    reading: Reading = "deviation"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FailureError(
                f"--model: unknown failure model {self.kind!r} (crash, byzantine, synapse)")
        if self.reading not in READINGS:
            raise FailureError(
                f"--capacity-reading: unknown reading {self.reading!r} (deviation, value)")
        if self.kind != "crash":
            if self.capacity is None:
                raise FailureError(f"--capacity: the {self.kind} model needs a capacity C > 0")
            if self.capacity <= 0:
                raise FailureError(f"--capacity: must be > 0, got {fmt_exact(self.capacity)}")

    @classmethod
    def crash(cls) -> FailureModel:
        return cls("crash")

    @classmethod
    def byzantine(cls, capacity: object, reading: Reading = "deviation") -> FailureModel:
        return cls("byzantine", to_fraction(capacity, "capacity"), reading)

    @classmethod
    def synapse(cls, capacity: object, reading: Reading = "deviation") -> FailureModel:
        return cls("synapse", to_fraction(capacity, "capacity"), reading)

    @property
    def C(self) -> Fraction:
        """The capacity the paper's formulas use (sup phi = 1 for crashes, Section 4.2)."""
        return Fraction(1) if self.capacity is None else self.capacity

    def neuron_deviation(self, net: Network) -> Fraction:
        """Largest |sent - nominal| of one failed neuron: the sound C to put in Fep."""
        sup = net.activation.sup
        if self.kind == "crash":
            return sup
        if self.kind == "byzantine":
            return self.C if self.reading == "deviation" else self.C + sup
        raise FailureError("neuron_deviation: not defined for the synapse model")

    def describe(self) -> str:
        if self.kind == "crash":
            return "crash (failed neurons send 0; deviation < sup phi = 1)"
        cap = fmt_exact(self.C)
        if self.kind == "byzantine":
            if self.reading == "deviation":
                return f"byzantine, capacity C = {cap}, reading 'deviation' (|sent - nominal| <= C)"
            return (f"byzantine, capacity C = {cap}, reading 'value' (|sent| <= C, "
                    f"so |sent - nominal| < C + 1)")
        if self.reading == "deviation":
            return f"synapse, capacity C = {cap}, reading 'deviation' (|delivered - w*y| <= C)"
        return f"synapse, capacity C = {cap}, reading 'value' (|delivered| <= C)"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"model": self.kind}
        if self.kind != "crash":
            out["capacity"] = fmt_exact(self.C)
            out["capacity_reading"] = self.reading
        return out


def input_sup(net: Network) -> Fraction:
    """sup |x_i| over the input box: the largest signal a layer-1 synapse carries."""
    return max(max(abs(lo), abs(hi)) for lo, hi in net.input_domain)


def parse_failures(text: str | Sequence[int], field: str = "--failures") -> tuple[int, ...]:
    """Parse ``"1,0,2"`` (or a sequence) into non-negative per-layer counts."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        if not text.strip() or any(p == "" for p in parts):
            raise FailureError(
                f"{field}: expected comma-separated integers like 1,0,2, got {text!r}")
        try:
            values = [int(p) for p in parts]
        except ValueError:
            raise FailureError(
                f"{field}: expected comma-separated integers like 1,0,2, got {text!r}"
            ) from None
    else:
        values = [int(v) for v in text]
    for i, v in enumerate(values):
        if v < 0:
            raise FailureError(f"{field}: entry {i + 1} is negative ({v})")
    return tuple(values)


def check_failures(net: Network, failures: Sequence[int], model: FailureModel,
                   field: str = "--failures") -> tuple[int, ...]:
    """Validate counts against the network: L entries (neurons) or L+1 (synapses)."""
    f = tuple(int(v) for v in failures)
    if model.kind == "synapse":
        expected = net.depth + 1
        sizes = [net.widths[l] * (net.input_dim if l == 0 else net.widths[l - 1])
                 for l in range(net.depth)] + [net.n_outputs * net.widths[-1]]
        what = "synapse layers (1..L+1, the last one into the output node)"
    else:
        expected = net.depth
        sizes = list(net.widths)
        what = "hidden layers"
    if len(f) != expected:
        raise FailureError(f"{field}: expected {expected} values, one per {what}, got {len(f)}")
    for l, (v, n) in enumerate(zip(f, sizes, strict=True), start=1):
        if v < 0:
            raise FailureError(f"{field}: layer {l}: negative count {v}")
        if v > n:
            raise FailureError(f"{field}: layer {l}: {v} failures but only {n} "
                               f"{'synapses' if model.kind == 'synapse' else 'neurons'}")
    return f
