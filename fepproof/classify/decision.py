"""Per-input decision claims: can failures with the given per-layer counts change the
predicted class c = argmax_k F_k(x)?

The objective is the margin F_c - F_k for each k != c (the exact margin network has the
output row W[c] - W[k] and bias b[c] - b[k]).  Verdicts:

* ``proved``: every margin is > 0 under every failure set (and every input of the
  ball), from rigorous enclosures (:mod:`.intervals`) or from the verify engines
  (:func:`fepproof.run_verify.run_verify` with the bound a rigorous lower bound of the
  nominal margin, slightly reduced so that |F' - F| <= bound < F forces F' > 0);
* ``refuted``: a witness (input, failed neurons, sent values) replayed at 60 digits
  (:func:`fepproof.replay.replay`) whose failed outputs have an argmax other than c;
* ``unknown`` with the reason otherwise.

The output activation (if any) is monotone and the same for every output, so the argmax
of the linear outputs is the classifier's decision.
"""

from __future__ import annotations

import dataclasses
import functools
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from ..certificate.rigor import lower
from ..failures import FailureModel
from ..network import Layer, Network
from ..replay import replay
from ..simulate import failed_outputs, forward
from ..verdict import Witness
from .crown import crown_margin_lower, set_masks
from .intervals import RigorNet, n_sets, set_of_index

__all__ = ["DecisionConfig", "PointResult", "as_classifier", "decide_point", "margin_network",
           "fixed_enumerable", "replay_decision"]

SLACK = Fraction(1, 10**9)  # relative slack between the nominal margin and the claim


@dataclass(frozen=True)
class DecisionConfig:
    failures: tuple[int, ...]
    model: FailureModel
    radius: float = 0.0
    limit: int = 200_000
    point_timeout: float = 10.0
    seed: int = 0
    table: bool = True  # also return the per-set rows (exhaustive worst fixed set)
    search_sets: int = 24  # failure sets tried by the signed search
    search_steps: int = 12
    engine: str = "numeric"  # the verify engine for margins the bounds leave open


@dataclass(frozen=True)
class PointResult:
    """A point's verdict, and for enumerable fixed-value models the per-set rows of the
    label's margins at x: ``keep[s]`` (certainly correct under set s) and ``brk[s]``
    (certainly wrong)."""

    verdict: str
    predicted: int
    witness: Witness | None
    reason: str
    seconds: float
    keep: np.ndarray | None = None
    brk: np.ndarray | None = None


def fixed_enumerable(net: Network, cfg: DecisionConfig) -> bool:
    """Fixed-value model (crash, stuck-at) with at most ``limit`` failure sets."""
    return cfg.model.fixed_value is not None and \
        n_sets(net.widths, cfg.failures) <= cfg.limit


def as_classifier(net: Network) -> Network:
    """A network with one output read as a binary classifier: class 1 when the output is
    > 0 (after a sigmoid output activation: > 1/2), class 0 otherwise; that is the argmax
    of the two outputs (0, F), written exactly.  Networks with several outputs are
    returned as they are."""
    if net.n_outputs != 1:
        return net
    row, b = net.output.weights[0], net.output.bias[0]
    out = Layer((tuple(Fraction(0) for _ in row), row), (Fraction(0), b))
    return Network(net.layers, out, net.activation, net.input_domain, net.name,
                   net.output_activation)


def margin_network(net: Network, c: int, k: int,
                   box: Sequence[tuple[Fraction, Fraction]]) -> Network:
    """The exact single-output network F_c - F_k on the input box ``box``."""
    out = net.output
    row = tuple(a - b for a, b in zip(out.weights[c], out.weights[k], strict=True))
    return Network(net.layers, Layer((row,), (out.bias[c] - out.bias[k],)), net.activation,
                   tuple(box), f"{net.name}-margin-{c}-{k}", None)


def _box(x: np.ndarray, radius: float) -> tuple[tuple[Fraction, Fraction], ...]:
    r = Fraction(radius)
    return tuple((Fraction(float(v)) - r, Fraction(float(v)) + r) for v in x)


# ---- replaying a witness --------------------------------------------------------------
def replay_decision(net: Network, witness: Witness, model: FailureModel, c: int,
                    box: Sequence[tuple[Fraction, Fraction]]) -> tuple[bool, str]:
    """Replay ``witness`` at 60 digits on ``net`` with the input box ``box``: True when it
    obeys the model and the failed network's argmax is not c (by more than 10^-40)."""
    netb = dataclasses.replace(net, input_domain=tuple(box))
    try:
        rep = replay(netb, witness, model, dps=60)
    except ValueError as exc:
        return False, f"witness rejected: {exc}"
    if not rep.valid:
        return False, "witness invalid: " + "; ".join(rep.problems)[:200]
    out = list(rep.failed)
    k = max(range(len(out)), key=lambda j: out[j])
    gap = out[k] - out[c]
    if k != c and gap > mpmath.mpf(10) ** -40:
        return True, (f"failed output {k} exceeds output {c} by {mpmath.nstr(gap, 6)} "
                      "(replayed at 60 digits)")
    return False, "the replayed argmax did not change"


