"""Benchmark `fepproof verify` (z3 engine): tuned encoding vs the naive one, same run.

    nice python benchmarks/bench_verify.py [--cap 60] [--sizes 2-3-3-1,2-4-4-1,...]

For random networks (seeded; weights N(0, 1) rounded to 2 decimals; K = 1/4; one crash
failure per hidden layer) it times
  * `proved`: deciding the Fep claim (Theorem 2) without narrowing the bracket;
  * `1% bracket`: narrowing [lower, upper] of the true worst case to upper - lower <=
    0.01 upper (the claim is Fep);
for the tuned encoding (failure sets enumerated outside z3 with branch and bound on
their interval bounds, interval ranges, only reachable pieces, nominal/faulty coupling,
input-box splitting), the same with z3 Boolean failure selectors, and the naive
encoding (every piece on every neuron, Boolean failure selectors, no interval bounds,
no coupling).  Each run is capped at --cap seconds; "> cap" means it did not finish.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from fractions import Fraction

from fepproof.bounds import fep
from fepproof.experiments.networks import gaussian_network
from fepproof.failures import FailureModel
from fepproof.smt import NAIVE, Options, verify_z3
from fepproof.verdict import Status
from fepproof.verify_api import VerifyProblem

ENCODINGS = {"tuned": Options(), "tuned+bool": Options(selectors="boolean"), "naive": NAIVE}


def random_net(dims: list[int], seed: int = 1):
    """Weights and biases ~ N(0, 1) rounded to 2 decimals, output bias included (the
    shared generator :func:`fepproof.experiments.networks.gaussian_network`)."""
    return gaussian_network(seed, dims[0], dims[1:-1], bias_scale=1.0, n_out=dims[-1],
                            out_bias=True, decimals=2, name="-".join(map(str, dims)))


def timed(net, options: Options, bracket: bool, cap: float):
    f = tuple(1 for _ in net.widths)
    model = FailureModel.crash()
    F = fep(net, f, model).value
    t = time.perf_counter()
    res = verify_z3(VerifyProblem(net, f, model, F, F, Fraction(1, 100), cap, bracket=bracket),
                    options=options)
    dt = time.perf_counter() - t
    if bracket:
        ok = (res.upper is not None and res.lower is not None
              and res.upper - res.lower <= res.upper / 100)
    else:
        ok = res.verdict is Status.PROVED
    return (dt if ok else None), res


def fmt(t: float | None, cap: float) -> str:
    return f"> {cap:g} s" if t is None else f"{t:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=60.0, help="seconds per run (default 60)")
    ap.add_argument("--sizes", default="2-3-3-1,2-4-4-1,2-8-8-1,3-16-16-1")
    ap.add_argument("--encodings", default=",".join(ENCODINGS))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(f"# bench_verify: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, cap {args.cap:g} s per run, seed {args.seed}")
    encs = args.encodings.split(",")
    print("| network | Fep | worst-case bracket (tuned) | "
          + " | ".join(f"{e}: proved | {e}: 1% bracket" for e in encs) + " | speed-up |")
    print("|" + "---|" * (4 + 2 * len(encs)))
    for size in args.sizes.split(","):
        net = random_net([int(v) for v in size.split("-")], args.seed)
        F = fep(net, tuple(1 for _ in net.widths)).value
        times: dict[str, tuple[float | None, float | None]] = {}
        bracket = "-"
        for e in encs:
            tp, _ = timed(net, ENCODINGS[e], False, args.cap)
            tb, res = timed(net, ENCODINGS[e], True, args.cap)
            times[e] = (tp, tb)
            if e == "tuned" and res.lower is not None and res.upper is not None:
                bracket = f"[{float(res.lower):.5f}, {float(res.upper):.5f}]"
        ratios = []
        if "tuned" in times and "naive" in times:
            for i, what in enumerate(("proved", "bracket")):
                a, b = times["tuned"][i], times["naive"][i]
                if a is not None and b is not None:
                    ratios.append(f"{what} {b / max(a, 1e-3):.0f}x")
                elif a is not None:
                    ratios.append(f"{what} > {args.cap / max(a, 1e-3):.0f}x")
        cells = " | ".join(f"{fmt(times[e][0], args.cap)} | {fmt(times[e][1], args.cap)}"
                           for e in encs)
        print(f"| {size} | {float(F):.4f} | {bracket} | {cells} | {', '.join(ratios) or '-'} |",
              flush=True)


if __name__ == "__main__":
    main()
