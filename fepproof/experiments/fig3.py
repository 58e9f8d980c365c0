"""The paper's Figure 3: output error of several networks with the same number of failed
neurons against the Lipschitz constant K (log scale).  Fep (Theorem 2) is polynomial in
K; the figure adds the certified worst-case bound and the worst error found (replayed).
"""

from __future__ import annotations

from fractions import Fraction

from .common import ExperimentOptions, ExperimentResult, unique_names
from .evaluate import EvalTask, engine_notes, evaluate
from .networks import random_network, with_K
from .output import new_figure, write_outputs
from .sweep import run_sweep

__all__ = ["run_fig3", "DEFAULT_KS"]

DEFAULT_KS = tuple(Fraction(2) ** k / 4 for k in range(-3, 5))  # 1/32 .. 4


def run_fig3(opts: ExperimentOptions, n_networks: int = 3, d: int = 3,
             widths: tuple[int, ...] = (6, 6), failures: tuple[int, ...] = (1, 1),
             Ks: tuple[Fraction, ...] = DEFAULT_KS) -> ExperimentResult:
    """Sweep K for ``n_networks`` seeded networks (or ``opts.networks``, same depth) with
    the same failure distribution; each network keeps its weights, only K changes."""
    if opts.networks:
        if len({n.depth for n in opts.networks}) != 1:
            raise ValueError("--net: fig3 needs networks of the same depth")
        bases = unique_names(opts.networks)
        widths = bases[0].widths
        failures = opts.failures or (1,) * len(widths)
    else:
        if opts.failures is not None:
            failures = opts.failures
            widths = (6,) * len(failures)
        bases = [random_network(opts.seed + i, d, widths, name=f"net{i}")
                 for i in range(n_networks)]
    tasks = [EvalTask(with_K(base, K), tuple(failures), seed=opts.seed * 1000 + 100 * i + j,
                      labels=(("experiment", "fig3"),), samples=opts.samples,
                      engine=opts.engine, engine_timeout=opts.engine_timeout,
                      output=opts.output)
             for i, base in enumerate(bases) for j, K in enumerate(Ks)]
    rows = run_sweep(evaluate, tasks, opts.scheduler, opts.workers, opts.progress, "fig3")
    fig, ax = new_figure()
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for i, base in enumerate(bases):
        c = colors[i % len(colors)]
        mine = [r for r in rows if r["network"] == base.name]
        ks = [r["K"] for r in mine]
        ax.plot(ks, [r["fep"] for r in mine], "-", color=c, label=f"{base.name}: Fep")
        cert = [(r["K"], r["certified"]) for r in mine if r["certified"] is not None]
        if cert:
            ax.plot(*zip(*cert), "--^", color=c, ms=4, label=f"{base.name}: certified bound")
        ax.plot(ks, [r["worst_found"] for r in mine], ":o", color=c, ms=4,
                label=f"{base.name}: worst error found")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("Lipschitz constant K")
    ax.set_ylabel("output error |F_neu - F_fail|")
    ax.set_title(f"Figure 3: N = {list(widths)}, failures f = {list(failures)} (crash)"
                 + ("" if opts.output is None else f", output {opts.output}"))
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    files = write_outputs(fig, rows, opts.outdir, "fig3")
    return ExperimentResult("fig3", rows, files, engine_notes(rows, opts.engine))
