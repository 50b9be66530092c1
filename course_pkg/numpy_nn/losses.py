"""Loss functions and their gradients, with the conventions of Keras 3.

Every loss ``f(y_true, y_pred) -> float`` is the MEAN over the batch: the
per-sample loss is first averaged over the last axis (the outputs of one
sample), then over the samples, exactly as ``keras.losses`` does with its
default ``"sum_over_batch_size"`` reduction. Its gradient
``f_grad(y_true, y_pred)`` is ``dL/dy_pred`` with ``y_pred``'s shape, so it
already carries the ``1/N`` of the mean.

The two fused losses take logits and return ``(loss, dlogits)``; they are the
stable way to train a softmax or sigmoid output layer.

All functions work on NumPy and CuPy arrays alike, reject NaN and infinity,
and never modify their inputs.

Examples
--------
>>> import numpy as np
>>> mse(np.array([1.0, 2.0]), np.array([1.0, 4.0]))
2.0
>>> loss, dlogits = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
>>> round(loss, 4)  # ln 4: an untrained classifier's loss
1.3863
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from course_pkg import _checks
from course_pkg.numpy_nn.activations import sigmoid, softmax
from course_pkg.numpy_nn.backend import array_module_of

__all__ = [
    "EPSILON",
    "mse",
    "mse_grad",
    "mae",
    "mae_grad",
    "huber",
    "huber_grad",
    "binary_crossentropy",
    "binary_crossentropy_grad",
    "categorical_crossentropy",
    "categorical_crossentropy_grad",
    "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy_grad",
    "softmax_cross_entropy",
    "sigmoid_binary_crossentropy",
    "Loss",
    "LOSSES",
    "get_loss",
]

EPSILON = 1e-7
"""Clipping bound for probabilities, ``keras.backend.epsilon()``."""

_fmt = _checks.format_shape


# --------------------------------------------------------------------------- validation helpers


def _float_array(x, where: str, name: str, xp, dtype=None):
    """Check ``x`` (numeric, finite) and return it as a floating array."""
    arr = _checks.check_array(x, where=where, name=name, xp=xp)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind != "f":
        arr = arr.astype(xp.float64)
    return arr


def _pair(y_true, y_pred, where: str, true_name: str = "y_true", pred_name: str = "y_pred"):
    """Validate a (y_true, y_pred) pair of the same shape (N,) or (N, K).

    Returns ``(y_true, y_pred, xp)`` as floating arrays of y_pred's dtype. Like
    Keras, a (N,) target with a (N, 1) prediction (or the reverse) is accepted:
    the target is reshaped to the prediction's shape, so the gradient keeps
    y_pred's shape. Any other mismatch raises instead of broadcasting.
    """
    xp = array_module_of(y_true, y_pred)
    y_pred = _float_array(y_pred, where, pred_name, xp)
    y_true = _float_array(y_true, where, true_name, xp, dtype=y_pred.dtype)
    for arr, name in ((y_pred, pred_name), (y_true, true_name)):
        if arr.ndim not in (1, 2):
            raise ValueError(
                f"{where}: expected {name} of shape (N,) or (N, K); got {_fmt(arr.shape)}."
            )
    _checks.check_same_rows(y_pred, y_true, where=where, x_name=pred_name, y_name=true_name)
    if y_true.shape != y_pred.shape:
        single_column = {y_true.ndim, y_pred.ndim} == {1, 2} and y_true.size == y_pred.size
        if not single_column:
            raise ValueError(
                f"{where}: expected {true_name} of shape {_fmt(y_pred.shape)} "
                f"(the shape of {pred_name}); got {_fmt(y_true.shape)}."
            )
        y_true = y_true.reshape(y_pred.shape)
    return y_true, y_pred, xp


def _require_rows(arr, where: str, name: str, expected: str) -> None:
    """Reject a 0-d ``arr`` (a bare number) where a batch with rows is expected."""
    if arr.ndim == 0:
        raise ValueError(f"{where}: expected {name} of shape {expected}; got a scalar (shape ()).")


def _require_2d(arr, where: str, name: str, fix: str) -> None:
    """Reject a batch of class scores that is not (N, C), instead of broadcasting it."""
    if arr.ndim != 2:
        raise ValueError(f"{where}: expected {name} of shape (N, C); got {_fmt(arr.shape)}. {fix}")


_ONE_ROW_FIX = "For a single sample use {name}.reshape(1, -1)."


def _check_unit_interval(arr, where: str, name: str, hint: str = "") -> None:
    """Raise ValueError unless every value of ``arr`` lies in [0, 1]."""
    if arr.size == 0:
        return
    low, high = float(arr.min()), float(arr.max())
    if low < 0 or high > 1:
        message = f"{where}: expected {name} in [0, 1]; got values from {low:.4g} to {high:.4g}."
        if hint:
            message += f" {hint}"
        raise ValueError(message)


_LOGITS_HINT = (
    "If these are logits (scores before the activation), use {fused} instead, "
    "which applies the {activation} itself."
)


def _check_probabilities(y_pred, where, activation, fused):
    hint = _LOGITS_HINT.format(fused=fused, activation=activation)
    _check_unit_interval(y_pred, where, "y_pred (probabilities)", hint)


def _mean(x) -> float:
    """Mean of all entries as a Python float (0.0 for an empty batch, without a warning)."""
    return float(x.mean()) if x.size else 0.0


# --------------------------------------------------------------------------- regression losses


def mse(y_true, y_pred) -> float:
    """Mean squared error ``mean((y_pred - y_true)**2)``.

    Parameters
    ----------
    y_true : ndarray of shape (N,) or (N, K)
        Targets. A 1-D pair counts as N samples of one output.
    y_pred : ndarray of the same shape as ``y_true``
        Predictions.

    Returns
    -------
    float
        Mean over the K outputs of a sample, then over the N samples
        (``keras.losses.MeanSquaredError``).

    Raises
    ------
    ValueError
        If the shapes differ (other than (N,) against (N, 1)) or the values
        are not finite.
    TypeError
        If an argument is None or not numeric.

    Examples
    --------
    >>> import numpy as np
    >>> mse(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    0.5
    """
    y_true, y_pred, _ = _pair(y_true, y_pred, "mse")
    diff = y_pred - y_true  # (N, K)
    return _mean(diff * diff)


def mse_grad(y_true, y_pred):
    """Gradient of :func:`mse` with respect to ``y_pred``: ``2 (y_pred - y_true) / (N K)``.

    Parameters
    ----------
    y_true : ndarray of shape (N,) or (N, K)
        Targets.
    y_pred : ndarray of the same shape as ``y_true``
        Predictions.

    Returns
    -------
    dy_pred : ndarray of y_pred's shape and dtype
    """
    y_true, y_pred, _ = _pair(y_true, y_pred, "mse_grad")
    return 2 * (y_pred - y_true) / max(y_pred.size, 1)  # (N, K)


def mae(y_true, y_pred) -> float:
    """Mean absolute error ``mean(|y_pred - y_true|)``.

    Parameters
    ----------
    y_true : ndarray of shape (N,) or (N, K)
        Targets.
    y_pred : ndarray of the same shape as ``y_true``
        Predictions.

    Returns
    -------
    float
        Mean over the outputs, then over the batch
        (``keras.losses.MeanAbsoluteError``). Less sensitive to outliers
        than :func:`mse`.

    Examples
    --------
    >>> import numpy as np
    >>> mae(np.array([0.0, 0.0]), np.array([1.0, -3.0]))
    2.0
    """
    y_true, y_pred, xp = _pair(y_true, y_pred, "mae")
    return _mean(xp.abs(y_pred - y_true))


def mae_grad(y_true, y_pred):
    """Gradient of :func:`mae`: ``sign(y_pred - y_true) / (N K)``.

    ``|e|`` has no derivative at ``e == 0``; we use the subgradient 0 there,
    as TensorFlow does.

    Returns
    -------
    dy_pred : ndarray of y_pred's shape and dtype
    """
    y_true, y_pred, xp = _pair(y_true, y_pred, "mae_grad")
    return xp.sign(y_pred - y_true) / max(y_pred.size, 1)  # (N, K)


def huber(y_true, y_pred, delta=1.0) -> float:
    """Huber loss: quadratic for errors up to ``delta``, linear beyond.

    Parameters
    ----------
    y_true : ndarray of shape (N,) or (N, K)
        Targets.
    y_pred : ndarray of the same shape as ``y_true``
        Predictions.
    delta : float, default 1.0
        Where the loss changes from quadratic to linear; must be > 0.

    Returns
    -------
    float
        Mean over the outputs, then over the batch
        (``keras.losses.Huber(delta=delta)``).

    Notes
    -----
    With ``e = y_pred - y_true``::

        loss(e) = 0.5 * e**2                         if |e| <= delta
                  delta * |e| - 0.5 * delta**2       otherwise

    Examples
    --------
    >>> import numpy as np
    >>> huber(np.array([0.0, 0.0]), np.array([0.5, 3.0]))
    1.3125
    """
    delta = _checks.check_positive(delta, where="huber", name="delta")
    y_true, y_pred, xp = _pair(y_true, y_pred, "huber")
    err = y_pred - y_true  # (N, K)
    abs_err = xp.abs(err)
    per_entry = xp.where(abs_err <= delta, 0.5 * err * err, delta * abs_err - 0.5 * delta**2)
    return _mean(per_entry)


def huber_grad(y_true, y_pred, delta=1.0):
    """Gradient of :func:`huber`: ``e`` inside ``[-delta, delta]``, ``delta * sign(e)`` outside, over N K.

    Returns
    -------
    dy_pred : ndarray of y_pred's shape and dtype
    """
    delta = _checks.check_positive(delta, where="huber_grad", name="delta")
    y_true, y_pred, xp = _pair(y_true, y_pred, "huber_grad")
    err = y_pred - y_true  # (N, K)
    # Clipping the error to [-delta, delta] is exactly the piecewise derivative.
    return xp.clip(err, -delta, delta) / max(y_pred.size, 1)  # (N, K)


# --------------------------------------------------------------------------- cross-entropies on probabilities


def _bce_inputs(y_true, y_pred, where):
    y_true, y_pred, xp = _pair(y_true, y_pred, where)
    _check_unit_interval(y_true, where, "y_true (targets)", "Binary cross-entropy needs 0/1 labels.")
    _check_probabilities(y_pred, where, "sigmoid", "sigmoid_binary_crossentropy")
    return y_true, y_pred, xp


def binary_crossentropy(y_true, y_pred) -> float:
    """Binary cross-entropy of probabilities ``y_pred`` against 0/1 targets.

    Parameters
    ----------
    y_true : ndarray of shape (N,) or (N, K)
        Targets in [0, 1] (one column per independent binary label).
    y_pred : ndarray of the same shape as ``y_true``
        Predicted probabilities in [0, 1], e.g. sigmoid outputs.

    Returns
    -------
    float
        Mean over the K labels, then over the batch
        (``keras.losses.BinaryCrossentropy()``).

    Raises
    ------
    ValueError
        If the shapes differ, values are not finite, or ``y_true`` or
        ``y_pred`` leave [0, 1] (logits passed by mistake).

    Notes
    -----
    ``-(y log p + (1 - y) log(1 - p))`` is infinite at ``p = 0`` or 1, so,
    like Keras, ``p`` is first clipped to ``[EPSILON, 1 - EPSILON]`` with
    ``EPSILON = 1e-7``: the loss of one entry is at most about 16.1. For
    training from logits, :func:`sigmoid_binary_crossentropy` is exact and
    needs no clipping.

    Examples
    --------
    >>> import numpy as np
    >>> round(binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2])), 6)
    0.164252
    """
    y_true, y_pred, xp = _bce_inputs(y_true, y_pred, "binary_crossentropy")
    p = xp.clip(y_pred, EPSILON, 1 - EPSILON)  # (N, K)
    return _mean(-(y_true * xp.log(p) + (1 - y_true) * xp.log(1 - p)))


def binary_crossentropy_grad(y_true, y_pred):
    """Gradient of :func:`binary_crossentropy` with respect to ``y_pred``.

    ``(-(y / p) + (1 - y) / (1 - p)) / (N K)`` where ``y_pred`` lies inside the
    clipping range, 0 where clipping flattened the loss (as TensorFlow's
    ``clip_by_value`` gradient does).

    Returns
    -------
    dy_pred : ndarray of y_pred's shape and dtype
    """
    y_true, y_pred, xp = _bce_inputs(y_true, y_pred, "binary_crossentropy_grad")
    low, high = EPSILON, 1 - EPSILON
    p = xp.clip(y_pred, low, high)  # (N, K)
    inside = (y_pred >= low) & (y_pred <= high)  # (N, K)
    grad = (-y_true / p + (1 - y_true) / (1 - p)) / max(y_pred.size, 1)  # (N, K)
    return xp.where(inside, grad, 0).astype(y_pred.dtype, copy=False)


def _categorical_inputs(y_true, y_pred, where):
    xp = array_module_of(y_true, y_pred)
    y_pred = _float_array(y_pred, where, "y_pred", xp)
    y_true = _float_array(y_true, where, "y_true", xp, dtype=y_pred.dtype)
    _require_2d(y_pred, where, "y_pred", _ONE_ROW_FIX.format(name="y_pred"))
    _require_rows(y_true, where, "y_true", _fmt(y_pred.shape))
    _checks.check_same_rows(y_pred, y_true, where=where, x_name="y_pred", y_name="y_true")
    if y_true.shape != y_pred.shape:
        fix = None
        if y_true.ndim == 1:
            fix = "For integer labels use sparse_categorical_crossentropy, or one-hot encode them."
        message = (
            f"{where}: expected y_true (one-hot) of shape {_fmt(y_pred.shape)} (the shape of y_pred); "
            f"got {_fmt(y_true.shape)}."
        )
        raise ValueError(message + (f" {fix}" if fix else ""))
    _check_unit_interval(y_true, where, "y_true (one-hot or probabilities)")
    _check_probabilities(y_pred, where, "softmax", "softmax_cross_entropy")
    return y_true, y_pred, xp


def categorical_crossentropy(y_true, y_pred) -> float:
    """Categorical cross-entropy of class probabilities against one-hot targets.

    Parameters
    ----------
    y_true : ndarray of shape (N, C)
        One-hot targets (or target probabilities).
    y_pred : ndarray of shape (N, C)
        Predicted class probabilities, e.g. softmax outputs.

    Returns
    -------
    float
        ``mean_n( -sum_c y_true[n, c] * log(p[n, c]) )``: summed over the C
        classes, averaged over the batch
        (``keras.losses.CategoricalCrossentropy()``).

    Raises
    ------
    ValueError
        If the shapes differ, ``y_pred`` is not 2-D, values are not finite,
        or values leave [0, 1].

    Notes
    -----
    As in Keras, each row of ``y_pred`` is first renormalised to sum to 1,
    ``p = y_pred / y_pred.sum(axis=1)``, then clipped to
    ``[EPSILON, 1 - EPSILON]`` so that ``log`` never sees 0. For training from
    logits, :func:`softmax_cross_entropy` is exact and needs no clipping.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([[0.0, 1.0, 0.0]])
    >>> round(categorical_crossentropy(y, np.array([[0.05, 0.9, 0.05]])), 6)
    0.105361
    """
    y_true, y_pred, xp = _categorical_inputs(y_true, y_pred, "categorical_crossentropy")
    p = y_pred / xp.sum(y_pred, axis=1, keepdims=True)  # (N, C)
    p = xp.clip(p, EPSILON, 1 - EPSILON)
    return _mean(-xp.sum(y_true * xp.log(p), axis=1))


def categorical_crossentropy_grad(y_true, y_pred):
    """Gradient of :func:`categorical_crossentropy` with respect to ``y_pred``.

    Returns
    -------
    dy_pred : ndarray of shape (N, C)
        The gradient through the renormalisation and the clipping (zero
        through clipped entries). For probabilities that sum to 1 and one-hot
        targets it is ``(1 - y_true / y_pred) / N``.

    Notes
    -----
    With ``s = sum_c y_pred[c]``, ``p = y_pred / s`` and
    ``g = -y_true / clip(p)`` (0 where ``p`` was clipped)::

        dy_pred = (g - sum_c(g * p)) / s / N
    """
    y_true, y_pred, xp = _categorical_inputs(y_true, y_pred, "categorical_crossentropy_grad")
    n = max(y_pred.shape[0], 1)
    s = xp.sum(y_pred, axis=1, keepdims=True)  # (N, 1)
    p = y_pred / s  # (N, C)
    inside = (p >= EPSILON) & (p <= 1 - EPSILON)  # (N, C)
    g = xp.where(inside, -y_true / xp.clip(p, EPSILON, 1 - EPSILON), 0)  # (N, C) dL/dp
    dy_pred = (g - xp.sum(g * p, axis=1, keepdims=True)) / s  # (N, C) through p = y_pred / s
    return (dy_pred / n).astype(y_pred.dtype, copy=False)


def _sparse_inputs(y_true, y_pred, where):
    xp = array_module_of(y_true, y_pred)
    y_pred = _float_array(y_pred, where, "y_pred", xp)
    _require_2d(y_pred, where, "y_pred", _ONE_ROW_FIX.format(name="y_pred"))
    y_true = _checks.check_array(y_true, where=where, name="y_true", xp=xp)
    _require_rows(y_true, where, "y_true", f"({y_pred.shape[0]},)")
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true.reshape(-1)  # (N, 1) labels, as Keras accepts
    if y_true.ndim == 2 and y_true.shape == y_pred.shape:
        raise ValueError(
            f"{where}: expected integer labels y_true of shape ({y_pred.shape[0]},); "
            f"got one-hot-looking shape {_fmt(y_true.shape)}. "
            "Use categorical_crossentropy for one-hot targets, or pass y_true.argmax(axis=1)."
        )
    _checks.check_same_rows(y_pred, y_true, where=where, x_name="y_pred", y_name="y_true")
    labels = _checks.check_labels(y_true, y_pred.shape[1], where=where, name="y_true")
    _check_probabilities(y_pred, where, "softmax", "softmax_cross_entropy")
    return labels, y_pred, xp


def sparse_categorical_crossentropy(y_true, y_pred) -> float:
    """Categorical cross-entropy with integer class labels.

    Parameters
    ----------
    y_true : ndarray of shape (N,)
        Class labels in ``0 .. C-1`` (shape (N, 1) is accepted too).
    y_pred : ndarray of shape (N, C)
        Predicted class probabilities.

    Returns
    -------
    float
        ``mean_n( -log p[n, y_true[n]] )``, averaged over the batch
        (``keras.losses.SparseCategoricalCrossentropy()``).

    Raises
    ------
    ValueError
        If labels are out of range or not whole numbers, rows differ,
        ``y_pred`` is not 2-D, or values are not finite or leave [0, 1].

    Notes
    -----
    Exactly as Keras computes it: ``q = clip(y_pred, EPSILON, 1 - EPSILON)``,
    then the softmax cross-entropy of the logits ``log q``, that is
    ``-log q[y] + log(sum_c q[c])``. For probabilities that sum to 1 and are
    not clipped this is ``-log y_pred[y]``.

    Examples
    --------
    >>> import numpy as np
    >>> probs = np.array([[0.05, 0.9, 0.05], [0.2, 0.3, 0.5]])
    >>> round(sparse_categorical_crossentropy(np.array([1, 2]), probs), 6)
    0.399254
    """
    labels, y_pred, xp = _sparse_inputs(y_true, y_pred, "sparse_categorical_crossentropy")
    q = xp.clip(y_pred, EPSILON, 1 - EPSILON)  # (N, C)
    rows = xp.arange(q.shape[0])
    per_sample = -xp.log(q[rows, labels]) + xp.log(xp.sum(q, axis=1))  # (N,)
    return _mean(per_sample)


def sparse_categorical_crossentropy_grad(y_true, y_pred):
    """Gradient of :func:`sparse_categorical_crossentropy` with respect to ``y_pred``.

    Returns
    -------
    dy_pred : ndarray of shape (N, C)
        ``(-onehot(y) / q + 1 / sum(q)) / N`` with ``q`` the clipped
        probabilities, 0 through clipped entries. For probabilities that sum
        to 1 this is ``(1 - onehot(y) / y_pred) / N``.
    """
    labels, y_pred, xp = _sparse_inputs(y_true, y_pred, "sparse_categorical_crossentropy_grad")
    n = max(y_pred.shape[0], 1)
    low, high = EPSILON, 1 - EPSILON
    q = xp.clip(y_pred, low, high)  # (N, C)
    inside = (y_pred >= low) & (y_pred <= high)  # (N, C)
    rows = xp.arange(q.shape[0])
    dq = xp.broadcast_to(1 / xp.sum(q, axis=1, keepdims=True), q.shape).copy()  # (N, C)
    dq[rows, labels] -= 1 / q[rows, labels]
    return (xp.where(inside, dq, 0) / n).astype(y_pred.dtype, copy=False)  # (N, C)


# --------------------------------------------------------------------------- fused losses on logits


def softmax_cross_entropy(logits, y, *, check_input=True):
    """Softmax followed by cross-entropy, fused: returns the loss and ``dlogits``.

    Parameters
    ----------
    logits : ndarray of shape (N, C)
        Scores of the output layer before softmax.
    y : ndarray of shape (N,) or (N, C)
        Integer class labels in ``0 .. C-1``, or one-hot targets /
        probabilities whose rows sum to 1.
    check_input : bool, default True
        Check the arrays (see Raises). ``MLP`` passes False for data it has
        checked once; then ``logits`` must be a floating (N, C) array and
        ``y`` int64 labels in range or (N, C) targets of ``logits``' dtype.

    Returns
    -------
    loss : float
        Mean over the batch of ``-log softmax(logits)[n, y[n]]``, equal to
        ``keras.losses.CategoricalCrossentropy(from_logits=True)`` (or the
        sparse version for integer labels).
    dlogits : ndarray of shape (N, C)
        ``(softmax(logits) - Y) / N`` with ``Y`` the one-hot targets.

    Raises
    ------
    ValueError
        If ``logits`` is not 2-D, rows differ, labels are out of range,
        targets leave [0, 1] or do not sum to 1, or values are not finite.

    Notes
    -----
    Computed with log-sum-exp: with ``m`` the row maximum,
    ``log softmax(z) = z - m - log(sum(exp(z - m)))``, so no exponent is
    positive and logits of 1e4 neither overflow nor give ``log(0)``. Fusing
    the two also gives the simple gradient ``p - y``, which is why output
    layers are trained from logits.

    Examples
    --------
    >>> import numpy as np
    >>> loss, dlogits = softmax_cross_entropy(np.array([[1e4, 0.0]]), np.array([1]))
    >>> loss
    10000.0
    >>> dlogits
    array([[ 1., -1.]])
    """
    if check_input:
        logits, y = _check_softmax_inputs(logits, y)
    xp = array_module_of(logits)
    n = logits.shape[0]
    shifted = logits - xp.max(logits, axis=1, keepdims=True)  # (N, C), all <= 0
    log_sum = xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))  # (N, 1), in [0, log C]
    log_probs = shifted - log_sum  # (N, C)
    dlogits = xp.exp(log_probs)  # (N, C): the probabilities, minus the targets below
    if y.ndim == 1:
        rows = xp.arange(n)
        per_sample = -log_probs[rows, y]  # (N,)
        dlogits[rows, y] -= 1
    else:
        per_sample = -xp.sum(y * log_probs, axis=1)  # (N,)
        dlogits -= y
    dlogits /= max(n, 1)
    return _mean(per_sample), dlogits


def _check_softmax_inputs(logits, y):
    """Validate softmax_cross_entropy's arrays; return logits and the labels (int64) or targets."""
    where = "softmax_cross_entropy"
    xp = array_module_of(logits, y)
    logits = _float_array(logits, where, "logits", xp)
    _require_2d(
        logits,
        where,
        "logits",
        "For one binary output per sample use sigmoid_binary_crossentropy; for a single sample "
        "use logits.reshape(1, -1).",
    )
    y = _checks.check_array(y, where=where, name="y", xp=xp)
    _require_rows(y, where, "y", f"({logits.shape[0]},) or {_fmt(logits.shape)}")
    _checks.check_same_rows(logits, y, where=where, x_name="logits", y_name="y")
    n, c = logits.shape
    if y.ndim == 1:
        return logits, _checks.check_labels(y, c, where=where, name="y")
    if y.shape != logits.shape:
        raise ValueError(
            f"{where}: expected y as labels of shape ({n},) or one-hot of shape "
            f"{_fmt(logits.shape)}; got {_fmt(y.shape)}."
        )
    y_onehot = y.astype(logits.dtype, copy=False)
    _check_unit_interval(y_onehot, where, "y (one-hot or probabilities)")
    row_sums = xp.sum(y_onehot, axis=1)  # (N,)
    tolerance = float(np.finfo(logits.dtype).eps) ** 0.5  # rounding in a row of float probabilities
    if n and float(xp.max(xp.abs(row_sums - 1))) > tolerance:
        raise ValueError(
            f"{where}: expected each row of y to sum to 1 (one-hot or probabilities); "
            f"got row sums from {float(row_sums.min()):.4g} to {float(row_sums.max()):.4g}."
        )
    return logits, y_onehot


