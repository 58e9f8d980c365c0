"""The z3 engine of ``fepproof verify`` (sound sigmoid relaxation, counterexample search
with refinement, worst-case bracket).  z3 objects never leave this package.

Modules: :mod:`.envelope` certified sigmoid envelopes; :mod:`.ibp` interval bounds and
the difference network; :mod:`.encode` the z3 encoding; :mod:`.witness` replayed
witnesses; :mod:`.engine` the refinement / bracket loop (:func:`verify_z3`).
"""

from .engine import NAIVE, Options, verify_z3

__all__ = ["verify_z3", "Options", "NAIVE"]
