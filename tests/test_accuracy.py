"""Decision claims and certified accuracy (fepproof.classify, ``fepproof accuracy``).

Budgeted by work (points, sets, examples), never by seconds."""

from __future__ import annotations

import io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.classify import DataError, accuracy_report, load_dataset
from fepproof.classify.decision import replay_decision
from fepproof.classify.intervals import RigorNet, n_sets, set_of_index
from fepproof.cli.main import main
from fepproof.failures import FailureModel
from fepproof.network import Activation, Layer, Network
from fepproof.replay import replay
from fepproof.simulate import failed_outputs, forward
from fepproof.verdict import Witness

SAFETY = 300.0  # seconds per point: a safety net only; the verdicts are decided by work

ROOT = Path(__file__).resolve().parent.parent
DIGITS = ROOT / "cases" / "digits"


def make_net(seed: int, d: int = 3, widths=(4, 3), M: int = 3, act: str = "sigmoid",
             scale: int = 3) -> Network:
    rng = np.random.default_rng(seed)

    def q(v: float) -> Fraction:
        return Fraction(round(v * 8), 8)

    layers, n = [], d
    for w in widths:
        layers.append(Layer(tuple(tuple(q(scale * rng.normal()) for _ in range(n))
                                  for _ in range(w)),
                            tuple(q(rng.normal()) for _ in range(w))))
        n = w
    out = Layer(tuple(tuple(q(scale * rng.normal()) for _ in range(n)) for _ in range(M)),
                tuple(q(rng.normal()) for _ in range(M)))
    K = Fraction(1, 4) if act == "sigmoid" else Fraction(1)
    return Network(tuple(layers), out, Activation(act, K), (), f"rand{seed}")


def make_data(net: Network, n: int, seed: int, noise: float = 0.2):
    rng = np.random.default_rng(seed + 1000)
    X = rng.random((n, net.input_dim))
    y = forward(net, X)[1].argmax(axis=1)
    flip = rng.random(n) < noise
    y[flip] = rng.integers(0, net.n_outputs, flip.sum())
    return X, y


def ordered(rep, exact: bool = True) -> None:
    lo, hi = rep.worst_fixed
    assert rep.certified <= lo + 1e-12 <= hi + 2e-12
    assert hi <= rep.random_min + 1e-12 <= rep.random_mean + 2e-12
    assert sum(rep.counts.values()) == rep.n == len(rep.points)
    assert rep.certified == rep.counts["proved"] / rep.n
    if exact:
        assert rep.worst_fixed_exhaustive


def all_sets(net: Network, failures):
    return list(itertools.product(*[itertools.combinations(range(n), f)
                                    for n, f in zip(net.widths, failures, strict=True)]))


def mp_argmax_changes(net, x, failed, model, c) -> bool | None:
    """True: some output beats c (mpmath, 60 digits); False: c strictly wins; None: tie."""
    box = tuple((Fraction(float(v)), Fraction(float(v))) for v in x)
    import dataclasses
    rep = replay(dataclasses.replace(net, input_domain=box),
                 Witness.make([float(v) for v in x], failed), model, dps=60)
    out = list(rep.failed)
    gaps = [out[k] - out[c] for k in range(len(out)) if k != c]
    eps = mpmath.mpf(10) ** -40
    if max(gaps) > eps:
        return True
    if max(gaps) < -eps:
        return False
    return None


# ---- the order of the four numbers --------------------------------------------------------
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), act=st.sampled_from(["sigmoid", "tanh"]),
       f1=st.integers(0, 2), f2=st.integers(0, 2),
       kind=st.sampled_from(["crash", "stuck-at"]))
def test_numbers_are_ordered_fixed_value_models(seed, act, f1, f2, kind) -> None:
    net = make_net(seed, act=act)
    X, y = make_data(net, 12, seed)
    model = FailureModel.crash() if kind == "crash" else FailureModel.stuck_at(
        Fraction(1) if act == "sigmoid" else Fraction(-1))
    rep = accuracy_report(net, X, y, (f1, min(f2, 3)), model, samples=20, seed=seed)
    ordered(rep)
    assert rep.counts["unknown"] == 0
    assert rep.clean == np.mean(forward(net, X)[1].argmax(1) == y)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10**6), act=st.sampled_from(["sigmoid", "tanh"]))
def test_numbers_are_ordered_byzantine(seed, act) -> None:
    net = make_net(seed, act=act, widths=(3, 3))
    X, y = make_data(net, 8, seed)
    rep = accuracy_report(net, X, y, (1, 0), FailureModel.byzantine("1/4"), samples=20,
                          seed=seed, point_timeout=SAFETY)
    ordered(rep, exact=False)