# ---- float64 signed search -------------------------------------------------------------
def _objective(net: Network, X: np.ndarray, failed: Sequence[Sequence[int]],
               U: np.ndarray | None, model: FailureModel, c: int
               ) -> tuple[np.ndarray, list]:
    """min_k (F'_c - F'_k) for each row of X (B, d), with the set ``failed`` and the
    parameters U (B, n_failed); also the sent values (per layer, (B, f_l))."""
    B = X.shape[0]
    masks, sent, vals = [], [], []
    acts = forward(net, X)[0] if U is not None else None
    p = 0
    for l, n in enumerate(net.widths):
        m = np.zeros((1, n), dtype=bool)
        idx = list(failed[l])
        m[0, idx] = True
        masks.append(m)
        if U is None or not idx:
            sent.append(None)
            vals.append(None)
            continue
        s = np.zeros((1, B, n))
        v = model.sends_f(acts[l][:, idx], U[:, p:p + len(idx)])
        s[0][:, idx] = v
        sent.append(s)
        vals.append(v)
        p += len(idx)
    out = failed_outputs(net, X, masks, sent, model=model)[0]
    others = np.delete(out, c, axis=1)
    return out[:, c] - others.max(axis=1), vals


def _search(net: Network, x: np.ndarray, c: int, cfg: DecisionConfig,
            candidates: list, rng: np.random.Generator, deadline: float):
    """Look for (input in the ball, failure set, parameters) with F'_c - F'_k < 0."""
    r = cfg.radius
    free = cfg.model.free_value
    d = x.shape[0]
    best = None
    for failed in candidates:
        if time.monotonic() > deadline:
            break
        nf = sum(len(f) for f in failed) if free else 0
        restarts = 3 if (free or r > 0) else 1
        for _ in range(restarts):
            t = rng.choice([-1.0, 1.0], size=d) if r > 0 else np.zeros(d)
            u = rng.choice([-1.0, 1.0], size=nf) if nf else np.zeros(0)
            step_t, step_u = 0.5, 0.5
            for _step in range(cfg.search_steps if (nf or r > 0) else 1):
                npar = (d if r > 0 else 0) + nf
                base_t, base_u = t[None, :], u[None, :]
                T = np.repeat(base_t, npar + 1, axis=0)
                Uu = np.repeat(base_u, npar + 1, axis=0)
                h = 1e-4
                if r > 0:
                    T[1:d + 1] += h * np.eye(d)
                if nf:
                    Uu[1 + (d if r > 0 else 0):] += h * np.eye(nf)
                X = x[None, :] + r * np.clip(T, -1, 1) * (1 - 1e-12)
                obj, _ = _objective(net, X, failed, np.clip(Uu, -1, 1) * (1 - 1e-9)
                                    if free else None, cfg.model, c)
                if best is None or obj[0] < best[0]:
                    best = (obj[0], t.copy(), u.copy(), failed)
                if obj[0] < 0 or npar == 0:
                    break
                g = (obj[1:] - obj[0]) / h
                if r > 0:
                    t = np.clip(t - step_t * np.sign(g[:d]), -1, 1)
                if nf:
                    u = np.clip(u - step_u * np.sign(g[d if r > 0 else 0:]), -1, 1)
                step_t *= 0.7
                step_u *= 0.7
            if best is not None and best[0] < 0:
                break
        if best is not None and best[0] < 0:
            break
    return best


def _witness_of(net: Network, x: np.ndarray, best, cfg: DecisionConfig, c: int) -> Witness:
    _, t, u, failed = best
    X = x[None, :] + cfg.radius * np.clip(t, -1, 1)[None, :] * (1 - 1e-12)
    free = cfg.model.free_value
    values = None
    if free:
        _, vals = _objective(net, X, failed, (np.clip(u, -1, 1) * (1 - 1e-9))[None, :],
                             cfg.model, c)
        values = [[] if v is None else [float(a) for a in v[0]] for v in vals]
    return Witness.make([float(v) for v in X[0]], failed, values)


# ---- the engines ------------------------------------------------------------------------
def _engine_margin(net: Network, c: int, k: int, box, bound: Fraction, cfg: DecisionConfig,
                   timeout: float) -> tuple[bool, str, Witness | None]:
    from ..bounds import fep
    from ..run_verify import run_verify
    from ..verdict import Status
    from ..verify_api import VerifyProblem
    mnet = margin_network(net, c, k, box)
    prob = VerifyProblem(mnet, cfg.failures, cfg.model, bound,
                         fep(mnet, cfg.failures, cfg.model).value,
                         timeout=max(timeout, 0.2), bracket=False)
    res = run_verify(prob, engine=cfg.engine, jobs=1)
    return res.verdict is Status.PROVED, res.reason or str(res.verdict), res.witness


