"""Parts, cases and verdicts: what every assignment's checks are made of.

An assignment is a list of :class:`Part` objects, one per graded function (one
nbgrader test cell each). A part knows

* which name the learner defines (``target``),
* its cases: ``cases(rng, repeats)`` returns every *kind* of input at least
  once ("huge logits (near 1000)", "a batch of one", ...),
* a probe: ``probe(obj, inputs) -> dict`` runs one case against an object and
  returns what happened as plain data (see :mod:`course_pkg.checks.probes`),
* its reference: ``reference()`` returns the course's own implementation,
  imported only when called,
* a judge: ``judge(case, got, expected)`` compares the learner's probe result
  with the reference's and returns ``None`` when right, else a message that
  names the likely misconception.

The same probe runs on the learner's object and on the reference, and
:func:`evaluate` turns the results into a :class:`Verdict`. Learners run the
*visible* cases in their notebook through :func:`run_check`; the instructor's
grader runs the same probes on the visible cases and on hidden cases of the
same kinds (random values drawn from a secret) in a sandbox, and judges them
outside it with the same :func:`evaluate`.

Messages name a case by its kind and say whether it was visible or hidden; they
never show an expected value, nor an input of a hidden case.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

__all__ = [
    "CheckFailed",
    "Case",
    "Part",
    "Verdict",
    "evaluate",
    "run_check",
    "tolerance",
    "as_number_array",
    "compare_arrays",
    "close",
    "is_whole_number",
    "describe",
    "arguments",
    "reference_named",
    "changed_in_place",
    "returned_array",
    "returned_tuple",
    "returned_arrays",
    "elementwise_judge",
    "keyword_problem",
]


class CheckFailed(AssertionError):
    """A check found a mistake; the message says which and what to fix.

    It subclasses ``AssertionError`` so nbgrader and pytest treat it as a
    failed test, while its name tells a learner this is the course's verdict.
    """


@dataclass(frozen=True)
class Case:
    """One input to a part's probe.

    Parameters
    ----------
    kind : str
        What the case is about, shown to learners ("huge logits (near 1000)").
        Never values.
    inputs : dict
        The probe's inputs as wire values (see :mod:`course_pkg.checks.wire`),
        usually ``{"args": [...], "kwargs": {...}}``.
    hidden : bool, default False
        True for the grader's hidden cases; messages say "hidden" and never
        show their inputs.
    """

    kind: str
    inputs: dict
    hidden: bool = False


@dataclass(frozen=True)
class Part:
    """One graded function of an assignment and everything needed to judge it.

    Parameters
    ----------
    grade_id : str
        The nbgrader ``grade_id`` of the part's test cell, e.g. ``"test_softmax"``.
    title : str
        A heading for feedback, e.g. ``"Part 5: a stable softmax"``.
    target : str
        The name the learner defines in the notebook, e.g. ``"softmax"``.
    probe : callable
        ``probe(obj, inputs) -> dict``, a module-level function of a
        ``course_pkg.checks`` module (the grader finds it by name).
    cases : callable
        ``cases(rng, repeats) -> list of Case``: every kind at least once
        (``repeats`` times each; designed edge values may stay fixed).
    reference : callable
        ``reference() -> object``: the course's implementation, imported lazily.
    judge : callable
        ``judge(case, got, expected) -> str or None`` for results without an
        error: None when ``got`` is right, else the message.
    seed : int
        The public seed of the visible cases.
    on_error : callable, optional
        ``on_error(case, error) -> str or None`` explains an exception the
        learner's code raised (``error`` is ``{"type": ..., "message": ...}``);
        None falls back to the generic message.
    """

    grade_id: str
    title: str
    target: str
    probe: Callable[[Any, dict], dict]
    cases: Callable[[np.random.Generator, int], list]
    reference: Callable[[], Any]
    judge: Callable[[Case, dict, dict], "str | None"]
    seed: int
    on_error: "Callable[[Case, dict], str | None] | None" = None

    def visible_cases(self) -> list[Case]:
        """The cases a learner's notebook runs: every kind once, from the public seed."""
        return list(self.cases(np.random.default_rng(self.seed), 1))


