"""The paper's closed-form bounds, computed exactly (Theorems 1-5, Lemma 2, Corollary 2).

Notation (Section 4.1): L hidden layers of N_l neurons, w_m^(l) = max |w^(l)| for
l = 1..L+1 (L+1 is the output node), K the Lipschitz constant, f_l failures in layer l,
D the largest deviation one failed neuron causes (C for Byzantine neurons in the
``deviation`` reading, C + 1 in the ``value`` reading, 1 for crashes).

    Fep = D * sum_l f_l K^(L-l) w_m^(L+1) prod_{l'=l+1..L} (N_l' - f_l') w_m^(l')

Equivalently Fep = D * w_m^(L+1) * e_L with the forward recursion
e_0 = 0, e_l = f_l + (N_l - f_l) K w_m^(l) e_(l-1) — the form used for the
"at most f_l per layer" maximum and for box minima (e_l is non-decreasing in e_(l-1) and
affine in f_l, so extremes over a box sit at endpoints, layer by layer).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from .exact import fmt_decimal, fmt_exact, to_fraction
from .failures import FailureError, FailureKind, FailureModel, check_failures, input_sup
from .network import Network

__all__ = [
    "FepResult", "fep", "fep_formula", "max_dominated_fep", "box_extremes",
    "Theorem1Result", "theorem1_max_failures",
    "ToleranceResult", "tolerance", "synapse_bound", "SynapseBound",
    "precision_bound", "PrecisionBound", "bits_for_precision", "BitsResult",
    "wait_counts", "WaitResult",
]

ToleranceReading = Literal["exactly", "at_most"]


def _q(x: Fraction) -> dict[str, Any]:
    return {"exact": fmt_exact(x), "float": float(x)}


@dataclass(frozen=True)
class FepResult:
    """Theorem 2: Fep for one per-layer distribution, with each layer's term.

    ``value``/``terms`` are the paper's Fep with C (C = 1 for crashes).  ``sound`` is the
    bound with the largest real deviation per failed neuron: equal to ``value`` except in
    the Byzantine ``value`` reading, where a neuron can deviate by C + 1.
    """

    value: Fraction
    terms: tuple[Fraction, ...]
    failures: tuple[int, ...]
    model: FailureModel
    deviation: Fraction
    K: Fraction
    widths: tuple[int, ...]
    wm: tuple[Fraction, ...]  # w_m^(1) .. w_m^(L+1)
    sound: Fraction
    sound_terms: tuple[Fraction, ...]
    output: int | None = None
    notes: tuple[str, ...] = field(default=())
    C: Fraction | None = None  # the C of ``value`` (None: ``model.C``)

    @property
    def paper_C(self) -> Fraction:
        """The C that ``value`` and ``terms`` use: the model's, except for a tanh neuron
        stuck at v, whose largest deviation 1 + |v| is the C of the formula."""
        return self.model.C if self.C is None else self.C

    @property
    def value_float(self) -> float:
        return float(self.value)

    @property
    def is_bound(self) -> bool:
        """Is the paper's Fep itself a sound bound under this model?"""
        return self.sound == self.value

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fep": fmt_exact(self.value),
            "fep_float": float(self.value),
            "terms": [fmt_exact(t) for t in self.terms],
            "terms_float": [float(t) for t in self.terms],
            "failures": list(self.failures),
            **self.model.to_json(),
            "fep_is_bound": self.is_bound,
            "sound_bound": fmt_exact(self.sound),
            "sound_bound_float": float(self.sound),
            "deviation_per_failure": fmt_exact(self.deviation),
            "K": fmt_exact(self.K),
            "widths": list(self.widths),
            "w_m": [fmt_exact(w) for w in self.wm],
            "output": "max" if self.output is None else self.output,
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _wm(net: Network, output: int | None) -> tuple[Fraction, ...]:
    return tuple(net.max_abs_weight(l, output) for l in range(1, net.depth + 2))


