"""Reading a built Keras model: its output layers, each layer's activation and units, parameter counts.

What ``compile_for`` checks a model against a task with, and what ``compare_architecture`` reads
to describe a learner's model. Nothing here changes a model or reads its weights' values.
"""

from __future__ import annotations

import math
import numbers

import keras
from keras import layers

from course_pkg._checks import fail

__all__ = [
    "producing_layer",
    "output_layers",
    "layer_activation",
    "layer_units",
    "describe_output",
    "count_params",
    "layer_param_counts",
]


def producing_layer(tensor):
    """Return the layer (operation) that produced a symbolic Keras tensor, or None if unknown."""
    history = getattr(tensor, "_keras_history", None)
    return None if history is None else history.operation


def output_layers(model: keras.Model) -> list:
    """Return the layers that produce the model's outputs, in output order.

    Functional models say which layers produce their outputs; a subclassed model is read from its
    ``output_names``, and failing that its last layer is taken as the only output.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2, name="out")])
    >>> [layer.name for layer in output_layers(model)]
    ['out']
    """
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if outputs:
        found = [producing_layer(t) for t in outputs]
        if all(layer is not None for layer in found):
            return found
    names = getattr(model, "output_names", None)
    if names:
        try:
            return [model.get_layer(n) for n in names]
        except ValueError:
            pass
    # A subclassed model that does not say: assume its last layer is the only output.
    candidates = [layer for layer in model.layers if not isinstance(layer, layers.InputLayer)]
    return candidates[-1:]


def layer_activation(layer) -> str | None:
    """Return the activation a layer applies last, by name ("relu", "softmax", "linear"), or None.

    Examples
    --------
    >>> layer_activation(layers.Dense(3, activation="softmax")), layer_activation(layers.Dense(3))
    ('softmax', 'linear')
    >>> layer_activation(layers.ReLU()), layer_activation(layers.Flatten()) is None
    ('relu', True)
    """
    if isinstance(layer, layers.Softmax):
        return "softmax"
    if isinstance(layer, layers.ReLU):
        return "relu"
    activation = getattr(layer, "activation", None)
    if activation is None or isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def layer_units(layer) -> int | None:
    """Return a layer's number of outputs: ``units``, else the last axis of its output, else None."""
    units = getattr(layer, "units", None)
    if isinstance(units, numbers.Integral):
        return int(units)
    try:
        return int(layer.output.shape[-1])
    except (AttributeError, ValueError, TypeError, IndexError):
        return None


def describe_output(layer) -> str:
    """Describe an output layer in words, e.g. ``output 'out' with 10 units and softmax activation``.

    Examples
    --------
    >>> describe_output(layers.Dense(1, activation="sigmoid", name="p"))
    "output 'p' with 1 unit and sigmoid activation"
    """
    units = layer_units(layer)
    if units is None:
        size = "an unknown number of units"
    else:
        size = f"{units} unit{'s' if units != 1 else ''}"
    return f"output '{layer.name}' with {size} and {layer_activation(layer)} activation"


def _check_built(model, where: str) -> None:
    if not isinstance(model, keras.Model):
        fail(where, "model as a keras.Model", type(model).__name__, exc=TypeError)
    if not model.built:
        fail(
            where,
            "a built model",
            f"model '{model.name}' that has not been built yet",
            "Call it on data (model(X[:1])) or start it with keras.Input(shape=...) so its "
            "weights exist.",
        )


def count_params(model) -> int:
    """Return the number of parameters (weights and biases, trainable or not) of a built model.

    Works for Sequential, Functional and subclassed models once their weights exist.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model``.
    ValueError
        If the model has not been built (a subclassed model before its first call).

    Examples
    --------
    >>> from course_pkg.keras_nn.builders import build_housing_regressor
    >>> count_params(build_housing_regressor(api="subclass", seed=0))
    261
    """
    _check_built(model, "count_params")
    return int(sum(math.prod(w.shape) for w in model.weights))


def layer_param_counts(model) -> dict[str, int]:
    """Return ``{layer name: number of parameters}`` for every layer of a built model, in order.

    Input layers are left out.

    Examples
    --------
    >>> from course_pkg.keras_nn.builders import build_mnist_classifier
    >>> layer_param_counts(build_mnist_classifier((300, 100), seed=0))
    {'flatten': 0, 'hidden_1': 235500, 'hidden_2': 30100, 'output': 1010}
    """
    _check_built(model, "layer_param_counts")
    return {
        layer.name: int(sum(math.prod(w.shape) for w in layer.weights))
        for layer in model.layers
        if not isinstance(layer, layers.InputLayer)
    }
