"""Dense and Dropout layers of the from-scratch track, and the functional dense pass.

A dense (fully connected) layer computes, batch-first and in the same layout as
``keras.layers.Dense``::

    Z = X @ W + b          # X (N, D), W (D, M), b (M,) -> Z (N, M)
    A = activation(Z)      # (N, M)

Its backward pass is three matrix expressions (the chain rule through ``Z``)::

    dW = X.T @ dZ          # (D, M)
    db = dZ.sum(axis=0)    # (M,)
    dX = dZ @ W.T          # (N, D)

Every layer keeps ``params`` and ``grads`` dicts with identical keys, so one
optimizer loop serves every layer (``course_pkg.numpy_nn.optimizers``).

The layer protocol
    What ``MLP`` (and ``gradcheck.check_layer``) ask of a layer::

        params, grads                                   dicts with the same keys (empty: no weights)
        forward(X, training=False, *, check_input=True) -> Y   remembers what backward needs
        backward(dY, need_dX=True, *, check_input=True) -> dX  fills grads; None when not need_dX
        count_params()

    ``check_input=False`` skips validating the array (as scikit-learn's ``check_input``
    does): a network that checked its data once passes it inside its training loop, where
    the same checks on every batch would cost time and find nothing new. The array must
    then be what the check ensures: finite, 2-D, of the layer's shape and array module.
    ``Dense`` adds ``linear_forward`` and ``linear_backward``, the pass through
    ``Z = X @ W + b`` alone, which a network uses for the output layer when its loss works on
    the logits ``Z``.

``W`` is what Keras calls a Dense layer's ``kernel`` and ``b`` its ``bias``; both
are stored in the same layout, so weights copy one-to-one between the tracks.

The same code runs on NumPy and on CuPy: parameters are created with the module
chosen by ``course_pkg.numpy_nn.backend.get_array_module`` (``COURSE_DEVICE``).
"""

from __future__ import annotations

import numpy as np

from course_pkg._checks import (
    as_generator,
    check_array,
    check_choice,
    check_float_dtype,
    check_fraction,
    check_int,
)
from course_pkg.numpy_nn.activations import get_activation
from course_pkg.numpy_nn.backend import array_module_of, get_array_module

__all__ = ["dense_forward", "dense_backward", "Dense", "Dropout", "INITIALIZERS", "init_weights"]

INITIALIZERS = (
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "zeros",
)

# Standard deviation of the "normal" initializer: small random weights (CS231n's weight_scale).
_NORMAL_STD = 0.01
# Keras draws its *_normal initializers from a normal truncated at two standard deviations and
# divides the target std by the std of that truncated unit normal, so the final std is the target.
_TRUNCATED_STD = 0.87962566103423978


def _check_name(name, where: str) -> str:
    if not isinstance(name, str) or not name:
        raise TypeError(f"{where}: expected name as a non-empty string such as 'hidden_1'; got {name!r}.")
    return name


def _truncated_normal(gen: np.random.Generator, shape, std: float) -> np.ndarray:
    # Redraw values beyond two standard deviations, as keras.initializers.TruncatedNormal does.
    w = gen.standard_normal(shape)
    outside = np.abs(w) > 2.0
    while outside.any():
        w[outside] = gen.standard_normal(int(outside.sum()))
        outside = np.abs(w) > 2.0
    return w * (std / _TRUNCATED_STD)