def _terms(D: Fraction, f: Sequence[int], N: Sequence[int], K: Fraction,
           wm: Sequence[Fraction]) -> list[Fraction]:
    L = len(N)
    terms = []
    for l in range(1, L + 1):
        t = D * f[l - 1] * K ** (L - l) * wm[L]
        for lp in range(l + 1, L + 1):
            t *= (N[lp - 1] - f[lp - 1]) * wm[lp - 1]
        terms.append(t)
    return terms


def fep(net: Network, failures: Sequence[int], model: FailureModel | None = None,
        output: int | None = None) -> FepResult:
    """Theorem 2: the Forward Error Propagation bound for f_l failed neurons in layer l.

    ``value`` uses the paper's C; ``sound`` the largest real deviation per failed neuron
    (see :meth:`FailureModel.neuron_deviation`).  ``output=None`` bounds the maximum error
    over all outputs.
    """
    model = model or FailureModel.crash()
    if model.fails_synapses:
        raise FailureError("kind: the synapse model is bounded by synapse_bound "
                           "(Lemma 2 / Theorem 4)", "kind")
    f = check_failures(net, failures, model)
    wm = _wm(net, output)
    D = model.neuron_deviation(net)
    # the paper's C; for a tanh neuron stuck at v the sigmoid reading max(v, 1 - v) has no
    # meaning, and its sound deviation 1 + |v| is the C of the formula
    C = D if net.activation.name == "tanh" and model.kind is FailureKind.STUCK_AT else model.C
    terms = _terms(C, f, net.widths, net.K, wm)
    sound_terms = terms if D == C else _terms(D, f, net.widths, net.K, wm)
    note = model.erratum_note()
    notes = [] if note is None else [note]
    return FepResult(sum(terms, Fraction(0)), tuple(terms), f, model, D, net.K, net.widths,
                     wm, sum(sound_terms, Fraction(0)), tuple(sound_terms), output, tuple(notes),
                     C)


def fep_formula(C: Fraction, f: Sequence[int], N: Sequence[int], K: Fraction,
                   wm: Sequence[Fraction]) -> Fraction:
    """The paper's Fep formula on raw numbers (wm holds w_m^(1..L+1))."""
    return sum(_terms(Fraction(C), f, N, Fraction(K), wm), Fraction(0))


def _recursion(net: Network, output: int | None) -> tuple[list[int], list[Fraction]]:
    """(N_l, a_l = K w_m^(l)) for the forward recursion e_l = f_l + (N_l - f_l) a_l e_(l-1)."""
    wm = _wm(net, output)
    return list(net.widths), [net.K * wm[l] for l in range(net.depth)]


def box_extremes(net: Network, lo: Sequence[int], hi: Sequence[int], model: FailureModel,
                 output: int | None = None) -> tuple[Fraction, tuple[int, ...], Fraction,
                                                     tuple[int, ...]]:
    """Exact min and max of Fep over the integer box lo <= f <= hi, with their argmins.

    Fep = D w_m^(L+1) e_L and e_l = g_l + (N_l - g_l) a_l e_(l-1) is affine in g_l and
    non-decreasing in e_(l-1); so the extreme of e_l over the box is reached by the
    extreme e_(l-1) and an endpoint g_l in {lo_l, hi_l}.  O(L), no enumeration.
    """
    N, a = _recursion(net, output)
    emin = emax = Fraction(0)
    gmin: list[int] = []
    gmax: list[int] = []
    for l in range(net.depth):
        cands_min = [(g + (N[l] - g) * a[l] * emin, g) for g in (lo[l], hi[l])]
        cands_max = [(g + (N[l] - g) * a[l] * emax, g) for g in (lo[l], hi[l])]
        emin, g1 = min(cands_min)
        emax, g2 = max(cands_max)
        gmin.append(g1)
        gmax.append(g2)
    scale = model.neuron_deviation(net) * net.max_abs_weight(net.depth + 1, output)
    return scale * emin, tuple(gmin), scale * emax, tuple(gmax)


