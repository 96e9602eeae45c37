"""Tests of cs231n.landscape: directions, filter normalization, grids, evaluation, PCA, race."""

import numpy as np
import pytest

from cs231n import landscape
from cs231n.classifiers import fc_net, neural_net
from cs231n.classifiers.cnn import ThreeLayerConvNet

NUM_EXAMPLES = 40
INPUT_SHAPE = (3, 4, 4)  # (C, H, W): D = 48
INPUT_DIM = 48
NUM_CLASSES = 5


@pytest.fixture
def data(rng):
    X = rng.standard_normal((NUM_EXAMPLES, *INPUT_SHAPE))
    y = rng.integers(0, NUM_CLASSES, NUM_EXAMPLES)
    return X, y


def _two_layer(reg=0.1, seed=0):
    return fc_net.TwoLayerNet(
        input_dim=INPUT_DIM,
        hidden_dim=7,
        num_classes=NUM_CLASSES,
        weight_scale=0.3,
        reg=reg,
        seed=seed,
    )


def _loop_losses(model, X, y, center, directions, coords, reg=None):
    loss_at = landscape.model_loss_function(model, X, y, reg)
    return np.array([loss_at(landscape.params_at(center, directions, c)) for c in coords])


# ------------------------------------------------------------------------- directions


def test_neuron_axis():
    assert landscape.neuron_axis(1) is None
    assert landscape.neuron_axis(2) == 1  # affine (D, M): neurons are columns
    assert landscape.neuron_axis(4) == 0  # conv (F, C, HH, WW): filters


def test_filter_normalize_matches_every_filter_and_neuron_norm(rng):
    params = {
        "W1": rng.standard_normal((4, 3, 5, 5)),
        "b1": rng.standard_normal(4),
        "W2": rng.standard_normal((6, 3)),
        "gamma": rng.standard_normal(6),
    }
    direction = {name: rng.standard_normal(w.shape) * 7 for name, w in params.items()}
    out = landscape.filter_normalize(direction, params)
    np.testing.assert_allclose(
        np.linalg.norm(out["W1"].reshape(4, -1), axis=1),
        np.linalg.norm(params["W1"].reshape(4, -1), axis=1),
    )
    np.testing.assert_allclose(
        np.linalg.norm(out["W2"], axis=0), np.linalg.norm(params["W2"], axis=0)
    )
    assert not out["b1"].any() and not out["gamma"].any()  # 1-D params: zero direction
    # Each filter keeps its direction (a positive rescaling).
    cos = np.sum(out["W1"][0] * direction["W1"][0]) / (
        np.linalg.norm(out["W1"][0]) * np.linalg.norm(direction["W1"][0])
    )
    assert cos == pytest.approx(1.0)


def test_layer_and_none_normalization(rng):
    params = {"W": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}
    direction = {"W": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}
    layer = landscape.filter_normalize(direction, params, "layer", ignore_biases=False)
    assert np.linalg.norm(layer["W"]) == pytest.approx(np.linalg.norm(params["W"]))
    assert np.linalg.norm(layer["b"]) == pytest.approx(np.linalg.norm(params["b"]))
    raw = landscape.filter_normalize(direction, params, "none")
    np.testing.assert_array_equal(raw["W"], direction["W"])
    assert not raw["b"].any()


def test_random_directions_are_seeded(rng):
    params = {"W": rng.standard_normal((6, 4)), "b": np.zeros(4)}
    a = landscape.random_directions(params, 2, seed=3)
    b = landscape.random_directions(params, 2, seed=3)
    c = landscape.random_directions(params, 2, seed=4)
    np.testing.assert_array_equal(a[1]["W"], b[1]["W"])
    assert not np.allclose(a[0]["W"], c[0]["W"])
    assert not np.allclose(a[0]["W"], a[1]["W"])


def test_interpolation_endpoints(rng):
    a = {"W": rng.standard_normal((3, 2))}
    b = {"W": rng.standard_normal((3, 2))}
    np.testing.assert_allclose(landscape.interpolate_params(a, b, 0.0)["W"], a["W"])
    np.testing.assert_allclose(landscape.interpolate_params(a, b, 1.0)["W"], b["W"])
    np.testing.assert_allclose(landscape.interpolate_params(a, b, 0.5)["W"], (a["W"] + b["W"]) / 2)


def test_grid_coords_order_matches_z_y_x():
    alphas, betas = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    coords = landscape.grid_coords(alphas, betas)
    assert coords.shape == (6, 2)
    grid = coords.reshape(2, 3, 2)  # (B, A, 2)
    assert tuple(grid[1, 2]) == (2.0, 20.0)  # row i = beta, column j = alpha
    assert landscape.grid_coords(alphas).shape == (3, 1)
    np.testing.assert_allclose(landscape.grid_axis(1.0, 5, midpoint=0.5), [-0.5, 0, 0.5, 1, 1.5])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: landscape.filter_normalize(p, p, "bogus"), "normalization"),
        (lambda p: landscape.filter_normalize({"V": p["W"]}, p), "keys"),
        (lambda p: landscape.grid_axis(1.0, 1), "resolution"),
        (lambda p: landscape.grid_axis(-1.0, 5), "span"),
        (lambda p: landscape.random_directions(p, 0), "num_directions"),
        (lambda p: landscape.params_at(p, [p], [1.0, 2.0]), "coordinates"),
    ],
)
def test_bad_input_is_named(call, match):
    params = {"W": np.ones((2, 2))}
    with pytest.raises(ValueError, match=match):
        call(params)


