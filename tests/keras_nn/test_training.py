"""Tests of the Keras track's training tools: seeding, callbacks and their files, the LR finder,
histories (course_pkg.keras_nn.seeding, callbacks, lr_finder, history) and the NumPy <-> Keras bridge.

Every model here is tiny and built inline, and the data are synthetic, so that each
behaviour (early stopping, restoring the best weights, divergence) happens by construction.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402

from course_pkg.keras_nn.bridge import from_keras, to_keras, weights_from_numpy  # noqa: E402
from course_pkg.keras_nn.callbacks import LossRatioCallback, standard_callbacks  # noqa: E402
from course_pkg.keras_nn.history import history_to_frame, plot_learning_curves, read_tensorboard_scalars  # noqa: E402
from course_pkg.keras_nn.lr_finder import LRFinder, LRFinderResult, find_learning_rate  # noqa: E402
from course_pkg.keras_nn.seeding import seed_everything  # noqa: E402
from course_pkg.numpy_nn.network import MLP  # noqa: E402

pytestmark = pytest.mark.tf


def linear_model(learning_rate=0.1, *, zeros=False, seed=0):
    """Dense(1) regression on one feature; zero initial weights when ``zeros``."""
    init = "zeros" if zeros else keras.initializers.GlorotUniform(seed=seed)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1, kernel_initializer=init)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def small_regression(rng, n=256, d=8):
    X = rng.standard_normal((n, d)).astype("float32")  # (N, D)
    w = rng.standard_normal((d, 1)).astype("float32")  # (D, 1)
    y = X @ w + 0.1 * rng.standard_normal((n, 1)).astype("float32")  # (N, 1)
    return X, y


# --------------------------------------------------------------------------- seeding


def fit_once(seed):
    seed_everything(seed, deterministic_ops=False)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    X = np.random.standard_normal((32, 3)).astype("float32")  # global NumPy state, seeded above
    y = X.sum(axis=1, keepdims=True)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)  # shuffles with Keras' seeded generator
    return random.random(), model.get_weights()


def test_seed_everything_makes_python_numpy_and_keras_repeatable():
    first_random, first = fit_once(7)
    second_random, second = fit_once(7)
    other_random, other = fit_once(8)
    assert first_random == second_random
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert other_random != first_random
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_seed_everything_turns_on_op_determinism():
    from tensorflow.python.framework import config as tf_config  # test-only: no public getter

    was_on = tf_config.is_op_determinism_enabled()
    try:
        tf_config.disable_op_determinism()
        assert seed_everything(3) == 3
        assert tf_config.is_op_determinism_enabled()
    finally:
        # Determinism is process-wide: leave it as the other tests found it.
        (tf_config.enable_op_determinism if was_on else tf_config.disable_op_determinism)()


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError)])
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed_everything"):
        seed_everything(seed, deterministic_ops=False)


# --------------------------------------------------------------------------- standard callbacks


@pytest.fixture(scope="module")
def early_stopped_run(tmp_path_factory):
    """A run whose validation loss rises from the first epoch on, by construction.

    The model starts at w = b = 0 and learns y = x; the validation targets are y = -x, so
    every step towards the training targets moves away from the validation ones.
    """
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 1.5, size=(16, 1)).astype("float32")
    X_val = rng.uniform(0.5, 1.5, size=(16, 1)).astype("float32")
    keras.utils.set_random_seed(0)
    model = linear_model(0.1, zeros=True)
    callbacks, paths = standard_callbacks(
        tmp_path_factory.mktemp("run"), patience=2, run_name="rising", return_paths=True
    )
    history = model.fit(
        X, X, validation_data=(X_val, -X_val), epochs=30, batch_size=16, callbacks=callbacks, verbose=0
    )
    return model, paths, history.history, (X_val, -X_val)


def test_standard_callbacks_kinds_and_paths(tmp_path):
    callbacks, paths = standard_callbacks(
        tmp_path / "exp", monitor="val_accuracy", patience=3, return_paths=True
    )
    assert type(callbacks) is list  # Keras flattens the argument: a list subclass would break fit
    checkpoint, stopping, board = callbacks
    assert isinstance(checkpoint, keras.callbacks.ModelCheckpoint) and checkpoint.save_best_only
    assert isinstance(stopping, keras.callbacks.EarlyStopping) and stopping.restore_best_weights
    assert stopping.patience == 3 and stopping.monitor == "val_accuracy"
    assert isinstance(board, keras.callbacks.TensorBoard) and board.log_dir == str(paths.log_dir)
    assert paths.checkpoint == tmp_path / "exp" / "checkpoints" / "best.keras"
    assert checkpoint.filepath == str(paths.checkpoint)
    assert paths.log_dir.parent == tmp_path / "exp" / "logs"
    # One log sub-directory per run, even for two runs started in the same second.
    paths.log_dir.mkdir(parents=True)
    _, second = standard_callbacks(tmp_path / "exp", return_paths=True)
    assert second.log_dir != paths.log_dir and second.log_dir.parent == paths.log_dir.parent


def test_standard_callbacks_switches(tmp_path):
    only_board, paths = standard_callbacks(
        tmp_path, checkpoint=False, early_stopping=False, return_paths=True
    )
    assert [type(c).__name__ for c in only_board] == ["TensorBoard"]
    assert paths.checkpoint is None
    with pytest.raises(ValueError, match="run_name"):
        standard_callbacks(tmp_path, run_name="a/b")
    with pytest.raises(ValueError, match="patience"):
        standard_callbacks(tmp_path, patience=-1)


def test_early_stopping_stops_and_restores_best_epoch(early_stopped_run):
    model, _, history, (X_val, y_val) = early_stopped_run
    val = history["val_loss"]
    # Rising from epoch 1 on: best epoch 1, then `patience` = 2 worse epochs, then stop.
    assert np.all(np.diff(val) > 0)
    assert len(val) == 3 < 30
    restored = model.evaluate(X_val, y_val, verbose=0)
    assert restored == pytest.approx(min(val), rel=1e-6)
    assert restored < val[-1]  # not the last epoch's weights


def test_checkpoint_loads_and_predicts_like_best_epoch(early_stopped_run):
    model, paths, history, (X_val, y_val) = early_stopped_run
    path = paths.checkpoint
    assert path.is_file() and path.suffix == ".keras"
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        loaded.predict(X_val, verbose=0), model.predict(X_val, verbose=0), rtol=1e-6, atol=1e-7
    )
    assert loaded.evaluate(X_val, y_val, verbose=0) == pytest.approx(min(history["val_loss"]), rel=1e-6)


def test_tensorboard_scalars_read_back_equal_history(early_stopped_run):
    _, paths, history, _ = early_stopped_run
    scalars = read_tensorboard_scalars(paths.log_dir)
    train, val = scalars["train/epoch_loss"], scalars["validation/epoch_loss"]
    assert [step for step, _ in train] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train], history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val], history["val_loss"], rtol=1e-6)
    # Reading from the parent logs/ directory keeps the run's name in the tag.
    above = read_tensorboard_scalars(paths.log_dir.parent)
    assert above["rising/train/epoch_loss"] == train


def test_read_tensorboard_scalars_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_tensorboard_scalars(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no"):
        read_tensorboard_scalars(tmp_path)


# --------------------------------------------------------------------------- loss-ratio callback


def test_loss_ratio_callback_prints_stores_and_resets(capsys):
    callback = LossRatioCallback()
    callback.on_train_begin()
    callback.on_epoch_end(0, {"loss": 2.0, "val_loss": 2.5})
    callback.on_epoch_end(2, {"loss": 0.5, "val_loss": 0.54})
    assert callback.ratios == pytest.approx([1.25, 1.08])
    assert callback.epochs == [1, 3]
    assert capsys.readouterr().out.splitlines() == [
        "epoch 1: val/train loss ratio 1.25",
        "epoch 3: val/train loss ratio 1.08",
    ]
    callback.on_train_begin()
    assert callback.ratios == [] and callback.epochs == []


def test_loss_ratio_callback_in_fit_matches_history(rng, capsys):
    X, y = small_regression(rng, n=64, d=2)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    callback = LossRatioCallback(verbose=False)
    history = model.fit(X, y, validation_split=0.25, epochs=3, callbacks=[callback], verbose=0).history
    np.testing.assert_allclose(
        callback.ratios, np.array(history["val_loss"]) / np.array(history["loss"]), rtol=1e-6
    )
    assert capsys.readouterr().out == ""


def test_loss_ratio_callback_warns_without_validation():
    callback = LossRatioCallback()
    with pytest.warns(UserWarning, match="val_loss"):
        callback.on_epoch_end(0, {"loss": 1.0})
    assert callback.ratios == []


# --------------------------------------------------------------------------- learning-rate finder


def test_lr_finder_recovers_batch_losses_from_running_means():
    batch_losses = [4.0, 2.0, 3.0, 1.0]
    finder = LRFinder(1e-3, 1.0, steps=10, smoothing=0.0)
    finder.set_model(linear_model())
    finder.on_train_begin()
    finder.on_epoch_begin(0)
    for k, _ in enumerate(batch_losses):
        finder.on_train_batch_begin(k)
        running_mean = float(np.mean(batch_losses[: k + 1]))  # what Keras 3 puts in logs["loss"]
        finder.on_train_batch_end(k, {"loss": running_mean})
    np.testing.assert_allclose(finder.losses, batch_losses)
    factor = math.exp(math.log(1.0 / 1e-3) / 10)
    np.testing.assert_allclose(finder.rates, 1e-3 * factor ** np.arange(4))
    assert float(finder.model.optimizer.learning_rate.numpy()) == pytest.approx(finder.rates[-1], rel=1e-6)
    assert not finder.diverged


def test_lr_finder_stops_when_loss_explodes():
    finder = LRFinder(1e-3, 1.0, steps=10, smoothing=0.0)
    finder.set_model(linear_model())
    finder.on_train_begin()
    finder.on_epoch_begin(0)
    for k, loss in enumerate([1.0, 0.5, 2.5]):  # 2.5 > 4 x 0.5: explosion
        finder.on_train_batch_begin(k)
        finder.on_train_batch_end(k, {"loss": loss})  # one batch per epoch: mean == loss
        finder.on_epoch_begin(k + 1)
    assert finder.diverged and finder.model.stop_training


def test_find_learning_rate_suggests_sensible_rate_and_restores_model(rng):
    X, y = small_regression(rng)
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="mse")
    before = model.get_weights()
    result = find_learning_rate(model, X, y, steps=100, batch_size=32)

    assert result.diverged  # SGD on this problem cannot survive a rate of 10
    assert 1e-4 <= result.suggestion <= 1.0
    assert result.suggestion < result.rates[-1]
    assert result.suggestion == pytest.approx(result.best_rate / 10)
    assert result.smoothed_losses.min() < 0.5 * result.smoothed_losses[0]  # it did learn first
    ratios = result.rates[1:] / result.rates[:-1]
    np.testing.assert_allclose(ratios, math.exp(math.log(1e6) / 100), rtol=1e-9)
    # Weights, learning rate and optimizer state are as before.
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    assert int(model.optimizer.iterations.numpy()) == 0
    momenta = [v for v in model.optimizer.variables if "momentum" in v.path]
    assert len(momenta) == 4 and not any(np.any(v.numpy()) for v in momenta)  # 2 kernels, 2 biases


def test_find_learning_rate_default_steps_do_not_change_in_fast_mode(rng, monkeypatch):
    # Library defaults never change with COURSE_FAST: a notebook passes steps=budget(...) itself.
    monkeypatch.setenv("COURSE_FAST", "1")
    X, y = small_regression(rng, n=64, d=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-3), loss="mse")
    result = find_learning_rate(model, X, y, stop=1e-2, batch_size=16)  # never diverges
    assert not result.diverged and len(result.rates) == 500
    assert len(find_learning_rate(model, X, y, stop=1e-2, steps=40, batch_size=16).rates) == 40


def test_find_learning_rate_rejects_schedules_and_uncompiled_models(rng):
    X, y = small_regression(rng, n=64, d=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        find_learning_rate(model, X, y, steps=10)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    with pytest.raises(ValueError, match="LearningRateSchedule"):
        find_learning_rate(model, X, y, steps=10)
    with pytest.raises(ValueError, match="full batch"):
        find_learning_rate(linear_model(), X[:4, :1], y[:4], steps=10, batch_size=32)


def test_lr_finder_result_plot(rng):
    import matplotlib.pyplot as plt

    rates = np.geomspace(1e-4, 1.0, 20)
    losses = 1 / (1 + 50 * rates) + rates**2
    result = LRFinderResult(rates, losses, losses, suggestion=0.05, best_rate=0.5, diverged=False)
    ax = result.plot()
    assert ax.get_xscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_xdata(), rates)
    plt.close(ax.figure)


# --------------------------------------------------------------------------- learning rate in Keras 3


def test_learning_rate_is_honoured():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(64, 1)).astype("float32")
    y = 3 * X + 1
    first_step, losses = {}, {}
    for lr in (0.01, 0.1):
        model = linear_model(lr, zeros=True)
        assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(lr)
        # One full-batch step from zero weights moves them by exactly -lr * gradient.
        model.fit(X, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
        first_step[lr] = np.concatenate([w.ravel() for w in model.get_weights()])
        losses[lr] = model.fit(X, y, epochs=4, batch_size=64, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(first_step[0.1], 10 * first_step[0.01], rtol=1e-5)
    assert np.all(np.array(losses[0.1]) < np.array(losses[0.01]))


def test_keras3_rejects_lr_keyword():
    # Keras 2 took lr=; TF 2.11-2.15 accepted and ignored it; Keras 3 raises (Appendix B).
    with pytest.raises(ValueError, match="lr"):
        keras.optimizers.SGD(lr=0.1)


def test_keras3_ignores_decay_with_a_warning():
    with pytest.warns(UserWarning, match="decay"):
        keras.optimizers.Adam(learning_rate=1e-3, decay=1e-4)


# --------------------------------------------------------------------------- histories


def test_history_to_frame_from_keras_and_numpy_tracks(rng):
    X, y = small_regression(rng, n=64, d=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    history = model.fit(X, y, validation_split=0.25, epochs=3, verbose=0)
    frame = history_to_frame(history)
    assert frame.index.name == "epoch" and frame.index.tolist() == [1, 2, 3]
    np.testing.assert_allclose(frame["val_loss"], history.history["val_loss"])
    assert history_to_frame(history.history).equals(frame)

    net = MLP([2, 4, 1], output_activation="linear", seed=0)
    numpy_history = net.fit(X, y, epochs=2, batch_size=16, validation_data=(X, y), verbose=0)
    numpy_frame = history_to_frame(numpy_history)
    assert numpy_frame.index.tolist() == [1, 2]
    np.testing.assert_allclose(numpy_frame["loss"], numpy_history["loss"])


def test_history_to_frame_errors():
    with pytest.raises(ValueError, match="same number of epochs"):
        history_to_frame({"loss": [1.0, 0.5], "val_loss": [1.0]})
    with pytest.raises(TypeError, match="History"):
        history_to_frame([1.0, 0.5])


def test_plot_learning_curves_uses_one_plotting_code():
    import matplotlib.pyplot as plt

    fig = plot_learning_curves({"loss": [1.0, 0.6, 0.5], "val_loss": [0.9, 0.7, 0.65]})
    training, validation = fig.axes[0].lines[:2]
    assert training.get_label() == "training" and validation.get_label() == "validation"
    assert training.get_xdata().tolist() == [0.5, 1.5, 2.5]  # shifted half an epoch
    np.testing.assert_allclose(validation.get_ydata(), [0.9, 0.7, 0.65])
    plt.close(fig)


# --------------------------------------------------------------------------- NumPy <-> Keras bridge


@pytest.mark.parametrize(
    "sizes, hidden, output",
    [([4, 8, 6, 3], "tanh", "softmax"), ([5, 7, 1], "relu", "linear"), ([3, 2], "relu", "sigmoid")],
)
def test_to_keras_predicts_like_the_mlp(sizes, hidden, output, rng):
    net = MLP(sizes, hidden_activation=hidden, output_activation=output, seed=1)
    model = to_keras(net)
    X = rng.standard_normal((10, sizes[0])).astype("float32")
    expected = net.predict_proba(X) if output in ("softmax", "sigmoid") else net.predict(X)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, atol=1e-5)
    assert [layer.units for layer in model.layers] == sizes[1:]


def test_to_keras_keeps_dropout_which_is_off_at_inference(rng):
    net = MLP([4, 6, 6, 2], dropout=0.3, seed=2)
    model = to_keras(net)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense",
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    X = rng.standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(X, verbose=0), net.predict_proba(X), atol=1e-5)
    assert from_keras(model).dropout == pytest.approx(0.3)


def test_from_keras_predicts_like_the_model(rng):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(9, activation="relu", bias_initializer="random_normal"),
            keras.layers.Dense(5, activation="relu", bias_initializer="random_normal"),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    net = from_keras(model)
    assert net.layer_sizes == [6, 9, 5, 4]
    assert (net.hidden_activation, net.output_activation) == ("relu", "softmax")
    X = rng.standard_normal((12, 6)).astype("float32")
    np.testing.assert_allclose(net.predict_proba(X), model.predict(X, verbose=0), atol=1e-5)


def test_from_keras_functional_and_round_trip(rng):
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4, activation="softplus")(inputs)
    outputs = keras.layers.Dense(2, use_bias=False)(hidden)
    model = keras.Model(inputs, outputs)
    net = from_keras(model, dtype="float64")
    X = rng.standard_normal((7, 3))
    np.testing.assert_allclose(net.predict(X), model.predict(X.astype("float32"), verbose=0), atol=1e-5)
    np.testing.assert_array_equal(net.get_weights()[3], np.zeros(2))  # no bias -> zero bias
    again = from_keras(to_keras(net))
    for a, b in zip(again.get_weights(), net.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_from_keras_rejects_what_an_mlp_cannot_be():
    images = keras.Sequential(
        [keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]
    )
    # Keras numbers auto-named layers per process (flatten, flatten_1, ...): match the name by prefix.
    with pytest.raises(ValueError, match=r"'flatten(_\d+)?'.*Flatten"):
        from_keras(images)
    mixed = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(4, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )
    with pytest.raises(ValueError, match="one activation for every hidden layer"):
        from_keras(mixed)
    gelu = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="gelu"), keras.layers.Dense(1)]
    )
    with pytest.raises(ValueError, match="'gelu'"):
        from_keras(gelu)
    # A Functional model with a skip connection: a Dense-only layer list, but not a chain.
    inputs = keras.Input((3,))
    first = keras.layers.Dense(3, activation="relu")
    second = keras.layers.Dense(3, activation="relu")
    outputs = keras.layers.Dense(1)(second(first(inputs)) + first(inputs))
    with pytest.raises(ValueError, match="chain"):
        from_keras(keras.Model(inputs, outputs))


def test_weights_from_numpy_copies_into_matching_model(rng):
    net = MLP([4, 8, 3], hidden_activation="tanh", seed=5)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    assert weights_from_numpy(net, model) is model
    X = rng.standard_normal((6, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(X, verbose=0), net.predict_proba(X), atol=1e-5)


def test_weights_from_numpy_names_the_mismatched_layer():
    net = MLP([4, 8, 3], seed=0)
    wrong_width = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(7, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    before = [w.copy() for w in wrong_width.get_weights()]
    with pytest.raises(ValueError, match=r"Dense layer 0 .*kernel \(4, 8\).*got kernel \(4, 7\)"):
        weights_from_numpy(net, wrong_width)
    for a, b in zip(before, wrong_width.get_weights()):  # nothing copied
        np.testing.assert_array_equal(a, b)
    too_deep = keras.Sequential(
        [keras.Input((4,))]
        + [keras.layers.Dense(8, activation="relu") for _ in range(2)]
        + [keras.layers.Dense(3)]
    )
    with pytest.raises(ValueError, match="2 Dense layers"):
        weights_from_numpy(net, too_deep)
    logits = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)]
    )
    with pytest.raises(ValueError, match="Dense layer 1 .*'softmax'"):
        weights_from_numpy(net, logits)
    weights_from_numpy(net, logits, check_activations=False)
    np.testing.assert_array_equal(logits.layers[1].kernel.numpy(), net.get_weights()[2])


def test_to_keras_rejects_step_activations():
    net = MLP([2, 3, 1], hidden_activation="heaviside", output_activation="sigmoid", seed=0)
    with pytest.raises(ValueError, match="heaviside"):
        to_keras(net)
