"""Proof certificates: written for proved verdicts, re-validated by the independent checker,
and rejected whenever they do not establish a true claim."""

from __future__ import annotations

import ast
import copy
import gzip
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fepproof.bounds import fep
from fepproof.certificate import (
    CertificateUnreadable,
    check_certificate,
    check_document,
    make_claim,
    read_certificate,
)
from fepproof.certificate.produce import CertificateRefused, certificate_for
from fepproof.certificate.rigor import (
    Sigmoid,
    down,
    frac_interval,
    mul_interval,
    sum_down,
    sum_up,
    up,
)
from fepproof.failures import FailureModel
from fepproof.formats import save_network
from fepproof.numeric.bab import BabOptions
from fepproof.numeric.engine_bab import verify_bab
from fepproof.verify_api import VerifyProblem
from tests.netgen import networks
from tests.test_bab import _grid, brute

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "fepproof" / "certificate"
MODELS = [FailureModel.crash(), FailureModel.byzantine("1/2"),
          FailureModel.byzantine("1", "value"), FailureModel.stuck_at("1/4")]
WORK = BabOptions(jobs=1, max_bounds=400, attack_every=2)


def _small(net) -> bool:
    return net.input_dim <= 2 and max(net.widths) <= 3 and net.depth <= 2


def _counts(net, data):
    return tuple(data.draw(st.integers(0, min(n, 2))) for n in net.widths)


def _sampled_worst(net, f, model) -> float:
    return brute(net, f, model, _grid(net, n=7))


def _claim(path, net, f, model, bound, output=None):
    return make_claim(path, model, list(f), list(net.input_domain), output, Fraction(bound))


# ---- the checker's arithmetic rounds outward -----------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.floats(-1e3, 1e3), st.floats(0, 1e3))
def test_interval_products_enclose_the_exact_product(a, b, c, w):
    _check_product(a, b, c, w)


def _check_product(a, b, c, w):
    lo, hi = mul_interval(np.float64(a), np.float64(b if b >= a else a), np.float64(c),
                          np.float64(c + w))
    A, B, Cc, D = (Fraction(v) for v in (a, max(a, b), c, c + w))
    exact = [A * Cc, A * D, B * Cc, B * D]
    assert Fraction(float(lo)) <= min(exact) and max(exact) <= Fraction(float(hi))


def test_rounding_to_nearest_instead_of_outward_is_caught(monkeypatch):
    """The checker's rounding mutated to round to nearest (up and down the identity):
    the product and exact-number checks above fail on it."""
    from fepproof.certificate import rigor
    monkeypatch.setattr(rigor, "up", lambda x: x)
    monkeypatch.setattr(rigor, "down", lambda x: x)
    with pytest.raises(AssertionError):
        _check_product(0.1, 0.1, 0.3, 0.0)  # 0.1 * 0.3 is not a float
    lo, hi = rigor.frac_interval(Fraction(1, 3))
    assert not Fraction(lo) <= Fraction(1, 3) <= Fraction(hi)
    monkeypatch.undo()
    _check_product(0.1, 0.1, 0.3, 0.0)


_EDGES = [0.0, -0.0, 5e-324, 1e-323, 2.0 ** -1022, 2.0 ** -1022 - 5e-324, 2.0 ** -970,
          2.0 ** -971 * 3, 1.0, 1.0 + 2.0 ** -52, 2.0 - 2.0 ** -52, 2.0 ** 52, 2.0 ** 1023,
          1.7976931348623157e308, np.inf, 0.1, 1 / 3]


def _steps_ok(x: np.ndarray) -> None:
    """up(x) and down(x) are at least one float away from x (sound), at most two (tight)."""
    with np.errstate(all="ignore"):
        u, d = up(x), down(x)
    assert np.all(u >= np.nextafter(x, np.inf)) and np.all(d <= np.nextafter(x, -np.inf))
    fin = np.abs(x) < 1e308
    two_up, two_down = (np.nextafter(np.nextafter(x, v), v) for v in (np.inf, -np.inf))
    assert np.all(u[fin] <= two_up[fin]) and np.all(d[fin] >= two_down[fin])


def test_outward_steps_pass_the_next_float_at_the_edges():
    x = np.array(_EDGES + [-v for v in _EDGES])
    _steps_ok(x)
    _steps_ok(np.nextafter(x, np.inf))
    _steps_ok(np.nextafter(x, -np.inf))
    assert np.isnan(up(np.nan)) and np.isnan(down(np.nan))
    assert -np.inf < up(-np.inf) <= -1e308 and 1e308 <= down(np.inf) < np.inf


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=20))
def test_outward_steps_pass_the_next_float(xs):
    _steps_ok(np.array(xs))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e10, 1e10), min_size=1, max_size=60))
def test_rigorous_sums_enclose_the_exact_sum(xs):
    t = np.array(xs)[None, :]
    exact = sum(Fraction(v) for v in xs)
    assert Fraction(float(sum_down(t)[0])) <= exact <= Fraction(float(sum_up(t)[0]))


