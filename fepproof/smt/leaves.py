"""``--engine z3``: branch and bound (:mod:`fepproof.numeric.bab`) with z3 for the last
mile.

Leaves whose failure set is fixed are handed to z3 over their own input box, where the
interval ranges (hence the certified sigmoid envelopes of :mod:`.encode`) are far tighter
than on the whole box.  z3 is asked whether the error can exceed the target
t = lower / (1 - tolerance) (or lower + the absolute tolerance): UNSAT proves the leaf's
error <= t (exact rationals, sound relaxation), so the leaf's bound becomes t and it is
closed as soon as the lower bound allows.  A SAT model is re-optimised and replayed as a
witness candidate; the leaf is then split by the branch and bound as any other, so a
spurious answer splits the leaf instead of adding breakpoints.  z3 gets at most
``Z3_SHARE`` of the elapsed time.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from ..failures import check_failures
from ..network import Network
from ..verify_api import Progress, VerifyProblem, VerifyResult
from .answer import Answer
from .encode import Encoding, default_breakpoints
from .ibp import fault_bounds, nominal_bounds, status_from_sets

__all__ = ["verify_z3_bab", "Z3_SHARE", "QUERY_CAP"]

Z3_SHARE = 0.5   # share of the elapsed time z3 may use
QUERY_CAP = 2.0  # seconds per z3 query


class _Z3Leaves:
    def __init__(self, problem: VerifyProblem, fn, deadline: float, stats: dict):
        from ..numeric.bab import ATOL
        from ..numeric.engine import _closed_form
        self.p, self.fn, self.deadline, self.stats = problem, fn, deadline, stats
        self.t0 = time.monotonic()
        self.used = 0.0
        self.atol = ATOL * float(_closed_form(problem))
        self.rng = np.random.default_rng(0)
        net: Network = problem.net
        self.outputs = range(net.n_outputs) if problem.output is None else [problem.output]
        base = list(default_breakpoints(net.activation.slope))
        self.breaks = {(c, l, j): base for l, n in enumerate(net.widths) for j in range(n)
                       for c in ("n", "f")}

    def __call__(self, leaf, lb, lower: float):
        from ..numeric.attack import attack
        from ..numeric.leaf import FAILED
        if leaf.n_sets() != 1 or lb.empty:
            return None, None
        now = time.monotonic()
        if self.used > Z3_SHARE * (now - self.t0) + QUERY_CAP or now > self.deadline - 0.1:
            return None, None
        tol = float(self.p.tolerance)
        t = Fraction(max(lower / (1 - tol), lower + self.atol))
        if t >= Fraction(float(lb.upper.max())):
            return None, None
        net, model = self.p.net, self.p.model
        box = tuple((Fraction(float(a)), Fraction(float(b)))
                    for a, b in zip(leaf.lo, leaf.hi, strict=True))
        fs = tuple(tuple(int(j) for j in np.flatnonzero(s == FAILED)) for s in leaf.status)
        st = status_from_sets(net.widths, fs)
        # the leaf's sent-value windows (exact: a float is a rational)
        windows = {(l, j): (Fraction(float(leaf.ulo[l][j])), Fraction(float(leaf.uhi[l][j])))
                   for l, f in enumerate(fs) for j in f} if leaf.ulo else None
        nom = nominal_bounds(net, box)
        cand = None
        proved = True
        for k in self.outputs:
            row = net.output.weights[k]
            fb = fault_bounds(net, nom, st, model, row, box)
            if fb.bound <= t:
                continue
            enc = Encoding(net, model, row, st, self.p.failures, nom, fb, self.breaks,
                           coupling=True, diff_bounds=True, box=box, relax="hull",
                           sent_windows=windows)
            budget = min(QUERY_CAP, self.deadline - time.monotonic())
            if budget <= 0.05:
                return None, cand
            q = time.monotonic()
            ans, m, _ = enc.query(t, int(1000 * budget))
            self.used += time.monotonic() - q
            self.stats["queries"] += 1
            self.stats[ans.value] += 1
            if ans is Answer.UNSAT:
                continue
            proved = False
            if ans is Answer.SAT:
                assert m is not None
                x = np.array([float(v) for v in m.x])
                u = []
                for l, fl in enumerate(m.failed):
                    for j in fl:
                        p = model.param_of(float(m.sent[(l, j)]), float(m.y[("n", l, j)]))
                        if p is not None:
                            u.append(p)
                sets = [list(f) for f in fs]
                cand = attack(self.fn, leaf.lo, leaf.hi, sets, [], self.rng, starts=4,
                              steps=15, hints=[np.concatenate([x, np.clip(u, -1, 1)])])
                if cand.value <= float(t):  # (float check; the replay decides the witness)
                    self.stats["spurious"] += 1
                break
            if ans is Answer.TIMEOUT or ans is Answer.UNKNOWN:
                break
        return (float(t) if proved else None), cand


def verify_z3_bab(problem: VerifyProblem, progress: Progress | None = None,
                  options=None) -> VerifyResult:
    """Branch and bound with z3 on the leaves (neuron failures only)."""
    from ..numeric.engine_bab import verify_bab
    from ..numeric.floatnet import FloatNet
    net, model = problem.net, problem.model
    if not model.fails_neurons:
        raise ValueError("kind: the z3 engine encodes neuron failures only")
    failures = check_failures(net, problem.failures, model)
    fn = FloatNet.make(net, failures, model, problem.output)
    stats: dict = {"queries": 0, "unsat": 0, "sat": 0, "spurious": 0, "timeout": 0,
                   "unknown": 0}
    hook = _Z3Leaves(problem, fn, time.monotonic() + problem.timeout, stats)
    res = verify_bab(problem, progress, options, leaf_hook=hook, engine="z3")
    res.stats.update(stats)
    return res
