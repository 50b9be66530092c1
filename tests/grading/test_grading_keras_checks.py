"""Unit tests of the Keras checks: right models pass, each design mistake fails with a message that
names it, the reference builders (or subclasses of the reference classes) fail, and the saved-model
judge enforces its file, parameter, time and accuracy requirements."""

from __future__ import annotations

import pytest

from course_pkg.grading import CheckFailed, ReferenceUsed

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def keras(tf):
    import keras

    keras.utils.set_random_seed(0)
    return keras


@pytest.fixture(scope="module")
def km(keras):
    from course_pkg.grading import keras_models

    return keras_models


@pytest.fixture(scope="module")
def kt(keras):
    from course_pkg.grading import keras_training

    return keras_training


def fails_with(check, fn, *fragments, exc=CheckFailed, **kwargs):
    with pytest.raises(exc) as info:
        check(fn, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def _mlp(keras, n_in, hidden, n_out, activation, loss, optimizer="adam", metrics=()):
    model = keras.Sequential(
        [keras.Input((n_in,)), *[keras.layers.Dense(h, activation="relu") for h in hidden],
         keras.layers.Dense(n_out, activation=activation)]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def test_designs_pass_and_misconceptions_are_named(keras, km):
    km.check_regressor(lambda n=13: _mlp(keras, n, (10, 10), 1, None, keras.losses.MeanSquaredError(), "rmsprop"), hidden=True)
    fails_with(km.check_regressor, lambda n=13: _mlp(keras, n, (10, 10), 1, None, "mse", "adam"), "optimizer is Adam")
    fails_with(km.check_regressor, lambda n=13: _mlp(keras, n, (10, 10), 1, "relu", "mse", "rmsprop"),
               "output activation is relu", "no activation")
    km.check_fraud_detector(lambda n=30: _mlp(keras, n, (16, 16), 1, "sigmoid", "binary_crossentropy", metrics=["accuracy"]))
    fails_with(km.check_fraud_detector, lambda n=30: _mlp(keras, n, (16, 16), 1, "sigmoid", "binary_crossentropy"),
               "metrics=['accuracy']")
    fails_with(km.check_fraud_detector,
               lambda n=30: _mlp(keras, n, (16, 16), 1, "sigmoid", keras.losses.BinaryCrossentropy(from_logits=True),
                                 metrics=["accuracy"]), "from_logits")
    fails_with(km.check_multilabel_classifier,
               lambda n=3, k=7: _mlp(keras, n, (10, 10), k, "softmax", "binary_crossentropy"),
               "one sigmoid per label")
    fails_with(km.check_age_classifier,
               lambda n=4, c=5: _mlp(keras, n, (10, 10), c, "softmax", "sparse_categorical_crossentropy", metrics=["accuracy"]),
               "one-hot")


def test_reference_builders_are_refused(keras, km):
    from course_pkg import keras_nn as models

    def wraps_reference(n_features=13):
        return models.compile_for(models.build_housing_regressor(n_features), "regression", optimizer="rmsprop")

    fails_with(km.check_regressor, wraps_reference, "reference implementation", exc=ReferenceUsed)

    class Sneaky(models.WideAndDeepModel):
        pass

    fails_with(km.check_wide_and_deep_subclass, Sneaky, "subclasses the course's reference", exc=ReferenceUsed)


def test_training_tools(keras, kt, tmp_path):
    class Ratio(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.ratios = []

        def on_epoch_end(self, epoch, logs=None):
            self.ratios.append(logs["val_loss"] / logs["loss"])

    kt.check_loss_ratio_callback(Ratio)

    class Inverted(Ratio):
        def on_epoch_end(self, epoch, logs=None):
            self.ratios.append(logs["loss"] / logs["val_loss"])

    fails_with(kt.check_loss_ratio_callback, Inverted, "upside down")

    class NoReset(Ratio):
        def __init__(self):
            super().__init__()
            self.ratios = []

        def on_train_begin(self, logs=None):
            pass

    fails_with(kt.check_loss_ratio_callback, NoReset, "Reset the list in on_train_begin")

    def callbacks(path, patience=5, restore=True):
        return [keras.callbacks.ModelCheckpoint(path, save_best_only=True),
                keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=restore)]

    kt.check_make_callbacks(callbacks, hidden=True)
    fails_with(kt.check_make_callbacks, lambda p, patience=5: callbacks(p, patience, restore=False), "restore_best_weights")
    kt.check_suggest_learning_rate(lambda r, l: r[int(__import__("numpy").argmin(l))] / 10, hidden=True)
    fails_with(kt.check_suggest_learning_rate, lambda r, l: r[int(__import__("numpy").argmin(l))], "Divide it by 10")


def test_saved_model_judge(keras, kt, tmp_path):
    fails_with(kt.check_saved_model, str(tmp_path / "none.keras"), "No saved model", train_seconds=1.0)
    big = _mlp(keras, 64, (512,), 10, "softmax", "sparse_categorical_crossentropy")
    big.save(tmp_path / "big.keras")
    fails_with(kt.check_saved_model, str(tmp_path / "big.keras"), "the budget is 20,000", train_seconds=1.0)
    untrained = _mlp(keras, 64, (32,), 10, "softmax", "sparse_categorical_crossentropy")
    untrained.save(tmp_path / "untrained.keras")
    fails_with(kt.check_saved_model, str(tmp_path / "untrained.keras"), "held-out digits", train_seconds=1.0)
    fails_with(kt.check_saved_model, str(tmp_path / "untrained.keras"), "Training took", train_seconds=500.0)
