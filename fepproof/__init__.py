"""fepproof: a formal-verification and symbolic-proof companion for "When Neurons Fail"
(El Mhamdi & Guerraoui).

Public API (see README):

    from fepproof import load_network, fep, FailureModel
    net = load_network("cases/figure1.json")
    fep(net, [1, 0, 1]).value          # Theorem 2, exact Fraction
"""

from .bounds import (
    bits_for_precision,
    box_extremes,
    fep,
    fep_formula,
    max_dominated_fep,
    precision_bound,
    synapse_bound,
    theorem1_max_failures,
    tolerance,
    wait_counts,
)
from .failures import CapacityReading, FailureError, FailureKind, FailureModel, WitnessError
from .formats import load_network, save_network
from .frontier import frontier
from .network import Activation, Layer, Network, NetworkError, network_from_dict, network_to_dict
from .replay import replay
from .simulate import forward, neuron_errors, random_failure_masks, sample_inputs
from .verdict import Status, Verdict, Witness

__version__ = "0.1.0"

__all__ = [
    "Activation", "CapacityReading", "FailureError", "FailureKind", "FailureModel",
    "WitnessError", "Layer", "Network", "NetworkError",
    "Status", "Verdict", "Witness", "bits_for_precision", "box_extremes", "fep",
    "fep_formula", "forward", "frontier", "load_network", "max_dominated_fep",
    "network_from_dict", "network_to_dict", "neuron_errors", "precision_bound",
    "random_failure_masks", "replay", "sample_inputs", "save_network", "synapse_bound",
    "theorem1_max_failures", "tolerance", "wait_counts",
]
