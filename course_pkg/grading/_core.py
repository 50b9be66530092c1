"""Machinery shared by every check: failures, cases, comparison, reference guard.

A check runs a learner's function on designed cases (huge logits, zeros,
negative values, batch size 1, integer dtype, non-square shapes) plus seeded
random inputs, compares each result with the course_pkg reference, and on the
first disagreement raises :class:`CheckFailed` with a message that names the
likely misconception. Messages describe what the learner's code did (its
shape, its dtype, a NaN it produced) and never print an expected value, so
hidden tests leak nothing through feedback.

A learner function that is the reference, or calls it, fails: the check runs
the learner's code under :func:`forbid_reference`, a profiler hook that
notices any frame executing reference code.
"""

from __future__ import annotations

import contextlib
import dis
import inspect
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

__all__ = [
    "CheckFailed",
    "ReferenceUsed",
    "Case",
    "forbid_reference",
    "stand_ins_for",
    "call_learner",
    "as_result_array",
    "compare",
    "describe_shape",
    "uses_operations",
    "require_callable",
    "check_cases",
    "close",
    "passed",
]


class CheckFailed(AssertionError):
    """A check found a mistake; the message says which and what to fix.

    It subclasses ``AssertionError`` so nbgrader and pytest treat it as a
    failed test, but its name tells a learner this is the course's verdict.
    """


class ReferenceUsed(CheckFailed):
    """The learner's code is, or calls, the course_pkg reference it is checked against."""


@dataclass
class Case:
    """One input to a check.

    Parameters
    ----------
    name : str
        What the case is about, shown to learners ("huge logits (near 1000)").
    args : tuple
        Positional arguments for the learner's function and the reference.
    kwargs : dict
        Keyword arguments for both.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


def describe_shape(value: Any) -> str:
    """Describe ``value``'s shape and type for a message, without its values.

    >>> describe_shape(np.zeros((2, 3)))
    'an array of shape (2, 3) and dtype float64'
    >>> describe_shape([1, 2])
    'a list'
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def require_callable(fn: Any, *, name: str) -> None:
    """Fail clearly when the learner has not defined ``name`` as a function yet."""
    if not callable(fn):
        raise CheckFailed(
            f"{name}: expected a function; got {type(fn).__name__}. Define {name} in the "
            "solution cell above and run that cell first."
        )


# --------------------------------------------------------------------------- the reference guard


def _code_objects(obj: Any) -> Iterable[types.CodeType]:
    """Code objects that make up ``obj`` (a function, method, class, or property)."""
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        for part in (obj.fget, obj.fset, obj.fdel):
            if part is not None:
                yield from _code_objects(part)
        return
    if inspect.isclass(obj):
        for klass in obj.__mro__:
            if klass is object or klass.__module__ == "builtins":
                continue
            for member in vars(klass).values():
                if inspect.isfunction(member) or isinstance(member, (staticmethod, classmethod, property)):
                    yield from _code_objects(member)
        return
    code = getattr(obj, "__code__", None)
    if isinstance(code, types.CodeType):
        yield code


