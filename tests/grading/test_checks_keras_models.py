"""The checks of the assignment keras_models (course_pkg.checks.keras_models): right designs pass the visible
and the hidden cases whatever API builds them, honest unusual code (metric and loss objects, a print, a
helper named like a reference builder) keeps its marks, each design mistake gets its message, a hidden
case never shows an expected size, and hidden kinds are all visible.
"""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import assert_hidden_kinds_are_visible, fails_with, judge_like_the_grader

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def K(keras):
    from course_pkg.checks import keras_models

    return keras_models


def stack(keras, n_features, hidden, n_out, activation, loss=None, optimizer="adam", metrics=()):
    model = keras.Sequential([keras.Input((n_features,)), *[keras.layers.Dense(h, activation="relu") for h in hidden],
                              keras.layers.Dense(n_out, activation=activation)])
    if loss is not None:
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


@pytest.fixture(scope="module")
def solutions(keras):
    def build_housing_regressor(n_features=13, hidden=(10, 10)):
        return stack(keras, n_features, hidden, 1, None, "mse", keras.optimizers.RMSprop(), ["mae"])

    def build_binary_classifier(n_features, hidden=(16, 16)):
        return stack(keras, n_features, hidden, 1, "sigmoid", "binary_crossentropy", metrics=["accuracy"])

    def build_multiclass_classifier(n_features=4, n_classes=5, hidden=(10, 10)):
        return stack(keras, n_features, hidden, n_classes, "softmax", "categorical_crossentropy", "adam", ["accuracy"])

    def build_multilabel_classifier(n_features=3, n_labels=7, hidden=(10, 10)):
        return stack(keras, n_features, hidden, n_labels, "sigmoid", "binary_crossentropy")

    def build_multitask_classifier(n_features=3, heads=None, hidden=(10, 10)):  # the Functional API
        heads = heads or {"age_group": 5, "gender": 2}
        inputs = keras.Input((n_features,))
        x = inputs
        for units in hidden:
            x = keras.layers.Dense(units, activation="relu")(x)
        outputs = [keras.layers.Dense(n, activation="softmax", name=name)(x) for name, n in heads.items()]
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss={name: "sparse_categorical_crossentropy" for name in heads})
        return model

    def build_wide_and_deep(n_features=8, *, hidden=(30, 30)):
        inputs = keras.Input((n_features,))
        x = inputs
        for units in hidden:
            x = keras.layers.Dense(units, activation="relu")(x)
        output = keras.layers.Dense(1)(keras.layers.Concatenate()([inputs, x]))
        model = keras.Model(inputs, output)
        model.compile(optimizer="sgd", loss="mean_squared_error")
        return model

    class WideAndDeep(keras.Model):
        def __init__(self, hidden=(30, 30), **kwargs):
            super().__init__(**kwargs)
            self.deep = [keras.layers.Dense(units, activation="relu") for units in hidden]
            self.concat = keras.layers.Concatenate()
            self.out = keras.layers.Dense(1)

        def call(self, inputs):
            x = inputs
            for layer in self.deep:
                x = layer(x)
            return self.out(self.concat([inputs, x]))

    return {f.__name__: f for f in (build_housing_regressor, build_binary_classifier, build_multiclass_classifier,
                                    build_multilabel_classifier, build_multitask_classifier, build_wide_and_deep,
                                    WideAndDeep)}


def test_correct_designs_pass_the_visible_and_the_hidden_cases(K, solutions, capsys):
    for part in K.PARTS:
        getattr(K, f"check_{part.grade_id.removeprefix('test_')}")(solutions[part.target])
        verdict = judge_like_the_grader(part, solutions[part.target], repeats=1)
        assert verdict.passed and verdict.n_hidden > 0, (part.grade_id, verdict.message)
    assert capsys.readouterr().out.count("passed") == len(K.PARTS)


def test_every_hidden_kind_has_a_visible_representative(K):
    for part in K.PARTS:
        assert_hidden_kinds_are_visible(part)


