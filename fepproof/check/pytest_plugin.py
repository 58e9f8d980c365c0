"""pytest plugin (entry point ``pytest11``, name ``fepproof_check``): ``pytest`` collects
the claims of every ``fepproof.toml`` it is pointed at (or finds under its test paths),
one test item per claim, with the same cache and verdicts as ``fepproof check``.

An item passes when the claim gets its expected verdict; ``unknown`` never passes.  A bad
spec is a collection error naming the claim and the key.  A failing item prints the same
lines as ``fepproof check`` (expected and got, reason, witness, claim, box).
"""

from __future__ import annotations

import pytest

__all__ = ["SpecFile", "ClaimItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fepproof")
    group.addoption("--fepproof-no-cache", action="store_true", default=False,
                    help="run fepproof.toml claims without .fepproof-cache/")


def pytest_collect_file(file_path, parent):
    if file_path.name == "fepproof.toml":
        return SpecFile.from_parent(parent, path=file_path)
    return None


class ClaimFailed(Exception):
    """The claim's verdict differs from the expected one."""


class SpecFile(pytest.File):
    def collect(self):
        from .spec import SpecError, load_spec
        from .text import printable
        try:
            spec = load_spec(self.path)
        except SpecError as exc:
            raise self.CollectError(printable(exc)) from None
        for claim in spec.claims:
            yield ClaimItem.from_parent(self, name=printable(claim.name), spec=spec,
                                        claim=claim)


class ClaimItem(pytest.Item):
    def __init__(self, *, spec, claim, **kwargs):
        super().__init__(**kwargs)
        self.spec = spec
        self.claim = claim

    def runtest(self) -> None:
        from .runner import run_claims
        use_cache = not self.config.getoption("fepproof_no_cache")
        (o,) = run_claims(self.spec, [self.claim], jobs=1, use_cache=use_cache)
        self.user_properties.append(("status", o.verdict.status.value))
        self.user_properties.append(("cached", o.cached))
        if not o.passed:
            raise ClaimFailed(o)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailed):  # the lines `fepproof check` prints
            from .report import failure_lines
            return "\n".join(failure_lines(excinfo.value.args[0]))
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"fepproof claim: {self.name}"
