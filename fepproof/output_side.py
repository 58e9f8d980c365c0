"""Claims after the network's output activation (a final sigmoid or tanh, as exported
regressors and binary classifiers have).

The engines bound the linear output F (before the activation psi).  psi is K_o-Lipschitz
(sigmoid(4 K_o x) and tanh(K_o x) both are), so |psi(F) - psi(F')| <= K_o |F - F'|: a claim
B after psi follows from the linear claim B / K_o, and the worst case after psi is at most
K_o times the linear one (and at most the width of psi's range).  A witness is replayed in
high precision and its error after psi is what refutes; a linear witness that stays
below B after psi leaves the claim ``unknown`` (the Lipschitz step may be loose), never
refuted.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath

from .network import Network
from .replay import replay
from .verdict import Status
from .verify_api import VerifyResult

__all__ = ["OutputSideError", "linear_bound", "after_activation"]


class OutputSideError(ValueError):
    """The claim asks for a side the network does not have."""


def _psi(net: Network):
    if net.output_activation is None:
        raise OutputSideError("output-side: the network has no output activation (its "
                              "outputs are linear)")
    return net.output_activation


def linear_bound(net: Network, bound: Fraction) -> Fraction:
    """The claim on the linear output that implies ``bound`` after the activation."""
    return bound / _psi(net).K


def after_activation(res: VerifyResult, net: Network, bound: Fraction) -> VerifyResult:
    """The result of the linear run ``res`` (claim :func:`linear_bound`) read after the
    output activation, for the claim ``bound``."""
    psi = _psi(net)
    width = psi.sup - psi.inf
    p = dataclasses.replace(res.problem, bound=bound)
    upper = None if res.upper is None else min(psi.K * res.upper, width)
    verdict, reason = res.verdict, res.reason
    lower, werr = None, None
    if res.witness is not None:
        rep = replay(net, res.witness, p.model, dps=60, output=p.output)
        if rep.valid:
            with mpmath.workdps(rep.dps):
                errs = [abs(psi.mp_fn(a) - psi.mp_fn(b))
                        for a, b in zip(rep.nominal, rep.failed, strict=True)]
                err = errs[p.output] if p.output is not None and len(errs) > 1 else max(errs)
            werr = lower = dataclasses.replace(rep, error=err).error_fraction_lower()
    if verdict is Status.REFUTED and not (werr is not None and werr > bound):
        verdict, reason = Status.UNKNOWN, ("a witness breaks the linear claim but not the "
                                           "claim after the output activation (the Lipschitz "
                                           "step may be loose)")
    elif verdict is Status.PROVED:
        reason = f"linear claim |F_neu - F_fail| <= B / K_o proved; {reason}"
    return dataclasses.replace(res, problem=p, verdict=verdict, reason=reason, upper=upper,
                               lower=lower, witness_error=werr,
                               stats={**res.stats, "output_side": "activated"})