# ------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: _two_layer(reg=0.1),
        lambda: fc_net.FullyConnectedNet(
            [6, 5],
            input_dim=INPUT_DIM,
            num_classes=NUM_CLASSES,
            weight_scale=0.3,
            reg=0.05,
            dtype=np.float64,
            seed=1,
        ),
        lambda: fc_net.FullyConnectedNet(
            [],
            input_dim=INPUT_DIM,
            num_classes=NUM_CLASSES,
            weight_scale=0.3,
            dtype=np.float64,
            seed=2,
        ),
    ],
    ids=["TwoLayerNet", "FullyConnectedNet-3", "FullyConnectedNet-linear"],
)
def test_batched_evaluator_equals_model_loss(make_model, data):
    X, y = data
    model = make_model()
    center = dict(model.params)
    directions = landscape.random_directions(center, 2, seed=0)
    axis = landscape.grid_axis(1.0, 4)
    coords = landscape.grid_coords(axis, axis)
    batched, method = landscape.evaluate_landscape(model, X, y, center, directions, coords)
    assert method == "batched"
    expected = _loop_losses(model, X, y, center, directions, coords)
    np.testing.assert_allclose(batched, expected, rtol=1e-10)


def test_batched_evaluator_for_assignment1_net_passes_reg(data):
    X, y = data
    X_rows = X.reshape(NUM_EXAMPLES, -1)  # (N, C, H, W) -> (N, D)
    model = neural_net.TwoLayerNet(INPUT_DIM, 6, NUM_CLASSES, std=0.3, seed=0)
    center = dict(model.params)
    directions = landscape.random_directions(center, 1, seed=1)
    coords = landscape.grid_coords(landscape.grid_axis(0.5, 5))
    batched, method = landscape.evaluate_landscape(
        model, X_rows, y, center, directions, coords, reg=0.2
    )
    assert method == "batched"
    expected = _loop_losses(model, X_rows, y, center, directions, coords, reg=0.2)
    np.testing.assert_allclose(batched, expected, rtol=1e-10)


def test_auto_falls_back_to_the_loop_when_model_loss_differs(data):
    X, y = data
    model = _two_layer()
    true_loss = model.loss
    model.loss = lambda X, y=None: (true_loss(X, y)[0] + 1.0, None)  # a "student" loss
    center = dict(model.params)
    directions = landscape.random_directions(center, 1, seed=0)
    losses, method = landscape.evaluate_landscape(model, X, y, center, directions, np.zeros((1, 1)))
    assert method == "loop"
    assert losses[0] == pytest.approx(true_loss(X, y)[0] + 1.0)


def test_loop_for_conv_net_and_params_restored(data, rng):
    X, y = data
    model = ThreeLayerConvNet(
        input_dim=INPUT_SHAPE,
        num_filters=2,
        filter_size=3,
        hidden_dim=4,
        num_classes=NUM_CLASSES,
        weight_scale=0.5,
        dtype=np.float64,
        seed=0,
    )
    before = {name: w.copy() for name, w in model.params.items()}
    center = dict(model.params)
    directions = landscape.random_directions(center, 2, seed=0)
    losses, method = landscape.evaluate_landscape(
        model, X, y, center, directions, np.array([[0.0, 0.0], [0.5, -0.5]])
    )
    assert method == "loop"
    assert losses[0] == pytest.approx(model.loss(X, y)[0])
    assert losses[1] != pytest.approx(losses[0])
    for name, w in model.params.items():
        np.testing.assert_array_equal(w, before[name])
    with pytest.raises(ValueError, match="batched"):
        landscape.evaluate_landscape(
            model, X, y, center, directions, np.zeros((1, 2)), method="batched"
        )


def test_batchnorm_state_is_restored(data):
    X, y = data
    model = fc_net.FullyConnectedNet(
        [6],
        input_dim=INPUT_DIM,
        num_classes=NUM_CLASSES,
        normalization="batchnorm",
        dtype=np.float64,
        seed=0,
    )
    model.loss(X, y)  # creates running averages
    running = model.bn_params[0]["running_mean"].copy()
    loss_at = landscape.model_loss_function(model, X[:10] * 5, y[:10])
    loss_at(model.params)
    np.testing.assert_array_equal(model.bn_params[0]["running_mean"], running)


def test_curve_and_surface_helpers(data):
    X, y = data
    model = _two_layer()
    start = {name: np.zeros_like(w) for name, w in model.params.items()}
    curve = landscape.loss_curve(model, X, y, start, model.params, np.array([0.0, 1.0]))
    assert curve[0] == pytest.approx(np.log(NUM_CLASSES))  # zero weights: uniform scores
    assert curve[1] == pytest.approx(model.loss(X, y)[0])
    d1, d2 = landscape.random_directions(model.params, 2, seed=0)
    surface = landscape.loss_surface(
        model, X, y, model.params, d1, d2, np.linspace(-1, 1, 3), np.linspace(-1, 1, 5)
    )
    assert surface.shape == (5, 3)
    assert surface[2, 1] == pytest.approx(model.loss(X, y)[0])