# ---- one point --------------------------------------------------------------------------
def decide_point(rn: RigorNet, x: np.ndarray, label: int, cfg: DecisionConfig
                 ) -> PointResult:
    """The verdict for one input (module docstring) and, for enumerable fixed-value
    models, the per-set rows of the label's margins at x (for the worst fixed set)."""
    t0 = time.monotonic()
    deadline = t0 + cfg.point_timeout
    net = rn.net
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng([cfg.seed, zlib.crc32(x.tobytes())])
    _, out = forward(net, x[None, :])
    c = int(np.argmax(out[0]))
    enumerable = fixed_enumerable(net, cfg)
    keep = brk = None
    table_c = None
    if enumerable and (cfg.table or cfg.radius == 0 or label == c):
        keep, brk, mins = _fixed_rows(rn, x, label, cfg)
        table_c = label

    def done(verdict: str, witness: Witness | None, reason: str) -> PointResult:
        return PointResult(verdict, c, witness, reason, time.monotonic() - t0,
                           keep if cfg.table else None, brk if cfg.table else None)

    if c != label:
        return done("misclassified", None, f"nominal prediction {c}, label {label}")
    nominal = rn.arb_nominal_margins(x, c)
    if not all(m > 0 for m in nominal):
        return done("unknown", None, "nominal margin not certainly > 0 (a tie at x)")
    box0 = _box(x, 0.0)

    # -- fixed-value models, enumerated at x ---------------------------------------------
    if enumerable and table_c == c:
        assert keep is not None and brk is not None
        if brk.any():
            s = int(np.argmin(np.where(brk, mins, np.inf)))
            failed = set_of_index(net.widths, cfg.failures, s)
            w = Witness.make([float(v) for v in x], failed)
            ok, why = replay_decision(net, w, cfg.model, c, box0)
            if ok:
                return done("refuted", w, f"failure set {_fmt_set(failed)}: {why}")
            if cfg.radius == 0:
                return done("unknown", None, f"set {_fmt_set(failed)}: {why}")
        elif cfg.radius == 0:
            if keep.all():
                return done("proved", None, f"all {keep.size} failure sets enumerated with "
                            "rigorous margins > 0")
            return done("unknown", None, f"{int((~keep).sum())} failure set(s) leave a tie "
                        "(margin exactly 0 in ball arithmetic)")

    # -- the ball (or free values): rigorous enclosures over every set ------------------
    ball = _box(x, cfg.radius)
    pending = list(range(net.n_outputs - 1))
    if n_sets(net.widths, cfg.failures) <= cfg.limit:
        xlo, xhi = (x, x) if cfg.radius == 0 else (np.nextafter(x - cfg.radius, -np.inf),
                                                   np.nextafter(x + cfg.radius, np.inf))
        mlo, _ = rn.margins_enumerated(xlo, xhi, c, cfg.failures, cfg.model)
        if cfg.radius > 0 and cfg.model.fixed_value is not None and not (mlo > 0).all():
            mlo = np.maximum(mlo, crown_margin_lower(net, xlo, xhi, c,
                                                     _masks(net.widths, cfg.failures),
                                                     cfg.model, form=rn.form))
        if cfg.radius > 0 and cfg.model.fixed_value is not None and not (mlo > 0).all():
            mvf = rn.ball_margins_mvf(x, cfg.radius, c, cfg.failures, cfg.model)
            if mvf is not None:
                mlo = np.maximum(mlo, mvf)
        ok_cols = (mlo > 0).all(axis=0)
        if ok_cols.all():
            return done("proved", None, f"all {mlo.shape[0]} failure sets: rigorous interval "
                        "margins > 0" + (" over the ball (interval, linear and mean-value forms)"
                                         if cfg.radius else ""))
        pending = [j for j in range(mlo.shape[1]) if not ok_cols[j]]
        bad_sets = np.flatnonzero(~(mlo > 0).all(axis=1))
        order = np.argsort(mlo.min(axis=1))[:cfg.search_sets]
        candidates = [set_of_index(net.widths, cfg.failures, int(s)) for s in order]
    else:
        candidates = _random_sets(net, cfg, rng, cfg.search_sets)

    # -- refute: signed search, witness replayed -----------------------------------------
    best = _search(net, x, c, cfg, candidates, rng, deadline)
    if best is not None and best[0] < 0:
        w = _witness_of(net, x, best, cfg, c)
        ok, why = replay_decision(net, w, cfg.model, c, ball)
        if ok:
            return done("refuted", w, f"failure set {_fmt_set(w.failed)}: {why}")

    # -- prove: bisect the ball for each set not yet proved (fixed-value models) ---------
    if cfg.radius > 0 and cfg.model.fixed_value is not None and \
            n_sets(net.widths, cfg.failures) <= cfg.limit:
        stop = time.monotonic() + 0.7 * max(0.0, deadline - time.monotonic())
        if all(rn.prove_set_over_box(x, cfg.radius, c,
                                     set_of_index(net.widths, cfg.failures, int(s)),
                                     cfg.model, stop) for s in bad_sets):
            return done("proved", None, f"all {n_sets(net.widths, cfg.failures)} failure "
                        "sets: rigorous margins > 0 over the ball (interval and mean-value "
                        "forms, bisecting the ball)")

    # -- prove: the engines, one margin network each -------------------------------------
    if cfg.radius == 0:
        lows = [_frac_lower(m) for m in nominal]
    else:
        lo, _ = rn.margins_fixed_set(x[None, :], np.array([c]), [()] * net.depth,
                                     FailureModel.crash(), radius=cfg.radius)
        lows = [Fraction(float(v)) for v in lo[0]]
    ks = [k for k in range(net.n_outputs) if k != c]
    pending.sort(key=lambda j: lows[j])
    for n_left, j in enumerate(pending):
        if lows[j] <= 0:
            return done("unknown", None, f"the nominal margin against class {ks[j]} is not "
                        "certainly > 0 over the ball")
        left = deadline - time.monotonic()
        if left <= 0.05:
            return done("unknown", None, f"point timeout ({cfg.point_timeout:g} s) with "
                        f"{len(pending) - n_left} margin(s) left")
        bound = lows[j] * (1 - SLACK)
        ok, why, wit = _engine_margin(net, c, ks[j], ball, bound, cfg,
                                      left / max(1, len(pending) - n_left) * 1.5)
        if not ok and wit is not None:
            # the engine's witness breaks |F' - F| <= bound; it refutes the decision only
            # if the failed argmax changes (replayed on the original network)
            w = dataclasses.replace(wit, output=None)
            hit, why2 = replay_decision(net, w, cfg.model, c, ball)
            if hit:
                return done("refuted", w, f"failure set {_fmt_set(w.failed)} (engine "
                            f"witness): {why2}")
        if not ok:
            return done("unknown", None, f"margin against class {ks[j]}: engine: {why}"[:240])
    return done("proved", None, f"every margin proved by the verify engine ({cfg.engine}): "
                "|F' - F| <= a rigorous lower bound of the nominal margin")


