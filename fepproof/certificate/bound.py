"""The checker's own upper bound of |F(x) - F_S(x)| on one leaf (Theorem 2's quantity,
re-derived on the leaf's ranges, with outward rounding).

Interval propagation of both copies, kept coupled through the differences e = y' - y:

* nominal pre-activations s = W y + b by interval products and rigorous sums, clipped to
  the leaf's pre-activation windows (an empty window: the leaf holds no point, bound 0);
  y = phi(s) by the monotone enclosure;
* a correct neuron: e = phi(s + d) - phi(s) over s in its range and d = W e' (the
  previous layer's differences) in its range, by the exact extremes of
  :meth:`.rigor.Sigmoid.diff_range`;
* a failed neuron: e = sent - y with what the failure model lets it send (``sent = v``
  for crash and stuck-at, ``y + C u`` or ``C u`` for Byzantine neurons, u in the leaf's
  control window);
* a layer with ``free`` failures left among its MAYBE neurons: each next-layer sum takes
  the correct terms of every MAYBE neuron plus the ``free`` largest changes (failed term
  minus correct term); that is the exact maximum of the sum over the allowed choices,
  taken per sum (so per sum possibly a different choice: an over-approximation).

The output is linear: F - F_S = W_out e_L, and the bound is max over the claimed outputs
of max(hi, -lo).  Nothing here imports the engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..failures import FailureModel
from ..network import Network
from .rigor import Sigmoid, down, frac_interval, mul_interval, sum_down, sum_up, up

__all__ = ["FAILED", "OK", "MAYBE", "Enclosed", "LeafState", "leaf_bounds", "normalise_status"]

FAILED, OK, MAYBE = 1, -1, 0


def normalise_status(status: list[np.ndarray], free: list[int]) -> None:
    """In place: undecided (MAYBE) neurons become OK when their layer has no failure left
    to place, FAILED when every one of them must fail.  The engines' leaves use this same
    function, so the trees they record are the checker's by construction."""
    for l, s in enumerate(status):
        maybe = s == MAYBE
        if free[l] == 0:
            s[maybe] = OK
        elif int(maybe.sum()) == free[l]:
            s[maybe] = FAILED
            free[l] = 0


def _enclose(rows) -> tuple[np.ndarray, np.ndarray]:
    pairs = [[frac_interval(Fraction(v)) for v in row] for row in rows]
    arr = np.array(pairs, dtype=np.float64).reshape(len(rows), -1, 2)
    return arr[..., 0], arr[..., 1]


@dataclass
class Enclosed:
    """The network's exact numbers enclosed in float intervals, and the model."""

    Ws: list[tuple[np.ndarray, np.ndarray]]
    bs: list[tuple[np.ndarray, np.ndarray]]
    Wout: tuple[np.ndarray, np.ndarray]
    sig: Sigmoid
    model: FailureModel
    outputs: list[int]
    C: tuple[float, float]
    fixed: tuple[float, float] | None

    @classmethod
    def make(cls, net: Network, model: FailureModel, output: int | None) -> Enclosed:
        Ws, bs = [], []
        for layer in net.layers:
            Ws.append(_enclose(layer.weights))
            b = _enclose([layer.bias])
            bs.append((b[0][0], b[1][0]))
        fixed = model.fixed_value
        return cls(Ws, bs, _enclose(net.output.weights), Sigmoid(net.activation.slope), model,
                   list(range(net.n_outputs)) if output is None else [output],
                   frac_interval(model.C), None if fixed is None else frac_interval(fixed))


@dataclass
class LeafState:
    """One leaf: input box, failure status per neuron, free failures per layer, windows."""

    lo: np.ndarray
    hi: np.ndarray
    status: list[np.ndarray]
    free: list[int]
    plo: list[np.ndarray]
    phi: list[np.ndarray]
    ulo: list[np.ndarray] | None
    uhi: list[np.ndarray] | None

    def copy(self) -> LeafState:
        def cp(xs):
            return None if xs is None else [x.copy() for x in xs]
        return LeafState(self.lo.copy(), self.hi.copy(), cp(self.status), list(self.free),
                         cp(self.plo), cp(self.phi), cp(self.ulo), cp(self.uhi))

    def normalise(self) -> LeafState:
        normalise_status(self.status, self.free)
        return self

    def empty(self) -> bool:
        """No point: an inverted box or window, or fewer MAYBE neurons than failures left."""
        if np.any(self.lo > self.hi) or any(int((s == MAYBE).sum()) < f for s, f
                                            in zip(self.status, self.free, strict=True)):
            return True
        return bool(self.ulo is not None
                    and any(np.any(a > b) for a, b in zip(self.ulo, self.uhi, strict=True)))


