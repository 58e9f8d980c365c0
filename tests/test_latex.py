"""fepproof latex without TeX: number forms, escaping, the printed arithmetic against the
checker, the three documents' sources, and the command's usage errors."""

from __future__ import annotations

import io
import os
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from fepproof.bounds import fep
from fepproof.cli.main import main
from fepproof.failures import FailureModel
from fepproof.latex.network_doc import _sum_rows, fep_symbols, network_document
from fepproof.latex.numfmt import number, rounded, with_decimal
from fepproof.latex.printer import display, filled_in, to_latex
from fepproof.latex.text import escape
from fepproof.netio import load_network
from fepproof.verdict import Status, Verdict
from tests.netgen import failure_counts, networks

ROOT = Path(__file__).resolve().parents[1]
FIGURE1 = ROOT / "cases" / "figure1.json"

DEMO_PROOFS = '''
import sympy as sp
from fepproof.obligations import Erratum, obligation, proved, refuted
x = sp.Symbol("x")

@obligation(id="demo.fixed", result="Theorem 9", statement_text="x + x = 2 x for all x (ε ≤ 1)",
            statement=lambda: sp.Le(x + x, 2 * x + 1), method="sympy identity",
            expected="proved")
def fixed():
    return proved("x + x = 2x", "sympy", residual=str(sp.simplify(x + x - 2 * x)))

@obligation(id="demo.as_written", result="Theorem 9", statement_text="x + x = 3 x",
            statement=lambda: sp.Eq(x + x, 3 * x, evaluate=False), method="sympy identity",
            expected="refuted",
            erratum=Erratum("x + x = 3 x as printed on page 4", sp.Eq(x + x, 3 * x,
                            evaluate=False), "the residual -x is non-zero at x = 17",
                            "demo.fixed"))
def as_written():
    return refuted("x + x = 3x", "sympy", residual="-x", point={"x": 17},
                   residual_at_point=-17)
'''

WRONG_EXPECTATION = '''
from fepproof.obligations import obligation, refuted

@obligation(id="demo.wrong", result="Theorem 8", statement_text="1 = 2",
            method="sympy identity", expected="proved")
def wrong():
    return refuted("1 = 2", "sympy", residual=-1)
'''


def demo_proofs(tmp_path: Path, text: str = DEMO_PROOFS) -> Path:
    d = tmp_path / "proofs"
    d.mkdir(exist_ok=True)
    (d / "demo.py").write_text(text)
    return d


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---- numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("q, kind, text, disp", [
    (Fraction(3), "integer", "3", "3"),
    (Fraction(-3, 7), "fraction", "-3/7", "-\\frac{3}{7}"),
    (Fraction(91, 32), "fraction", "91/32", "\\frac{91}{32}"),
    (Fraction(73519, 100000), "decimal", "0.73519", "0.73519"),  # p/10^k as written
    (Fraction(123456789, 1000), "decimal", "123456.789", "123456.789"),
    (Fraction(1, 3) ** 20, "rounded", "2.867971991e-10",
     "{2.867971991 \\times 10^{-10}}^{\\dagger}"),
])
def test_number_forms(q, kind, text, disp) -> None:
    n = number(q)
    assert (n.kind, n.text, n.latex(display=True)) == (kind, text, disp)
    assert n.exact == (kind != "rounded")


@given(st.integers(1, 10**30), st.integers(1, 10**30))
def test_rounding_is_stated_and_correct(p, q) -> None:
    value = Fraction(p, q)
    with localcontext() as ctx:
        ctx.prec = 10
        expect = +(Decimal(p) / Decimal(q))  # independent: Decimal's own rounding
        ctx.rounding = ROUND_FLOOR
        down = +(Decimal(p) / Decimal(q))
        ctx.rounding = ROUND_CEILING
        up = +(Decimal(p) / Decimal(q))
    assert Fraction(Decimal(rounded(value))) == Fraction(expect)
    lo = Fraction(Decimal(rounded(value, mode=ROUND_FLOOR)))
    hi = Fraction(Decimal(rounded(value, mode=ROUND_CEILING)))
    assert (lo, hi) == (Fraction(down), Fraction(up))
    assert lo <= value <= hi
    n = number(value)
    if n.kind == "rounded":
        assert "\\dagger" in n.latex() and "\\downarrow" in with_decimal(value, "down")


