"""The sigmoid form of a tanh network: an exact rewrite the engines and the checker share.

tanh(Kx) = 2 sigmoid(2Kx) - 1 holds for every real x (proved in ``proofs/tanh_form.py``).
So a tanh neuron's output y is 2 y' - 1 where y' = phi_{K/2}(s) is a logistic neuron of
the paper's form (4 K' = 2K) on the same pre-activation s, and the layer that receives
y computes

    W y + b = (2W) y' + (b - W 1),

exactly, in rationals.  Every output, nominal or failed, is the same number in both
networks, so the error |F_neu - F_fail| and every bound on it carry over unchanged, as
long as each failure is rewritten to the same event:

===========================  =============================================
tanh network                 sigmoid form
===========================  =============================================
crash (sends 0)              stuck at 1/2 (sends y' = 1/2, i.e. y = 0)
stuck at v in [-1, 1]        stuck at (v + 1) / 2
Byzantine, |sent - y| <= C   Byzantine, |sent' - y'| <= C / 2
synapse, |delta| <= C        synapse, |delta| <= C (a term's change is the same)
===========================  =============================================

The ``value`` reading (|sent| <= C) bounds a value around 0, which the sigmoid form would
need around 1/2; it is refused for tanh networks (a clear error, not a weaker claim).
A witness found on the sigmoid form maps back by y = 2 y' - 1 (sent values); inputs,
failed indices and synapse changes are unchanged.
"""

from __future__ import annotations

from fractions import Fraction

from .failures import CapacityReading, FailureError, FailureKind, FailureModel
from .network import Activation, Layer, Network
from .verdict import Witness

__all__ = ["needs_rewrite", "sigmoid_form", "sigmoid_model", "witness_from_form"]


def needs_rewrite(net: Network) -> bool:
    """True when ``net``'s hidden activation is not the logistic sigmoid."""
    return not net.activation.is_sigmoid


def _rewire(layer: Layer) -> Layer:
    """The layer receiving y = 2y' - 1: weights 2W, bias b - W 1."""
    return Layer(tuple(tuple(2 * w for w in row) for row in layer.weights),
                 tuple(b - sum(row, Fraction(0))
                       for row, b in zip(layer.weights, layer.bias, strict=True)))


def sigmoid_form(net: Network) -> Network:
    """The logistic network computing the same function as the tanh network ``net``
    (``net`` itself when it is already logistic)."""
    if not needs_rewrite(net):
        return net
    act = Activation("sigmoid", net.K / 2)
    layers = (net.layers[0], *(_rewire(layer) for layer in net.layers[1:]))
    return Network(layers, _rewire(net.output), act, net.input_domain, net.name,
                   net.output_activation)


def sigmoid_model(net: Network, model: FailureModel) -> FailureModel:
    """The failure model on :func:`sigmoid_form` (``net``) that is the same event as
    ``model`` on ``net`` (see the module's table); FailureError for the value reading."""
    if not needs_rewrite(net):
        return model
    model.check_activation(net)
    if model.kind is FailureKind.CRASH:
        return FailureModel.stuck_at(Fraction(1, 2))
    if model.kind is FailureKind.STUCK_AT:
        assert model.stuck_value is not None
        return FailureModel.stuck_at((model.stuck_value + 1) / 2)
    if model.reading is not CapacityReading.DEVIATION:
        raise FailureError(f"reading: the 'value' reading (|sent| <= C) is not supported on "
                           f"{net.activation.name} networks; use the 'deviation' reading",
                           "reading")
    if model.kind is FailureKind.BYZANTINE:
        assert model.capacity is not None
        return FailureModel.byzantine(model.capacity / 2)
    return model


def witness_from_form(net: Network, witness: Witness | None,
                      model: FailureModel | None = None) -> Witness | None:
    """Map a witness found on :func:`sigmoid_form` (``net``) back to ``net`` (``model``:
    the failure model on ``net``; one that fixes the sent value records none)."""
    if witness is None or not needs_rewrite(net) or witness.values is None:
        return witness
    if model is not None and model.fixed_value is not None:
        values = None
    else:
        values = tuple(tuple(2 * v - 1 for v in row) for row in witness.values)
    return Witness(witness.input, witness.failed, values, witness.synapses,
                   witness.synapse_deltas, witness.output)
