"""The public Python API: what the command line does, as functions.

```python
import fepproof

net = fepproof.load("cases/figure1.json")
fepproof.bound(net, [1, 0, 1]).value                       # Theorem 2: Fraction(91, 32)
res = fepproof.verify("cases/figure1.json", [1, 0, 1], bound="1.55",
                      certificate="p.cert")                # proved, certificate written
res.verdict.value, float(res.upper)
report = fepproof.check("cases/ci")                        # the claims of a fepproof.toml
report.passed
```

Each function takes the same parameters as its command (``fepproof verify``, ``bound``,
``harden``, ``check``) and runs the same checks; a bad argument raises a ``ValueError``
subclass whose message starts with the *Python parameter's* name (``failures: ...``,
``capacity: must be > 0``), where the command would print the flag's name and exit 2.
A network is given as a :class:`~fepproof.network.Network` or as a path in any format
:func:`load` reads.

``fepproof.harden`` and ``fepproof.check`` are also the names of subpackages (the
construction and the CI runner); the package makes those two module objects callable
(``fepproof/__init__.py``), so ``fepproof.check(spec)`` runs :func:`check` while
``from fepproof.check.spec import load_spec`` keeps working.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exact import ExactError, to_fraction
from .failures import FailureError, FailureModel, check_failures, parse_failures
from .network import Network

if TYPE_CHECKING:  # pragma: no cover - types only
    import numpy as np

    from .bounds import FepResult, SynapseBound
    from .check.runner import ClaimOutcome
    from .harden import HardenResult
    from .verify_api import VerifyResult

__all__ = ["ArgumentError", "load", "verify", "bound", "harden", "check", "accuracy",
           "CheckResult", "NetLike"]

NetLike = Network | str | os.PathLike
"""A network, or the path of a network file (.json, .npz, .onnx, .net)."""

MAX_SECONDS = 1_000_000  # as the CLI: larger budgets only overflow timers
MAX_JOBS = 64


class ArgumentError(ValueError):
    """A bad argument to an API function; the message starts with the parameter's name."""


# ---- argument handling ----------------------------------------------------------------

def load(path: str | os.PathLike, *, sizes: str | None = None) -> Network:
    """The network in ``path`` (fepproof JSON, ``.npz``, ONNX MLP or StaticNet ``.net``;
    ``sizes`` like ``"784-98-10"`` for a ``.net`` file whose name lacks them), read into
    exact rationals.  Raises :class:`~fepproof.network.NetworkError` (a ``ValueError``)
    for a bad file, ``FileNotFoundError``-free: a missing file is a ``NetworkError`` too."""
    from .netio import load_network
    from .network import NetworkError

    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"path: expected a file path, got {type(path).__name__}")
    opts = {"sizes": sizes} if sizes else {}
    try:
        return load_network(path, **opts)
    except OSError as exc:
        raise NetworkError(f"file: cannot read {path}: {exc.strerror}") from None


def _network(net_or_path: NetLike, field: str = "net") -> tuple[Network, str | None]:
    """(the network, its file path or None)."""
    if isinstance(net_or_path, Network):
        return net_or_path, None
    if isinstance(net_or_path, (str, os.PathLike)):
        return load(net_or_path), os.fspath(net_or_path)
    raise ArgumentError(f"{field}: expected a Network or a file path, got "
                        f"{type(net_or_path).__name__}")


def _boxed(net: Network, path: str | None, input_box: Any) -> tuple[Network, str]:
    """``net`` on ``input_box`` and where the box came from.  ``input_box``: None (the
    network's own box), ``"LO,HI"`` or a JSON/CSV file path (as ``--input-box``), a pair
    ``(lo, hi)`` for every input, or one pair per input."""
    from .inputbox import (
        InputBox,
        apply_box,
        box_from_value,
        check_engine_range,
        network_box,
        parse_input_box,
    )

    if input_box is None:
        return net, (network_box(path) if path is not None else "network")
    if isinstance(input_box, os.PathLike):
        input_box = os.fspath(input_box)
    if isinstance(input_box, InputBox):
        box = input_box
    elif isinstance(input_box, str):
        box = parse_input_box(input_box, "input_box")
    else:
        value = [list(p) if isinstance(p, tuple) else p for p in input_box] \
            if isinstance(input_box, (list, tuple)) else input_box
        box = box_from_value(value, "input_box", "input_box argument")
    boxed = apply_box(net, box, "input_box")
    check_engine_range(boxed.input_domain, boxed, "input_box")
    return boxed, box.source


