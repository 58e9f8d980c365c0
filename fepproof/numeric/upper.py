"""Certified upper bound on the worst-case output error (the ``numeric-v1`` engine).

Why it is sound (the derivation; also in docs/numeric.md).  Write s^l for the nominal
pre-activations of hidden layer l, e^l = y~^l - y^l for the error of its outputs and
delta^l = W^l e^(l-1) + u^l for the error of its pre-activations (u^l: extra terms
delivered by Byzantine synapses; e^0 = 0 since inputs do not fail).  The output error is
delta^(L+1) (the output node is linear).

1. Interval bound propagation of the nominal pre-activations over the input box gives
   s^l in [slo, shi] (exact interval arithmetic on a box, widened outward for rounding),
   intersected with a CROWN-style bound: phi(s) = lam s + c with c in an interval that is
   exact for the chord slope lam (phi(s) - lam s is extreme at the ends or where
   phi' = lam), back-substituted down to the input box.
2. A correct neuron has e_j = phi(s_j + delta_j) - phi(s_j) = kappa_j delta_j with
   kappa_j = phi'(xi) for some xi between s_j and s_j + delta_j (mean value theorem), so
   kappa_j lies in the range of phi' over [slo + min(dlo, 0), shi + max(dhi, 0)] — the
   per-neuron slope bound: at most K, far less where the neuron saturates.  With
   lambda_j the midpoint of that range, e_j = lambda_j delta_j + r_j, |r_j| <= half the
   range times max |delta_j|; r_j is also clipped with the exact secant range of
   phi(s + d) - phi(s) (see :mod:`.sigmoid`).
3. A failed neuron has e_j in a known interval, its model's deviation interval
   (:meth:`FailureModel.deviation_interval_f` over the nominal range [phi(slo), phi(shi)]:
   crash [-phi(shi), -phi(slo)]; Byzantine deviation [-C, C]; value
   [-C - phi(shi), C - phi(slo)]; stuck at v [v - phi(shi), v - phi(slo)]); writing it as
   e_j = lambda_j delta_j + r_j keeps the algebra linear with r_j in that interval minus
   lambda_j [dlo, dhi].
4. Unrolling, every delta^t is exactly sum_(m<t) G^(m) r^m + sum_m H^(m) u^m with
   back-substituted matrices G (CROWN-style linear relaxation of the difference between
   the nominal and the failed network).  Each row is bounded term by term: a correct
   neuron contributes at most max(g r_lo, g r_hi); a failed one at most the same with the
   failed interval; a failure set of exactly f_m neurons (the problem's reading: the
   given per-layer sizes) gains at most the sum of the f_m largest differences
   failed - correct (negative ones included when they must be).  Synapses:
   any f_m failed synapses add at most the f_m largest |h_j| * D_ji (D_ji = C, or
   C + |w_ji| sup|y_i| in the value reading).
4b. Coupled alternative for each layer's r-terms: |r_j| <= h_j |delta_j| (h_j: half the
   slope range), |delta^m| <= |W^m| |e^(m-1)| + |u^m|, a correct neuron has
   |e_i| <= kmax_i |delta_i| and a failed one |e_i| <= fabs_i; so sum_j |g_j| |r_j| is
   bounded by a backward pass of non-negative weights in which ONE failure set (the f
   largest weighted fabs) serves every neuron j at once, instead of each neuron taking
   its own worst set.  Failed neurons of layer m then add the f largest positive
   g_j r_j.  Per layer the smaller of the two bounds is used (both hold for every
   failure set, so the sum of the minima does too).
5. The same quantities are also bounded by plain interval arithmetic on e^(t-1) with the
   top-f_l incoming contributions; both bounds are sound, the smaller is kept.
6. The input box is split (branch and bound); the bound is the maximum over the leaves,
   whose union is the box.

All arithmetic is float64.  Intervals are widened by a relative 1e-9 plus 1e-12 at each
step; back-substituted sums carry the same products in absolute values (``Gabs``) and are
padded by 1e-8 times that magnitude, far above the float64 rounding error of the products
and sums involved (<= L n 2^-53 relative to the magnitude, n the width).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..failures import FailureModel
from ..network import Network
from .sigmoid import diff_range, dphi_range, phi, widen

__all__ = ["FloatNet", "UpperResult", "box_upper", "certified_upper", "syn_term", "topk_sum"]


@dataclass
class FloatNet:
    """float64 view of a network and a failure distribution, shared by bound and search."""

    Ws: list[np.ndarray]  # L hidden weight matrices, then the output matrix
    bs: list[np.ndarray]
    slope: float
    dom: np.ndarray
    failures: tuple[int, ...]
    kind: str  # model.kind (a FailureKind, kept for older callers)
    C: float
    reading: str
    rows: np.ndarray  # output rows considered
    model: FailureModel = field(default_factory=FailureModel.crash)  # what failures do

    @classmethod
    def make(cls, net: Network, failures: tuple[int, ...], model: FailureModel,
             output: int | None = None) -> FloatNet:
        Ws = [W for W, _ in net.float_layers] + [net.float_output[0]]
        bs = [b for _, b in net.float_layers] + [net.float_output[1]]
        rows = np.arange(net.n_outputs) if output is None else np.array([output])
        return cls(Ws, bs, float(net.activation.slope), net.float_domain, tuple(failures),
                   model.kind, float(model.C), model.reading, rows, model)

    @property
    def L(self) -> int:
        return len(self.Ws) - 1


def topk_sum(gain: np.ndarray, k: int) -> np.ndarray:
    """Row-wise sum of the k largest entries (the worst k failures of a layer); rows are
    all axes but the last."""
    n = gain.shape[-1]
    if k <= 0 or n == 0:
        return np.zeros(gain.shape[:-1])
    if k >= n:
        return gain.sum(axis=-1)
    return np.partition(gain, n - k, axis=-1)[..., n - k:].sum(axis=-1)


@dataclass
class _State:
    slo: list[np.ndarray] = field(default_factory=list)
    shi: list[np.ndarray] = field(default_factory=list)
    lam: list[np.ndarray] = field(default_factory=list)
    rlo: list[np.ndarray] = field(default_factory=list)
    rhi: list[np.ndarray] = field(default_factory=list)
    rflo: list[np.ndarray] = field(default_factory=list)
    rfhi: list[np.ndarray] = field(default_factory=list)
    elo: list[np.ndarray] = field(default_factory=list)
    ehi: list[np.ndarray] = field(default_factory=list)
    felo: list[np.ndarray] = field(default_factory=list)
    fehi: list[np.ndarray] = field(default_factory=list)
    syn: list[np.ndarray | None] = field(default_factory=list)  # sorted per-synapse D
    half: list[np.ndarray] = field(default_factory=list)  # |r_j| <= half_j |delta_j|
    kmax: list[np.ndarray] = field(default_factory=list)  # |e_j| <= kmax_j |delta_j|
    fabs: list[np.ndarray] = field(default_factory=list)  # |e_j| <= fabs_j when failed
    nlam: list[np.ndarray] = field(default_factory=list)  # nominal: phi(s) = nlam s + c,
    nclo: list[np.ndarray] = field(default_factory=list)  # c in [nclo, nchi] on [slo, shi]
    nchi: list[np.ndarray] = field(default_factory=list)


def _phi_lines(slo: np.ndarray, shi: np.ndarray, slope: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phi(s) = lam s + c with c in [clo, chi] for all s in [slo, shi] (lam: the chord).

    phi(s) - lam s is extreme at slo, shi or where phi'(s) = lam, i.e. phi(s) = p with
    p (1 - p) = lam / slope; every candidate is evaluated, so the range of c is exact up to
    rounding (widened)."""
    w = shi - slo
    safe = np.where(w > 1e-12, w, 1.0)
    lam = np.where(w > 1e-12, (phi(shi, slope) - phi(slo, slope)) / safe, 0.0)
    lam = np.clip(lam, 0.0, slope / 4)
    disc = np.sqrt(np.maximum(1.0 - 4.0 * lam / slope, 0.0))
    cands = [slo, shi]
    for sgn in (1.0, -1.0):
        p = np.clip(0.5 * (1 + sgn * disc), 1e-300, 1 - 1e-16)
        u = np.log(p / (1 - p)) / slope
        cands.append(np.clip(u, slo, shi))
    vals = [phi(c, slope) - lam * c for c in cands]
    return lam, *widen(np.minimum.reduce(vals), np.maximum.reduce(vals))


