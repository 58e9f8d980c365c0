"""``fepproof check``: a project's own networks in CI.

A ``fepproof.toml`` states what each network must tolerate (:mod:`.spec`); every claim is
decided by the verify engine in parallel processes (:mod:`.runner`), cached by content
(:mod:`.cache`) and reported as a table, JSON or JUnit XML (:mod:`.report`).  The pytest
plugin (:mod:`.pytest_plugin`) collects the same claims as test items.
"""

from .spec import Claim, Spec, SpecError, load_spec, parse_spec

__all__ = ["Claim", "Spec", "SpecError", "load_spec", "parse_spec"]
