"""``fepproof replay``: re-evaluate a witness with the exact sigmoid in high precision."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

import mpmath

from ..failures import FailureError, FailureKind, FailureModel, parse_failures
from ..replay import replay
from ..verdict import Witness
from .common import (
    CliError,
    add_model_args,
    add_network_arg,
    emit_json,
    flag_message,
    load,
    model_from_args,
    number,
)

HELP = "re-evaluate a witness (input, failed neurons, sent values) in high precision"
DESCRIPTION = """\
Replay one failure scenario with the exact sigmoid (mpmath, 50 digits by default) and
print |F_neu(X) - F_fail(X)|.  WITNESS.json is a bare witness or the whole output of
`fepproof verify --json`.  With a failure model (or the model recorded in the verify
output) it also checks the witness obeys it; with --bound it says whether the error
exceeds that bound.

Nothing in the witness is trusted: before it is evaluated, every index must be in
range, no neuron or synapse may be listed twice, the per-layer counts must equal the
claim a verify output records (its `failures`), sent values and synapse deltas must
line up with the failures and lie where the model allows; otherwise one line naming the
field and exit 2.  Conditions that depend on the nominal values (a Byzantine value within
C of the nominal output) are checked during the replay and reported as VIOLATED.

exit codes: 0 replayed (and, with --bound, error > bound), 1 error <= bound or the
witness breaks the model, 2 usage or input error (including a witness that does not fit
the network or the model)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("witness", metavar="WITNESS.json", help="witness or verify --json output")
    add_model_args(p)
    p.add_argument("--bound", metavar="B", help="compare the error against B")
    p.add_argument("--dps", type=int, default=50, help="decimal digits (>= 40; default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _model(args: argparse.Namespace, data: object) -> FailureModel:
    """The model given by flags, else the one a ``verify --json`` output records."""
    flags_given = (args.model != FailureKind.CRASH or args.capacity is not None
                   or args.stuck_value is not None)
    if flags_given or not isinstance(data, dict) or "model" not in data:
        return model_from_args(args)
    try:
        return FailureModel.from_json(data)
    except FailureError as exc:
        raise CliError(f"{args.witness}: recorded model: {exc}") from None


def _claim(data: object) -> tuple[int, ...] | None:
    """The per-layer failure counts a ``verify --json`` output claims (None: no claim)."""
    if not isinstance(data, dict) or "failures" not in data:
        return None
    try:
        return parse_failures(data["failures"], "failures")
    except (FailureError, TypeError, ValueError):
        raise CliError(f"failures: expected a list of per-layer counts, "
                       f"got {data['failures']!r}"[:200]) from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net = load(args.network)
    try:
        with open(args.witness, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise CliError(f"file: cannot read {args.witness}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise CliError(f"{args.witness}: not JSON ({exc.msg} at line {exc.lineno})") from None
    model = _model(args, data)
    if args.dps < 40:
        raise CliError("--dps: need at least 40 digits")
    claim = _claim(data)
    try:
        w = Witness.from_json(data)
        r = replay(net, w, model, dps=args.dps, failures=claim)
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    bound = number(args.bound, "--bound")
    result = {"network": net.name, **model.to_json(), **r.to_json()}
    code = 0 if r.valid else 1
    if bound is not None:
        result["bound"] = args.bound
        result["exceeds_bound"] = bool(r.error > mpmath.mpf(bound.numerator) / bound.denominator)
        if not result["exceeds_bound"]:
            code = 1
    if args.json:
        emit_json(result, out)
    else:
        out.write(f"error     {mpmath.nstr(r.error, 20)}\n")
        out.write(f"nominal   {[mpmath.nstr(v, 15) for v in r.nominal]}\n")
        out.write(f"failed    {[mpmath.nstr(v, 15) for v in r.failed]}\n")
        out.write(f"model     {model.describe()}: "
                  + ("witness obeys it" if r.valid else "VIOLATED: " + "; ".join(r.problems))
                  + "\n")
        if bound is not None:
            out.write(f"bound     {args.bound}: error "
                      f"{'>' if result['exceeds_bound'] else '<='} bound\n")
    return code
