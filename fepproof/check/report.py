"""What ``fepproof check`` prints and writes: the table, JSON, JUnit XML (the obligation
runner's writer, one ``<testcase>`` per claim)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..abbrev import abbreviate
from ..netio import atomic_write
from ..obligations.junit import junit_xml
from .runner import ClaimOutcome

__all__ = ["table", "summary", "to_json", "write_junit"]


def _bracket(o: ClaimOutcome) -> str:
    ev = o.verdict.evidence
    lo, up = ev.get("lower"), ev.get("upper")
    if lo is None and up is None:
        return "-"
    return f"[{_num(lo)}, {_num(up)}]"


def _num(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}"


def _net(o: ClaimOutcome, base: Path) -> str:
    try:
        return str(o.claim.network.relative_to(base))
    except ValueError:
        return str(o.claim.network)


def table(outcomes: Sequence[ClaimOutcome], base: Path) -> str:
    rows = [("claim", "network", "verdict", "expected", "bracket", "seconds", "")]
    for o in outcomes:
        rows.append((o.claim.name, _net(o, base), o.verdict.status.value, o.claim.expect,
                     _bracket(o), f"{o.verdict.seconds:.2f}",
                     ("cached " if o.cached else "") + ("ok" if o.passed else "FAIL")))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if c not in (5,) else cell.rjust(w)
                       for c, (cell, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    for o in outcomes:
        if o.passed:
            continue
        ev = o.verdict.evidence
        detail = [f"  {o.claim.name}: expected {o.claim.expect}, got "
                  f"{o.verdict.status.value}"]
        if ev.get("reason"):
            detail.append(f"    reason: {ev['reason']}")
        w = ev.get("witness")
        if w:
            detail.append(f"    witness: x = {abbreviate(w.get('input', []), _g)}, failed "
                          f"[{', '.join(abbreviate(r) for r in w.get('failed', []))}], error "
                          f"{w.get('error')}")
        if ev.get("bound") is not None:
            detail.append(f"    claim: |F_neu - F_fail| <= {ev['bound']} (Fep {ev.get('fep')})")
        box = ev.get("input_box")
        if isinstance(box, dict) and box.get("box"):
            pairs = box["box"]
            text = (f"[{pairs[0][0]}, {pairs[0][1]}]^{len(pairs)}" if all(
                p == pairs[0] for p in pairs) else abbreviate([f"[{a}, {b}]" for a, b in pairs]))
            detail.append(f"    box: {text} ({box.get('source')})")
        lines.extend(detail)
    return "\n".join(lines) + "\n"


def _g(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def summary(outcomes: Sequence[ClaimOutcome], seconds: float) -> str:
    passed = sum(o.passed for o in outcomes)
    cached = sum(o.cached for o in outcomes)
    return (f"{len(outcomes)} claim(s): {passed} passed, {len(outcomes) - passed} failed "
            f"({cached} from cache) in {seconds:.2f} s\n")


def to_json(outcomes: Sequence[ClaimOutcome], spec: Path, seconds: float) -> dict[str, Any]:
    passed = sum(o.passed for o in outcomes)
    return {"spec": str(spec), "claims": [o.to_json() for o in outcomes], "passed": passed,
            "failed": len(outcomes) - passed, "cached": sum(o.cached for o in outcomes),
            "seconds": round(seconds, 3)}


def write_junit(outcomes: Sequence[ClaimOutcome], path: str | Path) -> None:
    """JUnit XML, atomically: one testcase per claim (classname = network file)."""
    text = junit_xml([o.outcome for o in outcomes], name="fepproof.check")
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
