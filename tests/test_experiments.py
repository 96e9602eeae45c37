"""Tests of cs231n.experiments: the small experiments behind lecture notebooks 05-07."""


import matplotlib.pyplot as plt
import numpy as np
import pytest

from cs231n import experiments
from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n.gradient_check import rel_error
from cs231n.layers import conv_forward_naive


def test_select_classes_and_first_per_class():
    X = np.arange(8)[:, None] * np.ones((1, 2))
    y = np.array([3, 1, 3, 2, 1, 3, 0, 1])
    X_sel, y_sel = experiments.select_classes(X, y, (3, 1))
    np.testing.assert_array_equal(X_sel[:, 0], [0, 1, 2, 4, 5, 7])
    np.testing.assert_array_equal(y_sel, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(experiments.first_per_class(y, 2), [0, 1, 2, 3, 4, 6])
    with pytest.raises(ValueError, match="distinct labels"):
        experiments.select_classes(X, y, (1, 1))


def test_transfer_target_data_splits_per_class():
    rng = np.random.default_rng(0)
    raw = {"X_train": rng.uniform(0, 255, (200, 3, 4, 4)), "y_train": np.arange(200) % 10,
           "X_test": rng.uniform(0, 255, (100, 3, 4, 4)), "y_test": np.arange(100) % 10}
    mean_image = raw["X_train"].mean(axis=0)
    data = experiments.transfer_target_data(raw, mean_image, 2.0, num_train_per_class=3,
                                            num_val_per_class=2, num_test_per_class=4)
    assert np.bincount(data["y_train"]).tolist() == [3] * 5
    assert np.bincount(data["y_val"]).tolist() == [2] * 5
    assert np.bincount(data["y_test"]).tolist() == [4] * 5
    # class 5 (label 0 after relabelling) is raw images 5, 15, 25, ...: the first 2 validate,
    # the next 3 train
    np.testing.assert_allclose(data["X_val"][0], (raw["X_train"][5] - mean_image) / 2.0)
    np.testing.assert_allclose(data["X_train"][0], (raw["X_train"][25] - mean_image) / 2.0)
    smaller = experiments.transfer_target_data(raw, mean_image, 2.0, num_train_per_class=1,
                                               num_val_per_class=2, num_test_per_class=4)
    np.testing.assert_array_equal(smaller["X_val"], data["X_val"])
    with pytest.raises(ValueError, match="has only 20 training examples"):
        experiments.transfer_target_data(raw, mean_image, num_train_per_class=15,
                                         num_val_per_class=10)


# ---------------------------------------------------------------------------------------------
# Lecture 5
# ---------------------------------------------------------------------------------------------
def test_convolve_image_matches_the_naive_layer(rng):
    image = rng.uniform(0, 255, size=(9, 11, 3))
    filters = rng.standard_normal((2, 3, 3, 3))
    out = experiments.convolve_image(image, filters, stride=2, pad=1)
    x = image.transpose(2, 0, 1)[None]  # (H, W, C) -> (1, C, H, W)
    expected, _ = conv_forward_naive(x, filters, np.zeros(2), {"stride": 2, "pad": 1})
    assert out.shape == (2, 5, 6)
    assert rel_error(out, expected[0]) < 1e-10
    gray = experiments.convolve_image(image[..., 0], filters[:, 0], pad=1)
    assert gray.shape == (2, 9, 11)
    with pytest.raises(ValueError, match="filters must be"):
        experiments.convolve_image(image, filters[:, :2])


# ---------------------------------------------------------------------------------------------
# Lecture 6
# ---------------------------------------------------------------------------------------------
def test_maxout_generalises_relu_and_leaky_relu():
    x = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(experiments.maxout(x, [1, 0], [0, 0]), np.maximum(x, 0))
    np.testing.assert_allclose(experiments.maxout(x, [1, 0.1], [0, 0]), np.maximum(x, 0.1 * x))
    with pytest.raises(ValueError, match="same length"):
        experiments.maxout(x, [1, 2], [0])


def test_dead_relu_fraction():
    X = np.ones((4, 2))
    W = np.array([[1.0, -1.0, 1.0], [0.0, 0.0, -2.0]])
    b = np.array([0.0, 0.5, 0.0])
    assert experiments.dead_relu_fraction(X, W, b) == pytest.approx(2 / 3)


def test_subtract_mean_image_and_per_channel(rng):
    X = rng.uniform(0, 255, size=(5, 4, 4, 3))
    centered, mean = experiments.subtract_mean(X, per="image")
    assert mean.shape == (4, 4, 3) and np.allclose(centered.mean(axis=0), 0)
    centered, mean = experiments.subtract_mean(X, per="channel")
    assert mean.shape == (3,) and np.allclose(centered.mean(axis=(0, 1, 2)), 0)
    with pytest.raises(ValueError, match="per must be one of"):
        experiments.subtract_mean(X, per="pixel")


def test_pca_whiten_decorrelates_and_whitens(rng):
    X = rng.standard_normal((2000, 2)) @ np.array([[3.0, 1.0], [0.0, 0.5]]) + 5
    result = experiments.pca_whiten(X)
    cov = np.cov(result.decorrelated.T, bias=True)
    assert abs(cov[0, 1]) < 1e-8 and cov[0, 0] > cov[1, 1]
    np.testing.assert_allclose(np.cov(result.whitened.T, bias=True), np.eye(2), atol=1e-4)
    np.testing.assert_allclose(result.centered.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="X must be"):
        experiments.pca_whiten(np.zeros(3))


def test_activation_statistics_reproduce_the_lecture():
    small = experiments.activation_statistics("tanh", "small", num_layers=6, hidden_dim=100,
                                              num_examples=200)
    xavier = experiments.activation_statistics("tanh", "xavier", num_layers=6, hidden_dim=100,
                                               num_examples=200)
    relu_he = experiments.activation_statistics("relu", "he", num_layers=6, hidden_dim=100,
                                                num_examples=200)
    assert small.stds[-1] < 1e-3 < xavier.stds[-1]  # small weights: activations collapse
    assert relu_he.stds[-1] > 0.4
    assert len(small.hidden) == 6 and small.hidden[0].shape == (200, 100)
    assert small.weight_grad_stds.max() < 1e-2 * xavier.weight_grad_stds.min()
    bn = experiments.activation_statistics("tanh", "small", num_layers=6, hidden_dim=100,
                                           num_examples=200, batchnorm=True)
    assert bn.stds.min() > 0.5  # batch norm rescues the small init
    again = experiments.activation_statistics("tanh", "small", num_layers=6, hidden_dim=100,
                                              num_examples=200)
    np.testing.assert_array_equal(again.stds, small.stds)
    fig, axes = plt.subplots(1, 6)
    experiments.plot_activation_histograms(small, axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="activation must be one of"):
        experiments.activation_statistics("softplus")


def test_train_models_records_divergence(rng):
    data = {"X_train": rng.standard_normal((40, 5)), "y_train": rng.integers(0, 3, 40),
            "X_val": rng.standard_normal((10, 5)), "y_val": rng.integers(0, 3, 10)}
    models = {lr: TwoLayerNet(input_dim=5, hidden_dim=7, num_classes=3, weight_scale=1.0,
                              seed=0) for lr in ("ok", "huge")}
    results = experiments.train_models(
        models, data, update_rule="sgd", num_epochs=2, batch_size=10, seed=0, verbose=False,
        optim_configs={"ok": {"learning_rate": 1e-2}, "huge": {"learning_rate": 1e200}})
    assert results["ok"].diverged is None and len(results["ok"].solver.loss_history) == 8
    assert "diverged" in results["huge"].diverged
    with pytest.raises(ValueError, match="not in models"):
        experiments.train_models(models, data, optim_configs={"other": {}})


def test_grid_vs_random_search():
    result = experiments.grid_vs_random_search(num_trials=9, seed=0)
    assert result["grid_points"].shape == (9, 2) and result["random_points"].shape == (9, 2)
    assert len(np.unique(result["grid_points"][:, 0])) == 3
    assert len(np.unique(result["random_points"][:, 0])) == 9
    assert result["random_best"] > result["grid_best"]
    with pytest.raises(ValueError, match="perfect square"):
        experiments.grid_vs_random_search(num_trials=8)


# ---------------------------------------------------------------------------------------------
# Lecture 7
# ---------------------------------------------------------------------------------------------
def test_dropout_scores_in_test_mode_equal_the_model(rng):
    model = FullyConnectedNet([6, 5], input_dim=4, num_classes=3, dropout=0.5,
                              dtype=np.float64, seed=0, weight_scale=0.5)
    X = rng.standard_normal((7, 4))
    np.testing.assert_allclose(experiments.dropout_mlp_scores(model, X, "test"), model.loss(X))
    one = experiments.dropout_mlp_scores(model, X, "train", seed=1)
    assert not np.allclose(one, model.loss(X))
    np.testing.assert_array_equal(one, experiments.dropout_mlp_scores(model, X, "train", seed=1))
    probs = experiments.dropout_ensemble_probabilities(model, X, num_masks=4, seed=0)
    assert probs.shape == (4, 7, 3)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0)
    with pytest.raises(ValueError, match="dropout > 0"):
        experiments.dropout_mlp_scores(FullyConnectedNet([3], input_dim=4), X, "test")


