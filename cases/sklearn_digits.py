"""Train a small logistic MLP on scikit-learn's digits and export it to ONNX.

    python cases/sklearn_digits.py digits.onnx [test.npz]

The 8x8 digits (``sklearn.datasets.load_digits``) scaled to [0, 1], an
``MLPClassifier(hidden_layer_sizes=(32, 16), activation="logistic")``, exported with
skl2onnx (``zipmap=False``).  Prints the test accuracy.  With a second path, also writes
the first 100 test points there (``X``, ``y``: the data set ``fepproof accuracy`` reads).
Needs the ``sklearn`` extra.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import skl2onnx
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier


def main(path: str, data: str | None = None) -> None:
    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixel values 0..16 -> [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32, 16), activation="logistic",
                        max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        clf.fit(X_train, y_train)
    onx = skl2onnx.to_onnx(clf, X[:1].astype(np.float32),
                           options={id(clf): {"zipmap": False}})
    with open(path, "wb") as fh:
        fh.write(onx.SerializeToString())
    print(f"test accuracy {clf.score(X_test, y_test):.2f}, wrote {path}")
    if data is not None:
        np.savez(data, X=X_test[:100], y=y_test[:100])
        print(f"wrote {data} (100 test points)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "digits.onnx",
         sys.argv[2] if len(sys.argv) > 2 else None)
