"""Lemma 2 (Section 4.3): an error lambda at the synapse i -> j (|lambda| <= C) changes
the *receiving* neuron j's output by at most C K; at the linear output node (synapses of
layer L+1) by at most C.

The lemma's statement says the synapse error is "equivalent to an error at neuron i of
value C.K" - neuron i is the *sender* (layer l - 1), while the proof bounds the output of
the receiver j.  Read with the sender's index, the error would be weighted again by
w_m^(l) (and, for l <= L, by one more K) on its way through layer l; for the synapses into
the output node that gives C K w_m^(L+1) where the real effect is C: refuted by a
replayed witness.  The receiver reading is the g = 1, S = 0 instance of the synapse step
(``model.synapse_step_g0to6``, an uninterpreted K-Lipschitz phi).
"""

import sympy as sp

from fepproof.bounds import synapse_bound
from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import identity, witness_exceeds
from fepproof.obligations.model import proved, unknown
from fepproof.verdict import Witness

x = sp.Symbol("x", real=True)
K = sp.Symbol("K", positive=True)
PHI = 1 / (1 + sp.exp(-4 * K * x))


@obligation(
    id="lemma2.lipschitz_constant", result="Lemma 2", method="sympy inequality",
    expected="proved",
    statement_text="typed in: "
                   "phi_K(x) = sigmoid(4Kx) is K-Lipschitz with constant exactly K: "
                   "K - phi_K'(x) = K (2 phi_K(x) - 1)^2 >= 0, equality at x = 0",
    statement=sp.Eq(K - sp.diff(PHI, x), K * (2 * PHI - 1) ** 2))
def lipschitz_constant():
    res = sp.simplify(K - sp.diff(PHI, x) - K * (2 * PHI - 1) ** 2)
    at0 = sp.simplify(sp.diff(PHI, x).subs(x, 0) - K)
    if res == 0 and at0 == 0:
        return proved("sup |phi_K'| = K", "sympy", residual="0", derivative_at_0_minus_K="0",
                      square="K (2 phi - 1)^2 >= 0")
    return unknown("sup |phi_K'| = K", "sympy", residual=str(res), at0=str(at0))


@obligation(
    id="lemma2.receiver_error", result="Lemma 2", method="sympy identity", expected="proved",
    statement_text="Lemma 2 (receiver reading): a failed synapse into neuron j, |lambda| <= C, "
                   "and no other deviation (S = 0, g = 1) moves j's output by at most C K and "
                   "the linear output node by at most C: the g = 1, S = 0 instance of the "
                   "synapse step that model.synapse_step_g0to6 proves (uninterpreted "
                   "K-Lipschitz phi) and that Theorem 4's recurrence and bounds.synapse_bound "
                   "are built from")
def receiver_error():
    from fepproof.symbolic.steps import synapse_step
    c, wm = sp.symbols("C w_m", positive=True)
    return identity("Lemma 2 = the synapse step at g = 1, S = 0", {
        "neuron": sp.expand(synapse_step(K, wm, 0, 1, c) - c * K),
        "output node": sp.expand(synapse_step(1, wm, 0, 1, c) - c)})


@obligation(
    id="lemma2.tight_in_limit", result="Lemma 2", method="sympy limit", expected="proved",
    statement_text="typed in: "
                   "'|error| <= C.K is tight' holds as a limit: at nominal sum 0, "
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
        corrected_id="lemma2.receiver_error"))
def sender_index():
    net = _output_synapse_net()
    model = FailureModel.synapse(1, "deviation")
    sender_reading = model.C * net.K * net.max_abs_weight(2)
    wit = Witness.make([0], [[]], None, synapses=[(2, 0, 0)], synapse_deltas=[1])
    return witness_exceeds("the sender reading of Lemma 2 bounds an output synapse", net, wit,
                           model, sender_reading,
                           {"receiver_reading_bound": str(synapse_bound(net, [0, 1],
                                                                        model).value)})
