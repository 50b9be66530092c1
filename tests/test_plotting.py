"""Tests of course_pkg.plotting: the drawn data equals what was computed, on the Agg backend."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # render off-screen; no window, same pixels everywhere

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from course_pkg import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _line(ax, label):
    matches = [line for line in ax.lines if line.get_label() == label]
    assert len(matches) == 1, [line.get_label() for line in ax.lines]
    return matches[0]


# --------------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------------


def test_activation_curves_and_derivatives():
    z = np.linspace(-4, 4, 81)
    fig = plotting.plot_activations(("sigmoid", "tanh", "relu", "softplus"), z)
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "tanh", "relu", "softplus"]
    sigmoid = 1 / (1 + np.exp(-z))
    expected = {
        "sigmoid": (sigmoid, sigmoid * (1 - sigmoid)),
        "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2),
        "relu": (np.maximum(z, 0), (z > 0).astype(float)),
        "softplus": (np.log1p(np.exp(z)), sigmoid),
    }
    for ax in fig.axes:
        name = ax.get_title()
        value, derivative = expected[name]
        function_line = _line(ax, name)
        np.testing.assert_allclose(function_line.get_xdata(), z)
        np.testing.assert_allclose(function_line.get_ydata(), value, rtol=1e-6, atol=1e-12)
        grad_line = _line(ax, f"{name}'")
        assert grad_line.get_linestyle() == "--"
        # relu' at exactly 0 is a convention; compare away from the kink.
        away = np.abs(z) > 1e-9
        np.testing.assert_allclose(grad_line.get_ydata()[away], derivative[away], rtol=1e-6, atol=1e-12)


def test_activations_without_grad_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    returned = plotting.plot_activations(["tanh", "relu"], with_grad=False, ax=axes)
    assert returned is fig
    for ax in axes:
        assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == [ax.get_title()]
    assert len(_line(axes[0], "tanh").get_xdata()) == 201  # the default z: 201 points on [-5, 5]


def test_activation_errors():
    with pytest.raises(ValueError, match="softmax"):
        plotting.plot_activations(["sigmoid", "softmax"])
    with pytest.raises(ValueError, match="get_activation"):
        plotting.plot_activations(["swish-ish"])
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"expected ax to be None or 2 Axes \(one per panel\); got 1"):
        plotting.plot_activations(["sigmoid", "tanh"], ax=ax)


# --------------------------------------------------------------------------------------------------
# Decision boundaries and hidden units
# --------------------------------------------------------------------------------------------------

X2 = np.array([[-1.0, -2.0], [2.0, 1.0], [0.5, 3.0]])


def _grid_points(image, shape):
    """Centres of the image's cells from its extent: (R, R) arrays of x and y."""
    left, right, bottom, top = image.get_extent()
    rows, cols = shape
    dx, dy = (right - left) / cols, (top - bottom) / rows
    xs = left + dx * (np.arange(cols) + 0.5)
    ys = bottom + dy * (np.arange(rows) + 0.5)
    return np.meshgrid(xs, ys)


def test_decision_boundary_regions_match_the_classifier():
    def predict(P):
        return (P[:, 0] + 2 * P[:, 1] > 1).astype(int)  # labels (G,)

    ax = plotting.plot_decision_boundary(predict, X2, [0, 1, 1], resolution=40, padding=0.5)
    image = ax.images[0]
    regions = np.asarray(image.get_array())
    assert regions.shape == (40, 40)
    gx, gy = _grid_points(image, regions.shape)
    np.testing.assert_array_equal(regions, (gx + 2 * gy > 1).astype(int))
    # The plotted range is the data's range plus the padding.
    assert ax.get_xlim() == pytest.approx((-1.5, 2.5))
    assert ax.get_ylim() == pytest.approx((-2.5, 3.5))
    points = ax.collections[-1]
    np.testing.assert_allclose(points.get_offsets(), X2)
    assert len(ax.collections) == 2  # the boundary line and the points


