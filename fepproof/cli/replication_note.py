"""The "smallest replication factors that would make it tolerated" note of ``bound`` and
``frontier`` (Corollary 1, corrected; :mod:`fepproof.replication`)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..abbrev import abbreviate
from ..exact import fmt_decimal
from ..failures import FailureModel
from ..network import Network
from ..replication import fewest_factors

__all__ = ["replication_note", "DEFAULT_MAX_FACTOR"]

DEFAULT_MAX_FACTOR = 100


def replication_note(net: Network, failures: Sequence[int], model: FailureModel,
                     budget: Fraction, reading: str, output: int | None,
                     max_factor: int = DEFAULT_MAX_FACTOR) -> tuple[list[str], dict[str, Any]]:
    """(text lines, JSON) for the fewest added neurons making ``failures`` tolerated."""
    s = fewest_factors(net, failures, budget, model, max_factor, reading,  # type: ignore[arg-type]
                       output)
    label = "at most" if reading == "at_most" else "exactly"
    if s.factors is not None:
        widths = [n * r for n, r in zip(net.widths, s.factors)]
        lines = [f"replication (Corollary 1): r = {abbreviate(s.factors)} per layer, N = "
                 f"{abbreviate(widths)} (+{s.added} neurons, the fewest the closed form "
                 f"proves{'' if s.minimal else ': not established'}) gives Fep = "
                 f"{fmt_decimal(s.fep)} <= {fmt_decimal(budget)} ({label} f_l failures among "
                 f"the N_l r_l neurons); `fepproof harden` writes that network"]
    elif s.uniform_sufficient is not None:
        smallest = ("a layer would have no correct neuron left" if s.best_reachable is None
                    else f"smallest Fep {fmt_decimal(s.best_reachable)}")
        lines = [f"replication (Corollary 1): no factors <= {max_factor} suffice ({smallest}); "
                 f"a uniform factor {s.uniform_sufficient} does (Fep_r <= Fep_0 / r)"]
    else:
        lines = ["replication (Corollary 1): none can help (the budget is 0)"]
    return lines, s.to_json()
