"""Certified upper bound of |F - F_S| on one branch-and-bound leaf.

A leaf restricts the problem four ways: an input sub-box [lo, hi]; a per-neuron failure
status (FAILED, OK, or MAYBE with ``free[l]`` failures still to place among the MAYBE
neurons of layer l: exactly f_l failures per layer in all); optional constraints
s_j in [a, b] on nominal pre-activations (pre-activation splits); and, for models whose
failed neurons choose what they send (Byzantine: sent = alpha y + C u, u in [-1, 1]), a
window [ulo_j, uhi_j] of each neuron's control u (sent-value splits).  The leaf's points
are the tuples (x, S, u) satisfying all four; the union of two children always equals
the parent, so the maximum of the leaves' bounds bounds the whole problem.

Why the bound is sound (the derivation for a leaf with every failure undecided; also in
docs/numeric.md).  Write s^l for the nominal
pre-activations of hidden layer l, e^l = y~^l - y^l for the error of its outputs and
delta^l = W^l e^(l-1) + u^l for the error of its pre-activations (u^l: extra terms
delivered by Byzantine synapses; e^0 = 0 since inputs do not fail).  The output error is
delta^(L+1) (the output node is linear).

1. Interval bound propagation of the nominal pre-activations over the input box gives
   s^l in [slo, shi] (interval arithmetic on a box, padded outward, :mod:`.rounding`),
   intersected with a CROWN-style bound: phi(s) = lam s + c with c in an interval that is
   exact for the chord slope lam (phi(s) - lam s is extreme at the ends or where
   phi' = lam), back-substituted down to the input box.
2. A correct neuron has e_j = phi(s_j + delta_j) - phi(s_j) = kappa_j delta_j with
   kappa_j = phi'(xi) for some xi between s_j and s_j + delta_j (mean value theorem), so
   kappa_j lies in the range of phi' over [slo + min(dlo, 0), shi + max(dhi, 0)] — the
   per-neuron slope bound: at most K, far less where the neuron saturates.  With
   lambda_j the midpoint of that range, e_j = lambda_j delta_j + r_j, |r_j| <= half the
   range times max |delta_j|; r_j is also clipped with the exact secant range of
   phi(s + d) - phi(s) (see :mod:`.relax`).
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

On a leaf the derivation changes in three ways:

* Failure status.  Where step 4 adds the f largest gains (failed - correct) of a
  layer, a leaf adds every FAILED neuron's gain plus the ``free`` largest gains among the
  MAYBE neurons; OK neurons add none.  A FAILED neuron's output does not depend on its
  input, so the coupled pass stops at it (its |e| <= fabs, no kmax |delta| term), and
  its back-substituted term is its whole deviation e (in the failed interval), not
  e - lam delta: the lam delta path is cut for it.
* Pre-activation constraints intersect the nominal range [slo, shi]; an empty
  intersection means the leaf holds no point (its bound is 0).
* Scale-aware rounding.  The sigmoid facts of :mod:`.relax` have a few ulps of
  *relative* error (no cancellation, also for phi(s + d) - phi(s)), and every sum is
  padded by ``REL`` times the sum of the absolute values of its terms (carried along as
  ``mag``), which bounds float64 rounding (n u sum|terms|, u = 2^-53, n <= 1e6) with a
  wide margin; absolute pads are ``TINY`` = 1e-300 (underflow).  A 1e-20 deviation is
  therefore not swamped by a fixed absolute pad (degenerate networks such as
  x -> sigma(1e-20 y) -> 1e20 z, tests/test_bab.py).  Every back-substitution (steps
  1, 4, 4b, 5, the joint and differential bounds) runs through :mod:`.backsub`, which
  also covers the rounding of the float products of its rows.

For neuron failures the differential bound of :mod:`.diffcrown` (back-substitution in
the variables (y, e) with planes in (s, delta), which converges as the box shrinks, where
the coupled bound's |r| <= h |delta| does not) is also computed, for every layer's delta
range and for the output; the smallest sound bound is kept.  On a leaf with a single
failure set the joint CROWN bound of :mod:`.crown` (both copies relaxed and
back-substituted to the input) is tried as well.

Batches.  Leaves that share their failure status are bounded together
(:func:`leaf_uppers`): every per-neuron array carries a leading batch axis (B, n) and
every matrix of back-substituted rows (B, R, n), so one numpy call serves all of them.
On the small layers of the convergence benchmark's networks the per-call overhead dominates a leaf
bound, so a batch of 8 costs about as much as two single leaves.  The arithmetic per
leaf is the same; batched and single bounds agree up to float rounding (both sound).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..certificate.bound import FAILED, MAYBE, OK, normalise_status
from .backsub import BackSub, bdot, lift
from .crown import joint_crown
from .diffcrown import diff_crown, err_max
from .faultview import failed_deviation, has_sign, neuron_kind, synapse_deviation
from .floatnet import FloatNet, syn_term, topk_sum
from .relax import chord_lines, diff_range, dphi_range, phi
from .rounding import REL, TINY, pad

__all__ = ["Leaf", "LeafBound", "leaf_upper", "leaf_uppers", "leaf_ranges", "root_leaf", "FAILED",
           "OK", "MAYBE"]


@dataclass(slots=True)
class Leaf:
    """Input box, failure status and pre-activation constraints (see module docstring)."""

    lo: np.ndarray
    hi: np.ndarray
    status: list[np.ndarray]
    free: list[int]
    plo: list[np.ndarray]
    phi_: list[np.ndarray]
    # windows [ulo, uhi] within [-1, 1] of the control u of each neuron's sent value
    # C u (+ y in the deviation reading) should it fail: free sent values only (Byzantine
    # models); empty lists: the whole range
    ulo: list[np.ndarray] = field(default_factory=list)
    uhi: list[np.ndarray] = field(default_factory=list)
    # the leaf's node in the proof tree (set by the branch-and-bound loop; -1: none yet)
    node: int = -1

    def copy(self) -> Leaf:
        return Leaf(self.lo.copy(), self.hi.copy(), [s.copy() for s in self.status],
                    list(self.free), [a.copy() for a in self.plo], [b.copy() for b in self.phi_],
                    [u.copy() for u in self.ulo], [u.copy() for u in self.uhi])

    def window(self, m: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The sent-value control windows of layer m (None: the whole range)."""
        return (self.ulo[m], self.uhi[m]) if self.ulo else None

    def normalise(self) -> Leaf:
        """MAYBE neurons become OK when no failure is left to place, FAILED when all must
        (the certificate checker's own rule, so a recorded tree replays exactly)."""
        normalise_status(self.status, self.free)
        return self

    def n_sets(self) -> int:
        return math.prod(math.comb(int((s == MAYBE).sum()), f)
                         for s, f in zip(self.status, self.free, strict=True))


