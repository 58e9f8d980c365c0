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

# Subcommand modules, in the order ``--help`` lists them.
COMMANDS = ["prove", "bound", "frontier", "verify", "replay", "latex", "convert", "experiment",
            "check", "harden"]

DESCRIPTION = """\
fepproof checks the results of "When Neurons Fail" (El Mhamdi & Guerraoui) and applies
them to concrete sigmoid networks: exact closed-form bounds (Fep, Theorems 1-5),
tolerance frontiers, machine-checked proofs, and verification of a given network.

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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fepproof", description=DESCRIPTION,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        mod = importlib.import_module(f"fepproof.cli.{name}_cmd")
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
    parser = build_parser()
    from .boxarg import join_negative_box
    argv = join_negative_box(list(sys.argv[1:] if argv is None else argv))
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
        print(f"fepproof {args.command}: {exc}", file=err)
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


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
