"""Benchmark of the numeric engine (v1): bracket [lower, upper] vs the paper's Fep.

Prints tables: the headline cases (random 16-64-64-64-1 with two crashes per layer, the
trained StaticNet 784-98-10 MNIST networks with two crashed hidden neurons), then how
time and upper/lower grow with the width (64..1024) and with the number of failures.
Baseline in the same run: Fep (Theorem 2, the paper's closed form).

    nice python benchmarks/bench_numeric.py            # everything (~6 min on 2 cores)
    nice python benchmarks/bench_numeric.py --quick    # headline cases only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from fepproof.bounds import fep  # noqa: E402
from fepproof.experiments.networks import gaussian_network  # noqa: E402
from fepproof.failures import FailureModel  # noqa: E402
from fepproof.numeric import verify_numeric  # noqa: E402
from fepproof.numeric.samples import staticnet_network  # noqa: E402
from fepproof.verify_api import VerifyProblem  # noqa: E402

STATICNET = Path(__file__).resolve().parents[2] / "shared" / "data" / "staticnet"


def random_network(d: int, widths: list[int], seed: int = 0, gain: float = 2.0):
    """Weights ~ N(0, gain^2 / fan-in), biases ~ N(0, 0.5^2), output weights ~ N(0, 1 /
    fan-in), float32 (the shared generator, as in :mod:`fepproof.numeric.samples`)."""
    return gaussian_network(seed, d, widths, scale=gain, out_scale=1.0, fan_in=True,
                            name=f"random-{d}-{'-'.join(map(str, widths))}-1-seed{seed}")


HEAD = (f"{'case':<34} {'failures':<10} {'time s':>7} {'lower':>9} {'upper':>9} "
        f"{'Fep':>10} {'Fep/upper':>9} {'upper/lower':>11}")


def run_case(name: str, net, failures, timeout: float, model=None) -> dict:
    model = model or FailureModel.crash()
    fe = fep(net, failures, model).sound
    problem = VerifyProblem(net, tuple(failures), model, Fraction(0), fe,
                            timeout=timeout, tolerance=Fraction(1, 100))
    t0 = time.monotonic()
    res = verify_numeric(problem)
    dt = time.monotonic() - t0
    lo, up = float(res.lower or 0), float(res.upper)
    row = {"case": name, "failures": ",".join(map(str, failures)), "time": dt, "lower": lo,
           "upper": up, "fep": float(fe), "fep_up": float(fe) / up if up else float("inf"),
           "ratio": up / lo if lo else float("inf"), "boxes": res.stats.get("boxes")}
    print(f"{name:<34} {row['failures']:<10} {dt:7.1f} {lo:9.4g} {up:9.4g} {row['fep']:10.4g} "
          f"{row['fep_up']:9.1f} {row['ratio']:11.2f}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="headline cases only")
    ap.add_argument("--timeout", type=float, default=25.0,
                    help="engine time budget per headline case (s)")
    args = ap.parse_args(argv)
    print(f"# bench_numeric  python {sys.version.split()[0]}, {os.cpu_count()} cpus, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"\n## headline (engine timeout {args.timeout:.0f} s)")
    print(HEAD)
    for gain in (1.0, 2.0):
        net = random_network(16, [64, 64, 64], seed=0, gain=gain)
        run_case(f"random 16-64-64-64-1 gain {gain:g}", net, (2, 2, 2), args.timeout)
    for fname in ("784-98-10_epoch-1078_0.net", "784-98-10_epoch-2919_100.net"):
        path = STATICNET / fname
        if path.exists():
            run_case(f"StaticNet {fname[:20]}", staticnet_network(path), (2, 0), args.timeout)
        else:
            print(f"{fname}: not found at {path} (skipped)")
    if args.quick:
        return 0
    print("\n## width (16-W-W-W-1, gain 1, two crashes per layer, timeout 15 s)")
    print(HEAD)
    for W in (64, 128, 256, 512, 1024):
        run_case(f"random 16-{W}-{W}-{W}-1", random_network(16, [W, W, W], seed=0, gain=1.0),
                 (2, 2, 2), 15.0)
    print("\n## failures per layer (16-64-64-64-1, gain 1, timeout 15 s)")
    print(HEAD)
    net = random_network(16, [64, 64, 64], seed=0, gain=1.0)
    for f in (1, 2, 4, 8, 16):
        run_case("random 16-64-64-64-1", net, (f, f, f), 15.0)
    print("\n## failure models (16-64-64-64-1, gain 1, one failure per layer, timeout 15 s)")
    print(HEAD)
    for model in (FailureModel.byzantine("1/2"), FailureModel.byzantine("1/2", "value")):
        run_case(f"byzantine C=1/2 {model.reading}", net, (1, 1, 1), 15.0, model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
