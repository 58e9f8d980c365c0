"""What is printed is what is proved: every closed form that reaches a user (``fepproof
bound``, ``frontier``, ``harden``, ``latex --network``, the engines' caps) is computed by
``fepproof.bounds`` / ``fepproof.frontier`` / ``fepproof.replication`` /
``fepproof.harden``; each obligation here calls those public functions exactly as a
user's number is computed and compares the result, on exact random instances, with the
sympy statement the other obligations prove (evaluated exactly by
:func:`fepproof.symbolic.exact_eval.exact_function`).  The constants the statements are
evaluated with (the paper's C, the sound deviation per failed neuron) come from this
file's own tables, never from the code under test.

Instances: depths L = 1..6 (1..3 where the statement is checked by enumeration), widths
1..4, weights p/q at scales 1/50..20, K in {1/4, 1, 3/2, 7/3}, C non-integer, every
failure count 0..N_l, and the boundary cases (f_l = N_l, Fep = eps - eps' exactly,
integer and non-integer ratios (eps - eps')/w_m).  All finite: the ids say "random".
"""

import itertools
import random
from fractions import Fraction

from fepproof.bounds import (
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
from fepproof.exact import fmt_exact
from fepproof.failures import FailureModel, input_sup
from fepproof.frontier import frontier
from fepproof.network import network_from_dict
from fepproof.obligations import obligation
from fepproof.obligations.model import proved, refuted
from fepproof.symbolic.exact_eval import exact_function
from fepproof.symbolic.notation import C, K, N, f, lam, w
from fepproof.symbolic.notation import c as cdev
from fepproof.symbolic.recurrence import (
    eq11_closed,
    fep_closed,
    theorem4_as_printed,
    theorem4_closed_devs,
)

SEEDS = range(12)
KS = (Fraction(1, 4), Fraction(1), Fraction(3, 2), Fraction(7, 3))
SCALES = (Fraction(1, 50), Fraction(1, 3), Fraction(1), Fraction(20))

# The largest deviation of one failed neuron, as proved elsewhere:
#   crash: |0 - y| <= sup phi = 1 (corollary2.reset_deviation),
#   Byzantine, deviation reading: C (Assumption 1 as the proofs use it),
#   Byzantine, value reading: C + 1 (errata.byzantine_value_corrected),
#   stuck at v: max(v, 1 - v) (stuck_at.sound_deviation).
SOUND_DEVIATION = {("crash", "deviation"): lambda m: Fraction(1),
                   ("byzantine", "deviation"): lambda m: m.capacity,
                   ("byzantine", "value"): lambda m: m.capacity + 1,
                   ("stuck-at", "deviation"): lambda m: max(m.stuck_value, 1 - m.stuck_value)}

# ---- the paper's C per failure model (independent of FailureModel.C) ------------------
# The C the paper's formulas print (Section 4.2): sup phi = 1 for a crash, the capacity
# for a Byzantine neuron (either reading: the paper's Fep is stated with C), and for a
# neuron stuck at v the largest |v - y| over nominal outputs y in (0, 1).
PAPER_C = {("crash", "deviation"): lambda m: Fraction(1),
           ("byzantine", "deviation"): lambda m: m.capacity,
           ("byzantine", "value"): lambda m: m.capacity,
           ("stuck-at", "deviation"): lambda m: max(m.stuck_value, 1 - m.stuck_value)}


def _key(model):
    return (str(model.kind), str(model.reading))


def _rand_q(rng, scale):
    return scale * Fraction(rng.randint(-40, 40), rng.randint(1, 17))


def random_net(rng, depth, max_width=4, scale=None):
    """A random network with exact rational weights (at least one non-zero per layer)."""
    scale = scale if scale is not None else rng.choice(SCALES)
    widths = [rng.randint(1, max_width) for _ in range(depth)]
    n_in = rng.randint(1, 3)
    layers, prev = [], n_in
    for n in widths:
        ws = [[_rand_q(rng, scale) for _ in range(prev)] for _ in range(n)]
        ws[0][0] = ws[0][0] or scale
        layers.append({"weights": [[str(x) for x in row] for row in ws],
                       "bias": [str(_rand_q(rng, 1)) for _ in range(n)]})
        prev = n
    out = [_rand_q(rng, scale) for _ in range(prev)]
    out[0] = out[0] or scale
    return network_from_dict({"activation": {"name": "sigmoid", "K": str(rng.choice(KS))},
                              "layers": layers, "output": {"weights": [[str(x) for x in out]]}})


def _wm(net):
    return [net.max_abs_weight(i) for i in range(1, net.depth + 2)]


_CACHE = {}


def _fep_fn(d):
    """The proved Fep (theorem2.closed_form_L1to12) as an exact function of
    (D, K, f_1..f_L, N_1..N_L, w_1..w_(L+1))."""
    if ("fep", d) not in _CACHE:
        args = [C, K] + [f[i] for i in range(1, d + 1)] + [N[i] for i in range(1, d + 1)] \
            + [w[i] for i in range(1, d + 2)]
        _CACHE[("fep", d)] = exact_function(fep_closed(d), args)
    fn = _CACHE[("fep", d)]
    return lambda D, Kq, fs, Ns, wms: fn(D, Kq, *fs, *Ns, *wms)


def _stmt_fep(net, fs, D):
    return _fep_fn(net.depth)(D, net.K, list(fs), list(net.widths), _wm(net))


def _stmt_terms(net, fs, D):
    """term_l = Fep(f with f_j = 0 for j < l) - Fep(f with f_j = 0 for j <= l)."""
    out = []
    for i in range(net.depth):
        a = [0] * i + list(fs[i:])
        b = [0] * (i + 1) + list(fs[i + 1:])
        out.append(_stmt_fep(net, a, D) - _stmt_fep(net, b, D))
    return out


def _models(rng):
    c = Fraction(rng.randint(1, 30), rng.randint(1, 7))
    v = Fraction(rng.randint(0, 12), 12)
    return [FailureModel.crash(), FailureModel.byzantine(c, "deviation"),
            FailureModel.byzantine(c, "value"), FailureModel.stuck_at(v)]


def _mismatch(claim, **evidence):
    return refuted(claim, "exact arithmetic", **{k: (fmt_exact(v) if isinstance(v, Fraction)
                                                     else v) for k, v in evidence.items()})


def _instances(depths, seeds=SEEDS, max_width=4):
    for d in depths:
        for seed in seeds:
            rng = random.Random(1000 * d + seed)
            net = random_net(rng, d, max_width)
            fs = [rng.randint(0, n) for n in net.widths]
            yield rng, net, fs


@obligation(
    id="production.fep_random", result="Theorem 2", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..6: bounds.fep (value, per-layer terms, "
                   "sound bound) and bounds.fep_formula equal the proved Fep with the paper's C "
                   "(PAPER_C: 1 crash, the capacity Byzantine, max(v, 1 - v) stuck at v; "
                   "FailureModel.C must agree), resp. the proved deviation per failed neuron "
                   "(1 crash, C deviation reading, C + 1 value reading, max(v, 1 - v) stuck "
                   "at v)")
def fep_random():
    checked = 0
    for rng, net, fs in _instances(range(1, 7)):
        for model in _models(rng):
            res = fep(net, fs, model)
            D = SOUND_DEVIATION[_key(model)](model)
            paper_c = PAPER_C[_key(model)](model)
            want = _stmt_fep(net, fs, paper_c)
            sound = _stmt_fep(net, fs, D)
            terms = _stmt_terms(net, fs, paper_c)
            formula = fep_formula(model.C, fs, net.widths, net.K, _wm(net))
            if (res.value, list(res.terms), res.sound, formula, model.C) != \
                    (want, terms, sound, want, paper_c):
                return _mismatch("bounds.fep = proved Fep", widths=list(net.widths), f=fs,
                                 model=model.describe(), fep=res.value, proved_fep=want,
                                 sound=res.sound, proved_sound=sound,
                                 terms=[fmt_exact(t) for t in res.terms],
                                 proved_terms=[fmt_exact(t) for t in terms], formula=formula,
                                 model_C=model.C, paper_C=paper_c)
            checked += 1
    return proved("bounds.fep = proved Fep", "exact arithmetic", instances=checked)


def _enum_max(net, fs, D):
    return max(_stmt_fep(net, g, D) for g in itertools.product(*[range(x + 1) for x in fs]))


@obligation(
    id="production.at_most_random", result="Theorem 3", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..4: bounds.max_dominated_fep and "
                   "bounds.box_extremes (used by frontier) equal the maximum / minimum of the "
                   "proved sound Fep over every distribution in the box, by enumeration")
def at_most_random():
    checked = 0
    for rng, net, fs in _instances(range(1, 5), max_width=3):
        for model in _models(rng):
            D = SOUND_DEVIATION[_key(model)](model)
            got, _ = max_dominated_fep(net, fs, model)
            want = _enum_max(net, fs, D)
            lo = [rng.randint(0, x) for x in fs]
            vmin, gmin, vmax, gmax = box_extremes(net, lo, fs, model)
            box = [_stmt_fep(net, g, D) for g in itertools.product(
                *[range(a, b + 1) for a, b in zip(lo, fs, strict=True)])]
            if (got, vmin, vmax) != (want, min(box), max(box)) or \
                    _stmt_fep(net, gmin, D) != vmin or _stmt_fep(net, gmax, D) != vmax:
                return _mismatch("max/min of Fep over a box", widths=list(net.widths), f=fs,
                                 lo=lo, model=model.describe(), max_dominated=got,
                                 enumerated=want, box_min=vmin, enum_min=min(box),
                                 box_max=vmax, enum_max=max(box))
            checked += 1
    return proved("box extremes = enumeration", "exact arithmetic", instances=checked)


@obligation(
    id="production.theorem1_random", result="Theorem 1", method="numeric", expected="proved",
    statement_text="random exact instances (L = 1): bounds.theorem1_max_failures is the "
                   "largest integer n <= N with n w_m <= eps - eps' (theorem1.upper_bound's "
                   "hypothesis), for integer and non-integer ratios (eps - eps')/w_m")
def theorem1_random():
    checked = 0
    for rng, net, _ in _instances([1], seeds=range(40)):
        wm = net.max_abs_weight(2)
        epsp = Fraction(rng.randint(1, 9), rng.randint(10, 99))
        k = rng.randint(0, net.widths[0] + 1)
        for budget in (k * wm, k * wm + wm / 3, k * wm - wm / 7 if k else wm / 7):
            r = theorem1_max_failures(net, epsp + budget, epsp)
            want = max(n for n in range(net.widths[0] + 1) if n * wm <= budget)
            if r.n_fail != want:
                return _mismatch("Theorem 1's N_fail", N=net.widths[0], w_m=wm,
                                 budget=budget, n_fail=r.n_fail, proved_largest=want)
            checked += 1
    return proved("theorem1_max_failures = largest admissible n", "exact arithmetic",
                  instances=checked)


@obligation(
    id="production.tolerance_random", result="Theorem 3", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..4, both readings: bounds.tolerance says "
                   "tolerated iff every f_l < N_l and (sound Fep, resp. its maximum over g <= "
                   "f) <= eps - eps' (theorem3.condition), including Fep = eps - eps' exactly "
                   "and budgets just below")
def tolerance_random():
    checked = 0
    for rng, net, f0 in _instances(range(1, 5), max_width=3):
        clamped = [min(x, n - 1) for x, n in zip(f0, net.widths, strict=True)]
        for fs, model in itertools.product((f0, clamped), _models(rng)):
            D = SOUND_DEVIATION[_key(model)](model)
            values = {"exactly": _stmt_fep(net, fs, D), "at_most": _enum_max(net, fs, D)}
            for reading, value in values.items():
                epsp = Fraction(1, rng.randint(2, 50))
                for budget in (value, value * Fraction(999, 1000), value + Fraction(1, 7)):
                    r = tolerance(net, fs, model, epsp + budget, epsp, reading)
                    ok = all(x < n for x, n in zip(fs, net.widths, strict=True)) and \
                        value <= budget
                    if r.tolerated != ok or r.value != value or r.budget != budget:
                        return _mismatch("Theorem 3's condition", widths=list(net.widths),
                                         f=fs, reading=reading, model=model.describe(),
                                         value=r.value, proved_value=value, budget=budget,
                                         tolerated=r.tolerated, proved_tolerated=ok)
                    checked += 1
    return proved("tolerance = Theorem 3's condition", "exact arithmetic", instances=checked)


@obligation(
    id="production.frontier_random", result="Theorem 3", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..3, both readings: frontier.frontier "
                   "returns exactly the maximal distributions (f_l < N_l) satisfying Theorem "
                   "3's condition, by enumeration of every distribution")
def frontier_random():
    checked = 0
    cases = [(rng, net, fs) for rng, net, fs in _instances(range(1, 4), seeds=range(8),
                                                          max_width=3)]
    for seed in range(12):  # large weights: K w_m e_l > 1, where Fep is not monotone
        rng = random.Random(13000 + seed)
        net = random_net(rng, rng.randint(2, 3), 3, scale=Fraction(rng.randint(2, 6)))
        cases.append((rng, net, [rng.randint(0, n - 1) for n in net.widths]))
    for rng, net, fs in cases:
        model = rng.choice(_models(rng))
        D = SOUND_DEVIATION[_key(model)](model)
        box = list(itertools.product(*[range(n) for n in net.widths]))
        for reading in ("exactly", "at_most"):
            budget = _stmt_fep(net, fs, D) if reading == "exactly" else _enum_max(net, fs, D)
            budget = budget or Fraction(1, 3)
            epsp = Fraction(1, 10)
            val = {g: (_stmt_fep(net, g, D) if reading == "exactly" else _enum_max(net, g, D))
                   for g in box}
            ok = {g for g in box if val[g] <= budget}
            maximal = {g for g in ok if not any(h != g and all(a >= b for a, b in zip(
                h, g, strict=True)) for h in ok)}
            got = set(frontier(net, epsp + budget, epsp, model, reading).points)
            if got != maximal:
                return _mismatch("frontier = maximal tolerated set", widths=list(net.widths),
                                 reading=reading, model=model.describe(), budget=budget,
                                 frontier=sorted(got), enumerated=sorted(maximal))
            checked += 1
    return proved("frontier = enumeration", "exact arithmetic", instances=checked)


def _synapse_devs(net, model):
    """Deviation of one failed synapse's delivered term: C (deviation reading) or, in the
    value reading, C + w_m^(l) sup|y| (production.synapse_value_deviation)."""
    wm = _wm(net)
    sups = [input_sup(net)] + [net.activation.sup] * net.depth
    if model.reading == "deviation":
        return [model.C] * (net.depth + 1)
    return [model.C + wm[i] * sups[i] for i in range(net.depth + 1)]


@obligation(
    id="production.synapse_random", result="Theorem 4", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..6, both capacity readings: "
                   "bounds.synapse_bound (value and per-layer terms) equals the proved "
                   "Lemma 2 + Theorem 4 closed form (theorem4.closed_form_delivered_L1to8) with "
                   "the "
                   "proved per-synapse deviation, and its 'as printed' value equals Theorem "
                   "4's printed formula")
def synapse_random():
    checked = 0
    for d in range(1, 7):
        args = [K] + [f[i] for i in range(1, d + 2)] + [N[i] for i in range(1, d + 1)] \
            + [w[i] for i in range(1, d + 2)]
        closed = exact_function(theorem4_closed_devs(d), args + [cdev[i] for i in
                                                                 range(1, d + 2)])
        printed = exact_function(theorem4_as_printed(d), args + [C])
        for seed in SEEDS:
            rng = random.Random(7000 + 100 * d + seed)
            net = random_net(rng, d)
            sizes = [net.widths[0] * net.input_dim] + [
                net.widths[i] * net.widths[i - 1] for i in range(1, d)] + [net.widths[-1]]
            fs = [rng.randint(0, min(s, 5)) for s in sizes]
            cap = Fraction(rng.randint(1, 30), rng.randint(1, 7))
            vals = [net.K, *fs, *net.widths, *_wm(net)]
            for reading in ("deviation", "value"):
                model = FailureModel.synapse(cap, reading)
                sb = synapse_bound(net, fs, model)
                devs = _synapse_devs(net, model)
                want = closed(*vals, *devs)
                terms = []
                for i in range(d + 1):  # the term of layer i: only f_i kept
                    only = [x if j == i else 0 for j, x in enumerate(fs)]
                    terms.append(closed(net.K, *only, *net.widths, *_wm(net), *devs))
                if sb.value != want or list(sb.terms) != terms or \
                        sb.as_written != printed(*vals, cap):
                    return _mismatch("synapse_bound = proved Theorem 4", widths=list(net.widths),
                                     f=fs, reading=reading, value=sb.value, proved=want,
                                     terms=[fmt_exact(t) for t in sb.terms],
                                     proved_terms=[fmt_exact(t) for t in terms],
                                     as_written=sb.as_written, printed=printed(*vals, cap))
                checked += 1
    return proved("synapse_bound = proved closed form", "exact arithmetic", instances=checked)


@obligation(
    id="production.synapse_value_deviation", result="Theorem 4", method="z3 unsat",
    expected="proved",
    statement_text="typed in: "
                   "value reading of a synapse: |delivered| <= C, |w| <= w_m and |y| <= sup "
                   "give |delivered - w y| <= C + w_m sup (the deviation synapse_bound uses)")
def synapse_value_deviation():
    import z3

    from fepproof.obligations.engines import z3_unsat
    dv, wt, y, c, wm, sup = z3.Reals("delivered w y C w_m sup")
    hyp = [c > 0, wm >= 0, sup >= 0, dv <= c, -dv <= c, wt <= wm, -wt <= wm, y <= sup,
           -y <= sup]
    return z3_unsat("synapse value-reading deviation", hyp,
                    z3.And(dv - wt * y <= c + wm * sup, wt * y - dv <= c + wm * sup),
                    nonlinear=True)


@obligation(
    id="production.precision_random", result="Theorem 5", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..6, both lambda readings: "
                   "bounds.precision_bound (value and per-layer terms) equals Equation 11 "
                   "(output reading, theorem5.closed_form_output_L1to8), resp. Equation 11 "
                   "with K^(L-l+1) (theorem5.closed_form_preactivation_L1to8)")
def precision_random():
    checked = 0
    for d in range(1, 7):
        args = [K] + [lam[i] for i in range(1, d + 1)] + [N[i] for i in range(1, d + 1)] \
            + [w[i] for i in range(1, d + 2)]
        fns = {"output": exact_function(eq11_closed(d), args),
               "preactivation": exact_function(eq11_closed(d, 1), args)}
        for seed in SEEDS:
            rng = random.Random(9000 + 100 * d + seed)
            net = random_net(rng, d)
            lams = [Fraction(rng.randint(0, 9), rng.randint(1, 500)) for _ in range(d)]
            for reading, fn in fns.items():
                pb = precision_bound(net, lams, reading)
                want = fn(net.K, *lams, *net.widths, *_wm(net))
                terms = [fn(net.K, *[x if j == i else 0 for j, x in enumerate(lams)],
                            *net.widths, *_wm(net)) for i in range(d)]
                if pb.value != want or list(pb.terms) != terms:
                    return _mismatch("precision_bound = Eq. 11", widths=list(net.widths),
                                     lambdas=[fmt_exact(x) for x in lams], reading=reading,
                                     value=pb.value, proved=want)
                checked += 1
    return proved("precision_bound = proved Eq. 11", "exact arithmetic", instances=checked)


@obligation(
    id="production.bits_random", result="Theorem 5", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..3, both readings: bounds.bits_for_precision"
                   "'s uniform bits are the fewest b with Eq. 11(lambda_l = 2^-b) <= eps, and its "
                   "per-layer bits meet eps with the fewest bits in total (enumeration of "
                   "every assignment with fewer bits)")
def bits_random():
    checked = 0
    for d in range(1, 4):
        args = [K] + [lam[i] for i in range(1, d + 1)] + [N[i] for i in range(1, d + 1)] \
            + [w[i] for i in range(1, d + 2)]
        fns = {"output": exact_function(eq11_closed(d), args),
               "preactivation": exact_function(eq11_closed(d, 1), args)}
        for seed in range(6):
            rng = random.Random(11000 + 100 * d + seed)
            net = random_net(rng, d, max_width=3, scale=rng.choice(SCALES[:3]))
            for reading, fn in fns.items():
                def bound(bits, fn=fn, net=net):
                    return fn(net.K, *[Fraction(1, 2 ** b) for b in bits], *net.widths,
                              *_wm(net))
                eps = bound([rng.randint(0, 6) for _ in range(d)]) * Fraction(
                    rng.randint(1, 4), rng.randint(1, 4))
                r = bits_for_precision(net, eps, reading)
                ub = r.uniform_bits
                uni_ok = bound([ub] * d) <= eps and (ub == 0 or bound([ub - 1] * d) > eps)
                per = list(r.per_layer_bits)
                fewer = any(bound(b) <= eps for b in itertools.product(
                    range(sum(per)), repeat=d) if sum(b) < sum(per))
                if not uni_ok or bound(per) > eps or fewer or r.per_layer_bound != bound(per):
                    return _mismatch("bits_for_precision", widths=list(net.widths),
                                     reading=reading, eps=eps, uniform=ub, per_layer=per,
                                     uniform_minimal=uni_ok, fewer_bits_exist=fewer)
                checked += 1
    return proved("bits = fewest bits meeting Eq. 11", "exact arithmetic", instances=checked)


@obligation(
    id="production.wait_counts_random", result="Corollary 2", method="numeric",
    expected="proved",
    statement_text="random exact instances, L = 1..4: bounds.wait_counts has layer l wait for "
                   "N_(l-1) - f_(l-1) signals (the d inputs for layer 1, N_L - f_L for the "
                   "output) and judges f with the crash model's 'at most' condition (C = 1)")
def wait_counts_random():
    checked = 0
    for _rng, net, fs in _instances(range(1, 5), max_width=3):
        fs = [min(x, n - 1) for x, n in zip(fs, net.widths, strict=True)]
        value = _enum_max(net, fs, Fraction(1))
        epsp = Fraction(1, 9)
        for budget in (value, value * Fraction(9, 10)):
            r = wait_counts(net, fs, epsp + budget, epsp)
            srcs = [net.input_dim, *net.widths]
            want = [srcs[0]] + [srcs[i] - fs[i - 1] for i in range(1, len(srcs))]
            if list(r.waits) != want or list(r.sources) != srcs or \
                    r.tolerance.tolerated != (value <= budget):
                return _mismatch("Corollary 2's wait counts", widths=list(net.widths), f=fs,
                                 waits=list(r.waits), proved=want,
                                 tolerated=r.tolerance.tolerated)
            checked += 1
    return proved("wait counts = N_(l-1) - f_(l-1)", "exact arithmetic", instances=checked)


# ---- Corollary 1 as fepproof harden runs it (harden.replicate, replication.*) ----------

def _rep_values(net, vec):
    """Widths N_l r_l and w_m^(l) / r_(l-1) (w_m^(1) unchanged): the substitution of the
    proved construction (corollary1.replication_L1to5), from the original network."""
    wm = _wm(net)
    rs = [1, *vec]
    return [n * r for n, r in zip(net.widths, vec, strict=True)], \
        [wm[i] / rs[i] for i in range(len(wm))]


def _stmt_rep(net, fs, vec, D, reading):
    """The proved Fep (exactly f, or its maximum over g <= f) of the replicated network,
    evaluated at the substituted widths and weights (no network is built)."""
    Ns, wms = _rep_values(net, vec)
    fn = _fep_fn(net.depth)
    if reading == "exactly":
        return fn(D, net.K, list(fs), Ns, wms)
    return max(fn(D, net.K, list(g), Ns, wms)
               for g in itertools.product(*[range(x + 1) for x in fs]))


def _stmt_on(net, fs, D, reading):
    return _stmt_fep(net, fs, D) if reading == "exactly" else _enum_max(net, fs, D)


def _fep0_fn(d):
    """Fep_0 of corollary1.replication_L1to5 (N_l' in place of N_l' - f_l')."""
    if ("fep0", d) not in _CACHE:
        from fepproof.symbolic.notation import u
        from fepproof.symbolic.recurrence import correct_counts
        e = fep_closed(d).xreplace(correct_counts(d)).xreplace({u[i]: N[i]
                                                                 for i in range(1, d + 1)})
        args = [C, K] + [f[i] for i in range(1, d + 1)] + [N[i] for i in range(1, d + 1)] \
            + [w[i] for i in range(1, d + 2)]
        _CACHE[("fep0", d)] = exact_function(e, args)
    fn = _CACHE[("fep0", d)]
    return lambda D, net, fs: fn(D, net.K, *fs, *net.widths, *_wm(net))


def _neuron_models(rng):
    c = Fraction(rng.randint(1, 30), rng.randint(1, 7))
    v = Fraction(rng.randint(0, 12), 12)
    return [FailureModel.crash(), FailureModel.byzantine(c, "deviation"),
            FailureModel.byzantine(c, "value"), FailureModel.stuck_at(v)]


def _harden_instances(seeds):
    for d in (1, 2, 3):
        for seed in seeds:
            rng = random.Random(17000 + 100 * d + seed)
            net = random_net(rng, d, max_width=3, scale=rng.choice(SCALES[:3]))
            # f_l = N_l or 2 N_l often: the smallest admissible factor is then 2, resp. 3
            fs = [rng.choice((0, n, 2 * n, rng.randint(0, 2 * n))) for n in net.widths]
            yield rng, net, fs


MAX_FACTOR = 4


@obligation(
    id="production.replication_random", result="Corollary 1", method="numeric",
    expected="proved",
    statement_text="random exact instances, L = 1..3, f_l up to 2 N_l, factors 1..4, crash, "
                   "Byzantine (both readings) and stuck-at, both readings of the failures: "
                   "harden.replicate has widths N_l r_l and w_m^(l) / r_(l-1); "
                   "replication.replicated_fep equals the proved Fep of the network harden "
                   "builds (sound deviation); for uniform r it is <= Fep_0 / r with "
                   "replication.fep_without_minus_f = Fep_0 (corollary1.replication_L1to5)")
def replication_random():
    from fepproof.harden import replicate
    from fepproof.replication import fep_without_minus_f, replicated_fep
    checked = 0
    for rng, net, fs in _harden_instances(range(8)):
        for model in _neuron_models(rng):
            D = SOUND_DEVIATION[_key(model)](model)
            if fep_without_minus_f(net, fs, model) != _fep0_fn(net.depth)(D, net, fs):
                return _mismatch("fep_without_minus_f = Fep_0", widths=list(net.widths), f=fs,
                                 model=model.describe())
            vecs = [tuple(rng.randint(x // n + 1, x // n + 2) for x, n in
                          zip(fs, net.widths, strict=True)) for _ in range(2)]
            vecs.append(tuple([max(x // n + 1 for x, n in zip(fs, net.widths, strict=True))]
                              * net.depth))
            for vec in vecs:
                h = replicate(net, vec)
                Ns, wms = _rep_values(net, vec)
                if list(h.widths) != Ns or _wm(h) != wms:
                    return _mismatch("replicate: widths N r and weights w_m / r",
                                     widths=list(net.widths), factors=list(vec),
                                     built_widths=list(h.widths), proved_widths=Ns,
                                     built_wm=[fmt_exact(x) for x in _wm(h)],
                                     proved_wm=[fmt_exact(x) for x in wms])
                for reading in ("exactly", "at_most"):
                    got = replicated_fep(net, fs, vec, model, reading)
                    want = _stmt_on(h, fs, D, reading)
                    if got != want or want != _stmt_rep(net, fs, vec, D, reading):
                        return _mismatch("replicated_fep = proved Fep of the replicated net",
                                         widths=list(net.widths), f=fs, factors=list(vec),
                                         model=model.describe(), reading=reading,
                                         replicated_fep=got, proved=want)
                    checked += 1
                if len(set(vec)) == 1:
                    r = vec[0]
                    if not replicated_fep(net, fs, vec, model) * r <= \
                            _fep0_fn(net.depth)(D, net, fs):
                        return _mismatch("Fep_r <= Fep_0 / r", widths=list(net.widths), f=fs,
                                         r=r, model=model.describe())
    return proved("replication = proved construction", "exact arithmetic", instances=checked)


@obligation(
    id="production.harden_random", result="Corollary 1", method="numeric", expected="proved",
    statement_text="random exact instances, L = 1..3, f_l up to 2 N_l, factors 1..4, crash, "
                   "Byzantine (both readings) and stuck-at, both readings, budgets reached "
                   "and not reached: harden.harden (what fepproof harden runs) returns the "
                   "factors with the fewest added neurons sum N_l (r_l - 1) among every "
                   "factor vector with f_l < N_l r_l whose proved Fep (sound deviation) is "
                   "<= the budget (enumeration), builds replicate(net, factors), and reports "
                   "that network's proved Fep")
def harden_random():
    from fepproof.harden import harden, replicate
    checked = 0
    for rng, net, fs in _harden_instances(range(5)):
        model = rng.choice(_neuron_models(rng))
        D = SOUND_DEVIATION[_key(model)](model)
        box = [v for v in itertools.product(range(1, MAX_FACTOR + 1), repeat=net.depth)
               if all(x < n * r for x, n, r in zip(fs, net.widths, v, strict=True))]
        for reading in ("exactly", "at_most"):
            if reading == "at_most" and net.depth == 3 and any(fs):
                continue  # the enumeration over g <= f is the slow part; L <= 2 suffices
            value = {v: _stmt_rep(net, fs, v, D, reading) for v in box}
            star = rng.choice(box) if box else None
            budgets = [Fraction(1, 10 ** 6)]
            if star is not None:
                budgets += [value[star], value[star] * Fraction(101, 100)]
            for budget in budgets:
                ok = [v for v in box if value[v] <= budget]
                best = min((sum(n * (r - 1) for n, r in zip(net.widths, v, strict=True))
                            for v in ok), default=None)
                res = harden(net, fs, budget, model, max_factor=MAX_FACTOR, reading=reading,
                             samples=2)
                good = (res.added == best and res.search.minimal and (
                    best is None and res.factors is None or res.factors in ok))
                if good and res.factors is not None:
                    h = replicate(net, res.factors)
                    good = res.hardened == h and res.fep_after == _stmt_on(h, fs, D, reading) \
                        == value[res.factors] and res.search.fep == value[res.factors]
                if not good:
                    return _mismatch("harden: fewest added neurons meeting the budget",
                                     widths=list(net.widths), f=fs, model=model.describe(),
                                     reading=reading, budget=budget,
                                     factors=None if res.factors is None else list(res.factors),
                                     added=res.added, enumerated_fewest=best,
                                     fep_after=res.fep_after)
                checked += 1
    return proved("harden = fewest factors meeting the budget", "exact arithmetic",
                  instances=checked)
