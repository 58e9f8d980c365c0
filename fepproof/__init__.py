"""fepproof: a formal-verification and symbolic-proof companion for "When Neurons Fail"
(El Mhamdi & Guerraoui).

Public API (see README):

    from fepproof import load_network, fep, FailureModel
    net = load_network("cases/figure1.json")
    fep(net, [1, 0, 1]).value          # Theorem 2, exact Fraction

The command-line functions (docs/api.md): ``fepproof.load``, ``verify``, ``bound``,
``harden``, ``check`` and ``accuracy`` live in :mod:`fepproof.api`, imported on first use
so that ``import fepproof`` stays cheap.
"""

import importlib as _importlib
import sys as _sys
import types as _types

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

_API = ("load", "verify", "bound", "accuracy", "CheckResult", "ArgumentError")
"""Names of :mod:`fepproof.api` served lazily by :func:`__getattr__`."""
_CALLABLE_SUBMODULES = ("harden", "check")
"""Subpackages whose names are also API functions: the module object is made callable."""


def __getattr__(name: str):
    """``fepproof.verify`` and the other API functions: import :mod:`fepproof.api` on
    first use (PEP 562)."""
    if name in _API or name == "api":
        api = _importlib.import_module("fepproof.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'fepproof' has no attribute {name!r}")


class _CallableModule(_types.ModuleType):
    """A submodule that is also an API function: ``fepproof.check(spec)`` runs
    :func:`fepproof.api.check` while ``fepproof.check.spec`` stays the module."""

    def __call__(self, *args, **kwargs):
        api = _importlib.import_module("fepproof.api")
        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(_types.ModuleType):
    """The ``fepproof`` package: ``harden`` and ``check`` resolve to their submodules,
    imported on first use and made callable (:class:`_CallableModule`), whichever of
    ``import fepproof.check`` and ``fepproof.check(...)`` comes first."""

    def _callable_submodule(self, name: str) -> _types.ModuleType:
        mod = _sys.modules.get(f"fepproof.{name}")
        if mod is None:
            mod = _importlib.import_module(f"fepproof.{name}")
        if type(mod) is _types.ModuleType:
            mod.__class__ = _CallableModule
        return mod

    @property
    def harden(self) -> _types.ModuleType:
        return self._callable_submodule("harden")

    @harden.setter
    def harden(self, value: object) -> None:  # the import system binds the submodule
        pass

    @property
    def check(self) -> _types.ModuleType:
        return self._callable_submodule("check")

    @check.setter
    def check(self, value: object) -> None:
        pass


_sys.modules[__name__].__class__ = _Package

__all__ = [
    "accuracy", "bound", "check", "harden", "load", "verify",
    "Activation", "CapacityReading", "FailureError", "FailureKind", "FailureModel",
    "WitnessError", "Layer", "Network", "NetworkError",
    "Status", "Verdict", "Witness", "bits_for_precision", "box_extremes", "fep",
    "fep_formula", "forward", "frontier", "load_network", "max_dominated_fep",
    "network_from_dict", "network_to_dict", "neuron_errors", "precision_bound",
    "random_failure_masks", "replay", "sample_inputs", "save_network", "synapse_bound",
    "theorem1_max_failures", "tolerance", "wait_counts",
]
