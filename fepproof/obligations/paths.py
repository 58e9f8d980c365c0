"""Where the paper's proofs are: the installed package ``fepproof._proofs`` (a wheel maps
the checkout's top-level ``proofs/`` there), else ``proofs/`` beside the package source
(a checkout on ``PYTHONPATH``).  Never the working directory: ``fepproof prove`` runs the
same obligations from any directory; PATHS select others."""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["default_proofs_dir"]


def default_proofs_dir() -> Path:
    """The directory holding the paper's proofs files shipped with this fepproof."""
    try:
        spec = importlib.util.find_spec("fepproof._proofs")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if Path(loc, "theorem2.py").is_file():
                return Path(loc)
    return Path(__file__).resolve().parents[2] / "proofs"