def test_transfer_convnet_body_head_and_features(rng):
    model = experiments.transfer_convnet(num_classes=3, input_shape=(3, 8, 8), filters=(2,),
                                         num_features=4, seed=0, dtype=np.float64)
    assert set(model.params) == {"0.0.W", "0.0.b", "0.4.W", "0.4.b", "1.W", "1.b"}
    X = rng.standard_normal((5, 3, 8, 8))
    features = experiments.network_features(model, X, batch_size=2)
    assert features.shape == (5, 4) and features.min() >= 0  # after the ReLU
    # body features through the head equal the whole network's scores
    scores = features @ model.params["1.W"] + model.params["1.b"]
    np.testing.assert_allclose(scores, model.loss(X), rtol=1e-10)

    head = experiments.linear_head(num_features=4, num_classes=3, seed=1, dtype=np.float64)
    assert set(head.params) == {"0.W", "0.b"}
    experiments.attach_head(model, head)
    np.testing.assert_allclose(model.loss(X), head.loss(features), rtol=1e-10)
    with pytest.raises(ValueError, match="attach_head"):
        experiments.attach_head(model, experiments.linear_head(4, 2))


def test_plot_optimizer_paths():
    from cs231n.landscape import optimizer_trajectory

    paths = {rule: optimizer_trajectory("ravine", rule, num_steps=10) for rule in ("sgd", "adam")}
    ax = experiments.plot_optimizer_paths("ravine", paths)
    assert {"sgd", "adam"} <= {line.get_label() for line in ax.get_lines()}
    plt.close(ax.figure)


