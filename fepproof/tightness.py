"""The tightness constructions of the paper's proofs as families of networks.

"Tight" can only mean "attained in the limit by some network" (design.md).  Each family
has a parameter that drives worst/Fep -> 1:

* :func:`theorem1_network` (Theorem 1, one hidden layer, crashes): N neurons with input
  weight ``a`` and output weight w_m.  At x = 1 every neuron outputs sigma(4 K a) -> 1,
  so crashing f of them moves the output by f w_m sigma(4 K a) -> f w_m = Fep.
* :func:`theorem2_network` (Theorem 2, all failures in one layer, Byzantine with the
  ``deviation`` reading): the failing layer outputs a constant; every later layer has
  all weights ``w`` and biases that put each neuron at pre-activation 0, where phi has
  its largest slope K (Conditions 1-3 of the proof hold with equality in the limit
  w -> 0, when the deviation stays in phi's linear regime).  worst/Fep -> 1 as w -> 0.
  With failures in several layers (``failures`` with more than one non-zero entry) the
  same networks give the ratios reported by :func:`tightness_ratio`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .bounds import fep
from .failures import FailureModel
from .network import Activation, Layer, Network

__all__ = ["theorem1_network", "theorem2_network", "THEOREM1_PARAMS", "THEOREM2_PARAMS",
           "TightnessPoint", "tightness_ratio"]

THEOREM1_PARAMS = (Fraction(1), Fraction(2), Fraction(4), Fraction(8), Fraction(16))
THEOREM2_PARAMS = (Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(1, 8),
                   Fraction(1, 16))


def theorem1_network(a: Fraction, N: int = 3, wm: Fraction = Fraction(1),
                     K: Fraction = Fraction(1, 4)) -> Network:
    """Theorem 1's worst case: one input in [0, 1], N hidden neurons sigma(4 K a x), every
    output weight w_m (positively proportional, Condition of equality in (6))."""
    hidden = Layer(tuple((Fraction(a),) for _ in range(N)), tuple(Fraction(0) for _ in range(N)))
    out = Layer((tuple(Fraction(wm) for _ in range(N)),), (Fraction(0),))
    return Network((hidden,), out, Activation("sigmoid", Fraction(K)),
                   ((Fraction(0), Fraction(1)),), f"theorem1_a{a}")


def theorem2_network(w: Fraction, widths: Sequence[int] = (2, 3),
                     K: Fraction = Fraction(1, 4), wout: Fraction = Fraction(1)) -> Network:
    """Theorem 2's worst case for failures in layer 1: layer 1 outputs 1/2 whatever the
    input (zero weights, zero bias); every later layer has weights w and bias
    -w N_(l-1) / 2, so every neuron sits at pre-activation 0 (slope K) and outputs 1/2."""
    d = 1
    layers = [Layer(tuple(tuple(Fraction(0) for _ in range(d)) for _ in range(widths[0])),
                    tuple(Fraction(0) for _ in range(widths[0])))]
    for prev, n in zip(widths, widths[1:]):
        layers.append(Layer(tuple(tuple(Fraction(w) for _ in range(prev)) for _ in range(n)),
                            tuple(-Fraction(w) * prev / 2 for _ in range(n))))
    out = Layer((tuple(Fraction(wout) for _ in range(widths[-1])),), (Fraction(0),))
    return Network(tuple(layers), out, Activation("sigmoid", Fraction(K)),
                   ((Fraction(0), Fraction(1)),), f"theorem2_w{w}")


@dataclass(frozen=True)
class TightnessPoint:
    """One family member: Fep, the worst-case bracket and worst/Fep."""

    name: str
    fep: Fraction
    lower: Fraction | None
    upper: Fraction | None
    verdict: str

    @property
    def ratio_lower(self) -> float | None:
        return None if self.lower is None else float(self.lower / self.fep)

    @property
    def ratio_upper(self) -> float | None:
        return None if self.upper is None else float(self.upper / self.fep)


def tightness_ratio(net: Network, failures: Sequence[int], model: FailureModel,
                    timeout: float = 20.0, tolerance: Fraction = Fraction(1, 100)
                    ) -> TightnessPoint:
    """worst/Fep on one network: the z3 engine brackets the worst case (claim: Fep)."""
    from .smt import verify_z3
    from .verify_api import VerifyProblem
    F = fep(net, failures, model).value
    res = verify_z3(VerifyProblem(net, tuple(failures), model, F, F, tolerance, timeout))
    return TightnessPoint(net.name, F, res.lower, res.upper, res.verdict.value)