def test_decision_boundary_is_drawn_the_right_way_up():
    # Class 1 above y = 0: the rendered pixels there must carry class 1's colour, not class 0's.
    ax = plotting.plot_decision_boundary(lambda P: (P[:, 1] > 0).astype(int), X2, resolution=50, padding=1.0)
    fig = ax.figure
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255.0  # (height, width, 3), top row first
    height = pixels.shape[0]

    def colour_at(x, y):
        px, py = ax.transData.transform((x, y))
        return pixels[height - int(round(py)), int(round(px))]

    alpha = ax.images[0].get_alpha()
    cmap = ax.images[0].get_cmap()
    for (x, y), label in (((-1.8, 3.5), 1), ((-1.8, -2.8), 0), ((2.5, 2.5), 1), ((2.5, -1.5), 0)):
        expected = alpha * np.array(cmap(label)[:3]) + (1 - alpha) * 1.0  # over the white background
        np.testing.assert_allclose(colour_at(x, y), expected, atol=0.02)


def test_decision_boundary_reads_probabilities_and_scores():
    ax = plotting.plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P[:, 0])), X2, resolution=30)
    image = ax.images[0]
    gx, _ = _grid_points(image, (30, 30))
    np.testing.assert_array_equal(np.asarray(image.get_array()), (gx > 0).astype(int))  # p >= 0.5

    def scores(P):  # three classes by which coordinate is largest: x, y or the constant 1
        return np.column_stack([P[:, 0], P[:, 1], np.ones(len(P))])

    ax = plotting.plot_decision_boundary(scores, X2, [0, 1, 2], resolution=30)
    image = ax.images[0]
    gx, gy = _grid_points(image, (30, 30))
    expected = np.argmax(np.stack([gx, gy, np.ones_like(gx)], axis=-1), axis=-1)
    np.testing.assert_array_equal(np.asarray(image.get_array()), expected)


def test_decision_boundary_draws_into_given_axes_and_validates():
    _, ax = plt.subplots()
    assert plotting.plot_decision_boundary(lambda P: np.zeros(len(P), int), X2, ax=ax, resolution=5) is ax
    with pytest.raises(ValueError, match=r"predict_fn to return shape \(25,\) or \(25, C\) for 25 grid points; got \(3,\)"):
        plotting.plot_decision_boundary(lambda P: np.zeros(3), X2, resolution=5)
    with pytest.raises(ValueError, match="logits"):
        plotting.plot_decision_boundary(lambda P: 3.7 * P[:, 0], X2, resolution=5)
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 2\); got shape \(3, 3\)"):
        plotting.plot_decision_boundary(lambda P: P[:, 0] > 0, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="one row per row of X"):
        plotting.plot_decision_boundary(lambda P: P[:, 0] > 0, X2, [0, 1])


