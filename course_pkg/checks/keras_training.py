"""Checks of the assignment ``keras_training``: a custom callback, early stopping and checkpoints, the
learning-rate finder, the rule that reads its curve, and a trained model judged from its saved file.

One :class:`~course_pkg.checks.Part` per graded name, in ``PARTS``; the notebook's test cells call
``check_<name>(<name>)``, which runs the visible cases. The learner writes the course's own
``LossRatioCallback(verbose=True)`` and ``LRFinder(start=1e-5, stop=10.0, steps=500)``
(:mod:`course_pkg.keras_nn.callbacks`, :mod:`course_pkg.keras_nn.lr_finder`).

The callbacks are probed by running them inside short fits of a tiny seeded model, where the
learner's code runs, next to a watcher that records what Keras itself reports; the probes return
those records as data, and the judge compares them outside. The trained model is probed by
loading the ``.keras`` file the notebook saved (``safe_mode=True``) and predicting held-out digits;
only the predictions come back, and the judge, which alone holds the labels, computes the
accuracy. The time training may take is the grader's limit for the cell that trains, enforced
from outside the learner's process.

Importing this module does not import TensorFlow; running a check does.
"""

from __future__ import annotations

import functools
import math
import os
import tempfile

import numpy as np

from course_pkg.checks import probes
from course_pkg.checks._core import (
    Case,
    Part,
    arguments,
    as_number_array,
    close,
    describe,
    is_whole_number,
    keyword_problem,
    reference_named,
    run_check,
)

__all__ = [
    "PARTS",
    "digits_data",
    "HeldOutDigits",
    "check_loss_ratio_callback",
    "check_make_callbacks",
    "check_lr_finder",
    "check_suggest_learning_rate",
    "check_saved_model",
]

MAX_PARAMS = 20_000
MIN_ACCURACY = 0.9
_BATCHES_PER_EPOCH = 4  # the tiny problem: 64 samples in batches of 16


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


def _keras():
    import keras  # noqa: PLC0415 - TensorFlow is imported only when a check runs

    return keras


def _tiny_problem(seed: int):
    """A seeded linear-regression problem and a fresh SGD model for it: 64 samples, 4 batches of 16."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X @ np.array([1.0, -2.0, 0.5, 3.0]) + rng.normal(scale=0.3, size=64)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    return model, X, y


def _callback_class(cls, name: str):
    keras = _keras()
    if not (isinstance(cls, type) and issubclass(cls, keras.callbacks.Callback)):
        raise TypeError(f"{name} must be a class that subclasses keras.callbacks.Callback; "
                        f"got {describe(cls)}.")
    return cls


def _numbers(values) -> list:
    """A learner's list of numbers as floats (NaN for what is not a number), or None."""
    if not isinstance(values, (list, tuple, np.ndarray)):
        return None
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            out.append(float("nan"))
    return out


def _keyword_error(case: Case, error: dict) -> str | None:
    return keyword_problem(error, ("verbose", "patience", "start", "stop", "steps"))


# --------------------------------------------------------------------------- Part 1: LossRatioCallback


def probe_loss_ratio(callback_class, inputs: dict) -> dict:
    """Fit the tiny model with the callback, then fit it again; report its ratios and Keras' losses."""
    _callback_class(callback_class, "LossRatioCallback")
    callback = callback_class(**inputs["kwargs"])
    model, X, y = _tiny_problem(inputs["seed"])
    history = model.fit(X[16:], y[16:], validation_data=(X[:16], y[:16]), epochs=inputs["epochs"], batch_size=16,
                        verbose=0, callbacks=[callback])
    first = _numbers(getattr(callback, "ratios", None))
    model.fit(X[16:], y[16:], validation_data=(X[:16], y[:16]), epochs=2, batch_size=16, verbose=0,
              callbacks=[callback])
    return {"ratios": first, "loss": history.history["loss"], "val_loss": history.history["val_loss"],
            "ratios_after_second_fit": _numbers(getattr(callback, "ratios", None))}


def _loss_ratio_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    # Each fit costs a second or two: one kind, which also passes the reference's verbose keyword.
    return [Case("a fit of a few epochs, then a second fit", {"kwargs": {"verbose": False},
                                                              "epochs": int(rng.integers(2, 5)),
                                                              "seed": int(rng.integers(0, 1000))})
            for _ in range(repeats)]


