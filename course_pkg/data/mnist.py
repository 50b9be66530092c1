"""MNIST in the layout of ``keras.datasets.mnist``: from a file, or downloaded once when allowed.

:func:`load_mnist` reads ``mnist.npz`` from a folder you name, from the folder named by
``COURSE_DATA_DIR`` (see ``course_pkg.settings``), or from the Keras cache ``~/.keras/datasets``.
When none has it and downloads are allowed (``COURSE_OFFLINE`` is off), it downloads the file once
from the address Keras uses (:func:`download_mnist`), checks its SHA-256 and keeps it in the Keras
cache, where Keras's own loader finds it too. Otherwise it says clearly where it looked. It never
imports TensorFlow.

A chapter that needs MNIST asks :func:`load_mnist` and catches :class:`DatasetNotFoundError` (a failed
download is one too, :class:`DatasetDownloadError`): the error's message is what the chapter tells the
reader when it falls back to the digits set.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from course_pkg import _checks, settings

__all__ = [
    "MNIST_FILENAME",
    "MNIST_URL",
    "MNIST_SHA256",
    "DatasetNotFoundError",
    "DatasetDownloadError",
    "mnist_search_paths",
    "mnist_available",
    "download_mnist",
    "load_mnist",
]

MNIST_FILENAME = "mnist.npz"
#: Where Keras downloads ``mnist.npz`` from (``keras.datasets.mnist.load_data``).
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
#: The SHA-256 of that file, the same hash Keras checks before it keeps a download.
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_DOWNLOAD_HINT = "course_pkg.data.download_mnist()"
_CHUNK_BYTES = 1 << 20
_TIMEOUT_S = 60  # per network read: long enough for a slow line, short enough to notice a dead one


class DatasetNotFoundError(FileNotFoundError):
    """A data set's file is in none of the places the loader looks (and could not be downloaded)."""


class DatasetDownloadError(DatasetNotFoundError):
    """A download failed: no connection, an incomplete file, or a file whose checksum is wrong.

    Nothing is stored when this is raised. It is a :class:`DatasetNotFoundError`, so code that falls
    back to another data set when MNIST is missing catches both with one ``except``.
    """


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
    candidates.append(("Keras cache", _keras_cache_file()))
    return candidates


def _keras_cache_file() -> Path:
    """``$KERAS_HOME/datasets/mnist.npz``, ``~/.keras/datasets/mnist.npz`` without ``KERAS_HOME``."""
    keras_home = os.environ.get("KERAS_HOME", "").strip()
    keras_dir = Path(keras_home).expanduser() if keras_home else Path.home() / ".keras"
    return keras_dir / "datasets" / MNIST_FILENAME


