"""``fepproof latex --proofs``: every obligation of ``proofs/`` with its statement, method
and the verdict of running it now; each erratum of the paper as written, the evidence
against it, and the corrected statement with its proof status."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import sympy

from .document import Document
from .mathtext import math_text
from .printer import display, status_latex, value_latex, verdict_items
from .text import escape

__all__ = ["default_proof_paths", "find_and_run", "proofs_document"]


def default_proof_paths() -> list[Path]:
    """The paper's proofs shipped with fepproof (see :mod:`fepproof.obligations.paths`)."""
    from ..obligations.paths import default_proofs_dir
    return [default_proofs_dir()]


def _paths(paths: Sequence[str | Path] | None) -> list[str]:
    return [str(p) for p in (paths or default_proof_paths())]


def find_and_run(ob_id: str, paths: Sequence[str | Path] | None, timeout: float
                 ) -> tuple[Any, str]:
    """(Outcome, "") of running obligation ``ob_id``, or (None, why it could not run)."""
    from ..obligations import discover, run
    from ..obligations.runner import ObligationLoadError

    try:
        obs = [ob for ob in discover(_paths(paths)) if ob.id == ob_id]
    except ObligationLoadError as exc:
        return None, f"the proofs could not be loaded ({exc})"
    if not obs:
        return None, f"not found in {', '.join(_paths(paths))}"
    return run(obs, jobs=1, timeout=timeout)[0], ""


def _statement(doc: Document, statement: object) -> None:
    if statement is None:
        return
    if isinstance(statement, sympy.Basic):
        doc.raw(display(statement))
    else:
        doc.raw(f"Checked object: {value_latex(statement)}")


def _tt(text: str) -> str:
    return f"\\texttt{{{escape(text)}}}"


def proofs_document(paths: Sequence[str | Path] | None = None, jobs: int | None = None,
                    timeout: float = 20.0) -> tuple[Document, bool]:
    """All obligations (run now) and the paper's errata, as a Document; the flag says
    whether every obligation ended as expected.  Raises ``ObligationLoadError``."""
    from ..obligations import discover, run

    where = _paths(paths)
    obs = discover(where)
    outcomes = run(obs, jobs=jobs, timeout=timeout) if obs else []
    by_id = {o.obligation.id: o for o in outcomes}
    doc = Document("Machine-checked obligations of ``When Neurons Fail''")
    passed = sum(o.passed for o in outcomes)
    doc.raw(f"{len(outcomes)} obligations from {', '.join(_tt(p) for p in where)}, each run "
            f"when this document was generated (timeout {timeout:g}\\,s each): {passed} "
            f"ended as expected, {len(outcomes) - passed} did not. Statements are printed by "
            "SymPy from the checked objects; results are the verdicts of the checks.")
    if not outcomes:
        doc.text("No obligations were found.")
        return doc, False
    doc.section("Summary")
    doc.table(["obligation", "result", "method", "expected", "verdict"],
              [[_tt(o.obligation.id), escape(o.obligation.result), escape(o.obligation.method),
                escape(o.obligation.expected),
                status_latex(o.verdict.status) + ("" if o.passed else " (!)")]
               for o in outcomes], "lllll")
    doc.section("Obligations")
    ordered = sorted(outcomes, key=lambda o: (o.obligation.result, o.obligation.id))
    for result, group in groupby(ordered, key=lambda o: o.obligation.result):
        doc.section(result, level=2)
        for o in group:
            ob = o.obligation
            doc.section(ob.id, level=3)
            doc.raw(f"\\textbf{{Statement.}} {math_text(ob.statement_text)}")
            _statement(doc, ob.statement)
            doc.raw(f"\\textbf{{Method:}} {escape(ob.method)}. \\textbf{{Expected:}} "
                    f"{escape(ob.expected)}. \\textbf{{Result:}}")
            doc.items(verdict_items(o.verdict))
    errata = [o for o in outcomes if o.obligation.erratum is not None]
    doc.section("Errata of the paper")
    if not errata:
        doc.text("No obligation records an erratum.")
    for o in errata:
        ob, er = o.obligation, o.obligation.erratum
        doc.section(f"{ob.result}: {ob.id}", level=2)
        doc.raw(f"\\textbf{{As written.}} {math_text(er.as_written_text)}")
        _statement(doc, er.as_written)
        doc.raw(f"\\textbf{{Evidence against it}} ({status_latex(o.verdict.status)} by "
                f"{escape(o.verdict.engine or ob.method)}). {math_text(er.evidence_text)}")
        doc.items([f"{escape(k)}: {value_latex(v)}" for k, v in o.verdict.evidence.items()])
        fixed = by_id.get(er.corrected_id)
        if fixed is None:
            doc.raw(f"\\textbf{{Corrected statement}} {_tt(er.corrected_id)}: not among the "
                    "obligations found, so it is unchecked here.")
            continue
        doc.raw(f"\\textbf{{Corrected statement}} ({_tt(er.corrected_id)}): "
                f"{math_text(fixed.obligation.statement_text)}")
        _statement(doc, fixed.obligation.statement)
        doc.raw(f"Proof status: {status_latex(fixed.verdict.status)} by "
                f"{escape(fixed.verdict.engine or fixed.obligation.method)}"
                f" ({escape(fixed.obligation.method)}, {fixed.verdict.seconds:.2f}\\,s).")
    return doc, all(o.passed for o in outcomes)
