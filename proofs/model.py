"""The model itself (Sections 2 and 4): the neuron-level steps every recurrence is built
from, checked instead of typed in.

Each step of :mod:`fepproof.symbolic.steps` is the function the recurrences of Theorems
2, 4 and 5 (and so their closed forms, and the production bounds checked against them in
``proofs/production.py``) are unrolled from.  Here each is proved for one neuron:

* z3, for every fan-in N = 1..4 (finite instances, labelled as such) and every count of
  failed inputs: a neuron with weights |w_i| <= w_m and an *uninterpreted* activation phi.
  phi's two values at the nominal sum s and the disturbed sum s' are free reals p, q
  constrained only by the Lipschitz axiom |phi(a) - phi(b)| <= K |a - b| instantiated at
  (s', s), the only instance the claim mentions (so UNSAT holds for every K-Lipschitz
  phi).  z3's nlsat procedure (complete for real polynomial arithmetic) decides it.
  For N = 1, 2 the same claim is also checked with phi a z3 function and the axiom
  quantified over all reals.
* symbolically (``model.neuron_step_symbolic``), for every N and f: the slack of the
  triangle-inequality bound is a sum of products of non-negative factors.
* attained: with phi(x) = K x (K-Lipschitz), |w_i| = w_m and every input off by its
  bound, the neuron's deviation equals the step exactly, so no smaller step is sound
  and no larger one is the paper's (a sympy identity, symbolic N and f).
* the layer sums (Theorem 4 and 5 add the step over a layer's receivers) are checked
  against every split of the failures over the receivers.
"""

import itertools

import sympy as sp
import z3

from fepproof.obligations import obligation
from fepproof.obligations.engines import identity, z3_unsat
from fepproof.obligations.model import proved
from fepproof.symbolic.steps import (
    lipschitz_step,
    neuron_step,
    output_step,
    precision_layer,
    precision_step,
    synapse_layer,
    synapse_step,
    weighted_sum_step,
)

FAN_IN = range(1, 5)


def _abs(e):
    return z3.If(e >= 0, e, -e)


def _all_proved(claim, verdicts):
    bad = [v for v in verdicts.values() if v.status.value != "proved"]
    if bad:
        return bad[0]
    return proved(claim, "z3", answers="unsat", instances=sorted(verdicts))


def _neuron(n, nfail, linear, quantified=False):
    """Hypotheses, and the deviation |phi(s') - phi(s)|, of one neuron with n inputs of
    which nfail are off by <= D and the rest by <= delta."""
    K, wm, D, dl, s = z3.Reals("K w_m D delta s")
    ws = [z3.Real(f"w{i}") for i in range(n)]
    ds = [z3.Real(f"d{i}") for i in range(n)]
    hyp = [K > 0, wm >= 0, D >= 0, dl >= 0]
    for i in range(n):
        b = D if i < nfail else dl
        hyp += [ws[i] <= wm, -ws[i] <= wm, ds[i] <= b, -ds[i] <= b]
    s2 = s + z3.Sum([a * b for a, b in zip(ws, ds, strict=True)])
    if linear:  # the output node: no activation
        return (K, wm, D, dl), hyp, _abs(s2 - s)
    if quantified:
        phi = z3.Function("phi", z3.RealSort(), z3.RealSort())
        a, b = z3.Reals("a b")
        hyp.append(z3.ForAll([a, b], _abs(phi(a) - phi(b)) <= K * _abs(a - b),
                             patterns=[z3.MultiPattern(phi(a), phi(b))]))
        return (K, wm, D, dl), hyp, _abs(phi(s2) - phi(s))
    p, q = z3.Reals("phi_s phi_s2")
    hyp.append(_abs(q - p) <= K * _abs(s2 - s))
    return (K, wm, D, dl), hyp, _abs(q - p)


@obligation(
    id="model.neuron_step_N1to4", result="Theorem 2", method="z3 unsat", expected="proved",
    statement_text="for fan-in N = 1..4 and f = 0..N: a neuron with |w_i| <= w_m, f inputs "
                   "off by <= C, N - f off by <= delta and a K-Lipschitz phi (uninterpreted, "
                   "Lipschitz axiom) is off by <= K w_m (f C + (N - f) delta); the linear "
                   "output node by <= w_m (f C + (N - f) delta)")
