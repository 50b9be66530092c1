"""Which array library owns an array: NumPy or CuPy.

Kept apart from ``course_pkg.numpy_nn.backend`` so that the input checks (``course_pkg._checks``)
can ask without importing the ``numpy_nn`` package, which itself imports the checks.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np


def array_module_of(*arrays) -> ModuleType:
    """Return the module (``numpy`` or ``cupy``) that owns the given arrays.

    Plain Python lists and NumPy arrays count as NumPy.

    Examples
    --------
    >>> array_module_of([1.0, 2.0]).__name__
    'numpy'
    """
    for a in arrays:
        if type(a).__module__.split(".")[0] == "cupy":
            import cupy  # noqa: PLC0415 - only reached when a CuPy array was passed

            return cupy
    return np
