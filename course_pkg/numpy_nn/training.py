"""One epoch of mini-batch training: the loop at the heart of every network of the course.

For each mini-batch, four steps::

    logits = model.forward(X_batch, training=True, logits=True)  # 1. forward
    loss, dlogits = model.loss_and_dlogits(logits, y_batch)      # 2. loss
    model.backward(dlogits)                                       # 3. backward: fills every grads
    optimizer.step(params, grads)                                 # 4. step: updates the params

``train_epoch`` is that loop over one permutation of the data. ``MLP.fit`` calls it once per
epoch and wraps around it what a person training a network wants besides: the data checked once,
validation, a progress bar, the history, and a diagnosis when training diverges. Keras' ``fit``
runs the same loop (``train_step`` for each batch).
"""

from __future__ import annotations

import math

from course_pkg._checks import check_array, check_same_rows
from course_pkg.numpy_nn.batching import minibatches

__all__ = ["train_epoch", "NonFiniteLossError"]


class NonFiniteLossError(FloatingPointError):
    """The loss of a mini-batch became NaN or infinite: training diverged.

    Parameters
    ----------
    batch : int
        The batch's number in its epoch, from 1.
    X_batch : ndarray of shape (B, D)
        Its inputs, so that the caller can find the layer that overflowed
        (``MLP.fit`` does).
    """

    def __init__(self, batch, X_batch):
        super().__init__(
            f"train_epoch: the loss became non-finite at batch {batch} (NaN or infinity): training "
            "diverged. Use a smaller learning rate, or scale the inputs (e.g. standardize them)."
        )
        self.batch = batch
        self.X_batch = X_batch


def train_epoch(model, X, y, optimizer, *, batch_size=32, shuffle=True, seed=None, check_input=True) -> dict:
    """Train ``model`` for one epoch: forward, loss, backward and step for each mini-batch.

    Parameters
    ----------
    model : MLP
        The network; it is trained in place. Any object with ``params()``,
        ``grads()``, ``forward``, ``loss_and_dlogits``, ``backward``,
        ``is_classifier`` and ``count_correct`` like ``MLP``'s will do.
    X : ndarray of shape (N, D)
        Training inputs.
    y : ndarray of shape (N,) or (N, C)
        Training targets, as for ``MLP.fit``.
    optimizer : Optimizer
        An optimizer object such as ``Adam()``, whose ``step(params, grads)``
        updates the parameters in place. Make it once and pass it to every
        epoch: it keeps state (momentum, Adam's moments) between steps.
    batch_size : int, default 32
        Samples per update; the last batch keeps the remainder.
    shuffle : bool, default True
        Draw a new permutation of the samples; False keeps their order.
    seed : None, int or numpy.random.Generator, optional
        Randomness of the permutation (and dropout masks come from the
        model's layers). Pass one ``Generator`` to every epoch of a run, so
        that each epoch gets a different order and the run is reproducible.
    check_input : bool, default True
        Check the data in each batch. ``MLP.fit`` checks them once and passes
        False.

    Returns
    -------
    dict
        ``{"loss": float, "accuracy": float}`` (no accuracy for regression):
        the size-weighted means over the epoch of the batch values, each
        computed before its batch's update, as Keras reports them.

    Raises
    ------
    NonFiniteLossError
        A ``FloatingPointError``, when the loss of a batch is NaN or infinite.
    TypeError
        If ``optimizer`` has no ``step`` method (a name such as ``"adam"``).
    ValueError
        For data that do not fit the model.

    Examples
    --------
    >>> import numpy as np
    >>> from course_pkg.numpy_nn import MLP, SGD
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(64, 2)), rng.integers(0, 2, 64)
    >>> model, optimizer = MLP([2, 8, 2], seed=0), SGD(learning_rate=0.1)
    >>> sorted(train_epoch(model, X, y, optimizer, batch_size=16, seed=rng))
    ['accuracy', 'loss']
    >>> optimizer.t  # one step per batch
    4
    """
    where = "train_epoch"
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"{where}: expected an optimizer object with step(params, grads), such as Adam(); got "
            f"{type(optimizer).__name__} {optimizer!r}. Make one with get_optimizer(...) and pass it to "
            "every epoch (it keeps its state between steps)."
        )
    if check_input:
        X = check_array(X, where=where, name="X", ndim=2, finite=False, xp=model.xp)
        y = check_array(y, where=where, name="y", finite=False, xp=model.xp)
        check_same_rows(X, y, where=where)
    xp = model.xp
    params, grads = model.params(), model.grads()
    total_loss, n_correct, n_predictions = 0.0, 0, 0
    for batch, rows in enumerate(minibatches(X.shape[0], batch_size, shuffle=shuffle, seed=seed), start=1):
        rows = xp.asarray(rows)  # an index array of the model's array module (CuPy on a GPU)
        X_batch, y_batch = X[rows], y[rows]  # (B, D), (B,) or (B, C)

        logits = model.forward(X_batch, training=True, logits=True, check_input=check_input)  # (B, C)
        loss, dlogits = model.loss_and_dlogits(logits, y_batch, check_input=check_input)
        if not math.isfinite(loss):
            raise NonFiniteLossError(batch, X_batch)
        model.backward(dlogits, check_input=False)  # fills the grads
        optimizer.step(params, grads)  # updates the params in place

        total_loss += loss * X_batch.shape[0]
        if model.is_classifier:
            correct, made = model.count_correct(logits, y_batch, check_input=check_input)
            n_correct, n_predictions = n_correct + correct, n_predictions + made
    record = {"loss": total_loss / X.shape[0]}
    if model.is_classifier:
        record["accuracy"] = n_correct / n_predictions
    return record
