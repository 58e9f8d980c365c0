"""Run one :class:`~fepproof.verify_api.VerifyProblem` on a named engine: the entry point
``check`` and ``harden`` share, through the public contract of ``verify_api`` only
(engines are imported when first used).

``numeric`` and ``z3`` are the branch-and-bound engines of ``fepproof verify``,
so ``check``, ``harden`` and ``verify`` report the same kind of bracket for the same
claim; ``check`` runs them in its claim processes (``jobs = 1``), ``harden`` with
``--jobs`` workers.  ``numeric-v1`` and ``z3-v1`` are the earlier engines, kept as
baselines.

A tanh network is solved on its exact sigmoid form (:mod:`fepproof.sigmoid_form`): the
engines only ever see logistic networks; the witness is mapped back and replayed again on
the network as given (:func:`in_sigmoid_form`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .verdict import Status
from .verify_api import Progress, VerifyProblem, VerifyResult

__all__ = ["ENGINES", "engine_for", "run_verify", "in_sigmoid_form"]

Solver = Callable[[VerifyProblem, Progress], VerifyResult]


def _form(problem: VerifyProblem) -> VerifyProblem:
    from .sigmoid_form import needs_rewrite, sigmoid_form, sigmoid_model
    if not needs_rewrite(problem.net):
        return problem
    return dataclasses.replace(problem, net=sigmoid_form(problem.net),
                               model=sigmoid_model(problem.net, problem.model))


def in_sigmoid_form(solve: Solver) -> Solver:
    """``solve`` run on the sigmoid form of a tanh problem; the result speaks of the problem
    as given: its witness is mapped back and replayed again in high precision on the
    original network, and a ``refuted`` that does not replay there becomes ``unknown``."""
    def run(problem: VerifyProblem, progress: Progress) -> VerifyResult:
        form = _form(problem)
        if form is problem:
            return solve(problem, progress)
        res = solve(form, progress)
        from .replay import replay
        from .sigmoid_form import witness_from_form
        wit = witness_from_form(problem.net, res.witness, problem.model)
        changes: dict = {"problem": problem, "witness": wit}
        if wit is not None:
            out = problem.output if wit.output is None else wit.output
            rep = replay(problem.net, wit, problem.model, dps=60, output=out)
            err = rep.error_fraction_lower() if rep.valid else None
            changes["witness_error"] = err
            if res.verdict is Status.REFUTED and (err is None or not err > problem.bound):
                changes.update(verdict=Status.UNKNOWN, reason="the witness found on the "
                               "sigmoid form did not replay above the bound on the tanh "
                               "network")
        return dataclasses.replace(res, **changes)
    return run

ENGINES = ("auto", "z3", "numeric", "z3-v1", "numeric-v1")


def engine_for(problem: VerifyProblem, name: str = "auto") -> str:
    """The engine ``name`` resolves to for ``problem`` (``auto``: the numeric engine's
    choice; synapse failures always go to a numeric engine)."""
    if name not in ENGINES:
        raise ValueError(f"engine: unknown engine {name!r} ({', '.join(ENGINES)})")
    if problem.model.fails_synapses:
        if name.startswith("z3"):
            raise ValueError("engine: the z3 engine encodes neuron failures only; use numeric "
                             "or auto for the synapse model")
        return "numeric-v1" if name == "numeric-v1" else "numeric"
    if name != "auto":
        return name
    from .numeric import choose_engine
    return choose_engine(_form(problem))


def run_verify(problem: VerifyProblem, engine: str = "auto",
               progress: Progress | None = None, jobs: int = 1) -> VerifyResult:
    """Decide ``problem`` with ``engine``; the result names the engine used.  ``jobs``:
    worker processes of the branch-and-bound engines (1 inside ``check``'s claim
    processes, which may not start children of their own)."""
    name = engine_for(problem, engine)
    say = progress or (lambda _msg: None)
    return in_sigmoid_form(_solver(name, jobs))(problem, say)


def _solver(name: str, jobs: int) -> Solver:
    if name == "z3-v1":
        from .smt import verify_z3
        return verify_z3
    if name == "numeric-v1":
        from .numeric import verify_numeric
        return verify_numeric
    from .numeric.bab import BabOptions
    opts = BabOptions(jobs=jobs)
    if name == "z3":
        from .smt.leaves import verify_z3_bab
        return lambda p, say: verify_z3_bab(p, say, opts)
    from .numeric.engine_bab import verify_bab
    return lambda p, say: verify_bab(p, say, opts)