def test_sum_bound_covers_a_sum_that_rounds_down():
    t = np.array([[1.0, 2.0 ** -53, 2.0 ** -53]])  # fl: 1.0, exact 1 + 2^-52
    assert Fraction(float(sum_up(t)[0])) >= 1 + Fraction(1, 2 ** 52)


@settings(max_examples=150, deadline=None)
@given(st.fractions(min_value=-10 ** 6, max_value=10 ** 6, max_denominator=10 ** 9))
def test_exact_numbers_are_enclosed(q):
    lo, hi = frac_interval(q)
    assert Fraction(lo) <= q <= Fraction(hi)


@settings(max_examples=150, deadline=None)
@given(st.floats(-60, 60), st.floats(-8, 8), st.floats(0, 4), st.floats(-2, 2),
       st.floats(0, 2), st.integers(-30, 0))
def test_sigmoid_enclosures_hold_in_high_precision(x, slo, sw, dlo, dw, scale):
    sig = Sigmoid(Fraction(1))
    with mpmath.workdps(80):
        _check_sigmoid_enclosures(sig, x, slo, sw, dlo, dw, scale)


def _check_sigmoid_enclosures(sig, x, slo, sw, dlo, dw, scale):

    def phi(v):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(v)))

    lo, hi = (float(v) for v in sig.phi(x))
    assert lo <= phi(x) <= hi
    d0, d1 = dlo * 10.0 ** scale, (dlo + dw) * 10.0 ** scale
    elo, ehi = (float(v) for v in sig.diff_range(slo, slo + sw, d0, d1))
    rng = np.random.default_rng(0)
    for s in np.concatenate([[slo, slo + sw, -d1 / 2], rng.uniform(slo, slo + sw, 8)]):
        if not slo <= s <= slo + sw:
            continue
        for d in (d0, d1, 0.5 * (d0 + d1)):
            S, D = mpmath.mpf(s), mpmath.mpf(d)  # phi(s + d) - phi(s) without cancellation
            g = -mpmath.exp(-S) * mpmath.expm1(-D) / ((1 + mpmath.exp(-S - D))
                                                       * (1 + mpmath.exp(-S)))
            assert elo <= g <= ehi



@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3), st.floats(0, 1e3)),
                min_size=1, max_size=20), st.integers(-330, 0), st.integers(-330, 0))
def test_dot_range_encloses_the_exact_range(terms, sa, sx):
    """sum_j A_j x_j over a box, with products that cancel, round or underflow."""
    from fepproof.certificate.rigor import dot_range
    A = np.array([t[0] for t in terms]) * 10.0 ** sa
    xlo = np.array([t[1] for t in terms]) * 10.0 ** sx
    xhi = xlo + np.array([t[2] for t in terms]) * 10.0 ** sx
    lo, hi = dot_range(A, xlo, xhi)
    exact = [min(Fraction(a) * Fraction(p), Fraction(a) * Fraction(q))
             for a, p, q in zip(A, xlo, xhi)]
    top = [max(Fraction(a) * Fraction(p), Fraction(a) * Fraction(q))
           for a, p, q in zip(A, xlo, xhi)]
    assert Fraction(float(lo)) <= sum(exact) and sum(top) <= Fraction(float(hi))


def _hard_arguments(seed: int) -> np.ndarray:
    """Floats where exp's table, Taylor and range ends meet, and random ones of every size."""
    rng = np.random.default_rng(seed)
    pts = [0.0, -0.0, 2.0 ** -9, -2.0 ** -9, 5e-324, -5e-324, 709.5, -745.5, 709.78, -745.2,
           np.inf, -np.inf, 800.0, -800.0]
    grid = np.arange(-745, 709) + rng.integers(0, 256, 1454) / 256
    pts += [float(v) for g in grid[rng.integers(0, 1454, 60)] for v in
            (np.nextafter(g, -np.inf), g, np.nextafter(g, np.inf))]
    pts += list(rng.uniform(-750, 712, 200)) + list(rng.choice([-1, 1], 200)
                                                    * 10.0 ** rng.uniform(-320, 2.9, 200))
    return np.array(pts)


@pytest.mark.parametrize("seed", range(3))
def test_vector_exp_and_expm1_enclose_the_exact_values(seed):
    """The table-and-Taylor exp (and expm1 with its relative accuracy near 0) enclose the
    60-digit value at the hard arguments, within a few ulps where the value is normal."""
    from fepproof.certificate.rigor import exp_enclosure, expm1_enclosure
    x = _hard_arguments(seed)
    elo, ehi = exp_enclosure(x)
    mlo, mhi = expm1_enclosure(x)
    with mpmath.workdps(60):
        for v, a, b, c, d in zip(x, elo, ehi, mlo, mhi, strict=True):
            e = mpmath.exp(v) if np.isfinite(v) else (mpmath.inf if v > 0 else 0)
            assert a <= e <= b, (v, a, b)
            m = mpmath.expm1(v) if np.isfinite(v) else (mpmath.inf if v > 0 else -1)
            assert c <= m <= d, (v, c, d)
            if 1e-300 < e < 1e300:
                assert b - a <= 1e-14 * e
            if 1e-300 < abs(m) < 1e300 and abs(v) <= 2.0 ** -9:
                assert d - c <= 1e-14 * abs(m)
    lo, hi = exp_enclosure(np.array([np.nan]))
    assert lo[0] == 0 and hi[0] == np.inf