# ---- crash verdicts against brute force in mpmath --------------------------------------
# seeds whose points get both verdicts (proved and refuted)
MIXED = [(5, "sigmoid", (1, 1)), (14, "tanh", (1, 1)), (34, "sigmoid", (2, 0)),
         (16, "tanh", (0, 2)), (35, "sigmoid", (1, 2))]


@pytest.mark.parametrize("seed,act,failures", MIXED)
def test_crash_verdicts_equal_mpmath_enumeration(seed, act, failures) -> None:
    net = make_net(seed, act=act, widths=(5, 4), scale=2)
    X, y = make_data(net, 10, seed, noise=0.2)
    model = FailureModel.crash()
    rep = accuracy_report(net, X, y, failures, model, samples=10)
    ordered(rep)
    sets = all_sets(net, failures)
    per_set_ok = np.zeros((len(X), len(sets)), dtype=bool)
    for p in rep.points:
        x = X[p.index]
        changes = [mp_argmax_changes(net, x, s, model, p.label) for s in sets]
        per_set_ok[p.index] = [ch is False for ch in changes]
        if p.verdict == "misclassified":
            assert p.predicted != p.label
            continue
        if p.verdict == "proved":
            assert all(ch is False for ch in changes)
        elif p.verdict == "refuted":
            assert any(ch is True for ch in changes)
        else:
            assert any(ch is None for ch in changes) and not any(changes)
    worst = per_set_ok.sum(axis=0).min() / len(X)
    assert rep.worst_fixed[0] == pytest.approx(worst)
    assert rep.worst_fixed[1] == pytest.approx(worst)


def test_set_enumeration_order() -> None:
    widths, failures = (4, 3, 5), (2, 0, 2)
    listed = all_sets(Network(tuple(Layer(((0,) * n,) * w, (0,) * w) for n, w in
                                    zip((1, 4, 3), widths, strict=True)),
                              Layer(((0,) * 5,), (0,))), failures)
    assert len(listed) == n_sets(widths, failures)
    assert [set_of_index(widths, failures, s) for s in range(len(listed))] == listed


def test_interval_margins_enclose_mpmath() -> None:
    net = make_net(7, act="tanh", widths=(5, 4))
    rn = RigorNet(net)
    X, _ = make_data(net, 3, 7)
    model = FailureModel.crash()
    for x in X:
        mlo, mhi = rn.margins_enumerated(x, x, 0, (1, 1), model)
        for s in range(0, mlo.shape[0], 3):
            failed = set_of_index(net.widths, (1, 1), s)
            balls = rn.arb_margins(x, 0, failed, model)
            for j, b in enumerate(balls):
                assert mlo[s, j] <= float(b.mid()) <= mhi[s, j]
                assert mhi[s, j] - mlo[s, j] < 1e-9


# ---- witnesses -------------------------------------------------------------------------
@pytest.mark.parametrize("kind,limit", [("crash", 200_000), ("byzantine", 200_000),
                                        ("byzantine", 1), ("radius", 200_000),
                                        ("radius", 1)])
def test_every_refuted_witness_replays_with_a_changed_argmax(kind, limit) -> None:
    net = make_net(16, act="tanh", widths=(5, 4), scale=2)
    X, y = make_data(net, 10, 16, noise=0.0)
    model = FailureModel.byzantine(1) if kind == "byzantine" else FailureModel.crash()
    radius = 0.02 if kind == "radius" else 0.0
    rep = accuracy_report(net, X, y, (1, 1), model, radius=radius, samples=10,
                          point_timeout=SAFETY, limit=limit)
    refuted = [p for p in rep.points if p.verdict == "refuted"]
    assert refuted, "the case should have refuted points"
    for p in refuted:
        box = tuple((Fraction(float(v)) - Fraction(radius), Fraction(float(v)) +
                     Fraction(radius)) for v in X[p.index])
        ok, why = replay_decision(net, p.witness, model, p.predicted, box)
        assert ok, why


