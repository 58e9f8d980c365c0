"""Symbols shared by every derivation (Section 4.1 notation).

``f[l]`` failures in layer l, ``N[l]`` its width, ``w[l]`` = w_m^(l) the largest weight
into layer l (``w[L+1]`` into the output node), ``K`` the Lipschitz constant, ``C`` the
capacity (Assumption 1), ``lam[l]`` Theorem 5's per-layer error.  ``delta[l]`` bounds the
error of one correct neuron of layer l, ``E[l]`` the summed error of layer l's signals.
"""

from __future__ import annotations

import sympy as sp

f = sp.IndexedBase("f", nonnegative=True)
N = sp.IndexedBase("N", positive=True)
w = sp.IndexedBase("w", positive=True)
lam = sp.IndexedBase("lambda", nonnegative=True)
c = sp.IndexedBase("c", positive=True)  # c[l]: deviation of one failed synapse into layer l
delta = sp.IndexedBase("delta", nonnegative=True)
E = sp.IndexedBase("E", nonnegative=True)
u = sp.IndexedBase("u", nonnegative=True)  # u[l] = N[l] - f[l], the correct neurons
K = sp.Symbol("K", positive=True)
C = sp.Symbol("C", positive=True)
L = sp.Symbol("L", integer=True, positive=True)
l = sp.Symbol("l", integer=True, positive=True)
lp = sp.Symbol("l'", integer=True, positive=True)
phi = sp.Function("varphi")
x = sp.Symbol("x", real=True)
Delta = sp.Symbol("Delta", nonnegative=True)  # the output error bound

ACTIVATION = sp.Eq(phi(x), 1 / (1 + sp.exp(-4 * K * x)))
