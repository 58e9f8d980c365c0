"""Branch and bound that converges: the ``numeric`` engine of ``fepproof verify``.

Leaves (:class:`.leaf.Leaf`) restrict the input box, the failure status of neurons and
nominal pre-activation ranges; each carries a certified upper bound (:mod:`.leaf`).  A
priority queue always branches the leaves with the largest upper bounds.  Splits:

* failure: "neuron j of layer l failed / not failed" for the MAYBE neuron with the largest
  influence x failed-deviation score — always first while a leaf holds several failure
  sets (as verifiers branch ReLU phases first);
* input: halve the box along the dimension with the largest sensitivity of the bound
  (width x back-propagated |weight| x slope bound);
* pre-activation: halve the nominal range of the neuron whose relaxation term
  (influence x half slope range x |delta|) is largest.

Once the failure set is fixed, the input split is taken; with ``strong`` branching every
candidate (two input dimensions, one pre-activation) is bounded and the split whose
children's bounds have the smallest sum wins (measured: fewer leaves, but slower per
second on the convergence benchmark's 8-16-16-1 nets, so it is off by default).

Children keep the minimum of their own and their parent's bound (both sound on the child).
A leaf is closed once its bound is <= the replayed lower bound (or <= the claim when only
the claim is decided).  The reported upper bound is the maximum over open and closed
leaves, so it never rises; the lower bound (witnesses from :mod:`.attack` and
:mod:`.search`, replayed with :func:`fepproof.replay.replay`) never falls.  The run stops
at the relative tolerance, at an absolute tolerance (``ATOL`` x the smaller of the
closed-form bound and the root leaf's bound:
worst cases near 0), when the queue is exhausted (the bracket is then exact), or at the
timeout — never earlier.

Leaves of one round are branched in parallel by local processes (``jobs``) or on a Dask
cluster (``scheduler``), in groups of ``group`` leaves whose children are bounded in
batches (:func:`.leaf.leaf_uppers`); a round always holds the same leaves and the same
groups, so the result does not depend on the number of workers or where they run (only
on the time given).
"""

from __future__ import annotations

import heapq
import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..replay import replay
from ..verdict import Witness
from .attack import Attack, attack, to_witness
from .faultview import control_scale, neuron_kind
from .floatnet import FloatNet
from .leaf import FAILED, MAYBE, OK, Leaf, LeafBound, leaf_upper, leaf_uppers, root_leaf

__all__ = ["BabOptions", "BabResult", "run_bab", "ATOL"]

ATOL = 1e-9  # absolute tolerance, relative to min(closed form, root bound) (worst case ~ 0)
STALE = 16  # attacks in a row without a better witness before their time share drops


@dataclass(frozen=True)
class BabOptions:
    jobs: int = 2                 # local worker processes (1: in this process)
    batch: int = 32               # leaves branched per round (fixed: same result any jobs)
    group: int = 16               # leaves per worker task; their children bounded in batches
    max_bounds: int | None = None  # stop after this many leaf bounds (tests)
    seed: int = 0
    attack_share: float = 0.3     # at most this share of the time goes to lower bounds
    attack_every: int | None = None  # attack every n-th round instead (deterministic runs)
    strong: bool = False          # strong branching over input and pre-activation splits
    scheduler: str | None = None  # Dask scheduler address: branch leaves on that cluster
    record_tree: bool = True      # keep the proof tree (for certificates; off: benchmarks)


@dataclass
class BabResult:
    upper: float
    lower: Fraction
    witness: Witness | None
    witness_error: Fraction | None
    stop: str                     # tolerance | absolute tolerance | exhausted | timeout | ...
    stats: dict = field(default_factory=dict)
    history: list[tuple[float, float, float]] = field(default_factory=list)
    # the final partition as a proof tree in preorder (fepproof.certificate.tree's nodes)
    tree: list = field(default_factory=list)


# ---- branching (runs in workers) -------------------------------------------------------

_FN: FloatNet | None = None
_STRONG = False  # strong branching (try every candidate split), set by _init


def _init(fn: FloatNet, strong: bool = False) -> None:
    global _FN, _STRONG
    _FN, _STRONG = fn, strong


