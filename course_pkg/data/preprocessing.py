"""Preprocessing the course does by hand: scaling, one-hot labels, standardising, splits.

:func:`scale_images`, :func:`one_hot`, :class:`Standardizer` (fitted on the training split
only), :func:`train_val_test_split` and :func:`subsample` (what chapters use to shrink the data
in fast mode; the loaders themselves never shrink data behind your back). ``seed`` accepts None
(fresh, unseeded), an int, or a ``numpy.random.Generator``.
"""

from __future__ import annotations

import numbers

import numpy as np

from course_pkg import _checks

__all__ = ["scale_images", "one_hot", "Standardizer", "train_val_test_split", "subsample"]


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


def train_val_test_split(X, y, *, val_size=0.15, test_size=0.15, seed=None, stratify: bool = True):
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
    seed : None, int or numpy.random.Generator, optional
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
    >>> from course_pkg.data import load_iris
    >>> X, y = load_iris()
    >>> (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(X, y, seed=0)
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
    gen = _checks.as_generator(seed, where=where)

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


def subsample(X, y, n, *, seed=None, stratify: bool = True):
    """Draw n rows of (X, y) without replacement, keeping their order (for fast mode).

    Chapters call this in fast mode (``COURSE_FAST``), so that CI trains on
    a small slice while the published book uses all the data.

    Parameters
    ----------
    X : ndarray of shape (N, ...)
        Features.
    y : ndarray of shape (N,)
        Targets.
    n : int or float
        Number of rows to keep, or a fraction of N in (0, 1). If it is N or
        more, every row is returned (copied).
    seed : None, int or numpy.random.Generator, optional
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
    >>> from course_pkg.data import load_digits
    >>> X, y = load_digits()
    >>> X_small, y_small = subsample(X, y, 200, seed=0)
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
    gen = _checks.as_generator(seed, where=where)
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