@dataclass(frozen=True)
class Verdict:
    """The outcome of one part: how many cases ran, and the first failure's message.

    Attributes
    ----------
    part : Part
    n_visible, n_hidden : int
        Number of visible and hidden cases judged.
    message : str or None
        None when every case passed.
    failed_kinds : tuple of str
        Kinds of the failed cases (``"(hidden) zeros"``), for the instructor's summary.
    """

    part: Part
    n_visible: int
    n_hidden: int
    message: str | None = None
    failed_kinds: tuple = field(default=())

    @property
    def passed(self) -> bool:
        return self.message is None

    def summary(self) -> str:
        """One line for the learner: what passed, or the first failure."""
        if self.passed:
            counts = f"{self.n_visible} visible"
            if self.n_hidden:
                counts += f" and {self.n_hidden} hidden"
            total = self.n_visible + self.n_hidden
            return f"{self.part.target}: passed {counts} case{'' if total == 1 else 's'}."
        more = len(self.failed_kinds) - 1
        return self.message + (f" ({more} more case{'' if more == 1 else 's'} failed.)" if more else "")


# --------------------------------------------------------------------------- judging


def evaluate(part: Part, cases: Sequence[Case], got_list: Sequence[Any], expected_list: Sequence[Any]) -> Verdict:
    """Judge a part: compare the learner's probe results with the reference's, case by case.

    Parameters
    ----------
    part : Part
    cases : sequence of Case
    got_list : sequence
        The learner's probe result per case: a dict, possibly
        ``{"error": {"type": ..., "message": ...}}``; anything else (a
        result lost to a crash or timeout) fails that case.
    expected_list : sequence of dict
        The reference's probe result per case.

    Returns
    -------
    Verdict
    """
    if not (len(cases) == len(got_list) == len(expected_list)):
        raise ValueError(
            f"evaluate: expected one result and one expected result per case; got {len(cases)} cases, "
            f"{len(got_list)} results and {len(expected_list)} expected results."
        )
    messages: list[str] = []
    failed: list[str] = []
    for case, got, expected in zip(cases, got_list, expected_list):
        problem = _problem(part, case, got, expected)
        if problem is not None:
            where = "hidden" if case.hidden else "visible"
            messages.append(f"{part.target}, {where} case '{case.kind}': {problem}")
            failed.append(f"({where}) {case.kind}")
    n_hidden = sum(1 for c in cases if c.hidden)
    return Verdict(part, len(cases) - n_hidden, n_hidden, messages[0] if messages else None, tuple(failed))


def _problem(part: Part, case: Case, got: Any, expected: Any) -> str | None:
    if not isinstance(expected, dict) or "error" in expected:
        detail = expected.get("error", {}).get("message", "") if isinstance(expected, dict) else ""
        return f"the grader could not compute the expected result ({detail[:200]}); please tell your instructor."
    if not isinstance(got, dict):
        return "no result came back (the notebook stopped, timed out or crashed before this check ran)."
    error = got.get("error")
    if error is not None:
        if not isinstance(error, dict):
            return "no readable result came back."
        kind, text = str(error.get("type", "Exception")), _short(str(error.get("message", "")))
        if kind == "NotImplementedError":
            return ("it is not written yet (it raises NotImplementedError). "
                    "Replace `raise NotImplementedError()` with your code.")
        if kind == "GradingTimeout":
            return f"{text}: an endless loop, or far too slow for this input?"
        if kind == "NameError" and error.get("undefined") == part.target:
            # A value such as GATES = {...} is undefined in a blank notebook, whose cell raised first.
            return (f"{part.target} is not defined: its cell did not run to the end, or it is not written yet "
                    f"(it raises NotImplementedError). Write it, run its cell, and keep the name {part.target}.")
        hint = part.on_error(case, error) if part.on_error is not None else None
        return hint or f"your code raised {kind}: {text}"
    try:
        return part.judge(case, got, expected)
    except Exception as err:  # a result of a shape no judge foresaw: a failed case, never a crashed grader
        return (f"it returned {describe(got.get('returned'))}, which could not be compared with the right "
                f"answer ({type(err).__name__}).")


def _short(text: str, limit: int = 300) -> str:
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 3] + "..."


# --------------------------------------------------------------------------- helpers for judges


