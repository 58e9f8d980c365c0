"""The Python API in a few lines (docs/api.md runs this script and shows its output):
Theorem 2's bound for one crash in layers 1 and 3 of the Figure 1 network, then the
verify engine on a tighter claim, with a proof certificate re-checked independently."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import fepproof

NET = Path(__file__).resolve().parent / "figure1.json"


def main() -> int:
    net = fepproof.load(NET)
    print(f"network   {net.name}: N = {list(net.widths)}, K = {net.K}")
    b = fepproof.bound(net, [1, 0, 1])                      # Theorem 2, exact
    print(f"Fep       {b.value} ~ {float(b.value):.5f}, terms {[str(t) for t in b.terms]}")
    with tempfile.TemporaryDirectory() as tmp:
        cert = Path(tmp) / "figure1.cert"
        res = fepproof.verify(NET, [1, 0, 1], bound="1.55", certificate=cert,
                              tolerance="0.05", timeout=60)
        print(f"verify    |F_neu - F_fail| <= 1.55: {res.verdict.value} "
              f"(worst case in [{float(res.lower):.4f}, {float(res.upper):.4f}])")
        from fepproof.certificate import check_certificate
        rep = check_certificate(NET, cert)
        print(f"cert      written: {res.stats['certificate'] == str(cert)}, "
              f"re-checked: {'valid' if rep.valid else 'invalid'}")
    bad = fepproof.verify(NET, [1, 0, 1], bound="1.4", timeout=60, bracket=False)
    w = bad.witness
    print(f"verify    |F_neu - F_fail| <= 1.4: {bad.verdict.value}, witness failed "
          f"{[list(r) for r in w.failed]}, error {float(bad.witness_error):.4f}")
    return 0 if res.verdict.value == "proved" and bad.verdict.value == "refuted" else 1


if __name__ == "__main__":
    sys.exit(main())
