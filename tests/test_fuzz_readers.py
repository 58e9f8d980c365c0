"""Fuzz the network readers (JSON, .npz, ONNX, StaticNet) through the CLI's ``main(argv)``
in process: hostile documents, and valid files of every format mutated byte by byte
(flips, truncation, insertion) or, for ONNX, field by field (dims, data types, domains,
inputs, external data).

Every example must end in exit 0/1/3 with a valid result, or exit 2 with exactly one line
on stderr naming a field; never a traceback, never a hang (a 30 s alarm fails the test).
Networks that load must have finite float views (the number limits, README).
``FUZZ_SCALE=20 HYPOTHESIS_PROFILE=thorough`` runs 20 times more random examples.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fepproof.cli.main import main
from fepproof.formats import load_network
from fepproof.network import Network, NetworkError

HANG_SECONDS = 30
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))  # FUZZ_SCALE=20: a long fuzzing session


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


@contextmanager
def no_hang(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail (instead of waiting forever) when the body runs longer than ``seconds``."""
    def alarm(*_: object) -> None:
        raise TimeoutError(f"example ran longer than {seconds} s (a hang)")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with no_hang():
        code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def check_outcome(argv: list[str], code: int, out: str, err: str) -> None:
    """exit 0/1/3 with a result on stdout, or exit 2 with one line on stderr."""
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1, 2, 3), (argv, code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, (argv, err)
        assert lines[0].startswith("fepproof ") and ": " in lines[0], lines[0]
        assert out == ""
    else:
        assert out.strip(), (argv, code, err)
        if "--json" in argv:
            json.loads(out)


def check_network(net: Network) -> None:
    """A loaded network is valid: finite float views of every number."""
    for W, b in net.float_layers:
        assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))
    W, b = net.float_output
    assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))
    assert np.all(np.isfinite(net.float_domain))
    assert math.isfinite(float(net.K)) and net.K > 0
    assert len(net.input_domain) == net.input_dim


# ---- JSON -------------------------------------------------------------------------------

HOSTILE_LITERALS = [
    "1e400", "-1e400", "1e1000000", "1e999999999", "1e-999999999", "0e999999999",
    "1.7976931348623157e308", "1.8e308", "4.9e-324", "5e-324", "NaN", "Infinity",
    "-Infinity", "1" * 5000, "0." + "0" * 400 + "1", "-0", "0", "1", "-1", "0.5",
    "true", "false", "null", "[]", "{}", "[[]]", '""', '"1/0"', '"1/3"', '"-3/6"',
    '"１"', '"٣"', '"1_000"', '" 1 "', '"0x10"', '"1e400"', '"nan"', '"inf"', '"1/3e2"',
    '"' + "9" * 2000 + "/1" + '"', '"abc"', "[" * 3000 + "1" + "]" * 3000,
    '{"weights": [[1]]}', '"\\u0000"', '"a\\nb"', "1e" + "0" * 5000 + "1",
    "1e-" + "0" * 5000 + "1", '"1e' + "0" * 5000 + '9"',
]

LEAF = st.one_of(
    st.sampled_from(HOSTILE_LITERALS),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-400, 400)),
    st.text(max_size=8).map(json.dumps),
)


def _small_doc(draw: Any) -> dict[str, Any]:
    """A valid random network; weights at a drawn scale 10^p (p from -300 to 300), written
    as raw number literals "W:<literal>" (unquoted when the document is serialised)."""
    d = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    p = draw(st.sampled_from([0, 0, 0, -300, -20, -3, 3, 20, 150, 300]))

    def lit(size: Any) -> Any:
        return np.vectorize(lambda w: f"W:{w:.3f}e{p}")(rng.normal(size=size)).tolist()

    layers, n_in = [], d
    for n in widths:
        layers.append({"weights": lit((n, n_in)), "bias": lit(n)})
        n_in = n
    return {"format": "fepproof-network/1", "name": "fuzz",
            "activation": {"name": "sigmoid", "K": "1/4"},
            "input_domain": [[0, 1]] * d, "layers": layers,
            "output": {"weights": lit(n_in), "bias": 0}}


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            found += _paths(v, prefix + (i,))
    return found


