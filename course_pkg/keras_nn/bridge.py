"""The bridge between the tracks: a NumPy ``MLP`` and its Keras twin, with identical predictions.

:func:`to_keras` builds the Keras twin of an ``MLP`` (same sizes, activations, layer names and
weights), :func:`from_keras` goes the other way for a plain stack of Dense layers, and
:func:`weights_from_numpy` copies an ``MLP``'s weights into an existing Keras model. Both tracks
store a Dense layer's weights as ``X @ W + b`` with ``W`` of shape (inputs, units): the NumPy
parameter ``"hidden_1/W"`` is the Keras variable ``"hidden_1/kernel"``, ``"hidden_1/b"`` is
``"hidden_1/bias"``.
"""

from __future__ import annotations

import keras
import numpy as np

from course_pkg import _checks
from course_pkg.numpy_nn.network import MLP

__all__ = ["BRIDGE_ACTIVATIONS", "to_keras", "from_keras", "weights_from_numpy"]


#: Activations both tracks implement identically (the NumPy track's step functions have no
#: Keras counterpart).
BRIDGE_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softplus", "softmax")


def _keras_activation_name(layer) -> str:
    name = keras.activations.serialize(layer.activation)
    return name if isinstance(name, str) else str(name)


def _check_bridge_activation(name: str, where: str, what: str) -> None:
    if name not in BRIDGE_ACTIVATIONS:
        raise ValueError(
            f"{where}: expected {what} to be one of {', '.join(BRIDGE_ACTIVATIONS)}; got {name!r}. "
            "Only these activations exist, identically, in both tracks."
        )


def _mlp_dense_activations(mlp) -> list[str]:
    n_dense = len(mlp.layer_sizes) - 1
    return [mlp.hidden_activation] * (n_dense - 1) + [mlp.output_activation]


def _check_mlp(mlp, where: str) -> None:
    if not isinstance(mlp, MLP):
        raise TypeError(f"{where}: expected a course_pkg.numpy_nn.network.MLP; got {type(mlp).__name__}.")


def to_keras(mlp, *, name: str | None = None) -> keras.Sequential:
    """Build the Keras twin of a NumPy-track ``MLP``: same layers, activations and weights.

    Parameters
    ----------
    mlp : course_pkg.numpy_nn.network.MLP
        The network to copy.
    name : str, optional
        The Keras model's name.

    Returns
    -------
    keras.Sequential
        ``keras.Input(shape=(D,))``, then one ``Dense`` per MLP layer (and a ``Dropout`` of
        the same rate after each hidden layer when the MLP has dropout), named like the MLP's
        layers and holding copies of its weights as float32. Uncompiled.

    Raises
    ------
    TypeError
        If ``mlp`` is not an ``MLP``.
    ValueError
        If it uses an activation Keras does not have (``heaviside``, ``sign``).

    Notes
    -----
    Both tracks store ``W`` as (inputs, units) and compute ``X @ W + b``, so weights copy
    one-to-one; predictions agree to float32 rounding (about 1e-6).

    Examples
    --------
    >>> from course_pkg.numpy_nn.network import MLP
    >>> net = MLP([4, 8, 3], seed=0)
    >>> model = to_keras(net)
    >>> [layer.name for layer in model.layers], model.get_layer("hidden_1").kernel.path.endswith("hidden_1/kernel")
    (['hidden_1', 'output'], True)
    >>> X = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    >>> bool(np.allclose(model.predict(X, verbose=0), net.predict_proba(X), atol=1e-5))
    True
    """
    where = "to_keras"
    _check_mlp(mlp, where)
    activations = _mlp_dense_activations(mlp)
    for i, act in enumerate(activations):
        _check_bridge_activation(act, where, f"the activation of Dense layer {i}")
    layers = [keras.Input(shape=(mlp.layer_sizes[0],))]
    # The MLP's own layers, in order and under the same names ("hidden_1", "dropout_1", ..., "output").
    dense_activations = iter(activations)
    for layer in mlp.layers:
        if hasattr(layer, "units"):
            layers.append(keras.layers.Dense(layer.units, activation=next(dense_activations), name=layer.name))
        else:
            layers.append(keras.layers.Dropout(layer.rate, name=layer.name))
    model = keras.Sequential(layers, name=name)
    model.set_weights([np.asarray(w, dtype="float32") for w in mlp.get_weights()])
    return model


