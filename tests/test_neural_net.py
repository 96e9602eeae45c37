"""Tests of cs231n.classifiers.neural_net.TwoLayerNet."""

import numpy as np
import pytest

from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.gradient_check import check_model, eval_numerical_gradient, rel_error

INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, NUM_INPUTS = 4, 10, 3, 5  # CS231n's toy problem sizes


@pytest.fixture
def toy(rng):
    """CS231n's toy model and data: std=1e-1 weights, 5 inputs of dimension 4, 3 classes."""
    net = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, std=1e-1, seed=0)
    net.params["b1"] = 0.1 * rng.standard_normal(HIDDEN_SIZE)
    net.params["b2"] = 0.1 * rng.standard_normal(NUM_CLASSES)
    X = 10 * rng.standard_normal((NUM_INPUTS, INPUT_SIZE))
    y = np.array([0, 1, 2, 2, 1])
    return net, X, y


class WithReg:
    """Adapter giving check_model a model whose loss(X, y) uses a fixed reg."""

    def __init__(self, net, reg):
        self.net, self.reg = net, reg
        self.params = net.params

    def loss(self, X, y=None):
        return self.net.loss(X, y, reg=self.reg)


def test_scores_are_affine_relu_affine(toy):
    net, X, _ = toy
    p = net.params
    expected = np.maximum(0, X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    scores = net.loss(X)
    assert scores.shape == (NUM_INPUTS, NUM_CLASSES)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_loss_is_softmax_plus_l2(toy):
    net, X, y = toy
    scores = net.loss(X)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    data_loss = -np.mean(np.log(probs[np.arange(NUM_INPUTS), y]))
    reg = 0.05
    reg_loss = reg * (np.sum(net.params["W1"] ** 2) + np.sum(net.params["W2"] ** 2))
    loss, _ = net.loss(X, y, reg=reg)
    assert loss == pytest.approx(data_loss + reg_loss, rel=1e-12)


@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_gradients_pass_check_model(toy, reg):
    net, X, y = toy
    # inputs of scale 10 and W1 gradients of order 1e-5: the numeric estimate carries
    # ~1e-7 relative error from round-off (small h) or curvature (large h)
    check_model(WithReg(net, reg), X, y, h=1e-5).assert_ok(tol=1e-6)


def test_gradients_match_eval_numerical_gradient(toy):
    # the CS231n notebook's check: every parameter against eval_numerical_gradient
    net, X, y = toy
    loss, grads = net.loss(X, y, reg=0.05)
    for name in ("W1", "b1", "W2", "b2"):
        numeric = eval_numerical_gradient(
            lambda _: net.loss(X, y, reg=0.05)[0], net.params[name], verbose=False
        )
        assert rel_error(numeric, grads[name]) < 1e-7, name


def test_training_on_toy_data_drives_loss_down(toy):
    net, X, y = toy
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, seed=0)
    assert len(stats["loss_history"]) == 100
    assert stats["loss_history"][-1] < 0.02
    assert (net.predict(X) == y).all()
    # with batch_size > N there is one iteration per epoch
    assert len(stats["val_acc_history"]) == 100


def test_epoch_bookkeeping_and_learning_rate_decay(rng):
    X = rng.standard_normal((60, 4))
    y = rng.integers(0, 3, size=60)
    net = TwoLayerNet(4, 8, 3, seed=0)
    stats = net.train(X, y, X[:10], y[:10], num_iters=30, batch_size=20, seed=0)
    assert len(stats["train_acc_history"]) == 10  # 3 iterations per epoch
    assert len(stats["val_acc_history"]) == 10
    # learning_rate_decay multiplies the step size once per epoch: with decay -> 0 only
    # the first epoch moves the weights
    frozen = TwoLayerNet(4, 8, 3, std=1e-1, seed=0)
    frozen.train(
        X,
        y,
        X,
        y,
        learning_rate=1e-1,
        learning_rate_decay=1e-12,
        num_iters=3,
        batch_size=20,
        seed=0,
    )
    after_first_epoch = {k: v.copy() for k, v in frozen.params.items()}
    frozen.train(X, y, X, y, learning_rate=1e-13, num_iters=30, batch_size=20, seed=1)
    for name, value in frozen.params.items():
        np.testing.assert_allclose(value, after_first_epoch[name], atol=1e-10)


def test_momentum_speeds_up_training(rng):
    X = rng.standard_normal((200, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    final_losses = {}
    for momentum in (0.0, 0.9):
        net = TwoLayerNet(10, 20, 2, std=1e-1, seed=0)
        stats = net.train(
            X, y, X, y, learning_rate=3e-2, num_iters=100, batch_size=50, momentum=momentum, seed=0
        )
        final_losses[momentum] = np.mean(stats["loss_history"][-10:])
    assert final_losses[0.9] < 0.5 * final_losses[0.0]


def test_seed_makes_init_and_training_reproducible(toy):
    _, X, y = toy
    results = []
    for _ in range(2):
        net = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, seed=3)
        stats = net.train(X, y, X, y, num_iters=5, batch_size=3, seed=4)
        results.append((stats["loss_history"], net.params["W1"].copy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_initialisation(rng):
    net = TwoLayerNet(30, 50, 7, std=1e-2, seed=0)
    assert net.params["W1"].shape == (30, 50) and net.params["W2"].shape == (50, 7)
    assert not net.params["b1"].any() and not net.params["b2"].any()
    assert 0.008 < net.params["W1"].std() < 0.012


def test_errors(toy):
    net, X, y = toy
    with pytest.raises(ValueError, match=r"X must have shape \(N, D=4\)"):
        net.loss(X[:, :3])
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss(X, y[:2])
    with pytest.raises(ValueError, match="labels must lie in"):
        net.loss(X, np.array([0, 1, 2, 3, 1]))
    with pytest.raises(TypeError, match="integer labels"):
        net.loss(X, y.astype(float))
    with pytest.raises(ValueError, match="reg"):
        net.loss(X, y, reg=-1.0)
    with pytest.raises(ValueError, match="hidden_size"):
        TwoLayerNet(4, 0, 3)
    with pytest.raises(ValueError, match="learning_rate"):
        net.train(X, y, X, y, learning_rate=0.0)
    with pytest.raises(ValueError, match="momentum"):
        net.train(X, y, X, y, momentum=1.0)
    with pytest.raises(ValueError, match="num_iters"):
        net.train(X, y, X, y, num_iters=-1)
    with pytest.raises(ValueError, match="labels y and y_val are required"):
        net.train(X, y, X, None)


def test_float32_model_computes_in_float32_and_still_gradient_checks(toy):
    net64, X, y = toy
    net32 = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, std=1e-1, seed=0, dtype=np.float32)
    for name, value in net64.params.items():
        net32.params[name] = value.astype(np.float32)
    loss32, grads32 = net32.loss(X, y, reg=0.05)
    loss64, grads64 = net64.loss(X, y, reg=0.05)
    assert grads32["W1"].dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    net32.train(X, y, X, y, num_iters=3, batch_size=2, seed=0)
    assert all(value.dtype == np.float32 for value in net32.params.values())
    # check_model casts to float64 for the check and restores the float32 arrays after
    check_model(WithReg(net32, 0.05), X, y, h=1e-5).assert_ok(tol=1e-6)
    assert net32.params["W1"].dtype == np.float32 and net32.dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        TwoLayerNet(4, 5, 3, dtype=np.int32)
