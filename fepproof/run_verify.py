"""Run one :class:`~fepproof.verify_api.VerifyProblem` on a named engine: the entry point
``check`` and ``harden`` share, through the public contract of ``verify_api`` only
(engines are imported when first used).

``numeric`` and ``z3`` are the branch-and-bound engines of ``fepproof verify``,
so ``check``, ``harden`` and ``verify`` report the same kind of bracket for the same
claim; ``check`` runs them in its claim processes (``jobs = 1``), ``harden`` with
``--jobs`` workers.  ``numeric-v1`` and ``z3-v1`` are the earlier engines, kept as
baselines."""

from __future__ import annotations

from .verify_api import Progress, VerifyProblem, VerifyResult

__all__ = ["ENGINES", "engine_for", "run_verify"]

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
    return choose_engine(problem)


def run_verify(problem: VerifyProblem, engine: str = "auto",
               progress: Progress | None = None, jobs: int = 1) -> VerifyResult:
    """Decide ``problem`` with ``engine``; the result names the engine used.  ``jobs``:
    worker processes of the branch-and-bound engines (1 inside ``check``'s claim
    processes, which may not start children of their own)."""
    name = engine_for(problem, engine)
    say = progress or (lambda _msg: None)
    if name == "z3-v1":
        from .smt import verify_z3
        return verify_z3(problem, say)
    if name == "numeric-v1":
        from .numeric import verify_numeric
        return verify_numeric(problem, say)
    from .numeric.bab import BabOptions
    opts = BabOptions(jobs=jobs)
    if name == "z3":
        from .smt.leaves import verify_z3_bab
        return verify_z3_bab(problem, say, opts)
    from .numeric.engine_bab import verify_bab
    return verify_bab(problem, say, opts)
