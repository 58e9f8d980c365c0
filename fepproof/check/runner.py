"""Run the claims of a spec: each claim becomes an obligation for the obligation runner
(parallel processes, killed after their timeout: ``unknown``, never ``proved``), answered
by the verify engine through ``verify_api``; verdicts are cached (:mod:`.cache`).

Per-claim work that does not depend on the claim is done once per run, in this process,
before the claim processes are forked (they inherit it): the engine modules are
imported, each network is hashed once and loaded once per input box, and the weight
maxima behind Fep are computed once per network.  Networks are loaded in batches of at
most :data:`BATCH_BYTES` of network files, so a spec over many large networks does not
hold them all in memory.  A network changed between hashing and loading is an error
(the claim is not cached under the old bytes' key).

A cached verdict counts only after :func:`revalidate` accepts it: a ``refuted`` one when
its witness replays with the exact sigmoid (:func:`fepproof.replay.replay`) and exceeds
the claim's bound; a ``proved`` one when its certificate re-validates.

A ``kind = "accuracy"`` claim (:func:`check_accuracy`) is decided from
:func:`fepproof.classify.report.accuracy_report` on its data set; its verdict is never
cached (re-validating it would mean deciding every point again), but the data set's
bytes are part of its key, which also runs identical claims once.
"""

from __future__ import annotations

import copy
import importlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exact import fmt_exact
from ..network import Network
from ..obligations.model import Obligation, Outcome
from ..verdict import Status, Verdict
from .cache import cache_get, cache_put, cacheable, claim_key
from .spec import Claim, Spec, make_model

__all__ = ["ClaimOutcome", "run_claims", "check_claim", "check_accuracy", "claim_obligation",
           "revalidate", "BATCH_BYTES", "ACCURACY_REPORT"]

BATCH_BYTES = 64 * 2**20
"""Network files loaded at a time in the parent process (at least one network)."""


@dataclass(frozen=True)
class ClaimOutcome:
    """A claim's verdict in this run; ``cached``: read from ``.fepproof-cache/`` (then
    ``verdict.seconds`` is this run's lookup time, ``verified_seconds`` the time the
    verdict took when it was computed, and ``cache_check`` how it was re-checked)."""

    claim: Claim
    outcome: Outcome
    cached: bool
    verified_seconds: float | None = None
    cache_check: str | None = None

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
        out = {"name": self.claim.name, "network": str(self.claim.network),
               "expected": self.claim.expect, "status": v.status.value,
               "passed": self.passed, "cached": self.cached, "engine": v.engine,
               "seconds": round(v.seconds, 3), "evidence": dict(v.evidence)}
        cert = out["evidence"].get("certificate")
        if isinstance(cert, dict):  # the proof tree itself stays in the cache
            out["evidence"]["certificate"] = {"claim": cert.get("claim"),
                                              "nodes": len(cert.get("tree") or [])}
        if self.cached:
            out["cache"] = {"verified_seconds": round(self.verified_seconds or 0.0, 3),
                            "check": self.cache_check}
        return out


# ---- messages -------------------------------------------------------------------------

def _input_error(claim: Claim, message: str) -> Verdict:
    """An error in the claim's input; ``message`` starts with the spec key (``network:``)."""
    return Verdict(Status.ERROR, claim.describe(),
                   {"reason": f"claim {claim.name!r}: {message}", "input_error": True},
                   "check")


def _keyed(key: str, message: str, renames: dict[str, str] | None = None) -> str:
    """``message`` under the spec key ``key``, once: a message that already starts with
    the key is kept; one that starts with a reader's or a flag's field name (``file:``,
    ``--sizes:``) has it replaced by the spec key ``renames`` maps it to."""
    if message.startswith(f"{key}:"):
        return message
    for prefix, spec_key in (renames or {}).items():
        if message.startswith(f"{prefix}:"):
            return f"{spec_key}:{message[len(prefix) + 1:]}"
    return f"{key}: {message}"


# ---- networks, loaded once per run ------------------------------------------------------

@dataclass(frozen=True)
class _Loaded:
    """A claim's network on its box (``net``), or why it could not be had."""

    net: Network | None
    source: str = ""
    error: str | None = None
    input_error: bool = True
    box: dict[str, Any] | None = None  # box_json of the net's box (computed once)