def init_weights(init: str, fan_in: int, fan_out: int, seed=None) -> np.ndarray:
    """Draw a weight matrix with a named initializer (always NumPy, float64).

    Parameters
    ----------
    init : str
        One of ``INITIALIZERS``:

        ``"glorot_uniform"`` (Keras' default)
            U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)).
        ``"glorot_normal"``
            Truncated normal with std sqrt(2 / (fan_in + fan_out)).
        ``"he_normal"``
            Truncated normal with std sqrt(2 / fan_in) (good for ReLU).
        ``"he_uniform"``
            U(-limit, limit) with limit = sqrt(6 / fan_in).
        ``"lecun_normal"``
            Truncated normal with std sqrt(1 / fan_in).
        ``"lecun_uniform"``
            U(-limit, limit) with limit = sqrt(3 / fan_in).
        ``"normal"``
            N(0, 0.01^2): small random weights.
        ``"zeros"``
            All zeros (does not break symmetry; for demonstrations).
    fan_in : int
        Number of inputs D of the layer.
    fan_out : int
        Number of units M of the layer.
    seed : None, int or np.random.Generator, optional
        Source of randomness. Defaults to a fresh unseeded generator.

    Returns
    -------
    W : ndarray of shape (fan_in, fan_out)
        float64 NumPy array; callers cast it and move it to their array module,
        so that a seed gives the same weights on CPU and GPU.

    Raises
    ------
    ValueError
        If ``init`` is not a known name or the fans are not positive.

    Notes
    -----
    The truncated normals follow Keras: values beyond two standard deviations
    are redrawn, and the target std is divided by 0.8796... (the std of a unit
    normal truncated at +-2) so the weights end up with the stated std.

    Examples
    --------
    >>> W = init_weights("glorot_uniform", 4, 2, seed=0)
    >>> W.shape
    (4, 2)
    >>> bool(abs(W).max() <= (6 / (4 + 2)) ** 0.5)
    True
    """
    where = "init_weights"
    check_choice(init, INITIALIZERS, where=where, name="init")
    fan_in = check_int(fan_in, where=where, name="fan_in")
    fan_out = check_int(fan_out, where=where, name="fan_out")
    gen = as_generator(seed, where=where)
    shape = (fan_in, fan_out)
    if init == "zeros":
        return np.zeros(shape)
    if init == "normal":
        return gen.normal(0.0, _NORMAL_STD, size=shape)
    if init.endswith("_uniform"):
        numerator = {"glorot_uniform": 6.0, "he_uniform": 6.0, "lecun_uniform": 3.0}[init]
        fan = fan_in + fan_out if init == "glorot_uniform" else fan_in
        limit = np.sqrt(numerator / fan)
        return gen.uniform(-limit, limit, size=shape)
    variance = {
        "glorot_normal": 2.0 / (fan_in + fan_out),
        "he_normal": 2.0 / fan_in,
        "lecun_normal": 1.0 / fan_in,
    }[init]
    return _truncated_normal(gen, shape, np.sqrt(variance))


def dense_forward(X, W, b):
    """Forward pass of a dense layer without activation: ``Y = X @ W + b``.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        A batch of N inputs with D features.
    W : ndarray of shape (D, M)
        Weights (Keras' ``kernel``), one column per unit.
    b : ndarray of shape (M,)
        Biases, broadcast over the batch.

    Returns
    -------
    Y : ndarray of shape (N, M)
        The layer's outputs.
    cache : tuple
        ``(X, W)``, what ``dense_backward`` needs.

    Raises
    ------
    ValueError
        If the shapes do not fit together (the message names them).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]])
    >>> W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> Y, cache = dense_forward(X, W, np.array([0.5, 0.5, 0.5]))
    >>> Y
    array([[1.5, 2.5, 4.5]])
    """
    where = "dense_forward"
    W = check_array(W, where=where, name="W", ndim=2, finite=False)
    X = check_array(X, where=where, name="X", shape=(None, W.shape[0]), finite=False)
    b = check_array(b, where=where, name="b", shape=(W.shape[1],), finite=False)
    Y = X @ W + b  # (N, M)
    return Y, (X, W)


def dense_backward(dY, cache):
    """Backward pass of ``dense_forward``: gradients of the loss wrt X, W and b.

    Parameters
    ----------
    dY : ndarray of shape (N, M)
        Gradient of the loss with respect to the layer's outputs Y.
    cache : tuple
        The ``cache`` returned by ``dense_forward``.

    Returns
    -------
    dX : ndarray of shape (N, D)
        ``dY @ W.T``.
    dW : ndarray of shape (D, M)
        ``X.T @ dY``: each sample's outer product, summed over the batch.
    db : ndarray of shape (M,)
        ``dY.sum(axis=0)``.

    Raises
    ------
    ValueError
        If ``dY`` does not have the shape of the forward output.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0]])
    >>> W = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])
    >>> _, cache = dense_forward(X, W, np.zeros(3))
    >>> dX, dW, db = dense_backward(np.array([[1.0, 0.0, -1.0]]), cache)
    >>> dX
    array([[-1., -1.]])
    >>> dW
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.]])
    """
    X, W = cache
    dY = check_array(dY, where="dense_backward", name="dY", shape=(X.shape[0], W.shape[1]), finite=False)
    dX = dY @ W.T  # (N, D)
    dW = X.T @ dY  # (D, M)
    db = dY.sum(axis=0)  # (M,)
    return dX, dW, db