def test_honest_unusual_designs_keep_their_marks(K, keras, capsys):
    def binary_with_objects(n_features, hidden=(16, 16)):  # loss and metric objects, a print, other API
        print("building")
        inputs = keras.Input((n_features,))
        x = inputs
        for units in hidden:
            x = keras.layers.Dense(units)(x)
            x = keras.layers.Activation("relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        model.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.BinaryCrossentropy(),
                      metrics=[keras.metrics.BinaryAccuracy(), keras.metrics.AUC()])
        return model

    def multiclass_acc(n_features=4, n_classes=5, hidden=(10, 10)):
        return stack(keras, n_features, hidden, n_classes, "softmax", keras.losses.CategoricalCrossentropy(),
                     keras.optimizers.Adam(learning_rate=0.01), ["acc"])

    def build_mlp(sizes, output):  # a helper named like the reference's own builder
        return stack(keras, sizes[0], sizes[1:-1], sizes[-1], output)

    def regressor_with_helper(n_features=13, hidden=(10, 10)):
        model = build_mlp([n_features, *hidden, 1], None)
        model.compile(optimizer="rmsprop", loss=keras.losses.MeanSquaredError())
        return model

    K.check_build_binary_classifier(binary_with_objects)
    K.check_build_multiclass_classifier(multiclass_acc)
    K.check_build_housing_regressor(regressor_with_helper)
    assert capsys.readouterr().out.count("passed") == 3