@st.composite
def hostile_json(draw: Any) -> tuple[str, int]:
    """A small valid network document with a few hostile mutations, as JSON text."""
    doc = _small_doc(draw)
    depth = len(doc["layers"])
    raw: dict[str, str] = {}
    for n in range(draw(st.integers(0, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add_key", "append", "pop"]))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if not path:
            continue
        target = parent[path[-1]]
        if action == "replace":
            token = f"@@{n}@@"
            raw[json.dumps(token)] = draw(LEAF)
            parent[path[-1]] = token
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add_key" and isinstance(target, dict):
            target[draw(st.sampled_from(["bais", "K", "k", "comment", "layers", "x"]))] = 1
        elif action == "append" and isinstance(target, list):
            target.append(target[-1] if target else 1)
        elif action == "pop" and isinstance(target, list) and target:
            target.pop()
    text = re.sub(r'"W:([^"]*)"', r"\1", json.dumps(doc))
    for token, literal in raw.items():
        text = text.replace(token, literal)
    if draw(st.integers(0, 9)) == 0:  # occasionally damage the text itself
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "}", ",", "\x00", "１", "\ud800"]))
    return text, depth


@settings(max_examples=examples(120))
@given(hostile_json(), st.sampled_from(["bound", "verify"]))
def test_fuzz_json_reader(case: tuple[str, int], command: str) -> None:
    text, depth = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            with no_hang():
                check_network(load_network(path))
        except NetworkError as exc:
            assert str(exc).strip() and "\n" not in str(exc)
        failures = ",".join(["1"] + ["0"] * (depth - 1))
        argv = [command, str(path), "--failures", failures]
        if command == "verify":
            argv += ["--timeout", "3", "--json", "--quiet", "--no-bracket"]
        check_outcome(argv, *run_cli(argv))


# ---- one number -------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[+-]?[0-9]{0,30}(\.[0-9]{0,30})?([eE][+-]?[0-9]{0,30})?\Z"),
    st.from_regex(r"\A[+-]?[0-9]{1,30} */ *[+-]?[0-9]{1,30}\Z"),
    st.builds(lambda a, z, b: f"{a}{'0' * z}{b}", st.sampled_from(["1e", "1e-", "0.", "9"]),
              st.integers(0, 20_000), st.sampled_from(["", "1", "5e3", "/7"])),
)


@settings(max_examples=examples(300))
@given(NUMBER_TEXT)
def test_fuzz_to_fraction(text: str) -> None:
    """Any text: a Fraction within the limits, or ExactError naming the field; fast."""
    from fractions import Fraction

    from fepproof.exact import MAX_ABS, MIN_ABS, ExactError, to_fraction

    with no_hang(5):
        try:
            q = to_fraction(text, "f")
        except ExactError as exc:
            assert str(exc).startswith("f: ")
            return
    assert isinstance(q, Fraction) and (q == 0 or MIN_ABS <= abs(q) <= MAX_ABS)
    assert math.isfinite(float(q))


# ---- .npz -------------------------------------------------------------------------------

NPZ_KEYS = ["layers.0.weights", "layers.0.bias", "layers.1.weights", "layers.1.bias",
            "output.weights", "output.bias", "input_domain", "activation.K",
            "activation.name", "format", "name", "layers.0.weights.exact",
            "output.weights.exact", "layers.2.weights", "layers.01.weights", "junk"]

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-10**6, 10**6),
    st.sampled_from(["1e400", "1/3", "１", "", "nan", "0.5", "1e999999999", "x"]),
    st.booleans(),
)


