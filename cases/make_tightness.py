"""Write a few members of each tightness family (fepproof.tightness) as cases/tightness_*.json.

    python cases/make_tightness.py        # from the repository root

Theorem 1: theorem1_network(a), a = 1, 4, 16 (crash, failures 2).
Theorem 2: theorem2_network(w, widths), w = 1, 1/4, 1/16, widths (2, 3) and (2, 3, 3)
(Byzantine, deviation reading, C = 1, failures in layer 1).
"""

from fractions import Fraction
from pathlib import Path

from fepproof.netio import save_network
from fepproof.tightness import theorem1_network, theorem2_network

HERE = Path(__file__).resolve().parent


def main() -> None:
    for a in (1, 4, 16):
        save_network(theorem1_network(Fraction(a)), HERE / f"tightness_t1_a{a}.json")
    for w, tag in ((Fraction(1), "1"), (Fraction(1, 4), "1_4"), (Fraction(1, 16), "1_16")):
        save_network(theorem2_network(w), HERE / f"tightness_t2_w{tag}.json")
        save_network(theorem2_network(w, (2, 3, 3)), HERE / f"tightness_t2deep_w{tag}.json")


if __name__ == "__main__":
    main()