_LOADED: dict[tuple[Any, ...], _Loaded] = {}
"""Networks of the current batch, by :func:`_load_key`; forked claim processes inherit
it, so a claim's process neither re-reads nor re-validates its network."""


def _load_key(claim: Claim, digest: str | None) -> tuple[Any, ...]:
    box = None if claim.input_box is None else claim.input_box.pairs
    return (str(claim.network), digest, claim.sizes, box)


def _load(claim: Claim, digest: str | None) -> _Loaded:
    """Load and box the claim's network; with ``digest``, check the bytes read are the
    bytes hashed (the digest before and after loading must equal it)."""
    from ..inputbox import InputBoxError, apply_box, box_json, network_box
    from ..netdigest import network_digest
    from ..netio import load_network
    from ..network import NetworkError

    opts = {"sizes": claim.sizes} if claim.sizes else {}
    name = claim.network

    def changed() -> bool:
        if digest is None:
            return False
        try:
            return network_digest(name) != digest
        except (OSError, ValueError):
            return True
    if changed():
        return _Loaded(None, error=f"network: {name} changed during the run; run again",
                       input_error=False)
    try:
        net = load_network(name, **opts)
    except NetworkError as exc:
        return _Loaded(None, error=_keyed("network", str(exc),
                                          {"file": "network", "--sizes": "sizes"}))
    except OSError as exc:
        return _Loaded(None, error=f"network: cannot read {name}: {exc.strerror}")
    except Exception as exc:  # noqa: BLE001 - whatever a reader raises, the file is bad
        return _Loaded(None, error=f"network: {name} cannot be read as a network "
                                   f"({type(exc).__name__}: {exc})"[:300])
    if changed():
        return _Loaded(None, error=f"network: {name} changed while it was read; run again",
                       input_error=False)
    try:
        net = apply_box(net, claim.input_box, "input_box")
    except InputBoxError as exc:
        return _Loaded(None, error=_keyed("input_box", str(exc)))
    source = claim.input_box.source if claim.input_box else network_box(name)
    for l in range(1, net.depth + 2):  # w_m^(l), behind every Fep (cached on the layers)
        net.max_abs_weight(l)
    net.float_layers  # noqa: B018 - the engines' float view, cached on the network
    return _Loaded(net, source, box=box_json(net.input_domain, source))


def _loaded(claim: Claim, digest: str | None = None) -> _Loaded:
    key = _load_key(claim, digest)
    hit = _LOADED.get(key)
    if hit is None:
        hit = _LOADED[key] = _load(claim, digest)
    return hit


def _network_for(claim: Claim) -> _Loaded:
    """The claim's network: the one loaded for this run (any digest), else loaded now."""
    for key, loaded in _LOADED.items():
        if key[0] == str(claim.network) and key[2:] == _load_key(claim, None)[2:]:
            return loaded
    return _load(claim, None)


def _warm_imports(claims: Sequence[Claim]) -> None:
    """Import the engines' modules once here rather than in every claim process."""
    names = ["numpy.random", "fepproof.bounds", "fepproof.run_verify", "fepproof.numeric",
             "fepproof.numeric.bab", "fepproof.numeric.engine_bab"]
    if any(c.kind == "accuracy" for c in claims):
        names += ["fepproof.classify.report"]
    if any(not c.engine.startswith("numeric") for c in claims):  # z3, z3-v1, auto
        names += ["fepproof.smt", "fepproof.smt.leaves"]
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # the claim process will report it
            pass


# ---- one claim --------------------------------------------------------------------------

def _bound_and_failures(claim: Claim, net: Network) -> tuple[Any, tuple[int, ...], Fraction,
                                                               Fraction]:
    """(model, failures, Fep, the claim's bound); FailureError on bad failure counts."""
    from ..bounds import fep, synapse_bound
    from ..failures import check_failures

    model = make_model(claim.model, claim.capacity, claim.capacity_reading, claim.stuck_value)
    f = check_failures(net, claim.failures, model, "failures")
    fe = (synapse_bound(net, f, model, claim.output).value if model.fails_synapses
          else fep(net, f, model, claim.output).value)
    return model, f, fe, (fe if claim.bound is None else claim.bound)