def test_with_decimal() -> None:
    assert with_decimal(Fraction(91, 32)) == "91/32 = 2.84375"
    assert with_decimal(Fraction(1, 3)) == "1/3 \\approx {0.3333333333}^{\\dagger}"
    assert with_decimal(Fraction(2, 3), "up").endswith("{0.6666666667}^{\\uparrow}")
    assert with_decimal(Fraction(2, 3), "down").endswith("{0.6666666666}^{\\downarrow}")


# ---- text and printer -------------------------------------------------------------------

@given(st.text())
def test_escape_gives_ascii(text) -> None:
    assert escape(text).isascii()


def test_escape_specials_and_unicode() -> None:
    assert escape("a_b & 50% {x} ≤ ε") == (
        "a\\_b \\& 50\\% \\{x\\} $\\le$ $\\varepsilon$")


def test_printer_dispatch() -> None:
    assert to_latex(Fraction(91, 32)) == "\\frac{91}{32}"
    assert to_latex(Status.REFUTED) == "\\textbf{refuted}"
    assert to_latex(Verdict(Status.PROVED, "c", engine="z3")) == "\\text{\\textbf{proved} (z3)}"
    K, N, f = sympy.symbols("K N f", positive=True)
    shown, value = filled_in(K**2 * (N - f), {K: Fraction(1, 4), N: Fraction(5), f: Fraction(1)})
    assert shown == "\\left(\\frac{1}{4}\\right)^{2} \\cdot \\left(5 - 1\\right)"
    assert value == Fraction(1, 4)


def test_display_breaks_long_relations() -> None:
    x = sympy.symbols("x_1:40")
    short = display(sympy.Eq(x[0], x[1]))
    assert short.startswith("\\begin{equation*}")
    long = display(sympy.Eq(x[0], sympy.Add(*x[1:])))
    assert long.startswith("\\begin{multline*}") and long.count("\\\\") >= 2


# ---- network document: printed arithmetic is the checker's -----------------------------

@given(st.data())
def test_symbolic_terms_evaluate_to_checker_terms(data) -> None:
    net = data.draw(networks())
    f = data.draw(failure_counts(net, allow_full=False))
    res = fep(net, f)
    syms = fep_symbols(net.depth)
    vals = syms.values(res, res.model.C)
    for expr, term in zip(syms.terms, res.terms, strict=True):
        assert filled_in(expr, vals)[1] == term
    _sum_rows("F", syms, res, res.model.C, res.terms, res.value)  # consistent: no raise


def test_sum_rows_refuses_a_drifted_term() -> None:
    net = load_network(FIGURE1)
    res = fep(net, [1, 0, 1])
    syms = fep_symbols(3)
    wrong = (res.terms[0] + 1,) + res.terms[1:]
    with pytest.raises(RuntimeError, match="term 1"):
        _sum_rows("F", syms, res, res.model.C, wrong, res.value)


def test_network_document_source() -> None:
    net = load_network(FIGURE1)
    res = fep(net, [1, 0, 1])
    src = network_document(net, [1, 0, 1], epsilons=(Fraction(3), Fraction(1, 10)),
                           unavailable="left out for this test.").render()
    assert src.startswith("% Generated by fepproof")
    assert "\\documentclass" in src and src.rstrip().endswith("\\end{document}")
    assert res.value == Fraction(91, 32)
    assert "\\frac{91}{32}" in src and "91/32 = 2.84375" in src
    for t in fep_symbols(3).terms:
        assert to_latex(t) in src
    assert "\\textbf{tolerated}" in src  # 91/32 <= 3 - 1/10
    assert "left out for this test." in src
    frag = network_document(net, [1, 0, 1]).render(standalone=False)
    assert "\\documentclass" not in frag and "\\section*{Forward error" in frag


