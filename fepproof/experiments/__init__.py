"""Experiments: the paper's Figure 3, tightness families and failure depth, run as
sweeps on a local process pool or a Dask cluster (:mod:`.sweep`); accuracy of a
classifier against the number of failures (:func:`.accuracy.run_accuracy`, which takes a
network and a data set rather than :class:`ExperimentOptions`)."""

from __future__ import annotations

from .common import ExperimentOptions, ExperimentResult

__all__ = ["ExperimentOptions", "ExperimentResult", "run_experiment", "EXPERIMENTS"]

EXPERIMENTS = ("fig3", "tightness", "depth")


def run_experiment(name: str, opts: ExperimentOptions) -> ExperimentResult:
    """Run experiment ``name`` (fig3, tightness, depth) with its default settings."""
    if name == "fig3":
        from .fig3 import run_fig3

        return run_fig3(opts)
    if name == "tightness":
        from .tightness import run_tightness

        return run_tightness(opts)
    if name == "depth":
        from .depth import run_depth

        return run_depth(opts)
    raise ValueError(f"experiment: unknown {name!r} (known: {', '.join(EXPERIMENTS)})")
