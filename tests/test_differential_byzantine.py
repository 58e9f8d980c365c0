"""Differential check of both verify engines under Byzantine failures (both readings):
their certified upper bounds are never below the error found by exhaustive enumeration of
failure sets x extreme sent values x a dense input grid (soundness rule 4)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof import FailureModel, fep
from fepproof.network import Network
from fepproof.numeric import verify_numeric
from fepproof.numeric.engine import NumericWork
from fepproof.simulate import forward, neuron_errors
from fepproof.smt import verify_z3
from fepproof.verify_api import VerifyProblem
from tests.netgen import networks


def _numeric(problem: VerifyProblem):
    """The numeric engine stopped by a work budget (its timeout only a safety net): the
    bracket must contain the enumerated worst case whatever the budget."""
    return verify_numeric(problem, None, NumericWork(search_evals=100, upper_boxes=100))


def exhaustive_byzantine(net: Network, f: tuple[int, ...], model: FailureModel) -> float:
    C = float(model.C)
    g = np.linspace(0.0, 1.0, 17)
    X = np.array(list(itertools.product(*[g] * net.input_dim)))
    acts, _ = forward(net, X)
    best = 0.0
    sets = [list(itertools.combinations(range(w), k)) for w, k in zip(net.widths, f, strict=True)]
    for combo in itertools.product(*sets):
        masks = [np.isin(np.arange(w), c)[None] for w, c in zip(net.widths, combo, strict=True)]
        for signs in itertools.product([-1.0, 1.0], repeat=sum(f)):
            it = iter(signs)
            sent = []
            for l, (w, c) in enumerate(zip(net.widths, combo, strict=True)):
                s = np.zeros((1, 1, w))
                for j in c:
                    s[0, 0, j] = next(it)
                sent.append(acts[l][None] + C * s if model.reading == "deviation"
                            else np.broadcast_to(C * s, (1, X.shape[0], w)))
            best = max(best, float(neuron_errors(net, X, masks, sent).max()))
    return best


@settings(max_examples=12)
@given(networks(max_depth=2, max_width=3, max_d=2), st.data(),
       st.sampled_from(["deviation", "value"]))
def test_engines_never_below_exhaustive_byzantine(net, data, reading) -> None:
    f = tuple(data.draw(st.integers(0, min(w, 2))) for w in net.widths)
    model = FailureModel.byzantine(Fraction(1, 2), reading)
    fe = fep(net, f, model)
    worst = exhaustive_byzantine(net, f, model)
    assert worst <= float(fe.sound) * (1 + 1e-9) + 1e-12
    for engine in (verify_z3, _numeric):
        res = engine(VerifyProblem(net, f, model, fe.sound, fe.value, Fraction(1, 100), 10.0))
        assert res.upper is not None
        assert worst <= float(res.upper) * (1 + 1e-9) + 1e-12, (engine.__name__, worst,
                                                                float(res.upper))
        if res.lower is not None:
            assert float(res.lower) <= float(res.upper) * (1 + 1e-9) + 1e-12
