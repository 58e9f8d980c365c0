"""The ``numeric-v1`` engine's certified upper bound: branch and bound over the input box
only, each box bounded by the one leaf bound of the branch-and-bound engine
(:func:`fepproof.numeric.leaf.leaf_upper` on a leaf whose failures are all undecided).

The derivation of that bound, and why it is sound, is in :mod:`.leaf` and
docs/numeric.md; this module only splits the box (step 6 there): the bound is the
maximum over the leaves, whose union is the box.  Kept as the baseline the convergence
benchmark compares the branch-and-bound engines against.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .floatnet import FloatNet
from .leaf import leaf_upper, root_leaf

__all__ = ["UpperResult", "box_upper", "certified_upper"]


def box_upper(fn: FloatNet, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sound upper bound of |F_neu - F_fail| per considered output over the box [lo, hi],
    for every failure set of the given sizes."""
    leaf = root_leaf(fn).copy()
    leaf.lo, leaf.hi = np.array(lo, dtype=np.float64), np.array(hi, dtype=np.float64)
    return leaf_upper(fn, leaf, joint=False, diff=False).upper


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
