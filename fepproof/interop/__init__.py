"""Importers/exporters for networks trained elsewhere: ONNX MLPs and StaticNet ``.net``.

Importing this package registers ``.onnx`` and ``.net`` in :data:`fepproof.netio.LOADERS`
and ``SAVERS``; ``onnx`` itself is imported only when an ``.onnx`` file is read or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..network import Network

__all__ = ["register"]


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


def register(loaders: dict[str, Any], savers: dict[str, Any]) -> None:
    """Add the .onnx and .net formats to the suffix registries."""
    loaders.setdefault(".onnx", _load_onnx)
    loaders.setdefault(".net", _load_net)
    savers.setdefault(".onnx", _save_onnx)
    savers.setdefault(".net", _save_net)
