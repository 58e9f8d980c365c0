"""Fuzz the CLI flags of ``bound``, ``verify`` and ``frontier`` through ``main(argv)``.

Numbers from the hostile end (1e400, 1e999999999, 5000 digits, NaN, "１", "-1,0,0", ...)
mixed with ordinary ones, so that both the refusals and the runs are exercised.  Every
example ends in exit 0/1/3 with a result (JSON when asked), or exit 2 with one line on
stderr; never a traceback; never a hang (an alarm fails the test).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_fuzz_readers import check_outcome, examples, run_cli

CASES = Path(__file__).resolve().parent.parent / "cases"
NETS = {"xor": (CASES / "xor.json", 1), "figure1": (CASES / "figure1.json", 3)}

HOSTILE_NUMBERS = ["1e400", "-1e400", "1e1000000", "1e999999999", "1e-999999999", "1e-400",
                   "0", "-0", "-1", "-.5", "1/0", "0/5", "1" * 5000, "NaN", "inf", "-inf",
                   "１", "٣", "1_0", "0x1", "", " ", "1/3", "2", "0.5", "1e308", "1e-300",
                   "1.7976931348623157e308", "4.9e-324", "abc", "1e", "--json", "-1,0,0"]

NUMBER = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.builds(lambda m, p: f"{m}e{p}", st.integers(-999, 999), st.integers(-330, 330)),
    st.builds(lambda p, q: f"{p}/{q}", st.integers(-50, 50), st.integers(-5, 50)),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)

COUNTS = st.one_of(
    st.lists(st.integers(-2, 5), min_size=1, max_size=4).map(lambda v: ",".join(map(str, v))),
    st.sampled_from(["", ",", "1,,0", "１", "1_0", "-1,0,0", "9" * 30, "1e3", " 1 , 0 "]),
    st.text(alphabet="0123456789,-. １", max_size=8),
)



def mix(valid: st.SearchStrategy[str], hostile: st.SearchStrategy[str]) -> Any:
    """Mostly valid values (so the commands really run), one time in four a hostile one."""
    return st.integers(0, 3).flatmap(lambda n: hostile if n == 0 else valid)


SMALL = st.sampled_from(["1/2", "1", "2", "0.25", "3/4", "1e-3", "10"])
COMMON = {
    "--model": mix(st.sampled_from(["crash", "byzantine", "synapse"]),
                   st.sampled_from(["stuck", "", "Crash"])),
    "--capacity": mix(SMALL, NUMBER),
    "--capacity-reading": mix(st.sampled_from(["deviation", "value"]), st.just("x")),
    "--epsilon": mix(st.sampled_from(["4", "10", "1e3"]), NUMBER),
    "--epsilon-prime": mix(st.sampled_from(["1", "1/2", "1e-2"]), NUMBER),
    "--output": mix(st.just("0"), st.sampled_from(["1", "-1", "１", "99", "1e3", "0x0", ""])),
}
PER_COMMAND = {
    "bound": {"--failures": COUNTS,
              "--lambdas": mix(st.lists(SMALL, min_size=1, max_size=3).map(",".join),
                               st.lists(NUMBER, max_size=4).map(",".join)),
              "--bits-for": mix(SMALL, NUMBER),
              "--lambda-reading": mix(st.just("output"), st.just("x"))},
    "verify": {"--failures": COUNTS, "--bound": mix(SMALL, NUMBER),
               "--tolerance": mix(st.sampled_from(["0.1", "0.5", "1/3"]), NUMBER),
               "--engine": st.sampled_from(["auto", "z3", "numeric"]),
               "--timeout": st.sampled_from(["nan", "inf", "-1", "0", "1e400", "２", "2"])},
    "frontier": {"--limit": mix(st.sampled_from(["1", "10", "100"]),
                                st.sampled_from(["0", "-5", "1e9", "１", "10000000000"]))},
}
SWITCHES = {"bound": ["--at-most", "--json"], "verify": ["--json", "--no-bracket"],
            "frontier": ["--at-most", "--json"]}


@st.composite
def command_lines(draw: Any) -> list[str]:
    command = draw(st.sampled_from(["bound", "bound", "verify", "frontier"]))
    net, depth = NETS[draw(st.sampled_from(sorted(NETS)))]
    flags = {**COMMON, **PER_COMMAND[command]}
    chosen = draw(st.lists(st.sampled_from(sorted(flags)), max_size=4, unique=True))
    argv = [command, str(net)]
    if command != "frontier" and "--failures" not in chosen and draw(st.integers(0, 6)):
        ones = draw(st.lists(st.integers(0, 2), min_size=depth, max_size=depth))
        argv += ["--failures", ",".join(map(str, ones))]
    if command == "frontier" and draw(st.integers(0, 4)):
        argv += ["--epsilon", "4", "--epsilon-prime", "1"]
    for flag in chosen:
        argv += [flag, draw(flags[flag])]
    argv += draw(st.lists(st.sampled_from(SWITCHES[command]), max_size=2, unique=True))
    if command == "verify":  # a fuzzed --timeout above is either refused or this one
        if "--timeout" not in chosen:
            argv += ["--timeout", "2"]
        argv.append("--quiet")
    return argv


@settings(max_examples=examples(150))
@given(command_lines())
def test_fuzz_cli_flags(argv: list[str]) -> None:
    code, out, err = run_cli(argv)
    check_outcome(argv, code, out, err)
    if code != 2 and "--json" in argv:
        data = json.loads(out)
        if argv[0] == "verify":
            assert data["verdict"] == {0: "proved", 1: "refuted", 3: "unknown"}[code]