def _judge_loss_ratio(case: Case, got: dict, expected: dict) -> str | None:
    ratios = got.get("ratios")
    if ratios is None:
        return "keep the ratios in a list attribute, self.ratios (one number per epoch)."
    want = np.asarray(got["val_loss"], dtype=float) / np.asarray(got["loss"], dtype=float)
    ratios = np.asarray(ratios, dtype=float)
    if ratios.shape != want.shape:
        return "the number of ratios differs from the number of epochs: record one per epoch, in on_epoch_end."
    if close(ratios, 1 / want, rtol=1e-5):
        return ("the ratio is upside down: the course reports val_loss / loss (above 1 when the model does worse "
                "on data it does not train on).")
    if not close(ratios, want, rtol=1e-5, atol=1e-8):
        return "the ratios differ from val_loss / loss in the epoch's logs."
    after = got.get("ratios_after_second_fit")
    if after is None or len(after) != 2:
        return (f"after a second fit of 2 epochs, self.ratios holds {0 if after is None else len(after)} values. "
                "Start a fresh list in on_train_begin, so each fit records only its own epochs.")
    return None


LOSS_RATIO_CALLBACK = Part(
    grade_id="test_loss_ratio_callback", title="Part 1: a custom callback", target="LossRatioCallback",
    probe=probe_loss_ratio, cases=_loss_ratio_cases,
    reference=functools.partial(reference_named, "course_pkg.keras_nn", "LossRatioCallback"),
    judge=_judge_loss_ratio, seed=6101, on_error=_keyword_error,
)


def check_loss_ratio_callback(LossRatioCallback) -> None:
    """Check ``LossRatioCallback(verbose=True)``: after each epoch it appends ``val_loss / loss`` to
    ``self.ratios``, which starts empty at the beginning of every ``fit``."""
    __tracebackhide__ = True
    run_check(LOSS_RATIO_CALLBACK, LossRatioCallback)


# --------------------------------------------------------------------------- Part 2: make_callbacks


def probe_make_callbacks(make_callbacks, inputs: dict) -> dict:
    """Call ``make_callbacks(path, ...)``; describe each callback it returns by its settings."""
    keras = _keras()
    returned = probes.call(make_callbacks, inputs)["returned"]
    if isinstance(returned, (str, bytes)) or not hasattr(returned, "__iter__"):
        return {"callbacks": None, "type": type(returned).__name__}
    described = []
    for callback in returned:
        record = {"class": type(callback).__name__,
                  "checkpoint": isinstance(callback, keras.callbacks.ModelCheckpoint),
                  "early_stopping": isinstance(callback, keras.callbacks.EarlyStopping)}
        for setting in ("filepath", "monitor", "save_best_only", "save_weights_only", "patience",
                        "restore_best_weights"):
            value = getattr(callback, setting, None)
            record[setting] = value if isinstance(value, (bool, int, float)) or value is None else str(value)
        described.append(record)
    return {"callbacks": described}


def _make_callbacks_reference():
    standard_callbacks = reference_named("course_pkg.keras_nn", "standard_callbacks")

    def make_callbacks(checkpoint_path, patience=5):
        with tempfile.TemporaryDirectory() as run_dir:  # the reference writes into a run folder of its own
            return standard_callbacks(run_dir, patience=patience, tensorboard=False)

    return make_callbacks


def _make_callbacks_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default patience", arguments("checkpoints/best.keras"))]
    for _ in range(repeats):
        name = f"run_{int(rng.integers(1, 100))}"
        cases.append(Case("another path and patience", arguments(f"{name}/model_best.keras",
                                                                 patience=int(rng.integers(1, 10)))))
    return cases


def _judge_make_callbacks(case: Case, got: dict, expected: dict) -> str | None:
    callbacks = got.get("callbacks")
    if callbacks is None:
        return f"it must return a list of callbacks; it returned a {got.get('type', 'value')}."
    checkpoints = [c for c in callbacks if c["checkpoint"]]
    stoppers = [c for c in callbacks if c["early_stopping"]]
    if len(checkpoints) != 1 or len(stoppers) != 1:
        return (f"it must return one ModelCheckpoint and one EarlyStopping; it returned "
                f"{[c['class'] for c in callbacks]}.")
    want = {c["class"]: c for c in expected["callbacks"]}
    checkpoint, stopper = checkpoints[0], stoppers[0]
    if os.path.normpath(str(checkpoint["filepath"])) != os.path.normpath(case.inputs["args"][0]):
        return "the checkpoint must be written to the path it is given."
    if checkpoint["save_best_only"] != want["ModelCheckpoint"]["save_best_only"]:
        return "the checkpoint must keep only the best model: save_best_only=True."
    if checkpoint["save_weights_only"]:
        return ("save the whole model (architecture and weights) to the .keras file, not the weights only.")
    for record, label in ((checkpoint, "ModelCheckpoint"), (stopper, "EarlyStopping")):
        if record["monitor"] != want[label]["monitor"]:
            return f"{label} must watch the validation loss (monitor='val_loss'); it watches {record['monitor']!r}."
    if stopper["patience"] != want["EarlyStopping"]["patience"]:
        return "EarlyStopping must use the patience make_callbacks is given."
    if not stopper["restore_best_weights"]:
        return ("EarlyStopping must restore the best weights (restore_best_weights=True); without it the model "
                "keeps the last epoch's weights, `patience` epochs past the best.")
    return None