def neuron_step_holds():
    out = {}
    for n in FAN_IN:
        for k in range(n + 1):
            (K, wm, D, dl), hyp, dev = _neuron(n, k, linear=False)
            out[f"neuron N={n} f={k}"] = z3_unsat(
                "neuron step", hyp, dev <= neuron_step(K, wm, k, n, D, dl), nonlinear=True)
            (K, wm, D, dl), hyp, dev = _neuron(n, k, linear=True)
            out[f"output N={n} f={k}"] = z3_unsat(
                "output step", hyp, dev <= output_step(wm, k, n, D, dl), nonlinear=True)
    return _all_proved("Theorem 2's neuron step (N = 1..4)", out)


@obligation(
    id="model.neuron_step_quantified_N1to2", result="Theorem 2", method="z3 unsat",
    expected="proved",
    statement_text="for fan-in N = 1..2 and f = 0..N: the neuron step with phi a z3 function "
                   "and the Lipschitz axiom quantified over all reals (cross-check of "
                   "model.neuron_step's instantiated axiom)")
def neuron_step_quantified():
    out = {}
    for n in (1, 2):
        for k in range(n + 1):
            (K, wm, D, dl), hyp, dev = _neuron(n, k, linear=False, quantified=True)
            out[f"N={n} f={k}"] = z3_unsat("neuron step, quantified axiom", hyp,
                                           dev <= neuron_step(K, wm, k, n, D, dl))
    return _all_proved("Theorem 2's neuron step, quantified Lipschitz axiom", out)


@obligation(
    id="model.lipschitz_step", result="Theorem 2", method="z3 unsat", expected="proved",
    statement_text="a K-Lipschitz phi (quantified axiom) whose input moves by <= E moves its "
                   "output by <= K E (the induction step's 'each neuron of layer L+1 is the "
                   "output node of an L-layer network')")
def lipschitz_step_holds():
    K, E, s, t, a, b = z3.Reals("K E s t a b")
    phi = z3.Function("phi", z3.RealSort(), z3.RealSort())
    ax = z3.ForAll([a, b], _abs(phi(a) - phi(b)) <= K * _abs(a - b),
                   patterns=[z3.MultiPattern(phi(a), phi(b))])
    return z3_unsat("Lipschitz step", [K > 0, E >= 0, _abs(t - s) <= E, ax],
                    _abs(phi(t) - phi(s)) <= lipschitz_step(K, E))


@obligation(
    id="model.weighted_sum_m1to4", result="Theorem 2", method="z3 unsat", expected="proved",
    statement_text="for fan-in m = 1..4: inputs off by |d_i| <= b_i and weights |w_i| <= w_m "
                   "move the weighted sum by |sum_i w_i d_i| <= w_m sum_i b_i (the triangle "
                   "inequality the synapse and precision steps use; S = sum_i b_i)")
def weighted_sum_holds():
    out = {}
    for m in FAN_IN:
        wm = z3.Real("w_m")
        ws = [z3.Real(f"w{i}") for i in range(m)]
        ds = [z3.Real(f"d{i}") for i in range(m)]
        bs = [z3.Real(f"b{i}") for i in range(m)]
        hyp = [wm >= 0] + [z3.And(d <= b, -d <= b) for d, b in zip(ds, bs, strict=True)]
        hyp += [z3.And(w_ <= wm, -w_ <= wm) for w_ in ws]
        shift = z3.Sum([a * b for a, b in zip(ws, ds, strict=True)])
        out[f"m={m}"] = z3_unsat("weighted sum", hyp,
                                 _abs(shift) <= weighted_sum_step(wm, z3.Sum(bs)), nonlinear=True)
    return _all_proved("weighted-sum step (m = 1..4)", out)


def _shifted(S, wm):
    """The weighted inputs' shift A with |A| <= w_m S (model.weighted_sum)."""
    A = z3.Real("A")
    return A, [S >= 0, wm >= 0, _abs(A) <= weighted_sum_step(wm, S)]


@obligation(
    id="model.synapse_step_g0to6", result="Lemma 2", method="z3 unsat", expected="proved",
    statement_text="for g = 0..6 failed input synapses: a neuron whose weighted inputs move "
                   "its sum by |A| <= w_m S (model.weighted_sum), each failed synapse adding "
                   "lambda with |lambda| <= c to its sum (Lemma 2's s_lambda = s + lambda), "
                   "and a K-Lipschitz phi (uninterpreted) is off by <= K (w_m S + g c); the "
                   "linear output node by <= w_m S + g c")
