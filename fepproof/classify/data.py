"""Labelled data sets for ``fepproof accuracy``: ``.npz`` (arrays ``X`` and ``y``) or
``.csv`` (numeric columns, the label in the last one, an optional header line)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

__all__ = ["DataError", "load_dataset", "check_dataset", "MAX_ROWS"]

MAX_ROWS = 1_000_000


class DataError(ValueError):
    """A data set that cannot be used; the message is one line naming the problem."""


def load_dataset(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(X float64 (n, d), y int64 (n,))`` from ``path`` (``.npz`` or ``.csv``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        X, y = _npz(p)
    elif suffix == ".csv":
        X, y = _csv(p)
    else:
        raise DataError(f"data: {p.name}: unknown data format {suffix or '(none)'!r} "
                        "(expected .npz with arrays X, y or .csv with the label last)")
    return _validate(X, y, p.name)


def _npz(p: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(p, allow_pickle=False) as data:
            missing = [k for k in ("X", "y") if k not in data.files]
            if missing:
                raise DataError(f"data: {p.name}: missing array(s) {', '.join(missing)} "
                                f"(found: {', '.join(data.files) or 'none'})")
            return np.asarray(data["X"]), np.asarray(data["y"])
    except DataError:
        raise
    except OSError as exc:
        raise DataError(f"data: cannot read {p}: {exc.strerror or exc}") from None
    except (ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"data: {p.name}: not a readable .npz file "
                        f"({str(exc).splitlines()[0][:80] if str(exc) else 'corrupt'})"
                        ) from None


def _csv(p: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"data: cannot read {p}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataError(f"data: {p.name}: not a UTF-8 text file") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DataError(f"data: {p.name}: no rows")
    rows = []
    for k, line in enumerate(lines):
        cells = [c.strip() for c in line.split(",")]
        try:
            rows.append([float(c) for c in cells])
        except ValueError:
            if k == 0:
                continue  # a header line
            raise DataError(f"data: {p.name}: line {k + 1}: not a number in "
                            f"{line[:60]!r}") from None
        if len(rows) > MAX_ROWS:
            raise DataError(f"data: {p.name}: more than {MAX_ROWS} rows")
    if not rows:
        raise DataError(f"data: {p.name}: no numeric rows")
    width = len(rows[0])
    for k, r in enumerate(rows):
        if len(r) != width:
            raise DataError(f"data: {p.name}: row {k + 1} has {len(r)} columns, "
                            f"expected {width}")
    if width < 2:
        raise DataError(f"data: {p.name}: need at least one feature column and the label")
    arr = np.array(rows, dtype=np.float64)
    return arr[:, :-1], arr[:, -1]


def _validate(X: np.ndarray, y: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    if X.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise DataError(f"data: {name}: X and y must be numeric arrays")
    if X.ndim != 2:
        raise DataError(f"data: {name}: X must be 2-dimensional (n, d), got shape "
                        f"{X.shape}")
    if y.ndim != 1:
        raise DataError(f"data: {name}: y must be 1-dimensional (n,), got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise DataError(f"data: {name}: X has {X.shape[0]} rows but y has {y.shape[0]}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"data: {name}: empty data set (shape {X.shape})")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        r = int(np.argwhere(~np.isfinite(X))[0][0])
        raise DataError(f"data: {name}: X row {r} holds a non-finite value")
    yf = y.astype(np.float64)
    if not np.isfinite(yf).all() or (yf != np.round(yf)).any():
        r = int(np.argwhere(~np.isfinite(yf) | (yf != np.round(yf)))[0][0])
        raise DataError(f"data: {name}: label {r} is not an integer ({y[r]!r})")
    return X, yf.astype(np.int64)


def check_dataset(X: np.ndarray, y: np.ndarray, input_dim: int, n_outputs: int) -> None:
    """Raise :class:`DataError` when the data does not fit a network with ``input_dim``
    inputs and ``n_outputs`` outputs (classes 0..n_outputs-1)."""
    if X.shape[1] != input_dim:
        raise DataError(f"data: {X.shape[1]} features per row, but the network has "
                        f"{input_dim} inputs")
    if n_outputs < 2:
        raise DataError("data: a classifier needs at least 2 outputs; the network has "
                        f"{n_outputs}")
    bad = (y < 0) | (y >= n_outputs)
    if bad.any():
        r = int(np.argwhere(bad)[0][0])
        raise DataError(f"data: label {int(y[r])} (row {r}) outside the network's "
                        f"outputs 0..{n_outputs - 1}")
