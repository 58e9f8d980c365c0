"""``fepproof latex``: compilable LaTeX of the checked derivation (Theorem 2), of every
proof obligation with the paper's errata, or of the bound for one network."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..failures import FailureError
from ..fsutil import atomic_write
from ..run_verify import ENGINES
from .boxarg import add_input_box_arg, with_box
from .common import (
    CliError,
    add_epsilon_args,
    add_model_args,
    add_output_arg,
    check_output,
    epsilons,
    failures_from_args,
    flag_message,
    integer,
    load,
    model_from_args,
    seconds,
)

HELP = "LaTeX documents of the checked derivations, the obligations, or one network's bound"
DESCRIPTION = """\
Write a LaTeX document generated from the same sympy expressions, exact numbers and
verdicts the checker uses (never from hand-typed formulas). One of:

  --derivation fep [--depth L]   the model, the error recurrence, its unrolling for depth L
                                 (or a symbolic depth when --depth is omitted or 'L'), the
                                 induction step with each = / <= justified, and the verdict
                                 of the obligation that checked it (run now)
  --proofs [PATHS ...]           every obligation (default: proofs/) with statement, method
                                 and result; each erratum of the paper as written, its
                                 counterexample or residual, and the corrected statement
  --network NET --failures F     Fep (Theorem 2) for one network: N_l, w_m^(l), K, C, each
                                 term with the numbers filled in, the sum, the tolerance
                                 verdict (Theorem 3, with --epsilon/--epsilon-prime), and
                                 the verified worst-case bracket and witness (--engine, as
                                 fepproof verify; progress on stderr unless --quiet);
                                 with --model synapse: Lemma 2 + Theorem 4 (L+1 counts),
                                 next to Theorem 4 as printed

Output: a standalone document (to stdout, or -o FILE.tex), or with --fragment a piece to
\\input (needs amsmath, amssymb, booktabs, longtable). --pdf compiles FILE.tex with latexmk
or pdflatex and says so plainly when no TeX is installed. Exact rationals are shown as
fractions when short, otherwise as decimals (rounded ones are marked and the rounding
stated).

exit codes: 0 written, 1 some obligation not proved (--proofs/--derivation, only with
--strict), 2 usage or input error, or --pdf without a working TeX (the .tex is written)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--derivation", choices=["fep"],
                      help="the Theorem 2 derivation (fep)")
    what.add_argument("--proofs", nargs="*", metavar="PATH",
                      help="obligation files or directories (default: proofs/)")
    what.add_argument("--network", metavar="NET",
                      help="network file: fepproof-network/1 JSON (.json), .npz, ONNX MLP "
                           "(.onnx) or StaticNet (.net)")
    p.add_argument("--depth", metavar="L",
                   help="--derivation: a concrete depth (1, 2, ...) or 'L' for a symbolic "
                        "depth (default)")
    p.add_argument("--failures", metavar="F1,F2,...",
                   help="--network: failed neurons per hidden layer, e.g. 1,0,1")
    add_model_args(p)
    add_epsilon_args(p)
    add_output_arg(p)
    add_input_box_arg(p)
    p.add_argument("--engine", choices=list(ENGINES), default="auto",
                   help="--network: the verify engine for the worst-case bracket, as in "
                        "fepproof verify (default auto: z3 for small networks, else numeric)")
    p.add_argument("--verify-timeout", type=seconds, default=None, metavar="S",
                   help="--network: the same as --timeout (kept for older scripts)")
    p.add_argument("--no-verify", action="store_true",
                   help="--network: leave out the verified worst-case bracket")
    p.add_argument("--timeout", type=seconds, default=None, metavar="S",
                   help="--network: seconds for the verified worst-case bracket (default "
                        f"{NETWORK_TIMEOUT:g}); --proofs/--derivation: seconds per "
                        f"obligation (default {OBLIGATION_TIMEOUT:g})")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--jobs", type=integer(1, 256), default=None, metavar="N",
                   help="--proofs: obligations run in parallel (default: the runner's); "
                        "--network: worker processes of the verify engine (default 2)")
    p.add_argument("--strict", action="store_true",
                   help="--proofs/--derivation: exit 1 when an obligation is not as expected")
    p.add_argument("-o", "--out", metavar="FILE.tex", help="write here (default: stdout)")
    p.add_argument("--fragment", action="store_true",
                   help="a fragment to \\input instead of a standalone document")
    p.add_argument("--pdf", action="store_true",
                   help="also compile FILE.tex to FILE.pdf (needs -o; latexmk or pdflatex)")


NETWORK_TIMEOUT = 30.0
OBLIGATION_TIMEOUT = 20.0


