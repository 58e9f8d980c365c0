"""The ``fepproof`` entry point: --version, the command list, lazy imports, and the
install hint for the optional packages."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import fepproof
from fepproof.cli import common
from fepproof.cli.main import COMMAND_HELP, main
from fepproof.network import NetworkError

ROOT = Path(__file__).resolve().parent.parent
FIG1 = str(ROOT / "cases" / "figure1.json")
HEAVY = ("z3", "sympy", "onnx", "matplotlib", "dask", "distributed")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


def test_version_prints_the_package_version() -> None:
    code, out, err = run("--version")
    assert code == 0 and out == f"fepproof {fepproof.__version__}\n" and err == ""
    assert fepproof.__version__.count(".") == 2


def test_help_lists_every_command_with_its_modules_help() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "--version" in out
    for name, text in COMMAND_HELP.items():
        mod = importlib.import_module(f"fepproof.cli.{name.replace('-', '_')}_cmd")
        assert text == mod.HELP, name  # main.py repeats the help so --help imports nothing
        assert name in out


def test_unknown_command_is_one_line() -> None:
    code, out, err = run("nosuch")
    assert code == 2 and out == "" and err.count("\n") == 1 and "invalid choice" in err


def _imported_after(code: str, names: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``names`` a fresh interpreter has imported after running ``code``."""
    probe = (f"import sys\n{code}\n"
             f"print(','.join(m for m in {names!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return [m for m in last.split(",") if m]


def test_importing_the_cli_imports_no_heavy_package() -> None:
    assert _imported_after("import fepproof.cli.main") == []


def test_help_and_closed_form_commands_import_no_heavy_package() -> None:
    call = ("import io\nfrom fepproof.cli.main import main\n"
            "main({argv!r}, io.StringIO(), io.StringIO())")
    assert _imported_after(call.format(argv=["--help"])) == []
    # --help lists the commands without importing their modules
    modules = tuple(f"fepproof.cli.{name.replace('-', '_')}_cmd" for name in COMMAND_HELP)
    assert _imported_after(call.format(argv=["--help"]), modules) == []
    assert _imported_after(call.format(argv=["bound", "--help"]), modules) == [
        "fepproof.cli.bound_cmd"]
    assert _imported_after(call.format(argv=["bound", FIG1, "--failures", "1,0,1"])) == []
    # the numeric engine needs neither z3 nor sympy
    assert _imported_after(call.format(argv=["verify", FIG1, "--failures", "1,0,1",
                                             "--engine", "numeric", "--timeout", "2",
                                             "--quiet"])) == []


def test_stale_install_hint_is_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path, **_kw):
        raise NetworkError("file: reading/writing .onnx needs the 'onnx' package "
                           "(pip install 'fepproof[interop]')")
    monkeypatch.setattr(common, "load_network", refuse)
    code, _, err = run("bound", "net.onnx", "--failures", "1")
    assert code == 2 and err.count("\n") == 1
    assert "fepproof[interop]" not in err and "pip install -e '.[interop]'" in err
    assert "pip install -e '.[interop]'" in common.INSTALL_INTEROP


def test_json_outputs_still_parse() -> None:
    code, out, _ = run("bound", FIG1, "--failures", "1,0,1", "--json")
    assert code == 0 and json.loads(out)["fep"] == "91/32"