# ---- Byzantine / radius proofs cannot be broken by sampling ----------------------------
@pytest.mark.parametrize("act,radius", [("sigmoid", 0.0), ("tanh", 0.0), ("sigmoid", 0.02)])
def test_proved_points_cannot_be_broken_by_sampling(act, radius) -> None:
    net = make_net(21, act=act, widths=(4, 3))
    X, y = make_data(net, 10, 21, noise=0.0)
    C = Fraction(1, 4)
    model = FailureModel.byzantine(C)
    rep = accuracy_report(net, X, y, (1, 1), model, radius=radius, samples=10,
                          point_timeout=SAFETY)
    proved = [p for p in rep.points if p.verdict == "proved"]
    assert proved
    rng = np.random.default_rng(0)
    for p in proved:
        x = X[p.index]
        S = 400
        Xs = x[None, :] + radius * rng.uniform(-1, 1, (S, x.size))
        acts, _ = forward(net, Xs)
        masks, sent = [], []
        for l, n in enumerate(net.widths):
            m = np.zeros((S, n), dtype=bool)
            m[np.arange(S), rng.integers(0, n, S)] = True
            masks.append(m)
            u = rng.choice([-1.0, 1.0], (S, n)) * rng.uniform(0.5, 1, (S, n))
            sent.append(acts[l] + float(C) * u)
        # one input per failure set: put the set axis on the inputs
        out = np.stack([failed_outputs(net, Xs[s:s + 1], [m[s:s + 1] for m in masks],
                                       [v[s:s + 1][None] for v in sent])[0, 0]
                        for s in range(S)])
        assert (out.argmax(axis=1) == p.predicted).all()


# ---- parallel runs -----------------------------------------------------------------------
def _strip(rep) -> dict:
    d = rep.to_json()
    d.pop("seconds")
    for p in d["points"]:
        p.pop("seconds")
    return d


def test_jobs_2_gives_the_same_report() -> None:
    net = make_net(31, widths=(5, 4))
    X, y = make_data(net, 16, 31)
    a = accuracy_report(net, X, y, (1, 1), FailureModel.crash(), samples=30)
    b = accuracy_report(net, X, y, (1, 1), FailureModel.crash(), samples=30, jobs=2)
    assert _strip(a) == _strip(b)
    seen: list[str] = []
    accuracy_report(net, X[:3], y[:3], (1, 0), FailureModel.crash(), samples=5,
                    progress=seen.append)
    assert seen and seen[-1].startswith("3 of 3 points")


@pytest.mark.parametrize("seed,act", [(5, "sigmoid"), (16, "tanh")])
def test_engine_path_agrees_with_enumeration(seed, act) -> None:
    """limit=1 sends every point to the verify engine and the signed search; where both
    paths decide a point they agree, and the engine proves some points."""
    net = make_net(seed, act=act, widths=(5, 4), scale=2)
    X, y = make_data(net, 8, seed, noise=0.0)
    engine_proofs = 0
    for model, radius in ((FailureModel.byzantine("1/2"), 0.0), (FailureModel.crash(), 0.02)):
        a = accuracy_report(net, X, y, (1, 1), model, radius=radius, samples=10,
                            point_timeout=SAFETY)
        b = accuracy_report(net, X, y, (1, 1), model, radius=radius, samples=10,
                            point_timeout=SAFETY, limit=1)
        engine_proofs += sum("verify engine" in p.reason for p in b.points)
        for p, q in zip(a.points, b.points, strict=True):
            assert {p.verdict, q.verdict} != {"proved", "refuted"}, (p, q)
        ordered(b, exact=False)
    assert engine_proofs > 0


def test_non_exhaustive_path_when_over_the_limit() -> None:
    net = make_net(41, widths=(6, 5))
    X, y = make_data(net, 8, 41)
    rep = accuracy_report(net, X, y, (2, 1), FailureModel.crash(), samples=20, limit=10,
                          point_timeout=SAFETY)
    ordered(rep, exact=False)
    full = accuracy_report(net, X, y, (2, 1), FailureModel.crash(), samples=20)
    # both are sound: the exhaustive worst lies inside the bracket
    assert rep.worst_fixed[0] <= full.worst_fixed[0] + 1e-12
    assert full.worst_fixed[1] <= rep.worst_fixed[1] + 1e-12
    for a, b in zip(rep.points, full.points, strict=True):
        if a.verdict in ("proved", "refuted"):
            assert a.verdict == b.verdict


