"""tanh networks: the facts that let the paper's results and fepproof's engines cover them.

phi_K(x) = tanh(Kx) is K-Lipschitz with values in (-1, 1), so Theorem 2's proof (which only
uses |phi(a) - phi(b)| <= K |a - b| and a bounded deviation per failed neuron) holds with
the deviation of a failed tanh neuron: 1 for a crash (it sends 0), C or C + 1 for a
Byzantine neuron (deviation / value reading), 1 + |v| for a neuron stuck at v.

The engines and the certificate checker run a tanh network on its sigmoid form
(``fepproof.sigmoid_form``): tanh(Kx) = 2 sigmoid(2Kx) - 1, the receiving layer rewired to
(2W, b - W 1), and each failure rewritten to the same event.  The obligations below prove
the identity, the rewiring, the failure map, the deviations, and tie each to the code
(``sigmoid_form``, ``sigmoid_model``, ``FailureModel.neuron_deviation``, ``bounds.fep``).
"""

from fractions import Fraction
from pathlib import Path

import mpmath
import sympy as sp
import z3

from fepproof.bounds import fep
from fepproof.failures import FailureModel
from fepproof.network import Activation, Network
from fepproof.obligations import obligation
from fepproof.obligations.engines import identity, z3_unsat
from fepproof.obligations.model import proved, refuted
from fepproof.obligations.runner import load_module
from fepproof.replay import mp_forward
from fepproof.sigmoid_form import sigmoid_form, sigmoid_model

_production = load_module(Path(__file__).with_name("production.py"))
_instances, _stmt_fep = _production._instances, _production._stmt_fep

x, k = sp.symbols("x K", real=True)
IDENTITY = sp.Eq(sp.tanh(k * x), 2 / (1 + sp.exp(-2 * k * x)) - 1)


@obligation(
    id="tanh.sigmoid_identity", result="tanh networks", method="sympy identity",
    expected="proved",
    statement_text="typed in: tanh(Kx) = 2 sigmoid(2Kx) - 1 for every real x and K",
    statement=IDENTITY)
def sigmoid_identity():
    residual = sp.simplify((IDENTITY.lhs - IDENTITY.rhs).rewrite(sp.exp))
    return identity("tanh(Kx) = 2 sigmoid(2Kx) - 1", {"tanh - (2 sigmoid - 1)": residual},
                    point={x: sp.Rational(1, 3), k: 2})


def _rewire_statement(m: int = 3, n: int = 2):
    W = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"w{i}{j}"))
    b = sp.Matrix(m, 1, lambda i, _: sp.Symbol(f"b{i}"))
    yp = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"yp{i}"))
    ones = sp.ones(n, 1)
    return W * (2 * yp - ones) + b, (2 * W) * yp + (b - W * ones)


@obligation(
    id="tanh.layer_rewiring", result="tanh networks", method="sympy identity",
    expected="proved",
    statement_text="typed in: a layer receiving y = 2y' - 1 computes W y + b = (2W) y' + (b - W 1) "
                   "(symbolic 3 x 2 layer)")
def layer_rewiring():
    lhs, rhs = _rewire_statement()
    return identity("W(2y' - 1) + b = 2W y' + (b - W 1)",
                    {f"row {i}": sp.expand(lhs[i] - rhs[i]) for i in range(lhs.rows)})


s, sp_, y, yp, c, v = z3.Reals("s s_form y y_form C v")


def _failure_map_claims():
    """The sigmoid-form event is the tanh event, with s = 2 s' - 1 and y = 2 y' - 1."""
    link = z3.And(s == 2 * sp_ - 1, y == 2 * yp - 1)
    crash = z3.Implies(z3.And(link, sp_ == z3.RealVal(1) / 2), s == 0)
    stuck = z3.Implies(z3.And(link, sp_ == (v + 1) / 2), s == v)
    byz = z3.Implies(z3.And(link, c > 0),
                     (z3.And(s - y <= c, y - s <= c))
                     == z3.And(sp_ - yp <= c / 2, yp - sp_ <= c / 2))
    return crash, stuck, byz