def root_leaf(fn: FloatNet) -> Leaf:
    widths = [W.shape[0] for W in fn.Ws[:-1]]
    neurons = neuron_kind(fn)
    status = [np.zeros(n, dtype=np.int8) for n in widths]
    free = [f if neurons else 0 for f in fn.failures[: len(widths)]]
    leaf = Leaf(fn.dom[:, 0].copy(), fn.dom[:, 1].copy(), status, free,
                [np.full(n, -np.inf) for n in widths], [np.full(n, np.inf) for n in widths])
    if neurons and has_sign(fn):
        leaf.ulo = [np.full(n, -1.0) for n in widths]
        leaf.uhi = [np.full(n, 1.0) for n in widths]
    return leaf.normalise()


_FIELDS = ("slo", "shi", "half", "kmax", "fabs", "dmax")


class LeafBound:
    """The bound (per considered output) and the quantities branching decisions use:
    per layer, the nominal pre-activation range ``slo``/``shi``, the slope half-range
    ``half``, the slope bound ``kmax``, the failed deviation ``fabs`` and the delta bound
    ``dmax``.  The six per-layer lists are stored packed in one array (a leaf in the
    queue is a handful of objects: tens of thousands of them are pickled to and from the
    workers and freed at the end of a run)."""

    __slots__ = ("upper", "empty", "joint_tried", "joint_won", "_pack", "_sizes", "_lists")

    def __init__(self, upper: np.ndarray, empty: bool = False, slo=(), shi=(), half=(),
                 kmax=(), fabs=(), dmax=(), joint_tried: bool = False,
                 joint_won: bool = False):
        self.upper = upper
        self.empty = empty
        self.joint_tried = joint_tried  # the joint CROWN bound was computed
        self.joint_won = joint_won      # ... and was the smaller one
        self._sizes = tuple(int(np.size(a)) for a in slo)
        fields = (slo, shi, half, kmax, fabs, dmax)
        self._pack = (np.concatenate([np.ravel(a) for f in fields for a in f])
                      if len(slo) else np.zeros(0))
        self._lists: dict | None = None

    @classmethod
    def packed(cls, upper: np.ndarray, pack: np.ndarray, sizes: tuple[int, ...],
               joint_tried: bool = False, joint_won: bool = False) -> LeafBound:
        """From an already packed row (fields in the order of ``_FIELDS``, each layer by
        layer, layer m of size ``sizes[m]``)."""
        lb = cls.__new__(cls)
        lb.upper, lb.empty, lb.joint_tried, lb.joint_won = upper, False, joint_tried, joint_won
        lb._pack, lb._sizes, lb._lists = pack, sizes, None
        return lb

    def __getstate__(self):
        return (self.upper, self.empty, self.joint_tried, self.joint_won, self._pack,
                self._sizes)

    def __setstate__(self, state) -> None:
        (self.upper, self.empty, self.joint_tried, self.joint_won, self._pack,
         self._sizes) = state
        self._lists = None

    def _field(self, name: str) -> list[np.ndarray]:
        if self._lists is None:
            ends = np.cumsum((0,) + self._sizes)
            n = int(ends[-1])
            self._lists = {f: [self._pack[k * n + ends[m]: k * n + ends[m + 1]]
                               for m in range(len(self._sizes))]
                           for k, f in enumerate(_FIELDS)}
        return self._lists[name]

    slo = property(lambda self: self._field("slo"))
    shi = property(lambda self: self._field("shi"))
    half = property(lambda self: self._field("half"))
    kmax = property(lambda self: self._field("kmax"))
    fabs = property(lambda self: self._field("fabs"))
    dmax = property(lambda self: self._field("dmax"))


