"""Hostile network files found by review: each must give one line naming the problem and
exit 2 (never a traceback), size limits are decided before anything large is read or
allocated, external ONNX data is read from the model's folder only, written files get
the mode a plain ``open()`` would, and ``onnx`` is imported only for ``.onnx`` files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from fepproof.cli.main import main
from fepproof.formats import load_network, save_network
from fepproof.network import MAX_PARAMETERS, Activation, Layer, Network, NetworkError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from fepproof.interop import onnx_checks, onnx_io, staticnet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def small_net() -> Network:
    h = Fraction(1, 2)
    return Network((Layer(((h, Fraction(-1)), (Fraction(1, 4), Fraction(2))),
                          (Fraction(0), h)),),
                   Layer(((Fraction(1), Fraction(-1)),), (Fraction(0),)),
                   Activation("sigmoid", Fraction(1, 4)), (), "small")


def model_of(net: Network) -> onnx.ModelProto:
    return onnx_io.network_to_onnx(net)


def init(model: onnx.ModelProto, name: str) -> onnx.TensorProto:
    return next(t for t in model.graph.initializer if t.name == name)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def one_line_exit_2(argv: list[str], *needles: str) -> str:
    code, out, err = cli(*argv)
    assert code == 2, (argv, code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def every_command(path: Path, *needles: str) -> None:
    """bound, verify, latex and convert all refuse ``path`` in one line, exit 2."""
    for argv in (["bound", str(path), "--failures", "1"],
                 ["verify", str(path), "--failures", "1", "--timeout", "2"],
                 ["latex", "--network", str(path), "--failures", "1", "--no-verify"],
                 ["convert", str(path), str(path.parent / "out.json")]):
        one_line_exit_2(argv, *needles)
    assert not (path.parent / "out.json").exists()


# ---- malformed tensors ----------------------------------------------------------------

def test_bias_longer_than_the_layer(tmp_path: Path) -> None:
    model = model_of(small_net())
    init(model, "l1.b").CopyFrom(numpy_helper.from_array(np.arange(5, dtype=np.float32),
                                                         "l1.b"))
    onnx.save(model, str(tmp_path / "bias5.onnx"))
    every_command(tmp_path / "bias5.onnx", "'l1.b'", "shape (5,)", "Gemm")


@pytest.mark.parametrize("dims,needle", [
    ((3, 100_000_000), "more than 4000000 numbers"),
    ((3, 1000), "need 12000 bytes"),
    ((2, -2), "negative dimension"),
])
def test_dims_disagree_with_the_data(tmp_path: Path, dims: tuple[int, ...],
                                     needle: str) -> None:
    model = model_of(small_net())
    w = init(model, "l1.W")
    del w.dims[:]
    w.dims.extend(dims)
    w.ClearField("float_data")
    w.raw_data = b"\0" * 16
    onnx.save(model, str(tmp_path / "dims.onnx"))
    every_command(tmp_path / "dims.onnx", "'l1.W'", needle)


def test_oversized_onnx_refused_from_the_dims_before_converting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n_out = MAX_PARAMETERS // 1000 + 1  # one more row than the limit allows
    W = np.zeros((n_out, 1000), np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W"], ["s"], transB=1),
         helper.make_node("Sigmoid", ["s"], ["y"])], "big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1000])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", n_out])],
        [numpy_helper.from_array(W, "W")])
    onnx.save(helper.make_model(graph), str(tmp_path / "big.onnx"))

    def never(*_: object) -> None:
        raise AssertionError("a tensor was converted before the size check")

    monkeypatch.setattr(onnx_checks._Tensor, "array", never)
    with pytest.raises(NetworkError, match=r"'W'.*more than 4000000 numbers"):
        load_network(tmp_path / "big.onnx")


def test_identity_output_counts_toward_the_limit(tmp_path: Path) -> None:
    # a graph ending in Sigmoid gets an identity output node: M x M more numbers
    M = 2001
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W"], ["s"], transB=1),
         helper.make_node("Sigmoid", ["s"], ["y"])], "wide",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", M])],
        [numpy_helper.from_array(np.ones((M, 1), np.float32), "W")])
    onnx.save(helper.make_model(graph), str(tmp_path / "wide.onnx"))
    with pytest.raises(NetworkError, match="identity output node"):
        load_network(tmp_path / "wide.onnx")


# ---- operators ---------------------------------------------------------------------------

@pytest.mark.parametrize("domain", ["evil.custom", "com.microsoft", "ai.onnx.ml"])
def test_custom_domain_op_refused_by_name(tmp_path: Path, domain: str) -> None:
    model = model_of(small_net())
    node = next(n for n in model.graph.node if n.op_type == "Sigmoid")
    node.domain = domain
    model.opset_import.append(helper.make_opsetid(domain, 1))
    onnx.save(model, str(tmp_path / "custom.onnx"))
    every_command(tmp_path / "custom.onnx", "Sigmoid", repr(domain), "not a standard ONNX op")


def test_standard_domain_spelled_ai_onnx_is_read(tmp_path: Path) -> None:
    model = model_of(small_net())
    for node in model.graph.node:
        node.domain = "ai.onnx"
    onnx.save(model, str(tmp_path / "std.onnx"))
    assert load_network(tmp_path / "std.onnx") == small_net()


def test_local_function_in_standard_domain_refused(tmp_path: Path) -> None:
    model = model_of(small_net())
    fn = helper.make_function("", "Sigmoid", ["X"], ["Y"],
                              [helper.make_node("Identity", ["X"], ["Y"])],
                              [helper.make_opsetid("", 13)])
    model.functions.append(fn)
    with pytest.raises(NetworkError, match="local function 'Sigmoid'"):
        onnx_io.network_from_onnx(model)


def _edit_node(model: onnx.ModelProto, op: str, **changes: object) -> onnx.ModelProto:
    node = next(n for n in model.graph.node if n.op_type == op)
    if "inputs" in changes:
        del node.input[:]
        node.input.extend(changes["inputs"])  # type: ignore[arg-type]
    if "outputs" in changes:
        del node.output[:]
        node.output.extend(changes["outputs"])  # type: ignore[arg-type]
    if "attribute" in changes:
        node.attribute.append(changes["attribute"])  # type: ignore[arg-type]
    return model


@pytest.mark.parametrize("edit,needle", [
    (lambda m: _edit_node(m, "Gemm", inputs=["x"]), "expected 2 or 3 input(s)"),
    (lambda m: _edit_node(m, "Sigmoid", outputs=[]), "and one output"),
    (lambda m: _edit_node(m, "Gemm", attribute=helper.make_attribute("alpha", "x")),
     "alpha must be a FLOAT"),
    (lambda m: _edit_node(m, "Gemm", attribute=helper.make_attribute("broadcast", 1)),
     "attribute 'broadcast' is not supported"),
    (lambda m: _edit_node(m, "Sigmoid", attribute=helper.make_attribute("alpha", 2.0)),
     "attribute 'alpha' is not supported"),
])
def test_malformed_nodes(edit, needle: str) -> None:
    with pytest.raises(NetworkError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        onnx_io.network_from_onnx(edit(model_of(small_net())))


def test_bias_of_shape_1_by_n_is_read() -> None:
    model = model_of(small_net())
    b = init(model, "l1.b")
    b.dims.insert(0, 1)  # (2,) -> (1, 2): Gemm broadcasts it the same way
    assert onnx_io.network_from_onnx(model) == small_net()


def test_duplicate_initializer_and_bad_metadata() -> None:
    model = model_of(small_net())
    model.graph.initializer.append(init(model, "l1.W"))
    with pytest.raises(NetworkError, match="second constant named 'l1.W'"):
        onnx_io.network_from_onnx(model)
    model = model_of(small_net())
    model.metadata_props[0].value = "{not json"
    with pytest.raises(NetworkError, match="metadata fepproof: not JSON"):
        onnx_io.network_from_onnx(model)


# ---- external data ---------------------------------------------------------------------

def save_external(tmp_path: Path, location: str = "model.onnx.data") -> Path:
    path = tmp_path / "model.onnx"
    onnx.save_model(model_of(small_net()), str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=location, size_threshold=0)
    return path


def test_external_data_is_read(tmp_path: Path) -> None:
    path = save_external(tmp_path)
    assert (tmp_path / "model.onnx.data").stat().st_size > 0
    assert init(onnx.load(str(path), load_external_data=False), "l1.W").data_location \
        == TensorProto.EXTERNAL
    assert load_network(path) == small_net()
    code, out, _ = cli("bound", str(path), "--failures", "1")
    assert code == 0 and "Fep" in out


def test_missing_or_truncated_external_data(tmp_path: Path) -> None:
    path = save_external(tmp_path)
    data = tmp_path / "model.onnx.data"
    raw = data.read_bytes()
    data.write_bytes(raw[:-3])
    one_line_exit_2(["bound", str(path), "--failures", "1"], "'out.b'", "truncated")
    data.unlink()
    every_command(path, "model.onnx.data", "is missing")


def _relocate(path: Path, location: str) -> None:
    model = onnx.load(str(path), load_external_data=False)
    for t in model.graph.initializer:
        for entry in t.external_data:
            if entry.key == "location":
                entry.value = location
    path.write_bytes(model.SerializeToString())


@pytest.mark.parametrize("location,needle", [
    ("../../etc/passwd", "escapes the model's folder"),
    ("../model.onnx.data", "escapes the model's folder"),
    ("/etc/passwd", "is an absolute path"),
    ("", "without a file location"),
])
def test_external_location_outside_the_folder(tmp_path: Path, location: str,
                                              needle: str) -> None:
    sub = tmp_path / "m"
    sub.mkdir()
    path = save_external(sub)
    (tmp_path / "model.onnx.data").write_bytes((sub / "model.onnx.data").read_bytes())
    _relocate(path, location)
    every_command(path, "initializer", needle)


def test_external_symlink_out_of_the_folder_refused(tmp_path: Path) -> None:
    sub = tmp_path / "m"
    sub.mkdir()
    path = save_external(sub)
    outside = tmp_path / "elsewhere.data"
    (sub / "model.onnx.data").rename(outside)
    (sub / "model.onnx.data").symlink_to(outside)
    one_line_exit_2(["bound", str(path), "--failures", "1"], "escapes the model's folder")


def test_external_length_disagreeing_with_dims(tmp_path: Path) -> None:
    path = save_external(tmp_path)
    model = onnx.load(str(path), load_external_data=False)
    for entry in init(model, "l1.W").external_data:
        if entry.key == "length":
            entry.value = "999999999"
    path.write_bytes(model.SerializeToString())
    one_line_exit_2(["bound", str(path), "--failures", "1"], "'l1.W'", "need 16")


def test_external_data_on_a_fifo_is_refused(tmp_path: Path) -> None:
    path = save_external(tmp_path)
    (tmp_path / "model.onnx.data").unlink()
    os.mkfifo(tmp_path / "model.onnx.data")
    one_line_exit_2(["bound", str(path), "--failures", "1"], "not a regular file")


# ---- StaticNet and .npz sizes ------------------------------------------------------------

def test_oversized_staticnet_refused_before_reading(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = (1000, 7490, 1)
    path = tmp_path / "1000-7490-1.net"
    with open(path, "wb") as fh:  # a sparse file of exactly the right length
        fh.truncate(4 * staticnet.staticnet_count(sizes))

    def never(*_: object, **__: object) -> bytes:
        raise AssertionError("the file was read before the size check")

    monkeypatch.setattr(staticnet, "read_limited", never)
    one_line_exit_2(["bound", str(path), "--failures", "0"], "1000-7490-1",
                    "the limit is 4000000")
    # a tiny file whose last layer is wide: the identity output node is M x M
    wide = tmp_path / "1-3000.net"
    wide.write_bytes(b"\0" * 4 * staticnet.staticnet_count((1, 3000)))
    one_line_exit_2(["bound", str(wide), "--failures", "0"], "identity output node")


def test_staticnet_wrong_size_refused_before_reading(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "2-2.net"
    path.write_bytes(b"\0" * 8)
    monkeypatch.setattr(staticnet, "read_limited", lambda *a, **k: pytest.fail("read"))
    one_line_exit_2(["bound", str(path), "--failures", "0"], "has 8 bytes", "need 6 float32")


def test_npz_member_that_is_not_an_array(tmp_path: Path) -> None:
    path = tmp_path / "raw.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("layers.0.weights", b"hello")
    one_line_exit_2(["bound", str(path), "--failures", "0"], "layers.0.weights",
                    "not a numpy array")


def test_npz_header_claiming_more_than_the_member(tmp_path: Path) -> None:
    path = tmp_path / "lie.npz"
    buf = io.BytesIO()
    np.save(buf, np.zeros(2))
    data = buf.getvalue().replace(b"(2,)", b"(9999999,)".ljust(4, b" "), 1)
    # keep the header length: pad with spaces taken from the header's tail
    head_len = int.from_bytes(buf.getvalue()[8:10], "little")
    head = data[10:10 + head_len + 6].rstrip(b"\n ").ljust(head_len - 1) + b"\n"
    fixed = buf.getvalue()[:10] + head + buf.getvalue()[10 + head_len:]
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("layers.0.weights.npy", fixed)
    one_line_exit_2(["bound", str(path), "--failures", "0"], "layers.0.weights",
                    "declares shape (9999999,)")


def test_npz_too_many_numbers_refused_from_the_headers(tmp_path: Path) -> None:
    path = tmp_path / "big.npz"
    np.savez_compressed(path, **{"layers.0.weights": np.zeros((2001, 2000))})
    with pytest.raises(NetworkError, match="holds 4002000 numbers; the limit is 4000000"):
        load_network(path)


def test_json_with_too_many_items_refused_before_parsing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fepproof import netio

    path = tmp_path / "big.json"
    path.write_text('{"format": "fepproof-network/1", "layers": [{"weights": [['
                    + ",".join(["0"] * 120) + "]]}], \"output\": {\"weights\": [0]}}")
    monkeypatch.setattr(netio, "MAX_JSON_ITEMS", 100)
    monkeypatch.setattr(netio, "parse_json_exact", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(NetworkError, match="more than 100 comma-separated items"):
        load_network(path)


# ---- file modes ---------------------------------------------------------------------------

_MODES = """
import os, sys
from pathlib import Path
os.umask(int(sys.argv[1], 8))
from fepproof.cli.main import main
from fepproof.fsutil import atomic_write, current_umask
assert current_umask() == int(sys.argv[1], 8), oct(current_umask())
d = Path(sys.argv[2])
atomic_write(d / "plain.txt", lambda p: p.write_text("x"))
for name in ("n.json", "n.npz", "n.onnx", "2-2.net"):
    assert main(["convert", sys.argv[3], str(d / name)]) == 0, name