@obligation(
    id="tanh.failure_map", result="tanh networks", method="z3 unsat", expected="proved",
    statement_text="with s = 2s' - 1, y = 2y' - 1: sending s' = 1/2 is sending 0 (crash); "
                   "s' = (v + 1)/2 is s = v (stuck at v); |s' - y'| <= C/2 iff |s - y| <= C "
                   "(Byzantine, deviation reading); and sigmoid_model maps the models so on "
                   "a grid of values and capacities")
def failure_map():
    for name, claim in zip(("crash", "stuck-at", "byzantine"), _failure_map_claims(),
                           strict=True):
        verdict = z3_unsat(f"failure map ({name})", [], claim)
        if verdict.status.value != "proved":
            return verdict
    net = Network(_tiny().layers, _tiny().output, Activation("tanh", Fraction(1)))
    checked = 0
    for q in range(-6, 7):
        val = Fraction(q, 6)
        got = sigmoid_model(net, FailureModel.stuck_at(val))
        if got.stuck_value != (val + 1) / 2:
            return refuted("sigmoid_model(stuck at v) = stuck at (v + 1)/2", "exact arithmetic",
                           v=str(val), got=str(got.stuck_value))
        cap = Fraction(q + 7, 5)
        got = sigmoid_model(net, FailureModel.byzantine(cap))
        if (got.kind, got.capacity, got.reading) != ("byzantine", cap / 2, "deviation"):
            return refuted("sigmoid_model(byzantine C) = byzantine C/2", "exact arithmetic",
                           C=str(cap), got=got.describe())
        checked += 2
    got = sigmoid_model(net, FailureModel.crash())
    if got.stuck_value != Fraction(1, 2):
        return refuted("sigmoid_model(crash) = stuck at 1/2", "exact arithmetic",
                       got=got.describe())
    return proved("tanh failures map to the same sigmoid-form events", "z3 + exact arithmetic",
                  grid=checked + 1)


def _tiny() -> Network:
    from fepproof.network import Layer
    return Network((Layer(((Fraction(1),),), (Fraction(0),)),),
                   Layer(((Fraction(1),),), (Fraction(0),)))


@obligation(
    id="tanh.deviation", result="tanh networks", method="z3 unsat", expected="proved",
    statement_text="a failed tanh neuron (nominal y in (-1, 1)) deviates by |0 - y| < 1 "
                   "(crash), |v - y| <= 1 + |v| for v in [-1, 1] (stuck at v), "
                   "|s - y| <= C + 1 when |s| <= C (value reading); "
                   "FailureModel.neuron_deviation returns these on tanh networks")
def deviation():
    hyp = z3.And(y > -1, y < 1)
    absv = z3.If(v >= 0, v, -v)
    claims = {
        "crash": z3.Implies(hyp, z3.And(0 - y < 1, y - 0 < 1)),
        "stuck-at": z3.Implies(z3.And(hyp, v >= -1, v <= 1),
                               z3.And(v - y <= 1 + absv, y - v <= 1 + absv)),
        "value": z3.Implies(z3.And(hyp, c > 0, s <= c, -s <= c),
                            z3.And(s - y <= c + 1, y - s <= c + 1)),
    }
    for name, claim in claims.items():
        verdict = z3_unsat(f"tanh deviation ({name})", [], claim)
        if verdict.status.value != "proved":
            return verdict
    net = Network(_tiny().layers, _tiny().output, Activation("tanh", Fraction(1)))
    cases = [(FailureModel.crash(), Fraction(1)),
             (FailureModel.byzantine(Fraction(3, 7), "value"), Fraction(10, 7)),
             (FailureModel.byzantine(Fraction(3, 7)), Fraction(3, 7))]
    cases += [(FailureModel.stuck_at(Fraction(q, 4)), 1 + abs(Fraction(q, 4)))
              for q in range(-4, 5)]
    for model, want in cases:
        got = model.neuron_deviation(net)
        if got != want:
            return refuted("neuron_deviation on tanh = the proved deviation",
                           "exact arithmetic", model=model.describe(), got=str(got),
                           proved=str(want))
    return proved("tanh deviations", "z3 + exact arithmetic", code_cases=len(cases))


def _tanh(net: Network, K: Fraction) -> Network:
    return Network(net.layers, net.output, Activation("tanh", K), net.input_domain, net.name)


