"""Tests of cs231n.widgets: every widget is built headless and its controls change its artists.

Widgets use ipympl's Canvas by default; it works without a front end (nothing is sent), so
these tests build the real widgets and assert on the artists' data (never on pixels). One test
per widget also runs the "image" backend (Agg PNG in an ipywidgets.Image).
"""

import numpy as np
import pytest

from cs231n import landscape
from cs231n.classifiers import fc_net
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.solver import Solver
from cs231n.widgets import (
    FilterViewer,
    InitExplorer,
    LinearClassifierPlayground,
    LossLandscapeExplorer,
    OptimizerRace,
    TemplateViewer,
    TrainingMonitor,
    _common,
    playground,
)
from cs231n.widgets.init_explorer import layer_activations
from cs231n.widgets.weights_viewer import default_activations

IMAGE_SHAPE = (3, 8, 8)  # (C, H, W) of the tiny test images
INPUT_DIM = 192
NUM_CLASSES = 4


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, *IMAGE_SHAPE))
    y = rng.integers(0, NUM_CLASSES, 120)
    X += 0.5 * y[:, None, None, None]  # learnable
    return {"X_train": X[:80], "y_train": y[:80], "X_val": X[80:], "y_val": y[80:]}


@pytest.fixture(scope="module")
def trained(tiny_data):
    """A two-layer net trained for 4 epochs with a snapshot per epoch."""
    model = fc_net.TwoLayerNet(
        input_dim=INPUT_DIM,
        hidden_dim=6,
        num_classes=NUM_CLASSES,
        weight_scale=0.05,
        reg=0.01,
        seed=0,
    )
    solver = Solver(
        model,
        tiny_data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        num_epochs=4,
        batch_size=20,
        snapshot_every=1,
        verbose=False,
        seed=0,
    )
    solver.train()
    return model, solver


def _image_data(artist):
    return np.array(artist.get_array(), copy=True)


# ------------------------------------------------------------------------- shared helpers


@pytest.mark.parametrize("backend", ["ipympl", "image"])
def test_figure_view_backends(backend):
    view = _common.FigureView((2, 2), backend)
    view.figure.add_subplot().plot([0, 1], [1, 0])
    view.redraw()
    view.redraw(now=True)
    assert view.draw_count == 2
    if backend == "image":
        assert view.widget.value[:4] == b"\x89PNG"
    else:
        assert type(view.widget).__name__ == "Canvas"
    assert view.png()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="backend"):
        _common.FigureView((2, 2), "svg")


