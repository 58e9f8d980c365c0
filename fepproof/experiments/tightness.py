"""worst / Fep along tightness families: networks in which the paper's bound is attained
in the limit (Theorem 1's "key neurons" argument, and its multilayer version behind the
"tight" claim of Theorem 2).  Ratios approach 1 only as the family parameter t grows:
"tight" means "attained in the limit by some network", not on a given network.

Families (crash, one failed neuron in layer 1, input x in [0, 1]):

* ``theorem1``: one hidden layer of N neurons with input weight t and bias 0, output
  weights 1/N.  The worst error is (1/N) phi_K(t) at x = 1 and Fep = 1/N, so
  worst/Fep = sigmoid(4Kt) -> 1.
* ``two-layer``: layer 1 as above (y -> 1), layer 2 with weights 1/t and bias centring its
  pre-activation on 0, where phi has its largest slope K; output weights 1.  A layer-1
  crash moves layer 2 by about K/t per neuron, against Fep = K N_2 / t, so the ratio -> 1.
"""

from __future__ import annotations

from fractions import Fraction

from ..network import Activation, Layer, Network
from .common import ExperimentOptions, ExperimentResult
from .evaluate import EvalTask, engine_notes, evaluate
from .output import new_figure, save_figure, write_csv
from .sweep import run_sweep

__all__ = ["run_tightness", "family", "FAMILIES", "DEFAULT_TS"]

FAMILIES = ("theorem1", "two-layer")
DEFAULT_TS = tuple(Fraction(2) ** k for k in range(0, 8))  # 1 .. 128


def _row(v: Fraction, n: int) -> tuple[Fraction, ...]:
    return tuple(v for _ in range(n))


def family(name: str, t: Fraction, K: Fraction = Fraction(1, 4), n1: int = 3,
           n2: int = 3) -> tuple[Network, tuple[int, ...]]:
    """The member of family ``name`` at parameter ``t`` and its failure distribution."""
    zero, one = Fraction(0), Fraction(1)
    dom = ((zero, one),)
    act = Activation("sigmoid", Fraction(K))
    l1 = Layer(tuple((t,) for _ in range(n1)), _row(zero, n1))
    if name == "theorem1":
        out = Layer((_row(Fraction(1, n1), n1),), (zero,))
        return Network((l1,), out, act, dom, f"theorem1(t={t})"), (1,)
    if name == "two-layer":
        w2 = 1 / t
        l2 = Layer(tuple(_row(w2, n1) for _ in range(n2)), _row((Fraction(1, 2) - n1) * w2, n2))
        out = Layer((_row(one, n2),), (zero,))
        return Network((l1, l2), out, act, dom, f"two-layer(t={t})"), (1, 0)
    raise ValueError(f"family: unknown tightness family {name!r} (known: {FAMILIES})")


def run_tightness(opts: ExperimentOptions, ts: tuple[Fraction, ...] = DEFAULT_TS,
                  families: tuple[str, ...] = FAMILIES) -> ExperimentResult:
    """worst/Fep (and certified/Fep when the engine is present) along each family."""
    tasks = []
    for fi, name in enumerate(families):
        for j, t in enumerate(ts):
            net, f = family(name, t)
            tasks.append(EvalTask(net, f, seed=opts.seed * 1000 + 100 * fi + j,
                                  labels=(("experiment", "tightness"), ("family", name),
                                          ("t", float(t))),
                                  samples=opts.samples, engine=opts.engine,
                                  engine_timeout=opts.engine_timeout))
    rows = run_sweep(evaluate, tasks, opts.scheduler, opts.workers, opts.progress,
                     "tightness")
    for r in rows:
        r["certified_over_fep"] = (None if r["certified"] is None or r["fep"] == 0
                                   else r["certified"] / r["fep"])
    fig, ax = new_figure()
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
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
    opts.outdir.mkdir(parents=True, exist_ok=True)
    files = save_figure(fig, opts.outdir, "tightness")
    write_csv(rows, opts.outdir / "tightness.csv")
    files.append(opts.outdir / "tightness.csv")
    notes = engine_notes(rows, opts.engine)
    return ExperimentResult("tightness", rows, files, notes)
