"""Import of exporter-written ONNX: seconds to read and max |difference| to the source.

    nice python benchmarks/bench_import.py

For scikit-learn (skl2onnx) logistic/tanh MLPClassifier (3 classes, zipmap) and
MLPRegressor with 1, 2, 3 hidden layers, and torch (TorchScript and dynamo exporters) with
Flatten and a final Sigmoid: train briefly, export, time ``load_network`` and compare
fepproof's forward pass with the source model on 1000 random inputs (classifiers:
sklearn's logits from ``coefs_``/``intercepts_``; torch: the module in float64, after the
output activation).  ok: max |diff| <= 1e-6.  Needs the ``sklearn`` and ``torch`` extras.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fepproof.netio import load_network  # noqa: E402
from fepproof.simulate import forward  # noqa: E402
from tests.test_onnx_exporters import _sk_logits  # noqa: E402  (sklearn's forward pass)

TOL = 1e-6




def sklearn_rows(tmp: Path):
    import skl2onnx
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.random((300, 8))
    y = np.minimum((X[:, 0] + X[:, 1]) * 1.5, 2).astype(int)
    T = rng.random((1000, 8))
    for kind in ("classifier", "regressor"):
        for act in ("logistic", "tanh"):
            for hidden in ((16,), (16, 8), (16, 8, 8)):
                cls = MLPClassifier if kind == "classifier" else MLPRegressor
                model = cls(hidden_layer_sizes=hidden, activation=act, max_iter=50,
                            random_state=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X, y if kind == "classifier" else X[:, 0] - X[:, 1])
                path = tmp / f"sk_{kind}_{act}_{len(hidden)}.onnx"
                path.write_bytes(skl2onnx.to_onnx(model, X[:1].astype(np.float32))
                                 .SerializeToString())
                t0 = time.perf_counter()
                net = load_network(path)
                secs = time.perf_counter() - t0
                out = forward(net, T)[1]
                ref = _sk_logits(model, T) if kind == "classifier" else \
                    model.predict(T)[:, None]
                yield (f"sklearn {act} {kind}", len(hidden), secs,
                       float(np.abs(out - ref).max()))


def torch_rows(tmp: Path):
    import torch
    from torch import nn

    torch.manual_seed(0)
    T = np.random.default_rng(1).random((1000, 4, 4))
    for act_name, act in (("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh)):
        for dynamo in (False, True):
            model = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), act(), nn.Linear(12, 8),
                                  act(), nn.Linear(8, 1), nn.Sigmoid())
            path = tmp / f"torch_{act_name}_{dynamo}" / "model.onnx"
            path.parent.mkdir()
            x = torch.rand(2, 4, 4)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if dynamo:
                    torch.onnx.export(model, (x,), str(path), dynamo=True, verbose=False,
                                      external_data=True,
                                      dynamic_shapes=({0: torch.export.Dim("N")},))
                else:
                    torch.onnx.export(model, (x,), str(path), dynamo=False,
                                      input_names=["x"], dynamic_axes={"x": {0: "N"}})
            t0 = time.perf_counter()
            net = load_network(path)
            secs = time.perf_counter() - t0
            out = net.output_activation.float_fn(forward(net, T.reshape(1000, 16))[1])
            with torch.no_grad():
                ref = model.double()(torch.tensor(T)).numpy()
            exporter = "dynamo" if dynamo else "torchscript"
            yield (f"torch {exporter} {act_name}+Sigmoid", 2, secs,
                   float(np.abs(out - ref).max()))


def main() -> None:
    print(f"{'source':<34} {'layers':>6} {'import s':>9} {'max |diff|':>11}  ok")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in (sklearn_rows, torch_rows):
            try:
                for source, layers, secs, diff in rows(Path(tmp)):
                    print(f"{source:<34} {layers:>6} {secs:>9.3f} {diff:>11.2e}  "
                          f"{'yes' if diff <= TOL else 'NO'}", flush=True)
            except ImportError as exc:
                print(f"{rows.__name__}: skipped ({exc.name} not installed)")


if __name__ == "__main__":
    main()
