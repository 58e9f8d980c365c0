"""Benchmark ``fepproof prove``: the whole proofs/ suite and Theorem 2's L = 1..12 check.

Prints a table.  Baselines in the same run (ratios, not only absolute times):
- the suite with --jobs 2 against --jobs 1 (parallel processes);
- the L = 1..12 identity with the change of variables N_l = u_l + f_l (what the
  obligation does) against plain sympy.expand of the same difference, for L = 1..8
  (plain expansion grows like 2^L: ~100 s for L = 1..12 on one core).

Usage: nice python benchmarks/bench_prove.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import sympy as sp


def _suite(jobs: int) -> tuple[float, int, int]:
    from fepproof.obligations import discover, run
    obs = discover(["proofs"])
    t = time.perf_counter()
    outs = run(obs, jobs=jobs, timeout=120)
    return time.perf_counter() - t, len(outs), sum(o.passed for o in outs)


def _identity(depths, plain: bool) -> float:
    from sympy.core.cache import clear_cache

    from fepproof.symbolic.recurrence import check_closed_form, fep_closed, theorem2_unrolled
    clear_cache()  # sympy memoizes expansions: time every run from a cold cache
    t = time.perf_counter()
    for d in depths:
        if plain:
            assert sp.expand(theorem2_unrolled(d)[1] - fep_closed(d)) == 0
        else:
            assert check_closed_form(fep_closed, lambda k: theorem2_unrolled(k)[1], d) == 0
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, sympy {sp.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")
    rows = []
    med = statistics.median
    s2 = [_suite(2) for _ in range(args.repeat)]
    s1 = [_suite(1) for _ in range(args.repeat)]
    n, ok = s2[0][1], s2[0][2]
    t2, t1 = med(x[0] for x in s2), med(x[0] for x in s1)
    rows.append((f"proofs/ suite ({n} obligations, {ok} passed), --jobs 2", t2, ""))
    rows.append(("proofs/ suite, --jobs 1 (baseline)", t1, f"x{t1 / t2:.2f} speed-up"))
    t12 = med(_identity(range(1, 13), False) for _ in range(args.repeat))
    rows.append(("Theorem 2 identity L = 1..12 (N = u + f)", t12, ""))
    t8 = med(_identity(range(1, 9), False) for _ in range(args.repeat))
    p8 = med(_identity(range(1, 9), True) for _ in range(args.repeat))
    rows.append(("Theorem 2 identity L = 1..8 (N = u + f)", t8, ""))
    rows.append(("Theorem 2 identity L = 1..8, plain expand (baseline)", p8,
                 f"x{p8 / t8:.1f} slower"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark'.ljust(width)}  {'median s':>9}  ratio")
    for name, secs, ratio in rows:
        print(f"{name.ljust(width)}  {secs:9.2f}  {ratio}")


if __name__ == "__main__":
    main()
