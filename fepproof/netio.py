"""The ``fepproof-network/1`` file formats: JSON and ``.npz`` (readers and writers).

Importing this module registers ``.json`` and ``.npz`` in the core format registry
(:mod:`fepproof.formats`).  Reading is hostile-input safe: files over
:data:`fepproof.fsutil.MAX_INPUT_BYTES` are refused, JSON number literals are kept as
text until :func:`fepproof.exact.to_fraction` checks their limits (no float or big-int
conversion inside the JSON parser, so ``1e999999999`` cannot hang it), deep nesting is
an error, duplicate keys are an error, and ``.npz`` members are checked for size before
they are decompressed and are never unpickled.  Saving is atomic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .exact import MAX_DIGITS, JsonNumber, fmt_exact
from .formats import LOADERS, SAVERS, load_network, register_format, save_network
from .fsutil import atomic_write, check_size, read_limited
from .network import (
    FORMAT,
    MAX_PARAMETERS,
    Network,
    NetworkError,
    network_from_dict,
    network_to_dict,
)

__all__ = ["load_network", "save_network", "parse_json_exact", "read_json_exact",
           "atomic_write", "JsonNumber", "LOADERS", "SAVERS"]


class _NonFinite(str):
    """Marker for NaN/Infinity literals so validation can name the field."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise NetworkError(f"duplicate key {key[:40]!r} in a JSON object")
        out[key] = value
    return out


def _plain_number(text: str) -> int | float:
    """A JSON number literal as Python's json would read it, but bounded: floats as
    float (``1e999999999`` is inf at once), integers of at most MAX_DIGITS digits."""
    if any(c in text for c in ".eE"):
        return float(text)
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise NetworkError(f"an integer literal of {len(text)} digits (the limit is "
                           f"{MAX_DIGITS})")
    return int(text)


def parse_json_exact(text: str, exact: bool = True, strict: bool = False) -> Any:
    """Parse JSON keeping every number literal as its text (:class:`JsonNumber`), or,
    with ``exact=False``, as int/float with bounded integer literals.

    ``json.JSONDecodeError`` for malformed text and RecursionError for deep nesting, as
    :func:`json.loads`; with ``strict=True`` NetworkError for nesting deeper than Python's
    recursion limit and for duplicate keys (which json would resolve to the last one).
    """
    number = JsonNumber if exact else _plain_number
    try:
        return json.loads(
            text,
            parse_float=number,
            parse_int=number,
            parse_constant=_NonFinite if exact else float,
            object_pairs_hook=_no_duplicates if strict else None,
        )
    except RecursionError:
        if not strict:
            raise
        raise NetworkError("JSON nested too deeply") from None


MAX_JSON_ITEMS = MAX_PARAMETERS + 100_000
"""Most commas a network JSON file may hold, counted in its bytes before it is parsed
(each parsed number costs far more memory than its text).  In a valid network every
comma but a few per layer object separates two numbers, so this admits any network of
MAX_PARAMETERS numbers, with room for its name and a comment."""


def read_json_exact(path: str | os.PathLike[str], field: str = "file",
                    exact: bool = True, max_items: int | None = None) -> Any:
    """Read a JSON file of bounded size with :func:`parse_json_exact`; NetworkError
    (naming ``field``) when it is too large, not UTF-8, malformed or nested too deeply.

    Any JSON input of fepproof (a network, a witness) can be read this way; ``exact=False``
    gives the plain int/float values of :func:`json.load`, minus its hazards.  With
    ``max_items``, a file with more commas than that is refused before it is parsed."""
    path = Path(path)
    try:
        raw = read_limited(path)
    except ValueError as exc:  # InputTooLarge
        raise NetworkError(f"{field}: {exc}") from None
    if max_items is not None and raw.count(b",") > max_items:
        raise NetworkError(f"{field}: {path} holds more than {max_items} comma-separated "
                           f"items; a network holds at most {MAX_PARAMETERS} numbers")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NetworkError(f"{field}: {path} is not UTF-8 text") from None
    try:
        return parse_json_exact(text, exact, strict=True)
    except json.JSONDecodeError as exc:
        raise NetworkError(
            f"{field}: {path} is not JSON (line {exc.lineno} column {exc.colno}: "
            f"{exc.msg})") from None
    except NetworkError as exc:
        raise NetworkError(f"{field}: {path}: {exc}") from None


