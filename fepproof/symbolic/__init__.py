"""The sympy layer: the paper's closed forms derived from neuron-level error recurrences.

- :mod:`.notation`   the symbols (Indexed ``f[l]``, ``N[l]``, ``w[l]`` = w_m^(l), K, C).
- :mod:`.recurrence` the recurrences (Theorem 2, Theorem 4, Theorem 5), unrolled for a
  concrete depth, and the closed forms (as printed and corrected) to compare them with.
- :mod:`.rewrite`    sound rewrite rules on ``Sum``/``Product`` (split off the last
  layer, pull constants out) and the residual check.
- :mod:`.induction`  the induction step for a symbolic depth L.
- :mod:`.derivation` ``fep_derivation(depth)``: the Theorem 2 derivation as data.
"""

from .derivation import Derivation, Step, fep_derivation

__all__ = ["Derivation", "Step", "fep_derivation"]
