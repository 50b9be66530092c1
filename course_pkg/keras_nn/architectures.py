"""Models with several inputs or outputs (chapters 7, 9 and 10): multi-task and Wide & Deep.

A shared trunk with one softmax head per task (:func:`build_multitask_classifier`), and the three
Wide & Deep networks of Cheng et al. (2016): one input joining the deep path's output
(:func:`build_wide_and_deep`), two named inputs (:func:`build_wide_and_deep_two_inputs`), and two
inputs with a main and an auxiliary output (:func:`build_wide_and_deep_aux`,
:class:`WideAndDeepModel`). None of them is a plain stack, so none has a Sequential form; the
conventions (``api``, ``name``, ``seed``, stable layer names) are those of
``course_pkg.keras_nn.builders``.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import numpy as np
from keras import layers

from course_pkg._checks import check_array, check_int, fail, format_shape
from course_pkg.keras_nn._layers import (
    build_by_calling,
    check_api,
    check_seed,
    check_softmax_units,
    check_units,
    layer_seed,
    seeded_dense,
    zeros_sample,
)

__all__ = [
    "MultiTaskModel",
    "WideAndDeepModel",
    "build_multitask_classifier",
    "build_wide_and_deep",
    "build_wide_and_deep_two_inputs",
    "build_wide_and_deep_aux",
    "split_wide_deep",
]


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
            "A model with one softmax head is builders.build_multiclass_classifier.",
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
        check_softmax_units("softmax", checked[head], where, f"heads[{head!r}]")
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
            setattr(self, f"hidden_{i}", seeded_dense(units, "relu", f"hidden_{i}", layer_seed(seed, i)))
        self._trunk = tuple(f"hidden_{i}" for i in range(1, len(self.hidden) + 1))
        for j, (head, n_classes) in enumerate(self.heads.items(), start=len(self.hidden) + 1):
            setattr(self, head, seeded_dense(n_classes, "softmax", head, layer_seed(seed, j)))

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
    check_api(api, ("functional", "subclass"), where, why)
    seed = check_seed(seed, where)
    n_features = check_int(n_features, where=where, name="n_features")
    hidden = check_units(hidden, where)
    heads = _check_heads({"age_group": 5, "gender": 2} if heads is None else heads, hidden, where)

    if api == "subclass":
        model = MultiTaskModel(heads, hidden, seed=seed, name=name)
        return build_by_calling(model, zeros_sample((n_features,)))

    inputs = keras.Input(shape=(n_features,), name="input")  # (N, D)
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = seeded_dense(units, "relu", f"hidden_{i}", layer_seed(seed, i))(x)  # (N, M)
    outputs = [
        seeded_dense(n_classes, "softmax", head, layer_seed(seed, j))(x)  # (N, C_head)
        for j, (head, n_classes) in enumerate(heads.items(), start=len(hidden) + 1)
    ]
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


# Wide & Deep (Cheng et al., 2016): chapters 9 and 10


def _deep_path(hidden: tuple[int, ...], activation, seed: int | None) -> list[layers.Dense]:
    return [
        seeded_dense(units, activation, f"hidden_{i}", layer_seed(seed, i))
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
    check_api(
        api,
        ("functional",),
        where,
        "The input skips past the hidden layers, which a Sequential stack cannot express.",
    )
    seed = check_seed(seed, where)
    n_features = check_int(n_features, where=where, name="n_features")
    hidden = check_units(hidden, where)

    inputs = keras.Input(shape=(n_features,), name="input")  # (N, D)
    x = inputs
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([inputs, x])  # (N, D + M_last)
    output = seeded_dense(1, None, "output", layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
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
    check_api(api, ("functional",), where, "A model with two inputs has no Sequential form.")
    seed = check_seed(seed, where)
    n_wide = check_int(n_wide, where=where, name="n_wide")
    n_deep = check_int(n_deep, where=where, name="n_deep")
    hidden = check_units(hidden, where)

    wide, deep = _two_inputs(n_wide, n_deep)
    x = deep
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([wide, x])  # (N, D_wide + M_last)
    output = seeded_dense(1, None, "output", layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
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
        self.main_output = seeded_dense(1, None, "main_output", layer_seed(seed, len(self.hidden) + 1))
        self.aux_output = seeded_dense(1, None, "aux_output", layer_seed(seed, len(self.hidden) + 2))

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
    check_api(
        api,
        ("functional", "subclass"),
        where,
        "A model with two inputs and two outputs has no Sequential form.",
    )
    seed = check_seed(seed, where)
    n_wide = check_int(n_wide, where=where, name="n_wide")
    n_deep = check_int(n_deep, where=where, name="n_deep")
    hidden = check_units(hidden, where)

    if api == "subclass":
        model = WideAndDeepModel(hidden, seed=seed, name=name)
        sample = {"wide_input": zeros_sample((n_wide,)), "deep_input": zeros_sample((n_deep,))}
        return build_by_calling(model, sample)

    wide, deep = _two_inputs(n_wide, n_deep)
    x = deep
    for layer in _deep_path(hidden, "relu", seed):
        x = layer(x)  # (N, M)
    concat = layers.Concatenate(name="concat")([wide, x])  # (N, D_wide + M_last)
    main = seeded_dense(1, None, "main_output", layer_seed(seed, len(hidden) + 1))(concat)  # (N, 1)
    aux = seeded_dense(1, None, "aux_output", layer_seed(seed, len(hidden) + 2))(x)  # (N, 1)
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
