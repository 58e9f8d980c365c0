"""``fepproof experiment fig3|tightness|depth``: the paper's Figure 3 and two companion
sweeps, as PNG + SVG (matplotlib) and a CSV of every number."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from .common import CliError

HELP = "reproduce Figure 3 and run the tightness / depth sweeps (PNG, SVG, CSV)"
DESCRIPTION = """\
Run an experiment over many seeded networks and failure distributions and write
NAME.png, NAME.svg and NAME.csv into -o DIR.

  fig3       the paper's Figure 3: output error of several networks with the same failed
             neurons against the Lipschitz constant K (log scale): Fep (Theorem 2), the
             certified worst-case bound and the worst error found
  tightness  worst / Fep along families where the bound is attained in the limit
  depth      output error against the depth of the failing layer

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

NAMES = ("fig3", "tightness", "depth")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", choices=NAMES, help="which experiment")
    p.add_argument("-o", "--outdir", default=".", metavar="DIR",
                   help="directory for NAME.png, NAME.svg, NAME.csv (default: .)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the sweep on this Dask distributed scheduler")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local process pool size (default: CPU count; 1 = in-process)")
    p.add_argument("--samples", type=int, default=256, metavar="N",
                   help="random inputs per search (plus box corners; default 256)")
    p.add_argument("--seed", type=int, default=0, help="seed of networks and searches")
    p.add_argument("--no-engine", action="store_true",
                   help="skip the certified numeric engine (no certified bound column)")
    p.add_argument("--engine-timeout", type=float, default=3.0, metavar="S",
                   help="seconds per point for the numeric engine (default 3); the "
                        "certified bound tightens with more time")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..experiments import ExperimentOptions, run_experiment
    from ..experiments.sweep import SweepError

    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers: must be >= 1, got {args.workers}")
    if args.samples < 1:
        raise CliError(f"--samples: must be >= 1, got {args.samples}")
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise CliError(f"--outdir: {outdir} is not a directory")
    opts = ExperimentOptions(outdir=outdir, scheduler=args.scheduler, workers=args.workers,
                             progress=None if args.quiet else err, samples=args.samples,
                             engine=not args.no_engine, engine_timeout=args.engine_timeout,
                             seed=args.seed)
    try:
        res = run_experiment(args.name, opts)
    except SweepError as exc:
        raise CliError(str(exc)) from None
    except ImportError as exc:
        raise CliError(f"experiment needs matplotlib ({exc}); "
                       f"pip install 'fepproof[interop]'") from None
    for path in res.files:
        out.write(f"wrote {path}\n")
    for note in res.notes:
        out.write(f"note: {note}\n")
    return 0