def check_claim(claim: Claim) -> Verdict:
    """Decide the claim with the verify engine, on its network and box (the network
    loaded for this run, or loaded now); an accuracy claim with
    :func:`check_accuracy`."""
    from ..failures import FailureError
    from ..run_verify import run_verify
    from ..verify_api import VerifyProblem

    loaded = _network_for(claim)
    if loaded.net is None:
        assert loaded.error is not None
        if not loaded.input_error:
            return Verdict(Status.ERROR, claim.describe(), {"reason": loaded.error}, "check")
        return _input_error(claim, loaded.error)
    net = loaded.net
    if claim.kind == "accuracy":
        return check_accuracy(claim, net, loaded.box)
    if claim.output is not None and claim.output >= net.n_outputs:
        return _input_error(claim, f"output: the network has {net.n_outputs} output(s); "
                                   f"got {claim.output}")
    try:
        model, f, fe, bound = _bound_and_failures(claim, net)
    except FailureError as exc:
        return _input_error(claim, _keyed("failures", str(exc), {"--failures": "failures"}))
    given = None
    if claim.certificate is not None:
        given = _given_certificate(claim, net, model, f, bound)
        if given.startswith("valid"):
            return Verdict(Status.PROVED, claim.describe(),
                           {"bound": fmt_exact(bound), "bound_float": float(bound),
                            "fep": fmt_exact(fe), "reason": f"certificate {claim.certificate} "
                            f"re-validated", "certificate_check": given,
                            "input_box": copy.deepcopy(loaded.box),
                            "widths": list(net.widths)}, "certificate")
    problem = VerifyProblem(net, f, model, bound, fe, Fraction(1, 100), claim.timeout,
                            claim.output, bracket=False)
    res = run_verify(problem, claim.engine)
    evidence: dict[str, Any] = {
        "bound": fmt_exact(bound), "bound_float": float(bound), "fep": fmt_exact(fe),
        "lower": None if res.lower is None else float(res.lower),
        "upper": None if res.upper is None else float(res.upper),
        "reason": res.reason, "input_box": copy.deepcopy(loaded.box),
        "widths": list(net.widths)}
    if res.witness is not None:
        w = res.witness.to_json()
        w["error"] = None if res.witness_error is None else float(res.witness_error)
        evidence["witness"] = w
    if res.verdict is Status.PROVED:
        evidence.update(_certify(claim, net, model, f, bound, res))
    if given is not None:
        evidence["given_certificate"] = given
    return Verdict(res.verdict, claim.describe(), evidence, res.engine, res.seconds)


def _certificate_claim(claim: Claim, net: Network, model: Any, f: tuple[int, ...],
                       bound: Fraction) -> dict[str, Any]:
    """The claim object a certificate of this claim must state (network bytes, model,
    counts, the box the network is verified on, output, bound)."""
    from ..certificate import make_claim
    return make_claim(claim.network, model, list(f), list(net.input_domain), claim.output,
                      bound)


def _given_certificate(claim: Claim, net: Network, model: Any, f: tuple[int, ...],
                       bound: Fraction) -> str:
    """The spec's certificate checked against this claim: ``valid: ...`` or why not."""
    from ..certificate import CertificateUnreadable, check_certificate

    try:
        rep = check_certificate(claim.network, claim.certificate,
                                expect=_certificate_claim(claim, net, model, f, bound))
    except CertificateUnreadable as exc:
        return f"rejected: {exc}"
    return f"valid: {rep.message}" if rep.valid else f"rejected: {rep.message}"


MAX_CACHED_NODES = 200_000  # larger proof trees are not cached (the claim re-runs)


