"""Tests of the course's Keras models (course_pkg.keras_nn.builders, architectures, inspection), their APIs,
and compile_for (course_pkg.keras_nn.compile), through the package-level names.

All data here is synthetic (random features, labels computed from them) and tiny: the tests
check shapes, parameter counts, wiring and that training moves, not accuracy on real data.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402

from course_pkg import keras_nn as M  # noqa: E402
from course_pkg.keras_nn.builders import APIS  # noqa: E402

pytestmark = pytest.mark.tf


@pytest.fixture(autouse=True)
def _seed_keras():
    # fit() shuffles and Dropout draws masks from Keras' global generator.
    keras.utils.set_random_seed(0)


def dense_params(sizes):
    """Parameters of a dense chain D → M_1 → ... by the formula (fan_in + 1) * units."""
    return [(fan_in + 1) * units for fan_in, units in zip(sizes[:-1], sizes[1:])]


def param_counts(model):
    return {name: n for name, n in M.layer_param_counts(model).items() if n}


def weights_by_layer(model):
    return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}


def copy_weights(source, target):
    for layer in source.layers:
        if layer.weights:
            target.get_layer(layer.name).set_weights(layer.get_weights())


def as_list(out):
    return out if isinstance(out, list) else [out]


def predict(model, X):
    out = model.predict(X, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)


# ----------------------------------------------------------------------------------------------
# Parameter counts: the numbers the book prints
# ----------------------------------------------------------------------------------------------


def test_dense_params_helper_matches_the_syllabus_arithmetic():
    # The helper is the test's own formula; pin it to the hand-worked numbers first.
    assert dense_params([13, 10, 10, 1]) == [140, 110, 11]
    assert dense_params([784, 512, 512, 10]) == [401_920, 262_656, 5_130]


@pytest.mark.parametrize("api", APIS)
def test_housing_regressor_has_261_parameters_in_every_api(api):
    model = M.build_housing_regressor(api=api, seed=0)
    assert M.count_params(model) == 261
    assert param_counts(model) == {"hidden_1": 140, "hidden_2": 110, "output": 11}
    assert predict(model, np.zeros((3, 13), "float32")).shape == (3, 1)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_mnist_classifier_669706_parameters_with_or_without_dropout(dropout):
    model = M.build_mnist_classifier(dropout=dropout, seed=0)
    assert model.count_params() == 669_706 == sum(dense_params([784, 512, 512, 10]))
    assert param_counts(model) == {"hidden_1": 401_920, "hidden_2": 262_656, "output": 5_130}
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == ([0.5, 0.5] if dropout else [])
    assert model.inputs[0].shape == (None, 28, 28)


def test_fashion_classifier_266610_parameters_is_the_mnist_preset_with_300_100():
    # Chapter 8's Fashion-MNIST network: the MNIST preset with other sizes, not a second preset.
    fashion = M.build_mnist_classifier((300, 100), name="fashion_classifier", seed=0)
    same = M.build_mlp([None, 300, 100, 10], output_activation="softmax", flatten_input_shape=(28, 28), seed=0)
    expected = {"hidden_1": 235_500, "hidden_2": 30_100, "output": 1_010}
    assert param_counts(fashion) == param_counts(same) == expected
    for ours, theirs in zip(fashion.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(ours, theirs)  # same seeds, same layers: same model
    assert not hasattr(M, "build_fashion_classifier") and not hasattr(M, "build_regression_mlp")
    assert M.count_params(fashion) == 266_610
    assert [layer.name for layer in fashion.layers] == ["flatten", "hidden_1", "hidden_2", "output"]


def test_chapter4_784_784_10_network_via_build_mlp():
    model = M.build_mlp([784, 784, 10], output_activation="softmax", seed=0)
    assert param_counts(model) == {"hidden_1": 615_440, "output": 7_850}
    assert M.count_params(model) == 623_290
    # The same network taking images: only a Flatten (no parameters) in front.
    images = M.build_mlp([None, 784, 10], output_activation="softmax", flatten_input_shape=(28, 28))
    assert M.count_params(images) == 623_290


def test_presets_are_build_mlp_with_chosen_arguments():
    pairs = [
        (M.build_housing_regressor(8, hidden=(30,), seed=1), M.build_mlp([8, 30, 1], seed=1)),
        (M.build_binary_classifier(30, seed=1), M.build_mlp([30, 16, 16, 1], "relu", "sigmoid", seed=1)),
        (M.build_multiclass_classifier(seed=1), M.build_mlp([4, 10, 10, 5], "relu", "softmax", seed=1)),
        (M.build_multilabel_classifier(seed=1), M.build_mlp([3, 10, 10, 7], "relu", "sigmoid", seed=1)),
    ]
    for preset, general in pairs:
        assert [(l.name, type(l).__name__) for l in preset.layers] == [(l.name, type(l).__name__) for l in general.layers]
        for ours, theirs in zip(preset.get_weights(), general.get_weights()):
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda: M.build_binary_classifier(30, hidden=(16, 8)), sum(dense_params([30, 16, 8, 1]))),
        (lambda: M.build_multiclass_classifier(), sum(dense_params([4, 10, 10, 5]))),
        (lambda: M.build_multilabel_classifier(), sum(dense_params([3, 10, 10, 7]))),
        (lambda: M.build_housing_regressor(8, hidden=(30,)), sum(dense_params([8, 30, 1]))),
        # trunk 3 → 10 → 10, then two heads from the last hidden layer
        (lambda: M.build_multitask_classifier(), sum(dense_params([3, 10, 10])) + 11 * 5 + 11 * 2),
        # deep path 8 → 30 → 30; output reads concat(input, hidden_2) = 38 features
        (lambda: M.build_wide_and_deep(), sum(dense_params([8, 30, 30])) + 39),
        (lambda: M.build_wide_and_deep_two_inputs(), sum(dense_params([6, 30, 30])) + 36),
        (lambda: M.build_wide_and_deep_aux(), sum(dense_params([6, 30, 30])) + 36 + 31),
    ],
    ids=["binary", "multiclass", "multilabel", "regression", "multitask", "wd", "wd2", "wd_aux"],
)
def test_parameter_counts_follow_the_formulas(build, expected):
    assert M.count_params(build()) == expected


def test_count_params_works_for_subclassed_models_and_rejects_unbuilt_ones():
    assert M.count_params(M.build_wide_and_deep_aux(api="subclass")) == 1207
    unbuilt = M.WideAndDeepModel()
    with pytest.raises(ValueError, match="count_params: expected a built model.*Call it on data"):
        M.count_params(unbuilt)
    with pytest.raises(TypeError, match="count_params: expected model as a keras.Model; got dict"):
        M.count_params({"hidden_1": 140})


# ----------------------------------------------------------------------------------------------
# Output shapes and activations
# ----------------------------------------------------------------------------------------------


def test_output_shapes_and_ranges(rng):
    X4 = rng.normal(size=(6, 4)).astype("float32")
    X3 = rng.normal(size=(6, 3)).astype("float32")
    probs = predict(M.build_multiclass_classifier(seed=0), X4)
    assert probs.shape == (6, 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)

    labels = predict(M.build_multilabel_classifier(seed=0), X3)
    assert labels.shape == (6, 7)
    assert np.all((labels > 0) & (labels < 1))
    assert not np.allclose(labels.sum(axis=1), 1.0)  # independent sigmoids, not a distribution

    age, gender = predict(M.build_multitask_classifier(seed=0), X3)
    assert age.shape == (6, 5) and gender.shape == (6, 2)
    np.testing.assert_allclose(age.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(gender.sum(axis=1), 1.0, rtol=1e-5)

    X30 = rng.normal(size=(6, 30)).astype("float32")
    fraud = predict(M.build_binary_classifier(30, seed=0), X30)
    assert fraud.shape == (6, 1) and np.all((fraud > 0) & (fraud < 1))

    images = rng.random((6, 28, 28)).astype("float32")
    assert predict(M.build_mnist_classifier((300, 100), seed=0), images).shape == (6, 10)


def test_wide_and_deep_wiring_and_split(rng):
    X = rng.normal(size=(5, 8)).astype("float32")
    parts = M.split_wide_deep(X)
    np.testing.assert_array_equal(parts["wide_input"], X[:, 0:5])  # features 0–4
    np.testing.assert_array_equal(parts["deep_input"], X[:, 2:8])  # features 2–7

    single = M.build_wide_and_deep(seed=0)
    assert single.get_layer("concat").output.shape == (None, 8 + 30)
    assert predict(single, X).shape == (5, 1)

    two = M.build_wide_and_deep_two_inputs(seed=0)
    assert [t.name for t in two.inputs] == ["wide_input", "deep_input"]
    assert predict(two, parts).shape == (5, 1)

    # The wide input really skips the hidden layers: changing it moves the output although
    # the deep input is unchanged.
    moved = dict(parts, wide_input=parts["wide_input"] + 1.0)
    assert not np.allclose(predict(two, moved), predict(two, parts))


# ----------------------------------------------------------------------------------------------
# Three APIs, one network
# ----------------------------------------------------------------------------------------------


def architecture(model):
    """(type, name, units, activation) of each layer, input layers left out."""
    return [
        (
            type(layer).__name__,
            layer.name,
            getattr(layer, "units", None),
            getattr(getattr(layer, "activation", None), "__name__", None),
        )
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]


@pytest.mark.parametrize(
    "build, sample",
    [
        (lambda api, seed: M.build_housing_regressor(api=api, seed=seed), (13,)),
        (lambda api, seed: M.build_mnist_classifier((32, 16), 0.5, api=api, seed=seed), (28, 28)),
    ],
    ids=["housing", "mnist_dropout"],
)
def test_sequential_functional_subclass_are_the_same_network(build, sample, rng):
    X = rng.random((4, *sample)).astype("float32")
    models = {api: build(api, 7) for api in APIS}
    assert architecture(models["sequential"]) == architecture(models["functional"])
    assert architecture(models["sequential"]) == architecture(models["subclass"])
    assert len({M.count_params(m) for m in models.values()}) == 1

    # Same seed: identical initial weights, hence identical predictions (dropout is off in predict).
    reference = predict(models["sequential"], X)
    for api in ("functional", "subclass"):
        for name, weights in weights_by_layer(models["sequential"]).items():
            for a, b in zip(weights, weights_by_layer(models[api])[name]):
                np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(predict(models[api], X), reference, rtol=1e-6, atol=1e-6)

    # Another seed gives other weights; copying the weights over gives the same predictions.
    other = build("subclass", 8)
    assert not np.allclose(predict(other, X), reference)
    copy_weights(models["sequential"], other)
    np.testing.assert_allclose(predict(other, X), reference, rtol=1e-6, atol=1e-6)


def test_seeded_layers_of_the_same_shape_do_not_start_identical():
    model = M.build_mlp([4, 8, 8, 8, 1], seed=3)
    kernels = [model.get_layer(f"hidden_{i}").get_weights()[0] for i in (2, 3)]
    assert not np.allclose(*kernels)
    unseeded = [M.build_mlp([4, 8, 1]).get_weights()[0] for _ in range(2)]
    assert not np.allclose(*unseeded)


def test_multi_output_functional_and_subclass_agree(rng):
    parts = M.split_wide_deep(rng.normal(size=(4, 8)).astype("float32"))
    functional = M.build_wide_and_deep_aux(seed=5)
    subclass = M.build_wide_and_deep_aux(api="subclass", seed=5)
    assert architecture(functional) == architecture(subclass)
    assert isinstance(subclass, M.WideAndDeepModel)
    for a, b in zip(predict(functional, parts), predict(subclass, parts)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    # A pair (wide, deep) works like the dict.
    main, _ = subclass((parts["wide_input"], parts["deep_input"]))
    expected_main = predict(functional, parts)[0]
    np.testing.assert_allclose(np.asarray(main), expected_main, rtol=1e-6, atol=1e-6)

    X3 = rng.normal(size=(4, 3)).astype("float32")
    f_heads = M.build_multitask_classifier(seed=2)
    s_heads = M.build_multitask_classifier(api="subclass", seed=2)
    assert architecture(f_heads) == architecture(s_heads)
    for a, b in zip(predict(f_heads, X3), predict(s_heads, X3)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# compile_for and one short fit per model
# ----------------------------------------------------------------------------------------------


def synthetic(rng, kind, n=64):
    """Synthetic data of the right shapes whose labels depend on the features (learnable)."""
    if kind == "images":
        X = rng.random((n, 28, 28)).astype("float32")
        return X, (X[:, :14].sum(axis=(1, 2)) > X[:, 14:].sum(axis=(1, 2))).astype("int64")
    X = rng.normal(size=(n, kind)).astype("float32")
    return X, X @ rng.normal(size=(kind,)).astype("float32")


def column(s):
    return s[:, None]


def positive(s):
    return (s > 0)[:, None].astype("float32")


CASES = {
    # name: (builder, features, task, how labels are made from the synthetic score s)
    "housing": (lambda: M.build_housing_regressor(seed=0), 13, "regression", column),
    "huber": (lambda: M.build_housing_regressor(8, hidden=(30,), seed=0), 8, "regression_huber", column),
    "fraud": (lambda: M.build_binary_classifier(6, seed=0), 6, "binary", positive),
    "age_groups": (
        lambda: M.build_multiclass_classifier(seed=0),
        4,
        "multiclass",
        lambda s: keras.utils.to_categorical(np.digitize(s, [-1, -0.3, 0.3, 1]), 5),
    ),
    "multilabel": (
        lambda: M.build_multilabel_classifier(seed=0),
        3,
        "multilabel",
        lambda s: (s[:, None] > np.linspace(-1.5, 1.5, 7)).astype("float32"),
    ),
    "mnist_dropout": (
        lambda: M.build_mnist_classifier((64, 64), 0.5, seed=0),
        "images",
        "sparse_multiclass",
        None,
    ),
    "fashion": (
        lambda: M.build_mnist_classifier((300, 100), seed=0),
        "images",
        "sparse_multiclass",
        None,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_compile_for_and_a_short_fit_reduces_the_loss(case, rng):
    build, features, task, make_labels = CASES[case]
    X, score = synthetic(rng, features)
    y = score if make_labels is None else make_labels(score)
    model = M.compile_for(build(), task, learning_rate=0.01)
    before = model.evaluate(X, y, verbose=0, return_dict=True)
    model.fit(X, y, epochs=3, batch_size=16, verbose=0)
    after = model.evaluate(X, y, verbose=0, return_dict=True)
    assert after["loss"] < before["loss"]
    assert set(before) > {"loss"}  # the task's metric is reported too


APPLICABLE = {
    "housing": (M.build_housing_regressor, ("regression", "regression_huber")),
    "regression_mlp": (lambda: M.build_housing_regressor(8, hidden=(30,)), ("regression", "regression_huber")),
    "fraud": (lambda: M.build_binary_classifier(6), ("binary", "multilabel")),
    "age_groups": (M.build_multiclass_classifier, ("multiclass", "sparse_multiclass")),
    "multilabel": (M.build_multilabel_classifier, ("multilabel",)),
    "multitask": (M.build_multitask_classifier, ("multitask",)),
    "mnist": (lambda: M.build_mnist_classifier((8,)), ("multiclass", "sparse_multiclass")),
    "fashion": (lambda: M.build_mnist_classifier((300, 100)), ("multiclass", "sparse_multiclass")),
    "logits": (lambda: M.build_mlp([4, 8, 3]), ("multiclass", "sparse_multiclass", "regression")),
    "wide_and_deep": (M.build_wide_and_deep, ("regression", "regression_huber")),
    "wide_and_deep_two": (M.build_wide_and_deep_two_inputs, ("regression", "regression_huber")),
    "wide_and_deep_aux": (M.build_wide_and_deep_aux, ("regression", "regression_huber")),
}


@pytest.mark.parametrize("case", list(APPLICABLE))
def test_every_applicable_task_compiles(case):
    build, tasks = APPLICABLE[case]
    for task in tasks:
        model = M.compile_for(build(), task)
        assert model.compiled and model.optimizer is not None
        outputs = getattr(model, "output_names", None) or []
        if len(outputs) > 1:  # one loss per named output
            assert isinstance(model.loss, dict) and list(model.loss) == outputs


@pytest.mark.parametrize("two_inputs", [False, True], ids=["single_input", "two_inputs"])
def test_wide_and_deep_short_fit_reduces_the_loss(two_inputs, rng):
    X, score = synthetic(rng, 8)
    if two_inputs:
        model, X = M.build_wide_and_deep_two_inputs(seed=0), M.split_wide_deep(X)
    else:
        model = M.build_wide_and_deep(seed=0)
    M.compile_for(model, "regression", learning_rate=0.01)
    before = model.evaluate(X, score, verbose=0)[0]
    model.fit(X, score, epochs=3, batch_size=16, verbose=0)
    assert model.evaluate(X, score, verbose=0)[0] < before


def test_multiclass_initial_loss_is_about_ln_c(rng):
    # A freshly initialised softmax spreads probability roughly evenly: loss ≈ ln 10.
    X, y = synthetic(rng, "images")
    model = M.compile_for(M.build_mnist_classifier((300, 100), seed=0), "sparse_multiclass")
    loss = model.evaluate(X, y, verbose=0)[0]
    assert abs(loss - math.log(10)) < 0.5


@pytest.mark.parametrize(
    "task, loss",
    [
        ("regression", "mse"),
        ("binary", "binary_crossentropy"),
        ("multiclass", "categorical_crossentropy"),
        ("sparse_multiclass", "sparse_categorical_crossentropy"),
        ("multilabel", "binary_crossentropy"),
    ],
)
def test_compile_for_picks_the_loss(task, loss):
    build = {
        "regression": lambda: M.build_housing_regressor(),
        "binary": lambda: M.build_binary_classifier(4),
        "multiclass": lambda: M.build_multiclass_classifier(),
        "sparse_multiclass": lambda: M.build_mnist_classifier((8,)),
        "multilabel": lambda: M.build_multilabel_classifier(),
    }[task]
    assert M.compile_for(build(), task).loss == loss


def test_compile_for_huber_optimizer_and_learning_rate():
    model = M.compile_for(
        M.build_housing_regressor(), "regression_huber", optimizer="rmsprop", learning_rate=0.003
    )
    assert isinstance(model.loss, keras.losses.Huber)
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.003)
    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    assert M.compile_for(M.build_housing_regressor(), "regression", optimizer=sgd).optimizer is sgd
    custom = M.compile_for(M.build_housing_regressor(), "regression", metrics=["mse"])
    assert custom.loss == "mse"


def test_compile_for_treats_linear_outputs_as_logits(rng):
    logits = M.build_mlp([4, 8, 3], seed=0)  # no output activation
    model = M.compile_for(logits, "sparse_multiclass")
    assert isinstance(model.loss, keras.losses.SparseCategoricalCrossentropy)
    X = rng.normal(size=(5, 4)).astype("float32")
    y = np.array([0, 1, 2, 1, 0])
    z = predict(logits, X)
    log_probs = z - z.max(axis=1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(5), y].mean()
    assert model.evaluate(X, y, verbose=0, batch_size=5)[0] == pytest.approx(expected, rel=1e-5)


# ----------------------------------------------------------------------------------------------
# Multi-output models: loss weights, evaluate, predict
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "api, weights",
    [("functional", [0.9, 0.1]), ("subclass", {"main_output": 0.9, "aux_output": 0.1})],
    ids=["functional_list", "subclass_dict"],
)
def test_wide_and_deep_aux_loss_weights_evaluate_and_predict(api, weights, rng):
    X, score = synthetic(rng, 8)
    parts, y = M.split_wide_deep(X), score[:, None]
    model = M.build_wide_and_deep_aux(api=api, seed=0)
    M.compile_for(model, "regression", loss_weights=weights)
    labels = {"main_output": y, "aux_output": y}
    before = model.evaluate(parts, labels, verbose=0, return_dict=True)
    model.fit(parts, labels, epochs=2, batch_size=16, verbose=0)
    result = model.evaluate(parts, labels, verbose=0, return_dict=True, batch_size=len(y))
    assert result["loss"] < before["loss"]
    reported = {"loss", "main_output_loss", "aux_output_loss", "main_output_mae", "aux_output_mae"}
    assert reported <= set(result)

    main, aux = predict(model, parts)
    assert main.shape == aux.shape == (len(y), 1)
    # Each reported loss is that output's MSE, and the total is the 0.9 / 0.1 weighted sum.
    assert result["main_output_loss"] == pytest.approx(np.mean((main - y) ** 2), rel=1e-4)
    assert result["aux_output_loss"] == pytest.approx(np.mean((aux - y) ** 2), rel=1e-4)
    weighted = 0.9 * result["main_output_loss"] + 0.1 * result["aux_output_loss"]
    assert result["loss"] == pytest.approx(weighted, rel=1e-4)


@pytest.mark.parametrize("api", ["functional", "subclass"])
def test_multitask_heads_compile_fit_and_report_each_loss(api, rng):
    X, score = synthetic(rng, 3)
    labels = {
        "age_group": np.digitize(score, [-1, -0.3, 0.3, 1]),
        "gender": (score > 0).astype("int64"),
    }
    model = M.build_multitask_classifier(api=api, seed=0)
    M.compile_for(model, "multitask", learning_rate=0.01)
    sparse = "sparse_categorical_crossentropy"
    assert model.loss == {"age_group": sparse, "gender": sparse}
    before = model.evaluate(X, labels, verbose=0, return_dict=True)
    model.fit(X, labels, epochs=3, batch_size=16, verbose=0)
    after = model.evaluate(X, labels, verbose=0, return_dict=True)
    assert after["loss"] < before["loss"]
    assert {"age_group_loss", "gender_loss", "age_group_accuracy", "gender_accuracy"} <= set(after)


# ----------------------------------------------------------------------------------------------
# Saving and loading
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build, sample",
    [
        (lambda: M.build_mnist_classifier((16,), 0.5, api="sequential", seed=0), (28, 28)),
        (lambda: M.build_housing_regressor(api="functional", seed=0), (13,)),
        (lambda: M.build_housing_regressor(api="subclass", seed=0), (13,)),
        (lambda: M.build_multitask_classifier(seed=0), (3,)),
    ],
    ids=["sequential", "functional", "subclass_mlp", "multitask"],
)
def test_keras_file_round_trip(build, sample, tmp_path, rng):
    # Builders return uncompiled models; the trained, compiled case is the Wide & Deep test below.
    model = build()
    X = rng.random((4, *sample)).astype("float32")
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for a, b in zip(as_list(predict(model, X)), as_list(predict(loaded, X))):
        np.testing.assert_array_equal(a, b)


def test_wide_and_deep_model_weights_and_keras_round_trips(tmp_path, rng):
    parts = M.split_wide_deep(rng.normal(size=(4, 8)).astype("float32"))
    model = M.build_wide_and_deep_aux(api="subclass", seed=1)
    expected = predict(model, parts)

    model.save_weights(tmp_path / "wd.weights.h5")
    fresh = M.build_wide_and_deep_aux(api="subclass", seed=2)
    assert not np.allclose(predict(fresh, parts)[0], expected[0])
    fresh.load_weights(tmp_path / "wd.weights.h5")
    for a, b in zip(predict(fresh, parts), expected):
        np.testing.assert_array_equal(a, b)

    # A trained, compiled model: architecture, weights and training set-up all come back.
    # (Keras warns when loading a compiled model that was never fitted: its optimizer has no
    # state yet; save after training.)
    y = rng.normal(size=(4, 1)).astype("float32")
    M.compile_for(model, "regression", loss_weights=[0.9, 0.1])
    model.fit(parts, (y, y), epochs=1, verbose=0)
    trained = predict(model, parts)
    model.save(tmp_path / "wd.keras")
    loaded = keras.models.load_model(tmp_path / "wd.keras")
    assert isinstance(loaded, M.WideAndDeepModel) and loaded.hidden == (30, 30)
    for a, b in zip(predict(loaded, parts), trained):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        loaded.evaluate(parts, (y, y), verbose=0),
        model.evaluate(parts, (y, y), verbose=0),
        rtol=1e-6,
    )


# ----------------------------------------------------------------------------------------------
# Bad input: clear errors that name the function, what was expected and what was received
# ----------------------------------------------------------------------------------------------


def test_unknown_task_lists_the_tasks():
    message = "compile_for: expected task to be one of 'regression'.*'multitask'; got 'clasific'"
    with pytest.raises(ValueError, match=message):
        M.compile_for(M.build_housing_regressor(), "clasific")


@pytest.mark.parametrize(
    "build, supported",
    [
        (lambda api: M.build_housing_regressor(api=api), "'sequential', 'functional', 'subclass'"),
        (lambda api: M.build_multitask_classifier(api=api), "'functional', 'subclass'"),
        (lambda api: M.build_wide_and_deep(api=api), "'functional'"),
        (lambda api: M.build_wide_and_deep_aux(api=api), "'functional', 'subclass'"),
    ],
    ids=["mlp", "multitask", "wide_and_deep", "wide_and_deep_aux"],
)
def test_unknown_or_unsupported_api_lists_the_supported_ones(build, supported):
    with pytest.raises(ValueError, match=f"api to be one of {supported}; got 'sequentail'"):
        build("sequentail")
    if "sequential" not in supported:
        # The fix says why: the network is not a plain stack.
        why = "got 'sequential'.*(no Sequential form|Sequential stack)"
        with pytest.raises(ValueError, match=why):
            build("sequential")


@pytest.mark.parametrize(
    "build, task, message",
    [
        pytest.param(
            lambda: M.build_mnist_classifier((8,)),
            "binary",
            r"task 'binary'; got output 'output' with 10 units and softmax activation\. "
            r"Use 'multiclass'",
            id="binary_on_softmax",
        ),
        pytest.param(
            lambda: M.build_housing_regressor(),
            "multitask",
            r"two or more outputs for task 'multitask'; "
            r"got model 'housing_regressor' with 1 output \('output'\)",
            id="multitask_on_single_output",
        ),
        pytest.param(
            lambda: M.build_binary_classifier(4),
            "multiclass",
            r"task 'multiclass'; got output 'output' with 1 unit and sigmoid activation\. One unit",
            id="multiclass_on_one_sigmoid",
        ),
        pytest.param(
            lambda: M.build_multilabel_classifier(),
            "sparse_multiclass",
            r"task 'sparse_multiclass'; got output 'output' with 7 units and sigmoid.*'multilabel'",
            id="sparse_multiclass_on_sigmoids",
        ),
        pytest.param(
            lambda: M.build_multiclass_classifier(),
            "multilabel",
            r"task 'multilabel'; got output 'output' with 5 units and softmax.*compete",
            id="multilabel_on_softmax",
        ),
        pytest.param(
            lambda: M.build_multiclass_classifier(),
            "regression",
            r"task 'regression'; got output 'output' with 5 units and softmax",
            id="regression_on_softmax",
        ),
        pytest.param(
            lambda: M.build_mlp([4, 8, 3], "relu", "relu"),
            "multiclass",
            r"with 3 units and relu activation",
            id="multiclass_on_relu",
        ),
    ],
)
def test_task_that_does_not_match_the_output_is_refused(build, task, message):
    with pytest.raises(ValueError, match=message):
        M.compile_for(build(), task)


def test_compile_for_bad_arguments():
    model = M.build_wide_and_deep_aux()
    with pytest.raises(ValueError, match=r"loss_weights with one entry per output \(2: .*; got 3"):
        M.compile_for(model, "regression", loss_weights=[0.8, 0.1, 0.1])
    with pytest.raises(ValueError, match=r"loss_weights keys among the output names.*\['main'\]"):
        M.compile_for(model, "regression", loss_weights={"main": 1.0})
    with pytest.raises(ValueError, match="optimizer to be one of 'sgd', 'rmsprop', 'adam'.*adamm"):
        M.compile_for(model, "regression", optimizer="adamm")
    with pytest.raises(ValueError, match="learning_rate=None when optimizer is an instance"):
        M.compile_for(model, "regression", optimizer=keras.optimizers.SGD(), learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate > 0"):
        M.compile_for(model, "regression", learning_rate=-0.1)
    with pytest.raises(TypeError, match="compile_for: expected model as a keras.Model; got str"):
        M.compile_for("model", "regression")


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (
            lambda: M.build_multiclass_classifier(n_classes=1),
            ValueError,
            r"n_classes >= 2 for a softmax output; got n_classes=1",
        ),
        (lambda: M.build_mnist_classifier(n_classes=1), ValueError, r"n_classes >= 2"),
        (
            lambda: M.build_multitask_classifier(heads={"age_group": 5, "gender": 1}),
            ValueError,
            r"heads\['gender'\] >= 2",
        ),
        (
            lambda: M.build_multitask_classifier(heads={"age_group": 5}),
            ValueError,
            r"at least 2 heads",
        ),
        (
            lambda: M.build_mlp([4, 8, 0, 1]),
            ValueError,
            r"build_mlp: expected layer_sizes\[2\] >= 1; got layer_sizes\[2\]=0",
        ),
        (
            lambda: M.build_multitask_classifier(heads={"layers": 5, "gender": 2}),
            ValueError,
            r"head names other than .* keras.Model attributes; got 'layers'",
        ),
        (lambda: M.build_mlp([4, 8, 0]), ValueError, r"layer_sizes\[2\] >= 1"),
        (lambda: M.build_mlp([0, 8, 1]), ValueError, r"layer_sizes\[0\] >= 1"),
        (lambda: M.build_mlp([4]), ValueError, r"layer_sizes with at least 2 entries"),
        (lambda: M.build_mlp([None, 8, 1]), TypeError, r"layer_sizes\[0\] as the number of input features"),
        (lambda: M.build_housing_regressor(hidden=0), TypeError, r"build_housing_regressor: expected hidden as a sequence"),
        (
            lambda: M.build_mlp([4, 8, 1], output_activation="softmax"),
            ValueError,
            r"softmax.*use one sigmoid unit",
        ),
        (
            lambda: M.build_mlp([4, 8, 1], "rellu"),
            ValueError,
            r"hidden_activation to be a Keras activation.*got 'rellu'",
        ),
        (
            lambda: M.build_mlp(4, 30, 1),
            TypeError,
            r"build_mlp: expected layer_sizes as a list of ints such as \[784, 128, 10\]",
        ),
        (
            lambda: M.build_housing_regressor(8, hidden=30),
            TypeError,
            r"hidden as a sequence of layer sizes; got the integer 30\. Write hidden=\(30,\)",
        ),
        (
            lambda: M.build_mlp([10, 8, 1], flatten_input_shape=(28, 28)),
            ValueError,
            r"layer_sizes\[0\] equal to the flattened size .* \(784\); got layer_sizes\[0\]=10",
        ),
        (
            lambda: M.build_mnist_classifier(dropout=1.0),
            ValueError,
            r"dropout in \[0, 1\); got dropout=1.0",
        ),
        (lambda: M.build_housing_regressor(seed=-1), ValueError, r"seed >= 0"),
        (
            lambda: M.split_wide_deep(np.zeros((3, 4))),
            ValueError,
            r"split_wide_deep: expected X with at least 5 columns .*; got shape \(3, 4\)",
        ),
        (
            lambda: M.split_wide_deep(np.zeros(8)),
            ValueError,
            r"split_wide_deep: expected X .*; got shape \(8,\)",
        ),
    ],
)
def test_impossible_shapes_and_arguments_are_refused(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_wide_and_deep_model_refuses_inputs_it_cannot_split():
    model = M.build_wide_and_deep_aux(api="subclass")
    message = r"""inputs with keys "wide_input" and "deep_input"; got keys \['wide'\]"""
    with pytest.raises(ValueError, match=message):
        model({"wide": np.zeros((1, 5))})
