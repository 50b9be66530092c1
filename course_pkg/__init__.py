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
``course_pkg.grading``
    Checks used by the assignments' tests.
"""

from __future__ import annotations

import importlib
import os

__version__ = "0.1.0"

__all__ = ["__version__", "fast_mode", "numpy_nn", "keras_nn", "data", "plotting", "grading"]

_SUBMODULES = {"numpy_nn", "keras_nn", "data", "plotting", "grading"}


def fast_mode() -> bool:
    """Return True when ``COURSE_FAST=1``: CI's switch for fewer epochs and less data.

    The book build, nbval and the autograder all read this one variable.
    """
    return os.environ.get("COURSE_FAST", "0").strip().lower() in {"1", "true", "yes", "on"}


def __getattr__(name: str):
    # PEP 562 lazy sub-modules: `course_pkg.keras_nn` imports TensorFlow only when first touched.
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_pkg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
