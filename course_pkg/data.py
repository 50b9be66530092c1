"""Data sets (offline-first) and the preprocessing the course does by hand.

Every loader works without internet:

* scikit-learn's bundled tables (:func:`load_digits`, :func:`load_iris`,
  :func:`load_breast_cancer`, :func:`load_wine`, :func:`load_diabetes`) ship
  inside the installed package;
* :func:`load_mnist` reads ``mnist.npz`` from a folder you name, from
  ``$COURSE_DATA_DIR``, or from the Keras cache ``~/.keras/datasets``, and
  says clearly where it looked when none has it. It never downloads and never
  imports TensorFlow;
* the synthetic 2-D sets (:func:`make_xor`, :func:`make_moons`,
  :func:`make_circles`, :func:`make_spiral`, :func:`make_blobs`) are drawn
  with NumPy from a seed.

Preprocessing: :func:`scale_images`, :func:`one_hot`, :class:`Standardizer`
(fitted on the training split only), :func:`train_val_test_split` and
:func:`subsample` (what chapters use when ``course_pkg.fast_mode()`` is on;
the loaders themselves never shrink data behind your back).

Conventions: features ``X`` are float32 of shape (N, D) (images (N, 28, 28)
unless flattened), class labels ``y`` are int64 of shape (N,). Every ``rng``
argument accepts None (fresh, unseeded), an int seed, or a
``numpy.random.Generator``.
"""

from __future__ import annotations

import functools
import numbers
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np

from course_pkg import _checks

__all__ = [
    "Dataset",
    "DatasetNotFoundError",
    "DatasetInfo",
    "load_digits",
    "load_iris",
    "load_breast_cancer",
    "load_wine",
    "load_diabetes",
    "load_mnist",
    "mnist_available",
    "mnist_search_paths",
    "describe_datasets",
    "load_xor_truth_table",
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spiral",
    "make_blobs",
    "scale_images",
    "one_hot",
    "Standardizer",
    "train_val_test_split",
    "subsample",
]