MAKE_CALLBACKS = Part(
    grade_id="test_make_callbacks", title="Part 2: early stopping and checkpoints", target="make_callbacks",
    probe=probe_make_callbacks, cases=_make_callbacks_cases, reference=_make_callbacks_reference,
    judge=_judge_make_callbacks, seed=6201, on_error=_keyword_error,
)


def check_make_callbacks(make_callbacks) -> None:
    """Check ``make_callbacks(checkpoint_path, patience=5)``: a ModelCheckpoint that keeps only the best
    model (by ``val_loss``) at ``checkpoint_path``, and an EarlyStopping on ``val_loss`` with that
    patience that restores the best weights."""
    __tracebackhide__ = True
    run_check(MAKE_CALLBACKS, make_callbacks)


# --------------------------------------------------------------------------- Part 3: LRFinder


@functools.lru_cache(maxsize=1)
def _watcher_class():
    keras = _keras()

    class Watcher(keras.callbacks.Callback):
        """Reads the rate the optimizer really uses for each batch (after the finder set it) and Keras' loss."""

        def __init__(self):
            super().__init__()
            self.rates, self.running_losses = [], []

        def on_train_batch_begin(self, batch, logs=None):
            self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

        def on_train_batch_end(self, batch, logs=None):
            self.running_losses.append(float((logs or {}).get("loss", np.nan)))

    return Watcher


def probe_lr_finder(finder_class, inputs: dict) -> dict:
    """Fit the tiny model for a few epochs with the finder and a watcher; report both records."""
    _callback_class(finder_class, "LRFinder")
    finder = finder_class(*inputs["args"])
    watcher = _watcher_class()()
    model, X, y = _tiny_problem(inputs["seed"])
    model.fit(X, y, epochs=inputs["epochs"], batch_size=16, shuffle=False, verbose=0, callbacks=[finder, watcher])
    return {"rates": _numbers(getattr(finder, "rates", None)), "losses": _numbers(getattr(finder, "losses", None)),
            "seen_rates": watcher.rates, "running_losses": watcher.running_losses}


def _lr_finder_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    # Rates stay below about 0.05, where the tiny problem does not diverge: every batch runs.
    cases = []
    for _ in range(repeats):
        start = float(np.exp(rng.uniform(np.log(1e-5), np.log(1e-4))))
        cases += [
            Case("the rate grows within the run",
                 {"args": [start, start * float(rng.uniform(50, 200)), 12], "epochs": 3, "seed": int(rng.integers(0, 1000))}),
            Case("more batches than steps (the rate passes stop)",
                 {"args": [start, start * float(rng.uniform(2, 5)), int(rng.integers(4, 7))], "epochs": 3,
                  "seed": int(rng.integers(0, 1000))}),
        ]
    return cases


def batch_losses(running_means, batches_per_epoch: int) -> np.ndarray:
    """Each batch's loss from the running means Keras reports: ``(k + 1) * mean_k - k * mean_(k-1)``.

    ``k`` counts the batches of each epoch from 0 (Keras restarts its mean every epoch).
    """
    means = np.asarray(running_means, dtype=float)
    k = np.arange(means.size) % batches_per_epoch
    previous = np.where(k == 0, 0.0, np.concatenate([[0.0], means[:-1]]))
    return (k + 1) * means - k * previous


