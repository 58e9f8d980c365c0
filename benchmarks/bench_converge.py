"""Convergence benchmark: the branch-and-bound engines vs the earlier (v1) engines.

Random networks (weights ~ N(0, 1) unless the row says otherwise, biases
~ N(0, 0.5^2), K = 1/4, box [0, 1]^d, one linear output), crash failures (Byzantine ones
on the --extra rows), several seeds per row.  For each (row, seed) the baseline engine
(``numeric-v1``, or ``z3-v1`` on the z3 row) and the new engine (``--engine auto``, or
``z3``) get the same time budget in the same run; the table gives each bracket's
upper/lower ratio, the new engine's seconds and whether the row's target is met.
"trivial" is sum |w_out| (a crash moves each hidden output by < 1, so the last layer
alone bounds the error by it).

    nice python benchmarks/bench_converge.py                         # full: 60 s, 3 seeds
    nice python benchmarks/bench_converge.py --timeout 20 --seeds 2  # reduced
    nice python benchmarks/bench_converge.py --rows 2-8-8-1,z3
    nice python benchmarks/bench_converge.py --extra  # also the Byzantine rows
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


from fepproof.bounds import fep  # noqa: E402
from fepproof.experiments.networks import gaussian_network  # noqa: E402
from fepproof.failures import FailureModel  # noqa: E402
from fepproof.network import Network  # noqa: E402
from fepproof.numeric import choose_engine, verify_numeric  # noqa: E402
from fepproof.numeric.bab import BabOptions  # noqa: E402
from fepproof.numeric.engine_bab import verify_bab  # noqa: E402
from fepproof.smt import verify_z3  # noqa: E402
from fepproof.smt.leaves import verify_z3_bab  # noqa: E402
from fepproof.verify_api import VerifyProblem  # noqa: E402


@dataclass(frozen=True)
class Row:
    key: str
    d: int
    widths: tuple[int, ...]
    failures: tuple[int, ...]
    scale: float = 1.0
    engine: str = "auto"       # new engine: auto or z3
    target: float = 1.05       # upper/lower target
    time_target: float = 60.0  # seconds the row's target allows
    trivial_cut: float | None = None  # upper must be <= (1 - cut) * sum|w_out|
    model: str = "crash"       # crash, byz-dev (Byzantine C = 1/2), byz-val (value, C = 1)
    extra: bool = False        # not in the main table (run with --extra or --rows)


ROWS = [
    Row("2-8-8-1", 2, (8, 8), (1, 1), target=1.0101, time_target=10),
    Row("z3", 2, (8, 8), (1, 1), engine="z3", target=1.0101, time_target=60),
    Row("8-16-16-1", 8, (16, 16), (1, 1), target=1.05),
    Row("8-16-16-1x3", 8, (16, 16), (1, 1), scale=3.0, target=1.25),
    Row("16-32-32-1", 16, (32, 32), (2, 0), target=1.25),
    Row("16-64-64-64-1", 16, (64, 64, 64), (1, 1, 1), target=3.0, trivial_cut=0.15),
    Row("16-64-64-64-1s.3", 16, (64, 64, 64), (2, 2, 2), scale=0.3, target=1.5),
    # Byzantine failures (sent values split by the branch and bound), with the targets of
    # the crash rows of the same size; not in the main table
    Row("2-8-8-1/byz-dev", 2, (8, 8), (1, 1), target=1.0101, time_target=10,
        model="byz-dev", extra=True),
    Row("2-8-8-1/byz-val", 2, (8, 8), (1, 1), target=1.0101, time_target=10,
        model="byz-val", extra=True),
    Row("8-16-16-1/byz-dev", 8, (16, 16), (1, 1), target=1.05, model="byz-dev", extra=True),
    Row("8-16-16-1/byz-val", 8, (16, 16), (1, 1), target=1.05, model="byz-val", extra=True),
]

MODELS = {"crash": FailureModel.crash(), "byz-dev": FailureModel.byzantine("1/2"),
          "byz-val": FailureModel.byzantine("1", "value")}


def issue_network(d: int, widths: tuple[int, ...], seed: int, scale: float = 1.0) -> Network:
    """Weights ~ N(0, scale^2), biases ~ N(0, 0.5^2), rounded to float32 (exact): the
    shared generator :func:`fepproof.experiments.networks.gaussian_network`."""
    return gaussian_network(seed, d, widths, scale=scale,
                            name=f"converge-{d}-{'-'.join(map(str, widths))}-1-seed{seed}")


def _ratio(res) -> float:
    lo, up = float(res.lower or 0), float(res.upper)
    return up / lo if lo > 0 else float("inf")


def run_row(row: Row, seed: int, timeout: float, jobs: int) -> dict:
    net = issue_network(row.d, row.widths, seed, row.scale)
    model = MODELS[row.model]
    fe = fep(net, row.failures, model).sound
    problem = VerifyProblem(net, row.failures, model, Fraction(0), fe,
                            tolerance=Fraction(1, 100), timeout=timeout)
    base_fn = verify_z3 if row.engine == "z3" else verify_numeric
    t0 = time.monotonic()
    base = base_fn(problem)
    tb = time.monotonic() - t0
    opts = BabOptions(jobs=jobs)
    name = row.engine if row.engine == "z3" else choose_engine(problem)
    new_fn = verify_z3_bab if name == "z3" else verify_bab
    t0 = time.monotonic()
    new = new_fn(problem, None, opts)
    tn = time.monotonic() - t0
    trivial = float(sum(abs(w) for w in net.output.weights[0]))
    ok = _ratio(new) <= row.target and tn <= row.time_target + 1.0
    if row.trivial_cut is not None:
        ok = ok and float(new.upper) <= (1 - row.trivial_cut) * trivial
    return {"row": row.key, "seed": seed, "engine": name, "base": _ratio(base),
            "base_br": (float(base.lower or 0), float(base.upper)), "base_s": tb,
            "new": _ratio(new), "new_br": (float(new.lower), float(new.upper)), "new_s": tn,
            "trivial": trivial, "target": row.target, "met": ok,
            "stop": new.stats.get("stop", "")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per engine run")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per row (0, 1, ...)")
    ap.add_argument("--rows", default="", help="comma-separated row keys (default: all)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (new engine)")
    ap.add_argument("--extra", action="store_true",
                    help="also the rows that are not in the main table (Byzantine)")
    args = ap.parse_args(argv)
    if args.timeout <= 0 or args.seeds < 1 or args.jobs < 1:
        ap.error("--timeout, --seeds and --jobs must be positive")
    keys = [k for k in args.rows.split(",") if k]
    rows = [r for r in ROWS if r.key in keys or (not keys and (args.extra or not r.extra))]
    if not rows:
        ap.error(f"--rows: unknown keys {keys} (known: {[r.key for r in ROWS]})")
    print(f"# bench_converge  python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"timeout {args.timeout:g} s per engine run, {args.seeds} seeds, jobs {args.jobs}")
    print(f"{'row':<17} {'seed':>4} {'engine':<7} {'baseline up/lo':>14} {'new up/lo':>10} "
          f"{'new bracket':>21} {'new s':>6} {'target':>7} {'met':>4}  stop")
    met = [0, 0]
    total = [0, 0]
    for row in rows:
        for seed in range(args.seeds):
            r = run_row(row, seed, args.timeout, args.jobs)
            total[row.extra] += 1
            met[row.extra] += r["met"]
            lo, up = r["new_br"]
            extra = (f", upper/trivial {up / r['trivial']:.3f}"
                     if row.trivial_cut is not None else "")
            print(f"{r['row']:<17} {seed:>4} {r['engine']:<7} {r['base']:>14.4f} "
                  f"{r['new']:>10.4f} [{lo:9.4g}, {up:9.4g}] {r['new_s']:>6.1f} "
                  f"{r['target']:>7.4g} {'yes' if r['met'] else 'no':>4}  {r['stop']}{extra}",
                  flush=True)
    parts = [f"{met[0]} of {total[0]}"] if total[0] else []
    parts += [f"extra rows: {met[1]} of {total[1]}"] if total[1] else []
    print("# targets met: " + "; ".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
