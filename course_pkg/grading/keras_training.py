"""Checks for the assignment ``keras_training``: a custom callback, early stopping and
checkpoints, the learning-rate finder, and a trained model judged from its saved file.

References: :mod:`course_pkg.keras_nn.callbacks` (``LossRatioCallback``,
``standard_callbacks``) and :mod:`course_pkg.keras_nn.lr_finder` (``LRFinder``). The callbacks are checked by running
them inside a short ``fit`` of a tiny seeded model next to what Keras itself
reports. The trained model is judged by loading the ``.keras`` file the
learner's notebook saved and evaluating it on held-out digits it was never
given, never by training it again; it must also respect a parameter budget
and a training-time budget.

Importing this module does not import TensorFlow; running a check does.
"""

from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np

from course_pkg.grading._core import (
    Case,
    CheckFailed,
    ReferenceUsed,
    call_learner,
    close,
    forbid_reference,
    passed,
    require_callable,
)

__all__ = [
    "digits_data",
    "check_loss_ratio_callback",
    "check_make_callbacks",
    "check_exponential_learning_rate",
    "check_suggest_learning_rate",
    "check_saved_model",
]


def _forbidden():
    from course_pkg.keras_nn import (
        architectures, bridge, builders, callbacks, compile, history, inspection, lr_finder, seeding,
    )

    return (builders, architectures, compile, inspection, seeding, callbacks, lr_finder, history, bridge,
            sys.modules[__name__])


def _keras():
    import keras  # noqa: PLC0415 - TensorFlow is imported only when a check runs

    return keras


def digits_data(seed: int = 0):
    """The assignment's split of scikit-learn's digits: train, validation and held-out test.

    Returns
    -------
    (X_train, y_train), (X_val, y_val), (X_test, y_test)
        float32 pixels in [0, 1] of shape (N, 64) and int64 labels 0-9; 60 / 15 / 25 %.
    """
    from course_pkg import data

    X, y = data.load_digits()
    return data.train_val_test_split(X, y, val_size=0.15, test_size=0.25, seed=seed)


def _tiny_problem(seed: int):
    """A seeded linear-regression problem and a fresh model for it: 64 samples, 4 batches of 16."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.normal(scale=0.3, size=64)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    return model, X, y


def _fit_with(callback, *, epochs: int, seed: int, name: str, validation: bool = True, extra=()):
    model, X, y = _tiny_problem(seed)
    kwargs = {"validation_data": (X[:16], y[:16])} if validation else {}
    try:
        with forbid_reference(_forbidden(), name=name, allowed=[type(cb) for cb in extra]):
            history = model.fit(X[16:] if validation else X, y[16:] if validation else y, epochs=epochs,
                                batch_size=16, verbose=0, callbacks=[callback, *extra], **kwargs)
    except (NotImplementedError, ReferenceUsed):
        raise
    except Exception as err:
        raise CheckFailed(f"{name} raised {type(err).__name__} during fit: {str(err).splitlines()[0][:300]}") from err
    return model, history


def _make(cls, name: str, *args, **kwargs):
    keras = _keras()
    require_callable(cls, name=name)
    if not (isinstance(cls, type) and issubclass(cls, keras.callbacks.Callback)):
        raise CheckFailed(f"{name} must be a class that subclasses keras.callbacks.Callback.")
    from course_pkg.keras_nn.callbacks import LossRatioCallback
    from course_pkg.keras_nn.lr_finder import LRFinder

    if issubclass(cls, (LossRatioCallback, LRFinder)):
        raise ReferenceUsed(f"{name} subclasses the course's reference callback; subclass keras.callbacks.Callback.")
    return call_learner(cls, Case("construction", args, kwargs), name=name, references=_forbidden())


# --------------------------------------------------------------------------- a custom callback


def check_loss_ratio_callback(LossRatioCallback, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``LossRatioCallback()``: after each epoch it appends ``val_loss / loss`` to
    ``self.ratios``, which starts empty at the beginning of every ``fit``.

    ``hidden=True`` runs the autograder's case instead of the visible one.
    """
    name = "LossRatioCallback"
    # Each fit costs about a second on two cores: the hidden run replaces the visible one
    # (the test cell runs both).
    runs = [(4, seed + 1)] if hidden else [(3, seed)]
    for epochs, run_seed in runs:
        callback = _make(LossRatioCallback, name)
        _, history = _fit_with(callback, epochs=epochs, seed=run_seed, name=name)
        ratios = getattr(callback, "ratios", None)
        if ratios is None:
            raise CheckFailed(f"{name}: keep the ratios in a list attribute self.ratios (one number per epoch).")
        ratios = np.asarray(ratios, dtype=float)
        want = np.asarray(history.history["val_loss"]) / np.asarray(history.history["loss"])
        if ratios.shape != want.shape:
            raise CheckFailed(
                f"{name}: recorded {ratios.size} ratio(s) in a fit of {epochs} epochs; record one per epoch, "
                "in on_epoch_end."
            )
        if close(ratios, 1 / want, rtol=1e-5):
            raise CheckFailed(f"{name}: the ratio is upside down: the course reports val_loss / loss (above 1 "
                              "when the model does worse on data it does not train on).")
        if not close(ratios, want, rtol=1e-5, atol=1e-8):
            raise CheckFailed(f"{name}: the ratios differ from val_loss / loss in the epoch logs (fit of {epochs} epochs).")
        # A second fit with the same callback must start a fresh list.
        _fit_with(callback, epochs=2, seed=run_seed, name=name)
        if len(callback.ratios) != 2:
            raise CheckFailed(
                f"{name}: after a second fit of 2 epochs, self.ratios holds {len(callback.ratios)} values. "
                "Reset the list in on_train_begin, so each fit records only its own epochs."
            )
    passed(name, len(runs))