def synapse_step_holds():
    out = {}
    for g in range(7):
        K, wm, S, c, s, p, q = z3.Reals("K w_m S c s p q")
        A, hyp = _shifted(S, wm)
        lams = [z3.Real(f"lambda{k}") for k in range(g)]
        hyp += [K > 0, c >= 0] + [z3.And(x <= c, -x <= c) for x in lams]
        s2 = s + A + z3.Sum(lams + [0])
        out[f"neuron g={g}"] = z3_unsat(
            "synapse step", hyp + [_abs(q - p) <= K * _abs(s2 - s)],
            _abs(q - p) <= synapse_step(K, wm, S, g, c), nonlinear=True)
        out[f"output g={g}"] = z3_unsat(
            "synapse step at the output", hyp, _abs(s2 - s) <= synapse_step(1, wm, S, g, c),
            nonlinear=True)
    return _all_proved("Lemma 2 + Theorem 4's step (g = 0..6)", out)


@obligation(
    id="model.precision_step", result="Theorem 5", method="z3 unsat", expected="proved",
    statement_text="a neuron whose weighted inputs move its sum by |A| <= w_m S "
                   "(model.weighted_sum) and a K-Lipschitz phi (uninterpreted) is off by <= "
                   "K w_m S + lambda when it adds its own error |e| <= lambda after phi, and "
                   "by <= K (w_m S + lambda) when it adds it to its sum")
def precision_step_holds():
    K, wm, S, lam, s, e, p, q = z3.Reals("K w_m S lambda s e p q")
    A, hyp = _shifted(S, wm)
    hyp += [K > 0, lam >= 0, e <= lam, -e <= lam]
    out = {
        "after phi": z3_unsat(
            "precision step (output)", hyp + [_abs(q - p) <= K * _abs(A)],
            _abs(q + e - p) <= precision_step(K, wm, S, lam, "output"), nonlinear=True),
        "before phi": z3_unsat(
            "precision step (preactivation)", hyp + [_abs(q - p) <= K * _abs(A + e)],
            _abs(q - p) <= precision_step(K, wm, S, lam, "preactivation"), nonlinear=True),
    }
    return _all_proved("Theorem 5's step", out)


@obligation(
    id="model.steps_attained", result="Theorem 2", method="sympy identity", expected="proved",
    statement_text="symbolic N, f, K, w_m: with phi(x) = K x (K-Lipschitz), |w_i| = w_m and "
                   "every input off by exactly its bound, each step is attained with equality "
                   "(neuron, output node, Lipschitz, synapse, precision in both readings), so "
                   "the steps are neither unsound nor loose")
def steps_attained():
    K, wm, D, dl, S, c, lam, E = sp.symbols("K w_m D delta S c lambda E", positive=True)
    n, k, g = sp.symbols("N f g", integer=True, nonnegative=True)
    i = sp.Symbol("i", integer=True, positive=True)
    shift = sp.Sum(wm * D, (i, 1, k)).doit() + sp.Sum(wm * dl, (i, k + 1, n)).doit()
    syn = wm * S + sp.Sum(c, (i, 1, g)).doit()  # one input off by S, g synapses add c
    res = {
        "neuron": sp.simplify(K * shift - neuron_step(K, wm, k, n, D, dl)),
        "output": sp.simplify(shift - output_step(wm, k, n, D, dl)),
        "lipschitz": sp.simplify(K * E - lipschitz_step(K, E)),
        "synapse": sp.simplify(K * syn - synapse_step(K, wm, S, g, c)),
        "synapse_output": sp.simplify(syn - synapse_step(1, wm, S, g, c)),
        "precision_output": sp.simplify(K * wm * S + lam - precision_step(K, wm, S, lam)),
        "precision_preactivation": sp.simplify(
            K * (wm * S + lam) - precision_step(K, wm, S, lam, "preactivation")),
        "precision_output_node": sp.simplify(wm * S - weighted_sum_step(wm, S)),
    }
    return identity("every step is attained", res)


