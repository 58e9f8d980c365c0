"""High-precision replay of one failure scenario with the exact sigmoid (mpmath).

Soundness rule 2: a ``refuted`` verdict stands only on a witness that this module
re-evaluates at >= 40 significant digits and finds above the claimed bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from .exact import fmt_decimal
from .failures import FailureModel
from .network import Network
from .verdict import Witness
from .witness_check import validate_witness

__all__ = ["ReplayResult", "replay", "mp_forward"]

DEFAULT_DPS = 50


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


@dataclass(frozen=True)
class ReplayResult:
    """Nominal and failed outputs, the error, and whether the witness obeys the model."""

    nominal: tuple[mpmath.mpf, ...]
    failed: tuple[mpmath.mpf, ...]
    error: mpmath.mpf  # |nominal - failed| (max over outputs, or the chosen output)
    valid: bool
    problems: tuple[str, ...]
    dps: int

    def error_fraction_lower(self) -> Fraction:
        """A rational slightly below the error (safe to compare against a bound)."""
        with mpmath.workdps(self.dps):
            lo = self.error * (1 - mpmath.mpf(10) ** (5 - self.dps))
            m, e = mpmath.frexp(lo)
            scaled = int(mpmath.floor(m * 2**80))
            return Fraction(scaled) * Fraction(2) ** (int(e) - 80)

    def error_fraction_upper(self) -> Fraction:
        """A rational slightly above the error."""
        with mpmath.workdps(self.dps):
            hi = self.error * (1 + mpmath.mpf(10) ** (5 - self.dps)) + mpmath.mpf(10) ** -self.dps
            m, e = mpmath.frexp(hi)
            scaled = int(mpmath.ceil(m * 2**80))
            return Fraction(scaled) * Fraction(2) ** (int(e) - 80)

    def exceeds(self, bound: Fraction) -> bool:
        """True only when the replayed error is certainly above ``bound`` (soundness rule 2)."""
        return self.error_fraction_lower() > bound

    def to_json(self) -> dict[str, Any]:
        return {"error": mpmath.nstr(self.error, 20), "error_float": float(self.error),
                "nominal": [mpmath.nstr(v, 20) for v in self.nominal],
                "failed": [mpmath.nstr(v, 20) for v in self.failed],
                "valid": self.valid, "problems": list(self.problems), "dps": self.dps}


def mp_forward(net: Network, x: tuple[Fraction, ...]) -> list[list[mpmath.mpf]]:
    """Nominal activations of every hidden layer at input x (current mpmath precision)."""
    act = net.activation.mp_fn
    y = [_mp(v) for v in x]
    acts = []
    for layer in net.layers:
        y = [act(mpmath.fsum(_mp(w) * yi for w, yi in zip(row, y, strict=True)) + _mp(b))
             for row, b in zip(layer.weights, layer.bias, strict=True)]
        acts.append(y)
    return acts


def replay(net: Network, witness: Witness, model: FailureModel | None = None,
           dps: int = DEFAULT_DPS, output: int | None = None,
           failures: Sequence[int] | None = None) -> ReplayResult:
    """Re-evaluate ``witness`` in high precision and return the output error.

    The witness is first validated against the network and the model
    (:meth:`FailureModel.validate`; with ``failures`` also against that per-layer claim):
    a :class:`~fepproof.failures.WitnessError` naming the field if it does not fit.  Then
    the nominal-dependent conditions (a Byzantine value within C of the nominal value, a
    synapse's delivered value within [-C, C], the input inside its box) are reported in
    ``problems``.  ``output`` picks one output; ``None`` takes the maximum over outputs.
    """
    if dps < 40:
        raise ValueError("dps: replay needs at least 40 significant digits")
    if model is None:
        validate_witness(None, witness, net, failures)
    else:
        model.validate(witness, net, failures)
    problems: list[str] = []
    output = witness.output if output is None else output
    with mpmath.workdps(dps):
        act = net.activation.mp_fn
        for i, (v, (lo, hi)) in enumerate(zip(witness.input, net.input_domain, strict=True)):
            if not lo <= v <= hi:
                problems.append(f"input[{i}] = {fmt_decimal(v)} outside [{lo}, {hi}]")
        nominal_acts = mp_forward(net, witness.input)
        syn = {tuple(s): d for s, d in zip(witness.synapses, witness.synapse_deltas,
                                           strict=True)}
        y = [_mp(v) for v in witness.input]
        for l, layer in enumerate([*net.layers, net.output]):
            s = []
            for j, (row, b) in enumerate(zip(layer.weights, layer.bias, strict=True)):
                terms = []
                for i, (w, yi) in enumerate(zip(row, y, strict=True)):
                    t = _mp(w) * yi
                    d = syn.get((l + 1, j, i))
                    if d is not None:
                        t += _mp(d)
                        if model is not None and (why := model.delivered_problem(d, t)):
                            problems.append(f"synapse {(l + 1, j, i)}: {why}")
                    terms.append(t)
                s.append(mpmath.fsum(terms) + _mp(b))
            if l == net.depth:
                y = s
                break
            y = [act(v) for v in s]
            for k, idx in enumerate(witness.failed[l] if witness.failed else ()):
                sent = _sent(model, witness, l, k)
                if model is not None and (why := model.sent_problem(sent,
                                                                    nominal_acts[l][idx])):
                    problems.append(f"layer {l + 1} neuron {idx}: {why}")
                y[idx] = sent
        failed_out = tuple(y)
        nominal_out = []
        for row, b in zip(net.output.weights, net.output.bias, strict=True):
            nominal_out.append(mpmath.fsum(_mp(w) * v for w, v in
                                           zip(row, nominal_acts[-1], strict=True)) + _mp(b))
        errs = [abs(a - c) for a, c in zip(nominal_out, failed_out, strict=True)]
        err = errs[output] if output is not None else max(errs)
        return ReplayResult(tuple(nominal_out), failed_out, err, not problems, tuple(problems), dps)


def _sent(model: FailureModel | None, witness: Witness, l: int, k: int) -> mpmath.mpf:
    """What failed neuron k of layer l sends: its witness value, else the model's fixed
    value (crash: 0; stuck-at: v)."""
    if witness.values is not None:
        return _mp(witness.values[l][k])
    fixed = (model or FailureModel.crash()).fixed_value
    assert fixed is not None  # validate() rejects a missing value the model does not fix
    return _mp(fixed)