def _nominal_crown(fn: FloatNet, st: _State, lo: np.ndarray, hi: np.ndarray, t: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the nominal pre-activations s^t by back-substitution of the chord lines
    of the earlier layers down to the input box (CROWN-style, one slope per neuron)."""
    n = fn.Ws[t].shape[0]
    A = np.vstack([fn.Ws[t], -fn.Ws[t]])  # rows: +s^t and -s^t, on y^(t-1)
    Aabs = np.abs(A)
    const = np.concatenate([fn.bs[t], -fn.bs[t]])
    mag = np.abs(const)
    for m in range(t - 1, -1, -1):
        cm = np.maximum(np.abs(st.nclo[m]), np.abs(st.nchi[m]))
        const = const + np.where(A > 0, A * st.nchi[m], A * st.nclo[m]).sum(axis=1)
        mag = mag + Aabs @ cm
        A = A * st.nlam[m]
        Aabs = Aabs * st.nlam[m]
        mag = mag + Aabs @ np.abs(fn.bs[m])
        const = const + A @ fn.bs[m]
        A = A @ fn.Ws[m]
        Aabs = Aabs @ np.abs(fn.Ws[m])
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    up = const + np.where(A > 0, A * hi, A * lo).sum(axis=1)
    up = up + 1e-8 * (mag + Aabs @ xmax) + 1e-12
    return -up[n:], up[:n]


def _syn_table(fn: FloatNet, t: int, xsup: np.ndarray) -> np.ndarray | None:
    """Per receiving neuron, its min(f_t, n_in) largest per-synapse deviations, sorted."""
    if not fn.model.fails_synapses or fn.failures[t] == 0:
        return None
    W = fn.Ws[t]
    k = min(fn.failures[t], W.shape[1])
    sup = xsup if t == 0 else np.ones(W.shape[1])
    m = np.abs(W) * sup[None, :]  # |nominal delivered term| <= m
    dlo, dhi = fn.model.deviation_interval_f(-m, m)
    D = np.maximum(-dlo, dhi)
    D = -np.sort(-D, axis=1)[:, :k]
    return D * (1 + 1e-9) + 1e-12


def syn_term(fn: FloatNet, st: Any, H: np.ndarray, t: int) -> np.ndarray:
    """Largest gain of the f_t failed synapses into layer t for the rows of ``H``
    (``st.syn[t]``: their deviation table; ``st`` is any bound state holding that list,
    so :mod:`.leaf` shares it)."""
    D = st.syn[t]
    if D is None:
        return np.zeros(H.shape[:-1])
    vals = (np.abs(H)[..., :, None] * D).reshape(H.shape[:-1] + (-1,))
    return topk_sum(vals, fn.failures[t])


def _neuron_fails(fn: FloatNet, m: int) -> int:
    return fn.failures[m] if fn.model.fails_neurons else 0


def _abs_pass(fn: FloatNet, st: _State, V: np.ndarray, m: int) -> np.ndarray:
    """Upper bound of sum_j V_j |delta_j^m| (V >= 0) with one failure set for all rows j.

    |delta^m| <= |W^m| |e^(m-1)| + |u^m|; a correct neuron has |e_i| <= kmax_i |delta_i|
    (mean value theorem), a failed one |e_i| <= fabs_i; counting every neuron as correct
    and adding the f largest V_i fabs_i over-approximates any failure set (step 4b)."""
    total = syn_term(fn, st, V, m)
    while m > 0:
        V = V @ np.abs(fn.Ws[m])
        f = _neuron_fails(fn, m - 1)
        if f:
            total = total + topk_sum(V * st.fabs[m - 1], f)
        m -= 1
        V = V * st.kmax[m]
        total = total + syn_term(fn, st, V, m)
    return total


def _crown_upper(fn: FloatNet, st: _State, A: np.ndarray, t: int) -> np.ndarray:
    """Upper bound of A @ delta^t (rows of A) by back-substitution (steps 2-4).

    ``Gabs`` carries the same products in absolute values: every rounding error of the
    float64 products and sums is below 1e-12 relative to it, so a pad of 1e-8 * Gabs
    . max|r| covers all of them."""
    total = syn_term(fn, st, A, t)
    mag = total.copy()
    G = A @ fn.Ws[t]
    Gabs = np.abs(A) @ np.abs(fn.Ws[t])
    for m in range(t - 1, -1, -1):
        pos = G > 0
        corr = np.where(pos, G * st.rhi[m], G * st.rlo[m])
        term = corr.sum(axis=1)
        rmax = np.maximum(np.abs(st.rlo[m]), np.abs(st.rhi[m]))
        f = _neuron_fails(fn, m)
        fail = None
        if f:
            fail = np.where(pos, G * st.rfhi[m], G * st.rflo[m])
            term = term + topk_sum(fail - corr, f)
            rmax = np.maximum(rmax, np.maximum(np.abs(st.rflo[m]), np.abs(st.rfhi[m])))
            rmax = 2 * rmax
        if m > 0 or fn.model.fails_synapses:
            # coupled alternative: sum_j |g_j| |r_j| <= sum_j |g_j| half_j |delta_j| with a
            # single failure set for the whole sum (instead of one per neuron j)
            coupled = _abs_pass(fn, st, (np.abs(G) + 1e-10 * Gabs) * st.half[m], m)
            if fail is not None:
                coupled = coupled + topk_sum(np.maximum(fail, 0.0), f)
            mag = mag + coupled
            term = np.minimum(term, coupled)
        total = total + term
        mag = mag + Gabs @ rmax
        H = G * st.lam[m]
        Habs = Gabs * st.lam[m]
        syn = syn_term(fn, st, Habs, m)
        total = total + syn_term(fn, st, H, m)
        mag = mag + syn
        if m > 0:
            G = H @ fn.Ws[m]
            Gabs = Habs @ np.abs(fn.Ws[m])
    return total + 1e-8 * mag + 1e-12


def _interval_upper(fn: FloatNet, st: _State, A: np.ndarray, t: int) -> np.ndarray:
    """Upper bound of A @ delta^t from the error intervals of layer t - 1 (step 5)."""
    total = syn_term(fn, st, A, t)
    if t == 0:
        return total + 1e-8 * total + 1e-12
    G = A @ fn.Ws[t]
    Gabs = np.abs(A) @ np.abs(fn.Ws[t])
    m = t - 1
    pos = G > 0
    corr = np.where(pos, G * st.ehi[m], G * st.elo[m])
    rmax = np.maximum(np.abs(st.elo[m]), np.abs(st.ehi[m]))
    total = total + corr.sum(axis=1)
    f = _neuron_fails(fn, m)
    if f:
        fail = np.where(pos, G * st.fehi[m], G * st.felo[m])
        total = total + topk_sum(fail - corr, f)
        rmax = 2 * np.maximum(rmax, np.maximum(np.abs(st.felo[m]), np.abs(st.fehi[m])))
    return total + 1e-8 * (Gabs @ rmax + np.abs(total)) + 1e-12


def _delta_upper(fn: FloatNet, st: _State, A: np.ndarray, t: int) -> np.ndarray:
    return np.minimum(_crown_upper(fn, st, A, t), _interval_upper(fn, st, A, t))


def box_upper(fn: FloatNet, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sound upper bound of |F_neu - F_fail| per considered output over the box [lo, hi]."""
    st = _State()
    xsup = np.maximum(np.abs(fn.dom[:, 0]), np.abs(fn.dom[:, 1]))
    ylo, yhi = lo, hi
    L = fn.L
    for t in range(L + 1):
        W, b = fn.Ws[t], fn.bs[t]
        st.syn.append(_syn_table(fn, t, xsup))
        if t == L:
            break
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        slo, shi = widen(Wp @ ylo + Wn @ yhi + b, Wp @ yhi + Wn @ ylo + b)
        if t > 0:
            clo, chi = _nominal_crown(fn, st, lo, hi, t)
            slo, shi = np.maximum(slo, clo), np.minimum(shi, chi)
        nl, nc0, nc1 = _phi_lines(slo, shi, fn.slope)
        st.nlam.append(nl)
        st.nclo.append(nc0)
        st.nchi.append(nc1)
        st.slo.append(slo)
        st.shi.append(shi)
        n = W.shape[0]
        if t == 0 and fn.model.fails_neurons:
            dlo = dhi = np.zeros(n)
        else:
            A = np.vstack([np.eye(n), -np.eye(n)])
            up = _delta_upper(fn, st, A, t)
            dhi, dlo = up[:n], -up[n:]
        klo, khi = dphi_range(slo + np.minimum(dlo, 0), shi + np.maximum(dhi, 0), fn.slope)
        lam = 0.5 * (klo + khi)
        dev = np.maximum(np.abs(khi - lam), np.abs(klo - lam))  # |kappa - lam| <= dev
        mu = dev * np.maximum(np.abs(dlo), np.abs(dhi))
        elo, ehi = widen(*diff_range(slo, shi, dlo, dhi, fn.slope))
        rlo = np.maximum(-mu, elo - lam * dhi)
        rhi = np.minimum(mu, ehi - lam * dlo)
        rlo, rhi = widen(rlo, rhi)
        ylo, yhi = widen(phi(slo, fn.slope), phi(shi, fn.slope))
        ylo, yhi = np.maximum(ylo, 0.0), np.minimum(yhi, 1.0)
        felo, fehi = widen(*fn.model.deviation_interval_f(ylo, yhi))  # sent - nominal
        st.fabs.append(np.maximum(np.abs(felo), np.abs(fehi)))
        st.lam.append(lam)
        st.half.append(dev * (1 + 1e-9) + 1e-15)
        st.kmax.append(khi * (1 + 1e-9) + 1e-15)
        st.rlo.append(rlo)
        st.rhi.append(rhi)
        st.elo.append(elo)
        st.ehi.append(ehi)
        st.felo.append(felo)
        st.fehi.append(fehi)
        rflo, rfhi = widen(felo - lam * dhi, fehi - lam * dlo)
        st.rflo.append(rflo)
        st.rfhi.append(rfhi)
    M = len(fn.rows)
    E = np.eye(fn.Ws[L].shape[0])[fn.rows]
    up = _delta_upper(fn, st, np.vstack([E, -E]), L)
    return np.maximum(up[:M], up[M:])


@dataclass(frozen=True)
class UpperResult:
    """Certified upper bound (max over outputs considered) and branch-and-bound stats."""

    upper: float
    per_output: tuple[float, ...]
    boxes: int
    leaves: int
    root_upper: float
    seconds: float


def certified_upper(fn: FloatNet, time_budget: float = 10.0, stop_at: float = 0.0,
                    max_boxes: int = 100_000, branch: int = 1,
                    progress: Callable[[str], None] | None = None) -> UpperResult:
    """Branch and bound over the input box (step 7): split the leaf with the largest bound
    until it is <= ``stop_at``, the time budget is spent or ``max_boxes`` are evaluated.
    ``branch`` > 1 tries that many split inputs per step and keeps the best split."""
    t0 = time.monotonic()
    lo0, hi0 = fn.dom[:, 0].copy(), fn.dom[:, 1].copy()
    score_w = np.abs(fn.Ws[0]).sum(axis=0)
    root = box_upper(fn, lo0, hi0)
    heap: list[tuple[float, int, np.ndarray, np.ndarray, np.ndarray]] = [
        (-float(root.max()), 0, lo0, hi0, root)]
    count, last = 1, t0
    while heap and count < max_boxes and time.monotonic() - t0 < time_budget:
        negu, _, lo, hi, per = heap[0]
        if -negu <= stop_at:
            break
        width = (hi - lo) * score_w
        order = np.argsort(-width)[:branch]
        order = [int(i) for i in order if width[i] > 0]
        if not order:
            break
        heapq.heappop(heap)
        best = None
        for i in order:  # try the `branch` widest inputs, keep the split that helps most
            mid = 0.5 * (lo[i] + hi[i])
            kids = []
            for a, b in ((lo[i], mid), (mid, hi[i])):
                clo, chi = lo.copy(), hi.copy()
                clo[i], chi[i] = a, b
                u = np.minimum(box_upper(fn, clo, chi), per)  # the parent's bound holds too
                count += 1
                kids.append((clo, chi, u))
            key = (max(float(k[2].max()) for k in kids), sum(float(k[2].max()) for k in kids))
            if best is None or key < best[0]:
                best = (key, kids)
        for clo, chi, u in best[1]:
            heapq.heappush(heap, (-float(u.max()), count, clo, chi, u))
            count += 1
        if progress is not None and time.monotonic() - last > 2.0:
            last = time.monotonic()
            progress(f"numeric: upper bound {-heap[0][0]:.6g} after {count} boxes")
    per_output = np.max(np.array([h[4] for h in heap]), axis=0)
    return UpperResult(float(per_output.max()), tuple(float(v) for v in per_output), count,
                       len(heap), float(root.max()), time.monotonic() - t0)
