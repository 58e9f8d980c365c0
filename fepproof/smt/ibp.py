"""Interval bound propagation (exact rationals, rounded outward) for the nominal network
and for its faulty copy, plus the difference network y' - y that gives a cheap sound
bound on |F_neu(X) - F_fail(X)| for one failure set (used to prune failure sets).

Failure status per neuron: ``OK``, ``FAILED`` or ``MAYBE`` (Boolean failure selectors:
the hull of both cases).  Failed neurons send (Definition 2, Assumption 1):
crash 0; Byzantine ``deviation`` y + delta with |delta| <= C; ``value`` v with |v| <= C.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ..certificate.bound import FAILED, MAYBE, OK
from ..failures import FailureModel
from ..network import Network
from .envelope import max_slope, phi_enclosure, round_down, round_up

__all__ = ["Interval", "LayerBounds", "nominal_bounds", "fault_bounds", "FaultBounds",
           "OK", "FAILED", "MAYBE", "status_from_sets", "crude_bounds"]

G = 2 ** 24
Interval = tuple[Fraction, Fraction]


def _out(iv: Interval) -> Interval:
    return round_down(iv[0], G), round_up(iv[1], G)


def _affine(layer_row: Sequence[Fraction], b: Fraction, ys: Sequence[Interval],
            bias: bool = True) -> Interval:
    lo = hi = b if bias else Fraction(0)
    for w, (a, c) in zip(layer_row, ys, strict=True):
        if w >= 0:
            lo += w * a
            hi += w * c
        else:
            lo += w * c
            hi += w * a
    return _out((lo, hi))


def _phi(k: Fraction, s: Interval) -> Interval:
    return phi_enclosure(k, s[0])[0], phi_enclosure(k, s[1])[1]


@dataclass(frozen=True)
class LayerBounds:
    s: tuple[Interval, ...]
    y: tuple[Interval, ...]


def nominal_bounds(net: Network, box: Sequence[Interval] | None = None) -> list[LayerBounds]:
    """Pre-activation and activation ranges of every hidden neuron over the input box
    (or over a sub-box ``box``)."""
    k = net.activation.slope
    ys: list[Interval] = list(net.input_domain if box is None else box)
    out = []
    for layer in net.layers:
        s = tuple(_affine(row, b, ys) for row, b in zip(layer.weights, layer.bias, strict=True))
        y = tuple(_phi(k, iv) for iv in s)
        out.append(LayerBounds(s, y))
        ys = list(y)
    return out


def crude_bounds(net: Network) -> list[LayerBounds]:
    """Ranges without interval propagation: |s_j| <= sum_i |w_ji| max|y_i| + |b_j| with
    y in [0, 1] (the naive encoding's baseline; also covers the faulty copy's values
    when C <= 1)."""
    out = []
    ymax = max(max(abs(lo), abs(hi)) for lo, hi in net.input_domain)
    for layer in net.layers:
        s = tuple(_out((-(sum(abs(w) for w in row) * ymax + abs(b)),
                        sum(abs(w) for w in row) * ymax + abs(b)))
                  for row, b in zip(layer.weights, layer.bias, strict=True))
        out.append(LayerBounds(s, tuple((Fraction(0), Fraction(1)) for _ in s)))
        ymax = Fraction(1)
    return out


@dataclass(frozen=True)
class FaultBounds:
    """Faulty-copy ranges (s', y'), differences (ds = s' - s, dy = y' - y) per layer,
    the output error range and ``bound`` = max |error| (a sound bound for this set)."""

    s: tuple[tuple[Interval, ...], ...]
    y: tuple[tuple[Interval, ...], ...]
    ds: tuple[tuple[Interval, ...], ...]
    dy: tuple[tuple[Interval, ...], ...]
    error: Interval
    bound: Fraction


def _sent(model: FailureModel, y: Interval) -> tuple[Interval, Interval]:
    """(range of the sent value, range of sent - nominal) for one failed neuron."""
    return model.sent_interval(*y), model.deviation_interval(*y)


def status_from_sets(widths: Sequence[int], failed: Sequence[Sequence[int]]) -> list[list[int]]:
    return [[FAILED if j in set(f) else OK for j in range(n)]
            for n, f in zip(widths, failed, strict=True)]


def fault_bounds(net: Network, nom: list[LayerBounds], status: Sequence[Sequence[int]],
                 model: FailureModel, out_row: Sequence[Fraction],
                 box: Sequence[Interval] | None = None) -> FaultBounds:
    """IBP through the faulty copy and the difference network for one failure status."""
    k = net.activation.slope
    x = list(net.input_domain if box is None else box)
    ys_f: list[Interval] = x
    dys: list[Interval] = [(Fraction(0), Fraction(0))] * len(x)
    S, Y, DS, DY = [], [], [], []
    for l, layer in enumerate(net.layers):
        s_l, y_l, ds_l, dy_l = [], [], [], []
        for j, (row, b) in enumerate(zip(layer.weights, layer.bias, strict=True)):
            sn, yn = nom[l].s[j], nom[l].y[j]
            ds = _affine(row, b, dys, bias=False)
            sf = _affine(row, b, ys_f)
            sf = (max(sf[0], sn[0] + ds[0]), min(sf[1], sn[1] + ds[1]))
            yf = _phi(k, sf)
            lip = max_slope(k, min(sn[0], sf[0]), max(sn[1], sf[1]))
            dy = (min(Fraction(0), lip * ds[0]), max(Fraction(0), lip * ds[1]))
            dy = _out((max(dy[0], yf[0] - yn[1]), min(dy[1], yf[1] - yn[0])))
            st = status[l][j]
            if st != OK:
                sent, dsent = _sent(model, yn)
                if st == FAILED:
                    yf, dy = sent, dsent
                else:
                    yf = (min(yf[0], sent[0]), max(yf[1], sent[1]))
                    dy = (min(dy[0], dsent[0]), max(dy[1], dsent[1]))
            s_l.append(sf)
            y_l.append(yf)
            ds_l.append(ds)
            dy_l.append(dy)
        S.append(tuple(s_l))
        Y.append(tuple(y_l))
        DS.append(tuple(ds_l))
        DY.append(tuple(dy_l))
        ys_f, dys = y_l, dy_l
    e = _affine(out_row, Fraction(0), [(-b, -a) for a, b in dys], bias=False)  # y - y'
    return FaultBounds(tuple(S), tuple(Y), tuple(DS), tuple(DY), e, max(-e[0], e[1]))




def crude_fault_bounds(net: Network, model: FailureModel,
                       out_row: Sequence[Fraction]) -> FaultBounds:
    """Faulty-copy ranges without interval propagation (the naive baseline): every signal
    is bounded by the largest value a neuron can send, |y'| <= max(1, max |sent|)."""
    big = max(Fraction(1), *(abs(v) for v in model.sent_interval(Fraction(0), Fraction(1))))
    ymax = max(max(abs(lo), abs(hi)) for lo, hi in net.input_domain)
    S, Y = [], []
    for layer in net.layers:
        s = tuple(_out((-(sum(abs(w) for w in row) * ymax + abs(b)),
                        sum(abs(w) for w in row) * ymax + abs(b)))
                  for row, b in zip(layer.weights, layer.bias, strict=True))
        S.append(s)
        Y.append(tuple((-big, big) for _ in s))
        ymax = big
    wide = tuple(tuple((-2 * big, 2 * big) for _ in row) for row in Y)
    bound = sum(abs(w) for w in out_row) * 2 * big
    return FaultBounds(tuple(S), tuple(Y), wide, wide, (-bound, bound), bound)
