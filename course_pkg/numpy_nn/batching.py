"""Mini-batches: the index batches of one epoch.

One seeded permutation per epoch, cut into contiguous slices; the last, shorter batch is kept, so
every sample is used exactly once per epoch (no sampling with replacement). ``MLP.fit`` draws its
batches here, and so can a training loop written by hand::

    gen = np.random.default_rng(0)          # one generator for the whole run
    for epoch in range(epochs):
        for idx in minibatches(len(X), 32, seed=gen):
            ...                              # X[idx], y[idx]
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from course_pkg import _checks

__all__ = ["minibatches"]


def minibatches(n_samples: int, batch_size: int, *, shuffle: bool = True, seed=None) -> Iterator[np.ndarray]:
    """Yield the index batches of one epoch.

    The indices ``0 .. n_samples-1`` are permuted once (when ``shuffle``)
    and cut into contiguous slices of ``batch_size``; the last batch keeps
    the remainder, so every index appears exactly once per epoch (no
    sampling with replacement).

    Parameters
    ----------
    n_samples : int
        Number of samples N, >= 1.
    batch_size : int
        Samples per batch, >= 1; larger than N gives one batch of N.
    shuffle : bool, default True
        Permute the indices; ``False`` yields them in order.
    seed : None, int or numpy.random.Generator, optional
        Source of the permutation. Pass one ``Generator`` for the whole
        training run, so each epoch (each call) gets a new order and the run
        is reproducible from its seed. An int gives the same order on every
        call.

    Yields
    ------
    ndarray of shape (B,)
        Integer indices of one batch, ``B = batch_size`` except possibly
        for the last batch; use them as ``X[idx], y[idx]``.

    Raises
    ------
    TypeError, ValueError
        If ``n_samples`` or ``batch_size`` is not an integer >= 1, or
        ``seed`` is invalid. Raised at the call, not at the first batch.

    Examples
    --------
    >>> [idx.tolist() for idx in minibatches(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    >>> gen = np.random.default_rng(0)
    >>> first, second = (np.concatenate(list(minibatches(6, 4, seed=gen))) for _ in range(2))
    >>> sorted(first.tolist()) == sorted(second.tolist()) == [0, 1, 2, 3, 4, 5]
    True
    """
    where = "minibatches"
    n_samples = _checks.check_int(n_samples, where=where, name="n_samples")
    batch_size = _checks.check_int(batch_size, where=where, name="batch_size")
    if shuffle:
        order = _checks.as_generator(seed, where=where).permutation(n_samples)
    else:
        order = np.arange(n_samples)
    # The checks above run at the call; only the slicing is lazy.
    return (order[start : start + batch_size] for start in range(0, n_samples, batch_size))