def _affine(W, b, lo, hi):
    tlo, thi = mul_interval(W[0], W[1], lo[..., None, :], hi[..., None, :])
    return down(sum_down(tlo, axis=-1) + b[0]), up(sum_up(thi, axis=-1) + b[1])


def _spread(W, ok, fail, status, free):
    """[lo, hi] of sum_j W_kj e_j per row k, e_j from ``ok`` or ``fail`` by the status
    (a batch of leaves: arrays (B, n), ``free`` (B,))."""
    olo, ohi = mul_interval(W[0], W[1], ok[0][..., None, :], ok[1][..., None, :])
    flo, fhi = mul_interval(W[0], W[1], fail[0][..., None, :], fail[1][..., None, :])
    failed = (status == FAILED)[:, None, :]
    lo = sum_down(np.where(failed, flo, olo), axis=-1)
    hi = sum_up(np.where(failed, fhi, ohi), axis=-1)
    maybe = (status == MAYBE)[:, None, :]
    if np.any(free > 0) and maybe.any():
        top = np.arange(maybe.shape[-1]) < free[:, None, None]  # the free largest changes
        with np.errstate(all="ignore"):
            gain_hi = -np.sort(-np.where(maybe, up(fhi - ohi), -np.inf), axis=-1)
            gain_lo = np.sort(np.where(maybe, down(flo - olo), np.inf), axis=-1)
        hi = up(hi + sum_up(np.where(top, gain_hi, 0.0), axis=-1))
        lo = down(lo + sum_down(np.where(top, gain_lo, 0.0), axis=-1))
    return lo, hi


def _failed(P: Enclosed, ylo, yhi, ulo, uhi):
    """[lo, hi] of sent - y for a failed neuron (module docstring)."""
    m = P.model
    if P.fixed is not None:
        return down(P.fixed[0] - yhi), up(P.fixed[1] - ylo)
    clo, chi = mul_interval(P.C[0], P.C[1], ulo, uhi)
    if m.tracks_nominal:
        return clo, chi
    return down(clo - yhi), up(chi - ylo)


def leaf_bounds(P: Enclosed, states: list[LeafState]) -> np.ndarray:
    """Upper bounds of max |F_k(x) - F_S,k(x)| over the points of each leaf, all at once
    (a batch axis first): 0 for a leaf without points, +inf where the arithmetic
    overflowed."""
    def stack(name, l=None):
        return np.stack([getattr(s, name) if l is None else getattr(s, name)[l]
                         for s in states])
    empty = np.array([s.empty() for s in states])
    bad = np.zeros(len(states), dtype=bool)
    ylo, yhi = stack("lo"), stack("hi")
    ok = fail = status = free = None
    for l in range(len(P.Ws)):
        slo, shi = _affine(P.Ws[l], P.bs[l], ylo, yhi)
        slo, shi = np.maximum(slo, stack("plo", l)), np.minimum(shi, stack("phi", l))
        empty |= np.any(slo > shi, axis=1)
        if l == 0:
            dlo, dhi = np.zeros_like(slo), np.zeros_like(slo)
        else:
            dlo, dhi = _spread(P.Ws[l], ok, fail, status, free)
        bad |= ~np.all(np.isfinite(slo) & np.isfinite(shi) & np.isfinite(dlo)
                       & np.isfinite(dhi), axis=1)
        ylo, yhi = P.sig.phi(slo)[0], P.sig.phi(shi)[1]
        status, free = stack("status", l), stack("free", l)
        moved = (status != FAILED) & ((dlo != 0) | (dhi != 0))
        elo, ehi = P.sig.diff_range(slo, shi, dlo, dhi)
        ok = (np.where(moved, elo, 0.0), np.where(moved, ehi, 0.0))
        u = (-1.0, 1.0) if states[0].ulo is None else (stack("ulo", l), stack("uhi", l))
        fail = tuple(np.broadcast_to(v, ylo.shape) for v in _failed(P, ylo, yhi, *u))
    lo, hi = _spread(P.Wout, ok, fail, status, free)
    with np.errstate(all="ignore"):
        worst = np.maximum(hi[:, P.outputs], -lo[:, P.outputs]).max(axis=1)
    return np.where(empty, 0.0, np.where(bad | np.isnan(worst), np.inf, worst))
