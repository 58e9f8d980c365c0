"""The ``--input-box`` option shared by verify, replay, harden, latex and experiment."""

from __future__ import annotations

import argparse
from typing import Any

from ..inputbox import (
    InputBoxError,
    apply_box,
    box_json,
    check_engine_range,
    describe_box,
    network_box,
    parse_input_box,
)
from ..network import Network
from .common import CliError

__all__ = ["add_input_box_arg", "with_box", "box_line", "box_to_json", "join_negative_box"]


def join_negative_box(argv: list[str]) -> list[str]:
    """``--input-box -0.42,2.82`` -> ``--input-box=-0.42,2.82`` (argparse would take a
    value starting with '-' for an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--input-box" and i + 1 < len(argv) and argv[i + 1].startswith("-") \
                and len(argv[i + 1]) > 1 and (argv[i + 1][1].isdigit() or argv[i + 1][1] == "."):
            out.append(f"--input-box={argv[i + 1]}")
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out


def add_input_box_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input-box", metavar="LO,HI|FILE", default=None,
                   help="the input box: LO,HI for every input (e.g. -0.4242,2.8215), or a "
                        "JSON/CSV file with one [lo, hi] pair per input. Default: the "
                        "network file's input_domain, else [0,1]^d (reported as default)")


def with_box(net: Network, path: str, text: str | None) -> tuple[Network, str]:
    """(the network on its box, where the box came from).  A box given here must be one
    the float64 engines can work on (:func:`~fepproof.inputbox.check_engine_range`)."""
    if text is None:
        return net, network_box(path)
    try:
        box = parse_input_box(text)
        boxed = apply_box(net, box)
        check_engine_range(boxed.input_domain, boxed)
        return boxed, box.source
    except InputBoxError as exc:
        raise CliError(str(exc)) from None


def box_line(net: Network, source: str) -> str:
    return describe_box(net.input_domain, source)


def box_to_json(net: Network, source: str) -> dict[str, Any]:
    return box_json(net.input_domain, source)