def test_taylor_enclosures_cover_the_series_and_horners_rounding():
    """exp(r) and expm1(r) / r on |r| <= 2^-9 lie within the padded Horner value (the
    table's own rounding is not counted here: this is the polynomial's part alone)."""
    from fepproof.certificate.rigor import _EXP_C, _M1_C, _poly
    rng = np.random.default_rng(3)
    r = np.concatenate([[2.0 ** -9, -2.0 ** -9, 5e-324, 1e-200],
                        rng.uniform(-2.0 ** -9, 2.0 ** -9, 400)])
    (elo, ehi), (mlo, mhi) = _poly(r, _EXP_C), _poly(r, _M1_C)
    with mpmath.workdps(60):
        for v, a, b, c, d in zip(r, elo, ehi, mlo, mhi, strict=True):
            assert a <= mpmath.exp(v) <= b
            assert c <= mpmath.expm1(v) / v <= d

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 300), st.floats(-300, 300)), min_size=1,
                max_size=12), st.integers(-320, 0),
       st.sampled_from([Fraction(1), Fraction(4), Fraction(1, 10), Fraction(7, 3)]))
def test_vector_sigmoid_difference_encloses_the_exact_value(pairs, scale, t):
    """phi(s + d) - phi(s), elementwise, for d from tiny (down to subnormal) to large."""
    sig = Sigmoid(t)
    s = np.array([p[0] for p in pairs])
    d = np.array([p[1] for p in pairs]) * 10.0 ** scale
    lo, hi = sig.diff(s, d)
    plo, phi_ = sig.phi(s)
    T = mpmath.mpf(t.numerator) / t.denominator
    with mpmath.workdps(80):
        for i in range(len(s)):
            S, D = mpmath.mpf(s[i]), mpmath.mpf(d[i])
            g = (-mpmath.exp(-T * S) * mpmath.expm1(-T * D)  # no cancellation
                 / ((1 + mpmath.exp(-T * (S + D))) * (1 + mpmath.exp(-T * S))))
            assert lo[i] <= g <= hi[i], (s[i], d[i], lo[i], hi[i])
            assert plo[i] <= 1 / (1 + mpmath.exp(-T * S)) <= phi_[i]
            if abs(g) > 1e-290:
                assert hi[i] - lo[i] <= 1e-10 * abs(g) + 1e-15


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-40, 40), st.floats(0, 30)), min_size=1, max_size=16),
       st.sampled_from([Fraction(1), Fraction(4), Fraction(1, 10), Fraction(100)]))
def test_vector_chords_hold_at_their_extremes(pairs, t):
    """Chords computed for many ranges at once hold where phi' = a and at sampled points."""
    from fepproof.certificate.symbolic import _chord
    sig = Sigmoid(t)
    lo = np.array([p[0] for p in pairs])
    hi = lo + np.array([p[1] for p in pairs])
    a, ol, ou = _chord(sig, lo, hi)
    with mpmath.workdps(60):
        for i in range(len(lo)):
            _check_chord(float(a[i]), float(ol[i]), float(ou[i]), float(lo[i]), float(hi[i]),
                         t)


# ---- independence ------------------------------------------------------------------------

def test_checker_imports_nothing_from_the_engines():
    for f in PKG.glob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                assert "numeric" not in mod and "smt" not in mod, f"{f.name}: {mod}"
            elif isinstance(node, ast.Import):
                assert not any("numeric" in a.name or "smt" in a.name for a in node.names)
    code = ("import sys, fepproof.certificate.checker; "
            "print(sorted(m for m in sys.modules if m.startswith(('fepproof.numeric', "
            "'fepproof.smt', 'z3'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.strip()
    assert out == "[]"


def _code_lines(path: Path) -> int:
    """Lines of code: not blank, not comments, not docstrings."""
    src = path.read_text()
    docs: set[int] = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) \
                and ast.get_docstring(node) is not None:
            docs.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    return sum(1 for i, line in enumerate(src.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in docs)


def test_checker_stays_small_enough_to_audit():
    files = [f for f in PKG.glob("*.py") if f.name != "produce.py"]
    assert sum(_code_lines(f) for f in files) < 925
    # docstrings carry the soundness argument: the line count above is the measure
    assert sum(len(f.read_text().splitlines()) for f in files) < 1425


# ---- soundness: an accepted certificate proves a true claim ------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(networks(max_depth=2, max_width=3, max_d=2), st.sampled_from(range(len(MODELS))),
       st.data())
