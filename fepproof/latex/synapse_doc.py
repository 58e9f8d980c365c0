"""``fepproof latex --network NET --model synapse``: Lemma 2 + Theorem 4 for one network,
in the reading their proofs support, next to Theorem 4 as printed.

The symbolic terms below mirror :func:`fepproof.bounds.synapse_bound`; every filled-in
line is evaluated by sympy and must equal the checker's exact term before it is written."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import sympy

from .. import bounds
from ..bounds import SynapseBound, synapse_bound
from ..failures import CapacityReading, FailureModel, input_sup
from ..network import Network
from .document import Document
from .numfmt import number, with_decimal
from .printer import filled_in, to_latex
from .text import escape

__all__ = ["synapse_document", "synapse_terms"]


def _symbols(L: int) -> dict[str, tuple[sympy.Symbol, ...]]:
    def seq(fmt: str, n: int, **kw: bool) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(fmt.format(l), **kw) for l in range(1, n + 1))
    return {"f": seq("f_{{{}}}", L + 1, nonnegative=True, integer=True),
            "d": seq("\\delta_{{{}}}", L + 1, nonnegative=True),
            "N": seq("N_{{{}}}", L, positive=True, integer=True),
            "w": seq("w_{{m}}^{{({})}}", L + 1, nonnegative=True),
            "s": seq("s_{{{}}}", L + 1, nonnegative=True),
            "K": (sympy.Symbol("K", positive=True),), "C": (sympy.Symbol("C", positive=True),)}


def synapse_terms(L: int, reading: str) -> tuple[dict, list[sympy.Expr], list[sympy.Expr],
                                                  list[sympy.Expr]]:
    """(symbols, delta_l expressions, sound terms, Theorem 4 as printed terms) for depth L."""
    S = _symbols(L)
    f, d, N, w, s, K, C = S["f"], S["d"], S["N"], S["w"], S["s"], S["K"][0], S["C"][0]
    deltas = [C if reading == CapacityReading.DEVIATION else C + w[l] * s[l] for l in range(L + 1)]
    sound = bounds.synapse_terms(f, d, N, K, w)
    printed = bounds.theorem4_printed_terms(C, f, N, K, w)
    return S, deltas, sound, printed


def _values(S: dict, net: Network, sb: SynapseBound, output: int | None
            ) -> dict[sympy.Symbol, Fraction]:
    L = net.depth
    vals: dict[sympy.Symbol, Fraction] = {S["K"][0]: net.K, S["C"][0]: sb.model.C}
    sups = [input_sup(net)] + [net.activation.sup] * L
    for l in range(L + 1):
        vals[S["f"][l]] = Fraction(sb.failures[l])
        vals[S["d"][l]] = sb.deviations[l]
        vals[S["w"][l]] = net.max_abs_weight(l + 1, output)
        vals[S["s"][l]] = sups[l]
    vals.update({S["N"][l]: Fraction(n) for l, n in enumerate(net.widths)})
    return vals


def _rows(name: str, exprs: Sequence[sympy.Expr], values: Sequence[Fraction],
          vals: dict, total: Fraction) -> list[str]:
    rows = []
    for l, (expr, value) in enumerate(zip(exprs, values, strict=True), start=1):
        shown, v = filled_in(expr, vals)
        if v != value:
            raise RuntimeError(f"latex: synapse term {l} prints as {v}, checker has {value}")
        rows += [f"T_{{{l}}} &= {to_latex(expr)}", f"&= {shown}",
                 f"&= {number(value).latex(display=True)}"]
    if sum(values, Fraction(0)) != total:
        raise RuntimeError("latex: the synapse terms do not add up to the checker's total")
    rows.append(f"{name} &= " + " + ".join(f"T_{{{l}}}" for l in range(1, len(values) + 1)))
    rows.append(f"&= {number(total).latex(display=True)}")
    return rows


def synapse_document(net: Network, failures: Sequence[int], model: FailureModel,
                     epsilons: tuple[Fraction, Fraction] | None = None,
                     output: int | None = None) -> Document:
    """Lemma 2 + Theorem 4 for f_l failed synapses into layer l (l = 1..L+1)."""
    sb = synapse_bound(net, failures, model, output)
    L = net.depth
    S, deltas, sound, printed = synapse_terms(L, model.reading)
    vals = _values(S, net, sb, output)
    doc = Document(f"Synapse failure bound for {net.name or 'network'}")
    doc.raw(f"Failure model: {escape(model.describe())}. Failed synapses into layers "
            f"$1..{L + 1}$: $f = ({', '.join(map(str, sb.failures))})$ (the last entry: "
            "synapses into the output node). Every number is computed exactly by "
            "\\texttt{fepproof.bounds.synapse\\_bound}.")
    doc.section("The network")
    doc.table(["layer $l$", "$N_l$", "$w_m^{(l)}$", "failed synapses $f_l$",
               "$\\delta_l$"],
              [[str(l + 1) + (" (output)" if l == L else ""),
                str(net.widths[l]) if l < L else str(net.n_outputs),
                f"${number(vals[S['w'][l]]).latex()}$", str(sb.failures[l]),
                f"${number(sb.deviations[l]).latex()}$"] for l in range(L + 1)], "lrrrr")
    doc.raw(f"$K = {number(net.K).latex()}$, $C = {number(model.C).latex()}$. "
            "$\\delta_l$ is the largest change of one delivered term on a synapse into "
            "layer $l$" + ("" if model.tracks_nominal else
                           " ($s_l$ = the largest signal it carries: the input box for "
                           "$l = 1$, $\\sup\\varphi = 1$ after)") + ":")
    rows = []
    for l, expr in enumerate(deltas, start=1):
        shown, v = filled_in(expr, vals)
        if v != sb.deviations[l - 1]:
            raise RuntimeError(f"latex: delta_{l} prints as {v}, checker has "
                               f"{sb.deviations[l - 1]}")
        rows.append(f"\\delta_{{{l}}} &= {to_latex(expr)} = {shown} = "
                    f"{number(v).latex(display=True)}")
    doc.align(rows)
    doc.section("Lemma 2 + Theorem 4 (the reading the proofs support)")
    doc.text(sb.reading_note)
    doc.align(_rows("\\mathrm{bound}", sound, sb.terms, vals, sb.value))
    doc.raw(f"\\textbf{{Bound}} $= {with_decimal(sb.value)}$.")
    doc.section("Theorem 4 as printed")
    doc.raw("The printed product runs to $l' = L + 1$ with the factor $(N_{l'} - f_{l'})$; "
            "for the output node, $l' = L + 1$, this factor is set to $1$ here "
            f"($(N_{{{L + 1}}} - f_{{{L + 1}}}) := 1$: the node is counted as one correct "
            "neuron, Section 4.1's convention $N_{L+1} = 1$, $f_{L+1} = 0$, although "
            f"$f_{{{L + 1}}}$ synapses into it fail).")
    printed_values = [filled_in(e, vals)[1] for e in printed]
    doc.align(_rows("\\mathrm{Fep}_{\\mathrm{printed}}", printed, printed_values, vals,
                    sb.as_written))
    doc.raw(f"Theorem 4 as printed $= {with_decimal(sb.as_written)}$"
            + (" (not a sound bound where it is below the bound above)."
               if sb.as_written < sb.value else "."))
    if epsilons is not None:
        eps, epsp = epsilons
        budget = eps - epsp
        ok = sb.value <= budget
        rel = "\\le" if ok else ">"
        doc.section("Tolerance")
        doc.raw(f"$\\varepsilon - \\varepsilon' = {number(eps).latex()} - "
                f"{number(epsp).latex()} = {with_decimal(budget)}$; bound "
                f"${number(sb.value).latex()} {rel} "
                f"{number(budget).latex()}$: "
                f"\\textbf{{{'tolerated' if ok else 'not tolerated'}}}.")
    doc.section("Verified worst case")
    doc.text("This document gives no verified worst-case bracket for synapse failures; "
             "use fepproof verify for that.")
    return doc
