"""course_pkg: the Python package behind the neural-networks course.

Sub-packages and modules (imported on first use, so ``import course_pkg`` stays fast and never
imports TensorFlow):

``course_pkg.numpy_nn``
    The from-scratch track: activations, losses, perceptrons, dense layers, MLPs, optimizers and
    gradient checking in NumPy (CuPy on a GPU).
``course_pkg.keras_nn``
    The tf.keras track (the only part that imports TensorFlow).
``course_pkg.data``
    Offline-first data sets and preprocessing.
``course_pkg.plotting``
    Figures shared by the book and both tracks.
``course_pkg.settings``
    The one reader of every ``COURSE_*`` environment variable (``fast_mode()`` and the others).
``course_pkg.book``
    Helpers the book's notebooks share (``budget(full=..., fast=...)``).
``course_pkg.grading``
    Checks used by the assignments' tests.
"""

from __future__ import annotations

import importlib

from course_pkg.settings import fast_mode

__version__ = "0.1.0"

__all__ = ["__version__", "fast_mode", "settings", "book", "numpy_nn", "keras_nn", "data", "plotting", "grading"]

_SUBMODULES = {"book", "numpy_nn", "keras_nn", "data", "plotting", "grading"}


def __getattr__(name: str):
    # PEP 562 lazy sub-modules: `course_pkg.keras_nn` imports TensorFlow only when first touched.
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_pkg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
