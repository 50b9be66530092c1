"""Checks of the assignment ``keras_models``: the course's model designs, built and compiled in Keras.

One :class:`~course_pkg.checks.Part` per graded builder, in ``PARTS``; the notebook's test cells
call ``check_<name>(<name>)``, which runs the visible cases. The learner writes the course's own
preset builders, with their names and sizes (``build_housing_regressor(n_features=13,
hidden=(10, 10))``, ``build_binary_classifier(n_features, hidden=(16, 16))``, ...), and compiles
the model as the design asks. The probe calls the builder where the learner's code runs and hands
back the model as data (:func:`course_pkg.checks.keras_probes.describe_model`); the judge compares
it with the reference builder's model (:mod:`course_pkg.keras_nn`, compiled with
``compile_for``), layer by layer, then the compile settings. Layer names and the API used do not
matter. Every kind of case the grader draws hidden sizes for (other numbers of features, classes,
labels or heads, other hidden layers) is among the visible cases; a hidden case's message never
shows an expected size.

Importing this module does not import TensorFlow; running a check does.
"""

from __future__ import annotations

import functools

import numpy as np

from course_pkg.checks import keras_probes
from course_pkg.checks._core import Case, Part, arguments, reference_named, run_check

__all__ = [
    "PARTS",
    "check_build_housing_regressor",
    "check_build_binary_classifier",
    "check_build_multiclass_classifier",
    "check_build_multilabel_classifier",
    "check_build_multitask_classifier",
    "check_build_wide_and_deep",
    "check_wide_and_deep_subclass",
]


def probe_builder(build, inputs: dict) -> dict:
    """Call the builder on ``inputs["args"]`` / ``inputs["kwargs"]``; describe the model it returns."""
    if not callable(build):
        raise TypeError(f"expected a function; got {type(build).__name__}. Define it in the solution cell and run it.")
    model = build(*inputs.get("args", []), **inputs.get("kwargs", {}))
    return keras_probes.describe_model(model)


def _compiled_reference(preset: str, task: str, optimizer: str | None = None):
    """The reference builder ``preset``, compiled for ``task`` as the design asks (trusted side)."""
    build = reference_named("course_pkg.keras_nn", preset)
    compile_for = reference_named("course_pkg.keras_nn", "compile_for")

    def builder(*args, **kwargs):
        model = build(*args, seed=0, **kwargs)
        compile_for(model, task, **({"optimizer": optimizer} if optimizer else {}))
        return model

    return builder


def _hidden_layers(rng: np.random.Generator) -> tuple:
    return tuple(int(units) for units in rng.integers(4, 40, int(rng.integers(1, 4))))


def _design_judge(*, architecture_hint: str, optimizer: bool = False, accuracy: str | None = None,
                  loss_hints: dict | None = None, compiled: bool = True):
    """The judge of one design: a built model, the reference's architecture, then its compile settings.

    With ``compiled=False`` the design is a class, and its compile settings are not judged.
    """

    def judge(case: Case, got: dict, expected: dict) -> str | None:
        if not got.get("is_model") and not compiled:
            return f"it must be a class that subclasses keras.Model; it is a {got.get('type', 'value')}."
        if not got.get("is_model"):
            return (f"it must return a keras.Model; it returned a {got.get('type', 'value')}. Did you forget the "
                    "return statement?")
        if not got.get("built"):
            return ("the model has no weights yet. Start it with keras.Input(shape=(n_features,)) so Keras knows "
                    "the input size.")
        if expected["output_names"] and len(expected["output_names"]) > 1 \
                and sorted(got["output_names"]) != sorted(expected["output_names"]):
            return ("the outputs must be named after the heads (Dense(..., name=head)), so that losses and labels "
                    "can be given as dicts keyed by head.")
        differences = keras_probes.architecture_differences(got, expected, reveal=not case.hidden)
        if differences:
            return "; ".join(differences) + f". {architecture_hint}"
        if not compiled:
            return None
        return keras_probes.compile_problem(got["compile"], expected["compile"], optimizer=optimizer,
                                            accuracy=accuracy, hints=loss_hints)

    return judge


def _design(grade_id: str, title: str, target: str, cases, reference, seed: int, **judge_options) -> Part:
    return Part(grade_id=grade_id, title=title, target=target, probe=probe_builder, cases=cases,
                reference=reference, judge=_design_judge(**judge_options), seed=seed)


_CATEGORICAL = ("Categorical cross-entropy needs one unit per class and a softmax; with one sigmoid unit use "
                "binary cross-entropy.")

# --------------------------------------------------------------------------- Part 1: the regressor


def _regressor_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default arguments", arguments())]
    for _ in range(repeats):
        cases += [
            Case("another number of features", arguments(int(rng.integers(3, 30)))),
            Case("other hidden layers", arguments(int(rng.integers(3, 30)), hidden=_hidden_layers(rng))),
        ]
    return cases


