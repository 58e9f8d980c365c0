"""Write ``cases/digits/``: a 64-32-16-10 logistic classifier for sklearn's 8x8 digits and
a small labelled test set, the example of docs/accuracy.md.

The network is trained by ``benchmarks/bench_accuracy.py`` (``MLPClassifier``, logistic
hidden units, fixed seed, inputs scaled to [0, 1]); its weights are rounded to 4
decimals (exact decimals in the JSON file, so the file stays small), which changes the
decisions of no test point below.  ``test.npz`` holds the first 60 test points (arrays
``X`` float64 (60, 64) and ``y`` int (60,)).

    python cases/make_digits_case.py
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "benchmarks"))

from bench_accuracy import train_digits  # noqa: E402

from fepproof.network import Layer, Network, network_to_dict  # noqa: E402
from fepproof.simulate import forward  # noqa: E402

POINTS = 60


def rounded(net: Network, digits: int = 4) -> Network:
    def q(v: Fraction) -> Fraction:
        return Fraction(round(float(v), digits)).limit_denominator(10**digits)

    def layer(lay: Layer) -> Layer:
        return Layer(tuple(tuple(q(w) for w in row) for row in lay.weights),
                     tuple(q(b) for b in lay.bias))
    return Network(tuple(layer(l_) for l_ in net.layers), layer(net.output),
                   net.activation, net.input_domain, "digits-64-32-16-10")


def main() -> int:
    net, Xte, yte, acc = train_digits()
    small = rounded(net)
    X, y = Xte[:POINTS], yte[:POINTS].astype(np.int64)
    same = (forward(net, X)[1].argmax(1) == forward(small, X)[1].argmax(1)).all()
    assert same, "rounding the weights changed a decision"
    out = HERE / "digits"
    out.mkdir(exist_ok=True)
    (out / "digits.json").write_text(json.dumps(network_to_dict(small)) + "\n",
                                     encoding="utf-8")
    np.savez_compressed(out / "test.npz", X=X, y=y)
    print(f"wrote {out}/digits.json and test.npz ({POINTS} points; sklearn test accuracy "
          f"{acc:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
