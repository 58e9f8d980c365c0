"""--input-box: LO,HI or a JSON/CSV file, exact numbers, named in every output; hostile
input gives one line naming the option and exit 2."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.abbrev import abbreviate
from fepproof.cli.main import main
from fepproof.inputbox import (
    InputBoxError,
    apply_box,
    check_engine_range,
    describe_box,
    network_box,
    parse_input_box,
)
from fepproof.netio import load_network, save_network
from fepproof.network import network_from_dict

ROOT = Path(__file__).resolve().parent.parent
FIG1 = str(ROOT / "cases" / "figure1.json")
MNIST = Path("/work/shared/data/staticnet/784-98-10_epoch-2919_100.net")


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_pair_is_exact_and_applies_to_every_input():
    box = parse_input_box("-0.4242,2.8215")
    assert box.pairs == ((Fraction(-4242, 10000), Fraction(28215, 10000)),)
    net = apply_box(load_network(FIG1), box)
    assert net.input_domain == ((Fraction(-4242, 10000), Fraction(28215, 10000)),) * 3
    assert "[-2121/5000, 5643/2000]^3" in describe_box(net.input_domain, box.source) or \
        "^3" in describe_box(net.input_domain, box.source)


def test_json_and_csv_files(tmp_path):
    j = tmp_path / "box.json"
    j.write_text(json.dumps([[0, 1], ["-1/3", 2], [0.5, 0.5]]))
    c = tmp_path / "box.csv"
    c.write_text("lo,hi\n0,1\n-1/3,2\n# comment\n0.5,0.5\n")
    obj = tmp_path / "obj.json"
    obj.write_text(json.dumps({"input_box": [[0, 1], ["-1/3", 2], [0.5, 0.5]]}))
    expected = ((0, 1), (Fraction(-1, 3), 2), (Fraction(1, 2), Fraction(1, 2)))
    for p in (j, c, obj):
        box = parse_input_box(str(p))
        assert box.pairs == expected and box.source == str(p)
        assert apply_box(load_network(FIG1), box).input_domain == expected


@pytest.mark.parametrize("text, msg", [
    ("2,1", "lo > hi"),
    ("nan,1", r"--input-box LO: 'nan' is not a finite number"),
    ("0,inf", r"--input-box HI: 'inf' is not a finite number"),
    ("0,1e999", r"--input-box HI: 1\.0e\+999 is out of range"),
    ("0,abc", r"--input-box HI: cannot read 'abc'"),
    ("abc,def", "neither LO,HI nor an existing file"),
    ("0,1,2", r"expected LO,HI \(two numbers\) or a file, got 3"),
    ("", "expected"),
    ("/no/such/file.json", "neither"),
])
def test_bad_boxes(text, msg):
    with pytest.raises(InputBoxError, match=msg):
        parse_input_box(text)


def test_wrong_count_and_hostile_files(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("0,1\n0,1\n")
    with pytest.raises(InputBoxError, match="2 \\[lo, hi\\] pairs for a network with 3"):
        apply_box(load_network(FIG1), parse_input_box(str(p)))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(InputBoxError):
        parse_input_box(str(deep))
    bad = tmp_path / "bad.csv"
    bad.write_text("0,1,2\n")
    with pytest.raises(InputBoxError, match="line 1"):
        parse_input_box(str(bad))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputBoxError, match="UTF-8"):
        parse_input_box(str(binary))


def test_network_box_source(tmp_path):
    net = load_network(FIG1)
    assert network_box(FIG1) == "network file"
    p = tmp_path / "n.npz"
    save_network(net, p)
    assert network_box(p) == "network file"
    assert network_box(ROOT / "cases" / "xor.json") in ("network file", "default")


def test_verify_names_the_box_and_uses_it(tmp_path):
    code, out, _ = run(["verify", FIG1, "--failures", "1,0,1", "--quiet", "--no-bracket",
                        "--engine", "z3"])
    assert code == 0 and "box       [0, 1]^3 (from the network file)" in out
    code, out, _ = run(["verify", FIG1, "--failures", "1,0,1", "--quiet", "--engine", "z3",
                        "--input-box=-1,2", "--bound", "1/2", "--json"])
    data = json.loads(out)
    assert code == 1 and data["input_box"]["source"] == "--input-box -1,2"
    x = [Fraction(v) for v in data["witness"]["input_exact"]]
    assert all(-1 <= v <= 2 for v in x) and any(v < 0 or v > 1 for v in x)
    wpath = tmp_path / "w.json"
    wpath.write_text(out)
    # the witness leaves [0,1]^3: replay takes the box (and bound) the file records ...
    code, rout, rerr = run(["replay", FIG1, str(wpath)])
    assert code == 0 and "obeys" in rout and "outside" not in rout, rout
    assert f"box       [-1, 2]^3 (recorded in {wpath}, from --input-box -1,2)" in rout
    assert "bound     1/2 (recorded claim): error > bound" in rout and rerr == ""
    # ... and a flag overrides it, saying so: on [0,1]^3 the witness is outside the box
    code, rout, rerr = run(["replay", FIG1, str(wpath), "--input-box", "0,1"])
    assert code == 1 and "outside" in rout and "box       [0, 1]^3" in rout
    assert "--input-box overrides the recorded box [-1, 2]^3" in rerr


@pytest.mark.parametrize("cmd", [
    ["verify", FIG1, "--failures", "1,0,1"],
    ["replay", FIG1, FIG1],
    ["latex", "--network", FIG1, "--failures", "1,0,1", "--no-verify"],
    ["harden", FIG1, "--failures", "1,0,1", "--bound", "1", "-o", "/tmp/never.json"],
])
def test_bad_box_on_every_command(cmd):
    code, out, err = run([*cmd, "--input-box", "3,1"])
    assert code == 2 and "--input-box" in err and len(err.strip().splitlines()) == 1
    assert out == ""


def test_latex_document_names_the_box():
    code, out, _ = run(["latex", "--network", FIG1, "--failures", "1,0,1", "--no-verify",
                        "--input-box=-1/2,3/2"])
    # typeset as a box in math mode; the flag in \texttt without TeX's en-dash ligature
    assert code == 0 and ("Input box: $X \\in [-1/2, 3/2]^{3}$ (given by "
                          "\\texttt{-{}-input-box -1/2,3/2}).") in out
    assert "--input-box" not in out and "]\\^{}" not in out
    code, _, err = run(["latex", "--derivation", "fep", "--input-box", "0,1"])
    assert code == 2 and "only with --network" in err


def test_abbreviate():
    assert abbreviate(range(5)) == "[0, 1, 2, 3, 4]"
    assert abbreviate(range(11)) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    text = abbreviate(range(784))
    assert text == "[0, 1, 2, 3, 4, 5, 6, 7, ... (784 values), 782, 783]"


@pytest.mark.skipif(not MNIST.exists(), reason="StaticNet data not available")
def test_verify_on_mnist_is_readable(tmp_path):
    wit = tmp_path / "w.json"
    code, out, err = run(["verify", str(MNIST), "--failures", "2,0", "--input-box",
                          "-0.4242,2.8215", "--timeout", "8", "--no-bracket", "--quiet",
                          "--witness-out", str(wit)])
    assert code in (0, 1, 3), err
    assert "box       [-0.4242, 2.8215]^784 (--input-box -0.4242,2.8215)" in out
    assert max(len(line) for line in out.splitlines()) < 400
    if wit.exists():
        assert "(784 values)" in out
        assert len(json.loads(wit.read_text())["input"]) == 784


def test_experiment_box_needs_a_network(tmp_path):
    code, _, err = run(["experiment", "fig3", "-o", str(tmp_path), "--input-box", "0,1"])
    assert code == 2 and "--input-box: only with --net" in err
    code, _, err = run(["experiment", "fig3", "-o", str(tmp_path), "--net", FIG1,
                        "--input-box", "0,1,2"])
    assert code == 2 and "--input-box" in err


@pytest.mark.parametrize("box, message", [
    ("0,1e308", "--input-box: 1.0e+308 is too large"),
    ("-1e308,1e308", "--input-box: 1.0e+308 is too large"),
    ("0,1e101", "--input-box: 1.0e+101 is too large"),
])
@pytest.mark.parametrize("cmd", [
    ["verify", FIG1, "--failures", "1,0,1", "--timeout", "5"],
    ["latex", "--network", FIG1, "--failures", "1,0,1"],
    ["harden", FIG1, "--failures", "1,0,1", "--bound", "1", "-o", "/tmp/never.json"],
])
def test_huge_boxes_are_one_line_without_warnings(cmd, box, message):
    # these boxes made the float64 engines overflow: 22 lines of RuntimeWarnings first
    code, out, err = run([*cmd, "--input-box", box])
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert message in err and "Warning" not in err


def test_box_limits_are_inclusive_and_cover_the_pre_activation():
    net = load_network(FIG1)
    check_engine_range([(Fraction(-10**100), Fraction(10**100))] * 3, net)  # accepted
    huge = network_from_dict({"format": "fepproof-network/1", "name": "huge",
                              "layers": [{"weights": [["1e150"]], "bias": ["0"]}],
                              "output": {"weights": ["1"], "bias": "0"}})
    check_engine_range([(Fraction(0), Fraction(10**49))], huge)  # 1e199: accepted
    with pytest.raises(InputBoxError, match="pre-activation of layer 1 neuron 0 reaches 1e"):
        check_engine_range([(Fraction(0), Fraction(10**51))], huge)
    code, _, err = run(["verify", FIG1, "--failures", "1,0,1", "--input-box", "-1e100,0",
                        "--timeout", "2", "--quiet", "--engine", "numeric"])
    assert code in (0, 3) and err == ""
