"""Back-substitution: a linear objective pushed back through relaxed layers to the input
box, with outward rounding; the one implementation every back-substituted bound of the
numeric engines uses (the nominal pre-activation bounds and the coupled bound of
:mod:`.leaf`, the joint bound of :mod:`.crown`, the differential bound of
:mod:`.diffcrown`).

A :class:`BackSub` accumulates, for a batch of objective rows, the constant part of the
bound while the caller carries the rows' coefficients A (shape (B, R, n): B leaves,
R rows, n variables of the current layer) from layer to layer:

* ``offset(A, lo, hi)``: a term A . v with v in [lo, hi] (per leaf and variable): adds
  sum_j max(A_j lo_j, A_j hi_j), the dual variables of v's bounds;
* ``relax(A, a, lo, hi)``: a relaxation y = a s + c, c in [lo, hi]: the offset of c,
  then returns A a, the coefficients on s;
* ``affine(A, W, b, zmax)``: s = W z + b with |z| <= zmax: adds A b, returns A W;
* ``input(A, lo, hi)``: the input box: adds max over the box of A x;
* ``add(value, mag)``: a term the caller bounds itself (e.g. the worst failure set);
* ``upper()``: the sum, padded outward.

Multipliers.  With ``record=True`` every step is kept in ``steps`` with the rows A it
was applied to and its parameters: the rows are the multipliers (the dual solution) of
the relaxations, and the steps are enough to recompute the bound
(``tests/test_backsub.py`` replays a chain in exact rationals and checks that the float
bound is never below the exact value).

Rounding (the argument for every back-substituted bound).  Any multipliers give a valid
bound, so the float rows may differ from the exact products; what must be covered is
each step's own rounding:

* a sum of k products rounds by at most gamma_k sum |terms| (gamma_k = k u / (1 - k u),
  u = 2^-53): each step adds at least sum |terms| to ``mag`` (an offset adds
  |A| max(|lo|, |hi|), a bias |A| |b|, the input |A| max|x|);
* A W in float differs from the exact product by at most gamma_n (|A| |W|) entry-wise,
  and that error multiplies z: ``affine`` adds (|A| |W|) zmax to ``mag``;
* a row computed in float (A a, or a caller's sum of rows) is off by a few ulps of
  itself, and that error multiplies the row's variable v: the step that takes the row
  has |A| max|v| in its magnitude (an offset: |v| <= max(|lo|, |hi|); ``affine``:
  |s| <= |W| zmax + |b|; ``input``: max|x|; for y = a s + c, |y| <= |a s| + |c| is
  covered by the relaxation's offset and the next ``affine`` together).

With k, n <= 1e6, gamma is below 1.2e-10, and ``PADR`` (1e-8, :mod:`.rounding`) times
``mag`` covers the sum of these bounds with a wide margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rounding import PADR, TINY

__all__ = ["BackSub", "Step", "lift", "bdot"]


def lift(v: np.ndarray) -> np.ndarray:
    """A per-leaf vector (B, n) lifted to broadcast against row matrices (B, R, n)."""
    return v[:, None, :]


def bdot(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row sums of M (B, R, n) weighted by the per-leaf vector v (B, n): (B, R)."""
    return np.matmul(M, v[:, :, None])[..., 0]


@dataclass(frozen=True)
class Step:
    """One recorded step: ``kind`` and its parameters (offset: lo, hi; relax: a, lo, hi;
    affine: W, b, zmax; input: lo, hi; add: value), with the rows ``A`` it was applied
    to (None for ``add``)."""

    kind: str
    A: np.ndarray | None
    params: tuple


class BackSub:
    """The constant part and rounding magnitude of back-substituted bounds of shape
    (B, R); see the module docstring."""

    def __init__(self, shape: tuple[int, ...], record: bool = False):
        self.const = np.zeros(shape)
        self.mag = np.zeros(shape)
        self.steps: list[Step] | None = [] if record else None

    def _keep(self, kind: str, A: np.ndarray | None, *params) -> None:
        if self.steps is not None:
            self.steps.append(Step(kind, None if A is None else np.array(A), params))

    def offset(self, A: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Add max of A . v over v in [lo, hi] (lo, hi: (B, n))."""
        self._keep("offset", A, np.array(lo), np.array(hi))
        self._offset(A, lo, hi)

    def _offset(self, A: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        self.const += np.where(A > 0, A * lift(hi), A * lift(lo)).sum(axis=-1)
        self.mag += bdot(np.abs(A), np.maximum(np.abs(lo), np.abs(hi)))

    def relax(self, A: np.ndarray, a: np.ndarray, lo: np.ndarray, hi: np.ndarray
              ) -> np.ndarray:
        """y = a s + c, c in [lo, hi] (per leaf and neuron): the rows on s."""
        self._keep("relax", A, np.array(a), np.array(lo), np.array(hi))
        self._offset(A, lo, hi)
        return A * lift(a)

    def affine(self, A: np.ndarray, W: np.ndarray, b: np.ndarray | None,
               zmax: np.ndarray) -> np.ndarray:
        """s = W z + b with |z| <= zmax (B, m): add A b, return the rows on z."""
        self._keep("affine", A, W, b, np.array(zmax))
        if b is not None:
            self.const += A @ b
            self.mag += np.abs(A) @ np.abs(b)
        self.mag += bdot(np.abs(A) @ np.abs(W), zmax)
        return A @ W

    def input(self, A: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        """Add the maximum of A x over the input box [lo, hi] ((B, d))."""
        self._keep("input", A, np.array(lo), np.array(hi))
        self._offset(A, lo, hi)  # the same maximum as an offset's

    def add(self, value: np.ndarray, mag: np.ndarray) -> None:
        """Add a term bounded by the caller, ``mag`` the magnitude of its computation."""
        self._keep("add", None, np.array(value))
        self.const += value
        self.mag += mag

    def upper(self) -> np.ndarray:
        """The bound: the constant part padded outward (module docstring)."""
        return self.const + PADR * self.mag + TINY
