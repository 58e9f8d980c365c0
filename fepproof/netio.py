"""Reading and writing network files: ``fepproof-network/1`` JSON and ``.npz``.

Loaders and savers are looked up by file suffix in ``LOADERS`` / ``SAVERS`` so other
formats register themselves without touching this module's callers.  Saving is atomic:
the file appears complete or not at all.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .exact import fmt_exact
from .network import FORMAT, Network, NetworkError, network_from_dict, network_to_dict

__all__ = ["load_network", "save_network", "parse_json_exact", "atomic_write", "LOADERS", "SAVERS"]


class _NonFinite(str):
    """Marker for NaN/Infinity literals so validation can name the field."""


def parse_json_exact(text: str) -> Any:
    """Parse JSON keeping every number literal as the exact decimal it spells."""
    return json.loads(
        text,
        parse_float=lambda s: Fraction(s),
        parse_int=int,
        parse_constant=lambda s: _NonFinite(s),
    )


def _load_json(path: Path, **_: Any) -> Network:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NetworkError(f"file: {path} is not UTF-8 text") from None
    try:
        data = parse_json_exact(text)
    except json.JSONDecodeError as exc:
        raise NetworkError(
            f"file: {path} is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})"
        ) from None
    return network_from_dict(data)


def _npz_value(arrays: Any, key: str) -> Any:
    exact = key + ".exact"
    if exact in arrays.files:
        return arrays[exact].tolist()
    return arrays[key]


def _load_npz(path: Path, **_: Any) -> Network:
    try:
        arrays = np.load(path, allow_pickle=False)
    except Exception as exc:  # zipfile / pickle / value errors all mean "malformed"
        raise NetworkError(f"file: {path} is not a readable .npz archive ({exc})") from None
    with arrays:
        files = set(arrays.files)
        fmt = str(arrays["format"]) if "format" in files else FORMAT
        n_layers = 0
        while f"layers.{n_layers}.weights" in files:
            n_layers += 1
        data: dict[str, Any] = {
            "format": fmt,
            "name": str(arrays["name"]) if "name" in files else path.stem,
            "activation": {
                "name": str(arrays["activation.name"]) if "activation.name" in files else "sigmoid",
                "K": str(arrays["activation.K"]) if "activation.K" in files else "1/4",
            },
            "layers": [
                {"weights": _npz_value(arrays, f"layers.{i}.weights"),
                 **({"bias": _npz_value(arrays, f"layers.{i}.bias")}
                    if f"layers.{i}.bias" in files else {})}
                for i in range(n_layers)
            ],
        }
        if "input_domain" in files:
            data["input_domain"] = _npz_value(arrays, "input_domain")
        if "output.weights" in files:
            data["output"] = {"weights": _npz_value(arrays, "output.weights")}
            if "output.bias" in files:
                data["output"]["bias"] = _npz_value(arrays, "output.bias")
    return network_from_dict(data)


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp)`` then rename ``tmp`` onto ``path``; nothing half-written."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent or ".")
    os.close(fd)
    try:
        writer(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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


LOADERS: dict[str, Callable[..., Network]] = {".json": _load_json, ".npz": _load_npz}
SAVERS: dict[str, Callable[[Network, Path], None]] = {".json": _save_json, ".npz": _save_npz}


def load_network(path: str | os.PathLike[str], **options: Any) -> Network:
    """Load a network from any registered format (by suffix); NetworkError on bad input."""
    path = Path(path)
    if not path.exists():
        raise NetworkError(f"file: {path} does not exist")
    if path.is_dir():
        raise NetworkError(f"file: {path} is a directory")
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        known = ", ".join(sorted(LOADERS))
        raise NetworkError(f"file: unknown network format {path.suffix!r} (known: {known})")
    return loader(path, **options)


def save_network(net: Network, path: str | os.PathLike[str]) -> None:
    """Write a network in the format given by the suffix, atomically."""
    path = Path(path)
    saver = SAVERS.get(path.suffix.lower())
    if saver is None:
        known = ", ".join(sorted(SAVERS))
        raise NetworkError(f"output: cannot write format {path.suffix!r} (known: {known})")
    saver(net, path)


# Formats defined in fepproof.interop (.onnx, .net) register themselves here; the onnx
# package is imported only when an .onnx file is read or written.
from .interop import register as _register_interop  # noqa: E402

_register_interop(LOADERS, SAVERS)