class _Batch:
    """Leaves that share their failure status, bounded together: every per-neuron
    quantity gets a leading batch axis (one numpy call serves all of them; the per-call
    overhead dominates on small layers)."""

    def __init__(self, leaves: list[Leaf]):
        first = leaves[0]
        self.leaves = leaves
        self.status = first.status
        self.free = first.free
        self.lo = np.stack([lf.lo for lf in leaves])
        self.hi = np.stack([lf.hi for lf in leaves])
        self.plo = [np.stack([lf.plo[m] for lf in leaves]) for m in range(len(first.plo))]
        self.phi_ = [np.stack([lf.phi_[m] for lf in leaves]) for m in range(len(first.phi_))]
        self._win = ([(np.stack([lf.ulo[m] for lf in leaves]),
                       np.stack([lf.uhi[m] for lf in leaves])) for m in range(len(first.ulo))]
                     if first.ulo else None)

    def __len__(self) -> int:
        return len(self.leaves)

    def window(self, m: int) -> tuple[np.ndarray, np.ndarray] | None:
        return None if self._win is None else self._win[m]


@dataclass
class _St:
    leaf: _Batch
    neurons: bool
    slo: list = field(default_factory=list)
    shi: list = field(default_factory=list)
    lam: list = field(default_factory=list)
    rlo: list = field(default_factory=list)
    rhi: list = field(default_factory=list)
    rflo: list = field(default_factory=list)
    rfhi: list = field(default_factory=list)
    elo: list = field(default_factory=list)
    ehi: list = field(default_factory=list)
    felo: list = field(default_factory=list)
    fehi: list = field(default_factory=list)
    syn: list = field(default_factory=list)
    half: list = field(default_factory=list)
    kmax: list = field(default_factory=list)
    fabs: list = field(default_factory=list)
    nlam: list = field(default_factory=list)
    nclo: list = field(default_factory=list)
    nchi: list = field(default_factory=list)
    dmax: list = field(default_factory=list)
    dlo: list = field(default_factory=list)
    dhi: list = field(default_factory=list)
    planes: dict = field(default_factory=dict)  # diffcrown's planes per layer
    deadline: float = math.inf  # past it, only the interval bound is computed (sound)
    empty: np.ndarray | None = None  # per leaf: holds no point (pre-activation splits)
    _fails: dict = field(default_factory=dict)
    _live: dict = field(default_factory=dict)

    @property
    def B(self) -> int:
        return len(self.leaf)

    def fails(self, m: int) -> bool:
        if m not in self._fails:
            self._fails[m] = self.neurons and (
                self.leaf.free[m] > 0 or bool((self.leaf.status[m] == FAILED).any()))
        return self._fails[m]

    def extra(self, m: int, gain: np.ndarray) -> np.ndarray:
        """Largest total gain of the failures of layer m allowed in the leaf."""
        s = self.leaf.status[m]
        return (gain[..., s == FAILED].sum(axis=-1)
                + topk_sum(gain[..., s == MAYBE], self.leaf.free[m]))

    def live(self, m: int) -> np.ndarray:
        """1 for neurons that may be correct (their output follows their input)."""
        if m not in self._live:
            self._live[m] = (np.ones(self.leaf.status[m].shape) if not self.neurons
                             else (self.leaf.status[m] != FAILED).astype(float))
        return self._live[m]


