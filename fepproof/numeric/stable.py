"""Relatively accurate float64 sigmoid facts for the scale-aware bounds.

``phi``, ``dphi`` and ``gdiff`` (phi(s + d) - phi(s)) are computed without cancellation,
so each result carries a *relative* error of a few ulps (|slope * s| < 1e6 assumed; the
error then stays below 1e-9 relative).  That is what lets :mod:`.leaf` pad bounds in
proportion to the magnitudes involved instead of by an absolute 1e-12, which would swamp
a 1e-20 deviation that a 1e20 output weight later amplifies
(degenerate networks such as x -> sigma(1e-20 y) -> 1e20 z, tests/test_bab.py).

* phi(s) = sigma(z), z = slope s: 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) otherwise.
* phi'(s) = slope e^-|z| / (1 + e^-|z|)^2.
* sigma(a) - sigma(b) = (tanh(a/2) - tanh(b/2)) / 2 = sinh(w) / (2 cosh(a/2) cosh(b/2)),
  w = (a - b) / 2 = slope d / 2, i.e. with p = |a|/2, q = |b|/2 (|w| <= p + q):
  2 sinh(w) e^(-p-q) / ((1 + e^-2p)(1 + e^-2q)).
"""

from __future__ import annotations

import numpy as np

__all__ = ["phi", "dphi", "gdiff", "dphi_range", "diff_range", "pad", "REL", "TINY"]

REL = 1e-9     # relative pad: far above the few-ulp error of every helper and sum here
TINY = 1e-300  # absolute pad: covers underflow (results below ~1e-308 lose relative accuracy)


def pad(lo: np.ndarray, hi: np.ndarray, mag: np.ndarray | float | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Widen [lo, hi] by REL times the magnitude of the computation (default: |lo|, |hi|)."""
    m = np.maximum(np.abs(lo), np.abs(hi)) if mag is None else mag
    p = REL * m + TINY
    return lo - p, hi + p


def phi(s: np.ndarray, slope: float) -> np.ndarray:
    z = slope * np.asarray(s, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def dphi(s: np.ndarray, slope: float) -> np.ndarray:
    e = np.exp(-np.abs(slope * np.asarray(s, dtype=np.float64)))
    return slope * e / (1.0 + e) ** 2


def gdiff(s: np.ndarray, d: np.ndarray, slope: float) -> np.ndarray:
    """phi(s + d) - phi(s) with a small relative error (no cancellation)."""
    s = np.asarray(s, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    p = 0.5 * np.abs(slope * (s + d))
    q = 0.5 * np.abs(slope * s)
    w = 0.5 * slope * d
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        small = np.abs(w) < 1.0
        ws = np.where(small, w, 0.0)
        num_small = 2.0 * np.sinh(ws) * np.exp(-p - q)
        num_big = np.exp(np.minimum(w - p - q, 0.0)) - np.exp(np.minimum(-w - p - q, 0.0))
        num = np.where(small, num_small, num_big)
        den = (1.0 + np.exp(-2.0 * p)) * (1.0 + np.exp(-2.0 * q))
    return num / den


def dphi_range(a: np.ndarray, b: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Range of phi' over [a, b]: phi' is even and decreasing in |s| (padded)."""
    hi = dphi(np.clip(0.0, a, b), slope)
    lo = np.minimum(dphi(a, slope), dphi(b, slope))
    return np.maximum(lo * (1 - REL), 0.0), hi * (1 + REL) + TINY


def diff_range(slo: np.ndarray, shi: np.ndarray, dlo: np.ndarray, dhi: np.ndarray,
               slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Range of phi(s + d) - phi(s), s in [slo, shi], d in [dlo, dhi] (padded).

    g_d(s) is symmetric about s = -d/2 and unimodal there, and increasing in d, so the
    extremes lie at d = dlo / dhi and s in {slo, shi, clip(-d/2)}."""
    # one gdiff call on the six candidates (the per-call overhead dominates on small
    # layers)
    slo, shi, dlo, dhi = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64)
                                               for v in (slo, shi, dlo, dhi)))
    S = np.stack([slo, shi, np.clip(-dhi / 2, slo, shi), slo, shi, np.clip(-dlo / 2, slo, shi)])
    D = np.stack([dhi, dhi, dhi, dlo, dlo, dlo])
    g = gdiff(S, D, slope)
    return pad(g[3:].min(axis=0), g[:3].max(axis=0))
