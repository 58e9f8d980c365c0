"""The mutation check (benchmarks/mutation_check.py): every catalogue entry still applies
to the code, mutations only touch a temporary copy, and the fast subset is caught."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("mutation_check",
                                                  ROOT / "benchmarks" / "mutation_check.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["mutation_check"] = mod
    spec.loader.exec_module(mod)
    return mod


MC = _module()


def test_catalogue_applies_to_the_current_code():
    stale = [m.id for m in MC.CATALOGUE
             if (ROOT / m.file).read_text().count(m.old) != 1]
    assert not stale, f"mutation catalogue out of date: {stale}"
    assert len(MC.CATALOGUE) >= 70
    assert all(m.old != m.new for m in MC.CATALOGUE)
    assert len({m.id for m in MC.CATALOGUE}) == len(MC.CATALOGUE)
    for m in MC.CATALOGUE:
        assert m.want in ("prove", "tests"), m.id
        assert all((ROOT / t).is_file() for t in MC.tests_of(m)), m.id
        if m.want == "tests":
            assert MC.tests_of(m), m.id
    kinds = {m.id.split(".")[0] for m in MC.CATALOGUE}
    assert {"replication", "harden", "crash", "cache", "engines", "envelope", "sigmoid",
            "witness", "replay"} <= kinds


def test_apply_changes_only_the_copy(tmp_path):
    m = MC.CATALOGUE[0]
    before = (ROOT / m.file).read_text()
    MC._copy_tree(tmp_path)
    assert MC.apply(m, tmp_path)
    assert (tmp_path / m.file).read_text() != before
    assert (ROOT / m.file).read_text() == before
    stale = MC.Mutation("stale", m.file, "this text is not in the file", "x", "stale")
    assert not MC.apply(stale, tmp_path)


def test_a_cache_key_mutation_is_caught_by_the_tests_column():
    """Leaving the bound out of the cache key: the tests column (tests/test_cache_key.py
    on the mutated copy) fails, and the working tree is untouched."""
    m = next(m for m in MC.CATALOGUE if m.id == "cache.key_without_bound")
    before = (ROOT / m.file).read_bytes()
    row = MC.run_one(m, fast=True, jobs=1, timeout=300, prove=False)
    assert row["tests"] == "caught" and row["wanted_column_caught"], row
    assert any("test_cache_key" in f for f in row["failed"]), row
    assert (ROOT / m.file).read_bytes() == before


@pytest.mark.slow
def test_fast_subset_is_caught():
    fast = [m for m in MC.CATALOGUE if m.fast]
    assert len(fast) >= 15
    for m in fast:
        row = MC.run_one(m, fast=True, jobs=1, timeout=300, tests=False)
        assert row["prove"] == "caught", (m.id, row)