def _nominal_crown(fn: FloatNet, st: _St, lo: np.ndarray, hi: np.ndarray, t: int):
    """Nominal pre-activation bounds of layer t by back-substituted chord lines."""
    n = fn.Ws[t].shape[0]
    B = lo.shape[0]
    A = np.broadcast_to(np.vstack([fn.Ws[t], -fn.Ws[t]]), (B, 2 * n, fn.Ws[t].shape[1]))
    bs = BackSub((B, 2 * n))
    const = np.broadcast_to(np.concatenate([fn.bs[t], -fn.bs[t]]), (B, 2 * n))
    bs.add(const, np.abs(const))
    for m in range(t - 1, -1, -1):
        A = bs.relax(A, st.nlam[m], st.nclo[m], st.nchi[m])
        zmax = (np.ones((B, fn.Ws[m].shape[1])) if m > 0
                else np.maximum(np.abs(lo), np.abs(hi)))
        A = bs.affine(A, fn.Ws[m], fn.bs[m], zmax)
    bs.input(A, lo, hi)
    up = bs.upper()
    return -up[:, n:], up[:, :n]


def _syn_table(fn: FloatNet, t: int, xsup: np.ndarray) -> np.ndarray | None:
    if neuron_kind(fn) or fn.failures[t] == 0:
        return None
    W = fn.Ws[t]
    k = min(fn.failures[t], W.shape[1])
    sup = xsup if t == 0 else np.ones(W.shape[1])
    D = synapse_deviation(fn, W, sup)
    D = -np.sort(-D, axis=1)[:, :k]
    return D * (1 + REL) + TINY


def _abs_pass(fn: FloatNet, st: _St, V: np.ndarray, m: int) -> np.ndarray:
    """Upper bound of sum_j V_j |delta_j^m| (V >= 0), one failure set for all j."""
    total = syn_term(fn, st, V, m)
    while m > 0:
        V = V @ np.abs(fn.Ws[m])
        if st.fails(m - 1):
            total = total + st.extra(m - 1, V * lift(st.fabs[m - 1]))
        m -= 1
        V = V * lift(st.kmax[m]) * st.live(m)
        total = total + syn_term(fn, st, V, m)
    return total


