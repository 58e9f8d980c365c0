"""The check cache's key (``fepproof.check.cache.claim_key``): every claim field a verdict
depends on, and every byte the network and the input box are read from, is in the key, so a
changed claim or an edited file never hits an old verdict."""

import dataclasses
import json
from fractions import Fraction
from pathlib import Path

import pytest

from fepproof.check.cache import claim_key
from fepproof.check.spec import Claim, parse_spec
from fepproof.inputbox import InputBox
from fepproof.network import network_from_dict

NET = {"activation": {"name": "sigmoid", "K": "1"},
       "layers": [{"weights": [["1", "-1/2"], ["3/8", "2"]], "bias": ["0", "1/4"]}],
       "output": {"weights": [["1", "-1"]]}}

# Every field of Claim the verdict depends on, with a changed value for each.
CHANGED = {
    "failures": (0,),
    "model": "byzantine",
    "capacity": Fraction(3, 2),
    "capacity_reading": "value",
    "bound": Fraction(1, 3),
    "output": 0,
    "input_box": InputBox(((Fraction(-1), Fraction(1)), (Fraction(0), Fraction(1, 2))), "x"),
    "engine": "numeric",
    "sizes": "2-2-1",
    "stuck_value": Fraction(1, 2),
    "kind": "accuracy",
    "radius": Fraction(1, 100),
    "samples": 7,
    "min_certified": Fraction(9, 10),
    "min_clean": Fraction(9, 10),
    "min_random": Fraction(9, 10),
}
# Fields that do not change a definitive verdict: the claim's name and position, what the
# user expects (compared after the verdict), the time limit (a timeout is never cached) and
# epsilon / epsilon_prime (the verdict depends on their difference, the bound, above).
# The network, input-box and certificate *files* are covered byte by byte below.
# (the data set of an accuracy claim, like the network, is hashed byte by byte; its path
# is in the key too)
NOT_VERDICT = {"name", "index", "expect", "timeout", "epsilon", "epsilon_prime", "network",
               "input_box_file", "certificate", "data"}


def _spec(tmp_path, box_file=False, network="net.json"):
    box = '"box.json"' if box_file else "[[-1, 1]]"
    text = f"""
[[claim]]
name = "c"
network = "{network}"
failures = [1]
model = "crash"
bound = "1/2"
input_box = {box}
"""
    return parse_spec(text, tmp_path / "fepproof.toml").claims[0]


@pytest.fixture
def base(tmp_path):
    (tmp_path / "net.json").write_text(json.dumps(NET))
    return _spec(tmp_path)


def test_fields_are_classified():
    """A new Claim field must be put in CHANGED (and the key) or NOT_VERDICT."""
    fields = {f.name for f in dataclasses.fields(Claim)}
    assert fields == set(CHANGED) | NOT_VERDICT


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_each_claim_field_changes_the_key(base, field):
    changed = dataclasses.replace(base, **{field: CHANGED[field]})
    assert getattr(changed, field) != getattr(base, field)
    assert claim_key(changed) != claim_key(base), field


def test_adding_a_certificate_changes_the_key(base, tmp_path):
    cert = tmp_path / "claim.cert.json"
    cert.write_text("{}")
    assert claim_key(dataclasses.replace(base, certificate=cert)) != claim_key(base)


def test_every_certificate_byte_is_in_the_key(base, tmp_path):
    cert = tmp_path / "claim.cert.json"
    cert.write_text('{"claim": "c"}')
    claim = dataclasses.replace(base, certificate=cert)
    _flip_each_byte(cert, lambda: claim_key(claim))


def test_bound_none_fep_differs_from_a_number(base):
    assert claim_key(dataclasses.replace(base, bound=None)) != claim_key(base)


def test_key_is_deterministic(base, tmp_path):
    assert claim_key(base) == claim_key(_spec(tmp_path))


def _flip_each_byte(path: Path, key, positions=None):
    """Change the file at every position (or the given ones): the key must change."""
    data = path.read_bytes()
    before = key()
    for i in positions if positions is not None else range(len(data)):
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:])
        assert key() != before, f"{path.name}: byte {i} changed, same key"
    path.write_bytes(data)
    assert key() == before
    path.write_bytes(data + b" ")
    assert key() != before, f"{path.name}: appended byte, same key"
    path.write_bytes(data)


def test_every_network_byte_is_in_the_key(base):
    _flip_each_byte(base.network, lambda: claim_key(base))


def test_every_input_box_file_byte_is_in_the_key(tmp_path):
    (tmp_path / "net.json").write_text(json.dumps(NET))
    (tmp_path / "box.json").write_text('[[-1, 1], [0, "1/2"]]')
    claim = _spec(tmp_path, box_file=True)
    assert claim.input_box_file is not None
    _flip_each_byte(claim.input_box_file, lambda: claim_key(claim))


def _onnx_with_external_data(tmp_path):
    onnx = pytest.importorskip("onnx")
    from fepproof.interop.onnx_io import network_to_onnx
    model = network_to_onnx(network_from_dict(NET))
    path = tmp_path / "net.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="net.onnx.data", size_threshold=0)
    data = tmp_path / "net.onnx.data"
    assert data.is_file() and data.stat().st_size > 0
    return path, data


def test_every_onnx_model_byte_is_in_the_key(tmp_path):
    path, _ = _onnx_with_external_data(tmp_path)
    claim = _spec(tmp_path, network="net.onnx")
    size = path.stat().st_size
    _flip_each_byte(path, lambda: claim_key(claim), range(0, size, max(1, size // 64)))


def test_every_onnx_external_data_byte_is_in_the_key(tmp_path):
    path, data = _onnx_with_external_data(tmp_path)
    claim = _spec(tmp_path, network="net.onnx")
    _flip_each_byte(data, lambda: claim_key(claim))
