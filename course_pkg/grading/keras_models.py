"""Checks for the assignment ``keras_models``: the course's model designs in Keras.

Each check calls the learner's builder, compares the model with the course's
reference builder (:mod:`course_pkg.keras_nn.builders`, :mod:`~course_pkg.keras_nn.architectures`) using
:func:`course_pkg.keras_nn.compare.compare_architecture` (layer types, units,
activations, inputs, outputs, parameter counts; names and API ignored), then
checks the compile settings: the loss, the optimizer and the metrics. Failure
messages name the likely misconception ("labels that can both be true need one
sigmoid per label, not a softmax").

Importing this module does not import TensorFlow; running a check does.
"""

from __future__ import annotations

import sys

import numpy as np

from course_pkg.grading._core import Case, CheckFailed, ReferenceUsed, call_learner, passed, require_callable

__all__ = [
    "check_regressor",
    "check_fraud_detector",
    "check_age_classifier",
    "check_multilabel_classifier",
    "check_multitask_classifier",
    "check_wide_and_deep",
    "check_wide_and_deep_subclass",
]

# Accepted spellings of each loss, as Keras normalises them.
_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy",
}
_ACCURACY = {"accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}


def _forbidden():
    from course_pkg.keras_nn import (
        architectures, bridge, builders, callbacks, compare, compile, history, inspection, lr_finder, seeding,
    )

    return (builders, architectures, compile, inspection, seeding, callbacks, lr_finder, history, bridge, compare,
            sys.modules[__name__])


def _keras():
    import keras  # noqa: PLC0415 - TensorFlow is imported only when a check runs

    return keras


def _loss_name(loss) -> tuple[str, bool]:
    """Canonical name of a loss as given to compile, and whether it expects logits."""
    keras = _keras()
    if isinstance(loss, str):
        key = loss.lower()
        if key in _LOSS_ALIASES:
            return _LOSS_ALIASES[key], False
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            return key, False
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    name = config.get("name") or getattr(loss, "__name__", type(loss).__name__)
    return _LOSS_ALIASES.get(name, name), bool(config.get("from_logits", False))


def _build(fn, case: Case, name: str, *, sample_shape=None):
    keras = _keras()
    model = call_learner(fn, case, name=name, references=_forbidden())
    if not isinstance(model, keras.Model):
        raise CheckFailed(
            f"{name} must return a keras.Model; got {type(model).__name__}. Did you forget the return statement?"
        )
    if not model.built and sample_shape is not None:
        model(np.zeros((1, *sample_shape), dtype="float32"))
    if not model.built:
        raise CheckFailed(
            f"{name}: the model has no weights yet. Start it with keras.Input(shape=...) so Keras knows the "
            "input size."
        )
    return model


def _compare(model, reference, name: str, case: Case, hint: str = "") -> None:
    from course_pkg.keras_nn.compare import compare_architecture

    report = compare_architecture(model, reference)
    if not report.same:
        text = "; ".join(report.differences)
        raise CheckFailed(f"{name} (case '{case.name}'): {text}.{' ' + hint if hint else ''}")


def _check_compile(model, name: str, *, loss: str | dict, optimizer: str | None = None,
                   accuracy: bool = False, hints: dict | None = None) -> None:
    hints = hints or {}
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise CheckFailed(f"{name}: the model is not compiled. Call model.compile(optimizer=..., loss=...) before returning it.")
    given = model.loss
    expected = loss if isinstance(loss, dict) else {None: loss}
    if isinstance(loss, dict):
        if isinstance(given, (list, tuple)):
            given = dict(zip(model.output_names, given))
        if not isinstance(given, dict) or set(given) != set(loss):
            raise CheckFailed(
                f"{name}: give one loss per output, keyed by output name: {sorted(loss)} (got "
                f"{type(given).__name__})."
            )
    else:
        given = {None: given}
    for key, want in expected.items():
        got, logits = _loss_name(given[key])
        where = f" for output '{key}'" if key else ""
        if got != want:
            hint = hints.get(got, "")
            raise CheckFailed(f"{name}: the loss{where} is {got}; this task needs {want}.{' ' + hint if hint else ''}")
        if logits:
            raise CheckFailed(
                f"{name}: the loss{where} has from_logits=True, but the output layer already applies its "
                "activation (it outputs probabilities): leave from_logits at False."
            )
    if optimizer is not None and type(model.optimizer).__name__.lower() != optimizer.lower():
        raise CheckFailed(
            f"{name}: the optimizer is {type(model.optimizer).__name__}; this design uses {optimizer} "
            f"(e.g. keras.optimizers.{optimizer}(learning_rate=...))."
        )
    if accuracy:
        metrics = model.get_compile_config().get("metrics") or []
        flat = metrics if isinstance(metrics, (list, tuple)) else [m for v in dict(metrics).values() for m in (v if isinstance(v, (list, tuple)) else [v])]
        names = {m.lower() if isinstance(m, str) else str(getattr(m, "name", m)).lower() for m in flat}
        if not names & _ACCURACY:
            raise CheckFailed(f"{name}: track the accuracy while training: compile with metrics=['accuracy'].")


# --------------------------------------------------------------------------- the designs


def check_regressor(build_regressor, *, hidden: bool = False) -> None:
    """Check ``build_regressor(n_features=13)``: D -> 10 relu -> 10 relu -> 1 linear, MSE, RMSprop."""
    from course_pkg.keras_nn.builders import build_housing_regressor

    require_callable(build_regressor, name="build_regressor")
    cases = [Case("13 features", (13,))] + ([Case("8 features", (8,))] if hidden else [])
    for case in cases:
        model = _build(build_regressor, case, "build_regressor")
        _compare(model, build_housing_regressor(case.args[0], seed=0), "build_regressor", case,
                 "A regressor predicting any real number has no activation on its output unit.")
        _check_compile(model, "build_regressor", loss="mean_squared_error", optimizer="RMSprop",
                       hints={"mean_absolute_error": "MAE is the robust choice with outliers; the design asks for MSE."})
    passed("build_regressor", len(cases))


def check_fraud_detector(build_fraud_detector, *, hidden: bool = False) -> None:
    """Check ``build_fraud_detector(n_features=30)``: D -> 16 relu -> 16 relu -> 1 sigmoid,
    binary cross-entropy, accuracy."""
    from course_pkg.keras_nn.builders import build_binary_classifier

    require_callable(build_fraud_detector, name="build_fraud_detector")
    cases = [Case("30 features", (30,))] + ([Case("12 features", (12,))] if hidden else [])
    for case in cases:
        model = _build(build_fraud_detector, case, "build_fraud_detector")
        _compare(model, build_binary_classifier(case.args[0], seed=0), "build_fraud_detector", case,
                 "A yes/no answer is one sigmoid unit: its output is P(fraud).")
        _check_compile(model, "build_fraud_detector", loss="binary_crossentropy", accuracy=True, hints={
            "categorical_crossentropy": "Categorical cross-entropy needs one unit per class and a softmax; "
                                        "with one sigmoid unit use binary cross-entropy.",
            "mean_squared_error": "MSE is for regression; a probability is trained with binary cross-entropy.",
        })
    passed("build_fraud_detector", len(cases))


def check_age_classifier(build_age_classifier, *, hidden: bool = False) -> None:
    """Check ``build_age_classifier(n_features=4, n_classes=5)``: D -> 10 relu -> 10 relu -> C softmax,
    categorical cross-entropy (one-hot labels), Adam, accuracy."""
    from course_pkg.keras_nn.builders import build_multiclass_classifier

    require_callable(build_age_classifier, name="build_age_classifier")
    cases = [Case("4 features, 5 age groups", (4, 5))] + ([Case("6 features, 3 classes", (6, 3))] if hidden else [])
    for case in cases:
        model = _build(build_age_classifier, case, "build_age_classifier")
        _compare(model, build_multiclass_classifier(*case.args, seed=0), "build_age_classifier", case,
                 "Exactly one age group is true: one unit per class with a softmax, so the probabilities sum to 1.")
        _check_compile(model, "build_age_classifier", loss="categorical_crossentropy", optimizer="Adam", accuracy=True,
                       hints={"sparse_categorical_crossentropy": "The labels here are one-hot rows: categorical "
                                                                  "cross-entropy (sparse is for integer labels).",
                              "binary_crossentropy": "Binary cross-entropy treats each class as a separate yes/no; "
                                                     "one class out of C is categorical cross-entropy."})
    passed("build_age_classifier", len(cases))


def check_multilabel_classifier(build_multilabel_classifier, *, hidden: bool = False) -> None:
    """Check ``build_multilabel_classifier(n_features=3, n_labels=7)``: D -> 10 relu -> 10 relu ->
    n_labels sigmoid, binary cross-entropy."""
    from course_pkg.keras_nn.builders import build_multilabel_classifier as reference

    require_callable(build_multilabel_classifier, name="build_multilabel_classifier")
    cases = [Case("3 features, 7 labels", (3, 7))] + ([Case("5 features, 4 labels", (5, 4))] if hidden else [])
    for case in cases:
        model = _build(build_multilabel_classifier, case, "build_multilabel_classifier")
        _compare(model, reference(*case.args, seed=0), "build_multilabel_classifier", case,
                 "Labels that can be true together need one sigmoid per label, not a softmax (a softmax makes "
                 "them compete: its outputs sum to 1).")
        _check_compile(model, "build_multilabel_classifier", loss="binary_crossentropy", hints={
            "categorical_crossentropy": "Each label is its own yes/no question: binary cross-entropy per unit."})
    passed("build_multilabel_classifier", len(cases))


def check_multitask_classifier(build_multitask_classifier, *, hidden: bool = False) -> None:
    """Check ``build_multitask_classifier(n_features=3)``: a shared 10-10 ReLU trunk and two softmax
    heads named "age_group" (5) and "gender" (2), one sparse categorical cross-entropy per head."""
    from course_pkg.keras_nn.architectures import build_multitask_classifier as reference

    require_callable(build_multitask_classifier, name="build_multitask_classifier")
    cases = [Case("3 features", (3,))] + ([Case("6 features", (6,))] if hidden else [])
    for case in cases:
        model = _build(build_multitask_classifier, case, "build_multitask_classifier")
        if sorted(model.output_names) != ["age_group", "gender"]:
            raise CheckFailed(
                f"build_multitask_classifier: the outputs are named {model.output_names}; name the two head "
                "layers 'age_group' and 'gender' (Dense(..., name='age_group')) so labels can be given as a dict."
            )
        _compare(model, reference(case.args[0], seed=0), "build_multitask_classifier", case,
                 "Each head answers one question with exactly one true class: a softmax over its own classes.")
        _check_compile(model, "build_multitask_classifier",
                       loss={"age_group": "sparse_categorical_crossentropy", "gender": "sparse_categorical_crossentropy"},
                       hints={"categorical_crossentropy": "The labels are integers (0..4 and 0..1): use the sparse "
                                                          "categorical cross-entropy."})
    passed("build_multitask_classifier", len(cases))


def check_wide_and_deep(build_wide_and_deep, *, hidden: bool = False) -> None:
    """Check ``build_wide_and_deep(n_features=8)`` (Functional API): input -> 30 relu -> 30 relu;
    concatenate the input with that; -> 1 linear unit; MSE."""
    from course_pkg.keras_nn.architectures import build_wide_and_deep as reference

    require_callable(build_wide_and_deep, name="build_wide_and_deep")
    cases = [Case("8 features", (8,))] + ([Case("5 features", (5,))] if hidden else [])
    for case in cases:
        model = _build(build_wide_and_deep, case, "build_wide_and_deep")
        _compare(model, reference(case.args[0], seed=0), "build_wide_and_deep", case,
                 "The wide path is the input itself, concatenated with the deep path's output before the output layer.")
        _check_compile(model, "build_wide_and_deep", loss="mean_squared_error")
    passed("build_wide_and_deep", len(cases))


def check_wide_and_deep_subclass(WideAndDeep, *, hidden: bool = False) -> None:
    """Check a ``keras.Model`` subclass ``WideAndDeep(units=30)`` with the architecture of
    :func:`check_wide_and_deep` (layers made in ``__init__``, wired in ``call``)."""
    keras = _keras()
    from course_pkg.keras_nn.architectures import WideAndDeepModel, build_wide_and_deep

    require_callable(WideAndDeep, name="WideAndDeep")
    if not (isinstance(WideAndDeep, type) and issubclass(WideAndDeep, keras.Model)):
        raise CheckFailed("WideAndDeep must be a class that subclasses keras.Model.")
    if issubclass(WideAndDeep, WideAndDeepModel):
        raise ReferenceUsed("WideAndDeep subclasses the course's reference model; subclass keras.Model and write it yourself.")
    cases = [Case("8 features", ())] + ([Case("units=16, 5 features", (), {"units": 16})] if hidden else [])
    for case in cases:
        n_features = 8 if not case.kwargs else 5
        model = _build(WideAndDeep, case, "WideAndDeep", sample_shape=(n_features,))
        _compare(model, build_wide_and_deep(n_features, hidden=(case.kwargs.get("units", 30),) * 2, seed=0),
                 "WideAndDeep", case,
                 "In call(), concatenate the input with the deep path's output, then apply the output layer.")
    passed("WideAndDeep", len(cases))