def test_image_helpers():
    rng = np.random.default_rng(1)
    images = rng.random((5, 4, 3, 2))
    grid = _common.tile_images(images, num_cols=3, padding=1)
    assert grid.shape == (2 * 5 - 1, 3 * 4 - 1, 2)
    np.testing.assert_array_equal(grid[5:9, 4:7], images[4])
    centers = _common.tile_centers(5, 4, 3, num_cols=3)
    assert tuple(centers[4]) == (4 + 1.0, 5 + 1.5)
    scaled = _common.normalize_images(images)
    assert scaled.min() == 0 and scaled.max() == 1
    np.testing.assert_allclose(scaled.reshape(5, -1).max(axis=1), 1.0)

    hwc = rng.standard_normal((3, 4, 5, 2))  # (M, H, W, C)
    W_hwc = hwc.reshape(3, -1).T  # rows flattened from (N, H, W, C) -> (D, M)
    W_chw = hwc.transpose(0, 3, 1, 2).reshape(3, -1).T  # flattened from (N, C, H, W)
    np.testing.assert_array_equal(_common.columns_to_images(W_hwc, (4, 5, 2), "HWC"), hwc)
    np.testing.assert_array_equal(_common.columns_to_images(W_chw, (4, 5, 2), "CHW"), hwc)
    with_bias = np.vstack([W_hwc, np.ones((1, 3))])
    np.testing.assert_array_equal(_common.columns_to_images(with_bias, (4, 5, 2)), hwc)
    with pytest.raises(ValueError, match="shape"):
        _common.columns_to_images(W_hwc[:-1], (4, 5, 2))
    np.testing.assert_allclose(_common.moving_average([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])


def test_widget_shows_itself_with_a_png_fallback():
    race = OptimizerRace(surface="ravine")
    bundle = race._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"]
    assert "cs231n-optimizer-race" in race.widget._dom_classes
    race.close()


# ------------------------------------------------------------------------- landscape explorer


def test_landscape_explorer_controls_change_the_plot(trained, tiny_data):
    model, solver = trained
    X, y = tiny_data["X_val"], tiny_data["y_val"]
    explorer = LossLandscapeExplorer(
        model, X, y, snapshots=solver.snapshots, resolution=5, num_images=30
    )
    c = explorer.controls
    first, first_settings = _image_data(explorer.map_image), explorer.settings()
    assert first.shape == (5, 5)
    d1, d2 = landscape.random_directions(model.params, 2, seed=0)
    axis = landscape.grid_axis(1.0, 5)
    expected = landscape.loss_surface(model, X[:30], y[:30], model.params, d1, d2, axis, axis)
    np.testing.assert_allclose(first, expected, rtol=1e-10)
    assert explorer.ax_map.get_visible() and not explorer.ax_curve.get_visible()

    c["seed"].value = 1
    assert not np.allclose(_image_data(explorer.map_image), first)
    c["resolution"].value = 7
    assert _image_data(explorer.map_image).shape == (7, 7)
    c["num_images"].value = min(c["num_images"].options)
    assert explorer.result["losses"].shape == (7, 7)

    c["view"].value = "interpolation"
    assert explorer.ax_curve.get_visible() and not explorer.ax_map.get_visible()
    assert len(explorer.curve_line.get_ydata()) == 7
    c["resolution"].value = 5
    alphas, losses = explorer.curve_line.get_data()
    np.testing.assert_allclose(alphas, [-0.5, 0.0, 0.5, 1.0, 1.5])
    n = c["num_images"].value
    loss_at = landscape.model_loss_function(model, X[:n], y[:n])
    start = {**model.params, **solver.snapshots[0][1]}  # the first snapshot
    np.testing.assert_allclose(losses[[1, 3]], [loss_at(start), loss_at(model.params)], rtol=1e-10)

    c["view"].value = "trajectory"
    path_x, path_y = explorer.trajectory_line.get_data()
    _, coords, _ = landscape.pca_directions(solver.snapshots, model.params)
    np.testing.assert_allclose(np.column_stack([path_x, path_y]), coords)

    c["style"].value = "surface"
    assert explorer.ax_surface.get_visible() and explorer.surface is not None
    c["style"].value = "contour"
    computed = len(explorer.cache)
    for name, value in zip(
        ("view", "span", "resolution", "seed", "normalization", "num_images"),
        first_settings,
        strict=True,
    ):  # back to the first settings
        c[name].value = value
    assert explorer.result is explorer.cache[first_settings]  # served from the cache
    assert "cached" in explorer.status.value
    assert len(explorer.cache) <= computed + 2  # only the intermediate settings were computed
    np.testing.assert_allclose(_image_data(explorer.map_image), first)
    explorer.close()


def test_landscape_explorer_without_snapshots_and_with_image_backend(trained, tiny_data):
    model, _ = trained
    explorer = LossLandscapeExplorer(
        model,
        tiny_data["X_val"],
        tiny_data["y_val"],
        view="slice_1d",
        resolution=5,
        num_images=20,
        backend="image",
    )
    views = [value for _, value in explorer.controls["view"].options]
    assert views == ["slice_1d", "surface_2d"]
    before = explorer.curve_line.get_ydata().copy()
    explorer.controls["normalization"].value = "layer"
    assert not np.allclose(explorer.curve_line.get_ydata(), before)
    assert explorer.view.widget.value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="view"):
        LossLandscapeExplorer(model, tiny_data["X_val"], tiny_data["y_val"], view="trajectory")


# ------------------------------------------------------------------------- weights viewers


def test_template_viewer_snapshot_slider(tiny_data):
    model = fc_net.FullyConnectedNet(
        [], input_dim=INPUT_DIM, num_classes=NUM_CLASSES, weight_scale=0.01, seed=0
    )
    solver = Solver(
        model,
        tiny_data,
        optim_config={"learning_rate": 0.05},
        num_epochs=2,
        batch_size=20,
        snapshot_every=1,
        verbose=False,
        seed=0,
    )
    solver.train()
    viewer = TemplateViewer(
        model,
        param="W1",
        layout="CHW",
        image_shape=(8, 8, 3),
        snapshots=solver.snapshots,
        class_names=["a", "b", "c", "d"],
    )
    slider = viewer.controls["snapshot"]
    assert slider.max == len(solver.snapshots)  # the snapshots plus the current weights
    now = _image_data(viewer.image)
    assert now.shape == (8, 4 * 9 - 1, 3)  # one row of 4 templates, 1 pixel apart
    assert [t.get_text() for t in viewer.labels] == ["a", "b", "c", "d"]
    slider.value = 0
    first = _image_data(viewer.image)
    assert not np.allclose(first, now)
    W0 = solver.snapshots[0][1]["W1"]
    templates = _common.columns_to_images(W0, (8, 8, 3), "CHW")
    np.testing.assert_allclose(first[:, :8], _common.normalize_images(templates, False)[0])
    assert viewer.snapshot_label.value == "epoch 0"
    viewer.controls["scaling"].value = "each"
    assert _image_data(viewer.image)[:, 9:17].max() == pytest.approx(1.0)  # template 2 alone
    with pytest.raises(ValueError, match="snapshot 0 has no 'W2'"):
        TemplateViewer(
            model.params["W1"], param="W2", image_shape=(8, 8, 3), snapshots=solver.snapshots
        )