def max_dominated_fep(net: Network, failures: Sequence[int], model: FailureModel | None = None,
                      output: int | None = None) -> tuple[Fraction, tuple[int, ...]]:
    """max Fep(g) over all g <= f componentwise (the "at most f_l per layer" reading).

    Fep is not monotone: failures downstream shrink the (N_l - f_l) factors, so "tolerates
    up to f" needs this maximum, not Fep(f).  Returns the value and a maximising g.
    """
    model = model or FailureModel.crash()
    f = check_failures(net, failures, model)
    _, _, vmax, gmax = box_extremes(net, [0] * len(f), f, model, output)
    return vmax, gmax


# ---- Theorem 1 --------------------------------------------------------------------------

@dataclass(frozen=True)
class Theorem1Result:
    """Theorem 1: N_fail <= (eps - eps') / w_m for a single hidden layer under crashes."""

    n_fail: int  # the largest integer allowed by the bound, capped at N
    ratio: Fraction  # (eps - eps') / w_m
    w_m: Fraction
    N: int
    capped: bool

    def to_json(self) -> dict[str, Any]:
        return {"theorem": 1, "max_crashes": self.n_fail, "ratio": fmt_exact(self.ratio),
                "ratio_float": float(self.ratio), "w_m": fmt_exact(self.w_m), "N": self.N,
                "capped_at_N": self.capped}


def _check_eps(epsilon: Fraction, epsilon_prime: Fraction) -> None:
    if not 0 < epsilon_prime <= epsilon:
        raise FailureError(
            f"--epsilon/--epsilon-prime: need 0 < eps' <= eps, got eps = {fmt_exact(epsilon)}, "
            f"eps' = {fmt_exact(epsilon_prime)}")


def theorem1_max_failures(net: Network, epsilon: object, epsilon_prime: object,
                          output: int | None = None) -> Theorem1Result:
    """Theorem 1: the largest N_fail with N_fail <= (eps - eps') / w_m (crash, L = 1)."""
    eps, epsp = to_fraction(epsilon, "epsilon"), to_fraction(epsilon_prime, "epsilon_prime")
    _check_eps(eps, epsp)
    if net.depth != 1:
        raise FailureError(f"Theorem 1 is for one hidden layer; this network has {net.depth}")
    wm = net.max_abs_weight(2, output)
    N = net.widths[0]
    if wm == 0:
        return Theorem1Result(N, Fraction(N), wm, N, True)
    ratio = (eps - epsp) / wm
    n = math.floor(ratio)
    return Theorem1Result(min(n, N), ratio, wm, N, n > N)


# ---- Theorem 3 --------------------------------------------------------------------------

@dataclass(frozen=True)
class ToleranceResult:
    """Theorem 3: is the distribution tolerated, Fep <= eps - eps' (and f_l < N_l)?"""

    tolerated: bool
    reading: ToleranceReading
    value: Fraction  # Fep(f) (exactly) or max over g <= f (at_most)
    budget: Fraction  # eps - eps'
    worst: tuple[int, ...]  # the distribution attaining ``value``
    fep: FepResult
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"tolerated": self.tolerated, "reading": self.reading,
                "compared": fmt_exact(self.value), "compared_float": float(self.value),
                "budget": fmt_exact(self.budget), "budget_float": float(self.budget),
                "worst_distribution": list(self.worst), "reason": self.reason}


def tolerance(net: Network, failures: Sequence[int], model: FailureModel | None,
              epsilon: object, epsilon_prime: object, reading: ToleranceReading = "exactly",
              output: int | None = None) -> ToleranceResult:
    """Theorem 3: tolerated iff f_l < N_l for every l and Fep <= eps - eps'.

    The sound Fep is compared (C + 1 per neuron in the Byzantine ``value`` reading).

    ``exactly``: Definition 3, every failure set with exactly f_l failures in layer l.
    ``at_most``: every distribution g <= f, i.e. max_{g <= f} Fep(g) <= eps - eps'.
    """
    model = model or FailureModel.crash()
    eps, epsp = to_fraction(epsilon, "epsilon"), to_fraction(epsilon_prime, "epsilon_prime")
    _check_eps(eps, epsp)
    res = fep(net, failures, model, output)
    budget = eps - epsp
    if reading == "exactly":
        value, worst = res.sound, res.failures
    elif reading == "at_most":
        value, worst = max_dominated_fep(net, failures, model, output)
    else:
        raise FailureError(f"reading: unknown tolerance reading {reading!r}")
    full = [l + 1 for l, (v, n) in enumerate(zip(res.failures, net.widths, strict=True))
            if v >= n]
    if full:
        return ToleranceResult(False, reading, value, budget, worst, res,
                               f"Theorem 3 needs f_l < N_l; layer(s) {full} fail entirely")
    ok = value <= budget
    what = "Fep" if reading == "exactly" else "max Fep over g <= f"
    rel = "<=" if ok else ">"
    reason = f"{what} = {fmt_decimal(value)} {rel} eps - eps' = {fmt_decimal(budget)}"
    return ToleranceResult(ok, reading, value, budget, worst, res, reason)