def _crown_upper(fn: FloatNet, st: _St, A: np.ndarray, t: int) -> np.ndarray:
    bs = BackSub(A.shape[:-1])
    syn = syn_term(fn, st, A, t)
    bs.add(syn, syn)
    if t == 0:
        return bs.upper()
    G = bs.affine(A, fn.Ws[t], None, err_max(st, t - 1))  # on e^(t-1)
    for m in range(t - 1, -1, -1):
        live = st.live(m)
        pos = G > 0
        corr = np.where(pos, G * lift(st.rhi[m]), G * lift(st.rlo[m])) * live
        term = corr.sum(axis=-1)
        rmax = np.maximum(np.abs(st.rlo[m]), np.abs(st.rhi[m]))
        fail = None
        if st.fails(m):
            # MAYBE neurons keep the lam delta part (H below), so their failed term is
            # e - lam delta (rf); FAILED ones are cut from H, so theirs is e itself (fe)
            s = st.leaf.status[m]
            fail = np.where(s == FAILED,
                            np.where(pos, G * lift(st.fehi[m]), G * lift(st.felo[m])),
                            np.where(pos, G * lift(st.rfhi[m]), G * lift(st.rflo[m])))
            maybe_gain = (fail - corr)[..., s == MAYBE]
            term = term + fail[..., s == FAILED].sum(axis=-1) + topk_sum(maybe_gain,
                                                                         st.leaf.free[m])
            rmax = 2 * np.maximum(rmax, np.maximum.reduce(
                [np.abs(st.rflo[m]), np.abs(st.rfhi[m]), np.abs(st.felo[m]),
                 np.abs(st.fehi[m])]))
        tmag = bdot(np.abs(G), rmax)
        if m > 0 or not st.neurons:
            coupled = _abs_pass(fn, st, np.abs(G) * lift(st.half[m]) * live, m)
            if fail is not None:
                coupled = coupled + st.extra(m, np.maximum(fail, 0.0))
            tmag = tmag + coupled
            term = np.minimum(term, coupled)
        bs.add(term, tmag)
        H = G * lift(st.lam[m]) * live  # e = lam delta + r: the rows on delta^m
        syn = syn_term(fn, st, H, m)
        bs.add(syn, syn)
        if m > 0:
            G = bs.affine(H, fn.Ws[m], None, err_max(st, m - 1))
    return bs.upper()


def _interval_upper(fn: FloatNet, st: _St, A: np.ndarray, t: int) -> np.ndarray:
    bs = BackSub(A.shape[:-1])
    syn = syn_term(fn, st, A, t)
    bs.add(syn, syn)
    if t == 0:
        return bs.upper()
    m = t - 1
    G = bs.affine(A, fn.Ws[t], None, err_max(st, m))
    live = st.live(m)
    pos = G > 0
    corr = np.where(pos, G * lift(st.ehi[m]), G * lift(st.elo[m])) * live
    rmax = np.maximum(np.abs(st.elo[m]), np.abs(st.ehi[m]))
    total = corr.sum(axis=-1)
    if st.fails(m):
        fail = np.where(pos, G * lift(st.fehi[m]), G * lift(st.felo[m]))
        s = st.leaf.status[m]
        total = total + fail[..., s == FAILED].sum(axis=-1) + topk_sum(
            (fail - corr)[..., s == MAYBE], st.leaf.free[m])
        rmax = 2 * np.maximum(rmax, np.maximum(np.abs(st.felo[m]), np.abs(st.fehi[m])))
    bs.add(total, bdot(np.abs(G), rmax) + np.abs(total))
    return bs.upper()


def _delta_upper(fn: FloatNet, st: _St, A: np.ndarray, t: int) -> np.ndarray:
    """The smaller of two sound bounds; past the leaf's deadline only the interval bound
    (O(1) layers instead of O(t^2)), which is sound on its own.  A: rows (R, n) shared by
    the batch, or (B, R, n); the result is (B, R)."""
    A = np.broadcast_to(A, (st.B,) + A.shape[-2:])
    interval = _interval_upper(fn, st, A, t)
    if time.monotonic() > st.deadline:
        return interval
    return np.minimum(_crown_upper(fn, st, A, t), interval)