@obligation(
    id="production.fep_tanh_random", result="Theorem 2", method="numeric", expected="proved",
    statement_text="random exact tanh instances, L = 1..6, K in {1/2, 1, 2}: bounds.fep "
                   "(value and sound bound) equals the proved Fep with the tanh deviation "
                   "per failed neuron (1 crash, C deviation reading, C + 1 value reading, "
                   "1 + |v| stuck at v)")
def fep_tanh_random():
    checked = 0
    for rng, net0, fs in _instances(range(1, 7)):
        net = _tanh(net0, rng.choice((Fraction(1, 2), Fraction(1), Fraction(2))))
        cap = Fraction(rng.randint(1, 30), rng.randint(1, 7))
        val = Fraction(rng.randint(-12, 12), 12)
        for model, D, paper in ((FailureModel.crash(), Fraction(1), Fraction(1)),
                                (FailureModel.byzantine(cap), cap, cap),
                                (FailureModel.byzantine(cap, "value"), cap + 1, cap),
                                (FailureModel.stuck_at(val), 1 + abs(val), 1 + abs(val))):
            res = fep(net, fs, model)
            want, sound = _stmt_fep(net, fs, paper), _stmt_fep(net, fs, D)
            if (res.value, res.sound) != (want, sound):
                return refuted("bounds.fep on tanh = proved Fep", "exact arithmetic",
                               widths=list(net.widths), f=fs, model=model.describe(),
                               fep=str(res.value), proved=str(want), sound=str(res.sound),
                               proved_sound=str(sound))
            checked += 1
    return proved("bounds.fep on tanh networks = proved Fep", "exact arithmetic",
                  instances=checked)


@obligation(
    id="production.sigmoid_form_random", result="tanh networks", method="numeric",
    expected="proved",
    statement_text="random exact tanh networks, L = 1..4: sigmoid_form(net) is logistic "
                   "with K/2, keeps layer 1, rewires every later layer and the output to "
                   "(2W, b - W 1) exactly, and computes the same outputs (mpmath, 50 digits, "
                   "at random inputs)")
def sigmoid_form_random():
    checked = 0
    for rng, net0, _fs in _instances(range(1, 5)):
        K = rng.choice((Fraction(1, 2), Fraction(1), Fraction(3)))
        net = _tanh(net0, K)
        form = sigmoid_form(net)
        if form.activation != Activation("sigmoid", K / 2) or form.layers[0] != net.layers[0]:
            return refuted("sigmoid_form: activation and first layer", "exact arithmetic",
                           got=form.activation.name, K=str(form.K))
        for old, new in zip((*net.layers[1:], net.output), (*form.layers[1:], form.output),
                            strict=True):
            for row, b, nrow, nb in zip(old.weights, old.bias, new.weights, new.bias,
                                        strict=True):
                if list(nrow) != [2 * w for w in row] or nb != b - sum(row, Fraction(0)):
                    return refuted("sigmoid_form rewires (2W, b - W 1)", "exact arithmetic",
                                   row=[str(w) for w in row], got=[str(w) for w in nrow])
        with mpmath.workdps(50):
            for _ in range(3):
                xs = tuple(Fraction(rng.randint(-20, 20), 7) for _ in range(net.input_dim))
                a, b = _mp_out(net, xs), _mp_out(form, xs)
                if any(abs(p - q) > mpmath.mpf(10) ** -40 * (1 + abs(p)) for p, q in
                       zip(a, b, strict=True)):
                    return refuted("sigmoid_form computes the same outputs", "mpmath",
                                   input=[str(t) for t in xs], tanh=str(a), form=str(b))
        checked += 1
    return proved("sigmoid_form is the same function", "exact arithmetic + mpmath",
                  networks=checked)


def _mp_out(net: Network, xs):
    acts = mp_forward(net, xs)
    last = acts[-1]
    return [mpmath.fsum(mpmath.mpf(w.numerator) / w.denominator * t
                        for w, t in zip(row, last, strict=True))
            + mpmath.mpf(b.numerator) / b.denominator
            for row, b in zip(net.output.weights, net.output.bias, strict=True)]

