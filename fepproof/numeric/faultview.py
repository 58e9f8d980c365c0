"""The failure model as the branch-and-bound engine sees it, in one place (issue 11).

Every dependence of :mod:`.leaf`, :mod:`.attack` and :mod:`.bab` on the failure model's
kind and capacity reading lives here, so it can be routed through ``FailureModel``'s own
methods (issue 10) by editing this module only.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .upper import FloatNet

__all__ = ["neuron_kind", "failed_deviation", "synapse_deviation", "sent",
           "sent_deviation", "synapse_extra", "has_sign", "exact_sent",
           "exact_synapse_delta"]

DEV_SHRINK = 1 - 1e-6  # Byzantine deviation sent slightly inside the capacity (replay-safe)
VAL_SHRINK = 1 - 1e-9  # value reading: sent value slightly inside [-C, C]


def neuron_kind(fn: FloatNet) -> bool:
    """True when neurons fail (crash, Byzantine); False for synapse failures."""
    return fn.kind != "synapse"


def has_sign(fn: FloatNet) -> bool:
    """Whether a failed component has a free sent value (Byzantine neuron or synapse)."""
    return fn.kind != "crash"


def failed_deviation(fn: FloatNet, ylo: np.ndarray, yhi: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Interval of sent - nominal for a failed neuron whose nominal output is in [ylo, yhi]."""
    if fn.kind == "crash":
        return -yhi, -ylo
    if fn.reading == "deviation":
        return np.full(ylo.shape, -fn.C), np.full(ylo.shape, fn.C)
    return -fn.C - yhi, fn.C - ylo


def synapse_deviation(fn: FloatNet, W: np.ndarray, sup: np.ndarray) -> np.ndarray:
    """Largest |delivered - w_ji y_i| per synapse (|y_i| <= sup_i)."""
    if fn.reading == "deviation":
        return np.full(W.shape, fn.C)
    return fn.C + np.abs(W) * sup[None, :]


def sent(fn: FloatNet, nominal: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Value sent by failed neurons with nominal output ``nominal`` and control u in [-1, 1]."""
    if fn.kind == "crash":
        return np.zeros_like(nominal)
    if fn.reading == "deviation":
        return nominal + u * fn.C * DEV_SHRINK
    return u * fn.C * VAL_SHRINK


def sent_deviation(fn: FloatNet, nominal: np.ndarray, u: np.ndarray) -> np.ndarray:
    """sent - nominal, computed without cancellation (see :func:`sent`)."""
    if fn.kind == "crash":
        return -nominal
    if fn.reading == "deviation":
        return u * fn.C * DEV_SHRINK
    return u * fn.C * VAL_SHRINK - nominal


def synapse_extra(fn: FloatNet, w: np.ndarray, y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """delivered - w y for failed synapses with control u in [-1, 1]."""
    if fn.reading == "deviation":
        return u * fn.C * DEV_SHRINK
    return u * fn.C * VAL_SHRINK - w * y


def exact_sent(fn: FloatNet, C: Fraction, nominal: float, u: float) -> Fraction:
    """The exact sent value recorded in a witness (see :func:`sent`)."""
    if fn.kind == "byzantine" and fn.reading == "deviation":
        return Fraction(nominal) + Fraction(u) * C * Fraction(DEV_SHRINK)
    return Fraction(u) * C * Fraction(VAL_SHRINK)


def exact_synapse_delta(fn: FloatNet, C: Fraction, w: float, y: float, u: float) -> Fraction:
    """The exact change of a delivered term recorded in a synapse witness."""
    if fn.reading == "deviation":
        return Fraction(u) * C * Fraction(DEV_SHRINK)
    return Fraction(u) * C * Fraction(VAL_SHRINK) - Fraction(w) * Fraction(y)