@st.composite
def hostile_npz(draw: Any) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    base = draw(st.booleans())
    if base:  # start from a valid 2-2-1 network, then damage it
        arrays = {"layers.0.weights": np.array([[0.5, -1.0], [0.25, 2.0]]),
                  "layers.0.bias": np.array([0.0, 0.5]),
                  "output.weights": np.array([[1.0, -1.0]])}
    for _ in range(draw(st.integers(0 if base else 1, 3))):
        key = draw(st.sampled_from(NPZ_KEYS))
        shape = draw(st.sampled_from([(), (1,), (2,), (1, 2), (2, 2), (2, 1), (0,), (2, 2, 1)]))
        kind = draw(st.sampled_from(["float64", "float32", "float16", "int64", "uint8",
                                     "bool", "complex128", "str", "longdouble", "object"]))
        values = draw(st.lists(VALUES, min_size=int(np.prod(shape)),
                               max_size=int(np.prod(shape))))
        try:
            arr = np.array(values, dtype=object).reshape(shape).astype(kind)
        except (ValueError, TypeError, OverflowError):
            arr = np.array([str(v) for v in values], dtype=str).reshape(shape)
        arrays[key] = arr
    return arrays


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy casts while building examples
@settings(max_examples=examples(100))
@given(hostile_npz())
def test_fuzz_npz_reader(arrays: dict[str, np.ndarray]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.npz"
        np.savez(path, **arrays)  # object arrays are pickled here; the reader must refuse
        try:
            with no_hang():
                net = load_network(path)
            check_network(net)
            failures = ",".join(["0"] * net.depth)
        except NetworkError as exc:
            assert str(exc).strip() and "\n" not in str(exc)
            failures = "0"
        argv = ["bound", str(path), "--failures", failures]
        check_outcome(argv, *run_cli(argv))


@settings(max_examples=examples(40))
@given(st.binary(max_size=300), st.sampled_from([".json", ".npz", ".onnx", ".net"]))
def test_fuzz_garbage_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"1-1{suffix}"
        path.write_bytes(data)
        argv = ["bound", str(path), "--failures", "0"]
        check_outcome(argv, *run_cli(argv))


@st.composite
def hostile_witness(draw: Any) -> str:
    """A crash witness for cases/xor.json (2 inputs, 2 neurons) with hostile leaves."""
    doc: dict[str, Any] = {"input": ["@0@", "@1@"], "failed": [["@2@"]]}
    text = json.dumps(doc)
    for i in range(3):
        leaf = draw(st.one_of(st.sampled_from(["0", "1", "0.5"]), LEAF))
        text = text.replace(f'"@{i}@"', leaf)
    return text


@settings(max_examples=examples(60))
@given(st.one_of(hostile_witness(), st.binary(max_size=200).map(
    lambda b: b.decode("latin-1"))))
def test_fuzz_witness_reader(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.json"
        path.write_text(text, encoding="utf-8")
        argv = ["replay", str(Path(__file__).resolve().parent.parent / "cases" / "xor.json"),
                str(path)]
        check_outcome(argv, *run_cli(argv))


# ---- mutated valid files of every format ---------------------------------------------------

def _base_network() -> Network:
    from fractions import Fraction as F

    from fepproof.network import Activation, Layer

    return Network((Layer(((F(1, 2), F(-1)), (F(1, 4), F(2))), (F(0), F(1, 2))),
                    Layer(((F(3, 4), F(-1, 8)), (F(1), F(1, 16))), (F(-1, 2), F(0)))),
                   Layer(((F(1), F(0)), (F(0), F(1))), (F(0), F(0))),
                   Activation("sigmoid", F(1, 4)), (), "base")


_BASE_FILES: dict[str, bytes] = {}


def base_file(suffix: str) -> bytes:
    """The bytes of a valid 2-2-2 network (identity output, so every format holds it)."""
    if suffix not in _BASE_FILES:
        from fepproof.formats import save_network

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"2-2-2{suffix}"
            save_network(_base_network(), path)
            _BASE_FILES[suffix] = path.read_bytes()
    return _BASE_FILES[suffix]


BYTE_EDITS = st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete",
                                                 "truncate"]),
                                st.integers(0, 2**20), st.integers(0, 255)),
                      min_size=1, max_size=4)


