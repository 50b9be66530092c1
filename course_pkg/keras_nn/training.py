"""Training tools for the Keras track: seeding, callbacks, the learning-rate finder, histories.

What chapters 8, 11 and 13 use around ``model.fit``:

- :func:`seed_everything` makes a run repeatable (Python, NumPy, TensorFlow, and
  deterministic kernels).
- :func:`standard_callbacks` returns the three callbacks every serious run wants: the best
  model saved to ``<run_dir>/checkpoints/best.keras``, early stopping that restores the best
  weights, and TensorBoard logs in one sub-directory per run.
- :class:`LossRatioCallback` is the chapter's custom callback: it prints val/train loss.
- :class:`LRFinder` and :func:`find_learning_rate` grow the learning rate exponentially and
  suggest one about ten times below where the loss turns up.
- :func:`read_tensorboard_scalars` reads the logs back (the built book draws its figures
  from them), :func:`history_to_frame` and :func:`plot_learning_curves` serve both tracks.
- :func:`to_keras`, :func:`from_keras` and :func:`weights_from_numpy` carry a network
  between the NumPy track's ``MLP`` and Keras, with identical predictions.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_pkg import _checks
from course_pkg import fast_mode
from course_pkg.numpy_nn.network import MLP

__all__ = [
    "seed_everything",
    "RunPaths",
    "standard_callbacks",
    "LossRatioCallback",
    "LRFinder",
    "LRFinderResult",
    "find_learning_rate",
    "read_tensorboard_scalars",
    "history_to_frame",
    "plot_learning_curves",
    "BRIDGE_ACTIVATIONS",
    "to_keras",
    "from_keras",
    "weights_from_numpy",
]


# --------------------------------------------------------------------------- seeding


def seed_everything(seed: int, *, deterministic_ops: bool = True) -> int:
    """Seed Python's ``random``, NumPy and TensorFlow, and make TensorFlow's kernels deterministic.

    Parameters
    ----------
    seed : int
        The seed, >= 0.
    deterministic_ops : bool, default True
        Also call ``tf.config.experimental.enable_op_determinism()``.

    Returns
    -------
    int
        The seed, so that a notebook can log it: ``SEED = seed_everything(42)``.

    Raises
    ------
    ValueError
        If ``seed`` is negative.
    TypeError
        If ``seed`` is not an integer.

    Notes
    -----
    ``keras.utils.set_random_seed`` seeds Python, NumPy and the backend together. Seeds alone
    do not make two runs identical: some TensorFlow kernels (reductions on the GPU,
    multi-threaded CPU ops) add floating-point numbers in a different order each time.
    Op determinism forces one order. It costs speed, little on a CPU and sometimes a lot on a
    GPU, and it lasts for the rest of the process. Kernels that have no deterministic
    version then raise an error instead of running.

    Examples
    --------
    >>> seed_everything(0, deterministic_ops=False)
    0
    """
    seed = _checks.check_int(seed, where="seed_everything", name="seed", minimum=0)
    # One call seeds Python's random, NumPy's global generator, TensorFlow and Keras' own
    # generator (layer initialisers, dropout, shuffling in fit).
    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        enable = getattr(tf.config.experimental, "enable_op_determinism", None)
        if enable is not None:  # added in TensorFlow 2.9
            enable()
    return seed


# --------------------------------------------------------------------------- callbacks


@dataclass(frozen=True)
class RunPaths:
    """Where one training run writes its files (see :func:`standard_callbacks`).

    Attributes
    ----------
    run_dir : pathlib.Path
        The directory given to :func:`standard_callbacks`.
    run_name : str
        This run's name (a timestamp unless one was given).
    checkpoint : pathlib.Path or None
        ``<run_dir>/checkpoints/best.keras``; None without checkpointing.
    log_dir : pathlib.Path or None
        ``<run_dir>/logs/<run_name>``, TensorBoard's directory for this run (what
        :func:`read_tensorboard_scalars` reads); None without TensorBoard. Point
        ``tensorboard --logdir <run_dir>/logs`` at the parent to compare runs.
    """

    run_dir: Path
    run_name: str
    checkpoint: Path | None
    log_dir: Path | None


def _run_name(log_root: Path, run_name: str | None) -> str:
    if run_name is not None:
        if not isinstance(run_name, str) or not run_name or os.sep in run_name or run_name in (".", ".."):
            raise ValueError(
                f"standard_callbacks: expected run_name as a plain directory name such as 'adam_lr1e-3'; "
                f"got {run_name!r}."
            )
        return run_name
    stamp = _dt.datetime.now().strftime("run_%Y%m%d-%H%M%S")
    name, n = stamp, 2
    while (log_root / name).exists():  # two runs in the same second get -2, -3, ...
        name, n = f"{stamp}-{n}", n + 1
    return name


def standard_callbacks(
    run_dir,
    *,
    monitor: str = "val_loss",
    patience: int = 5,
    checkpoint: bool = True,
    early_stopping: bool = True,
    tensorboard: bool = True,
    run_name: str | None = None,
    return_paths: bool = False,
):
    """Return the checkpoint, early-stopping and TensorBoard callbacks for one run.

    Parameters
    ----------
    run_dir : str or path
        The experiment's directory; created if missing.
    monitor : str, default "val_loss"
        The quantity that decides "best" (minimised for losses, maximised for accuracy:
        Keras infers the direction from the name). Needs validation data when it starts
        with ``val_``.
    patience : int, default 5
        Epochs without improvement before early stopping.
    checkpoint : bool, default True
        Save the best model to ``<run_dir>/checkpoints/best.keras`` (whole model, Keras 3
        format; ``keras.models.load_model`` reads it back).
    early_stopping : bool, default True
        Stop after ``patience`` epochs without improvement and restore the best weights.
    tensorboard : bool, default True
        Log to ``<run_dir>/logs/<run_name>``.
    run_name : str, optional
        This run's log sub-directory. Defaults to a timestamp such as
        ``run_20240131-142501``, so each run gets its own curves in TensorBoard.
    return_paths : bool, default False
        Also return where the run writes.

    Returns
    -------
    list of keras.callbacks.Callback
        The callbacks asked for, in the order checkpoint, early stopping, TensorBoard.
    RunPaths
        Only with ``return_paths=True``: ``callbacks, paths = standard_callbacks(...)``.

    Raises
    ------
    ValueError
        For a negative ``patience`` or an unusable ``run_name``.

    Notes
    -----
    ``restore_best_weights=True`` matters: without it the model keeps the weights of the
    last epoch, ``patience`` epochs past the best. Keras 3 restores them when training ends,
    whether or not it stopped early. The checkpoint keeps the best model on disk even if
    the kernel dies.

    Examples
    --------
    >>> import tempfile
    >>> callbacks, paths = standard_callbacks(tempfile.mkdtemp(), run_name="demo", return_paths=True)
    >>> [type(c).__name__ for c in callbacks]
    ['ModelCheckpoint', 'EarlyStopping', 'TensorBoard']
    >>> paths.checkpoint.name, paths.log_dir.name
    ('best.keras', 'demo')
    """
    where = "standard_callbacks"
    patience = _checks.check_int(patience, where=where, name="patience", minimum=0)
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"{where}: expected monitor as a metric name such as 'val_loss'; got {monitor!r}.")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    log_root = run_dir / "logs"
    name = _run_name(log_root, run_name)
    paths = RunPaths(
        run_dir=run_dir,
        run_name=name,
        checkpoint=run_dir / "checkpoints" / "best.keras" if checkpoint else None,
        log_dir=log_root / name if tensorboard else None,
    )
    callbacks = []
    if checkpoint:
        paths.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(
            keras.callbacks.ModelCheckpoint(str(paths.checkpoint), monitor=monitor, save_best_only=True)
        )
    if early_stopping:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=True)
        )
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(paths.log_dir)))
    # A plain list: Keras flattens the callbacks argument and would not see into a subclass.
    return (callbacks, paths) if return_paths else callbacks


class LossRatioCallback(keras.callbacks.Callback):
    """Print and record the validation/training loss ratio at the end of each epoch.

    A ratio that climbs well above 1 is the first sign of overfitting: the model keeps
    improving on the data it sees and gets worse on the data it does not.

    Parameters
    ----------
    verbose : bool, default True
        Print ``"epoch 3: val/train loss ratio 1.08"`` each epoch.

    Attributes
    ----------
    ratios : list of float
        One ratio per epoch of the current (or last) ``fit``; reset when training begins.
    epochs : list of int
        The matching epoch numbers, counted from 1 as Keras prints them.

    Examples
    --------
    >>> cb = LossRatioCallback()
    >>> cb.on_train_begin()
    >>> cb.on_epoch_end(0, {"loss": 0.50, "val_loss": 0.55})
    epoch 1: val/train loss ratio 1.10
    >>> cb.ratios
    [1.1...]
    """

    def __init__(self, verbose: bool = True):
        super().__init__()
        self.verbose = bool(verbose)
        self.ratios: list[float] = []
        self.epochs: list[int] = []

    def on_train_begin(self, logs=None):
        # Keras convention: state belongs to one fit call, so a second fit starts clean.
        self.ratios = []
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if "loss" not in logs or "val_loss" not in logs:
            warnings.warn(
                "LossRatioCallback: expected 'loss' and 'val_loss' in the epoch logs; got "
                f"{sorted(logs)}. Pass validation_data or validation_split to fit().",
                stacklevel=2,
            )
            return
        ratio = float(logs["val_loss"]) / float(logs["loss"])
        self.ratios.append(ratio)
        self.epochs.append(epoch + 1)
        if self.verbose:
            print(f"epoch {epoch + 1}: val/train loss ratio {ratio:.2f}")


# --------------------------------------------------------------------------- learning-rate finder


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
    steps: int | None = None,
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
    steps : int, optional
        Batches from ``start`` to ``stop``. Defaults to 500, or 100 when
        ``course_pkg.fast_mode()`` is on.
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
    if steps is None:
        steps = 100 if fast_mode() else 500
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


# --------------------------------------------------------------------------- logs and histories


def read_tensorboard_scalars(log_dir) -> dict[str, list[tuple[int, float]]]:
    """Read every scalar TensorBoard logged under ``log_dir``.

    Parameters
    ----------
    log_dir : str or path
        A run's log directory (``paths.log_dir`` from :func:`standard_callbacks`), or any directory above it.

    Returns
    -------
    dict of str to list of (int, float)
        ``{tag: [(step, value), ...]}`` in the order written. Tags are prefixed with the
        sub-directory that holds them: Keras 3's TensorBoard callback writes training
        curves to ``train/`` and validation curves to ``validation/``, so a run directory
        gives ``"train/epoch_loss"``, ``"validation/epoch_loss"``,
        ``"train/epoch_learning_rate"``, ... (steps are epochs, from 0). Events written
        directly in ``log_dir`` keep their bare tag.

    Raises
    ------
    FileNotFoundError
        If ``log_dir`` does not exist or holds no event files.

    Notes
    -----
    TensorFlow 2 writes scalars as tensor summaries tagged with the ``scalars`` plugin;
    older files use the ``simple_value`` field. Both are read with TensorBoard's own
    ``EventAccumulator``, the reader behind the TensorBoard web page. Non-scalar summaries
    (the model graph, histograms, images) are skipped.
    """
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    root = Path(log_dir)
    if not root.is_dir():
        raise FileNotFoundError(
            f"read_tensorboard_scalars: expected a log directory; got {str(root)!r}, which does not exist."
        )
    event_dirs = sorted({p.parent for p in root.rglob("events.out.tfevents.*")})
    if not event_dirs:
        raise FileNotFoundError(
            f"read_tensorboard_scalars: expected TensorBoard event files under {str(root)!r}; found none. "
            "Was the TensorBoard callback passed to fit()?"
        )
    scalars: dict[str, list[tuple[int, float]]] = {}
    for directory in event_dirs:
        prefix = directory.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        # size_guidance 0 = keep every event (the default samples long runs down).
        acc = event_accumulator.EventAccumulator(
            str(directory), size_guidance={event_accumulator.TENSORS: 0, event_accumulator.SCALARS: 0}
        )
        acc.Reload()
        tags = acc.Tags()
        for tag in tags.get(event_accumulator.SCALARS, []):
            scalars[prefix + tag] = [(int(e.step), float(e.value)) for e in acc.Scalars(tag)]
        for tag in tags.get(event_accumulator.TENSORS, []):
            if acc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
                continue
            scalars[prefix + tag] = [
                (int(e.step), float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)
            ]
    return scalars


def _history_dict(history, where: str) -> dict:
    if isinstance(history, keras.callbacks.History):
        history = history.history
    if not isinstance(history, dict):
        raise TypeError(
            f"{where}: expected a Keras History, its .history dict or a NumPy-track history dict "
            f"{{'loss': [...], ...}}; got {type(history).__name__}."
        )
    return history


def history_to_frame(history) -> pd.DataFrame:
    """Turn a training history from either track into a table, one row per epoch.

    Parameters
    ----------
    history : keras.callbacks.History or dict of str to list of float
        What ``model.fit`` returns, its ``.history``, or the dict the NumPy track's
        ``MLP.fit`` returns (same keys: ``"loss"``, ``"val_loss"``, ``"accuracy"``, ...).

    Returns
    -------
    pandas.DataFrame
        One column per metric, index ``epoch`` counting from 1.

    Raises
    ------
    ValueError
        If the metrics have different numbers of epochs.
    TypeError
        If ``history`` is none of the above.

    Examples
    --------
    >>> history_to_frame({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
           loss  val_loss
    epoch
    1       0.9       1.0
    2       0.5       0.7
    """
    where = "history_to_frame"
    history = _history_dict(history, where)
    lengths = {key: len(values) for key, values in history.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{where}: expected the same number of epochs for every metric; got {lengths}.")
    n_epochs = next(iter(lengths.values()), 0)
    columns = {key: np.asarray(values, dtype=float) for key, values in history.items()}
    return pd.DataFrame(columns, index=pd.RangeIndex(1, n_epochs + 1, name="epoch"))


def plot_learning_curves(history, metrics=None, *, shift_training: bool = True, ax=None):
    """Draw the learning curves of either track with ``course_pkg.plotting.plot_history``.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        As for :func:`history_to_frame`.
    metrics : str or sequence of str, optional
        Metrics to draw, each with its ``val_`` partner; defaults to loss and accuracy.
    shift_training : bool, default True
        Draw training values half an epoch early (they are means over the epoch).
    ax : Axes or sequence of Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from course_pkg import plotting  # matplotlib only when a figure is wanted

    frame = history_to_frame(history)
    return plotting.plot_history(frame, metrics, shift_training=shift_training, ax=ax)


# --------------------------------------------------------------------------- NumPy <-> Keras bridge

#: Activations both tracks implement identically (the NumPy track's step functions have no
#: Keras counterpart).
BRIDGE_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softplus", "softmax")


def _keras_activation_name(layer) -> str:
    name = keras.activations.serialize(layer.activation)
    return name if isinstance(name, str) else str(name)


def _check_bridge_activation(name: str, where: str, what: str) -> None:
    if name not in BRIDGE_ACTIVATIONS:
        raise ValueError(
            f"{where}: expected {what} to be one of {', '.join(BRIDGE_ACTIVATIONS)}; got {name!r}. "
            "Only these activations exist, identically, in both tracks."
        )


def _mlp_dense_activations(mlp) -> list[str]:
    n_dense = len(mlp.layer_sizes) - 1
    return [mlp.hidden_activation] * (n_dense - 1) + [mlp.output_activation]


def _check_mlp(mlp, where: str) -> None:
    if not isinstance(mlp, MLP):
        raise TypeError(f"{where}: expected a course_pkg.numpy_nn.network.MLP; got {type(mlp).__name__}.")


def to_keras(mlp, *, name: str | None = None) -> keras.Sequential:
    """Build the Keras twin of a NumPy-track ``MLP``: same layers, activations and weights.

    Parameters
    ----------
    mlp : course_pkg.numpy_nn.network.MLP
        The network to copy.
    name : str, optional
        The Keras model's name.

    Returns
    -------
    keras.Sequential
        ``keras.Input(shape=(D,))``, then one ``Dense`` per MLP layer (and a ``Dropout`` of
        the same rate after each hidden layer when the MLP has dropout), holding copies of
        the MLP's weights as float32. Uncompiled.

    Raises
    ------
    TypeError
        If ``mlp`` is not an ``MLP``.
    ValueError
        If it uses an activation Keras does not have (``heaviside``, ``sign``).

    Notes
    -----
    Both tracks store ``W`` as (inputs, units) and compute ``X @ W + b``, so weights copy
    one-to-one; predictions agree to float32 rounding (about 1e-6).

    Examples
    --------
    >>> from course_pkg.numpy_nn.network import MLP
    >>> net = MLP([4, 8, 3], rng=0)
    >>> model = to_keras(net)
    >>> X = np.random.default_rng(1).normal(size=(5, 4)).astype("float32")
    >>> bool(np.allclose(model.predict(X, verbose=0), net.predict_proba(X), atol=1e-5))
    True
    """
    where = "to_keras"
    _check_mlp(mlp, where)
    activations = _mlp_dense_activations(mlp)
    for i, act in enumerate(activations):
        _check_bridge_activation(act, where, f"the activation of Dense layer {i}")
    layers = [keras.Input(shape=(mlp.layer_sizes[0],))]
    n_dense = len(activations)
    for i, (units, act) in enumerate(zip(mlp.layer_sizes[1:], activations)):
        layers.append(keras.layers.Dense(units, activation=act))
        if mlp.dropout > 0 and i < n_dense - 1:
            layers.append(keras.layers.Dropout(mlp.dropout))
    model = keras.Sequential(layers, name=name)
    model.set_weights([np.asarray(w, dtype="float32") for w in mlp.get_weights()])
    return model


def _dense_chain(model, where: str) -> tuple[list, float]:
    """The model's Dense layers in order, and its common Dropout rate (0 without Dropout)."""
    dense, rates = [], set()
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Dense):
            dense.append(layer)
        elif isinstance(layer, keras.layers.Dropout) and dense:
            rates.add(float(layer.rate))
        else:
            raise ValueError(
                f"{where}: expected a plain stack of Dense layers (Dropout allowed between them); got "
                f"layer {layer.name!r} of type {type(layer).__name__}. The NumPy MLP has no such layer: "
                "flatten inputs with X.reshape(len(X), -1) and rebuild the model without it."
            )
    if not dense:
        raise ValueError(f"{where}: expected at least one Dense layer; got none in model {model.name!r}.")
    if len(rates) > 1:
        raise ValueError(
            f"{where}: expected one dropout rate for every hidden layer (the MLP has a single rate); "
            f"got {sorted(rates)}."
        )
    return dense, (rates.pop() if rates else 0.0)


def from_keras(model: keras.Model, *, dtype: str = "float32"):
    """Build a NumPy-track ``MLP`` with the layers, activations and weights of a Keras model.

    Parameters
    ----------
    model : keras.Model
        A built model made only of ``Dense`` layers (``Dropout`` with one common rate
        allowed between them) that compute one chain, input to output. Every hidden
        layer must use the same activation, as the MLP has one ``hidden_activation``.
    dtype : {"float32", "float64"}, default "float32"
        The MLP's dtype (float64 for gradient checks).

    Returns
    -------
    course_pkg.numpy_nn.network.MLP
        With ``layer_sizes`` read from the kernels and the weights copied.

    Raises
    ------
    ValueError
        For other layer types (the message names the layer), layers that do not form a
        chain (a Functional or subclassed model whose outputs differ from the chain's),
        hidden layers with different activations, an activation the NumPy track lacks, or
        an unbuilt model.

    Notes
    -----
    A Dense layer without bias (``use_bias=False``) becomes an MLP layer with a zero bias,
    which computes the same function.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="tanh"),
    ...                           keras.layers.Dense(1)])
    >>> from_keras(model).layer_sizes
    [3, 5, 1]
    """
    where = "from_keras"
    if not isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a keras.Model; got {type(model).__name__}.")
    if not model.built or not model.weights:
        raise ValueError(
            f"{where}: expected a built model; got {model.name!r} without weights. "
            "Declare its input with keras.Input(shape=(D,))."
        )
    dense, rate = _dense_chain(model, where)
    sizes = [int(dense[0].kernel.shape[0])] + [int(layer.units) for layer in dense]
    for i, (layer, fan_in) in enumerate(zip(dense, sizes[:-1])):
        if int(layer.kernel.shape[0]) != fan_in:
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) to take {fan_in} inputs; got a kernel "
                f"of shape {tuple(layer.kernel.shape)}. The layers must form one chain."
            )
    activations = [_keras_activation_name(layer) for layer in dense]
    for i, act in enumerate(activations):
        _check_bridge_activation(act, where, f"the activation of Dense layer {i} ({dense[i].name!r})")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"{where}: expected one activation for every hidden layer (the MLP has one hidden_activation); "
            f"got {activations[:-1]}."
        )
    mlp = MLP(
        sizes,
        hidden_activation=hidden.pop() if hidden else "relu",
        output_activation=activations[-1],
        dropout=rate,
        dtype=dtype,
    )
    weights = []
    for layer in dense:
        weights.append(np.asarray(layer.kernel.numpy(), dtype=dtype))
        bias = layer.bias.numpy() if layer.use_bias else np.zeros(layer.units)
        weights.append(np.asarray(bias, dtype=dtype))
    mlp.set_weights(weights)
    if not isinstance(model, keras.Sequential):
        # A Functional or subclassed model may wire its layers differently from their list
        # order (skips, reuse); the MLP only computes a chain, so compare the two.
        probe = np.random.default_rng(0).standard_normal((4, sizes[0])).astype("float32")  # (4, D)
        ours = (
            mlp.predict(probe) if activations[-1] not in ("softmax", "sigmoid") else mlp.predict_proba(probe)
        )
        theirs = keras.ops.convert_to_numpy(model(probe, training=False))
        if np.shape(theirs) != np.shape(ours) or not np.allclose(theirs, ours, rtol=1e-4, atol=1e-4):
            raise ValueError(
                f"{where}: expected the Dense layers of {model.name!r} to form one chain in list order; "
                "got a model whose outputs differ from that chain's (skip connections, shared layers "
                "or a custom call()). Only plain stacks can become an MLP."
            )
    return mlp


