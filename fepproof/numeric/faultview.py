"""The failure model as the branch-and-bound engine sees it, in one place.

:mod:`.leaf`, :mod:`.attack` and :mod:`.bab` never look at a model's kind or reading:
they call these helpers, which ask :class:`fepproof.failures.FailureModel` (its
properties ``fails_neurons``, ``free_value``, ``fixed_value``, its deviation intervals
and sent values).  Controls u in [-1, 1] parametrise free sent values; they are shrunk
slightly inside the capacity so that high-precision replay accepts them.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from ..failures import FailureModel
from .floatnet import FloatNet
from .rounding import pad

__all__ = ["neuron_kind", "has_sign", "failed_deviation", "synapse_deviation",
           "sent_deviation", "synapse_extra", "exact_sent", "exact_synapse_delta", "model_of",
           "control_scale", "records_values",
           "sent_alpha", "failed_offsets", "Window", "sent_max"]

SHRINK = 1 - 1e-6  # free sent values stay this far inside the capacity (replay-safe)


def model_of(fn: FloatNet) -> FailureModel:
    if fn.model is None:
        raise ValueError("model: FloatNet.make(..., model) records the failure model")
    return fn.model


def neuron_kind(fn: FloatNet) -> bool:
    """True when neurons fail; False for synapse failures."""
    return model_of(fn).fails_neurons


def has_sign(fn: FloatNet) -> bool:
    """Whether a failed component chooses what it sends (one control u each)."""
    return model_of(fn).free_value


@lru_cache(maxsize=64)
def _offset_only(model: FailureModel) -> bool:
    """True when sent - nominal does not depend on the nominal value (C u): asked of the
    model's own deviation interval, so it is computed without cancellation."""
    return model.deviation_interval(Fraction(0), Fraction(0)) == \
        model.deviation_interval(Fraction(0), Fraction(1))


Window = tuple[np.ndarray, np.ndarray] | None


def failed_deviation(fn: FloatNet, ylo: np.ndarray, yhi: np.ndarray, window: Window = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Interval of sent - nominal for a failed neuron whose nominal output is in
    [ylo, yhi] (outward rounded by the model); ``window``: the controls' windows
    [ulo, uhi] of a free sent value (a branch-and-bound leaf's sent-value splits)."""
    m = model_of(fn)
    if window is None or not m.free_value:
        return m.deviation_interval_f(ylo, yhi)
    alpha = sent_alpha(fn)
    olo, ohi = failed_offsets(fn, ylo, yhi, window)
    if alpha == 1.0:
        return olo, ohi
    return pad(olo - yhi, ohi - ylo, np.abs(olo) + np.abs(ohi) + np.abs(yhi) + np.abs(ylo))


def failed_offsets(fn: FloatNet, ylo: np.ndarray, yhi: np.ndarray, window: Window = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] of o in sent = alpha y + o (alpha: :func:`sent_alpha`) for failed neurons
    with nominal outputs in [ylo, yhi], outward rounded: the fixed value (crash: 0,
    stuck-at: v), or for a free sent value C u with u in ``window`` (default [-1, 1]).
    The value reading's o = C u does not depend on y: |sent| <= C."""
    m = model_of(fn)
    shape = np.shape(ylo)
    if not m.free_value:
        v = np.full(shape, float(m.fixed_value))
        return pad(v, v)
    ulo, uhi = (-1.0, 1.0) if window is None else window
    C = float(m.C)
    return pad(np.broadcast_to(C * np.asarray(ulo, dtype=float), shape),
               np.broadcast_to(C * np.asarray(uhi, dtype=float), shape))


def synapse_deviation(fn: FloatNet, W: np.ndarray, sup: np.ndarray) -> np.ndarray:
    """Largest |delivered - w_ji y_i| per synapse (|y_i| <= sup_i)."""
    t = np.abs(W) * sup[None, :]
    lo, hi = model_of(fn).deviation_interval_f(-t, t)
    return np.maximum(-lo, hi)


def sent_deviation(fn: FloatNet, nominal: np.ndarray, u: np.ndarray) -> np.ndarray:
    """sent - nominal for failed neurons with nominal output ``nominal``, controls u."""
    m = model_of(fn)
    if not m.free_value:
        return float(m.fixed_value) - nominal
    if _offset_only(m):
        return u * float(m.C) * SHRINK
    return m.sends_f(nominal, u) - nominal


def records_values(fn: FloatNet) -> bool:
    """Whether a witness lists the sent values: all but crashes (which send 0; the
    convention of the other engines: ``values`` is null for crashes)."""
    return model_of(fn).fixed_value != 0


def control_scale(fn: FloatNet) -> float:
    """d(sent)/du for a free sent value (0 when the model fixes what is sent)."""
    m = model_of(fn)
    if not m.free_value:
        return 0.0
    return float(m.C) * (SHRINK if _offset_only(m) else 1.0)


def synapse_extra(fn: FloatNet, w: np.ndarray, y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """delivered - w y for failed synapses with controls u."""
    m = model_of(fn)
    if _offset_only(m):
        return u * float(m.C) * SHRINK
    term = w * y
    return m.sends_f(term, u * SHRINK) - term


def exact_sent(fn: FloatNet, nominal: float, u: float) -> Fraction:
    """The exact sent value recorded in a witness (see :func:`sent_deviation`): a value
    the model allows whatever the exact nominal output (within float rounding of
    ``nominal``): shrunk inside the capacity when it is relative to the nominal value,
    else interpolated exactly inside the model's sent interval."""
    m = model_of(fn)
    if not m.free_value:
        assert m.fixed_value is not None
        return m.fixed_value
    q = Fraction(float(np.clip(u, -1, 1)))
    if _offset_only(m):
        return Fraction(nominal) + q * Fraction(SHRINK) * m.C
    lo, hi = m.sent_interval(Fraction(nominal), Fraction(nominal))
    return lo + (q + 1) / 2 * (hi - lo)


def exact_synapse_delta(fn: FloatNet, w: float, y: float, u: float) -> Fraction:
    """The exact change of a delivered term recorded in a synapse witness."""
    m = model_of(fn)
    q = Fraction(float(np.clip(u, -1, 1))) * Fraction(SHRINK)
    if _offset_only(m):
        return q * m.C
    term = Fraction(w) * Fraction(y)
    return Fraction(float(m.sends_f(float(term), float(q)))) - term


def sent_alpha(fn: FloatNet) -> float:
    """alpha in sent = alpha y + o (see :func:`failed_offsets`): 1 when a failed neuron
    sends its nominal output plus C u (deviation reading), else 0 (crash, stuck-at,
    value reading)."""
    m = model_of(fn)
    return 1.0 if m.free_value and _offset_only(m) else 0.0


def sent_max(fn: FloatNet) -> float:
    """A bound on |y| for every value a neuron of the failed copy sends: a correct output
    lies in (0, 1), a failed one is alpha y + o (:func:`failed_offsets`, whole window)."""
    olo, ohi = failed_offsets(fn, np.zeros(1), np.ones(1))
    return max(1.0, sent_alpha(fn) + float(max(abs(olo[0]), abs(ohi[0]))))