def _judge_lr_finder(case: Case, got: dict, expected: dict) -> str | None:
    rates, losses, seen = got.get("rates"), got.get("losses"), np.asarray(got["seen_rates"], dtype=float)
    if rates is None:
        return "keep the rates in a list attribute, self.rates, one per batch."
    n = seen.size
    rates = np.asarray(rates, dtype=float)
    if rates.shape != (n,):
        return f"self.rates holds {rates.size} rate(s) after {n} batches; append one per batch, in on_train_batch_begin."
    if not close(seen, rates, rtol=1e-5):
        return ("the optimizer did not train with the rates you recorded: set self.model.optimizer.learning_rate = "
                "rate in on_train_batch_begin.")
    start, stop, steps = case.inputs["args"]
    want = start * math.exp(math.log(stop / start) / steps) ** np.arange(n)  # the reference's rule
    if not close(rates, want, rtol=1e-5):
        if n > 2 and close(np.diff(rates), np.full(n - 1, rates[1] - rates[0]), rtol=1e-6):
            return ("the rate grows by a constant step; it must grow by a constant FACTOR, "
                    "exp(ln(stop / start) / steps), each batch.")
        return ("the rates are wrong: batch k (from 0, counted across epochs) uses start * factor**k with "
                "factor = exp(ln(stop / start) / steps).")
    if losses is None or len(losses) != n:
        return "self.losses must hold one loss per batch, appended in on_train_batch_end."
    losses, running = np.asarray(losses, dtype=float), np.asarray(got["running_losses"], dtype=float)
    if np.allclose(losses, batch_losses(running, _BATCHES_PER_EPOCH), rtol=1e-4, atol=1e-6, equal_nan=True):
        return None
    if np.allclose(losses, running, rtol=1e-5, equal_nan=True):
        return ("self.losses holds Keras' logs['loss'], the running mean of the epoch so far. Recover each batch's "
                "own loss: (k + 1) * mean_k - k * mean_(k-1), with k the batch's index in its epoch.")
    return "self.losses must hold each batch's own loss, recovered from the running mean in logs['loss']."


LR_FINDER = Part(
    grade_id="test_lr_finder", title="Part 3: the learning-rate finder", target="LRFinder",
    probe=probe_lr_finder, cases=_lr_finder_cases,
    reference=functools.partial(reference_named, "course_pkg.keras_nn.lr_finder", "LRFinder"),
    judge=_judge_lr_finder, seed=6301, on_error=_keyword_error,
)


def check_lr_finder(LRFinder) -> None:
    """Check ``LRFinder(start=1e-5, stop=10.0, steps=500)``, the learning-rate finder's callback.

    Before batch ``k`` (from 0, over the whole fit) it sets the optimizer's learning rate to
    ``start * factor**k`` with ``factor = exp(ln(stop / start) / steps)`` and appends it to
    ``self.rates``; after each batch it appends that batch's own loss to ``self.losses``.
    """
    __tracebackhide__ = True
    run_check(LR_FINDER, LRFinder)


# --------------------------------------------------------------------------- Part 4: suggest_learning_rate


def _suggest_reference(rates, losses):
    """The finder's rule: the rate at the lowest loss (a NaN loss never counts), divided by 10."""
    losses = np.asarray(losses, dtype=float)
    return float(np.asarray(rates, dtype=float)[np.nanargmin(losses)]) / 10


def _finder_curve(rng: np.random.Generator, n: int = 60):
    rates = 1e-5 * 1.2 ** np.arange(n)
    log_rate = np.log10(rates)
    turn = rng.uniform(-2.5, -1)
    curve = 2.0 - np.tanh(log_rate - turn + 2) + np.where(log_rate > turn, (log_rate - turn) ** 2 * 4, 0)
    return rates, curve


def _suggest_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = []
    for _ in range(repeats):
        rates, curve = _finder_curve(rng)
        exploded = curve.copy()
        exploded[-int(rng.integers(3, 10)):] = np.nan
        cases += [
            Case("a typical finder curve", arguments(rates, curve)),
            Case("a noisy curve", arguments(rates, curve + rng.normal(scale=0.01, size=curve.size))),
            Case("lists instead of arrays", arguments(rates[:40].tolist(), curve[:40].tolist())),
            Case("the minimum at the first rate", arguments(rates[:10], np.sort(rng.uniform(1.0, 3.0, 10)))),
            Case("the loss exploded into NaN at the largest rates", arguments(rates, exploded)),
        ]
    return cases


