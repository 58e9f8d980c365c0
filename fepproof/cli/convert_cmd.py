"""``fepproof convert IN OUT``: between network formats (.json, .npz, .onnx, .net)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TextIO

from ..exact import fmt_exact
from ..netio import load_network, save_network
from ..network import NetworkError
from .common import CliError

HELP = "convert a network between .json, .npz, .onnx and StaticNet .net"
DESCRIPTION = """\
Convert a network between formats, chosen by file suffix:

  .json  fepproof-network/1, exact rationals (any network)
  .npz   numpy archive with exact strings beside float64 arrays (any network)
  .onnx  MLP: Gemm [+ Mul by the slope] + Sigmoid or Tanh per hidden layer, Gemm output
         node [+ Sigmoid or Tanh: the output activation]; weights as float32 (when all
         are float32) or float64; refused if a weight is not a binary float (e.g. 1/3).
         Reading accepts what exporters write (Gemm in any form or MatMul + Add; Cast,
         Identity, Flatten, Reshape, Squeeze, Unsqueeze keeping batch x features) and
         strips a classifier's post-processing (Softmax, ArgMax, ZipMap, ...), with a
         note.
  .net   StaticNet: raw little-endian float32, no header, sizes like 784-98-10 given by
         --sizes or read from a name like 784-98-10_epoch-1078_0.net. Every StaticNet
         layer is a sigmoid hidden layer (K = 1/4) and the output node is the identity on
         the last layer (one output per class). Writing needs exactly that shape, float32
         weights and the input box [0, 1]^d.

Every weight is carried exactly; a lossy write is refused with an error naming the value.

exit codes: 0 ok, 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="IN", help="network file to read")
    p.add_argument("output_file", metavar="OUT", help="network file to write")
    p.add_argument("--sizes", metavar="SIZES",
                   help="StaticNet layer sizes for a .net input, e.g. 784-98-10")
    p.add_argument("--name", help="set the network's name in the written file")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = {}
    if args.sizes:
        if not args.input.lower().endswith(".net"):
            raise CliError("--sizes: only for StaticNet .net input")
        options["sizes"] = args.sizes
    try:
        notes: list[str] = []
        net = load_network(args.input, notes=notes, **options)
        for text in notes:
            err.write(f"fepproof convert: note: {args.input}: {text}\n")
        if args.name:
            net = replace(net, name=args.name)
        save_network(net, args.output_file)
    except NetworkError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"file: {exc.filename}: {exc.strerror}") from None
    n_weights = sum(len(r) for layer in (*net.layers, net.output) for r in layer.weights)
    out.write(f"wrote {args.output_file}: {net.name}, d = {net.input_dim}, "
              f"N = {list(net.widths)}, outputs = {net.n_outputs}, K = {fmt_exact(net.K)}, "
              f"{n_weights} weights\n")
    return 0