# ---- Lemma 2 and Theorem 4 ----------------------------------------------------------------

@dataclass(frozen=True)
class SynapseBound:
    """Lemma 2 + Theorem 4: output error from f_l Byzantine synapses into layer l (1..L+1)."""

    value: Fraction
    terms: tuple[Fraction, ...]
    failures: tuple[int, ...]
    model: FailureModel
    deviations: tuple[Fraction, ...]  # per synapse layer: largest change of one delivered term
    as_written: Fraction  # Theorem 4's formula exactly as printed
    reading_note: str

    def to_json(self) -> dict[str, Any]:
        return {"fep": fmt_exact(self.value), "fep_float": float(self.value),
                "terms": [fmt_exact(t) for t in self.terms],
                "terms_float": [float(t) for t in self.terms],
                "failures": list(self.failures), **self.model.to_json(),
                "deviation_per_failure": [fmt_exact(d) for d in self.deviations],
                "theorem4_as_printed": fmt_exact(self.as_written),
                "theorem4_reading": self.reading_note}


SYNAPSE_READING = (
    "Lemma 2's proof adds the synapse error to the receiving neuron's sum, so one failed "
    "synapse into layer l <= L moves that neuron's output by at most K*delta (no weight "
    "factor; Theorem 4's extra w_m^(l) is only needed if C bounds the sender's signal before "
    "weighting). A neuron with a failed input synapse still carries the upstream error, so "
    "downstream layers keep all N_l' neurons (Theorem 4's (N_l' - f_l') is not sound). "
    "Bound: sum_{l<=L} f_l delta_l K^(L-l+1) w_m^(L+1) prod_{l'=l+1..L} N_l' w_m^(l') "
    "+ f_(L+1) delta_(L+1)."
)


def synapse_terms(f: Sequence[Any], devs: Sequence[Any], N: Sequence[Any], K: Any,
                  wm: Sequence[Any]) -> list[Any]:
    """Lemma 2 + Theorem 4 (sound reading), one term per synapse layer 1..L+1:
    f_l delta_l K^(L-l+1) w_m^(L+1) prod_{l'=l+1..L} N_l' w_m^(l'), and f_(L+1) delta_(L+1).
    Works on Fractions and on sympy symbols alike (the LaTeX documents print these)."""
    L = len(N)
    terms = []
    for l in range(1, L + 1):
        t = f[l - 1] * devs[l - 1] * K ** (L - l + 1) * wm[L]
        for lp in range(l + 1, L + 1):
            t *= N[lp - 1] * wm[lp - 1]
        terms.append(t)
    terms.append(f[L] * devs[L])
    return terms


def theorem4_printed_terms(C: Any, f: Sequence[Any], N: Sequence[Any], K: Any,
                           wm: Sequence[Any]) -> list[Any]:
    """Theorem 4 exactly as printed (the output node's (N_(L+1) - .) factor is 1)."""
    L = len(N)
    terms = []
    for l in range(1, L + 2):
        t = C * f[l - 1] * K ** (L + 1 - l) * wm[l - 1]
        for lp in range(l + 1, L + 2):
            t *= wm[lp - 1] * ((N[lp - 1] - f[lp - 1]) if lp <= L else 1)
        terms.append(t)
    return terms


