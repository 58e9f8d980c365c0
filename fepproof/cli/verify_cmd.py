"""``fepproof verify``: decide |F_neu(X) - F_fail(X)| <= B over the whole input box and
every failure set of the given per-layer sizes, and bracket the true worst case."""

from __future__ import annotations

import argparse
import dataclasses
import json
from fractions import Fraction
from typing import TextIO

from ..bounds import fep, synapse_bound
from ..exact import fmt_decimal, fmt_exact
from ..failures import FailureError
from ..sigmoid_form import sigmoid_model
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
                        "numeric-v1 / z3-v1 (the earlier engines, kept as "
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
    p.add_argument("--output-side", choices=["linear", "activated"], default="linear",
                   help="linear (default): the claim is on the output node's linear value, "
                        "before a final sigmoid/tanh the network may have (a classifier's "
                        "logits); activated: after it, proved from the linear claim B / K_o "
                        "(the activation is K_o-Lipschitz)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--witness-out", metavar="FILE",
                   help="write the witness (if any) as JSON for `fepproof replay`")
    p.add_argument("--certificate", metavar="FILE",
                   help="for a proved claim, write a proof certificate (gzip JSON) that "
                        "`fepproof check-certificate NET FILE` re-validates independently of "
                        "the engines (engines numeric, z3 and auto; not for synapse "
                        "failures)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


V1_ENGINES = ("numeric-v1", "z3-v1")


def _engine(name: str, problem: VerifyProblem, jobs: int, scheduler: str | None = None):
    """The engine function and the name reported.  ``numeric``/``z3`` are the branch-and-
    bound engines; ``numeric-v1``/``z3-v1`` the earlier ones (baselines).  Only the modules
    of the engine that runs are imported (z3 only for a z3 engine)."""
    from .. import run_verify
    try:
        name = run_verify.engine_for(problem, name)
    except ValueError as exc:
        raise CliError("--" + str(exc)) from None
    wrap = run_verify.in_sigmoid_form  # tanh networks run on their exact sigmoid form
    if name == "numeric-v1":
        from ..numeric import verify_numeric
        return wrap(verify_numeric), name
    if name == "z3-v1":
        from ..smt import verify_z3
        return wrap(verify_z3), name
    from ..numeric.bab import BabOptions
    opts = BabOptions(jobs=jobs, scheduler=scheduler)
    if name == "z3":
        from ..smt.leaves import verify_z3_bab
        return wrap(lambda p, prog: verify_z3_bab(p, prog, opts)), name
    from ..numeric.engine_bab import verify_bab
    return wrap(lambda p, prog: verify_bab(p, prog, opts)), "numeric"


_STOPS = {"tolerance": "narrowed the bracket to the tolerance",
          "absolute tolerance": "narrowed the bracket to the absolute tolerance",
          "claim decided": "decided the claim",
          "exhausted": "closed every leaf",
          "no split left": "closed every leaf that could be split",
          "timeout": "used the whole time budget",
          "bound limit": "reached the bound limit"}


def no_query_reason(stats: dict) -> str | None:
    """Why a z3 engine ran without a single z3 query (None when it made queries or is no
    z3 engine)."""
    if "queries" not in stats or stats.get("queries"):
        return None
    if "hook_calls" in stats:  # branch and bound with z3 on the leaves
        stop = _STOPS.get(str(stats.get("stop")), f"stopped ({stats.get('stop')})")
        if not stats["hook_calls"]:
            return (f"no z3 query: interval bounds and replayed witnesses {stop} before "
                    f"any leaf reached z3")
        n = stats["hook_calls"]
        return (f"no z3 query: interval bounds and replayed witnesses {stop}; z3 was "
                f"offered {n} lea{'f' if n == 1 else 'ves'} and needed no query (z3 takes "
                f"a leaf only with one failure set and an interval bound above the target)")
    return ("no z3 query: interval bounds and the seeded witnesses settled every item "
            "before z3 was needed")


def ran_on(name: str, jobs: int, scheduler: str | None,
           stats: dict | None = None) -> dict[str, object]:
    """Where the run's work was done, for the text and JSON output: ``where`` is
    ``local`` or ``dask``; with Dask, ``note`` says what stayed in this process."""
    if name in V1_ENGINES:
        return {"where": "local", "processes": 1, "scheduler": None, "note": None}
    if not scheduler:
        return {"where": "local", "processes": jobs, "scheduler": None, "note": None}
    stats = stats or {}
    if stats.get("rounds", 1) == 0:
        note = "the run ended at the root bound: no leaf was sent to the cluster"
    else:
        note = ("leaf groups bounded there; the attacks"
                + (", the z3 queries" if name == "z3" else "")
                + " and rounds with a single leaf group ran in this process")
    return {"where": "dask", "processes": None, "scheduler": scheduler, "note": note}


def ran_on_text(where: dict[str, object]) -> str:
    """``Dask cluster at ADDR (...)`` / ``locally, up to N worker processes``."""
    if where["where"] == "dask":
        return f"on the Dask cluster at {where['scheduler']} ({where['note']})"
    n = where["processes"]
    return "locally, 1 process" if n == 1 else f"locally, up to {n} worker processes"


def _lhs(res: VerifyResult) -> str:
    if res.stats.get("output_side") == "activated":
        return "|psi(F_neu) - psi(F_fail)| (after the output activation psi)"
    return "|F_neu - F_fail|"


def _text(res: VerifyResult, net_name: str, box_source: str = "default",
          where: dict[str, object] | None = None) -> str:
    from ..abbrev import abbreviate
    p = res.problem
    lines = [f"network   {net_name}: N = {list(p.net.widths)}, failures {list(p.failures)}, "
             f"{p.model.describe(p.net.activation.name)}",
             f"box       {box_line(p.net, box_source)}",
             f"claim     {_lhs(res)} <= {fmt_exact(p.bound)}  ~ {fmt_decimal(p.bound)}",
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
    queries = st.get("queries", 0)
    lines.append(f"engine    {res.engine}, {res.seconds:.2f} s"
                 + ("" if where is None else f", {ran_on_text(where)}")
                 + (f", {queries} z3 queries ({st.get('unsat', 0)} unsat, {st.get('sat', 0)} "
                    f"sat, {st.get('spurious', 0)} spurious)" if queries else
                    ", 0 z3 queries" if "queries" in st else ""))
    why = no_query_reason(st)
    if why:
        lines.append(f"          {why}")
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
        sigmoid_model(net, model)  # the engines' form of a tanh network: refuse what it lacks
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
    activated = args.output_side == "activated"
    claimed = bound
    if activated:
        from ..output_side import OutputSideError, linear_bound
        try:
            bound = linear_bound(net, bound)
        except OutputSideError as exc:
            raise CliError("--" + str(exc)) from None
    elif net.output_activation is not None and not args.quiet:
        err.write(f"fepproof verify: note: the claim is on the linear output, before the "
                  f"output activation {net.output_activation.name}; --output-side "
                  f"activated makes it after\n")
    problem = VerifyProblem(net, f, model, bound, fe, tol, args.timeout, output,
                            bracket=not args.no_bracket)
    fn, name = _engine(args.engine, problem, args.jobs, args.scheduler)
    if args.scheduler and name in V1_ENGINES:
        raise CliError(f"--scheduler: the {name} engine runs in this process only; use "
                       f"--engine numeric, z3 or auto with a Dask cluster")
    if args.witness_out:
        _check_writable(args.witness_out)
    if args.certificate:
        _check_writable(args.certificate, "--certificate")
        if name in V1_ENGINES:
            raise CliError(f"--certificate: the {name} engine records no proof tree; use "
                           f"--engine numeric, z3 or auto")
        if model.fails_synapses:
            raise CliError("--certificate: synapse failures are not certified yet")

    def progress(msg: str) -> None:
        if not args.quiet:
            err.write(f"fepproof verify: {msg}\n")
            err.flush()
    if args.scheduler:
        progress(f"branching leaves on the Dask cluster at {args.scheduler}")
    try:
        res = fn(problem, progress)
    except ValueError as exc:
        if str(exc).startswith("scheduler:"):
            raise CliError("--" + str(exc)) from None
        raise
    if res.engine != name:  # the v1 engines report "numeric" / "z3"
        res = dataclasses.replace(res, engine=name)
    cert_note = _write_certificate(args, res) if args.certificate else None
    if activated:  # the certificate proves the linear claim, which implies this one
        from ..output_side import after_activation
        res = after_activation(res, net, claimed)
    where = ran_on(name, args.jobs, args.scheduler, res.stats)
    box = box_to_json(net, box_source)
    if args.witness_out and res.witness is not None:
        _write_witness(args.witness_out, witness_record(res, net.name, box))
    if args.json:
        data = {**res.to_json(), "network": net.name, "output": output,
                "output_side": args.output_side, "input_box": box,
                "ran_on": where, "z3_note": no_query_reason(res.stats)}
        if where["where"] == "dask":  # the local process count did not apply
            data["stats"] = {**data["stats"], "jobs": None}
        if args.witness_out:
            data["witness_out"] = args.witness_out if res.witness is not None else None
        if args.certificate:
            data["certificate"] = args.certificate if res.verdict is Status.PROVED else None
        emit_json(data, out)
    else:
        out.write(_text(res, net.name, box_source, where))
        if args.witness_out:
            out.write(f"wrote     {args.witness_out}\n" if res.witness is not None else
                      f"wrote     nothing to {args.witness_out}: the run found no witness\n")
        if cert_note:
            out.write(f"wrote     {cert_note}\n")
    return {Status.PROVED: 0, Status.REFUTED: 1}.get(res.verdict, 3)


WITNESS_FORMAT = "fepproof-witness/1"


def witness_record(res: VerifyResult, net_name: str, box: dict) -> dict:
    """A self-describing witness file: the witness (top level, as ``fepproof replay``
    reads it) with the failure model and its parameters, the per-layer failure counts,
    the input box, the claimed bound, Fep and the output the claim is about."""
    assert res.witness is not None
    p = res.problem
    return {"format": WITNESS_FORMAT, "network": net_name, **p.model.to_json(),
            "failures": list(p.failures),
            "claim": {"bound": fmt_exact(p.bound), "bound_float": float(p.bound),
                      "output": p.output},
            "fep": fmt_exact(p.fep), "input_box": box, "verdict": res.verdict.value,
            **res.witness.to_json(),
            "error": None if res.witness_error is None else float(res.witness_error)}


def _check_writable(path: str, flag: str = "--witness-out") -> None:
    """Refuse an output path that cannot be written, before the run."""
    from ..fsutil import unwritable_reason
    why = unwritable_reason(path)
    if why:
        raise CliError(f"{flag}: {why}")


def _write_certificate(args: argparse.Namespace, res: VerifyResult) -> str:
    """Write the proof certificate of a proved claim; the line saying what was written."""
    from ..certificate.produce import CertificateRefused, certificate_for
    if res.verdict is not Status.PROVED:
        return (f"nothing to {args.certificate}: only a proved claim has a certificate "
                f"(the verdict is {res.verdict.value})")
    try:
        size = certificate_for(res, args.network, args.certificate)
    except CertificateRefused as exc:
        return f"nothing to {args.certificate}: {exc}"
    except OSError as exc:
        raise CliError(f"--certificate: cannot write {args.certificate}: {exc.strerror}") \
            from None
    nodes = len(res.proof_tree or [])
    return (f"{args.certificate} (proof certificate: {nodes} tree node"
            f"{'' if nodes == 1 else 's'}, {size} bytes; re-check with fepproof "
            f"check-certificate)")


def _write_witness(path: str, data: dict) -> None:
    from ..fsutil import atomic_write
    text = json.dumps(data, indent=2) + "\n"
    try:
        atomic_write(path, lambda tmp: tmp.write_text(text))
    except OSError as exc:
        raise CliError(f"--witness-out: cannot write {path}: {exc.strerror}") from None
