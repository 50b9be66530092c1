"""Compiling a Keras model for a task: the loss, the metrics and the optimizer that suit it.

``compile_for(model, task)`` reads the model's output layers (``course_pkg.keras_nn.inspection``),
checks that they fit the task ("binary" needs one sigmoid unit, "multiclass" a softmax, ...) and
compiles the model with the matching loss and metrics, and with ``"adam"`` at Keras' default
learning rate unless told otherwise, as the NumPy track's ``MLP.fit`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras

from course_pkg._checks import check_choice, check_positive, fail
from course_pkg.keras_nn.inspection import describe_output, layer_activation, layer_units, output_layers

__all__ = ["TASKS", "OPTIMIZERS", "compile_for"]

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


def _mismatch(task: str, expected: str, layer, fix: str):
    fail("compile_for", f"{expected} for task {task!r}", describe_output(layer), fix)


def _logit_binary_loss_and_metrics():
    # Sigmoid outputs cross 0.5 where logits cross 0.
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    return loss, [keras.metrics.BinaryAccuracy(threshold=0.0)]


def _loss_and_metrics(task: str, layer):
    """The loss and metrics of one output for ``task``, after checking the output fits."""
    units = layer_units(layer)
    activation = layer_activation(layer)

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
        Any model of the course's builders (or a learner's); its output layers are checked
        against the task.
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
    >>> from course_pkg.keras_nn.builders import build_housing_regressor
    >>> model = compile_for(build_housing_regressor(seed=0), "regression", optimizer="rmsprop")
    >>> type(model.optimizer).__name__, model.loss
    ('RMSprop', 'mse')
    """
    where = "compile_for"
    if not isinstance(model, keras.Model):
        fail(where, "model as a keras.Model", type(model).__name__, exc=TypeError)
    check_choice(task, TASKS, where=where, name="task")
    outputs = output_layers(model)
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
