"""Errata that cut across results: Assumption 1's capacity C (Theorems 2 and 3).

If a Byzantine neuron may *send* any value in [-C, C] (the "value" reading) while a correct
neuron's nominal output lies in (0, 1), the deviation it causes reaches C + 1, not C, so
Fep with C is not a bound.  Refuted by a witness replayed in 50-digit precision; the
corrected statement (deviation <= C + 1, i.e. Fep with C + 1) is proved by z3.
"""

import z3

from fepproof.failures import FailureModel
from fepproof.network import network_from_dict
from fepproof.obligations import Erratum, obligation
from fepproof.obligations.engines import witness_exceeds, z3_unsat
from fepproof.verdict import Witness

_sent, _nom, _C = z3.Reals("sent nominal C")
CORRECTED = z3.Implies(z3.And(_C > 0, _nom > 0, _nom < 1, _sent >= -_C, _sent <= _C),
                       z3.And(_sent - _nom <= _C + 1, _nom - _sent <= _C + 1))


def _net():
    return network_from_dict({"name": "byzantine-value-witness",
                              "activation": {"name": "sigmoid", "K": "1"},
                              "layers": [{"weights": [["8"]], "bias": ["0"]}],
                              "output": {"weights": [["1"]]}})


@obligation(
    id="errata.byzantine_value_reading", result="Theorem 2", method="numeric",
    expected="refuted",
    statement_text="a Byzantine neuron sending any value in [-C, C] moves the output by at most "
                   "Fep (with C)",
    erratum=Erratum(
        as_written_text="Assumption 1 + Theorem 2: ||F_neu - F_lambda|| <= Fep with C",
        as_written=None,
        evidence_text="1 hidden neuron (w = 8, K = 1) at x = 1 outputs ~1; sending -C = -1 "
                      "moves the output by ~2 > Fep = C f_1 w_m^(2) = 1",
        corrected_id="errata.byzantine_value_corrected"))
def byzantine_value_reading():
    net = _net()
    model = FailureModel.byzantine(1, "value")
    witness = Witness.make([1], [[0]], [[-1]])
    from fepproof.bounds import fep
    bound = fep(net, [1], model).value
    return witness_exceeds("Fep (with C) bounds a value-reading Byzantine neuron", net,
                           witness, model, bound)


@obligation(
    id="errata.byzantine_value_corrected", result="Theorem 2", method="z3 unsat",
    expected="proved",
    statement_text="typed in: "
                   "|sent| <= C and 0 < nominal < 1 imply |sent - nominal| <= C + 1, so Fep "
                   "with C + 1 bounds the value reading",
    statement=CORRECTED)
def byzantine_value_corrected():
    return z3_unsat("value reading: deviation <= C + 1", [], CORRECTED)
