"""The z3 encoding of one verification query over a sound relaxation (exact rationals).

Variables: the input x in its box; the nominal network (s, y per hidden neuron); the
faulty copy (s', y'), shared with the nominal one before the first layer with failures.
y = phi(s) is relaxed by the certified envelopes of :mod:`.envelope` on the pieces the
neuron can reach (its interval range); nominal and faulty copies of a neuron are coupled
by monotonicity and a Lipschitz bound; ranges of s' - s and y' - y from the difference
network are added as linear bounds.  Failure sets are either fixed (enumerated outside
z3) or z3 Booleans with per-layer cardinality constraints (``boolean``).
The query asks for |sum_i w_i (y_i - y'_i)| > t; UNSAT proves the error <= t.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import z3

from ..failures import FailureModel
from ..network import Network
from .answer import Answer, answer_of
from .envelope import Piece, hull_lines, max_slope, pieces
from .ibp import FAILED, MAYBE, OK, FaultBounds, Interval, LayerBounds

__all__ = ["Encoding", "Model", "default_breakpoints", "Key"]

Key = tuple[str, int, int]  # ("n" nominal | "f" faulty, layer 0-based, neuron)
CUTS: tuple[int, ...] = (1, 2, 4, 8)


def default_breakpoints(k: Fraction) -> tuple[Fraction, ...]:
    """Initial cuts at k s = +-1, +-2, +-4, +-8 (0 is always a cut)."""
    return tuple(sgn * Fraction(c) / k for c in CUTS for sgn in (1, -1))


def _q(v: Fraction) -> z3.ArithRef:
    """An exact z3 rational (parsed from "p/q": much faster than z3.Q)."""
    return z3.RealVal(f"{v.numerator}/{v.denominator}" if v.denominator != 1 else v.numerator)


def _lin(row: Sequence[Fraction], xs: Sequence[z3.ArithRef], b: Fraction) -> z3.ArithRef:
    terms = [_q(w) * x for w, x in zip(row, xs, strict=True) if w != 0]
    return z3.Sum(*terms, _q(b)) if terms else _q(b)


@dataclass
class Model:
    """A satisfying assignment of the relaxation, as rationals."""

    x: tuple[Fraction, ...]
    s: dict[Key, Fraction]
    y: dict[Key, Fraction]
    failed: tuple[tuple[int, ...], ...]
    sent: dict[tuple[int, int], Fraction]
    error: Fraction


@dataclass
class Encoding:
    """Build once per (item, breakpoints); query many thresholds with push/pop."""

    net: Network
    model: FailureModel
    out_row: Sequence[Fraction]
    status: Sequence[Sequence[int]]
    failures: Sequence[int]
    nom: list[LayerBounds]
    fb: FaultBounds
    breaks: Mapping[Key, Sequence[Fraction]]
    coupling: bool = True
    diff_bounds: bool = True
    logic: str | None = "QF_LRA"
    box: Sequence[Interval] | None = None
    relax: str = "hull"  # "hull": conjunction of globally valid lines; "pieces": case split
    # a branch-and-bound leaf's windows [ulo, uhi] of the control u of free sent values
    # (sent = y + C u in the deviation reading, C u in the value reading), per (layer, j)
    sent_windows: Mapping[tuple[int, int], Interval] | None = None
    n_pieces: int = 0
    _vars: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        boolean = any(st == MAYBE for row in self.status for st in row)
        self.solver = z3.SolverFor(self.logic) if self.logic and not boolean else z3.Solver()
        self.solver.set("random_seed", 0)
        self._build()

    # ---- construction ------------------------------------------------------------
    def _relax(self, key: Key, s: z3.ArithRef, y: z3.ArithRef, rng: Interval) -> None:
        k = self.net.activation.slope
        ps: list[Piece] = pieces(k, rng[0], rng[1], tuple(self.breaks.get(key, ())))
        self.n_pieces += len(ps)
        add = self.solver.add
        add(s >= _q(rng[0]), s <= _q(rng[1]))
        add(y >= _q(ps[0].lower[0].c), y <= _q(ps[-1].upper[0].c))

        if self.relax == "hull":
            lower, upper = hull_lines(k, ps)
            add(*[y >= _q(ln.m) * s + _q(ln.c) for ln in lower],
                *[y <= _q(ln.m) * s + _q(ln.c) for ln in upper])
            return

        def lines(p: Piece) -> list[z3.BoolRef]:
            return ([y >= _q(ln.m) * s + _q(ln.c) for ln in p.lower]
                    + [y <= _q(ln.m) * s + _q(ln.c) for ln in p.upper])
        if len(ps) == 1:
            add(*lines(ps[0]))
        else:
            add(z3.Or(*[z3.And(s >= _q(p.a), s <= _q(p.b), *lines(p)) for p in ps]))

    def _build(self) -> None:
        net, add = self.net, self.solver.add
        xs = [z3.Real(f"x{i}") for i in range(net.input_dim)]
        box = net.input_domain if self.box is None else self.box
        for x, (lo, hi) in zip(xs, box, strict=True):
            add(x >= _q(lo), x <= _q(hi))
        self._vars["x"] = xs
        first = min((l for l, row in enumerate(self.status) if any(st != OK for st in row)),
                    default=net.depth)
        ys, yfs = xs, xs
        C = self.model.C
        for l, layer in enumerate(net.layers):
            new_y, new_yf = [], []
            for j, (row, b) in enumerate(zip(layer.weights, layer.bias, strict=True)):
                s, y = z3.Real(f"s{l}_{j}"), z3.Real(f"y{l}_{j}")
                add(s == _lin(row, ys, b))
                self._relax(("n", l, j), s, y, self.nom[l].s[j])
                self._vars[("s", "n", l, j)], self._vars[("y", "n", l, j)] = s, y
                st = self.status[l][j]
                if l < first or (l == first and st == OK):
                    yf = y
                    self._vars[("s", "f", l, j)] = s
                else:
                    if l == first:
                        r = y
                        self._vars[("s", "f", l, j)] = s
                    else:
                        sf, r = z3.Real(f"sf{l}_{j}"), z3.Real(f"rf{l}_{j}")
                        add(sf == _lin(row, yfs, b))
                        self._relax(("f", l, j), sf, r, self.fb.s[l][j])
                        self._vars[("s", "f", l, j)] = sf
                        if self.diff_bounds:
                            lo, hi = self.fb.ds[l][j]
                            add(sf - s >= _q(lo), sf - s <= _q(hi))
                        if self.coupling:
                            nl, fl = self.nom[l].s[j], self.fb.s[l][j]
                            lip = _q(max_slope(net.activation.slope, min(nl[0], fl[0]),
                                               max(nl[1], fl[1])))
                            add(*self._coupling(s, sf, y, r, lip, self.fb.ds[l][j]))
                    if st == OK:
                        yf = r
                    else:
                        fixed = self.model.fixed_value
                        if fixed is not None:  # crash, stuck-at: the exact sent value
                            v = _q(fixed)
                        else:
                            v = z3.Real(f"v{l}_{j}")
                            if self.model.tracks_nominal:  # |v - y| <= C
                                add(v - y <= _q(C), y - v <= _q(C))
                            else:  # the value reading: |v| <= C
                                slo, shi = self.model.sent_interval(Fraction(0), Fraction(0))
                                add(v <= _q(shi), v >= _q(slo))
                            win = (self.sent_windows or {}).get((l, j))
                            if win is not None:
                                off = v - y if self.model.tracks_nominal else v
                                add(off >= _q(C * win[0]), off <= _q(C * win[1]))
                        self._vars[("v", l, j)] = v
                        if st == FAILED:
                            yf = v
                        else:
                            fail = z3.Bool(f"fail{l}_{j}")
                            self._vars[("fail", l, j)] = fail
                            yf = z3.Real(f"yf{l}_{j}")
                            add(yf == z3.If(fail, v, r))
                    if self.diff_bounds:
                        lo, hi = self.fb.dy[l][j]
                        add(yf - y >= _q(lo), yf - y <= _q(hi))
                self._vars[("y", "f", l, j)] = yf
                new_y.append(y)
                new_yf.append(yf)
            fails = [self._vars[("fail", l, j)] for j in range(len(new_y))
                     if ("fail", l, j) in self._vars]
            if fails:
                add(z3.PbEq([(f, 1) for f in fails], self.failures[l]))
            ys, yfs = new_y, new_yf
        e = z3.Real("err")
        add(e == z3.Sum(*[_q(w) * (a - c) for w, a, c in zip(self.out_row, ys, yfs, strict=True)
                          if w != 0], z3.RealVal(0)))
        self._vars["e"] = e

    def _coupling(self, s: z3.ArithRef, sf: z3.ArithRef, y: z3.ArithRef, r: z3.ArithRef,
                  lip: z3.ArithRef, ds: Interval) -> list[z3.BoolRef]:
        """phi is monotone and lip-Lipschitz on the hull of both ranges: y' - y lies between
        0 and lip (s' - s).  ``pieces``: that exact case split; ``hull``: its convex hull
        over s' - s in [dlo, dhi] (two lines through (dlo, 0) and (dhi, 0))."""
        d, dy = sf - s, r - y
        dlo, dhi = ds
        if self.relax != "hull":
            return [z3.Or(z3.And(d >= 0, dy >= 0, dy <= lip * d),
                          z3.And(d <= 0, dy <= 0, dy >= lip * d))]
        if dlo >= 0:
            return [dy >= 0, dy <= lip * d]
        if dhi <= 0:
            return [dy <= 0, dy >= lip * d]
        w = _q(dhi - dlo)
        return [dy * w <= lip * _q(dhi) * (d - _q(dlo)),
                dy * w >= lip * _q(dlo) * (_q(dhi) - d)]

    # ---- queries -----------------------------------------------------------------
    def query(self, t: Fraction, timeout_ms: int) -> tuple[Answer, Model | None, str]:
        """(answer, model if SAT, z3's reason if unknown) for |error| > t."""
        self.solver.set("timeout", max(1, int(timeout_ms)))
        e = self._vars["e"]
        self.solver.push()
        self.solver.add(z3.Or(e > _q(t), e < -_q(t)))
        try:
            t0 = time.monotonic()
            res = self.solver.check()
            ans = answer_of(res, time.monotonic() - t0, max(1, int(timeout_ms)) / 1000)
            if ans is Answer.SAT:
                return ans, self._extract(self.solver.model()), ""
            if ans is Answer.UNSAT:
                return ans, None, ""
            return ans, None, self.solver.reason_unknown()
        finally:
            self.solver.pop()

    def _extract(self, m: z3.ModelRef) -> Model:
        def val(v: z3.ArithRef) -> Fraction:
            r = m.eval(v, model_completion=True)
            if z3.is_rational_value(r):
                return Fraction(r.numerator_as_long(), r.denominator_as_long())
            return Fraction(r.approx(30).as_fraction())  # algebraic: not expected in LRA

        x = tuple(val(v) for v in self._vars["x"])
        s, y, sent = {}, {}, {}
        failed: list[tuple[int, ...]] = []
        for l, row in enumerate(self.status):
            fl = []
            for j, st in enumerate(row):
                for c in ("n", "f"):
                    s[(c, l, j)] = val(self._vars[("s", c, l, j)])
                    y[(c, l, j)] = val(self._vars[("y", c, l, j)])
                is_failed = st == FAILED or (
                    st == MAYBE and z3.is_true(m.eval(self._vars[("fail", l, j)],
                                                      model_completion=True)))
                if is_failed:
                    fl.append(j)
                    sent[(l, j)] = val(self._vars[("v", l, j)])
            failed.append(tuple(fl))
        return Model(x, s, y, tuple(failed), sent, val(self._vars["e"]))