class _TwoConvModel:
    """Two conv layers (conv - relu - conv - relu), for the layer and channel controls."""

    def __init__(self, rng):
        self.params = {
            "W1": rng.standard_normal((4, 3, 3, 3)),
            "b1": np.zeros(4),
            "W2": rng.standard_normal((5, 4, 3, 3)),
            "b2": np.zeros(5),
        }


def test_filter_viewer_image_layer_and_snapshot_controls(tiny_data):
    model = ThreeLayerConvNet(
        input_dim=IMAGE_SHAPE,
        num_filters=6,
        filter_size=3,
        hidden_dim=5,
        num_classes=NUM_CLASSES,
        weight_scale=0.1,
        seed=0,
    )
    images = tiny_data["X_val"][:5]
    snapshots = [(0, {"W1": model.params["W1"] * 0.1})]
    viewer = FilterViewer(model, images=images, snapshots=snapshots)
    c = viewer.controls
    maps = _image_data(viewer.maps_image)
    assert maps.shape == (2 * 9 - 1, 3 * 9 - 1)  # 6 maps 8x8 in a 2x3 grid
    expected = default_activations(model, model.params, images[:1], "W1")
    np.testing.assert_allclose(maps[:8, :8], expected[0] / expected.max(), rtol=1e-5)
    c["image"].value = 3
    assert not np.allclose(_image_data(viewer.maps_image), maps)
    filters = _image_data(viewer.filter_image)
    c["snapshot"].value = 0
    assert not np.allclose(_image_data(viewer.maps_image), maps)
    np.testing.assert_allclose(_image_data(viewer.filter_image), filters, rtol=1e-5)  # scale-free
    assert c["channel"].layout.display == "none"  # RGB filters need no channel slider

    two = _TwoConvModel(np.random.default_rng(2))
    viewer2 = FilterViewer(two, images=images, layer="W2", backend="image")
    assert viewer2.controls["channel"].layout.display is None
    assert viewer2.controls["channel"].max == 3
    gray = _image_data(viewer2.filter_image)
    viewer2.controls["channel"].value = 2
    assert not np.allclose(_image_data(viewer2.filter_image), gray)
    assert _image_data(viewer2.maps_image).shape == (2 * 9 - 1, 3 * 9 - 1)  # 5 maps 8x8
    with pytest.raises(ValueError, match="no conv weights"):
        FilterViewer(fc_net.TwoLayerNet(input_dim=INPUT_DIM, hidden_dim=3))


def test_widget_errors_are_shown_in_the_status_line(tiny_data):
    model = _TwoConvModel(np.random.default_rng(3))
    calls = []

    def failing(model, params, x, layer):
        calls.append(layer)
        if len(calls) > 1:
            raise RuntimeError("activation maps failed")
        return np.ones((2, 4, 4))

    viewer = FilterViewer(model, images=tiny_data["X_val"][:3], activation_fn=failing)
    with pytest.raises(RuntimeError, match="failed"):
        viewer.controls["image"].value = 1
    assert "RuntimeError: activation maps failed" in viewer.status.value


# ------------------------------------------------------------------------- playground


def test_playground_scores_loss_and_gradient():
    rng = np.random.default_rng(4)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    X, y = playground.DEMO_POINTS, playground.DEMO_LABELS
    for loss in playground.LOSSES:
        scores, total, dW, db = playground.scores_and_loss(W, b, X, y, loss, reg=0.3)
        np.testing.assert_allclose(scores, X @ W + b)
        h = 1e-6
        for index in [(0, 1), (1, 2)]:
            Wp, Wm = W.copy(), W.copy()
            Wp[index] += h
            Wm[index] -= h
            numeric = (
                playground.scores_and_loss(Wp, b, X, y, loss, 0.3)[1]
                - playground.scores_and_loss(Wm, b, X, y, loss, 0.3)[1]
            ) / (2 * h)
            assert dW[index] == pytest.approx(numeric, rel=1e-5, abs=1e-8)
        per_point = playground.per_point_losses(scores, y, loss)
        assert per_point.mean() + 0.3 * np.sum(W * W) == pytest.approx(total)


