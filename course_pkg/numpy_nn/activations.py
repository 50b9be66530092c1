"""Activation functions, their derivatives, and the ``Activation`` objects layers use.

Every function takes the pre-activation ``z`` (any shape; a batch is ``(N, M)``)
and works on NumPy and CuPy arrays alike. Derivatives also take ``z``, never the
activation's output; the one output-based shortcut is named so
(:func:`sigmoid_grad_from_output`).

All functions are numerically stable for ``|z|`` up to 1e4 and beyond in float32
and float64: no overflow warning and no NaN. They keep a floating dtype
(float32 in, float32 out); integer and boolean input is promoted to float64.
Inputs are never modified in place.

Examples
--------
>>> import numpy as np
>>> z = np.array([[-2.0, 0.0, 3.0]])
>>> relu(z)
array([[0., 0., 3.]])
>>> get_activation("relu").backward(z, np.ones_like(z))
array([[0., 0., 1.]])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

from course_pkg import _checks
from course_pkg.numpy_nn.backend import array_module_of

__all__ = [
    "heaviside",
    "heaviside_grad",
    "sign",
    "sign_grad",
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad_from_output",
    "tanh",
    "tanh_grad",
    "relu",
    "relu_grad",
    "softplus",
    "softplus_grad",
    "softmax",
    "softmax_vjp",
    "linear",
    "linear_grad",
    "Activation",
    "ACTIVATIONS",
    "get_activation",
]


def _as_float(z, where: str, name: str = "z"):
    """Validate ``z`` and return it as a floating array (float64 for int/bool input)."""
    xp = array_module_of(z)
    # finite=False: activations must map inf and huge values to their limits, not refuse them.
    z = _checks.check_array(z, where=where, name=name, finite=False, xp=xp)
    if z.dtype.kind != "f":
        z = z.astype(xp.float64)
    return z


def _check_upstream(z, dA, where: str):
    """Validate the upstream gradient ``dA`` against ``z`` (same shape, no broadcasting)."""
    xp = array_module_of(z, dA)
    dA = _checks.check_array(dA, where=where, name="dA", finite=False, xp=xp)
    if dA.shape != z.shape:
        raise ValueError(
            f"{where}: expected dA of shape {_checks.format_shape(z.shape)} (the shape of z); "
            f"got {_checks.format_shape(dA.shape)}."
        )
    return dA


# --------------------------------------------------------------------------- step functions


def heaviside(z):
    """Heaviside step: 0 where ``z < 0``, 1 elsewhere (1 at ``z == 0``).

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        0.0 or 1.0 (NaN stays NaN).

    Examples
    --------
    >>> import numpy as np
    >>> heaviside(np.array([-1.5, 0.0, 2.0]))
    array([0., 1., 1.])
    """
    z = _as_float(z, "heaviside")
    xp = array_module_of(z)
    return xp.heaviside(z, xp.asarray(1, dtype=z.dtype))


def heaviside_grad(z):
    """Derivative of :func:`heaviside`: zero everywhere it exists.

    The step is flat on both sides of 0 and jumps at 0 (no derivative there),
    so its gradient is 0 almost everywhere. Backpropagation therefore sends
    no signal through a step unit and gradient descent cannot train the
    weights before it; this is why the perceptron uses its own update rule
    and why multilayer networks replaced the step by sigmoid, tanh or ReLU.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Zeros.
    """
    z = _as_float(z, "heaviside_grad")
    return array_module_of(z).zeros_like(z)


def sign(z):
    """Sign function: -1 where ``z < 0``, 0 at ``z == 0``, +1 where ``z > 0``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        -1.0, 0.0 or 1.0 (NaN stays NaN).

    Examples
    --------
    >>> import numpy as np
    >>> sign(np.array([-3.0, 0.0, 0.5]))
    array([-1.,  0.,  1.])
    """
    z = _as_float(z, "sign")
    return array_module_of(z).sign(z)


def sign_grad(z):
    """Derivative of :func:`sign`: zero everywhere it exists.

    Like the Heaviside step, ``sign`` is piecewise constant: its derivative is
    0 except at ``z == 0``, where it does not exist. Gradient descent gets no
    signal through it and cannot train the weights that feed it.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Zeros.
    """
    z = _as_float(z, "sign_grad")
    return array_module_of(z).zeros_like(z)


# --------------------------------------------------------------------------- smooth functions


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values in [0, 1].

    Notes
    -----
    The naive formula overflows in ``exp(-z)`` for large negative ``z``
    (unsafe). With ``e = exp(-|z|)``, which lies in (0, 1]::

        sigmoid(z) = 1 / (1 + e)   where z >= 0
                   = e / (1 + e)   where z <  0

    One expression covers both cases: the numerator ``exp(min(z, 0))`` is
    1 where ``z >= 0`` and exactly ``e`` where ``z < 0``. It gives the same
    bits as selecting between the two fractions with ``where``, without
    computing both fractions everywhere (about three times faster).

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1e4, 0.0, 1e4]))
    array([0. , 0.5, 1. ])
    """
    z = _as_float(z, "sigmoid")
    xp = array_module_of(z)
    e = xp.exp(-xp.abs(z))  # in (0, 1]: never overflows
    return xp.exp(xp.minimum(z, 0)) / (1 + e)  # numerator: 1 where z >= 0, e where z < 0


