"""Checks that learners run in their assignment notebooks: visible cases, clear messages.

One module per assignment, named like it::

    from course_pkg.checks import forward_pass as checks
    checks.check_softmax(softmax)   # runs the visible cases; prints "softmax: passed 8 visible cases."

A failed check raises :class:`CheckFailed` (an ``AssertionError``) whose message
names the case by its kind ("huge logits (near 1000)") and the likely
misconception, never an expected value.

Everything here is public: a learner may read every line. The instructor's
grader (a separate package, not installed with the course) runs the same
probes on hidden cases of the same kinds, inside a sandbox, and judges them
with the same :func:`evaluate`. Importing this package never imports
TensorFlow or the course's reference implementations; a check imports its
reference only when it runs.

Building blocks (see :mod:`course_pkg.checks._core`, :mod:`~course_pkg.checks.probes`,
:mod:`~course_pkg.checks.wire`): :class:`Case`, :class:`Part`, :class:`Verdict`,
:func:`evaluate`, :func:`run_check`.
"""

from __future__ import annotations

import importlib

from course_pkg.checks._core import Case, CheckFailed, Part, Verdict, evaluate, run_check

__all__ = ["CheckFailed", "Case", "Part", "Verdict", "evaluate", "run_check", "ASSIGNMENTS", "parts_of"]

# Assignments whose checks live here (the others are still in course_pkg.grading).
ASSIGNMENTS = ("perceptrons", "forward_pass", "backprop", "optimizers")


def parts_of(assignment: str) -> tuple:
    """The :class:`Part` objects of ``assignment``, in notebook order.

    Raises
    ------
    ValueError
        If ``assignment`` has no checks module here.
    """
    if assignment not in ASSIGNMENTS:
        raise ValueError(
            f"parts_of: expected one of {', '.join(ASSIGNMENTS)}; got {assignment!r}. "
            "Its checks may still live in course_pkg.grading."
        )
    return importlib.import_module(f"{__name__}.{assignment}").PARTS

