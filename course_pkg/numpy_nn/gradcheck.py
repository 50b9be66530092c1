"""Gradient checking: compare a backward pass with centred finite differences.

A backward pass is easy to get subtly wrong (a transposed product, a missing
``1/N``, a sum over the wrong axis) and the network may still train a little.
The cure is to compare every analytic gradient with a numeric one:

``numeric_grad(f, x)``
    gradient of a scalar function ``f`` with respect to an array ``x``;
``numeric_vjp(f, x, dout)``
    gradient of ``sum(dout * f(x))`` for an array-valued ``f`` (what a
    backward pass computes given the upstream gradient ``dout``);
``rel_error(a, b)``
    the largest elementwise relative error between two gradients;
``check_layer(layer, X)``
    all of the above for any layer with ``forward``/``backward``/``params``/``grads``.

Gradient checks run in float64: with float32's 7 significant digits the
rounding error of ``f(x + h) - f(x - h)`` swamps the difference itself, so
the functions here refuse float32 arrays instead of reporting noise.

Examples
--------
>>> import numpy as np
>>> x = np.array([1.0, -2.0, 3.0])
>>> rel_error(numeric_grad(lambda v: float(np.sum(v ** 3)), x), 3 * x ** 2) < 1e-8
True
"""

from __future__ import annotations

import numpy as np

from course_pkg import _checks
from course_pkg.numpy_nn.backend import array_module_of, to_numpy

__all__ = ["numeric_grad", "numeric_vjp", "rel_error", "check_layer"]

_fmt = _checks.format_shape


def _check_float64(x, where: str, name: str = "x", fix: str = ""):
    """Require a writable float64 array: the check perturbs it in place."""
    if x is None or not hasattr(x, "dtype") or not hasattr(x, "shape"):
        raise TypeError(
            f"{where}: expected {name} as a float64 array (it is perturbed in place); "
            f"got {type(x).__name__}. Convert it with np.asarray({name}, dtype=np.float64) "
            f"and make f read that same array."
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{where}: expected {name} with dtype float64; got {x.dtype}. Use float64 for gradient "
            f"checks: in lower precision the rounding error of f(x + h) - f(x - h) is as large as the "
            f"difference itself.{fix}"
        )
    writeable = getattr(getattr(x, "flags", None), "writeable", True)
    if not writeable:
        raise ValueError(f"{where}: expected {name} as a writable array; got a read-only one. Pass a copy.")
    return x


def _as_scalar(value, where: str) -> float:
    arr = to_numpy(value)
    if arr.size != 1:
        raise TypeError(
            f"{where}: expected f to return a scalar; got an array of shape {_fmt(arr.shape)}. "
            f"For an array-valued f use numeric_vjp(f, x, dout)."
        )
    return float(arr.reshape(()))


def _centred_differences(g, x, h: float, where: str):
    """Return the array of ``(g(x + h e_i) - g(x - h e_i)) / 2h`` for a scalar-valued ``g``."""
    h = _checks.check_positive(h, where=where, name="h")
    xp = array_module_of(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape):
        old = float(x[idx])  # exact for float64
        try:
            x[idx] = old + h
            f_plus = g(x)
            x[idx] = old - h
            f_minus = g(x)
        finally:
            x[idx] = old  # restore exactly, even if g raised
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return xp.asarray(grad)


def numeric_grad(f, x, h=1e-5):
    """Numeric gradient of a scalar function ``f`` at ``x`` by centred differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It may ignore its argument and read ``x`` through
        a closure (e.g. the weights of a layer), because ``x`` is changed in
        place.
    x : ndarray of any shape, dtype float64
        The point. Each entry is perturbed in place by ``+h`` and ``-h`` and
        restored exactly afterwards (also if ``f`` raises).
    h : float, default 1e-5
        Step size.

    Returns
    -------
    grad : ndarray of x's shape, float64
        ``(f(x + h e_i) - f(x - h e_i)) / (2 h)`` for every entry ``i``.

    Raises
    ------
    TypeError
        If ``x`` is not a float64 array (float32 is refused: its rounding
        error is as large as the differences; cast the array, and what ``f``
        reads, to float64), or ``f`` does not return a scalar.
    ValueError
        If ``x`` is read-only or ``h <= 0``.

    Notes
    -----
    The error of centred differences is of order ``h**2`` (plus rounding of
    order ``eps * |f| / h``), so for smooth functions in float64 the relative
    error against the true gradient is typically below 1e-8. At kinks (ReLU
    at 0, the clipping of a loss) the numeric gradient is meaningless when
    ``x`` lies within ``h`` of the kink. ``f`` is called ``2 * x.size``
    times: use small shapes.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> numeric_grad(lambda v: float(np.sum(v ** 2)), x)
    array([[2., 4.],
           [6., 8.]])
    """
    where = "numeric_grad"
    if not callable(f):
        raise TypeError(f"{where}: expected f as a callable returning a float; got {type(f).__name__}.")
    x = _check_float64(x, where)
    return _centred_differences(lambda v: _as_scalar(f(v), where), x, h, where)