assert main(["latex", "--derivation", "fep", "--depth", "1", "-o", str(d / "d.tex")]) == 0
for p in sorted(d.iterdir()):
    print("MODE", p.name, oct(p.stat().st_mode & 0o777))
"""


@pytest.mark.parametrize("umask,mode", [("022", 0o644), ("077", 0o600), ("002", 0o664)])
def test_written_files_follow_the_umask(tmp_path: Path, umask: str, mode: int) -> None:
    src = tmp_path / "src.json"
    net = Network((Layer(((Fraction(1), Fraction(-1)), (Fraction(1, 2), Fraction(2))),
                         (Fraction(0), Fraction(0))),),
                  Layer(((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))),
                        (Fraction(0), Fraction(0))),
                  Activation("sigmoid", Fraction(1, 4)), (), "m")
    save_network(net, src)
    out = tmp_path / "out"
    out.mkdir()
    res = subprocess.run([sys.executable, "-c", _MODES, umask, str(out), str(src)],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert res.returncode == 0, res.stderr
    modes = dict(line.split()[1:] for line in res.stdout.splitlines()
                 if line.startswith("MODE "))
    assert set(modes) == {"plain.txt", "n.json", "n.npz", "n.onnx", "2-2.net", "d.tex"}
    assert all(int(m, 8) == mode for m in modes.values()), modes
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


# ---- onnx is imported only for .onnx files ------------------------------------------------

_LAZY = """
import sys
from pathlib import Path
import fepproof.netio
from fepproof.cli.main import main
from fepproof.formats import formats, load_network, save_network
d = Path(sys.argv[1])
net = load_network(sys.argv[2])
formats()
for name in ("a.json", "a.npz", "2-2.net"):
    save_network(net, d / name)
    load_network(d / name)
