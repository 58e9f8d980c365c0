"""``fepproof prove``: table, --json, --junit, exit codes, and ``pytest proofs/``."""

import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fepproof.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
PROOFS = ROOT / "proofs"


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def full_json():
    code, out, _ = _run(["prove", str(PROOFS), "--json", "--jobs", "2"])
    return code, json.loads(out)


def test_whole_suite_passes(full_json):
    code, data = full_json
    assert code == 0
    assert data["failed"] == 0 and data["passed"] == len(data["obligations"]) >= 30
    ob = data["obligations"][0]
    assert set(ob) == {"id", "result", "method", "expected", "status", "seconds", "evidence"}
    ids = [o["id"] for o in data["obligations"]]
    assert ids == sorted(ids)
    assert {o["status"] for o in data["obligations"]} == {"proved", "refuted"}
    assert isinstance(data["seconds"], float)


def test_table_and_junit(tmp_path):
    junit = tmp_path / "out.xml"
    code, out, _ = _run(["prove", str(PROOFS / "theorem2.py"), "--junit", str(junit)])
    assert code == 0
    assert out.splitlines()[0].split()[:5] == ["id", "method", "expected", "got", "seconds"]
    assert "theorem2.induction_step_as_written" in out and "refuted" in out
    assert "4 obligations: 4 passed, 0 failed" in out
    cases = ET.parse(junit).getroot().findall(".//testcase")
    assert len(cases) == 4


def test_select_and_deterministic_statuses():
    a = _run(["prove", str(PROOFS), "-k", "theorem1.", "--json"])
    b = _run(["prove", str(PROOFS), "-k", "theorem1.", "--json"])
    sa = [(o["id"], o["status"], o["evidence"]) for o in json.loads(a[1])["obligations"]]
    sb = [(o["id"], o["status"], o["evidence"]) for o in json.loads(b[1])["obligations"]]
    assert sa == sb and len(sa) == 5


FAILING = """
from fepproof.obligations import obligation, refuted

@obligation(id="bad.claim", result="X", statement_text="0 = 1", method="numeric",
            expected="proved")
def claim():
    return refuted("0 = 1", "test", residual="1")
"""


def test_failed_obligation_exits_1(tmp_path):
    p = tmp_path / "bad.py"
    p.write_text(FAILING)
    code, out, _ = _run(["prove", str(p)])
    assert code == 1
    assert "FAIL" in out and "0 passed, 1 failed" in out


@pytest.mark.parametrize("argv, msg", [
    (["prove", "no/such/dir"], "no such file"),
    (["prove", str(PROOFS), "--jobs", "0"], "--jobs"),
    (["prove", str(PROOFS), "--timeout", "0"], "--timeout"),
    (["prove", str(PROOFS), "-k", "nothing-matches-this"], "no obligations"),
])
def test_usage_errors_exit_2(argv, msg):
    code, out, err = _run(argv)
    assert code == 2 and msg in err and out == ""
    assert len(err.strip().splitlines()) == 1


def test_broken_proofs_file_exits_2(tmp_path):
    p = tmp_path / "broken.py"
    p.write_text("import no_such_module_xyz\n")
    code, _, err = _run(["prove", str(p)])
    assert code == 2 and "broken.py" in err


def test_pytest_plugin_collects_obligations():
    r = subprocess.run([sys.executable, "-m", "pytest", str(PROOFS / "theorem1.py"), "-q",
                        "-p", "no:cacheprovider", "--collect-only"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "theorem1.upper_bound" in r.stdout and "5 tests collected" in r.stdout
    r = subprocess.run([sys.executable, "-m", "pytest", str(PROOFS / "lemma2.py"), "-q",
                        "-p", "no:cacheprovider"], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 0 and "4 passed" in r.stdout, r.stdout + r.stderr