# A subclass that never calls one of its layers gets Keras' warning about unbuilt state.
@pytest.mark.filterwarnings("ignore:`build\\(\\)` was called:UserWarning")
def test_each_design_mistake_gets_its_message(K, keras, solutions):
    fails_with(K.check_build_housing_regressor, lambda n_features=13, hidden=(10, 10): stack(
        keras, n_features, hidden, 1, None, "mse", "adam"), "optimizer is Adam", "RMSprop")
    fails_with(K.check_build_housing_regressor, lambda n_features=13, hidden=(10, 10): stack(
        keras, n_features, hidden, 1, "relu", "mse", "rmsprop"), "the output layer has the activation relu",
        "no activation")
    fails_with(K.check_build_housing_regressor, lambda n_features=13, hidden=(10, 10): stack(
        keras, n_features, hidden, 1, None, "mae", "rmsprop"), "the loss is mean_absolute_error", "MSE")
    fails_with(K.check_build_housing_regressor, lambda n_features=13, hidden=(10, 10): stack(
        keras, n_features, (10, 10), 1, None, "mse", "rmsprop"), "'other hidden layers'")
    fails_with(K.check_build_housing_regressor, lambda n_features=13, hidden=(10, 10): stack(
        keras, n_features, hidden, 1, None), "not compiled")
    fails_with(K.check_build_binary_classifier, lambda n_features, hidden=(16, 16): stack(
        keras, n_features, hidden, 1, "sigmoid", "binary_crossentropy"), "metrics=['accuracy']")
    fails_with(K.check_build_binary_classifier, lambda n_features, hidden=(16, 16): stack(
        keras, n_features, hidden, 1, "sigmoid", "binary_crossentropy", metrics=[keras.metrics.CategoricalAccuracy()]),
        "metrics=['accuracy']")
    fails_with(K.check_build_binary_classifier, lambda n_features, hidden=(16, 16): stack(
        keras, n_features, hidden, 1, "sigmoid", keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]),
        "from_logits")
    fails_with(K.check_build_binary_classifier, lambda n_features, hidden=(16, 16): stack(
        keras, n_features, hidden, 1, "sigmoid", "categorical_crossentropy", metrics=["accuracy"]),
        "one unit per class and a softmax")
    fails_with(K.check_build_multiclass_classifier, lambda n_features=4, n_classes=5, hidden=(10, 10): stack(
        keras, n_features, hidden, n_classes, "sigmoid", "categorical_crossentropy", metrics=["accuracy"]),
        "activation sigmoid, expected softmax", "sum to 1")
    fails_with(K.check_build_multiclass_classifier, lambda n_features=4, n_classes=5, hidden=(10, 10): stack(
        keras, n_features, hidden, n_classes, "softmax", "sparse_categorical_crossentropy", metrics=["accuracy"]),
        "one-hot")
    fails_with(K.check_build_multilabel_classifier, lambda n_features=3, n_labels=7, hidden=(10, 10): stack(
        keras, n_features, hidden, n_labels, "softmax", "binary_crossentropy"), "one sigmoid per label")

    def one_gender_unit(n_features=3, heads=None, hidden=(10, 10)):
        model = solutions["build_multitask_classifier"](n_features, heads, hidden)
        x = model.layers[-3].output
        outputs = [model.get_layer("age_group").output, keras.layers.Dense(1, activation="sigmoid", name="gender")(x)]
        slim = keras.Model(model.inputs, outputs)
        slim.compile(optimizer="adam", loss={"age_group": "sparse_categorical_crossentropy",
                                              "gender": "binary_crossentropy"})
        return slim

    fails_with(K.check_build_multitask_classifier, one_gender_unit, "'the default arguments'", "layer 4 (Dense) has 1 unit, expected 2")

    def unnamed(n_features=3, heads=None, hidden=(10, 10)):
        inputs = keras.Input((n_features,))
        x = keras.layers.Dense(10, activation="relu")(keras.layers.Dense(10, activation="relu")(inputs))
        model = keras.Model(inputs, [keras.layers.Dense(5, activation="softmax")(x),
                                     keras.layers.Dense(2, activation="softmax")(x)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    fails_with(K.check_build_multitask_classifier, unnamed, "named after the heads")

    def no_wide_path(n_features=8, *, hidden=(30, 30)):
        inputs = keras.Input((n_features,))
        x = inputs
        for units in hidden:
            x = keras.layers.Dense(units, activation="relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1)(x))
        model.compile(optimizer="adam", loss="mse")
        return model

    fails_with(K.check_build_wide_and_deep, no_wide_path, "Concatenate is missing", "wide path")

    class DeepOnly(solutions["WideAndDeep"]):
        def call(self, inputs):
            x = inputs
            for layer in self.deep:
                x = layer(x)
            return self.out(x)

    fails_with(K.check_wide_and_deep_subclass, DeepOnly, "concatenate the input")
    fails_with(K.check_wide_and_deep_subclass, lambda hidden=(30, 30): None, "subclass")
    fails_with(K.check_build_wide_and_deep, lambda n_features=8, *, hidden=(30, 30): keras.Sequential(
        [keras.layers.Dense(1)]), "no weights yet", "keras.Input")
    fails_with(K.check_build_wide_and_deep, lambda n_features=8, *, hidden=(30, 30): "a model", "keras.Model")


def test_a_hidden_case_never_shows_an_expected_size(K, keras):
    def fixed_sizes(n_features=13, hidden=(10, 10)):
        return stack(keras, 13, (10, 10), 1, None, "mse", "rmsprop")

    verdict = judge_like_the_grader(K.HOUSING_REGRESSOR, fixed_sizes, repeats=1)
    assert not verdict.passed
    hidden_case = [c for c in K.HOUSING_REGRESSOR.cases(np.random.default_rng(99), 1) if c.kind == "other hidden layers"]
    sizes = {str(u) for u in hidden_case[0].inputs["kwargs"]["hidden"]} | {str(hidden_case[0].inputs["args"][0])}
    # The first failure is visible; judge the hidden case alone to read its message.
    from course_pkg.checks import Case, evaluate, probes

    case = Case(hidden_case[0].kind, hidden_case[0].inputs, hidden=True)
    got = probes.run(K.HOUSING_REGRESSOR.probe, fixed_sizes, case.inputs)
    expected = probes.run(K.HOUSING_REGRESSOR.probe, K.HOUSING_REGRESSOR.reference(), case.inputs)
    message = evaluate(K.HOUSING_REGRESSOR, [case], [got], [expected]).message
    assert "hidden case 'other hidden layers'" in message
    assert not any(f" {size}" in message or f"({size}" in message for size in sizes), message


def test_reference_builders_are_refused(K, keras):
    from course_pkg import keras_nn

    def wraps_reference(n_features=13, hidden=(10, 10)):
        model = keras_nn.build_housing_regressor(n_features, hidden)
        return keras_nn.compile_for(model, "regression", optimizer="rmsprop")

    fails_with(K.check_build_housing_regressor, wraps_reference, "reference implementation")
