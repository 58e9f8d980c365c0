"""Lemma 2 (Section 4.3): an error lambda at the synapse i -> j (|lambda| <= C) changes
the *receiving* neuron j's output by at most C K; at the linear output node (synapses of
layer L+1) by at most C.

The lemma's statement says the synapse error is "equivalent to an error at neuron i of
value C.K" - neuron i is the *sender* (layer l - 1), while the proof bounds the output of
the receiver j.  Read with the sender's index, the error would be weighted again by
w_m^(l) (and, for l <= L, by one more K) on its way through layer l; for the synapses into
the output node that gives C K w_m^(L+1) where the real effect is C: refuted by a
replayed witness.  The receiver reading is proved with an uninterpreted K-Lipschitz phi.
"""

import sympy as sp
import z3

from fepproof.bounds import synapse_bound
from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import witness_exceeds, z3_unsat
from fepproof.obligations.model import proved, unknown
from fepproof.verdict import Witness

x = sp.Symbol("x", real=True)
K = sp.Symbol("K", positive=True)
PHI = 1 / (1 + sp.exp(-4 * K * x))


@obligation(
    id="lemma2.lipschitz_constant", result="Lemma 2", method="sympy inequality",
    expected="proved",
    statement_text="phi_K(x) = sigmoid(4Kx) is K-Lipschitz with constant exactly K: "
                   "K - phi_K'(x) = K (2 phi_K(x) - 1)^2 >= 0, equality at x = 0",
    statement=sp.Eq(K - sp.diff(PHI, x), K * (2 * PHI - 1) ** 2))
def lipschitz_constant():
    res = sp.simplify(K - sp.diff(PHI, x) - K * (2 * PHI - 1) ** 2)
    at0 = sp.simplify(sp.diff(PHI, x).subs(x, 0) - K)
    if res == 0 and at0 == 0:
        return proved("sup |phi_K'| = K", "sympy", residual="0", derivative_at_0_minus_K="0",
                      square="K (2 phi - 1)^2 >= 0")
    return unknown("sup |phi_K'| = K", "sympy", residual=str(res), at0=str(at0))


def _abs(e):
    return z3.If(e >= 0, e, -e)


@obligation(
    id="lemma2.receiver_error_N1to4", result="Lemma 2", method="z3 unsat", expected="proved",
    statement_text="for N_(l-1) = 1..4 inputs and every failed synapse i: the receiver j's "
                   "sum s_lambda = sum_{k != i} w_jk y_k + w_ji y_i + lambda_ji, |lambda_ji| "
                   "<= C, and phi a z3 function with the K-Lipschitz axiom quantified over all "
                   "reals give |phi(s_lambda) - phi(s)| <= C K; at the linear output node "
                   "|s_lambda - s| <= C")
def receiver_error():
    out = {}
    for n in range(1, 5):
        for i in range(n):
            Kz, Cz, lam, a, b = z3.Reals("K C lambda a b")
            ws = [z3.Real(f"w{k}") for k in range(n)]
            ys = [z3.Real(f"y{k}") for k in range(n)]
            phi = z3.Function("phi", z3.RealSort(), z3.RealSort())
            ax = z3.ForAll([a, b], _abs(phi(a) - phi(b)) <= Kz * _abs(a - b),
                           patterns=[z3.MultiPattern(phi(a), phi(b))])
            s = z3.Sum([ws[k] * ys[k] for k in range(n)])
            s_lam = z3.Sum([ws[k] * ys[k] for k in range(n) if k != i] + [0]) \
                + ws[i] * ys[i] + lam
            hyp = [Kz > 0, Cz > 0, lam <= Cz, -lam <= Cz, ax]
            out[f"N={n},i={i + 1}"] = z3_unsat("receiver error <= C K", hyp,
                                               _abs(phi(s_lam) - phi(s)) <= Cz * Kz)
            out[f"output N={n},i={i + 1}"] = z3_unsat("output node error <= C", hyp[:4],
                                                      _abs(s_lam - s) <= Cz)
    bad = [v for v in out.values() if v.status.value != "proved"]
    return bad[0] if bad else proved("Lemma 2 (receiver reading)", "z3", answers="unsat",
                                     instances=sorted(out))


@obligation(
    id="lemma2.tight_in_limit", result="Lemma 2", method="sympy limit", expected="proved",
    statement_text="'|error| <= C.K is tight' holds as a limit: at nominal sum 0, "
                   "(phi_K(C) - phi_K(0)) / (C K) -> 1 as C K -> 0, and < 1 for every C K > 0 "
                   "(phi_K(C) - 1/2 < K C: the bound is approached, never attained)")
def tight_in_limit():
    c = sp.Symbol("C", positive=True)
    ratio = (PHI.subs(x, c) - sp.Rational(1, 2)) / (K * c)
    a = sp.Symbol("a", positive=True)  # a = K C
    r_a = sp.simplify(ratio.subs(c, a / K))
    lim = sp.limit(r_a, a, 0, "+")
    # strictly below 1: g(a) = a - (sigmoid(4a) - 1/2) has g(0) = 0 and g'(a) = 1 - 4
    # sigmoid'(4a) > 0 for a > 0 (sigmoid' < 1/4 away from 0)
    g = a - (1 / (1 + sp.exp(-4 * a)) - sp.Rational(1, 2))
    dg = sp.simplify(sp.diff(g, a) - (1 - 4 * sp.exp(-4 * a) / (1 + sp.exp(-4 * a)) ** 2))
    if lim == 1 and dg == 0:
        return proved("sup (phi(C) - phi(0)) / (C K) = 1, approached as C K -> 0", "sympy",
                      ratio=str(r_a), limit="1", strict="g(a) = a - (sigmoid(4a) - 1/2), "
                      "g(0) = 0, g'(a) = 1 - 4 sigmoid'(4a) > 0 for a > 0")
    return unknown("Lemma 2 tight in the limit", "sympy", limit=str(lim))


def _output_synapse_net():
    return network_from_dict({"name": "lemma2-sender-index-witness",
                              "activation": {"name": "sigmoid", "K": "1"},
                              "layers": [{"weights": [["1"]], "bias": ["0"]}],
                              "output": {"weights": [["1/100"]]}})


@obligation(
    id="lemma2.sender_index", result="Lemma 2", method="numeric", expected="refuted",
    statement_text="Lemma 2 as stated: a synapse error is equivalent to an error C K at the "
                   "sender i (layer l - 1); for the synapses into the output node that bounds "
                   "their effect by C K w_m^(L+1)",
    erratum=Erratum(
        as_written_text="an error at the synapse from neuron i of layer l-1 to neuron j of "
                        "layer l is at worst equivalent to an error at neuron i of value C.K",
        as_written=None,
        evidence_text="L = 1, K = 1, C = 1, output weight 1/100: a Byzantine synapse into the "
                      "output node shifts the output by C = 1 (replayed), while an error C K "
                      "at the sender moves it by at most C K w_m^(2) = 1/100; the proof bounds "
                      "the receiver j, whose error is C K (C at the linear output node)",
        corrected_id="lemma2.receiver_error_N1to4"))
def sender_index():
    net = _output_synapse_net()
    model = FailureModel.synapse(1, "deviation")
    sender_reading = model.C * net.K * net.max_abs_weight(2)
    wit = Witness.make([0], [[]], None, synapses=[(2, 0, 0)], synapse_deltas=[1])
    return witness_exceeds("the sender reading of Lemma 2 bounds an output synapse", net, wit,
                           model, sender_reading,
                           {"receiver_reading_bound": str(synapse_bound(net, [0, 1],
                                                                        model).value)})