def synapse_bound(net: Network, failures: Sequence[int], model: FailureModel,
                  output: int | None = None) -> SynapseBound:
    """Lemma 2 and Theorem 4 (the reading their proofs support; see ``SYNAPSE_READING``)."""
    if not model.fails_synapses:
        raise FailureError("kind: synapse_bound needs the synapse failure model", "kind")
    f = check_failures(net, failures, model)
    L, K, N = net.depth, net.K, net.widths
    wm = _wm(net, output)
    sups = [input_sup(net)] + [net.activation.sup] * L
    devs = tuple(model.synapse_deviation(wm[l] * sups[l]) for l in range(L + 1))
    terms = synapse_terms(f, devs, N, K, wm)
    written = sum(theorem4_printed_terms(model.C, f, N, K, wm), Fraction(0))
    return SynapseBound(sum(terms, Fraction(0)), tuple(terms), f, model, devs, written,
                        SYNAPSE_READING)


# ---- Theorem 5 --------------------------------------------------------------------------

PrecisionReading = Literal["output", "preactivation"]


@dataclass(frozen=True)
class PrecisionBound:
    """Theorem 5: output error when every neuron of layer l errs by at most lambda_l."""

    value: Fraction
    terms: tuple[Fraction, ...]
    lambdas: tuple[Fraction, ...]
    reading: PrecisionReading

    def to_json(self) -> dict[str, Any]:
        return {"bound": fmt_exact(self.value), "bound_float": float(self.value),
                "terms": [fmt_exact(t) for t in self.terms],
                "lambdas": [fmt_exact(x) for x in self.lambdas], "lambda_reading": self.reading}


PRECISION_READINGS = {
    "output": "lambda_l is added to each neuron's output (after phi): Equation 11 exactly, "
              "sum_l K^(L-l) lambda_l prod_{l'=l..L} N_l' w_m^(l'+1); this is what the "
              "proof's base case does",
    "preactivation": "lambda_l is added to each neuron's sum before phi, as the proof's "
                     "induction step says; every term gains a factor K: "
                     "sum_l K^(L-l+1) lambda_l prod_{l'=l..L} N_l' w_m^(l'+1)",
}


def _precision_coeffs(net: Network, reading: PrecisionReading,
                      output: int | None = None) -> list[Fraction]:
    if reading not in PRECISION_READINGS:
        raise FailureError(f"--lambda-reading: unknown reading {reading!r} (output, preactivation)")
    L, K, N = net.depth, net.K, net.widths
    wm = _wm(net, output)
    coeffs = []
    for l in range(1, L + 1):
        c = K ** (L - l + (1 if reading == "preactivation" else 0))
        for lp in range(l, L + 1):
            c *= N[lp - 1] * wm[lp]
        coeffs.append(c)
    return coeffs


def precision_bound(net: Network, lambdas: Sequence[object],
                    reading: PrecisionReading = "output",
                    output: int | None = None) -> PrecisionBound:
    """Theorem 5 (Equation 11) in the chosen reading of where lambda_l enters."""
    lam = tuple(to_fraction(x, f"lambda[{i}]") for i, x in enumerate(lambdas))
    if len(lam) != net.depth:
        raise FailureError(f"--lambdas: expected {net.depth} values, got {len(lam)}")
    if any(x < 0 for x in lam):
        raise FailureError("--lambdas: errors must be >= 0")
    coeffs = _precision_coeffs(net, reading, output)
    terms = tuple(c * x for c, x in zip(coeffs, lam, strict=True))
    return PrecisionBound(sum(terms, Fraction(0)), terms, lam, reading)


@dataclass(frozen=True)
class BitsResult:
    """Theorem 5 inverted: bits per layer so that the bound with lambda_l = 2^-bits <= eps."""

    uniform_bits: int
    per_layer_bits: tuple[int, ...]
    uniform_bound: Fraction
    per_layer_bound: Fraction
    target: Fraction
    reading: PrecisionReading

    def to_json(self) -> dict[str, Any]:
        return {"target": fmt_exact(self.target), "uniform_bits": self.uniform_bits,
                "uniform_bound": fmt_exact(self.uniform_bound),
                "per_layer_bits": list(self.per_layer_bits),
                "per_layer_total_bits": sum(self.per_layer_bits),
                "per_layer_bound": fmt_exact(self.per_layer_bound),
                "lambda_reading": self.reading}


