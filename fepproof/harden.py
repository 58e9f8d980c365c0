"""``fepproof harden``: Corollary 1's construction applied to a given network.

Each neuron i of hidden layer l is replicated r_l times (copies i r_l .. i r_l + r_l - 1,
same incoming weights and bias) and every outgoing weight of a copy is divided by r_l.
The copies of a neuron compute the same value, so every downstream sum, hence F_neu, is
unchanged (``corollary1.replication_preserves_function``); :func:`check_same_function`
re-checks this on the written network at the weight level, exactly, and
:func:`replay_nominal` at random inputs in 50 digits.  The failure distribution keeps its
counts: f_l failed neurons anywhere among the N_l r_l neurons of layer l.

The factors come from the closed form (:mod:`fepproof.replication`, ``by="fep"``) or from
the verify engine run on candidate hardened networks in order of added neurons
(``by="verify"``).
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath

from .bounds import tolerance
from .exact import fmt_exact
from .failures import FailureModel
from .network import Layer, Network
from .replay import mp_forward
from .replication import FactorSearch, factor_candidates, fewest_factors

__all__ = ["HardenError", "replicate", "check_same_function", "replay_nominal",
           "HardenResult", "harden", "VerifyTry"]


class HardenError(ValueError):
    """The construction or its check failed (never expected: a bug if raised)."""


def replicate(net: Network, factors: Sequence[int]) -> Network:
    """``net`` with hidden layer l replicated ``factors[l-1]`` times, outgoing weights / r."""
    if len(factors) != net.depth or any(int(r) < 1 for r in factors):
        raise ValueError(f"factors: expected {net.depth} integers >= 1, got {list(factors)}")
    layers = []
    r_in = 1
    for layer, r in zip(net.layers, factors, strict=True):
        rows, bias = [], []
        for row, b in zip(layer.weights, layer.bias, strict=True):
            new_row = tuple(w / r_in for w in row for _ in range(r_in))
            rows.extend([new_row] * r)
            bias.extend([b] * r)
        layers.append(Layer(tuple(rows), tuple(bias)))
        r_in = r
    out_rows = tuple(tuple(w / r_in for w in row for _ in range(r_in))
                     for row in net.output.weights)
    name = net.name + "-x" + "x".join(str(r) for r in factors)
    return Network(tuple(layers), Layer(out_rows, net.output.bias), net.activation,
                   net.input_domain, name)


def check_same_function(original: Network, hardened: Network, factors: Sequence[int]) -> None:
    """Exact weight-level proof that ``hardened`` computes F_neu of ``original``.

    (a) the copies of a neuron have identical incoming weights and bias, so they output
    the same value for every input; (b) summing the outgoing weights over the copies of
    each neuron gives the original weight.  By induction on the layers every pre-activation,
    hence the output, is the original one.  Raises :class:`HardenError` otherwise.
    """
    if hardened.activation != original.activation:
        raise HardenError("activation differs")
    if hardened.input_domain != original.input_domain:
        raise HardenError("input box differs")
    if hardened.widths != tuple(n * r for n, r in zip(original.widths, factors, strict=True)):
        raise HardenError(f"widths {hardened.widths} are not N_l r_l")
    r_in = 1
    pairs = [*zip(original.layers, hardened.layers, [*factors], strict=True),
             (original.output, hardened.output, 1)]
    for l, (lo, lh, r) in enumerate(pairs, start=1):
        for j, (row, b) in enumerate(zip(lo.weights, lo.bias, strict=True)):
            copies = range(j * r, (j + 1) * r)
            first = lh.weights[j * r]
            for c in copies:
                if lh.weights[c] != first or lh.bias[c] != b:
                    raise HardenError(f"layer {l}: copy {c} of neuron {j} differs")
            for i, w in enumerate(row):
                if sum(first[i * r_in:(i + 1) * r_in], Fraction(0)) != w:
                    raise HardenError(f"layer {l}: weights from the copies of neuron {i} "
                                      f"into neuron {j} do not sum to {fmt_exact(w)}")
        r_in = r


def _mp_out(net: Network, x: tuple[Fraction, ...]) -> list[mpmath.mpf]:
    y = mp_forward(net, x)[-1]
    return [mpmath.fsum(mpmath.mpf(w.numerator) / w.denominator * v
                        for w, v in zip(row, y, strict=True)) + mpmath.mpf(b.numerator)
            / b.denominator for row, b in zip(net.output.weights, net.output.bias, strict=True)]


MPMATH_MAX_WEIGHTS = 200_000  # above this, the replay runs in float64 (time)


def _n_weights(net: Network) -> int:
    return sum(layer.n_out * layer.n_in for layer in (*net.layers, net.output))


def replay_nominal(original: Network, hardened: Network, samples: int = 8, seed: int = 0,
                   dps: int = 50) -> tuple[float, str]:
    """(max |F_hardened(X) - F(X)|, method) over random inputs in the box (corners first):
    with the exact sigmoid at ``dps`` digits (mpmath), or, for networks with more than
    ``MPMATH_MAX_WEIGHTS`` weights, in float64 at 16 x ``samples`` inputs (a sanity check
    beside the exact weight-level proof of :func:`check_same_function`)."""
    rng = random.Random(seed)
    box = original.input_domain

    def point(k: int) -> tuple[Fraction, ...]:
        if k == 0:
            return tuple(lo for lo, _ in box)
        if k == 1:
            return tuple(hi for _, hi in box)
        return tuple(lo + (hi - lo) * Fraction(rng.randrange(1025), 1024) for lo, hi in box)

    if _n_weights(hardened) > MPMATH_MAX_WEIGHTS:
        import numpy as np

        from .simulate import forward
        X = np.array([[float(v) for v in point(k)] for k in range(16 * samples)])
        a, b = forward(original, X)[1], forward(hardened, X)[1]
        return float(np.max(np.abs(a - b))), f"float64 at {len(X)} inputs"
    worst = mpmath.mpf(0)
    with mpmath.workdps(dps):
        for k in range(samples):
            x = point(k)
            a, b = _mp_out(original, x), _mp_out(hardened, x)
            worst = max([worst, *(abs(u - v) for u, v in zip(a, b, strict=True))])
    return float(worst), f"mpmath {dps} digits at {samples} inputs"


@dataclass(frozen=True)
class VerifyTry:
    """One candidate factor vector run through the verify engine (``by="verify"``)."""

    factors: tuple[int, ...]
    added: int
    verdict: str
    lower: Fraction | None
    upper: Fraction | None
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"factors": list(self.factors), "added_neurons": self.added,
                "verdict": self.verdict,
                "lower": None if self.lower is None else float(self.lower),
                "upper": None if self.upper is None else float(self.upper),
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class HardenResult:
    """What ``fepproof harden`` found, built and checked."""

    by: str
    failures: tuple[int, ...]
    model: FailureModel
    budget: Fraction
    reading: str
    search: FactorSearch  # the closed-form search (always run: it caps the verify search)
    factors: tuple[int, ...] | None
    added: int | None
    minimal: bool
    how_proved: str  # "fep" (Theorem 2 closed form) or "verify" (engine) or ""
    hardened: Network | None
    fep_before: Fraction | None  # None when some f_l >= N_l (no correct neuron left)
    fep_after: Fraction | None
    tolerated_before: bool
    tries: tuple[VerifyTry, ...] = ()
    replay_max_diff: float | None = None
    replay_method: str = ""
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        h = self.hardened
        return {
            "by": self.by, "failures": list(self.failures), **self.model.to_json(),
            "budget": fmt_exact(self.budget), "budget_float": float(self.budget),
            "reading": self.reading,
            "factors": None if self.factors is None else list(self.factors),
            "added_neurons": self.added, "minimal": self.minimal,
            "proved_by": self.how_proved or None,
            "widths_after": None if h is None else list(h.widths),
            "fep_before": None if self.fep_before is None else fmt_exact(self.fep_before),
            "fep_before_float": None if self.fep_before is None else float(self.fep_before),
            "fep_after": None if self.fep_after is None else fmt_exact(self.fep_after),
            "fep_after_float": None if self.fep_after is None else float(self.fep_after),
            "tolerated_before": self.tolerated_before,
            "failure_mapping": (f"the same counts per layer: f_l failed neurons anywhere "
                                f"among the N_l r_l neurons of hidden layer l "
                                f"({list(self.failures)})"),
            "search": self.search.to_json(),
            "verify_tries": [t.to_json() for t in self.tries],
            "checks": {"same_function": None if h is None else
                       "exact: copies identical, outgoing weights sum to the original",
                       "replay_max_diff": self.replay_max_diff,
                       "replay_method": self.replay_method or None},
            "notes": list(self.notes),
        }


# (hardened network, failures, budget, seconds left) -> (verdict, lower, upper)
Verifier = Callable[[Network, tuple[int, ...], Fraction, float],
                    tuple[str, Fraction | None, Fraction | None]]


def _cheaper_vectors(net: Network, failures: Sequence[int], max_factor: int,
                     powers_of_two: bool, cap: int, limit: int
                     ) -> tuple[list[tuple[int, ...]], bool, bool]:
    """Factor vectors with fewer added neurons than ``cap``, cheapest first (at most
    ``limit``); whether they were all enumerated (so the list is a cheapest-first prefix)
    and whether the list holds all of them."""
    N = net.widths
    cands = [factor_candidates(n, f, max_factor, powers_of_two) for n, f in zip(N, failures)]
    out: list[tuple[int, int, tuple[int, ...]]] = []
    rest = [sum(n * c[0] for n, c in zip(N[k:], cands[k:])) for k in range(len(N) + 1)]
    complete = True

    def gen(k: int, cost: int, chosen: tuple[int, ...]) -> None:
        nonlocal complete
        if len(out) >= 100 * limit:
            complete = False
            return
        if k == len(N):
            out.append((cost, sum(chosen), chosen))
            return
        for r in cands[k]:
            c = cost + N[k] * r
            if c + rest[k + 1] >= cap:
                break
            gen(k + 1, c, (*chosen, r))

    if all(cands):
        gen(0, 0, ())
    out.sort()
    return [v for _, _, v in out[:limit]], complete, complete and len(out) <= limit


def harden(net: Network, failures: Sequence[int], budget: Fraction,
           model: FailureModel | None = None, by: str = "fep", max_factor: int = 100,
           reading: str = "exactly", output: int | None = None, powers_of_two: bool = False,
           verifier: Verifier | None = None, max_tries: int = 20, timeout: float = 60.0,
           samples: int = 8) -> HardenResult:
    """Find the factors, build the hardened network and check it (see module docstring)."""
    model = model or FailureModel.crash()
    f = tuple(int(v) for v in failures)
    budget = Fraction(budget)
    notes: list[str] = []
    search = fewest_factors(net, f, budget, model, max_factor, reading, output,  # type: ignore[arg-type]
                            powers_of_two)
    full = any(fl >= n for fl, n in zip(f, net.widths))
    fep_before = None if full else tolerance(net, f, model, budget + 1, 1, reading,  # type: ignore[arg-type]
                                             output).value
    tolerated_before = fep_before is not None and fep_before <= budget
    factors, added, how, minimal = search.factors, search.added, "fep" if search.factors \
        else "", search.minimal
    tries: list[VerifyTry] = []
    if by == "verify":
        if verifier is None:
            raise ValueError("by='verify' needs a verifier")
        cap = (sum(n * r for n, r in zip(net.widths, factors)) if factors is not None
               else sum(n * max_factor for n in net.widths) + 1)
        start = time.monotonic()
        candidates, prefix, listed_all = _cheaper_vectors(net, f, max_factor, powers_of_two, cap,
                                                  max_tries)
        found = None
        for vec in candidates:
            left = timeout - (time.monotonic() - start)
            if left <= 0.5:
                notes.append("the verify search stopped at --timeout")
                break
            h = replicate(net, vec)
            t0 = time.monotonic()
            verdict, lo, up = verifier(h, f, budget, left)
            tries.append(VerifyTry(vec, sum(n * (r - 1) for n, r in zip(net.widths, vec)),
                                   verdict, lo, up, time.monotonic() - t0))
            if verdict == "proved":
                found = vec
                break
        earlier_refuted = all(t.verdict == "refuted" for t in tries[:-1 if found else None])
        if found is not None:
            factors, how = found, "verify"
            added = sum(n * (r - 1) for n, r in zip(net.widths, found))
            minimal = prefix and earlier_refuted  # every cheaper vector came earlier
        else:
            minimal = (search.minimal and listed_all and earlier_refuted
                       and len(tries) == len(candidates))
            if factors is not None:
                notes.append("no cheaper factor vector was proved by the engine; the "
                             "closed-form factors are used (proved by Theorem 2)")
    hardened = fep_after = diff = None
    method = ""
    if factors is not None:
        hardened = replicate(net, factors)
        check_same_function(net, hardened, factors)
        diff, method = replay_nominal(net, hardened, samples)
        if diff > (1e-30 if method.startswith("mpmath") else 1e-9):
            raise HardenError(f"nominal outputs differ by {diff} at a random input")
        tol = tolerance(hardened, f, model, budget + 1, 1, reading, output)  # type: ignore[arg-type]
        fep_after = tol.value
        if how == "fep" and fep_after > budget:
            raise HardenError("re-running Theorem 3 on the hardened network does not prove it")
    return HardenResult(by, f, model, budget, reading, search, factors, added, minimal, how,
                        hardened, fep_before, fep_after, tolerated_before, tuple(tries), diff,
                        method, tuple(notes))


def brute_force_factors(net: Network, failures: Sequence[int], budget: Fraction,
                        model: FailureModel, max_factor: int, reading: str = "exactly",
                        output: int | None = None) -> tuple[int, tuple[int, ...]] | None:
    """(fewest added neurons, factors) by enumerating every factor vector and running
    ``bounds.tolerance`` on the built network: the reference the search is tested against."""
    best = None
    for vec in itertools.product(range(1, max_factor + 1), repeat=net.depth):
        if any(fl >= n * r for fl, n, r in zip(failures, net.widths, vec)):
            continue
        h = replicate(net, vec)
        value = tolerance(h, failures, model, budget + 1, 1, reading, output).value  # type: ignore[arg-type]
        if value <= budget:
            cost = sum(n * (r - 1) for n, r in zip(net.widths, vec))
            if best is None or cost < best[0]:
                best = (cost, vec)
    return best
