"""Input validation shared by every public function of ``course_pkg``.

Each check raises ``ValueError`` or ``TypeError`` with one message format::

    <where>: expected <what>; got <received>. <fix, where there is one>

so that a learner reads, for example,
``Dense.forward: expected X of shape (N, 4); got (3, 5).``
Library code never uses ``assert`` (asserts vanish under ``python -O`` and
tell a learner nothing).

Nothing here imports TensorFlow; the checks work on NumPy and CuPy arrays.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable, Sequence

import numpy as np

from course_pkg._arrays import array_module_of as _array_module_of

__all__ = [
    "fail",
    "format_shape",
    "check_array",
    "check_finite",
    "check_same_rows",
    "check_labels",
    "check_positive",
    "check_fraction",
    "check_int",
    "check_choice",
    "check_float_dtype",
    "as_generator",
]


def fail(where: str, expected: str, got: str, fix: str | None = None, exc=ValueError):
    """Raise ``exc`` with the house message: ``<where>: expected <...>; got <...>. <fix>``."""
    message = f"{where}: expected {expected}; got {got}."
    if fix:
        message += f" {fix}"
    raise exc(message)


def format_shape(shape: Sequence[int | str | None]) -> str:
    """Write a shape the way the docstrings do: ``None`` becomes ``N``.

    >>> format_shape((None, 4))
    '(N, 4)'
    >>> format_shape((3,))
    '(3,)'
    """
    parts = ["N" if s is None else str(s) for s in shape]
    if len(parts) == 1:
        return f"({parts[0]},)"
    return "(" + ", ".join(parts) + ")"


def check_array(
    x: Any,
    *,
    where: str,
    name: str,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
    numeric: bool = True,
    xp=None,
):
    """Convert ``x`` to an array and check its rank, shape and values.

    Parameters
    ----------
    x : array_like
        The value to check. Lists are converted with ``xp.asarray``.
    where : str
        The public function doing the check, e.g. ``"Dense.forward"``.
    name : str
        The argument's name as the caller wrote it, e.g. ``"X"``.
    ndim : int, optional
        Required number of dimensions. Defaults to no requirement.
    shape : sequence of int or None, optional
        Required shape; ``None`` entries accept any size (the batch axis).
        Implies ``ndim``.
    finite : bool, default True
        Reject NaN and infinity.
    numeric : bool, default True
        Reject arrays whose dtype is not boolean, integer or floating.
    xp : module, optional
        ``numpy`` or ``cupy``; defaults to the module the array already
        belongs to (NumPy for lists).

    Returns
    -------
    ndarray
        ``x`` as an array of the chosen module (no copy when possible).

    Raises
    ------
    TypeError
        If ``x`` cannot be read as a numeric array.
    ValueError
        If the rank or shape is wrong, or values are not finite.
    """
    if xp is None:
        xp = _array_module_of(x)
    if x is None:
        fail(where, f"{name} as an array", "None", exc=TypeError)
    try:
        arr = xp.asarray(x)
    except (TypeError, ValueError) as err:
        fail(where, f"{name} as a numeric array", f"{type(x).__name__} ({err})", exc=TypeError)
    if numeric and arr.dtype.kind not in "biuf":
        fail(
            where,
            f"{name} with a numeric dtype",
            f"dtype {arr.dtype}",
            "Convert it with np.asarray(..., dtype=float).",
            exc=TypeError,
        )
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        wanted = f"of shape {format_shape(shape)}" if shape is not None else f"with {ndim} dimension(s)"
        fix = None
        if ndim == 2 and arr.ndim == 1:
            fix = (
                f"{name} looks like a single sample or a flat vector: pass a batch, "
                f"e.g. {name}.reshape(1, -1) for one sample or {name}.reshape(-1, 1) for one feature."
            )
        fail(where, f"{name} {wanted}", f"shape {format_shape(arr.shape)}", fix)
    if shape is not None:
        for want, have in zip(shape, arr.shape):
            if want is not None and want != have:
                fail(
                    where,
                    f"{name} of shape {format_shape(shape)}",
                    f"shape {format_shape(arr.shape)}",
                )
    if finite:
        check_finite(arr, where=where, name=name)
    return arr


def check_finite(arr, *, where: str, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity, saying how many."""
    if arr.dtype.kind != "f":
        return
    xp = _array_module_of(arr)
    bad = int(xp.count_nonzero(~xp.isfinite(arr)))
    if bad:
        fail(
            where,
            f"finite values in {name}",
            f"{bad} NaN or infinite value(s) out of {arr.size}",
            "Check the data (missing values?) or lower the learning rate if they came from training.",
        )