def weights_from_numpy(mlp, model: keras.Model, *, check_activations: bool = True) -> keras.Model:
    """Copy a NumPy-track ``MLP``'s weights into an existing Keras model, layer by layer.

    Parameters
    ----------
    mlp : course_pkg.numpy_nn.network.MLP
        The source of the weights.
    model : keras.Model
        A built model whose ``Dense`` layers (in order) match the MLP's layers in shape.
    check_activations : bool, default True
        Also require the same activation per layer, so that the two compute the same
        function. Pass False to copy into, e.g., a logits model (linear output).

    Returns
    -------
    keras.Model
        ``model`` itself, its weights replaced.

    Raises
    ------
    ValueError
        If the number of Dense layers differs, or a layer's kernel or bias shape differs
        (the message names the layer index and both shapes), or an activation differs.
        Nothing is copied then.

    Examples
    --------
    >>> from course_pkg.numpy_nn.network import MLP
    >>> net = MLP([2, 3, 1], output_activation="linear", rng=0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="relu"),
    ...                           keras.layers.Dense(1)])
    >>> bool(np.allclose(weights_from_numpy(net, model).layers[1].kernel.numpy(), net.get_weights()[2]))
    True
    """
    where = "weights_from_numpy"
    _check_mlp(mlp, where)
    if not isinstance(model, keras.Model):
        raise TypeError(f"{where}: expected a keras.Model; got {type(model).__name__}.")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    weights = mlp.get_weights()
    n_mlp = len(weights) // 2
    if len(dense) != n_mlp:
        raise ValueError(
            f"{where}: expected a Keras model with {n_mlp} Dense layers (like the MLP {mlp.layer_sizes}); "
            f"got {len(dense)}."
        )
    activations = _mlp_dense_activations(mlp)
    pairs = []
    for i, layer in enumerate(dense):
        W, b = weights[2 * i], weights[2 * i + 1]
        if not layer.built:
            raise ValueError(
                f"{where}: expected a built model; Dense layer {i} ({layer.name!r}) has no weights yet."
            )
        kernel_shape = tuple(layer.kernel.shape)
        if kernel_shape != W.shape or not layer.use_bias or tuple(layer.bias.shape) != b.shape:
            shape = _checks.format_shape
            bias_shape = shape(tuple(layer.bias.shape)) if layer.use_bias else "no bias"
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) with kernel {shape(W.shape)} "
                f"and bias {shape(b.shape)} like the MLP; got kernel {shape(kernel_shape)} "
                f"and bias {bias_shape}."
            )
        activation = _keras_activation_name(layer)
        if check_activations and activation != activations[i]:
            raise ValueError(
                f"{where}: expected Dense layer {i} ({layer.name!r}) to use activation "
                f"{activations[i]!r} like the MLP; got {activation!r}. "
                "Pass check_activations=False to copy anyway."
            )
        pairs.append((layer, W, b))
    for layer, W, b in pairs:
        layer.set_weights([W.astype(layer.kernel.dtype), b.astype(layer.bias.dtype)])
    return model