def _verifier(args: argparse.Namespace, say):  # -> (callable | None, reason)
    """The verify engine as the document's verifier (``run_verify``, the engine of
    ``fepproof verify``), reporting progress through ``say``."""
    if args.no_verify:
        return None, "not requested (--no-verify)."
    from ..run_verify import engine_for, run_verify
    jobs = args.jobs or 2

    def verify(problem):
        name = engine_for(problem, args.engine)
        say(f"verifying the worst case: engine {name}"
            + (" (auto)" if args.engine == "auto" else "")
            + f", timeout {problem.timeout:g} s")
        res = run_verify(problem, name, say, jobs=jobs)
        say(f"{res.engine} engine: {res.verdict.value}, bracket "
            f"[{'-' if res.lower is None else f'{float(res.lower):.6g}'}, "
            f"{'-' if res.upper is None else f'{float(res.upper):.6g}'}], "
            f"{res.seconds:.1f} s")
        return res
    return verify, ""


def _network_doc(args: argparse.Namespace, say):
    from ..latex.network_doc import box_latex, network_document
    if args.failures is None:
        raise CliError("--failures: required with --network")
    net, box_source = with_box(load(args.network), args.network, args.input_box)
    model = model_from_args(args)
    output = check_output(net, args.output)
    f = failures_from_args(net, args.failures, model)
    if args.timeout is not None and args.verify_timeout is not None \
            and args.timeout != args.verify_timeout:
        raise CliError("--verify-timeout: give --timeout or --verify-timeout, not both")
    timeout = args.timeout or args.verify_timeout or NETWORK_TIMEOUT
    if model.fails_synapses and args.engine.startswith("z3"):
        raise CliError(f"--engine {args.engine}: the z3 engine encodes neuron failures only "
                       f"(and the synapse document has no verified bracket)")
    verifier, reason = _verifier(args, say)
    try:
        if model.fails_synapses:
            from ..latex.synapse_doc import synapse_document
            say("computing Lemma 2 + Theorem 4")
            doc = synapse_document(net, f, model, epsilons(args), output)
        else:
            say("computing Fep (Theorem 2)")
            doc = network_document(net, f, model, epsilons(args), output, verifier, reason,
                                   timeout)
        doc.blocks.insert(0, box_latex(net.input_domain, box_source))
        return doc, True
    except FailureError as exc:
        raise CliError(flag_message(exc)) from None


MAX_DEPTH = 64  # a symbolic derivation deeper than this is not a document anyone reads


def _depth(text: str | None) -> int | None:
    if text is None or text.strip() in ("L", "l"):
        return None
    try:
        return integer(1, MAX_DEPTH)(text)
    except argparse.ArgumentTypeError as exc:
        raise CliError(f"--depth: expected an integer in 1..{MAX_DEPTH} or 'L' ({exc})") from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.pdf and not args.out:
        raise CliError("--pdf: needs -o FILE.tex")
    if args.pdf and args.fragment:
        raise CliError("--pdf: a --fragment cannot be compiled on its own; drop one of them")
    if args.input_box is not None and args.network is None:
        raise CliError("--input-box: only with --network")
    for flag, given in (("--engine", args.engine != "auto"),
                        ("--verify-timeout", args.verify_timeout is not None),
                        ("--no-verify", args.no_verify)):
        if given and args.network is None:
            raise CliError(f"{flag}: only with --network")

    def say(msg: str) -> None:
        if not args.quiet:
            err.write(f"fepproof latex: {msg}\n")
            err.flush()
    if args.network is not None:
        doc, ok = _network_doc(args, say)
    elif args.derivation is not None:
        from ..latex.derivation_doc import derivation_document
        doc, ok = derivation_document(_depth(args.depth),
                                      timeout=args.timeout or OBLIGATION_TIMEOUT)
    else:
        from ..latex.proofs_doc import proofs_document
        from ..obligations.runner import ObligationLoadError
        try:
            doc, ok = proofs_document(args.proofs or None, jobs=args.jobs,
                                      timeout=args.timeout or OBLIGATION_TIMEOUT)
        except ObligationLoadError as exc:
            raise CliError(f"--proofs: {exc}") from None
    source = doc.render(standalone=not args.fragment)
    if not args.out:
        out.write(source)
        return 0 if ok or not args.strict else 1
    path = Path(args.out)
    try:
        atomic_write(path, lambda p: Path(p).write_text(source, encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"-o: cannot write {path}: {exc.strerror}") from None
    out.write(f"wrote {path}\n")
    if args.pdf:
        from ..latex.pdf import TexError, compile_pdf
        try:
            pdf = compile_pdf(path)
        except TexError as exc:
            raise CliError(f"--pdf: {exc} (wrote {path} only)") from None
        out.write(f"wrote {pdf}\n")
    return 0 if ok or not args.strict else 1
