"""Figures shared by the book and both tracks.

Every function draws into the Axes you pass as ``ax`` (a sequence of Axes
for the multi-panel figures) or into a new figure, and returns what it drew
on: the Axes for single-panel plots, the Figure for grids of panels. Nothing
calls ``plt.show()``; notebooks display the returned figure, scripts save it.

``matplotlib.pyplot`` is imported inside the functions, so
``import course_pkg.plotting`` costs almost nothing.

The functions:

plot_activations
    Activation functions and their derivatives.
plot_decision_boundary
    Class regions of a 2-D classifier, with the data on top.
plot_hidden_units
    Each hidden unit's activation over the 2-D input plane.
plot_history
    Training and validation curves from a Keras-style history.
plot_image_grid
    A grid of images with labels; wrong predictions in red.
plot_pixel_histogram
    The distribution of one image's pixel values.
plot_lr_finder
    Loss against learning rate on a log axis.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from course_pkg import _checks
from course_pkg._history import history_dict
from course_pkg.numpy_nn.backend import to_numpy

__all__ = [
    "plot_activations",
    "plot_decision_boundary",
    "plot_hidden_units",
    "plot_history",
    "plot_image_grid",
    "plot_pixel_histogram",
    "plot_lr_finder",
]

# Wrong predictions and the learning-rate suggestion share one alarm colour.
_HIGHLIGHT = "tab:red"


def _pyplot():
    import matplotlib.pyplot as plt  # noqa: PLC0415 - lazy: keeps `import course_pkg.plotting` cheap

    return plt


def _single_axes(ax, *, figsize=(5.0, 4.0)):
    """Return ``ax``, or the Axes of a new figure when it is None."""
    if ax is None:
        _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def _panel_axes(ax, n: int, *, n_cols: int, where: str, panel_size=(3.2, 2.8)):
    """Return (figure, list of n Axes) for a grid of panels.

    With ``ax=None`` a new figure of ceil(n / n_cols) rows is made and unused
    cells are removed, so ``fig.axes`` holds exactly the n panels.
    """
    if ax is None:
        n_cols = max(1, min(n_cols, n))
        n_rows = -(-n // n_cols)
        fig, grid = _pyplot().subplots(
            n_rows,
            n_cols,
            figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows),
            layout="constrained",
            squeeze=False,
        )
        axes = list(grid.ravel())
        for extra in axes[n:]:
            extra.remove()
        return fig, axes[:n]
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n:
        raise ValueError(
            f"{where}: expected ax to be None or {n} Axes (one per panel); got {len(axes)}. "
            "Leave ax=None to get a new figure."
        )
    return axes[0].figure, axes


def _class_colormap(n_classes: int):
    from matplotlib.colors import ListedColormap  # noqa: PLC0415

    base = _pyplot().get_cmap("tab10" if n_classes <= 10 else "tab20")
    return ListedColormap([base(i % base.N) for i in range(n_classes)])


def _plane_grid(X, *, resolution: int, padding: float, where: str):
    """Grid covering the data plus padding: (grid (G, 2), xs (R,), ys (R,))."""
    X = _checks.check_array(X, where=where, name="X", shape=(None, 2))
    if X.shape[0] == 0:
        raise ValueError(f"{where}: expected at least one point in X; got shape (0, 2).")
    resolution = _checks.check_int(resolution, where=where, name="resolution", minimum=2)
    padding = float(padding)
    if not padding >= 0:
        raise ValueError(f"{where}: expected padding >= 0; got padding={padding!r}.")
    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding  # (2,), (2,)
    xs = np.linspace(low[0], high[0], resolution)  # (R,)
    ys = np.linspace(low[1], high[1], resolution)  # (R,)
    xx, yy = np.meshgrid(xs, ys)  # (R, R) each; row i has y = ys[i]
    dtype = np.result_type(X.dtype, np.float32)
    grid = np.column_stack([xx.ravel(), yy.ravel()]).astype(dtype)  # (G, 2), G = R * R
    return X, grid, xs, ys


def _point_labels(y, X, where: str):
    """Check the optional labels that colour the scattered points: (N,) integers >= 0."""
    if y is None:
        return None
    y = _checks.check_array(y, where=where, name="y", ndim=1)
    _checks.check_same_rows(X, y, where=where)
    if y.size and (y.min() < 0 or np.any(y != np.round(y))):
        raise ValueError(
            f"{where}: expected class labels 0, 1, 2, ... in y; got values from {y.min()} to {y.max()}."
        )
    return y.astype(np.int64)


def _extent(xs, ys):
    # imshow's extent gives pixel edges; the grid values are pixel centres.
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    return (xs[0] - dx, xs[-1] + dx, ys[0] - dy, ys[-1] + dy)


def _call(fn, inputs, *, where: str, name: str):
    if not callable(fn) and hasattr(fn, "predict"):
        fn = fn.predict
    if not callable(fn):
        raise TypeError(
            f"{where}: expected {name} to be a function of a batch (G, 2); got {type(fn).__name__}."
        )
    return to_numpy(fn(inputs))


def _labels_from_output(out: np.ndarray, n_points: int, where: str) -> np.ndarray:
    """Turn a classifier's output on the grid into one label per point."""
    if out.shape[:1] != (n_points,) or out.ndim > 2:
        raise ValueError(
            f"{where}: expected predict_fn to return shape ({n_points},) or ({n_points}, C) for "
            f"{n_points} grid points; got {_checks.format_shape(out.shape)}."
        )
    if out.ndim == 2 and out.shape[1] > 1:
        return np.argmax(out, axis=1)  # (G,) class with the largest score
    out = out.reshape(n_points)
    if out.dtype.kind in "biu" or np.all(out == np.round(out)):
        return out.astype(np.int64)  # already labels
    if out.min() >= 0 and out.max() <= 1:
        return (out >= 0.5).astype(np.int64)  # probability of class 1
    raise ValueError(
        f"{where}: expected predict_fn to return labels, probabilities in [0, 1] or (N, C) scores; "
        f"got floats from {out.min():.3g} to {out.max():.3g}. If these are logits, apply the sigmoid "
        "first, or return labels."
    )