def sigmoid_grad(z):
    """Derivative of the sigmoid with respect to its input ``z``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation (not the sigmoid's output).

    Returns
    -------
    ndarray of the same shape as ``z``
        ``sigmoid(z) * (1 - sigmoid(z))``, at most 0.25 (at ``z == 0``).

    Notes
    -----
    Computed as ``e / (1 + e)**2`` with ``e = exp(-|z|)`` (the derivative is
    even in ``z``), which stays accurate in the tails where ``1 - sigmoid(z)``
    would round to 0.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    z = _as_float(z, "sigmoid_grad")
    xp = array_module_of(z)
    e = xp.exp(-xp.abs(z))
    return e / (1 + e) ** 2


def sigmoid_grad_from_output(a):
    """Sigmoid derivative from the sigmoid's OUTPUT ``a = sigmoid(z)``: ``a * (1 - a)``.

    A shortcut when the forward pass kept ``a``. Passing ``z`` here by
    mistake gives a wrong gradient without any error, which is why the name
    says "from output"; prefer :func:`sigmoid_grad` on ``z``.

    Parameters
    ----------
    a : ndarray of any shape
        Sigmoid output, values in [0, 1].

    Returns
    -------
    ndarray of the same shape as ``a``

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_grad_from_output(np.array([0.5]))
    array([0.25])
    """
    a = _as_float(a, "sigmoid_grad_from_output", name="a")
    return a * (1 - a)


def tanh(z):
    """Hyperbolic tangent ``(e^z - e^-z) / (e^z + e^-z) = 2 * sigmoid(2z) - 1``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values in [-1, 1], centred on 0.

    Examples
    --------
    >>> import numpy as np
    >>> tanh(np.array([-1e4, 0.0, 1e4]))
    array([-1.,  0.,  1.])
    """
    z = _as_float(z, "tanh")
    return array_module_of(z).tanh(z)  # the library's tanh is stable for any z


def tanh_grad(z):
    """Derivative of tanh with respect to ``z``: ``1 - tanh(z)**2``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values in [0, 1], 1 at ``z == 0``.

    Notes
    -----
    Computed as ``4 e / (1 + e)**2`` with ``e = exp(-2|z|)``, which equals
    ``1 - tanh(z)**2 = 1 / cosh(z)**2`` but stays accurate in the tails,
    where ``tanh(z)**2`` rounds to 1.

    Examples
    --------
    >>> import numpy as np
    >>> tanh_grad(np.array([0.0, 1e4]))
    array([1., 0.])
    """
    z = _as_float(z, "tanh_grad")
    xp = array_module_of(z)
    e = xp.exp(-2 * xp.abs(z))  # in (0, 1]: never overflows
    return 4 * e / (1 + e) ** 2


def relu(z):
    """Rectified linear unit ``max(z, 0)``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    z = _as_float(z, "relu")
    xp = array_module_of(z)
    return xp.maximum(z, xp.asarray(0, dtype=z.dtype))


