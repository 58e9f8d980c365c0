"""fepproof.toml parsing: exact numbers, defaults, and every kind of bad spec named by
claim and key (exit 2, one line)."""

from __future__ import annotations

import io
import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fepproof.check.spec import SpecError, load_spec, parse_spec
from fepproof.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIG1 = ROOT / "cases" / "figure1.json"


def spec_text(claim: str, defaults: str = "") -> str:
    return (f"[defaults]\n{defaults}\n" if defaults else "") + \
        f'[[claim]]\nname = "c1"\nnetwork = "{FIG1}"\nfailures = [1, 0, 1]\n{claim}\n'


def parse(text: str, tmp_path: Path):
    return parse_spec(text, tmp_path / "fepproof.toml")


def test_minimal_claim_defaults(tmp_path):
    (c,) = parse(spec_text(""), tmp_path).claims
    assert c.failures == (1, 0, 1) and c.model == "crash" and c.bound is None
    assert c.expect == "proved" and c.engine == "auto" and c.timeout == 60
    assert c.input_box is None and c.output is None


def test_exact_numbers_and_defaults(tmp_path):
    text = spec_text('bound = 0.1\ninput_box = [[-0.5, 2.8]]',
                     'timeout = 5\nmodel = "byzantine"\ncapacity = "1/3"\nengine = "z3"')
    (c,) = parse(text, tmp_path).claims
    assert c.bound == Fraction(1, 10)  # the decimal it spells, not the binary float
    assert c.capacity == Fraction(1, 3) and c.model == "byzantine" and c.engine == "z3"
    assert c.timeout == 5
    assert c.input_box.pairs == ((Fraction(-1, 2), Fraction(28, 10)),)
    (c,) = parse(spec_text("epsilon = 1\nepsilon_prime = 0.25"), tmp_path).claims
    assert c.bound == Fraction(3, 4)
    (c,) = parse(spec_text('bound = "fep"'), tmp_path).claims
    assert c.bound is None


def test_relative_paths_are_relative_to_the_spec(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "n.json").write_text(FIG1.read_text())
    (tmp_path / "box.csv").write_text("0,1\n0,2\n0,3\n")
    (tmp_path / "fepproof.toml").write_text(
        '[[claim]]\nname = "a"\nnetwork = "models/n.json"\nfailures = [1, 0, 1]\n'
        'input_box = "box.csv"\n')
    spec = load_spec(tmp_path)  # a directory means its fepproof.toml
    (c,) = spec.claims
    assert c.network == tmp_path / "models" / "n.json"
    assert c.input_box.pairs[2] == (0, 3) and c.input_box_file == tmp_path / "box.csv"


@pytest.mark.parametrize("claim, defaults, where", [
    ("colour = 1", "", "claim 'c1': colour: unknown key"),
    ("", "nme = 1", "defaults: nme: unknown key"),
    ('model = "gremlin"', "", "claim 'c1': model"),
    ('model = "byzantine"', "", "claim 'c1': capacity"),
    ('bound = "abc"', "", "claim 'c1'"),
    ("bound = -1", "", "claim 'c1': bound"),
    ("bound = 1e999999999", "", "claim 'c1': bound"),
    ("bound = nan", "", "claim 'c1': bound"),
    ("bound = inf", "", "claim 'c1': bound"),
    ("epsilon = 1", "", "claim 'c1': epsilon"),
    ("epsilon = 1\nepsilon_prime = 2", "", "claim 'c1': epsilon_prime"),
    ("bound = 1\nepsilon = 1\nepsilon_prime = 0.5", "", "claim 'c1': bound"),
    ('expect = "unknown"', "", "claim 'c1': expect"),
    ('engine = "magic"', "", "claim 'c1': engine"),
    ("timeout = 0", "", "claim 'c1': timeout"),
    ("timeout = true", "", "claim 'c1': timeout"),
    ("output = -1", "", "claim 'c1': output"),
    ("input_box = [[2, 1]]", "", "claim 'c1': input_box"),
    ('input_box = "nothing.csv"', "", "claim 'c1': input_box"),
    ("input_box = [[0, nan]]", "", "claim 'c1': input_box"),
    ('model = "synapse"\ncapacity = 1\nengine = "z3"', "", "claim 'c1': engine"),
    ('model = "synapse"\ncapacity = 1\nengine = "z3-v1"', "", "claim 'c1': engine"),
])
def test_bad_claims_name_claim_and_key(tmp_path, claim, defaults, where):
    with pytest.raises(SpecError) as exc:
        parse(spec_text(claim, defaults), tmp_path)
    assert where in str(exc.value)


