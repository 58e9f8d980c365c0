"""The input box X ranges over (Section 2.1: F is defined on a compact domain).

Networks imported from ONNX, ``.npz`` without ``input_domain`` or StaticNet carry no
input domain and get [0, 1]^d; real models take normalised inputs (MNIST pixels
standardised to about [-0.42, 2.82]).  An :class:`InputBox` is read from ``LO,HI`` (one
pair for every input), from a JSON file (``[[lo, hi], ...]``, ``[lo, hi]`` or an object
with ``input_box`` / ``input_domain``) or from a CSV file (one ``lo,hi`` line per input),
and always knows where it came from, so every output can name the box it used.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from .exact import ExactError, fmt_decimal, fmt_exact, to_fraction
from .network import Network

__all__ = ["InputBox", "InputBoxError", "parse_input_box", "box_from_value", "apply_box",
           "network_box", "describe_box", "check_engine_range", "MAX_BOX_FILE",
           "MAX_BOX_ABS", "MAX_PREACT_ABS"]

MAX_BOX_FILE = 16 * 1024 * 1024  # bytes; a box file larger than this is refused
MAX_BOX_ABS = 10 ** 100
"""Largest input magnitude a box may have: the engines compute in float64, where box
widths, midpoints and pre-activations of inputs near 1e308 overflow (the sigmoid is
saturated long before: sigma(40) = 1 - 4e-18)."""
MAX_PREACT_ABS = 10 ** 200
"""Largest first-layer pre-activation magnitude sum_i |w_ji| max|x_i| + |b_j| a box may
give (float64 headroom for the engines' products of bounds)."""


class InputBoxError(ValueError):
    """Invalid input box; the message names the field."""


@dataclass(frozen=True)
class InputBox:
    """Either one [lo, hi] for every input (``pairs`` of length 1) or one per input."""

    pairs: tuple[tuple[Fraction, Fraction], ...]
    source: str  # e.g. "--input-box -0.4242,2.8215" or "box.csv"

    def resolve(self, d: int, field: str = "--input-box") -> tuple[tuple[Fraction, Fraction],
                                                                     ...]:
        """The d pairs of the box for a network with d inputs."""
        if len(self.pairs) == 1:
            return self.pairs * d
        if len(self.pairs) != d:
            raise InputBoxError(f"{field}: {len(self.pairs)} [lo, hi] pairs for a network "
                                f"with {d} inputs (give 1 or {d})")
        return self.pairs


def _pair(value: Any, field: str) -> tuple[Fraction, Fraction]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise InputBoxError(f"{field}: expected a pair [lo, hi]")
    try:
        lo, hi = to_fraction(value[0], f"{field}[0]"), to_fraction(value[1], f"{field}[1]")
    except ExactError as exc:
        raise InputBoxError(str(exc)) from None
    if lo > hi:
        raise InputBoxError(f"{field}: lo > hi ({fmt_exact(lo)} > {fmt_exact(hi)})")
    return lo, hi


def box_from_value(value: Any, field: str, source: str) -> InputBox:
    """A box from ``[lo, hi]`` or ``[[lo, hi], ...]`` (numbers or exact strings)."""
    if isinstance(value, dict):
        for key in ("input_box", "input_domain"):
            if key in value:
                return box_from_value(value[key], f"{field}.{key}", source)
        raise InputBoxError(f"{field}: expected 'input_box' or a list of [lo, hi] pairs")
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise InputBoxError(f"{field}: expected [lo, hi] or a non-empty list of [lo, hi] pairs")
    if not isinstance(value[0], (list, tuple)):
        return InputBox((_pair(value, field),), source)
    return InputBox(tuple(_pair(p, f"{field}[{i}]") for i, p in enumerate(value)), source)


def _read_file(path: Path, field: str) -> InputBox:
    try:
        size = path.stat().st_size
        if size > MAX_BOX_FILE:
            raise InputBoxError(f"{field}: {path} is larger than {MAX_BOX_FILE} bytes")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputBoxError(f"{field}: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputBoxError(f"{field}: cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        from .netio import parse_json_exact
        try:
            data = parse_json_exact(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputBoxError(f"{field}: {path} is not valid JSON ({exc})") from None
        return box_from_value(data, f"{field} {path}", str(path))
    rows = [r for r in csv.reader(io.StringIO(text)) if r and not r[0].lstrip().startswith("#")]
    if rows and len(rows[0]) == 2:
        try:
            to_fraction(rows[0][0].strip())
        except ExactError:
            rows = rows[1:]  # a header line such as "lo,hi"
    if not rows:
        raise InputBoxError(f"{field}: {path} holds no lo,hi lines")
    pairs = []
    for n, row in enumerate(rows, start=1):
        if len(row) != 2:
            raise InputBoxError(f"{field}: {path} line {n}: expected lo,hi, got {len(row)} "
                                f"fields")
        pairs.append(_pair([c.strip() for c in row], f"{field} {path} line {n}"))
    return InputBox(tuple(pairs), str(path))


def parse_input_box(text: str, field: str = "--input-box",
                    base: Path | None = None) -> InputBox:
    """``LO,HI`` for every input, or the path of a JSON / CSV file with one pair per input.

    An inline pair with a bad value (``nan,1``, ``0,1e999``) names that value, unless a
    file of that name exists."""
    if not isinstance(text, str) or not text.strip():
        raise InputBoxError(f"{field}: expected LO,HI or a JSON/CSV file")
    parts = text.split(",")
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = base / path
    problem = None
    if len(parts) == 2:
        values, errors = [], []
        for name, part in zip(("LO", "HI"), parts, strict=True):
            try:
                values.append(to_fraction(part.strip(), f"{field} {name}"))
            except ExactError as exc:
                errors.append(str(exc))
        if not errors:
            lo, hi = values
            if lo > hi:
                raise InputBoxError(f"{field}: lo > hi ({fmt_exact(lo)} > {fmt_exact(hi)})")
            return InputBox(((lo, hi),), f"{field} {text.strip()}")
        # a value that looks like a number (nan, 1e999) or a good other half: name it
        numeric = [e for e in errors if "cannot read" not in e]
        problem = numeric[0] if numeric else errors[0] if len(errors) == 1 else None
    elif len(parts) > 2 and not path.is_file():
        raise InputBoxError(f"{field}: expected LO,HI (two numbers) or a file, got "
                            f"{len(parts)} comma-separated values in {text[:60]!r}")
    if not path.is_file():
        raise InputBoxError(problem or f"{field}: {text[:80]!r} is neither LO,HI nor an "
                                       f"existing file")
    return _read_file(path, field)


def check_engine_range(domain: Sequence[tuple[Fraction, Fraction]], net: Network,
                       field: str = "--input-box") -> None:
    """Refuse a box the float64 engines cannot work on (InputBoxError naming ``field``):
    an input magnitude above :data:`MAX_BOX_ABS`, or a first-layer pre-activation bound
    above :data:`MAX_PREACT_ABS`."""
    mags = []
    for i, (lo, hi) in enumerate(domain):
        m = max(abs(lo), abs(hi))
        if m > MAX_BOX_ABS:
            where = "" if len(domain) == 1 or all(p == domain[0] for p in domain) \
                else f" (input {i})"
            raise InputBoxError(f"{field}: {fmt_decimal(m, 6)}{where} is too large: input "
                                f"magnitudes up to 1e100 are accepted (the engines compute "
                                f"in float64; the sigmoid saturates long before)")
        mags.append(float(m))
    for j, (row, b) in enumerate(zip(net.layers[0].weights, net.layers[0].bias, strict=True)):
        s = abs(float(b)) + sum(abs(float(w)) * m for w, m in zip(row, mags, strict=True))
        if not s <= MAX_PREACT_ABS:  # also catches an overflow to inf
            raise InputBoxError(f"{field}: on this box the pre-activation of layer 1 neuron "
                                f"{j} reaches {s:.3g}, beyond the 1e200 the float64 engines "
                                f"can bound; give a smaller box")


def apply_box(net: Network, box: InputBox | None, field: str = "--input-box") -> Network:
    """``net`` with its input domain replaced by ``box`` (unchanged when ``box`` is None)."""
    if box is None:
        return net
    return replace(net, input_domain=box.resolve(net.input_dim, field))


def network_box(path: str | Path) -> str:
    """Where a loaded network's box came from: ``"network file"`` or ``"default"``.

    Only fepproof JSON and ``.npz`` files can hold an ``input_domain``; ONNX and
    StaticNet files never do, so their box is the default [0, 1]^d.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            with open(path, "rb") as fh:
                return "network file" if b'"input_domain"' in fh.read() else "default"
        if suffix == ".npz":
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
            return "network file" if any(n.startswith("input_domain") for n in names) \
                else "default"
    except (OSError, zipfile.BadZipFile):
        return "default"
    return "default"


def describe_box(domain: Sequence[tuple[Fraction, Fraction]], source: str) -> str:
    """``[-0.4242, 2.8215]^784 (--input-box ...)`` or the per-input pairs, abbreviated."""
    from .abbrev import abbreviate

    def num(q: Fraction) -> str:
        dec = fmt_decimal(q, 15)
        if "e" not in dec and Fraction(dec) == q:  # an exact decimal: print it as such
            return dec[:-2] if dec.endswith(".0") else dec
        text = fmt_exact(q)
        return text if len(text) <= 10 else "~" + fmt_decimal(q, 6)
    label = {"default": "default [0,1]^d: the network file has no input domain",
             "network file": "from the network file"}.get(source, source)
    if domain and all(p == domain[0] for p in domain):
        lo, hi = domain[0]
        return f"[{num(lo)}, {num(hi)}]^{len(domain)} ({label})"
    text = abbreviate([f"[{num(lo)}, {num(hi)}]" for lo, hi in domain])
    return f"{text} ({label})"


def box_json(domain: Sequence[tuple[Fraction, Fraction]], source: str) -> dict[str, Any]:
    """The box for ``--json`` output: exact pairs and where they came from."""
    return {"source": source, "box": [[fmt_exact(lo), fmt_exact(hi)] for lo, hi in domain]}