@pytest.mark.parametrize("backend", ["ipympl", "image"])
def test_playground_controls(backend):
    pg = LinearClassifierPlayground(backend=backend)
    regions = _image_data(pg.region_image)
    xs, ys = pg.class_lines[0].get_data()
    w, b = pg.W[:, 0], pg.b[0]
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + b, 0, atol=1e-12)
    pg.controls["W_0_0"].value = -3.0
    assert pg.W[0, 0] == -3.0
    assert not np.array_equal(_image_data(pg.region_image), regions)
    assert pg.table.value.count("<tr>") == 1 + len(playground.DEMO_LABELS)

    before = pg.loss_history[-1]
    for _ in range(5):
        pg.controls["step"].click()
    assert pg.loss_history[-1] < before
    assert len(pg.loss_line.get_xdata()) == len(pg.loss_history)
    pg.controls["loss"].value = "softmax"
    assert "softmax loss" in pg.loss_text.get_text()
    steps = len(pg.loss_history)
    pg.controls["run"].value = 1  # the Play widget ticks
    pg.controls["run"].value = 2
    assert len(pg.loss_history) == steps + 2
    pg.controls["run"].value = 0  # stop: no step
    assert len(pg.loss_history) == steps + 2
    pg.controls["reset"].click()
    np.testing.assert_array_equal(pg.W, playground.DEMO_W)
    assert len(pg.loss_history) == 1
    with pytest.raises(ValueError, match="shape"):
        LinearClassifierPlayground(X=np.zeros((3, 3)), y=np.zeros(3, int))


# ------------------------------------------------------------------------- optimizer race


@pytest.mark.parametrize("backend", ["ipympl", "image"])
def test_optimizer_race_controls(backend):
    race = OptimizerRace(surface="ravine", rules=("sgd", "adam"), num_steps=50, backend=backend)
    c = race.controls
    sgd_path = race.paths["sgd"]
    assert len(sgd_path.get_xdata()) == 51
    np.testing.assert_allclose(np.column_stack(sgd_path.get_data()), race.trajectories["sgd"])
    assert not race.paths["rmsprop"].get_visible()

    c["frame"].value = 10
    assert len(sgd_path.get_xdata()) == 11
    assert tuple(race.heads["adam"].get_xdata()) == (race.trajectories["adam"][10, 0],)

    c["use_rmsprop"].value = True
    assert race.paths["rmsprop"].get_visible()
    assert [t.get_text() for t in race.legend.get_texts()] == ["sgd", "rmsprop", "adam"]
    before = race.trajectories["sgd"].copy()
    c["lr_sgd"].value = 0.1
    assert not np.allclose(race.trajectories["sgd"], before)
    assert c["frame"].value == 50  # a new race shows its last step

    c["surface"].value = "rosenbrock"
    rosenbrock = landscape.SURFACES["rosenbrock"]
    assert c["lr_adam"].value == pytest.approx(rosenbrock.learning_rates["adam"])
    np.testing.assert_allclose(race.trajectories["adam"][0], rosenbrock.start)
    c["num_steps"].value = 20
    assert race.trajectories["adam"].shape == (21, 2) and c["frame"].max == 20
    c["lr_sgd"].value = 10.0
    assert "diverged: sgd" in race.status.value


# ------------------------------------------------------------------------- init explorer


def test_layer_activations_show_the_lecture_effects():
    small = layer_activations(
        depth=6, width=100, init="small", weight_scale=0.01, nonlinearity="tanh", num_inputs=200
    )
    xavier = layer_activations(
        depth=6, width=100, init="xavier", nonlinearity="tanh", num_inputs=200
    )
    large = layer_activations(
        depth=6, width=100, init="small", weight_scale=1.0, nonlinearity="tanh", num_inputs=200
    )
    assert len(small) == 6 and small[0].shape == (200, 100)
    assert np.std(small[-1]) < 1e-4  # collapses
    assert 0.1 < np.std(xavier[-1]) < 0.9  # stays spread
    assert np.mean(np.abs(large[-1]) > 0.99) > 0.5  # saturates
    with pytest.raises(ValueError, match="init"):
        layer_activations(init="orthogonal")


