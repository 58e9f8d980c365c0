"""pytest plugin (entry point ``pytest11``): ``pytest proofs/`` collects the same
obligations as ``fepproof prove``, one test item per obligation.

A file is collected when it sits in a directory named ``proofs`` and does not start with
an underscore.  Each item runs its check in a child process under
``--obligation-timeout`` seconds and passes when the verdict is the expected one.
"""

from __future__ import annotations

import json

import pytest

__all__ = ["ObligationFile", "ObligationItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fepproof")
    group.addoption("--obligation-timeout", type=float, default=60.0,
                    help="seconds per fepproof obligation before it counts as unknown")


def pytest_collect_file(file_path, parent):
    if (file_path.suffix == ".py" and file_path.parent.name == "proofs"
            and not file_path.name.startswith("_")):
        return ObligationFile.from_parent(parent, path=file_path)
    return None


class ObligationFailed(Exception):
    """The obligation's verdict differs from the expected one."""


class ObligationFile(pytest.File):
    def collect(self):
        from .runner import load_file
        for ob in sorted(load_file(self.path), key=lambda o: o.id):
            yield ObligationItem.from_parent(self, name=ob.id, obligation=ob)


class ObligationItem(pytest.Item):
    def __init__(self, *, obligation, **kwargs):
        super().__init__(**kwargs)
        self.obligation = obligation

    def runtest(self) -> None:
        from .runner import run
        timeout = self.config.getoption("obligation_timeout")
        (outcome,) = run([self.obligation], jobs=1, timeout=timeout)
        self.user_properties.append(("status", outcome.verdict.status.value))
        if not outcome.passed:
            raise ObligationFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ObligationFailed):
            o = excinfo.value.args[0]
            ev = json.dumps(o.to_json()["evidence"], indent=1, sort_keys=True)
            return (f"{o.obligation.id} ({o.obligation.result}, {o.obligation.method}): "
                    f"expected {o.obligation.expected}, got {o.verdict.status.value}\n"
                    f"{o.obligation.statement_text}\n{ev}")
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.obligation.result}: {self.obligation.id}"