def _model(model: str | FailureModel, capacity: Any, capacity_reading: str,
           stuck_value: Any) -> FailureModel:
    if isinstance(model, FailureModel):
        if capacity is not None or stuck_value is not None:
            raise ArgumentError("capacity: give the capacity / stuck value inside the "
                                "FailureModel, not beside it")
        return model
    if not isinstance(model, str):
        raise ArgumentError(f"model: expected crash, byzantine, synapse or stuck-at (or a "
                            f"FailureModel), got {type(model).__name__}")
    try:
        return FailureModel(model, _number(capacity, "capacity"),  # type: ignore[arg-type]
                            capacity_reading,  # type: ignore[arg-type]
                            _number(stuck_value, "stuck_value"))
    except FailureError as exc:
        text = str(exc)
        if exc.field == "reading" and text.startswith("reading:"):
            text = "capacity_reading:" + text[len("reading:"):]
        elif exc.field == "kind" and text.startswith("kind:"):
            text = "model:" + text[len("kind:"):]
        raise FailureError(text, exc.field) from None


def _number(value: Any, field: str) -> Fraction | None:
    """An exact number: int, Fraction, a decimal or fraction string; a float is read as
    the decimal it prints as (0.1 is 1/10)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ArgumentError(f"{field}: expected a number, got a bool")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArgumentError(f"{field}: expected a finite number, got {value}")
        value = repr(value)
    if not isinstance(value, (int, Fraction, str)):
        raise ArgumentError(f"{field}: expected a number, got {type(value).__name__}")
    try:
        return to_fraction(value, field)
    except ExactError as exc:
        raise ArgumentError(str(exc)) from None


def _counts(failures: Any) -> tuple[int, ...]:
    if isinstance(failures, str):
        return parse_failures(failures, "failures")
    if not isinstance(failures, Sequence) or not failures or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in failures):
        raise ArgumentError(f"failures: expected a list of non-negative integers, one per "
                            f"hidden layer (L + 1 for the synapse model), got {failures!r}"[:200])
    return parse_failures(list(failures), "failures")


def _failures(net: Network, failures: Any, model: FailureModel) -> tuple[int, ...]:
    return check_failures(net, _counts(failures), model, "failures")


def _output(net: Network, output: int | None) -> int | None:
    if output is None:
        return None
    if isinstance(output, bool) or not isinstance(output, int) \
            or not 0 <= output < net.n_outputs:
        raise ArgumentError(f"output: the network has {net.n_outputs} output(s); got "
                            f"{output!r}")
    return output


def _seconds(value: Any, field: str = "timeout") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise ArgumentError(f"{field}: expected seconds in (0, {MAX_SECONDS}], got {value!r}")
    return float(value)


def _jobs(value: Any, field: str = "jobs", hi: int = MAX_JOBS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
        raise ArgumentError(f"{field}: expected an integer between 1 and {hi}, got {value!r}")
    return value


def _writable(path: Any, field: str) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"{field}: expected a file path, got {type(path).__name__}")
    from .fsutil import unwritable_reason
    why = unwritable_reason(path)
    if why:
        raise ArgumentError(f"{field}: {why}")
    return os.fspath(path)


# ---- bound: Theorem 2 (and Lemma 2 / Theorem 4 for synapses) ----------------------------

def bound(net_or_path: NetLike, failures: Sequence[int] | str, *,
          model: str | FailureModel = "crash", capacity: Any = None,
          capacity_reading: str = "deviation", stuck_value: Any = None,
          output: int | None = None, input_box: Any = None) -> FepResult | SynapseBound:
    """Theorem 2 (Forward Error Propagation): the exact bound Fep on |F_neu - F_fail| for
    ``failures[l]`` failed neurons in hidden layer l, with each layer's term
    (:func:`fepproof.bounds.fep`; ``fepproof bound``).  For ``model="synapse"`` the bound
    is Lemma 2 / Theorem 4 as their proofs support it (:func:`fepproof.bounds.
    synapse_bound`), with L + 1 counts.  ``output``: one output of a multi-output network
    (default: the maximum over outputs); ``input_box`` matters only to the synapse bound
    (the input layer's range)."""
    from .bounds import fep, synapse_bound

    net, path = _network(net_or_path)
    net, _ = _boxed(net, path, input_box)
    fm = _model(model, capacity, capacity_reading, stuck_value)
    out = _output(net, output)
    f = _failures(net, failures, fm)
    if fm.fails_synapses:
        return synapse_bound(net, f, fm, out)
    return fep(net, f, fm, out)


# ---- verify -----------------------------------------------------------------------------

def verify(net_or_path: NetLike, failures: Sequence[int] | str, *,
           model: str | FailureModel = "crash", capacity: Any = None,
           capacity_reading: str = "deviation", stuck_value: Any = None,
           bound: Any = None, output: int | None = None, input_box: Any = None,
           engine: str = "auto", timeout: float = 60.0, tolerance: Any = "0.01",
           jobs: int = 1, certificate: str | os.PathLike | None = None,
           bracket: bool = True,
           progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Decide |F_neu(X) - F_fail(X)| <= ``bound`` for every X in the input box and every
    failure set with the given per-layer counts, as ``fepproof verify`` does, and bracket
    the true worst case.  ``bound`` defaults to the paper's Fep (Theorem 2; Lemma 2 /
    Theorem 4 for synapses).

    The result's ``verdict`` is ``proved`` (a sound upper bound <= bound), ``refuted``
    (a witness replayed at high precision above the bound) or ``unknown`` (timeout); its
    ``lower``/``upper`` bracket the worst case.  ``certificate``: for a ``proved`` claim,
    write a proof certificate there (the network must be given as a path: the
    certificate binds the file's SHA-256); ``result.stats["certificate"]`` is the path
    written, or why nothing was.  ``tolerance``: narrow the bracket until
    upper - lower <= tolerance * upper; ``bracket=False`` only decides the claim.
    ``jobs``: worker processes of the branch-and-bound engines."""
    from .bounds import fep, synapse_bound
    from .run_verify import engine_for, run_verify
    from .sigmoid_form import sigmoid_model
    from .verdict import Status
    from .verify_api import VerifyProblem

    net, path = _network(net_or_path)
    net, _ = _boxed(net, path, input_box)
    fm = _model(model, capacity, capacity_reading, stuck_value)
    out = _output(net, output)
    f = _failures(net, failures, fm)
    if not isinstance(engine, str):
        raise ArgumentError(f"engine: expected a name, got {type(engine).__name__}")
    if fm.fails_synapses and engine in ("z3", "z3-v1"):
        raise ArgumentError("engine: the z3 engine encodes neuron failures only; use "
                            "engine='numeric' or 'auto' for the synapse model")
    fe = (synapse_bound(net, f, fm, out).value if fm.fails_synapses
          else fep(net, f, fm, out).value)
    sigmoid_model(net, fm)  # the engines' form of a tanh network: refuse what it lacks
    b = fe if bound is None or (isinstance(bound, str) and bound.lower() == "fep") \
        else _number(bound, "bound")
    if b is None or b < 0:
        raise ArgumentError(f"bound: must be >= 0, got {bound!r}")
    tol = _number(tolerance, "tolerance")
    if tol is None or not 0 < tol < 1:
        raise ArgumentError(f"tolerance: need 0 < tolerance < 1, got {tolerance!r}")
    t = _seconds(timeout)
    n = _jobs(jobs)
    problem = VerifyProblem(net, f, fm, b, fe, tol, t, out, bracket=bool(bracket))
    name = engine_for(problem, engine)  # ValueError "engine: ..." for an unknown name
    cert = None
    if certificate is not None:
        cert = _writable(certificate, "certificate")
        if path is None:
            raise ArgumentError("certificate: give the network as a file path (the "
                                "certificate binds the file's SHA-256), not a Network")
        if name in ("numeric-v1", "z3-v1"):
            raise ArgumentError(f"certificate: the {name} engine records no proof tree; "
                                f"use engine 'numeric', 'z3' or 'auto'")
        if fm.fails_synapses:
            raise ArgumentError("certificate: synapse failures are not certified yet")
    res = run_verify(problem, engine, progress, n)
    if res.engine != name:  # the v1 engines report "numeric" / "z3"
        res = dataclasses.replace(res, engine=name)
    if cert is not None:
        from .certificate.produce import CertificateRefused, certificate_for
        note: str | None
        if res.verdict is not Status.PROVED:
            note = (f"nothing written: only a proved claim has a certificate (the verdict "
                    f"is {res.verdict.value})")
        else:
            try:
                certificate_for(res, path, cert)  # type: ignore[arg-type]
                note = cert
            except CertificateRefused as exc:
                note = f"nothing written: {exc}"
        res = dataclasses.replace(res, stats={**res.stats, "certificate": note})
    return res


# ---- harden: Corollary 1 ----------------------------------------------------------------

def harden(net_or_path: NetLike, failures: Sequence[int] | str, *,
           model: str | FailureModel = "crash", capacity: Any = None,
           capacity_reading: str = "deviation", stuck_value: Any = None,
           epsilon: Any = None, epsilon_prime: Any = None, bound: Any = None,
           at_most: bool = False, by: str = "fep", max_factor: int = 100,
           engine: str = "auto", jobs: int = 2, timeout: float = 60.0, max_tries: int = 20,
           output: int | None = None, input_box: Any = None,
           out: str | os.PathLike | None = None) -> HardenResult:
    """Corollary 1 (corrected): replicate each neuron of hidden layer l r_l times, with
    its outgoing weights divided by r_l, with the fewest added neurons such that the
    failures are provably tolerated within the budget (``bound``, or
    ``epsilon - epsilon_prime``), as ``fepproof harden`` does
    (:func:`fepproof.harden.harden`).  ``by="fep"`` proves with Theorem 2's closed form,
    ``by="verify"`` with the verify engine (``engine``, ``jobs``, ``timeout``,
    ``max_tries``).  The hardened network is ``result.hardened`` (None when refused);
    ``out`` also writes it (.json, .npz, .onnx), read back and re-proved first, as the
    command does."""
    from .harden import harden as _harden

    net, path = _network(net_or_path)
    net, _ = _boxed(net, path, input_box)
    fm = _model(model, capacity, capacity_reading, stuck_value)
    if fm.fails_synapses:
        raise ArgumentError("model: harden replicates neurons; the synapse model is not "
                            "supported")
    o = _output(net, output)
    f = _counts(failures)
    if len(f) != net.depth:
        raise ArgumentError(f"failures: expected {net.depth} values, one per hidden layer, "
                            f"got {len(f)}")
    eps, epsp = _number(epsilon, "epsilon"), _number(epsilon_prime, "epsilon_prime")
    if (eps is None) != (epsp is None):
        raise ArgumentError("epsilon: epsilon and epsilon_prime go together")
    if eps is not None and epsp is not None and not 0 < epsp <= eps:
        raise ArgumentError(f"epsilon_prime: need 0 < epsilon_prime <= epsilon, got "
                            f"{epsilon_prime!r} and {epsilon!r}")
    if (bound is None) == (eps is None):
        raise ArgumentError("bound: give the budget as bound, or epsilon + epsilon_prime "
                            "(one of the two)")
    budget = _number(bound, "bound") if eps is None else eps - epsp  # type: ignore[operator]
    if budget is None or budget < 0:
        raise ArgumentError(f"bound: must be >= 0, got {bound!r}")
    if by not in ("fep", "verify"):
        raise ArgumentError(f"by: expected 'fep' or 'verify', got {by!r}")
    _jobs(max_factor, "max_factor", 100_000)
    _jobs(max_tries, "max_tries", 10_000)
    n = _jobs(jobs)
    t = _seconds(timeout)
    from .run_verify import ENGINES
    if engine not in ENGINES:
        raise ArgumentError(f"engine: unknown engine {engine!r} ({', '.join(ENGINES)})")
    from .cli.common import CliError
    from .cli.harden_cmd import (
        MAX_DOMINATED,
        _refuse_input_as_output,
        _verifier,
        _write_checked,
    )
    target = None
    if out is not None:
        target = Path(_writable(out, "out"))
        from .netio import SAVERS
        suffix = target.suffix.lower()
        if suffix not in SAVERS or suffix == ".net":
            raise ArgumentError(f"out: cannot write format {suffix!r} (known: .json, .npz, "
                                f".onnx)")
        if path is not None:
            try:
                _refuse_input_as_output(path, target)
            except CliError as exc:
                raise ArgumentError("out" + str(exc)[2:]) from None
    if by == "verify" and at_most:
        count = math.prod(v + 1 for v in f) - 1
        if count > MAX_DOMINATED:
            raise ArgumentError(f"at_most: by='verify' checks every distribution g <= f; "
                                f"{count} > {MAX_DOMINATED} of them (use by='fep')")
    binary = target is not None and target.suffix.lower() == ".onnx"
    verifier = _verifier(engine, fm, o, at_most, n) if by == "verify" else None
    res = _harden(net, f, budget, fm, by, max_factor, "at_most" if at_most else "exactly",
                  o, binary, verifier, max_tries, t)
    if target is not None and res.hardened is not None:
        try:
            note = _write_checked(res, net, target, verifier, t, o)
        except CliError as exc:
            raise ArgumentError("out" + str(exc)[2:]) from None
        res = dataclasses.replace(res, notes=(*res.notes, f"wrote {target}: {note}"))
    return res


# ---- check: a project's fepproof.toml ---------------------------------------------------

@dataclass(frozen=True)
class CheckResult:
    """What ``fepproof check`` decided: one :class:`~fepproof.check.runner.ClaimOutcome`
    per claim (its ``verdict``, ``passed``, ``cached``), in spec order."""

    spec: Path
    outcomes: tuple[ClaimOutcome, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        """Every claim got its expected verdict (``fepproof check`` exits 0)."""
        return all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> tuple[ClaimOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def input_errors(self) -> tuple[ClaimOutcome, ...]:
        """Claims whose network, failures or output could not be used (exit code 2)."""
        return tuple(o for o in self.outcomes if o.input_error)

    @property
    def exit_code(self) -> int:
        """The exit code ``fepproof check`` gives: 0 passed, 1 failed, 2 an input error."""
        return 2 if self.input_errors else 0 if self.passed else 1

    def __getitem__(self, name: str) -> ClaimOutcome:
        for o in self.outcomes:
            if o.claim.name == name:
                return o
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """The object ``fepproof check --json`` prints."""
        from .check.report import to_json
        return to_json(self.outcomes, self.spec, self.seconds)


def check(spec_path: str | os.PathLike = "fepproof.toml", *, cache: bool = True,
          jobs: int | None = 1, select: str | None = None,
          progress: Callable[[ClaimOutcome], None] | None = None) -> CheckResult:
    """Run the claims of a ``fepproof.toml`` (or a directory holding one), as
    ``fepproof check`` does: each claim is decided by the verify engine in its own process
    under its timeout, verdicts are cached in ``.fepproof-cache/`` beside the spec
    (``cache=False``: neither read nor written).  ``select``: only claims whose name
    contains it (case-insensitive); ``jobs``: claims run at a time (None: CPU count).
    A bad spec raises :class:`~fepproof.check.spec.SpecError` (a ``ValueError``)."""
    import time

    from .check.runner import run_claims
    from .check.spec import load_spec

    start = time.perf_counter()
    if not isinstance(spec_path, (str, os.PathLike)):
        raise ArgumentError(f"spec_path: expected a file path, got {type(spec_path).__name__}")
    if jobs is not None:
        _jobs(jobs, "jobs", 256)
    spec = load_spec(spec_path)
    claims = list(spec.claims)
    if select is not None:
        claims = [c for c in claims if select.lower() in c.name.lower()]
        if not claims:
            raise ArgumentError(f"select: no claim name contains {select!r}")
    outcomes = run_claims(spec, claims, jobs, bool(cache), progress)
    return CheckResult(spec.path, tuple(outcomes), time.perf_counter() - start)


# ---- accuracy: classification under failures --------------------------------------------

def accuracy(net_or_path: NetLike, data: Any, failures: Sequence[int] | str, *,
             model: str | FailureModel = "crash", capacity: Any = None,
             capacity_reading: str = "deviation", stuck_value: Any = None,
             input_box: Any = None, radius: float = 0.0, samples: int = 100, seed: int = 0,
             point_timeout: float = 10.0, jobs: int = 1,
             progress: Callable[[str], None] | None = None) -> Any:
    """Classification accuracy of the network on a labelled data set under the failures
    (:func:`fepproof.classify.report.accuracy_report`): clean accuracy, the mean and
    minimum over ``samples`` random failure sets, a bracket on the worst fixed failure
    set, and the accuracy certified against a per-input adversary choosing the failed
    neurons (and, with ``radius`` > 0, an input perturbation of that size), each
    certified point decided by the verify engine (Theorem 2 bounds the error it may
    cause).  ``data``: a ``.npz``/``.csv`` data set path or an ``(X, y)`` pair."""
    import numpy as np

    net, path = _network(net_or_path)
    net, _ = _boxed(net, path, input_box)
    fm = _model(model, capacity, capacity_reading, stuck_value)
    f = _failures(net, failures, fm)
    X, y = _data(data)
    if X.ndim != 2 or X.shape[1] != net.input_dim:
        raise ArgumentError(f"data: expected inputs of {net.input_dim} features, got shape "
                            f"{tuple(X.shape)}")
    if len(y) != len(X):
        raise ArgumentError(f"data: {len(X)} inputs but {len(y)} labels")
    if not np.all(np.isfinite(X)):
        raise ArgumentError("data: inputs must be finite numbers")
    r = float(_number(radius, "radius") or 0)
    if r < 0:
        raise ArgumentError(f"radius: must be >= 0, got {radius!r}")
    _jobs(samples, "samples", 10**6)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArgumentError(f"seed: expected a non-negative integer, got {seed!r}")
    pt = _seconds(point_timeout, "point_timeout")
    n = _jobs(jobs)
    from .classify.report import accuracy_report
    return accuracy_report(net, X, y, f, fm, radius=r, samples=samples, seed=seed,
                           point_timeout=pt, jobs=n, progress=progress)


def _data(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from a data set path or a pair."""
    import numpy as np

    if isinstance(data, (str, os.PathLike)):
        from .classify.data import load_dataset
        return load_dataset(data)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        try:
            X = np.asarray(data[0], dtype=np.float64)
            y = np.asarray(data[1])
        except (TypeError, ValueError) as exc:
            raise ArgumentError(f"data: the (X, y) pair is not numeric ({exc})") from None
        if y.ndim != 1 or (y.size and not np.issubdtype(y.dtype, np.integer)
                           and not np.all(np.equal(np.mod(y, 1), 0))):
            raise ArgumentError("data: y must be a vector of integer class labels")
        return X, y.astype(np.int64)
    raise ArgumentError(f"data: expected a data set path (.npz, .csv) or an (X, y) pair, "
                        f"got {type(data).__name__}")