def sigmoid_binary_crossentropy(logits, y, *, check_input=True):
    """Sigmoid followed by binary cross-entropy, fused: returns the loss and ``dlogits``.

    Parameters
    ----------
    logits : ndarray of shape (N,) or (N, K)
        Scores before the sigmoid, one column per binary label.
    y : ndarray of the same shape as ``logits``
        Targets in [0, 1].
    check_input : bool, default True
        Check the arrays (see Raises). ``MLP`` passes False for data it has
        checked once; then ``y`` must be a floating array of ``logits``'
        shape and dtype, in [0, 1].

    Returns
    -------
    loss : float
        Mean over the K labels, then over the batch, equal to
        ``keras.losses.BinaryCrossentropy(from_logits=True)``.
    dlogits : ndarray of logits' shape
        ``(sigmoid(logits) - y) / (N K)``.

    Raises
    ------
    ValueError
        If the shapes differ, ``y`` leaves [0, 1], or values are not finite.

    Notes
    -----
    ``-(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))`` simplifies to the
    stable form ``max(z, 0) - z * y + log1p(exp(-|z|))``: the exponent is
    never positive and no probability is clipped, so the loss stays exact
    for ``|z|`` around 1e4.

    Examples
    --------
    >>> import numpy as np
    >>> loss, dlogits = sigmoid_binary_crossentropy(np.array([0.0, 1e4]), np.array([1.0, 0.0]))
    >>> round(loss, 4)
    5000.3466
    >>> dlogits
    array([-0.25,  0.5 ])
    """
    if check_input:
        where = "sigmoid_binary_crossentropy"
        y, logits, _ = _pair(y, logits, where, true_name="y", pred_name="logits")
        _check_unit_interval(y, where, "y (targets)", "Binary cross-entropy needs 0/1 labels.")
    xp = array_module_of(logits)
    z = logits
    per_entry = xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))  # (N, K)
    dlogits = (sigmoid(z) - y) / max(z.size, 1)  # (N, K)
    return _mean(per_entry), dlogits


