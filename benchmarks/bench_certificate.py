"""Proof certificates: what producing them costs, and what the independent checker accepts.

For each row (random network as in bench_converge.py, crash or Byzantine failures) and
seed, the branch-and-bound engine brackets the worst case twice in the same run, with and
without recording its proof tree (the cost of producing a certificate).  Then, for
claims at Fep and at 1.2x, 1.05x and 1.02x the engine's upper bound, the checker
re-validates the recorded tree (splitting leaves it cannot close, up to --max-extra
extra leaves) and the table gives its verdict, time and extra leaves, next to the
verify time.  Also the README's MNIST example (claim = Fep).

    nice python benchmarks/bench_certificate.py                  # all rows, 2 seeds, 20 s
    nice python benchmarks/bench_certificate.py --rows 2-8-8-1 --seeds 1 --timeout 5
    nice python benchmarks/bench_certificate.py --first-seed 2 --no-mnist   # other seeds
    nice python benchmarks/bench_certificate.py --scale 0.3 --no-mnist      # other weights
    nice python benchmarks/bench_certificate.py --rows 8-16-16-1 --seeds 1 --timeout 60 \
        --tolerance 0 --no-mnist                     # the certificate of a 60 s run
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_converge import MODELS, issue_network  # noqa: E402

from fepproof.bounds import fep  # noqa: E402
from fepproof.certificate import check_document, make_claim  # noqa: E402
from fepproof.certificate.produce import certificate_for  # noqa: E402
from fepproof.formats import load_network, save_network  # noqa: E402
from fepproof.numeric.bab import BabOptions  # noqa: E402
from fepproof.numeric.engine_bab import verify_bab  # noqa: E402
from fepproof.verify_api import VerifyProblem  # noqa: E402

ROWS = {"2-8-8-1": (2, (8, 8), (1, 1), "crash"),
        "2-8-8-1/byz-dev": (2, (8, 8), (1, 1), "byz-dev"),
        "8-16-16-1": (8, (16, 16), (1, 1), "crash"),
        "8-16-16-1/byz-val": (8, (16, 16), (1, 1), "byz-val")}
MNIST = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "staticnet" / \
    "784-98-10_epoch-2919_100.net"


def _check(path, net, f, model, bound, tree, max_extra, jobs):
    claim = make_claim(path, model, list(f), list(net.input_domain), None, bound)
    t = time.monotonic()
    rep = check_document({"claim": claim, "tree": tree}, path, max_extra=max_extra, jobs=jobs)
    return rep, time.monotonic() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=0,
                    help="seeds first-seed .. first-seed + seeds - 1 (default 0)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="the networks' weights ~ N(0, scale^2) (default 1)")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--max-extra", type=int, default=20_000)
    ap.add_argument("--tolerance", type=Fraction, default=Fraction(1, 100),
                    help="the engine stops when upper - lower <= tolerance * upper (default "
                         "1/100; 0: it runs the whole --timeout, for the size of a long run)")
    ap.add_argument("--check-jobs", type=int, default=2,
                    help="processes of the checker (default 2, as verify and check-certificate)")
    ap.add_argument("--no-mnist", action="store_true")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    print(f"{'row':<20} {'seed':>4} {'verify s':>8} {'no tree s':>9} {'nodes':>6} "
          f"{'claim':>6} {'valid':>5} {'check s':>8} {'/verify':>7} {'extra':>6} "
          f"{'cert kB':>7}")
    for key in args.rows.split(","):
        d, widths, f, mname = ROWS[key]
        model = MODELS[mname]
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            net = issue_network(d, widths, seed, args.scale)
            path = tmp / f"{key.replace('/', '_')}-{seed}.json"
            save_network(net, path)
            fe = fep(net, f, model).sound
            problem = VerifyProblem(net, f, model, Fraction(0), fe, args.tolerance,
                                    timeout=args.timeout)
            t = time.monotonic()
            verify_bab(problem, None, BabOptions(jobs=2, record_tree=False))
            t_plain = time.monotonic() - t
            t = time.monotonic()
            res = verify_bab(problem, None, BabOptions(jobs=2))
            t_tree = time.monotonic() - t
            upper = Fraction(float(res.upper))
            text = json.dumps(res.proof_tree, separators=(",", ":"))  # as the file writes it
            kb = len(gzip.compress(text.encode())) / 1000
            for label, bound in (("Fep", fe), ("1.2x", upper * Fraction(6, 5)),
                                 ("1.05x", upper * Fraction(21, 20)),
                                 ("1.02x", upper * Fraction(51, 50))):
                rep, tc = _check(path, net, f, model, bound, res.proof_tree, args.max_extra,
                                 args.check_jobs)
                print(f"{key:<20} {seed:>4} {t_tree:>8.1f} {t_plain:>9.1f} "
                      f"{len(res.proof_tree):>6} {label:>6} {str(rep.valid):>5} {tc:>8.1f} "
                      f"{tc / t_tree:>7.2f} {rep.extra_leaves:>6} {kb:>7.0f}", flush=True)
    if not args.no_mnist and MNIST.exists():
        net = load_network(MNIST)
        fe = fep(net, (2, 0)).value
        problem = VerifyProblem(net, (2, 0), MODELS["crash"], fe, fe, timeout=25)
        t = time.monotonic()
        res = verify_bab(problem, None, BabOptions(jobs=2))
        tv = time.monotonic() - t
        cert = tmp / "mnist.cert"
        size = certificate_for(res, MNIST, cert)
        rep, tc = _check(MNIST, net, (2, 0), MODELS["crash"], fe, res.proof_tree, 0,
                         args.check_jobs)
        print(f"{'MNIST 784-98-10':<20} {'-':>4} {tv:>8.1f} {'-':>9} {len(res.proof_tree):>6} "
              f"{'Fep':>6} {str(rep.valid):>5} {tc:>8.1f} {tc / tv:>7.2f} "
              f"{rep.extra_leaves:>6}  "
              f"({res.verdict.value}, certificate {size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
