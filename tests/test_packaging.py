"""The paper's proofs ship with the package: ``fepproof prove`` runs them from any
directory, from a checkout on PYTHONPATH and from an installed wheel."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fepproof.obligations.paths import default_proofs_dir

ROOT = Path(__file__).resolve().parents[1]


def _prove(cwd, pythonpath, *args):
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "fepproof", "prove", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_default_proofs_dir_is_the_shipped_one():
    d = default_proofs_dir()
    assert (d / "theorem2.py").is_file() and (d / "production.py").is_file()
    assert d.resolve() == (ROOT / "proofs").resolve() or d.name == "_proofs"


def test_prove_from_another_directory(tmp_path):
    (tmp_path / "proofs").mkdir()  # an unrelated proofs/ in the cwd is not picked up
    r = _prove(tmp_path, ROOT, "-k", "theorem1.upper_bound", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [o["id"] for o in data["obligations"]] == ["theorem1.upper_bound"]
    r = _prove(tmp_path, ROOT, str(tmp_path / "proofs"))  # PATHS still select others
    assert r.returncode == 2 and "no obligations" in r.stderr


@pytest.mark.slow
def test_wheel_contains_and_runs_the_proofs(tmp_path):
    src = tmp_path / "src"  # a clean copy: no stale build/ directory in the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("fepproof", "proofs"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q",
                        "-w", str(wheels)], capture_output=True, text=True, timeout=600,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = wheels.glob("fepproof-*.whl")
    names = zipfile.ZipFile(whl).namelist()
    shipped = {Path(n).name for n in names if n.startswith("fepproof/_proofs/")}
    assert {p.name for p in (ROOT / "proofs").glob("*.py")} <= shipped
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                        str(target), str(whl)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    r = _prove(run_dir, target, "-k", "theorem2.", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["obligations"]) >= 4 and data["failed"] == 0