def test_hidden_units_one_map_per_unit():
    W1 = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]])  # (D, M) = (2, 3)
    b1 = np.array([0.0, 0.5, -0.2])

    def hidden(P):
        return np.tanh(P @ W1 + b1)  # (G, 3)

    fig = plotting.plot_hidden_units(hidden, X2, [0, 1, 1], resolution=25, n_cols=2)
    panels = [ax for ax in fig.axes if ax.get_title().startswith("unit")]
    assert [ax.get_title() for ax in panels] == ["unit 0", "unit 1", "unit 2"]
    for m, ax in enumerate(panels):
        image = ax.images[0]
        gx, gy = _grid_points(image, (25, 25))
        expected = np.tanh(np.stack([gx, gy], axis=-1) @ W1[:, m] + b1[m])
        np.testing.assert_allclose(np.asarray(image.get_array()), expected, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(ax.collections[0].get_offsets(), X2)


def test_hidden_units_panel_size_and_shared_colorbar():
    W1 = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]])  # (D, M) = (2, 3): unit 1 reaches larger values

    def hidden(P):
        return np.maximum(P @ W1, 0.0)  # (G, 3), ReLU ramps of different heights

    fig = plotting.plot_hidden_units(hidden, X2, resolution=10, n_cols=2, panel_size=(2.0, 1.5),
                                     colorbar="shared")
    np.testing.assert_allclose(fig.get_size_inches(), [4.0, 3.0])  # 2 columns x 2 rows of 2.0 x 1.5
    panels = [ax for ax in fig.axes if ax.get_title().startswith("unit")]
    colorbars = [ax for ax in fig.axes if not ax.get_title().startswith("unit")]
    assert len(panels) == 3 and len(colorbars) == 1  # one bar for the figure, not one per panel
    values = np.concatenate([np.ravel(ax.images[0].get_array()) for ax in panels])
    for ax in panels:  # every panel on the range of all units together
        np.testing.assert_allclose(ax.images[0].get_clim(), (values.min(), values.max()))
    each = plotting.plot_hidden_units(hidden, X2, resolution=10, n_cols=2)
    assert len(each.axes) == 6  # three panels, three colour bars of their own
    np.testing.assert_allclose(each.get_size_inches(), [6.4, 5.6])  # the default 3.2 x 2.8 panels
    none = plotting.plot_hidden_units(hidden, X2, resolution=10, colorbar="none")
    assert len(none.axes) == 3


def test_hidden_units_validates_panel_size_and_colorbar():
    with pytest.raises(TypeError, match=r"panel_size as two numbers"):
        plotting.plot_hidden_units(lambda P: P, X2, resolution=4, panel_size=3)
    with pytest.raises(ValueError, match=r"positive width and height"):
        plotting.plot_hidden_units(lambda P: P, X2, resolution=4, panel_size=(2.0, 0.0))
    with pytest.raises(ValueError, match=r"colorbar to be one of"):
        plotting.plot_hidden_units(lambda P: P, X2, resolution=4, colorbar="left")


def test_hidden_units_validates_activations_shape():
    with pytest.raises(ValueError, match=r"activations of shape \(16, M\)"):
        plotting.plot_hidden_units(lambda P: P[:, 0], X2, resolution=4)


# --------------------------------------------------------------------------------------------------
# Learning curves
# --------------------------------------------------------------------------------------------------

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "val_loss": [0.8, 0.55, 0.45, 0.42],
    "val_accuracy": [0.6, 0.72, 0.78, 0.8],
}


