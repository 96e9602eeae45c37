"""Tests of the classifiers (fc_net, cnn) and of the weight initialisation (cs231n.init)."""

import numpy as np
import pytest

from cs231n import init
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet, l2_regularization
from cs231n.gradient_check import check_model
from cs231n.solver import Solver

NUM_CLASSES = 10
# Centered differences with h = 1e-6 on a loss of ~2 have a round-off floor of ~3e-10 in
# absolute terms, so gradient entries of ~1e-5 can show relative errors of a few 1e-5 even
# when the backward pass is exact. A wrong backward pass gives errors of 1e-2 and more.
GRAD_TOL = 1e-4
SMALL_SHAPE = (3, 4, 4)  # (C, H, W) of the tiny inputs used for gradient checks
SMALL_DIM = 3 * 4 * 4


def tiny_batch(seed=0, num_examples=6, shape=SMALL_SHAPE, num_classes=5):
    rng = np.random.RandomState(seed)
    return rng.randn(num_examples, *shape), rng.randint(num_classes, size=num_examples)


# ------------------------------------------------------------------------- initial loss


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: TwoLayerNet(input_dim=SMALL_DIM, hidden_dim=20, seed=0),
        lambda: FullyConnectedNet([20, 20], input_dim=SMALL_DIM, weight_scale=1e-3, seed=0),
        lambda: FullyConnectedNet(
            [20, 20],
            input_dim=SMALL_DIM,
            weight_scale=1e-3,
            seed=0,
            normalization="batchnorm",
            dropout=0.5,
        ),
        lambda: ThreeLayerConvNet(
            input_dim=SMALL_SHAPE, num_filters=4, filter_size=3, hidden_dim=20, seed=0
        ),
    ],
    ids=["two_layer", "fc", "fc_bn_dropout", "conv"],
)
def test_initial_loss_with_small_weights_is_log_num_classes(make_model):
    X, y = tiny_batch(num_examples=50, num_classes=NUM_CLASSES)
    model = make_model()
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(np.log(NUM_CLASSES), abs=0.02)
    assert grads.keys() == model.params.keys()
    for name, grad in grads.items():
        assert grad.shape == model.params[name].shape, name
    scores = model.loss(X)
    assert scores.shape == (50, NUM_CLASSES)


def test_regularization_adds_reg_times_sum_of_squared_weights():
    X, y = tiny_batch()
    plain = FullyConnectedNet(
        [7], input_dim=SMALL_DIM, num_classes=5, dtype=np.float64, normalization="layernorm", seed=1
    )
    regularized = FullyConnectedNet(
        [7],
        input_dim=SMALL_DIM,
        num_classes=5,
        dtype=np.float64,
        normalization="layernorm",
        seed=1,
        reg=0.3,
    )
    loss, grads = plain.loss(X, y)
    reg_loss, reg_grads = regularized.loss(X, y)
    weights = [plain.params["W1"], plain.params["W2"]]
    assert reg_loss - loss == pytest.approx(0.3 * sum(np.sum(w**2) for w in weights))
    np.testing.assert_allclose(reg_grads["W1"] - grads["W1"], 0.6 * plain.params["W1"], atol=1e-12)
    np.testing.assert_array_equal(reg_grads["gamma1"], grads["gamma1"])  # weights only

    penalty, penalty_grads = l2_regularization({"W": np.array([1.0, -2.0])}, reg=0.5)
    assert penalty == 2.5
    np.testing.assert_array_equal(penalty_grads["W"], [1.0, -2.0])


# ------------------------------------------------------------------------- gradient checks


def test_two_layer_net_gradients():
    X, y = tiny_batch()
    model = TwoLayerNet(
        input_dim=SMALL_DIM, hidden_dim=10, num_classes=5, weight_scale=0.1, reg=0.1, seed=0
    )
    check_model(model, X, y).assert_ok(tol=GRAD_TOL)


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_fully_connected_net_gradients(normalization, dropout):
    X, y = tiny_batch(seed=1)
    for reg in (0.0, 0.1):
        model = FullyConnectedNet(
            [10, 8],
            input_dim=SMALL_DIM,
            num_classes=5,
            dropout=dropout,
            normalization=normalization,
            reg=reg,
            weight_scale=0.3,
            dtype=np.float64,
            seed=2,
        )
        report = check_model(model, X, y)
        assert [entry.name for entry in report.entries] == list(model.params)
        zero_grads = []
        if normalization == "batchnorm":
            # Batch norm subtracts the batch mean, so the biases before it get exactly zero
            # gradient; their numeric gradient is pure round-off, hopeless in relative terms.
            zero_grads = [f"b{i}" for i in range(1, model.num_layers)]
            _, grads = model.loss(X, y)
            for name in zero_grads:
                assert np.abs(grads[name]).max() < 1e-12
                assert abs(report[name].numeric) < 1e-8
        for entry in report.entries:
            if entry.name not in zero_grads:
                assert entry.max_rel_error < GRAD_TOL, str(report)


def test_three_layer_conv_net_gradients():
    X, y = tiny_batch(num_examples=3, shape=(2, 6, 6), num_classes=4)
    model = ThreeLayerConvNet(
        input_dim=(2, 6, 6),
        num_filters=2,
        filter_size=3,
        hidden_dim=4,
        num_classes=4,
        weight_scale=0.3,
        reg=0.1,
        dtype=np.float64,
        seed=0,
    )
    check_model(model, X, y).assert_ok(tol=GRAD_TOL)


# ------------------------------------------------------------------------- behaviour


