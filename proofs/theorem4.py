"""Lemma 2 + Theorem 4 (Section 4.3): Byzantine synapses.

Printed: C sum_{l=1}^{L+1} f_l K^(L+1-l) w_m^(l) prod_{l'=l+1}^{L+1} (N_l' - f_l') w_m^(l')
<= eps - eps'.  Which weight factor is needed depends on where the synapse error enters:
Lemma 2's proof adds lambda to the delivered term (s_lambda = s + lambda), and then no
w_m^(l) factor belongs to the failing synapses' own layer; the printed w_m^(l) is exactly
the "pre-weight" reading (the synapse carries y_i + lambda, multiplied by w_ji).  In both
readings a neuron with a failed input synapse still relays its upstream error, so the
downstream factor is N_l', not N_l' - f_l'.  Both printed features are refuted by
witnesses replayed in 50-digit precision; the corrected closed forms are derived from the
layer recurrence.
"""

import sympy as sp

from fepproof.bounds import synapse_bound
from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity, witness_exceeds
from fepproof.obligations.model import unknown
from fepproof.symbolic.induction import induction_step, rules_agree
from fepproof.symbolic.notation import C, K, L, N, f, l, lp, w
from fepproof.symbolic.recurrence import (
    correct_counts,
    theorem4_as_printed,
    theorem4_closed,
    theorem4_closed_devs,
    theorem4_unrolled,
    theorem4_unrolled_devs,
)
from fepproof.symbolic.rewrite import residual
from fepproof.verdict import Witness

DEPTHS = range(1, 9)


@obligation(
    id="theorem4.closed_form_delivered_L1to8", result="Theorem 4", method="sympy identity",
    expected="proved",
    statement_text="delivered-term reading (Lemma 2's proof), L = 1..8: the recurrence "
                   "S_l = K (N_l w_m^(l) S_(l-1) + f_l C), Delta = w_m^(L+1) S_L + f_(L+1) C "
                   "unrolls to sum_{l<=L} f_l C K^(L-l+1) w_m^(L+1) prod_{l'=l+1}^{L} N_l' "
                   "w_m^(l') + f_(L+1) C; also with a deviation c_l per synapse layer in "
                   "place of C (the value reading's C + w_m^(l) sup|y|)",
    statement=sp.Eq(theorem4_unrolled(2), theorem4_closed(2)))
def closed_form_delivered():
    res = {f"L={d}": residual(theorem4_unrolled(d), theorem4_closed(d)) for d in DEPTHS}
    res.update({f"L={d}, c_l per layer": residual(theorem4_unrolled_devs(d),
                                                  theorem4_closed_devs(d)) for d in DEPTHS})
    return identity("Theorem 4 corrected closed form", res)


def layer_sum(depth):
    """S(L) = sum_l f_l C K^(L-l+1) prod_{l'=l+1}^{L} N_l' w_m^(l') (Sum/Product form): the
    summed output error of layer L; Delta = w_m^(L+1) S(L) + f_(L+1) C."""
    return sp.Sum(f[l] * C * K ** (depth - l + 1)
                  * sp.Product(N[lp] * w[lp], (lp, l + 1, depth)), (l, 1, depth))


def layer_step(depth, S):
    """S(L+1) = K (N_(L+1) w_m^(L+1) S(L) + f_(L+1) C): every neuron of layer L+1 relays
    the upstream error; its failed input synapses add C each to its sum."""
    return K * (N[depth + 1] * w[depth + 1] * S + f[depth + 1] * C)


@obligation(
    id="theorem4.induction_step", result="Theorem 4", method="sympy identity",
    expected="proved",
    statement_text="symbolic L (delivered-term reading): S(L+1) = K (N_(L+1) w_m^(L+1) S(L) "
                   "+ f_(L+1) C) for S(L) = sum_l f_l C K^(L-l+1) prod_{l'=l+1}^{L} N_l' "
                   "w_m^(l')",
    statement=sp.Eq(layer_sum(L + 1), layer_step(L, layer_sum(L))))
def induction_step_holds():
    ind = induction_step(layer_sum, layer_step)
    v = identity("Theorem 4 (corrected) induction step", {"step": ind.residual})
    if v.status.value == "proved" and not rules_agree(layer_sum, ind.chain[-1][0]):
        return unknown("rewrite rules disagree with doit()", "sympy")
    return v


