"""``fepproof prove``: run the paper's proofs (``proofs/``) as machine-checked
obligations, in parallel, each under a timeout."""

from __future__ import annotations

import argparse
import os
import time
from typing import TextIO

from ..obligations import discover
from ..obligations import run as run_obligations
from ..obligations.junit import write_junit
from ..obligations.paths import default_proofs_dir
from ..obligations.runner import ObligationLoadError
from .common import CliError, emit_json, integer, seconds

HELP = "run the paper's proofs as machine-checked obligations (CI)"
DESCRIPTION = """\
Run every obligation declared in PATHS (proofs files or directories; default: the paper's
proofs shipped with fepproof, the checkout's proofs/ directory, from any directory).
Each obligation is one claim of the paper - a theorem, lemma or corollary, as written or
corrected - checked by sympy (identities, inequalities), z3 (UNSAT of the negation) or a
replayed numeric witness.  Obligations run in parallel processes, each under --timeout;
a timeout is 'unknown', never 'proved'.  Where the paper does not hold as written the
obligation expects 'refuted' and carries its evidence.

exit codes: 0 every obligation got its expected outcome, 1 otherwise, 2 usage error
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATHS", default=None,
                   help="proofs files or directories (default: the shipped proofs)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("--jobs", "-j", type=integer(1, 256), default=None, metavar="N",
                   help="parallel processes (default: CPU count)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                   help="seconds per obligation before it counts as unknown (default 60)")
    p.add_argument("-k", dest="select", metavar="TEXT", default=None,
                   help="only obligations whose id contains TEXT")


def _table(outcomes, out: TextIO) -> None:
    rows = [(o.obligation.id, o.obligation.method, o.obligation.expected,
             o.verdict.status.value, f"{o.verdict.seconds:.2f}",
             "" if o.passed else "  <-- FAIL") for o in outcomes]
    head = ("id", "method", "expected", "got", "seconds", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    for r in [head, *rows]:
        out.write("  ".join(c.ljust(w_) if i < 4 else c.rjust(w_)
                            for i, (c, w_) in enumerate(zip(r[:5], widths, strict=True)))
                  + r[5] + "\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    paths = args.paths or [str(default_proofs_dir())]
    if args.jobs is not None and args.jobs < 1:
        raise CliError(f"--jobs: need >= 1, got {args.jobs}")
    if not args.timeout > 0:
        raise CliError(f"--timeout: need > 0, got {args.timeout}")
    for p in paths:
        if not os.path.exists(p):
            raise CliError(f"PATHS: {p}: no such file or directory")
    try:
        obligations = discover(paths)
    except ObligationLoadError as exc:
        raise CliError(str(exc)) from exc
    if args.select:
        obligations = [o for o in obligations if args.select in o.id]
    if not obligations:
        raise CliError(f"PATHS: no obligations found in {', '.join(paths)}")
    start = time.perf_counter()
    outcomes = run_obligations(obligations, jobs=args.jobs, timeout=args.timeout)
    total = time.perf_counter() - start
    passed = sum(o.passed for o in outcomes)
    failed = len(outcomes) - passed
    if args.junit:
        try:
            write_junit(outcomes, args.junit)
        except OSError as exc:
            raise CliError(f"--junit: {exc}") from exc
    if args.json:
        emit_json({"obligations": [o.to_json() for o in outcomes], "passed": passed,
                   "failed": failed, "seconds": round(total, 3)}, out)
    else:
        _table(outcomes, out)
        out.write(f"\n{len(outcomes)} obligations: {passed} passed, {failed} failed "
                  f"({total:.1f} s)\n")
    return 0 if failed == 0 else 1

