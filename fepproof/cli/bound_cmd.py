"""``fepproof bound``: Fep (Theorem 2) for one failure distribution, each layer's term,
and with eps, eps' the tolerance verdict (Theorem 3) in both readings."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..bounds import (
    PRECISION_READINGS,
    bits_for_precision,
    fep,
    precision_bound,
    synapse_bound,
    theorem1_max_failures,
    tolerance,
    wait_counts,
)
from ..exact import fmt_decimal, fmt_exact
from ..failures import FailureError, FailureKind
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
)

HELP = "exact Fep bound (Theorem 2) and tolerance check (Theorem 3)"
DESCRIPTION = """\
Compute the paper's closed-form bound for one failure distribution, exactly.

  neurons  (crash, byzantine): Fep of Theorem 2, f_l failed neurons in layer l
  synapses (synapse):         Lemma 2 + Theorem 4, f_l failed synapses into layer l,
                              l = 1..L+1 (the last entry: synapses into the output)

With --epsilon/--epsilon-prime it also says whether the distribution is tolerated
(Theorem 3: Fep <= eps - eps'), in two readings: 'exactly' f_l failures per layer
(Definition 3) and 'at most' f_l per layer (the maximum of Fep over every g <= f; Fep is
not monotone).  The exit code follows the 'exactly' reading unless --at-most is given.
For a single hidden layer it adds Theorem 1's largest N_fail, and under crashes
Corollary 2's number of signals each layer must wait for.

--lambdas adds Theorem 5 (per-layer implementation errors lambda_l); --bits-for E gives
the fewest bits per layer (lambda_l = 2^-bits) keeping that error below E.

exit codes: 0 ok / tolerated, 1 not tolerated by the closed form (only with --epsilon;
verification may still prove it: see fepproof verify), 2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("--failures", required=True, metavar="F1,F2,...",
                   help="failures per hidden layer, e.g. 1,0,2 (synapse model: L+1 values)")
    add_model_args(p)
    add_epsilon_args(p)
    p.add_argument("--at-most", action="store_true",
                   help="judge tolerance by the 'at most f_l per layer' reading")
    add_output_arg(p)
    p.add_argument("--lambdas", metavar="L1,L2,...",
                   help="Theorem 5: per-layer implementation error bounds lambda_l")
    p.add_argument("--lambda-reading", choices=list(PRECISION_READINGS), default="output",
                   help="where lambda_l enters: output (after phi; Equation 11 as printed, "
                        "default) or preactivation (before phi, as the proof's step says)")
    p.add_argument("--bits-for", metavar="E",
                   help="Theorem 5 inverted: fewest bits per layer so the error is <= E")
    p.add_argument("--max-factor", type=integer(1, 100_000), default=100, metavar="R",
                   help="when not tolerated: largest replication factor per layer tried for "
                        "the smallest replication that would be (default 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _verify_hint(args: argparse.Namespace) -> str:
    """The ``fepproof verify`` command that checks the same claim on the network itself."""
    import shlex
    parts = ["fepproof", "verify", args.network, "--failures", args.failures]
    if args.model != FailureKind.CRASH.value:
        parts += ["--model", args.model]
    for flag, value in (("--capacity", args.capacity), ("--stuck-value", args.stuck_value),
                        ("--output", args.output)):
        if value is not None:
            parts += [flag, str(value)]
    if args.capacity is not None and args.capacity_reading != "deviation":
        parts += ["--capacity-reading", args.capacity_reading]
    parts += ["--epsilon", args.epsilon, "--epsilon-prime", args.epsilon_prime]
    if args.at_most:
        return ("run " + shlex.join(parts) + " for every distribution g <= f (verify "
                "checks exactly f_l failures per layer)")
    return "run " + shlex.join(parts)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net = load(args.network)
    model = model_from_args(args)
    output = check_output(net, args.output)
    f = failures_from_args(net, args.failures, model)
    eps = epsilons(args)
    if not 1 <= args.max_factor <= 100_000:
        raise CliError(f"--max-factor: need 1 <= R <= 100000, got {args.max_factor}")
    result: dict[str, Any] = {"network": net.name, "widths": list(net.widths),
                              "K": fmt_exact(net.K), "activation": net.activation.name}
    act = "" if net.activation.is_sigmoid else f" ({net.activation.formula})"
    if net.output_activation is not None:
        result["output_activation"] = net.output_activation.name
        act += (f", then {net.output_activation.name} on the outputs (bounded: the linear "
                f"outputs before it)")
    lines: list[str] = [
        f"network   {net.name}: d = {net.input_dim}, N = {list(net.widths)}, "
        f"K = {fmt_exact(net.K)}{act}, outputs = {net.n_outputs}"
        + ("" if net.n_outputs == 1 else
           f" (bounding {'the max over outputs' if output is None else f'output {output}'})"),
        f"model     {model.describe(net.activation.name)}",
    ]
    try:
        if model.fails_synapses:
            sb = synapse_bound(net, f, model, output)
            result.update(sb.to_json())
            lines.append(f"failures  {list(f)} failed synapses into layers 1..{net.depth + 1}")
            lines.append(f"bound (Lemma 2 + Theorem 4) = {fmt_exact(sb.value)}"
                         f"  ~ {fmt_decimal(sb.value)}")
            for l, t in enumerate(sb.terms, start=1):
                lines.append(f"  synapses into layer {l}: f = {f[l - 1]}, term = "
                             f"{fmt_exact(t)}  ~ {fmt_decimal(t)}")
            lines.append(f"Theorem 4 as printed: {fmt_decimal(sb.as_written)}")
            lines.append(f"reading: {sb.reading_note}")
            value = sb.value
        else:
            res = fep(net, f, model, output)
            result.update(res.to_json())
            lines.append(f"failures  {list(f)} failed neurons per hidden layer")
            lines.append(f"Fep (Theorem 2) = {fmt_exact(res.value)}  ~ {fmt_decimal(res.value)}")
            for l, t in enumerate(res.terms, start=1):
                lines.append(f"  layer {l}: f = {f[l - 1]}, N = {net.widths[l - 1]}, "
                             f"w_m = {fmt_decimal(res.wm[l - 1])}, term = {fmt_exact(t)}"
                             f"  ~ {fmt_decimal(t)}")
            lines.append(f"  w_m^(L+1) = {fmt_decimal(res.wm[-1])}")
            if not res.is_bound:
                lines.append(f"sound bound (C + 1 per failed neuron) = {fmt_exact(res.sound)}"
                             f"  ~ {fmt_decimal(res.sound)}")
            for note in res.notes:
                lines.append(f"note: {note}")
            value = res.sound
        code = 0
        if eps is not None:
            budget = eps[0] - eps[1]
            result["epsilon"], result["epsilon_prime"] = fmt_exact(eps[0]), fmt_exact(eps[1])
            result["budget"] = fmt_exact(budget)
            if model.fails_synapses:
                ok = value <= budget
                result["tolerated"] = ok
                result["tolerance_reading"] = "exactly"
                lines.append(f"tolerated: {'yes' if ok else 'not by the closed form'} (bound "
                             f"{'<=' if ok else '>'} eps - eps' = {fmt_decimal(budget)})")
            else:
                tols = {r: tolerance(net, f, model, *eps, reading=r, output=output)
                        for r in ("exactly", "at_most")}
                chosen = "at_most" if args.at_most else "exactly"
                ok = tols[chosen].tolerated
                result["tolerated"] = ok
                result["tolerance_reading"] = chosen
                result["tolerance"] = {r: t.to_json() for r, t in tols.items()}
                for r, t in tols.items():
                    label = "exactly f_l per layer" if r == "exactly" else "at most f_l per layer"
                    lines.append(f"tolerated ({label}, Theorem 3): "
                                 f"{'yes' if t.tolerated else 'not by the closed form'} — "
                                 f"{t.reason}")
                if not ok:
                    from .replication_note import replication_note
                    more, result["replication"] = replication_note(
                        net, f, model, budget, chosen, output, args.max_factor)
                    lines.extend(more)
                if net.depth == 1 and model.kind is FailureKind.CRASH:
                    t1 = theorem1_max_failures(net, *eps, output=output)
                    result["theorem1"] = t1.to_json()
                    lines.append(f"Theorem 1: up to {t1.n_fail} crashed neurons "
                                 f"((eps - eps')/w_m = {fmt_decimal(t1.ratio)})")
                if model.kind is FailureKind.CRASH and tols["at_most"].tolerated:
                    w = wait_counts(net, f, *eps, output=output)
                    result["corollary2"] = w.to_json()
                    lines.append("Corollary 2: wait for " + ", ".join(
                        f"{a}/{b}" for a, b in zip(w.waits, w.sources, strict=True))
                        + " signals (layers 1..L, then the output node)")
            result["tolerated_by"] = "closed form"
            if not ok:
                hint = _verify_hint(args)
                result["verify_hint"] = hint
                what = "bound" if model.fails_synapses else "Fep"
                lines.append(f"not tolerated by the closed form ({what} > eps - eps'); "
                             f"verification may still prove it: {hint}")
            code = 0 if ok else 1
        if args.lambdas:
            try:
                lam = [number(x.strip(), "--lambdas") for x in args.lambdas.split(",")]
            except CliError:
                raise
            pb = precision_bound(net, lam, args.lambda_reading, output)
            result["theorem5"] = pb.to_json()
            lines.append(f"Theorem 5 ({args.lambda_reading} reading): error <= "
                         f"{fmt_exact(pb.value)}  ~ {fmt_decimal(pb.value)}")
        if args.bits_for:
            br = bits_for_precision(net, number(args.bits_for, "--bits-for"),
                                    args.lambda_reading, output)
            result["bits"] = br.to_json()
            lines.append(f"Theorem 5 inverted (error <= {args.bits_for}): "
                         f"{br.uniform_bits} bits in every layer, or per layer "
                         f"{list(br.per_layer_bits)} (fewest in total; bound "
                         f"{fmt_decimal(br.per_layer_bound)})")
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None
    if args.json:
        emit_json(result, out)
    else:
        out.write("\n".join(lines) + "\n")
    return code
