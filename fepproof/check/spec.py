"""``fepproof.toml``: what each of a project's networks must tolerate.

```toml
[defaults]
timeout = 60
[[claim]]
name = "classifier tolerates two crashed hidden neurons"
network = "models/classifier.onnx"   # paths relative to the spec
failures = [2, 0]
model = "crash"                      # crash / byzantine / synapse (+ capacity, capacity_reading)
                                     # / stuck-at (+ stuck_value, default 1)
bound = "0.9"                        # or epsilon + epsilon_prime, or "fep"
output = 3                           # optional
input_box = [[-0.5, 2.8]]            # one [lo, hi] for every input, one per input, or a file
expect = "proved"                    # proved / refuted
engine = "auto"
[[claim]]                            # kind = "accuracy": a classifier on a data set
name = "classifier stays accurate"
kind = "accuracy"
network = "models/classifier.onnx"
data = "data/holdout.npz"            # .npz (X, y) or .csv (label last)
failures = [1, 1]
min_certified = 0.9                  # required; min_clean, min_random, radius, samples optional
```

Every number is exact (TOML floats are read as the decimal they spell).  A bad spec
raises :class:`SpecError` naming the claim and the key; unknown keys are errors.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..exact import ExactError, fmt_exact, to_fraction
from ..failures import FailureError, FailureModel
from ..fsutil import InputTooLarge
from ..inputbox import InputBox, InputBoxError, box_from_value, parse_input_box
from ..run_verify import ENGINES
from .files import NotRegularFile, file_kind, read_regular

__all__ = ["SpecError", "Claim", "Spec", "load_spec", "parse_spec", "make_model", "CLAIM_KEYS",
           "ACCURACY_KEYS", "MAX_SPEC_BYTES"]

CLAIM_KEYS = ("name", "network", "failures", "model", "capacity", "capacity_reading", "bound",
              "epsilon", "epsilon_prime", "output", "input_box", "expect", "engine", "timeout",
              "sizes", "stuck_value", "certificate", "kind", "data", "radius", "samples",
              "min_certified", "min_clean", "min_random")
ACCURACY_KEYS = ("kind", "data", "radius", "samples", "min_certified", "min_clean",
                 "min_random")
"""Keys of ``kind = "accuracy"`` claims only."""
VERIFY_ONLY_KEYS = ("bound", "epsilon", "epsilon_prime", "output", "expect", "engine",
                    "certificate")
"""Keys an accuracy claim refuses when it states them itself ([defaults] ones are not
applied to it)."""
DEFAULT_KEYS = tuple(k for k in CLAIM_KEYS if k not in ("name", "certificate", "kind", "data",
                                                        "min_certified", "min_clean",
                                                        "min_random"))
KINDS = ("verify", "accuracy")
MODELS = ("crash", "byzantine", "synapse", "stuck-at")
EXPECT = ("proved", "refuted")
MAX_SPEC_BYTES = 4 * 1024 * 1024
MAX_CLAIMS = 10_000
SIZED_FORMATS = (".net",)
"""Network formats whose files do not record their layer sizes (``sizes`` is for them)."""
_FLOAT = re.compile(r"^[+-]?(\d[\d_]*)?(\.[\d_]*)?([eE][+-]?\d+)?$")


class SpecError(ValueError):
    """A bad spec: the message names the claim and the key."""


class _Bad(str):
    """A TOML float that is not a finite number of sane size (named at validation)."""


def _parse_float(text: str) -> Any:
    m = _FLOAT.match(text)
    if not m or (m.group(3) and abs(int(m.group(3)[1:])) > 400):
        return _Bad(text)
    return Fraction(text.replace("_", ""))


@dataclass(frozen=True)
class Claim:
    """One claim, validated; ``bound`` None means Fep (Theorem 2) of the network."""

    name: str
    index: int
    network: Path
    failures: tuple[int, ...]
    model: str
    capacity: Fraction | None
    capacity_reading: str
    bound: Fraction | None
    epsilon: Fraction | None
    epsilon_prime: Fraction | None
    output: int | None
    input_box: InputBox | None
    input_box_file: Path | None
    expect: str
    engine: str
    timeout: float
    sizes: str | None
    stuck_value: Fraction | None = None
    # a proof certificate (fepproof verify --certificate) re-checked instead of a new run
    certificate: Path | None = None
    # kind = "accuracy": classification accuracy on a data set under the failures
    kind: str = "verify"
    data: Path | None = None
    radius: Fraction = Fraction(0)
    samples: int = 100
    min_certified: Fraction | None = None
    min_clean: Fraction | None = None
    min_random: Fraction | None = None

    @property
    def method(self) -> str:
        """How the claim is decided (the JUnit ``method`` property)."""
        return "accuracy" if self.kind == "accuracy" else f"verify ({self.engine})"

    def key_data(self) -> dict[str, Any]:
        """Everything the verdict depends on, except the bytes of the network and of the
        data set (for the cache and to run identical claims once)."""
        key = {"failures": list(self.failures), "model": self.model,
                "capacity": None if self.capacity is None else fmt_exact(self.capacity),
                "capacity_reading": self.capacity_reading,
                "bound": None if self.bound is None else fmt_exact(self.bound),
                "output": self.output, "engine": self.engine, "sizes": self.sizes,
                "stuck_value": None if self.stuck_value is None else fmt_exact(self.stuck_value),
                "input_box": None if self.input_box is None else
                [[fmt_exact(lo), fmt_exact(hi)] for lo, hi in self.input_box.pairs]}
        key.update(kind=self.kind, data=None if self.data is None else str(self.data),
                   radius=fmt_exact(self.radius), samples=self.samples,
                   thresholds=[None if t is None else fmt_exact(t) for t in
                               (self.min_certified, self.min_clean, self.min_random)])
        return key

    def describe(self) -> str:
        if self.kind == "accuracy":
            cap = "" if self.capacity is None else f", C = {fmt_exact(self.capacity)} " \
                f"({self.capacity_reading})"
            want = [f"certified >= {fmt_exact(self.min_certified or 0)}"]
            if self.min_clean is not None:
                want.append(f"clean >= {fmt_exact(self.min_clean)}")
            if self.min_random is not None:
                want.append(f"random >= {fmt_exact(self.min_random)}")
            rad = "" if not self.radius else f", radius {fmt_exact(self.radius)}"
            return (f"{self.network.name} on {self.data.name if self.data else '?'}: accuracy "
                    f"{', '.join(want)} under {self.model}{cap} failures "
                    f"{list(self.failures)}{rad}")
        b = "Fep" if self.bound is None else fmt_exact(self.bound)
        cap = "" if self.capacity is None else f", C = {fmt_exact(self.capacity)} " \
            f"({self.capacity_reading})"
        out = "" if self.output is None else f", output {self.output}"
        return (f"{self.network.name}: |F_neu - F_fail| <= {b} under {self.model}{cap} "
                f"failures {list(self.failures)}{out}")


@dataclass(frozen=True)
class Spec:
    path: Path
    claims: tuple[Claim, ...]


def _where(name: str | None, index: int) -> str:
    return f"claim {name!r}" if name else f"claim #{index + 1}"


def _num(value: Any, where: str, key: str) -> Fraction:
    if isinstance(value, _Bad):
        raise SpecError(f"{where}: {key}: {str(value)!r} is not a finite number of sane size")
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, str)):
        raise SpecError(f"{where}: {key}: expected a number, got {type(value).__name__}")
    try:
        return to_fraction(value, key)
    except ExactError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _claim(raw: dict[str, Any], defaults: dict[str, Any], index: int, base: Path) -> Claim:
    name = raw.get("name")
    where = _where(name if isinstance(name, str) else None, index)
    for key in raw:
        if key not in CLAIM_KEYS:
            raise SpecError(f"{where}: {key}: unknown key (known: {', '.join(CLAIM_KEYS)})")
    if not isinstance(name, str) or not name.strip():
        raise SpecError(f"{where}: name: required, a non-empty string")
    kind = raw.get("kind", "verify")
    if kind not in KINDS:
        raise SpecError(f"{where}: kind: expected verify or accuracy, got {kind!r}"[:200])
    if kind == "accuracy":
        for key in VERIFY_ONLY_KEYS:
            if key in raw:
                raise SpecError(f"{where}: {key}: not a key of an accuracy claim (its "
                                f"thresholds are min_certified, min_clean, min_random)")
        defaults = {k: v for k, v in defaults.items() if k not in VERIFY_ONLY_KEYS}
    else:
        for key in ACCURACY_KEYS:
            if key in raw and key != "kind":
                raise SpecError(f"{where}: {key}: only for kind = \"accuracy\" claims")
        defaults = {k: v for k, v in defaults.items() if k not in ACCURACY_KEYS}
    c = {**defaults, **raw}
    net = c.get("network")
    if not isinstance(net, str) or not net:
        raise SpecError(f"{where}: network: required, a path relative to the spec")
    path = (base / net) if not Path(net).is_absolute() else Path(net)
    problem = _network_problem(path)
    if problem is not None:
        raise SpecError(f"{where}: network: {net} {problem}"
                        + (f" (relative to {base})" if problem == "does not exist" else ""))
    f = c.get("failures")
    if isinstance(f, str):
        raise SpecError(f"{where}: failures: expected a list of integers like [2, 0], got "
                        f"the string {f[:40]!r}")
    if not isinstance(f, list) or not f or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**9 for v in f):
        raise SpecError(f"{where}: failures: expected a list of non-negative integers, one "
                        f"per hidden layer (L + 1 for the synapse model)")
    model = c.get("model", "crash")
    if not isinstance(model, str):
        raise SpecError(f"{where}: model: expected a string ({', '.join(MODELS)})")
    cap = c.get("capacity")
    capacity = None if cap is None else _num(cap, where, "capacity")
    sv = c.get("stuck_value")
    stuck_value = None if sv is None else _num(sv, where, "stuck_value")
    reading = c.get("capacity_reading", "deviation")
    if not isinstance(reading, str):
        raise SpecError(f"{where}: capacity_reading: expected deviation or value")
    try:  # the failure model validates its own parameters (one source of the rules)
        fmodel = make_model(model, capacity, reading, stuck_value)
    except FailureError as exc:
        key = _SPEC_KEYS.get(exc.field or "", "model")
        msg = str(exc)
        if exc.field and msg.startswith(f"{exc.field}:"):
            msg = msg[len(exc.field) + 1:].strip()
        raise SpecError(f"{where}: {key}: {msg}") from None
    model = str(fmodel.kind)
    b, e, e2 = c.get("bound"), c.get("epsilon"), c.get("epsilon_prime")
    eps = epsp = bound = None
    if (e is None) != (e2 is None):
        raise SpecError(f"{where}: epsilon: epsilon and epsilon_prime go together")
    if e is not None:
        if "bound" in raw or ("bound" in defaults and "epsilon" not in raw):
            raise SpecError(f"{where}: bound: give either bound or epsilon + epsilon_prime")
        eps, epsp = _num(e, where, "epsilon"), _num(e2, where, "epsilon_prime")
        if not 0 < epsp <= eps:
            raise SpecError(f"{where}: epsilon_prime: need 0 < epsilon_prime <= epsilon")
        bound = eps - epsp
    elif b is None or b == "fep":
        bound = None
    else:
        bound = _num(b, where, "bound")
        if bound < 0:
            raise SpecError(f"{where}: bound: must be >= 0")
    output = c.get("output")
    if output is not None and (not isinstance(output, int) or isinstance(output, bool)
                               or output < 0):
        raise SpecError(f"{where}: output: expected a non-negative integer")
    box, box_file = None, None
    if "input_box" in c:
        raw_box = c["input_box"]
        try:
            if isinstance(raw_box, str):
                box = parse_input_box(raw_box, f"{where}: input_box", base)
                p = Path(raw_box) if Path(raw_box).is_absolute() else base / raw_box
                box_file = p if p.is_file() else None
            else:
                if any(isinstance(v, _Bad) for v in _flat(raw_box)):
                    raise SpecError(f"{where}: input_box: not a finite number of sane size")
                box = box_from_value(raw_box, f"{where}: input_box", "fepproof.toml")
        except InputBoxError as exc:
            raise SpecError(str(exc)) from None
        box = InputBox(box.pairs, f"{c_source(raw_box)}")
    expect = c.get("expect", "proved")
    if expect not in EXPECT:
        raise SpecError(f"{where}: expect: expected proved or refuted, got {expect!r}")
    engine = c.get("engine", "auto")
    if engine not in ENGINES:
        raise SpecError(f"{where}: engine: expected {', '.join(ENGINES)}, got {engine!r}")
    if fmodel.fails_synapses and engine.startswith("z3"):
        raise SpecError(f"{where}: engine: z3 encodes neuron failures only (use auto or "
                        f"numeric for the synapse model)")
    timeout = c.get("timeout", 60)
    if isinstance(timeout, Fraction):
        timeout = float(timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not 0 < timeout <= 86_400:
        raise SpecError(f"{where}: timeout: expected seconds in (0, 86400]")
    sizes = c.get("sizes")
    if sizes is not None:
        _check_sizes(sizes, path, where, "sizes" not in raw)
    cert = c.get("certificate")
    if cert is not None:
        if not isinstance(cert, str) or not cert or "\0" in cert:
            raise SpecError(f"{where}: certificate: expected the path of a certificate file")
        cert = Path(cert) if Path(cert).is_absolute() else base / cert
    claim = Claim(name, index, path, tuple(f), model, capacity, reading, bound, eps, epsp,
                  output, box, box_file, expect, engine, float(timeout), sizes, stuck_value,
                  cert)
    if kind == "accuracy":
        claim = _accuracy(claim, c, where, base)
    return claim


def _fraction_in(c: dict[str, Any], key: str, where: str, lo: Fraction,
                 hi: Fraction | None) -> Fraction | None:
    if key not in c:
        return None
    v = _num(c[key], where, key)
    if v < lo or (hi is not None and v > hi):
        raise SpecError(f"{where}: {key}: expected a number in "
                        + (f"[{lo}, {hi}]" if hi is not None else f">= {lo}")
                        + f", got {fmt_exact(v)}"[:80])
    return v


def _accuracy(claim: Claim, c: dict[str, Any], where: str, base: Path) -> Claim:
    """The accuracy fields of a ``kind = "accuracy"`` claim, validated."""
    import dataclasses

    data = c.get("data")
    if not isinstance(data, str) or not data or "\0" in data:
        raise SpecError(f"{where}: data: required, the path of a .npz or .csv data set "
                        f"relative to the spec")
    path = (base / data) if not Path(data).is_absolute() else Path(data)
    if path.suffix.lower() not in (".npz", ".csv"):
        raise SpecError(f"{where}: data: {data}: expected a .npz or .csv data set")
    problem = _network_problem(path)
    if problem is not None:
        problem = problem.replace("network file", "data file")
        raise SpecError(f"{where}: data: {data} {problem}"
                        + (f" (relative to {base})" if problem == "does not exist" else ""))
    if "min_certified" not in c:
        raise SpecError(f"{where}: min_certified: required for an accuracy claim (the "
                        f"certified accuracy it must reach, in [0, 1])")
    one, zero = Fraction(1), Fraction(0)
    radius = _fraction_in(c, "radius", where, zero, None) or zero
    samples = c.get("samples", 100)
    if isinstance(samples, bool) or not isinstance(samples, int) \
            or not 1 <= samples <= 1_000_000:
        raise SpecError(f"{where}: samples: expected an integer in [1, 1000000]")
    return dataclasses.replace(
        claim, kind="accuracy", data=path, radius=radius, samples=samples,
        min_certified=_fraction_in(c, "min_certified", where, zero, one),
        min_clean=_fraction_in(c, "min_clean", where, zero, one),
        min_random=_fraction_in(c, "min_random", where, zero, one))


def _network_problem(path: Path) -> str | None:
    """What is wrong with a claim's network path (None: a regular file)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    except ValueError:  # a NUL character
        return "is not a valid path"
    if not stat.S_ISREG(st.st_mode):
        return f"is {file_kind(st.st_mode)}, not a network file"
    return None


