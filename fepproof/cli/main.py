"""The ``fepproof`` command: one module per subcommand, each with ``add_arguments`` and
``run(args, out, err) -> int`` so tests call ``main(argv, out, err)`` directly.

Exit codes shared by every subcommand: 0 ok / proved, 1 not tolerated / refuted /
obligation failed, 2 usage or input error, 3 unknown (verify).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .common import CliError

# Subcommands, in the order ``--help`` lists them, with their one-line help.  Each lives
# in ``fepproof.cli.<name>_cmd``; only the module of the command being run is imported
# (``fepproof --help`` imports none of them), so the help lines are repeated here
# (tests/test_cli_main.py checks they equal each module's HELP).
COMMAND_HELP = {
    "prove": "run the paper's proofs as machine-checked obligations (CI)",
    "bound": "exact Fep bound (Theorem 2) and tolerance check (Theorem 3)",
    "frontier": "maximal tolerated failure distributions (Theorem 3)",
    "verify": "verify a network: proved / refuted (with a replayed witness) / unknown",
    "replay": "re-evaluate a witness (input, failed neurons, sent values) in high precision",
    "latex": "LaTeX documents of the checked derivations, the obligations, or one network's "
             "bound",
    "convert": "convert a network between .json, .npz, .onnx and StaticNet .net",
    "experiment": "reproduce Figure 3, run the tightness / depth sweeps and accuracy under "
                  "failures (PNG, SVG, CSV)",
    "check": "check a project's own networks against the claims of its fepproof.toml (CI)",
    "harden": "replicate neurons (Corollary 1) until a failure distribution is provably "
              "tolerated",
    "check-certificate": "re-validate a proof certificate independently of the engines "
                         "(exit 0 valid, 1 not)",
    "accuracy": "certified accuracy of a classifier under neuron failures (decision claims "
                "per input)",
}
COMMANDS = list(COMMAND_HELP)

DESCRIPTION = """\
fepproof checks the results of "When Neurons Fail" (El Mhamdi & Guerraoui) and applies
them to concrete sigmoid and tanh networks: exact closed-form bounds (Fep, Theorems 1-5),
tolerance frontiers, machine-checked proofs, verification of a given network, and the
accuracy of a classifier under failures.

exit codes: 0 ok, 1 not tolerated / refuted / failed, 2 usage or input error, 3 unknown
"""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # argparse treats "-1,0,0" or "-1:1" as an unknown flag (only "-1" and "-.5" look
        # like numbers to it), so "--failures -1,0,0" failed with "expected one argument".
        # No fepproof option starts with "-<digit>" or "-.", so such a token is a value;
        # the value's own check then names the flag ("--failures: entry 1 is negative").
        self._negative_number_matcher = re.compile(r"^-\.?[0-9]")

    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first token that is not an option."""
    for token in argv:
        if not token.startswith("-"):
            return token if token in COMMAND_HELP else None
    return None


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``fepproof`` parser.  Every subcommand is listed, but only those in
    ``commands`` (default: all) get their options, which imports their modules."""
    from .. import __version__
    parser = _Parser(prog="fepproof", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fepproof {__version__}",
                        help="print the version (fepproof X.Y.Z) and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    full = set(COMMANDS if commands is None else commands)
    for name in COMMANDS:
        if name not in full:
            sub.add_parser(name, help=COMMAND_HELP[name])
            continue
        mod = importlib.import_module(f"fepproof.cli.{name.replace('-', '_')}_cmd")
        p = sub.add_parser(name, help=mod.HELP, description=mod.DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run one fepproof command; returns the exit code instead of exiting."""
    out = out or sys.stdout
    err = err or sys.stderr
    from .boxarg import join_negative_box
    argv = join_negative_box(list(sys.argv[1:] if argv is None else argv))
    command = _command_in(argv)
    parser = build_parser([command] if command else [])
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err  # argparse writes help/usage there
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            return int(exc.code or 0)
    finally:
        sys.stdout, sys.stderr = old
    if not getattr(args, "_run", None):
        parser.print_help(out)
        return 2
    try:
        return int(args._run(args, out, err))
    except CliError as exc:
        print(f"fepproof {args.command}: {_install_hint(str(exc))}", file=err)
        return 2
    except OverflowError:
        # Every input number is within float64 range (README, number limits), but a
        # derived one (Fep = a product over layers of N_l w_m K, a witness error) can
        # still exceed it when the exact value has to be shown as a float.
        print(f"fepproof {args.command}: a value derived from the input (a bound or a "
              f"product of weights) exceeds the float64 range (about 1.8e308); scale the "
              f"network's weights or the flags' values down", file=err)
        return 2
    except KeyboardInterrupt:
        print(f"fepproof {args.command}: interrupted", file=err)
        return 130


_STALE_HINT = re.compile(r"\(?pip install 'fepproof\[interop\]'\)?")


def _install_hint(message: str) -> str:
    """A library message's ``pip install 'fepproof[interop]'`` (no index has fepproof)
    replaced by how to install the extra from the source tree."""
    from .common import INSTALL_INTEROP
    return _STALE_HINT.sub(lambda _m: f"({INSTALL_INTEROP})", message)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
