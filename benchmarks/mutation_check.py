"""Mutation check: does ``fepproof prove`` (and does the test suite) notice a wrong formula?

A catalogue of semantic mutations - each a one-place change of a closed form in
``fepproof/bounds.py`` / ``frontier.py`` / ``failures.py``, of the symbolic layer
(``fepproof/symbolic/``), of harden / replication, of prove's own checkers
(``fepproof/obligations/engines.py``), of the verify engines (envelopes, interval
steps), of the witness checks and replay, and of the check cache's key - is applied, one
at a time, to a temporary copy of the package, its proofs and its tests (the working
tree is never touched: every mutation lives and dies in its temporary directory).  Two
columns: ``prove`` runs ``fepproof prove`` on the copy (caught when some obligation no
longer ends as expected, or the proofs no longer load); ``tests`` runs the mutation's
targeted test files on the copy (``pytest -x -m "not slow"``; caught when one fails).
A mutation counts as caught when either column catches it; ``want`` names the column
that must (``prove`` for formulas printed to users, ``tests`` for the cache key, the
engines and the witness checks, which prove does not see).  Prints a table and the
mutation score.

A mutation whose text no longer occurs exactly once in the code is reported as *stale*
(the code moved on; update the catalogue), never as caught.  Equivalent mutants (no value
changes) are left out: dropping the g_l = 0 branch of frontier's M_l (``m_value``) gave
the same frontier as the original on 300 random networks (depths 2-4, weight scales up to
6), so it is not in the catalogue.

Usage: nice python benchmarks/mutation_check.py [--fast] [--quick] [-k TEXT] [--jobs N]
                                                 [--no-tests]
  --fast      only the marked subset, prove run on the proofs file(s) that should catch it
              (what the test suite runs)
  --quick     prove first on the proofs files likely to catch it (caught there is caught
              by the whole suite), the whole suite only if they pass; the tests column
              only where the tests must catch it or prove missed it ("-" otherwise)
  --no-tests  the prove column only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str  # relative to the repository root
    old: str
    new: str
    what: str
    fast: tuple[str, ...] = ()  # proofs files that must catch it (--fast subset)
    select: str = ""  # --fast: only obligations whose id contains this
    tests: tuple[str, ...] = ()  # test files run on the mutant (the tests column)
    want: str = "prove"  # the column that must catch it: "prove" or "tests"


B, F, FR = "fepproof/bounds.py", "fepproof/failures.py", "fepproof/frontier.py"
S, R = "fepproof/symbolic/steps.py", "fepproof/symbolic/recurrence.py"
RW, DV = "fepproof/symbolic/rewrite.py", "fepproof/symbolic/derivation.py"
P = "proofs/production.py"
C1 = "proofs/corollary1.py"
H, RP = "fepproof/harden.py", "fepproof/replication.py"
EN = "fepproof/obligations/engines.py"
ENV, SG = "fepproof/smt/envelope.py", "fepproof/numeric/relax.py"
BS = "fepproof/numeric/backsub.py"
WC, RPL = "fepproof/witness_check.py", "fepproof/replay.py"
CS, CC = "fepproof/check/spec.py", "fepproof/check/cache.py"
ND = "fepproof/netdigest.py"
TF = "fepproof/sigmoid_form.py"
# targeted test files (the tests column); a mutation without its own uses its file's
HT = ("tests/test_harden.py",)
OT = ("tests/test_obligations.py",)
WT = ("tests/test_replay_tamper.py", "tests/test_replay_cli.py", "tests/test_proofs_witness.py")
CT = ("tests/test_cache_key.py",)
PR = ("proofs/production.py",)
TP = ("proofs/tanh.py",)
FIRST_TRY = {B: PR, F: PR + ("proofs/stuck_at.py", "proofs/corollary2.py"), FR: PR,
             S: ("proofs/model.py",), R: ("proofs/theorem2.py", "proofs/theorem4.py",
                                          "proofs/theorem5.py"),
             RW: ("proofs/theorem2.py", "proofs/theorem4.py", "proofs/theorem5.py"),
             DV: ("proofs/theorem2.py",), H: PR + ("proofs/corollary1.py",),
             RP: PR + ("proofs/corollary1.py",)}
DEFAULT_TESTS = {B: ("tests/test_bounds.py",),
                 F: ("tests/test_bounds.py", "tests/test_failures.py"),
                 FR: ("tests/test_bounds.py",), S: ("tests/test_symbolic.py",),
                 R: ("tests/test_symbolic.py",), RW: ("tests/test_symbolic.py",),
                 DV: ("tests/test_symbolic.py",), EN: OT, H: HT, RP: HT}

CATALOGUE: tuple[Mutation, ...] = (
    # ---- the formulas the catalogue must cover ----------------------------------------
    Mutation("theorem1.floor_to_ceil", B, "n = math.floor(ratio)", "n = math.ceil(ratio)",
             "Theorem 1: floor -> ceil (unsound count)", (P,), "production.theorem1"),
    Mutation("theorem3.le_to_lt", B, "ok = value <= budget", "ok = value < budget",
             "Theorem 3: Fep <= budget -> <", (P,), "production.tolerance"),
    Mutation("value_reading.c_plus_1_to_c", F,
             "        slo, shi = self.sent_interval(lo, hi)\n        return slo - hi, shi - lo\n",
             "        slo, shi = self.sent_interval(lo, hi)\n        return slo, shi\n",
             "value reading's sound deviation C + 1 -> C (unsound)", (P,), "production.fep"),
    Mutation("deviation_reading.c_to_c_plus_1", F,
             "        if self.tracks_nominal:\n            return -self.C, self.C\n",
             "        if self.tracks_nominal:\n            return -self.C - 1, self.C + 1\n",
             "deviation reading's deviation C -> C + 1"),
    Mutation("stuck_at.sent_value", F,
             "FailureKind.STUCK_AT:\n            return self.stuck_value\n",
             "FailureKind.STUCK_AT:\n            return 1 - self.stuck_value\n",
             "stuck-at: a stuck neuron sends 1 - v instead of v", ("proofs/stuck_at.py",)),
    Mutation("synapse.k_exponent", B, "devs[l - 1] * K ** (L - l + 1) * wm[L]",
             "devs[l - 1] * K ** (L - l) * wm[L]", "synapse terms K^(L-l+1) -> K^(L-l)", (P,),
             "production.synapse_random"),
    Mutation("synapse.n_minus_f_downstream", B, "            t *= N[lp - 1] * wm[lp - 1]",
             "            t *= (N[lp - 1] - f[lp - 1]) * wm[lp - 1]",
             "synapse terms N_l' -> N_l' - f_l' downstream (unsound)"),
    Mutation("theorem5.exponent", B,
             'c = K ** (L - l + (1 if reading == "preactivation" else 0))',
             'c = K ** (L - l + (1 if reading == "preactivation" else 1))',
             "Theorem 5 output reading K^(L-l) -> K^(L-l+1)", (P,), "production.precision"),
    Mutation("theorem5.weight_index", B, "c *= N[lp - 1] * wm[lp]", "c *= N[lp - 1] * wm[lp - 1]",
             "Theorem 5 w_m^(l'+1) -> w_m^(l')"),
    Mutation("corollary2.wait_index", B, "skipped = (0,) + f", "skipped = f + (0,)",
             "Corollary 2: waits N_(l-1) - f_l instead of - f_(l-1)", (P,),
             "production.wait_counts"),
    Mutation("corollary2.wait_plus_one", B, "waits = tuple(n - s for",
             "waits = tuple(n - s + 1 for", "Corollary 2: one more signal"),
    # ---- Fep, sound bound, at-most, tolerance, frontier, bits -------------------------
    Mutation("fep.k_exponent", B, "t = D * f[l - 1] * K ** (L - l) * wm[L]",
             "t = D * f[l - 1] * K ** (L - l + 1) * wm[L]", "Fep K^(L-l) -> K^(L-l+1)"),
    Mutation("fep.output_weight_index", B, "t = D * f[l - 1] * K ** (L - l) * wm[L]",
             "t = D * f[l - 1] * K ** (L - l) * wm[L - 1]", "Fep w_m^(L+1) -> w_m^(L)"),
    Mutation("fep.correct_count", B, "            t *= (N[lp - 1] - f[lp - 1]) * wm[lp - 1]",
             "            t *= N[lp - 1] * wm[lp - 1]", "Fep (N_l' - f_l') -> N_l'"),
    Mutation("fep.product_range", B,
             "t = D * f[l - 1] * K ** (L - l) * wm[L]\n        for lp in range(l + 1, L + 1):",
             "t = D * f[l - 1] * K ** (L - l) * wm[L]\n        for lp in range(l, L + 1):",
             "Fep product from l' = l instead of l + 1"),
    Mutation("fep.sound_terms", B, "sound_terms = terms if D == C else",
             "sound_terms = terms if True else", "sound bound ignores the real deviation"),
    Mutation("crash.deviation", F, "            return Fraction(0)\n",
             "            return Fraction(1, 2)\n", "a crashed neuron sends 1/2 instead of 0"),
    Mutation("at_most.max_endpoint", B, "emax, g2 = max(cands_max)", "emax, g2 = cands_max[1]",
             "max over the box: always the upper endpoint"),
    Mutation("tolerance.full_layer", B, "if v >= n]", "if v > n]",
             "Theorem 3's f_l < N_l -> f_l <= N_l"),
    Mutation("tolerance.paper_value", B, "value, worst = res.sound, res.failures",
             "value, worst = res.value, res.failures",
             "tolerance compares the paper's Fep, not the sound one"),
    Mutation("theorem1.cap", B, "return Theorem1Result(min(n, N),",
             "return Theorem1Result(min(n, N - 1),", "Theorem 1 capped at N - 1"),
    Mutation("frontier.floor_to_ceil", FR, "out = [(min(self.N[0] - 1, math.floor(beta)),)]",
             "out = [(min(self.N[0] - 1, math.ceil(beta)),)]", "frontier layer 1: ceil"),
    Mutation("frontier.scale", FR, "scale = model.neuron_deviation(net) *",
             "scale = model.C *", "frontier uses C, not the sound deviation"),
    Mutation("box.min_endpoint", B, "emin, g1 = min(cands_min)", "emin, g1 = cands_min[0]",
             "min over the box: always the lower endpoint"),
    Mutation("frontier.sub_budget", FR, "b1: Budget = None if c == 0 else (beta - v) / c",
             "b1: Budget = None if c == 0 else beta / c", "frontier: budget ignores f_l = v"),
    Mutation("bits.stop_rule", B, "if current + cost > eps:", "if current + cost >= eps:",
             "bits: stops one removal early on equality"),
    Mutation("bits.uniform", B, "ub = max(0, _ceil_log2(total / eps))",
             "ub = max(0, _ceil_log2(total / eps) + 1)", "bits: one uniform bit too many"),
    Mutation("synapse.value_deviation", B, "model.synapse_deviation(wm[l] * sups[l])",
             "model.synapse_deviation(sups[l])",
             "synapse value reading drops the weight"),
    Mutation("synapse.printed_exponent", B, "t = C * f[l - 1] * K ** (L + 1 - l) * wm[l - 1]",
             "t = C * f[l - 1] * K ** (L - l) * wm[l - 1]",
             "Theorem 4 'as printed' K^(L+1-l) -> K^(L-l)"),
    # ---- the symbolic layer: steps, recurrences, closed forms, rewrite rules -----------
    Mutation("steps.neuron_drops_k", S, "return K * output_step(wm, f, N, D, delta)",
             "return output_step(wm, f, N, D, delta)", "neuron step without K",
             ("proofs/model.py",), "model.neuron_step_symbolic"),
    Mutation("steps.output_count", S, "return wm * (f * D + (N - f) * delta)",
             "return wm * (f * D + N * delta)", "output step N - f -> N"),
    Mutation("steps.synapse_count", S, "return K * (wm * S + g * c)",
             "return K * (wm * S + c)", "synapse step g c -> c"),
    Mutation("steps.precision_k", S, "return K * wm * S + lam", "return K * wm * S + K * lam",
             "precision step (after phi) K lambda"),
    Mutation("steps.lipschitz", S, "return K * shift", "return shift",
             "Lipschitz step without K"),
    Mutation("steps.synapse_layer", S, "return K * (N * wm * S + f * c)",
             "return K * ((N - f) * wm * S + f * c)", "synapse layer N -> N - f"),
    Mutation("closed.fep_exponent", R, "t = f[i] * K ** (depth - i) * w[depth + 1]",
             "t = f[i] * K ** (depth - i + 1) * w[depth + 1]", "printed Fep K^(L-l+1)"),
    Mutation("closed.fep_sum_exponent", R, "D * sp.Sum(f[l] * K ** (depth - l) * w[depth + 1]",
             "D * sp.Sum(f[l] * K ** (depth - l + 1) * w[depth + 1]", "Fep Sum form K^(L-l+1)"),
    Mutation("closed.theorem4_exponent", R,
             "t = f[i] * C * K ** (depth - i + 1) * w[depth + 1] * (w[i] if pre_weight else 1)",
             "t = f[i] * C * K ** (depth - i) * w[depth + 1] * (w[i] if pre_weight else 1)",
             "Theorem 4 closed form K^(L-l)"),
    Mutation("closed.eq11_range", R,
             "        for j in range(i, depth + 1):\n            t *= N[j] * w[j + 1]",
             "        for j in range(i + 1, depth + 1):\n            t *= N[j] * w[j + 1]",
             "Eq. 11 product from l' = l + 1"),
    Mutation("closed.eq11_weight", R, "t *= N[j] * w[j + 1]", "t *= N[j] * w[j]",
             "Eq. 11 w_m^(l'+1) -> w_m^(l')"),
    Mutation("rewrite.split_last", RW, "return sp.Sum(s.function, (i, lo, hi - 1)) + last",
             "return sp.Sum(s.function, (i, lo, hi)) + last", "split_last keeps the last term"),
    Mutation("rewrite.peel_last", RW, "* p.function.subs(i, hi)", "* p.function.subs(i, lo)",
             "peel_last peels the first factor"),
    Mutation("rewrite.empty_product", RW, "sp.simplify(hi - lo + 1) == 0",
             "sp.simplify(hi - lo) == 0", "empty-product rule off by one"),
    Mutation("derivation.step_drops_k", DV, "C, lipschitz_step(K, E))", "C, E)",
             "Theorem 2 induction step without K"),
    # ---- the paper's C per failure model ----------------------------------------------
    Mutation("crash.paper_c", F, "        return Fraction(1)\n\n    def neuron_deviation",
             "        return Fraction(2)\n\n    def neuron_deviation",
             "crash's paper C 1 -> 2 (every printed Fep under crash doubles)", (P,),
             "production.fep"),
    # ---- harden / replication (Corollary 1 as fepproof harden runs it) ------------------
    Mutation("replication.min_factor_ceil", RP, "return f // N + 1", "return math.ceil(f / N)",
             "smallest factor f // N + 1 -> ceil(f / N) (allows f_l = N_l r_l)", (P,),
             "production.harden", HT),
    Mutation("replication.step_minus_f", RP, "return f * t + (N - f * t) * a * e",
             "return f * t + (N - f) * a * e", "replication step N - f t -> N - f", (P,),
             "production.replication", HT),
    Mutation("replication.scale_c", RP, "scale = model.neuron_deviation(net) * net.max_abs",
             "scale = model.C * net.max_abs", "replication scale: C, not the sound deviation",
             (P,), "production.replication", HT),
    Mutation("replication.at_most_no_max", RP,
             "return N * a * e + max(Fraction(0), f * t * (1 - a * e))",
             "return N * a * e + f * t * (1 - a * e)", "at-most step: g_l = 0 branch dropped",
             (P,), "production.replication", HT),
    Mutation("replication.last_floor", RP, "bisect.bisect_left(cs, math.ceil(need))",
             "bisect.bisect_left(cs, math.floor(need))",
             "last layer's factor rounded down (misses the budget)", (P,), "production.harden",
             HT),
    Mutation("replication.fep0", RP, "e = f + N * al * e", "e = f + (N - f) * al * e",
             "Fep_0 with N_l - f_l (not an upper bound of r Fep_r)", (P,),
             "production.replication", HT),
    Mutation("harden.replicate_in_weights", H,
             "new_row = tuple(w / r_in for w in row for _ in range(r_in))",
             "new_row = tuple(w / r for w in row for _ in range(r_in))",
             "replicate divides incoming weights by the layer's own factor", (P,),
             "production.replication", HT),
    Mutation("harden.replicate_output", H,
             "out_rows = tuple(tuple(w / r_in for w in row for _ in range(r_in))",
             "out_rows = tuple(tuple(w for w in row for _ in range(r_in))",
             "replicate keeps the output weights (not divided by r_L)", (P,),
             "production.replication", HT),
    Mutation("harden.replicate_bias", H, "bias.extend([b] * r)", "bias.extend([b / r] * r)",
             "replicate divides the copies' biases by r (another function, same Fep)",
             (C1,), "corollary1.replication_same_function", HT),
    # ---- prove's own checkers (fepproof/obligations/engines.py) ------------------------
    Mutation("engines.identity_ignores_residual", EN, "residuals.items() if r != 0}",
             "residuals.items() if False}", "identity: every residual counts as 0"),
    Mutation("engines.nonneg_accepts_negative", EN, "if not (c.is_number and c >= 0)]",
             "if not (c.is_number and c >= -1)]", "nonneg_polynomial accepts -1", (),
             "", OT, "tests"),
    Mutation("engines.z3_keeps_goal", EN, "    s.add(z3.Not(goal))\n", "    s.add(goal)\n",
             "z3_unsat: the goal, not its negation"),
    Mutation("engines.z3_unknown_is_proved", EN, "    if r == z3.unsat:\n",
             "    if r != z3.sat:\n", "z3_unsat: unknown counts as proved", (), "", OT, "tests"),
    Mutation("engines.witness_invalid", EN, "if r.valid and lower > bound:",
             "if lower > bound:", "witness_exceeds accepts a witness the model forbids", (),
             "", OT, "tests"),
    # ---- the verify engines: envelopes (z3) and interval steps (numeric) -----------------
    Mutation("envelope.round_down_inward", ENV, "return Fraction(math.floor(q * grid), grid)",
             "return Fraction(math.ceil(q * grid), grid)",
             "lower envelope lines rounded inward", (), "", ("tests/test_smt_envelope.py",),
             "tests"),
    Mutation("envelope.chord_upper", ENV,
             "return Line(m, round_up(max(pa[1] - m * a, pb[1] - m * b)))",
             "return Line(m, round_down(max(pa[1] - m * a, pb[1] - m * b)))",
             "upper chord's intercept rounded down", (), "", ("tests/test_smt_envelope.py",),
             "tests"),
    Mutation("sigmoid.dphi_peak", SG, "hi = dphi(np.clip(0.0, a, b), slope)",
             "hi = np.maximum(dphi(a, slope), dphi(b, slope))",
             "phi' range misses its peak at 0 (unsound slope bound)", (), "",
             ("tests/test_numeric.py",), "tests"),
    Mutation("sigmoid.diff_range_ends", SG,
             "S = np.stack([slo, shi, np.clip(-dhi / 2, slo, shi),", "S = np.stack([slo, shi, slo,",
             "phi(s + d) - phi(s): the interior maximum dropped", (), "",
             ("tests/test_numeric.py",), "tests"),
    Mutation("backsub.product_rounding", BS,
             "        self.mag += bdot(np.abs(A) @ np.abs(W), zmax)\n", "",
             "back-substitution: the rounding of the products A W left uncovered", (), "",
             ("tests/test_backsub.py",), "tests"),
    Mutation("backsub.offset_side", BS,
             "        self.const += np.where(A > 0, A * lift(hi), A * lift(lo)).sum(axis=-1)\n",
             "        self.const += (A * lift(lo)).sum(axis=-1)\n",
             "back-substitution: a relaxation's offset taken at its lower end only", (), "",
             ("tests/test_backsub.py",), "tests"),
    # ---- witness checks and replay ------------------------------------------------------
    Mutation("witness.synapse_delta_range", WC, "if not lo <= d <= hi:",
             "if not lo <= d <= 2 * hi:", "a failed synapse may change its term by 2 C", (),
             "", WT, "tests"),
    Mutation("witness.duplicate_neuron", WC, "            if idx in seen:\n",
             "            if False:\n", "a failed neuron listed twice is accepted", (), "", WT,
             "tests"),
    Mutation("witness.neuron_value_range", WC, "            if not lo <= v <= hi:\n",
             "            if not lo <= v <= hi + 1:\n",
             "a Byzantine value beyond the model is accepted", (), "", WT, "tests"),
    Mutation("replay.min_output", RPL, "err = errs[output] if output is not None else max(errs)",
             "err = errs[output] if output is not None else min(errs)",
             "replay: error of the least-affected output", (), "", WT, "tests"),
    # (widening the 10^-45 margin the other way is an equivalent mutant: the 2^-80
    # truncation below still lands under the error)
    Mutation("replay.lower_rounds_up", RPL, "scaled = int(mpmath.floor(m * 2**80))",
             "scaled = int(mpmath.ceil(m * 2**80))",
             "replay's safe lower bound rounded up", (), "", WT, "tests"),
    # ---- the check cache key (a tightened claim must not hit an old verdict) -------------
    *[Mutation(f"cache.key_without_{name}", CS, line, "", f"cache key leaves out {name}", (),
               "", CT, "tests") for name, line in (
        ("bound", '                "bound": None if self.bound is None else '
                  'fmt_exact(self.bound),\n'),
        ("capacity", '                "capacity": None if self.capacity is None else '
                     'fmt_exact(self.capacity),\n'),
        ("capacity_reading", '                "capacity_reading": self.capacity_reading,\n'),
        ("input_box", '                "input_box": None if self.input_box is None else\n'
                      '                [[fmt_exact(lo), fmt_exact(hi)] for lo, hi in '
                      'self.input_box.pairs]'),
    )],
    Mutation("tanh.rewire_bias_sign", TF, "tuple(b - sum(row, Fraction(0))",
             "tuple(b + sum(row, Fraction(0))", "sigmoid form: bias b + W 1 instead of b - W 1",
             TP),
    Mutation("tanh.rewire_weights", TF, "tuple(tuple(2 * w for w in row)",
             "tuple(tuple(w for w in row)", "sigmoid form: weights W instead of 2W", TP),
    Mutation("tanh.form_slope", TF, 'Activation("sigmoid", net.K / 2)',
             'Activation("sigmoid", net.K)', "sigmoid form: K instead of K/2", TP),
    Mutation("tanh.crash_value", TF, "return FailureModel.stuck_at(Fraction(1, 2))",
             "return FailureModel.stuck_at(Fraction(0))",
             "a crashed tanh neuron is stuck at 0 on the sigmoid form (it sends -1)", TP),
    Mutation("tanh.byzantine_capacity", TF, "return FailureModel.byzantine(model.capacity / 2)",
             "return FailureModel.byzantine(model.capacity)",
             "a Byzantine tanh neuron keeps C on the sigmoid form (twice the deviation)", TP),
    Mutation("tanh.deviation_range", F,
             "lo, hi = self.deviation_interval(net.activation.inf, net.activation.sup)",
             "lo, hi = self.deviation_interval(Fraction(0), net.activation.sup)",
             "the sound deviation assumes nominal outputs in (0, 1) on tanh networks", TP),
    Mutation("cache.key_without_failures", CS, '{"failures": list(self.failures), "model"',
             '{"model"', "cache key leaves out failures", (), "", CT, "tests"),
    Mutation("cache.key_without_model", CS, '"model": self.model,\n', "\n",
             "cache key leaves out the model", (), "", CT, "tests"),
    Mutation("cache.key_without_output_engine", CS,
             '"output": self.output, "engine": self.engine, "sizes": self.sizes,',
             '"sizes": self.sizes,', "cache key leaves out output and engine", (), "", CT,
             "tests"),
    Mutation("cache.key_without_sizes", CS, '"engine": self.engine, "sizes": self.sizes,',
             '"engine": self.engine,', "cache key leaves out sizes", (), "", CT, "tests"),
    Mutation("cache.key_without_stuck_value", CS,
             '"stuck_value": None if self.stuck_value is None else '
             'fmt_exact(self.stuck_value),\n', "", "cache key leaves out stuck_value", (), "",
             CT, "tests"),
    Mutation("cache.key_without_network", CC, '"network": network, "box_file"',
             '"network": str(claim.network), "box_file"',
             "cache key: the network's path, not its bytes", (), "", CT, "tests"),
    Mutation("cache.key_without_box_file", CC, '"box_file": box_file, "claim"',
             '"box_file": None, "claim"', "cache key leaves out the box file's bytes", (), "",
             CT, "tests"),
    Mutation("cache.key_without_external_data", ND,
             "h.update(file_digest(src).encode())", 'h.update(b"present")',
             "network digest: an external data file's name, not its bytes", (), "", CT,
             "tests"),
)


def _copy_tree(dst: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".fepproof-cache")
    for d in ("fepproof", "proofs", "tests", "cases"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, dst / d, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dst / "pyproject.toml")


def apply(m: Mutation, dst: Path) -> bool:
    """Apply ``m`` to the copy in ``dst``; False when its text is not there exactly once."""
    p = dst / m.file
    text = p.read_text()
    if text.count(m.old) != 1:
        return False
    p.write_text(text.replace(m.old, m.new))
    return True


def tests_of(m: Mutation) -> tuple[str, ...]:
    """The test files of the tests column: the mutation's own, else its file's."""
    return m.tests or DEFAULT_TESTS.get(m.file, ())


def first_try(m: Mutation) -> tuple[str, ...]:
    """The proofs files ``--quick`` runs first: the mutation's own, else its file's."""
    return m.fast or FIRST_TRY.get(m.file, ())


def _prove(m: Mutation, dst: Path, env: dict, fast: bool, jobs: int, timeout: float,
           files: tuple[str, ...] = ()) -> tuple[str, list[str], float]:
    if files:
        paths = [str(dst / p) for p in files]
    else:
        paths = [str(dst / p) for p in m.fast] if fast and m.fast else [str(dst / "proofs")]
    select = ["-k", m.select] if fast and m.select and not files else []
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "fepproof", "prove", *paths, *select, "--json",
                        "--jobs", str(jobs), "--timeout", str(timeout)],
                       cwd=dst, env=env, capture_output=True, text=True, timeout=20 * timeout)
    secs = time.perf_counter() - t
    failed: list[str] = []
    if r.returncode in (0, 1) and r.stdout.strip():
        data = json.loads(r.stdout)
        failed = [o["id"] for o in data["obligations"] if o["status"] != o["expected"]]
    # caught: some obligation not as expected (1), or the proofs no longer load (2)
    status = "survived" if r.returncode == 0 else "caught"
    return status, failed or [r.stderr.strip()[-80:]], secs


def _tests(m: Mutation, dst: Path, env: dict, timeout: float) -> tuple[str, list[str], float]:
    files = tests_of(m)
    if not files:
        return "-", [], 0.0
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow",
                        "-p", "no:cacheprovider", *files], cwd=dst, env=env,
                       capture_output=True, text=True, timeout=20 * timeout)
    secs = time.perf_counter() - t
    failed = [line.split(" ")[1] for line in r.stdout.splitlines()
              if line.startswith(("FAILED ", "ERROR "))]
    # pytest: 0 all passed, 1 some failed, 2-5 interrupted / usage / no tests collected
    status = {0: "survived", 1: "caught"}.get(r.returncode, "error")
    return status, failed or [r.stdout.strip()[-80:]], secs


def run_one(m: Mutation, fast: bool, jobs: int, timeout: float, tests: bool = True,
            prove: bool = True, quick: bool = False) -> dict:
    """Apply ``m`` to a fresh temporary copy, run both columns (or the ones asked for),
    delete the copy.

    ``quick``: prove first on :func:`first_try`'s files (an obligation failing there fails
    in the whole suite too, so "caught" stands) and on the whole suite only when they
    pass; the tests column only for mutations the tests must catch or prove missed."""
    with tempfile.TemporaryDirectory(prefix="fepproof-mutant-") as tmp:
        dst = Path(tmp)
        _copy_tree(dst)
        if not apply(m, dst):
            return {"id": m.id, "status": "stale", "want": m.want, "prove": "-",
                    "tests": "-", "failed": []}
        env = {**os.environ, "PYTHONPATH": str(dst), "PYTHONDONTWRITEBYTECODE": "1"}
        p_status, p_failed, p_secs = "-", [], 0.0
        if prove and quick and first_try(m):
            p_status, p_failed, p_secs = _prove(m, dst, env, fast, jobs, timeout,
                                                first_try(m))
        if prove and p_status != "caught":
            p_status, p_failed, secs = _prove(m, dst, env, fast, jobs, timeout)
            p_secs += secs
        run_tests = tests and not (quick and m.want == "prove" and p_status == "caught")
        t_status, t_failed, t_secs = (_tests(m, dst, env, timeout) if run_tests
                                      else ("-", [], 0.0))
    caught = "caught" in (p_status, t_status)
    return {"id": m.id, "status": "caught" if caught else "survived", "want": m.want,
            "prove": p_status, "tests": t_status,
            "wanted_column_caught": (p_status if m.want == "prove" else t_status) == "caught",
            "failed": (p_failed if p_status == "caught" else []) + (
                t_failed if t_status == "caught" else []),
            "seconds": round(p_secs + t_secs, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="only the marked subset")
    ap.add_argument("-k", dest="select", default=None, help="only mutations whose id has TEXT")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--no-tests", action="store_true", help="the prove column only")
    ap.add_argument("--quick", action="store_true",
                    help="prove on the likely proofs files first, tests only where needed")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    muts = [m for m in CATALOGUE if (m.fast or not args.fast)
            and (args.select is None or args.select in m.id)]
    rows = []
    for m in muts:
        rows.append(run_one(m, args.fast, args.jobs, args.timeout, not args.no_tests,
                            quick=args.quick))
        if not args.json:
            print(f"{len(rows)}/{len(muts)} {m.id}: {rows[-1]['status']}", file=sys.stderr)
    live = [r for r in rows if r["status"] != "stale"]
    caught = sum(r["status"] == "caught" for r in live)
    by_prove = sum(r["prove"] == "caught" for r in live)
    by_tests = sum(r["tests"] == "caught" for r in live)
    wanted = sum(r["wanted_column_caught"] for r in live)
    stale = len(rows) - len(live)
    if args.json:
        print(json.dumps({"mutations": rows, "caught": caught, "applied": len(live),
                          "caught_by_prove": by_prove, "caught_by_tests": by_tests,
                          "caught_by_wanted_column": wanted, "stale": stale}, indent=2))
    else:
        width = max(len(m.id) for m in muts)
        print(f"{'mutation':<{width}}  {'want':<5}  {'prove':<8}  {'tests':<8}  {'s':>5}  "
              f"caught by / what")
        for m, r in zip(muts, rows, strict=True):
            by = ", ".join(r["failed"][:2]) + (" ..." if len(r["failed"]) > 2 else "")
            print(f"{m.id:<{width}}  {m.want:<5}  {r['prove']:<8}  {r['tests']:<8}  "
                  f"{r.get('seconds', 0):>5}  {by if r['status'] == 'caught' else m.what}")
        print(f"\nmutation score: {caught}/{len(live)} caught (prove {by_prove}, tests "
              f"{by_tests}; {wanted}/{len(live)} by the column that must catch them)"
              + (f" ({stale} stale, not applied)" if stale else ""))
    return 0 if caught == len(live) and wanted == len(live) else 1


if __name__ == "__main__":
    raise SystemExit(main())