def _dense_chain(model, where: str) -> tuple[list, float]:
    """The model's Dense layers in order, and its common Dropout rate (0 without Dropout)."""
    dense, rates = [], set()
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Dense):
            dense.append(layer)
        elif isinstance(layer, keras.layers.Dropout) and dense:
            rates.add(float(layer.rate))
        else:
            raise ValueError(
                f"{where}: expected a plain stack of Dense layers (Dropout allowed between them); got "
                f"layer {layer.name!r} of type {type(layer).__name__}. The NumPy MLP has no such layer: "
                "flatten inputs with X.reshape(len(X), -1) and rebuild the model without it."
            )
    if not dense:
        raise ValueError(f"{where}: expected at least one Dense layer; got none in model {model.name!r}.")
    if len(rates) > 1:
        raise ValueError(
            f"{where}: expected one dropout rate for every hidden layer (the MLP has a single rate); "
            f"got {sorted(rates)}."
        )
    return dense, (rates.pop() if rates else 0.0)


def from_keras(model: keras.Model, *, dtype: str = "float32"):
    """Build a NumPy-track ``MLP`` with the layers, activations and weights of a Keras model.

    Parameters
    ----------
    model : keras.Model
        A built model made only of ``Dense`` layers (``Dropout`` with one common rate
        allowed between them) that compute one chain, input to output. Every hidden
        layer must use the same activation, as the MLP has one ``hidden_activation``.
    dtype : {"float32", "float64"}, default "float32"
        The MLP's dtype (float64 for gradient checks).

    Returns
    -------
    course_pkg.numpy_nn.network.MLP
        With ``layer_sizes`` read from the kernels and the weights copied.

    Raises
    ------
    ValueError
        For other layer types (the message names the layer), layers that do not form a
        chain (a Functional or subclassed model whose outputs differ from the chain's),
        hidden layers with different activations, an activation the NumPy track lacks, or
        an unbuilt model.

    Notes
    -----
    A Dense layer without bias (``use_bias=False``) becomes an MLP layer with a zero bias,
    which computes the same function.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> from_keras(model).layer_sizes
    [3, 5, 1]
    """
    where = "from_keras"
    if not isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a keras.Model; got {type(model).__name__}.")
    if not model.built or not model.weights:
        raise ValueError(
            f"{where}: expected a built model; got {model.name!r} without weights. "
            "Declare its input with keras.Input(shape=(D,))."
        )
    dense, rate = _dense_chain(model, where)
    sizes = [int(dense[0].kernel.shape[0])] + [int(layer.units) for layer in dense]
    for i, (layer, fan_in) in enumerate(zip(dense, sizes[:-1])):
        if int(layer.kernel.shape[0]) != fan_in:
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) to take {fan_in} inputs; got a kernel "
                f"of shape {tuple(layer.kernel.shape)}. The layers must form one chain."
            )
    activations = [_keras_activation_name(layer) for layer in dense]
    for i, act in enumerate(activations):
        _check_bridge_activation(act, where, f"the activation of Dense layer {i} ({dense[i].name!r})")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"{where}: expected one activation for every hidden layer (the MLP has one hidden_activation); "
            f"got {activations[:-1]}."
        )
    mlp = MLP(
        sizes,
        hidden_activation=hidden.pop() if hidden else "relu",
        output_activation=activations[-1],
        dropout=rate,
        dtype=dtype,
    )
    weights = []
    for layer in dense:
        weights.append(np.asarray(layer.kernel.numpy(), dtype=dtype))
        bias = layer.bias.numpy() if layer.use_bias else np.zeros(layer.units)
        weights.append(np.asarray(bias, dtype=dtype))
    mlp.set_weights(weights)
    if not isinstance(model, keras.Sequential):
        # A Functional or subclassed model may wire its layers differently from their list
        # order (skips, reuse); the MLP only computes a chain, so compare the two.
        probe = np.random.default_rng(0).standard_normal((4, sizes[0])).astype("float32")  # (4, D)
        ours = (
            mlp.predict(probe) if activations[-1] not in ("softmax", "sigmoid") else mlp.predict_proba(probe)
        )
        theirs = keras.ops.convert_to_numpy(model(probe, training=False))
        if np.shape(theirs) != np.shape(ours) or not np.allclose(theirs, ours, rtol=1e-4, atol=1e-4):
            raise ValueError(
                f"{where}: expected the Dense layers of {model.name!r} to form one chain in list order; "
                "got a model whose outputs differ from that chain's (skip connections, shared layers "
                "or a custom call()). Only plain stacks can become an MLP."
            )
    return mlp


