"""Tests of course_pkg.keras_nn.compare: the graders' architecture comparison.

Each test seeds one difference into a learner's model (written by hand with Keras' default layer
names, as a learner would) and checks that the report names it, with the layer's position and
the expected and received values. No training: only architectures are compared.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from course_pkg import keras_nn as M  # noqa: E402
from course_pkg.keras_nn.builders import APIS  # noqa: E402
from course_pkg.keras_nn.compare import (  # noqa: E402
    ArchitectureReport,
    compare_architecture,
    summarize_layers,
)

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def reference():
    """Chapter 8's classifier: Flatten → 300 relu → 100 relu → 10 softmax, built Functionally."""
    return M.build_mnist_classifier((300, 100), api="functional", seed=0)


def learner(*stack, input_shape=(28, 28)):
    """A learner's Sequential model with Keras' default layer names."""
    return keras.Sequential([keras.Input(shape=input_shape), *stack])


def dense(units, activation=None):
    return layers.Dense(units, activation=activation)


def correct_stack():
    return [layers.Flatten(), dense(300, "relu"), dense(100, "relu"), dense(10, "softmax")]


def only(report: ArchitectureReport, *fragments):
    """The report's differences, after checking each fragment appears in one of them."""
    text = "\n".join(report.differences)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    return report.differences


# ----------------------------------------------------------------------------------------------
# Equivalent models: nothing reported
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_same_network_in_any_api_and_with_other_names_matches(api, reference):
    model = M.build_mnist_classifier((300, 100), api=api, seed=3, name="mine")
    report = compare_architecture(model, reference)
    assert report.same, str(report)
    hand_written = compare_architecture(learner(*correct_stack()), reference)
    assert hand_written.same and hand_written.differences == []
    assert str(hand_written) == (
        "The architecture matches the reference (4 layers, 266,610 parameters)."
    )


def test_dense_then_activation_layer_equals_dense_with_activation(reference):
    split = learner(
        layers.Flatten(),
        dense(300),
        layers.ReLU(),
        dense(100),
        layers.Activation("relu"),
        dense(10),
        layers.Softmax(),
    )
    assert compare_architecture(split, reference).same
    # Folding is only for a Dense without activation: a second activation is a real layer.
    doubled = learner(
        layers.Flatten(),
        dense(300, "relu"),
        layers.Activation("relu"),
        dense(100, "relu"),
        dense(10, "softmax"),
    )
    only(
        compare_architecture(doubled, reference),
        "model has 1 Activation layer, expected 0",
        "extra Activation(relu) at layer 3",
    )


def test_sequential_built_by_calling_on_data_compares_like_one_with_an_input(reference):
    model = keras.Sequential(correct_stack())
    model(np.zeros((2, 28, 28), "float32"))
    assert compare_architecture(model, reference).same


def test_multi_input_multi_output_and_subclassed_models_match_their_functional_twins():
    functional = M.build_wide_and_deep_aux(seed=0)
    assert compare_architecture(M.build_wide_and_deep_aux(api="subclass", seed=4), functional).same
    heads = M.build_multitask_classifier(seed=0)
    assert compare_architecture(M.build_multitask_classifier(api="subclass"), heads).same


# ----------------------------------------------------------------------------------------------
# Each seeded difference is found and named
# ----------------------------------------------------------------------------------------------


def test_missing_output_layer(reference):
    model = learner(layers.Flatten(), dense(300, "relu"), dense(100, "relu"))
    report = compare_architecture(model, reference)
    assert not report.same
    only(
        report,
        "model has 2 Dense layers, expected 3 (missing a Dense(10, softmax) at the end?)",
        "model has 265,600 parameters, expected 266,610",
    )
    assert report.summary_rows[-1] == ("-", "-", "Dense(10, softmax)")


def test_missing_middle_layer_does_not_shift_later_comparisons(reference):
    model = learner(layers.Flatten(), dense(300, "relu"), dense(10, "softmax"))
    differences = only(
        compare_architecture(model, reference),
        "missing a Dense(100, relu) after layer 2 (Dense",
    )
    # The output layer is paired with the reference's output layer, not with Dense(100).
    assert not any("units" in d or "activation" in d for d in differences)


def test_wrong_units_names_the_layer_and_both_values(reference):
    model = learner(layers.Flatten(), dense(300, "relu"), dense(64, "relu"), dense(10, "softmax"))
    name = model.layers[2].name
    report = compare_architecture(model, reference)
    only(report, f"layer 3 (Dense '{name}'): 64 units, expected 100")


def test_wrong_hidden_and_output_activations(reference):
    model = learner(layers.Flatten(), dense(300, "sigmoid"), dense(100, "relu"), dense(10, "relu"))
    report = compare_architecture(model, reference)
    only(
        report,
        "layer 2 (Dense",
        "activation sigmoid, expected relu",
        "output activation is relu, expected softmax, at layer 4 (Dense",
    )
    assert len(report.differences) == 2  # same units and parameters: nothing else differs


