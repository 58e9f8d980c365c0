"""``fepproof check``: run the claims of a project's ``fepproof.toml`` (its own networks)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TextIO

from .common import CliError, emit_json, integer

HELP = "check a project's own networks against the claims of its fepproof.toml (CI)"
DESCRIPTION = """\
Run every claim of a spec file (default ./fepproof.toml) with the verify engine, in
parallel, and print a table (claim, network, verdict, expected, bracket, seconds).

A claim names a network (any format fepproof reads; paths relative to the spec), the
failures, the failure model, the bound (a number, epsilon + epsilon_prime, or "fep"),
optionally an output and an input box, the expected verdict (proved / refuted; default
proved) and the engine.  `unknown` never passes.  Verdicts are cached in
.fepproof-cache/ beside the spec, keyed by a hash of every byte the network is read from,
the claim and the fepproof version, so an unchanged rerun takes well under a second and a
retrained network is re-verified.  A cached entry counts only if its integrity check
passes and, for `refuted`, its witness replays; otherwise the claim is re-run.  Cached
verdicts say so (table, JSON, JUnit).  See docs/ci.md.

exit codes: 0 every claim got its expected verdict, 1 otherwise, 2 bad spec or input
(one line naming the claim and the key)
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", nargs="?", default="fepproof.toml", metavar="SPEC",
                   help="the spec file (or a directory holding fepproof.toml); "
                        "default ./fepproof.toml")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per claim)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-k", metavar="TEXT", dest="select",
                   help="only claims whose name contains TEXT (case-insensitive)")
    p.add_argument("--jobs", type=integer(1, 256), default=None, metavar="N",
                   help="claims run in parallel (default: CPU count)")
    p.add_argument("--no-cache", action="store_true",
                   help="ignore .fepproof-cache/ (neither read nor write it)")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..check.spec import SpecError, load_spec
    from ..check.text import printable

    start = time.perf_counter()
    if args.jobs is not None and args.jobs < 1:
        raise CliError(f"--jobs: must be >= 1, got {args.jobs}")
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise CliError(printable(exc)) from None
    claims = list(spec.claims)
    if args.select:
        claims = [c for c in claims if args.select.lower() in c.name.lower()]
        if not claims:
            raise CliError(f"-k: no claim name contains {args.select!r}")
    if args.junit:
        junit = Path(args.junit)
        if junit.parent and not junit.parent.is_dir():
            raise CliError(printable(f"--junit: directory {junit.parent} does not exist"))
        if junit.is_dir():
            raise CliError(printable(f"--junit: {junit} is a directory"))
    from ..check.report import summary, table, to_json, write_junit
    from ..check.runner import run_claims

    def progress(o) -> None:
        if not args.json:
            err.write(printable(f"fepproof check: {o.claim.name}: {o.verdict.status.value}"
                                f"{' (cached)' if o.cached else ''}") + "\n")
            err.flush()
    outcomes = run_claims(spec, claims, args.jobs, not args.no_cache, progress)
    seconds = time.perf_counter() - start
    if args.junit:
        try:
            write_junit(outcomes, args.junit)
        except OSError as exc:
            raise CliError(printable(f"--junit: cannot write {args.junit}: {exc.strerror}")) \
                from None
    base = spec.path.resolve().parent
    if args.json:
        emit_json(to_json(outcomes, spec.path, seconds), out)
    else:
        out.write(table(outcomes, base))
        out.write(summary(outcomes, seconds))
    bad = [o for o in outcomes if o.input_error]
    for o in bad:
        err.write(printable(f"fepproof check: {o.verdict.evidence['reason']}") + "\n")
    if bad:
        return 2
    return 0 if all(o.passed for o in outcomes) else 1
