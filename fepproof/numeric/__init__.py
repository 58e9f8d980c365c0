"""Numeric engine for networks too large for z3: certified upper bound
(:mod:`.upper`), witness search (:mod:`.search`), the engine (:mod:`.engine`)."""

from .engine import build_witness, choose_engine, verify_numeric
from .floatnet import FloatNet
from .search import search
from .upper import box_upper, certified_upper

__all__ = ["verify_numeric", "choose_engine", "build_witness", "search", "FloatNet",
           "box_upper", "certified_upper"]
