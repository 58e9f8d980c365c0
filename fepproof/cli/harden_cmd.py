"""``fepproof harden``: replicate hidden neurons (Corollary 1, corrected) until the failure
distribution is provably tolerated, with the fewest added neurons; write the network."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from ..abbrev import abbreviate
from ..exact import fmt_decimal, fmt_exact
from ..failures import FailureError, parse_failures
from ..harden import HardenResult, harden
from ..netio import SAVERS, save_network
from ..network import Network, NetworkError
from ..run_verify import ENGINES
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
    integer,
    load,
    model_from_args,
    number,
    seconds,
)

HELP = "replicate neurons (Corollary 1) until a failure distribution is provably tolerated"
DESCRIPTION = """\
Write a network with the same nominal function (exactly, in rational arithmetic) that
provably tolerates the failure distribution: every neuron of hidden layer l is replicated
r_l times and its outgoing weights are divided by r_l (the construction proved for
Corollary 1 in proofs/corollary1.py).  The factors (r_1..r_L) are the ones with the fewest
added neurons such that the claim |F_neu - F_fail| <= eps - eps' is proved:

  --by fep      by Theorem 2's closed form on the hardened network (exact, instant)
  --by verify   by the verify engine on candidate hardened networks, cheapest first
                (usually far fewer neurons; the closed-form factors cap the search)

The failure distribution keeps its counts: f_l failed neurons anywhere among the N_l r_l
neurons of layer l.  The result is checked exactly at the weight level (copies identical,
outgoing weights summing to the original), by replaying both networks at random inputs in
50 digits, and by re-running Theorem 3 on the written network.  OUT's format follows its
suffix (.json, .npz, .onnx); for .onnx (binary floats) the factors are powers of two, so
the divided weights stay exact.

