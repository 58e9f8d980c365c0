"""Train a tiny tanh network in torch on the XOR of two inputs and export it to ONNX.

    python cases/torch_tiny.py tiny.onnx [xor.npz]

``nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1),
nn.Sigmoid())`` trained on the four corners of [0, 1]^2, exported with the TorchScript
exporter (``dynamo=False``; pass ``--dynamo`` for the newer one).  The final Sigmoid
becomes fepproof's output activation.  With a second path, also writes the four corners
and their labels there (the data set ``fepproof accuracy`` reads).  Needs the ``torch``
extra.
"""

from __future__ import annotations

import sys
import warnings

import torch
from torch import nn


def main(path: str, dynamo: bool = False, data: str | None = None) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(),
                          nn.Linear(4, 1), nn.Sigmoid())
    X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(500):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy(model(X), y)
        loss.backward()
        opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, (X,), path, dynamo=True, verbose=False,
                              dynamic_shapes=({0: torch.export.Dim("N")},))
        else:
            torch.onnx.export(model, (X,), path, dynamo=False, input_names=["x"],
                              output_names=["p"], dynamic_axes={"x": {0: "N"}})
    out = model(X).detach().squeeze(1)
    print(f"loss {loss.item():.3f}, outputs {[round(v, 2) for v in out.tolist()]}, "
          f"wrote {path}")
    if data is not None:
        import numpy as np
        np.savez(data, X=X.numpy().astype(np.float64), y=y.squeeze(1).numpy().astype(int))
        print(f"wrote {data}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--dynamo"]
    main(args[0] if args else "tiny.onnx", "--dynamo" in sys.argv[1:],
         args[1] if len(args) > 1 else None)
