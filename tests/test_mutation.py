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
    assert len(MC.CATALOGUE) >= 30
    assert all(m.old != m.new for m in MC.CATALOGUE)


def test_apply_changes_only_the_copy(tmp_path):
    m = MC.CATALOGUE[0]
    before = (ROOT / m.file).read_text()
    MC._copy_tree(tmp_path)
    assert MC.apply(m, tmp_path)
    assert (tmp_path / m.file).read_text() != before
    assert (ROOT / m.file).read_text() == before
    stale = MC.Mutation("stale", m.file, "this text is not in the file", "x", "stale")
    assert not MC.apply(stale, tmp_path)


@pytest.mark.slow
def test_fast_subset_is_caught():
    fast = [m for m in MC.CATALOGUE if m.fast]
    assert len(fast) >= 6
    for m in fast:
        row = MC.run_one(m, fast=True, jobs=1, timeout=60)
        assert row["status"] == "caught", (m.id, row)
