"""``fepproof latex --network``: Theorem 2 (Fep) and Theorem 3 for one network, each term
printed symbolically and with the numbers filled in, plus the verified worst case.

The symbolic terms come from running the checker's own term code
(:func:`fepproof.bounds._terms`) on sympy symbols; every filled-in line is evaluated by
sympy and compared with the checker's exact ``Fraction`` before it is written."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from ..bounds import FepResult, _terms, fep, tolerance
from ..failures import FailureModel
from ..network import Network
from ..replay import replay
from ..verify_api import VerifyProblem, VerifyResult
from .document import Document
from .numfmt import number, with_decimal
from .printer import filled_in, status_latex, to_latex
from .text import escape

__all__ = ["FepSymbols", "fep_symbols", "network_document", "Verifier", "box_latex",
           "text_latex"]

Verifier = Callable[[VerifyProblem], VerifyResult]


@dataclass(frozen=True)
class FepSymbols:
    """The sympy symbols of Theorem 2 for depth L and the terms built from them."""

    C: sympy.Symbol
    K: sympy.Symbol
    f: tuple[sympy.Symbol, ...]
    N: tuple[sympy.Symbol, ...]
    wm: tuple[sympy.Symbol, ...]  # w_m^(1) .. w_m^(L+1)
    terms: tuple[sympy.Expr, ...]

    def values(self, res: FepResult, C: Fraction) -> dict[sympy.Symbol, Fraction]:
        """The network's numbers for every symbol (``C`` as given)."""
        vals: dict[sympy.Symbol, Fraction] = {self.C: C, self.K: res.K}
        vals.update({s: Fraction(v) for s, v in zip(self.f, res.failures, strict=True)})
        vals.update({s: Fraction(v) for s, v in zip(self.N, res.widths, strict=True)})
        vals.update(dict(zip(self.wm, res.wm, strict=True)))
        return vals


def fep_symbols(L: int, C: str = "C") -> FepSymbols:
    """Theorem 2's terms for depth ``L``, from the checker's term code run on symbols."""
    Cs, K = sympy.Symbol(C, positive=True), sympy.Symbol("K", positive=True)
    f = tuple(sympy.Symbol(f"f_{{{l}}}", nonnegative=True, integer=True) for l in range(1, L + 1))
    N = tuple(sympy.Symbol(f"N_{{{l}}}", positive=True, integer=True) for l in range(1, L + 1))
    wm = tuple(sympy.Symbol(f"w_{{m}}^{{({l})}}", nonnegative=True) for l in range(1, L + 2))
    return FepSymbols(Cs, K, f, N, wm, tuple(_terms(Cs, f, N, K, wm)))


_FLAG = re.compile(r"(?<![-\w])--(?=[a-z])")


def text_latex(text: str) -> str:
    """Plain text as LaTeX, with command-line flags (``--no-verify``) kept as two hyphens
    (``-{}-``) instead of the en-dash TeX makes of ``--``."""
    return _FLAG.sub("-{}-", escape(text))


BOX_SHOWN = 6  # per-input intervals typeset before the product is abbreviated


def box_latex(domain: Sequence[tuple[Fraction, Fraction]], source: str) -> str:
    """The input box as a sentence: ``$X \\in [lo, hi]^{d}$`` when every input has the same
    interval, else the product of the intervals (abbreviated past :data:`BOX_SHOWN`), and
    where the box came from."""
    def iv(lo: Fraction, hi: Fraction) -> str:
        return f"[{number(lo).latex()}, {number(hi).latex()}]"
    d = len(domain)
    if d and all(p == domain[0] for p in domain):
        box = f"X \\in {iv(*domain[0])}^{{{d}}}"
    elif d <= BOX_SHOWN:
        box = "X \\in " + " \\times ".join(iv(*p) for p in domain)
    else:
        head = " \\times ".join(iv(*p) for p in domain[:3])
        box = f"X \\in {head} \\times \\cdots \\times {iv(*domain[-1])}"
    origin = {"default": "the default box $[0, 1]^d$: the network file has no input domain",
              "network file": "the input domain of the network file"}.get(source)
    where = origin if origin is not None else f"given by \\texttt{{{text_latex(source)}}}"
    count = f"{d} intervals, " if d > BOX_SHOWN and not all(p == domain[0] for p in domain) \
        else ""
    return f"Input box: ${box}$ ({count}{where})."


def _m(latex: str) -> str:
    return f"${latex}$"


