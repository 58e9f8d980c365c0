"""Float64 facts about phi_K(x) = sigmoid(4Kx) used by the certified bound.

Every helper returns values that are exact up to float64 rounding; callers widen the
results outward (``widen``) before using them in a bound, so rounding cannot make a bound
unsound.  Facts used (standard, see docs/numeric.md):

* phi' = 4K phi (1 - phi) is even around 0 and decreasing in |x|: its range over [a, b]
  is [min(phi'(a), phi'(b)), phi'(clip(0, a, b))].
* g_d(s) = phi(s + d) - phi(s) is symmetric around s = -d/2 and unimodal there (a
  maximum when d > 0, a minimum when d < 0), so over s in [a, b] its extremes lie in
  {a, b, clip(-d/2, a, b)}; and g_d(s) is increasing in d.
"""

from __future__ import annotations

import numpy as np

__all__ = ["phi", "dphi", "dphi_range", "diff_range", "widen", "REL", "ABS"]

REL = 1e-9   # relative outward widening per step (float64 rounding is ~1e-13 here)
ABS = 1e-12  # absolute outward widening per step


def phi(s: np.ndarray, slope: float) -> np.ndarray:
    """sigmoid(slope * s) without overflow (slope = 4K)."""
    z = slope * np.asarray(s, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def dphi(s: np.ndarray, slope: float) -> np.ndarray:
    """phi'(s) = slope * phi (1 - phi)."""
    p = phi(s, slope)
    return slope * p * (1.0 - p)


def dphi_range(a: np.ndarray, b: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Range [lo, hi] of phi' over [a, b] (elementwise)."""
    hi = dphi(np.clip(0.0, a, b), slope)
    lo = np.minimum(dphi(a, slope), dphi(b, slope))
    return lo, hi


def _g(s: np.ndarray, d: np.ndarray, slope: float) -> np.ndarray:
    return phi(s + d, slope) - phi(s, slope)


def diff_range(slo: np.ndarray, shi: np.ndarray, dlo: np.ndarray, dhi: np.ndarray,
               slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Range of phi(s + d) - phi(s) over s in [slo, shi], d in [dlo, dhi] (secant facts)."""
    cands_hi = [_g(s, dhi, slope) for s in (slo, shi, np.clip(-dhi / 2, slo, shi))]
    cands_lo = [_g(s, dlo, slope) for s in (slo, shi, np.clip(-dlo / 2, slo, shi))]
    return np.minimum.reduce(cands_lo), np.maximum.reduce(cands_hi)


def widen(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outward rounding allowance for an interval computed in float64."""
    pad = REL * (np.abs(lo) + np.abs(hi)) + ABS
    return lo - pad, hi + pad