def leaf_ranges(fn: FloatNet, leaf: Leaf | list[Leaf], budget: float | None = None,
                diff: bool = True) -> _St | None:
    """Per-layer ranges of the leaf (nominal pre-activations, deltas, deviations and the
    lines of both back-substituted bounds), or None when the leaf holds no point.  Each
    delta range is the smaller of the coupled bound and (``diff``) the differential one.
    Given a list of leaves with the same failure status, the ranges of all of them, each
    array with a leading batch axis (``st.empty`` marks the leaves that hold no point)."""
    batch = _Batch([leaf] if isinstance(leaf, Leaf) else leaf)
    st = _St(batch, neuron_kind(fn))
    if budget is not None:
        st.deadline = time.monotonic() + max(budget, 0.0)
    xsup = np.maximum(np.abs(fn.dom[:, 0]), np.abs(fn.dom[:, 1]))
    lo, hi = batch.lo, batch.hi
    ylo, yhi = lo, hi
    L = fn.L
    empty = np.zeros(len(batch), dtype=bool)
    for t in range(L + 1):
        W, b = fn.Ws[t], fn.bs[t]
        st.syn.append(_syn_table(fn, t, xsup))
        if t == L:
            break
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        ymax = np.maximum(np.abs(ylo), np.abs(yhi))
        slo, shi = pad(ylo @ Wp.T + yhi @ Wn.T + b, yhi @ Wp.T + ylo @ Wn.T + b,
                       ymax @ np.abs(W).T + np.abs(b))
        if t > 0:
            clo, chi = _nominal_crown(fn, st, lo, hi, t)
            slo, shi = np.maximum(slo, clo), np.minimum(shi, chi)
        slo, shi = np.maximum(slo, batch.plo[t]), np.minimum(shi, batch.phi_[t])
        gone = (slo > shi).any(axis=-1)
        if gone.any():
            if gone.all():
                return None
            empty |= gone  # such a leaf's bound is 0: carry on with a stand-in range
            slo, shi = np.minimum(slo, shi), np.maximum(slo, shi)
        nl, nc0, nc1 = chord_lines(slo, shi, fn.slope)
        st.nlam.append(nl)
        st.nclo.append(nc0)
        st.nchi.append(nc1)
        st.slo.append(slo)
        st.shi.append(shi)
        n = W.shape[0]
        if t == 0 and st.neurons:
            dlo = dhi = np.zeros((len(batch), n))
        else:
            A = np.vstack([np.eye(n), -np.eye(n)])
            up = _delta_upper(fn, st, A, t)
            if diff and st.neurons and time.monotonic() <= st.deadline:
                up = np.minimum(up, diff_crown(fn, st, A, t, st.planes))
            dhi, dlo = up[:, :n], -up[:, n:]
        dm = np.maximum(np.abs(dlo), np.abs(dhi))
        st.dmax.append(dm)
        st.dlo.append(dlo)
        st.dhi.append(dhi)
        a, bb = pad(slo + np.minimum(dlo, 0), shi + np.maximum(dhi, 0),
                    np.maximum(np.abs(slo), np.abs(shi)) + dm)
        klo, khi = dphi_range(a, bb, fn.slope)
        lam = 0.5 * (klo + khi)
        dev = np.maximum(np.abs(khi - lam), np.abs(klo - lam)) * (1 + REL) + REL * khi + TINY
        mu = dev * dm * (1 + REL) + TINY
        elo, ehi = diff_range(slo, shi, dlo, dhi, fn.slope)
        lmag = lam * dm
        rlo, rhi = pad(np.maximum(-mu, elo - lam * dhi), np.minimum(mu, ehi - lam * dlo),
                       np.abs(elo) + np.abs(ehi) + lmag + mu)
        ylo, yhi = pad(phi(slo, fn.slope), phi(shi, fn.slope))
        ylo, yhi = np.maximum(ylo, 0.0), np.minimum(yhi, 1.0)
        felo, fehi = pad(*failed_deviation(fn, ylo, yhi, batch.window(t)))
        st.fabs.append(np.maximum(np.abs(felo), np.abs(fehi)))
        st.lam.append(lam)
        st.half.append(dev)
        st.kmax.append(khi * (1 + REL) + TINY)
        st.rlo.append(rlo)
        st.rhi.append(rhi)
        st.elo.append(elo)
        st.ehi.append(ehi)
        st.felo.append(felo)
        st.fehi.append(fehi)
        st.rflo.append(pad(felo - lam * dhi, felo, np.abs(felo) + lmag)[0])
        st.rfhi.append(pad(fehi, fehi - lam * dlo, np.abs(fehi) + lmag)[1])
    st.empty = empty
    return st


