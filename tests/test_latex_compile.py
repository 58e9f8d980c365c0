"""Every kind of generated document compiled with ``pdflatex -halt-on-error`` and read back
with pdftotext: the numbers in the PDF are the computed ones.

Without TeX these tests skip with the reason; under CI=true a missing TeX is a failure."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.bounds import fep, tolerance
from fepproof.cli.main import main
from fepproof.latex.network_doc import network_document
from fepproof.latex.numfmt import number
from fepproof.netio import load_network
from fepproof.network import network_from_dict
from tests.netgen import failure_counts, networks
from tests.test_latex import demo_proofs

ROOT = Path(__file__).resolve().parents[1]
FIGURE1 = ROOT / "cases" / "figure1.json"
XOR = ROOT / "cases" / "xor.json"


@pytest.fixture(scope="module")
def tex() -> None:
    missing = [t for t in ("pdflatex", "pdftotext") if shutil.which(t) is None]
    if not missing:
        return
    why = (f"{' and '.join(missing)} not installed (Debian: texlive-latex-base "
           "texlive-latex-recommended texlive-fonts-recommended poppler-utils)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs TeX for the LaTeX compile tests: {why}")
    pytest.skip(f"no TeX: {why}")


def compile_text(source: str, where: Path, name: str = "doc") -> str:
    """pdflatex -halt-on-error the source, return the PDF's text (whitespace collapsed)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / f"{name}.tex").write_text(source, encoding="utf-8")
    proc = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode",
                           f"{name}.tex"], cwd=where, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return pdf_text(where / f"{name}.pdf")


def pdf_text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.replace("\u2212", "-").split())