def check_same_rows(X, y, *, where: str, x_name: str = "X", y_name: str = "y") -> None:
    """Raise ``ValueError`` unless ``X`` and ``y`` have the same number of rows."""
    if X.shape[0] != y.shape[0]:
        fail(
            where,
            f"{y_name} with one row per row of {x_name} ({X.shape[0]})",
            f"{y.shape[0]} rows ({y_name} shape {format_shape(y.shape)})",
        )


def check_labels(y, n_classes: int, *, where: str, name: str = "y"):
    """Check integer class labels of shape (N,) lie in ``[0, n_classes)``.

    Float arrays that hold whole numbers are accepted (labels often arrive
    as float); they are returned as int64.
    """
    xp = _array_module_of(y)
    if y.ndim != 1:
        fail(where, f"integer labels {name} of shape (N,)", f"shape {format_shape(y.shape)}")
    if y.dtype.kind == "f":
        if not bool(xp.all(y == xp.round(y))):
            fail(where, f"integer class labels in {name}", "non-integer values")
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iub":
        fail(where, f"integer class labels in {name}", f"dtype {y.dtype}", exc=TypeError)
    if y.size:
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= n_classes:
            fail(
                where,
                f"labels in {name} between 0 and {n_classes - 1} ({n_classes} classes)",
                f"labels from {low} to {high}",
                "Re-encode the labels as 0..C-1, or give the model more output units.",
            )
    return y.astype(np.int64, copy=False)


def _check_real(value, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(where, f"{name} as a real number", f"{type(value).__name__} {value!r}", exc=TypeError)
    return float(value)


def check_positive(value, *, where: str, name: str) -> float:
    """Return ``value`` as float if it is a real number > 0."""
    number = _check_real(value, where, name)
    if not number > 0 or not np.isfinite(number):
        fail(where, f"{name} > 0", f"{name}={value!r}")
    return number


def check_fraction(
    value, *, where: str, name: str, low_inclusive: bool = True, high_inclusive: bool = False
) -> float:
    """Return ``value`` as float if it lies in [0, 1) (ends configurable)."""
    number = _check_real(value, where, name)
    low_ok = number >= 0 if low_inclusive else number > 0
    high_ok = number <= 1 if high_inclusive else number < 1
    if not (low_ok and high_ok):
        interval = ("[" if low_inclusive else "(") + "0, 1" + ("]" if high_inclusive else ")")
        fail(where, f"{name} in {interval}", f"{name}={value!r}")
    return number


def check_int(value, *, where: str, name: str, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(where, f"{name} as an integer", f"{type(value).__name__} {value!r}", exc=TypeError)
    if value < minimum:
        fail(where, f"{name} >= {minimum}", f"{name}={value!r}")
    return int(value)


def check_choice(value, choices: Iterable[str], *, where: str, name: str) -> str:
    """Return ``value`` if it is one of ``choices``; list them otherwise."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        known = ", ".join(repr(c) for c in choices)
        fail(where, f"{name} to be one of {known}", repr(value))
    return value


def check_float_dtype(dtype, *, where: str) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype if it is float32 or float64; raise ``ValueError`` otherwise.

    >>> check_float_dtype("float64", where="Dense")
    dtype('float64')
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.float32, np.float64):
        raise ValueError(f"{where}: expected dtype 'float32' or 'float64'; got {dtype!r}.")
    return dt


def as_generator(seed=None, *, where: str = "as_generator") -> np.random.Generator:
    """Return a ``np.random.Generator`` from ``None``, a seed or a generator.

    The one reader of every ``seed`` argument of the NumPy track (layers, networks, perceptrons,
    mini-batches, data sets).

    Parameters
    ----------
    seed : None, int or numpy.random.Generator, optional
        ``None`` gives a fresh, unpredictably seeded generator; an int >= 0
        seeds a new generator (the same numbers on every call); a
        ``Generator`` is returned as is, so successive calls continue its
        stream (one generator shared by a whole training run).
    where : str, default "as_generator"
        The public function asking, named in error messages.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For any other type (including the legacy ``np.random.RandomState``).
    ValueError
        For a negative seed.

    Examples
    --------
    >>> a, b = as_generator(0), as_generator(0)
    >>> a.integers(100, size=3).tolist() == b.integers(100, size=3).tolist()
    True
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{where}: expected seed >= 0; got seed={seed!r}.")
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"{where}: expected seed as None, an int or a numpy.random.Generator; "
        f"got {type(seed).__name__}. Pass an int, or create a generator with np.random.default_rng(seed)."
    )