@obligation(
    id="model.layer_sums_N1to5", result="Theorem 4", method="sympy identity", expected="proved",
    statement_text="for N = 1..5 receivers and every split (g_1..g_N) of f = 0..6 failed "
                   "synapses: sum_j K (w_m S + g_j c) = K (N w_m S + f c) (Theorem 4's layer "
                   "recurrence), and sum_j of Theorem 5's step = N times it (both readings)")
def layer_sums():
    K, wm, S, c, lam = sp.symbols("K w_m S c lambda", positive=True)
    res = {}
    for n in range(1, 6):
        for total in range(7):
            for split in itertools.product(range(total + 1), repeat=n):
                if sum(split) != total:
                    continue
                per = sum(synapse_step(K, wm, S, gj, c) for gj in split)
                res[f"synapse N={n} g={split}"] = sp.expand(
                    per - synapse_layer(K, wm, n, S, total, c))
        for reading in ("output", "preactivation"):
            per = sum(precision_step(K, wm, S, lam, reading) for _ in range(n))
            res[f"precision N={n} {reading}"] = sp.expand(
                per - precision_layer(K, wm, n, S, lam, reading))
    return identity("layer sums of the steps", res)


def _split_sums(e):
    """Each Sum of a sum split into Sums of its terms, constant factors pulled out, Sums of
    expressions free of the summed quantities evaluated (definitional rules only)."""
    e = sp.expand(e)
    e = e.replace(lambda x: isinstance(x, sp.Sum), lambda x: sp.Add(
        *[sp.Sum(t, *x.limits) for t in sp.Add.make_args(sp.expand(x.function))]))
    return e.replace(lambda x: isinstance(x, sp.Sum), lambda x: sp.factor_terms(x).doit()
                     if not x.function.atoms(sp.Indexed) else sp.factor_terms(x))


@obligation(
    id="model.neuron_step_symbolic", result="Theorem 2", method="sympy identity",
    expected="proved",
    statement_text="symbolic N and f: with a_i = |w_i| <= w_m, b_i = |d_i| (<= C for the f "
                   "failed inputs, <= delta for the others), the slack output_step(w_m, f, N, "
                   "C, delta) - sum_{i=1}^{N} a_i b_i equals sum_{i<=f} [w_m (C - b_i) + b_i "
                   "(w_m - a_i)] + sum_{f<i<=N} [w_m (delta - b_i) + b_i (w_m - a_i)] (Sum "
                   "identity), each bracket is >= 0 under those bounds (z3), so |sum w_i d_i| "
                   "<= sum a_i b_i <= output_step; neuron_step is K times it (the Lipschitz "
                   "step of model.lipschitz_step)")
def neuron_step_symbolic():
    K, wm, D, dl = sp.symbols("K w_m C delta", positive=True)
    n, k = sp.symbols("N f", integer=True, nonnegative=True)
    i = sp.Symbol("i", integer=True, positive=True)
    a, b = sp.IndexedBase("a"), sp.IndexedBase("b")
    failed = wm * (D - b[i]) + b[i] * (wm - a[i])
    correct = wm * (dl - b[i]) + b[i] * (wm - a[i])
    slack = output_step(wm, k, n, D, dl) - sp.Sum(a[i] * b[i], (i, 1, k)) \
        - sp.Sum(a[i] * b[i], (i, k + 1, n))
    brackets = sp.Sum(failed, (i, 1, k)) + sp.Sum(correct, (i, k + 1, n))
    res = {
        "slack = sum of brackets": sp.simplify(_split_sums(slack - brackets)),
        "neuron step = Lipschitz step of the output step": sp.expand(
            lipschitz_step(K, output_step(wm, k, n, D, dl)) - neuron_step(K, wm, k, n, D, dl)),
    }
    ident = identity("slack decomposition", res)
    # the brackets are non-negative: 0 <= a_i <= w_m, 0 <= b_i <= bound
    za, zb, zw, zbound = z3.Reals("a b w_m bound")
    nonneg = z3_unsat("bracket >= 0", [zw >= 0, za >= 0, za <= zw, zb >= 0, zb <= zbound],
                      zw * (zbound - zb) + zb * (zw - za) >= 0, nonlinear=True)
    if ident.status.value == "proved" and nonneg.status.value == "proved":
        return proved("Theorem 2's neuron step for every N and f", "sympy + z3",
                      identity=dict(ident.evidence), brackets_nonnegative=dict(nonneg.evidence))
    return ident if ident.status.value != "proved" else nonneg
