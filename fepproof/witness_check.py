"""Structural validation of a witness against a network and a failure model.

``fepproof replay`` trusts nothing: before a witness is evaluated, this
module checks every index is in range, no neuron or synapse is listed twice, the
per-layer counts are exactly the claimed ones (when a claim is present), the sent values
and synapse deltas line up with the failures, and each lies where the model allows
without knowing the nominal values.  Called through :meth:`FailureModel.validate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .exact import short_exact
from .failure_errors import WitnessError
from .network import Network

if TYPE_CHECKING:
    from .failures import FailureModel
    from .verdict import Witness

__all__ = ["validate_witness"]


def _err(message: str) -> Exception:
    return WitnessError(message, message.split(":", 1)[0])


def validate_witness(model: FailureModel | None, w: Witness, net: Network,
                     failures: Sequence[int] | None = None) -> None:
    """Raise :class:`~fepproof.failures.WitnessError` naming the first bad field.

    ``model=None`` checks the structure only (any neuron or synapse failures)."""
    if len(w.input) != net.input_dim:
        raise _err(f"witness.input: expected {net.input_dim} values, got {len(w.input)}")
    if w.output is not None and not 0 <= w.output < net.n_outputs:
        raise _err(f"witness.output: the network has {net.n_outputs} output(s), "
                   f"got {w.output}")
    neurons = model is None or model.fails_neurons
    synapses = model is None or model.fails_synapses
    if any(w.failed) or w.values:
        if not neurons:
            raise _err("witness.failed: the synapse model fails synapses, not neurons "
                       "(list them in witness.synapses)")
    if w.synapses or w.synapse_deltas:
        if not synapses:
            kind = model.kind if model is not None else ""
            raise _err(f"witness.synapses: the {kind} model fails neurons, not synapses "
                       "(replay synapse witnesses with --model synapse)")
    _check_neurons(model, w, net)
    _check_synapses(model, w, net)
    if failures is not None:
        _check_claim(model, w, net, failures)


def _check_neurons(model: FailureModel | None, w: Witness, net: Network) -> None:
    if len(w.failed) not in (0, net.depth):
        raise _err(f"witness.failed: expected {net.depth} lists (one per hidden layer), "
                   f"got {len(w.failed)}")
    for l, row in enumerate(w.failed):
        seen: set[int] = set()
        for idx in row:
            if not 0 <= idx < net.widths[l]:
                raise _err(f"witness.failed[{l}]: neuron {idx} out of range "
                           f"(layer {l + 1} has {net.widths[l]} neurons)")
            if idx in seen:
                raise _err(f"witness.failed[{l}]: neuron {idx} listed twice")
            seen.add(idx)
    if w.values is None:
        if model is not None and model.fails_neurons and model.fixed_value is None \
                and any(w.failed):
            raise _err(f"witness.values: missing; a {model.kind} neuron's sent value is "
                       "not fixed by the model")
        return
    if len(w.values) != len(w.failed):
        raise _err(f"witness.values: expected {len(w.failed)} lists (one per entry of "
                   f"witness.failed), got {len(w.values)}")
    for l, (row, vals) in enumerate(zip(w.failed, w.values, strict=True)):
        if len(vals) != len(row):
            raise _err(f"witness.values[{l}]: expected {len(row)} values (one per failed "
                       f"neuron), got {len(vals)}")
        if model is None:
            continue
        # nominal outputs lie in [inf phi, sup phi]: what the model lets a failed neuron
        # send then
        lo, hi = model.sent_interval(net.activation.inf, net.activation.sup)
        for k, v in enumerate(vals):
            if not lo <= v <= hi:
                raise _err(f"witness.values[{l}][{k}]: {short_exact(v)} is not a value a "
                           f"failed neuron may send under {model.describe()} "
                           f"(sent values lie in [{short_exact(lo)}, {short_exact(hi)}])")


def _synapse_shape(net: Network, layer: int) -> tuple[int, int]:
    weights = net.output.weights if layer == net.depth + 1 else net.layers[layer - 1].weights
    return len(weights), len(weights[0]) if weights else 0


def _check_synapses(model: FailureModel | None, w: Witness, net: Network) -> None:
    if len(w.synapse_deltas) != len(w.synapses):
        raise _err(f"witness.synapse_deltas: expected {len(w.synapses)} values (one per "
                   f"entry of witness.synapses), got {len(w.synapse_deltas)}")
    seen: set[tuple[int, int, int]] = set()
    for k, (syn, d) in enumerate(zip(w.synapses, w.synapse_deltas, strict=True)):
        if len(syn) != 3:
            raise _err(f"witness.synapses[{k}]: expected [layer, j, i], got {list(syn)}")
        l, j, i = syn
        if not 1 <= l <= net.depth + 1:
            raise _err(f"witness.synapses[{k}]: layer {l} out of range (1..{net.depth + 1}, "
                       f"{net.depth + 1} = into the output node)")
        rows, cols = _synapse_shape(net, l)
        if not 0 <= j < rows:
            raise _err(f"witness.synapses[{k}]: receiving neuron {j} out of range "
                       f"(layer {l} has {rows})")
        if not 0 <= i < cols:
            raise _err(f"witness.synapses[{k}]: sending neuron {i} out of range "
                       f"(layer {l} has {cols} inputs)")
        if (l, j, i) in seen:
            raise _err(f"witness.synapses[{k}]: synapse {[l, j, i]} listed twice")
        seen.add((l, j, i))
        if model is not None and model.fails_synapses:
            # the nominal term w_ji y_i has magnitude <= |w_ji| sup |y_i|
            weights = net.output.weights if l == net.depth + 1 else net.layers[l - 1].weights
            if l == 1:
                ysup = max(abs(net.input_domain[i][0]), abs(net.input_domain[i][1]))
            else:
                ysup = net.activation.sup
            m = abs(weights[j][i]) * ysup
            lo, hi = model.deviation_interval(-m, m)
            if not lo <= d <= hi:
                raise _err(f"witness.synapse_deltas[{k}]: {short_exact(d)} is not a change a "
                           f"failed synapse may make under {model.describe()} "
                           f"(at most [{short_exact(lo)}, {short_exact(hi)}] here)")


def _check_claim(model: FailureModel | None, w: Witness, net: Network,
                 failures: Sequence[int]) -> None:
    f = list(failures)
    by_synapse = (model.fails_synapses if model is not None
                  else bool(w.synapses) and not any(w.failed))
    if by_synapse:
        field = "witness.synapses"
        counts = [sum(1 for s in w.synapses if s[0] == l) for l in range(1, net.depth + 2)]
    else:
        field = "witness.failed"
        counts = [len(row) for row in w.failed] or [0] * net.depth
    if len(f) != len(counts):
        raise _err(f"failures: the claim has {len(f)} per-layer counts, the {model_kind(model)}"
                   f"model has {len(counts)} layers")
    for l, (claimed, got) in enumerate(zip(f, counts, strict=True), start=1):
        if claimed != got:
            raise _err(f"{field}: layer {l} has {got} failures, but the claim "
                       f"(failures {f}) says {claimed}")


def model_kind(model: FailureModel | None) -> str:
    return "" if model is None else f"{model.kind} "
