"""No import cycles: every module imports alone, the import graph is acyclic (counting the
imports inside functions too: a lazy import that closes a cycle is still a cycle, as
``netio`` <-> ``interop`` was), and the optional ``onnx`` package is needed only to read
or write ``.onnx`` files."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "fepproof"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or inside functions (not TYPE_CHECKING)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the fepproof modules it imports (explicit import statements)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    base = mod.split(".")
                    base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                # `from pkg import sub` imports the submodule; the package itself is
                # imported first anyway (as for every submodule), so it is no edge.
                subs = [f"{origin}.{a.name}" for a in node.names]
                targets = [t for t in subs if t in mods] or [origin]
                if len(targets) < len(subs):  # some names are attributes of origin
                    targets.append(origin)
            for t in targets:
                if t in mods and t != mod:
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_import_graph_is_acyclic() -> None:
    graph = import_graph()
    assert "fepproof.formats" in graph["fepproof.netio"]  # the graph is really built
    assert "fepproof.formats" in graph["fepproof.interop"]
    assert cycles(graph) == []
    # the core owns the registry: it imports no format plug-in
    assert not graph["fepproof.formats"] & {"fepproof.netio", "fepproof.interop"}


def test_cycle_detector_finds_a_cycle() -> None:
    graph = import_graph()
    graph["fepproof.network"].add("fepproof.netio")  # network <-> netio would be a cycle
    assert any({"fepproof.network", "fepproof.netio"} <= set(c) for c in cycles(graph))


def test_every_module_imports_alone() -> None:
    # One interpreter; before each import every fepproof module is dropped from
    # sys.modules, so each module is imported first, as `python -c 'import m'` would.
    names = sorted(m for m in _modules() if m != "fepproof.__main__")
    script = textwrap.dedent(f"""
        import importlib, sys, traceback
        bad = []
        for name in {names!r}:
            for m in [m for m in sys.modules if m == "fepproof" or m.startswith("fepproof.")]:
                del sys.modules[m]
            try:
                importlib.import_module(name)
            except Exception:
                bad.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
        print("\\n".join(bad))
    """)
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == ""


def test_onnx_is_optional(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        sys.modules["onnx"] = None  # `import onnx` now raises ImportError
        from fepproof.formats import formats, load_network
        from fepproof.network import NetworkError
        assert {".json", ".npz", ".onnx", ".net"} <= set(formats())
        net = load_network("cases/xor.json")
        open(sys.argv[1], "wb").write(b"junk")
        try:
            load_network(sys.argv[1])
        except NetworkError as exc:
            assert "needs the 'onnx' package" in str(exc), exc
            print("refused")
    """)
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.onnx")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "refused"
