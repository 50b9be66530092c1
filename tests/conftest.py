"""Shared fixtures: the array backends to test on, seeded generators, TensorFlow on demand."""

from __future__ import annotations

import os

import numpy as np
import pytest

from course_pkg.numpy_nn import backend

# No test downloads anything: course_pkg's downloads (load_mnist with no local copy) are off for the
# whole session and every process it starts (notebook kernels, book builds), however it was started.
# The download tests switch them back on, one test at a time, against a server on the loopback address.
os.environ["COURSE_OFFLINE"] = "1"

_BACKENDS = [
    pytest.param("numpy", id="numpy"),
    pytest.param("cupy", id="cupy", marks=pytest.mark.gpu),
]


@pytest.fixture(params=_BACKENDS)
def xp(request):
    """The array module under test: NumPy always, CuPy when a CUDA device is present."""
    if request.param == "numpy":
        return np
    if not backend.cupy_available():
        pytest.skip("CuPy with a CUDA device is not available on this machine")
    import cupy

    return cupy


@pytest.fixture
def rng():
    """A fresh, seeded NumPy generator per test (never global state)."""
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def tf():
    """TensorFlow, imported once per session for the cross-check tests."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tensorflow = pytest.importorskip("tensorflow")
    return tensorflow


@pytest.fixture
def no_mnist(monkeypatch, tmp_path):
    """Nothing to find: empty HOME (so no Keras cache), no COURSE_DATA_DIR, no KERAS_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    return home