def _check_sizes(sizes: Any, path: Path, where: str, from_defaults: bool) -> None:
    """``sizes`` is for the formats whose files do not record their layer sizes."""
    if not isinstance(sizes, str):
        raise SpecError(f"{where}: sizes: expected a string like \"784-98-10\"")
    suffix = path.suffix.lower()
    if suffix not in SIZED_FORMATS:
        origin = " (from [defaults])" if from_defaults else ""
        raise SpecError(f"{where}: sizes{origin}: only {', '.join(SIZED_FORMATS)} (StaticNet) "
                        f"files need sizes; a {suffix or 'suffix-less'} network records its "
                        f"own")
    from ..interop.staticnet import parse_sizes
    from ..network import NetworkError
    try:
        parse_sizes(sizes, "sizes")
    except NetworkError as exc:
        raise SpecError(f"{where}: {exc}") from None


def make_model(kind: str, capacity: Fraction | None, reading: str,
               stuck_value: Fraction | None = None) -> FailureModel:
    """The failure model of a claim; :class:`FailureModel` checks the parameters."""
    return FailureModel(kind, capacity, reading, stuck_value)  # type: ignore[arg-type]


# FailureModel parameter -> spec key (errors name the key the user wrote)
_SPEC_KEYS = {"kind": "model", "capacity": "capacity", "reading": "capacity_reading",
              "stuck_value": "stuck_value"}


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]