# --------------------------------------------------------------------------- early stopping and checkpoints


def check_make_callbacks(make_callbacks, *, hidden: bool = False) -> None:
    """Check ``make_callbacks(checkpoint_path, patience=5)``: a ModelCheckpoint that keeps only the best
    model (by ``val_loss``) at ``checkpoint_path``, and an EarlyStopping on ``val_loss`` with that
    patience that restores the best weights."""
    keras = _keras()
    require_callable(make_callbacks, name="make_callbacks")
    cases = [Case("best.keras, patience 5", ("checkpoints/best.keras",))]
    if hidden:
        cases.append(Case("another path, patience 3", ("runs/model_best.keras",), {"patience": 3}))
    for case in cases:
        got = call_learner(make_callbacks, case, name="make_callbacks", references=_forbidden())
        try:
            callbacks = list(got)
        except TypeError as err:
            raise CheckFailed(f"make_callbacks must return a list of callbacks; got {type(got).__name__}.") from err
        checkpoints = [c for c in callbacks if isinstance(c, keras.callbacks.ModelCheckpoint)]
        stoppers = [c for c in callbacks if isinstance(c, keras.callbacks.EarlyStopping)]
        if len(checkpoints) != 1 or len(stoppers) != 1:
            raise CheckFailed(
                f"make_callbacks must return one ModelCheckpoint and one EarlyStopping; got "
                f"{[type(c).__name__ for c in callbacks]} (case '{case.name}')."
            )
        ckpt, stop = checkpoints[0], stoppers[0]
        path = case.args[0]
        if os.path.normpath(str(ckpt.filepath)) != os.path.normpath(path):
            raise CheckFailed(f"make_callbacks: the checkpoint must be written to the path it is given (case '{case.name}').")
        if not ckpt.save_best_only:
            raise CheckFailed("make_callbacks: the checkpoint must keep only the best model: save_best_only=True.")
        if ckpt.save_weights_only:
            raise CheckFailed("make_callbacks: save the whole model (architecture and weights) to the .keras file, "
                              "not the weights only.")
        for cb, label in ((ckpt, "ModelCheckpoint"), (stop, "EarlyStopping")):
            if cb.monitor != "val_loss":
                raise CheckFailed(f"make_callbacks: {label} must watch the validation loss (monitor='val_loss'); "
                                  f"it watches {cb.monitor!r}.")
        if stop.patience != case.kwargs.get("patience", 5):
            raise CheckFailed(f"make_callbacks: use the patience it is given (case '{case.name}').")
        if not stop.restore_best_weights:
            raise CheckFailed(
                "make_callbacks: EarlyStopping must restore the best weights (restore_best_weights=True); "
                "without it the model keeps the last epoch's weights, `patience` epochs past the best."
            )
    passed("make_callbacks", len(cases))