@functools.lru_cache(maxsize=8)
def _masks(widths: tuple[int, ...], failures: tuple[int, ...]) -> list[np.ndarray]:
    return set_masks(widths, failures)


def _frac_lower(ball) -> Fraction:
    return Fraction(lower(ball))


def _fmt_set(failed: Sequence[Sequence[int]]) -> str:
    return "[" + "; ".join(",".join(str(i) for i in f) or "-" for f in failed) + "]"


def _random_sets(net: Network, cfg: DecisionConfig, rng: np.random.Generator, k: int
                 ) -> list:
    total = n_sets(net.widths, cfg.failures)
    out = []
    for _ in range(k):
        out.append(tuple(tuple(sorted(int(i) for i in rng.choice(n, f, replace=False)))
                         for n, f in zip(net.widths, cfg.failures, strict=True)))
    return out if total > 0 else []


def _fixed_rows(rn: RigorNet, x: np.ndarray, cls: int, cfg: DecisionConfig):
    """keep/brk rows (S,) of class ``cls``'s margins at x for every set, the undecided ones
    settled in ball arithmetic; ``mins``: the smallest margin midpoint of each set."""
    mlo, mhi = rn.margins_enumerated(x, x, cls, cfg.failures, cfg.model)
    keep = (mlo > 0).all(axis=1)
    brk = (mhi < 0).any(axis=1)
    und = np.flatnonzero(~keep & ~brk)
    for s in und:
        failed = set_of_index(rn.net.widths, cfg.failures, int(s))
        balls = rn.arb_margins(x, cls, failed, cfg.model)
        keep[s] = all(b > 0 for b in balls)
        brk[s] = any(b < 0 for b in balls)
    mins = (0.5 * (mlo + mhi)).min(axis=1)
    return keep, brk, mins


def random_sets(widths: Sequence[int], failures: Sequence[int], count: int,
                rng: np.random.Generator) -> list:
    """``count`` failure sets drawn uniformly (each layer's subset uniform)."""
    return [tuple(tuple(sorted(int(i) for i in rng.choice(n, f, replace=False)))
                  for n, f in zip(widths, failures, strict=True)) for _ in range(count)]