def relu_grad(z):
    """Derivative of ReLU: 1 where ``z > 0``, else 0.

    At the kink ``z == 0`` the derivative does not exist; like TensorFlow we
    use 0 there.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        0.0 or 1.0.

    Examples
    --------
    >>> import numpy as np
    >>> relu_grad(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    z = _as_float(z, "relu_grad")
    return (z > 0).astype(z.dtype)


def softplus(z):
    """Softplus ``log(1 + exp(z))``, a smooth ReLU, computed without overflow.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Positive values.

    Notes
    -----
    ``log(1 + exp(z))`` overflows for large ``z`` (unsafe). The stable form is
    ``log1p(exp(-|z|)) + max(z, 0)``.

    Examples
    --------
    >>> import numpy as np
    >>> softplus(np.array([-1e4, 0.0, 1e4]))
    array([0.0000e+00, 6.9315e-01, 1.0000e+04])
    """
    z = _as_float(z, "softplus")
    xp = array_module_of(z)
    return xp.log1p(xp.exp(-xp.abs(z))) + xp.maximum(z, xp.asarray(0, dtype=z.dtype))


def softplus_grad(z):
    """Derivative of softplus with respect to ``z``: the sigmoid of ``z``.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        Values in [0, 1].
    """
    z = _as_float(z, "softplus_grad")
    return sigmoid(z)


def linear(z):
    """Identity activation (no activation): returns a copy of ``z`` as float.

    Parameters
    ----------
    z : ndarray of any shape
        Pre-activation.

    Returns
    -------
    ndarray of the same shape as ``z``
        A new array equal to ``z``, so callers may modify it freely.
    """
    z = _as_float(z, "linear")
    return z.copy()


def linear_grad(z):
    """Derivative of the identity: ones of ``z``'s shape."""
    z = _as_float(z, "linear_grad")
    return array_module_of(z).ones_like(z)


def softmax(z, axis=-1):
    """Softmax along ``axis``: ``exp(z) / sum(exp(z))``, max-shifted for stability.

    Parameters
    ----------
    z : ndarray of shape (N, C) (or any shape)
        Logits; each slice along ``axis`` becomes a probability distribution.
    axis : int, default -1
        The class axis.

    Returns
    -------
    ndarray of the same shape as ``z``
        Non-negative values that sum to 1 along ``axis``.

    Notes
    -----
    ``exp(z)`` overflows for logits around 1000 in float64 and 100 in
    float32 (unsafe). Softmax does not change when a constant is subtracted
    from every logit of a row, so we subtract the row maximum first: then
    every exponent is <= 0 and the largest term is exactly 1.

    A row that holds ``+inf``, or only ``-inf``, has no defined softmax and
    gives NaN, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[1000.0, 1000.0]]))
    array([[0.5, 0.5]])
    """
    z = _as_float(z, "softmax")
    xp = array_module_of(z)
    shifted = z - xp.max(z, axis=axis, keepdims=True)  # (N, C), every entry <= 0
    e = xp.exp(shifted)  # (N, C), in (0, 1]
    return e / xp.sum(e, axis=axis, keepdims=True)  # (N, C)


def softmax_vjp(z, dA, axis=-1):
    """Backward pass of softmax: the vector-Jacobian product ``dZ = dA @ J``.

    Parameters
    ----------
    z : ndarray of shape (N, C)
        Logits given to :func:`softmax`.
    dA : ndarray of shape (N, C)
        Gradient of the loss with respect to ``softmax(z)``.
    axis : int, default -1
        The class axis used in the forward pass.

    Returns
    -------
    dZ : ndarray of shape (N, C)
        Gradient of the loss with respect to ``z``.

    Raises
    ------
    ValueError
        If ``dA`` does not have the shape of ``z``.

    Notes
    -----
    With ``a = softmax(z)`` the Jacobian of one row is
    ``J = diag(a) - a a^T``, so without building it::

        dZ = a * (dA - sum(dA * a, axis, keepdims=True))

    Followed by cross-entropy this simplifies to ``a - y``; the fused
    :func:`course_pkg.numpy_nn.losses.softmax_cross_entropy` uses that.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_vjp(np.zeros((1, 2)), np.array([[1.0, 0.0]]))
    array([[ 0.25, -0.25]])
    """
    z = _as_float(z, "softmax_vjp")
    dA = _check_upstream(z, dA, "softmax_vjp")
    xp = array_module_of(z)
    a = softmax(z, axis=axis)  # (N, C)
    return a * (dA - xp.sum(dA * a, axis=axis, keepdims=True))  # (N, C)


