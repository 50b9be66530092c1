"""The checks of the assignment keras_training (course_pkg.checks.keras_training): right callbacks pass the
visible and the hidden cases, honest unusual code keeps its marks, each misconception gets its message,
the saved model is judged from its file on held-out digits whose labels only the judge holds, and hidden
kinds are all visible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from check_helpers import assert_hidden_kinds_are_visible, fails_with, judge_like_the_grader

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def T(keras):
    from course_pkg.checks import keras_training

    return keras_training


@pytest.fixture(scope="module")
def solutions(keras):
    class LossRatioCallback(keras.callbacks.Callback):
        def __init__(self, verbose=True):
            super().__init__()
            self.verbose = verbose
            self.ratios = []

        def on_train_begin(self, logs=None):
            self.ratios = []

        def on_epoch_end(self, epoch, logs=None):
            self.ratios.append(logs["val_loss"] / logs["loss"])
            if self.verbose:
                print(f"epoch {epoch + 1}: {self.ratios[-1]:.2f}")

    def make_callbacks(checkpoint_path, patience=5):
        return [keras.callbacks.ModelCheckpoint(checkpoint_path, monitor="val_loss", save_best_only=True),
                keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)]

    class LRFinder(keras.callbacks.Callback):
        def __init__(self, start=1e-5, stop=10.0, steps=500):
            super().__init__()
            self.start, self.factor = start, math.exp(math.log(stop / start) / steps)
            self.rates, self.losses, self.mean = [], [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.mean = 0.0

        def on_train_batch_begin(self, batch, logs=None):
            rate = self.start * self.factor ** len(self.rates)
            self.model.optimizer.learning_rate = rate
            self.rates.append(rate)

        def on_train_batch_end(self, batch, logs=None):
            self.losses.append((batch + 1) * logs["loss"] - batch * self.mean)
            self.mean = logs["loss"]

    def suggest_learning_rate(rates, losses):
        return float(np.asarray(rates)[np.nanargmin(losses)]) / 10

    return {"LossRatioCallback": LossRatioCallback, "make_callbacks": make_callbacks, "LRFinder": LRFinder,
            "suggest_learning_rate": suggest_learning_rate}


def digits_model(keras, T, path, *, hidden=32, epochs=12):
    (X_train, y_train), _, _ = T.digits_data()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    if epochs:
        model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    model.save(path)
    return str(path)


@pytest.fixture(scope="module")
def trained(keras, T, tmp_path_factory):
    return digits_model(keras, T, tmp_path_factory.mktemp("model") / "digits_model.keras")


def test_correct_code_passes_the_visible_and_the_hidden_cases(T, solutions, trained, capsys):
    T.check_loss_ratio_callback(solutions["LossRatioCallback"])
    T.check_make_callbacks(solutions["make_callbacks"])
    T.check_lr_finder(solutions["LRFinder"])
    T.check_suggest_learning_rate(solutions["suggest_learning_rate"])
    T.check_saved_model(trained)
    out = capsys.readouterr().out
    assert out.count("passed") == len(T.PARTS)
    assert "val/train loss ratio" not in out  # the reference's own prints stay out of the learner's notebook
    for part in T.PARTS:
        obj = trained if part.target == "ARTIFACT" else solutions[part.target]
        verdict = judge_like_the_grader(part, obj, repeats=1)
        assert verdict.passed and verdict.n_hidden > 0, (part.grade_id, verdict.message)


def test_every_hidden_kind_has_a_visible_representative(T):
    for part in T.PARTS:
        assert_hidden_kinds_are_visible(part)


def test_honest_unusual_code_keeps_its_marks(T, keras, solutions, capsys):
    class Float32Ratios(solutions["LossRatioCallback"]):
        def on_epoch_end(self, epoch, logs=None):
            self.ratios.append(np.float32(logs["val_loss"]) / np.float32(logs["loss"]))

    T.check_loss_ratio_callback(Float32Ratios)
    T.check_make_callbacks(lambda path, patience=5: tuple(solutions["make_callbacks"](path, patience)))
    T.check_suggest_learning_rate(lambda rates, losses: np.float64(solutions["suggest_learning_rate"](rates, losses)))
    T.check_suggest_learning_rate(lambda rates, losses: np.array([solutions["suggest_learning_rate"](rates, losses)]))
    assert capsys.readouterr().out.count("passed") == 4


def test_each_misconception_gets_its_message(T, keras, solutions):
    Ratio = solutions["LossRatioCallback"]

    class UpsideDown(Ratio):
        def on_epoch_end(self, epoch, logs=None):
            self.ratios.append(logs["loss"] / logs["val_loss"])

    fails_with(T.check_loss_ratio_callback, UpsideDown, "upside down")

    class NoReset(Ratio):
        def on_train_begin(self, logs=None):
            pass

    fails_with(T.check_loss_ratio_callback, NoReset, "on_train_begin")

    class NoList(keras.callbacks.Callback):
        def __init__(self, verbose=True):
            super().__init__()

    fails_with(T.check_loss_ratio_callback, NoList, "self.ratios")

    class NoVerbose(Ratio):
        def __init__(self):
            super().__init__()

    fails_with(T.check_loss_ratio_callback, NoVerbose, "keyword argument verbose=")

    def callbacks(path, patience=5, **changes):
        settings = {"monitor": "val_loss", "save_best_only": True, "restore_best_weights": True, **changes}
        return [keras.callbacks.ModelCheckpoint(path, monitor=settings["monitor"], save_best_only=settings["save_best_only"],
                                                save_weights_only=settings.get("weights", False)),
                keras.callbacks.EarlyStopping(monitor=settings["monitor"], patience=patience,
                                              restore_best_weights=settings["restore_best_weights"])]

    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks(p, patience, restore_best_weights=False),
               "restore_best_weights=True")
    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks(p, patience, save_best_only=False),
               "save_best_only=True")
    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks(p, patience, monitor="loss"),
               "monitor='val_loss'")
    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks(p, 5), "the patience")
    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks("best.keras", patience), "the path it is given")
    fails_with(T.check_make_callbacks, lambda p, patience=5: callbacks(p, patience)[:1], "one EarlyStopping")

    Finder = solutions["LRFinder"]

    class Linear(Finder):
        def on_train_batch_begin(self, batch, logs=None):
            rate = self.start + len(self.rates) * self.start
            self.model.optimizer.learning_rate = rate
            self.rates.append(rate)

    fails_with(T.check_lr_finder, Linear, "constant FACTOR")

    class RecordsOnly(Finder):
        def on_train_batch_begin(self, batch, logs=None):
            self.rates.append(self.start * self.factor ** len(self.rates))

    fails_with(T.check_lr_finder, RecordsOnly, "did not train with the rates")

    class RunningMean(Finder):
        def on_train_batch_end(self, batch, logs=None):
            self.losses.append(logs["loss"])

    fails_with(T.check_lr_finder, RunningMean, "running mean", "(k + 1) * mean_k")

    suggest = solutions["suggest_learning_rate"]
    fails_with(T.check_suggest_learning_rate, lambda r, l: suggest(r, l) * 10, "Divide it by 10")
    fails_with(T.check_suggest_learning_rate, lambda r, l: float(np.asarray(r)[np.argmin(l)]) / 10,
               "'the loss exploded into NaN at the largest rates'", "np.nanargmin")
    fails_with(T.check_suggest_learning_rate, lambda r, l: [suggest(r, l)] * 2, "one number")


def test_the_saved_model_is_judged_from_its_file(T, keras, tmp_path):
    fails_with(T.check_saved_model, str(tmp_path / "none.keras"), "no saved model", "time limit")
    big = digits_model(keras, T, tmp_path / "big.keras", hidden=512, epochs=0)
    fails_with(T.check_saved_model, big, "the budget is 20,000")
    untrained = digits_model(keras, T, tmp_path / "untrained.keras", epochs=0)
    fails_with(T.check_saved_model, untrained, "held-out digits", "at least 90%")

    lambda_model = keras.Sequential([keras.Input((64,)), keras.layers.Lambda(lambda x: x * 2),
                                     keras.layers.Dense(10, activation="softmax")])
    lambda_model.save(tmp_path / "lambda.keras")
    fails_with(T.check_saved_model, str(tmp_path / "lambda.keras"), "could not be loaded", "Lambda")
    wrong_outputs = keras.Sequential([keras.Input((64,)), keras.layers.Dense(3, activation="softmax")])
    wrong_outputs.save(tmp_path / "three.keras")
    fails_with(T.check_saved_model, str(tmp_path / "three.keras"), "10 outputs")


def test_the_labels_never_enter_the_learners_process(T, trained):
    seen = []

    def spy(path, inputs):
        seen.append(sorted(inputs))
        return T.probe_saved_model(path, inputs)

    for case in T.SAVED_MODEL.visible_cases():
        spy(trained, case.inputs)
    assert seen == [["X", "rows"]]