@pytest.mark.parametrize("text, where", [
    ("", "no [[claim]]"),
    ("[[claim]]\nnetwork = 'x'\n", "claim #1: name"),
    ('[[claim]]\nname = "a"\nfailures = [1]\n', "claim 'a': network"),
    (f'[[claim]]\nname = "a"\nnetwork = "{FIG1}"\nfailures = [-1]\n', "claim 'a': failures"),
    (f'[[claim]]\nname = "a"\nnetwork = "{FIG1}"\nfailures = "1,x"\n', "claim 'a': failures"),
    (f'[[claim]]\nname = "a"\nnetwork = "{FIG1}"\n', "claim 'a': failures"),
    ('[[claim]]\nname = "a"\nnetwork = "missing.json"\nfailures = [1]\n',
     "claim 'a': network: missing.json does not exist"),
    (f'[[claim]]\nname = "a"\nnetwork = "{FIG1}"\nfailures = [1,0,1]\n'
     f'[[claim]]\nname = "a"\nnetwork = "{FIG1}"\nfailures = [1,0,1]\n', "duplicate"),
    ("title = 'x'\n", "title: unknown top-level key"),
    ("[claim\n", "not valid TOML"),
    ("defaults = 3\n[[claim]]\n", "defaults"),
    ("claim = 3\n", "claim"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", ""),
])
def test_bad_specs(tmp_path, text, where):
    with pytest.raises(SpecError) as exc:
        parse(text, tmp_path)
    assert where in str(exc.value)


def test_cli_bad_spec_is_one_line_exit_2(tmp_path):
    p = tmp_path / "fepproof.toml"
    p.write_text(spec_text("colour = 1"))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(p)], out, err) == 2
    assert err.getvalue().strip().count("\n") == 0
    assert "claim 'c1': colour: unknown key" in err.getvalue() and out.getvalue() == ""
    assert not (tmp_path / ".fepproof-cache").exists()
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(tmp_path / "nope.toml")], out, err) == 2
    assert "no such spec file" in err.getvalue()
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe[[claim]]")
    assert main(["check", str(tmp_path / "bin.toml")], out, err) == 2


def test_cli_k_selects_and_reports_no_match(tmp_path):
    p = tmp_path / "fepproof.toml"
    p.write_text(spec_text('bound = "fep"\nengine = "z3"'))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(p), "-k", "zzz"], out, err) == 2
    assert "-k: no claim name contains 'zzz'" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(p), "-k", "C1", "--jobs", "0"], out, err) == 2
    assert "--jobs" in err.getvalue()


values = st.recursive(
    st.one_of(st.integers(-10**12, 10**12), st.booleans(), st.text(max_size=12),
              st.sampled_from(["fep", "crash", "byzantine", "synapse", "z3", "proved",
                               "1/3", "0,1", "-1,2", "nan", "inf", "1e999999"]),
              st.floats(allow_nan=False, allow_infinity=False, width=32)),
    lambda children: st.lists(children, max_size=4), max_leaves=8)


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return repr(v)


@given(st.dictionaries(st.sampled_from(
    ["failures", "model", "capacity", "capacity_reading", "bound", "epsilon", "epsilon_prime",
     "output", "input_box", "expect", "engine", "timeout", "sizes", "name", "typo"]),
    values, max_size=6))
def test_random_claims_only_raise_spec_errors(tmp_path_factory, claim):
    tmp = tmp_path_factory.mktemp("spec")
    body = "".join(f"{k} = {_toml(v)}\n" for k, v in claim.items())
    text = f'[[claim]]\nnetwork = "{FIG1}"\n' + body
    if "name" not in claim:
        text = '[[claim]]\nname = "x"\n' + text[len("[[claim]]\n"):]
    try:
        spec = parse_spec(text, tmp / "fepproof.toml")
    except SpecError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        (c,) = spec.claims
        assert c.expect in ("proved", "refuted") and c.timeout > 0


def test_stuck_at_claims_use_the_public_constructor(tmp_path):
    """stuck-at (with stuck_value) goes through FailureModel, whose parameter errors are
    reported under the spec key the user wrote."""
    text = spec_text('model = "stuck-at"\nstuck_value = 0.75')
    (c,) = parse(text, tmp_path).claims
    assert c.stuck_value == Fraction(3, 4) and c.key_data()["stuck_value"] == "3/4"
    with pytest.raises(SpecError, match="claim 'c1': stuck_value: only the stuck-at model"):
        parse(spec_text("stuck_value = 1"), tmp_path)
    with pytest.raises(SpecError, match="claim 'c1': stuck_value: must be in"):
        parse(spec_text('model = "stuck-at"\nstuck_value = 2'), tmp_path)
    with pytest.raises(SpecError, match="claim 'c1': capacity: the crash model takes no"):
        parse(spec_text("capacity = 2"), tmp_path)
    with pytest.raises(SpecError, match="claim 'c1': model: unknown failure model"):
        parse(spec_text('model = "melt"'), tmp_path)


