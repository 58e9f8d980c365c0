"""Outward rounding for the numeric engines' float64 bounds: one rule, one place.

Every quantity a bound uses is computed in float64 and then widened by ``pad``: ``REL``
times the magnitude of the computation that produced it (the sum of the absolute values
of its terms, carried along by the callers as ``mag``; by default the result's own
magnitude, valid for the relatively accurate sigmoid facts of :mod:`.relax`), plus
``TINY`` for underflow.  Float64 rounding of a sum of n terms is below n u sum|terms|
(u = 2^-53); with n <= 1e6 that is below 1.2e-10 sum|terms|, so ``REL`` = 1e-9 covers it
with a wide margin, and ``PADR`` = 10 ``REL`` covers the back-substituted sums, which
round once more per layer.  A relative pad keeps a 1e-20 deviation meaningful (an
absolute 1e-12 would swamp it; see tests/test_bab.py's degenerate networks).
"""

from __future__ import annotations

import numpy as np

__all__ = ["REL", "TINY", "PADR", "pad"]

REL = 1e-9     # relative pad: far above the few-ulp error of every helper and sum
TINY = 1e-300  # absolute pad: covers underflow (results below ~1e-308 lose relative accuracy)
PADR = 10 * REL  # pad of a back-substituted sum, relative to its magnitude


def pad(lo: np.ndarray, hi: np.ndarray, mag: np.ndarray | float | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Widen [lo, hi] by REL times the magnitude of the computation (default: |lo|, |hi|)."""
    m = np.maximum(np.abs(lo), np.abs(hi)) if mag is None else mag
    p = REL * m + TINY
    return lo - p, hi + p
