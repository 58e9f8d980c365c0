"""The float64 view of a network and a failure distribution that every numeric bound,
search and attack shares, and the two small reductions they all use (the k largest
failures of a layer; the gain of failed synapses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..failures import FailureModel
from ..network import Network

__all__ = ["FloatNet", "syn_term", "topk_sum"]


@dataclass
class FloatNet:
    """float64 view of a network and a failure distribution, shared by bound and search."""

    Ws: list[np.ndarray]  # L hidden weight matrices, then the output matrix
    bs: list[np.ndarray]
    slope: float
    dom: np.ndarray
    failures: tuple[int, ...]
    kind: str  # model.kind (a FailureKind, kept for older callers)
    C: float
    reading: str
    rows: np.ndarray  # output rows considered
    model: FailureModel = field(default_factory=FailureModel.crash)  # what failures do

    @classmethod
    def make(cls, net: Network, failures: tuple[int, ...], model: FailureModel,
             output: int | None = None) -> FloatNet:
        Ws = [W for W, _ in net.float_layers] + [net.float_output[0]]
        bs = [b for _, b in net.float_layers] + [net.float_output[1]]
        rows = np.arange(net.n_outputs) if output is None else np.array([output])
        return cls(Ws, bs, float(net.activation.slope), net.float_domain, tuple(failures),
                   model.kind, float(model.C), model.reading, rows, model)

    @property
    def L(self) -> int:
        return len(self.Ws) - 1


def topk_sum(gain: np.ndarray, k: int) -> np.ndarray:
    """Row-wise sum of the k largest entries (the worst k failures of a layer); rows are
    all axes but the last."""
    n = gain.shape[-1]
    if k <= 0 or n == 0:
        return np.zeros(gain.shape[:-1])
    if k >= n:
        return gain.sum(axis=-1)
    return np.partition(gain, n - k, axis=-1)[..., n - k:].sum(axis=-1)


def syn_term(fn: FloatNet, st: Any, H: np.ndarray, t: int) -> np.ndarray:
    """Largest gain of the f_t failed synapses into layer t for the rows of ``H``
    (``st.syn[t]``: their deviation table; ``st`` is any bound state holding that list,
    so :mod:`.leaf` shares it)."""
    D = st.syn[t]
    if D is None:
        return np.zeros(H.shape[:-1])
    vals = (np.abs(H)[..., :, None] * D).reshape(H.shape[:-1] + (-1,))
    return topk_sum(vals, fn.failures[t])
