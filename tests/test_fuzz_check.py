"""Hostile input for ``fepproof check``: the spec parser and the cache reader take random
bytes, huge numbers, deep nesting and special files and answer with one clear line (spec)
or a miss (cache) — never a traceback, a hang or a believed forgery; the report stays
printable and the JUnit XML parseable whatever the names and reasons hold."""

from __future__ import annotations

import dataclasses
import json
import os
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fepproof.check.cache import (
    CACHE_DIR,
    FORMAT,
    cache_get,
    cache_put,
    entry_integrity,
)
from fepproof.check.report import failure_lines, junit_xml, table
from fepproof.check.runner import ClaimOutcome, claim_obligation
from fepproof.check.spec import SpecError, load_spec, parse_spec
from fepproof.obligations.model import Outcome
from fepproof.verdict import Status, Verdict

ROOT = Path(__file__).resolve().parent.parent
FIG1 = ROOT / "cases" / "figure1.json"
KEY = "ab" * 32
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=20)


def _one_line(exc: SpecError) -> None:
    assert str(exc) and "\n" not in str(exc)


# ---- the spec -----------------------------------------------------------------------

@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_as_a_spec_are_one_line(tmp_path, data):
    p = tmp_path / "fepproof.toml"
    p.write_bytes(data)
    try:
        load_spec(p)
    except SpecError as exc:
        _one_line(exc)


hostile_values = st.sampled_from([
    "1e999999999", "-1e-999999999", "nan", "inf", "-inf", "9" * 5000, "1" + "0" * 400,
    "0x7fffffffffffffff", "1_000_000_000_000", '"' + "9" * 5000 + '"', '"1/0"',
    "[" * 300 + "]" * 300, "{a = {b = {c = {d = 1}}}}", '"\\u001b[2J"', '"\\u0000"', "true",
    '"1,0,1"', "[1, 0, 1]", "[-1, 0, 1]", "[" + "1, " * 2000 + "1]", '"fep"', '"784-98-10"',
    "[[0, 1], [2]]", '""', "1979-05-27T07:32:00Z"])


@SETTINGS
@given(claim=st.dictionaries(st.sampled_from(
    ["failures", "model", "capacity", "capacity_reading", "bound", "epsilon", "epsilon_prime",
     "output", "input_box", "expect", "engine", "timeout", "sizes", "stuck_value", "network",
     "name", "zzz"]), hostile_values, max_size=6))
def test_hostile_values_in_a_claim_are_one_line(tmp_path, claim):
    claim.setdefault("name", '"x"')
    claim.setdefault("network", json.dumps(str(FIG1)))
    text = "[[claim]]\n" + "".join(f"{k} = {v}\n" for k, v in claim.items())
    try:
        spec = parse_spec(text, tmp_path / "fepproof.toml")
    except SpecError as exc:
        _one_line(exc)
    else:
        (c,) = spec.claims
        assert all(isinstance(v, int) and v >= 0 for v in c.failures)
        assert c.sizes is None or c.network.suffix == ".net"


@pytest.mark.parametrize("depth", [100, 5000, 200_000])
def test_deep_nesting_in_a_spec_is_one_line(tmp_path, depth):
    text = f'[[claim]]\nname = "x"\nfailures = {"[" * depth}{"]" * depth}\n'
    with pytest.raises(SpecError) as exc:
        parse_spec(text, tmp_path / "fepproof.toml")
    _one_line(exc.value)


# ---- the cache ------------------------------------------------------------------------

def _entry(base: Path) -> Path:
    (base / CACHE_DIR).mkdir(exist_ok=True)
    return base / CACHE_DIR / f"{KEY}.json"


@SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_as_an_entry_are_a_miss(tmp_path, data):
    _entry(tmp_path).write_bytes(data)
    assert cache_get(tmp_path, KEY) is None


@SETTINGS
@given(value=json_values)
def test_unsealed_json_is_a_miss(tmp_path, value):
    """Any JSON not sealed with the key's integrity digest is a miss, even one shaped
    like an entry."""
    entry = {"format": FORMAT, "key": KEY, "status": "proved", "evidence": {},
             "engine": "z3", "seconds": 1.0, "integrity": "0" * 64}
    for doc in (value, {**entry, "evidence": {"x": value}}):
        _entry(tmp_path).write_text(json.dumps(doc))
        assert cache_get(tmp_path, KEY) is None


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000,
    '{"format": "' + FORMAT + '", "seconds": ' + "9" * 100_000 + "}",
    '{"format": "' + FORMAT + '", "seconds": 1e999999}', "\udcff" * 10])
def test_hostile_entry_text_is_a_miss(tmp_path, text):
    _entry(tmp_path).write_bytes(text.encode("utf-8", "surrogateescape"))
    assert cache_get(tmp_path, KEY) is None


@SETTINGS
@given(evidence=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
       status=st.sampled_from(["proved", "refuted"]),
       seconds=st.floats(0, 1e6))
