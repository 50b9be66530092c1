"""Checks of the assignments that have not moved to :mod:`course_pkg.checks` yet.

One module of checks per assignment, named like the assignment::

    from course_pkg.grading import perceptrons as checks
    checks.check_heaviside(heaviside)               # visible cases
    checks.check_heaviside(heaviside, hidden=True)  # the cases the notebook's hidden tests add

Each check compares the learner's function with the course_pkg reference on
designed edge cases and seeded random inputs, and raises
:class:`CheckFailed` (an ``AssertionError``) whose message names the likely
misconception; messages never contain expected values. A learner function that
is, or calls, the reference fails with :class:`ReferenceUsed`.

Modules: ``perceptrons``, ``backprop``, ``optimizers`` (NumPy only) and
``keras_models``, ``keras_training`` (these import TensorFlow when a check runs,
never at import). They move one by one to :mod:`course_pkg.checks`, where each
graded function is a ``Part`` judged outside the learner's notebook; the
assignment ``forward_pass`` has moved already. The instructor's grader is the
separate package ``course_grader`` (folder ``grader/`` of the repository).
"""

from __future__ import annotations

import importlib

from course_pkg.grading._core import CheckFailed, ReferenceUsed

__all__ = [
    "CheckFailed",
    "ReferenceUsed",
    "perceptrons",
    "backprop",
    "optimizers",
    "keras_models",
    "keras_training",
]

_LAZY = {"perceptrons", "backprop", "optimizers", "keras_models", "keras_training"}


def __getattr__(name: str):
    # Lazy, so `import course_pkg.grading` stays cheap and never pulls in TensorFlow.
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_pkg.grading' has no attribute {name!r}")