# --------------------------------------------------------------------------------------------------


def plot_activations(
    names: str | Sequence[str] = ("sigmoid", "tanh", "relu", "softplus"),
    z=None,
    *,
    with_grad: bool = True,
    ax=None,
):
    """Draw activation functions, each beside its derivative, one panel per function.

    Parameters
    ----------
    names : str or sequence of str, default ("sigmoid", "tanh", "relu", "softplus")
        Elementwise activations known to
        ``course_pkg.numpy_nn.activations.get_activation``.
    z : ndarray of shape (K,), optional
        Pre-activation values on the horizontal axis. Defaults to 201 points
        from -5 to 5.
    with_grad : bool, default True
        Also draw the derivative, computed by the activation's own backward
        pass with an upstream gradient of ones (dashed line).
    ax : Axes or sequence of Axes, optional
        One Axes per name. Defaults to a new figure with one row of panels.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel holds the function (label ``"sigmoid"``) and, with
        ``with_grad``, its derivative (label ``"sigmoid'"``).

    Raises
    ------
    ValueError
        If a name is unknown or is ``"softmax"``, which is not elementwise.

    Examples
    --------
    >>> fig = plot_activations(("relu", "tanh"))
    >>> [a.get_title() for a in fig.axes]
    ['relu', 'tanh']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    from course_pkg.numpy_nn.activations import get_activation  # noqa: PLC0415 - one-way imports

    where = "plot_activations"
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        raise ValueError(f"{where}: expected at least one activation name; got none.")
    if "softmax" in names:
        raise ValueError(
            f"{where}: expected elementwise activations; got 'softmax', which couples a whole row "
            "and has no single curve. Plot sigmoid for the two-class picture."
        )
    z = np.linspace(-5.0, 5.0, 201) if z is None else _checks.check_array(z, where=where, name="z", ndim=1)
    z = z.astype(np.float64)
    acts = [get_activation(name) for name in names]
    fig, axes = _panel_axes(ax, len(acts), n_cols=len(acts), where=where)
    for axis, act in zip(axes, acts):
        axis.axhline(0.0, color="0.8", linewidth=0.8, zorder=0)
        axis.axvline(0.0, color="0.8", linewidth=0.8, zorder=0)
        axis.plot(z, to_numpy(act.forward(z)), color="C0", label=act.name)
        if with_grad:
            derivative = to_numpy(act.backward(z, np.ones_like(z)))  # dA/dz = backward with dA = 1
            axis.plot(z, derivative, color="C1", linestyle="--", label=f"{act.name}'")
        axis.set_title(act.name)
        axis.set_xlabel("z")
        axis.legend(loc="upper left", frameon=False)
    return fig


def plot_decision_boundary(
    predict_fn: Callable,
    X,
    y=None,
    *,
    ax=None,
    resolution: int = 200,
    padding: float = 0.5,
):
    """Colour the input plane by a classifier's prediction and draw the data on top.

    Parameters
    ----------
    predict_fn : callable
        Maps a batch of points, ndarray of shape (G, 2), to labels (G,),
        probabilities of class 1 (G,) or (G, 1) (threshold 0.5), or scores
        (G, C) (argmax). An object with a ``predict`` method also works.
        For Keras, pass ``lambda P: model.predict(P, verbose=0)``.
    X : ndarray of shape (N, 2)
        The data; also sets the plotted range.
    y : ndarray of shape (N,), optional
        Labels that colour the points; without them points are drawn in black.
    ax : Axes, optional
        Where to draw. Defaults to a new figure.
    resolution : int, default 200
        Grid points per axis (the classifier is evaluated ``resolution**2`` times).
    padding : float, default 0.5
        Margin added around the data on every side.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.images[0]`` holds the predicted label of each grid cell
        (row = vertical position, bottom row first); ``ax.collections``
        holds the boundary lines and the scattered points.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0]])
    >>> ax = plot_decision_boundary(lambda P: (P[:, 0] > 0.5).astype(int), X, [0, 1], resolution=5)
    >>> ax.images[0].get_array().tolist()[0]
    [0, 0, 0, 1, 1]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    where = "plot_decision_boundary"
    X, grid, xs, ys = _plane_grid(X, resolution=resolution, padding=padding, where=where)
    labels = _labels_from_output(_call(predict_fn, grid, where=where, name="predict_fn"), len(grid), where)
    regions = labels.reshape(len(ys), len(xs))  # (R, R)
    y = _point_labels(y, X, where)
    n_classes = max(2, int(regions.max()) + 1, int(y.max()) + 1 if y is not None and y.size else 0)
    cmap = _class_colormap(n_classes)

    ax = _single_axes(ax)
    ax.imshow(
        regions,
        origin="lower",
        extent=_extent(xs, ys),
        cmap=cmap,
        vmin=-0.5,
        vmax=n_classes - 0.5,
        alpha=0.35,
        interpolation="nearest",
        aspect="auto",
    )
    present = np.unique(regions)
    if len(present) > 1:
        # A line where the predicted class changes: half-integer levels between the labels present.
        ax.contour(xs, ys, regions, levels=(present[:-1] + 0.5).tolist(), colors="k", linewidths=0.8)
    if y is None:
        ax.scatter(X[:, 0], X[:, 1], color="k", s=12)
    else:
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, edgecolors="k", s=20)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_hidden_units(
    hidden_fn: Callable,
    X,
    y=None,
    *,
    resolution: int = 100,
    padding: float = 0.5,
    n_cols: int = 4,
    panel_size: tuple[float, float] = (3.2, 2.8),
    colorbar: str = "each",
    cmap: str = "RdBu_r",
    ax=None,
):
    """Map each hidden unit's activation over the 2-D input plane, one panel per unit.

    Shows what each unit of a small network has learnt: a sigmoid or tanh unit
    is a soft half-plane, a ReLU unit a ramp; the network's boundary is
    assembled from these pieces.

    Parameters
    ----------
    hidden_fn : callable
        Maps a batch of points, ndarray of shape (G, 2), to the hidden layer's
        activations, ndarray of shape (G, M). For example
        ``lambda P: np.tanh(P @ W1 + b1)``.
    X : ndarray of shape (N, 2)
        The data: sets the plotted range and is drawn on each panel.
    y : ndarray of shape (N,), optional
        Labels that colour the points.
    resolution : int, default 100
        Grid points per axis.
    padding : float, default 0.5
        Margin added around the data on every side.
    n_cols : int, default 4
        Panels per row.
    panel_size : (float, float), default (3.2, 2.8)
        Width and height of one panel in inches, when a new figure is made.
        A figure of many panels stays legible on a page when its panels are
        small and few per row, e.g. ``n_cols=4, panel_size=(2.2, 1.9)``.
    colorbar : {"each", "shared", "none"}, default "each"
        One colour bar per panel, each with its own range; one colour bar for
        the whole figure, all panels on the same range (compares units at a
        glance and saves room); or none.
    cmap : str, default "RdBu_r"
        Colormap of the activation values.
    ax : sequence of Axes, optional
        One Axes per hidden unit. Defaults to a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Panel ``m`` (title ``"unit m"``) shows column ``m`` of the
        activations in ``images[0]`` (bottom row first).

    Examples
    --------
    >>> X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    >>> W1, b1 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.zeros(3)  # (D, M), (M,)
    >>> fig = plot_hidden_units(lambda P: np.tanh(P @ W1 + b1), X, resolution=20)
    >>> [a.get_title() for a in fig.axes if a.get_title()]
    ['unit 0', 'unit 1', 'unit 2']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    where = "plot_hidden_units"
    X, grid, xs, ys = _plane_grid(X, resolution=resolution, padding=padding, where=where)
    H = _call(hidden_fn, grid, where=where, name="hidden_fn")  # (G, M)
    if H.ndim != 2 or H.shape[0] != len(grid):
        raise ValueError(
            f"{where}: expected hidden_fn to return activations of shape ({len(grid)}, M) for "
            f"{len(grid)} grid points; got {_checks.format_shape(H.shape)}."
        )
    n_cols = _checks.check_int(n_cols, where=where, name="n_cols")
    panel_size = _panel_size(panel_size, where=where)
    colorbar = _checks.check_choice(colorbar, ("each", "shared", "none"), where=where, name="colorbar")
    y = _point_labels(y, X, where)
    fig, axes = _panel_axes(ax, H.shape[1], n_cols=n_cols, where=where, panel_size=panel_size)
    limits = {}
    if colorbar == "shared":
        low, high = float(np.min(H)), float(np.max(H))
        limits = {"vmin": low, "vmax": high if high > low else low + 1.0}
    for m, axis in enumerate(axes):
        activation = H[:, m].reshape(len(ys), len(xs))  # (R, R)
        image = axis.imshow(
            activation, origin="lower", extent=_extent(xs, ys), cmap=cmap, aspect="auto", **limits
        )
        if colorbar == "each":
            fig.colorbar(image, ax=axis, shrink=0.8)
        if y is None:
            axis.scatter(X[:, 0], X[:, 1], color="k", s=6)
        else:
            point_cmap = _class_colormap(max(2, int(y.max()) + 1))
            axis.scatter(X[:, 0], X[:, 1], c=y, cmap=point_cmap, s=6, edgecolors="k", linewidths=0.3)
        axis.set_title(f"unit {m}")
        axis.set_xticks([])
        axis.set_yticks([])
    if colorbar == "shared":
        fig.colorbar(image, ax=axes, shrink=0.8, label="activation")
    return fig


def _panel_size(panel_size, *, where: str) -> tuple[float, float]:
    """Check a (width, height) in inches: two positive finite numbers."""
    try:
        width, height = (float(v) for v in panel_size)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: expected panel_size as two numbers (width, height) in inches; got {panel_size!r}. "
            "Write e.g. panel_size=(2.2, 1.9)."
        ) from None
    if not (np.isfinite(width) and np.isfinite(height) and width > 0 and height > 0):
        raise ValueError(
            f"{where}: expected panel_size with a positive width and height in inches; got {panel_size!r}. "
            "Write e.g. panel_size=(2.2, 1.9)."
        )
    return width, height


def plot_history(
    history,
    metrics: str | Sequence[str] | None = None,
    *,
    shift_training: bool = True,
    ax=None,
):
    """Draw training and validation curves, one panel per metric.

    Parameters
    ----------
    history : dict, keras.callbacks.History or pandas.DataFrame
        Values per epoch under Keras' names: ``"loss"``, ``"val_loss"``,
        ``"accuracy"``, ``"val_accuracy"``, ... (what ``model.fit`` returns,
        and what the NumPy track's ``fit`` returns too).
    metrics : str or sequence of str, optional
        Training metric names to draw; each ``val_`` partner is drawn beside
        it when present. Defaults to ``"loss"`` and ``"accuracy"``, those the
        history has (or every training metric if it has neither).
    shift_training : bool, default True
        Draw the training value of epoch e at e − 0.5 and the validation
        value at e. Keras reports the training loss as the running mean over
        the epoch's batches, measured while the weights were still improving,
        so it describes the model half an epoch earlier than the validation
        loss computed at the epoch's end. Without the shift the training
        curve looks worse than it is, and early epochs suggest validation
        beats training.
    ax : Axes or sequence of Axes, optional
        One Axes per metric. Defaults to a new figure with one row of panels.

    Returns
    -------
    matplotlib.figure.Figure
        Each panel has a line labelled ``"training"`` and, when the history
        has it, one labelled ``"validation"``; epochs count from 1.

    Raises
    ------
    ValueError
        If a requested metric is not in the history (the message lists the
        names it has).

    Examples
    --------
    >>> fig = plot_history({"loss": [1.0, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.55]})
    >>> line = fig.axes[0].lines[0]
    >>> line.get_label(), line.get_xdata().tolist()
    ('training', [0.5, 1.5, 2.5])
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    where = "plot_history"
    curves = history_dict(history, where=where)
    training = [k for k in curves if not k.startswith("val_")]
    if metrics is None:
        metrics = [m for m in ("loss", "accuracy") if m in curves] or training
    elif isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    missing = [m for m in metrics if m not in curves and f"val_{m}" not in curves]
    if missing or not metrics:
        raise ValueError(
            f"{where}: expected metrics from the history ({', '.join(training) or 'none'}); got "
            f"{', '.join(map(repr, missing)) or 'none'}. Use the names given to compile(metrics=...)."
        )
    fig, axes = _panel_axes(ax, len(metrics), n_cols=len(metrics), where=where, panel_size=(4.5, 3.2))
    for axis, metric in zip(axes, metrics):
        if metric in curves:
            values = curves[metric]
            epochs = np.arange(1, len(values) + 1, dtype=float)
            axis.plot(epochs - 0.5 if shift_training else epochs, values, "C0.-", label="training")
        if f"val_{metric}" in curves:
            values = curves[f"val_{metric}"]
            axis.plot(np.arange(1, len(values) + 1, dtype=float), values, "C1.-", label="validation")
        axis.set_title(metric)
        axis.set_xlabel("epoch")
        axis.grid(True, alpha=0.3)
        axis.legend(frameon=False)
    return fig


def _as_class_ids(values, n: int, *, where: str, name: str) -> np.ndarray:
    """Labels (N,) as given, or argmax of one-hot / probability rows (N, C)."""
    values = to_numpy(values)
    if values.ndim == 2:
        values = values.argmax(axis=1)
    if values.shape != (n,):
        raise ValueError(
            f"{where}: expected {name} of shape ({n},) or ({n}, C), one per image; got "
            f"{_checks.format_shape(np.shape(values))}."
        )
    return values


def plot_image_grid(
    images,
    labels=None,
    *,
    n_rows: int = 3,
    n_cols: int = 3,
    predictions=None,
    class_names: Sequence[str] | None = None,
    cmap: str = "binary",
    ax=None,
):
    """Show the first ``n_rows * n_cols`` images with their labels; wrong predictions in red.

    Parameters
    ----------
    images : ndarray of shape (N, H, W), (N, H, W, 3) or (N, H*W)
        Images; flat rows of a square number of pixels (784, 64) are
        reshaped to squares.
    labels : array_like of shape (N,) or (N, C), optional
        True classes (one-hot rows are read with argmax), shown as titles.
    n_rows, n_cols : int, default 3
        Grid size. Fewer panels are drawn if there are fewer images.
    predictions : array_like of shape (N,) or (N, C), optional
        Predicted classes or class probabilities. Titles read
        ``"label / pred"``; panels where they differ get a red title and frame.
    class_names : sequence of str, optional
        Names to show instead of class numbers.
    cmap : str, default "binary"
        Colormap for single-channel images (``"binary"`` draws dark ink on white).
    ax : sequence of Axes, optional
        One Axes per image shown. Defaults to a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per image shown, each with one image in ``images``.

    Examples
    --------
    >>> images = np.zeros((4, 8, 8))
    >>> fig = plot_image_grid(images, [1, 2, 3, 4], n_rows=1, n_cols=4, predictions=[1, 2, 0, 4])
    >>> [a.get_title() for a in fig.axes]
    ['1 / 1', '2 / 2', '3 / 0', '4 / 4']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    where = "plot_image_grid"
    images = _checks.check_array(images, where=where, name="images")
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(
                f"{where}: expected images of shape (N, H, W), or flat rows of a square number of pixels; "
                f"got {_checks.format_shape(images.shape)}. Reshape them to (N, H, W) first."
            )
        images = images.reshape(-1, side, side)  # (N, H, W)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3, 4)):
        raise ValueError(
            f"{where}: expected images of shape (N, H, W) or (N, H, W, channels); got "
            f"{_checks.format_shape(images.shape)}."
        )
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (N, H, W)
    n_rows = _checks.check_int(n_rows, where=where, name="n_rows")
    n_cols = _checks.check_int(n_cols, where=where, name="n_cols")
    n = min(len(images), n_rows * n_cols)
    if n == 0:
        raise ValueError(
            f"{where}: expected at least one image; got shape {_checks.format_shape(images.shape)}."
        )
    if labels is not None:
        labels = _as_class_ids(labels, len(images), where=where, name="labels")
    if predictions is not None:
        predictions = _as_class_ids(predictions, len(images), where=where, name="predictions")

    def name_of(c):
        return str(class_names[int(c)]) if class_names is not None else str(c)

    fig, axes = _panel_axes(ax, n, n_cols=n_cols, where=where, panel_size=(1.6, 1.8))
    for i, axis in enumerate(axes):
        axis.imshow(images[i], cmap=cmap if images.ndim == 3 else None)
        axis.set_xticks([])
        axis.set_yticks([])
        parts = [name_of(labels[i])] if labels is not None else []
        if predictions is not None:
            parts.append(name_of(predictions[i]))
        if parts:
            axis.set_title(" / ".join(parts), fontsize=9)
        if labels is not None and predictions is not None and labels[i] != predictions[i]:
            axis.title.set_color(_HIGHLIGHT)
            for spine in axis.spines.values():
                spine.set_edgecolor(_HIGHLIGHT)
                spine.set_linewidth(2.0)
    return fig


def plot_pixel_histogram(image, *, bins=None, log: bool = False, ax=None):
    """Histogram of one image's pixel values (on MNIST, the background dominates).

    Parameters
    ----------
    image : ndarray of shape (H, W) or (D,)
        Pixel values, e.g. uint8 0–255 or floats in [0, 1].
    bins : int or sequence, optional
        Histogram bins. Defaults to one bin per value for 8-bit integer
        images (0 … 255) and 50 bins otherwise.
    log : bool, default False
        Count on a log axis, so that the few ink pixels stay visible.
    ax : Axes, optional
        Where to draw. Defaults to a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.patches`` holds one bar per bin; their heights add up to the
        number of pixels.

    Examples
    --------
    >>> image = np.zeros((28, 28), dtype=np.uint8); image[10:18, 12:16] = 255
    >>> ax = plot_pixel_histogram(image)
    >>> heights = [p.get_height() for p in ax.patches]
    >>> heights[0], heights[255], sum(heights)
    (np.float64(752.0), np.float64(32.0), np.float64(784.0))
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    where = "plot_pixel_histogram"
    image = _checks.check_array(image, where=where, name="image")
    if image.ndim not in (1, 2, 3):
        raise ValueError(
            f"{where}: expected one image of shape (H, W) or (D,); got {_checks.format_shape(image.shape)}. "
            "Pass a single image, e.g. x_train[0]."
        )
    values = image.ravel()  # (H * W,)
    if bins is None:
        small_ints = image.dtype.kind in "iub" and values.size and values.min() >= 0 and values.max() <= 255
        bins = np.arange(257) - 0.5 if small_ints else 50  # one bin centred on each value 0..255
    ax = _single_axes(ax, figsize=(5.0, 3.0))
    ax.hist(values, bins=bins, color="C0", log=log)
    ax.set_xlabel("pixel value")
    ax.set_ylabel("number of pixels")
    ax.set_title("pixel values of one image")
    return ax


def plot_lr_finder(rates, losses, *, suggestion: float | None = None, ax=None):
    """Draw loss against learning rate on a log axis (the learning-rate finder's plot).

    Parameters
    ----------
    rates : array_like of shape (K,)
        Learning rates tried, all > 0 (usually growing exponentially).
    losses : array_like of shape (K,)
        Loss after each step. Non-finite values (the run diverged) are
        skipped; the vertical axis stops at twice the first loss so the
        explosion at the end does not flatten the interesting part.
    suggestion : float, optional
        A rate to mark with a dashed red line, e.g. about ten times below
        where the loss turns up.
    ax : Axes, optional
        Where to draw. Defaults to a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.lines[0]`` is the loss curve; the x-axis is logarithmic.

    Examples
    --------
    >>> rates = np.geomspace(1e-5, 10, 50)
    >>> ax = plot_lr_finder(rates, 1 / (1 + rates), suggestion=1e-2)
    >>> ax.get_xscale(), ax.lines[1].get_label()
    ('log', 'suggested 0.01')
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    where = "plot_lr_finder"
    rates = _checks.check_array(rates, where=where, name="rates", ndim=1)
    losses = _checks.check_array(losses, where=where, name="losses", ndim=1, finite=False)
    _checks.check_same_rows(rates, losses, where=where, x_name="rates", y_name="losses")
    if rates.size == 0:
        raise ValueError(f"{where}: expected at least one learning rate; got none.")
    if rates.min() <= 0:
        raise ValueError(
            f"{where}: expected rates > 0 (for the log axis); got a smallest rate of {rates.min()}."
        )
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError(f"{where}: expected some finite losses; got only NaN or infinity.")
    ax = _single_axes(ax)
    ax.plot(rates[finite], losses[finite], color="C0", label="loss")
    ax.set_xscale("log")
    first, low = float(losses[finite][0]), float(losses[finite].min())
    top = min(float(losses[finite].max()), 2 * first) if first > 0 else float(losses[finite].max())
    if top > low:
        margin = 0.05 * (top - low)
        ax.set_ylim(low - margin, top + margin)
    if suggestion is not None:
        suggestion = _checks.check_positive(suggestion, where=where, name="suggestion")
        ax.axvline(suggestion, color=_HIGHLIGHT, linestyle="--", label=f"suggested {suggestion:.2g}")
        ax.legend(frameon=False)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("loss")
    return ax