def _certify(claim: Claim, net: Network, model: Any, f: tuple[int, ...], bound: Fraction,
             res: Any) -> dict[str, Any]:
    """The proof's certificate, re-validated by the independent checker: ``certificate``
    (claim and tree, what a cached ``proved`` is re-checked against) when it is valid,
    and ``certificate_check`` saying how the check went."""
    from ..certificate import check_document

    if res.proof_tree is None or model.fails_synapses:
        return {"certificate_check": "none: this engine or failure model has no certificate"}
    doc = {"claim": _certificate_claim(claim, net, model, f, bound), "tree": res.proof_tree}
    rep = check_document(doc, claim.network)
    if not rep.valid:
        return {"certificate_check": f"not re-validated: {rep.message}"}
    out: dict[str, Any] = {"certificate_check": f"valid: {rep.message}"}
    if len(res.proof_tree) <= MAX_CACHED_NODES:
        out["certificate"] = doc
    return out


def revalidate(claim: Claim, entry: dict[str, Any], net: Network | None) -> str | None:
    """How a cached verdict was re-checked, or None when it must not count.

    ``refuted``: the stored witness is replayed with the exact sigmoid on ``net`` (the
    claim's network on its box), must obey the failure model and the claim's per-layer
    counts, and its error must certainly exceed the claim's bound (recomputed, not read
    from the entry).  ``proved``: the stored certificate must prove exactly this claim and
    pass the independent checker again (:func:`_recheck_certificate`)."""
    from ..replay import replay
    from ..verdict import Witness

    status = entry.get("status")
    if status == "proved" and net is not None:
        return _recheck_certificate(claim, entry, net)
    if status != "refuted" or net is None:
        return None
    witness = entry.get("evidence", {}).get("witness")
    if not isinstance(witness, dict):
        return None
    if claim.output is not None and claim.output >= net.n_outputs:
        return None
    w = Witness.from_json(witness)
    model, f, _, bound = _bound_and_failures(claim, net)
    r = replay(net, w, model, output=claim.output, failures=f)
    return "witness replayed" if r.valid and r.exceeds(bound) else None


def _recheck_certificate(claim: Claim, entry: dict[str, Any], net: Network) -> str | None:
    """A cached ``proved`` counts only when its certificate proves exactly this claim (the
    network's bytes now, the model, counts, box, output and bound recomputed from the
    spec) and the independent checker accepts it again."""
    from ..certificate import check_document

    doc = entry.get("evidence", {}).get("certificate")
    if not isinstance(doc, dict) or not isinstance(doc.get("claim"), dict) \
            or not isinstance(doc.get("tree"), list):
        return None
    model, f, _, bound = _bound_and_failures(claim, net)
    rep = check_document(doc, claim.network,
                         expect=_certificate_claim(claim, net, model, f, bound))
    return "certificate re-validated" if rep.valid else None


def claim_obligation(claim: Claim, spec_path: Path) -> Obligation:
    """The claim as an obligation of the obligation runner (and of its JUnit writer)."""
    return Obligation(claim.name, str(claim.network.name), claim.describe(), None,
                      claim.method, claim.expect, lambda: check_claim(claim),
                      None, str(spec_path))


# ---- accuracy claims ----------------------------------------------------------------------

ACCURACY_REPORT: Callable[..., Any] | None = None
"""The function computing an accuracy report (None:
:func:`fepproof.classify.report.accuracy_report`); tests may substitute one (claim
processes are forked, so they inherit it)."""


def _accuracy_report() -> Callable[..., Any]:
    if ACCURACY_REPORT is not None:
        return ACCURACY_REPORT
    from ..classify.report import accuracy_report
    return accuracy_report


def _pct(v: float) -> str:
    return f"{100 * v:.4g}%"