def test_time_call():
    seconds, result = experiments.time_call(sum, [1, 2, 3], repeats=2)
    assert result == 6 and seconds >= 0
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        experiments.time_call(sum, [1], repeats=0)


def test_activation_curves_use_the_layers():
    x = np.array([-10.0, 0.0, 10.0])
    curves = experiments.activation_curves(x, names=("sigmoid", "relu", "tanh"))
    values, derivatives = curves["sigmoid"]
    np.testing.assert_allclose(derivatives, values * (1 - values))
    assert derivatives[1] == 0.25 and derivatives[2] < 1e-4
    np.testing.assert_array_equal(curves["relu"][1], [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="name must be one of"):
        experiments.activation_curves(x, names=("swish",))


def test_train_transfer_source_and_scratch_run(rng):
    raw = {"X_train": rng.uniform(0, 255, (40, 3, 32, 32)), "y_train": np.arange(40) % 10,
           "X_val": rng.uniform(0, 255, (10, 3, 32, 32)), "y_val": np.arange(10),
           "X_test": rng.uniform(0, 255, (20, 3, 32, 32)), "y_test": np.arange(20) % 10}
    model, preprocessing, solver = experiments.train_transfer_source(
        raw, num_epochs=1, verbose=False)
    assert set(preprocessing) == {"mean_image", "pixel_std"}
    assert preprocessing["mean_image"].shape == (3, 32, 32)
    assert solver.X_train.shape == (20, 3, 32, 32)  # the 5 source classes only
    assert model.params["1.W"].shape == (experiments.TRANSFER_FEATURES, 5)
    target = experiments.transfer_target_data(raw, **preprocessing, num_train_per_class=2,
                                              num_val_per_class=1, num_test_per_class=2)
    scratch, scratch_solver = experiments.train_from_scratch(target, num_epochs=2)
    assert len(scratch_solver.loss_history) == 2 and scratch.num_classes == 5


def test_train_linear_head_folds_the_standardisation(rng):
    centers = rng.standard_normal((3, 4)) * 5
    y = np.arange(60) % 3
    features = centers[y] + rng.standard_normal((60, 4)) + 100.0  # far from zero, separable
    head = experiments.train_linear_head(features[:45], y[:45], features[45:], y[45:],
                                         num_epochs=30, batch_size=15)
    assert set(head.params) == {"0.W", "0.b"} and head.params["0.W"].shape == (4, 3)
    assert np.mean(head.predict(features) == y) > 0.9  # works on RAW features