@pytest.mark.parametrize("backend", ["ipympl", "image"])
def test_init_explorer_controls(backend):
    explorer = InitExplorer(depth=4, width=50, num_inputs=100, backend=backend)
    c = explorer.controls
    assert [ax.get_visible() for ax in explorer.hist_axes].count(True) == 4
    stds = explorer.std_line.get_ydata().copy()
    assert np.isfinite(stds[:4]).all() and np.isnan(stds[4:]).all()
    np.testing.assert_allclose(stds[0], np.std(explorer.activations[0]))
    values, edges = explorer.histograms[0].get_data()[:2]
    assert values.sum() == pytest.approx(1.0) and len(edges) == len(values) + 1

    c["init"].value = "xavier"
    assert c["weight_scale"].disabled
    assert not np.allclose(explorer.std_line.get_ydata()[:4], stds[:4])
    c["depth"].value = 7
    assert [ax.get_visible() for ax in explorer.hist_axes].count(True) == 7
    c["nonlinearity"].value = "relu"
    assert explorer.histograms[6].get_data().edges[0] >= 0  # ReLU outputs are >= 0


# ------------------------------------------------------------------------- training monitor


@pytest.mark.parametrize("backend", ["ipympl", "image"])
def test_training_monitor_follows_the_solver(tiny_data, backend):
    model = fc_net.TwoLayerNet(input_dim=INPUT_DIM, hidden_dim=5, num_classes=NUM_CLASSES, seed=1)
    monitor = TrainingMonitor(redraw_seconds=0, smoothing=3, backend=backend)
    solver = Solver(
        model,
        tiny_data,
        num_epochs=3,
        batch_size=20,
        verbose=False,
        seed=0,
        optim_config={"learning_rate": 1e-2},
        callbacks=[monitor],
    )
    solver.train()
    assert monitor.events == {"iteration": solver.num_iterations, "epoch": 4, "train_end": 1}
    np.testing.assert_allclose(monitor.loss_line.get_ydata(), solver.loss_history)
    assert len(monitor.smooth_line.get_ydata()) == len(solver.loss_history)
    np.testing.assert_allclose(monitor.val_line.get_ydata(), solver.val_acc_history)
    np.testing.assert_array_equal(monitor.train_line.get_xdata(), [0, 1, 2, 3])
    assert tuple(monitor.best_marker.get_ydata()) == (solver.best_val_acc,)
    assert monitor.progress.value == monitor.progress.max == solver.num_iterations
    assert "epoch 3/3" in monitor.summary.value
    assert monitor.view.draw_count >= solver.num_iterations  # redraw_seconds=0: every step

    replay = TrainingMonitor.from_solver(solver, backend=backend)
    np.testing.assert_allclose(replay.loss_line.get_ydata(), solver.loss_history)
    with pytest.raises(ValueError, match="unknown Solver event"):
        monitor("batch", solver)


# ------------------------------------------------------------------------- stored models


def test_stored_model_round_trip(tmp_path, trained):
    from cs231n.widgets.stored import load_trained, save_trained

    model, solver = trained
    path = save_trained(tmp_path / "net.npz", model.params, solver.snapshots, val_acc=0.5, seed=3)
    params, snapshots, meta = load_trained(path)
    assert sorted(params) == sorted(model.params)
    np.testing.assert_array_equal(params["W1"], model.params["W1"])
    assert [e for e, _ in snapshots] == [e for e, _ in solver.snapshots]
    np.testing.assert_array_equal(snapshots[2][1]["b2"], solver.snapshots[2][1]["b2"])
    assert meta == {"val_acc": 0.5, "seed": 3}
    with pytest.raises(FileNotFoundError, match="no stored model"):
        load_trained(tmp_path / "missing.npz")


def test_template_viewer_for_a_linear_classifier_with_bias_row():
    from types import SimpleNamespace

    rng = np.random.default_rng(5)
    classifier = SimpleNamespace(
        W=rng.standard_normal((8 * 8 * 3 + 1, NUM_CLASSES))
    )  # like LinearSVM
    viewer = TemplateViewer(classifier, image_shape=(8, 8, 3), backend="image")
    images = _common.columns_to_images(classifier.W, (8, 8, 3), "HWC")  # bias row dropped
    np.testing.assert_allclose(
        _image_data(viewer.image)[:, :8], _common.normalize_images(images, False)[0]
    )
    assert viewer.controls["snapshot"].layout.display == "none"  # no snapshots: no slider
    with pytest.raises(TypeError, match="expected an array"):
        TemplateViewer(object())