def check_accuracy(claim: Claim, net: Network, box: dict[str, Any] | None = None) -> Verdict:
    """Decide an accuracy claim: the report's certified accuracy (and clean, random mean
    when the claim states thresholds for them) must reach the claim's thresholds.

    ``proved``: every threshold is met (the certified accuracy is a proved lower bound on
    the accuracy under any per-input choice of the failures).  ``refuted``: a threshold is
    missed and cannot be reached: clean and random accuracy are measured, and the
    certified one stays below ``min_certified`` even if every point the verifier left
    ``unknown`` were proved.  ``unknown``: only the certified threshold is missed and the
    unknown points could close the gap (a longer ``timeout`` may decide it)."""
    import time

    from ..classify.data import DataError, load_dataset
    from ..failures import FailureError

    start = time.perf_counter()
    assert claim.data is not None and claim.min_certified is not None
    try:
        X, y = load_dataset(claim.data)
    except DataError as exc:
        return _input_error(claim, _keyed("data", str(exc)))
    except OSError as exc:
        return _input_error(claim, f"data: cannot read {claim.data}: {exc.strerror}")
    try:
        model = make_model(claim.model, claim.capacity, claim.capacity_reading,
                           claim.stuck_value)
        report = _accuracy_report()(net, X, y, claim.failures, model,
                                    radius=float(claim.radius), samples=claim.samples,
                                    point_timeout=max(0.1, min(10.0, claim.timeout / 4)),
                                    jobs=1)
    except (FailureError, ValueError) as exc:  # DataError is a ValueError
        text = str(exc)
        key = text.split(":", 1)[0] if ":" in text else "data"
        if key not in ("data", "failures", "model", "radius", "samples", "capacity",
                       "stuck_value"):
            key = "data"
        return _input_error(claim, _keyed(key, text, {"--failures": "failures"}))
    n = max(1, report.n)
    unknown = report.counts.get("unknown", 0) / n
    checks = [("certified", report.certified, claim.min_certified)]
    if claim.min_clean is not None:
        checks.append(("clean", report.clean, claim.min_clean))
    if claim.min_random is not None:
        checks.append(("random mean", report.random_mean, claim.min_random))
    # a threshold is compared as the float its decimal reads as (7 of 10 points: 0.7)
    missed = [(what, v, t) for what, v, t in checks if float(v) < float(t)]
    numbers = (f"clean {_pct(report.clean)}, random mean {_pct(report.random_mean)} "
               f"(min {_pct(report.random_min)}, {report.random_samples} sets), worst fixed "
               f"set in [{_pct(report.worst_fixed[0])}, {_pct(report.worst_fixed[1])}], "
               f"certified {_pct(report.certified)} on {report.n} points")
    if not missed:
        status = Status.PROVED
        reason = f"every threshold met: {numbers}"
    else:
        text = "; ".join(f"{what} accuracy {_pct(v)} < {_pct(float(t))}"
                         for what, v, t in missed)
        only_certified = [m[0] for m in missed] == ["certified"]
        if only_certified and report.certified + unknown >= float(claim.min_certified):
            status = Status.UNKNOWN
            text += (f" ({report.counts.get('unknown', 0)} point(s) undecided: proving "
                     f"them could reach the threshold)")
        else:
            status = Status.REFUTED
        reason = f"{text}; {numbers}"
    summary = report.to_json()
    summary.pop("points", None)  # per-point verdicts stay out of the table and JUnit
    evidence: dict[str, Any] = {
        "reason": reason, "accuracy": summary,
        "thresholds": {"min_certified": float(claim.min_certified),
                       "min_clean": None if claim.min_clean is None else float(claim.min_clean),
                       "min_random": None if claim.min_random is None
                       else float(claim.min_random)},
        "data": str(claim.data), "input_box": copy.deepcopy(box),
        "widths": list(net.widths)}
    return Verdict(status, claim.describe(), evidence, "accuracy",
                   time.perf_counter() - start)


# ---- a whole run ------------------------------------------------------------------------

