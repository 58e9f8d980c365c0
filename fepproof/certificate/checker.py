"""Re-validate a certificate from the network file and the certificate alone.

What a valid certificate establishes (the checker's three steps):

1. **The claim is the one stated**: the network's SHA-256 over every byte it is read from
   matches, and the failure model, the failure counts (one per hidden layer, within the
   widths), the input box (exact, inside the float range, lo <= hi), the output and the
   bound are well formed.  With ``expect`` the claim must also equal what the caller asks.
2. **The leaves cover the claim**: the tree's splits are applied by the checker itself
   (:mod:`.tree`), starting from the whole claim (every failure set with the given
   counts, every point of the box, every pre-activation and sent value), so no gap can
   exist; the tree must be consumed exactly.
3. **Every leaf is bounded** (unless Theorem 2's bound, recomputed exactly by
   :mod:`.closed_form`, is already at most the claimed bound): an outward-rounded leaf
   bound (:func:`.bound.leaf_bounds`; where the failure set is decided, the linear forms
   of :func:`.symbolic.symbolic_bounds` first, the cheaper ones before all of them) is
   at most the claimed bound on each leaf.  A leaf whose bound is above it may be split
   further by the checker (failure, input and sent-value splits) within ``max_extra``
   extra leaves; a leaf still above it makes the certificate invalid, and the report
   names it.  A node of the tree's first levels whose region the interval bound already
   closes, or a node with its failure set decided that the linear forms close, is not
   looked into further (its subtree is still walked for its form).  Leaves are closed
   independently of each other, in batches (the bounds take a batch axis), and on
   several forked processes (``jobs``): small subtrees whose failure set is decided
   go to the workers whole; results are still taken in tree order.

The trusted base is this package, the network reader, :class:`FailureModel` and the exact
sigmoid form of a tanh network (:mod:`fepproof.sigmoid_form`); the
engines that produced the tree are not trusted (``docs/architecture.md``).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..failures import FailureModel
from ..formats import load_network
from ..netdigest import network_digest
from ..sigmoid_form import sigmoid_form, sigmoid_model
from .bound import FAILED, MAYBE, Enclosed, LeafState, leaf_bounds
from .closed_form import sound_fep
from .fileformat import read_certificate
from .rigor import down, frac_interval, up
from .symbolic import QUICK, symbolic_bounds
from .tree import TreeError, split

__all__ = ["CheckReport", "CertificateInvalid", "check_certificate", "check_document"]

_FORK = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
CLAIM_KEYS = ("network_sha256", "model", "failures", "input_box", "output", "bound")
MAX_NODES = 20_000_000


class CertificateInvalid(ValueError):
    """The certificate does not establish its claim (the message names the first item)."""


@dataclass
class CheckReport:
    """The outcome: ``valid`` with the claim, or the first item that fails."""

    valid: bool
    message: str
    claim: dict[str, Any] = field(default_factory=dict)
    leaves: int = 0
    extra_leaves: int = 0
    max_leaf_bound: float = 0.0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "message": self.message, "claim": self.claim,
                "leaves": self.leaves, "extra_leaves": self.extra_leaves,
                "max_leaf_bound": self.max_leaf_bound, "seconds": round(self.seconds, 3)}


def _fraction(text: Any, where: str) -> Fraction:
    if not isinstance(text, str) or len(text) > 400:
        raise CertificateInvalid(f"claim.{where}: expected an exact number as a string")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise CertificateInvalid(f"claim.{where}: {text[:40]!r} is not an exact number") \
            from None


def _claim(claim: dict[str, Any], net_path: str | os.PathLike[str]):
    missing = [k for k in CLAIM_KEYS if k not in claim]
    if missing:
        raise CertificateInvalid(f"claim: missing {', '.join(missing)}")
    digest = network_digest(net_path)
    if claim["network_sha256"] != digest:
        raise CertificateInvalid(f"claim.network_sha256: the certificate is for another "
                                 f"network (its SHA-256 {str(claim['network_sha256'])[:16]}..., "
                                 f"this network {digest[:16]}...)")
    net = load_network(net_path)
    try:
        model = FailureModel.from_json(claim["model"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise CertificateInvalid(f"claim.model: {exc}") from None
    if model.fails_synapses:
        raise CertificateInvalid("claim.model: synapse failures are not certified")
    f = claim["failures"]
    if (not isinstance(f, list) or len(f) != net.depth
            or any(type(v) is not int or not 0 <= v <= n for v, n in zip(f, net.widths))):
        raise CertificateInvalid(f"claim.failures: expected {net.depth} counts, one per hidden "
                                 f"layer, each within the layer's width {list(net.widths)}")
    box = claim["input_box"]
    if not isinstance(box, list) or len(box) != net.input_dim:
        raise CertificateInvalid(f"claim.input_box: expected {net.input_dim} intervals")
    lo, hi = np.empty(len(box)), np.empty(len(box))
    for i, iv in enumerate(box):
        if not isinstance(iv, list) or len(iv) != 2:
            raise CertificateInvalid(f"claim.input_box[{i}]: expected [lo, hi]")
        a, b = _fraction(iv[0], f"input_box[{i}]"), _fraction(iv[1], f"input_box[{i}]")
        if a > b:
            raise CertificateInvalid(f"claim.input_box[{i}]: lo > hi")
        lo[i], hi[i] = frac_interval(a)[0], frac_interval(b)[1]
        if not (np.isfinite(lo[i]) and np.isfinite(hi[i])):
            raise CertificateInvalid(f"claim.input_box[{i}]: outside the float range")
    out = claim["output"]
    if out is not None and (type(out) is not int or not 0 <= out < net.n_outputs):
        raise CertificateInvalid(f"claim.output: expected null or an output below "
                                 f"{net.n_outputs}")
    bound = _fraction(claim["bound"], "bound")
    if bound < 0:
        raise CertificateInvalid("claim.bound: negative")
    widths = list(net.widths)
    root = LeafState(lo, hi, [np.zeros(n, dtype=np.int8) for n in widths], [int(v) for v in f],
                     [np.full(n, -np.inf) for n in widths], [np.full(n, np.inf) for n in widths],
                     [np.full(n, -1.0) for n in widths] if model.free_value else None,
                     [np.full(n, 1.0) for n in widths] if model.free_value else None)
    return net, model, root.normalise(), bound, out


def _influence(P: Enclosed) -> list[np.ndarray]:
    """How much each hidden neuron (per layer) and each input can move the outputs:
    back-propagated absolute weights (a heuristic for choosing splits, not trusted)."""
    v = np.abs(P.Wout[1]).max(axis=0)
    out = [v]
    for W in reversed(P.Ws):
        v = (0.25 * v) @ np.abs(W[1])
        out.append(v)
    return out[::-1]  # [inputs, layer 0, ..., layer L-1]


def _refine(P: Enclosed, st: LeafState, infl: list[np.ndarray]
            ) -> tuple[LeafState, LeafState] | None:
    """The checker's own split of a leaf whose bound is too high (None: nothing to split).

    Undecided failures first (the first undecided neuron of the first such layer), then
    the input coordinate or sent-value window with the largest width x influence."""
    for l, s in enumerate(st.status):
        if st.free[l] > 0:
            j = int(np.flatnonzero(s == MAYBE)[0])
            return split(st, ["f", l, j])
    best = None
    score = (st.hi - st.lo) * infl[0]
    i = int(np.argmax(score))
    if score[i] > 0 and float(st.lo[i]) < float(down(st.hi[i])):
        best = (float(score[i]), ["x", i, float(0.5 * st.lo[i] + 0.5 * st.hi[i])])
    if st.ulo is not None:
        for l, s in enumerate(st.status):
            w = np.where(s == FAILED, st.uhi[l] - st.ulo[l], 0.0) * infl[l + 1] * P.C[1]
            j = int(np.argmax(w))
            if w[j] > 1e-12 and (best is None or w[j] > best[0]):
                best = (float(w[j]), ["u", l, j, float(0.5 * (st.ulo[l][j] + st.uhi[l][j]))])
    return None if best is None else split(st, best[1])


class _Run:
    """What closing a leaf needs (inherited by forked workers); ``budget`` counts the
    extra leaves of all processes."""

    def __init__(self, P: Enclosed, limit: float, bound: Fraction, max_extra: int,
                 budget: Any, tree: list):
        self.P, self.infl, self.limit, self.bound = P, _influence(P), limit, bound
        self.max_extra, self.budget, self.tree = max_extra, budget, tree
        self.ends, self.leafno = _extent(tree)

    def take_extra(self) -> bool:
        with self.budget.get_lock():
            ok = self.budget.value + 2 <= self.max_extra
            self.budget.value += 2 * ok
        return ok


TOP = 10  # the tree's first levels are tried whole (at most 2^10 - 1 interval bounds)
# and so are the nodes whose failure set is decided, with the linear forms, while it pays:
# a closed node saves the bounds of at least two leaves, a failed try costs one, so the
# tries stop once fewer than one in three has closed its node (after the first 50)
TRIES = [0, 0]  # this process's tries: how many, how many closed


def _paying() -> bool:
    """Whether trying decided nodes whole still pays (see TOP)."""
    return TRIES[0] < 50 or 3 * TRIES[1] >= TRIES[0]


SUB = 256  # a subtree with its failure set decided and at most this many nodes is one item


STAGED = [0, 0, 0]  # this process's batches; leaves given the cheaper forms first, closed
# by them: those forms cost about 2/3 of all of them, so they pay first where they close
# over 2/3 of the leaves (checked on the first 256 leaves, then every 8th batch)


def _extent(tree: list) -> tuple[list[int], list[int]]:
    """For each node the position after its subtree, and the number of leaves before it
    (a node other than ``["L"]`` has two subtrees); CertificateInvalid when the list is
    not one binary tree in preorder."""
    n = len(tree)
    leaf = [node == ["L"] for node in tree]
    ends = [0] * n + [n + 1]  # n + 1: runs past the end
    for i in range(n - 1, -1, -1):
        ends[i] = i + 1 if leaf[i] else ends[min(ends[i + 1], n)]
    if ends[0] > n:
        raise CertificateInvalid(f"tree: ends after {n} nodes with leaves left open")
    if ends[0] < n:
        raise CertificateInvalid(f"tree: {n - ends[0]} nodes after the last leaf")
    return ends, list(itertools.accumulate(leaf, initial=0))


def _form(run: _Run, st: LeafState, pos: int, leaves: list | None = None, k: int = 0
          ) -> str | None:
    """Walk the subtree at ``pos`` for its form only (with ``leaves``, append (k, state,
    node, True) for each of its leaves): the first malformed node, or None."""
    stack = [(st, pos)]
    while stack:
        st, pos = stack.pop()
        if run.tree[pos] != ["L"]:
            try:
                a, b = split(st, run.tree[pos])
            except TreeError as exc:
                return f"tree node {pos}: {exc}"
            stack += [(b, run.ends[pos + 1]), (a, pos + 1)]
        elif leaves is not None:
            leaves.append((k, st, pos, True))
    return None


def _items(run: _Run, root: LeafState, try_close: Callable[[LeafState, bool], float | None]
           ) -> Iterator[tuple[Any, int, Any]]:
    """The tree's work in tree order, applying the splits from the root: (state, node,
    None) for a leaf or a small subtree with its failure set decided (closed by
    :func:`_close`); (bound, node, state) for a node of the first ``TOP`` levels or with
    its failure set decided that ``try_close`` bounds whole (its subtree is then walked
    for its form only); (message, node, None) for a malformed node, which ends it."""
    stack = [(root, 0, 0)]
    while stack:
        st, pos, depth = stack.pop()
        decided = not any(st.free)
        if run.tree[pos] == ["L"] or (decided and run.ends[pos] - pos <= SUB):
            yield st, pos, None
            continue
        u = try_close(st, decided) if depth < TOP or decided else None
        if u is not None:
            yield u, pos, st
            continue
        try:
            a, b = split(st, run.tree[pos])
        except TreeError as exc:
            yield f"tree node {pos}: {exc}", pos, None
            return
        stack += [(b, run.ends[pos + 1], depth + 1), (a, pos + 1, depth + 1)]


def _close(run: _Run, items: list[tuple[Any, int, Any]]) -> list[float | str]:
    """For each item (:func:`_items`): the largest bound of its leaves' pieces, or the
    message naming why one cannot be closed (or why the tree is malformed).

    The pieces of all items advance together, bounded in batches: the nodes of a decided
    subtree are tried whole by the linear forms while it pays, then split as the tree
    says; a leaf is bounded by the linear forms where its failure set is decided (the
    interval bound where these fall short, or alone), and split by the checker while its
    bound is too high and the budget allows."""
    out: list[float | str] = [0.0 if isinstance(v, LeafState) else v if st is None
                              else _form(run, st, pos) or v for v, pos, st in items]
    # (item, state, node, a node of the tree (else a piece of the leaf at node))
    todo = [(k, v, p, True) for k, (v, p, _) in enumerate(items) if isinstance(v, LeafState)]
    while todo:
        if not _paying():  # then a decided subtree's leaves are bounded in one batch
            pieces = [e for e in todo if not e[3]]
            for k, s, p, _ in (e for e in todo if e[3]):
                out[k] = _form(run, s, p, pieces, k) or out[k]
            todo = pieces
        inner = [t and run.tree[p] != ["L"] for _, _, p, t in todo]
        dec = [i for i, (_, s, _, _) in enumerate(todo) if not any(s.free)]
        ub = np.full(len(todo), np.inf)
        STAGED[0] += 1  # the cheaper forms first on nodes, and on leaves while they pay
        first = STAGED[1] < 256 or 3 * STAGED[2] >= 2 * STAGED[1] or STAGED[0] % 8 == 0
        quick = [i for i in dec if inner[i] or (todo[i][3] and first)]
        if quick:
            ub[quick] = symbolic_bounds(run.P, [todo[i][1] for i in quick], QUICK)
            leaves = [i for i in quick if not inner[i]]
            STAGED[1] += len(leaves)
            STAGED[2] += sum(ub[i] <= run.limit for i in leaves)
        full = [i for i in dec if ub[i] > run.limit and not inner[i]]
        if full:
            ub[full] = np.minimum(ub[full], symbolic_bounds(run.P, [todo[i][1] for i in full]))
        rest = [i for i in range(len(todo)) if ub[i] > run.limit and not inner[i]]
        if rest:
            ub[rest] = np.minimum(ub[rest], leaf_bounds(run.P, [todo[i][1] for i in rest]))
        nxt = []
        for (k, s, p, _), u, i in zip(todo, ub.tolist(), inner):
            if isinstance(out[k], str):
                continue
            if i:  # a node of a decided subtree
                TRIES[0], TRIES[1] = TRIES[0] + 1, TRIES[1] + (u <= run.limit)
                if u <= run.limit:
                    out[k] = _form(run, s, p) or max(out[k], u)
                    continue
                try:
                    kids = split(s, run.tree[p])
                except TreeError as exc:
                    out[k] = f"tree node {p}: {exc}"
                    continue
                nxt += [(k, kids[0], p + 1, True), (k, kids[1], run.ends[p + 1], True)]
            elif u <= run.limit:
                out[k] = max(out[k], u)
            elif (kids := _refine(run.P, s, run.infl) if np.isfinite(u) else None) is None \
                    or not run.take_extra():
                extra = run.budget.value
                out[k] = (f"leaf {run.leafno[p]} (tree node {p}): the checker's bound "
                          f"{float(up(u)):.9g} exceeds the claimed bound {float(run.bound):.9g}"
                          + (f" after {extra} extra leaves" if extra else ""))
            else:
                nxt += [(k, kids[0], p, False), (k, kids[1], p, False)]
        todo = [e for e in nxt if not isinstance(out[e[0]], str)]
    return out


_RUN: _Run | None = None


def _close_all(items: list[tuple[Any, int, Any]]) -> list[float | str]:
    return _close(_RUN, items)  # type: ignore[arg-type]


def _chunks(run: _Run, items: Iterator) -> Iterator[list]:
    """The items in chunks of about ``SUB`` tree nodes (or 64 items)."""
    chunk, size = [], 0
    for it in items:
        chunk.append(it)
        size += run.ends[it[1]] - it[1] if it[2] is None else 1
        if size >= SUB or len(chunk) >= 64:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _check_leaves(run: _Run, items: Iterator, jobs: int,
                  progress: Callable[[str], None] | None) -> float:
    """Close every item, in order, and return the largest bound; with ``jobs`` > 1 on
    that many forked processes, in chunks (a bounded number in flight), each result still
    taken in tree order."""
    global _RUN
    count, worst, last = 0, 0.0, time.monotonic()

    def take(results: list[float | str]) -> None:
        nonlocal count, worst, last
        for r in results:
            if isinstance(r, str):
                raise CertificateInvalid(r)
            count, worst = count + 1, max(worst, r)
        if progress is not None and time.monotonic() - last > 1.0:
            last = time.monotonic()
            progress(f"check-certificate: {count} leaves and subtrees closed, "
                     f"{run.budget.value} extra leaves")

    try:
        shared = _FORK.Value("q", 0) if jobs > 1 and _FORK.get_start_method() == "fork" \
            else None
    except OSError:  # no shared memory here: one process
        shared = None
    if shared is None:
        for chunk in _chunks(run, items):
            take(_close(run, chunk))
        return worst
    run.budget = shared
    _RUN = run
    try:
        with ProcessPoolExecutor(jobs, mp_context=_FORK) as pool:
            pending: deque = deque()
            chunks = _chunks(run, items)
            while True:
                chunk = next(chunks, None)
                if chunk:
                    pending.append(pool.submit(_close_all, chunk))
                if pending and (len(pending) > 4 * jobs or not chunk):
                    take(pending.popleft().result())
                if not chunk and not pending:
                    return worst
    finally:
        _RUN = None


def check_document(doc: dict[str, Any], net_path: str | os.PathLike[str], *,
                   expect: dict[str, Any] | None = None, max_extra: int = 20_000,
                   jobs: int = 1, progress: Callable[[str], None] | None = None
                   ) -> CheckReport:
    """Check a certificate already read (see the module docstring); ``jobs`` > 1 closes
    the leaves on that many processes (the same verdict; where the extra-leaf budget runs
    out, possibly another leaf named)."""
    t0 = time.monotonic()
    claim = doc["claim"]
    leaves = extra = 0
    worst = 0.0
    run = None
    try:
        if expect is not None:
            for k, v in expect.items():
                if claim.get(k) != v:
                    raise CertificateInvalid(f"claim.{k}: the certificate proves "
                                             f"{str(claim.get(k))[:60]}, not the "
                                             f"{str(v)[:60]} asked for")
        net, model, root, bound, out = _claim(claim, net_path)
        # Theorem 2 already proves the claim: the tree is then only checked for its shape
        try:  # a tanh network is checked on its exact sigmoid form, as the engines ran it
            form_model = sigmoid_model(net, model)
        except ValueError as exc:
            raise CertificateInvalid(f"claim.model: {exc}") from None
        closed = sound_fep(net, model, list(claim["failures"]), out) <= bound
        net, model = sigmoid_form(net), form_model
        P = Enclosed.make(net, model, out)
        limit = frac_interval(bound)[0]  # leaf bounds must be <= this float <= bound
        tree = doc["tree"]
        if len(tree) > MAX_NODES:
            raise CertificateInvalid(f"tree: {len(tree)} nodes, more than {MAX_NODES}")
        one = SimpleNamespace(value=0, get_lock=contextlib.nullcontext)  # one process
        TRIES[:], STAGED[:] = [0, 0], [0, 0, 0]
        run = _Run(P, limit, bound, max_extra, one, tree)
        if closed:  # the tree is only checked for its form
            msg = _form(run, root, 0)
            if msg is not None:
                raise CertificateInvalid(msg)
        else:
            def whole(st: LeafState, decided: bool) -> float | None:
                if not decided:
                    u = float(leaf_bounds(P, [st])[0])
                elif _paying():
                    u = float(symbolic_bounds(P, [st], QUICK)[0])
                    TRIES[0], TRIES[1] = TRIES[0] + 1, TRIES[1] + (u <= limit)
                else:
                    return None
                return u if u <= limit else None
            worst = _check_leaves(run, _items(run, root, whole), jobs, progress)
        leaves = run.leafno[-1]
        extra = run.budget.value
    except CertificateInvalid as exc:
        extra = run.budget.value if run is not None else 0
        return CheckReport(False, str(exc), claim if isinstance(claim, dict) else {}, leaves,
                           extra, seconds=time.monotonic() - t0)
    if closed:
        return CheckReport(True, f"|F - F_fail| <= {claim['bound']} by the closed form "
                           "(Theorem 2 with the sound deviation, exact)", claim, leaves,
                           seconds=time.monotonic() - t0)
    return CheckReport(True, f"|F - F_fail| <= {claim['bound']} on all {leaves} leaves"
                       + (f" (+{extra} split by the checker)" if extra else ""), claim, leaves,
                       extra, worst, time.monotonic() - t0)


def check_certificate(net_path: str | os.PathLike[str], cert_path: str | os.PathLike[str],
                      **kwargs: Any) -> CheckReport:
    """Read and check a certificate file (CertificateUnreadable when it cannot be read;
    NetworkError when the network cannot be)."""
    return check_document(read_certificate(cert_path), net_path, **kwargs)
