"""worst / Fep along tightness families: networks in which the paper's bound is attained
in the limit (Theorem 1's "key neurons" argument and Theorem 2's equality conditions).
Ratios approach 1 only as the family parameter t grows: "tight" means "attained in the
limit by some network", not on a given network.

Families (one failed neuron in layer 1, input x in [0, 1]; parameter t):

* ``theorem1`` (:func:`fepproof.tightness.theorem1_network` with a = t, crash): N = 3
  hidden neurons sigma(4K t x), output weights 1; one crash costs sigma(4Kt) at x = 1
  against Fep = 1, so worst/Fep = sigmoid(t) at K = 1/4.
* ``theorem2`` (:func:`fepproof.tightness.theorem2_network` with w = 1/t, Byzantine,
  C = 1, ``deviation`` reading): layer 1 constant, layer 2 at pre-activation 0 where phi
  has slope K, so the factor K (N_2 - f_2) w_m^(2) of Theorem 2 is attained as w -> 0.
* ``two-layer`` (crash): layer 1 as in ``theorem1`` (y -> 1), layer 2 with weights 1/t
  and bias centring its pre-activation on 0; output weights 1.  The crash version of
  ``theorem2``: the layer-1 neuron must also saturate, so both limits are needed.
"""

from __future__ import annotations

from fractions import Fraction

from ..failures import FailureModel
from ..network import Activation, Layer, Network
from ..tightness import theorem1_network, theorem2_network
from .common import ExperimentOptions, ExperimentResult
from .evaluate import EvalTask, engine_notes, evaluate
from .output import new_figure, write_outputs
from .sweep import run_sweep

__all__ = ["run_tightness", "family", "FAMILIES", "DEFAULT_TS"]

FAMILIES = ("theorem1", "theorem2", "two-layer")
DEFAULT_TS = tuple(Fraction(2) ** k for k in range(0, 8))  # 1 .. 128


def _row(v: Fraction, n: int) -> tuple[Fraction, ...]:
    return tuple(v for _ in range(n))


def family(name: str, t: Fraction, K: Fraction = Fraction(1, 4), n1: int = 3,
           n2: int = 3) -> tuple[Network, tuple[int, ...], FailureModel]:
    """The member of family ``name`` at parameter ``t``, its failures and failure model."""
    zero, one = Fraction(0), Fraction(1)
    t = Fraction(t)
    if name == "theorem1":
        return theorem1_network(t, n1, one, K), (1,), FailureModel.crash()
    if name == "theorem2":
        return theorem2_network(1 / t, (2, n2), K), (1, 0), FailureModel.byzantine(1)
    if name == "two-layer":
        act = Activation("sigmoid", Fraction(K))
        l1 = Layer(tuple((t,) for _ in range(n1)), _row(zero, n1))
        w2 = 1 / t
        l2 = Layer(tuple(_row(w2, n1) for _ in range(n2)), _row((Fraction(1, 2) - n1) * w2, n2))
        out = Layer((_row(one, n2),), (zero,))
        return (Network((l1, l2), out, act, ((zero, one),), f"two-layer(t={t})"), (1, 0),
                FailureModel.crash())
    raise ValueError(f"family: unknown tightness family {name!r} (known: {FAMILIES})")


def run_tightness(opts: ExperimentOptions, ts: tuple[Fraction, ...] = DEFAULT_TS,
                  families: tuple[str, ...] = FAMILIES) -> ExperimentResult:
    """worst/Fep (and certified/Fep when the engine is present) along each family."""
    tasks = []
    for fi, name in enumerate(families):
        for j, t in enumerate(ts):
            net, f, model = family(name, t)
            tasks.append(EvalTask(net, f, model=model, seed=opts.seed * 1000 + 100 * fi + j,
                                  labels=(("experiment", "tightness"), ("family", name),
                                          ("t", float(t)), ("model", model.describe())),
                                  samples=opts.samples, engine=opts.engine,
                                  engine_timeout=opts.engine_timeout))
    rows = run_sweep(evaluate, tasks, opts.scheduler, opts.workers, opts.progress,
                     "tightness")
    for r in rows:
        r["certified_over_fep"] = (None if r["certified"] is None or r["fep"] == 0
                                   else r["certified"] / r["fep"])
    fig, ax = new_figure()
    colors = ["tab:blue", "tab:red", "tab:orange", "tab:green"]
    for i, name in enumerate(families):
        c = colors[i % len(colors)]
        mine = [r for r in rows if r["family"] == name]
        ax.plot([r["t"] for r in mine], [r["worst_over_fep"] for r in mine], "-o", color=c,
                ms=4, label=f"{name}: worst found / Fep")
        cert = [(r["t"], r["certified_over_fep"]) for r in mine
                if r["certified_over_fep"] is not None]
        if cert:
            ax.plot(*zip(*cert), "--^", color=c, ms=4, label=f"{name}: certified / Fep")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="Fep (ratio 1)")
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("family parameter t")
    ax.set_ylabel("worst error / Fep")
    ax.set_title("Tightness: the bound is attained only in the limit t -> infinity")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, which="both", alpha=0.3)
    files = write_outputs(fig, rows, opts.outdir, "tightness")
    return ExperimentResult("tightness", rows, files, engine_notes(rows, opts.engine))