def test_progress_callback_reaches_the_total(data):
    X, y = data
    model = _two_layer()
    seen = []
    directions = landscape.random_directions(model.params, 1, seed=0)
    coords = landscape.grid_coords(landscape.grid_axis(1.0, 7))
    for method in ("batched", "loop"):
        seen.clear()
        landscape.evaluate_landscape(
            model,
            X,
            y,
            model.params,
            directions,
            coords,
            method=method,
            progress=lambda d, t: seen.append((d, t)),
        )
        assert seen[-1] == (7, 7)


# ------------------------------------------------------------------------- PCA


def test_pca_recovers_a_planar_trajectory(rng):
    center = {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    basis, _ = np.linalg.qr(rng.standard_normal((15, 2)))  # orthonormal (15, 2)
    a = np.linspace(-3, 0, 6)
    b = 0.5 * np.sin(np.linspace(0, 3, 6))
    offsets = np.outer(a, basis[:, 0]) + np.outer(b, basis[:, 1])  # (T, 15)
    snapshots = [
        (t, {"W": center["W"] + off[:12].reshape(4, 3), "b": center["b"] + off[12:]})
        for t, off in enumerate(offsets)
    ]
    directions, coords, explained = landscape.pca_directions(snapshots, center)
    assert coords.shape == (6, 2)
    assert explained.sum() == pytest.approx(1.0)
    assert explained[0] > explained[1]
    assert coords[0, 0] <= 0 and coords[0, 1] <= 0  # sign convention
    # The projected trajectory reproduces the snapshots (they lie in the plane).
    for t, snapshot in enumerate(snapshots):
        point = landscape.params_at(center, directions, coords[t])
        np.testing.assert_allclose(point["W"], snapshot[1]["W"], atol=1e-10)
    flat = [np.concatenate([d["W"].ravel(), d["b"].ravel()]) for d in directions]
    assert np.linalg.norm(flat[0]) == pytest.approx(1.0)
    assert np.dot(flat[0], flat[1]) == pytest.approx(0.0, abs=1e-12)


def test_pca_subset_of_params_and_errors(rng):
    center = {"W": rng.standard_normal((3, 3)), "b": np.zeros(3)}
    snapshots = [(t, {"W": center["W"] + rng.standard_normal((3, 3))}) for t in range(4)]
    directions, coords, _ = landscape.pca_directions(snapshots, center)
    assert not directions[0]["b"].any()
    with pytest.raises(ValueError, match="at least 3"):
        landscape.pca_directions(snapshots[:2], center)
    with pytest.raises(TypeError, match="snapshots"):
        landscape.pca_directions([1, 2, 3], center)


# ------------------------------------------------------------------------- optimizer race


@pytest.mark.parametrize("surface", sorted(landscape.SURFACES))
@pytest.mark.parametrize("rule", landscape.UPDATE_RULES)
def test_every_rule_makes_progress_with_the_default_learning_rates(surface, rule):
    s = landscape.SURFACES[surface]
    path = landscape.optimizer_trajectory(surface, rule)
    assert path.shape == (landscape.DEFAULT_RACE_STEPS + 1, 2)
    assert np.all(np.isfinite(path))
    values = s.value(path[:, 0], path[:, 1])
    assert values[-1] < values[0] - 0.5


def test_divergence_gives_nan_and_gradients_are_right():
    path = landscape.optimizer_trajectory("ravine", "sgd", {"learning_rate": 5.0}, num_steps=50)
    assert np.isnan(path[-1]).all() and np.isfinite(path[0]).all()
    for s in landscape.SURFACES.values():  # analytic gradient vs central differences
        x, y, h = 0.3, -0.7, 1e-6
        dx, dy = s.gradient(x, y)
        assert dx == pytest.approx((s.value(x + h, y) - s.value(x - h, y)) / (2 * h), rel=1e-6)
        assert dy == pytest.approx((s.value(x, y + h) - s.value(x, y - h)) / (2 * h), rel=1e-6)
    with pytest.raises(ValueError, match="update_rule"):
        landscape.optimizer_trajectory("ravine", "newton")


# ------------------------------------------------------------------------- benchmark command


def test_benchmark_command_prints_the_time(monkeypatch, capsys, rng):
    from cs231n import data_utils

    def fake_data(num_training, num_validation, num_test):
        return {
            "X_train": rng.standard_normal((num_training, 3, 32, 32)),
            "y_train": rng.integers(0, 10, num_training),
        }

    monkeypatch.setattr(data_utils, "get_CIFAR10_data", fake_data)
    result = landscape.main(["--images", "20", "--resolution", "3", "--hidden", "5"])
    assert result["points"] == 9 and result["method"] == "batched"
    assert "landscape 3x3 of a two-layer net" in capsys.readouterr().out
