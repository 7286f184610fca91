"""Test-suite settings: property tests draw the same examples on every run, so CI is reproducible."""

from hypothesis import settings

settings.register_profile("hackgrad", derandomize=True, deadline=None)
settings.load_profile("hackgrad")
