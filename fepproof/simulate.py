"""Numpy simulation of the nominal and the failed network (Equations 1-3, Definition 2).

Vectorised over many inputs (n) and many failure sets (S) at once.  Float64 only: for
evidence that must hold up, replay the case with :mod:`fepproof.replay` (mpmath).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .failures import FailureModel
from .network import Network
from .verdict import Witness

__all__ = [
    "phi", "forward", "failed_outputs", "neuron_errors", "synapse_errors",
    "precision_errors", "random_failure_masks", "sample_inputs", "witness_error",
]


def phi(s: np.ndarray, K: float) -> np.ndarray:
    """phi_K(s) = sigmoid(4 K s), computed without overflow."""
    z = 4.0 * K * s
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def forward(net: Network, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Nominal pass: (hidden activations per layer, each (n, N_l); outputs (n, M))."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    act = net.activation.float_fn
    acts = []
    y = X
    for W, b in net.float_layers:
        y = act(y @ W.T + b)
        acts.append(y)
    Wo, bo = net.float_output
    return acts, y @ Wo.T + bo


def failed_outputs(net: Network, X: np.ndarray, masks: Sequence[np.ndarray],
                   sent: Sequence[np.ndarray | None] | None = None,
                   acts: Sequence[np.ndarray] | None = None,
                   model: FailureModel | None = None) -> np.ndarray:
    """Outputs (S, n, M) with the neurons in ``masks[l]`` (S, N_l) failed.

    ``sent[l]`` (broadcastable to (S, n, N_l)) holds the values failed neurons send;
    ``None`` means the value ``model`` fixes (crash, the default: 0; stuck-at: v).
    Correct neurons recompute from what they receive.
    """
    fixed = (model or FailureModel.crash()).fixed_value
    default = 0.0 if fixed is None else float(fixed)
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    act = net.activation.float_fn
    S = masks[0].shape[0]
    y = np.broadcast_to(X, (S,) + X.shape)
    for l, (W, b) in enumerate(net.float_layers):
        y = act(y @ W.T + b)
        m = masks[l][:, None, :]
        value = default if sent is None or sent[l] is None else np.broadcast_to(sent[l], y.shape)
        y = np.where(m, value, y)
    Wo, bo = net.float_output
    return y @ Wo.T + bo


def neuron_errors(net: Network, X: np.ndarray, masks: Sequence[np.ndarray],
                  sent: Sequence[np.ndarray | None] | None = None,
                  model: FailureModel | None = None) -> np.ndarray:
    """|F_neu(X) - F_fail(X)| for every failure set and input: shape (S, n, M)
    (``sent`` and ``model`` as in :func:`failed_outputs`)."""
    _, nominal = forward(net, X)
    return np.abs(failed_outputs(net, X, masks, sent, model=model) - nominal[None])


def synapse_errors(net: Network, X: np.ndarray, masks: Sequence[np.ndarray],
                   deltas: Sequence[np.ndarray]) -> np.ndarray:
    """Output error (S, n, M) with Byzantine synapses (Lemma 2).

    ``masks[l]`` (S, N_l, N_(l-1)) marks failed synapses into layer l = 1..L+1 (the last
    into the output); ``deltas[l]`` (broadcastable to (S, n, N_l, N_(l-1))) is how much
    each failed synapse changes its delivered term w_ji * y_i.
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    act = net.activation.float_fn
    _, nominal = forward(net, X)
    S = masks[0].shape[0]
    y = np.broadcast_to(X, (S,) + X.shape)
    weights = list(net.float_layers) + [net.float_output]
    for l, (W, b) in enumerate(weights):
        extra = (np.broadcast_to(deltas[l], (S, X.shape[0]) + W.shape)
                 * masks[l][:, None, :, :]).sum(axis=-1)
        s = y @ W.T + b + extra
        y = act(s) if l < net.depth else s
    return np.abs(y - nominal[None])


def precision_errors(net: Network, X: np.ndarray, deltas: Sequence[np.ndarray],
                     reading: str = "output") -> np.ndarray:
    """Output error (S, n, M) when every neuron of layer l errs by deltas[l] (Theorem 5).

    ``reading="output"`` adds the error after phi, ``"preactivation"`` before it.
    ``deltas[l]`` is broadcastable to (S, n, N_l).
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    act = net.activation.float_fn
    _, nominal = forward(net, X)
    S = np.broadcast_shapes(*[np.shape(d)[:1] or (1,) for d in deltas])[0]
    y = np.broadcast_to(X, (S,) + X.shape)
    for l, (W, b) in enumerate(net.float_layers):
        s = y @ W.T + b
        if reading == "preactivation":
            y = act(s + deltas[l])
        else:
            y = act(s) + deltas[l]
    Wo, bo = net.float_output
    return np.abs(y @ Wo.T + bo - nominal[None])


def random_failure_masks(widths: Sequence[int], failures: Sequence[int], S: int,
                         rng: np.random.Generator) -> list[np.ndarray]:
    """S random failure sets with exactly failures[l] failed neurons in layer l."""
    masks = []
    for n, f in zip(widths, failures, strict=True):
        keys = rng.random((S, n))
        idx = np.argsort(keys, axis=1)[:, :f]
        m = np.zeros((S, n), dtype=bool)
        np.put_along_axis(m, idx, True, axis=1)
        masks.append(m)
    return masks


def sample_inputs(net: Network, n: int, rng: np.random.Generator,
                  corners: bool = True) -> np.ndarray:
    """n points of the input box: uniform samples, plus its corners when few enough."""
    dom = net.float_domain
    X = dom[:, 0] + rng.random((n, dom.shape[0])) * (dom[:, 1] - dom[:, 0])
    if corners and dom.shape[0] <= 10:
        grid = np.array(np.meshgrid(*dom, indexing="ij")).reshape(dom.shape[0], -1).T
        X = np.vstack([grid, X])
    return X


def witness_error(net: Network, witness: Witness, model: FailureModel | None = None
                  ) -> float:
    """float64 error of one witness (max over outputs, or its ``output``): the simulator's
    side of ``fepproof replay``.  Missing sent values are the model's fixed value (crash:
    0, stuck-at: v).  Validate the witness first (:meth:`FailureModel.validate`)."""
    X = np.array([[float(v) for v in witness.input]])
    if witness.synapses:
        shapes = [W.shape for W, _ in net.float_layers] + [net.float_output[0].shape]
        masks = [np.zeros((1,) + sh, dtype=bool) for sh in shapes]
        deltas = [np.zeros((1, 1) + sh) for sh in shapes]
        for (l, j, i), d in zip(witness.synapses, witness.synapse_deltas, strict=True):
            masks[l - 1][0, j, i] = True
            deltas[l - 1][0, 0, j, i] += float(d)
        err = synapse_errors(net, X, masks, deltas)[0, 0]
    else:
        masks, sent = [], []
        for l, n in enumerate(net.widths):
            m = np.zeros((1, n), dtype=bool)
            s = np.zeros((1, 1, n))
            for k, j in enumerate(witness.failed[l] if witness.failed else ()):
                m[0, j] = True
                if witness.values is not None:
                    s[0, 0, j] = float(witness.values[l][k])
            masks.append(m)
            sent.append(s if witness.values is not None else None)
        err = neuron_errors(net, X, masks, sent, model)[0, 0]
    return float(err[witness.output] if witness.output is not None else err.max())