def _judge_suggest(case: Case, got: dict, expected: dict) -> str | None:
    value = got.get("returned")
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)) and not (
            isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf"):
        return f"it must return one number; it returned {describe(value)}."
    value = float(np.asarray(value).reshape(()))
    want = expected["returned"]
    if close(value, want):
        return None
    rates, losses = (np.asarray(a, dtype=float) for a in case.inputs["args"])
    if np.isnan(losses).any() and (np.isnan(value) or close(value, rates[int(np.argmin(losses))] / 10)):
        return ("np.argmin returns the position of the first NaN, and a loss that exploded into NaN is not the "
                "lowest: ignore NaN losses (np.nanargmin).")
    if close(value, want * 10):
        return ("it returns the rate at the lowest loss itself; that rate is already on the edge of divergence. "
                "Divide it by 10.")
    if close(value, rates[-1] / 10) or close(value, rates[int(np.nanargmax(losses))] / 10):
        return "take the rate where the loss is LOWEST, then divide it by 10."
    return "the suggested rate is wrong."


SUGGEST_LEARNING_RATE = Part(
    grade_id="test_suggest_learning_rate", title="Part 4: reading the finder's curve", target="suggest_learning_rate",
    probe=probes.call, cases=_suggest_cases, reference=lambda: _suggest_reference, judge=_judge_suggest, seed=6401,
)


def check_suggest_learning_rate(suggest_learning_rate) -> None:
    """Check ``suggest_learning_rate(rates, losses)``: the rate with the lowest loss, divided by 10
    (a NaN loss, from a run that exploded, is never the lowest)."""
    __tracebackhide__ = True
    run_check(SUGGEST_LEARNING_RATE, suggest_learning_rate)


# --------------------------------------------------------------------------- Part 5: the saved model


class HeldOutDigits:
    """The labels of the held-out digits: the saved-model part's reference, on the judge's side.

    The learner's probe gets the held-out images and returns its model's predictions; this
    object, used by the same probe, returns the labels instead, which the judge compares with them.
    """

    def labels(self, rows) -> np.ndarray:
        _, _, (_, y_test) = digits_data()
        return y_test[np.asarray(rows, dtype=int)]


def probe_saved_model(path, inputs: dict) -> dict:
    """Load the model saved at ``path`` (``safe_mode=True``) and predict ``inputs["X"]``."""
    if isinstance(path, HeldOutDigits):
        return {"labels": path.labels(inputs["rows"])}
    if not isinstance(path, str):
        raise TypeError(f"expected the path of the saved model as a string; got {describe(path)}.")
    if not os.path.isfile(path):
        return {"missing": True}
    keras = _keras()
    # safe_mode refuses code inside the file (Lambda layers); the optimizer's state is not graded.
    model = keras.models.load_model(path, safe_mode=True, compile=False)
    return {"predictions": np.asarray(model.predict(inputs["X"], verbose=0)), "n_params": int(model.count_params())}


def _saved_model_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    _, _, (X_test, _) = digits_data()
    cases = []
    for _ in range(repeats):
        rows = np.sort(rng.choice(len(X_test), size=300, replace=False))
        cases.append(Case("held-out digits", {"X": X_test[rows], "rows": rows}))
    return cases


def _judge_saved_model(case: Case, got: dict, expected: dict) -> str | None:
    if got.get("missing"):
        return ("there is no saved model, so the cell that trains and saves it did not finish: train_model raised an "
                "error, ran past the grader's time limit, or it is not written yet (it raises NotImplementedError).")
    n_params = got.get("n_params")
    if not is_whole_number(n_params):
        return "the saved model could not be read."
    if n_params > MAX_PARAMS:
        return f"the saved model has {n_params:,} parameters; the budget is {MAX_PARAMS:,}. Use fewer or smaller layers."
    probs, problem = as_number_array(got.get("predictions"), "the predictions")
    if problem:
        return problem
    labels = expected["labels"]
    if probs.shape != (labels.size, 10):
        return (f"the saved model outputs shape {tuple(probs.shape[1:])} per sample; a digits classifier needs 10 "
                "outputs, one per class.")
    accuracy = float(np.mean(np.argmax(probs, axis=1) == labels))
    if accuracy < MIN_ACCURACY:
        return (f"the saved model classifies {accuracy:.1%} of the held-out digits correctly; at least "
                f"{MIN_ACCURACY:.0%} is needed. Train longer, or check the loss, the output layer and the labels.")
    return None


def _saved_model_error(case: Case, error: dict) -> str | None:
    return (f"the saved model could not be loaded ({error['type']}: {error['message'].splitlines()[0][:200]}). "
            "Save a Sequential or Functional model of Keras' own layers with model.save('....keras'); a Lambda "
            "layer or a custom class cannot be loaded safely.")


SAVED_MODEL = Part(
    grade_id="test_saved_model", title="Part 5: a trained model, judged from its file", target="ARTIFACT",
    probe=probe_saved_model, cases=_saved_model_cases, reference=HeldOutDigits, judge=_judge_saved_model,
    seed=6501, on_error=_saved_model_error,
)


def check_saved_model(path) -> None:
    """Check the model saved at ``path``: at most 20,000 parameters and at least 90 % accuracy on held-out
    digits its training never saw (the grader draws other held-out digits)."""
    __tracebackhide__ = True
    run_check(SAVED_MODEL, path)


PARTS = (LOSS_RATIO_CALLBACK, MAKE_CALLBACKS, LR_FINDER, SUGGEST_LEARNING_RATE, SAVED_MODEL)