def _influence(fn: FloatNet, lb: LeafBound) -> list[np.ndarray]:
    """o_m: back-propagated |weights| x slope bounds from the outputs to hidden layer m."""
    v = np.abs(fn.Ws[fn.L][fn.rows]).max(axis=0)
    out = [None] * fn.L
    for m in range(fn.L - 1, -1, -1):
        out[m] = v
        v = (v * lb.kmax[m]) @ np.abs(fn.Ws[m])
    out.append(v)  # influence on the inputs
    return out  # type: ignore[return-value]


def _candidates(fn: FloatNet, leaf: Leaf, lb: LeafBound) -> list[tuple[str, list[Leaf]]]:
    infl = _influence(fn, lb)
    cands: list[tuple[str, list[Leaf]]] = []
    # failure split
    best = None
    for m in range(fn.L):
        if leaf.free[m] == 0:
            continue
        sc = np.where(leaf.status[m] == MAYBE, infl[m] * lb.fabs[m], -1.0)
        j = int(np.argmax(sc))
        if sc[j] >= 0 and (best is None or sc[j] > best[0]):
            best = (sc[j], m, j)
    if best is not None:
        _, m, j = best
        a, b = leaf.copy(), leaf.copy()
        a.status[m][j] = FAILED
        a.free[m] -= 1
        b.status[m][j] = OK
        cands.append(("failure", [a.normalise(), b.normalise()]))
    # input splits and sent-value splits, the larger sensitivity (width x influence)
    # first: a free sent value C u of a FAILED neuron is an input of the faulty copy
    scored: list[tuple[float, str, list[Leaf]]] = []
    width = leaf.hi - leaf.lo
    sens = width * infl[fn.L]
    for i in np.argsort(-sens)[:2]:
        i = int(i)
        if sens[i] <= 0 or width[i] <= 1e-12 * (1 + abs(leaf.lo[i])):
            continue
        mid = 0.5 * (leaf.lo[i] + leaf.hi[i])
        a, b = leaf.copy(), leaf.copy()
        a.hi[i] = mid
        b.lo[i] = mid
        scored.append((float(sens[i]), "input", [a, b]))
    sent = _sent_split(fn, leaf, infl)
    if sent is not None:
        scored.append(sent)
    scored.sort(key=lambda c: -c[0])
    cands.extend((kind, kids) for _, kind, kids in scored)
    # pre-activation split
    best = None
    for m in range(fn.L):
        w = lb.shi[m] - lb.slo[m]
        ok = (w > 1e-9 * (1 + np.abs(lb.slo[m]))) & (leaf.status[m] != FAILED)
        sc = np.where(ok, infl[m] * lb.half[m] * lb.dmax[m], -1.0)
        j = int(np.argmax(sc))
        if sc[j] > 0 and (best is None or sc[j] > best[0]):
            best = (sc[j], m, j)
    if best is not None:
        _, m, j = best
        mid = 0.5 * (lb.slo[m][j] + lb.shi[m][j])
        a, b = leaf.copy(), leaf.copy()
        a.phi_[m][j] = mid
        b.plo[m][j] = mid
        cands.append(("preact", [a, b]))
    return cands


def _sent_split(fn: FloatNet, leaf: Leaf, infl: list[np.ndarray]
                ) -> tuple[float, str, list[Leaf]] | None:
    """Halve the control window of the FAILED neuron whose free sent value moves the
    output most (influence x C x window width); None when no window is left to split."""
    if not leaf.ulo:
        return None
    C = control_scale(fn)  # d(sent)/du
    best = None
    for m in range(fn.L):
        w = leaf.uhi[m] - leaf.ulo[m]
        sc = np.where((leaf.status[m] == FAILED) & (w > 1e-9), infl[m] * C * w, -1.0)
        j = int(np.argmax(sc))
        if sc[j] > 0 and (best is None or sc[j] > best[0]):
            best = (float(sc[j]), m, j)
    if best is None:
        return None
    score, m, j = best
    mid = 0.5 * (leaf.ulo[m][j] + leaf.uhi[m][j])
    a, b = leaf.copy(), leaf.copy()
    a.uhi[m][j] = mid
    b.ulo[m][j] = mid
    return score, "sent", [a, b]


