"""Write an ONNX model fepproof refuses: an MLP with a ReLU, which the paper's model lacks.

    python cases/relu_onnx.py relu.onnx      # the example in docs/interop.md

The graph is Gemm 'l1.gemm' -> Relu 'act1' -> Gemm 'out.gemm' (2 inputs, 2 hidden
neurons, 1 output, float32); ``fepproof convert relu.onnx relu.json`` names node 1, the
Relu, as an unsupported op.  Needs the ``interop`` extra (onnx).
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def relu_model() -> onnx.ModelProto:
    inits = [numpy_helper.from_array(np.array(a, dtype=np.float32), name) for name, a in (
        ("l1.W", [[1.0, -1.0], [0.5, 0.25]]), ("l1.b", [0.0, 0.5]),
        ("out.W", [[1.0, 1.0]]), ("out.b", [0.0]))]
    nodes = [helper.make_node("Gemm", ["x", "l1.W", "l1.b"], ["s1"], name="l1.gemm", transB=1),
             helper.make_node("Relu", ["s1"], ["h1"], name="act1"),
             helper.make_node("Gemm", ["h1", "out.W", "out.b"], ["y"], name="out.gemm",
                              transB=1)]
    graph = helper.make_graph(
        nodes, "relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python cases/relu_onnx.py OUT.onnx", file=sys.stderr)
        return 2
    model = relu_model()
    onnx.checker.check_model(model)
    onnx.save(model, argv[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