def test_three_layer_net_overfits_fifty_examples():
    rng = np.random.RandomState(0)
    X = rng.randn(50, 3, 8, 8)
    y = rng.randint(NUM_CLASSES, size=50)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    model = FullyConnectedNet([100, 100], input_dim=3 * 8 * 8, weight_scale=0.1, seed=0)
    solver = Solver(
        model,
        data,
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        num_epochs=20,
        batch_size=25,
        seed=0,
        verbose=False,
    )
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.check_accuracy(X, y) == 1.0


def test_dtype_and_test_mode():
    X, y = tiny_batch()
    model = FullyConnectedNet(
        [6], input_dim=SMALL_DIM, num_classes=5, seed=0, normalization="batchnorm", dropout=0.5
    )
    assert all(p.dtype == np.float32 for p in model.params.values())
    model.loss(X, y)
    running_mean = model.bn_params[0]["running_mean"].copy()
    scores = model.loss(X)
    assert scores.dtype == np.float32
    np.testing.assert_array_equal(model.bn_params[0]["running_mean"], running_mean)
    np.testing.assert_array_equal(model.loss(X), scores)  # test mode: no dropout noise


def test_dropout_masks_follow_the_seed():
    X, y = tiny_batch()

    def train_loss(**kwargs):
        model = FullyConnectedNet(
            [30, 30],
            input_dim=SMALL_DIM,
            num_classes=5,
            dropout=0.5,
            weight_scale=0.3,
            dtype=np.float64,
            seed=0,
        )
        model.dropout_param.update(kwargs)
        return model.loss(X, y)[0]

    assert train_loss() == train_loss()  # a fixed seed fixes the masks
    assert train_loss(seed=1) != train_loss(seed=2)
    no_dropout = FullyConnectedNet(
        [30, 30], input_dim=SMALL_DIM, num_classes=5, weight_scale=0.3, dtype=np.float64, seed=0
    )
    assert no_dropout.loss(X, y)[0] != train_loss()
    assert no_dropout.dropout_param == {}
    layer_params = FullyConnectedNet(
        [4, 4], input_dim=SMALL_DIM, dropout=0.5, seed=7
    )._layer_dropout_params()
    assert [p["seed"] for p in layer_params] == [7, 8]  # equal widths, different masks


@pytest.mark.parametrize(
    ("make_model", "fragment"),
    [
        (lambda: FullyConnectedNet([10], normalization="groupnorm"), "normalization"),
        (lambda: FullyConnectedNet([10], dropout=1.0), "DROPPING"),
        (lambda: FullyConnectedNet([10, 0]), "hidden_dims"),
        (lambda: FullyConnectedNet([10], weight_init="lecun"), "weight_init"),
        (lambda: TwoLayerNet(reg=-1.0), "reg"),
        (lambda: ThreeLayerConvNet(filter_size=4), "pool"),
        (lambda: ThreeLayerConvNet(input_dim=(3, 32)), "input_dim"),
    ],
)
def test_bad_model_options_raise_value_errors(make_model, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_model()


def test_wrong_input_shapes_are_named():
    X, y = tiny_batch()
    with pytest.raises(ValueError, match="input_dim=3072"):
        TwoLayerNet().loss(X, y)
    with pytest.raises(ValueError, match=r"\(N, 3, 32, 32\)"):
        ThreeLayerConvNet().loss(X, y)


# ------------------------------------------------------------------------- initialisation


def test_fan_in_of_affine_and_conv_shapes():
    assert init.fan_in((500, 100)) == 500
    assert init.fan_in((64, 3, 5, 5)) == 75
    with pytest.raises(ValueError, match="dimensions"):
        init.fan_in((3, 5, 5))


@pytest.mark.parametrize(
    ("shape", "fan_in"), [((600, 400), 600), ((64, 8, 5, 5), 200)], ids=["affine", "conv"]
)
def test_xavier_and_he_standard_deviations(shape, fan_in):
    rng = np.random.default_rng(0)
    xavier = init.xavier(shape, rng=rng)
    he = init.he(shape, rng=np.random.RandomState(0))
    assert xavier.shape == he.shape == shape
    assert xavier.std() == pytest.approx(np.sqrt(1 / fan_in), rel=0.02)
    assert he.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.02)
    assert abs(he.mean()) < 0.01 * np.sqrt(2 / fan_in) * 10


def test_small_random_and_dispatch():
    w = init.small_random((300, 200), scale=1e-3, rng=np.random.default_rng(1))
    assert w.std() == pytest.approx(1e-3, rel=0.02)
    assert set(init.INIT_SCHEMES) == {"small", "xavier", "he"}
    rng_a, rng_b = np.random.RandomState(3), np.random.RandomState(3)
    np.testing.assert_array_equal(init.init_weights((5, 4), "he", rng_a), init.he((5, 4), rng_b))
    np.testing.assert_array_equal(
        init.init_weights((5, 4), "small", np.random.RandomState(3), weight_scale=0.5),
        0.5 * np.random.RandomState(3).standard_normal((5, 4)),
    )
    with pytest.raises(ValueError, match="scheme"):
        init.init_weights((5, 4), "orthogonal")
    with pytest.raises(ValueError, match="scale"):
        init.small_random((5, 4), scale=0.0)


def test_models_use_the_chosen_scheme():
    model = FullyConnectedNet([400], input_dim=800, weight_init="he", seed=0)
    assert model.params["W1"].std() == pytest.approx(np.sqrt(2 / 800), rel=0.02)
    conv = ThreeLayerConvNet(num_filters=64, filter_size=5, weight_init="xavier", seed=0)
    assert conv.params["W1"].std() == pytest.approx(np.sqrt(1 / 75), rel=0.05)
    same = ThreeLayerConvNet(num_filters=64, filter_size=5, weight_init="xavier", seed=0)
    np.testing.assert_array_equal(conv.params["W2"], same.params["W2"])