HOUSING_REGRESSOR = _design(
    "test_build_housing_regressor", "Part 1: a regressor", "build_housing_regressor", _regressor_cases,
    functools.partial(_compiled_reference, "build_housing_regressor", "regression", "rmsprop"), 5101,
    architecture_hint="A regressor predicting any real number has no activation on its output unit.",
    optimizer=True,
    loss_hints={"mean_absolute_error": "MAE is the robust choice with outliers; the design asks for MSE."},
)

# --------------------------------------------------------------------------- Part 2: the binary classifier


def _binary_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = []
    for _ in range(repeats):
        cases += [
            Case("the default hidden layers", arguments(int(rng.integers(5, 40)))),
            Case("other hidden layers", arguments(int(rng.integers(5, 40)), hidden=_hidden_layers(rng))),
        ]
    return cases


BINARY_CLASSIFIER = _design(
    "test_build_binary_classifier", "Part 2: a binary classifier", "build_binary_classifier", _binary_cases,
    functools.partial(_compiled_reference, "build_binary_classifier", "binary"), 5201,
    architecture_hint="A yes/no answer is one sigmoid unit: its output is P(fraud).", accuracy="binary",
    loss_hints={"categorical_crossentropy": _CATEGORICAL,
                "mean_squared_error": "MSE is for regression; a probability is trained with binary cross-entropy."},
)

# --------------------------------------------------------------------------- Part 3: the multiclass classifier


def _multiclass_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default arguments", arguments())]
    for _ in range(repeats):
        cases += [
            Case("other numbers of features and classes", arguments(int(rng.integers(2, 12)), int(rng.integers(3, 12)))),
            Case("other hidden layers", arguments(hidden=_hidden_layers(rng))),
        ]
    return cases


MULTICLASS_CLASSIFIER = _design(
    "test_build_multiclass_classifier", "Part 3: a multiclass classifier", "build_multiclass_classifier",
    _multiclass_cases, functools.partial(_compiled_reference, "build_multiclass_classifier", "multiclass"), 5301,
    architecture_hint="Exactly one class is true: one unit per class with a softmax, so the probabilities sum to 1.",
    optimizer=True, accuracy="categorical",
    loss_hints={"sparse_categorical_crossentropy": "The labels here are one-hot rows: categorical cross-entropy "
                                                   "(sparse is for integer labels).",
                "binary_crossentropy": "Binary cross-entropy treats each class as a separate yes/no; one class out "
                                       "of C is categorical cross-entropy."},
)

# --------------------------------------------------------------------------- Part 4: the multilabel classifier


def _multilabel_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default arguments", arguments())]
    for _ in range(repeats):
        cases += [
            Case("other numbers of features and labels", arguments(int(rng.integers(2, 12)), int(rng.integers(2, 12)))),
            Case("other hidden layers", arguments(hidden=_hidden_layers(rng))),
        ]
    return cases


MULTILABEL_CLASSIFIER = _design(
    "test_build_multilabel_classifier", "Part 4: a multilabel classifier", "build_multilabel_classifier",
    _multilabel_cases, functools.partial(_compiled_reference, "build_multilabel_classifier", "multilabel"), 5401,
    architecture_hint="Labels that can be true together need one sigmoid per label, not a softmax (a softmax makes "
                      "them compete: its outputs sum to 1).",
    loss_hints={"categorical_crossentropy": "Each label is its own yes/no question: binary cross-entropy per unit."},
)

# --------------------------------------------------------------------------- Part 5: the multitask classifier

_HEAD_NAMES = ("age_group", "gender", "handedness", "eye_colour", "region")


def _multitask_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default arguments", arguments())]
    for _ in range(repeats):
        names = rng.choice(_HEAD_NAMES, size=int(rng.integers(2, 4)), replace=False)
        heads = {str(name): int(rng.integers(2, 7)) for name in names}
        cases += [
            Case("other heads", arguments(heads=heads)),
            Case("other features and hidden layers", arguments(int(rng.integers(2, 12)), hidden=_hidden_layers(rng))),
        ]
    return cases


MULTITASK_CLASSIFIER = _design(
    "test_build_multitask_classifier", "Part 5: a multitask classifier", "build_multitask_classifier",
    _multitask_cases, functools.partial(_compiled_reference, "build_multitask_classifier", "multitask"), 5501,
    architecture_hint="Each head answers one question with exactly one true class: a softmax over its own classes.",
    loss_hints={"categorical_crossentropy": "The labels are integers: use the sparse categorical cross-entropy."},
)

# --------------------------------------------------------------------------- Part 6: Wide & Deep


def _wide_and_deep_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default arguments", arguments())]
    for _ in range(repeats):
        cases.append(Case("other sizes", arguments(int(rng.integers(2, 20)), hidden=_hidden_layers(rng))))
    return cases


_WIDE_PATH = "The wide path is the input itself, concatenated with the deep path's output before the output layer."

WIDE_AND_DEEP = _design(
    "test_build_wide_and_deep", "Part 6: Wide & Deep with the Functional API", "build_wide_and_deep",
    _wide_and_deep_cases, functools.partial(_compiled_reference, "build_wide_and_deep", "regression"), 5601,
    architecture_hint=_WIDE_PATH,
)

# --------------------------------------------------------------------------- Part 7: Wide & Deep as a subclass