def mutate_bytes(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    """Apply byte edits at positions taken modulo the length (the result stays small)."""
    buf = bytearray(data)
    for action, pos, value in edits:
        if not buf:
            break
        i = pos % len(buf)
        if action == "flip":
            buf[i] ^= 1 << (value % 8)
        elif action == "set":
            buf[i] = value
        elif action == "insert":
            buf[i:i] = bytes([value]) * (1 + value % 8)
        elif action == "delete":
            del buf[i:i + 1 + value % 8]
        else:
            del buf[i:]
    return bytes(buf)


def check_reader(path: Path) -> None:
    """``path`` loads as a valid Network or fails with one NetworkError line, and the CLI
    gives a result or one line with exit 2."""
    try:
        with no_hang():
            net = load_network(path)
        check_network(net)
        failures = ",".join(["0"] * net.depth)
    except NetworkError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        failures = "0"
    argv = ["bound", str(path), "--failures", failures]
    check_outcome(argv, *run_cli(argv))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=examples(80), deadline=None)
@given(st.sampled_from([".json", ".npz", ".onnx", ".net"]), BYTE_EDITS)
def test_fuzz_mutated_files(suffix: str, edits: list[tuple[str, int, int]]) -> None:
    if suffix == ".onnx":
        pytest.importorskip("onnx")
    data = mutate_bytes(base_file(suffix), edits)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"2-2-2{suffix}"
        path.write_bytes(data)
        check_reader(path)


DIMS = st.lists(st.sampled_from([0, 1, 2, 3, 5, -1, 2**31, 10**8, 2**62]), max_size=4)


@st.composite
def onnx_edits(draw: Any) -> list[tuple[str, Any]]:
    """Field-level edits of the base ONNX model (applied by :func:`edit_onnx`)."""
    kinds = ["dims", "dtype", "raw", "domain", "op", "inputs", "outputs", "attr", "meta",
             "external", "drop_init", "dup_init"]
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        arg: Any = draw(st.integers(0, 1000))
        if kind == "dims":
            arg = (arg, draw(DIMS))
        elif kind == "dtype":
            arg = (arg, draw(st.sampled_from([0, 1, 2, 6, 7, 10, 11, 16, 99])))
        elif kind == "raw":
            arg = (arg, draw(st.binary(max_size=40)))
        elif kind == "domain":
            arg = (arg, draw(st.sampled_from(["evil.custom", "ai.onnx", "", "ai.onnx.ml"])))
        elif kind == "op":
            arg = (arg, draw(st.sampled_from(["Relu", "Gemm", "MatMul", "Add", "Mul",
                                              "Sigmoid", "Constant", "Identity", ""])))
        elif kind in ("inputs", "outputs"):
            arg = (arg, draw(st.lists(st.sampled_from(["x", "y", "l1.W", "l1.b", "l1.s",
                                                       "l1.y", "", "nope"]), max_size=4)))
        elif kind == "attr":
            arg = (arg, draw(st.sampled_from(["transA", "transB", "alpha", "beta", "value",
                                              "broadcast"])),
                   draw(st.sampled_from([0, 1, 2, -1, 0.5, float("inf"), "s", [1, 2]])))
        elif kind == "meta":
            arg = draw(st.sampled_from(HOSTILE_LITERALS[:20] + ['{"K": "1/3"}',
                                                               '{"input_domain": [[0, 1]]}',
                                                               '{"name": "a\\nb"}']))
        elif kind == "external":
            arg = (arg, draw(st.sampled_from(["d.bin", "../d.bin", "/etc/passwd", "", "sub",
                                              "2-2-2.onnx"])),
                   draw(st.integers(0, 64)), draw(st.one_of(st.none(), st.integers(0, 64))))
        edits.append((kind, arg))
    return edits


