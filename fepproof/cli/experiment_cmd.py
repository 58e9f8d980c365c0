"""``fepproof experiment fig3|tightness|depth``: the paper's Figure 3 and two companion
sweeps, as PNG + SVG (matplotlib) and a CSV of every number."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..failures import FailureError, FailureModel, check_failures
from ..network import Network
from .boxarg import add_input_box_arg, box_line, with_box
from .common import (
    INSTALL_INTEROP,
    CliError,
    add_model_args,
    check_output,
    failure_counts,
    integer,
    load,
    model_from_args,
    number,
    seconds,
)


def parse_failures(text: str) -> tuple[int, ...]:
    return failure_counts(text)


def _load(path: str, sizes: str | None) -> Network:
    return load(path, **({"sizes": sizes} if sizes and path.lower().endswith(".net") else {}))


HELP = ("reproduce Figure 3, run the tightness / depth sweeps and accuracy under failures "
        "(PNG, SVG, CSV)")
DESCRIPTION = """\
Run an experiment over many seeded networks and failure distributions and write
NAME.png, NAME.svg and NAME.csv into -o DIR.

  fig3       the paper's Figure 3: output error of several networks with the same failed
             neurons against the Lipschitz constant K (log scale): Fep (Theorem 2), the
             certified worst-case bound and the worst error found
  tightness  worst / Fep along families where the bound is attained in the limit
  depth      output error against the depth of the failing layer
  accuracy   accuracy of the classifier NET on --data FILE for f = 0..--max-failures
             failed neurons in every hidden layer (capped at the layer's width): clean,
             random failure sets (mean, min as a band), the worst fixed failure set (a
             bracket) and the accuracy certified against a per-input adversary
             (fepproof experiment accuracy NET --data FILE --max-failures F)

fig3 and depth use three seeded synthetic networks unless --net FILE is given
(repeatable): fig3 then keeps each network's weights and varies only K; depth crashes
one neuron in each layer in turn.  --output K picks one output of a multi-output
network (default: the maximum error over outputs).

"worst error found" is a replayed lower bound (mpmath, fepproof.replay) from a seeded
search, or the numeric engine's witness; "certified" comes only from the numeric engine
(fepproof.numeric) and is omitted when it is not installed or --no-engine is given.

The sweep runs on a local process pool (--workers, default: all CPUs) or on a Dask
distributed cluster (--scheduler tcp://HOST:8786); both give the same numbers (every
task carries its own seed). The engine's certified column is time-budgeted
(--engine-timeout), so it can tighten on a faster or less loaded machine; it is sound
either way. Progress goes to stderr (--quiet to silence).

exit codes: 0 ok, 2 usage or input error
"""

NAMES = ("fig3", "tightness", "depth", "accuracy")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", choices=NAMES, help="which experiment")
    p.add_argument("network", nargs="?", metavar="NET",
                   help="accuracy: the classifier network (.json .npz .onnx .net)")
    p.add_argument("--data", metavar="FILE",
                   help="accuracy: the labelled data set (.npz with X, y; .csv label last)")
    p.add_argument("--max-failures", type=integer(0, 10_000), default=None, metavar="F",
                   help="accuracy: largest number of failed neurons per hidden layer")
    add_model_args(p, synapse=False)
    p.add_argument("--radius", default=None, metavar="R",
                   help="accuracy: also an input perturbation of this size (default 0)")
    p.add_argument("--point-timeout", type=seconds, default=10.0, metavar="S",
                   help="accuracy: seconds of the verifier per data point (default 10)")
    p.add_argument("--jobs", type=integer(1, 256), default=1, metavar="N",
                   help="accuracy: worker processes for the per-point verifier (default 1)")
    p.add_argument("--format", default="png,svg,csv", metavar="LIST",
                   help="accuracy: files to write, some of png,svg,csv (default all)")
    p.add_argument("-o", "--outdir", "--out", default=".", metavar="DIR",
                   help="directory for NAME.png, NAME.svg, NAME.csv (default: .)")
    p.add_argument("--net", action="append", default=[], metavar="FILE",
                   help="fig3/depth: use this network (repeatable; .json .npz .onnx .net) "
                        "instead of the seeded synthetic ones")
    p.add_argument("--failures", metavar="F1,F2,...",
                   help="fig3: failed neurons per hidden layer (default 1 per layer)")
    p.add_argument("--output", type=integer(0, 10**6), default=None, metavar="K",
                   help="multi-output networks: output K (0-based); default: the maximum "
                        "error over all outputs")
    p.add_argument("--sizes", metavar="SIZES",
                   help="StaticNet sizes (784-98-10) for .net files whose name lacks them")
    add_input_box_arg(p)
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the sweep on this Dask distributed scheduler")
    p.add_argument("--workers", type=integer(1, 256), default=None, metavar="N",
                   help="local process pool size (default: CPU count; 1 = in-process)")
    p.add_argument("--samples", type=integer(1, 10**6), default=None, metavar="N",
                   help="random inputs per search (plus box corners; default 256); "
                        "accuracy: random failure sets per f (default 100)")
    p.add_argument("--seed", type=integer(0, 2**32 - 1), default=0,
                   help="seed of networks and searches")
    p.add_argument("--no-engine", action="store_true",
                   help="skip the certified numeric engine (no certified bound column)")
    p.add_argument("--engine-timeout", type=seconds, default=3.0, metavar="S",
                   help="seconds per point for the numeric engine (default 3); the "
                        "certified bound tightens with more time")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


ACCURACY_FLAGS = ("data", "max_failures", "radius", "format", "capacity", "stuck_value")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..experiments import ExperimentOptions, run_experiment
    from ..experiments.sweep import SweepError

    if args.name == "accuracy":
        return _run_accuracy(args, out, err)
    if args.network is not None:
        raise CliError(f"NET: only the accuracy experiment takes a network argument (use "
                       f"--net FILE for {args.name})")
    for flag in ACCURACY_FLAGS:
        if getattr(args, flag) is not None and flag != "format" or \
                flag == "format" and args.format != "png,svg,csv":
            raise CliError(f"--{flag.replace('_', '-')}: only for the accuracy experiment")
    if args.model != "crash" or args.jobs != 1:
        raise CliError("--model/--jobs: only for the accuracy experiment")
    if args.samples is None:
        args.samples = 256
    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers: must be >= 1, got {args.workers}")
    if args.samples < 1:
        raise CliError(f"--samples: must be >= 1, got {args.samples}")
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise CliError(f"--outdir: {outdir} is not a directory")
    boxed = [with_box(_load(path, args.sizes), path, args.input_box) for path in args.net]
    if args.input_box is not None and not boxed:
        raise CliError("--input-box: only with --net (the synthetic networks use [0,1]^d)")
    nets = tuple(net for net, _ in boxed)
    if nets and args.name == "tightness":
        raise CliError("--net: the tightness experiment uses its own families")
    failures = None
    if args.failures is not None:
        if args.name != "fig3":
            raise CliError("--failures: only for fig3 (depth fails one layer at a time)")
        failures = parse_failures(args.failures)
    for net in nets:
        check_output(net, args.output)
        try:
            check_failures(net, failures or (1,) * net.depth, FailureModel.crash())
        except FailureError as exc:
            raise CliError(f"{exc} (network {net.name})") from None
    opts = ExperimentOptions(outdir=outdir, networks=nets, failures=failures,
                             output=args.output, scheduler=args.scheduler, workers=args.workers,
                             progress=None if args.quiet else err, samples=args.samples,
                             engine=not args.no_engine, engine_timeout=args.engine_timeout,
                             seed=args.seed)
    try:
        res = run_experiment(args.name, opts)
    except (SweepError, ValueError) as exc:
        raise CliError(str(exc)) from None
    except ImportError as exc:
        raise CliError(f"experiment needs a package that is not installed ({exc}); "
                       f"install the extra {INSTALL_INTEROP}") from None
    for path in res.files:
        out.write(f"wrote {path}\n")
    for net, source in boxed:
        out.write(f"input box of {net.name}: {box_line(net, source)}\n")
    for note in res.notes:
        out.write(f"note: {note}\n")
    return 0


def _run_accuracy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``fepproof experiment accuracy NET --data FILE --max-failures F``."""
    from ..classify.data import DataError, load_dataset
    from ..experiments.accuracy import FORMATS, run_accuracy

    if args.network is None:
        raise CliError("NET: the accuracy experiment needs a network: fepproof experiment "
                       "accuracy NET --data FILE --max-failures F")
    if args.data is None:
        raise CliError("--data: required for the accuracy experiment (.npz or .csv)")
    if args.max_failures is None:
        raise CliError("--max-failures: required for the accuracy experiment")
    if args.net or args.failures or args.scheduler or args.workers is not None \
            or args.no_engine or args.output is not None:
        raise CliError("--net/--failures/--scheduler/--workers/--no-engine/--output: not "
                       "for the accuracy experiment")
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise CliError(f"--format: expected some of {','.join(FORMATS)}, got "
                       f"{args.format[:40]!r}")
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise CliError(f"--outdir: {outdir} is not a directory")
    net, box_source = with_box(_load(args.network, args.sizes), args.network, args.input_box)
    model = model_from_args(args)
    radius = number(args.radius, "--radius") if args.radius is not None else None
    if radius is not None and radius < 0:
        raise CliError("--radius: must be >= 0")
    try:
        X, y = load_dataset(args.data)
    except DataError as exc:
        raise CliError(str(exc).replace("data:", "--data:", 1)) from None
    try:
        res = run_accuracy(net, X, y, args.max_failures, model, outdir=outdir,
                           formats=formats, samples=args.samples or 100, seed=args.seed,
                           point_timeout=args.point_timeout, jobs=args.jobs,
                           radius=float(radius or 0), progress=None if args.quiet else err,
                           data_name=Path(args.data).name)
    except (FailureError, ValueError) as exc:
        text = str(exc)
        raise CliError(text if text.startswith("--") else "--" + text.replace("_", "-", 1)
                       if text.split(":")[0] in ("max_failures", "format") else text) \
            from None
    except ImportError as exc:
        raise CliError(f"experiment needs a package that is not installed ({exc}); "
                       f"install the extra {INSTALL_INTEROP}") from None
    for path in res.files:
        out.write(f"wrote {path}\n")
    out.write(f"input box of {net.name}: {box_line(net, box_source)}\n")
    for note in res.notes:
        out.write(f"note: {note}\n")
    return 0
