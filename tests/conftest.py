"""Shared test set-up: a fixed, derandomised hypothesis profile (same run every time), and
tests marked ``slow`` (over ~15 s on 2 cores) left out of the default run.

``python -m pytest -q`` runs the fast tests; ``-m slow`` only the slow ones; ``--slow``
(or any ``-m`` expression, e.g. ``-m "slow or not slow"``) everything it selects.  A slow
test named on the command line (``tests/test_x.py::test_y``) always runs.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "fepproof", derandomize=True, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", derandomize=False, deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fepproof"))


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--slow``: also run the tests marked slow."""
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the tests marked slow (over ~15 s on 2 cores)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the slow tests unless asked for (``--slow``, ``-m``, or by node id)."""
    if config.getoption("--slow") or config.getoption("markexpr", ""):
        return
    named = [a.replace(os.sep, "/") for a in config.args if "::" in a]
    keep, drop = [], []
    for item in items:
        wanted = any(item.nodeid == a or item.nodeid.startswith(a + "[")
                     or item.nodeid.endswith("/" + a) for a in named)
        (drop if item.get_closest_marker("slow") and not wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