def test_a_bound_below_a_sampled_error_is_never_accepted(tmp_path_factory, net, mi, data):
    model = MODELS[mi]
    f = _counts(net, data)
    worst = _sampled_worst(net, f, model)
    path = tmp_path_factory.mktemp("cert") / "net.json"
    save_network(net, path)
    if worst > 1e-6:
        below = Fraction(worst) * (1 - Fraction(1, 10 ** 6))
        rep = check_document({"claim": _claim(path, net, f, model, below), "tree": [["L"]]},
                             path, max_extra=300)
        assert not rep.valid, rep.message
    above = Fraction(worst) * Fraction(3, 2) + Fraction(1, 10 ** 9)
    rep = check_document({"claim": _claim(path, net, f, model, above), "tree": [["L"]]}, path,
                         max_extra=300)
    if rep.valid:
        assert worst <= float(above)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.describe()[:20])
def test_engine_certificates_are_accepted(tmp_path, model):
    rng = np.random.default_rng(3)
    from tests.test_bab import _issue_net
    net = _issue_net(2, (4, 4), int(rng.integers(0, 100)))
    path = tmp_path / "net.json"
    save_network(net, path)
    f = (1, 1)
    fe = fep(net, f, model).sound
    worst = _sampled_worst(net, f, model)
    bound = Fraction(worst) * Fraction(11, 10) + Fraction(1, 10 ** 6)
    res = verify_bab(VerifyProblem(net, f, model, bound, fe, timeout=300.0), None, WORK)
    assert res.verdict.value == "proved"
    cert = tmp_path / "net.cert"
    certificate_for(res, path, cert)
    rep = check_certificate(path, cert, max_extra=20_000)
    assert rep.valid, rep.message
    assert rep.leaves == sum(1 for n in res.proof_tree if n == ["L"])


def test_unproved_verdicts_and_synapse_models_get_no_certificate(tmp_path):
    from tests.test_bab import _issue_net
    net = _issue_net(2, (3, 3), 1)
    path = tmp_path / "net.json"
    save_network(net, path)
    res = verify_bab(VerifyProblem(net, (1, 1), FailureModel.crash(), Fraction(0),
                                   fep(net, (1, 1)).value, timeout=300.0), None, WORK)
    with pytest.raises(CertificateRefused, match="the verdict is refuted"):
        certificate_for(res, path, tmp_path / "x.cert")
    assert not (tmp_path / "x.cert").exists()


# ---- tampering -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    from tests.test_bab import _issue_net
    d = tmp_path_factory.mktemp("proved")
    net = _issue_net(2, (4, 4), 5)
    path = d / "net.json"
    save_network(net, path)
    model = FailureModel.byzantine("1/2")
    f = (1, 1)
    worst = _sampled_worst(net, f, model)
    bound = Fraction(worst) * Fraction(13, 10)
    res = verify_bab(VerifyProblem(net, f, model, bound, fep(net, f, model).sound,
                                   timeout=300.0), None, BabOptions(jobs=1, max_bounds=3000,
                                                                    attack_every=2))
    cert = d / "net.cert"
    certificate_for(res, path, cert)
    doc = read_certificate(cert)
    assert check_document(doc, path, max_extra=0).valid  # the tree alone proves it
    return net, path, model, f, worst, doc


