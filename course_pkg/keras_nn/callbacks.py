"""Callbacks for ``model.fit``: the standard three (checkpoint, early stopping, TensorBoard) and the
chapter's custom one.

:func:`standard_callbacks` returns the callbacks every serious run wants: the best model saved to
``<run_dir>/checkpoints/best.keras``, early stopping that restores the best weights, and
TensorBoard logs in one sub-directory per run. :class:`LossRatioCallback` prints val/train loss
each epoch. The learning-rate finder's callback lives in ``course_pkg.keras_nn.lr_finder``.
"""

from __future__ import annotations

import datetime as _dt
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import keras

from course_pkg import _checks

__all__ = ["RunPaths", "standard_callbacks", "LossRatioCallback"]


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
        ``course_pkg.keras_nn.history.read_tensorboard_scalars`` reads); None without TensorBoard. Point
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
