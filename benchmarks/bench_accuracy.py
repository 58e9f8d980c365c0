"""Certified accuracy of a 64-32-16-10 logistic MLP on sklearn's digits under failures.

Trains ``sklearn.neural_network.MLPClassifier`` (logistic hidden units, fixed seed) on
``load_digits`` with X scaled to [0, 1], converts it to a fepproof ``Network`` directly
from ``coefs_`` / ``intercepts_`` (exact Fractions of the float64 weights), then runs
``accuracy_report`` on test points with crash failures 1,1 and compares the certified
accuracy with a brute-force enumeration of every failure set in float64 (the same run),
and runs a second row with ``radius = 0.01``.

    python benchmarks/bench_accuracy.py [--points 200] [--jobs 2] [--radius-timeout 120]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fepproof.failures import FailureModel  # noqa: E402
from fepproof.network import Activation, Layer, Network  # noqa: E402


def train_digits(seed: int = 0):
    """(net, X_test, y_test, sklearn test accuracy) for the 64-32-16-10 logistic MLP."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed,
                                          stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), activation="logistic", max_iter=2000,
                        random_state=seed, alpha=1e-4)
    clf.fit(Xtr, ytr)
    return network_from_mlp(clf, "digits-64-32-16-10"), Xte, yte, clf.score(Xte, yte)


def network_from_mlp(clf, name: str) -> Network:
    """A fepproof Network with the MLP's weights as exact Fractions (sklearn's logistic
    unit is 1/(1+exp(-s)) = sigmoid(4 K s) with K = 1/4; the softmax output does not
    change the argmax, so the linear outputs are kept)."""
    Ws, bs = clf.coefs_, clf.intercepts_

    def layer(W, b) -> Layer:
        return Layer(tuple(tuple(Fraction(float(v)) for v in row) for row in W.T),
                     tuple(Fraction(float(v)) for v in b))
    hidden = tuple(layer(W, b) for W, b in zip(Ws[:-1], bs[:-1], strict=True))
    return Network(hidden, layer(Ws[-1], bs[-1]), Activation("sigmoid", Fraction(1, 4)),
                   (), name)


def brute_force(net: Network, X: np.ndarray, y: np.ndarray, failures) -> float:
    """Fraction of points whose label survives every failure set (float64, every set)."""
    from fepproof.simulate import failed_outputs
    sets = list(itertools.product(*[itertools.combinations(range(n), f)
                                    for n, f in zip(net.widths, failures, strict=True)]))
    masks = []
    for l, n in enumerate(net.widths):
        m = np.zeros((len(sets), n), dtype=bool)
        for s, fs in enumerate(sets):
            m[s, list(fs[l])] = True
        masks.append(m)
    out = failed_outputs(net, X, masks)
    ok = (out.argmax(axis=2) == y[None, :]).all(axis=0)
    return float(ok.mean())


def row(name: str, rep) -> str:
    c = rep.counts
    return (f"{name:<16} clean {rep.clean:.3f}  random {rep.random_mean:.3f}/"
            f"{rep.random_min:.3f}  worst fixed [{rep.worst_fixed[0]:.3f}, "
            f"{rep.worst_fixed[1]:.3f}]{' (exhaustive)' if rep.worst_fixed_exhaustive else ''}"
            f"  certified {rep.certified:.3f}  proved {c['proved']} refuted {c['refuted']} "
            f"unknown {c['unknown']} misclassified {c['misclassified']}  "
            f"{rep.seconds:.1f} s")


def main(argv=None) -> int:
    from fepproof.classify import accuracy_report
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--radius", type=float, default=0.01)
    ap.add_argument("--radius-timeout", type=float, default=120.0,
                    help="wall-clock budget of the radius row (per-point timeout derived)")
    ap.add_argument("--skip-radius", action="store_true")
    args = ap.parse_args(argv)
    t = time.monotonic()
    net, Xte, yte, acc = train_digits()
    print(f"trained {net.name} in {time.monotonic() - t:.1f} s, sklearn test accuracy "
          f"{acc:.3f}")
    X, y = Xte[:args.points], yte[:args.points]
    model = FailureModel.crash()
    rep = accuracy_report(net, X, y, (1, 1), model, samples=100, jobs=args.jobs)
    print(row("crash 1,1 r=0", rep))
    t = time.monotonic()
    bf = brute_force(net, X, y, (1, 1))
    print(f"brute force (all {32 * 16} sets, float64): {bf:.3f} in {time.monotonic() - t:.2f} s"
          f"; certified {'==' if abs(bf - rep.certified) < 1e-12 else '!='} brute force")
    if not args.skip_radius:
        per_point = max(0.2, args.radius_timeout * args.jobs / len(y) * 0.8)
        rep2 = accuracy_report(net, X, y, (1, 1), model, radius=args.radius, samples=100,
                               jobs=args.jobs, point_timeout=per_point)
        decided = (rep2.counts["proved"] + rep2.counts["refuted"]
                   + rep2.counts["misclassified"]) / rep2.n
        print(row(f"crash 1,1 r={args.radius:g}", rep2))
        print(f"radius {args.radius:g}: {decided:.3f} of the points decided (proved, refuted "
              f"or misclassified) with {per_point:.2f} s per point")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