def test_wrong_output_size(reference):
    model = learner(layers.Flatten(), dense(300, "relu"), dense(100, "relu"), dense(5, "softmax"))
    only(
        compare_architecture(model, reference),
        "output size is 5 units, expected 10, at layer 4 (Dense",
        "model has 266,105 parameters, expected 266,610",
    )


def test_extra_dropout_and_wrong_dropout_rate():
    reference = M.build_mnist_classifier((32, 16), dropout=0.5, seed=0)
    extra = learner(
        layers.Flatten(),
        dense(32, "relu"),
        layers.Dropout(0.5),
        layers.Dropout(0.5),
        dense(16, "relu"),
        layers.Dropout(0.5),
        dense(10, "softmax"),
    )
    only(
        compare_architecture(extra, reference),
        "model has 3 Dropout layers, expected 2 (extra Dropout(0.5) at layer",
    )

    rate = learner(
        layers.Flatten(),
        dense(32, "relu"),
        layers.Dropout(0.2),
        dense(16, "relu"),
        layers.Dropout(0.5),
        dense(10, "softmax"),
    )
    name = rate.layers[2].name
    assert compare_architecture(rate, reference).differences == [
        f"layer 3 (Dropout '{name}'): rate 0.2, expected 0.5"
    ]


def test_dropout_added_where_the_reference_has_none(reference):
    model = learner(
        layers.Flatten(),
        dense(300, "relu"),
        layers.Dropout(0.5),
        dense(100, "relu"),
        dense(10, "softmax"),
    )
    report = compare_architecture(model, reference)
    only(report, "model has 1 Dropout layer, expected 0 (extra Dropout(0.5) at layer 3 (Dropout")
    assert ("3", "Dropout(0.5)", "-") in report.summary_rows


def test_different_input_shape_flattened_images_fed_to_the_model(reference):
    # The chapter's most common error: images reshaped to 784 by hand, no Flatten layer.
    model = learner(
        dense(300, "relu"), dense(100, "relu"), dense(10, "softmax"), input_shape=(784,)
    )
    only(
        compare_architecture(model, reference),
        "input shape is (N, 784), expected (N, 28, 28)",
        "model has 0 Flatten layers, expected 1 (missing a Flatten at the start?)",
    )


def test_number_of_inputs_and_outputs():
    report = compare_architecture(M.build_wide_and_deep(), M.build_wide_and_deep_aux())
    only(report, "model has 1 input, expected 2", "model has 1 output, expected 2")


def test_frozen_layer_changes_the_trainable_count(reference):
    model = learner(*correct_stack())
    model.layers[1].trainable = False  # Dense(300): 235,500 of the 266,610 frozen
    assert compare_architecture(model, reference).differences == [
        "model has 31,110 trainable parameters, expected 266,610 "
        "(check which layers are frozen with trainable=False)"
    ]


def test_subclassed_learner_with_a_wrong_layer_is_caught(reference):
    model = M.build_mnist_classifier((300, 50), api="subclass")
    report = compare_architecture(model, reference)
    only(report, "layer 3 (Dense 'hidden_2'): 50 units, expected 100")


def test_report_never_shows_weights(reference):
    model = learner(layers.Flatten(), dense(300, "relu"), dense(10, "softmax"))
    kernel, bias = reference.get_layer("output").get_weights()
    report = compare_architecture(model, reference)
    text = str(report) + repr(report)
    for value in (kernel.ravel()[:5], bias[:1] + 0.123456):
        assert not any(f"{v:.4f}" in text for v in value)
    assert text.startswith("The architecture differs from the reference in")


def test_summaries_describe_each_layer_with_its_output_shape(reference):
    summaries = summarize_layers(M.build_mnist_classifier((300, 100), api="subclass"))
    described = ["Flatten", "Dense(300, relu)", "Dense(100, relu)", "Dense(10, softmax)"]
    assert [s.describe() for s in summaries] == described
    shapes = [(None, 784), (None, 300), (None, 100), (None, 10)]
    assert [s.output_shape for s in summaries] == shapes
    assert [s.is_output for s in summaries] == [False, False, False, True]
    assert [s.params for s in summarize_layers(reference)] == [0, 235_500, 30_100, 1_010]


# ----------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, received",
    [
        (np.zeros(3), "numpy.ndarray"),
        ("model.summary()", "builtins.str"),
        (None, "builtins.NoneType"),
    ],
)
def test_non_model_arguments_raise_type_error_saying_what_was_received(bad, received, reference):
    message = f"compare_architecture: expected model as a keras.Model; got {received}"
    with pytest.raises(TypeError, match=message):
        compare_architecture(bad, reference)
    with pytest.raises(TypeError, match=f"expected reference as a keras.Model; got {received}"):
        compare_architecture(reference, bad)


def test_unbuilt_models_raise_value_error_with_the_fix(reference):
    unbuilt = keras.Sequential(correct_stack())
    message = r"expected model as a built model; got model '.*' that has not been built yet\. Call"
    with pytest.raises(ValueError, match=message):
        compare_architecture(unbuilt, reference)
    with pytest.raises(ValueError, match="expected reference as a built model.*keras.Input"):
        compare_architecture(reference, M.WideAndDeepModel())