def test_tampered_claims_and_trees_are_rejected(proved, tmp_path):
    net, path, model, f, worst, doc = proved

    def rejected(mutate, expect=None):
        d = copy.deepcopy(doc)
        mutate(d)
        rep = check_document(d, path, max_extra=0, expect=expect)
        assert not rep.valid
        return rep.message

    assert "leaves left open" in rejected(lambda d: d["tree"].pop())
    assert "after the last leaf" in rejected(lambda d: d["tree"].append(["L"]))
    first_split = next(i for i, n in enumerate(doc["tree"]) if n != ["L"])
    assert "tree node" in rejected(lambda d: d["tree"].__setitem__(first_split, ["f", 9, 0]))
    assert "SHA-256" in rejected(lambda d: d["claim"].__setitem__("network_sha256", "0" * 64))
    below = str(Fraction(worst) * Fraction(999, 1000))
    assert "exceeds the claimed bound" in rejected(
        lambda d: d["claim"].__setitem__("bound", below))
    # a smaller box or fewer failures make a different claim: refused when compared
    assert "input_box" in rejected(lambda d: d["claim"]["input_box"][0].__setitem__(1, "1/2"),
                                   expect={"input_box": doc["claim"]["input_box"]})
    assert "failures" in rejected(lambda d: d["claim"].__setitem__("failures", [1, 0]),
                                  expect={"failures": [1, 1]})
    other = tmp_path / "other.json"
    from tests.test_bab import _issue_net
    save_network(_issue_net(2, (4, 4), 6), other)
    assert not check_document(doc, other, max_extra=0).valid


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_random_mutations_are_rejected_or_still_prove_a_true_claim(proved, data):
    net, path, model, f, worst, doc = proved
    d = copy.deepcopy(doc)
    tree = d["tree"]
    for _ in range(data.draw(st.integers(1, 3))):
        what = data.draw(st.sampled_from(["node", "mid", "index", "drop", "bound", "kind"]))
        i = data.draw(st.integers(0, len(tree) - 1))
        if what == "node":
            tree[i] = data.draw(st.sampled_from([["L"], ["x", 0, 0.5], ["f", 0, 1],
                                                 ["u", 1, 0, 0.0], ["s", 0, 2, -1.0]]))
        elif what == "mid" and len(tree[i]) >= 3 and isinstance(tree[i][-1], float):
            tree[i][-1] = float(np.nextafter(tree[i][-1], data.draw(st.sampled_from(
                [np.inf, -np.inf]))))
        elif what == "index" and len(tree[i]) >= 3:
            tree[i][1] = data.draw(st.integers(-1, 5))
        elif what == "drop":
            del tree[i]
        elif what == "bound":
            d["claim"]["bound"] = str(Fraction(d["claim"]["bound"])
                                      * Fraction(data.draw(st.integers(1, 20)), 10))
        elif what == "kind" and tree[i] != ["L"]:
            tree[i][0] = data.draw(st.sampled_from(["x", "f", "s", "u", "q"]))
        if not tree:
            break
    jobs = data.draw(st.sampled_from([1, 2]))
    rep = check_document(d, path, max_extra=0, jobs=jobs)
    if rep.valid:  # then the claim it states must be true
        assert worst <= float(Fraction(d["claim"]["bound"]))


def test_checking_on_two_processes_gives_the_same_report(proved):
    """Leaves closed on forked workers: the same verdicts, leaves and messages as one
    process, for a valid certificate, a bound below the worst case, a truncated tree, a
    leaf the extra-leaf budget cannot close, and a leaf that fails before a bad node."""
    net, path, model, f, worst, doc = proved
    cases = [copy.deepcopy(doc) for _ in range(5)]
    cases[1]["claim"]["bound"] = str(Fraction(worst) * Fraction(999, 1000))
    cases[2]["tree"].pop()
    cases[3]["claim"]["bound"] = str(Fraction(worst) * Fraction(1001, 1000))
    cases[4]["claim"]["bound"] = cases[1]["claim"]["bound"]  # a low bound and a bad node
    cases[4]["tree"][-1] = ["f", 9, 0]
    for d, extra in zip(cases, (0, 0, 0, 40, 0), strict=True):
        one = check_document(d, path, max_extra=extra, jobs=1)
        two = check_document(d, path, max_extra=extra, jobs=2)
        assert (one.valid, one.leaves) == (two.valid, two.leaves)
        if one.valid:  # (an invalid run may have closed other leaves meanwhile)
            assert one.extra_leaves == two.extra_leaves
        assert one.message == two.message or "extra leaves" in one.message
    assert check_document(cases[0], path, max_extra=0, jobs=2).valid


def test_unreadable_certificates(tmp_path, proved):
    net, path, *_ = proved
    bad = tmp_path / "bad.cert"
    for content in (b"", b"not gzip", gzip.compress(b"{"), gzip.compress(b"[1, 2]"),
                    gzip.compress(json.dumps({"format": "other"}).encode()),
                    gzip.compress(b"[" * 100_000 + b"]" * 100_000)):
        bad.write_bytes(content)
        with pytest.raises(CertificateUnreadable):
            check_certificate(path, bad)


def test_cli_check_certificate(tmp_path, proved):
    from fepproof.cli.main import main
    net, path, model, f, worst, doc = proved
    cert = tmp_path / "c.cert"
    cert.write_bytes(gzip.compress(json.dumps(doc).encode()))
    import io
    out, err = io.StringIO(), io.StringIO()
    assert main(["check-certificate", str(path), str(cert), "--quiet"], out, err) == 0
    assert out.getvalue().startswith("valid")
    d = copy.deepcopy(doc)
    d["claim"]["bound"] = str(Fraction(worst) / 2)
    cert.write_bytes(gzip.compress(json.dumps(d).encode()))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check-certificate", str(path), str(cert), "--quiet", "--max-extra", "0"],
                out, err) == 1
    assert out.getvalue().startswith("INVALID leaf")
    assert len(out.getvalue().splitlines()) == 1
    out, err = io.StringIO(), io.StringIO()
    assert main(["check-certificate", str(path), str(tmp_path / "missing.cert")], out, err) == 2
    assert len(err.getvalue().splitlines()) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(networks(max_depth=3, max_width=4, max_d=2), st.sampled_from(range(len(MODELS))),
       st.data())
def test_checker_closed_form_equals_the_proved_fep(net, mi, data):
    from fepproof.certificate.closed_form import sound_fep
    f = _counts(net, data)
    out = data.draw(st.sampled_from([None] + list(range(net.n_outputs))))
    assert sound_fep(net, MODELS[mi], list(f), out) == fep(net, f, MODELS[mi], out).sound