@contextlib.contextmanager
def forbid_reference(references: Sequence[Any], *, name: str, allowed: Sequence[Any] = ()):
    """Raise :class:`ReferenceUsed` if code inside the block runs a reference.

    Parameters
    ----------
    references : sequence
        Functions, classes or modules of course_pkg the learner must not
        call (a module forbids every function defined in its file).
    name : str
        The learner's function, for the message.
    allowed : sequence, optional
        Functions that may run although their module is forbidden (the
        stand-ins and callbacks a check hands to the learner's code).

    Notes
    -----
    A profiler hook (``sys.setprofile``) sees every Python frame that
    starts inside the block and compares its code object (or, for a
    module, its file) with the references, so wrapping the reference in a
    lambda, a ``functools.partial`` or a subclass is caught as well as
    assigning it. The previous hook is restored afterwards.
    """
    codes: set[types.CodeType] = set()
    files: set[str] = set()
    labels: dict[Any, str] = {}
    for ref in references:
        if inspect.ismodule(ref):
            files.add(ref.__file__)
            labels[ref.__file__] = ref.__name__
            continue
        label = f"{getattr(ref, '__module__', '?')}.{getattr(ref, '__qualname__', repr(ref))}"
        for code in _code_objects(ref):
            codes.add(code)
            labels[code] = label
    allowed_codes = {code for obj in allowed for code in _code_objects(obj)}
    hits: list[str] = []

    def hook(frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code in allowed_codes:
                return
            if code in codes:
                hits.append(labels[code])
            elif code.co_filename in files:
                hits.append(f"{labels[code.co_filename]}.{getattr(code, 'co_qualname', code.co_name)}")

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        yield
    finally:
        sys.setprofile(previous)
    if hits:
        raise ReferenceUsed(
            f"{name}: your code calls the course's reference implementation ({hits[0]}). "
            "The point of this exercise is to write it yourself: remove the import of "
            "course_pkg here and write the computation in your own code."
        )


@contextlib.contextmanager
def stand_ins_for(fn: Callable, stand_ins: dict[str, Callable] | None):
    """Temporarily replace the learner's helper functions by known-good stand-ins.

    Each part of an assignment is graded on its own: when the learner's
    ``tlu_predict`` calls their ``heaviside``, the check of ``tlu_predict``
    swaps in a correct ``heaviside`` for the duration of the call, so a
    mistake in one part never costs points in another. Only names that the
    learner's module defines as functions are swapped, and the originals
    are put back afterwards.
    """
    namespace = getattr(inspect.unwrap(fn), "__globals__", None)
    saved = {}
    if namespace is not None and stand_ins:
        for key, replacement in stand_ins.items():
            current = namespace.get(key)
            if callable(current) and current is not fn:
                saved[key] = current
                namespace[key] = replacement
    try:
        yield
    finally:
        if namespace is not None:
            namespace.update(saved)


def call_learner(
    fn: Callable,
    case: Case,
    *,
    name: str,
    references: Sequence[Any] = (),
    errstate: dict | None = None,
    on_error: Callable[[BaseException, Case], str | None] | None = None,
    stand_ins: dict[str, Callable] | None = None,
    allowed: Sequence[Any] = (),
):
    """Call the learner's ``fn`` on ``case`` with the reference guard on.

    Parameters
    ----------
    fn : callable
        The learner's function.
    case : Case
        Its arguments. Arrays are passed as copies, and the originals are
        compared afterwards so in-place edits of the caller's data fail.
    name : str
        The function's name in the assignment, for messages.
    references : sequence
        What the learner must not call (see :func:`forbid_reference`).
    errstate : dict, optional
        ``numpy.errstate`` settings, e.g. ``{"over": "raise"}`` to turn a
        silent overflow into a failure the message can explain.
    on_error : callable, optional
        ``on_error(err, case)`` maps an exception the learner's code raised
        to a tailored message (or None for the generic one).
    stand_ins : dict, optional
        Known-good versions of the learner's helpers, swapped in by name
        during the call (see :func:`stand_ins_for`).
    allowed : sequence, optional
        Code the learner may run although it lives in a forbidden module
        (callbacks passed in ``case``).

    Returns
    -------
    object
        What ``fn`` returned.

    Raises
    ------
    NotImplementedError
        Unchanged, so an untouched release notebook fails plainly.
    CheckFailed
        If ``fn`` raised, used the reference, or changed its inputs.
    """
    args = tuple(_copy(a) for a in case.args)
    kwargs = {k: _copy(v) for k, v in case.kwargs.items()}
    try:
        stand = list((stand_ins or {}).values())
        with stand_ins_for(fn, stand_ins), forbid_reference(
            references, name=name, allowed=[*stand, *allowed]
        ), np.errstate(**(errstate or {})):
            result = fn(*args, **kwargs)
    except (NotImplementedError, ReferenceUsed):
        raise
    except Exception as err:  # the learner's bug: explain it, keep their traceback chained
        hint = on_error(err, case) if on_error is not None else None
        message = hint or (
            f"{name} raised {type(err).__name__} on the case '{case.name}': {_short(err)}"
        )
        raise CheckFailed(message) from err
    for position, (before, after) in enumerate(zip(case.args, args)):
        if isinstance(before, np.ndarray) and not _same_array(before, after):
            raise CheckFailed(
                f"{name} changed its argument number {position + 1} in place on the case "
                f"'{case.name}'. The caller still needs that array: compute into a new array "
                "(e.g. z = z - m instead of z -= m)."
            )
    return result


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _same_array(a: np.ndarray, b: Any) -> bool:
    return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def _short(err: BaseException, limit: int = 300) -> str:
    text = str(err).strip().splitlines()
    text = text[0] if text else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- comparing results


def as_result_array(value: Any, *, name: str, what: str, case: Case) -> np.ndarray:
    """Return the learner's result as a float ndarray, or fail saying what came back."""
    if value is None:
        raise CheckFailed(
            f"{name} returned None on the case '{case.name}'. Did you forget the return statement?"
        )
    try:
        arr = np.asarray(value)
    except Exception as err:  # ragged lists and other oddities
        raise CheckFailed(
            f"{name} returned {describe_shape(value)} for {what} on the case '{case.name}', "
            f"which is not a numeric array ({_short(err)})."
        ) from err
    if arr.dtype.kind not in "biuf":
        raise CheckFailed(
            f"{name} returned {describe_shape(value)} of dtype {arr.dtype} for {what} on the case "
            f"'{case.name}'; expected numbers."
        )
    return arr


def compare(
    got: np.ndarray,
    expected: np.ndarray,
    *,
    name: str,
    what: str,
    case: Case,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    shape_hint: str | None = None,
) -> None:
    """Fail unless ``got`` matches ``expected`` in shape and (within tolerance) values.

    The message names the case, the learner's shape and the size and place
    of the largest difference; it never shows the expected values.
    """
    if got.shape != expected.shape:
        hint = f" {shape_hint}" if shape_hint else ""
        raise CheckFailed(
            f"{name}: {what} has shape {tuple(got.shape)} on the case '{case.name}'; it must have "
            f"shape {tuple(expected.shape)}.{hint}"
        )
    got_f = got.astype(np.float64)
    if not np.all(np.isfinite(got_f)) and np.all(np.isfinite(expected)):
        bad = int(np.count_nonzero(~np.isfinite(got_f)))
        raise CheckFailed(
            f"{name}: {what} contains {bad} NaN or infinite value(s) on the case '{case.name}'. "
            "Something overflowed or divided by zero."
        )
    if not np.allclose(got_f, expected, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(got_f - expected)
        diff = np.where(np.isnan(diff), np.inf, diff)
        where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        raise CheckFailed(
            f"{name}: {what} is wrong on the case '{case.name}' (largest difference "
            f"{float(diff[where]):.3g} at index {tuple(int(i) for i in where)})."
        )


def uses_operations(fn: Callable, names: Iterable[str] = (), *, matmul: bool = False) -> list[str]:
    """List the forbidden operations ``fn``'s code uses (by name, or the ``@`` operator).

    Looks at the bytecode of ``fn`` and of the functions and comprehensions
    nested in it, so ``np.dot(a, b)`` and ``a @ b`` are found without running
    anything.

    >>> def f(a, b):
    ...     return sum(x * y for x, y in zip(a, b))
    >>> uses_operations(f, ["dot", "matmul"], matmul=True)
    []
    >>> uses_operations(lambda a, b: a @ b, matmul=True)
    ['@']
    """
    wanted = set(names)
    found: list[str] = []
    stack = [getattr(inspect.unwrap(fn), "__code__", None)]
    while stack:
        code = stack.pop()
        if code is None:
            continue
        found.extend(n for n in code.co_names if n in wanted and n not in found)
        for ins in dis.get_instructions(code):
            is_matmul = ins.opname in ("BINARY_MATRIX_MULTIPLY", "INPLACE_MATRIX_MULTIPLY") or (
                ins.opname == "BINARY_OP" and ins.argrepr in ("@", "@=")
            )
            if matmul and is_matmul and "@" not in found:
                found.append("@")
        stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return found


def check_cases(
    fn: Callable,
    cases: Sequence[Case],
    reference: Callable,
    *,
    name: str,
    what: str = "the result",
    references: Sequence[Any] = (),
    diagnose: Callable[[Case, np.ndarray, np.ndarray], str | None] | None = None,
    errstate: dict | None = None,
    on_error: Callable[[BaseException, Case], str | None] | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    shape_hint: str | None = None,
    stand_ins: dict[str, Callable] | None = None,
) -> int:
    """Run ``fn`` and ``reference`` on every case and fail at the first mismatch.

    Parameters
    ----------
    fn : callable
        The learner's function.
    cases : sequence of Case
        Designed edge cases and seeded random inputs.
    reference : callable
        Computes the expected result from the same arguments (never shown).
    name, what : str
        The learner's function and what it returns, for messages.
    references : sequence
        What the learner must not call.
    diagnose : callable, optional
        ``diagnose(case, got, expected)`` returns a message naming a known
        misconception, or None; tried before the generic mismatch message.
    errstate, on_error, rtol, atol, shape_hint, stand_ins
        See :func:`call_learner` and :func:`compare`.

    Returns
    -------
    int
        The number of cases that passed (all of them).
    """
    require_callable(fn, name=name)
    for case in cases:
        got = call_learner(fn, case, name=name, references=references, errstate=errstate,
                           on_error=on_error, stand_ins=stand_ins)
        got = as_result_array(got, name=name, what=what, case=case)
        expected = np.asarray(reference(*case.args, **case.kwargs), dtype=np.float64)
        if got.shape == expected.shape and np.allclose(
            got.astype(np.float64), expected, rtol=rtol, atol=atol, equal_nan=True
        ):
            continue
        if diagnose is not None:  # only for a wrong result: a coincidence must not trigger a hint
            hint = diagnose(case, got, expected)
            if hint:
                raise CheckFailed(f"{name}: {hint} (case '{case.name}')")
        compare(got, expected, name=name, what=what, case=case, rtol=rtol, atol=atol, shape_hint=shape_hint)
    return len(cases)


def close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when ``a`` and ``b`` have one shape and agree within tolerance (NaN never agrees)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


def passed(name: str, n_cases: int) -> None:
    """Print the one-line success message every check ends with."""
    print(f"{name}: passed {n_cases} case{'' if n_cases == 1 else 's'}.")
