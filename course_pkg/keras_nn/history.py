"""Training histories and logs, from either track: tables, learning curves, TensorBoard read back.

A history is what Keras' ``model.fit`` returns (a ``keras.callbacks.History``), its
``.history`` dict, or the dict the NumPy track's ``MLP.fit`` returns: the same keys
(``"loss"``, ``"val_loss"``, ``"accuracy"``, ...), one value per epoch, so one set of tools serves
both tracks. :func:`read_tensorboard_scalars` reads the curves a TensorBoard callback logged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from course_pkg._history import history_dict

__all__ = ["read_tensorboard_scalars", "history_to_frame", "plot_learning_curves"]


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


def history_to_frame(history) -> pd.DataFrame:
    """Turn a training history from either track into a table, one row per epoch.

    Parameters
    ----------
    history : keras.callbacks.History, dict of str to list of float, or pandas.DataFrame
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
        If ``history`` is none of the above (a Keras History, a dict or a DataFrame).

    Examples
    --------
    >>> history_to_frame({"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]})
           loss  val_loss
    epoch
    1       0.9       1.0
    2       0.5       0.7
    """
    where = "history_to_frame"
    curves = history_dict(history, where=where)
    lengths = {key: len(values) for key, values in curves.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{where}: expected the same number of epochs for every metric; got {lengths}.")
    n_epochs = next(iter(lengths.values()), 0)
    columns = {key: values.astype(float) for key, values in curves.items()}
    return pd.DataFrame(columns, index=pd.RangeIndex(1, n_epochs + 1, name="epoch"))


def plot_learning_curves(history, metrics=None, *, shift_training: bool = True, ax=None):
    """Draw the learning curves of either track: ``course_pkg.plotting.plot_history`` itself.

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

    return plotting.plot_history(history, metrics, shift_training=shift_training, ax=ax)