# ---- the data files and the command ---------------------------------------------------------
def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_load_dataset_csv_with_header(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("a,b,label\n0.1,0.2,1\n0.3,0.4,0\n", encoding="utf-8")
    X, y = load_dataset(p)
    assert X.shape == (2, 2) and list(y) == [1, 0] and y.dtype.kind == "i"
    with pytest.raises(DataError):
        load_dataset(tmp_path / "missing.npz")


def _bad_files(tmp: Path) -> dict[str, Path]:
    files = {}
    np.savez(tmp / "noy.npz", X=np.zeros((3, 64)))
    files["missing"] = tmp / "noy.npz"
    np.savez(tmp / "dim.npz", X=np.zeros((3, 5)), y=np.zeros(3, dtype=int))
    files["features per row"] = tmp / "dim.npz"
    X = np.zeros((3, 64))
    X[1, 2] = np.nan
    np.savez(tmp / "nan.npz", X=X, y=np.zeros(3, dtype=int))
    files["non-finite"] = tmp / "nan.npz"
    np.savez(tmp / "lab.npz", X=np.zeros((3, 64)), y=np.array([0, 10, 1]))
    files["outside"] = tmp / "lab.npz"
    np.savez(tmp / "shape.npz", X=np.zeros((3, 64)), y=np.zeros((3, 2)))
    files["1-dimensional"] = tmp / "shape.npz"
    (tmp / "t.csv").write_text("1,2\n3,x\n", encoding="utf-8")
    files["not a number"] = tmp / "t.csv"
    (tmp / "junk.npz").write_bytes(b"not a zip")
    files["not a readable"] = tmp / "junk.npz"
    (tmp / "d.txt").write_text("1,2\n", encoding="utf-8")
    files["unknown data format"] = tmp / "d.txt"
    files["cannot read"] = tmp / "nothere.csv"
    return files


def test_bad_data_files_exit_2_with_one_line(tmp_path: Path) -> None:
    for what, path in _bad_files(tmp_path).items():
        code, out, err = run_cli("accuracy", str(DIGITS / "digits.json"), "--data",
                                 str(path), "--failures", "1,1", "--quiet")
        assert code == 2 and out == "", (what, err)
        assert err.count("\n") == 1 and what in err and "--data" in err, (what, err)


def test_bad_flags_exit_2(tmp_path: Path) -> None:
    data = str(DIGITS / "test.npz")
    net = str(DIGITS / "digits.json")
    for argv in (["--failures", "1,1,1"], ["--failures", "1,1", "--radius", "-1"],
                 ["--failures", "1,1", "--model", "byzantine"],
                 ["--failures", "1,1", "--model", "synapse", "--capacity", "1"]):
        code, out, err = run_cli("accuracy", net, "--data", data, *argv)
        assert code == 2 and err.count("\n") == 1, (argv, err)


def test_cli_on_the_digits_case() -> None:
    code, out, err = run_cli("accuracy", str(DIGITS / "digits.json"), "--data",
                             str(DIGITS / "test.npz"), "--failures", "1,1", "--json",
                             "--samples", "20")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"]["unknown"] == 0 and data["worst_fixed"]["exhaustive"]
    assert data["certified"] <= data["worst_fixed"]["lo"] <= data["random"]["min"]
    assert "points" in err  # progress lines
    code, out, _ = run_cli("accuracy", "--help")
    assert code == 0 and "certified" in out and "worst fixed" in out


def test_a_one_output_network_is_a_binary_classifier():
    """One output F: class 1 when F > 0, as the argmax of the exact outputs (0, F)."""
    from fractions import Fraction

    from fepproof.classify.decision import as_classifier
    from fepproof.network import Activation, Layer, Network
    hidden = Layer(((Fraction(2), Fraction(-1)), (Fraction(1), Fraction(1))),
                   (Fraction(0), Fraction(-1, 2)))
    net = Network((hidden,), Layer(((Fraction(3), Fraction(-2)),), (Fraction(1, 3),)),
                  Activation("tanh", Fraction(1)), ((-1, 1), (-1, 1)), "bin",
                  Activation("sigmoid", Fraction(1, 4)))
    two = as_classifier(net)
    assert two.n_outputs == 2 and two.output.weights[0] == (0, 0)
    assert two.output.weights[1] == net.output.weights[0]
    assert as_classifier(two) is two
    X = np.random.default_rng(1).uniform(-1, 1, (40, 2))
    F = forward(net, X)[1][:, 0]
    y = (F > 0).astype(int)
    rep = accuracy_report(net, X, y, (1,), FailureModel.crash())
    same = accuracy_report(two, X, y, (1,), FailureModel.crash())
    assert rep.clean == 1.0 and rep.n == 40
    assert (rep.counts, rep.certified, rep.worst_fixed) == \
        (same.counts, same.certified, same.worst_fixed)
    assert [p.verdict for p in rep.points] == [p.verdict for p in same.points]
