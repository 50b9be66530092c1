"""The course's Keras models: every architecture of chapters 7–10, in the APIs the book shows.

Each ``build_*`` function returns an **uncompiled** model; :func:`compile_for` then picks the
loss, the metrics and the optimizer for a task ("regression", "binary", "multiclass", ...), so the
book can show the architecture and the training set-up as two separate decisions.

Conventions shared by every builder:

``api``
    ``"sequential"``, ``"functional"`` or ``"subclass"`` where that API can express the network;
    any other value raises ``ValueError`` listing the APIs the builder supports. Subclassed models
    are returned already built (called once on a batch of zeros), so their parameters can be
    counted and their weights copied straight away.
``name``
    The model's name; every builder has a default that says what the model is.
``seed``
    Seeds the kernel initialisers (Glorot uniform, layer ``i`` gets ``seed + i``) and the dropout
    masks, so two builds with the same seed start from identical weights in every API.
Layer names
    Stable and explanatory: ``"flatten"``, ``"hidden_1"``, ``"dropout_1"``, ``"hidden_2"``, ...,
    ``"output"`` (or the head names of a multi-output model). The Sequential, Functional and
    subclassed versions of one network use the same names, so their weights line up one-to-one.

The dense stacks (regressors, classifiers, the MNIST networks) all come from one builder,
:func:`build_mlp`; the others only choose its arguments.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import layers

from course_pkg._checks import (
    fail,
    check_array,
    check_choice,
    check_fraction,
    check_int,
    check_positive,
    format_shape,
)

__all__ = [
    "APIS",
    "TASKS",
    "OPTIMIZERS",
    "MLPModel",
    "MultiTaskModel",
    "WideAndDeepModel",
    "build_mlp",
    "build_housing_regressor",
    "build_binary_classifier",
    "build_multiclass_classifier",
    "build_multilabel_classifier",
    "build_multitask_classifier",
    "build_mnist_classifier",
    "build_fashion_classifier",
    "build_regression_mlp",
    "build_wide_and_deep",
    "build_wide_and_deep_two_inputs",
    "build_wide_and_deep_aux",
    "split_wide_deep",
    "compile_for",
    "count_params",
    "layer_param_counts",
]

APIS = ("sequential", "functional", "subclass")

TASKS = (
    "regression",
    "regression_huber",
    "binary",
    "multiclass",
    "sparse_multiclass",
    "multilabel",
    "multitask",
)

OPTIMIZERS = {
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "adagrad": keras.optimizers.Adagrad,
    "adadelta": keras.optimizers.Adadelta,
    "adamax": keras.optimizers.Adamax,
    "nadam": keras.optimizers.Nadam,
    "ftrl": keras.optimizers.Ftrl,
    "lion": keras.optimizers.Lion,
}

_COMMON_ACTIVATIONS = (
    "relu, sigmoid, softmax, tanh, linear (or None), elu, selu, gelu, swish, softplus"
)


# ----------------------------------------------------------------------------------------------
# Argument checks shared by the builders
# ----------------------------------------------------------------------------------------------


def _check_api(api, supported: Sequence[str], where: str, why: str | None = None) -> str:
    if api not in supported:
        known = ", ".join(repr(a) for a in supported)
        fail(where, f"api to be one of {known}", repr(api), why)
    return api


def _check_seed(seed, where: str) -> int | None:
    if seed is None:
        return None
    return check_int(seed, where=where, name="seed", minimum=0)


def _check_units(hidden, where: str, name: str = "hidden") -> tuple[int, ...]:
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        fail(
            where,
            f"{name} as a sequence of layer sizes",
            f"the integer {hidden!r}",
            f"Write {name}=({hidden},) for a single entry.",
            exc=TypeError,
        )
    if isinstance(hidden, str) or not isinstance(hidden, Sequence):
        fail(where, f"{name} as a sequence of layer sizes", type(hidden).__name__, exc=TypeError)
    return tuple(
        check_int(units, where=where, name=f"{name}[{i}]") for i, units in enumerate(hidden)
    )


def _check_activation(activation, where: str, name: str):
    """Return a name or callable Keras accepts; ``None`` means linear."""
    if activation is None:
        return "linear"
    if callable(activation):
        return activation
    if not isinstance(activation, str):
        fail(where, f"{name} as an activation name or function", repr(activation), exc=TypeError)
    try:
        keras.activations.get(activation)
    except ValueError:
        expected = f"{name} to be a Keras activation such as {_COMMON_ACTIVATIONS}"
        fail(where, expected, repr(activation))
    return activation


def _activation_label(activation) -> str:
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def _check_softmax_units(activation, units: int, where: str, name: str) -> None:
    if _activation_label(activation) == "softmax" and units < 2:
        fail(
            where,
            f"{name} >= 2 for a softmax output",
            f"{name}={units}",
            "Softmax over one unit always outputs 1; use one sigmoid unit for a binary problem.",
        )


def _layer_seed(seed: int | None, index: int) -> int | None:
    # One seed per layer: two layers of the same shape must not start with identical weights.
    return None if seed is None else seed + index


def _dense(units: int, activation, name: str, seed: int | None) -> layers.Dense:
    if seed is None:
        kernel_initializer = "glorot_uniform"
    else:
        kernel_initializer = keras.initializers.GlorotUniform(seed=seed)
    return layers.Dense(
        units,
        activation=activation,
        kernel_initializer=kernel_initializer,
        bias_initializer="zeros",
        name=name,
    )


def _build_by_calling(model: keras.Model, sample) -> keras.Model:
    # A subclassed model creates its weights on its first call; one zero sample is enough.
    model(sample)
    return model


def _zeros(shape: Sequence[int]) -> np.ndarray:
    return np.zeros((1, *shape), dtype="float32")


# ----------------------------------------------------------------------------------------------
# Dense stacks: one builder for every multilayer perceptron of the course
# ----------------------------------------------------------------------------------------------


def _mlp_layers(
    hidden: tuple[int, ...],
    n_outputs: int,
    hidden_activation,
    output_activation,
    dropout: float,
    flatten: bool,
    seed: int | None,
    output_name: str = "output",
) -> list[layers.Layer]:
    """The layers of a dense stack, in order, shared by all three APIs."""
    stack: list[layers.Layer] = []
    if flatten:
        stack.append(layers.Flatten(name="flatten"))
    for i, units in enumerate(hidden, start=1):
        stack.append(_dense(units, hidden_activation, f"hidden_{i}", _layer_seed(seed, i)))
        if dropout > 0:
            stack.append(layers.Dropout(dropout, seed=_layer_seed(seed, i), name=f"dropout_{i}"))
    output_seed = _layer_seed(seed, len(hidden) + 1)
    stack.append(_dense(n_outputs, output_activation, output_name, output_seed))
    return stack


@keras.saving.register_keras_serializable(package="course_pkg")
class MLPModel(keras.Model):
    """A multilayer perceptron written with the Subclassing API.

    The layers are created in ``__init__`` and applied in ``call``; they are the same layers,
    with the same names, as the Sequential and Functional versions that :func:`build_mlp` makes.

    Parameters
    ----------
    n_inputs : int
        Number of input features D (after flattening).
    hidden : sequence of int
        Units of each hidden layer.
    n_outputs : int
        Units of the output layer.
    hidden_activation : str or callable, default "relu"
        Activation of every hidden layer.
    output_activation : str, callable or None, default None
        Activation of the output layer; None means linear.
    dropout : float, default 0.0
        Dropout rate after each hidden layer (0 adds no Dropout layers).
    flatten_input_shape : tuple of int, optional
        Shape of one sample when the input must be flattened first, e.g. ``(28, 28)``.
    seed : int, optional
        Seed of the initialisers and dropout masks.
    **kwargs
        Passed to ``keras.Model`` (``name``, ``dtype``, ...).

    Notes
    -----
    Use :func:`build_mlp` with ``api="subclass"``: it validates the arguments and returns the
    model already built. A subclassed model has no connection graph, so ``summary()`` cannot show
    each layer's output shape until the model has been called.
    """

    def __init__(
        self,
        n_inputs,
        hidden,
        n_outputs,
        hidden_activation="relu",
        output_activation=None,
        dropout=0.0,
        flatten_input_shape=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_inputs = n_inputs
        self.hidden = tuple(hidden)
        self.n_outputs = n_outputs
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.dropout = dropout
        if flatten_input_shape is not None:
            flatten_input_shape = tuple(flatten_input_shape)
        self.flatten_input_shape = flatten_input_shape
        self.seed = seed
        stack = _mlp_layers(
            self.hidden,
            n_outputs,
            hidden_activation,
            output_activation,
            dropout,
            self.flatten_input_shape is not None,
            seed,
        )
        # Each layer becomes an attribute named like the layer ("hidden_1", ...); "output" is
        # taken by keras.Model, so the output layer is stored as `output_layer`.
        order = []
        for layer in stack:
            attribute = "output_layer" if layer.name == "output" else layer.name
            setattr(self, attribute, layer)
            order.append(attribute)
        self._layer_order = tuple(order)

    def call(self, inputs):
        x = inputs  # (N, D) or (N, *flatten_input_shape)
        for attribute in self._layer_order:
            x = getattr(self, attribute)(x)  # (N, M) for a dense layer
        return x  # (N, n_outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "n_inputs": self.n_inputs,
            "hidden": list(self.hidden),
            "n_outputs": self.n_outputs,
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "dropout": self.dropout,
            "flatten_input_shape": (
                None if self.flatten_input_shape is None else list(self.flatten_input_shape)
            ),
            "seed": self.seed,
        }


def build_mlp(
    n_inputs,
    hidden,
    n_outputs,
    hidden_activation="relu",
    output_activation=None,
    *,
    flatten_input_shape=None,
    dropout=0.0,
    api="sequential",
    name="mlp",
    seed=None,
) -> keras.Model:
    """Build a multilayer perceptron: [Flatten] → Dense hidden layers [+ Dropout] → Dense.

    The one builder behind every dense stack of the course (the other ``build_*`` functions for
    dense networks call it).

    Parameters
    ----------
    n_inputs : int or None
        Number of input features D. May be None when ``flatten_input_shape`` is given (D is then
        the product of that shape); when both are given they must agree.
    hidden : sequence of int
        Units M_1, M_2, ... of the hidden layers, e.g. ``(300, 100)``; ``()`` for none.
    n_outputs : int
        Units of the output layer (1 for one regression target or a binary problem, C classes).
    hidden_activation : str or callable, default "relu"
        Activation of every hidden layer.
    output_activation : str, callable or None, default None
        Activation of the output layer; None means linear (regression, or logits).
    flatten_input_shape : tuple of int, optional
        Shape of one sample, e.g. ``(28, 28)``; the model then takes inputs of shape
        ``(N, *flatten_input_shape)`` and starts with a ``Flatten`` layer named "flatten".
    dropout : float, default 0.0
        Rate of a Dropout layer ("dropout_i") after each hidden layer; 0 adds none.
    api : {"sequential", "functional", "subclass"}, default "sequential"
        Which Keras API builds the model (the subclassed one is an :class:`MLPModel`).
    name : str, default "mlp"
        The model's name.
    seed : int, optional
        Seed of the kernel initialisers and dropout masks.

    Returns
    -------
    keras.Model
        Uncompiled, built, with layers "flatten" (optional), "hidden_1", ["dropout_1"], ...,
        "output".

    Raises
    ------
    ValueError
        If a size is < 1, the dropout rate is outside [0, 1), a softmax output has fewer than 2
        units, ``n_inputs`` disagrees with ``flatten_input_shape``, or ``api`` is unknown.
    TypeError
        If ``hidden`` is not a sequence of integers or an activation is not a name or function.

    Notes
    -----
    A Dense layer from D inputs to M units has ``D * M`` weights and ``M`` biases, so the model
    has ``sum((fan_in + 1) * M)`` parameters over its Dense layers; Flatten and Dropout have none.
    For 784 → 784 → 10 (chapter 4): ``785 * 784 + 785 * 10 = 615,440 + 7,850 = 623,290``.

    Examples
    --------
    >>> model = build_mlp(784, (784,), 10, output_activation="softmax", seed=0)
    >>> model.count_params()
    623290
    >>> [layer.name for layer in model.layers]
    ['hidden_1', 'output']
    """
    where = "build_mlp"
    _check_api(api, APIS, where)
    seed = _check_seed(seed, where)
    hidden = _check_units(hidden, where)
    n_outputs = check_int(n_outputs, where=where, name="n_outputs")
    hidden_activation = _check_activation(hidden_activation, where, "hidden_activation")
    output_activation = _check_activation(output_activation, where, "output_activation")
    _check_softmax_units(output_activation, n_outputs, where, "n_outputs")
    dropout = check_fraction(dropout, where=where, name="dropout")

    if flatten_input_shape is not None:
        sample_shape = _check_units(flatten_input_shape, where, "flatten_input_shape")
        if not sample_shape:
            fail(where, "a non-empty flatten_input_shape", "()")
        flat = math.prod(sample_shape)
        if n_inputs is not None and check_int(n_inputs, where=where, name="n_inputs") != flat:
            fail(
                where,
                f"n_inputs equal to the flattened size of {sample_shape} ({flat})",
                f"n_inputs={n_inputs}",
                "Pass n_inputs=None to let the shape decide.",
            )
        n_inputs = flat
    else:
        if n_inputs is None:
            fail(where, "n_inputs as an integer (or a flatten_input_shape)", "None", exc=TypeError)
        n_inputs = check_int(n_inputs, where=where, name="n_inputs")
        sample_shape = (n_inputs,)

    if api == "subclass":
        model = MLPModel(
            n_inputs,
            hidden,
            n_outputs,
            hidden_activation=hidden_activation,
            output_activation=output_activation,
            dropout=dropout,
            flatten_input_shape=None if flatten_input_shape is None else sample_shape,
            seed=seed,
            name=name,
        )
        return _build_by_calling(model, _zeros(sample_shape))

    stack = _mlp_layers(
        hidden,
        n_outputs,
        hidden_activation,
        output_activation,
        dropout,
        flatten_input_shape is not None,
        seed,
    )
    if api == "sequential":
        return keras.Sequential([keras.Input(shape=sample_shape), *stack], name=name)
    inputs = keras.Input(shape=sample_shape, name="input")  # (N, D) or (N, *sample_shape)
    x = inputs
    for layer in stack:
        x = layer(x)  # (N, M) for a dense layer
    return keras.Model(inputs=inputs, outputs=x, name=name)  # output (N, n_outputs)


# ----------------------------------------------------------------------------------------------
# The worked designs of chapters 7 and 8
# ----------------------------------------------------------------------------------------------


def build_housing_regressor(
    n_features=13, *, hidden=(10, 10), api="sequential", name="housing_regressor", seed=None
) -> keras.Model:
    """Build the chapter-7 house-price regressor: 13 → 10 relu → 10 relu → 1 linear.

    Parameters
    ----------
    n_features : int, default 13
        Number of input features D.
    hidden : sequence of int, default (10, 10)
        Units of the ReLU hidden layers.
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "housing_regressor"
    seed : int, optional
        Seed of the initialisers.

    Returns
    -------
    keras.Model
        Uncompiled; one linear output unit (the price). Compile with ``compile_for(model,
        "regression", optimizer="rmsprop")`` as in the chapter.

    Notes
    -----
    Parameters: ``(D + 1) * 10 + (10 + 1) * 10 + (10 + 1) * 1``; for D = 13 that is
    ``140 + 110 + 11 = 261``.

    Examples
    --------
    >>> build_housing_regressor(seed=0).count_params()
    261
    """
    return build_mlp(n_features, hidden, 1, "relu", None, api=api, name=name, seed=seed)


def build_binary_classifier(
    n_features, hidden=(16, 16), *, api="sequential", name="fraud_detector", seed=None
) -> keras.Model:
    """Build a binary classifier (chapter 7's fraud detector): ReLU layers → 1 sigmoid unit.

    Parameters
    ----------
    n_features : int
        Number of input features D.
    hidden : sequence of int, default (16, 16)
        Units of the ReLU hidden layers.
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "fraud_detector"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; its output, of shape (N, 1), is P(class 1). Compile with
        ``compile_for(model, "binary")`` (binary cross-entropy, accuracy).

    Notes
    -----
    Parameters: ``sum((fan_in + 1) * M)`` over the Dense layers; with D = 30 and the default
    hidden sizes, ``31 * 16 + 17 * 16 + 17 * 1 = 785``.

    Examples
    --------
    >>> build_binary_classifier(30, seed=0).count_params()
    785
    """
    return build_mlp(n_features, hidden, 1, "relu", "sigmoid", api=api, name=name, seed=seed)


def build_multiclass_classifier(
    n_features=4,
    n_classes=5,
    hidden=(10, 10),
    *,
    api="sequential",
    name="age_group_classifier",
    seed=None,
) -> keras.Model:
    """Build a multiclass classifier (chapter 7's age groups): ReLU layers → C softmax units.

    The default is the age-group classifier: height, weight, gender and nose surface area
    (D = 4) → baby, toddler, preteen, teenager, adult (C = 5).

    Parameters
    ----------
    n_features : int, default 4
        Number of input features D.
    n_classes : int, default 5
        Number of classes C (at least 2).
    hidden : sequence of int, default (10, 10)
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "age_group_classifier"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; output probs of shape (N, C), rows summing to 1. Compile with
        ``compile_for(model, "multiclass")`` for one-hot labels or ``"sparse_multiclass"`` for
        integer labels.

    Raises
    ------
    ValueError
        If ``n_classes < 2`` (use :func:`build_binary_classifier` for two classes with one unit).

    Notes
    -----
    Parameters: ``(D + 1) * 10 + 11 * 10 + 11 * C``; defaults: ``50 + 110 + 55 = 215``.

    Examples
    --------
    >>> build_multiclass_classifier(seed=0).count_params()
    215
    """
    where = "build_multiclass_classifier"
    n_classes = check_int(n_classes, where=where, name="n_classes")
    _check_softmax_units("softmax", n_classes, where, "n_classes")
    return build_mlp(
        n_features, hidden, n_classes, "relu", "softmax", api=api, name=name, seed=seed
    )


def build_multilabel_classifier(
    n_features=3,
    n_labels=7,
    hidden=(10, 10),
    *,
    api="sequential",
    name="age_gender_multilabel",
    seed=None,
) -> keras.Model:
    """Build a multilabel classifier: ReLU hidden layers → one sigmoid unit per label.

    The default is chapter 7's multilabel version of the age classifier: height, weight and nose
    surface area (D = 3) → 5 age groups + 2 genders, each a separate yes/no probability.

    Parameters
    ----------
    n_features : int, default 3
    n_labels : int, default 7
        Number of independent labels.
    hidden : sequence of int, default (10, 10)
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "age_gender_multilabel"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; output of shape (N, n_labels) whose rows need not sum to 1. Compile with
        ``compile_for(model, "multilabel")``.

    Notes
    -----
    The flaw the chapter points out: nothing stops two age groups from both firing. The
    two-headed :func:`build_multitask_classifier` fixes it. Parameters:
    ``(D + 1) * 10 + 11 * 10 + 11 * n_labels``; defaults: ``40 + 110 + 77 = 227``.

    Examples
    --------
    >>> build_multilabel_classifier(seed=0).count_params()
    227
    """
    return build_mlp(n_features, hidden, n_labels, "relu", "sigmoid", api=api, name=name, seed=seed)


def build_regression_mlp(
    n_features, hidden=(30,), *, api="sequential", name="regression_mlp", seed=None
) -> keras.Model:
    """Build the chapter-8 regression MLP (California-housing style): D → 30 relu → 1 linear.

    Parameters
    ----------
    n_features : int
        Number of input features D (8 for California housing).
    hidden : sequence of int, default (30,)
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "regression_mlp"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled, one linear output unit. Compile with ``compile_for(model, "regression")``.

    Notes
    -----
    Parameters: ``(D + 1) * 30 + 31``; for D = 8, ``270 + 31 = 301``.

    Examples
    --------
    >>> build_regression_mlp(8, seed=0).count_params()
    301
    """
    return build_mlp(n_features, hidden, 1, "relu", None, api=api, name=name, seed=seed)


def build_mnist_classifier(
    hidden=(512, 512),
    dropout=0.0,
    *,
    input_shape=(28, 28),
    n_classes=10,
    api="sequential",
    name="mnist_classifier",
    seed=None,
) -> keras.Model:
    """Build chapter 7's image classifier: Flatten(28×28) → 512 relu → 512 relu → 10 softmax.

    Parameters
    ----------
    hidden : sequence of int, default (512, 512)
        Units of the ReLU hidden layers; ``(300, 100)`` gives the chapter-8 classifier.
    dropout : float, default 0.0
        Dropout rate after each hidden layer; the chapter uses 0.5 against overfitting.
    input_shape : tuple of int, default (28, 28)
        Shape of one image; the model takes (N, 28, 28) and flattens it itself, so do **not**
        feed it images already reshaped to (N, 784).
    n_classes : int, default 10
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "mnist_classifier"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; output probs of shape (N, 10). Compile with
        ``compile_for(model, "sparse_multiclass")`` for the integer labels Keras loads.

    Notes
    -----
    Parameters: ``785 * 512 + 513 * 512 + 513 * 10 = 401,920 + 262,656 + 5,130 = 669,706``
    (dropout adds none). With ``hidden=(300, 100)``:
    ``785 * 300 + 301 * 100 + 101 * 10 = 235,500 + 30,100 + 1,010 = 266,610``.

    Examples
    --------
    >>> build_mnist_classifier(seed=0).count_params()
    669706
    >>> [layer.name for layer in build_mnist_classifier(dropout=0.5, seed=0).layers]
    ['flatten', 'hidden_1', 'dropout_1', 'hidden_2', 'dropout_2', 'output']
    """
    where = "build_mnist_classifier"
    n_classes = check_int(n_classes, where=where, name="n_classes")
    _check_softmax_units("softmax", n_classes, where, "n_classes")
    return build_mlp(
        None,
        hidden,
        n_classes,
        "relu",
        "softmax",
        flatten_input_shape=input_shape,
        dropout=dropout,
        api=api,
        name=name,
        seed=seed,
    )


def build_fashion_classifier(
    hidden=(300, 100), *, api="sequential", name="fashion_classifier", seed=None
) -> keras.Model:
    """Build chapter 8's classifier: Flatten(28×28) → 300 relu → 100 relu → 10 softmax.

    Parameters
    ----------
    hidden : sequence of int, default (300, 100)
    api : {"sequential", "functional", "subclass"}, default "sequential"
    name : str, default "fashion_classifier"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; same as ``build_mnist_classifier(hidden=(300, 100))``.

    Notes
    -----
    Parameters: ``235,500 + 30,100 + 1,010 = 266,610``. On Fashion-MNIST it reaches about 89 %
    validation accuracy after 30 epochs.

    Examples
    --------
    >>> build_fashion_classifier(seed=0).count_params()
    266610
    """
    return build_mnist_classifier(hidden, api=api, name=name, seed=seed)


# ----------------------------------------------------------------------------------------------
# Multi-task: one shared trunk, one softmax head per task
# ----------------------------------------------------------------------------------------------


def _check_heads(heads, hidden: tuple[int, ...], where: str) -> dict[str, int]:
    if not isinstance(heads, Mapping):
        fail(
            where,
            'heads as a dict such as {"age_group": 5, "gender": 2}',
            type(heads).__name__,
            exc=TypeError,
        )
    if len(heads) < 2:
        fail(
            where,
            "at least 2 heads",
            f"{len(heads)} ({list(heads)})",
            "A model with one softmax head is build_multiclass_classifier.",
        )
    taken = {"input"} | {f"hidden_{i}" for i in range(1, len(hidden) + 1)}
    checked = {}
    for head, n_classes in heads.items():
        if not isinstance(head, str) or not head.isidentifier():
            fail(where, "head names that are Python identifiers", repr(head))
        if head in taken or hasattr(keras.Model, head):
            # The subclassed version stores each head as an attribute of that name.
            fail(
                where,
                f"head names other than {sorted(taken)} and keras.Model attributes",
                repr(head),
            )
        checked[head] = check_int(n_classes, where=where, name=f"heads[{head!r}]")
        _check_softmax_units("softmax", checked[head], where, f"heads[{head!r}]")
    return checked


@keras.saving.register_keras_serializable(package="course_pkg")
class MultiTaskModel(keras.Model):
    """A shared ReLU trunk with one softmax head per task, written with the Subclassing API.

    Parameters
    ----------
    heads : dict of str to int
        Head name → number of classes, in output order, e.g. ``{"age_group": 5, "gender": 2}``.
    hidden : sequence of int, default (10, 10)
        Units of the shared hidden layers.
    seed : int, optional
    **kwargs
        Passed to ``keras.Model``.

    Notes
    -----
    ``call`` returns a tuple of probability arrays, one per head, in the order of ``heads``;
    ``output_names`` lists the head names, so ``compile`` accepts losses keyed by head name.
    Build it with :func:`build_multitask_classifier`.
    """

    def __init__(self, heads, hidden=(10, 10), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.heads = dict(heads)
        self.hidden = tuple(hidden)
        self.seed = seed
        for i, units in enumerate(self.hidden, start=1):
            setattr(self, f"hidden_{i}", _dense(units, "relu", f"hidden_{i}", _layer_seed(seed, i)))
        self._trunk = tuple(f"hidden_{i}" for i in range(1, len(self.hidden) + 1))
        for j, (head, n_classes) in enumerate(self.heads.items(), start=len(self.hidden) + 1):
            setattr(self, head, _dense(n_classes, "softmax", head, _layer_seed(seed, j)))

    @property
    def output_names(self):
        return list(self.heads)

    def call(self, inputs):
        x = inputs  # (N, D)
        for attribute in self._trunk:
            x = getattr(self, attribute)(x)  # (N, M)
        return tuple(getattr(self, head)(x) for head in self.heads)  # each (N, C_head)

    def get_config(self):
        return {
            **super().get_config(),
            "heads": dict(self.heads),
            "hidden": list(self.hidden),
            "seed": self.seed,
        }


def build_multitask_classifier(
    n_features=3,
    heads=None,
    hidden=(10, 10),
    *,
    api="functional",
    name="age_gender_multitask",
    seed=None,
) -> keras.Model:
    """Build chapter 7's two-headed classifier: a shared ReLU trunk, one softmax head per task.

    Parameters
    ----------
    n_features : int, default 3
        Number of input features D (height, weight, nose surface area).
    heads : dict of str to int, optional
        Head name → number of classes, in output order. Defaults to
        ``{"age_group": 5, "gender": 2}``. Each head is a Dense softmax layer named after its key.
    hidden : sequence of int, default (10, 10)
        Units of the shared hidden layers.
    api : {"functional", "subclass"}, default "functional"
        A model with two outputs has no Sequential form.
    name : str, default "age_gender_multitask"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; ``predict`` returns one (N, C_head) probability array per head. Compile with
        ``compile_for(model, "multitask")`` (sparse categorical cross-entropy per head, losses
        keyed by head name) and fit with labels ``{"age_group": y_age, "gender": y_gender}``.

    Raises
    ------
    ValueError
        If there are fewer than 2 heads, a head has fewer than 2 classes or a head name clashes
        with a layer name.

    Notes
    -----
    Each softmax sums to 1 within its head, so exactly one age group and one gender are
    predicted: the fix for the multilabel model's flaw. Parameters:
    ``(D + 1) * 10 + 11 * 10 + sum(11 * C_head)``; defaults: ``40 + 110 + 55 + 22 = 227``.

    Examples
    --------
    >>> model = build_multitask_classifier(seed=0)
    >>> model.output_names, model.count_params()
    (['age_group', 'gender'], 227)
    """
    where = "build_multitask_classifier"
    why = "A model with several outputs has no Sequential form."
    _check_api(api, ("functional", "subclass"), where, why)
    seed = _check_seed(seed, where)
    n_features = check_int(n_features, where=where, name="n_features")
    hidden = _check_units(hidden, where)
    heads = _check_heads({"age_group": 5, "gender": 2} if heads is None else heads, hidden, where)

    if api == "subclass":
        model = MultiTaskModel(heads, hidden, seed=seed, name=name)
        return _build_by_calling(model, _zeros((n_features,)))

    inputs = keras.Input(shape=(n_features,), name="input")  # (N, D)
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = _dense(units, "relu", f"hidden_{i}", _layer_seed(seed, i))(x)  # (N, M)
    outputs = [
        _dense(n_classes, "softmax", head, _layer_seed(seed, j))(x)  # (N, C_head)
        for j, (head, n_classes) in enumerate(heads.items(), start=len(hidden) + 1)
    ]
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


# ----------------------------------------------------------------------------------------------
# Wide & Deep (Cheng et al., 2016): chapters 9 and 10
# ----------------------------------------------------------------------------------------------


def _deep_path(hidden: tuple[int, ...], activation, seed: int | None) -> list[layers.Dense]:
    return [
        _dense(units, activation, f"hidden_{i}", _layer_seed(seed, i))
        for i, units in enumerate(hidden, start=1)
    ]


def build_wide_and_deep(
    n_features=8, *, hidden=(30, 30), api="functional", name="wide_and_deep", seed=None
) -> keras.Model:
    """Build a single-input Wide & Deep network: the input joins the deep path's output.

    ``input → hidden_1 → hidden_2``, then ``concat([input, hidden_2]) → output`` (one linear
    unit): the wide path lets simple patterns skip the hidden layers.

    Parameters
    ----------
    n_features : int, default 8
        Number of input features D.
    hidden : sequence of int, default (30, 30)
        Units of the deep path's ReLU layers.
    api : {"functional"}, default "functional"
        The skip connection is not a plain stack, so there is no Sequential form.
    name : str, default "wide_and_deep"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled, layers "input", "hidden_1", "hidden_2", "concat", "output".

    Notes
    -----
    Parameters, with M_1, M_2 the hidden sizes:
    ``(D + 1) * M_1 + (M_1 + 1) * M_2 + (D + M_2 + 1)``; for D = 8:
    ``270 + 930 + 39 = 1,239``.

    Examples
    --------
    >>> build_wide_and_deep(seed=0).count_params()
    1239
    """
    where = "build_wide_and_deep"
    _check_api(
        api,
        ("functional",),
        where,
        "The input skips past the hidden layers, which a Sequential stack cannot express.",
    )
    seed = _check_seed(seed, where)
    n_features = check_int(n_features, where=where, name="n_features")
    hidden = _check_units(hidden, where)

    inputs = keras.Input(shape=(n_features,), name="input")  # (N, D)
    x = inputs
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([inputs, x])  # (N, D + M_last)
    output = _dense(1, None, "output", _layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
    return keras.Model(inputs=inputs, outputs=output, name=name)


def _two_inputs(n_wide: int, n_deep: int):
    wide = keras.Input(shape=(n_wide,), name="wide_input")  # (N, D_wide)
    deep = keras.Input(shape=(n_deep,), name="deep_input")  # (N, D_deep)
    return wide, deep


def build_wide_and_deep_two_inputs(
    n_wide=5,
    n_deep=6,
    *,
    hidden=(30, 30),
    api="functional",
    name="wide_and_deep_two_inputs",
    seed=None,
) -> keras.Model:
    """Build Wide & Deep with two named inputs: "wide_input" skips, "deep_input" goes through.

    Parameters
    ----------
    n_wide : int, default 5
        Features of the wide input (features 0–4 of California housing).
    n_deep : int, default 6
        Features of the deep input (features 2–7).
    hidden : sequence of int, default (30, 30)
    api : {"functional"}, default "functional"
    name : str, default "wide_and_deep_two_inputs"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; feed it ``{"wide_input": X_wide, "deep_input": X_deep}``, for example
        ``split_wide_deep(X)``.

    Notes
    -----
    Parameters: ``(D_deep + 1) * M_1 + (M_1 + 1) * M_2 + (D_wide + M_2 + 1)``; defaults:
    ``210 + 930 + 36 = 1,176``.

    Examples
    --------
    >>> model = build_wide_and_deep_two_inputs(seed=0)
    >>> [t.name for t in model.inputs], model.count_params()
    (['wide_input', 'deep_input'], 1176)
    """
    where = "build_wide_and_deep_two_inputs"
    _check_api(api, ("functional",), where, "A model with two inputs has no Sequential form.")
    seed = _check_seed(seed, where)
    n_wide = check_int(n_wide, where=where, name="n_wide")
    n_deep = check_int(n_deep, where=where, name="n_deep")
    hidden = _check_units(hidden, where)

    wide, deep = _two_inputs(n_wide, n_deep)
    x = deep
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([wide, x])  # (N, D_wide + M_last)
    output = _dense(1, None, "output", _layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
    return keras.Model(inputs=[wide, deep], outputs=output, name=name)


def _wide_and_deep_inputs(inputs, where: str):
    if isinstance(inputs, Mapping):
        missing = {"wide_input", "deep_input"} - set(inputs)
        if missing:
            fail(where, 'inputs with keys "wide_input" and "deep_input"', f"keys {sorted(inputs)}")
        return inputs["wide_input"], inputs["deep_input"]
    if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
        return inputs[0], inputs[1]
    fail(
        where,
        "a dict {'wide_input': X_wide, 'deep_input': X_deep} or a pair (X_wide, X_deep)",
        type(inputs).__name__,
        "split_wide_deep(X) makes the dict.",
        exc=TypeError,
    )


@keras.saving.register_keras_serializable(package="course_pkg")
class WideAndDeepModel(keras.Model):
    """Wide & Deep with a main and an auxiliary output, written with the Subclassing API.

    The layers are created in ``__init__``; ``call`` wires them: the deep input goes through the
    hidden layers, the wide input joins the last hidden layer at "concat", "main_output" reads
    the concatenation and "aux_output" reads the deep path alone (it regularises the deep path:
    it must be useful on its own).

    Parameters
    ----------
    hidden : sequence of int, default (30, 30)
        Units of the deep path's layers.
    activation : str, default "relu"
        Activation of the deep path.
    seed : int, optional
        Seed of the initialisers.
    **kwargs
        Passed to ``keras.Model`` (``name``, ...).

    Notes
    -----
    ``call(inputs)`` takes ``{"wide_input": X_wide, "deep_input": X_deep}`` or a pair
    ``(X_wide, X_deep)`` and returns ``(main, aux)``, each of shape (N, 1). ``get_config`` makes
    it savable as ``.keras`` (the class is registered as ``"course_pkg>WideAndDeepModel"``; import
    this module before ``keras.models.load_model``); ``save_weights("….weights.h5")`` always
    works.
    What the Subclassing API costs: ``summary()`` shows no connections, and Keras cannot check
    shapes before the first call.
    """

    def __init__(self, hidden=(30, 30), activation="relu", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.hidden = tuple(hidden)
        self.activation = activation
        self.seed = seed
        deep = _deep_path(self.hidden, activation, seed)
        for layer in deep:
            setattr(self, layer.name, layer)
        self._deep = tuple(layer.name for layer in deep)
        self.concat = layers.Concatenate(name="concat")
        self.main_output = _dense(1, None, "main_output", _layer_seed(seed, len(self.hidden) + 1))
        self.aux_output = _dense(1, None, "aux_output", _layer_seed(seed, len(self.hidden) + 2))

    @property
    def output_names(self):
        return ["main_output", "aux_output"]

    def call(self, inputs):
        # (N, D_wide), (N, D_deep)
        wide, deep = _wide_and_deep_inputs(inputs, "WideAndDeepModel.call")
        x = deep
        for attribute in self._deep:
            x = getattr(self, attribute)(x)  # (N, M)
        concat = self.concat([wide, x])  # (N, D_wide + M_last)
        return self.main_output(concat), self.aux_output(x)  # (N, 1), (N, 1)

    def get_config(self):
        return {
            **super().get_config(),
            "hidden": list(self.hidden),
            "activation": self.activation,
            "seed": self.seed,
        }


def build_wide_and_deep_aux(
    n_wide=5, n_deep=6, *, hidden=(30, 30), api="functional", name="wide_and_deep_aux", seed=None
) -> keras.Model:
    """Build Wide & Deep with two inputs and two outputs: "main_output" and "aux_output".

    Parameters
    ----------
    n_wide : int, default 5
    n_deep : int, default 6
    hidden : sequence of int, default (30, 30)
    api : {"functional", "subclass"}, default "functional"
        ``"subclass"`` returns a built :class:`WideAndDeepModel`.
    name : str, default "wide_and_deep_aux"
    seed : int, optional

    Returns
    -------
    keras.Model
        Uncompiled; ``predict`` returns ``[main, aux]`` (a tuple for the subclass), each (N, 1).
        Compile with ``compile_for(model, "regression", loss_weights=[0.9, 0.1])``: the main
        output matters most; ``evaluate`` then reports the total and each output's loss.

    Notes
    -----
    Parameters: those of :func:`build_wide_and_deep_two_inputs` plus ``M_last + 1`` for the
    auxiliary unit; defaults: ``210 + 930 + 36 + 31 = 1,207``.

    Examples
    --------
    >>> model = build_wide_and_deep_aux(seed=0)
    >>> model.output_names, model.count_params()
    (['main_output', 'aux_output'], 1207)
    """
    where = "build_wide_and_deep_aux"
    _check_api(
        api,
        ("functional", "subclass"),
        where,
        "A model with two inputs and two outputs has no Sequential form.",
    )
    seed = _check_seed(seed, where)
    n_wide = check_int(n_wide, where=where, name="n_wide")
    n_deep = check_int(n_deep, where=where, name="n_deep")
    hidden = _check_units(hidden, where)

    if api == "subclass":
        model = WideAndDeepModel(hidden, seed=seed, name=name)
        sample = {"wide_input": _zeros((n_wide,)), "deep_input": _zeros((n_deep,))}
        return _build_by_calling(model, sample)

    wide, deep = _two_inputs(n_wide, n_deep)
    x = deep
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([wide, x])  # (N, D_wide + M_last)
    main = _dense(1, None, "main_output", _layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
    aux = _dense(1, None, "aux_output", _layer_seed(seed, len(hidden) + 2))(x)  # (N, 1)
    return keras.Model(inputs=[wide, deep], outputs=[main, aux], name=name)


def split_wide_deep(X, n_wide=5, deep_start=2) -> dict[str, np.ndarray]:
    """Split a feature matrix into the two inputs of the Wide & Deep models.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        All features (D = 8 for California housing).
    n_wide : int, default 5
        The wide input takes features ``0 .. n_wide - 1``.
    deep_start : int, default 2
        The deep input takes features ``deep_start .. D - 1``. The defaults give the chapter's
        split: features 0–4 wide, 2–7 deep (2–4 go to both).

    Returns
    -------
    dict of str to ndarray
        ``{"wide_input": X[:, :n_wide], "deep_input": X[:, deep_start:]}``, ready for ``fit``,
        ``evaluate`` and ``predict`` of a two-input model.

    Raises
    ------
    ValueError
        If X is not 2-D or has too few columns for the split.

    Examples
    --------
    >>> parts = split_wide_deep(np.arange(16.0).reshape(2, 8))
    >>> parts["wide_input"].shape, parts["deep_input"].shape
    ((2, 5), (2, 6))
    """
    where = "split_wide_deep"
    X = check_array(X, where=where, name="X", ndim=2)
    n_wide = check_int(n_wide, where=where, name="n_wide")
    deep_start = check_int(deep_start, where=where, name="deep_start", minimum=0)
    need = max(n_wide, deep_start + 1)
    if X.shape[1] < need:
        fail(
            where,
            f"X with at least {need} columns for n_wide={n_wide}, deep_start={deep_start}",
            f"shape {format_shape(X.shape)}",
        )
    return {"wide_input": X[:, :n_wide], "deep_input": X[:, deep_start:]}


# ----------------------------------------------------------------------------------------------
# Compiling for a task
# ----------------------------------------------------------------------------------------------


def _producing_layer(tensor):
    history = getattr(tensor, "_keras_history", None)
    return None if history is None else history.operation


def _output_layers(model: keras.Model) -> list:
    """The layers that produce the model's outputs, in output order."""
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if outputs:
        found = [_producing_layer(t) for t in outputs]
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


def _layer_activation(layer) -> str | None:
    """The activation a layer applies last, by name ("relu", "softmax", "linear"), or None."""
    if isinstance(layer, layers.Softmax):
        return "softmax"
    if isinstance(layer, layers.ReLU):
        return "relu"
    activation = getattr(layer, "activation", None)
    if activation is None or isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def _layer_units(layer) -> int | None:
    units = getattr(layer, "units", None)
    if isinstance(units, numbers.Integral):
        return int(units)
    try:
        return int(layer.output.shape[-1])
    except (AttributeError, ValueError, TypeError, IndexError):
        return None


def _describe_output(layer) -> str:
    units = _layer_units(layer)
    if units is None:
        size = "an unknown number of units"
    else:
        size = f"{units} unit{'s' if units != 1 else ''}"
    return f"output '{layer.name}' with {size} and {_layer_activation(layer)} activation"


def _mismatch(task: str, expected: str, layer, fix: str):
    fail("compile_for", f"{expected} for task {task!r}", _describe_output(layer), fix)


def _logit_binary_loss_and_metrics():
    # Sigmoid outputs cross 0.5 where logits cross 0.
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    return loss, [keras.metrics.BinaryAccuracy(threshold=0.0)]


def _loss_and_metrics(task: str, layer):
    """The loss and metrics of one output for ``task``, after checking the output fits."""
    units = _layer_units(layer)
    activation = _layer_activation(layer)

    if task in ("regression", "regression_huber"):
        if activation == "softmax":
            _mismatch(
                task,
                "an output without softmax",
                layer,
                "Regression outputs are usually linear (activation=None); "
                "use 'multiclass' for classes.",
            )
        loss = "mse" if task == "regression" else keras.losses.Huber(delta=1.0)
        return loss, ["mae"]

    if task == "binary":
        if units == 1 and activation == "sigmoid":
            return "binary_crossentropy", ["accuracy"]
        if units == 1 and activation == "linear":
            return _logit_binary_loss_and_metrics()
        if activation == "softmax":
            fix = (
                "Use 'multiclass' (one-hot labels) or 'sparse_multiclass' (integer labels) for a "
                "softmax output, or end with Dense(1, activation='sigmoid')."
            )
        elif activation == "sigmoid":
            fix = "Several sigmoid units are independent labels: use 'multilabel'."
        else:
            fix = "End the model with Dense(1, activation='sigmoid')."
        _mismatch(task, "one sigmoid unit (or one linear logit)", layer, fix)

    if task in ("multiclass", "sparse_multiclass"):
        ok_units = units is None or units >= 2
        if ok_units and activation == "softmax":
            if task == "multiclass":
                return "categorical_crossentropy", ["accuracy"]
            return "sparse_categorical_crossentropy", ["accuracy"]
        if ok_units and activation == "linear":
            loss_class = (
                keras.losses.CategoricalCrossentropy
                if task == "multiclass"
                else keras.losses.SparseCategoricalCrossentropy
            )
            return loss_class(from_logits=True), ["accuracy"]
        if units == 1:
            fix = (
                "One unit cannot hold a distribution over classes: use 'binary' with a sigmoid "
                "unit, or give the output one unit per class."
            )
        elif activation == "sigmoid":
            fix = (
                "Sigmoid units do not compete: use 'multilabel', or activation='softmax' for one "
                "class per sample."
            )
        else:
            fix = "End the model with Dense(C, activation='softmax')."
        _mismatch(task, "a softmax output with one unit per class (or linear logits)", layer, fix)

    if task == "multilabel":
        if activation == "sigmoid":
            return "binary_crossentropy", ["binary_accuracy"]
        if activation == "linear":
            return _logit_binary_loss_and_metrics()
        fix = (
            "Softmax makes the labels compete so they cannot all be true: use activation='sigmoid'."
            if activation == "softmax"
            else "End the model with Dense(n_labels, activation='sigmoid')."
        )
        _mismatch(task, "one sigmoid unit per label", layer, fix)

    # multitask: each head by its activation
    if activation == "softmax":
        return "sparse_categorical_crossentropy", ["accuracy"]
    if activation == "sigmoid":
        return "binary_crossentropy", ["binary_accuracy"]
    if activation == "linear":
        return "mse", ["mae"]
    _mismatch(
        task,
        "heads with softmax, sigmoid or linear activation",
        layer,
        "Compile this model by hand with one loss per output.",
    )


def _make_optimizer(optimizer, learning_rate):
    where = "compile_for"
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if learning_rate is not None:
            fail(
                where,
                "learning_rate=None when optimizer is an instance",
                f"learning_rate={learning_rate!r}",
                "Give the rate to the optimizer itself, "
                "e.g. keras.optimizers.SGD(learning_rate=0.01).",
            )
        return optimizer
    if not isinstance(optimizer, str):
        fail(
            where,
            "optimizer as a name or a keras.optimizers.Optimizer",
            type(optimizer).__name__,
            exc=TypeError,
        )
    key = check_choice(optimizer.lower(), OPTIMIZERS, where=where, name="optimizer")
    if learning_rate is None:
        return OPTIMIZERS[key]()
    learning_rate = check_positive(learning_rate, where=where, name="learning_rate")
    return OPTIMIZERS[key](learning_rate=learning_rate)


def _per_output(value, names: list[str], where: str, name: str):
    """Turn a list (in output order) or a dict into a dict keyed by output name."""
    if isinstance(value, Mapping):
        unknown = set(value) - set(names)
        if unknown:
            fail(where, f"{name} keys among the output names {names}", f"{sorted(unknown)}")
        return dict(value)
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            fail(
                where,
                f"{name} with one entry per output ({len(names)}: {names})",
                f"{len(value)} entries",
            )
        return dict(zip(names, value))
    fail(
        where,
        f"{name} as a list in output order or a dict keyed by output name",
        type(value).__name__,
        exc=TypeError,
    )


def compile_for(
    model, task, *, optimizer="adam", learning_rate=None, metrics=None, loss_weights=None
) -> keras.Model:
    """Compile ``model`` with the loss, metrics and optimizer that suit ``task``.

    Parameters
    ----------
    model : keras.Model
        Any model of this module (or a learner's); its output layers are checked against the task.
    task : str
        One of :data:`TASKS`. The loss and default metrics per output:

        - "regression": mean squared error; MAE.
        - "regression_huber": Huber loss (delta = 1), for data with outliers; MAE.
        - "binary": binary cross-entropy (one sigmoid unit); accuracy.
        - "multiclass": categorical cross-entropy (one-hot labels, softmax); accuracy.
        - "sparse_multiclass": sparse categorical cross-entropy (integer labels); accuracy.
        - "multilabel": binary cross-entropy per sigmoid unit; binary accuracy.
        - "multitask": per head, by its activation: sparse categorical cross-entropy
          (softmax), binary cross-entropy (sigmoid) or MSE (linear).
    optimizer : str or keras.optimizers.Optimizer, default "adam"
        A name from :data:`OPTIMIZERS` ("sgd", "rmsprop", "adam", ...) built with
        ``learning_rate=``, or an optimizer instance used as is.
    learning_rate : float, optional
        Learning rate for a named optimizer; defaults to that optimizer's Keras default.
    metrics : list or dict, optional
        Replaces the task's default metrics. For a multi-output model a list applies to every
        output (use metric names, not shared metric objects) and a dict is keyed by output name.
    loss_weights : list or dict, optional
        For a multi-output model, one weight per output, in output order (e.g. ``[0.9, 0.1]``)
        or keyed by output name. The total loss is the weighted sum.

    Returns
    -------
    keras.Model
        The same model, compiled.

    Raises
    ------
    ValueError
        If the task or optimizer name is unknown (the message lists the known ones), the task
        does not fit an output layer (e.g. "binary" on a 10-unit softmax output, "multitask" on a
        single-output model), or ``loss_weights``/``metrics`` do not match the outputs.
    TypeError
        If ``model`` is not a ``keras.Model``.

    Notes
    -----
    For a multi-output model the losses and metrics are dicts keyed by output name, so labels
    can be passed as ``{"main_output": y, "aux_output": y}``; every output is checked against the
    task ("regression" on the Wide & Deep model with an auxiliary output compiles both outputs
    for regression). Outputs without an activation are taken as logits for the classification
    tasks (the loss gets ``from_logits=True``; binary accuracy then thresholds at 0).

    Examples
    --------
    >>> model = compile_for(build_housing_regressor(seed=0), "regression", optimizer="rmsprop")
    >>> type(model.optimizer).__name__, model.loss
    ('RMSprop', 'mse')
    """
    where = "compile_for"
    if not isinstance(model, keras.Model):
        fail(where, "model as a keras.Model", type(model).__name__, exc=TypeError)
    check_choice(task, TASKS, where=where, name="task")
    outputs = _output_layers(model)
    if not outputs:
        fail(
            where, "a model with layers", f"model '{model.name}' with none", "Add layers first."
        )
    names = [layer.name for layer in outputs]
    if task == "multitask" and len(outputs) < 2:
        fail(
            where,
            "a model with two or more outputs for task 'multitask'",
            f"model '{model.name}' with 1 output ('{names[0]}')",
            "Use 'multiclass', 'sparse_multiclass', 'binary' or 'multilabel' for a single output.",
        )

    chosen = {layer.name: _loss_and_metrics(task, layer) for layer in outputs}
    opt = _make_optimizer(optimizer, learning_rate)

    if len(outputs) == 1:
        loss, default_metrics = chosen[names[0]]
        if metrics is None:
            metrics = default_metrics
        elif isinstance(metrics, Mapping):
            metrics = _per_output(metrics, names, where, "metrics")[names[0]]
        if loss_weights is not None:
            loss_weights = _per_output(loss_weights, names, where, "loss_weights")[names[0]]
        model.compile(optimizer=opt, loss=loss, metrics=list(metrics), loss_weights=loss_weights)
        return model

    loss = {n: chosen[n][0] for n in names}
    if metrics is None:
        metrics = {n: chosen[n][1] for n in names}
    elif isinstance(metrics, Mapping):
        metrics = _per_output(metrics, names, where, "metrics")
    else:
        metrics = {n: list(metrics) for n in names}
    if loss_weights is not None:
        loss_weights = _per_output(loss_weights, names, where, "loss_weights")
        missing = set(names) - set(loss_weights)
        if missing:
            fail(where, f"a loss weight for every output {names}", f"none for {sorted(missing)}")
    model.compile(optimizer=opt, loss=loss, metrics=metrics, loss_weights=loss_weights)
    return model


# ----------------------------------------------------------------------------------------------
# Counting parameters
# ----------------------------------------------------------------------------------------------


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
    >>> layer_param_counts(build_fashion_classifier(seed=0))
    {'flatten': 0, 'hidden_1': 235500, 'hidden_2': 30100, 'output': 1010}
    """
    _check_built(model, "layer_param_counts")
    return {
        layer.name: int(sum(math.prod(w.shape) for w in layer.weights))
        for layer in model.layers
        if not isinstance(layer, layers.InputLayer)
    }