def test_a_claim_at_exactly_fep_is_accepted_by_the_closed_form(tmp_path):
    from tests.test_bab import _issue_net
    net = _issue_net(2, (3, 3), 2)
    path = tmp_path / "net.json"
    save_network(net, path)
    model = FailureModel.byzantine("1/2")
    exact = fep(net, (0, 1), model).sound
    rep = check_document({"claim": _claim(path, net, (0, 1), model, exact), "tree": [["L"]]},
                         path, max_extra=0)
    assert rep.valid and "closed form" in rep.message
    below = exact - Fraction(1, 10 ** 30)
    rep = check_document({"claim": _claim(path, net, (0, 1), model, below), "tree": [["L"]]},
                         path, max_extra=0)
    assert not rep.valid


def test_verify_writes_a_certificate_that_check_certificate_accepts(tmp_path):
    import io

    from fepproof.cli.main import main
    net = ROOT / "cases" / "figure1.json"
    cert = tmp_path / "f1.cert"

    def run(argv):
        out, err = io.StringIO(), io.StringIO()
        return main(argv, out, err), out.getvalue(), err.getvalue()

    code, out, err = run(["verify", str(net), "--failures", "1,1,1", "--bound", "1.6",
                          "--certificate", str(cert), "--quiet", "--jobs", "1"])
    assert code == 0, out + err
    assert f"wrote     {cert} (proof certificate:" in out
    code, out, _ = run(["check-certificate", str(net), str(cert), "--quiet", "--json"])
    rep = json.loads(out)
    assert code == 0 and rep["valid"] and rep["claim"]["bound"] == "8/5"
    # refuted: nothing is written
    cert.unlink()
    code, out, _ = run(["verify", str(net), "--failures", "1,1,1", "--bound", "1", "--quiet",
                        "--certificate", str(cert), "--jobs", "1"])
    assert code == 1 and "only a proved claim has a certificate" in out
    assert not cert.exists()
    for argv, msg in ((["--engine", "numeric-v1"], "records no proof tree"),
                      (["--model", "synapse", "--capacity", "1", "--failures", "0,0,0,1"],
                       "synapse failures are not certified")):
        base = ["verify", str(net), "--failures", "1,1,1", "--certificate", str(cert)]
        if "--failures" in argv:
            base = base[:2] + base[4:]
        code, _, err = run(base + argv)
        assert code == 2 and msg in err, err