@pytest.mark.parametrize("engine", ["auto", "z3", "numeric", "z3-v1", "numeric-v1"])
def test_every_engine_name_of_verify_is_a_claim_engine(tmp_path, engine):
    """Claims name the engines ``fepproof verify`` offers (the v1 ones as baselines)."""
    (c,) = parse(spec_text("bound = 0.1", f'engine = "{engine}"'), tmp_path).claims
    assert c.engine == engine


def _finishes(fn, seconds: float = 20.0):
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it blocks."""
    import threading
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "blocked (a FIFO or a device read without a limit?)"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "symlink-dev-zero", "directory"])
def test_spec_must_be_a_regular_file(tmp_path, kind):
    """`fepproof check /dev/zero` or a FIFO used to hang, growing memory; now one line,
    exit 2, naming what the path is."""
    p = tmp_path / "spec.toml"
    if kind == "fifo":
        os.mkfifo(p)
    elif kind == "dev-zero":
        p = Path("/dev/zero")
    elif kind == "symlink-dev-zero":
        p.symlink_to("/dev/zero")
    else:
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "fepproof.toml").mkdir()
        p = tmp_path / "d"
    what = {"fifo": "is a FIFO", "dev-zero": "is a character device",
            "symlink-dev-zero": "is a character device", "directory": "is a directory"}[kind]
    with pytest.raises(SpecError, match=what):
        _finishes(lambda: load_spec(p))
    out, err = io.StringIO(), io.StringIO()
    assert _finishes(lambda: main(["check", str(p)], out, err)) == 2
    assert what in err.getvalue() and err.getvalue().count("\n") == 1 and out.getvalue() == ""


def test_spec_size_is_limited(tmp_path):
    from fepproof.check.spec import MAX_SPEC_BYTES
    p = tmp_path / "fepproof.toml"
    with open(p, "wb") as fh:
        fh.truncate(MAX_SPEC_BYTES + 1)  # sparse: no disk used
    with pytest.raises(SpecError, match=f"larger than {MAX_SPEC_BYTES} bytes"):
        load_spec(p)


@pytest.mark.parametrize("kind, what", [
    ("fifo", "is a FIFO (named pipe), not a network file"),
    ("directory", "is a directory, not a network file"),
    ("dev-zero", "is a character device, not a network file"),
    ("missing", "does not exist"),
])
def test_network_path_says_what_it_is(tmp_path, kind, what):
    net = tmp_path / "n.json"
    if kind == "fifo":
        os.mkfifo(net)
    elif kind == "directory":
        net.mkdir()
    elif kind == "dev-zero":
        net = Path("/dev/zero")
    text = f'[[claim]]\nname = "a"\nnetwork = "{net}"\nfailures = [1]\n'
    with pytest.raises(SpecError) as exc:
        _finishes(lambda: parse(text, tmp_path))
    assert str(exc.value) == f"claim 'a': network: {net} {what}" + (
        f" (relative to {tmp_path})" if kind == "missing" else "")


def test_failures_must_be_a_list_of_integers(tmp_path):
    with pytest.raises(SpecError, match="claim 'c1': failures: expected a list of integers "
                                        "like \\[2, 0\\], got the string '1,0,1'"):
        parse(spec_text("").replace("failures = [1, 0, 1]", 'failures = "1,0,1"'), tmp_path)


def test_sizes_only_for_formats_that_need_them(tmp_path):
    with pytest.raises(SpecError, match="claim 'c1': sizes: only .net \\(StaticNet\\) files "
                                        "need sizes; a .json network records its own"):
        parse(spec_text('sizes = "3-4-1"'), tmp_path)
    with pytest.raises(SpecError, match="claim 'c1': sizes \\(from \\[defaults\\]\\): only"):
        parse(spec_text("", 'sizes = "3-4-1"'), tmp_path)
    net = tmp_path / "m.net"
    net.write_bytes(b"\0" * 4 * (2 * 3 + 1 * 3))
    text = f'[[claim]]\nname = "a"\nnetwork = "{net}"\nfailures = [1]\n'
    (c,) = parse(text + 'sizes = "2-2-1"\n', tmp_path).claims
    assert c.sizes == "2-2-1"
    with pytest.raises(SpecError, match="claim 'a': sizes: expected sizes like 784-98-10"):
        parse(text + 'sizes = "2-x"\n', tmp_path)