def branch_group(tasks: list) -> list[tuple[str, list[tuple[Leaf, LeafBound]], int]]:
    """Split each leaf of a group (tasks (leaf, bound, joint[, seconds per batch]) of one
    round, same ``joint`` and budget): per leaf (split kind, children with bounds, bounds
    computed).  The children are bounded together, those that share a failure status in
    one batch (:func:`.leaf.leaf_uppers`).  With ``strong`` branching each leaf is split
    on its own."""
    fn = _FN
    assert fn is not None
    if not tasks:
        return []
    _, _, joint, *rest = tasks[0]
    budget = rest[0] if rest else None
    if _STRONG:
        return [_branch_strong(fn, t) for t in tasks]
    chosen = []
    for leaf, lb, *_ in tasks:
        cands = _candidates(fn, leaf, lb)  # failure splits first, else the best input one
        chosen.append(cands[0] if cands else None)
    kids = [k for c in chosen if c is not None for k in c[1]]
    bounds = iter(leaf_uppers(fn, kids, joint, budget))
    out = []
    for (_leaf, lb, *_), c in zip(tasks, chosen, strict=True):
        if c is None:
            out.append(("none", [], 0))
            continue
        pairs = []
        for k in c[1]:
            kb = next(bounds)
            kb.upper = np.minimum(kb.upper, lb.upper)  # both sound on the child
            pairs.append((k, kb))
        out.append((c[0], pairs, len(pairs)))
    return out


def _branch_strong(fn: FloatNet, task) -> tuple[str, list[tuple[Leaf, LeafBound]], int]:
    leaf, lb, joint, *rest = task
    budget = rest[0] if rest else None
    best = None
    n = 0
    cands = _candidates(fn, leaf, lb)
    if cands and cands[0][0] == "failure":
        cands = cands[:1]  # failure splits first (as verifiers branch ReLU phases)
    for kind, kids in cands:
        out = []
        for k, kb in zip(kids, leaf_uppers(fn, kids, joint, budget), strict=True):
            n += 1
            kb.upper = np.minimum(kb.upper, lb.upper)
            out.append((k, kb))
        key = (sum(float(b.upper.max()) for _, b in out), max(float(b.upper.max())
                                                               for _, b in out))
        if best is None or key < best[0]:
            best = (key, kind, out)
    if best is None:
        return "none", [], n
    return best[1], best[2], n


# ---- the loop ---------------------------------------------------------------------------

def _branch_on(group: list, fn: FloatNet, strong: bool):
    """:func:`branch_group` in a Dask worker (the network travels as a scattered
    argument)."""
    _init(fn, strong)
    return branch_group(group)


class _DaskPool:
    """``map`` on a Dask cluster (``--scheduler``), same tasks and order as locally."""

    def __init__(self, address: str, fn: FloatNet, strong: bool):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the environment
            raise ValueError("scheduler: needs dask[distributed]") from None
        try:
            self.client = Client(address, timeout=10)
        except OSError as exc:
            raise ValueError(f"scheduler: cannot reach {address} ({exc})") from None
        self.fn = self.client.scatter(fn, broadcast=True)
        self.strong = strong

    def map(self, f, groups):
        futs = self.client.map(_branch_on, list(groups), fn=self.fn, strong=self.strong,
                               pure=False)
        return self.client.gather(futs)

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        self.client.close()


def _pool(fn: FloatNet, jobs: int, strong: bool) -> ProcessPoolExecutor | None:
    if jobs <= 1:
        return None
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init,
                               initargs=(fn, strong))


def _split_node(kind: str, parent: Leaf, kids: list[Leaf]) -> list | None:
    """The proof-tree node of a split (see :mod:`fepproof.certificate.tree`), read off the
    parent and its two children; None when it cannot be described (the parent then stays
    a leaf of the tree, which is sound: the checker bounds it as a whole)."""
    if len(kids) != 2:
        return None
    a, b = kids
    if kind == "failure":
        for m, s in enumerate(parent.status):
            hit = np.flatnonzero((s == MAYBE) & (a.status[m] == FAILED) & (b.status[m] == OK))
            if hit.size:
                return ["f", m, int(hit[0])]
    elif kind == "input":
        hit = np.flatnonzero(a.hi != parent.hi)
        if hit.size and a.hi[hit[0]] == b.lo[hit[0]]:
            return ["x", int(hit[0]), float(a.hi[hit[0]])]
    elif kind == "sent":
        for m, w in enumerate(parent.uhi):
            hit = np.flatnonzero(a.uhi[m] != w)
            if hit.size:
                return ["u", m, int(hit[0]), float(a.uhi[m][hit[0]])]
    elif kind == "preact":
        for m, w in enumerate(parent.phi_):
            hit = np.flatnonzero(a.phi_[m] != w)
            if hit.size and np.isfinite(a.phi_[m][hit[0]]):
                return ["s", m, int(hit[0]), float(a.phi_[m][hit[0]])]
    return None


