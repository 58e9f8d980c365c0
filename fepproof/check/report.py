"""What ``fepproof check`` prints and writes: the table, JSON, JUnit XML (one
``<testcase>`` per claim).  Names and reasons come from the spec and the cache, so every
text is escaped (:mod:`.text`) before it reaches a terminal or an XML file."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..abbrev import abbreviate
from ..fsutil import atomic_write
from .runner import ClaimOutcome
from .text import printable, xml_text

__all__ = ["table", "failure_lines", "summary", "to_json", "junit_xml", "write_junit"]


def _bracket(o: ClaimOutcome) -> str:
    ev = o.verdict.evidence
    lo, up = ev.get("lower"), ev.get("upper")
    if lo is None and up is None:
        return "-"
    return f"[{_num(lo)}, {_num(up)}]"


def _num(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else "?"


def _net(o: ClaimOutcome, base: Path) -> str:
    try:
        return str(o.claim.network.relative_to(base))
    except ValueError:
        return str(o.claim.network)


def failure_lines(o: ClaimOutcome) -> list[str]:
    """What a failing claim prints (the CLI after its table, pytest as the failure):
    expected and got, the reason, the replayed witness, the claim and the box."""
    ev = o.verdict.evidence
    lines = [f"{o.claim.name}: expected {o.claim.expect}, got {o.verdict.status.value}"
             + (" (from the cache)" if o.cached else "")]
    if ev.get("reason"):
        lines.append(f"  reason: {ev['reason']}")
    w = ev.get("witness")
    if isinstance(w, dict) and isinstance(w.get("input"), list) \
            and isinstance(w.get("failed"), list):
        failed = [abbreviate(r) if isinstance(r, list) else str(r) for r in w["failed"]]
        lines.append(f"  witness: x = {abbreviate(w['input'], _g)}, failed "
                     f"[{', '.join(failed)}], error {w.get('error')}")
    if ev.get("bound") is not None:
        lines.append(f"  claim: |F_neu - F_fail| <= {ev['bound']} (Fep {ev.get('fep')})")
    box = ev.get("input_box")
    if isinstance(box, dict) and isinstance(box.get("box"), list) and box["box"] and all(
            isinstance(p, list) and len(p) == 2 for p in box["box"]):
        pairs = box["box"]
        text = (f"[{pairs[0][0]}, {pairs[0][1]}]^{len(pairs)}" if all(
            p == pairs[0] for p in pairs) else abbreviate([f"[{a}, {b}]" for a, b in pairs]))
        lines.append(f"  box: {text} ({box.get('source')})")
    return [printable(line) for line in lines]


def table(outcomes: Sequence[ClaimOutcome], base: Path) -> str:
    """The table (claim, network, verdict, expected, bracket, seconds, ok / FAIL), then
    the :func:`failure_lines` of each failing claim; control characters escaped.
    ``seconds`` is this run's time: a cached verdict shows its lookup and re-check."""
    rows = [("claim", "network", "verdict", "expected", "bracket", "seconds", "")]
    for o in outcomes:
        rows.append((printable(o.claim.name), printable(_net(o, base)),
                     o.verdict.status.value, o.claim.expect, _bracket(o),
                     f"{o.verdict.seconds:.2f}",
                     ("cached " if o.cached else "") + ("ok" if o.passed else "FAIL")))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if c not in (5,) else cell.rjust(w)
                       for c, (cell, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    for o in outcomes:
        if not o.passed:
            lines.extend("  " + line for line in failure_lines(o))
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


def _case_text(o: ClaimOutcome) -> str:
    head = o.claim.describe()
    if o.cached:
        head += (f"\nfrom .fepproof-cache/ (verified in {o.verified_seconds or 0.0:.3f} s by an "
                 f"earlier run; {o.cache_check})")
    return head + "\n" + json.dumps(o.to_json()["evidence"], indent=1, sort_keys=True)


def junit_xml(outcomes: Sequence[ClaimOutcome], name: str = "fepproof.check") -> str:
    """JUnit XML: one testcase per claim (classname = network file).  Times are this
    run's (a cached verdict's lookup and re-check; the original time is the
    ``verified_seconds`` property); a cached verdict has the property ``cached`` = true
    and says so in its output.  Every text is XML 1.0: control characters are written
    as visible escapes like ``\\x1b`` (in attributes, newlines too)."""
    from ..obligations.junit import suite_elements
    suites, suite = suite_elements(outcomes, name)
    for o in outcomes:
        v = o.verdict
        case = ET.SubElement(suite, "testcase", classname=printable(o.claim.network.name),
                             name=printable(o.claim.name), time=f"{v.seconds:.3f}")
        props = ET.SubElement(case, "properties")
        values = [("method", o.claim.method), ("expected", o.claim.expect),
                  ("status", v.status.value),
                  ("source", os.path.basename(o.outcome.obligation.source)),
                  ("cached", "true" if o.cached else "false")]
        if o.cached:
            values += [("verified_seconds", f"{o.verified_seconds or 0.0:.3f}"),
                       ("cache_check", o.cache_check or "")]
        for key, val in values:
            ET.SubElement(props, "property", name=key, value=printable(val))
        text = xml_text(_case_text(o))
        if not o.passed:
            tag = "error" if v.status.value == "error" else "failure"
            el = ET.SubElement(case, tag, message=printable(
                f"expected {o.claim.expect}, got {v.status.value}"), type=v.status.value)
            el.text = xml_text("\n".join(failure_lines(o))) + "\n\n" + text
        ET.SubElement(case, "system-out").text = text
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def write_junit(outcomes: Sequence[ClaimOutcome], path: str | Path) -> None:
    """Write :func:`junit_xml` atomically (nothing half-written)."""
    text = junit_xml(outcomes)
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))