def _ceil_log2(x: Fraction) -> int:
    """Smallest integer b with 2^b >= x (x > 0), exactly."""
    b = x.numerator.bit_length() - x.denominator.bit_length() - 1
    while Fraction(2) ** b < x:
        b += 1
    while Fraction(2) ** (b - 1) >= x:
        b -= 1
    return b


def bits_for_precision(net: Network, target: object, reading: PrecisionReading = "output",
                       output: int | None = None) -> BitsResult:
    """Theorem 5 inverted: fewest bits so that sum_l c_l 2^-b_l <= target (b_l >= 0).

    ``uniform_bits``: the fewest equal bits for every layer.  ``per_layer_bits``: the
    fewest bits in total.  Start every layer high enough (64 bits above its share target/L)
    and remove bits by increasing marginal cost: removing a bit from layer l raises the
    bound by c_l 2^-b_l, and these costs double along each layer, so the cheapest
    removals overall form a prefix in every layer; taking them until the next one no
    longer fits removes as many bits as any assignment can.  Both results are exact.
    """
    eps = to_fraction(target, "epsilon")
    if eps <= 0:
        raise FailureError("--epsilon: the target error must be > 0")
    coeffs = _precision_coeffs(net, reading, output)
    total = sum(coeffs, Fraction(0))
    ub = max(0, _ceil_log2(total / eps)) if total > 0 else 0

    def bound(bits: Sequence[int]) -> Fraction:
        return sum((c / Fraction(2) ** b for c, b in zip(coeffs, bits, strict=True)), Fraction(0))

    L = net.depth
    bits = [max(0, _ceil_log2(c * L / eps)) + 64 if c > 0 else 0 for c in coeffs]
    current = bound(bits)
    heap = [(c / Fraction(2) ** b, i) for i, (c, b) in enumerate(zip(coeffs, bits, strict=True))
            if b > 0]
    heapq.heapify(heap)
    while heap:
        cost, i = heapq.heappop(heap)
        if current + cost > eps:
            break
        current += cost
        bits[i] -= 1
        if bits[i] > 0:
            heapq.heappush(heap, (coeffs[i] / Fraction(2) ** bits[i], i))
    return BitsResult(ub, tuple(bits), bound([ub] * L), current, eps, reading)


# ---- Corollary 2 ------------------------------------------------------------------------

@dataclass(frozen=True)
class WaitResult:
    """Corollary 2: signals each neuron of layer l (and the output) must wait for."""

    waits: tuple[int, ...]  # layer 1..L, then the output node
    sources: tuple[int, ...]  # N_(l-1) (d for layer 1, N_L for the output)
    tolerance: ToleranceResult

    def to_json(self) -> dict[str, Any]:
        return {"wait_for": list(self.waits), "out_of": list(self.sources),
                "tolerance": self.tolerance.to_json()}


def wait_counts(net: Network, failures: Sequence[int], epsilon: object, epsilon_prime: object,
                output: int | None = None) -> WaitResult:
    """Corollary 2: with f tolerated under crashes (C = 1), layer l waits for
    N_(l-1) - f_(l-1) signals (layer 1 waits for all d inputs; the output for N_L - f_L).

    Different neurons may skip different slow senders; the per-neuron error recursion
    behind Fep is unchanged by that, so Theorem 3's condition still suffices.
    """
    tol = tolerance(net, failures, FailureModel.crash(), epsilon, epsilon_prime, "at_most",
                    output)
    f = tol.fep.failures
    sources = (net.input_dim,) + net.widths
    skipped = (0,) + f
    waits = tuple(n - s for n, s in zip(sources, skipped, strict=True))
    return WaitResult(waits, sources, tol)
