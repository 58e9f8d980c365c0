"""Shared test set-up: a fixed, derandomised hypothesis profile (same run every time)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fepproof", derandomize=True, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", derandomize=False, deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fepproof"))