def numeric_vjp(f, x, dout, h=1e-5):
    """Numeric vector-Jacobian product: the gradient of ``sum(dout * f(x))`` at ``x``.

    This is what a backward pass computes: given the upstream gradient
    ``dout = dL/df``, return ``dL/dx``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of ``dout``'s shape. As in :func:`numeric_grad`
        it may read ``x`` through a closure.
    x : ndarray of any shape, dtype float64
        The point, perturbed in place and restored.
    dout : ndarray of the shape of ``f(x)``
        Upstream gradient. Use random values: with all ones, errors that
        only mix up rows or columns cancel out.
    h : float, default 1e-5
        Step size.

    Returns
    -------
    dx : ndarray of x's shape, float64

    Raises
    ------
    TypeError
        If ``x`` is not a float64 array.
    ValueError
        If ``f(x)`` does not have ``dout``'s shape, or ``h <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # (D, M) = (3, 2)
    >>> X = np.array([[1.0, 0.0, -1.0]])  # (N, D) = (1, 3)
    >>> dY = np.array([[1.0, -1.0]])  # (N, M)
    >>> numeric_vjp(lambda x: x @ W, X, dY)  # equals dY @ W.T
    array([[-1., -1., -1.]])
    """
    where = "numeric_vjp"
    if not callable(f):
        raise TypeError(f"{where}: expected f as a callable returning an array; got {type(f).__name__}.")
    x = _check_float64(x, where)
    xp = array_module_of(x, dout)
    dout = _checks.check_array(dout, where=where, name="dout", xp=xp)

    def projected(v):
        out = f(v)
        shape = tuple(getattr(out, "shape", ()))
        if shape != dout.shape:
            raise ValueError(
                f"{where}: expected f(x) of shape {_fmt(dout.shape)} (the shape of dout); "
                f"got {_fmt(shape)}."
            )
        return float(xp.sum(xp.asarray(out, dtype=xp.float64) * dout))  # reduce now: f may reuse its buffer

    return _centred_differences(projected, x, h, where)


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-12, |a| + |b|)``.

    Parameters
    ----------
    a, b : ndarray of the same shape
        Two gradients, e.g. analytic and numeric.

    Returns
    -------
    float
        Between 0.0 (identical arrays, or empty ones) and 1.0 (opposite
        signs, or one of the two is zero). NaN if either array holds NaN.

    Raises
    ------
    ValueError
        If the shapes differ (a gradient must have exactly its array's shape).

    Notes
    -----
    The CS231n rule of thumb for float64 checks: below 1e-7 is right for
    smooth functions; around 1e-4 is suspect unless there is a kink; above
    1e-2 is wrong. The ``1e-12`` floor keeps entries where both gradients are
    zero from dividing 0 by 0.

    Examples
    --------
    >>> import numpy as np
    >>> rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2]))
    0.047619...
    """
    a_np, b_np = to_numpy(a), to_numpy(b)
    if a_np.shape != b_np.shape:
        raise ValueError(
            f"rel_error: expected a and b of the same shape; got a of shape {_fmt(a_np.shape)} "
            f"and b of shape {_fmt(b_np.shape)}."
        )
    if a_np.size == 0:
        return 0.0
    a_np = a_np.astype(np.float64)
    b_np = b_np.astype(np.float64)
    err = np.abs(a_np - b_np) / np.maximum(1e-12, np.abs(a_np) + np.abs(b_np))
    return float(np.max(err))


_COMMON_CAUSES = {
    "input": (
        "Common causes: multiplying by W instead of W.T (dX = dY @ W.T for Y = X @ W + b), "
        "forgetting the activation's derivative, or returning dY unchanged."
    ),
    "param": (
        "Common causes: a transposed or reversed product (dW = X.T @ dY, of W's shape), a missing "
        "or extra 1/N factor, summing over the wrong axis (db = dY.sum(axis=0)), using the layer's "
        "output instead of its cached input, or forgetting the activation's derivative."
    ),
}


def check_layer(layer, X, *, seed=0, tol=1e-7, raise_on_failure=True, h=1e-5) -> dict:
    """Check a layer's backward pass (dX and every parameter gradient) numerically.

    Works with any object that follows the layer contract of
    ``course_pkg.numpy_nn.layers``: ``forward(X, training=False) -> Y``,
    ``backward(dY) -> dX``, and dicts ``params`` and ``grads`` with the same
    keys, where ``backward`` fills ``grads[k]`` with ``dL/dparams[k]`` (of
    ``params[k]``'s shape) and ``forward`` reads ``params[k]`` itself.

    Parameters
    ----------
    layer : object
        The layer under test. Its parameters must be float64 arrays.
    X : ndarray of shape (N, D)
        Input batch; copied and cast to float64. Keep it small (the check
        calls ``forward`` twice per input and parameter entry), with
        distinct, non-square sizes so that transposition errors show.
    seed : None, int or numpy.random.Generator, default 0
        Source of the random upstream gradient ``dY``. The fixed default
        makes a check reproducible.
    tol : float, default 1e-7
        Largest relative error (see :func:`rel_error`) accepted.
    raise_on_failure : bool, default True
        Raise ``ValueError`` when an error exceeds ``tol``; with False, only
        return the errors.
    h : float, default 1e-5
        Finite-difference step.

    Returns
    -------
    dict
        ``{"dX": error, "W": error, "b": error, ...}``: the relative error of
        ``dX`` and of ``grads[k]`` for every key ``k`` of ``params``
        (``inf`` where a gradient has the wrong shape).

    Raises
    ------
    TypeError
        If ``layer`` lacks part of the contract, or a parameter or ``X`` is
        not float64-capable (build the layer with float64 parameters: float32
        gradients cannot pass a 1e-7 check).
    ValueError
        If ``raise_on_failure`` and an error exceeds ``tol``; the message
        names the worst gradient first and lists common causes.

    Notes
    -----
    The upstream gradient ``dY`` is drawn from a standard normal, never all
    ones: with ones, a gradient that mixes up rows of ``dY`` still passes.
    ``forward`` is always called with ``training=False`` (dropout's random
    mask would change between calls). ``X`` and the parameters are perturbed
    in place and restored exactly. Near a kink (ReLU input within ``h`` of 0)
    a correct layer can exceed ``tol``; draw another ``X`` or raise ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> class Scale:  # Y = X * w, with one learnable scalar w
    ...     def __init__(self):
    ...         self.params = {"w": np.array(2.0)}
    ...         self.grads = {"w": np.array(0.0)}
    ...     def forward(self, X, training=False):
    ...         self.X = X
    ...         return X * self.params["w"]
    ...     def backward(self, dY):
    ...         self.grads["w"] = np.sum(dY * self.X)
    ...         return dY * self.params["w"]
    >>> errors = check_layer(Scale(), np.array([[1.0, -2.0, 0.5]]))
    >>> sorted(errors), max(errors.values()) < 1e-7
    (['dX', 'w'], True)
    """
    where = "check_layer"
    for attribute in ("forward", "backward", "params", "grads"):
        if not hasattr(layer, attribute):
            raise TypeError(
                f"{where}: expected a layer with forward(X, training=False), backward(dY), params and "
                f"grads; got {type(layer).__name__} without {attribute!r}."
            )
    if set(layer.params) != set(layer.grads):
        raise ValueError(
            f"{where}: expected layer.grads with the keys of layer.params {sorted(layer.params)}; "
            f"got keys {sorted(layer.grads)}."
        )
    for key, value in layer.params.items():
        _check_float64(
            value,
            where,
            name=f"layer.params[{key!r}]",
            fix=" Build the layer with float64 parameters, e.g. Dense(..., dtype='float64').",
        )
    tol = _checks.check_positive(tol, where=where, name="tol")
    gen = _checks.as_generator(seed, where=where)

    X = _checks.check_array(X, where=where, name="X")
    xp = array_module_of(X)
    X = X.astype(xp.float64, copy=True)  # our own copy: it is perturbed in place

    # Analytic gradients: one forward, one backward with a random upstream gradient.
    Y = layer.forward(X, training=False)  # (N, M)
    dY = xp.asarray(gen.standard_normal(tuple(Y.shape)))  # (N, M), never all ones
    dX = layer.backward(dY)  # (N, D)
    if dX is None:
        raise TypeError(f"{where}: expected layer.backward(dY) to return dX; got None.")
    analytic = {"dX": xp.array(dX, copy=True)}
    analytic.update({key: xp.array(layer.grads[key], copy=True) for key in layer.params})

    # Numeric gradients of sum(dY * forward(X)) with respect to X and each parameter.
    def forward_of(_):
        return layer.forward(X, training=False)

    numeric = {"dX": numeric_vjp(forward_of, X, dY, h=h)}
    for key, value in layer.params.items():
        numeric[key] = numeric_vjp(forward_of, value, dY, h=h)

    errors, problems = {}, []
    for key, exact in numeric.items():
        label = key if key == "dX" else f"d{key}"
        of = "X" if key == "dX" else key
        got = analytic[key]
        if tuple(got.shape) != tuple(exact.shape):
            errors[key] = float("inf")
            problems.append(
                (
                    float("inf"),
                    f"{label} has shape {_fmt(got.shape)} but {of} has shape {_fmt(exact.shape)}: a "
                    f"gradient must have exactly the shape of its array (a transposed product?).",
                )
            )
            continue
        err = rel_error(got, exact)
        errors[key] = err
        if not err <= tol:  # also catches NaN
            causes = _COMMON_CAUSES["input" if key == "dX" else "param"]
            problems.append(
                (
                    err if err == err else float("inf"),
                    f"{label} differs from the numeric gradient: relative error {err:.1e} > {tol:.0e}. "
                    f"{causes}",
                )
            )

    if problems and raise_on_failure:
        problems.sort(key=lambda item: -item[0])
        message = f"{where}: " + problems[0][1]
        if len(problems) > 1:
            message += " Also failing: " + "; ".join(text.split(":")[0] for _, text in problems[1:]) + "."
        raise ValueError(message)
    return errors