@obligation(
    id="theorem4.closed_form_pre_weight_L1to8", result="Theorem 4", method="sympy identity",
    expected="proved",
    statement_text="pre-weight reading (synapse carries y_i + lambda), L = 1..8: the recurrence "
                   "with f_l w_m^(l) C unrolls to the same sum with the factor w_m^(l)",
    statement=sp.Eq(theorem4_unrolled(2, True), theorem4_closed(2, True)))
def closed_form_pre_weight():
    return identity("Theorem 4 pre-weight closed form", {
        f"L={d}": residual(theorem4_unrolled(d, True), theorem4_closed(d, True))
        for d in DEPTHS})


@obligation(
    id="theorem4.printed_is_pre_weight_L1to8", result="Theorem 4",
    method="sympy identity", expected="proved",
    statement_text="L = 1..8: the printed formula is the pre-weight closed form with every "
                   "downstream N_l' replaced by N_l' - f_l' (so the w_m^(l) factor belongs "
                   "to the pre-weight reading, and (N_l' - f_l') is the only other change)")
def printed_is_pre_weight():
    res = {}
    for d in DEPTHS:
        swapped = theorem4_closed(d, True).xreplace({N[i]: N[i] - f[i] for i in range(1, d + 1)})
        res[f"L={d}"] = residual(theorem4_as_printed(d), swapped, correct_counts(d))
    return identity("printed Theorem 4 = pre-weight form with N - f", res)


def _weight_net():
    return network_from_dict({"name": "theorem4-weight-witness",
                              "activation": {"name": "sigmoid", "K": "1"},
                              "layers": [{"weights": [["1/100"]], "bias": ["-1/2"]}],
                              "output": {"weights": [["1"]]}})


def _count_net():
    return network_from_dict({"name": "theorem4-count-witness",
                              "activation": {"name": "sigmoid", "K": "1"},
                              "layers": [{"weights": [["1"]], "bias": ["-1/8"]},
                                         {"weights": [["1"]], "bias": ["-5/8"]}],
                              "output": {"weights": [["1"]]}})


@obligation(
    id="theorem4.as_printed_weight_factor", result="Theorem 4", method="numeric",
    expected="refuted",
    statement_text="delivered-term reading: the printed bound (with w_m^(l) for the failing "
                   "synapses' own layer) bounds the output error",
    erratum=Erratum(
        as_written_text="C sum_l f_l K^(L+1-l) w_m^(l) prod_{l'=l+1}^{L+1} (N_l' - f_l') "
                        "w_m^(l') <= eps - eps'",
        as_written=theorem4_as_printed(1),
        evidence_text="L = 1, w^(1) = 1/100, K = 1, C = 1: one synapse into the hidden neuron "
                      "shifts its sum by 1 (Lemma 2), the output moves by sigmoid(2) - "
                      "sigmoid(-2) ~ 0.76 > printed bound 1/100",
        corrected_id="theorem4.closed_form_delivered_L1to8"))
def as_printed_weight_factor():
    net = _weight_net()
    model = FailureModel.synapse(1, "deviation")
    sb = synapse_bound(net, [1, 0], model)
    w = Witness.make([0], [[]], None, synapses=[(1, 0, 0)], synapse_deltas=[1])
    return witness_exceeds("printed Theorem 4 bound", net, w, model, sb.as_written,
                           {"corrected_bound": str(sb.value)})


@obligation(
    id="theorem4.as_printed_correct_count", result="Theorem 4", method="numeric",
    expected="refuted",
    statement_text="the downstream factor (N_l' - f_l'): a neuron with a failed input synapse "
                   "no longer relays upstream errors",
    erratum=Erratum(
        as_written_text="prod_{l'=l+1}^{L+1} (N_l' - f_l') w_m^(l')",
        as_written=None,
        evidence_text="L = 2, one neuron per layer, all weights 1, K = 1, C = 1/4, one failed "
                      "synapse into each hidden layer: the printed bound is 1/4 (the layer-1 "
                      "term has N_2 - f_2 = 0) but the replayed output error is ~0.458; the "
                      "corrected bound (all N_l') is 1/2",
        corrected_id="theorem4.closed_form_delivered_L1to8"))
def as_printed_correct_count():
    net = _count_net()
    model = FailureModel.synapse("1/4", "deviation")
    sb = synapse_bound(net, [1, 1, 0], model)
    w = Witness.make([0], [[], []], None, synapses=[(1, 0, 0), (2, 0, 0)],
                     synapse_deltas=["1/4", "1/4"])
    return witness_exceeds("printed Theorem 4 bound", net, w, model, sb.as_written,
                           {"corrected_bound": str(sb.value)})
