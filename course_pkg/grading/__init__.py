"""Checks for the graded assignments, and the instructor's grading pipeline.

One module of checks per assignment, named like the assignment::

    from course_pkg.grading import forward_pass as checks
    checks.check_softmax(softmax)               # visible cases
    checks.check_softmax(softmax, hidden=True)  # the autograder's extra cases

Each check compares the learner's function with the course_pkg reference on
designed edge cases and seeded random inputs, and raises
:class:`CheckFailed` (an ``AssertionError``) whose message names the likely
misconception; messages never contain expected values. A learner function that
is, or calls, the reference fails with :class:`ReferenceUsed`.

Modules: ``perceptrons``, ``forward_pass``, ``backprop``, ``optimizers``
(NumPy only) and ``keras_models``, ``keras_training`` (these import TensorFlow
when a check runs, never at import). ``pipeline`` is the instructor's command
line (it needs nbgrader); ``preprocessors`` holds the nbgrader hardening;
``selftest`` grades the instructor solution, the blank release, mutants and
broken submissions to prove the grader.
"""

from __future__ import annotations

import importlib

from course_pkg.grading._core import CheckFailed, ReferenceUsed

__all__ = [
    "CheckFailed",
    "ReferenceUsed",
    "perceptrons",
    "forward_pass",
    "backprop",
    "optimizers",
    "keras_models",
    "keras_training",
]

_LAZY = {"perceptrons", "forward_pass", "backprop", "optimizers", "keras_models", "keras_training",
         "pipeline", "preprocessors", "selftest"}


def __getattr__(name: str):
    # Lazy, so `import course_pkg.grading` stays cheap and never pulls in TensorFlow or nbgrader.
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_pkg.grading' has no attribute {name!r}")
