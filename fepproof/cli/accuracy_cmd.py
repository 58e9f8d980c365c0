"""``fepproof accuracy``: how much of a classifier's accuracy survives neuron failures
(random injection, the worst single failure set, and a per-input adversary)."""

from __future__ import annotations

import argparse
from typing import TextIO

from .common import (
    CliError,
    add_model_args,
    add_network_arg,
    emit_json,
    failures_from_args,
    integer,
    load,
    model_from_args,
    seconds,
)

HELP = "certified accuracy of a classifier under neuron failures (decision claims per input)"
DESCRIPTION = """\
For a classifier (the predicted class is the argmax of the network's outputs), report
on a labelled data set (--data: .npz with arrays X, y, or .csv with the label in the
last column):

  clean        nominal accuracy
  random       mean / min accuracy over N failure sets drawn uniformly (random fault
               injection; one set for the whole data set at a time; float64, empirical)
  worst fixed  certified bracket [lo, hi] on the accuracy under the worst single failure
               set (a hardware fault: the same set for every input); "exhaustive" when
               every set was enumerated rigorously, else lo = certified and hi = the
               lowest accuracy among the searched sets
  certified    fraction of points proved to keep their (correct) class against a
               failure set chosen per input (the paper's adversary)
  counts       per point: proved / refuted (a witness replayed at 60 digits changes the
               argmax) / unknown (timeout, with a reason) / misclassified (already wrong)

certified <= worst fixed lo <= worst fixed hi <= random min <= random mean.  With
--radius r > 0 each point's claim covers the L-infinity ball of radius r around it.

exit codes: 0 report written, 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("--data", required=True, metavar="FILE",
                   help="labelled points: .npz (arrays X (n, d), y (n,)) or .csv (numeric "
                        "columns, label last, optional header line)")
    p.add_argument("--failures", required=True, metavar="F1,F2,...",
                   help="failed neurons per hidden layer, e.g. 1,1")
    add_model_args(p, synapse=False)
    p.add_argument("--radius", default="0", metavar="R",
                   help="L-infinity radius of the input ball around each point (default 0)")
    p.add_argument("--samples", type=integer(1, 10**6), default=100, metavar="N",
                   help="random failure sets for the random-injection numbers (default 100)")
    p.add_argument("--seed", type=integer(0, 2**32 - 1), default=0, metavar="S",
                   help="random seed (default 0)")
    p.add_argument("--point-timeout", type=seconds, default=10.0, metavar="SEC",
                   help="budget per point for the engines and the search (default 10)")
    p.add_argument("--limit", type=integer(1, 10**8), default=200_000, metavar="N",
                   help="enumerate every failure set at a point when there are at most N "
                        "(default 200000)")
    p.add_argument("--engine", choices=["numeric", "z3", "auto"], default="numeric",
                   help="the verify engine for the margins F_c - F_k that the linear and "
                        "interval bounds leave open (default numeric)")
    p.add_argument("--jobs", type=integer(1, 64), default=1, metavar="N",
                   help="worker processes, one point at a time each (default 1)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="run the points on this Dask cluster instead of local processes")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _radius(text: str) -> float:
    try:
        r = float(text)
    except ValueError:
        raise CliError(f"--radius: expected a number, got {text[:40]!r}") from None
    if not (r >= 0 and r < float("inf")):
        raise CliError(f"--radius: must be a finite number >= 0, got {text[:40]}")
    return r


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..classify import DataError, accuracy_report, check_dataset, load_dataset
    from ..classify.decision import as_classifier
    net = load(args.network)
    model = model_from_args(args)
    failures = failures_from_args(net, args.failures, model)
    radius = _radius(args.radius)
    try:
        model.check_activation(net)
    except ValueError as exc:
        raise CliError(str(exc).replace("stuck_value:", "--stuck-value:")) from None
    if net.n_outputs == 1:
        net = as_classifier(net)
        if not args.quiet:
            err.write("fepproof accuracy: note: one output, read as a binary classifier: "
                      "class 1 when the output is > 0 (> 1/2 after a sigmoid)\n")
    try:
        X, y = load_dataset(args.data)
        check_dataset(X, y, net.input_dim, net.n_outputs)
    except DataError as exc:
        raise CliError(str(exc).replace("data:", "--data:", 1)) from None
    say = None if args.quiet else (lambda msg: print(msg, file=err, flush=True))
    try:
        rep = accuracy_report(net, X, y, failures, model, radius=radius,
                              samples=args.samples, seed=args.seed,
                              point_timeout=args.point_timeout, jobs=args.jobs,
                              scheduler=args.scheduler, progress=say, limit=args.limit,
                              engine=args.engine)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) \
            from None
    if args.json:
        emit_json({"network": net.name, **rep.to_json()}, out)
        return 0
    c = rep.counts
    lo, hi = rep.worst_fixed
    wset = ("" if rep.worst_fixed_set is None else "  set " + "; ".join(
        f"layer {l + 1}: {','.join(map(str, f))}" for l, f in enumerate(rep.worst_fixed_set)
        if f))
    print(f"network      {net.name}: N = {list(net.widths)}, {net.n_outputs} classes, "
          f"{rep.n} points", file=out)
    print(f"failures     {list(rep.failures)} per hidden layer, {model.describe()}"
          + (f", radius {rep.radius:g}" if rep.radius else ""), file=out)
    print(f"clean        {rep.clean:.4f}", file=out)
    print(f"random       mean {rep.random_mean:.4f}, min {rep.random_min:.4f} over "
          f"{rep.random_samples} random sets", file=out)
    print(f"worst fixed  [{lo:.4f}, {hi:.4f}] "
          f"({'exhaustive' if rep.worst_fixed_exhaustive else 'bracket: certified, best found'})"
          f"{wset}", file=out)
    print(f"certified    {rep.certified:.4f} (per-input adversary)", file=out)
    print(f"counts       proved {c['proved']}, refuted {c['refuted']}, unknown "
          f"{c['unknown']}, misclassified {c['misclassified']}", file=out)
    print(f"time         {rep.seconds:.1f} s", file=out)
    return 0

