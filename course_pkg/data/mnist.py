"""MNIST from an offline file, in the layout of ``keras.datasets.mnist``.

:func:`load_mnist` reads ``mnist.npz`` from a folder you name, from the folder named by
``COURSE_DATA_DIR`` (see ``course_pkg.settings``), or from the Keras cache ``~/.keras/datasets``,
and says clearly where it looked when none has it. It never downloads and never imports
TensorFlow.
"""

from __future__ import annotations

import functools
import os
import zipfile
from pathlib import Path

import numpy as np

from course_pkg import _checks, settings

__all__ = ["MNIST_FILENAME", "DatasetNotFoundError", "mnist_search_paths", "mnist_available", "load_mnist"]

MNIST_FILENAME = "mnist.npz"
_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_KERAS_DOWNLOAD_HINT = 'python -c "import keras; keras.datasets.mnist.load_data()"'


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
    env_dir = settings.data_dir()
    if env_dir is not None:
        candidates.append(("COURSE_DATA_DIR", env_dir / MNIST_FILENAME))
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
    if settings.data_dir() is None and data_dir is None:
        looked += "; COURSE_DATA_DIR is not set"
    return DatasetNotFoundError(
        f"load_mnist: expected the file {MNIST_FILENAME} (keys x_train, y_train, x_test, y_test); "
        f"got nothing at: {looked}. Fix: set COURSE_DATA_DIR to a folder that holds {MNIST_FILENAME} "
        f"(the course's offline mirror, which `make` finds by itself), or run {_KERAS_DOWNLOAD_HINT} once with "
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
    Fast mode (``COURSE_FAST``) is not applied here; chapters shrink the data
    explicitly with :func:`course_pkg.data.subsample`, so what a cell loads is
    what it says.

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
