"""Array-module selection for the from-scratch track: NumPy, or CuPy on a GPU.

Every function in ``course_pkg.numpy_nn`` writes ``xp.<op>`` where ``xp`` is
the module returned here (or the module of the arrays it was given), so the
same code runs unchanged on NumPy and CuPy.

The choice is made by the environment variable ``COURSE_DEVICE`` (read by
``course_pkg.settings.device``):

``cpu`` (the default)
    Always NumPy. Tests and the book use this, so results never depend on
    the machine.
``gpu``
    CuPy; raises ``RuntimeError`` with the fix if CuPy or a CUDA device is
    missing.
``auto``
    CuPy when it is installed and sees a CUDA device, NumPy otherwise.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from course_pkg import settings
from course_pkg._arrays import array_module_of  # re-exported: the track imports it from here
from course_pkg.settings import DEVICE_CHOICES

__all__ = ["get_array_module", "array_module_of", "to_numpy", "cupy_available", "DEVICE_CHOICES"]


def cupy_available() -> bool:
    """Return True if CuPy imports and sees at least one CUDA device."""
    try:
        import cupy  # noqa: PLC0415 - optional dependency, imported on demand

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, CUDARuntimeError, missing driver libraries...
        return False


def get_array_module(device: str | None = None) -> ModuleType:
    """Return ``numpy`` or ``cupy`` following ``device`` or ``COURSE_DEVICE``.

    Parameters
    ----------
    device : {"cpu", "gpu", "auto"}, optional
        Overrides the environment variable ``COURSE_DEVICE``. Defaults to
        ``course_pkg.settings.device()``: the variable, or ``"cpu"`` when it
        is unset.

    Returns
    -------
    module
        ``numpy`` or ``cupy``.

    Raises
    ------
    ValueError
        If the device name is not one of ``cpu``, ``gpu``, ``auto``.
    RuntimeError
        If ``gpu`` is asked for but CuPy or a CUDA device is missing.

    Examples
    --------
    >>> get_array_module("cpu").__name__
    'numpy'
    """
    if device is None:
        device = settings.device()
    if device not in DEVICE_CHOICES:
        raise ValueError(
            f"get_array_module: expected device to be one of {', '.join(DEVICE_CHOICES)}; got {device!r}."
        )
    if device == "cpu":
        return np
    if cupy_available():
        import cupy  # noqa: PLC0415

        return cupy
    if device == "gpu":
        raise RuntimeError(
            "get_array_module: COURSE_DEVICE=gpu needs CuPy and a CUDA device, and none was found. "
            "Install the GPU extras (pip install -r requirements-gpu.txt) on a machine with an "
            "NVIDIA GPU, or set COURSE_DEVICE=cpu."
        )
    return np


def to_numpy(a) -> np.ndarray:
    """Return ``a`` as a NumPy array, copying it from the GPU if needed.

    Examples
    --------
    >>> to_numpy([1, 2]).tolist()
    [1, 2]
    """
    if type(a).__module__.split(".")[0] == "cupy":
        return a.get()
    return np.asarray(a)
