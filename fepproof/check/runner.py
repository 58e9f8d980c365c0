"""Run the claims of a spec: each claim becomes an obligation for the obligation runner
(parallel processes, killed after their timeout: ``unknown``, never ``proved``), answered
by the verify engine through ``verify_api``; verdicts are cached (:mod:`.cache`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exact import fmt_exact
from ..obligations.model import Obligation, Outcome
from ..verdict import Status, Verdict
from .cache import cache_get, cache_put, claim_key
from .spec import Claim, Spec, make_model

__all__ = ["ClaimOutcome", "run_claims", "check_claim", "claim_obligation"]


@dataclass(frozen=True)
class ClaimOutcome:
    claim: Claim
    outcome: Outcome
    cached: bool

    @property
    def passed(self) -> bool:
        return self.outcome.passed

    @property
    def verdict(self) -> Verdict:
        return self.outcome.verdict

    @property
    def input_error(self) -> bool:
        return bool(self.verdict.evidence.get("input_error"))

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        return {"name": self.claim.name, "network": str(self.claim.network),
                "expected": self.claim.expect, "status": v.status.value,
                "passed": self.passed, "cached": self.cached, "engine": v.engine,
                "seconds": round(v.seconds, 3), "evidence": dict(v.evidence)}


def _input_error(claim: Claim, key: str, message: str) -> Verdict:
    return Verdict(Status.ERROR, claim.describe(),
                   {"reason": f"claim {claim.name!r}: {key}: {message}", "input_error": True},
                   "check")


def check_claim(claim: Claim) -> Verdict:
    """Load the claim's network on its box and decide the claim with the verify engine."""
    from ..bounds import fep, synapse_bound
    from ..failures import FailureError, check_failures
    from ..inputbox import InputBoxError, apply_box, box_json, network_box
    from ..netio import load_network
    from ..network import NetworkError
    from ..run_verify import run_verify
    from ..verify_api import VerifyProblem

    opts = {"sizes": claim.sizes} if claim.sizes and claim.network.suffix == ".net" else {}
    try:
        net = load_network(claim.network, **opts)
    except NetworkError as exc:
        return _input_error(claim, "network", str(exc))
    except OSError as exc:
        return _input_error(claim, "network", f"cannot read {claim.network}: {exc.strerror}")
    try:
        net = apply_box(net, claim.input_box, "input_box")
    except InputBoxError as exc:
        return _input_error(claim, "input_box", str(exc))
    source = claim.input_box.source if claim.input_box else network_box(claim.network)
    if claim.output is not None and claim.output >= net.n_outputs:
        return _input_error(claim, "output", f"the network has {net.n_outputs} output(s); "
                                             f"got {claim.output}")
    model = make_model(claim.model, claim.capacity, claim.capacity_reading, claim.stuck_value)
    try:
        f = check_failures(net, claim.failures, model, "failures")
        fe = (synapse_bound(net, f, model, claim.output).value if model.fails_synapses
              else fep(net, f, model, claim.output).value)
    except FailureError as exc:
        return _input_error(claim, "failures", str(exc))
    bound = fe if claim.bound is None else claim.bound
    problem = VerifyProblem(net, f, model, bound, fe, Fraction(1, 100), claim.timeout,
                            claim.output, bracket=False)
    res = run_verify(problem, claim.engine)
    evidence: dict[str, Any] = {
        "bound": fmt_exact(bound), "bound_float": float(bound), "fep": fmt_exact(fe),
        "lower": None if res.lower is None else float(res.lower),
        "upper": None if res.upper is None else float(res.upper),
        "reason": res.reason, "input_box": box_json(net.input_domain, source),
        "widths": list(net.widths)}
    if res.witness is not None:
        w = res.witness.to_json()
        w["error"] = None if res.witness_error is None else float(res.witness_error)
        evidence["witness"] = w
    return Verdict(res.verdict, claim.describe(), evidence, res.engine, res.seconds)


def claim_obligation(claim: Claim, spec_path: Path) -> Obligation:
    """The claim as an obligation of the obligation runner (and of its JUnit writer)."""
    return Obligation(claim.name, str(claim.network.name), claim.describe(), None,
                      f"verify ({claim.engine})", claim.expect, lambda: check_claim(claim),
                      None, str(spec_path))


def run_claims(spec: Spec, claims: Sequence[Claim] | None = None, jobs: int | None = None,
               use_cache: bool = True,
               progress: Callable[[ClaimOutcome], None] | None = None) -> list[ClaimOutcome]:
    """Every claim's outcome, in spec order: from the cache when the network, the claim
    and fepproof are unchanged, otherwise run (``jobs`` at a time)."""
    from ..obligations.runner import run

    claims = list(spec.claims if claims is None else claims)
    base = spec.path.resolve().parent
    results: dict[int, ClaimOutcome] = {}
    keys: dict[int, str] = {}
    todo: list[tuple[int, Claim]] = []
    for i, claim in enumerate(claims):
        ob = claim_obligation(claim, spec.path)
        key = keys[i] = claim_key(claim)
        hit = cache_get(base, key) if use_cache else None
        if hit is not None:
            v = Verdict(Status(hit["status"]), claim.describe(), hit.get("evidence", {}),
                        hit.get("engine", ""), float(hit.get("seconds", 0.0)))
            results[i] = ClaimOutcome(claim, Outcome(ob, v), True)
            if progress:
                progress(results[i])
        else:
            todo.append((i, claim))
    if todo:
        obs = [claim_obligation(c, spec.path) for _, c in todo]
        kill = max(c.timeout for _, c in todo) * 1.5 + 30
        index = {id(ob): i for ob, (i, _) in zip(obs, todo)}

        def done(o: Outcome) -> None:
            if progress:
                i = index[id(o.obligation)]
                progress(ClaimOutcome(claims[i], o, False))
        outcomes = run(obs, jobs=jobs, timeout=kill, progress=done)
        for o, (i, claim) in zip(outcomes, todo):
            results[i] = ClaimOutcome(claim, o, False)
            v = o.verdict
            if use_cache:
                cache_put(base, keys[i], v.status.value, dict(v.evidence), v.engine, v.seconds)
    return [results[i] for i in range(len(claims))]
