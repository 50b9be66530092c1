"""Dense networks in Keras: the one builder ``build_mlp`` and the chapters' presets over it.

Every dense stack of the course comes from :func:`build_mlp`, which takes the network's sizes the
way the NumPy track's ``MLP`` does, ``layer_sizes = [D, M_1, ..., C]``, and builds it with the
Sequential, Functional or Subclassing API. The presets (:func:`build_housing_regressor`,
:func:`build_binary_classifier`, :func:`build_multiclass_classifier`,
:func:`build_multilabel_classifier`, :func:`build_mnist_classifier`) only choose its arguments.
Models with several inputs or outputs live in ``course_pkg.keras_nn.architectures``.

Each builder returns an **uncompiled** model; ``course_pkg.keras_nn.compile.compile_for`` then
picks the loss, the metrics and the optimizer for a task, so the book can show the architecture
and the training set-up as two separate decisions.

Conventions shared by every builder:

``api``
    ``"sequential"``, ``"functional"`` or ``"subclass"``; any other value raises ``ValueError``
    listing the APIs. Subclassed models are returned already built (called once on a batch of
    zeros), so their parameters can be counted and their weights copied straight away.
``name``
    The model's name; every builder has a default that says what the model is.
``seed``
    Seeds the kernel initialisers (Glorot uniform, layer ``i`` gets ``seed + i``) and the dropout
    masks, so two builds with the same seed start from identical weights in every API.
Layer names
    ``"flatten"``, ``"hidden_1"``, ``"dropout_1"``, ``"hidden_2"``, ..., ``"output"``, in every
    API, and the same names as the NumPy track's ``MLP`` gives its layers: the NumPy parameter
    ``"hidden_1/W"`` is this model's ``get_layer("hidden_1").kernel``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import layers

from course_pkg._checks import check_fraction, check_int, fail
from course_pkg.keras_nn._layers import (
    APIS,
    build_by_calling,
    check_activation,
    check_api,
    check_seed,
    check_softmax_units,
    check_units,
    layer_seed,
    seeded_dense,
    zeros_sample,
)

__all__ = [
    "APIS",
    "MLPModel",
    "build_mlp",
    "build_housing_regressor",
    "build_binary_classifier",
    "build_multiclass_classifier",
    "build_multilabel_classifier",
    "build_mnist_classifier",
]


def _mlp_layers(
    layer_sizes: Sequence[int],
    hidden_activation,
    output_activation,
    dropout: float,
    flatten: bool,
    seed: int | None,
) -> list[layers.Layer]:
    """The layers of a dense stack, in order, shared by all three APIs."""
    hidden, n_outputs = layer_sizes[1:-1], layer_sizes[-1]
    stack: list[layers.Layer] = []
    if flatten:
        stack.append(layers.Flatten(name="flatten"))
    for i, units in enumerate(hidden, start=1):
        stack.append(seeded_dense(units, hidden_activation, f"hidden_{i}", layer_seed(seed, i)))
        if dropout > 0:
            stack.append(layers.Dropout(dropout, seed=layer_seed(seed, i), name=f"dropout_{i}"))
    stack.append(seeded_dense(n_outputs, output_activation, "output", layer_seed(seed, len(hidden) + 1)))
    return stack


@keras.saving.register_keras_serializable(package="course_pkg")
class MLPModel(keras.Model):
    """A multilayer perceptron written with the Subclassing API.

    The layers are created in ``__init__`` and applied in ``call``; they are the same layers,
    with the same names, as the Sequential and Functional versions that :func:`build_mlp` makes.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, M_1, ..., C]``: input features (after flattening), hidden units, outputs.
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
        layer_sizes,
        hidden_activation="relu",
        output_activation=None,
        dropout=0.0,
        flatten_input_shape=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.layer_sizes = list(layer_sizes)
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.dropout = dropout
        if flatten_input_shape is not None:
            flatten_input_shape = tuple(flatten_input_shape)
        self.flatten_input_shape = flatten_input_shape
        self.seed = seed
        stack = _mlp_layers(
            self.layer_sizes,
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
        return x  # (N, C)

    def get_config(self):
        return {
            **super().get_config(),
            "layer_sizes": list(self.layer_sizes),
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "dropout": self.dropout,
            "flatten_input_shape": (
                None if self.flatten_input_shape is None else list(self.flatten_input_shape)
            ),
            "seed": self.seed,
        }


def _check_layer_sizes(layer_sizes, flatten_input_shape, where: str) -> tuple[list[int], tuple[int, ...]]:
    """Validate ``[D, M_1, ..., C]`` (D may be None with ``flatten_input_shape``); return it and one sample's shape."""
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        fail(
            where,
            "layer_sizes as a list of ints such as [784, 128, 10] (inputs, hidden units..., outputs)",
            f"{type(layer_sizes).__name__} {layer_sizes!r}",
            exc=TypeError,
        )
    if len(layer_sizes) < 2:
        fail(where, "layer_sizes with at least 2 entries (inputs and outputs)", repr(list(layer_sizes)))
    sizes = [None if i == 0 and s is None else check_int(s, where=where, name=f"layer_sizes[{i}]")
             for i, s in enumerate(layer_sizes)]
    if flatten_input_shape is None:
        if sizes[0] is None:
            fail(
                where,
                "layer_sizes[0] as the number of input features (or a flatten_input_shape)",
                "None",
                exc=TypeError,
            )
        return sizes, (sizes[0],)
    sample_shape = check_units(flatten_input_shape, where, "flatten_input_shape")
    if not sample_shape:
        fail(where, "a non-empty flatten_input_shape", "()")
    flat = math.prod(sample_shape)
    if sizes[0] is not None and sizes[0] != flat:
        fail(
            where,
            f"layer_sizes[0] equal to the flattened size of {sample_shape} ({flat})",
            f"layer_sizes[0]={sizes[0]}",
            "Pass None as layer_sizes[0] to let the shape decide.",
        )
    sizes[0] = flat
    return sizes, sample_shape


def build_mlp(
    layer_sizes,
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

    The one builder behind every dense stack of the course, with the sizes written as for the
    NumPy track's ``MLP(layer_sizes)``.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[D, M_1, ..., C]``: D input features, the units of each hidden layer, C outputs (1 for
        one regression target or a binary problem, C classes), e.g. ``[784, 300, 100, 10]``;
        ``[D, C]`` has no hidden layer. D may be None when ``flatten_input_shape`` is given: it is
        then the product of that shape (``[None, 300, 100, 10]`` with ``(28, 28)`` gives D = 784);
        when both are given they must agree.
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
        If a size is < 1, there are fewer than 2 sizes, the dropout rate is outside [0, 1), a
        softmax output has fewer than 2 units, ``layer_sizes[0]`` disagrees with
        ``flatten_input_shape``, or ``api`` is unknown.
    TypeError
        If ``layer_sizes`` is not a sequence of integers or an activation is not a name or
        function.

    Notes
    -----
    A Dense layer from D inputs to M units has ``D * M`` weights and ``M`` biases, so the model
    has ``sum((fan_in + 1) * M)`` parameters over its Dense layers; Flatten and Dropout have none.
    For 784 → 784 → 10 (chapter 4): ``785 * 784 + 785 * 10 = 615,440 + 7,850 = 623,290``.

    Examples
    --------
    >>> model = build_mlp([784, 784, 10], output_activation="softmax", seed=0)
    >>> model.count_params()
    623290
    >>> [layer.name for layer in model.layers]
    ['hidden_1', 'output']
    >>> images = build_mlp([None, 300, 100, 10], output_activation="softmax", flatten_input_shape=(28, 28))
    >>> images.input_shape, images.count_params()
    ((None, 28, 28), 266610)
    """
    where = "build_mlp"
    check_api(api, APIS, where)
    seed = check_seed(seed, where)
    sizes, sample_shape = _check_layer_sizes(layer_sizes, flatten_input_shape, where)
    hidden_activation = check_activation(hidden_activation, where, "hidden_activation")
    output_activation = check_activation(output_activation, where, "output_activation")
    check_softmax_units(output_activation, sizes[-1], where, "layer_sizes[-1]")
    dropout = check_fraction(dropout, where=where, name="dropout")
    flatten = flatten_input_shape is not None

    if api == "subclass":
        model = MLPModel(
            sizes,
            hidden_activation=hidden_activation,
            output_activation=output_activation,
            dropout=dropout,
            flatten_input_shape=sample_shape if flatten else None,
            seed=seed,
            name=name,
        )
        return build_by_calling(model, zeros_sample(sample_shape))

    stack = _mlp_layers(sizes, hidden_activation, output_activation, dropout, flatten, seed)
    if api == "sequential":
        return keras.Sequential([keras.Input(shape=sample_shape), *stack], name=name)
    inputs = keras.Input(shape=sample_shape, name="input")  # (N, D) or (N, *sample_shape)
    x = inputs
    for layer in stack:
        x = layer(x)  # (N, M) for a dense layer
    return keras.Model(inputs=inputs, outputs=x, name=name)  # output (N, C)


# ----------------------------------------------------------------------------------------------
# Presets: the worked designs of chapters 7 and 8, each a choice of build_mlp's arguments
# ----------------------------------------------------------------------------------------------


def _preset_sizes(where: str, n_features, hidden, n_outputs, outputs_name: str, *, softmax=False) -> list:
    """``[n_features, *hidden, n_outputs]`` checked under the preset's own argument names."""
    sizes = [
        None if n_features is None else check_int(n_features, where=where, name="n_features"),
        *check_units(hidden, where),
        check_int(n_outputs, where=where, name=outputs_name),
    ]
    if softmax:
        check_softmax_units("softmax", sizes[-1], where, outputs_name)
    return sizes


def build_housing_regressor(
    n_features=13, hidden=(10, 10), *, api="sequential", name="housing_regressor", seed=None
) -> keras.Model:
    """Build a house-price regressor: D → ReLU hidden layers → 1 linear unit.

    Chapter 7's Boston network is the default, 13 → 10 → 10 → 1; chapter 8's California-housing
    network is ``build_housing_regressor(8, hidden=(30,))``.

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
        "regression", optimizer="rmsprop")`` as in chapter 7.

    Notes
    -----
    Parameters: ``sum((fan_in + 1) * M)``; for the default, ``14 * 10 + 11 * 10 + 11 * 1 =
    140 + 110 + 11 = 261``; for ``(8, hidden=(30,))``, ``9 * 30 + 31 = 301``.

    Examples
    --------
    >>> build_housing_regressor(seed=0).count_params(), build_housing_regressor(8, hidden=(30,)).count_params()
    (261, 301)
    """
    sizes = _preset_sizes("build_housing_regressor", n_features, hidden, 1, "n_outputs")
    return build_mlp(sizes, "relu", None, api=api, name=name, seed=seed)


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
    sizes = _preset_sizes("build_binary_classifier", n_features, hidden, 1, "n_outputs")
    return build_mlp(sizes, "relu", "sigmoid", api=api, name=name, seed=seed)


def build_multiclass_classifier(
    n_features=4, n_classes=5, hidden=(10, 10), *, api="sequential", name="age_group_classifier", seed=None
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
    sizes = _preset_sizes("build_multiclass_classifier", n_features, hidden, n_classes, "n_classes", softmax=True)
    return build_mlp(sizes, "relu", "softmax", api=api, name=name, seed=seed)


def build_multilabel_classifier(
    n_features=3, n_labels=7, hidden=(10, 10), *, api="sequential", name="age_gender_multilabel", seed=None
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
    two-headed ``course_pkg.keras_nn.architectures.build_multitask_classifier`` fixes it.
    Parameters: ``(D + 1) * 10 + 11 * 10 + 11 * n_labels``; defaults: ``40 + 110 + 77 = 227``.

    Examples
    --------
    >>> build_multilabel_classifier(seed=0).count_params()
    227
    """
    sizes = _preset_sizes("build_multilabel_classifier", n_features, hidden, n_labels, "n_labels")
    return build_mlp(sizes, "relu", "sigmoid", api=api, name=name, seed=seed)


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
    """Build an image classifier: Flatten(28×28) → ReLU hidden layers → 10 softmax units.

    Chapter 7's MNIST network is the default, 512 → 512; chapter 8's Fashion-MNIST network is
    ``build_mnist_classifier((300, 100), name="fashion_classifier")`` (the same 28×28 images).

    Parameters
    ----------
    hidden : sequence of int, default (512, 512)
        Units of the ReLU hidden layers.
    dropout : float, default 0.0
        Dropout rate after each hidden layer; chapter 7 uses 0.5 against overfitting.
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
    ``785 * 300 + 301 * 100 + 101 * 10 = 235,500 + 30,100 + 1,010 = 266,610``; on
    Fashion-MNIST it reaches about 89 % validation accuracy after 30 epochs.

    Examples
    --------
    >>> build_mnist_classifier(seed=0).count_params(), build_mnist_classifier((300, 100)).count_params()
    (669706, 266610)
    >>> [layer.name for layer in build_mnist_classifier(dropout=0.5, seed=0).layers]
    ['flatten', 'hidden_1', 'dropout_1', 'hidden_2', 'dropout_2', 'output']
    """
    sizes = _preset_sizes("build_mnist_classifier", None, hidden, n_classes, "n_classes", softmax=True)
    return build_mlp(
        sizes, "relu", "softmax", flatten_input_shape=input_shape, dropout=dropout, api=api, name=name, seed=seed
    )
