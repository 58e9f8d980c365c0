"""Mutation check: does ``fepproof prove`` notice when a formula is wrong?

A catalogue of semantic mutations - each a one-place change of a closed form in
``fepproof/bounds.py`` / ``frontier.py`` / ``failures.py``, of the symbolic layer
(``fepproof/symbolic/``: steps, recurrences, closed forms, rewrite rules) - is applied,
one at a time, to a temporary copy of the package and its proofs (the working tree is
never touched).  The proofs are run on the copy; a mutation is *caught* when some
obligation no longer ends as expected.  Prints a table and the mutation score.

A mutation whose text no longer occurs exactly once in the code is reported as *stale*
(the code moved on; update the catalogue), never as caught.  Equivalent mutants (no value
changes) are left out: dropping the g_l = 0 branch of frontier's M_l (``m_value``) gave
the same frontier as the original on 300 random networks (depths 2-4, weight scales up to
6), so it is not in the catalogue.

Usage: nice python benchmarks/mutation_check.py [--fast] [-k TEXT] [--jobs N]
  --fast   only the marked subset, each run on the proofs file(s) that should catch it
           (what the test suite runs)
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


B, F, FR = "fepproof/bounds.py", "fepproof/failures.py", "fepproof/frontier.py"
S, R = "fepproof/symbolic/steps.py", "fepproof/symbolic/recurrence.py"
RW, DV = "fepproof/symbolic/rewrite.py", "fepproof/symbolic/derivation.py"
P = "proofs/production.py"

CATALOGUE: tuple[Mutation, ...] = (
    # ---- the list -------------------------------------------------------------
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
    Mutation("fep.sound_terms", B, "sound_terms = terms if D == model.C else",
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
)


def _copy_tree(dst: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "fepproof", dst / "fepproof", ignore=ignore)
    shutil.copytree(ROOT / "proofs", dst / "proofs", ignore=ignore)


def apply(m: Mutation, dst: Path) -> bool:
    """Apply ``m`` to the copy in ``dst``; False when its text is not there exactly once."""
    p = dst / m.file
    text = p.read_text()
    if text.count(m.old) != 1:
        return False
    p.write_text(text.replace(m.old, m.new))
    return True


def run_one(m: Mutation, fast: bool, jobs: int, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="fepproof-mutant-") as tmp:
        dst = Path(tmp)
        _copy_tree(dst)
        if not apply(m, dst):
            return {"id": m.id, "status": "stale", "failed": []}
        paths = [str(dst / p) for p in m.fast] if fast and m.fast else [str(dst / "proofs")]
        env = {**os.environ, "PYTHONPATH": str(dst), "PYTHONDONTWRITEBYTECODE": "1"}
        select = ["-k", m.select] if fast and m.select else []
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "fepproof", "prove", *paths, *select, "--json",
                            "--jobs", str(jobs), "--timeout", str(timeout)],
                           cwd=tmp, env=env, capture_output=True, text=True,
                           timeout=20 * timeout)
        secs = time.perf_counter() - t
        failed: list[str] = []
        if r.returncode in (0, 1) and r.stdout.strip():
            data = json.loads(r.stdout)
            failed = [o["id"] for o in data["obligations"] if o["status"] != o["expected"]]
        # caught: some obligation not as expected (1), or the proofs no longer load (2)
        status = "survived" if r.returncode == 0 else "caught"
        return {"id": m.id, "status": status, "failed": failed or [r.stderr.strip()[-80:]],
                "seconds": round(secs, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="only the marked subset")
    ap.add_argument("-k", dest="select", default=None, help="only mutations whose id has TEXT")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    muts = [m for m in CATALOGUE if (m.fast or not args.fast)
            and (args.select is None or args.select in m.id)]
    rows = [run_one(m, args.fast, args.jobs, args.timeout) for m in muts]
    caught = sum(r["status"] == "caught" for r in rows)
    stale = sum(r["status"] == "stale" for r in rows)
    live = len(rows) - stale
    if args.json:
        print(json.dumps({"mutations": rows, "caught": caught, "applied": live,
                          "stale": stale}, indent=2))
    else:
        width = max(len(m.id) for m in muts)
        print(f"{'mutation':<{width}}  {'status':<8}  {'s':>5}  caught by")
        for m, r in zip(muts, rows, strict=True):
            by = ", ".join(r["failed"][:3]) + (" ..." if len(r["failed"]) > 3 else "")
            print(f"{m.id:<{width}}  {r['status']:<8}  {r.get('seconds', 0):>5}  "
                  f"{by if r['status'] == 'caught' else m.what}")
        print(f"\nmutation score: {caught}/{live} caught"
              + (f" ({stale} stale, not applied)" if stale else ""))
    return 0 if caught == live else 1


if __name__ == "__main__":
    raise SystemExit(main())
