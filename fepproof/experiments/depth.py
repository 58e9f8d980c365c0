"""Output error against the depth of the failing layer: one crashed neuron in layer l,
l = 1..L, with Fep (Theorem 2: the layer-l term carries K^(L-l) and the downstream
products), the certified bound and the worst error found (replayed)."""

from __future__ import annotations

from fractions import Fraction

from .common import ExperimentOptions, ExperimentResult, unique_names
from .evaluate import EvalTask, engine_notes, evaluate
from .networks import random_network
from .output import new_figure, write_outputs
from .sweep import run_sweep

__all__ = ["run_depth"]


def run_depth(opts: ExperimentOptions, n_networks: int = 3, d: int = 3, depth: int = 5,
              width: int = 5, K: Fraction = Fraction(1, 2), per_layer: int = 1
              ) -> ExperimentResult:
    """For each seeded network, crash ``per_layer`` neurons in one layer l at a time."""
    if opts.networks:
        bases = unique_names(opts.networks)
    else:
        bases = [random_network(opts.seed + i, d, (width,) * depth, K, name=f"net{i}")
                 for i in range(n_networks)]
    tasks = []
    for i, net in enumerate(bases):
        for l in range(1, net.depth + 1):
            f = tuple(per_layer if k == l else 0 for k in range(1, net.depth + 1))
            tasks.append(EvalTask(net, f, seed=opts.seed * 1000 + 100 * i + l,
                                  labels=(("experiment", "depth"), ("failing_layer", l)),
                                  samples=opts.samples, engine=opts.engine,
                                  engine_timeout=opts.engine_timeout, output=opts.output))
    rows = run_sweep(evaluate, tasks, opts.scheduler, opts.workers, opts.progress, "depth")
    fig, ax = new_figure()
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for i, net in enumerate(bases):
        c = colors[i % len(colors)]
        mine = [r for r in rows if r["network"] == net.name]
        ls = [r["failing_layer"] for r in mine]
        ax.plot(ls, [r["fep"] for r in mine], "-s", color=c, ms=4, label=f"{net.name}: Fep")
        cert = [(r["failing_layer"], r["certified"]) for r in mine if r["certified"] is not None]
        if cert:
            ax.plot(*zip(*cert), "--^", color=c, ms=4, label=f"{net.name}: certified bound")
        ax.plot(ls, [r["worst_found"] for r in mine], ":o", color=c, ms=4,
                label=f"{net.name}: worst error found")
    ax.set_yscale("log")
    ax.set_xticks(range(1, max(n.depth for n in bases) + 1))
    ax.set_xlabel("failing layer l (1 = next to the input)")
    ax.set_ylabel("output error |F_neu - F_fail|")
    if opts.networks:
        ax.set_title(f"Error vs depth of the failure: {per_layer} crash(es)"
                     + ("" if opts.output is None else f", output {opts.output}"))
    else:
        ax.set_title(f"Error vs depth of the failure: L = {depth}, N_l = {width}, K = {K}, "
                     f"{per_layer} crash(es)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    files = write_outputs(fig, rows, opts.outdir, "depth")
    return ExperimentResult("depth", rows, files, engine_notes(rows, opts.engine))