def _load_json(path: Path, **_: Any) -> Network:
    data = read_json_exact(path, max_items=MAX_JSON_ITEMS)
    if isinstance(data, dict) and "format" not in data:
        raise NetworkError(f"format: missing; a network file names its format, "
                           f"\"format\": \"{FORMAT}\"")
    return network_from_dict(data)


# ---- .npz ------------------------------------------------------------------------------

_NPZ_FIXED = {"format", "name", "activation.name", "activation.K", "output_activation.name",
              "output_activation.K"}
_NPZ_NUMERIC = ("weights", "bias")


def _npz_known(key: str, n_layers: int) -> bool:
    base = key[:-len(".exact")] if key.endswith(".exact") else key
    if key in _NPZ_FIXED:
        return True
    if base in ("input_domain", "output.weights", "output.bias"):
        return True
    parts = base.split(".")
    return (len(parts) == 3 and parts[0] == "layers" and parts[1].isascii()
            and parts[1].isdigit() and str(int(parts[1])) == parts[1]
            and int(parts[1]) < n_layers and parts[2] in _NPZ_NUMERIC)


def _member(arrays: Any, key: str) -> np.ndarray:
    try:
        return arrays[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise NetworkError(f"{key}: holds Python objects; fepproof never unpickles "
                               f"(store numbers as float or string arrays)") from None
        raise NetworkError(f"{key}: unreadable array ({exc})") from None
    except Exception as exc:  # zlib / zipfile / EOF errors: a corrupt member
        raise NetworkError(f"{key}: unreadable array ({type(exc).__name__})") from None


def _npz_headers(arrays: Any, path: Path) -> None:
    """Check every member's ``.npy`` header before any array is read: a numpy array (no
    raw bytes, no Python objects), no more data declared than the member holds, and at
    most MAX_PARAMETERS numbers in all (a ``<key>.exact`` twin counts once)."""
    from numpy.lib import format as npformat

    counts: dict[str, int] = {}
    for info in arrays.zip.infolist():
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        try:
            with arrays.zip.open(info) as fh:
                version = npformat.read_magic(fh)
                reader = (npformat.read_array_header_1_0 if version == (1, 0)
                          else npformat.read_array_header_2_0)
                shape, _, dtype = reader(fh)
        except Exception:  # no magic, a bad header, a corrupt member
            raise NetworkError(f"{key}: not a numpy array (a member of the .npz archive "
                               f"must be a .npy array)") from None
        if dtype.hasobject:
            raise NetworkError(f"{key}: holds Python objects; fepproof never unpickles "
                               f"(store numbers as float or string arrays)")
        n = 1
        for d in shape:
            n *= d
        if n * dtype.itemsize > info.file_size:
            raise NetworkError(f"{key}: the header declares shape {shape} of {dtype} "
                               f"({n * dtype.itemsize} bytes) but the member holds "
                               f"{info.file_size} bytes")
        base = key[:-len(".exact")] if key.endswith(".exact") else key
        counts[base] = max(counts.get(base, 0), n)
    total = sum(counts.values())
    if total > MAX_PARAMETERS + len(counts):  # + the scalar name, format, K entries
        raise NetworkError(f"file: {path.name} holds {total} numbers; the limit is "
                           f"{MAX_PARAMETERS}")


def _npz_value(arrays: Any, key: str) -> Any:
    exact = key + ".exact"
    if exact in arrays.files:
        return _member(arrays, exact).tolist()
    arr = _member(arrays, key)
    if arr.dtype.kind not in "iufSU":
        raise NetworkError(f"{key}: arrays of dtype {arr.dtype} are not numbers "
                           f"(use float, integer or string arrays)")
    return arr


def _npz_text(arrays: Any, key: str) -> str:
    arr = _member(arrays, key)
    if arr.shape != () or arr.dtype.kind not in "US":
        raise NetworkError(f"{key}: expected a single string, got an array of "
                           f"shape {arr.shape} and dtype {arr.dtype}")
    value = arr.item()
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _load_npz(path: Path, **_: Any) -> Network:
    try:
        arrays = np.load(path, allow_pickle=False)
    except Exception as exc:  # zipfile / pickle / value errors all mean "malformed"
        raise NetworkError(f"file: {path} is not a readable .npz archive "
                           f"({type(exc).__name__})") from None
    if not hasattr(arrays, "files"):  # a plain .npy saved under an .npz name
        raise NetworkError(f"file: {path} is a single .npy array, not an .npz archive")
    with arrays:
        check_size(sum(info.file_size for info in arrays.zip.infolist()),
                   f"{path} (decompressed)")
        _npz_headers(arrays, path)
        files = set(arrays.files)
        n_layers = 0
        while f"layers.{n_layers}.weights" in files or f"layers.{n_layers}.weights.exact" in files:
            n_layers += 1
        unknown = sorted(k for k in files if not _npz_known(k, n_layers))
        if unknown:
            raise NetworkError(f"{unknown[0]}: unknown array in the .npz archive (known: "
                               f"format, name, activation.name, activation.K, "
                               f"output_activation.name, output_activation.K, input_domain, "
                               f"layers.<i>.weights, layers.<i>.bias, output.weights, "
                               f"output.bias, each numeric one optionally as <key>.exact)")
        data: dict[str, Any] = {
            "format": _npz_text(arrays, "format") if "format" in files else FORMAT,
            "name": _npz_text(arrays, "name") if "name" in files else path.stem,
            "layers": [
                {"weights": _npz_value(arrays, f"layers.{i}.weights"),
                 **({"bias": _npz_value(arrays, f"layers.{i}.bias")}
                    if {f"layers.{i}.bias", f"layers.{i}.bias.exact"} & files else {})}
                for i in range(n_layers)
            ],
        }
        if "activation.name" in files or "activation.K" in files:
            data["activation"] = {
                k: _npz_text(arrays, f"activation.{k}") for k in ("name", "K")
                if f"activation.{k}" in files}
        if "output_activation.name" in files or "output_activation.K" in files:
            data["output_activation"] = {
                k: _npz_text(arrays, f"output_activation.{k}") for k in ("name", "K")
                if f"output_activation.{k}" in files}
        if "input_domain" in files or "input_domain.exact" in files:
            data["input_domain"] = _npz_value(arrays, "input_domain")
        if "output.weights" in files or "output.weights.exact" in files:
            data["output"] = {"weights": _npz_value(arrays, "output.weights")}
            if "output.bias" in files or "output.bias.exact" in files:
                data["output"]["bias"] = _npz_value(arrays, "output.bias")
    return network_from_dict(data)


# ---- writers -----------------------------------------------------------------------------

def _save_json(net: Network, path: Path) -> None:
    text = json.dumps(network_to_dict(net), indent=1) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def _save_npz(net: Network, path: Path) -> None:
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "name": np.array(net.name),
        "activation.name": np.array(net.activation.name),
        "activation.K": np.array(fmt_exact(net.K)),
    }
    if net.output_activation is not None:
        arrays["output_activation.name"] = np.array(net.output_activation.name)
        arrays["output_activation.K"] = np.array(fmt_exact(net.output_activation.K))

    def put(key: str, values: Any) -> None:
        exact = np.array(values, dtype=object)
        arrays[key] = exact.astype(np.float64)
        arrays[key + ".exact"] = np.vectorize(fmt_exact, otypes=[str])(exact)

    put("input_domain", [list(p) for p in net.input_domain])
    for i, layer in enumerate(net.layers):
        put(f"layers.{i}.weights", [list(r) for r in layer.weights])
        put(f"layers.{i}.bias", list(layer.bias))
    put("output.weights", [list(r) for r in net.output.weights])
    put("output.bias", list(net.output.bias))

    def write(p: Path) -> None:
        with open(p, "wb") as fh:
            np.savez(fh, **arrays)

    atomic_write(path, write)


register_format(".json", _load_json, _save_json, "fepproof-network/1 JSON, exact rationals")
register_format(".npz", _load_npz, _save_npz, "numpy archive: float64 plus exact strings")
