"""``fepproof verify``: decide |F_neu(X) - F_fail(X)| <= B over the whole input box and
every failure set of the given per-layer sizes, and bracket the true worst case."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
from fractions import Fraction
from typing import TextIO

from ..bounds import fep, synapse_bound
from ..exact import fmt_decimal, fmt_exact
from ..failures import FailureError
from ..verdict import Status
from ..verify_api import VerifyProblem, VerifyResult
from .boxarg import add_input_box_arg, box_line, box_to_json, with_box
from .common import (
    CliError,
    add_epsilon_args,
    add_model_args,
    add_network_arg,
    add_output_arg,
    check_output,
    emit_json,
    epsilons,
    failures_from_args,
    flag_message,
    integer,
    load,
    model_from_args,
    number,
    seconds,
)

HELP = "verify a network: proved / refuted (with a replayed witness) / unknown"
DESCRIPTION = """\
Check the claim |F_neu(X) - F_fail(X)| <= B for every input X in the network's box and
every failure set with the given number of failed neurons per hidden layer.

B is the network's Fep (Theorem 2) unless --bound B or --epsilon/--epsilon-prime
(B = eps - eps') is given.  The z3 engine decides the claim over a sound piecewise-linear
relaxation of the sigmoid (certified envelopes, interval bounds, refinement at spurious
counterexamples) and narrows the true worst case to a bracket [lower, upper]: lower from
a witness replayed with the exact sigmoid, upper from UNSAT proofs.

  proved   the relaxation is UNSAT for |error| > B: a proof
  refuted  a concrete witness (input, failed neurons, sent values) breaks the claim
  unknown  timeout or resource limit (never reported as proved)

exit codes: 0 proved, 1 refuted, 3 unknown, 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("--failures", required=True, metavar="F1,F2,...",
                   help="failed neurons per hidden layer, e.g. 1,1")
    add_model_args(p)
    p.add_argument("--bound", metavar="B", help="the claimed bound (default: Fep)")
    add_epsilon_args(p)
    add_output_arg(p)
    add_input_box_arg(p)
    p.add_argument("--engine", choices=["auto", "numeric", "z3", "numeric-v1", "z3-v1"],
                   default="auto",
                   help="numeric (branch and bound over failures, input box and "
                        "pre-activations), z3 (the same with z3 deciding small leaves), "
                        "numeric-v1 / z3-v1 (the engines before issue 11, kept as "
                        "baselines) or auto (z3 for small networks, else numeric)")
    p.add_argument("--jobs", type=integer(1, 64), default=2, metavar="N",
                   help="worker processes for the branch-and-bound leaves (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="branch the leaves on this Dask cluster instead of local processes")
    p.add_argument("--tolerance", default="0.01", metavar="T",
                   help="narrow the bracket until upper - lower <= T * upper (default 0.01)")
    p.add_argument("--no-bracket", action="store_true",
                   help="only decide the claim; do not narrow the worst-case bracket")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                   help="wall-clock budget in seconds (default 60)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--witness-out", metavar="FILE",
                   help="write the witness (if any) as JSON for `fepproof replay`")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _engine(name: str, problem: VerifyProblem, jobs: int, scheduler: str | None = None):
    """The engine function and the name reported.  ``numeric``/``z3`` are the branch-and-
    bound engines of issue 11; ``numeric-v1``/``z3-v1`` the earlier ones (baselines)."""
    from ..smt import verify_z3
    try:
        numeric = importlib.import_module("fepproof.numeric")
        bab = importlib.import_module("fepproof.numeric.engine_bab")
        leaves = importlib.import_module("fepproof.smt.leaves")
    except ImportError:
        numeric = None
    if numeric is None:
        if name in ("auto", "z3", "z3-v1"):
            return verify_z3, "z3"
        raise CliError("--engine: the numeric engine (fepproof.numeric) is not available")
    opts = bab.BabOptions(jobs=jobs, scheduler=scheduler)
    if name == "auto":
        name = numeric.choose_engine(problem)
    if name == "numeric-v1":
        return numeric.verify_numeric, name
    if name == "z3-v1":
        return verify_z3, name
    if name == "z3":
        return (lambda p, prog: leaves.verify_z3_bab(p, prog, opts)), name
    return (lambda p, prog: bab.verify_bab(p, prog, opts)), "numeric"


def _text(res: VerifyResult, net_name: str, box_source: str = "default") -> str:
    from ..abbrev import abbreviate
    p = res.problem
    lines = [f"network   {net_name}: N = {list(p.net.widths)}, failures {list(p.failures)}, "
             f"{p.model.describe()}",
             f"box       {box_line(p.net, box_source)}",
             f"claim     |F_neu - F_fail| <= {fmt_exact(p.bound)}  ~ {fmt_decimal(p.bound)}",
             f"Fep       {fmt_exact(p.fep)}  ~ {fmt_decimal(p.fep)}",
             f"verdict   {res.verdict.value}" + (f" ({res.reason})" if res.reason else "")]
    if res.upper is not None:
        lo = "-" if res.lower is None else fmt_decimal(res.lower, 6)
        lines.append(f"worst     [{lo}, {fmt_decimal(res.upper, 6)}]"
                     + ("" if p.fep == 0 or res.lower is None else
                        f"  worst/Fep in [{float(res.lower / p.fep):.4g}, "
                        f"{float(res.upper / p.fep):.4g}]"))
    if res.witness is not None:
        w = res.witness
        lines.append("witness   x = " + abbreviate(w.input, lambda v: fmt_decimal(v, 8))
                     + (", failed synapses " + abbreviate([list(t) for t in w.synapses])
                        if w.synapses else
                        ", failed [" + ", ".join(abbreviate(r) for r in w.failed) + "]")
                     + ("" if w.values is None else
                        ", sent [" + ", ".join(abbreviate([float(v) for v in r])
                                               for r in w.values) + "]")
                     + f", error {fmt_decimal(res.witness_error or Fraction(0), 8)}")
    st = res.stats
    lines.append(f"engine    {res.engine}, {res.seconds:.2f} s"
                 + (f", {st.get('queries', 0)} z3 queries ({st.get('unsat', 0)} unsat, "
                    f"{st.get('sat', 0)} sat, {st.get('spurious', 0)} spurious)"
                    if "queries" in st else ""))
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net, box_source = with_box(load(args.network), args.network, args.input_box)
    model = model_from_args(args)
    output = check_output(net, args.output)
    f = failures_from_args(net, args.failures, model)
    if model.fails_synapses and args.engine in ("z3", "z3-v1"):
        raise CliError("--engine z3: the z3 engine encodes neuron failures only; "
                       "use --engine numeric or auto for --model synapse")
    try:
        fe = (synapse_bound(net, f, model, output).value if model.fails_synapses
              else fep(net, f, model, output).value)
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None
    eps = epsilons(args)
    if args.bound is not None and eps is not None:
        raise CliError("--bound: give either --bound or --epsilon/--epsilon-prime")
    bound = number(args.bound, "--bound") if args.bound is not None else (
        eps[0] - eps[1] if eps is not None else fe)
    if bound is None or bound < 0:
        raise CliError("--bound: must be >= 0")
    tol = number(args.tolerance, "--tolerance")
    if tol is None or not 0 < tol < 1:
        raise CliError("--tolerance: need 0 < T < 1")
    if not args.timeout > 0:
        raise CliError("--timeout: must be > 0")
    problem = VerifyProblem(net, f, model, bound, fe, tol, args.timeout, output,
                            bracket=not args.no_bracket)
    fn, name = _engine(args.engine, problem, args.jobs, args.scheduler)

    def progress(msg: str) -> None:
        if not args.quiet:
            err.write(f"fepproof verify: {msg}\n")
            err.flush()
    try:
        res = fn(problem, progress)
    except ValueError as exc:
        if str(exc).startswith("scheduler:"):
            raise CliError("--" + str(exc)) from None
        raise
    if res.engine != name:  # the v1 engines report "numeric" / "z3"
        res = dataclasses.replace(res, engine=name)
    if args.witness_out and res.witness is not None:
        from ..netio import atomic_write
        data = res.witness.to_json()
        data["error"] = None if res.witness_error is None else float(res.witness_error)
        text = json.dumps(data, indent=2) + "\n"
        try:
            atomic_write(args.witness_out, lambda tmp: tmp.write_text(text))
        except OSError as exc:
            raise CliError(f"--witness-out: cannot write {args.witness_out}: "
                           f"{exc.strerror}") from None
    if args.json:
        emit_json({**res.to_json(), "input_box": box_to_json(net, box_source)}, out)
    else:
        out.write(_text(res, net.name, box_source))
    return {Status.PROVED: 0, Status.REFUTED: 1}.get(res.verdict, 3)