def _preorder(children: dict[int, tuple[list, int, int]]) -> list:
    """The tree rooted at node 0 as a preorder list of nodes (leaves are ``["L"]``)."""
    out: list = []
    stack = [0]
    while stack:
        t = children.get(stack.pop())
        if t is None:
            out.append(["L"])
            continue
        out.append(t[0])
        stack += [t[2], t[1]]
    return out


def _complete(fn: FloatNet, leaf: Leaf, lb: LeafBound) -> list[list[int]]:
    """A failure set of the leaf: its FAILED neurons plus the most influential MAYBE ones."""
    if not neuron_kind(fn):
        return [[] for _ in range(fn.L)]
    infl = _influence(fn, lb)
    sets = []
    for m in range(fn.L):
        s = leaf.status[m]
        chosen = [int(j) for j in np.flatnonzero(s == FAILED)]
        sc = np.where(s == MAYBE, infl[m] * lb.fabs[m], -np.inf)
        chosen += [int(j) for j in np.argsort(-sc)[: leaf.free[m]]]
        sets.append(sorted(chosen))
    return sets


class _Lower:
    """The replayed lower bound and its witness."""

    def __init__(self, net, fn: FloatNet, model, output: int | None, stats: dict):
        self.net, self.fn, self.model, self.output = net, fn, model, output
        self.value = Fraction(0)
        self.witness: Witness | None = None
        self.error: Fraction | None = None
        self.float_best = 0.0
        self.stats = stats

    def offer(self, a: Attack) -> bool:
        if a.value <= 0 or a.value <= float(self.value) * (1 - 1e-12):
            return False
        out = self.output
        if out is None and self.net.n_outputs > 1:
            out = int(a.row)
        w = to_witness(self.net, self.fn, self.model, a, out)
        rep = replay(self.net, w, self.model, dps=60, output=out)
        self.stats["replays"] += 1
        if not rep.valid:
            self.stats["replay_rejected"] += 1
            return False
        err = rep.error_fraction_lower()
        if err > self.value:
            self.value, self.witness, self.error = err, w, err
            return True
        return False