assert main(["bound", str(d / "a.json"), "--failures", "1"]) == 0
assert main(["convert", str(d / "a.npz"), str(d / "b.json")]) == 0
print("onnx" in sys.modules, [m for m in sys.modules if m.startswith("onnx")][:3])
"""


def test_onnx_is_not_imported_for_other_formats(tmp_path: Path) -> None:
    src = tmp_path / "src.json"
    net = Network((Layer(((Fraction(1), Fraction(-1)), (Fraction(1, 2), Fraction(2))),
                         (Fraction(0), Fraction(0))),),
                  Layer(((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))),
                        (Fraction(0), Fraction(0))),
                  Activation("sigmoid", Fraction(1, 4)), (), "m")
    save_network(net, src)
    res = subprocess.run([sys.executable, "-c", _LAZY, str(tmp_path), str(src)],
                         capture_output=True, text=True, timeout=300, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "False []", res.stdout


def test_metadata_json_is_strict() -> None:
    model = model_of(small_net())
    model.metadata_props[0].value = json.dumps({"K": "1/4"})[:-1] + ', "K": "1/4"}'
    with pytest.raises(NetworkError, match="metadata fepproof: duplicate key 'K'"):
        onnx_io.network_from_onnx(model)


def test_strings_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    raw = model_of(small_net()).SerializeToString()
    for needle, where in ((b"l1.gemm", "node 0 name"), (b"Sigmoid", "node 1 op_type"),
                          (b'"K"', "metadata entry 0 value")):
        i = raw.index(needle)
        path = tmp_path / "bad.onnx"
        path.write_bytes(raw[:i] + b"\xfb" + raw[i + 1:])
        one_line_exit_2(["bound", str(path), "--failures", "1"], where, "not UTF-8 text")