def leaf_upper(fn: FloatNet, leaf: Leaf, joint: bool = True,
               budget: float | None = None, diff: bool = True) -> LeafBound:
    """Sound upper bound of |F_neu - F_fail| per considered output over the leaf
    (``joint``: also try the joint CROWN bound when the failure set is fixed; ``diff``:
    also the differential bound of :mod:`.diffcrown`, neuron failures only).  After
    ``budget`` seconds the back-substituted bounds are skipped for the remaining layers
    (the interval bound alone is sound), so one leaf of a deep network cannot overrun the
    engine's timeout."""
    return leaf_uppers(fn, [leaf], joint, budget, diff)[0]


def leaf_uppers(fn: FloatNet, leaves: list[Leaf], joint: bool = True,
                budget: float | None = None, diff: bool = True) -> list[LeafBound]:
    """:func:`leaf_upper` of each leaf; leaves that share their failure status (the
    children of an input or sent-value split) are bounded in one batch: the same bounds
    as one at a time up to float rounding (~1e-15 relative, far inside the pads)."""
    groups: dict[tuple, list[int]] = {}
    for i, lf in enumerate(leaves):
        key = (tuple(lf.free), b"".join(s.tobytes() for s in lf.status))
        groups.setdefault(key, []).append(i)
    out: list[LeafBound | None] = [None] * len(leaves)
    for idx in groups.values():
        for i, lb in zip(idx, _bound_batch(fn, [leaves[i] for i in idx], joint, budget, diff),
                         strict=True):
            out[i] = lb
    return out  # type: ignore[return-value]


def _bound_batch(fn: FloatNet, leaves: list[Leaf], joint: bool, budget: float | None,
                 diff: bool) -> list[LeafBound]:
    st = leaf_ranges(fn, leaves, budget, diff)
    if st is None:
        return [LeafBound(np.zeros(len(fn.rows)), empty=True) for _ in leaves]
    L = fn.L
    M = len(fn.rows)
    E = np.eye(fn.Ws[L].shape[0])[fn.rows]
    up = _delta_upper(fn, st, np.vstack([E, -E]), L)
    up = np.maximum(np.maximum(up[:, :M], up[:, M:]), 0.0)
    if diff and st.neurons and time.monotonic() <= st.deadline:
        dc = diff_crown(fn, st, np.vstack([E, -E]), L, st.planes)
        up = np.minimum(up, np.maximum(np.maximum(dc[:, :M], dc[:, M:]), 0.0))
    fixed = all(not (s == MAYBE).any() for s in st.leaf.status)
    failed = [s == FAILED for s in st.leaf.status]  # shared by the batch
    sizes = tuple(int(x.shape[1]) for x in st.slo)
    pack = np.concatenate([x for f in _FIELDS for x in getattr(st, f)], axis=1)
    res = []
    for b, leaf in enumerate(leaves):
        if st.empty[b]:
            res.append(LeafBound(np.zeros(M), empty=True))
            continue
        u = up[b]
        tried = won = False
        if joint and st.neurons and fixed and time.monotonic() <= st.deadline:
            # one failure set: the joint bound
            jc = joint_crown(fn, leaf.lo, leaf.hi, failed, [x[b] for x in st.slo],
                             [x[b] for x in st.shi], [x[b] for x in st.dlo],
                             [x[b] for x in st.dhi], [leaf.window(m) for m in range(L)])
            tried, won = True, bool((jc < u).any())
            u = np.minimum(u, jc)
        res.append(LeafBound.packed(u, pack[b], sizes, tried, won))
    return res
