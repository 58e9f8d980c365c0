"""Replication factors (fepproof harden --by fep): the Pareto programme of
fepproof.replication against enumerating every factor vector (the baseline), on random
networks; prints a table with both times, the ratio, and that both give the same minimum.

    python benchmarks/bench_harden.py [--max-factor R]
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from fractions import Fraction

from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.replication import fewest_factors, replicated_fep


def rnet(seed: int, widths: list[int], d: int = 4):
    rng = random.Random(seed)
    layers, n = [], d
    for w in widths:
        layers.append({"weights": [[Fraction(rng.randint(-20, 20), 40) for _ in range(n)]
                                   for _ in range(w)]})
        n = w
    return network_from_dict({"layers": layers, "output": {
        "weights": [Fraction(rng.randint(-20, 20), 40) for _ in range(n)]}})


def enumerate_min(net, f, budget, R):
    best = None
    for vec in itertools.product(range(1, R + 1), repeat=net.depth):
        if any(fl >= n * r for fl, n, r in zip(f, net.widths, vec)):
            continue
        if replicated_fep(net, f, vec) <= budget:
            cost = sum(n * (r - 1) for n, r in zip(net.widths, vec))
            best = cost if best is None else min(best, cost)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-factor", type=int, default=12)
    args = ap.parse_args()
    R = args.max_factor
    print(f"{'widths':<16} {'f':<16} {'budget':>6} {'added':>6} {'search s':>9} "
          f"{'enumerate s':>12} {'ratio':>7} same")
    for widths, f, budget in (([20, 20], [2, 2], "1/2"), ([10, 10, 10], [1, 1, 1], "1/4"),
                              ([8, 8, 8, 8], [1, 1, 1, 1], "1/4"), ([5] * 5, [1] * 5, "1/5")):
        net = rnet(len(widths), widths)
        t = time.perf_counter()
        s = fewest_factors(net, f, Fraction(budget), FailureModel.crash(), R)
        t1 = time.perf_counter() - t
        t = time.perf_counter()
        b = enumerate_min(net, f, Fraction(budget), R)
        t2 = time.perf_counter() - t
        print(f"{str(widths):<16} {str(f):<16} {budget:>6} {str(s.added):>6} {t1:>9.3f} "
              f"{t2:>12.3f} {t2 / t1:>7.0f} {s.added == b}")
    net = rnet(9, [100] * 8)
    t = time.perf_counter()
    s = fewest_factors(net, [2] * 8, Fraction(10**6), FailureModel.crash(), 100)
    print(f"8 layers of 100, f = 2 each (Fep 4.5e7), budget 1e6, R = 100: "
          f"r = {list(s.factors or [])}, "
          f"+{s.added} neurons, minimal {s.minimal}, {time.perf_counter() - t:.2f} s "
          f"(enumeration: 100^8 vectors)")


if __name__ == "__main__":
    main()