# --------------------------------------------------------------------------- the learning-rate finder


def _expected_rates(start: float, stop: float, steps: int, n: int) -> np.ndarray:
    factor = math.exp(math.log(stop / start) / steps)
    return start * factor ** np.arange(n)


def check_exponential_learning_rate(ExponentialLearningRate, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``ExponentialLearningRate(start, stop, steps)``, the LR finder's callback.

    Before batch ``k`` (counted from 0 over the whole fit) it sets the optimizer's
    learning rate to ``start * factor**k`` with ``factor = exp(ln(stop / start) / steps)``
    and appends that rate to ``self.rates``; after each batch it appends
    ``logs["loss"]`` to ``self.losses``.
    """
    keras = _keras()
    name = "ExponentialLearningRate"
    # Hidden: the rate overshoots `stop` (the loss may blow up) and a falling range.
    settings = [(1e-5, 10.0, 8), (1e-3, 0.1, 20)] if hidden else [(1e-4, 1.0, 12)]

    class _Probe(keras.callbacks.Callback):
        """Reads the rate the optimizer really uses for each batch, after the learner's callback ran."""

        def __init__(self):
            super().__init__()
            self.seen, self.losses = [], []

        def on_train_batch_begin(self, batch, logs=None):
            self.seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

        def on_train_batch_end(self, batch, logs=None):
            self.losses.append(float((logs or {}).get("loss", np.nan)))

    for start, stop, steps in settings:
        label = f"start={start:g}, stop={stop:g}, steps={steps}"
        callback = _make(ExponentialLearningRate, name, start, stop, steps)
        probe = _Probe()
        _fit_with(callback, epochs=3, seed=seed, name=name, validation=False, extra=[probe])
        n = len(probe.seen)  # 3 epochs of 4 batches
        want = _expected_rates(start, stop, steps, n)
        rates = np.asarray(getattr(callback, "rates", []), dtype=float)
        if rates.shape != (n,):
            raise CheckFailed(f"{name}: self.rates holds {rates.size} rate(s) after {n} batches; append one per "
                              f"batch (case '{label}').")
        if not close(np.asarray(probe.seen), rates, rtol=1e-5):
            raise CheckFailed(f"{name}: the optimizer did not train with the rates you recorded (case '{label}'). "
                              "Set self.model.optimizer.learning_rate = rate in on_train_batch_begin.")
        if n > 2 and close(np.diff(rates), np.full(n - 1, rates[1] - rates[0]), rtol=1e-6) and not close(rates, want, rtol=1e-5):
            raise CheckFailed(f"{name}: the rate grows by a constant step; it must grow by a constant FACTOR, "
                              f"exp(ln(stop / start) / steps), each batch (case '{label}').")
        if not close(rates, want, rtol=1e-5):
            raise CheckFailed(
                f"{name}: the rates are wrong (case '{label}'): batch k (from 0, counted across epochs) uses "
                "start * factor**k."
            )
        losses = np.asarray(getattr(callback, "losses", []), dtype=float)
        # The loss may blow up at the largest rates (that is the point of the finder): NaN equals NaN here.
        if losses.shape != (n,) or not np.allclose(losses, np.asarray(probe.losses), rtol=1e-5, equal_nan=True):
            raise CheckFailed(f"{name}: self.losses must hold logs['loss'] of every batch (case '{label}').")
    passed(name, len(settings))


def check_suggest_learning_rate(suggest_learning_rate, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``suggest_learning_rate(rates, losses)``: the rate with the lowest loss, divided by 10."""
    require_callable(suggest_learning_rate, name="suggest_learning_rate")
    rng = np.random.default_rng(seed)
    rates = 1e-5 * 1.2 ** np.arange(60)
    curve = 2.0 - np.tanh(np.log10(rates) + 3) + np.where(rates > 1e-1, (np.log10(rates) + 1) ** 2 * 4, 0)
    cases = [Case("a typical finder curve", (rates, curve))]
    if hidden:
        noisy = curve + rng.normal(scale=0.01, size=curve.size)
        cases += [
            Case("a noisy curve", (rates, noisy)),
            Case("lists instead of arrays", (list(rates[:30]), list(curve[:30]))),
            Case("the minimum at the first rate", (rates[:10], np.linspace(1.0, 3.0, 10))),
        ]
    for case in cases:
        got = call_learner(suggest_learning_rate, case, name="suggest_learning_rate", references=_forbidden())
        r, loss = (np.asarray(a, dtype=float) for a in case.args)
        at_min = r[int(np.argmin(loss))]
        try:
            value = float(got)
        except (TypeError, ValueError) as err:
            raise CheckFailed(f"suggest_learning_rate must return one number; got {type(got).__name__}.") from err
        if close(value, at_min / 10):
            continue
        if close(value, at_min):
            raise CheckFailed(
                "suggest_learning_rate returns the rate at the lowest loss itself; that rate is already on the "
                "edge of divergence. Divide it by 10."
            )
        if close(value, r[-1] / 10) or close(value, r[int(np.argmax(loss))] / 10):
            raise CheckFailed("suggest_learning_rate: take the rate where the loss is LOWEST (np.argmin), then divide by 10.")
        raise CheckFailed(f"suggest_learning_rate gives the wrong rate on the case '{case.name}'.")
    passed("suggest_learning_rate", len(cases))


# --------------------------------------------------------------------------- the trained model


def check_saved_model(path, *, train_seconds: float, max_params: int = 20_000, min_accuracy: float = 0.9,
                      max_seconds: float = 120.0, seed: int = 0) -> None:
    """Judge the model the learner trained and saved: load ``path``, evaluate on held-out digits.

    Parameters
    ----------
    path : str
        The ``.keras`` file the notebook saved.
    train_seconds : float
        How long the learner's training took (measured by the notebook's locked cell).
    max_params : int, default 20,000
        Parameter budget.
    min_accuracy : float, default 0.9
        Accuracy needed on the held-out test digits (never given to the learner's code).
    max_seconds : float, default 120
        Training-time budget.
    seed : int, default 0
        Seed of the digits split (must match :func:`digits_data` in the notebook).
    """
    keras = _keras()
    if not os.path.exists(path):
        raise CheckFailed(
            f"No saved model at {path!r}: the training cell must run without error and save the model "
            "(model.save(...)) before this test."
        )
    try:
        with warnings.catch_warnings():
            # "Skipping variable loading for optimizer ...": the optimizer's state is not graded.
            warnings.simplefilter("ignore")
            model = keras.models.load_model(path)
    except Exception as err:  # noqa: BLE001 - any failure to load is the learner's to fix
        raise CheckFailed(
            f"The saved model could not be loaded ({type(err).__name__}: {str(err).splitlines()[0][:200]}). Save a "
            "Sequential or Functional model with model.save('....keras'); custom layers need registering."
        ) from err
    n_params = int(model.count_params())
    if n_params > max_params:
        raise CheckFailed(f"The saved model has {n_params:,} parameters; the budget is {max_params:,}. Use fewer or "
                          "smaller hidden layers.")
    if train_seconds > max_seconds:
        raise CheckFailed(f"Training took {train_seconds:.0f} s; the budget is {max_seconds:.0f} s. Train for fewer "
                          "epochs or with a larger batch.")
    _, _, (X_test, y_test) = digits_data(seed)
    try:
        probs = np.asarray(model.predict(X_test, verbose=0))
    except Exception as err:  # noqa: BLE001
        raise CheckFailed(f"The saved model cannot take the digits (N, 64): {str(err).splitlines()[0][:200]}") from err
    if probs.shape != (len(y_test), 10):
        raise CheckFailed(f"The saved model outputs shape {probs.shape[1:]} per batch; a digits classifier needs "
                          "10 outputs, one per class.")
    accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))
    if accuracy < min_accuracy:
        raise CheckFailed(f"The saved model classifies {accuracy:.1%} of the held-out digits correctly; at least "
                          f"{min_accuracy:.0%} is needed. Train longer, or check the loss, the output layer and the labels.")
    print(f"saved model: {n_params:,} parameters, trained in {train_seconds:.1f} s, held-out accuracy {accuracy:.1%}.")