# --------------------------------------------------------------------------- Activation objects


@dataclass(frozen=True)
class Activation:
    """An activation function bundled with its backward pass.

    Layers hold one of these and call ``forward(z)`` on the pre-activation
    and ``backward(z, dA)`` with the same ``z`` to get ``dZ``.

    Parameters
    ----------
    name : str
        Canonical name, e.g. ``"relu"``.
    forward : callable
        ``forward(z) -> a``, same shape as ``z``.
    backward : callable
        ``backward(z, dA) -> dZ``: the gradient with respect to ``z`` given
        the gradient ``dA`` with respect to ``a = forward(z)``; ``dA`` and
        ``dZ`` have ``z``'s shape. For elementwise functions this is
        ``dA * f_grad(z)``; for softmax it is :func:`softmax_vjp`.

    Examples
    --------
    >>> import numpy as np
    >>> act = get_activation("sigmoid")
    >>> act.name
    'sigmoid'
    >>> act.backward(np.zeros((1, 2)), np.array([[1.0, 2.0]]))
    array([[0.25, 0.5 ]])
    """

    name: str
    forward: Callable
    backward: Callable

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _elementwise_backward(grad_fn, where, z, dA):
    # A module-level function (bound with functools.partial) keeps Activation picklable.
    z = _as_float(z, where)
    dA = _check_upstream(z, dA, where)
    return dA * grad_fn(z)  # (N, M)


def _softmax_backward(z, dA):
    return softmax_vjp(z, dA, axis=-1)


def _make(name, forward, grad_fn):
    return Activation(
        name=name,
        forward=forward,
        backward=functools.partial(_elementwise_backward, grad_fn, f"Activation({name!r}).backward"),
    )


ACTIVATIONS: dict[str, Activation] = {
    "linear": _make("linear", linear, linear_grad),
    "sigmoid": _make("sigmoid", sigmoid, sigmoid_grad),
    "tanh": _make("tanh", tanh, tanh_grad),
    "relu": _make("relu", relu, relu_grad),
    "softplus": _make("softplus", softplus, softplus_grad),
    "softmax": Activation(name="softmax", forward=softmax, backward=_softmax_backward),
    "heaviside": _make("heaviside", heaviside, heaviside_grad),
    "sign": _make("sign", sign, sign_grad),
}

_ALIASES = {"identity": "linear"}


def get_activation(name):
    """Return the :class:`Activation` called ``name``.

    Parameters
    ----------
    name : str, Activation or None
        One of ``"linear"`` (aliases ``"identity"`` and ``None``),
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"softplus"``, ``"softmax"``,
        ``"heaviside"``, ``"sign"``; an ``Activation`` is returned as is.

    Returns
    -------
    Activation

    Raises
    ------
    ValueError
        If ``name`` is an unknown string; the message lists the known names.
    TypeError
        If ``name`` is neither a string, an ``Activation`` nor ``None``.

    Examples
    --------
    >>> get_activation("relu")
    Activation('relu')
    >>> get_activation(None)
    Activation('linear')
    """
    if isinstance(name, Activation):
        return name
    if name is None:
        return ACTIVATIONS["linear"]
    if not isinstance(name, str):
        raise TypeError(
            f"get_activation: expected name as a string, an Activation or None; "
            f"got {type(name).__name__} {name!r}."
        )
    known = sorted(set(ACTIVATIONS) | set(_ALIASES))
    _checks.check_choice(name, known, where="get_activation", name="name")
    return ACTIVATIONS[_ALIASES.get(name, name)]
