"""Lower bound from a real witness: search over failure sets and inputs.

* Few failure sets (<= ``ENUM_LIMIT`` including Byzantine signs): every one is scored on
  a batch of inputs and the best few are refined; then every other set gets a short
  input ascent (many sets per batch, :func:`optimise_many`), and one that beats the best
  so far is refined too: a set whose worst input is narrow scores low on random starts
  (bench_converge's 16-32-32-1 row, seed 2: 2.718 -> 2.903).
* Otherwise: a greedy start (each layer's failures chosen by their first-order gain),
  then local search (swap one failed neuron/synapse for one of the best-ranked others,
  or flip a Byzantine sign), alternated with multi-start projected-gradient ascent over
  the input box.  Each objective is one signed output, J = +-(F_fail - F_neu)_k.

The search only proposes: the lower bound is the error of the best witness replayed in
high precision by :func:`fepproof.replay.replay` (engine.py does that).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .floatnet import FloatNet
from .scenario import Scenario, run, run_many

__all__ = ["SearchResult", "search", "count_scenarios", "ENUM_LIMIT"]

ENUM_LIMIT = 4000
SWEEP_STEPS, SWEEP_STARTS, SWEEP_CHUNK = 20, 8, 64  # exhaustive sweep: steps, starts, sets


@dataclass
class SearchResult:
    value: float          # float64 error of the best scenario (replay decides the truth)
    x: np.ndarray
    scenario: Scenario
    output: int           # index into fn.rows
    sign: float
    evaluated: int
    exhaustive: bool
    seconds: float


def count_scenarios(fn: FloatNet) -> int:
    """How many failure sets (times Byzantine sign patterns) the distribution allows."""
    total = 1
    for t, f in enumerate(fn.failures):
        n = fn.Ws[t].size if fn.model.fails_synapses else fn.Ws[t].shape[0]
        total *= math.comb(n, f) * (2 ** f if fn.model.free_value else 1)
    return total


def _all_scenarios(fn: FloatNet):
    per_layer = []
    for t, f in enumerate(fn.failures):
        opts = []
        if fn.model.fails_synapses:
            pairs = [(j, i) for j in range(fn.Ws[t].shape[0]) for i in range(fn.Ws[t].shape[1])]
            for combo in itertools.combinations(pairs, f):
                for signs in itertools.product((1.0, -1.0), repeat=f):
                    opts.append([(t, j, i, s) for (j, i), s in zip(combo, signs, strict=True)])
        else:
            sign_opts = list(itertools.product((1.0, -1.0), repeat=f)) \
                if fn.model.free_value else [(0.0,) * f]
            for combo in itertools.combinations(range(fn.Ws[t].shape[0]), f):
                for signs in sign_opts:
                    opts.append((list(combo), list(signs)))
        per_layer.append(opts)
    for choice in itertools.product(*per_layer):
        if fn.model.fails_synapses:
            yield Scenario([[] for _ in range(fn.L)], [[] for _ in range(fn.L)],
                           [s for layer in choice for s in layer])
        else:
            yield Scenario([c[0] for c in choice], [c[1] for c in choice])


def _empty(fn: FloatNet) -> Scenario:
    return Scenario([[] for _ in range(fn.L)], [[] for _ in range(fn.L)])


def _syn_gain(fn: FloatNet, r, t: int, x_row: int) -> np.ndarray:
    """First-order gain of failing each synapse into layer t, and the best sign (j, i)."""
    gsj = r.gs[t][x_row]                           # (N_t,)
    if fn.model.tracks_nominal:
        g = np.abs(gsj)[:, None] * fn.C * np.ones(fn.Ws[t].shape)
        sign = np.sign(gsj)[:, None] * np.ones(fn.Ws[t].shape)
    else:
        term = fn.Ws[t] * r.ys[t][x_row][None, :]   # current delivered w_ji * y_i
        up = gsj[:, None] * (fn.C - term)
        dn = gsj[:, None] * (-fn.C - term)
        g = np.maximum(up, dn)
        sign = np.where(up >= dn, 1.0, -1.0)
    return np.stack([g, sign])


def _neuron_gain(fn: FloatNet, r, t: int, x_row: int) -> tuple[np.ndarray, np.ndarray]:
    """First-order gain of failing each neuron of layer t, and its best Byzantine sign."""
    g = r.gy[t][x_row]
    cur = r.ys[t + 1][x_row]
    nom = r.nom[t][x_row]
    if not fn.model.free_value:  # crash, stuck-at: the sent value is fixed
        return g * (fn.model.sends_f(nom, 0.0) - cur), np.zeros_like(g)
    up, dn = g * (fn.model.sends_f(nom, 1.0) - cur), g * (fn.model.sends_f(nom, -1.0) - cur)
    return np.maximum(up, dn), np.where(up >= dn, 1.0, -1.0)


def _greedy(fn: FloatNet, x: np.ndarray, c: np.ndarray) -> Scenario:
    sc = _empty(fn)
    r = run(fn, sc, x[None], c)
    for t, f in enumerate(fn.failures):
        if f == 0:
            continue
        if fn.model.fails_synapses:
            gain, sign = _syn_gain(fn, r, t, 0)
            flat = np.argsort(-gain, axis=None)[:f]
            for k in flat:
                j, i = np.unravel_index(k, gain.shape)
                sc.synapses.append((t, int(j), int(i), float(sign[j, i])))
        else:
            gain, sign = _neuron_gain(fn, r, t, 0)
            idx = np.argsort(-gain)[:f]
            sc.sets[t] = [int(j) for j in idx]
            sc.signs[t] = [float(sign[j]) for j in idx]
        r = run(fn, sc, x[None], c)
    return sc


def _perturb(fn: FloatNet, sc: Scenario, rng: np.random.Generator) -> Scenario:
    """Replace one random failed neuron (or synapse) by a random other one."""
    new = sc.copy()
    if fn.model.fails_synapses:
        if new.synapses:
            k = int(rng.integers(len(new.synapses)))
            t = new.synapses[k][0]
            j, i = (int(rng.integers(n)) for n in fn.Ws[t].shape)
            if all((s[0], s[1], s[2]) != (t, j, i) for s in new.synapses):
                new.synapses[k] = (t, j, i, float(rng.choice([-1.0, 1.0])))
        return new
    layers = [t for t in range(fn.L) if new.sets[t] and len(new.sets[t]) < fn.Ws[t].shape[0]]
    if layers:
        t = layers[int(rng.integers(len(layers)))]
        free = [j for j in range(fn.Ws[t].shape[0]) if j not in new.sets[t]]
        new.sets[t][int(rng.integers(len(new.sets[t])))] = free[int(rng.integers(len(free)))]
    return new


def _neighbours(fn: FloatNet, sc: Scenario, x: np.ndarray, c: np.ndarray, top: int):
    """Scenarios one swap (or one sign flip) away, ranked candidates first."""
    r = run(fn, sc, x[None], c)
    if fn.model.fails_synapses:
        for t in range(fn.L + 1):
            mine = [s for s in sc.synapses if s[0] == t]
            if not mine:
                continue
            gain, sign = _syn_gain(fn, r, t, 0)
            used = {(s[1], s[2]) for s in mine}
            order = np.argsort(-gain, axis=None)[:top + len(mine)]
            cands = [np.unravel_index(k, gain.shape) for k in order]
            for old in mine:
                rest = [s for s in sc.synapses if s != old]
                yield Scenario(sc.sets, sc.signs, rest + [(t, old[1], old[2], -old[3])])
                for j, i in cands:
                    if (int(j), int(i)) not in used:
                        yield Scenario(sc.sets, sc.signs,
                                       rest + [(t, int(j), int(i), float(sign[j, i]))])
        return
    for t in range(fn.L):
        if not sc.sets[t]:
            continue
        gain, sign = _neuron_gain(fn, r, t, 0)
        cands = [int(j) for j in np.argsort(-gain)[:top + len(sc.sets[t])]
                 if int(j) not in sc.sets[t]][:top]
        for k in range(len(sc.sets[t])):
            if fn.model.free_value:
                new = sc.copy()
                new.signs[t][k] = -new.signs[t][k]
                yield new
            for j in cands:
                new = sc.copy()
                new.sets[t][k] = j
                if fn.model.free_value:
                    new.signs[t][k] = float(sign[j])
                yield new


def optimise_input(fn: FloatNet, sc: Scenario, X: np.ndarray, c: np.ndarray,
                   steps: int = 60, deadline: float = float("inf")) -> tuple[float, np.ndarray]:
    """Projected sign-gradient ascent from every row of X; the best point found."""
    return _ascend(fn, lambda Z, g: run(fn, sc, Z, c, grad=g), X.copy(), 1, steps,
                   deadline)[0]


def optimise_many(fn: FloatNet, scs: list[Scenario], X: np.ndarray, c: np.ndarray,
                  steps: int = 20, deadline: float = float("inf")
                  ) -> list[tuple[float, np.ndarray]]:
    """:func:`optimise_input` of several scenarios in one batch (from the same starts X);
    the best (value, point) per scenario.  Synapse failures: one at a time."""
    if fn.model.fails_synapses:
        return [optimise_input(fn, sc, X, c, steps, deadline) for sc in scs]
    return _ascend(fn, lambda Z, g: run_many(fn, scs, Z, c, grad=g),
                   np.tile(X, (len(scs), 1)), len(scs), steps, deadline)


def _ascend(fn: FloatNet, evaluate, X: np.ndarray, N: int, steps: int, deadline: float
            ) -> list[tuple[float, np.ndarray]]:
    """The ascent of :func:`optimise_input` on N groups of rows of X (one per scenario,
    ``evaluate(X, grad)`` gives J and dJ/dX per row); the best point of each group."""
    lo, hi = fn.dom[:, 0], fn.dom[:, 1]
    width = hi - lo
    r = X.shape[0] // N
    best_v = np.full(N, -np.inf)
    best_x = X[::r].copy()
    for s in range(steps + 1):
        run_ = evaluate(X, s < steps)
        J = run_.J.reshape(N, r)
        k = np.argmax(J, axis=1)
        v = J[np.arange(N), k]
        better = v > best_v
        best_v = np.where(better, v, best_v)
        best_x[better] = X.reshape(N, r, -1)[np.arange(N), k][better]
        if s == steps or time.monotonic() > deadline:
            break
        eta = 0.2 * (0.02 / 0.2) ** (s / max(steps - 1, 1))
        X = np.clip(X + eta * width * np.sign(run_.grad), lo, hi)
    return [(float(v), x.copy()) for v, x in zip(best_v, best_x, strict=True)]


def _starts(fn: FloatNet, rng: np.random.Generator, n: int, extra: list[np.ndarray]) -> np.ndarray:
    lo, hi = fn.dom[:, 0], fn.dom[:, 1]
    pts = [0.5 * (lo + hi)] + extra
    X = lo + rng.random((n, lo.size)) * (hi - lo)
    return np.vstack([np.array(pts), X])


def search(fn: FloatNet, time_budget: float = 10.0, seed: int = 0, starts: int = 24,
           progress: Callable[[str], None] | None = None,
           hint: SearchResult | None = None, stop_at: float | None = None,
           max_evals: int | None = None) -> SearchResult:
    """Best scenario found for max_k |F_fail - F_neu|_k within ``time_budget`` seconds
    and ``max_evals`` scenario evaluations (``stop_at``: or as soon as a scenario's float
    error exceeds it, e.g. a claim to refute; the caller replays it).

    A scenario evaluation is one failure set scored on a batch of inputs or one input
    ascent on it (the ``evaluated`` count of the result).  With ``max_evals`` the run is
    deterministic for a given seed: the work budget, not the machine's speed, decides
    where every phase stops, as long as the time budget (then only a safety net) is not
    reached first.  An exhaustive search also stops by itself (after a bounded number of
    restarts), so a large ``max_evals`` reproduces its complete run."""
    t0 = time.monotonic()
    evals_cap = math.inf if max_evals is None else max(int(max_evals), 1)
    rng = np.random.default_rng(seed)
    M = len(fn.rows)
    objectives = [(k, s) for k in range(M) for s in (1.0, -1.0)]
    n_total = count_scenarios(fn)
    exhaustive = n_total <= ENUM_LIMIT
    evaluated = 0
    best: SearchResult | None = None
    X0 = _starts(fn, rng, starts, [] if hint is None else [hint.x])
    last = [t0]

    def spent(share: float = 1.0) -> bool:
        """The given share of the time budget or of the work budget is used up."""
        return (time.monotonic() - t0 > share * time_budget
                or evaluated >= share * evals_cap)

    def consider(v: float, x: np.ndarray, sc: Scenario, k: int, s: float) -> None:
        nonlocal best
        if best is None or v > best.value:
            best = SearchResult(v, x.copy(), sc.copy(), k, s, evaluated, exhaustive, 0.0)

    def report() -> None:
        if progress is not None and best is not None and time.monotonic() - last[0] > 2.0:
            last[0] = time.monotonic()
            progress(f"numeric: search best error {best.value:.6g} "
                     f"({evaluated} scenario evaluations)")

    def c_of(k: int, s: float) -> np.ndarray:
        c = np.zeros(fn.Ws[-1].shape[0])
        c[fn.rows[k]] = s
        return c

    # 1. candidate scenarios per objective: all of them, or a greedy start per start point
    seeds: list[tuple[float, Scenario, int, float]] = []
    rest: list[tuple[float, Scenario, int, float]] = []  # exhaustive: the others, swept
    complete = True  # every failure set scored for every objective (exhaustive mode)
    for k, s in objectives:
        c = c_of(k, s)
        if exhaustive:
            scored = []
            for sc in _all_scenarios(fn):
                if scored and spent(0.3):
                    complete = False
                    break
                J = run(fn, sc, X0, c, grad=False).J
                evaluated += 1
                scored.append((float(J.max()), sc))
            scored.sort(key=lambda p: -p[0])
            seeds += [(v, sc, k, s) for v, sc in scored[:3]]
            rest += [(v, sc, k, s) for v, sc in scored[3:]]
        else:
            cands = {}
            for x in X0[: min(len(X0), 6)]:
                if spent(0.3):
                    break
                sc = _greedy(fn, x, c)
                cands[sc.key()] = sc
            for sc in cands.values():
                J = run(fn, sc, X0, c, grad=False).J
                evaluated += 1
                seeds.append((float(J.max()), sc, k, s))
        if spent(0.3):
            complete = complete and (k, s) == objectives[-1]
            break
    if hint is not None:
        seeds.append((hint.value, hint.scenario, hint.output, hint.sign))
    seeds.sort(key=lambda p: -p[0])
    # 2. refine the most promising seeds: input ascent <-> local search over failure sets;
    #    then random restarts (new start points, greedy failure sets) until the budget
    rounds, restarts, max_restarts_exhaustive = 0, 0, 8
    queue = [(sc, k, s) for _, sc, k, s in seeds[: max(4, 2 * len(objectives))]]
    seen = {(sc.key(), k, s) for sc, k, s in queue}
    rest.reverse()  # popped from the end: per objective, best-scored first
    while not spent():
        if stop_at is not None and best is not None and best.value > stop_at:
            break
        if not queue and rest:
            # exhaustive sweep: a short input ascent on every other scenario, many at
            # once (the random starts' score misses sets whose worst input is narrow);
            # one that beats the best so far is refined in full
            k, s = rest[-1][2], rest[-1][3]
            chunk = []
            while rest and len(chunk) < SWEEP_CHUNK and rest[-1][2:] == (k, s):
                chunk.append(rest.pop()[1])
            found = optimise_many(fn, chunk, X0[:SWEEP_STARTS], c_of(k, s),
                                  steps=SWEEP_STEPS, deadline=t0 + time_budget)
            evaluated += len(chunk)
            i = int(np.argmax([v for v, _ in found]))
            if best is None or found[i][0] > best.value:
                consider(found[i][0], found[i][1], chunk[i], k, s)
                queue.append((chunk[i], k, s))
            report()
            continue
        if not queue:
            restarts += 1
            if exhaustive and restarts > max_restarts_exhaustive:
                break
            k, s = objectives[int(rng.integers(len(objectives)))] if best is None or \
                rng.random() < 0.5 else (best.output, best.sign)
            X0 = _starts(fn, rng, starts, [] if best is None else [best.x])
            sc = _greedy(fn, X0[int(rng.integers(len(X0)))], c_of(k, s))
            if (sc.key(), k, s) in seen and not exhaustive:
                sc = _perturb(fn, sc, rng)
            seen.add((sc.key(), k, s))
            queue.append((sc, k, s))
        sc, k, s = queue.pop(0)
        c = c_of(k, s)
        v, x = optimise_input(fn, sc, X0, c, deadline=t0 + time_budget)
        evaluated += 1
        improved = True
        while improved and not spent():
            improved = False
            rounds += 1
            for nb in _neighbours(fn, sc, x, c, top=6):
                if spent():
                    break
                Xb = np.vstack([x[None], X0[:4]])
                J = run(fn, nb, Xb, c, grad=False).J
                evaluated += 1
                if J.max() > v + 1e-12:
                    sc = nb
                    v, x = float(J.max()), Xb[int(np.argmax(J))]
                    v2, x2 = optimise_input(fn, sc, np.vstack([x[None], X0[:8]]), c, steps=30,
                                            deadline=t0 + time_budget)
                    if v2 > v:
                        v, x = v2, x2
                    improved = True
                    break
        consider(v, x, sc, k, s)
        report()
    if best is None:  # budget spent before any refinement: the failure-free scenario
        consider(0.0, X0[0], _empty(fn), 0, 1.0)
    assert best is not None
    best.evaluated = evaluated
    best.exhaustive = exhaustive and complete
    best.seconds = time.monotonic() - t0
    return best
