"""JUnit XML for CI systems: one ``<testcase>`` per obligation (id, paper result, time);
an unexpected status is a ``<failure>`` (``<error>`` for a crashed check)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..fsutil import atomic_write
from .model import Outcome

__all__ = ["junit_xml", "write_junit", "suite_elements"]


def suite_elements(outcomes: Sequence[Any], name: str) -> tuple[ET.Element, ET.Element]:
    """The ``testsuites`` root and its one ``testsuite`` with the counts and total time of
    ``outcomes`` (anything with ``passed`` and ``verdict``: obligations or claims)."""
    failures = sum(1 for o in outcomes if not o.passed and o.verdict.status.value != "error")
    errors = sum(1 for o in outcomes if not o.passed and o.verdict.status.value == "error")
    total = sum(o.verdict.seconds for o in outcomes)
    suites = ET.Element("testsuites", name=name, tests=str(len(outcomes)),
                        failures=str(failures), errors=str(errors), time=f"{total:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(outcomes)),
                          failures=str(failures), errors=str(errors), skipped="0",
                          time=f"{total:.3f}")
    return suites, suite


def junit_xml(outcomes: Sequence[Outcome], name: str = "fepproof.prove") -> str:
    """The JUnit XML document for ``outcomes`` (no timestamps: stable across runs)."""
    suites, suite = suite_elements(outcomes, name)
    for o in outcomes:
        ob, v = o.obligation, o.verdict
        case = ET.SubElement(suite, "testcase", classname=ob.result, name=ob.id,
                             time=f"{v.seconds:.3f}")
        ET.SubElement(case, "properties")
        props = case.find("properties")
        for key, val in (("method", ob.method), ("expected", ob.expected),
                         ("status", v.status.value), ("source", os.path.basename(ob.source))):
            ET.SubElement(props, "property", name=key, value=val)
        evidence = json.dumps(o.to_json()["evidence"], indent=1, sort_keys=True)
        if not o.passed:
            tag = "error" if v.status.value == "error" else "failure"
            el = ET.SubElement(case, tag, message=f"expected {ob.expected}, got "
                                                  f"{v.status.value}", type=v.status.value)
            el.text = ob.statement_text + "\n" + evidence
        out = ET.SubElement(case, "system-out")
        out.text = f"{ob.statement_text}\n{evidence}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def write_junit(outcomes: Sequence[Outcome], path: str | os.PathLike[str]) -> None:
    """Write the JUnit XML atomically (nothing half-written)."""
    text = junit_xml(outcomes)
    atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