def c_source(raw_box: Any) -> str:
    """How the output names a box given in the spec."""
    return (f"input_box = {raw_box!r} in the spec" if isinstance(raw_box, str)
            else "input_box in the spec")


def parse_spec(text: str, path: Path) -> Spec:
    """Validate the spec text; ``path`` anchors relative network paths."""
    try:
        data = tomllib.loads(text, parse_float=_parse_float)
    except ValueError as exc:  # TOMLDecodeError, or an integer of over 4300 digits
        raise SpecError(f"{path}: not valid TOML ({str(exc)[:200]})") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply") from None
    for key in data:
        if key not in ("defaults", "claim"):
            raise SpecError(f"{path}: {key}: unknown top-level key (known: defaults, claim)")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SpecError(f"{path}: defaults: expected a table [defaults]")
    for key in defaults:
        if key not in DEFAULT_KEYS:
            raise SpecError(f"defaults: {key}: unknown key (known: {', '.join(DEFAULT_KEYS)})")
    raw_claims = data.get("claim", [])
    if not isinstance(raw_claims, list) or not all(isinstance(c, dict) for c in raw_claims):
        raise SpecError(f"{path}: claim: expected [[claim]] tables")
    if not raw_claims:
        raise SpecError(f"{path}: claim: no [[claim]] in the spec")
    if len(raw_claims) > MAX_CLAIMS:
        raise SpecError(f"{path}: claim: more than {MAX_CLAIMS} claims")
    base = path.resolve().parent
    claims = [_claim(c, defaults, i, base) for i, c in enumerate(raw_claims)]
    seen: dict[str, int] = {}
    for c in claims:
        if c.name in seen:
            raise SpecError(f"claim {c.name!r}: name: duplicate (also claim #{seen[c.name] + 1})")
        seen[c.name] = c.index
    return Spec(path, tuple(claims))


def load_spec(path: str | Path) -> Spec:
    """Read and validate ``path`` (``fepproof.toml``)."""
    p = Path(path)
    if p.is_dir():
        p = p / "fepproof.toml"
    try:
        text = read_regular(p, MAX_SPEC_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise SpecError(f"{p}: no such spec file") from None
    except NotRegularFile as exc:
        raise SpecError(f"{p} is {exc.kind}, not a spec file") from None
    except InputTooLarge:
        raise SpecError(f"{p}: larger than {MAX_SPEC_BYTES} bytes") from None
    except UnicodeDecodeError:
        raise SpecError(f"{p}: not UTF-8 text") from None
    except OSError as exc:
        raise SpecError(f"{p}: cannot read ({exc.strerror})") from None
    except ValueError:  # a NUL character in the path
        raise SpecError(f"{str(p)!r}: not a valid path") from None
    return parse_spec(text, p)
