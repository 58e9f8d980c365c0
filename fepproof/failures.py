"""Failure models (Definition 2, Assumption 1, Section 4.3) and per-layer failure counts.

One object owns what a failure *does*: :class:`FailureModel` says which values a failed
component may send, its deviation interval given the nominal output range, the sound
per-failure deviation the closed forms use, and which witnesses obey it.  The simulator,
the replay, both engines and the closed forms ask it instead of comparing strings.

* ``crash``: a failed neuron sends 0 (Definition 2).  Its deviation from the nominal
  value y in (0, 1) is below sup phi = 1, which is the C the paper uses for crashes.
* ``byzantine``: a failed neuron sends an arbitrary value, bounded by the capacity C in
  one of two readings (:class:`CapacityReading`):
    - ``deviation``: |sent - nominal| <= C, the reading the proofs of Theorems 2-3 use;
    - ``value``: |sent| <= C, Assumption 1 read literally; then the deviation can reach
      C + sup phi = C + 1, and the paper's Fep with C is *not* a bound (the erratum
      lives in :meth:`FailureModel.neuron_deviation`, nowhere else).
* ``synapse``: a Byzantine synapse delivers a term into the receiving neuron's sum that
  differs from the nominal w_ji * y_i by at most C (``deviation``, as Lemma 2's proof adds
  lambda_ji to the sum) or whose value is at most C (``value``: deviation up to
  C + |w_ji| * sup |y_i|).
* ``stuck-at``: a failed neuron sends a fixed value v in [0, 1] (a hardware fault, e.g.
  stuck at 1).  Its deviation v - y over y in (0, 1) stays below max(v, 1 - v); with the
  nominal range [lo, hi] it lies in [v - hi, v - lo] (proved in ``proofs/stuck_at.py``).

Library errors name the Python parameter (``capacity: ...``); the CLI turns them into
flag names (:data:`PARAMETER_FLAGS`, applied in ``fepproof/cli/common.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import mpmath
import numpy as np

from .exact import ExactError, fmt_decimal, fmt_exact, short_exact, to_fraction
from .failure_errors import FailureError, WitnessError
from .network import Network

if TYPE_CHECKING:
    from .verdict import Witness

__all__ = ["FailureKind", "CapacityReading", "FailureModel", "FailureError", "WitnessError",
           "PARAMETER_FLAGS", "parse_failures", "check_failures", "input_sup"]


class FailureKind(StrEnum):
    """Which components fail and how (the value is the CLI / JSON spelling)."""

    CRASH = "crash"
    BYZANTINE = "byzantine"
    SYNAPSE = "synapse"
    STUCK_AT = "stuck-at"

    def __str__(self) -> str:
        return self.value


class CapacityReading(StrEnum):
    """How the capacity C bounds a Byzantine component."""

    DEVIATION = "deviation"  # |sent - nominal| <= C
    VALUE = "value"          # |sent| <= C

    def __str__(self) -> str:
        return self.value


# Python parameter of FailureModel -> CLI flag (the CLI layer's one translation table)
PARAMETER_FLAGS = {"kind": "--model", "capacity": "--capacity", "reading": "--capacity-reading",
                   "stuck_value": "--stuck-value"}

Kind = FailureKind  # backwards-compatible aliases
Reading = CapacityReading
KINDS = tuple(k.value for k in FailureKind)
READINGS = tuple(r.value for r in CapacityReading)


def _kind(value: object) -> FailureKind:
    text = str(value).strip().lower().replace("_", "-")
    try:
        return FailureKind(text)
    except ValueError:
        raise FailureError(f"kind: unknown failure model {value!r} "
                           f"({', '.join(KINDS)})", "kind") from None


def _reading(value: object) -> CapacityReading:
    try:
        return CapacityReading(str(value).strip().lower())
    except ValueError:
        raise FailureError(f"reading: unknown capacity reading {value!r} "
                           f"({', '.join(READINGS)})", "reading") from None


def _frac(value: object, field: str) -> Fraction:
    try:
        return to_fraction(value, field)
    except ExactError as exc:
        raise FailureError(str(exc), field) from None


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _down(x: np.ndarray | float) -> np.ndarray:
    return np.nextafter(np.asarray(x, dtype=np.float64), -np.inf)


def _up(x: np.ndarray | float) -> np.ndarray:
    return np.nextafter(np.asarray(x, dtype=np.float64), np.inf)


@dataclass(frozen=True)
class FailureModel:
    """Which failures, with which capacity C (and its reading) or stuck value v.

    ``kind`` and ``reading`` accept the enums or their spellings (``"crash"``,
    ``"stuck_at"``, ``"value"``); they are stored as enums (which compare equal to their
    strings, for older callers).
    """

    kind: FailureKind = FailureKind.CRASH
    capacity: Fraction | None = None
    reading: CapacityReading = CapacityReading.DEVIATION
    stuck_value: Fraction | None = None

    def __post_init__(self) -> None:
        kind, reading = _kind(self.kind), _reading(self.reading)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "reading", reading)
        if self.capacity is not None:
            object.__setattr__(self, "capacity", _frac(self.capacity, "capacity"))
        if kind in (FailureKind.BYZANTINE, FailureKind.SYNAPSE):
            if self.capacity is None:
                raise FailureError(f"capacity: the {kind} model needs a capacity C > 0",
                                   "capacity")
            if self.capacity <= 0:
                raise FailureError(f"capacity: must be > 0, got {short_exact(self.capacity)}",
                                   "capacity")
        elif self.capacity is not None:
            raise FailureError(f"capacity: the {kind} model takes no capacity", "capacity")
        if kind is FailureKind.STUCK_AT:
            v = Fraction(1) if self.stuck_value is None else _frac(self.stuck_value,
                                                                   "stuck_value")
            if not -1 <= v <= 1:
                raise FailureError(f"stuck_value: must be in [0, 1] (sigmoid) or [-1, 1] "
                                   f"(tanh), got {short_exact(v)}", "stuck_value")
            object.__setattr__(self, "stuck_value", v)
        elif self.stuck_value is not None:
            raise FailureError(f"stuck_value: only the stuck-at model has a stuck value "
                               f"(model {kind})", "stuck_value")

    # ---- constructors -------------------------------------------------------------
    @classmethod
    def crash(cls) -> FailureModel:
        return cls(FailureKind.CRASH)

    @classmethod
    def byzantine(cls, capacity: object,
                  reading: CapacityReading | str = CapacityReading.DEVIATION) -> FailureModel:
        return cls(FailureKind.BYZANTINE, _frac(capacity, "capacity"), _reading(reading))

    @classmethod
    def synapse(cls, capacity: object,
                reading: CapacityReading | str = CapacityReading.DEVIATION) -> FailureModel:
        return cls(FailureKind.SYNAPSE, _frac(capacity, "capacity"), _reading(reading))

    @classmethod
    def stuck_at(cls, value: object = 1) -> FailureModel:
        return cls(FailureKind.STUCK_AT, stuck_value=_frac(value, "stuck_value"))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FailureModel:
        """Inverse of :meth:`to_json` (a ``verify --json`` output carries these keys)."""
        kind = _kind(data.get("model", "crash"))
        if kind in (FailureKind.BYZANTINE, FailureKind.SYNAPSE):
            return cls(kind, data.get("capacity"),
                       data.get("capacity_reading", CapacityReading.DEVIATION))
        if kind is FailureKind.STUCK_AT:
            return cls(kind, stuck_value=data.get("stuck_value", 1))
        return cls(kind)

    # ---- what fails -------------------------------------------------------------
    @property
    def fails_neurons(self) -> bool:
        """Failures are of hidden neurons (``failed`` / ``values``), not synapses."""
        return self.kind is not FailureKind.SYNAPSE

    @property
    def fails_synapses(self) -> bool:
        return self.kind is FailureKind.SYNAPSE

    @property
    def free_value(self) -> bool:
        """A failed component chooses what it sends (one parameter u in [-1, 1] each)."""
        return self.kind in (FailureKind.BYZANTINE, FailureKind.SYNAPSE)

    @property
    def tracks_nominal(self) -> bool:
        """What is sent (delivered) is nominal + C u: the deviation reading of a Byzantine
        neuron or synapse."""
        return self.free_value and self.reading is CapacityReading.DEVIATION

    @property
    def fixed_value(self) -> Fraction | None:
        """The value every failed neuron sends, when the model fixes it (crash, stuck-at)."""
        if self.kind is FailureKind.CRASH:
            return Fraction(0)
        if self.kind is FailureKind.STUCK_AT:
            return self.stuck_value
        return None

    def n_params(self, failed: Sequence[Sequence[int]]) -> int:
        """How many free sent-value parameters a failure set has."""
        return sum(len(f) for f in failed) if self.free_value and self.fails_neurons else 0

    # ---- the capacity and the sound deviation (closed forms) ---------------------
    @property
    def C(self) -> Fraction:
        """The C the paper's formulas use: the capacity; sup phi = 1 for crashes
        (Section 4.2); max(v, 1 - v) for a neuron stuck at v."""
        if self.capacity is not None:
            return self.capacity
        if self.kind is FailureKind.STUCK_AT:
            v = self.stuck_value
            assert v is not None
            return max(v, 1 - v)
        return Fraction(1)

    def neuron_deviation(self, net: Network) -> Fraction:
        """Largest |sent - nominal| of one failed neuron: the sound C to put in Fep.

        Nominal outputs lie in (0, sup phi).  Crash: sup; Byzantine deviation: C;
        value: C + sup (the C vs C + 1 erratum); stuck at v: max(v, sup - v)."""
        if self.fails_synapses:
            raise FailureError("neuron_deviation: not defined for the synapse model", "kind")
        self.check_activation(net)
        lo, hi = self.deviation_interval(net.activation.inf, net.activation.sup)
        return max(-lo, hi)

    def check_activation(self, net: Network) -> None:
        """Refuse a stuck value outside the range of the network's activation (a sigmoid
        neuron stuck at -1 is no hardware fault of that network)."""
        v = self.stuck_value
        act = net.activation
        if v is not None and not act.inf <= v <= act.sup:
            raise FailureError(f"stuck_value: a {act.name} neuron's values lie in "
                               f"[{fmt_exact(act.inf)}, {fmt_exact(act.sup)}], got "
                               f"{short_exact(v)}", "stuck_value")

    def synapse_deviation(self, nominal_sup: Fraction) -> Fraction:
        """Largest change of one failed synapse's delivered term, whose nominal value has
        magnitude at most ``nominal_sup`` (= |w_ji| sup |y_i|): C, or C + that (value)."""
        if not self.fails_synapses:
            raise FailureError("synapse_deviation: not defined for the "
                               f"{self.kind} model", "kind")
        return self.C if self.reading is CapacityReading.DEVIATION else self.C + nominal_sup

    # ---- what a failed neuron sends, and its deviation interval --------------------
    def sent_interval(self, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
        """Exact range of what a failed neuron may send when its nominal output is in
        [lo, hi] (synapses: of the delivered term when its nominal value is in [lo, hi])."""
        fixed = self.fixed_value
        if fixed is not None:
            return fixed, fixed
        if self.reading is CapacityReading.DEVIATION:
            return lo - self.C, hi + self.C
        return -self.C, self.C

    def deviation_interval(self, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
        """Exact range of sent - nominal for a nominal value in [lo, hi]."""
        if self.tracks_nominal:
            return -self.C, self.C
        slo, shi = self.sent_interval(lo, hi)
        return slo - hi, shi - lo

    def deviation_interval_f(self, lo: np.ndarray | float, hi: np.ndarray | float
                             ) -> tuple[np.ndarray, np.ndarray]:
        """float64 :meth:`deviation_interval`, elementwise, rounded outward (one ulp per
        operation on top of round-to-nearest, so it contains the exact interval)."""
        lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
        if self.tracks_nominal:
            c = float(self.C)
            return np.broadcast_to(_down(-_up(c)), lo.shape).copy(), \
                np.broadcast_to(_up(c), hi.shape).copy()
        slo, shi = self.sent_interval(Fraction(0), Fraction(0))
        return _down(_down(float(slo)) - hi), _up(_up(float(shi)) - lo)

    def sends_f(self, nominal: np.ndarray | float, u: np.ndarray | float) -> np.ndarray:
        """float64 value sent by a failed neuron with nominal output ``nominal`` and
        parameter u in [-1, 1] (ignored by crash and stuck-at)."""
        nominal = np.asarray(nominal, dtype=np.float64)
        fixed = self.fixed_value
        if fixed is not None:
            return np.full(np.broadcast_shapes(nominal.shape, np.shape(u)), float(fixed))
        if self.reading is CapacityReading.DEVIATION:
            return nominal + float(self.C) * np.asarray(u, dtype=np.float64)
        return float(self.C) * np.asarray(u, dtype=np.float64) + 0.0 * nominal

    def param_of(self, sent: float, nominal: float) -> float | None:
        """The parameter u with :meth:`sends_f` (nominal, u) = sent; None if fixed."""
        if not self.free_value:
            return None
        C = float(self.C)
        return (sent - nominal) / C if self.reading is CapacityReading.DEVIATION else sent / C

    def sent_problem(self, sent: mpmath.mpf, nominal: mpmath.mpf) -> str | None:
        """Why ``sent`` is not a value a failed neuron with this nominal output may send
        (mpmath, current precision); None when it obeys the model."""
        fixed = self.fixed_value
        if fixed is not None:
            if sent != _mp(fixed):
                return (f"a {self.kind} neuron sends {fmt_exact(fixed)}, witness sends "
                        f"{mpmath.nstr(sent, 8)}")
            return None
        C = _mp(self.C)
        if self.reading is CapacityReading.DEVIATION and abs(sent - nominal) > C:
            return f"|sent - nominal| = {mpmath.nstr(abs(sent - nominal), 8)} > C"
        if self.reading is CapacityReading.VALUE and abs(sent) > C:
            return f"|sent| = {mpmath.nstr(abs(sent), 8)} > C"
        return None

    def delivered_problem(self, delta: Fraction, delivered: mpmath.mpf) -> str | None:
        """Why a failed synapse's change ``delta`` (delivered term ``delivered``) breaks the
        model (mpmath); None when it obeys it."""
        if self.reading is CapacityReading.DEVIATION and abs(delta) > self.C:
            return f"|delta| = {fmt_decimal(abs(delta))} > C"
        if self.reading is CapacityReading.VALUE and abs(delivered) > _mp(self.C):
            return f"|delivered| = {mpmath.nstr(abs(delivered), 8)} > C"
        return None

    # ---- witnesses ---------------------------------------------------------------
    def validate(self, witness: Witness, network: Network,
                 failures: Sequence[int] | None = None) -> None:
        """Check ``witness`` fits ``network`` and this model before anything evaluates it.

        Indices in range, no duplicate neuron or synapse, exactly ``failures[l]`` failures
        per layer when a claim is given, sent values / deltas aligned with the failures,
        finite, and within what the model allows without knowing the nominal values
        (the nominal-dependent checks are :meth:`sent_problem`, :meth:`delivered_problem`).
        Raises :class:`WitnessError` naming the field.
        """
        from .witness_check import validate_witness  # one concern per module
        validate_witness(self, witness, network, failures)

    # ---- text --------------------------------------------------------------------
    def describe(self, activation: str = "sigmoid") -> str:
        """One line for the user; ``activation``: the network's (a stuck tanh neuron
        deviates by up to 1 + |v|, a stuck sigmoid neuron by max(v, 1 - v))."""
        if self.kind is FailureKind.CRASH:
            return "crash (failed neurons send 0; deviation < sup phi = 1)"
        if self.kind is FailureKind.STUCK_AT:
            v = self.stuck_value
            assert v is not None
            if v < 0 or activation == "tanh":  # only a tanh neuron can be stuck below 0
                return (f"stuck-at {fmt_exact(v)} (failed neurons send {fmt_exact(v)}; "
                        f"deviation < 1 + |v| = {fmt_exact(1 + abs(v))})")
            return (f"stuck-at {fmt_exact(v)} (failed neurons send {fmt_exact(v)}; "
                    f"deviation < max(v, 1 - v) = {fmt_exact(self.C)})")
        cap = fmt_exact(self.C)
        if self.kind is FailureKind.BYZANTINE:
            if self.reading is CapacityReading.DEVIATION:
                return f"byzantine, capacity C = {cap}, reading 'deviation' (|sent - nominal| <= C)"
            return (f"byzantine, capacity C = {cap}, reading 'value' (|sent| <= C, "
                    f"so |sent - nominal| < C + 1)")
        if self.reading is CapacityReading.DEVIATION:
            return f"synapse, capacity C = {cap}, reading 'deviation' (|delivered - w*y| <= C)"
        return f"synapse, capacity C = {cap}, reading 'value' (|delivered| <= C)"

    def capacity_origin(self, activation: str = "sigmoid") -> str:
        """Where the C of the closed forms comes from (no capacity) or what it bounds (the
        capacity reading), for the documents (``activation``: the network's)."""
        if self.kind is FailureKind.CRASH:
            return "crash: C is the activation's maximum, 1"
        if self.kind is FailureKind.STUCK_AT and activation == "tanh":
            return (f"stuck at v = {fmt_exact(self.stuck_value or 0)}: C = 1 + |v|, the "
                    "largest deviation of a stuck tanh neuron; obligation tanh.deviation")
        if self.kind is FailureKind.STUCK_AT:
            return (f"stuck at v = {fmt_exact(self.stuck_value or 0)}: C = max(v, 1 - v), "
                    "the largest deviation of a stuck neuron; obligation stuck_at.sound_deviation")
        what = "neuron" if self.fails_neurons else "synapse"
        if self.reading is CapacityReading.DEVIATION:
            return (f"deviation reading: C bounds a failed {what}'s deviation "
                    "|sent - nominal|")
        return f"value reading: C bounds the value a failed {what} sends, |sent| <= C"

    def erratum_note(self) -> str | None:
        """Why the paper's Fep with C is not a bound under this model, if it is not."""
        if self.kind is FailureKind.BYZANTINE and self.reading is CapacityReading.VALUE:
            return ("value reading: |sent| <= C lets a failed neuron deviate from its nominal "
                    "value by up to C + 1, so the paper's Fep (with C) is NOT a bound here; "
                    "the sound bound uses C + 1 per failed neuron")
        return None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"model": self.kind.value}
        if self.capacity is not None:
            out["capacity"] = fmt_exact(self.C)
            out["capacity_reading"] = self.reading.value
        if self.stuck_value is not None:
            out["stuck_value"] = fmt_exact(self.stuck_value)
        return out


def input_sup(net: Network) -> Fraction:
    """sup |x_i| over the input box: the largest signal a layer-1 synapse carries."""
    return max(max(abs(lo), abs(hi)) for lo, hi in net.input_domain)


def synapse_layer_sizes(net: Network) -> list[int]:
    """Number of synapses into layer 1..L+1 (the last: into the output node)."""
    return [net.widths[l] * (net.input_dim if l == 0 else net.widths[l - 1])
            for l in range(net.depth)] + [net.n_outputs * net.widths[-1]]


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
    if model.fails_synapses:
        expected = net.depth + 1
        sizes = synapse_layer_sizes(net)
        what = "synapse layer (layers 1..L+1, the last one into the output node)"
    else:
        expected = net.depth
        sizes = list(net.widths)
        what = "hidden layer"
    if len(f) != expected:
        raise FailureError(f"{field}: expected {expected} values, one per {what}, got {len(f)}")
    for l, (v, n) in enumerate(zip(f, sizes, strict=True), start=1):
        if v < 0:
            raise FailureError(f"{field}: layer {l}: negative count {v}")
        if v > n:
            raise FailureError(f"{field}: layer {l}: {v} failures but only {n} "
                               f"{'synapses' if model.fails_synapses else 'neurons'}")
    return f