def mnist_available(data_dir: str | os.PathLike | None = None) -> str | None:
    """Return the path of the ``mnist.npz`` that :func:`load_mnist` would read, or None.

    Only checks that the file exists; :func:`load_mnist` validates its content.
    None means no local copy: :func:`load_mnist` then downloads one when
    downloads are allowed, or raises :class:`DatasetNotFoundError`.

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
    if data_dir is not None:
        why = "only the data_dir you named is searched, and nothing is downloaded there"
    else:
        why = "downloads are switched off (COURSE_OFFLINE=1)"
    return DatasetNotFoundError(
        f"load_mnist: expected the file {MNIST_FILENAME} (keys x_train, y_train, x_test, y_test); "
        f"got nothing at: {looked}; {why}. Fix: set COURSE_DATA_DIR to a folder that holds {MNIST_FILENAME} "
        f"(the course's offline mirror, which `make` finds by itself), or, with internet and COURSE_OFFLINE "
        f"unset, call {_DOWNLOAD_HINT} once to fill the Keras cache. The digits set (load_digits) is always "
        "available offline."
    )


def _check_sha256(value, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise ValueError(f"{where}: expected sha256 as 64 hexadecimal digits; got {value!r}.")
    return value.lower()


def download_mnist(
    *,
    url: str | None = None,
    sha256: str | None = None,
    destination: str | os.PathLike | None = None,
    progress: bool = True,
) -> Path:
    """Download ``mnist.npz``, check its SHA-256, and keep it only if it is exactly the right file.

    The bytes go to a temporary file beside the destination; only when the
    download is complete and its SHA-256 matches is that file renamed into
    place, so a cut connection or a corrupted file never leaves a partial
    ``mnist.npz`` behind for the next run to trip on.

    Parameters
    ----------
    url : str, optional
        Where to download from. Default ``MNIST_URL``, the address Keras
        uses.
    sha256 : str, optional
        The expected SHA-256, 64 hexadecimal digits. Default
        ``MNIST_SHA256``, the hash Keras checks for that file.
    destination : str or path, optional
        The file to write. Default: the Keras cache,
        ``$KERAS_HOME/datasets/mnist.npz`` (``~/.keras`` without
        ``KERAS_HOME``), where :func:`load_mnist` and Keras both look.
    progress : bool, default True
        Show a progress bar (tqdm) while downloading.

    Returns
    -------
    Path
        The verified file.

    Raises
    ------
    DatasetDownloadError
        If downloads are switched off (``COURSE_OFFLINE=1``), the server
        cannot be reached or answers with an error, the transfer stops early,
        or the SHA-256 differs. Nothing is left behind.
    ValueError
        If ``sha256`` is not 64 hexadecimal digits.

    Examples
    --------
    >>> download_mnist()  # doctest: +SKIP
    PosixPath('/home/me/.keras/datasets/mnist.npz')
    """
    where = "download_mnist"
    url = MNIST_URL if url is None else url
    expected = _check_sha256(MNIST_SHA256 if sha256 is None else sha256, where)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{where}: expected url as an http(s) address; got {url!r}.")
    target = _keras_cache_file() if destination is None else Path(destination).expanduser()
    if settings.offline():
        raise DatasetDownloadError(
            f"{where}: expected permission to download {url}; got COURSE_OFFLINE=1, which forbids downloads "
            f"(the course's tests, CI and book build set it). Fix: unset COURSE_OFFLINE (or set it to 0) on a "
            f"machine with internet, or set COURSE_DATA_DIR to a folder that holds {MNIST_FILENAME}."
        )
    fix = (
        f"Nothing was stored. Fix: run it again; if it keeps failing, download {url} yourself, check that its "
        f"SHA-256 is {expected}, and set COURSE_DATA_DIR to the folder that holds it. The digits set "
        "(load_digits) is always available offline."
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below; deleted unless verified
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as err:
        raise DatasetDownloadError(
            f"{where}: expected a writable folder for {target}; got {type(err).__name__}: {err}. Fix: pass "
            "destination= a file in a folder you can write, or set KERAS_HOME to one."
        ) from err
    partial = Path(handle.name)
    try:
        with handle:
            digest, received, announced = _stream(url, handle, progress, where, fix)
        if announced is not None and received != announced:
            raise DatasetDownloadError(
                f"{where}: expected {announced} bytes from {url}; got {received} (the transfer stopped early). {fix}"
            )
        if digest != expected:
            raise DatasetDownloadError(
                f"{where}: expected a file with SHA-256 {expected} from {url}; got {digest} ({received} bytes): "
                f"the file is corrupt or incomplete. {fix}"
            )
        os.replace(partial, target)  # atomic: the verified file appears whole, or not at all
    finally:
        partial.unlink(missing_ok=True)
    return target


def _stream(url: str, out, progress: bool, where: str, fix: str) -> tuple[str, int, int | None]:
    """Copy ``url`` into the open file ``out``; return (SHA-256, bytes received, bytes announced)."""
    # Imported on use: the HTTP machinery is a third of `import course_pkg.data`, and most runs never download.
    import http.client  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:  # noqa: S310 - http(s) checked above
            length = response.headers.get("Content-Length")
            announced = int(length) if length and length.isdigit() else None
            bar = None
            if progress:
                from tqdm.auto import tqdm  # noqa: PLC0415 - imported on use: keeps `import course_pkg` fast

                bar = tqdm(total=announced, unit="B", unit_scale=True, unit_divisor=1024, desc=MNIST_FILENAME)
            try:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        if isinstance(err, urllib.error.HTTPError):
            err.close()  # an HTTP error keeps its connection open until closed
        raise DatasetDownloadError(f"{where}: expected to download {url}; got {type(err).__name__}: {err}. {fix}") from err
    return digest.hexdigest(), received, announced


@functools.lru_cache(maxsize=2)
def _read_mnist(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, ...]:
    """Read and check ``mnist.npz`` once per (path, modification time, size).

    The arrays are stored read-only; :func:`load_mnist` hands out copies.
    """
    where = "load_mnist"
    fix = (
        f"Replace the file: copy a good {MNIST_FILENAME} into that folder, or delete it and call "
        f"{_DOWNLOAD_HINT} once with internet."
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
    """Load MNIST in the layout of ``keras.datasets.mnist``: from a file, or downloaded once.

    Looks, in order, in ``data_dir`` (when given, the only place), in the
    folder named by the environment variable ``COURSE_DATA_DIR``, then in the
    Keras cache ``~/.keras/datasets``. When none has the file and downloads
    are allowed (``COURSE_OFFLINE`` is off, and no ``data_dir`` was named),
    it is downloaded once into the Keras cache with :func:`download_mnist`
    (about 11 MB, with a progress bar) and checked against its SHA-256. The
    file is read directly, never through TensorFlow. The arrays are read once
    per process and cached; every call returns fresh copies that you may
    modify.

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
        the other places are not searched and nothing is downloaded.

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
        (a ``FileNotFoundError``) if no ``mnist.npz`` is found and none may
        be downloaded; the message lists the places searched and how to
        provide the file. :class:`DatasetDownloadError`, a subclass, if the
        download failed (nothing is stored then).
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

    A chapter that can do without MNIST falls back, and says why:

    >>> try:  # doctest: +SKIP
    ...     (x_train, y_train), (x_test, y_test) = load_mnist(normalize=True, flatten=True)
    ... except DatasetNotFoundError as err:
    ...     print(f"MNIST is not available here ({err}); using the digits set instead.")
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
        if data_dir is not None or settings.offline():
            raise _mnist_not_found(data_dir)
        path = download_mnist()
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