# --------------------------------------------------------------------------- Loss objects


@dataclass(frozen=True)
class Loss:
    """A loss function bundled with its gradient.

    Parameters
    ----------
    name : str
        Canonical name, e.g. ``"mse"``.
    value : callable
        ``value(y_true, y_pred) -> float``, the mean over the batch.
    grad : callable
        ``grad(y_true, y_pred) -> dy_pred`` with ``y_pred``'s shape.

    Examples
    --------
    >>> import numpy as np
    >>> loss = get_loss("mse")
    >>> loss.value(np.zeros(2), np.ones(2)), loss.grad(np.zeros(2), np.ones(2))
    (1.0, array([1., 1.]))
    """

    name: str
    value: Callable
    grad: Callable

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", mse, mse_grad),
    "mae": Loss("mae", mae, mae_grad),
    "huber": Loss("huber", huber, huber_grad),
    "binary_crossentropy": Loss("binary_crossentropy", binary_crossentropy, binary_crossentropy_grad),
    "categorical_crossentropy": Loss(
        "categorical_crossentropy", categorical_crossentropy, categorical_crossentropy_grad
    ),
    "sparse_categorical_crossentropy": Loss(
        "sparse_categorical_crossentropy",
        sparse_categorical_crossentropy,
        sparse_categorical_crossentropy_grad,
    ),
}

_ALIASES = {"mean_squared_error": "mse", "mean_absolute_error": "mae"}


def get_loss(name):
    """Return the :class:`Loss` called ``name``.

    Parameters
    ----------
    name : str or Loss
        ``"mse"`` (alias ``"mean_squared_error"``), ``"mae"`` (alias
        ``"mean_absolute_error"``), ``"huber"`` (delta 1.0),
        ``"binary_crossentropy"``, ``"categorical_crossentropy"`` or
        ``"sparse_categorical_crossentropy"``; a ``Loss`` is returned as is.

    Returns
    -------
    Loss

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the known names.
    TypeError
        If ``name`` is neither a string nor a ``Loss``.

    Examples
    --------
    >>> get_loss("mean_squared_error")
    Loss('mse')
    """
    if isinstance(name, Loss):
        return name
    if not isinstance(name, str):
        raise TypeError(f"get_loss: expected name as a string or a Loss; got {type(name).__name__} {name!r}.")
    known = sorted(set(LOSSES) | set(_ALIASES))
    _checks.check_choice(name, known, where="get_loss", name="name")
    return LOSSES[_ALIASES.get(name, name)]