def _batches(indices: Sequence[int], claims: Sequence[Claim],
             group: Callable[[Claim], tuple[Any, ...]]) -> list[list[int]]:
    """``indices`` grouped by network (first appearance order), the groups packed into
    batches of at most BATCH_BYTES of network files (at least one group each)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in indices:
        groups.setdefault(group(claims[i]), []).append(i)
    batches: list[list[int]] = []
    size = 0
    for members in groups.values():
        try:
            n = os.stat(claims[members[0]].network).st_size
        except OSError:
            n = 0
        if not batches or size + n > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].extend(members)
        size += n
    return batches


def run_claims(spec: Spec, claims: Sequence[Claim] | None = None, jobs: int | None = None,
               use_cache: bool = True,
               progress: Callable[[ClaimOutcome], None] | None = None) -> list[ClaimOutcome]:
    """Every claim's outcome, in spec order: from the cache when the network, the claim
    and fepproof are unchanged and the entry re-validates, otherwise run (``jobs`` at a
    time, default the CPU count)."""
    from ..netdigest import file_digest, network_digest
    from ..obligations.runner import run

    claims = list(spec.claims if claims is None else claims)
    base = spec.path.resolve().parent
    results: dict[int, ClaimOutcome] = {}
    keys: dict[int, str] = {}
    digests: dict[str, str] = {}  # path -> digest, each file hashed once per run

    def finish(i: int, o: ClaimOutcome) -> None:
        results[i] = o
        if progress:
            progress(o)

    def settled(i: int, v: Verdict) -> None:
        finish(i, ClaimOutcome(claims[i], Outcome(claim_obligation(claims[i], spec.path), v),
                               False))

    def digest(path: Path, how: Callable[[Path], str]) -> str:
        k = str(path)
        if k not in digests:
            digests[k] = how(path)
        return digests[k]

    pending = []
    for i, claim in enumerate(claims):
        field = "network"
        try:
            d = digest(claim.network, network_digest)
            field = "input_box"
            b = None if claim.input_box_file is None else digest(claim.input_box_file,
                                                                 file_digest)
            field = "data"
            data = None if claim.data is None else digest(claim.data, file_digest)
            keys[i] = claim_key(claim, d, b, data)
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            settled(i, _input_error(claim, f"{field}: cannot read: {why}"))
            continue
        pending.append(i)

    def group(c: Claim) -> tuple[Any, ...]:
        return _load_key(c, digests[str(c.network)])

    _warmed = False
    for batch in _batches(pending, claims, group):
        wanted = {group(claims[i]) for i in batch}
        for k in [k for k in _LOADED if k not in wanted]:
            del _LOADED[k]  # bounded memory: only this batch's networks
        todo = []
        for i in batch:
            claim = claims[i]
            if use_cache and cacheable(claim):
                start = time.perf_counter()
                how: list[str] = []

                def check(entry: dict[str, Any], claim: Claim = claim,
                          how: list[str] = how) -> bool:
                    net = _loaded(claim, digests[str(claim.network)]).net
                    note = revalidate(claim, entry, net)
                    how.append(note or "")
                    return note is not None
                hit = cache_get(base, keys[i], check)
                if hit is not None:
                    v = Verdict(Status(hit["status"]), claim.describe(), hit["evidence"],
                                hit["engine"], time.perf_counter() - start)
                    finish(i, ClaimOutcome(claim, Outcome(claim_obligation(claim, spec.path),
                                                          v), True,
                                           float(hit["seconds"]), how[-1] if how else None))
                    continue
            loaded = _loaded(claim, digests[str(claim.network)])
            if loaded.net is None:  # nothing to run: the network itself is the problem
                assert loaded.error is not None
                settled(i, _input_error(claim, loaded.error) if loaded.input_error else
                        Verdict(Status.ERROR, claim.describe(), {"reason": loaded.error},
                                "check"))
                continue
            todo.append(i)
        if not todo:
            continue
        if not _warmed:
            _warm_imports([claims[i] for i in todo])
            _warmed = True
        # claims with the same key and timeout get the same verdict: run one of them
        twins: dict[tuple[str, float], list[int]] = {}
        for i in todo:
            twins.setdefault((keys[i], claims[i].timeout), []).append(i)
        leaders = [members[0] for members in twins.values()]
        obs = [claim_obligation(claims[i], spec.path) for i in leaders]
        kill = max(claims[i].timeout for i in leaders) * 1.5 + 30
        index = {id(ob): i for ob, i in zip(obs, leaders)}

        def done(o: Outcome, index: dict[int, int] = index,
                 twins: dict[tuple[str, float], list[int]] = twins) -> None:
            i = index[id(o.obligation)]
            for j in twins[(keys[i], claims[i].timeout)]:
                finish(j, ClaimOutcome(claims[j], Outcome(
                    claim_obligation(claims[j], spec.path), o.verdict), False))
        for o, i in zip(run(obs, jobs=jobs, timeout=kill, progress=done), leaders):
            v = o.verdict
            if use_cache and cacheable(claims[i]):
                cache_put(base, keys[i], v.status.value, dict(v.evidence), v.engine, v.seconds)
    return [results[i] for i in range(len(claims))]