def weights_from_numpy(mlp, model: keras.Model, *, check_activations: bool = True) -> keras.Model:
    """Copy a NumPy-track ``MLP``'s weights into an existing Keras model, layer by layer.

    Parameters
    ----------
    mlp : course_pkg.numpy_nn.network.MLP
        The source of the weights.
    model : keras.Model
        A built model whose ``Dense`` layers (in order) match the MLP's layers in shape.
    check_activations : bool, default True
        Also require the same activation per layer, so that the two compute the same
        function. Pass False to copy into, e.g., a logits model (linear output).

    Returns
    -------
    keras.Model
        ``model`` itself, its weights replaced.

    Raises
    ------
    ValueError
        If the number of Dense layers differs, or a layer's kernel or bias shape differs
        (the message names the layer index and both shapes), or an activation differs.
        Nothing is copied then.

    Examples
    --------
    >>> from course_pkg.numpy_nn.network import MLP
    >>> net = MLP([2, 3, 1], output_activation="linear", seed=0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="relu"),
    ...                           keras.layers.Dense(1)])
    >>> bool(np.allclose(weights_from_numpy(net, model).layers[1].kernel.numpy(), net.get_weights()[2]))
    True
    """
    where = "weights_from_numpy"
    _check_mlp(mlp, where)
    if not isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a keras.Model; got {type(model).__name__}.")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    weights = mlp.get_weights()
    n_mlp = len(weights) // 2
    if len(dense) != n_mlp:
        raise ValueError(
            f"{where}: expected a Keras model with {n_mlp} Dense layers (like the MLP {mlp.layer_sizes}); "
            f"got {len(dense)}."
        )
    activations = _mlp_dense_activations(mlp)
    pairs = []
    for i, layer in enumerate(dense):
        W, b = weights[2 * i], weights[2 * i + 1]
        if not layer.built:
            raise ValueError(
                f"{where}: expected a built model; Dense layer {i} ({layer.name!r}) has no weights yet."
            )
        kernel_shape = tuple(layer.kernel.shape)
        if kernel_shape != W.shape or not layer.use_bias or tuple(layer.bias.shape) != b.shape:
            shape = _checks.format_shape
            bias_shape = shape(tuple(layer.bias.shape)) if layer.use_bias else "no bias"
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) with kernel {shape(W.shape)} "
                f"and bias {shape(b.shape)} like the MLP; got kernel {shape(kernel_shape)} "
                f"and bias {bias_shape}."
            )
        activation = _keras_activation_name(layer)
        if check_activations and activation != activations[i]:
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) to use activation "
                f"{activations[i]!r} like the MLP; got {activation!r}. "
                "Pass check_activations=False to copy anyway."
            )
        pairs.append((layer, W, b))
    for layer, W, b in pairs:
        layer.set_weights([W.astype(layer.kernel.dtype), b.astype(layer.bias.dtype)])
    return model