def test_network_document_value_reading_sound_bound() -> None:
    net = load_network(FIGURE1)
    model = FailureModel.byzantine(2, "value")
    res = fep(net, [1, 0, 1], model)
    src = network_document(net, [1, 0, 1], model).render()
    assert not res.is_bound and res.sound == Fraction(273, 32)
    assert "\\mathrm{Fep}_{\\mathrm{sound}}" in src and "273/32 = 8.53125" in src


def test_synapse_document_terms_match_checker() -> None:
    from fepproof.bounds import synapse_bound
    from fepproof.latex.synapse_doc import synapse_document

    net = load_network(FIGURE1)
    for reading in ("deviation", "value"):
        model = FailureModel.synapse(Fraction(1, 2), reading)
        sb = synapse_bound(net, [1, 0, 1, 1], model)
        src = synapse_document(net, [1, 0, 1, 1], model).render()  # raises on any drift
        assert f"\\textbf{{Bound}} $= {with_decimal(sb.value)}$" in src
        assert with_decimal(sb.as_written) in src


@given(st.data())
def test_synapse_terms_match_checker_on_random_networks(data) -> None:
    from hypothesis import assume

    from fepproof.failures import FailureError
    from fepproof.latex.synapse_doc import synapse_document

    net = data.draw(networks())
    f = data.draw(st.lists(st.integers(0, 2), min_size=net.depth + 1, max_size=net.depth + 1))
    model = FailureModel.synapse(data.draw(st.sampled_from(["1/2", "3"])),
                                 data.draw(st.sampled_from(["deviation", "value"])))
    try:
        synapse_document(net, f, model)  # raises RuntimeError if a printed term drifts
    except FailureError:
        assume(False)


# ---- derivation and proofs documents -------------------------------------------------

@pytest.mark.parametrize("depth", [2, None])
def test_derivation_document_source(depth) -> None:
    from fepproof.latex.derivation_doc import derivation_document
    from fepproof.symbolic import fep_derivation

    d = fep_derivation(depth)
    doc, ok = derivation_document(depth, paths=[ROOT / "proofs"])
    src = doc.render()
    assert to_latex(d.recurrence) in src
    for label, expr in d.model:
        assert to_latex(expr) in src and escape(label) in src
    for step in d.steps:
        assert escape(step.rule) in src
    assert d.obligation_id.replace("_", "\\_") in src
    assert ok and "result: \\textbf{proved}" in src


def test_derivation_obligation_missing(tmp_path) -> None:
    from fepproof.latex.derivation_doc import derivation_document

    doc, ok = derivation_document(2, paths=[demo_proofs(tmp_path)])
    assert not ok and "not found in" in doc.render()


def test_proofs_document_source(tmp_path) -> None:
    from fepproof.latex.proofs_doc import proofs_document

    doc, ok = proofs_document([demo_proofs(tmp_path)])
    src = doc.render()
    assert ok
    assert "x + x = 3 x as printed on page 4" in src  # erratum as written
    assert "2 x = 3 x" in src  # ... as the sympy object
    assert "the residual -x is non-zero at x = 17" in src  # evidence text
    assert "residual\\_at\\_point: $-17$" in src  # the verdict's evidence
    assert "Corrected statement} (\\texttt{demo.fixed})" in src
    assert "Proof status: \\textbf{proved}" in src
    assert "2 x + 1 \\geq 2 x" in src or "2 x \\leq 2 x + 1" in src


def test_cli_strict_exit_code(tmp_path) -> None:
    d = demo_proofs(tmp_path, WRONG_EXPECTATION)
    assert run("latex", "--proofs", str(d), "-o", str(tmp_path / "a.tex"))[0] == 0
    assert run("latex", "--proofs", str(d), "--strict", "-o", str(tmp_path / "b.tex"))[0] == 1


# ---- CLI -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--network", str(FIGURE1)], "--failures: required"),
    (["--network", str(FIGURE1), "--failures", "1,0"], "--failures"),
    (["--network", str(FIGURE1), "--failures", "1,0,1", "--pdf"], "--pdf: needs -o"),
    (["--derivation", "fep", "--depth", "0"], "--depth"),
    (["--derivation", "fep", "--depth", "x"], "--depth"),
    (["--proofs", "/nonexistent/proofs"], "--proofs"),
    (["--derivation", "fep", "--fragment", "--pdf", "-o", "x.tex"], "--fragment"),
])
def test_cli_usage_errors(argv, message) -> None:
    code, out, err = run("latex", *argv)
    assert code == 2 and message in err and err.count("\n") == 1 and out == ""


