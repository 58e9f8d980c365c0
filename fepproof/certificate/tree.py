"""The proof tree: a partition of the claim into leaves, built by splits the checker applies
itself, so the children of every node cover it by construction.

A tree is a list of nodes in preorder.  A node is ``["L"]`` (a leaf) or a split with two
children, the first child's subtree following the node, then the second's:

====================  ======================================  ==============================
node                  first child                             second child
====================  ======================================  ==============================
``["x", i, m]``       input coordinate i in [lo_i, m]         i in [m, hi_i]
``["f", l, j]``       neuron j of hidden layer l fails        it does not fail
``["s", l, j, m]``    its nominal pre-activation s <= m       s >= m
``["u", l, j, m]``    its sent-value control u <= m           u >= m
====================  ======================================  ==============================

Each pair covers its parent whatever m is (an interval that ends up inverted is empty);
a failure split needs neuron j to be undecided (MAYBE) with failures left to place in
its layer: then every failure set of the parent either contains j or not.
"""

from __future__ import annotations

import math
from typing import Any

from .bound import FAILED, MAYBE, OK, LeafState

__all__ = ["TreeError", "split"]


class TreeError(ValueError):
    """A node that does not describe a valid split of its leaf."""


def _int(v: Any, n: int, what: str) -> int:
    if type(v) is not int or not 0 <= v < n:
        raise TreeError(f"{what} {v!r} is not an index below {n}")
    return v


def _mid(v: Any) -> float:
    if type(v) not in (int, float) or not math.isfinite(v):
        raise TreeError(f"split point {v!r} is not a finite number")
    return float(v)


def split(st: LeafState, node: Any) -> tuple[LeafState, LeafState]:
    """The two children of ``st`` under ``node`` (TreeError if the node is malformed)."""
    if not isinstance(node, list) or not node or node[0] not in ("x", "f", "s", "u"):
        raise TreeError(f"unknown node {str(node)[:60]}")
    kind = node[0]
    want = 3 if kind in ("x", "f") else 4
    if len(node) != want:
        raise TreeError(f"a {kind!r} node has {want} entries, got {len(node)}")
    a, b = st.copy(), st.copy()
    if kind == "x":
        i, m = _int(node[1], st.lo.shape[0], "input coordinate"), _mid(node[2])
        a.hi[i] = min(a.hi[i], m)
        b.lo[i] = max(b.lo[i], m)
        return a, b
    L = len(st.status)
    l = _int(node[1], L, "layer")
    j = _int(node[2], st.status[l].shape[0], f"neuron of layer {l}")
    if kind == "f":
        if st.status[l][j] != MAYBE or st.free[l] <= 0:
            raise TreeError(f"failure split on layer {l} neuron {j}, which is not undecided")
        a.status[l][j] = FAILED
        a.free[l] -= 1
        b.status[l][j] = OK
        return a.normalise(), b.normalise()
    m = _mid(node[3])
    if kind == "s":
        a.phi[l][j] = min(a.phi[l][j], m)
        b.plo[l][j] = max(b.plo[l][j], m)
        return a, b
    if st.ulo is None:
        raise TreeError("a sent-value split, but this failure model has no free sent value")
    a.uhi[l][j] = min(a.uhi[l][j], m)
    b.ulo[l][j] = max(b.ulo[l][j], m)
    return a, b
