"""Importers/exporters for networks trained elsewhere: ONNX MLPs and StaticNet ``.net``.

A plug-in of the core format registry (:mod:`fepproof.formats`): importing this package
registers ``.onnx`` and ``.net``; ``onnx`` itself is imported only when an ``.onnx``
file is read or written, so it stays an optional dependency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formats import register_format
from ..network import Network

__all__: list[str] = []


def _load_onnx(path: Path, **options: Any) -> Network:
    from .onnx_io import load_onnx

    return load_onnx(path, **options)


def _save_onnx(net: Network, path: Path) -> None:
    from .onnx_io import save_onnx

    save_onnx(net, path)


def _load_net(path: Path, **options: Any) -> Network:
    from .staticnet import load_staticnet

    return load_staticnet(path, **options)


def _save_net(net: Network, path: Path) -> None:
    from .staticnet import save_staticnet

    save_staticnet(net, path)


register_format(".onnx", _load_onnx, _save_onnx, "ONNX MLP (Gemm/MatMul+Add, Sigmoid)")
register_format(".net", _load_net, _save_net, "StaticNet raw float32")