def nearest10(q: Fraction) -> str:
    """Independent of fepproof: Decimal's rounding to 10 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 10
        d = +(Decimal(q.numerator) / Decimal(q.denominator))
    return format(d.normalize(), "f")


def test_network_document_figure1(tex, tmp_path) -> None:
    net = load_network(FIGURE1)
    res = fep(net, [1, 0, 1])
    text = compile_text(network_document(net, [1, 0, 1], epsilons=(Fraction(2), Fraction(1, 2)),
                                         unavailable="not requested.").render(), tmp_path)
    assert "Fep = 91/32 = 2.84375." in text
    for t in res.terms:  # each term's value, in the document's own form
        assert number(t).text in text or str(t.numerator) in text
    # Theorem 3: 91/32 > 2 - 1/2 = 3/2 in both readings
    t = tolerance(net, [1, 0, 1], None, 2, Fraction(1, 2))
    assert not t.tolerated and "91/32 > 3/2" in text and "not tolerated" in text


def test_network_document_rounded_numbers(tex, tmp_path) -> None:
    third = "1234567/3000001"
    net = network_from_dict({
        "name": "long_fractions", "activation": {"name": "sigmoid", "K": "1/3"},
        "layers": [{"weights": [[third, "1/7"], ["2/9", third]], "bias": [0, 0]},
                   {"weights": [[third, "1/11"], ["1/13", third]], "bias": [0, 0]}],
        "output": {"weights": ["5/17", third], "bias": 0}})
    res = fep(net, [1, 1])
    assert number(res.value).kind == "rounded"
    text = compile_text(network_document(net, [1, 1]).render(), tmp_path)
    assert re.search(rf"Fep = {re.escape(nearest10(res.value))}\s*†\s*\.", text)
    assert "rounded to nearest (ties to even) at 10 significant digits" in text


@settings(max_examples=4)
@given(st.data())
def test_random_networks_compile(tex, tmp_path_factory, data) -> None:
    net = data.draw(networks())
    f = data.draw(failure_counts(net, allow_full=False))
    res = fep(net, f)
    text = compile_text(network_document(net, f).render(), tmp_path_factory.mktemp("rand"))
    shown = number(res.value)
    value = shown.text if shown.exact else nearest10(res.value)
    assert re.search(rf"Fep = {re.escape(value)}", text)


def test_network_document_byzantine_value_reading(tex, tmp_path) -> None:
    code = main(["latex", "--network", str(FIGURE1), "--failures", "1,0,1", "--model",
                 "byzantine", "--capacity", "2", "--capacity-reading", "value", "--no-verify",
                 "-o", str(tmp_path / "byz.tex"), "--pdf"], out=io.StringIO(),
                err=io.StringIO())
    assert code == 0
    text = pdf_text(tmp_path / "byz.pdf")
    assert "Fep = 91/16 = 5.6875." in text and "Sound bound = 273/32 = 8.53125." in text


def test_network_document_verified_bracket(tex, tmp_path) -> None:
    smt = pytest.importorskip("fepproof.smt", reason="the z3 verify engine is not installed")
    seen = []

    def verifier(problem):
        seen.append(smt.verify_z3(problem))
        return seen[-1]

    net = load_network(XOR)
    doc = network_document(net, [1], verifier=verifier, timeout=20)
    text = compile_text(doc.render(), tmp_path)
    vr = seen[0]
    assert "Verified worst case" in text and f"Verdict: {vr.verdict.value}" in text
    if vr.lower is not None:
        assert "lower (replayed witness)" in text and "Witness" in text
        for x in vr.witness.input:
            assert number(x).text in text
    if vr.upper is not None:
        assert "upper (sound proof)" in text


def test_synapse_document(tex, tmp_path) -> None:
    from fepproof.bounds import synapse_bound
    from fepproof.failures import FailureModel

    out = tmp_path / "syn.tex"
    code = main(["latex", "--network", str(FIGURE1), "--failures", "1,0,1,1", "--model",
                 "synapse", "--capacity", "1/2", "--capacity-reading", "value", "--epsilon",
                 "3", "--epsilon-prime", "1", "-o", str(out), "--pdf"], out=io.StringIO(),
                err=io.StringIO())
    assert code == 0
    sb = synapse_bound(load_network(FIGURE1), [1, 0, 1, 1],
                       FailureModel.synapse(Fraction(1, 2), "value"))
    assert sb.value == Fraction(109, 32)
    text = pdf_text(out.with_suffix(".pdf"))
    assert "Bound = 109/32 = 3.40625." in text and "not tolerated" in text  # > 3 - 1
    assert f"Theorem 4 as printed = {number(sb.as_written).text}" in text


def test_fragment_inputs_into_a_document(tex, tmp_path) -> None:
    frag = tmp_path / "fep-fragment.tex"
    code = main(["latex", "--network", str(FIGURE1), "--failures", "1,0,1", "--no-verify",
                 "--fragment", "-o", str(frag)], out=io.StringIO(), err=io.StringIO())
    assert code == 0
    wrapper = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb,booktabs,longtable}\n"
               "\\begin{document}\nMy thesis.\n\\input{fep-fragment.tex}\n\\end{document}\n")
    text = compile_text(wrapper, tmp_path, "thesis")
    assert "My thesis." in text and "Fep = 91/32 = 2.84375." in text


@pytest.mark.parametrize("depth", ["2", "L"])
def test_derivation_documents(tex, tmp_path, depth) -> None:
    out = tmp_path / f"derivation-{depth}.tex"
    code = main(["latex", "--derivation", "fep", "--depth", depth, "-o", str(out), "--pdf",
                 "--strict"], out=io.StringIO(), err=io.StringIO())
    assert code == 0
    text = pdf_text(out.with_suffix(".pdf"))
    ob = "theorem2.closed_form_L1to12" if depth == "2" else "theorem2.induction_step"
    assert f"Obligation {ob}" in text and "result: proved" in text
    assert ("Unrolling for depth L = 2" if depth == "2" else "Induction step") in text


def test_proofs_document(tex, tmp_path) -> None:
    out = tmp_path / "proofs.tex"
    code = main(["latex", "--proofs", str(demo_proofs(tmp_path)), "-o", str(out), "--pdf",
                 "--strict"], out=io.StringIO(), err=io.StringIO())
    assert code == 0
    text = pdf_text(out.with_suffix(".pdf"))
    assert "2 obligations" in text and "2 ended as expected" in text
    assert "x + x = 3 x as printed on page 4" in text
    assert re.search(r"residual_at_point: -17", text)
    assert "Corrected statement (demo.fixed)" in text and "Proof status: proved" in text


@pytest.mark.slow
def test_repository_proofs_document(tex, tmp_path) -> None:
    out = tmp_path / "all.tex"
    code = main(["latex", "--proofs", str(ROOT / "proofs"), "-o", str(out), "--pdf"],
                out=io.StringIO(), err=io.StringIO())
    assert code == 0 and "Errata of the paper" in pdf_text(out.with_suffix(".pdf"))