def test_harden_by_verify_writes_the_hardened_networks_certificate(tmp_path):
    import io

    from fepproof.cli.main import main
    out_net = tmp_path / "h.json"
    out, err = io.StringIO(), io.StringIO()
    code = main(["harden", str(ROOT / "cases" / "figure1.json"), "--failures", "1,0,1",
                 "--epsilon", "1", "--epsilon-prime", "1/2", "--by", "verify", "--jobs", "1",
                 "-o", str(out_net)], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    cert = Path(f"{out_net}.cert")
    assert f"proof certificate {cert}" in out.getvalue()
    rep = check_certificate(out_net, cert)
    assert rep.valid and rep.claim["bound"] == "1/2" and rep.claim["failures"] == [1, 0, 1]
    # the certificate names the hardened file's bytes: the original network fails it
    assert not check_certificate(ROOT / "cases" / "figure1.json", cert).valid


def test_check_accepts_a_claim_whose_certificate_is_given(tmp_path):
    import io

    from fepproof.cli.main import main
    net = tmp_path / "net.json"
    net.write_bytes((ROOT / "cases" / "figure1.json").read_bytes())
    cert = tmp_path / "net.cert"

    def run(argv):
        out, err = io.StringIO(), io.StringIO()
        return main(argv, out, err), out.getvalue(), err.getvalue()

    assert run(["verify", str(net), "--failures", "1,1,1", "--bound", "1.6", "--quiet",
                "--jobs", "1", "--certificate", str(cert)])[0] == 0
    spec = tmp_path / "fepproof.toml"
    spec.write_text('[[claim]]\nname = "given"\nnetwork = "net.json"\nfailures = [1, 1, 1]\n'
                    'bound = "1.6"\ncertificate = "net.cert"\n')
    code, out, err = run(["check", str(spec), "--no-cache", "--json"])
    c = json.loads(out)["claims"][0]
    assert code == 0 and c["engine"] == "certificate", out + err
    assert c["evidence"]["certificate_check"].startswith("valid")
    # the same certificate cannot prove a tighter claim: the engine runs instead
    spec.write_text(spec.read_text().replace('"1.6"', '"1.58"'))
    code, out, err = run(["check", str(spec), "--no-cache", "--json"])
    c = json.loads(out)["claims"][0]
    assert c["engine"] != "certificate"
    assert c["evidence"]["given_certificate"].startswith("rejected: claim.bound")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(networks(max_depth=3, max_width=3, max_d=2), st.sampled_from(range(len(MODELS))),
       st.sampled_from([None, ("interval",), ("chords",), ("coupled",)]), st.data())
def test_linear_form_bound_covers_brute_force_on_decided_leaves(net, mi, forms, data):
    """The checker's linear-form bound on a leaf with a fixed failure set is at least the
    sampled error of every point of the leaf (brute force shares no code with it); also
    with one form of the differences alone, so none hides behind another."""
    from fepproof.certificate.bound import FAILED as F_
    from fepproof.certificate.bound import OK as O_
    from fepproof.certificate.bound import Enclosed, LeafState
    from fepproof.certificate.symbolic import FORMS, symbolic_bounds
    model = MODELS[mi]
    status = []
    for n in net.widths:
        k = data.draw(st.integers(0, min(n, 2)))
        chosen = set(data.draw(st.permutations(range(n)))[:k])
        status.append(np.array([F_ if j in chosen else O_ for j in range(n)], dtype=np.int8))
    f = tuple(int((s == F_).sum()) for s in status)
    dom = np.array([[float(a), float(b)] for a, b in net.input_domain])
    t = np.array([data.draw(st.floats(0, 1)) for _ in range(net.input_dim)])
    w = np.array([data.draw(st.sampled_from([1.0, 0.25, 1e-3])) for _ in range(net.input_dim)])
    lo = dom[:, 0] + t * (1 - w) * (dom[:, 1] - dom[:, 0])
    hi = lo + w * (dom[:, 1] - dom[:, 0])
    widths = list(net.widths)
    st_ = LeafState(lo, hi, status, [0] * net.depth, [np.full(n, -np.inf) for n in widths],
                    [np.full(n, np.inf) for n in widths],
                    [np.full(n, -1.0) for n in widths] if model.free_value else None,
                    [np.full(n, 1.0) for n in widths] if model.free_value else None)
    P = Enclosed.make(net, model, None)
    bound = symbolic_bounds(P, [st_], FORMS if forms is None else forms)[0]
    seen = brute(net, f, model, _grid(net, lo, hi, n=5), status=status)
    assert bound >= seen * (1 - 1e-9) - 1e-12, (bound, seen)


@settings(max_examples=150, deadline=None)
@given(st.floats(-30, 30), st.floats(0, 12), st.sampled_from([Fraction(1), Fraction(4),
                                                               Fraction(1, 10)]))
def test_chord_offsets_hold_in_high_precision(l, w, t):
    """phi(s) - a s stays within the chord's offsets at the interior extremes (where
    phi' = a) as well as at sampled points."""
    from fepproof.certificate.symbolic import _chord
    sig = Sigmoid(t)
    u = l + w
    a, ol, ou = (float(v) for v in _chord(sig, l, u))
    with mpmath.workdps(60):
        _check_chord(a, ol, ou, l, u, t)


def _check_chord(a, ol, ou, l, u, t):
    T = mpmath.mpf(t.numerator) / t.denominator

    def phi(z):
        return 1 / (1 + mpmath.exp(-T * z))

    pts = [mpmath.mpf(v) for v in np.linspace(l, u, 9)]
    if 0 < a < float(T) / 4:  # the points where phi' = a
        z = 2 * mpmath.atanh(mpmath.sqrt(1 - 4 * mpmath.mpf(a) / T)) / T
        pts += [c for c in (z, -z) if l <= c <= u]
    for s in pts:
        assert ol <= phi(s) - mpmath.mpf(a) * s <= ou



@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-30, 30), st.floats(0, 20), st.floats(-3, 3),
                          st.floats(0, 3), st.floats(0, 0.3), st.floats(0, 0.3)),
                min_size=1, max_size=8),
       st.integers(-12, 0), st.sampled_from([Fraction(1), Fraction(4), Fraction(1, 10)]))
def test_coupled_offsets_hold_in_high_precision(rows, scale, t):
    """(phi(s + d) - a2 (s + d)) - (phi(s) - a s) stays within the coupled offsets at the
    box's corners, its edges' extremes and sampled points, d down to tiny ranges."""
    from fepproof.certificate.symbolic import _coupled
    sig = Sigmoid(t)
    r = np.array(rows)
    sr = (r[:, 0], r[:, 0] + r[:, 1])
    dr = (r[:, 2] * 10.0 ** scale, (r[:, 2] + r[:, 3]) * 10.0 ** scale)
    a, a2 = r[:, 4], r[:, 5]
    lo, hi = _coupled(sig, sr, dr, a, a2)
    T = mpmath.mpf(t.numerator) / t.denominator
    rng = np.random.default_rng(len(rows))
    with mpmath.workdps(60):
        for i in range(len(r)):
            ss = np.concatenate([[sr[0][i], sr[1][i]], rng.uniform(sr[0][i], sr[1][i], 12)])
            ds = np.concatenate([[dr[0][i], dr[1][i]], rng.uniform(dr[0][i], dr[1][i], 4)])
            for s in ss:
                for d in ds:
                    S, D = mpmath.mpf(s), mpmath.mpf(d)
                    v = (1 / (1 + mpmath.exp(-T * (S + D))) - 1 / (1 + mpmath.exp(-T * S))
                         - mpmath.mpf(a2[i]) * (S + D) + mpmath.mpf(a[i]) * S)
                    assert lo[i] <= v <= hi[i], (s, d, a[i], a2[i], lo[i], hi[i])


