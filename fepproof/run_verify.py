"""Run one :class:`~fepproof.verify_api.VerifyProblem` on a named engine (auto, z3,
numeric): the entry point ``check`` and ``harden`` share, through the public contract of
``verify_api`` only (engines are imported when first used)."""

from __future__ import annotations

from .verify_api import Progress, VerifyProblem, VerifyResult

__all__ = ["ENGINES", "engine_for", "run_verify"]

ENGINES = ("auto", "z3", "numeric")


def engine_for(problem: VerifyProblem, name: str = "auto") -> str:
    """The engine ``name`` resolves to for ``problem`` (``auto``: the numeric engine's
    choice; synapse failures always go to the numeric engine)."""
    if name not in ENGINES:
        raise ValueError(f"engine: unknown engine {name!r} ({', '.join(ENGINES)})")
    if problem.model.fails_synapses:
        if name == "z3":
            raise ValueError("engine: the z3 engine encodes neuron failures only; use numeric "
                             "or auto for the synapse model")
        return "numeric"
    if name != "auto":
        return name
    from .numeric import choose_engine
    return choose_engine(problem)


def run_verify(problem: VerifyProblem, engine: str = "auto",
               progress: Progress | None = None) -> VerifyResult:
    """Decide ``problem`` with ``engine``; the result names the engine used."""
    name = engine_for(problem, engine)
    if name == "z3":
        from .smt import verify_z3 as fn
    else:
        from .numeric import verify_numeric as fn
    return fn(problem, progress or (lambda _msg: None))
