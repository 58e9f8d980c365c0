"""``fepproof frontier``: the maximal tolerated failure distributions (Theorem 3)."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..exact import fmt_decimal
from ..failures import FailureError
from ..frontier import frontier
from .common import (
    CliError,
    add_epsilon_args,
    add_model_args,
    add_network_arg,
    add_output_arg,
    check_output,
    emit_json,
    epsilons,
    flag_message,
    integer,
    load,
    model_from_args,
)

HELP = "maximal tolerated failure distributions (Theorem 3)"
DESCRIPTION = """\
List the maximal per-layer failure distributions (f_1, ..., f_L), 0 <= f_l < N_l, that
satisfy Theorem 3's condition Fep <= eps - eps'.

Readings (the output names the one used):
  default     exactly f_l failures per layer (Definition 3). Fep is not monotone, so a
              listed distribution may dominate distributions that are NOT tolerated.
  --at-most   at most f_l failures per layer: every g <= f must satisfy the condition.
              This is the reading behind "the network tolerates up to f_l failures".

The search assembles the frontier layer by layer with exact box minima of Fep; it does
not enumerate distributions.

exit codes: 0 ok, 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    add_epsilon_args(p, required=True)
    p.add_argument("--at-most", action="store_true",
                   help="use the 'at most f_l per layer' reading")
    add_model_args(p, synapse=False)
    add_output_arg(p)
    p.add_argument("--limit", type=integer(1, 10**7), default=10_000,
                   help="report at most this many distributions (default 10000)")
    p.add_argument("--replicate-for", metavar="F1,...,FL",
                   help="also give the smallest replication factors (Corollary 1) making "
                        "this distribution tolerated (counts may exceed N_l)")
    p.add_argument("--max-factor", type=integer(1, 100_000), default=100, metavar="R",
                   help="--replicate-for: largest factor per layer (default 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net = load(args.network)
    model = model_from_args(args)
    output = check_output(net, args.output)
    eps = epsilons(args)
    assert eps is not None
    try:
        fr = frontier(net, *eps, model=model, reading="at_most" if args.at_most else "exactly",
                      limit=args.limit, output=output)
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None
    note: list[str] = []
    extra: dict = {}
    if args.replicate_for is not None:
        from ..failures import parse_failures
        from .replication_note import replication_note
        if not 1 <= args.max_factor <= 100_000:
            raise CliError(f"--max-factor: need 1 <= R <= 100000, got {args.max_factor}")
        try:
            target = parse_failures(args.replicate_for, "--replicate-for")
        except FailureError as exc:
            raise CliError(flag_message(exc)) from None
        if len(target) != net.depth:
            raise CliError(f"--replicate-for: expected {net.depth} values, one per hidden "
                           f"layer, got {len(target)}")
        note, extra["replication"] = replication_note(net, target, model, fr.budget,
                                                      fr.reading, output, args.max_factor)
        extra["replication"]["target"] = list(target)
    if args.json:
        emit_json({"network": net.name, "widths": list(net.widths), **fr.to_json(), **extra},
                  out)
        return 0
    label = ("at most f_l failures per layer" if fr.reading == "at_most"
             else "exactly f_l failures per layer (Definition 3)")
    out.write(f"network {net.name}: N = {list(net.widths)}; model {model.describe()}\n")
    out.write(f"reading: {label}; budget eps - eps' = {fmt_decimal(fr.budget)}\n")
    out.write(f"{len(fr.points)} maximal tolerated distribution(s)"
              + (f" (truncated at --limit {fr.limit})" if fr.truncated else "") + ":\n")
    for p in fr.points:
        out.write("  " + ",".join(str(v) for v in p) + "\n")
    if not fr.points:
        out.write("  (none: not even the failure-free distribution fits the budget)\n")
    for line in note:
        out.write(f"{args.replicate_for}: {line}\n")
    return 0
