"""``fepproof latex --derivation fep``: Theorem 2 derived from the neuron-level recurrence,
printed from :func:`fepproof.symbolic.fep_derivation` and closed by the verdict of the
obligation that checks it (run when the document is made)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sympy

from .document import Document
from .printer import split_latex, to_latex, verdict_items
from .proofs_doc import find_and_run
from .text import escape

__all__ = ["derivation_document", "RELATIONS", "step_rows"]

RELATIONS = {"=": "=", "<=": "\\le", ">=": "\\ge", "<": "<", ">": ">"}
def step_rows(steps: Sequence[object]) -> list[str]:
    """align* rows for a chain of ``Step``s, each preceded by its rule (\\intertext)."""
    rows: list[str] = []
    for k, step in enumerate(steps, start=1):
        rel = RELATIONS.get(step.relation)
        if rel is None:
            raise ValueError(f"derivation: unknown relation {step.relation!r} in step {k}")
        rule = f"\\intertext{{\\small ({k}) {escape(step.rule)}:}}"
        lhs = "" if step.lhs is None else to_latex(step.lhs)
        lines = split_latex(sympy.powsimp(step.rhs))  # C K K^L -> C K^(L+1): display only
        first = f"{rule}\n{lhs} &{rel} {lines[0]}"
        rows.append(first)
        rows.extend(f"&\\quad {ln}" for ln in lines[1:])
    return rows


def derivation_document(depth: int | None, timeout: float = 20.0,
                        paths: Sequence[str | Path] | None = None) -> tuple[Document, bool]:
    """Theorem 2's derivation (concrete ``depth`` or symbolic L when None) as a Document;
    the flag says whether the checking obligation ended as expected."""
    from ..symbolic import fep_derivation

    d = fep_derivation(depth)
    doc = Document(d.title)
    doc.raw("Every formula below is printed by SymPy from the objects of "
            "\\texttt{fepproof.symbolic.fep\\_derivation}"
            f"({'L' if depth is None else depth}); the last section is the verdict of the "
            f"obligation \\texttt{{{escape(d.obligation_id)}}}, run when this document was "
            "generated.")
    doc.section("Model")
    doc.items([f"{escape(label)}: $\\displaystyle {to_latex(expr)}$" for label, expr in d.model])
    doc.section("Error recurrence")
    doc.text("The error of one correct neuron of layer l, from the errors of layer l - 1:")
    doc.equation(to_latex(d.recurrence))
    doc.section(f"Unrolling for depth L = {depth}" if depth is not None
                else "Induction step from depth L to L + 1")
    doc.text("Each line follows from the previous one by the rule stated before it.")
    doc.align(step_rows(d.steps))
    doc.section("Verdict")
    outcome, problem = find_and_run(d.obligation_id, paths, timeout)
    if outcome is None:
        doc.text(f"Obligation {d.obligation_id}: {problem}")
        return doc, False
    doc.raw(f"Obligation \\texttt{{{escape(d.obligation_id)}}} "
            f"({escape(outcome.obligation.result)}, method: "
            f"{escape(outcome.obligation.method)}, expected: "
            f"{escape(outcome.obligation.expected)}):")
    doc.items(verdict_items(outcome.verdict))
    return doc, outcome.passed