def test_history_shifts_training_half_an_epoch():
    fig = plotting.plot_history(HISTORY)
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_title(), acc_ax.get_title()) == ("loss", "accuracy")
    train, val = _line(loss_ax, "training"), _line(loss_ax, "validation")
    np.testing.assert_allclose(train.get_xdata(), [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(train.get_ydata(), HISTORY["loss"])
    np.testing.assert_allclose(val.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(val.get_ydata(), HISTORY["val_loss"])
    np.testing.assert_allclose(_line(acc_ax, "validation").get_ydata(), HISTORY["val_accuracy"])

    fig = plotting.plot_history(HISTORY, "loss", shift_training=False)
    assert len(fig.axes) == 1
    np.testing.assert_allclose(_line(fig.axes[0], "training").get_xdata(), [1, 2, 3, 4])


def test_history_accepts_keras_history_and_dataframe():
    class FakeHistory:  # what keras.callbacks.History looks like to the plot
        history = {"loss": [2.0, 1.0], "mae": [1.5, 1.2]}

    fig = plotting.plot_history(FakeHistory())
    assert [ax.get_title() for ax in fig.axes] == ["loss"]  # no accuracy: only loss by default
    assert not [line for line in fig.axes[0].lines if line.get_label() == "validation"]

    pd = pytest.importorskip("pandas")
    fig = plotting.plot_history(pd.DataFrame(HISTORY), metrics=["accuracy"])
    np.testing.assert_allclose(_line(fig.axes[0], "training").get_ydata(), HISTORY["accuracy"])


def test_history_errors():
    with pytest.raises(ValueError, match=r"expected metrics from the history \(loss, accuracy\); got 'auc'"):
        plotting.plot_history(HISTORY, ["loss", "auc"])
    with pytest.raises(TypeError, match="Keras History"):
        plotting.plot_history([1.0, 0.5])


# --------------------------------------------------------------------------------------------------
# Images and the learning-rate finder
# --------------------------------------------------------------------------------------------------


def test_image_grid_labels_and_wrong_predictions(rng):
    images = rng.integers(0, 256, size=(12, 28, 28)).astype(np.uint8)
    labels = np.arange(12) % 10
    predictions = labels.copy()
    predictions[[1, 4]] = 0  # two mistakes among the nine shown
    fig = plotting.plot_image_grid(images, labels, predictions=predictions)
    assert len(fig.axes) == 9
    for i, ax in enumerate(fig.axes):
        assert len(ax.images) == 1
        np.testing.assert_array_equal(ax.images[0].get_array(), images[i])
        assert ax.get_title() == f"{labels[i]} / {predictions[i]}"
        wrong = labels[i] != predictions[i]
        assert (ax.title.get_color() == "tab:red") == wrong
        assert (ax.spines["left"].get_edgecolor() == to_rgba("tab:red")) == wrong


def test_image_grid_flat_rows_one_hot_and_names():
    flat = np.arange(3 * 64, dtype=float).reshape(3, 64)
    one_hot = np.eye(3)[[2, 0, 1]]
    fig = plotting.plot_image_grid(flat, one_hot, n_rows=2, n_cols=2, class_names=["zero", "one", "two"])
    assert len(fig.axes) == 3  # fewer images than cells: the extra cell is removed
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), flat[0].reshape(8, 8))
    assert [ax.get_title() for ax in fig.axes] == ["two", "zero", "one"]
    with pytest.raises(ValueError, match=r"square number of pixels; got \(2, 10\)"):
        plotting.plot_image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) or \(3, C\)"):
        plotting.plot_image_grid(flat, [1, 2])


def test_pixel_histogram_counts_every_pixel():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[5:9, 5:15] = 200  # 40 ink pixels
    image[20, :3] = 17
    ax = plotting.plot_pixel_histogram(image)
    heights = np.array([patch.get_height() for patch in ax.patches])
    assert len(heights) == 256  # one bin per 8-bit value
    assert heights.sum() == 784
    assert (heights[0], heights[17], heights[200]) == (741, 3, 40)
    ax = plotting.plot_pixel_histogram(image / 255.0, bins=10)
    assert len(ax.patches) == 10 and sum(p.get_height() for p in ax.patches) == 784
    with pytest.raises(ValueError, match="single image"):
        plotting.plot_pixel_histogram(np.zeros((2, 2, 2, 2)))


def test_lr_finder_plot():
    rates = np.geomspace(1e-5, 10, 60)
    losses = 2.3 - np.log1p(rates * 100) / 5
    losses[-5:] = [3.0, 5.0, 20.0, np.nan, np.inf]  # the run diverged
    ax = plotting.plot_lr_finder(rates, losses, suggestion=1e-3)
    assert ax.get_xscale() == "log"
    curve = _line(ax, "loss")
    assert len(curve.get_xdata()) == 58  # NaN and inf are skipped
    np.testing.assert_allclose(curve.get_xdata(), rates[:58])
    np.testing.assert_allclose(curve.get_ydata(), losses[:58])
    assert _line(ax, "suggested 0.001").get_xdata()[0] == pytest.approx(1e-3)
    assert ax.get_ylim()[1] < 2 * losses[0] + 1  # the explosion does not flatten the curve
    with pytest.raises(ValueError, match="rates > 0"):
        plotting.plot_lr_finder([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="losses with one row per row of rates"):
        plotting.plot_lr_finder([0.1, 1.0], [1.0])
