"""Which data sets the course uses, whether each is available offline, and from where.

What ``python -m course_pkg data`` prints, one :class:`DatasetInfo` per data set.
"""

from __future__ import annotations

from typing import NamedTuple

from course_pkg import settings
from course_pkg.data.mnist import MNIST_FILENAME, mnist_available, mnist_search_paths

__all__ = ["DatasetInfo", "describe_datasets"]


class DatasetInfo(NamedTuple):
    """One row of :func:`describe_datasets`."""

    name: str
    loader: str
    shape: str
    available: bool
    source: str


def describe_datasets() -> list[DatasetInfo]:
    """List the course's data sets, whether each is available offline, and from where.

    Returns
    -------
    list of DatasetInfo
        (name, loader, shape, available, source), one per data set. The
        scikit-learn tables are always available; MNIST is available when
        :func:`mnist_available` finds a file (its contents are not checked
        here).
    """
    bundled = "bundled with scikit-learn (no download)"
    synthetic = "synthetic, drawn with NumPy from a seed"
    rows = [
        DatasetInfo("digits", "load_digits", "X (1797, 64), 10 classes", True, bundled),
        DatasetInfo("iris", "load_iris", "X (150, 4), 3 classes", True, bundled),
        DatasetInfo("breast_cancer", "load_breast_cancer", "X (569, 30), 2 classes", True, bundled),
        DatasetInfo("wine", "load_wine", "X (178, 13), 3 classes", True, bundled),
        DatasetInfo("diabetes", "load_diabetes", "X (442, 10), regression", True, bundled),
    ]
    path = mnist_available()
    if path is not None:
        source = [s for s, p in mnist_search_paths() if str(p) == path][0]
        mnist_source = f"{path} (from {source})"
    else:
        looked = ", ".join(str(p) for _, p in mnist_search_paths())
        if settings.data_dir() is None:
            looked += "; COURSE_DATA_DIR is not set"
        mnist_source = (
            f"NOT FOUND offline (looked in {looked}); set COURSE_DATA_DIR to a folder with {MNIST_FILENAME}"
        )
    mnist_shape = "x_train (60000, 28, 28), x_test (10000, 28, 28)"
    rows.append(DatasetInfo("mnist", "load_mnist", mnist_shape, path is not None, mnist_source))
    for name in ("xor", "moons", "circles", "spiral", "blobs"):
        rows.append(DatasetInfo(name, f"make_{name}", "X (N, 2)", True, synthetic))
    return rows
