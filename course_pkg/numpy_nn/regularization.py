"""Weight regularisation from scratch: the L2 penalty and decoupled weight decay.

Two ways to keep weights small, often both called "weight decay", which coincide for plain SGD and
differ for adaptive optimizers such as Adam (Loshchilov & Hutter, 2019):

* **L2 regularisation** adds ``lam * sum(W ** 2)`` to the loss. Its gradient ``2 * lam * W`` joins the
  loss gradient *before* the optimizer sees it, so Adam divides it by its running scale like every
  other gradient. This is Keras's ``kernel_regularizer=keras.regularizers.L2(lam)``.
* **Decoupled weight decay** leaves the loss alone and shrinks each weight directly,
  ``W <- W - learning_rate * weight_decay * W``, next to the optimizer's own step. This is AdamW, and
  Keras 3's ``weight_decay=`` argument of every optimizer.

For SGD with learning rate ``lr`` the two are the same update when ``weight_decay = 2 * lam``:
``W - lr * (g + 2 * lam * W)``. Chapter 12 shows both, and the tests check each against Keras.

Examples
--------
>>> import numpy as np
>>> W = np.array([[1.0, -2.0], [0.5, 0.0]])
>>> float(l2_penalty([W], 0.1))                  # 0.1 * (1 + 4 + 0.25)
0.525
>>> l2_penalty_grads([W], 0.1)[0]
array([[ 0.2, -0.4],
       [ 0.1,  0. ]])
>>> decay_weights([W], learning_rate=0.5, weight_decay=0.1)[0]   # W * (1 - 0.05)
array([[ 0.95 , -1.9  ],
       [ 0.475,  0.   ]])
"""

from __future__ import annotations

from typing import Sequence

from course_pkg import _checks
from course_pkg._arrays import array_module_of

__all__ = ["l2_penalty", "l2_penalty_grads", "decay_weights"]


def _weight_list(weights, where: str) -> list:
    """The arrays of ``weights`` (a list or tuple of float arrays), checked."""
    if not isinstance(weights, (list, tuple)):
        _checks.fail(
            where,
            "a list of weight arrays, e.g. [W1, W2]",
            type(weights).__name__,
            "Wrap a single array in a list: [W].",
            exc=TypeError,
        )
    return [_checks.check_array(w, where=where, name=f"weights[{i}]") for i, w in enumerate(weights)]


def _strength(value, where: str, name: str) -> float:
    """A regularisation strength: a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        _checks.fail(where, f"{name} as a number >= 0", type(value).__name__, exc=TypeError)
    value = float(value)
    if not value >= 0 or value == float("inf"):
        _checks.fail(where, f"{name} >= 0 and finite", repr(value), f"Pass e.g. {name}=1e-4.")
    return value


def l2_penalty(weights: Sequence, lam: float) -> float:
    """The L2 penalty ``lam * sum of W ** 2`` over every array in ``weights``.

    Parameters
    ----------
    weights : list of ndarray
        The regularised parameters, usually the kernels only (biases are left alone), each of any
        shape, e.g. ``[W1 (D, H), W2 (H, C)]``.
    lam : float
        The strength, >= 0: the ``l2`` of ``keras.regularizers.L2(l2)``.

    Returns
    -------
    float
        The number added to the loss.

    Raises
    ------
    TypeError
        If ``weights`` is not a list or tuple of arrays, or ``lam`` is not a number.
    ValueError
        If ``lam`` is negative or not finite.
    """
    where = "l2_penalty"
    arrays = _weight_list(weights, where)
    lam = _strength(lam, where, "lam")
    return lam * float(sum(float((w.astype(float) ** 2).sum()) for w in arrays))


def l2_penalty_grads(weights: Sequence, lam: float) -> list:
    """The gradient of :func:`l2_penalty` with respect to each array: ``2 * lam * W``.

    Parameters
    ----------
    weights : list of ndarray
        As for :func:`l2_penalty`.
    lam : float
        The strength, >= 0.

    Returns
    -------
    list of ndarray
        One array per weight, of the same shape, to be added to the loss gradient of that weight
        before the optimizer's step.

    Raises
    ------
    TypeError, ValueError
        As for :func:`l2_penalty`.
    """
    where = "l2_penalty_grads"
    arrays = _weight_list(weights, where)
    lam = _strength(lam, where, "lam")
    return [2.0 * lam * w for w in arrays]


def decay_weights(weights: Sequence, *, learning_rate: float, weight_decay: float, inplace: bool = False) -> list:
    """Decoupled weight decay: ``W <- W - learning_rate * weight_decay * W`` for each array.

    AdamW applies this shrink to every decayed weight at each step, before the optimizer's own update
    with the gradient of the *unpenalised* loss, as Keras 3 does for ``weight_decay=``.

    Parameters
    ----------
    weights : list of ndarray
        The decayed parameters, each of any floating dtype and shape.
    learning_rate : float
        The optimizer's learning rate at this step, > 0.
    weight_decay : float
        The decay coefficient, >= 0 (Keras's ``weight_decay``; AdamW's default there is 0.004).
    inplace : bool, default False
        Change the arrays themselves (as an optimizer step does) instead of returning new ones.

    Returns
    -------
    list of ndarray
        The decayed weights (the same array objects when ``inplace``).

    Raises
    ------
    TypeError, ValueError
        If ``weights`` is not a list of arrays, ``learning_rate`` is not > 0 or ``weight_decay`` is
        negative.
    """
    where = "decay_weights"
    arrays = _weight_list(weights, where)
    learning_rate = _checks.check_positive(learning_rate, where=where, name="learning_rate")
    weight_decay = _strength(weight_decay, where, "weight_decay")
    factor = 1.0 - learning_rate * weight_decay
    if not inplace:
        return [w * factor for w in arrays]
    for w in arrays:
        xp = array_module_of(w)
        if not xp.issubdtype(w.dtype, xp.floating):
            _checks.fail(where, "floating-point weights to change in place", str(w.dtype), exc=TypeError)
        w *= factor
    return arrays
