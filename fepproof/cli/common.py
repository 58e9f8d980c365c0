"""Shared CLI plumbing: loading networks, the failure-model flags, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TextIO

from ..exact import ExactError, to_fraction
from ..failures import (
    PARAMETER_FLAGS,
    CapacityReading,
    FailureError,
    FailureKind,
    FailureModel,
    check_failures,
    parse_failures,
)
from ..netio import load_network
from ..network import Network, NetworkError

__all__ = ["CliError", "add_network_arg", "add_model_args", "model_from_args", "load",
           "number", "failures_from_args", "add_epsilon_args", "epsilons", "emit_json",
           "add_output_arg", "failure_counts", "integer", "seconds", "MAX_SECONDS",
           "INSTALL_INTEROP"]

INSTALL_INTEROP = "from a fepproof source checkout: pip install -e '.[interop]'"
"""How to get the ``interop`` extra (onnx, matplotlib, dask) for error messages: fepproof
is not published on a package index, so ``pip install 'fepproof[interop]'`` finds nothing."""

MAX_SECONDS = 1_000_000
"""Largest accepted time budget (about 11.6 days): larger values only overflow timers."""

_INT = re.compile(r"^[+-]?[0-9]{1,18}$")
_FLOAT = re.compile(r"^[+-]?([0-9]{1,12}(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$")


def integer(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type`` reading an integer in [lo, hi] written in ASCII digits.

    ``int()`` alone accepts "１" (fullwidth) and "1_000"; argparse turns the
    ArgumentTypeError into one line naming the flag, exit 2.
    """
    def parse(text: str) -> int:
        t = text.strip()
        if not _INT.match(t):
            raise argparse.ArgumentTypeError(
                f"expected an integer in ASCII digits, got {text[:40]!r}")
        value = int(t)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def seconds(text: str) -> float:
    """An argparse ``type`` for a time budget: a finite decimal in (0, MAX_SECONDS]."""
    t = text.strip()
    if not _FLOAT.match(t):
        raise argparse.ArgumentTypeError(f"expected seconds as a decimal number, "
                                         f"got {text[:40]!r}")
    value = float(t)
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise argparse.ArgumentTypeError(f"must be > 0 and <= {MAX_SECONDS} seconds, "
                                         f"got {text[:40]}")
    return value


class CliError(Exception):
    """A usage or input error: printed as one line, exit code 2."""


def add_network_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("network", metavar="NET",
                   help="network file: fepproof-network/1 JSON (.json), .npz, ONNX MLP (.onnx) "
                        "or StaticNet (.net, sizes read from a name like 784-98-10_*.net)")


def add_output_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", type=integer(0, 10**6), default=None, metavar="K",
                   help="for networks with several outputs: bound output K (0-based); "
                        "default: the maximum error over all outputs")


def add_model_args(p: argparse.ArgumentParser, synapse: bool = True) -> None:
    kinds = [k.value for k in FailureKind if synapse or k is not FailureKind.SYNAPSE]
    p.add_argument("--model", choices=kinds, default=FailureKind.CRASH.value,
                   help="failure model: crash (failed neurons send 0; Definition 2), "
                        "byzantine (arbitrary values within capacity C; Assumption 1), "
                        "stuck-at (failed neurons send a fixed value V)"
                        + (", synapse (Byzantine synapses; Lemma 2, Theorem 4)" if synapse
                           else "") + ". Default: crash")
    p.add_argument("--capacity", metavar="C", default=None,
                   help="transmission capacity C for byzantine/synapse (exact: 2, 0.5, 1/3)")
    p.add_argument("--capacity-reading", choices=[r.value for r in CapacityReading],
                   default=CapacityReading.DEVIATION.value,
                   help="deviation: |sent - nominal| <= C (the paper's proofs; default); "
                        "value: |sent| <= C (Assumption 1 literally; deviation up to C + 1)")
    p.add_argument("--stuck-value", metavar="V", default=None,
                   help="stuck-at: the value V in [0, 1] a failed neuron sends (default 1)")


def add_epsilon_args(p: argparse.ArgumentParser, required: bool = False) -> None:
    p.add_argument("--epsilon", metavar="E", required=required,
                   help="required accuracy eps (Definition 1)")
    p.add_argument("--epsilon-prime", metavar="E2", required=required,
                   help="achieved accuracy eps' (0 < eps' <= eps); the failure budget is "
                        "eps - eps'")


def number(text: str | None, field: str) -> Fraction | None:
    if text is None:
        return None
    try:
        return to_fraction(text, field)
    except ExactError as exc:
        raise CliError(str(exc)) from None


def model_from_args(args: argparse.Namespace) -> FailureModel:
    try:
        return FailureModel(args.model, number(args.capacity, "--capacity"),
                            args.capacity_reading,
                            number(getattr(args, "stuck_value", None), "--stuck-value"))
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None


def flag_message(exc: FailureError) -> str:
    """A library error (naming a Python parameter) reworded with the CLI flag's name."""
    text = str(exc)
    field = exc.field
    if field in PARAMETER_FLAGS and text.startswith(field + ":"):
        return PARAMETER_FLAGS[field] + text[len(field):]
    return text


def load(path: str, **options: Any) -> Network:
    """Load a network; a reader's notes (an ONNX classifier's stripped post-processing)
    go to stderr, one line each."""
    notes: list[str] = []
    try:
        net = load_network(path, notes=notes, **options)
    except NetworkError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"file: cannot read {path}: {exc.strerror}") from None
    for text in notes:
        print(f"fepproof: note: {path}: {text}", file=sys.stderr)
    return net


_COUNTS = re.compile(r"^\s*-?[0-9]{1,18}(\s*,\s*-?[0-9]{1,18})*\s*$")


def failure_counts(text: str, field: str = "--failures") -> tuple[int, ...]:
    """Per-layer failure counts ``1,0,2`` in ASCII digits (``int()`` alone would take "１")."""
    if not _COUNTS.match(text):
        raise CliError(f"{field}: expected comma-separated integers in ASCII digits like "
                       f"1,0,2, got {text[:40]!r}")
    try:
        return parse_failures(text, field)
    except FailureError as exc:
        raise CliError(str(exc)) from None


def failures_from_args(net: Network, text: str, model: FailureModel) -> tuple[int, ...]:
    counts = failure_counts(text)
    try:
        return check_failures(net, counts, model)
    except FailureError as exc:
        raise CliError(str(exc)) from None


def epsilons(args: argparse.Namespace) -> tuple[Fraction, Fraction] | None:
    eps = number(args.epsilon, "--epsilon")
    epsp = number(args.epsilon_prime, "--epsilon-prime")
    if (eps is None) != (epsp is None):
        raise CliError("--epsilon and --epsilon-prime go together")
    if eps is None or epsp is None:
        return None
    if not 0 < epsp <= eps:
        raise CliError(f"--epsilon-prime: need 0 < eps' <= eps, got eps = {args.epsilon}, "
                       f"eps' = {args.epsilon_prime}")
    return eps, epsp


def emit_json(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, indent=2) + "\n")


def check_output(net: Network, k: int | None) -> int | None:
    if k is not None and not 0 <= k < net.n_outputs:
        raise CliError(f"--output: the network has {net.n_outputs} output(s); got {k}")
    return k