def probe_subclass(model_class, inputs: dict) -> dict:
    """Construct ``model_class(**inputs["kwargs"])``, build it by calling it on a batch, describe it."""
    import keras  # noqa: PLC0415 - TensorFlow only when a check runs

    if not (isinstance(model_class, type) and issubclass(model_class, keras.Model)):
        return {"is_model": False, "type": "class of another kind" if isinstance(model_class, type)
                else type(model_class).__name__}
    model = model_class(**inputs.get("kwargs", {}))
    model(np.zeros((2, inputs["n_features"]), dtype="float32"))
    return keras_probes.describe_model(model)


def _subclass_reference():
    """A keras.Model subclass that builds the reference Wide & Deep for the input it first sees."""
    import keras  # noqa: PLC0415

    build_wide_and_deep = reference_named("course_pkg.keras_nn", "build_wide_and_deep")

    class WideAndDeep(keras.Model):
        def __init__(self, hidden=(30, 30), **kwargs):
            super().__init__(**kwargs)
            self.hidden = tuple(hidden)

        def build(self, input_shape):
            self.inner = build_wide_and_deep(int(input_shape[-1]), hidden=self.hidden, seed=0)

        def call(self, inputs):
            return self.inner(inputs)

    return WideAndDeep


def _subclass_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default sizes, 8 features", {"kwargs": {}, "n_features": 8})]
    for _ in range(repeats):
        cases.append(Case("other sizes", {"kwargs": {"hidden": _hidden_layers(rng)}, "n_features": int(rng.integers(2, 20))}))
    return cases


WIDE_AND_DEEP_SUBCLASS = Part(
    grade_id="test_wide_and_deep_subclass", title="Part 7: Wide & Deep as a subclass", target="WideAndDeep",
    probe=probe_subclass, cases=_subclass_cases, reference=_subclass_reference,
    judge=_design_judge(architecture_hint="In call(), concatenate the input with the deep path's output, then apply "
                                          "the output layer.", compiled=False),
    seed=5701,
)


def check_build_housing_regressor(build_housing_regressor) -> None:
    """Check ``build_housing_regressor(n_features=13, hidden=(10, 10))``: D -> ReLU layers -> 1 linear unit,
    compiled with the MSE and RMSprop."""
    __tracebackhide__ = True
    run_check(HOUSING_REGRESSOR, build_housing_regressor)


def check_build_binary_classifier(build_binary_classifier) -> None:
    """Check ``build_binary_classifier(n_features, hidden=(16, 16))``: D -> ReLU layers -> 1 sigmoid unit,
    compiled with binary cross-entropy and the accuracy."""
    __tracebackhide__ = True
    run_check(BINARY_CLASSIFIER, build_binary_classifier)


def check_build_multiclass_classifier(build_multiclass_classifier) -> None:
    """Check ``build_multiclass_classifier(n_features=4, n_classes=5, hidden=(10, 10))``: D -> ReLU layers ->
    C softmax units, compiled with categorical cross-entropy (one-hot labels), Adam and the accuracy."""
    __tracebackhide__ = True
    run_check(MULTICLASS_CLASSIFIER, build_multiclass_classifier)


def check_build_multilabel_classifier(build_multilabel_classifier) -> None:
    """Check ``build_multilabel_classifier(n_features=3, n_labels=7, hidden=(10, 10))``: D -> ReLU layers ->
    one sigmoid unit per label, compiled with binary cross-entropy."""
    __tracebackhide__ = True
    run_check(MULTILABEL_CLASSIFIER, build_multilabel_classifier)


def check_build_multitask_classifier(build_multitask_classifier) -> None:
    """Check ``build_multitask_classifier(n_features=3, heads=None, hidden=(10, 10))``: a shared ReLU trunk
    and one softmax head per entry of ``heads`` (default ``{"age_group": 5, "gender": 2}``), named
    after it, each with its sparse categorical cross-entropy (losses keyed by head)."""
    __tracebackhide__ = True
    run_check(MULTITASK_CLASSIFIER, build_multitask_classifier)


def check_build_wide_and_deep(build_wide_and_deep) -> None:
    """Check ``build_wide_and_deep(n_features=8, *, hidden=(30, 30))`` (Functional API): input -> ReLU layers;
    the input concatenated with that; -> 1 linear unit; compiled with the MSE."""
    __tracebackhide__ = True
    run_check(WIDE_AND_DEEP, build_wide_and_deep)


def check_wide_and_deep_subclass(WideAndDeep) -> None:
    """Check a ``keras.Model`` subclass ``WideAndDeep(hidden=(30, 30))`` with the architecture of
    :func:`check_build_wide_and_deep`: layers made in ``__init__``, wired in ``call``."""
    __tracebackhide__ = True
    run_check(WIDE_AND_DEEP_SUBCLASS, WideAndDeep)


PARTS = (HOUSING_REGRESSOR, BINARY_CLASSIFIER, MULTICLASS_CLASSIFIER, MULTILABEL_CLASSIFIER, MULTITASK_CLASSIFIER,
         WIDE_AND_DEEP, WIDE_AND_DEEP_SUBCLASS)