def test_cli_stdout_and_file(tmp_path) -> None:
    code, out, _ = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1", "--no-verify")
    assert code == 0 and "\\frac{91}{32}" in out and "not requested (-{}-no-verify)" in out
    target = tmp_path / "fig.tex"
    code, out, _ = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1",
                       "--no-verify", "--fragment", "-o", str(target))
    assert code == 0 and out == f"wrote {target}\n"
    assert "\\documentclass" not in target.read_text()


def test_cli_pdf_says_plainly_when_no_tex(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    target = tmp_path / "fig.tex"
    code, _, err = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1",
                       "--no-verify", "-o", str(target), "--pdf")
    assert code == 2 and "no TeX system is installed" in err and "wrote" in err
    assert target.exists() and not target.with_suffix(".pdf").exists()
    assert os.environ["PATH"] == str(tmp_path / "empty")


def test_statements_print_as_mathematics():
    from fepproof.latex.mathtext import math_text
    out = math_text("w_m^(l) (f_(l-1) C + (N_(l-1) - f_(l-1)) delta_(l-1)) <= eps - eps', "
                    "K^(L-l) lambda_(L+1). bounds.max_dominated_fep 50% {x}")
    assert "$w_{m}^{(l)}$" in out and "$f_{l - 1}$" in out and "$\\delta_{l - 1}$" in out
    assert "$\\le$" in out and "$\\varepsilon'$" in out and "$K^{L - l}$" in out
    assert "$\\lambda_{L + 1}$" in out
    assert "max\\_dominated\\_fep" in out and "50\\%" in out and "\\{x\\}" in out
    assert out.count("$") % 2 == 0


def test_printer_writes_paper_indices():
    from fepproof.latex.printer import to_latex
    from fepproof.symbolic.notation import K, L, lam, w
    assert to_latex(w[L + 1]) == "w_{m}^{(L + 1)}"
    assert to_latex(lam[1]) == "\\lambda_{1}"
    assert "K K" not in to_latex(sympy.powsimp(K * K ** L))


def test_box_is_typeset_as_a_product_of_intervals() -> None:
    from fepproof.latex.network_doc import box_latex, text_latex
    F = Fraction
    assert box_latex([(F(0), F(1)), (F(-1, 3), F(2))], "box.csv") == \
        "Input box: $X \\in [0, 1] \\times [-1/3, 2]$ (given by \\texttt{box.csv})."
    many = box_latex([(F(0), F(i)) for i in range(1, 10)], "default")
    assert "\\times \\cdots \\times [0, 9]$ (9 intervals, the default box" in many
    assert text_latex("(--no-verify) 1–2") == "(-{}-no-verify) 1--2"


def test_network_engine_timeout_and_progress(tmp_path) -> None:
    target = tmp_path / "n.tex"
    code, out, err = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1",
                         "--engine", "numeric", "--timeout", "300", "-o", str(target))
    assert code == 0 and out == f"wrote {target}\n"
    assert "fepproof latex: verifying the worst case: engine numeric, timeout 300 s" in err
    assert "fepproof latex: numeric engine: proved, bracket [" in err
    source = target.read_text()
    assert "Claim checked by the numeric engine" in source and "(timeout 300\\,s)" in source
    code, out, err = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1",
                         "--no-verify", "--quiet")
    assert code == 0 and err == ""
    for argv in (["--proofs", "--engine", "z3"], ["--derivation", "fep", "--no-verify"]):
        code, _, err = run("latex", *argv)
        assert code == 2 and "only with --network" in err
    code, _, err = run("latex", "--network", str(FIGURE1), "--failures", "1,0,1",
                       "--timeout", "5", "--verify-timeout", "6")
    assert code == 2 and "not both" in err
    code, out, _ = run("latex", "--help")
    assert ".onnx" in out and "--engine" in out