def _sum_rows(name: str, syms: FepSymbols, res: FepResult, C: Fraction,
              terms: Sequence[Fraction], total: Fraction) -> list[str]:
    """align rows: each term symbolic / filled in / value, then the sum; values checked."""
    vals = syms.values(res, C)
    rows = []
    for l, (expr, term) in enumerate(zip(syms.terms, terms, strict=True), start=1):
        shown, value = filled_in(expr, vals)
        if value != term:  # the printed arithmetic must be the checker's
            raise RuntimeError(f"latex: term {l} prints as {value}, checker has {term}")
        rows.append(f"T_{{{l}}} &= {to_latex(expr)}")
        rows.append(f"&= {shown}")
        rows.append(f"&= {number(term).latex(display=True)}")
    if sum(terms, Fraction(0)) != total:
        raise RuntimeError("latex: the terms do not add up to the checker's total")
    rows.append(f"{name} &= " + " + ".join(f"T_{{{l}}}" for l in range(1, len(terms) + 1)))
    if len(terms) > 1:
        rows.append("&= " + " + ".join(number(t).latex(display=True) for t in terms))
    rows.append(f"&= {number(total).latex(display=True)}")
    return rows


def _network_table(doc: Document, net: Network, res: FepResult) -> None:
    L = net.depth
    rows = [[str(l), str(res.widths[l - 1]), _m(number(res.wm[l - 1]).latex()),
             str(res.failures[l - 1])] for l in range(1, L + 1)]
    rows.append([f"{L + 1} (output)", str(net.n_outputs), _m(number(res.wm[L]).latex()),
                 "--"])
    doc.table(["layer $l$", "$N_l$", "$w_m^{(l)} = \\max |w^{(l)}|$", "failed $f_l$"], rows, "lrrr")


def _verify_section(doc: Document, net: Network, res: FepResult, model: FailureModel,
                    output: int | None, verifier: Verifier | None, unavailable: str,
                    timeout: float) -> None:
    doc.section("Verified worst case")
    if verifier is None:
        doc.raw(text_latex(f"No verified worst-case bracket in this document: {unavailable}"))
        return
    problem = VerifyProblem(net, res.failures, model, res.sound, res.value, timeout=timeout,
                            output=output)
    try:
        vr = verifier(problem)
    except Exception as exc:  # an engine failure is reported in the document, not hidden
        doc.text(f"The verify engine failed ({type(exc).__name__}: {exc}); no worst-case "
                 "bracket is given.")
        return
    sizes = ", ".join(map(str, res.failures))
    doc.raw(f"Claim checked by the {escape(vr.engine)} engine: "
            f"$|F_{{\\mathrm{{neu}}}}(X) - F_{{\\mathrm{{fail}}}}(X)| \\le "
            f"{with_decimal(res.sound)}$ for every input $X$ in the input box and every "
            f"failure set of sizes $({sizes})$ "
            f"(timeout {timeout:g}\\,s). Verdict: {status_latex(vr.verdict)}"
            + (f" --- {text_latex(vr.reason.replace('<=', '≤'))}" if vr.reason else "")
            + ".")
    lo = "--" if vr.lower is None else _m(with_decimal(vr.lower, "down"))
    hi = "--" if vr.upper is None else _m(with_decimal(vr.upper, "up"))
    rows = [["lower (replayed witness)", lo], ["upper (sound proof)", hi],
            ["Fep (Theorem 2)", _m(with_decimal(res.value))]]
    if not res.is_bound:
        rows.append(["sound bound ($C + 1$ per failed neuron)", _m(with_decimal(res.sound))])
    if vr.upper is not None and res.value:
        rows.append(["upper / Fep", _m(number(vr.upper / res.value).latex())])
    doc.table(["worst-case error", "value"], rows, "lr")
    w = vr.witness
    if w is None:
        doc.text("The engine returned no witness.")
        return
    rep = replay(net, w, model, output=output)
    doc.raw(f"Witness (replayed here at 50 digits with the exact sigmoid: error "
            f"$\\ge {with_decimal(rep.error_fraction_lower(), 'down')}$"
            + ("" if rep.valid else ", replay problems: " + escape("; ".join(rep.problems)))
            + "):")
    doc.table(["input $i$", "$x_i$"], [[str(i), _m(number(x).latex())]
                                  for i, x in enumerate(w.input, start=1)], "rr")
    frows = []
    for l, failed in enumerate(w.failed, start=1):
        fixed = model.fixed_value
        sent = (f"{escape(model.kind.value)} (sends {_m(number(fixed or 0).latex())})"
                if w.values is None
                else ", ".join(_m(number(v).latex()) for v in w.values[l - 1]) or "--")
        frows.append([str(l), ", ".join(str(i + 1) for i in failed) or "--", sent])
    doc.table(["layer $l$", "failed neurons (1-based)", "values sent"], frows, "rll")