def test_what_is_put_is_what_is_got(tmp_path, evidence, status, seconds):
    cache_put(tmp_path, KEY, status, evidence, "z3", seconds)
    got = cache_get(tmp_path, KEY)
    assert got is not None and got["status"] == status and got["seconds"] == seconds
    assert json.dumps(got["evidence"], sort_keys=True) == json.dumps(evidence, sort_keys=True)
    assert cache_get(tmp_path, "cd" * 32) is None  # another key: not this entry
    assert cache_get(tmp_path, KEY, lambda e: False) is None  # the validation hook decides


@SETTINGS
@given(field=st.sampled_from(["status", "engine", "seconds", "evidence", "key"]),
       value=json_values)
def test_any_edit_breaks_the_seal(tmp_path, field, value):
    cache_put(tmp_path, KEY, "refuted", {"witness": {"input": [0.5]}}, "z3", 2.0)
    entry = _entry(tmp_path)
    data = json.loads(entry.read_text())
    if data[field] == value:
        return
    data[field] = value
    entry.write_text(json.dumps(data))
    assert cache_get(tmp_path, KEY) is None


def test_an_entry_resealed_by_hand_still_goes_through_the_hook(tmp_path):
    """The integrity digest is tamper-evidence, not authentication: whoever recomputes it
    gets past it, so the validation hook has the last word."""
    content = {"format": FORMAT, "key": KEY, "status": "proved", "evidence": {},
               "engine": "z3", "seconds": 0.0}
    content["integrity"] = entry_integrity(KEY, content)
    _entry(tmp_path).write_text(json.dumps(content))
    assert cache_get(tmp_path, KEY) is not None
    seen = []
    assert cache_get(tmp_path, KEY, lambda e: seen.append(e) or False) is None
    assert seen[0]["status"] == "proved" and "integrity" not in seen[0]

    def boom(entry):
        raise ValueError("cannot decide")
    assert cache_get(tmp_path, KEY, boom) is None


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "symlink-to-entry", "directory",
                                  "socket"])
def test_special_files_as_entries_are_a_miss_and_replaced(tmp_path, kind, monkeypatch):
    import socket
    entry = _entry(tmp_path)
    if kind == "fifo":
        os.mkfifo(entry)
    elif kind == "dev-zero":
        entry.symlink_to("/dev/zero")
    elif kind == "symlink-to-entry":  # even a valid entry is not read through a link
        cache_put(tmp_path / "other", KEY, "proved", {}, "z3", 1.0)
        entry.symlink_to(tmp_path / "other" / CACHE_DIR / f"{KEY}.json")
    elif kind == "directory":
        entry.mkdir()
    else:
        sock = socket.socket(socket.AF_UNIX)
        monkeypatch.chdir(entry.parent)  # a short name: unix socket paths are limited
        try:
            sock.bind(entry.name)
        except OSError:
            pytest.skip("cannot bind a unix socket here")
        sock.close()
    assert cache_get(tmp_path, KEY) is None
    cache_put(tmp_path, KEY, "proved", {}, "z3", 1.0)
    if kind == "directory":
        assert cache_get(tmp_path, KEY) is None  # cannot be replaced; stays a miss
    else:
        assert entry.is_file() and not entry.is_symlink()
        assert cache_get(tmp_path, KEY)["status"] == "proved"


# ---- the report ---------------------------------------------------------------------

def _outcome(name: str, reason: str, cached: bool) -> ClaimOutcome:
    spec = parse_spec(f'[[claim]]\nname = "x"\nnetwork = "{FIG1}"\nfailures = [1, 0, 1]\n',
                      FIG1.parent / "fepproof.toml")
    claim = dataclasses.replace(spec.claims[0], name=name)
    v = Verdict(Status.REFUTED, claim.describe(), {"reason": reason, "bound": "1/2",
                                                   "witness": {"input": [reason],
                                                               "failed": [[reason]]}},
                "z3", 0.5)
    return ClaimOutcome(claim, Outcome(claim_obligation(claim, spec.path), v), cached, 1.0,
                        reason if cached else None)


@SETTINGS
@given(name=st.text(st.characters(codec=None, exclude_categories=()), min_size=1,
                    max_size=30),
       reason=st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
       cached=st.booleans())
def test_any_name_or_reason_prints_safely_and_junit_parses(name, reason, cached):
    o = _outcome(name, reason, cached)
    text = _render(o)
    assert not [c for c in text if c != "\n" and _unsafe(c)]
    assert text.count("\n") == _render(_outcome("n", "r" if reason else "", cached)).count("\n")
    root = ET.fromstring(junit_xml([o]).encode("utf-8"))
    (case,) = root.iter("testcase")
    assert not [c for c in case.get("name") if _unsafe(c)]


def _render(o: ClaimOutcome) -> str:
    return table([o], FIG1.parent) + "\n".join(failure_lines(o))


def _unsafe(c: str) -> bool:
    """A character a terminal may act on or XML 1.0 forbids."""
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or \
        (ord(c) & 0xFFFE) == 0xFFFE
