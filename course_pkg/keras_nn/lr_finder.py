"""The learning-rate finder: grow the learning rate exponentially, watch the loss, suggest a rate.

:class:`LRFinder` is the callback; :func:`find_learning_rate` runs it on a model and puts the
model back exactly as it was, and suggests a rate about ten times below where the loss turns up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from course_pkg import _checks

__all__ = ["LRFinder", "LRFinderResult", "find_learning_rate"]


class LRFinder(keras.callbacks.Callback):
    """Multiply the learning rate by a constant factor after every batch and record the loss.

    The callback behind :func:`find_learning_rate`; use that function unless you need the
    callback inside your own ``fit``.

    Parameters
    ----------
    start : float, default 1e-5
        Learning rate of the first batch.
    stop : float, default 10.0
        Learning rate the run would reach after ``steps`` batches.
    steps : int, default 500
        Number of batches from ``start`` to ``stop``.
    divergence_factor : float, default 4.0
        Stop when the smoothed loss exceeds this multiple of the best smoothed loss.
    smoothing : float, default 0.9
        Factor β of the exponential moving average of the loss (0 = no smoothing).

    Attributes
    ----------
    rates : list of float
        The learning rate of each batch.
    losses : list of float
        The loss of each batch (not Keras' running mean, see Notes).
    smoothed_losses : list of float
        The bias-corrected moving average of ``losses``.
    diverged : bool
        True if the run stopped because the loss exploded or became NaN.

    Notes
    -----
    The rate of batch ``k`` (from 0) is ``start * factor**k`` with
    ``factor = exp(ln(stop / start) / steps)``; from 1e-5 to 10 in 500 steps,
    ``factor = exp(ln(1e6) / 500) ≈ 1.028``.

    Keras 3 reports in ``logs["loss"]`` the mean over the epoch's batches so far, not the
    current batch's loss. The callback recovers each batch's loss from two consecutive
    means, ``loss_k = (k + 1) * mean_k - k * mean_{k-1}``, which is exact when all batches
    have the same size (:func:`find_learning_rate` drops the last partial batch).

    Smoothing: ``avg_k = β avg_{k-1} + (1 − β) loss_k``, reported as
    ``avg_k / (1 − β^(k+1))`` so the first values are not biased towards 0.
    """

    def __init__(
        self,
        start: float = 1e-5,
        stop: float = 10.0,
        steps: int = 500,
        *,
        divergence_factor: float = 4.0,
        smoothing: float = 0.9,
    ):
        super().__init__()
        where = "LRFinder"
        self.start = _checks.check_positive(start, where=where, name="start")
        self.stop = _checks.check_positive(stop, where=where, name="stop")
        if self.stop <= self.start:
            raise ValueError(f"{where}: expected stop > start; got start={start!r}, stop={stop!r}.")
        self.steps = _checks.check_int(steps, where=where, name="steps", minimum=2)
        self.divergence_factor = _checks.check_positive(
            divergence_factor, where=where, name="divergence_factor"
        )
        if self.divergence_factor <= 1:
            raise ValueError(f"{where}: expected divergence_factor > 1; got {divergence_factor!r}.")
        self.smoothing = _checks.check_fraction(smoothing, where=where, name="smoothing")
        self.factor = math.exp(math.log(self.stop / self.start) / self.steps)
        self._reset()

    def _reset(self):
        self.rates: list[float] = []
        self.losses: list[float] = []
        self.smoothed_losses: list[float] = []
        self.diverged = False
        self._average = 0.0
        self._previous_mean = 0.0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._previous_mean = 0.0  # Keras restarts its running mean every epoch

    def on_train_batch_begin(self, batch, logs=None):
        rate = self.start * self.factor ** len(self.rates)
        self.model.optimizer.learning_rate = rate
        self.rates.append(rate)

    def on_train_batch_end(self, batch, logs=None):
        mean = float((logs or {}).get("loss", float("nan")))
        loss = (batch + 1) * mean - batch * self._previous_mean  # undo Keras' running mean
        self._previous_mean = mean
        self.losses.append(loss)
        k = len(self.losses)
        self._average = self.smoothing * self._average + (1 - self.smoothing) * loss
        smoothed = self._average / (1 - self.smoothing**k) if self.smoothing > 0 else loss
        self.smoothed_losses.append(smoothed)
        best = min(self.smoothed_losses)
        if not math.isfinite(loss) or smoothed > self.divergence_factor * best:
            self.diverged = True
            self.model.stop_training = True


@dataclass
class LRFinderResult:
    """The outcome of :func:`find_learning_rate`.

    Attributes
    ----------
    rates : ndarray of shape (K,)
        The learning rate of each batch tried.
    losses : ndarray of shape (K,)
        Each batch's loss (raw).
    smoothed_losses : ndarray of shape (K,)
        Exponential moving average of ``losses`` (what the suggestion and the plot use).
    suggestion : float
        ``best_rate / 10``.
    best_rate : float
        The rate at the minimum of the smoothed loss.
    diverged : bool
        Whether the run ended because the loss exploded (else it reached ``stop``).
    """

    rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggestion: float
    best_rate: float
    diverged: bool

    def plot(self, ax=None, *, smoothed: bool = True):
        """Draw loss against learning rate (log axis) with the suggestion marked.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; defaults to a new figure.
        smoothed : bool, default True
            Draw the smoothed losses (easier to read) rather than the raw ones.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from course_pkg import plotting  # matplotlib only when a figure is wanted

        losses = self.smoothed_losses if smoothed else self.losses
        return plotting.plot_lr_finder(self.rates, losses, suggestion=self.suggestion, ax=ax)


def _optimizer_learning_rate(optimizer) -> float:
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


def find_learning_rate(
    model: keras.Model,
    X,
    y,
    *,
    start: float = 1e-5,
    stop: float = 10.0,
    steps: int = 500,
    batch_size: int = 32,
    divergence_factor: float = 4.0,
    smoothing: float = 0.9,
    seed: int = 0,
) -> LRFinderResult:
    """Run the learning-rate finder: train briefly with an exponentially growing rate.

    The model is trained for up to ``steps`` batches, the learning rate growing from
    ``start`` to ``stop``; the loss first falls slowly, then fast, then turns up and
    explodes. Afterwards the model's weights, its optimizer's state and its learning rate
    are put back exactly as they were, so the model can then be trained for real.

    Parameters
    ----------
    model : keras.Model
        A compiled, built model whose optimizer has a plain (not scheduled) learning rate.
    X : ndarray of shape (N, D)
        Training inputs (any shape the model accepts, batch first).
    y : ndarray of shape (N,) or (N, C)
        Training targets.
    start, stop : float, default 1e-5 and 10.0
        The rate range.
    steps : int, default 500
        Batches from ``start`` to ``stop``. The default does not change in fast mode: a notebook
        that wants fewer steps in CI says so, e.g. ``steps=budget(full=500, fast=100)``.
    batch_size : int, default 32
        The batch size you will train with: the best rate depends on it.
    divergence_factor : float, default 4.0
        Stop when the smoothed loss exceeds this multiple of its minimum.
    smoothing : float, default 0.9
        Moving-average factor for the losses (see :class:`LRFinder`).
    seed : int, default 0
        Seed of the batch shuffling.

    Returns
    -------
    LRFinderResult
        Rates, raw and smoothed losses, the suggested rate; ``result.plot()`` draws them.

    Raises
    ------
    ValueError
        If the model is not compiled or not built, its learning rate is a schedule, the
        data are inconsistent or smaller than one batch.

    Notes
    -----
    The data are shuffled (seeded) and repeated, in full batches only, so that every step
    has the same batch size however many epochs ``steps`` covers.

    Rule for the suggestion: take the rate at which the smoothed loss is lowest (where it
    turns up) and divide by 10. The minimum itself is already too fast: the loss there is
    about to explode; ten times slower is fast but stable. The suggestion is a starting
    point, not an optimum. Read the plot as well: a curve that never clearly falls means
    the data or the model need work first.

    Examples
    --------
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    >>> X = np.random.default_rng(0).normal(size=(64, 2)); y = X @ np.array([1.0, -2.0])
    >>> result = find_learning_rate(model, X, y, steps=40, batch_size=16)
    >>> bool(1e-5 <= result.suggestion < result.rates[-1])
    True
    >>> round(float(model.optimizer.learning_rate.numpy()), 6)  # restored
    0.01
    """
    where = "find_learning_rate"
    if not isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a keras.Model; got {type(model).__name__}.")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError(
            f"{where}: expected a compiled model; got one without optimizer. Call model.compile(...) first."
        )
    if not model.built or not model.weights:
        raise ValueError(
            f"{where}: expected a built model (with weights); got {model.name!r} without weights. "
            "Start it with keras.Input(shape=...) or call it once on a batch."
        )
    X = _checks.check_array(X, where=where, name="X")
    y = _checks.check_array(y, where=where, name="y")
    _checks.check_same_rows(X, y, where=where)
    batch_size = _checks.check_int(batch_size, where=where, name="batch_size")
    if X.shape[0] < batch_size:
        raise ValueError(
            f"{where}: expected at least one full batch ({batch_size} samples); got {X.shape[0]}. "
            "Lower batch_size."
        )
    finder = LRFinder(start, stop, steps, divergence_factor=divergence_factor, smoothing=smoothing)

    optimizer = model.optimizer
    initial_rate = _optimizer_learning_rate(optimizer)
    try:
        optimizer.learning_rate = initial_rate
    except TypeError:
        raise ValueError(
            f"{where}: expected an optimizer with a plain learning rate; got one driven by a "
            "LearningRateSchedule, which the finder cannot override. Compile a copy of the "
            "model with, e.g., keras.optimizers.SGD(learning_rate=1e-3) for the search."
        ) from None
    # Build the optimizer now so that its state (momentum, Adam's moments, the step count)
    # can be saved and put back exactly, whatever the optimizer.
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    saved_weights = model.get_weights()
    saved_state = [v.numpy() for v in optimizer.variables]

    dataset = (
        tf.data.Dataset.from_tensor_slices((X, y))
        .shuffle(X.shape[0], seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
    )
    try:
        model.fit(
            dataset, epochs=1, steps_per_epoch=finder.steps, callbacks=[finder], shuffle=False, verbose=0
        )
    finally:
        model.set_weights(saved_weights)
        for variable, value in zip(optimizer.variables, saved_state):
            variable.assign(value)
        optimizer.learning_rate = initial_rate

    rates = np.asarray(finder.rates[: len(finder.losses)], dtype=float)
    losses = np.asarray(finder.losses, dtype=float)
    smoothed = np.asarray(finder.smoothed_losses, dtype=float)
    finite = np.isfinite(smoothed)
    best = int(np.argmin(np.where(finite, smoothed, np.inf)))
    best_rate = float(rates[best])
    return LRFinderResult(
        rates=rates,
        losses=losses,
        smoothed_losses=smoothed,
        suggestion=best_rate / 10,
        best_rate=best_rate,
        diverged=finder.diverged,
    )
