"""``fepproof replay``: re-evaluate a witness with the exact sigmoid in high precision."""

from __future__ import annotations

import argparse
from dataclasses import replace
from fractions import Fraction
from typing import TextIO

import mpmath

from ..failures import CapacityReading, FailureError, FailureKind, FailureModel
from ..inputbox import (
    InputBoxError,
    box_from_value,
    check_engine_range,
    describe_box,
    network_box,
)
from ..netio import read_json_exact
from ..network import Network, NetworkError
from ..replay import replay
from ..verdict import Witness
from .boxarg import add_input_box_arg, box_line, box_to_json, with_box
from .common import (
    CliError,
    add_model_args,
    add_network_arg,
    emit_json,
    flag_message,
    integer,
    load,
    model_from_args,
    number,
)

HELP = "re-evaluate a witness (input, failed neurons, sent values) in high precision"
DESCRIPTION = """\
Replay one failure scenario with the exact sigmoid (mpmath, 50 digits by default) and
print |F_neu(X) - F_fail(X)|.  WITNESS.json is a `verify --witness-out` file, the whole
output of `fepproof verify --json`, or a bare witness.  Replay checks the witness obeys
the failure model and, with a bound, says whether the error exceeds it.

Nothing in the witness is trusted: before it is evaluated, every index must be in
range, no neuron or synapse may be listed twice, the per-layer counts must equal the
claim a verify output records (its `failures`), sent values and synapse deltas must
line up with the failures and lie where the model allows; otherwise one line naming the
field and exit 2.  Conditions that depend on the nominal values (a Byzantine value within
C of the nominal output) are checked during the replay and reported as VIOLATED.

Witness files are self-describing: `verify --witness-out` and `verify --json` record the
failure model with its parameters, the per-layer failures, the input box, the claimed
bound and the verdict, and replay uses them.  --model/--capacity/--stuck-value,
--input-box and --bound override the recorded values (stderr says so).  For a file that
records none of them (an older witness) replay assumes crash, the network file's box and
no bound, and says so on stderr.

exit codes: 0 replayed, the witness obeys the model and: with --bound, error > bound;
with a recorded claim, the error is on the side of the bound the recorded verdict says
(refuted: above; proved/unknown: not above).  1 otherwise.  2 usage or input error
(including a witness that does not fit the network or the model)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("witness", metavar="WITNESS.json",
                   help="witness file (verify --witness-out) or verify --json output")
    add_model_args(p)
    p.set_defaults(model=None, capacity_reading=None)  # to tell a flag from the default
    p.add_argument("--bound", metavar="B",
                   help="compare the error against B (default: the bound the file records)")
    add_input_box_arg(p)
    p.set_defaults(input_box=None)
    p.add_argument("--dps", type=integer(1, 10_000), default=50,
                   help="decimal digits (>= 40; default 50)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _model(args: argparse.Namespace, data: dict, notes: list[str],
           assumed: list[tuple[str, str]]) -> tuple[FailureModel, str]:
    """The model given by flags, else the one the file records, else crash; where it
    came from ("flags", "recorded", "default")."""
    flags_given = (args.model is not None or args.capacity is not None
                   or args.stuck_value is not None or args.capacity_reading is not None)
    recorded = None
    if "model" in data:
        try:
            recorded = FailureModel.from_json(data)
        except FailureError as exc:
            raise CliError(f"{args.witness}: recorded model: {exc}") from None
    if not flags_given:
        if recorded is not None:
            return recorded, "recorded"
        assumed.append(("failure model", "crash"))
        args.model = FailureKind.CRASH.value
        args.capacity_reading = CapacityReading.DEVIATION.value
        return model_from_args(args), "default"
    if args.model is None:  # a parameter flag alone refines the recorded model
        args.model = recorded.kind.value if recorded is not None else FailureKind.CRASH.value
    same = recorded is not None and recorded.kind.value == args.model
    if args.capacity_reading is None:
        args.capacity_reading = (recorded.reading.value if same and recorded is not None
                                 else CapacityReading.DEVIATION.value)
    if same and recorded is not None:  # parameters not given: the recorded ones
        rec = recorded.to_json()
        if args.capacity is None and "capacity" in rec:
            args.capacity = str(rec["capacity"])
        if args.stuck_value is None and "stuck_value" in rec:
            args.stuck_value = str(rec["stuck_value"])
    model = model_from_args(args)
    if recorded is not None and recorded.to_json() != model.to_json():
        notes.append(f"the failure flags override the recorded model "
                     f"({recorded.describe()}): replaying under {model.describe()}")
    return model, "flags"


def _recorded_box(args: argparse.Namespace, data: dict) -> tuple[tuple, str] | None:
    """The input box the file records (verify's ``input_box``), or None."""
    rec = data.get("input_box")
    if rec is None:
        return None
    if not isinstance(rec, dict) or "box" not in rec:
        raise CliError("input_box: expected an object with 'box' (a list of [lo, hi] pairs)")
    try:
        box = box_from_value(rec["box"], "input_box.box", args.witness)
    except InputBoxError as exc:
        raise CliError(str(exc)) from None
    origin = rec.get("source")
    if isinstance(origin, str):
        origin = {"network file": "the network file",
                  "default": "the default box [0,1]^d"}.get(origin, origin)
    label = f"recorded in {args.witness}" + (f", from {origin}" if isinstance(origin, str)
                                             else "")
    return box.pairs, label


def _box(args: argparse.Namespace, net: Network, data: dict, notes: list[str],
         assumed: list[tuple[str, str]]) -> tuple[Network, str]:
    """The box: --input-box, else the recorded one, else the network file's / default."""
    recorded = _recorded_box(args, data)
    if recorded is not None and len(recorded[0]) not in (1, net.input_dim):
        raise CliError(f"input_box.box: {len(recorded[0])} [lo, hi] pairs recorded, the "
                       f"network has {net.input_dim} inputs")
    if args.input_box is not None:
        boxed, source = with_box(net, args.network, args.input_box)
        if recorded is not None:
            pairs = recorded[0] * (net.input_dim if len(recorded[0]) == 1 else 1)
            if tuple(pairs) != tuple(boxed.input_domain):
                notes.append(f"--input-box overrides the recorded box "
                             f"{describe_box(pairs, recorded[1])}")
        return boxed, source
    if recorded is not None:
        pairs = tuple(recorded[0] * (net.input_dim if len(recorded[0]) == 1 else 1))
        try:
            check_engine_range(pairs, net, "input_box.box")
        except InputBoxError as exc:
            raise CliError(str(exc)) from None
        return replace(net, input_domain=pairs), recorded[1]
    source = network_box(args.network)
    assumed.append(("input box", "the network file's input box" if source == "network file"
                    else "the default box [0,1]^d"))
    return net, source


def _bound(args: argparse.Namespace, data: dict, notes: list[str],
           assumed: list[tuple[str, str]]) -> tuple[Fraction | None, str | None, str | None]:
    """(bound, its text, where it came from): --bound, else the recorded claim."""
    rec = data.get("claim")
    recorded = None
    if rec is not None:
        if not isinstance(rec, dict) or not isinstance(rec.get("bound"), str):
            raise CliError("claim.bound: expected the claimed bound as an exact string")
        recorded = number(rec["bound"], "claim.bound")
        if recorded is None or recorded < 0:
            raise CliError("claim.bound: must be >= 0")
    if args.bound is not None:
        bound = number(args.bound, "--bound")
        if recorded is not None and bound != recorded:
            notes.append(f"--bound {args.bound} overrides the recorded bound {rec['bound']}")
        return bound, args.bound, "--bound"
    if recorded is not None:
        return recorded, rec["bound"], "recorded"
    assumed.append(("bound", "none (give --bound B to compare the error with B)"))
    return None, None, None


def _claim(data: object) -> tuple[int, ...] | None:
    """The per-layer failure counts a ``verify --json`` output claims (None: no claim)."""
    if not isinstance(data, dict) or "failures" not in data:
        return None
    counts = data["failures"]
    if not isinstance(counts, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
        raise CliError(f"failures: expected a list of non-negative per-layer counts, "
                       f"got {counts!r}"[:200])
    return tuple(counts)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net = load(args.network)
    try:  # bounded size, depth and integer literals
        data = read_json_exact(args.witness, "witness", exact=False)
    except NetworkError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"file: cannot read {args.witness}: {exc.strerror}") from None
    if not isinstance(data, dict):
        raise CliError("witness: expected a JSON object")
    if args.dps < 40:
        raise CliError("--dps: need at least 40 digits")
    notes: list[str] = []
    assumed: list[tuple[str, str]] = []
    model, model_source = _model(args, data, notes, assumed)
    net, box_source = _box(args, net, data, notes, assumed)
    bound, bound_text, bound_source = _bound(args, data, notes, assumed)
    recorded_name = data.get("network")
    if isinstance(recorded_name, str) and recorded_name != net.name:
        notes.append(f"{args.witness} was recorded for network {recorded_name!r}, "
                     f"replaying on {net.name!r}")
    claim = _claim(data)
    try:
        w = Witness.from_json(data)
        r = replay(net, w, model, dps=args.dps, failures=claim)
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    # said only once the witness fits: a bad input stays one line
    for note in notes:
        err.write(f"fepproof replay: {note}\n")
    if assumed:
        missing = [what for what, _ in assumed]
        err.write(f"fepproof replay: {args.witness} records no "
                  + (", ".join(missing[:-1]) + " or " if len(missing) > 1 else "")
                  + missing[-1] + "; assumed: "
                  + "; ".join(f"{what} {value}" for what, value in assumed) + "\n")
    result = {"network": net.name, **model.to_json(), **r.to_json(),
              "input_box": box_to_json(net, box_source),
              "sources": {"model": model_source, "bound": bound_source,
                          "input_box": box_source},
              "assumed": {what: value for what, value in assumed}, "overrides": notes}
    code = 0 if r.valid else 1
    verdict = data.get("verdict") if bound_source == "recorded" else None
    if verdict not in ("refuted", "proved", "unknown"):
        verdict = None
    if bound is not None:
        result["bound"] = bound_text
        result["bound_source"] = bound_source
        result["exceeds_bound"] = r.exceeds(bound)  # a rational below the error > bound
        if verdict is None:  # --bound B (or a claim without a verdict): error > B or exit 1
            if not result["exceeds_bound"]:
                code = 1
        else:  # the recorded claim: the replay must agree with the recorded verdict
            agrees = result["exceeds_bound"] == (verdict == "refuted")
            result["recorded_verdict"] = verdict
            result["agrees_with_verdict"] = agrees
            if not agrees:
                code = 1
    if args.json:
        emit_json(result, out)
    else:
        from ..abbrev import abbreviate
        out.write(f"box       {box_line(net, box_source)}\n")
        out.write(f"error     {mpmath.nstr(r.error, 20)}\n")
        out.write(f"nominal   {abbreviate(r.nominal, lambda v: mpmath.nstr(v, 15))}\n")
        out.write(f"failed    {abbreviate(r.failed, lambda v: mpmath.nstr(v, 15))}\n")
        out.write(f"model     {model.describe()}"
                  + (" (recorded)" if model_source == "recorded" else "") + ": "
                  + ("witness obeys it" if r.valid else "VIOLATED: " + "; ".join(r.problems))
                  + "\n")
        if bound is not None:
            out.write(f"bound     {bound_text}"
                      + (" (recorded claim)" if bound_source == "recorded" else "")
                      + f": error {'>' if result['exceeds_bound'] else '<='} bound"
                      + ("" if verdict is None else
                         f", as the recorded verdict {verdict} says"
                         if result["agrees_with_verdict"] else
                         f", CONTRADICTING the recorded verdict {verdict}") + "\n")
    return code