def tolerance(dtype) -> tuple[float, float]:
    """Relative and absolute tolerance for results computed in ``dtype``.

    Float32 (or float16) work is judged at the precision that dtype allows, so
    honest low-precision code is not marked wrong; everything else is judged
    as float64.

    >>> tolerance(np.float64)
    (1e-06, 1e-09)
    >>> tolerance(np.float32)
    (0.0001, 1e-05)
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "fc" and dtype.itemsize <= 2:
        return 1e-2, 1e-3
    if dtype.kind in "fc" and dtype.itemsize <= (8 if dtype.kind == "c" else 4):
        return 1e-4, 1e-5
    return 1e-6, 1e-9


def describe(value: Any) -> str:
    """Describe a value for a message by its type and shape, never its contents.

    >>> describe(np.zeros((2, 3)))
    'an array of shape (2, 3) and dtype float64'
    >>> describe([1, 2])
    'a list'
    >>> describe({"unserialisable": "generator"})
    'a generator'
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, dict) and set(value) == {"unserialisable"}:
        return f"a {value['unserialisable']}"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def as_number_array(value: Any, what: str) -> tuple[np.ndarray | None, str | None]:
    """Read a learner's result as a numeric array: ``(array, None)`` or ``(None, message)``.

    Lists of numbers are accepted wherever arrays are.
    """
    if value is None:
        return None, f"it returned None for {what}. Did you forget the return statement?"
    if isinstance(value, dict):
        return None, f"it returned {describe(value)} for {what}; expected numbers."
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return None, f"it returned {describe(value)} for {what}, which is not a numeric array."
    if array.dtype.kind not in "biuf":
        return None, f"it returned {describe(value)} for {what}; expected numbers."
    return array, None


def compare_arrays(got: np.ndarray, expected: np.ndarray, what: str, *, shape_hint: str = "",
                   precision=None) -> str | None:
    """None when ``got`` matches ``expected`` in shape and values, else a message.

    The tolerance follows ``got``'s dtype (see :func:`tolerance`), or ``precision``
    when given: the dtype the learner computed in, when that is narrower than the
    result's (an optimizer that keeps its state in float32 updates float64
    parameters at float32 precision). The message gives the learner's shape and
    the size of the largest difference; it never shows expected values.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        hint = f" {shape_hint}" if shape_hint else ""
        return f"{what} has shape {tuple(got.shape)}; it must have shape {tuple(expected.shape)}.{hint}"
    got64 = got.astype(np.float64)
    if not np.all(np.isfinite(got64)) and np.all(np.isfinite(expected)):
        bad = int(np.count_nonzero(~np.isfinite(got64)))
        return f"{what} contains {bad} NaN or infinite value(s). Something overflowed or divided by zero."
    rtol, atol = tolerance(got.dtype if precision is None else precision)
    if np.allclose(got64, expected, rtol=rtol, atol=atol, equal_nan=True):
        return None
    diff = np.abs(got64 - expected)
    diff = np.where(np.isnan(diff), np.inf, diff)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    return f"{what} is wrong (largest difference {float(diff[where]):.3g} at index {tuple(int(i) for i in where)})."


def close(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """True when ``a`` and ``b`` have one shape and agree within tolerance (NaN never agrees)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


def is_whole_number(value: Any) -> bool:
    """True for an int, an integral float (``623290.0``) or a 0-d array holding one; False for bools."""
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iuf":
            return False
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or (math.isfinite(value) and float(value).is_integer())


def arguments(*args, **kwargs) -> dict:
    """The inputs of :func:`course_pkg.checks.probes.call`: ``{"args": [...], "kwargs": {...}}``.

    >>> arguments(1, [2, 3], h=0.5)
    {'args': [1, [2, 3]], 'kwargs': {'h': 0.5}}
    """
    return {"args": list(args), "kwargs": kwargs}


def reference_named(module: str, name: str) -> Any:
    """The course's ``module.name`` (``"course_pkg.numpy_nn"``, ``"softmax"``), imported only now.

    Parts call it from their ``reference`` (``functools.partial(reference_named, module, name)``),
    so importing a checks module never imports a reference, nor TensorFlow.
    """
    import importlib

    return getattr(importlib.import_module(module), name)


def changed_in_place(got: dict) -> str | None:
    """The message for a function that changed one of its arguments in place, else None.

    ``got`` is a result of :func:`course_pkg.checks.probes.call`, whose ``changed`` lists the
    positions of the arguments that changed.
    """
    if got.get("changed"):
        position = got["changed"][0] + 1
        return (
            f"it changed its argument number {position} in place. The caller still needs that array: "
            "compute into a new array (e.g. w = w + step instead of w += step)."
        )
    return None


def returned_array(got: dict, what: str) -> tuple[np.ndarray | None, str | None]:
    """What a :func:`~course_pkg.checks.probes.call` returned, as a numeric array.

    Returns ``(array, None)``, or ``(None, message)`` when the function changed an argument in
    place (see :func:`changed_in_place`) or returned something that is not numbers (see
    :func:`as_number_array`).
    """
    problem = changed_in_place(got)
    if problem:
        return None, problem
    return as_number_array(got.get("returned"), what)