class Dense:
    """A fully connected layer: ``A = activation(X @ W + b)``.

    Unlike ``keras.layers.Dense(units, activation)``, which learns its input
    size from the first batch, the course's layer is told it: ``n_inputs``
    comes first, so the weights exist (and can be counted) at once.

    Parameters
    ----------
    n_inputs : int
        Number of input features D.
    units : int
        Number of units M (outputs).
    activation : str or None, default None
        Name understood by ``course_pkg.numpy_nn.activations.get_activation``
        ("linear", "sigmoid", "tanh", "relu", "softplus", "softmax", ...);
        None means linear.
    init : str, default "glorot_uniform"
        Weight initializer, one of ``INITIALIZERS`` (see ``init_weights``).
        Biases always start at zero.
    seed : None, int or np.random.Generator, optional
        Randomness for the initial weights. Weights are drawn with NumPy and
        then moved to the array module, so a seed gives the same weights on
        CPU and GPU.
    dtype : {"float32", "float64"}, default "float32"
        Floating type of parameters, activations and gradients. Inputs are
        cast to it. Use float64 for gradient checks.
    name : str, default "dense"
        The layer's name; ``MLP`` names its layers like the Keras builders
        (``"hidden_1"``, ..., ``"output"``).

    Attributes
    ----------
    params : dict of str to ndarray
        ``{"W": (D, M), "b": (M,)}``, updated in place by optimizers. ``W``
        is Keras' ``kernel``, ``b`` its ``bias``.
    grads : dict of str to ndarray
        Same keys and shapes; overwritten in place by every ``backward``.
    activation : Activation
        The activation object (``.name``, ``.forward``, ``.backward``).

    Raises
    ------
    ValueError
        If a size is not positive, or the init, dtype or activation is unknown.
    TypeError
        If a size is not an integer or ``seed`` has the wrong type.

    Examples
    --------
    >>> layer = Dense(4, 3, activation="relu", seed=0)
    >>> Y = layer.forward(np.ones((2, 4)))
    >>> Y.shape
    (2, 3)
    >>> dX = layer.backward(np.ones((2, 3)))
    >>> dX.shape, layer.grads["W"].shape
    ((2, 4), (4, 3))
    >>> layer.count_params()
    15
    """

    def __init__(
        self,
        n_inputs,
        units,
        activation=None,
        *,
        init="glorot_uniform",
        seed=None,
        dtype="float32",
        name="dense",
    ):
        where = "Dense"
        self.n_inputs = check_int(n_inputs, where=where, name="n_inputs")
        self.units = check_int(units, where=where, name="units")
        self.activation = get_activation(activation)
        self.init = check_choice(init, INITIALIZERS, where=where, name="init")
        self.dtype = check_float_dtype(dtype, where=where)
        self.name = _check_name(name, where)
        xp = get_array_module()
        W = init_weights(init, self.n_inputs, self.units, as_generator(seed, where=where))
        self.params = {
            "W": xp.asarray(W.astype(self.dtype)),
            "b": xp.zeros(self.units, dtype=self.dtype),
        }
        self.grads = {key: xp.zeros_like(value) for key, value in self.params.items()}
        self._cache = None

    def __repr__(self):
        return (
            f"Dense(n_inputs={self.n_inputs}, units={self.units}, "
            f"activation={self.activation.name!r}, init={self.init!r}, dtype={self.dtype.name!r}, "
            f"name={self.name!r})"
        )

    @property
    def xp(self):
        """The array module (numpy or cupy) that holds this layer's parameters."""
        return array_module_of(self.params["W"])

    def count_params(self) -> int:
        """Return the number of parameters, D * M + M.

        Examples
        --------
        >>> Dense(13, 10).count_params()
        140
        """
        return self.n_inputs * self.units + self.units

    def forward(self, X, training=False, *, check_input=True):
        """Compute ``A = activation(X @ W + b)`` and remember what backward needs.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs; cast to the layer's dtype.
        training : bool, default False
            Unused by Dense (accepted so every layer has the same signature).
        check_input : bool, default True
            Check that X is 2-D with D columns and finite (and move it to the
            layer's array module). ``MLP`` passes False in its training loop,
            having checked its data once.

        Returns
        -------
        A : ndarray of shape (N, M)
            The activations.

        Raises
        ------
        ValueError
            If X is not 2-D with D columns, or holds NaN or infinity.
        """
        if check_input:
            X = self._check_X(X, "Dense.forward")
        Z = self.linear_forward(X, check_input=False)  # (N, M)
        return self.activation.forward(Z)  # (N, M)

    def linear_forward(self, X, *, check_input=True):
        """Compute the logits ``Z = X @ W + b`` (no activation) and remember them for backward.

        ``forward`` is ``activation.forward(linear_forward(X))``. A network whose loss works on
        the logits (softmax with cross-entropy) calls this for its output layer.

        Parameters
        ----------
        X : ndarray of shape (N, D)
            Inputs; cast to the layer's dtype.
        check_input : bool, default True
            As for ``forward``.

        Returns
        -------
        Z : ndarray of shape (N, M)

        Raises
        ------
        ValueError
            If X is not 2-D with D columns, or holds NaN or infinity.
        """
        if check_input:
            X = self._check_X(X, "Dense.linear_forward")
        X = X.astype(self.dtype, copy=False)
        Z = X @ self.params["W"]  # (N, M)
        Z += self.params["b"]  # (N, M); in place: Z is our own fresh array
        self._cache = (X, Z)
        return Z

    def backward(self, dY, need_dX=True, *, check_input=True):
        """Back-propagate ``dY`` (gradient wrt this layer's outputs A); fill ``grads``.

        First through the activation, ``dZ = activation.backward(Z, dY)``, then through
        ``Z = X @ W + b`` (``linear_backward``).

        Parameters
        ----------
        dY : ndarray of shape (N, M)
            Gradient of the loss wrt the activations returned by ``forward``.
        need_dX : bool, default True
            When False, skip ``dX`` (the first layer of a network does not
            need it) and return None.
        check_input : bool, default True
            Check that dY has the shape of the last forward output.

        Returns
        -------
        dX : ndarray of shape (N, D) or None
            Gradient of the loss wrt the layer's inputs X.

        Raises
        ------
        RuntimeError
            If ``forward`` has not been called yet.
        ValueError
            If dY does not have the shape of the last forward output.
        """
        _, Z = self._stored_pass("Dense.backward")
        if check_input:
            dY = check_array(dY, where="Dense.backward", name="dY", shape=Z.shape, finite=False, xp=self.xp)
        dZ = self.activation.backward(Z, dY)  # (N, M)
        return self.linear_backward(dZ, need_dX=need_dX, check_input=False)

    def linear_backward(self, dZ, need_dX=True, *, check_input=True):
        """Back-propagate ``dZ`` (gradient wrt the logits Z) through ``Z = X @ W + b``; fill ``grads``.

        The three formulas of the dense layer: ``dW = X.T @ dZ``, ``db = dZ.sum(axis=0)``,
        ``dX = dZ @ W.T``. A fused loss (softmax with cross-entropy) gives ``dZ`` directly,
        so a network calls this for its output layer.

        Parameters
        ----------
        dZ : ndarray of shape (N, M)
            Gradient of the loss wrt the logits of the last forward pass.
        need_dX : bool, default True
            When False, skip ``dX`` and return None.
        check_input : bool, default True
            Check that dZ has the shape of the last forward output.

        Returns
        -------
        dX : ndarray of shape (N, D) or None

        Raises
        ------
        RuntimeError
            If ``forward`` has not been called yet.
        ValueError
            If dZ does not have the shape of the last forward output.
        """
        X, Z = self._stored_pass("Dense.linear_backward")
        if check_input:
            dZ = check_array(
                dZ, where="Dense.linear_backward", name="dZ", shape=Z.shape, finite=False, xp=self.xp
            )
        dZ = dZ.astype(self.dtype, copy=False)
        self.xp.matmul(X.T, dZ, out=self.grads["W"])  # (D, M)
        dZ.sum(axis=0, out=self.grads["b"])  # (M,)
        if not need_dX:
            return None
        return dZ @ self.params["W"].T  # (N, D)

    def _check_X(self, X, where):
        return check_array(X, where=where, name="X", shape=(None, self.n_inputs), xp=self.xp)

    def _stored_pass(self, where):
        if self._cache is None:
            raise RuntimeError(f"{where}: no forward pass is stored; call forward(X) before backward(dY).")
        return self._cache