def edit_onnx(model: Any, edits: list[tuple[str, Any]], folder: Path) -> None:
    """Apply :func:`onnx_edits` to ``model`` in place (data files go to ``folder``)."""
    from onnx import helper

    g = model.graph
    for kind, arg in edits:
        inits, nodes = list(g.initializer), list(g.node)
        if kind == "dims" and inits:
            t = inits[arg[0] % len(inits)]
            del t.dims[:]
            t.dims.extend(arg[1])
        elif kind == "dtype" and inits:
            inits[arg[0] % len(inits)].data_type = arg[1]
        elif kind == "raw" and inits:
            t = inits[arg[0] % len(inits)]
            t.ClearField("float_data")
            t.raw_data = arg[1]
        elif kind == "domain" and nodes:
            nodes[arg[0] % len(nodes)].domain = arg[1]
        elif kind == "op" and nodes:
            nodes[arg[0] % len(nodes)].op_type = arg[1]
        elif kind in ("inputs", "outputs") and nodes:
            field = getattr(nodes[arg[0] % len(nodes)], "input" if kind == "inputs"
                            else "output")
            del field[:]
            field.extend(arg[1])
        elif kind == "attr" and nodes:
            try:
                nodes[arg[0] % len(nodes)].attribute.append(
                    helper.make_attribute(arg[1], arg[2]))
            except (ValueError, TypeError):
                pass
        elif kind == "meta":
            del model.metadata_props[:]
            helper.set_model_props(model, {"fepproof": arg})
        elif kind == "external" and inits:
            t = inits[arg[0] % len(inits)]
            (folder / "d.bin").write_bytes(bytes(range(arg[2])))
            (folder / "sub").mkdir(exist_ok=True)
            t.ClearField("float_data")
            t.ClearField("raw_data")
            t.data_location = 1  # EXTERNAL
            del t.external_data[:]
            entries = {"location": arg[1], "offset": str(arg[2] // 2)}
            if arg[3] is not None:
                entries["length"] = str(arg[3])
            for key, value in entries.items():
                e = t.external_data.add()
                e.key, e.value = key, value
        elif kind == "drop_init" and inits:
            g.initializer.remove(inits[arg % len(inits)])
        elif kind == "dup_init" and inits:
            g.initializer.append(inits[arg % len(inits)])


@settings(max_examples=examples(120), deadline=None)
@given(onnx_edits(), st.booleans())
def test_fuzz_onnx_fields(edits: list[tuple[str, Any]], external: bool) -> None:
    onnx = pytest.importorskip("onnx")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        path = folder / "2-2-2.onnx"
        model = onnx.ModelProto()
        model.ParseFromString(base_file(".onnx"))
        if external:  # the torch exporter's layout: model.onnx + model.onnx.data
            onnx.save_model(model, str(path), save_as_external_data=True,
                            all_tensors_to_one_file=True, location="2-2-2.onnx.data",
                            size_threshold=0)
            model = onnx.load(str(path), load_external_data=False)
        edit_onnx(model, edits, folder)
        path.write_bytes(model.SerializeToString())
        check_reader(path)


@settings(max_examples=examples(40), deadline=None)
@given(BYTE_EDITS)
def test_fuzz_onnx_external_data_bytes(edits: list[tuple[str, int, int]]) -> None:
    onnx = pytest.importorskip("onnx")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2-2-2.onnx"
        model = onnx.ModelProto()
        model.ParseFromString(base_file(".onnx"))
        onnx.save_model(model, str(path), save_as_external_data=True,
                        all_tensors_to_one_file=True, location="2-2-2.onnx.data",
                        size_threshold=0)
        data = Path(tmp) / "2-2-2.onnx.data"
        data.write_bytes(mutate_bytes(data.read_bytes(), edits))
        check_reader(path)
