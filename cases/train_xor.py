"""Train the XOR case (2-2-1: sigmoid hidden layer, linear output node) with numpy.

Deterministic (fixed seed); weights are rounded to 4 decimals and written as exact
decimal strings, so the shipped network is exactly what this script prints.
Run:  python cases/train_xor.py  (rewrites cases/xor.json)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
T = np.array([0, 1, 1, 0], dtype=float)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def train(seed: int = 3, steps: int = 20000, lr: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 2, (2, 2))
    b1 = rng.normal(0, 1, 2)
    w2 = rng.normal(0, 1, 2)
    b2 = 0.0
    for _ in range(steps):
        h = sigmoid(X @ W1.T + b1)
        y = h @ w2 + b2
        g = 2 * (y - T) / len(T)  # d(mse)/dy
        gw2, gb2 = h.T @ g, g.sum()
        gh = np.outer(g, w2) * h * (1 - h)
        gW1, gb1 = gh.T @ X, gh.sum(axis=0)
        W1 -= lr * gW1
        b1 -= lr * gb1
        w2 -= lr * gw2
        b2 -= lr * gb2
    return {"W1": W1, "b1": b1, "w2": w2, "b2": np.array(b2)}


def to_case(p: dict[str, np.ndarray]) -> dict[str, object]:
    r = lambda a: [f"{v:.4f}" for v in np.atleast_1d(a)]  # noqa: E731
    return {
        "format": "fepproof-network/1",
        "name": "xor",
        "activation": {"name": "sigmoid", "K": "1/4"},
        "input_domain": [[0, 1], [0, 1]],
        "layers": [{"weights": [r(row) for row in p["W1"]], "bias": r(p["b1"])}],
        "output": {"weights": r(p["w2"]), "bias": r(p["b2"])[0]},
    }


if __name__ == "__main__":
    params = train()
    case = to_case(params)
    h = sigmoid(X @ params["W1"].T + params["b1"])
    pred = h @ params["w2"] + params["b2"]
    print("predictions on (0,0), (0,1), (1,0), (1,1):", np.round(pred, 4))
    out = Path(__file__).with_name("xor.json")
    out.write_text(json.dumps(case, indent=1) + "\n")
    print(f"wrote {out}")