def returned_tuple(got: dict, names: Sequence[str]) -> tuple[list | None, str | None]:
    """What a :func:`~course_pkg.checks.probes.call` returned, as the items of a tuple.

    Returns ``(items, None)``, or ``(None, message)`` when the function changed an argument in
    place or did not return a tuple (or list) of ``len(names)`` items.

    >>> returned_tuple({"returned": (1, 2), "changed": []}, ("loss", "grads"))
    ([1, 2], None)
    >>> returned_tuple({"returned": 1.5, "changed": []}, ("loss", "grads"))[1]
    'it must return the pair (loss, grads); it returned a float.'
    """
    problem = changed_in_place(got)
    if problem:
        return None, problem
    value = got.get("returned")
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        what = {2: "pair", 3: "triple"}.get(len(names), "tuple")
        return None, f"it must return the {what} ({', '.join(names)}); it returned {describe(value)}."
    return list(value), None


def returned_arrays(got: dict, names: Sequence[str]) -> tuple[list | None, str | None]:
    """Like :func:`returned_tuple`, with every item read as a numeric array (lists accepted)."""
    items, problem = returned_tuple(got, names)
    if problem:
        return None, problem
    arrays = []
    for name, item in zip(names, items):
        array, problem = as_number_array(item, name)
        if problem:
            return None, problem
        arrays.append(array)
    return arrays, None


def elementwise_judge(what: str, misconceptions: Sequence = (), *, shape_hint: str = "") -> Callable:
    """A judge for a function of one array ``z`` (a step, an activation, a derivative).

    Parameters
    ----------
    what : str
        What the function returns, for messages ("the derivative").
    misconceptions : sequence of (callable, str)
        ``(wrong, message)`` pairs: when the learner's wrong result equals ``wrong(z)`` (``z`` as
        float64), the judge says ``message``.
    shape_hint : str, optional
        Added to a message about a wrong shape.

    Returns
    -------
    callable
        ``judge(case, got, expected)`` for a part whose probe is a call with ``z`` first.
    """

    def judge(case: Case, got: dict, expected: dict) -> str | None:
        value, problem = returned_array(got, what)
        if problem:
            return problem
        z = np.asarray(case.inputs["args"][0], dtype=np.float64)
        want = expected["returned"]
        if value.shape == np.shape(want) and not close(value, want):
            for wrong, message in misconceptions:
                if close(value, wrong(z)):
                    return message
        return compare_arrays(value, want, what, shape_hint=shape_hint)

    return judge


def keyword_problem(error: dict, names: Sequence[str]) -> str | None:
    """Explain a TypeError about a keyword the assignment asks for (``learning_rate``, ``seed`` ...).

    Parameters
    ----------
    error : dict
        ``{"type": ..., "message": ...}`` as a probe reports an exception.
    names : sequence of str
        The keywords the learner's function or class must take.

    Returns
    -------
    str or None
        A message naming the keyword, or None when the error is about something else.
    """
    if error.get("type") != "TypeError":
        return None
    text = str(error.get("message", ""))
    for name in names:
        if f"'{name}'" in text and "keyword" in text:
            return (f"it does not take the keyword argument {name}=. Name the parameter {name}, exactly as "
                    "the notebook's signature shows (the course and Keras 3 use these names).")
    return None


# --------------------------------------------------------------------------- the formative runner


def run_check(part: Part, obj: Any) -> None:
    """Run ``part``'s visible cases on ``obj`` in this process; raise CheckFailed or print a success line.

    This is what a learner's test cell calls (through the assignment's
    ``check_<name>`` function). It runs the probe on the learner's object and
    on the reference, and judges with :func:`evaluate`, exactly as the grader
    does with the visible cases.

    It also tells a learner whose function calls the course's reference
    implementation that this will not work when graded (the reference is not
    available there). That is a courtesy, not a safeguard: a learner can
    switch it off, and the grader does not rely on it.

    Raises
    ------
    CheckFailed
        With the message of the first failed case.
    """
    __tracebackhide__ = True  # IPython and pytest: show the learner's test cell, not this frame
    from course_pkg.checks import probes

    cases = part.visible_cases()
    reference = part.reference()
    got = [probes.run(part.probe, obj, case.inputs) for case in cases]
    with contextlib.redirect_stdout(io.StringIO()):  # what the reference prints is not the learner's output
        expected = [probes.run(part.probe, reference, case.inputs) for case in cases]
    verdict = evaluate(part, cases, got, expected)
    used = probes.reference_used_by(obj)
    if used is not None:
        raise CheckFailed(
            f"{part.target}: your code uses the course's reference implementation ({used}). It is not "
            "available while your notebook is graded, so this part would fail there: write the "
            "computation in your own code."
        ) from None
    if not verdict.passed:
        raise CheckFailed(verdict.summary()) from None
    print(verdict.summary())