class Dropout:
    """Inverted dropout: during training, zero each input with probability ``rate``.

    Kept inputs are scaled by ``1 / (1 - rate)``, so the expected output equals
    the input and nothing changes at inference time (``training=False`` is the
    identity).

    Parameters
    ----------
    rate : float
        Probability of dropping an input, in [0, 1).
    seed : None, int or np.random.Generator, optional
        Randomness for the masks. The masks are drawn with NumPy (then moved to
        the array module), so a seed gives the same masks on CPU and GPU.
        ``reseed`` replaces it later (``MLP.fit`` does, so that one seed
        drives a whole training run).
    name : str, default "dropout"
        The layer's name.

    Attributes
    ----------
    params, grads : dict
        Empty: dropout has nothing to learn.

    Raises
    ------
    ValueError
        If ``rate`` is not in [0, 1).

    Examples
    --------
    >>> drop = Dropout(0.5, seed=0)
    >>> X = np.ones((2, 4))
    >>> bool((drop.forward(X) == X).all())  # evaluation: identity
    True
    >>> sorted(set(drop.forward(X, training=True).ravel().tolist()))  # dropped or scaled by 2
    [0.0, 2.0]
    """

    def __init__(self, rate, seed=None, *, name="dropout"):
        self.rate = check_fraction(rate, where="Dropout", name="rate")
        self.name = _check_name(name, "Dropout")
        self._generator = as_generator(seed, where="Dropout")
        self.params = {}
        self.grads = {}
        self._mask = None
        self._forwarded = False

    def __repr__(self):
        return f"Dropout(rate={self.rate}, name={self.name!r})"

    def reseed(self, seed) -> None:
        """Draw the following masks from ``seed`` (None, an int or a ``numpy.random.Generator``).

        A shared ``Generator`` continues its stream: ``MLP.fit`` passes the one generator of the
        run to every Dropout layer, so shuffling and masks all follow from one seed.

        Examples
        --------
        >>> drop = Dropout(0.5)
        >>> drop.reseed(0)
        >>> first = drop.forward(np.ones((1, 6)), training=True)
        >>> drop.reseed(0)
        >>> bool((drop.forward(np.ones((1, 6)), training=True) == first).all())
        True
        """
        self._generator = as_generator(seed, where="Dropout.reseed")

    def count_params(self) -> int:
        """Return 0: dropout has no parameters."""
        return 0

    def forward(self, X, training=False, *, check_input=True):
        """Drop and rescale inputs when ``training``; return X unchanged otherwise.

        Parameters
        ----------
        X : ndarray of shape (N, M)
            Inputs (any shape works; the mask has the same shape).
        training : bool, default False
            Apply dropout only when True.
        check_input : bool, default True
            Check that X is a finite array (integers become float64). ``MLP``
            passes False in its training loop, having checked its data once.

        Returns
        -------
        Y : ndarray of shape (N, M)
            ``X * mask`` with mask entries 0 or 1 / (1 - rate) in training;
            X itself in evaluation.

        Raises
        ------
        ValueError
            If X holds NaN or infinity.
        """
        if check_input:
            X = check_array(X, where="Dropout.forward", name="X")
            if X.dtype.kind != "f":
                X = X.astype(np.float64)  # integer inputs would truncate the 1 / (1 - rate) scale
        self._forwarded = True
        if not training or self.rate == 0.0:
            self._mask = None
            return X
        keep = self._generator.random(X.shape) >= self.rate  # (N, M) bool, drawn with NumPy on any device
        scale = X.dtype.type(1.0 / (1.0 - self.rate))  # survivors grow so that the expected output is X
        self._mask = array_module_of(X).asarray(keep * scale)  # (N, M), X's dtype
        return X * self._mask  # (N, M)

    def backward(self, dY, need_dX=True, *, check_input=True):
        """Return ``dY * mask`` (``dY`` itself after an evaluation forward).

        Parameters
        ----------
        dY : ndarray of shape (N, M)
            Gradient of the loss wrt this layer's outputs.
        need_dX : bool, default True
            Accepted for the same signature as ``Dense.backward``.
        check_input : bool, default True
            Check that dY has the shape of the last forward output.

        Returns
        -------
        dX : ndarray of shape (N, M)

        Raises
        ------
        RuntimeError
            If ``forward`` has not been called yet.
        ValueError
            If dY does not have the shape of the last forward output.
        """
        if not self._forwarded:
            raise RuntimeError(
                "Dropout.backward: no forward pass is stored; call forward(X) before backward(dY)."
            )
        if check_input:
            dY = check_array(dY, where="Dropout.backward", name="dY", finite=False)
            if self._mask is not None and dY.shape != self._mask.shape:
                raise ValueError(
                    f"Dropout.backward: expected dY of shape {self._mask.shape} (the forward output's); "
                    f"got shape {dY.shape}."
                )
        if self._mask is None:
            return dY
        return dY * self._mask  # (N, M)