def run_bab(net, fn: FloatNet, model, output: int | None, timeout: float,
            tolerance: float, closed_form: float, claim: float | None = None,
            decide_only: bool = False, options: BabOptions | None = None,
            progress: Callable[[str], None] | None = None, label: str = "",
            seed_attacks: list[Attack] | Callable[[], list[Attack]] | None = None,
            leaf_hook: Callable[[Leaf, LeafBound, float],
                                tuple[float | None, Attack | None]] | None = None
            ) -> BabResult:
    """Bracket max |F_neu - F_fail| (see module docstring).

    ``claim``: the claimed bound; with ``decide_only`` the run stops as soon as the claim is
    proved or refuted.  ``closed_form``: a sound upper bound (rounded up) that caps the
    bracket in every stop test.  ``seed_attacks``: attacks that seed the lower bound, or a
    function that finds them, called after the root bound unless that bound (or the closed
    form) already proves the claim.  ``leaf_hook(leaf, bound, target)`` may return a smaller
    sound upper bound for a leaf (the z3 last mile); it runs in this process."""
    opts = options or BabOptions()
    t0 = time.monotonic()
    deadline = t0 + timeout
    rng = np.random.default_rng(opts.seed)
    stats: dict = {"leaves_opened": 1, "leaves_closed": 0, "leaves_frozen": 0, "bounds": 1,
                   "splits": {"failure": 0, "input": 0, "sent": 0, "preact": 0},
                   "attacks": 0,
                   "replays": 0, "replay_rejected": 0, "seconds_bound": 0.0,
                   "seconds_attack": 0.0, "seconds_hook": 0.0, "hook_calls": 0,
                   "rounds": 0, "jobs": opts.jobs, "batch": opts.batch, "group": opts.group,
                   "joint_tried": 0, "joint_won": 0}
    low = _Lower(net, fn, model, output, stats)
    root = root_leaf(fn)
    root.node = 0
    children: dict[int, tuple[list, int, int]] = {}  # the proof tree: node -> split, kids
    nodes = [1]
    q0 = time.monotonic()
    rb = leaf_upper(fn, root, budget=timeout / 4)  # a deep net's root must not eat the run
    stats["seconds_bound"] += time.monotonic() - q0
    stats["root_upper"] = float(rb.upper.max())
    # the absolute tolerance scales with the first certified bound, not with the closed
    # form alone: Fep can exceed the real worst case by 100+ orders of magnitude on deep
    # networks, and 1e-9 x Fep would then stop the run at an arbitrarily wide bracket
    atol = ATOL * min(closed_form, stats["root_upper"])
    stats["absolute_tolerance"] = atol
    # a claim the root bound or the closed form proves needs no witness (nor attack)
    proved_at_root = (decide_only and claim is not None
                      and min(stats["root_upper"], closed_form) <= claim)
    if callable(seed_attacks):
        seed_attacks = [] if proved_at_root else seed_attacks()
    for a in seed_attacks or []:
        low.offer(a)
    heap: list[tuple[float, int, Leaf, LeafBound]] = []
    counter = 0
    closed_max = 0.0
    frozen_max = 0.0  # bounds of leaves that could not be split further
    attacked: set = set()

    def push(leaf: Leaf, lb: LeafBound) -> None:
        nonlocal counter, closed_max
        u = float(lb.upper.max())
        if lb.empty or u <= close_at():
            stats["leaves_closed"] += 1
            closed_max = max(closed_max, u)
            return
        heapq.heappush(heap, (-u, counter, leaf, lb))
        counter += 1

    def close_at() -> float:
        c = float(low.value)
        if decide_only and claim is not None:
            c = max(c, claim)
        return c

    def upper_now() -> float:
        return max(closed_max, -heap[0][0] if heap else 0.0)

    def capped() -> float:
        """The bracket's upper end: the leaves' bound, capped by the closed form."""
        return min(upper_now(), closed_form)

    def try_attack(leaf: Leaf, lb: LeafBound) -> None:
        sets = _complete(fn, leaf, lb)
        syn = [] if neuron_kind(fn) else list(_syn_hint)
        key = (tuple(map(tuple, sets)), tuple(np.round(leaf.lo, 12)), tuple(np.round(leaf.hi,
                                                                                    12)))
        if key in attacked:
            return
        attacked.add(key)
        q = time.monotonic()
        a = attack(fn, leaf.lo, leaf.hi, sets, syn, rng, starts=8, steps=25,
                   deadline=deadline)
        stats["attacks"] += 1
        stale[0] = 0 if low.offer(a) else stale[0] + 1
        stats["seconds_attack"] += time.monotonic() - q

    stale = [0]  # attacks since the last one that raised the lower bound

    def attack_share() -> float:
        """The attacks' share of the time; a third of it once STALE attacks in a row
        found nothing (they run in this process while the workers wait)."""
        return opts.attack_share / (3 if stale[0] >= STALE else 1)

    _syn_hint: list = []
    for a in seed_attacks or []:
        if a.synapses:
            _syn_hint = list(a.synapses)
            break
    push(root, rb)
    if heap and not proved_at_root:
        try_attack(root, rb)
    pool = (_DaskPool(opts.scheduler, fn, opts.strong) if opts.scheduler
            else _pool(fn, opts.jobs, opts.strong))
    _init(fn, opts.strong)
    stop = "timeout"
    last_say = -math.inf
    history = [(0.0, float(low.value), capped())]
    try:
        while True:
            U = capped()
            lo = float(low.value)
            if not heap:  # leaves closed below the claim decide it; below lower: exact
                stop = ("claim decided" if decide_only and claim is not None and U <= claim
                        else "exhausted" if frozen_max <= lo else "no split left")
                break
            if decide_only and claim is not None and (U <= claim or lo > claim):
                stop = "claim decided"
                break
            if not decide_only and U - lo <= tolerance * U:
                stop = "tolerance"
                break
            if not decide_only and U - lo <= atol:
                stop = "absolute tolerance"
                break
            if time.monotonic() >= deadline:
                stop = "timeout"
                break
            if opts.max_bounds is not None and stats["bounds"] >= opts.max_bounds:
                stop = "bound limit"
                break
            batch = []
            while heap and len(batch) < opts.batch:
                negu, _, leaf, lb = heapq.heappop(heap)
                if -negu <= close_at():
                    stats["leaves_closed"] += 1
                    closed_max = max(closed_max, -negu)
                    continue
                batch.append((leaf, lb))
            if not batch:
                continue
            stats["rounds"] += 1
            # lower bound: attack the most promising leaf, within the time share
            el = time.monotonic() - t0
            if opts.attack_every is not None:
                if stats["rounds"] % opts.attack_every == 0:
                    try_attack(*batch[0])
            elif stats["seconds_attack"] <= attack_share() * max(el, 1e-3):
                try_attack(*batch[0])
            if leaf_hook is not None:
                kept = []
                for leaf, lb in batch:
                    q = time.monotonic()
                    u, cand = leaf_hook(leaf, lb, float(low.value))
                    stats["seconds_hook"] += time.monotonic() - q
                    stats["hook_calls"] += 1
                    if cand is not None:
                        low.offer(cand)
                    if u is not None and u < float(lb.upper.max()):
                        lb.upper = np.minimum(lb.upper, u)
                    if float(lb.upper.max()) <= close_at():
                        stats["leaves_closed"] += 1
                        closed_max = max(closed_max, float(lb.upper.max()))
                    else:
                        kept.append((leaf, lb))
                batch = kept
            q = time.monotonic()
            # the joint CROWN bound is kept only while it pays: it is tried on the first
            # 64 fixed-set leaves and then only if it won on >= 5 % of them
            joint = stats["joint_tried"] < 64 or \
                stats["joint_won"] >= 0.05 * stats["joint_tried"]
            per_leaf = max(deadline - time.monotonic(), 0.0) / 4
            tasks = [(leaf, lb, joint, per_leaf) for leaf, lb in batch]
            # groups of leaves whose children are bounded in batches; the groups do not
            # depend on the number of workers, so neither do the bounds
            size = max(1, opts.group)
            groups = [tasks[i:i + size] for i in range(0, len(tasks), size)]
            if pool is not None and len(groups) > 1:
                results = [r for out in pool.map(branch_group, groups) for r in out]
            else:
                results = [r for grp in groups for r in branch_group(grp)]
            stats["seconds_bound"] += time.monotonic() - q
            for (_leaf, lb), (kind, kids, n) in zip(batch, results, strict=True):
                stats["bounds"] += n
                if kind == "none":  # nothing left to split: the leaf stays as it is
                    stats["leaves_frozen"] += 1
                    closed_max = max(closed_max, float(lb.upper.max()))
                    frozen_max = max(frozen_max, float(lb.upper.max()))
                    continue
                stats["splits"][kind] += 1
                stats["leaves_opened"] += len(kids)
                desc = (_split_node(kind, _leaf, [k for k, _ in kids]) if opts.record_tree
                        else None)
                if desc is not None and _leaf.node >= 0:
                    kids[0][0].node, kids[1][0].node = nodes[0], nodes[0] + 1
                    children[_leaf.node] = (desc, nodes[0], nodes[0] + 1)
                    nodes[0] += 2
                for k, kb in kids:
                    stats["joint_tried"] += kb.joint_tried
                    stats["joint_won"] += kb.joint_won
                    push(k, kb)
            now = time.monotonic()
            history.append((now - t0, float(low.value), capped()))
            if progress is not None and now - last_say > 1.0:
                last_say = now
                shown = capped()
                progress(f"{label}round {stats['rounds']}: bracket [{float(low.value):.6g}, "
                         f"{shown:.6g}] after {now - t0:.1f} s, {len(heap)} open leaves, "
                         f"{stats['bounds']} bounds")
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    U = upper_now()  # the max over open and closed leaves: >= the worst case >= lower
    stats["open_leaves"] = len(heap)
    for k in ("seconds_bound", "seconds_attack", "seconds_hook"):
        stats[k] = round(stats[k], 3)
    if len(history) > 200:
        step = math.ceil(len(history) / 200)
        history = history[::step] + [history[-1]]
    return BabResult(U, low.value, low.witness, low.error, stop, stats, history,
                     _preorder(children))