exit codes: 0 written (tolerated), 1 refused (no factors <= --max-factor reach the budget),
2 usage or input error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("--failures", required=True, metavar="F1,F2,...",
                   help="failed neurons per hidden layer (may exceed N_l: they fall among "
                        "the replicas)")
    add_model_args(p, synapse=False)
    add_epsilon_args(p)
    p.add_argument("--bound", metavar="B", help="the budget directly (instead of eps - eps')")
    p.add_argument("--at-most", action="store_true",
                   help="tolerate at most f_l failures per layer (default: exactly f_l)")
    p.add_argument("--by", choices=["fep", "verify"], default="fep",
                   help="prove with the closed form (default) or the verify engine")
    p.add_argument("--max-factor", type=integer(1, 100_000), default=100, metavar="R",
                   help="largest replication factor per layer (default 100)")
    p.add_argument("--engine", choices=list(ENGINES), default="auto",
                   help="--by verify: the verify engine (default auto; numeric-v1 / z3-v1: the "
                        "earlier engines)")
    p.add_argument("--jobs", type=integer(1, 64), default=2, metavar="N",
                   help="--by verify: worker processes per engine run (default 2)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                   help="--by verify: seconds for the whole search (default 60)")
    p.add_argument("--max-tries", type=integer(1, 10_000), default=20, metavar="N",
                   help="--by verify: candidate factor vectors to verify (default 20)")
    add_output_arg(p)
    add_input_box_arg(p)
    p.add_argument("-o", "--out", required=True, metavar="OUT",
                   help="the hardened network (.json, .npz or .onnx; format by suffix)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


MAX_DOMINATED = 64  # --at-most --by verify: distributions g <= f verified one by one


def _verifier(engine: str, model, output: int | None, at_most: bool, jobs: int = 2):
    """The engine as harden's verifier.  In the 'at most' reading every distribution
    g <= f (g != 0) must be proved: proved only if all are, refuted if one is."""
    import itertools
    import time

    from ..bounds import fep
    from ..run_verify import run_verify
    from ..verify_api import VerifyProblem

    last: list = []  # the latest call's (distribution, result): their certificates

    def one(net: Network, g: tuple[int, ...], budget: Fraction, left: float):
        problem = VerifyProblem(net, g, model, budget, fep(net, g, model, output).value,
                                Fraction(1, 100), max(0.5, left), output, bracket=False)
        res = run_verify(problem, engine, jobs=jobs)
        last.append((g, res))
        return res.verdict.value, res.lower, res.upper

    def verify(net: Network, f: tuple[int, ...], budget: Fraction, left: float):
        last.clear()
        if not at_most:
            return one(net, f, budget, left)
        start = time.monotonic()
        status, lows, ups = "proved", [], []
        for g in itertools.product(*(range(v + 1) for v in f)):
            if not any(g):
                continue
            verdict, lo, up = one(net, g, budget, left - (time.monotonic() - start))
            if verdict == "refuted":
                return "refuted", lo, up
            if verdict != "proved":
                status = verdict
            lows.append(lo)
            ups.append(up)
        upper = None if not ups or any(u is None for u in ups) else max(ups)
        return status, max((v for v in lows if v is not None), default=None), upper
    verify.last = last  # type: ignore[attr-defined]
    return verify


def _text(res: HardenResult, net: Network, box_source: str, out_path: str,
          binary: bool, reproof: str = "") -> str:
    s = res.search
    reading = "at most" if res.reading == "at_most" else "exactly"
    lines = [f"network   {net.name}: N = {list(net.widths)}, K = {fmt_exact(net.K)}",
             f"box       {box_line(net, box_source)}",
             f"model     {res.model.describe()}",
             f"failures  {list(res.failures)} ({reading} f_l per layer; after hardening: f_l "
             f"failed neurons anywhere among the N_l r_l neurons of layer l)",
             f"budget    {fmt_exact(res.budget)}  ~ {fmt_decimal(res.budget)}"]
    if res.fep_before is None:
        lines.append("before    Fep undefined: some layer has f_l >= N_l (no correct neuron)")
    else:
        lines.append(f"before    Fep = {fmt_decimal(res.fep_before)} "
                     f"({'tolerated' if res.tolerated_before else 'not tolerated'})")
    for t in res.tries:
        lo = "-" if t.lower is None else fmt_decimal(t.lower, 6)
        up = "-" if t.upper is None else fmt_decimal(t.upper, 6)
        lines.append(f"tried     r = {abbreviate(t.factors)} (+{t.added}): {t.verdict}, worst "
                     f"in [{lo}, {up}], {t.seconds:.2f} s")
    if res.factors is None:
        lines.append(f"refused   no factors <= {s.max_factor}"
                     + (" (powers of two, for the binary-float format)" if binary else "")
                     + " reach the budget")
        if s.best_reachable is None:
            lines.append(f"          some layer has f_l >= N_l * {s.max_factor}: no correct "
                         f"neuron would be left")
        else:
            lines.append(f"          the smallest Fep with such factors is "
                         f"{fmt_decimal(s.best_reachable)} at r = "
                         f"{abbreviate(s.best_reachable_factors)}")
        if res.failures[-1]:
            lines.append(f"          the last hidden layer alone contributes D f_L "
                         f"w_m^(L+1) / r_L >= {fmt_decimal(s.last_layer_floor)} for r_L <= "
                         f"{s.max_factor}")
        if s.uniform_sufficient is not None:
            lines.append(f"          Fep_r -> 0 as r grows: a uniform factor r = "
                         f"{s.uniform_sufficient} suffices (Corollary 1: Fep_r <= Fep_0 / r)")
        else:
            lines.append("          no replication can: the budget is 0 and every Fep_r > 0")
        return "\n".join(lines) + "\n"
    widths = [n * r for n, r in zip(net.widths, res.factors)]
    how = ("Theorem 2 closed form" if res.how_proved == "fep" else "verify engine")
    lines.append(f"factors   r = {abbreviate(res.factors)}: N = {abbreviate(widths)}, "
                 f"+{res.added} neurons ({how}; fewest the method proves: "
                 f"{'yes' if res.minimal else 'not established'})")
    lines.append(f"after     Fep = {fmt_decimal(res.fep_after)}"
                 + (" <= budget" if res.fep_after <= res.budget else
                    " (above the budget: proved by the engine, not the closed form)"))
    lines.append(f"checks    same function: exact weight identity (also on the file read "
                 f"back); replay ({res.replay_method}): max |dF| = {res.replay_max_diff:.3g}")
    lines.append(f"re-proof  {reproof}")
    if binary:
        lines.append("note      factors restricted to powers of two (binary-float format); "
                     "ONNX holds no input box: give --input-box again when checking it")
    for note in res.notes:
        lines.append(f"note      {note}")
    lines.append(f"wrote     {out_path}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    net, box_source = with_box(load(args.network), args.network, args.input_box)
    model = model_from_args(args)
    output = check_output(net, args.output)
    try:
        f = parse_failures(args.failures)
    except FailureError as exc:
        raise CliError(str(exc)) from None
    if len(f) != net.depth:
        raise CliError(f"--failures: expected {net.depth} values, one per hidden layer, "
                       f"got {len(f)}")
    eps = epsilons(args)
    if (args.bound is None) == (eps is None):
        raise CliError("--epsilon/--epsilon-prime: give them, or --bound (one of the two)")
    budget = number(args.bound, "--bound") if eps is None else eps[0] - eps[1]
    if budget is None or budget < 0:
        raise CliError("--bound: must be >= 0")
    if not 1 <= args.max_factor <= 100_000:
        raise CliError(f"--max-factor: need 1 <= R <= 100000, got {args.max_factor}")
    if not args.timeout > 0:
        raise CliError("--timeout: must be > 0")
    if args.max_tries < 1:
        raise CliError("--max-tries: must be >= 1")
    path = Path(args.out)
    suffix = path.suffix.lower()
    if suffix not in SAVERS or suffix == ".net":
        raise CliError(f"-o: cannot write format {suffix!r} (known: .json, .npz, .onnx)")
    if not path.parent.is_dir() if str(path.parent) else False:
        raise CliError(f"-o: directory {path.parent} does not exist")
    _refuse_input_as_output(args.network, path)
    binary = suffix == ".onnx"
    if args.by == "verify" and args.at_most:
        import math
        count = math.prod(v + 1 for v in f) - 1
        if count > MAX_DOMINATED:
            raise CliError(f"--at-most: --by verify checks every distribution g <= f; "
                           f"{count} > {MAX_DOMINATED} of them (use --by fep)")
    verifier = (_verifier(args.engine, model, output, args.at_most, args.jobs)
                if args.by == "verify" else None)
    try:
        res = harden(net, f, budget, model, args.by, args.max_factor,
                     "at_most" if args.at_most else "exactly", output, binary, verifier,
                     args.max_tries, args.timeout)
    except (FailureError, ValueError) as exc:
        raise CliError(str(exc)) from None
    reproof = ""
    if res.hardened is not None:
        reproof = _write_checked(res, net, path, verifier, args.timeout, output)
    if args.json:
        emit_json({"network": net.name, "widths": list(net.widths),
                   "input_box": box_to_json(net, box_source), **res.to_json(),
                   "out": str(path) if res.hardened is not None else None,
                   "reproof": reproof or None,
                   "format": suffix.lstrip(".")}, out)
    else:
        out.write(_text(res, net, box_source, str(path), binary, reproof))
    return 0 if res.factors is not None else 1


def _refuse_input_as_output(network: str, out: Path) -> None:
    """-o must not name the input network: the same resolved path, or the same file
    through another name (a hard link, a symlink, a bind mount)."""
    import os
    src = Path(network)
    same = src.resolve() == out.resolve()
    if not same and out.exists():
        try:
            a, b = os.stat(src), os.stat(out)
            same = (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
        except OSError:
            pass
    if same:
        raise CliError(f"-o: {out} is the input network {network}; write the hardened "
                       f"network to another file")


def _certificates(path: Path, results: list) -> str:
    """Write the proof certificate of each verified distribution beside the hardened
    network (``OUT.cert``; with several distributions ``OUT.G1-G2.cert``); the note."""
    from ..certificate.produce import CertificateRefused, certificate_for
    written, refused = [], ""
    for g, r in results:
        name = (f"{path}.cert" if len(results) == 1
                else f"{path}.{'-'.join(str(v) for v in g)}.cert")
        try:
            certificate_for(r, path, name)
            written.append(name)
        except CertificateRefused as exc:
            refused = str(exc)
        except OSError as exc:
            raise CliError(f"-o: cannot write the certificate {name}: {exc.strerror}") \
                from None
    if refused:
        return f"; {refused}"
    return "; proof certificate" + ("s " if len(written) > 1 else " ") + ", ".join(written)


def _write_checked(res: HardenResult, net: Network, path: Path, verifier,
                   timeout: float, output: int | None) -> str:
    """Write OUT through a temporary file, read it back, check the function and re-run
    the proof on what was read; only then rename it onto OUT (nothing half-written)."""
    import os
    import tempfile
    from dataclasses import replace

    from ..bounds import tolerance
    from ..harden import HardenError, check_same_function
    from ..netio import load_network
    assert res.hardened is not None and res.factors is not None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix,
                                    dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            save_network(res.hardened, tmp)
        except NetworkError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"-o: cannot write {path}: {exc.strerror}") from None
        back = replace(load_network(tmp), input_domain=net.input_domain)
        try:
            check_same_function(net, back, res.factors)
        except HardenError as exc:
            raise CliError(f"-o: the written file does not hold the same function ({exc})"
                           ) from None
        if res.how_proved == "fep":
            value = tolerance(back, res.failures, res.model, res.budget + 1, 1,
                              res.reading, output).value  # type: ignore[arg-type]
            ok, what = value <= res.budget, f"Theorem 3 on the written file: Fep = " \
                f"{fmt_decimal(value)} <= budget"
        else:
            verdict = verifier(back, res.failures, res.budget, timeout)[0]
            ok, what = verdict == "proved", f"verify on the written file: {verdict}"
        if not ok:
            raise CliError(f"-o: re-running the proof on the written file failed ({what}); "
                           f"nothing written")
        os.replace(tmp, path)
        if res.how_proved != "fep":
            what += _certificates(path, verifier.last)
        return what
    finally:
        if tmp.exists():
            tmp.unlink()
