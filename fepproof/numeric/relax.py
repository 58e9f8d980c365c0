"""The sigmoid's relaxation: every valid inequality the numeric engines use about
phi(s) = sigma(slope s), on an interval, padded outward (:mod:`.rounding`).

This is the one place that knows the activation (a tanh network reaches the engines as
its exact sigmoid form, :mod:`fepproof.sigmoid_form`).  What it provides:

* ``phi``, ``dphi``, ``gdiff`` (phi(s + d) - phi(s)): float64 values with a few ulps of
  *relative* error (no cancellation; |slope * s| < 1e6 assumed, the error then stays
  below 1e-9 relative), which is what lets the bounds pad in proportion to the
  magnitudes involved;
* ``dphi_range``: the range of phi' over [a, b] (phi' is even and decreasing in |s|);
* ``diff_range``: the range of phi(s + d) - phi(s) over a box in (s, d) (symmetric about
  s = -d/2, unimodal there, increasing in d);
* ``lines``: for ANY slope a, a s + cl <= phi(s) <= a s + cu on [lo, hi] (phi(s) - a s is
  extreme at lo, hi or where phi'(s) = a, each candidate evaluated); ``chord_slope`` and
  ``chord_lines``: the same with the chord's slope;
* ``dd_phi_max``: a bound on |phi''| over [a, b] (for the interpolation error of planes).

Facts used: phi(s) = sigma(z), z = slope s: 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z)
otherwise; phi'(s) = slope e^-|z| / (1 + e^-|z|)^2; sigma(a) - sigma(b) =
sinh(w) / (2 cosh(a/2) cosh(b/2)), w = (a - b) / 2 = slope d / 2, i.e. with p = |a|/2,
q = |b|/2 (|w| <= p + q): 2 sinh(w) e^(-p-q) / ((1 + e^-2p)(1 + e^-2q)).
"""


from __future__ import annotations

import math

import numpy as np

from .rounding import REL, TINY, pad

__all__ = ["phi", "dphi", "gdiff", "dphi_range", "diff_range", "chord_slope", "lines",
           "chord_lines", "dd_phi_max"]


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


def chord_slope(lo: np.ndarray, hi: np.ndarray, slope: float,
                fallback: np.ndarray | float = 0.0) -> np.ndarray:
    """The chord's slope (phi(hi) - phi(lo)) / (hi - lo), ``fallback`` on a point-like
    interval (any slope gives valid :func:`lines`; this one is the tightest there)."""
    w = hi - lo
    ok = w > 1e-12 * (1 + np.abs(lo) + np.abs(hi))
    return np.where(ok, (phi(hi, slope) - phi(lo, slope)) / np.where(ok, w, 1.0), fallback)


def lines(lo: np.ndarray, hi: np.ndarray, a: np.ndarray, slope: float
          ) -> tuple[np.ndarray, np.ndarray]:
    """[cl, cu] with a s + cl <= phi(s) <= a s + cu for every s in [lo, hi] (padded); the
    slope a is clipped to [0, slope / 4], the range of phi'."""
    a = np.clip(a, 0.0, slope / 4)
    disc = np.sqrt(np.maximum(1.0 - 4.0 * a / slope, 0.0))
    cands = [lo, hi]
    for sgn in (1.0, -1.0):  # phi'(s) = a where phi(s) = p, p (1 - p) = a / slope
        p = np.clip(0.5 * (1 + sgn * disc), 1e-300, 1 - 1e-16)
        cands.append(np.clip(np.log(p / (1 - p)) / slope, lo, hi))
    vals = [phi(c, slope) - a * c for c in cands]
    mag = 1.0 + a * np.maximum(np.abs(lo), np.abs(hi))
    return pad(np.minimum.reduce(vals), np.maximum.reduce(vals), mag)


def chord_lines(lo: np.ndarray, hi: np.ndarray, slope: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lam, cl, cu): phi(s) = lam s + c with c in [cl, cu] on [lo, hi], lam the chord."""
    lam = np.clip(chord_slope(lo, hi, slope), 0.0, slope / 4)
    return lam, *lines(lo, hi, lam, slope)


ZPEAK = math.log(2.0 + math.sqrt(3.0))  # |sigma''| peaks at z = +-ZPEAK


def _abs_dd_sigma(z: np.ndarray) -> np.ndarray:
    """|sigma''(z)| = e (1 - e) / (1 + e)^3, e = exp(-|z|): no cancellation (written as
    sigma (1 - sigma) (1 - 2 sigma) it is 0 in float64 from |z| ~ 37 on)."""
    e = np.exp(-np.abs(z))
    return e * (1.0 - e) / (1.0 + e) ** 3


def dd_phi_max(a: np.ndarray, b: np.ndarray, slope: float) -> np.ndarray:
    """Upper bound of |phi''| over [a, b] (phi(s) = sigma(slope s)), padded."""
    za, zb = slope * a, slope * b
    vals = [_abs_dd_sigma(za), _abs_dd_sigma(zb),
            _abs_dd_sigma(np.clip(ZPEAK, za, zb)), _abs_dd_sigma(np.clip(-ZPEAK, za, zb))]
    return slope * slope * np.maximum.reduce(vals) * (1 + 1e-6) + TINY
