"""Lemma 2 (Section 4.3): an error lambda at the synapse i -> j (|lambda| <= C) changes
neuron j's output by at most C K."""

import sympy as sp
import z3

from fepproof.obligations import obligation
from fepproof.obligations.engines import identity, z3_unsat
from fepproof.obligations.model import proved, unknown

x = sp.Symbol("x", real=True)
K = sp.Symbol("K", positive=True)
PHI = 1 / (1 + sp.exp(-4 * K * x))


@obligation(
    id="lemma2.lipschitz_constant", result="Lemma 2", method="sympy inequality",
    expected="proved",
    statement_text="phi_K(x) = sigmoid(4Kx) is K-Lipschitz with constant exactly K: "
                   "K - phi_K'(x) = K (2 phi_K(x) - 1)^2 >= 0, equality at x = 0",
    statement=sp.Eq(K - sp.diff(PHI, x), K * (2 * PHI - 1) ** 2))
def lipschitz_constant():
    res = sp.simplify(K - sp.diff(PHI, x) - K * (2 * PHI - 1) ** 2)
    at0 = sp.simplify(sp.diff(PHI, x).subs(x, 0) - K)
    if res == 0 and at0 == 0:
        return proved("sup |phi_K'| = K", "sympy", residual="0", derivative_at_0_minus_K="0",
                      square="K (2 phi - 1)^2 >= 0")
    return unknown("sup |phi_K'| = K", "sympy", residual=str(res), at0=str(at0))


@obligation(
    id="lemma2.synapse_shift", result="Lemma 2", method="sympy identity", expected="proved",
    statement_text="s_lambda,j = sum_{k != i} w_jk y_k + w_ji y_i + lambda_ji = s_j + lambda_ji "
                   "(N_(l-1) = 1..6)")
def synapse_shift():
    res = {}
    for n in range(1, 7):
        ws = sp.symbols(f"w1:{n + 1}")
        ys = sp.symbols(f"y1:{n + 1}")
        lam = sp.Symbol("lambda")
        for i in range(n):
            s_lam = sum(ws[k] * ys[k] for k in range(n) if k != i) + ws[i] * ys[i] + lam
            res[f"N={n},i={i + 1}"] = sp.expand(s_lam - sum(a * b for a, b in zip(ws, ys,
                                                                               strict=True))
                                                - lam)
    return identity("synapse error shifts the sum by lambda", res)


@obligation(
    id="lemma2.bound", result="Lemma 2", method="z3 unsat", expected="proved",
    statement_text="|phi(s + lambda) - phi(s)| <= K |lambda| and |lambda| <= C give "
                   "|error| <= C K")
def bound():
    e, lam, k, c = z3.Reals("error lambda K C")
    absl = z3.If(lam >= 0, lam, -lam)
    return z3_unsat("Lemma 2: |error| <= C K",
                    [k > 0, c > 0, e >= 0, e <= k * absl, absl <= c], e <= c * k)