MNIST_FILENAME = "mnist.npz"
_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_KERAS_DOWNLOAD_HINT = 'python -c "import keras; keras.datasets.mnist.load_data()"'


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _check_nonnegative(value, *, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected {name} as a real number; got {type(value).__name__} {value!r}.")
    if not value >= 0 or not np.isfinite(value):
        raise ValueError(f"{where}: expected {name} >= 0; got {name}={value!r}.")
    return float(value)


def _shuffled(X: np.ndarray, y: np.ndarray, gen: np.random.Generator):
    order = gen.permutation(len(y))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def _count_from_size(size, n: int, *, where: str, name: str) -> int:
    """Read a split size given as a fraction in [0, 1) or a count in [0, n]."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        if not 0 <= size <= n:
            raise ValueError(f"{where}: expected {name} between 0 and {n} rows; got {name}={size!r}.")
        return int(size)
    fraction = _checks.check_fraction(size, where=where, name=name)
    return int(np.floor(fraction * n + 0.5))  # nearest row, halves up


def _largest_remainder(weights: np.ndarray, total: int, gen: np.random.Generator) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (never above a weight).

    Each share is floor(total * w / sum(w)); the rows left over go to the largest
    fractional parts, ties broken at random so that no class is favoured by its index.
    """
    weights = np.asarray(weights, dtype=np.int64)
    if total == 0 or weights.sum() == 0:
        return np.zeros_like(weights)
    quota = total * weights / weights.sum()
    counts = np.floor(quota).astype(np.int64)
    left = total - int(counts.sum())
    order = np.lexsort((gen.random(len(weights)), -(quota - counts)))
    counts[order[:left]] += 1
    return counts


def _class_labels(y: np.ndarray, *, where: str) -> np.ndarray:
    """Return labels usable for stratification, or raise if they look like regression targets."""
    if y.dtype.kind not in "iub":
        raise ValueError(
            f"{where}: expected integer class labels in y to stratify by; got dtype {y.dtype}. "
            "For regression targets pass stratify=False; for labels stored as floats use y.astype(int)."
        )
    return y


# --------------------------------------------------------------------------------------------------
# Tables bundled with scikit-learn
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# MNIST from an offline file
# --------------------------------------------------------------------------------------------------


class DatasetNotFoundError(FileNotFoundError):
    """A data set's file is in none of the places the loader looks."""


def mnist_search_paths(data_dir: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """List where :func:`load_mnist` looks for ``mnist.npz``, in order.

    Parameters
    ----------
    data_dir : str or path, optional
        A folder holding ``mnist.npz``, or the path of the file itself. When
        given, it is the only place searched.

    Returns
    -------
    list of (str, Path)
        (where the candidate comes from, file path). Without ``data_dir``:
        ``$COURSE_DATA_DIR/mnist.npz`` when the variable is set, then the Keras
        cache ``$KERAS_HOME/datasets/mnist.npz`` (``~/.keras`` by default).

    Examples
    --------
    >>> [str(p) for _, p in mnist_search_paths("/data")]
    ['/data/mnist.npz']
    """
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if path.suffix != ".npz":
            path = path / MNIST_FILENAME
        return [("data_dir argument", path)]
    candidates = []
    env_dir = os.environ.get("COURSE_DATA_DIR", "").strip()
    if env_dir:
        candidates.append(("COURSE_DATA_DIR", Path(env_dir).expanduser() / MNIST_FILENAME))
    keras_home = os.environ.get("KERAS_HOME", "").strip()
    keras_dir = Path(keras_home).expanduser() if keras_home else Path.home() / ".keras"
    candidates.append(("Keras cache", keras_dir / "datasets" / MNIST_FILENAME))
    return candidates


def mnist_available(data_dir: str | os.PathLike | None = None) -> str | None:
    """Return the path of the ``mnist.npz`` that :func:`load_mnist` would read, or None.

    Only checks that the file exists; :func:`load_mnist` validates its content.

    Parameters
    ----------
    data_dir : str or path, optional
        As in :func:`load_mnist`.

    Returns
    -------
    str or None
        The first existing candidate of :func:`mnist_search_paths`.
    """
    for _, path in mnist_search_paths(data_dir):
        if path.is_file():
            return str(path)
    return None


def _mnist_not_found(data_dir) -> DatasetNotFoundError:
    looked = "; ".join(f"{p} ({source})" for source, p in mnist_search_paths(data_dir))
    if "COURSE_DATA_DIR" not in os.environ and data_dir is None:
        looked += "; COURSE_DATA_DIR is not set"
    return DatasetNotFoundError(
        f"load_mnist: expected the file {MNIST_FILENAME} (keys x_train, y_train, x_test, y_test); "
        f"got nothing at: {looked}. Fix: set COURSE_DATA_DIR to a folder that holds {MNIST_FILENAME} "
        f"(the course's offline mirror is ../shared/data), or run {_KERAS_DOWNLOAD_HINT} once with "
        "internet to fill the Keras cache. The digits set (load_digits) is always available offline."
    )


@functools.lru_cache(maxsize=2)
def _read_mnist(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, ...]:
    """Read and check ``mnist.npz`` once per (path, modification time, size).

    The arrays are stored read-only; :func:`load_mnist` hands out copies.
    """
    where = "load_mnist"
    fix = (
        f"Replace the file: copy a good {MNIST_FILENAME} into that folder, or delete it and run "
        f"{_KERAS_DOWNLOAD_HINT} once with internet."
    )
    try:
        # Open the file ourselves so that it is closed even when NumPy rejects it half-way.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as npz:
            missing = [k for k in _MNIST_KEYS if k not in npz.files]
            if missing:
                raise ValueError(
                    f"{where}: expected {path} to hold the keys {', '.join(_MNIST_KEYS)}; got keys "
                    f"{', '.join(npz.files) or 'none'} (missing {', '.join(missing)}). {fix}"
                )
            arrays = {k: npz[k] for k in _MNIST_KEYS}
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(
            f"{where}: expected {path} to be a NumPy .npz archive; got a file NumPy cannot read "
            f"({type(err).__name__}: {err}). {fix}"
        ) from err
    except ValueError as err:
        if str(err).startswith(where):
            raise
        raise ValueError(
            f"{where}: expected {path} to be a NumPy .npz archive of plain arrays; got a file NumPy "
            f"cannot read ({err}). {fix}"
        ) from err

    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(
                f"{where}: expected x_{split} in {path} to be uint8 of shape (N, 28, 28); got "
                f"{x.dtype} of shape {_checks.format_shape(x.shape)}. {fix}"
            )
        if y.dtype.kind not in "iu" or y.shape != (x.shape[0],):
            raise ValueError(
                f"{where}: expected y_{split} in {path} to be integer labels of shape "
                f"({x.shape[0]},), one per image; got {y.dtype} of shape "
                f"{_checks.format_shape(y.shape)}. {fix}"
            )
        if y.size and (int(y.min()) < 0 or int(y.max()) > 9):
            raise ValueError(
                f"{where}: expected y_{split} in {path} to hold digits 0 to 9; got labels from "
                f"{int(y.min())} to {int(y.max())}. {fix}"
            )
    for array in arrays.values():
        array.flags.writeable = False  # the cache must not change under later callers
    return tuple(arrays[k] for k in _MNIST_KEYS)


def load_mnist(
    *,
    flatten: bool = False,
    normalize: bool = False,
    dtype="float32",
    data_dir: str | os.PathLike | None = None,
):
    """Load MNIST from an offline ``mnist.npz``, in the layout of ``keras.datasets.mnist``.

    Looks, in order, in ``data_dir`` (when given, the only place), in the
    folder named by the environment variable ``COURSE_DATA_DIR``, then in the
    Keras cache ``~/.keras/datasets``. The file is read directly: this never
    downloads and never imports TensorFlow. The arrays are read once per
    process and cached; every call returns fresh copies that you may modify.

    Parameters
    ----------
    flatten : bool, default False
        Reshape each 28×28 image into a row of 784 pixels, row after row
        (C order), as a dense network expects.
    normalize : bool, default False
        Divide the pixel values by 255 into floats in [0, 1]. Without it the
        images stay uint8 in 0–255, exactly as stored.
    dtype : str or dtype, default "float32"
        The floating dtype of normalised images; not used without
        ``normalize``.
    data_dir : str or path, optional
        A folder holding ``mnist.npz`` (or the file's own path). When given,
        the other places are not searched.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        ``x_train`` of shape (60000, 28, 28) (or (60000, 784) flattened),
        uint8, or ``dtype`` when normalised; ``y_train`` int64 of shape
        (60000,) with digits 0–9; the test split has 10000 rows. Labels are
        int64 (Keras gives uint8) so that arithmetic on them cannot wrap
        around.

    Raises
    ------
    DatasetNotFoundError
        (a ``FileNotFoundError``) if no ``mnist.npz`` is found; the message
        lists the places searched and how to provide the file.
    ValueError
        If the file is not a readable .npz archive, lacks one of the keys
        ``x_train, y_train, x_test, y_test``, or holds arrays of the wrong
        dtype or shape, or if ``dtype`` is not a floating dtype.

    Notes
    -----
    ``course_pkg.fast_mode()`` is not applied here; chapters shrink the data
    explicitly with :func:`subsample`, so what a cell loads is what it says.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist(normalize=True, flatten=True)  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train[:5]  # doctest: +SKIP
    ((60000, 784), dtype('float32'), array([5, 0, 4, 1, 9]))
    """
    where = "load_mnist"
    try:
        float_dtype = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{where}: expected dtype as a NumPy floating dtype; got {dtype!r} ({err}).") from err
    if float_dtype.kind != "f":
        raise ValueError(
            f"{where}: expected dtype to be a floating dtype such as 'float32'; got {float_dtype}."
        )
    path = mnist_available(data_dir)
    if path is None:
        raise _mnist_not_found(data_dir)
    stat = os.stat(path)
    x_train, y_train, x_test, y_test = _read_mnist(
        str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size
    )

    def prepare(x: np.ndarray) -> np.ndarray:
        if normalize:
            x = x.astype(float_dtype)  # (N, 28, 28), a new array
            x /= float_dtype.type(255)
        else:
            x = x.copy()  # (N, 28, 28) uint8; callers never see the cached array
        if flatten:
            x = x.reshape(x.shape[0], -1)  # (N, 784), row after row
        return x

    return (prepare(x_train), y_train.astype(np.int64)), (prepare(x_test), y_test.astype(np.int64))


# --------------------------------------------------------------------------------------------------
# What is available (for `python -m course_pkg data` and the doctor)
# --------------------------------------------------------------------------------------------------


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
        if not os.environ.get("COURSE_DATA_DIR", "").strip():
            looked += "; COURSE_DATA_DIR is not set"
        mnist_source = (
            f"NOT FOUND offline (looked in {looked}); set COURSE_DATA_DIR to a folder with {MNIST_FILENAME}"
        )
    mnist_shape = "x_train (60000, 28, 28), x_test (10000, 28, 28)"
    rows.append(DatasetInfo("mnist", "load_mnist", mnist_shape, path is not None, mnist_source))
    for name in ("xor", "moons", "circles", "spiral", "blobs"):
        rows.append(DatasetInfo(name, f"make_{name}", "X (N, 2)", True, synthetic))
    return rows


# --------------------------------------------------------------------------------------------------
# Synthetic 2-D data sets
# --------------------------------------------------------------------------------------------------


def load_xor_truth_table():
    """Return the four rows of the XOR truth table.

    Returns
    -------
    X : ndarray of shape (4, 2)
        float32 inputs (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of shape (4,)
        int64 labels A XOR B: 0, 1, 1, 0.

    Examples
    --------
    >>> X, y = load_xor_truth_table()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def make_xor(n_samples: int = 200, noise: float = 0.1, rng=None):
    """Draw four Gaussian clusters at the corners of the unit square, labelled XOR.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, shared as evenly as possible between the four
        corners (0, 0), (0, 1), (1, 0), (1, 1).
    noise : float, default 0.1
        Standard deviation of each cluster. 0 gives the truth table repeated.
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 label of each point's corner: 1 where exactly one coordinate is 1.

    Examples
    --------
    >>> X, y = make_xor(8, noise=0.0, rng=0)
    >>> sorted(zip(X.tolist(), y.tolist()))[::2]
    [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    """
    where = "make_xor"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(rng, where=where)
    corners, labels = load_xor_truth_table()
    corner = np.arange(n) % 4  # which corner each point belongs to
    X = corners[corner] + noise * gen.standard_normal((n, 2))  # (N, 2)
    return _shuffled(X, labels[corner], gen)


def make_moons(n_samples: int = 200, noise: float = 0.1, rng=None):
    """Draw two interleaving half circles (the "moons").

    The upper moon (label 0) is the half circle of radius 1 around (0, 0);
    the lower moon (label 1) is the same arc turned over and moved to
    (1, 0.5). Same geometry as ``sklearn.datasets.make_moons``.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; the upper moon gets ``n_samples // 2``.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 labels 0 (upper moon) and 1 (lower moon).

    Examples
    --------
    >>> X, y = make_moons(100, rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    where = "make_moons"
    n = _checks.check_int(n_samples, where=where, name="n_samples", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(rng, where=where)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])  # (n_upper, 2)
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])  # (n - n_upper, 2)
    X = np.vstack([upper, lower]) + noise * gen.standard_normal((n, 2))  # (N, 2)
    y = np.repeat([0, 1], [n_upper, n - n_upper])
    return _shuffled(X, y, gen)


def make_circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5, rng=None):
    """Draw a small circle inside a large one.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; the outer circle gets ``n_samples // 2``.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one (radius 1), in (0, 1).
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 labels 0 (outer circle) and 1 (inner circle).

    Examples
    --------
    >>> X, y = make_circles(200, noise=0.0, rng=0)
    >>> radius = np.hypot(X[:, 0], X[:, 1])
    >>> np.round(radius[y == 0].mean(), 3), np.round(radius[y == 1].mean(), 3)
    (np.float32(1.0), np.float32(0.5))
    """
    where = "make_circles"
    n = _checks.check_int(n_samples, where=where, name="n_samples", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    factor = _checks.check_fraction(factor, where=where, name="factor", low_inclusive=False)
    gen = _checks.as_generator(rng, where=where)
    n_outer = n // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n - n_outer, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])  # (n_outer, 2)
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])  # (n - n_outer, 2)
    X = np.vstack([outer, inner]) + noise * gen.standard_normal((n, 2))  # (N, 2)
    y = np.repeat([0, 1], [n_outer, n - n_outer])
    return _shuffled(X, y, gen)


