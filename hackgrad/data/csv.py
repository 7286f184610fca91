"""Load a numeric CSV file into ``(X, y)`` arrays, with errors that point at the offending line and column.

Only the standard library's ``csv`` reader is used (quotes, custom delimiters). Feature columns must be
numeric; the target column may be numeric (int64 if every value is integral, else float64) or hold class
names, which are encoded as int64 indices into the sorted names.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

__all__ = ["load_csv"]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _infer_header(rows: list[tuple[int, list[str]]]) -> bool:
    """The first row is a header when some column is text there but a number in the next row.

    Comparing with the second row (rather than asking "is anything non-numeric?") keeps a first data row
    with a text label column, e.g. ``5.1,3.5,1.4,0.2,setosa``, from being taken for a header.
    """
    first = rows[0][1]
    if len(rows) == 1:
        return not any(_is_number(f) for f in first)
    second = rows[1][1]
    return any(not _is_number(a) and _is_number(b) for a, b in zip(first, second))


def _read_rows(path: Path, delimiter: str) -> list[tuple[int, list[str]]]:
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig drops a BOM some spreadsheets write
        reader = csv.reader(f, delimiter=delimiter)
        for fields in reader:
            if not any(field.strip() for field in fields):
                continue  # blank lines carry no sample
            rows.append((reader.line_num, fields))
    return rows


def load_csv(
    path,
    *,
    target=-1,
    header="infer",
    delimiter: str = ",",
    return_meta: bool = False,
):
    """Read ``path`` into ``(X, y)``: X float64 (n_rows, n_columns - 1), y from the ``target`` column.

    ``target`` is a column index (negative counts from the end), a column name from the header, or None
    for no target (y is then None). ``header`` is ``"infer"``, True or False. With ``return_meta=True``
    the result is ``(X, y, meta)``, meta holding ``feature_names``, ``target_name`` and ``classes`` (the
    class names behind y's indices when the target held text, else None).
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, got {delimiter!r}")
    if header not in ("infer", True, False, None):
        raise ValueError(f"header must be 'infer', True or False, got {header!r}")

    rows = _read_rows(path, delimiter)
    if not rows:
        raise ValueError(f"{path} is empty")
    has_header = _infer_header(rows) if header == "infer" else bool(header)
    if has_header:
        names = [name.strip() for name in rows[0][1]]
        rows = rows[1:]
        if not rows:
            raise ValueError(f"{path} has a header but no data rows")
    else:
        names = [f"column {j}" for j in range(len(rows[0][1]))]

    n_cols = len(names)
    for line, fields in rows:
        if len(fields) != n_cols:
            what = "the header" if has_header else f"line {rows[0][0]}"
            raise ValueError(f"{path}: line {line} has {len(fields)} fields, expected {n_cols} like {what}")

    target_col = _resolve_target(target, names, has_header, path)
    feature_cols = [j for j in range(n_cols) if j != target_col]
    if not feature_cols:
        raise ValueError(f"{path} has only the target column; no feature columns left for X")

    X = np.empty((len(rows), len(feature_cols)), dtype=np.float64)
    for i, (line, fields) in enumerate(rows):
        for out, j in enumerate(feature_cols):
            text = fields[j].strip()
            try:
                X[i, out] = float(text)
            except ValueError:
                shown = "an empty field" if not text else f"{text!r}"
                raise ValueError(
                    f"{path}: line {line}, column {j} ({names[j]!r}): expected a number, got {shown}"
                ) from None

    y, classes = (None, None) if target_col is None else _parse_target(rows, target_col, names, path)
    if not return_meta:
        return X, y
    meta = {
        "feature_names": [names[j] for j in feature_cols],
        "target_name": None if target_col is None else names[target_col],
        "classes": classes,
    }
    return X, y, meta


def _resolve_target(target, names: list[str], has_header: bool, path: Path) -> int | None:
    n_cols = len(names)
    if target is None:
        return None
    if isinstance(target, str):
        if not has_header:
            raise ValueError(f"target={target!r} names a column, but {path} is read without a header row")
        if target not in names:
            raise ValueError(f"target={target!r} is not a column of {path}; columns are {names}")
        return names.index(target)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)):
        raise ValueError(f"target must be a column index, a column name or None, got {target!r}")
    if not -n_cols <= target < n_cols:
        raise ValueError(
            f"target={target} is out of range for {n_cols} columns (expected -{n_cols}..{n_cols - 1})"
        )
    return int(target) % n_cols


def _parse_target(rows, col: int, names: list[str], path: Path) -> tuple[np.ndarray, list[str] | None]:
    values = []
    for line, fields in rows:
        text = fields[col].strip()
        if not text:
            raise ValueError(f"{path}: line {line}, column {col} ({names[col]!r}): the target is empty")
        values.append(text)
    try:
        y = np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        # Text labels: encode as indices into the sorted class names.
        classes, y = np.unique(np.array(values, dtype=str), return_inverse=True)
        return y.astype(np.int64), classes.tolist()
    if np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64), None
    return y, None
