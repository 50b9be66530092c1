"""Keras models as data: what the Keras assignments' probes return and their judges compare.

A probe builds the learner's model where the learner's code runs (in the grading sandbox, or in
the learner's notebook for the visible cases) and hands back only a description of it:
:func:`describe_model` lists its inputs, outputs, layers (type, units, activation, dropout rate,
output shape, parameter count) and parameter counts, and :func:`compile_settings` its loss per
output, optimizer and metrics, each by a canonical name. The judge, outside, compares two such
descriptions with :func:`architecture_differences` and :func:`compile_problem`; it never sees a
model object.

Describing a layer uses :func:`course_pkg.keras_nn.compare.summarize_layers`, which is why that
module and :mod:`course_pkg.keras_nn.inspection` stay importable in the sandbox (see
``SANDBOX_IMPORTABLE`` in :mod:`course_pkg.checks`): they read models, and hold no reference
solution. TensorFlow is imported only when a probe runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re

__all__ = ["describe_model", "compile_settings", "architecture_differences", "compile_problem", "ACCURACY_METRICS"]

# Spellings of a loss that Keras accepts, by the name its config uses.
_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy",
}
_METRIC_ALIASES = {"acc": "accuracy", "mse": "mean_squared_error", "mae": "mean_absolute_error"}
# keras.metrics.Accuracy counts exact equality of predictions and labels: not a classifier's accuracy.
_METRIC_CLASSES = {"Accuracy": "exact_match"}
#: The metrics that compute a classifier's accuracy, by the kind of labels: "accuracy" (or "acc")
#: is matched to the loss by Keras; a metric object counts by what it computes.
ACCURACY_METRICS = {
    "binary": {"accuracy", "binary_accuracy"},
    "categorical": {"accuracy", "categorical_accuracy"},
    "sparse_categorical": {"accuracy", "sparse_categorical_accuracy"},
}


def _keras():
    import keras  # noqa: PLC0415 - TensorFlow is imported only when a probe runs

    return keras


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _batchless(shape) -> list | None:
    if shape is None:
        return None
    return [None, *(None if s is None else int(s) for s in tuple(shape)[1:])]


def _try(read, default=None):
    try:
        return read()
    except (AttributeError, ValueError, TypeError):  # subclassed models lack symbolic inputs and outputs
        return default


def describe_model(model) -> dict:
    """Describe a Keras model as plain data (no weights' values).

    Parameters
    ----------
    model : object
        Whatever the learner's builder returned.

    Returns
    -------
    dict
        ``{"is_model": False, "type": ...}`` for anything but a ``keras.Model``;
        ``{"is_model": True, "built": False}`` for a model without weights; else also
        ``inputs`` (batchless shapes, or None when the model does not say), ``n_outputs``,
        ``output_names``, ``layers`` (one dict per layer, see
        :class:`course_pkg.keras_nn.compare.LayerSummary`), ``params``, ``trainable_params``
        and ``compile`` (see :func:`compile_settings`).

    Notes
    -----
    A model whose only layer is another model is described as that inner model: both compute
    the same function.
    """
    keras = _keras()
    from course_pkg.keras_nn.compare import summarize_layers

    if not isinstance(model, keras.Model):
        return {"is_model": False, "type": type(model).__name__}
    if not model.built:
        return {"is_model": True, "built": False}
    outer = model
    while True:
        inner = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if len(inner) != 1 or not isinstance(inner[0], keras.Model):
            break
        model = inner[0]
    inputs = _try(lambda: model.inputs)
    outputs = _try(lambda: model.outputs)
    names = _try(lambda: list(model.output_names)) or []
    return {
        "is_model": True,
        "built": True,
        "inputs": [_batchless(t.shape) for t in inputs] if inputs else None,
        "n_outputs": len(outputs) if outputs else (len(names) or None),
        "output_names": [str(n) for n in names],
        "layers": [dataclasses.asdict(summary) for summary in summarize_layers(model)],
        "params": sum(math.prod(w.shape) for w in model.weights),
        "trainable_params": sum(math.prod(w.shape) for w in model.trainable_weights),
        "compile": compile_settings(outer),
    }


def _loss_name(loss) -> list:
    """``[canonical name, from_logits]`` of a loss as given to ``compile``."""
    keras = _keras()
    if isinstance(loss, str):
        key = loss.lower()
        if key in _LOSS_ALIASES:
            return [_LOSS_ALIASES[key], False]
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return [key, False]
    config = _try(loss.get_config, {}) if hasattr(loss, "get_config") else {}
    name = config.get("name") or getattr(loss, "__name__", None) or _snake(type(loss).__name__)
    return [_LOSS_ALIASES.get(name, name), bool(config.get("from_logits", False))]


def _metric_name(metric) -> str:
    if isinstance(metric, str):
        return _METRIC_ALIASES.get(metric.lower(), metric.lower())
    if isinstance(metric, dict) and "class_name" in metric:  # a metric object, serialised by Keras
        name = str(metric["class_name"])
        return _METRIC_CLASSES.get(name, _snake(name))
    return str(getattr(metric, "__name__", type(metric).__name__)).lower()


def _flatten(metrics) -> list:
    if isinstance(metrics, dict):
        return [m for value in metrics.values() for m in _flatten(value)]
    if isinstance(metrics, (list, tuple)):
        return [m for value in metrics for m in _flatten(value)]
    return [] if metrics is None else [metrics]


def compile_settings(model) -> dict:
    """The compile settings of a model by canonical names.

    Returns
    -------
    dict
        ``{"compiled": False}``, or ``{"compiled": True, "losses": {output: [name, from_logits]},
        "optimizer": class name, "metrics": [names]}``. ``losses`` has the key ``""`` when one
        loss serves every output; metric objects are named by what they compute
        (``BinaryAccuracy()`` is ``"binary_accuracy"``), ``"acc"`` is ``"accuracy"``.
    """
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        return {"compiled": False}
    loss = model.loss
    names = _try(lambda: list(model.output_names)) or []
    if isinstance(loss, (list, tuple)) and len(loss) == len(names):
        loss = dict(zip(names, loss))
    if isinstance(loss, dict):
        losses = {str(key): _loss_name(value) for key, value in loss.items()}
    elif isinstance(loss, (list, tuple)):
        losses = {str(i): _loss_name(value) for i, value in enumerate(loss)}
    else:
        losses = {"": _loss_name(loss)}
    metrics = _try(lambda: model.get_compile_config().get("metrics"))
    return {"compiled": True, "losses": losses, "optimizer": type(model.optimizer).__name__,
            "metrics": sorted({_metric_name(m) for m in _flatten(metrics)})}


# --------------------------------------------------------------------------- comparing descriptions (trusted side)


def _shape(shape) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _layer(summary: dict, reveal: bool) -> str:
    details = []
    if summary["units"] is not None and reveal:
        details.append(str(summary["units"]))
    if summary["activation"] is not None and (summary["units"] is not None or summary["kind"] == "Activation"):
        details.append(summary["activation"])
    if summary["rate"] is not None and reveal:
        details.append(f"{summary['rate']:g}")
    return f"{summary['kind']}({', '.join(details)})" if details else summary["kind"]


def _label(summary: dict) -> str:
    return f"layer {summary['position']} ({summary['kind']})"


def _pair(mine: dict, ref: dict, reveal: bool, single_output: bool) -> list[str]:
    found = []
    if mine["kind"] != ref["kind"]:
        return [f"{_label(mine)} should be a {_layer(ref, reveal)}"]
    where = "the output layer" if ref["is_output"] and single_output else _label(mine)
    if mine["units"] != ref["units"]:
        units = f"{mine['units']} unit{'' if mine['units'] == 1 else 's'}"
        found.append(f"{where} has {units}, expected {ref['units']}" if reveal
                     else f"{where} has the wrong number of units")
    if mine["activation"] != ref["activation"]:
        found.append(f"{where} has the activation {mine['activation']}, expected {ref['activation']}")
    if mine["rate"] != ref["rate"]:
        found.append(f"{where} has the wrong dropout rate")
    return found


def architecture_differences(got: dict, want: dict, *, reveal: bool = True) -> list[str]:
    """Where the model ``got`` describes differs from ``want``, one plain sentence each.

    Layers are aligned so that one missing or extra layer is reported as such instead of
    shifting every later comparison. Layer names and the API used do not matter. With
    ``reveal=False`` (a hidden case) no expected size is shown: no units, shapes or counts.
    """
    differences = []
    if got["inputs"] is not None and want["inputs"] is not None and got["inputs"] != want["inputs"]:
        if len(got["inputs"]) != len(want["inputs"]):
            differences.append(f"the model has {len(got['inputs'])} input(s), expected {len(want['inputs'])}")
        elif reveal:
            differences.append(f"the input shape is {_shape(got['inputs'][0])}, expected {_shape(want['inputs'][0])}")
        else:
            differences.append("the input shape is wrong: use the number of features the builder is given")
    if got["n_outputs"] is not None and got["n_outputs"] != want["n_outputs"]:
        differences.append(f"the model has {got['n_outputs']} output(s), expected {want['n_outputs']}" if reveal
                           else "the model has the wrong number of outputs: one per head it is given")
    mine, ref = got["layers"], want["layers"]
    single_output = sum(1 for r in ref if r["is_output"]) == 1

    def signature(summary):
        return summary["kind"], summary["units"], summary["activation"], summary["rate"]

    matcher = difflib.SequenceMatcher(None, [signature(s) for s in mine], [signature(s) for s in ref], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for s, r in zip(mine[i1:i2], ref[j1:j2]):
                differences += _pair(s, r, reveal, single_output)
            continue
        differences += [f"an extra {_layer(s, reveal)} at {_label(s)}" for s in mine[i1:i2]]
        after = f"after {_label(mine[i1 - 1])}" if i1 else "at the start"
        differences += [f"a {_layer(r, reveal)} is missing {after}" for r in ref[j1:j2]]
    if not differences and got["params"] != want["params"]:
        differences.append(f"the model has {got['params']:,} parameters, expected {want['params']:,}" if reveal
                           else "the number of parameters is wrong (is every layer connected as described?)")
    if not differences and got["trainable_params"] != want["trainable_params"]:
        differences.append("some layers are frozen (trainable=False): train every layer")
    return differences


def compile_problem(got: dict, want: dict, *, optimizer: bool = False, accuracy: str | None = None,
                    hints: dict | None = None) -> str | None:
    """What is wrong with the compile settings ``got`` (see :func:`compile_settings`), or None.

    Parameters
    ----------
    got, want : dict
        The learner's and the reference's compile settings.
    optimizer : bool, default False
        The design asks for the reference's optimizer.
    accuracy : {"binary", "categorical", "sparse_categorical"}, optional
        The design asks to track the accuracy, for labels of this kind.
    hints : dict, optional
        A wrong loss's canonical name -> why it does not fit the task.
    """
    hints = hints or {}
    if not got.get("compiled"):
        return "the model is not compiled. Call model.compile(optimizer=..., loss=...) before returning it."
    losses, wanted = got["losses"], want["losses"]
    if set(wanted) != {""} and set(losses) != set(wanted):
        return f"give one loss per output, keyed by the output's name: loss={{{', '.join(repr(k) + ': ...' for k in wanted)}}}."
    for output, (name, _) in wanted.items():
        got_name, from_logits = losses.get(output, losses.get("", [None, False]))
        where = f" for the output '{output}'" if output else ""
        if got_name != name:
            hint = hints.get(got_name, "")
            return f"the loss{where} is {got_name}; this task needs {name}.{' ' + hint if hint else ''}"
        if from_logits:
            return (f"the loss{where} has from_logits=True, but the output layer already applies its activation "
                    "(it outputs probabilities): leave from_logits at False.")
    if optimizer and got["optimizer"] != want["optimizer"]:
        return (f"the optimizer is {got['optimizer']}; this design uses {want['optimizer']} "
                f"(keras.optimizers.{want['optimizer']}(learning_rate=...)).")
    if accuracy and not set(got["metrics"]) & ACCURACY_METRICS[accuracy]:
        return "track the accuracy while training: compile with metrics=['accuracy']."
    return None