def make_spiral(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, rng=None):
    """Draw interleaved spiral arms, one per class (the CS231n spiral).

    Arm ``c`` has points at radius r from 0 to 1 and angle
    ``t = 4c + 4r + noise * standard_normal()`` (radians), placed at
    ``(r sin t, r cos t)``: each arm winds through 4 radians, so the classes
    are not separable by any straight line.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, shared as evenly as possible between the arms.
    n_classes : int, default 3
        Number of arms (classes), at least 2.
    noise : float, default 0.2
        Standard deviation of the jitter of each point's angle, in radians.
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points inside the unit disc, rows in random order.
    y : ndarray of shape (N,)
        int64 arm index 0 … n_classes − 1.

    Examples
    --------
    >>> X, y = make_spiral(300, n_classes=3, rng=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    where = "make_spiral"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    n_classes = _checks.check_int(n_classes, where=where, name="n_classes", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(rng, where=where)
    counts = np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)
    points, labels = [], []
    for c, count in enumerate(counts):
        r = np.linspace(0.0, 1.0, count)  # (count,)
        t = 4.0 * c + 4.0 * r + noise * gen.standard_normal(count)  # (count,)
        points.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))  # (count, 2)
        labels.append(np.full(count, c))
    return _shuffled(np.vstack(points), np.concatenate(labels), gen)


def make_blobs(n_samples: int = 200, centers=3, cluster_std: float = 1.0, rng=None):
    """Draw isotropic Gaussian blobs, one per class.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, shared as evenly as possible between blobs.
    centers : int or array_like of shape (C, 2), default 3
        Either the number of blobs, whose centres are then drawn uniformly
        from the square [-5, 5]², or the centres themselves.
    cluster_std : float, default 1.0
        Standard deviation of every blob along each axis.
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 index of each point's blob, 0 … C − 1.

    Examples
    --------
    >>> X, y = make_blobs(4, centers=[[0, 0], [10, 10]], cluster_std=0.0, rng=0)
    >>> sorted(zip(y.tolist(), X.tolist()))
    [(0, [0.0, 0.0]), (0, [0.0, 0.0]), (1, [10.0, 10.0]), (1, [10.0, 10.0])]
    """
    where = "make_blobs"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    cluster_std = _check_nonnegative(cluster_std, where=where, name="cluster_std")
    gen = _checks.as_generator(rng, where=where)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        n_centers = _checks.check_int(centers, where=where, name="centers")
        centres = gen.uniform(-5.0, 5.0, size=(n_centers, 2))  # (C, 2)
    else:
        centres = _checks.check_array(centers, where=where, name="centers", shape=(None, 2)).astype(float)
        if len(centres) == 0:
            raise ValueError(f"{where}: expected at least one centre; got centers of shape (0, 2).")
    blob = np.arange(n) % len(centres)  # which blob each point belongs to
    X = centres[blob] + cluster_std * gen.standard_normal((n, 2))  # (N, 2)
    return _shuffled(X, blob, gen)


# --------------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------------


def scale_images(x):
    """Scale 8-bit images from 0–255 to float32 in [0, 1].

    Parameters
    ----------
    x : ndarray of shape (N, ...)
        Integer pixel values between 0 and 255 (typically uint8).

    Returns
    -------
    ndarray
        float32 array of the same shape, ``x / 255``.

    Raises
    ------
    TypeError
        If ``x`` is already floating point (scaling twice is a classic bug).
    ValueError
        If a value lies outside 0–255.

    Examples
    --------
    >>> scale_images(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """
    where = "scale_images"
    x = _checks.check_array(x, where=where, name="x")
    if x.dtype.kind not in "iu":
        raise TypeError(
            f"{where}: expected integer pixel values 0-255 (uint8); got dtype {x.dtype}. "
            "Floating images are probably scaled already: do not divide by 255 twice."
        )
    if x.size and (int(x.min()) < 0 or int(x.max()) > 255):
        raise ValueError(
            f"{where}: expected pixel values 0-255; got values from {int(x.min())} to {int(x.max())}."
        )
    return x.astype(np.float32) / np.float32(255)


def one_hot(y, n_classes: int | None = None):
    """Encode integer class labels as one-hot rows.

    Parameters
    ----------
    y : array_like of shape (N,)
        Integer labels 0 … C − 1 (floats holding whole numbers are accepted).
    n_classes : int, optional
        C, the number of columns. Defaults to ``y.max() + 1``, read from the
        data; pass it explicitly when a batch may lack the highest class.

    Returns
    -------
    ndarray of shape (N, C)
        float32, ``Y[i, y[i]] = 1`` and 0 elsewhere.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D, holds non-integer or negative values, or a label
        is ``>= n_classes``.
    TypeError
        If ``y`` is not numeric or ``n_classes`` is not an int.

    Examples
    --------
    >>> one_hot([3, 0], n_classes=5)
    array([[0., 0., 0., 1., 0.],
           [1., 0., 0., 0., 0.]], dtype=float32)
    """
    where = "one_hot"
    y = _checks.check_array(y, where=where, name="y")
    if y.ndim == 2 and y.shape[1] == 1:
        raise ValueError(
            f"{where}: expected labels y of shape (N,); got shape {_checks.format_shape(y.shape)}. "
            "Flatten them first with y.ravel()."
        )
    if n_classes is None:
        if y.size == 0:
            raise ValueError(
                f"{where}: expected at least one label to read n_classes from; got none. Pass n_classes."
            )
        if float(np.min(y)) < 0:
            raise ValueError(
                f"{where}: expected labels in y between 0 and C - 1; got labels from "
                f"{np.min(y)} to {np.max(y)}. Re-encode the labels as 0..C-1."
            )
        n_classes = int(np.max(y)) + 1  # C read from the data
        y = _checks.check_labels(y, n_classes, where=where)  # rejects fractions like 1.5
    else:
        n_classes = _checks.check_int(n_classes, where=where, name="n_classes")
        y = _checks.check_labels(y, n_classes, where=where)
    Y = np.zeros((y.shape[0], n_classes), dtype=np.float32)  # (N, C)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1, with statistics from one split.

    Fit on the training split only, then transform every split with those
    same statistics: using the validation or test data's own mean would leak
    information about them into training.

    Attributes
    ----------
    mean_ : ndarray of shape (D,)
        Per-feature mean of the data given to :meth:`fit` (float64).
    std_ : ndarray of shape (D,)
        Per-feature standard deviation (population, ``ddof=0``), with
        constant features set to 1 so that they become 0 instead of NaN.
    n_constant_ : int
        How many features were constant in the fitted data.

    Examples
    --------
    >>> X_train = np.array([[1.0, 5.0], [3.0, 5.0]])
    >>> scaler = Standardizer().fit(X_train)
    >>> scaler.transform(X_train)
    array([[-1.,  0.],
           [ 1.,  0.]])
    >>> scaler.transform(np.array([[2.0, 7.0]]))  # val/test rows use the training statistics
    array([[0., 2.]])
    """

    def __init__(self):
        self.mean_ = None
        self.std_ = None
        self.n_constant_ = None

    def fit(self, X) -> "Standardizer":
        """Learn the per-feature mean and standard deviation of ``X``.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Training features, N >= 1.

        Returns
        -------
        Standardizer
            ``self``, so that ``Standardizer().fit(X_train)`` reads in one line.
        """
        X = _checks.check_array(X, where="Standardizer.fit", name="X", ndim=2)
        if X.shape[0] == 0:
            shape = _checks.format_shape(X.shape)
            raise ValueError(f"Standardizer.fit: expected at least one row in X; got shape {shape}.")
        X64 = X.astype(np.float64)
        mean = X64.mean(axis=0)  # (D,)
        std = X64.std(axis=0)  # (D,)
        # A constant column gives std 0 (or rounding noise around it): keep it at 0 after centring.
        constant = std <= 1e-12 * (1.0 + np.abs(mean))
        std[constant] = 1.0
        self.mean_, self.std_, self.n_constant_ = mean, std, int(constant.sum())
        return self

    def transform(self, X):
        """Standardise ``X`` with the fitted statistics: ``(X - mean_) / std_``.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Any split, with the D features seen by :meth:`fit`.

        Returns
        -------
        ndarray of shape (N, D)
            A new array; float32 stays float32, integers become float64 as NumPy promotes them.
        """
        where = "Standardizer.transform"
        if self.mean_ is None:
            raise RuntimeError(f"{where}: this Standardizer is not fitted yet. Call fit(X_train) first.")
        X = _checks.check_array(X, where=where, name="X", shape=(None, self.mean_.shape[0]))
        out_dtype = np.result_type(X.dtype, np.float32)
        return ((X - self.mean_) / self.std_).astype(out_dtype)  # (N, D)

    def fit_transform(self, X):
        """Fit on ``X`` and return it standardised (for the training split).

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N, D)
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """Undo :meth:`transform`: ``Z * std_ + mean_``.

        Parameters
        ----------
        Z : ndarray of shape (N, D)

        Returns
        -------
        ndarray of shape (N, D)
        """
        where = "Standardizer.inverse_transform"
        if self.mean_ is None:
            raise RuntimeError(f"{where}: this Standardizer is not fitted yet. Call fit(X_train) first.")
        Z = _checks.check_array(Z, where=where, name="Z", shape=(None, self.mean_.shape[0]))
        return (Z * self.std_ + self.mean_).astype(np.result_type(Z.dtype, np.float32))

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Standardizer(not fitted)"
        return f"Standardizer(D={self.mean_.shape[0]}, constant features={self.n_constant_})"


def _check_xy(X, y, where: str):
    X = _checks.check_array(X, where=where, name="X", finite=False)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim != 1:
        raise ValueError(
            f"{where}: expected X of shape (N, ...) and y of shape (N,); got X "
            f"{_checks.format_shape(X.shape)} and y {_checks.format_shape(y.shape)}."
        )
    _checks.check_same_rows(X, y, where=where)
    return X, y


def train_val_test_split(X, y, *, val_size=0.15, test_size=0.15, rng=None, stratify: bool = True):
    """Shuffle and split (X, y) into training, validation and test sets.

    Parameters
    ----------
    X : ndarray of shape (N, ...)
        Features (images may keep their (N, 28, 28) layout).
    y : ndarray of shape (N,)
        Targets.
    val_size, test_size : float or int, default 0.15
        A fraction of N in [0, 1) (rounded to the nearest row, halves up), or a number of
        rows. The training set gets what is left, at least one row.
    rng : None, int or numpy.random.Generator, optional
        Seed or generator; the same seed gives the same split.
    stratify : bool, default True
        Keep each class's share the same in all three sets (up to rounding).
        Needs integer class labels: pass False for regression targets.

    Returns
    -------
    (X_train, y_train), (X_val, y_val), (X_test, y_test) : tuples of ndarray
        New arrays, rows in random order; together they hold every row of X
        exactly once.

    Raises
    ------
    ValueError
        If the sizes leave no training rows, X and y differ in rows, or
        ``stratify`` is set and y is not an integer array.

    Examples
    --------
    >>> X, y = load_iris()
    >>> (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(X, y, rng=0)
    >>> len(y_tr), len(y_va), len(y_te)
    (104, 23, 23)
    >>> np.bincount(y_te).tolist()  # 50/50/50 in, about a third of each class out
    [8, 8, 7]
    """
    where = "train_val_test_split"
    X, y = _check_xy(X, y, where)
    n = y.shape[0]
    n_test = _count_from_size(test_size, n, where=where, name="test_size")
    n_val = _count_from_size(val_size, n, where=where, name="val_size")
    if n - n_test - n_val < 1:
        raise ValueError(
            f"{where}: expected val_size + test_size to leave at least one training row of {n}; "
            f"got {n_val} validation + {n_test} test rows. Use smaller sizes."
        )
    gen = _checks.as_generator(rng, where=where)

    if stratify:
        _, classes = np.unique(_class_labels(y, where=where), return_inverse=True)
        members = [gen.permutation(np.flatnonzero(classes == c)) for c in range(classes.max() + 1)]
        sizes = np.array([len(m) for m in members])
        test_counts = _largest_remainder(sizes, n_test, gen)
        val_counts = _largest_remainder(sizes - test_counts, n_val, gen)
        test_idx = np.concatenate([m[:t] for m, t in zip(members, test_counts)])
        val_idx = np.concatenate([m[t : t + v] for m, t, v in zip(members, test_counts, val_counts)])
        train_idx = np.concatenate([m[t + v :] for m, t, v in zip(members, test_counts, val_counts)])
        # Mix the classes again inside each split.
        train_idx, val_idx, test_idx = (gen.permutation(i) for i in (train_idx, val_idx, test_idx))
    else:
        order = gen.permutation(n)
        test_idx, val_idx, train_idx = order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :]

    return (X[train_idx], y[train_idx]), (X[val_idx], y[val_idx]), (X[test_idx], y[test_idx])


def subsample(X, y, n, *, rng=None, stratify: bool = True):
    """Draw n rows of (X, y) without replacement, keeping their order (for fast mode).

    Chapters call this when ``course_pkg.fast_mode()`` is on, so that CI
    trains on a small slice while the published book uses all the data.

    Parameters
    ----------
    X : ndarray of shape (N, ...)
        Features.
    y : ndarray of shape (N,)
        Targets.
    n : int or float
        Number of rows to keep, or a fraction of N in (0, 1). If it is N or
        more, every row is returned (copied).
    rng : None, int or numpy.random.Generator, optional
        Seed or generator.
    stratify : bool, default True
        Keep each class's share as in y (up to rounding). Needs integer
        class labels: pass False for regression targets.

    Returns
    -------
    X_sub : ndarray of shape (n, ...)
    y_sub : ndarray of shape (n,)
        New arrays; rows keep their original relative order.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X_small, y_small = subsample(X, y, 200, rng=0)
    >>> X_small.shape, np.bincount(y_small).tolist()
    ((200, 64), [20, 20, 20, 21, 20, 20, 20, 20, 19, 20])
    """
    where = "subsample"
    X, y = _check_xy(X, y, where)
    total = y.shape[0]
    if isinstance(n, numbers.Integral) and not isinstance(n, bool):
        k = min(_checks.check_int(n, where=where, name="n"), total)
    else:
        fraction = _checks.check_fraction(n, where=where, name="n", low_inclusive=False)
        k = max(1, int(round(fraction * total)))
    gen = _checks.as_generator(rng, where=where)
    if stratify:
        _, classes = np.unique(_class_labels(y, where=where), return_inverse=True)
        sizes = np.bincount(classes)
        counts = _largest_remainder(sizes, k, gen)
        members = [np.flatnonzero(classes == c) for c in range(len(sizes))]
        keep = np.concatenate([gen.choice(m, size=k, replace=False) for m, k in zip(members, counts)])
    else:
        keep = gen.choice(total, size=k, replace=False)
    keep = np.sort(keep)
    return X[keep], y[keep]
