"""``fepproof check-certificate``: re-validate a certificate written by ``verify
--certificate``, independently of the engines that produced it."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from .common import CliError, add_network_arg, integer

HELP = "re-validate a proof certificate independently of the engines (exit 0 valid, 1 not)"
DESCRIPTION = """\
Re-check a certificate written by `fepproof verify --certificate FILE` from the network
file and the certificate alone, with a small checker that imports nothing from the
engines: the network's SHA-256 (over every byte it is read from), the claim, the proof
tree's coverage of every failure set, input point, pre-activation and sent value, and an
outward-rounded bound on every leaf (ball arithmetic for the sigmoid).

Nodes of the tree's first levels are first tried whole. A leaf the checker's own bound
cannot close is split further, up to --max-extra extra leaves; past that the
certificate is not accepted (the claim may still be true).

exit codes: 0 valid, 1 invalid (one line naming the first item that fails),
            2 usage error or unreadable network/certificate
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_network_arg(p)
    p.add_argument("certificate", metavar="CERTIFICATE",
                   help="the certificate file (gzip JSON) written by verify --certificate")
    p.add_argument("--max-extra", type=integer(0, 10_000_000), default=20_000, metavar="N",
                   help="leaves the checker may add by splitting leaves it cannot close "
                        "(default 20000; 0: check the tree exactly as given)")
    p.add_argument("--jobs", type=integer(1, 64), default=2, metavar="N",
                   help="bound the proof's leaves on N processes (default 2, as verify; the "
                        "verdict does not depend on it)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..certificate import CertificateUnreadable, check_certificate
    from ..netdigest import NotARegularFile
    from ..network import NetworkError

    def progress(msg: str) -> None:
        if not args.quiet:
            print(f"fepproof {msg}", file=err, flush=True)

    try:
        rep = check_certificate(args.network, args.certificate, max_extra=args.max_extra,
                                jobs=args.jobs, progress=progress)
    except (CertificateUnreadable, NotARegularFile, NetworkError) as exc:
        raise CliError(str(exc)) from None
    except FileNotFoundError as exc:
        raise CliError(f"file: {exc.filename} does not exist") from None
    except OSError as exc:
        raise CliError(f"file: cannot read {exc.filename}: {exc.strerror}") from None
    if args.json:
        out.write(json.dumps(rep.to_json(), indent=2) + "\n")
    else:
        print(("valid   " if rep.valid else "INVALID ") + rep.message, file=out)
        if rep.valid:
            c = rep.claim
            box = ", ".join(f"[{lo}, {hi}]" for lo, hi in c["input_box"][:4])
            more = f", ... ({len(c['input_box'])} intervals)" if len(c["input_box"]) > 4 else ""
            print(f"claim   model {c['model'].get('model')}, failures {c['failures']}, "
                  f"output {'max over outputs' if c['output'] is None else c['output']}, "
                  f"box {box}{more}", file=out)
            print(f"checked {rep.leaves} leaves, {rep.extra_leaves} split by the checker, "
                  f"largest leaf bound {rep.max_leaf_bound:.9g}", file=out)
    return 0 if rep.valid else 1
