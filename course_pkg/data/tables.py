"""Small tables that ship with scikit-learn: always available offline.

:func:`load_digits`, :func:`load_iris`, :func:`load_breast_cancer`, :func:`load_wine` and
:func:`load_diabetes` return a :class:`Dataset`, which unpacks as ``X, y = load_iris()``. Features
are float32 of shape (N, D); class labels are int64 of shape (N,).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from course_pkg import _checks

__all__ = ["Dataset", "load_digits", "load_iris", "load_breast_cancer", "load_wine", "load_diabetes"]


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """Features and targets with their names; unpacks as ``X, y = dataset``.

    Attributes
    ----------
    X : ndarray of shape (N, D)
        Features, float32 (digits may keep their (N, 8, 8) image layout).
    y : ndarray of shape (N,)
        Targets: int64 class labels, or float32 values for regression.
    name : str
        Short name of the data set.
    feature_names : tuple of str
        One name per column of ``X`` (per pixel for the digits).
    target_names : tuple of str
        Class names, index = label (empty for regression).

    Examples
    --------
    >>> iris = load_iris()
    >>> X, y = iris
    >>> X.shape, iris.target_names
    ((150, 4), ('setosa', 'versicolor', 'virginica'))
    """

    X: np.ndarray
    y: np.ndarray
    name: str
    feature_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[np.ndarray]:
        # Only (X, y) unpack, so `X, y = load_iris()` reads like scikit-learn's return_X_y.
        yield self.X
        yield self.y

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, X: {self.X.dtype} {_checks.format_shape(self.X.shape)}, "
            f"y: {self.y.dtype} {_checks.format_shape(self.y.shape)}, "
            f"classes={len(self.target_names) or None})"
        )


def _sklearn_table(loader_name: str, name: str, *, regression: bool = False) -> Dataset:
    # scikit-learn's datasets module takes about a second to import: only pay for it when used.
    from sklearn import datasets  # noqa: PLC0415

    bunch = getattr(datasets, loader_name)()
    y = bunch.target.astype(np.float32 if regression else np.int64)
    target_names = () if regression else tuple(str(t) for t in bunch.target_names)
    return Dataset(
        X=bunch.data.astype(np.float32),
        y=y,
        name=name,
        feature_names=tuple(str(f) for f in bunch.feature_names),
        target_names=target_names,
    )


def load_digits(*, flatten: bool = True, normalize: bool = True) -> Dataset:
    """Load scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes).

    The small cousin of MNIST that ships with scikit-learn, so it is always
    available offline; chapters fall back to it (and say so) when MNIST is not.

    Parameters
    ----------
    flatten : bool, default True
        Return images as rows of 64 pixels (row after row) instead of (8, 8).
    normalize : bool, default True
        Divide the pixel values, which run from 0 to 16, by 16 into [0, 1].

    Returns
    -------
    Dataset
        ``X`` float32 of shape (1797, 64), or (1797, 8, 8) without
        ``flatten``; ``y`` int64 of shape (1797,) with labels 0–9.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, X.dtype, float(X.max()), y[:5].tolist()
    ((1797, 64), dtype('float32'), 1.0, [0, 1, 2, 3, 4])
    >>> load_digits(flatten=False, normalize=False).X.max()
    np.float32(16.0)
    """
    ds = _sklearn_table("load_digits", "digits")
    X = ds.X
    if normalize:
        X = X / np.float32(16.0)  # (1797, 64), in [0, 1]
    if not flatten:
        X = X.reshape(-1, 8, 8)  # (1797, 8, 8), rows of the image in order
    return Dataset(X, ds.y, ds.name, ds.feature_names, ds.target_names)


def load_iris() -> Dataset:
    """Load Fisher's iris flowers: 150 samples, 4 measurements in cm, 3 species.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (150, 4) (sepal length, sepal width, petal
        length, petal width), unscaled; ``y`` int64 of shape (150,): 0 setosa,
        1 versicolor, 2 virginica.

    Examples
    --------
    >>> X, y = load_iris()
    >>> X[0].tolist(), int(y[0])
    ([5.099999904632568, 3.5, 1.399999976158142, 0.20000000298023224], 0)
    """
    return _sklearn_table("load_iris", "iris")


def load_breast_cancer() -> Dataset:
    """Load the Wisconsin breast-cancer table: 569 tumours, 30 features, 2 classes.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (569, 30), unscaled (features differ by orders
        of magnitude: standardise before training); ``y`` int64 of shape
        (569,): 0 malignant, 1 benign.

    Examples
    --------
    >>> X, y = load_breast_cancer()
    >>> X.shape, np.bincount(y).tolist()
    ((569, 30), [212, 357])
    """
    return _sklearn_table("load_breast_cancer", "breast_cancer")


def load_wine() -> Dataset:
    """Load the wine recognition table: 178 wines, 13 chemical features, 3 cultivars.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (178, 13), unscaled; ``y`` int64 of shape (178,).

    Examples
    --------
    >>> load_wine().X.shape
    (178, 13)
    """
    return _sklearn_table("load_wine", "wine")


def load_diabetes() -> Dataset:
    """Load the diabetes regression table: 442 patients, 10 features, one target.

    The regression set that ships with scikit-learn (the fallback where
    California housing cannot be downloaded).

    Returns
    -------
    Dataset
        ``X`` float32 of shape (442, 10), already centred and scaled by
        scikit-learn; ``y`` float32 of shape (442,): disease progression one
        year after baseline (25–346). ``target_names`` is empty.

    Examples
    --------
    >>> X, y = load_diabetes()
    >>> X.shape, y.dtype
    ((442, 10), dtype('float32'))
    """
    return _sklearn_table("load_diabetes", "diabetes", regression=True)
