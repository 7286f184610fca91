"""Load a numeric CSV file into ``(X, y)`` arrays, with errors that point at the offending line and column.

Only the standard library's ``csv`` reader is used (quotes, custom delimiters). Feature columns must be
finite numbers. The target column decides the task: text labels, or a few distinct integers, are classes
(encoded as int64 indices 0..C-1 into the sorted labels, which ``meta["classes"]`` maps back); many
distinct values, or any fractional one, are a regression target (float64).
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np

__all__ = ["load_csv"]

# integral targets with at most this many distinct values are classes (when they are also at most half
# the rows, or at most ten): digits' 0..9 are classes, prices 100000..120000 are a regression target
MAX_CLASSES = 100
TASKS = ("auto", "classification", "regression")


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
        try:
            for fields in reader:
                if not any(field.strip() for field in fields):
                    continue  # blank lines carry no sample
                rows.append((reader.line_num, fields))
        except UnicodeDecodeError as e:
            raise ValueError(
                f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} on line {_first_undecodable_line(path)})"
                "; save the file as UTF-8"
            ) from None
        except csv.Error as e:  # a field over csv.field_size_limit(), a NUL byte, a broken quote
            raise ValueError(f"{path}: line {max(reader.line_num, 1)} is not valid CSV: {e}") from None
    return rows


def _first_undecodable_line(path: Path) -> int:
    """The line number of the first line that is not UTF-8 (text is decoded in chunks, so the reader's
    own line count does not say)."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def load_csv(
    path,
    *,
    target=-1,
    header="infer",
    delimiter: str = ",",
    task: str = "auto",
    return_meta: bool = False,
):
    """Read ``path`` into ``(X, y)``: X float64 (n_rows, n_columns - 1), y from the ``target`` column.

    ``target`` is a column index (negative counts from the end), a column name from the header, or None
    for no target (y is then None). ``header`` is ``"infer"``, True or False. ``task`` is ``"auto"``
    (classes for text or a few distinct integers, else regression), ``"classification"`` or
    ``"regression"``; a classification target needs at least two classes. With ``return_meta=True`` the
    result is ``(X, y, meta)``, meta holding ``feature_names``, ``target_name``, ``task`` and ``classes``
    (the labels behind y's indices 0..C-1 for classification, else None).
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path}")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character, got {delimiter!r}")
    if header not in ("infer", True, False, None):
        raise ValueError(f"header must be 'infer', True or False, got {header!r}")
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")

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
                value = float(text)
            except ValueError:
                shown = "an empty field" if not text else f"{text!r}"
                raise ValueError(
                    f"{path}: line {line}, column {j} ({names[j]!r}): expected a number, got {shown}"
                ) from None
            if not math.isfinite(value):
                raise ValueError(
                    f"{path}: line {line}, column {j} ({names[j]!r}): {text!r} is not a finite number"
                )
            X[i, out] = value

    y, classes, chosen = None, None, None
    if target_col is not None:
        y, classes, chosen = _parse_target(rows, target_col, names, path, task)
    if not return_meta:
        return X, y
    meta = {
        "feature_names": [names[j] for j in feature_cols],
        "target_name": None if target_col is None else names[target_col],
        "task": chosen,
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


def _parse_target(rows, col: int, names: list[str], path: Path, task: str):
    """(y, classes, task) from the target column: see `load_csv` for how the task is decided."""
    where = f"{path}: column {col} ({names[col]!r})"
    texts, numbers = [], []
    for line, fields in rows:
        text = fields[col].strip()
        if not text:
            raise ValueError(f"{path}: line {line}, column {col} ({names[col]!r}): the target is empty")
        texts.append(text)
        numbers.append(_target_number(text))
    if any(v is None for v in numbers):  # some label is not a number: all are class names
        if task == "regression":
            k = numbers.index(None)
            raise ValueError(
                f"{path}: line {rows[k][0]}, column {col} ({names[col]!r}): regression needs numbers, "
                f"got {texts[k]!r}"
            )
        values = texts
    else:
        for (line, _), v in zip(rows, numbers):
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{path}: line {line}, column {col} ({names[col]!r}): the target is {v}")
        values = numbers
    integral = all(isinstance(v, (str, int)) for v in values)
    distinct = sorted(set(values))
    if task == "auto":
        few = len(distinct) <= MAX_CLASSES and (len(distinct) <= 10 or len(distinct) <= len(values) // 2)
        task = "classification" if integral and few else "regression"
    if task == "regression":
        return np.array([float(v) for v in values], dtype=np.float64), None, task
    if not integral:
        raise ValueError(f"{where}: classification needs whole-number or text labels, got fractional values")
    if len(distinct) < 2:
        raise ValueError(
            f"{where}: every row has the label {distinct[0]!r}; classification needs at least two classes"
        )
    index = {v: i for i, v in enumerate(distinct)}
    return np.array([index[v] for v in values], dtype=np.int64), distinct, task


def _target_number(text: str):
    """An int for an integer literal (any size: Python ints do not wrap), a float for another number, None
    for text. Floats such as "3.0" that are whole count as ints."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value
