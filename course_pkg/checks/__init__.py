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
:func:`evaluate`, :func:`run_check`. The Keras assignments' probes describe models as data with
:mod:`~course_pkg.checks.keras_probes`.

Assignments (``ASSIGNMENTS``), in the course's order: ``perceptrons``, ``forward_pass``,
``backprop``, ``optimizers``, ``keras_models``, ``keras_training``.
"""

from __future__ import annotations

import importlib

from course_pkg.checks._core import Case, CheckFailed, Part, Verdict, evaluate, run_check

__all__ = ["CheckFailed", "Case", "Part", "Verdict", "evaluate", "run_check", "ASSIGNMENTS", "SANDBOX_IMPORTABLE",
           "parts_of"]

ASSIGNMENTS = ("perceptrons", "forward_pass", "backprop", "optimizers", "keras_models", "keras_training")

# Modules of the reference packages that stay importable while a notebook is graded, although their
# packages are replaced by stubs there: the Keras probes describe a learner's model with them
# (keras_probes.describe_model). They read models and hold no reference solution; compare imports
# only inspection of the masked packages, and inspection none.
SANDBOX_IMPORTABLE = ("course_pkg.keras_nn.inspection", "course_pkg.keras_nn.compare")


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
            "Name an assignment of the course (the folder under assignments/source)."
        )
    return importlib.import_module(f"{__name__}.{assignment}").PARTS