def network_document(net: Network, failures: Sequence[int], model: FailureModel | None = None,
                     epsilons: tuple[Fraction, Fraction] | None = None,
                     output: int | None = None, verifier: Verifier | None = None,
                     unavailable: str = "no verify engine was requested.",
                     timeout: float = 30.0) -> Document:
    """Theorem 2 and Theorem 3 for one network and failure distribution, as a Document."""
    model = model or FailureModel.crash()
    res = fep(net, failures, model, output)
    L = net.depth
    name = net.name or "network"
    doc = Document(f"Forward error propagation bound for {name}")
    out = "the largest error over all outputs" if output is None else f"output {output}"
    doc.raw(f"Failure model: {escape(model.describe())}. Failures per hidden layer: "
            f"$f = ({', '.join(map(str, res.failures))})$. "
            f"The bound is for {escape(out)}. Every number below is computed exactly "
            f"(rational arithmetic) by \\texttt{{fepproof.bounds}}.")
    doc.section("The network")
    doc.raw(f"$L = {L}$ hidden layers, input dimension $d = {net.input_dim}$, activation "
            + ("$\\varphi_K(x) = \\tanh(Kx)$" if net.activation.name == "tanh" else
               "$\\varphi_K(x) = \\sigma(4Kx)$")
            + f" with $K = {number(res.K).latex()}$, "
            f"transmission capacity $C = {number(res.paper_C).latex()}$"
            + f" ({escape(model.capacity_origin(net.activation.name))})"
            + ".")
    _network_table(doc, net, res)
    doc.section("Theorem 2: the bound Fep")
    syms = fep_symbols(L)
    doc.text("Theorem 2 for this depth, then each layer's term with the network's numbers "
             "filled in:")
    doc.equation("\\mathrm{Fep} = " + " + ".join(to_latex(t) for t in syms.terms))
    doc.align(_sum_rows("\\mathrm{Fep}", syms, res, res.paper_C, res.terms, res.value))
    doc.raw(f"\\textbf{{Fep}} $= {with_decimal(res.value)}$.")
    if not res.is_bound:
        doc.text("The paper's Fep uses C per failed neuron; in this reading a failed neuron "
                 "can deviate from its nominal value by C + 1, so the sound bound replaces C "
                 "by D = C + 1:")
        dsyms = fep_symbols(L, "D")
        doc.align(_sum_rows("\\mathrm{Fep}_{\\mathrm{sound}}", dsyms, res, res.deviation,
                            res.sound_terms, res.sound))
        doc.raw(f"\\textbf{{Sound bound}} $= {with_decimal(res.sound)}$.")
    for note in res.notes:
        doc.raw(f"Note: {escape(note)}.")
    if epsilons is not None:
        eps, epsp = epsilons
        doc.section("Theorem 3: tolerance")
        budget = eps - epsp
        doc.raw(f"Required accuracy $\\varepsilon = {number(eps).latex()}$, achieved "
                f"$\\varepsilon' = {number(epsp).latex()}$, budget "
                f"$\\varepsilon - \\varepsilon' = {with_decimal(budget)}$.")
        rows = []
        for reading, label in (("exactly", "exactly $f_l$ per layer (Definition 3)"),
                               ("at_most", "at most $f_l$ per layer ($\\max_{g \\le f}$ Fep)")):
            t = tolerance(net, res.failures, model, eps, epsp, reading=reading, output=output)
            rel = "\\le" if t.value <= t.budget else ">"
            rows.append([label, _m(f"{number(t.value).latex()} {rel} "
                                   f"{number(t.budget).latex()}"),
                         "(" + ", ".join(map(str, t.worst)) + ")",
                         "\\textbf{tolerated}" if t.tolerated else "\\textbf{not tolerated}"])
        doc.table(["reading", "bound vs.\\ budget", "worst $f$", "verdict"], rows, "llll")
    _verify_section(doc, net, res, model, output, verifier, unavailable, timeout)
    return doc
