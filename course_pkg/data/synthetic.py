"""Synthetic 2-D data sets, drawn with NumPy from a seed: XOR, moons, circles, spirals, blobs.

Each ``make_*`` function returns float32 points ``X`` of shape (N, 2) and int64 labels ``y`` of
shape (N,), rows in random order. ``seed`` accepts None (fresh, unseeded), an int, or a
``numpy.random.Generator``.
"""

from __future__ import annotations

import numbers

import numpy as np

from course_pkg import _checks

__all__ = ["load_xor_truth_table", "make_xor", "make_moons", "make_circles", "make_spiral", "make_blobs"]


def _check_nonnegative(value, *, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: expected {name} as a real number; got {type(value).__name__} {value!r}.")
    if not value >= 0 or not np.isfinite(value):
        raise ValueError(f"{where}: expected {name} >= 0; got {name}={value!r}.")
    return float(value)


def _shuffled(X: np.ndarray, y: np.ndarray, gen: np.random.Generator):
    order = gen.permutation(len(y))
    return X[order].astype(np.float32), y[order].astype(np.int64)


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


def make_xor(n_samples: int = 200, noise: float = 0.1, seed=None):
    """Draw four Gaussian clusters at the corners of the unit square, labelled XOR.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, shared as evenly as possible between the four
        corners (0, 0), (0, 1), (1, 0), (1, 1).
    noise : float, default 0.1
        Standard deviation of each cluster. 0 gives the truth table repeated.
    seed : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 label of each point's corner: 1 where exactly one coordinate is 1.

    Examples
    --------
    >>> X, y = make_xor(8, noise=0.0, seed=0)
    >>> sorted(zip(X.tolist(), y.tolist()))[::2]
    [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)]
    """
    where = "make_xor"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(seed, where=where)
    corners, labels = load_xor_truth_table()
    corner = np.arange(n) % 4  # which corner each point belongs to
    X = corners[corner] + noise * gen.standard_normal((n, 2))  # (N, 2)
    return _shuffled(X, labels[corner], gen)


def make_moons(n_samples: int = 200, noise: float = 0.1, seed=None):
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
    seed : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 labels 0 (upper moon) and 1 (lower moon).

    Examples
    --------
    >>> X, y = make_moons(100, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    where = "make_moons"
    n = _checks.check_int(n_samples, where=where, name="n_samples", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(seed, where=where)
    n_upper = n // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])  # (n_upper, 2)
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])  # (n - n_upper, 2)
    X = np.vstack([upper, lower]) + noise * gen.standard_normal((n, 2))  # (N, 2)
    y = np.repeat([0, 1], [n_upper, n - n_upper])
    return _shuffled(X, y, gen)


def make_circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5, seed=None):
    """Draw a small circle inside a large one.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; the outer circle gets ``n_samples // 2``.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one (radius 1), in (0, 1).
    seed : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 labels 0 (outer circle) and 1 (inner circle).

    Examples
    --------
    >>> X, y = make_circles(200, noise=0.0, seed=0)
    >>> radius = np.hypot(X[:, 0], X[:, 1])
    >>> np.round(radius[y == 0].mean(), 3), np.round(radius[y == 1].mean(), 3)
    (np.float32(1.0), np.float32(0.5))
    """
    where = "make_circles"
    n = _checks.check_int(n_samples, where=where, name="n_samples", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    factor = _checks.check_fraction(factor, where=where, name="factor", low_inclusive=False)
    gen = _checks.as_generator(seed, where=where)
    n_outer = n // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n - n_outer, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])  # (n_outer, 2)
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])  # (n - n_outer, 2)
    X = np.vstack([outer, inner]) + noise * gen.standard_normal((n, 2))  # (N, 2)
    y = np.repeat([0, 1], [n_outer, n - n_outer])
    return _shuffled(X, y, gen)


def make_spiral(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed=None):
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
    seed : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points inside the unit disc, rows in random order.
    y : ndarray of shape (N,)
        int64 arm index 0 … n_classes − 1.

    Examples
    --------
    >>> X, y = make_spiral(300, n_classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    where = "make_spiral"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    n_classes = _checks.check_int(n_classes, where=where, name="n_classes", minimum=2)
    noise = _check_nonnegative(noise, where=where, name="noise")
    gen = _checks.as_generator(seed, where=where)
    counts = np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)
    points, labels = [], []
    for c, count in enumerate(counts):
        r = np.linspace(0.0, 1.0, count)  # (count,)
        t = 4.0 * c + 4.0 * r + noise * gen.standard_normal(count)  # (count,)
        points.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))  # (count, 2)
        labels.append(np.full(count, c))
    return _shuffled(np.vstack(points), np.concatenate(labels), gen)


def make_blobs(n_samples: int = 200, centers=3, cluster_std: float = 1.0, seed=None):
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
    seed : None, int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    X : ndarray of shape (N, 2)
        float32 points, rows in random order.
    y : ndarray of shape (N,)
        int64 index of each point's blob, 0 … C − 1.

    Examples
    --------
    >>> X, y = make_blobs(4, centers=[[0, 0], [10, 10]], cluster_std=0.0, seed=0)
    >>> sorted(zip(y.tolist(), X.tolist()))
    [(0, [0.0, 0.0]), (0, [0.0, 0.0]), (1, [10.0, 10.0]), (1, [10.0, 10.0])]
    """
    where = "make_blobs"
    n = _checks.check_int(n_samples, where=where, name="n_samples")
    cluster_std = _check_nonnegative(cluster_std, where=where, name="cluster_std")
    gen = _checks.as_generator(seed, where=where)
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
