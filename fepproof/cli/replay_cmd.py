"""``fepproof replay``: re-evaluate a witness with the exact sigmoid in high precision."""

from __future__ import annotations

import argparse
from typing import TextIO

import mpmath

from ..netio import read_json_exact
from ..network import NetworkError
from ..replay import replay
from ..verdict import Witness
from .common import (
    CliError,
    add_model_args,
    add_network_arg,
    emit_json,
    integer,
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

exit codes: 0 replayed (and, with --bound, error > bound), 1 error <= bound or the
witness breaks the model, 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("witness", metavar="WITNESS.json", help="witness or verify --json output")
    add_model_args(p)
    p.add_argument("--bound", metavar="B", help="compare the error against B")
    p.add_argument("--dps", type=integer(1, 10_000), default=50,
                   help="decimal digits (>= 40; default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net = load(args.network)
    try:  # bounded size, depth and integer literals (issue 10)
        data = read_json_exact(args.witness, "witness", exact=False)
    except NetworkError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"file: cannot read {args.witness}: {exc.strerror}") from None
    if isinstance(data, dict) and "model" in data and args.model == "crash" \
            and args.capacity is None:
        args.model = data["model"]
        args.capacity = data.get("capacity")
        args.capacity_reading = data.get("capacity_reading", "deviation")
    model = model_from_args(args)
    if args.dps < 40:
        raise CliError("--dps: need at least 40 digits")
    try:
        w = Witness.from_json(data)
        r = replay(net, w, model, dps=args.dps)
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