def test_a_batch_of_leaves_gets_the_bounds_of_each_leaf_alone(proved):
    """symbolic_bounds and leaf_bounds on many leaves at once: each leaf's bound is the one
    it gets alone (up to the rounding of the batched products, far inside the pads)."""
    from fepproof.certificate.bound import MAYBE, Enclosed, leaf_bounds
    from fepproof.certificate.checker import _claim as claim_of
    from fepproof.certificate.symbolic import symbolic_bounds
    from fepproof.certificate.tree import split
    net, path, model, f, worst, doc = proved
    n, m, root, _, out = claim_of(doc["claim"], path)
    P = Enclosed.make(n, m, out)
    leaves, stack = [], [root]
    for node in doc["tree"]:  # the tree's leaves, in preorder
        st_ = stack.pop()
        if node == ["L"]:
            leaves.append(st_)
        else:
            a, b = split(st_, node)
            stack += [b, a]

    def decided(st_):  # every failure set of the leaf, one leaf each
        for l, s in enumerate(st_.status):
            if st_.free[l] > 0:
                kids = split(st_, ["f", l, int(np.flatnonzero(s == MAYBE)[0])])
                return decided(kids[0]) + decided(kids[1])
        return [st_]
    dec = [s for lf in leaves for s in decided(lf)]
    assert len(dec) >= 8 and len(leaves) >= 2
    for many, one in ((symbolic_bounds(P, dec), [symbolic_bounds(P, [s])[0] for s in dec]),
                      (leaf_bounds(P, leaves + dec),
                       [leaf_bounds(P, [s])[0] for s in leaves + dec])):
        assert np.allclose(many, one, rtol=1e-12, atol=0)


def test_a_closed_form_claim_still_needs_a_well_formed_tree(tmp_path):
    net = ROOT / "cases" / "figure1.json"
    from fepproof.formats import load_network
    n = load_network(net)
    claim = _claim(net, n, (1, 0, 1), FailureModel.crash(), 3)  # Fep = 91/32 <= 3
    assert check_document({"claim": claim, "tree": [["L"]]}, net).valid
    for tree in ([["L"], ["L"]], [["x", 0, 0.5], ["L"]], [["f", 1, 0], ["L"], ["L"]]):
        assert not check_document({"claim": claim, "tree": tree}, net).valid, tree


def test_a_node_closed_whole_still_has_its_subtree_checked_for_form(proved):
    """A loose claim closes near the root (no leaf below is bounded), but a corrupted
    node deep in the tree is still found, and a bound below the worst case is not
    closed anywhere."""
    net, path, model, f, worst, doc = proved
    fe = fep(net, f, model).sound
    loose = copy.deepcopy(doc)
    loose["claim"]["bound"] = str(min(Fraction(worst) * 2, fe * Fraction(99, 100)))
    assert Fraction(loose["claim"]["bound"]) < fe  # not the closed form
    rep = check_document(loose, path, max_extra=0)
    assert rep.valid and rep.leaves == sum(1 for n in doc["tree"] if n == ["L"])
    bad = copy.deepcopy(loose)
    last = max(i for i, n in enumerate(bad["tree"]) if n != ["L"])  # the deepest last split
    bad["tree"][last] = ["x", 7, 0.5]
    assert "tree node" in check_document(bad, path, max_extra=0).message


def test_a_decided_node_is_closed_whole_only_below_the_claim(tmp_path):
    """One neuron, which the crash of one neuron decides at the root: the root is tried
    whole with the linear forms.  A claim below the worst case 3 sigma(2) ~ 2.642 (at
    x = 1) is rejected, one above it accepted."""
    from fepproof.network import network_from_dict
    net = network_from_dict({
        "name": "one", "activation": {"name": "sigmoid", "K": "1/4"},
        "layers": [{"weights": [[4]], "bias": [-2]}], "output": {"weights": [[3]], "bias": [0]},
        "input_domain": [[0, 1]]})
    path = tmp_path / "one.json"
    save_network(net, path)
    model = FailureModel.crash()
    tree = [["x", 0, 0.5], ["L"], ["L"]]
    assert fep(net, (1,), model).sound > Fraction(27, 10)  # not the closed form
    for bound, valid in ((Fraction(5, 2), False), (Fraction(27, 10), True)):
        rep = check_document({"claim": _claim(path, net, (1,), model, bound), "tree": tree},
                             path, max_extra=0)
        assert rep.valid is valid, rep.message
