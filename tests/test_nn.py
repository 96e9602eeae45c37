"""Tests of cs231n.nn: every module gradient-checked, shapes, summary, Classifier + Solver."""

import io

import numpy as np
import pytest

from cs231n import layers, nn
from cs231n.gradient_check import check_layer, check_model
from cs231n.solver import Solver

# A backward pass that is exact shows relative errors of ~1e-9 here; a wrong one 1e-2 and more.
# Entries that are tiny compared to the round-off of the centered differences can reach a few
# 1e-6 (same reasoning as GRAD_TOL in tests/test_models.py), so whole nets use a looser bound.
LAYER_TOL = 1e-6
MODEL_TOL = 1e-4
NUM_CLASSES = 5


def random_params(module, input_shape, seed=0):
    """float64 params with random gamma/beta/biases too (zeros would hide gradient bugs)."""
    rng = np.random.RandomState(seed)
    shapes = module.param_shapes(input_shape)
    return {name: rng.randn(*shape) * 0.5 for name, shape in shapes.items()}


def check_module(module, input_shape, mode="train", seed=0, num_examples=4, tol=LAYER_TOL):
    names, forward, backward = nn.as_layer(module, mode)
    rng = np.random.RandomState(seed)
    x = rng.randn(num_examples, *input_shape)
    params = random_params(module, input_shape, seed + 1)
    inputs = {"x": x, **{name: params[name] for name in names}}
    report = check_layer(forward, backward, inputs)
    report.assert_ok(tol)
    out, _ = forward(x, *(params[name] for name in names))
    assert out.shape == (num_examples, *module.output_shape(input_shape))
    return report


# ------------------------------------------------------------------------- single modules

MODULE_CASES = {
    "conv": (lambda: nn.Conv2d(3, 4, 3, stride=1, pad=1), (3, 5, 5)),
    "conv_rect_stride2": (lambda: nn.Conv2d(2, 3, (3, 2), stride=2, pad=0), (2, 7, 6)),
    "conv_no_bias": (lambda: nn.Conv2d(2, 3, 3, pad=1, bias=False), (2, 4, 4)),
    "conv_floor": (lambda: nn.Conv2d(2, 3, 3, stride=2, pad=1, floor=True), (2, 6, 6)),
    "conv_floor_crop": (lambda: nn.Conv2d(2, 3, 1, stride=2, floor=True), (2, 6, 6)),
    "affine": (lambda: nn.Affine(12, 5), (3, 2, 2)),
    "batchnorm": (lambda: nn.BatchNorm(6), (6,)),
    "spatial_batchnorm": (lambda: nn.SpatialBatchNorm(3), (3, 3, 3)),
    "layernorm": (lambda: nn.LayerNorm(7), (7,)),
    "relu": (nn.ReLU, (3, 4)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), (3, 4)),
    "tanh": (nn.Tanh, (5,)),
    "sigmoid": (nn.Sigmoid, (5,)),
    "elu": (lambda: nn.ELU(0.7), (2, 3)),
    "dropout": (lambda: nn.Dropout(0.4, seed=3), (2, 6)),
    "max_pool": (lambda: nn.MaxPool(2, stride=2), (2, 4, 4)),
    "max_pool_overlap_pad_floor": (lambda: nn.MaxPool(3, stride=2, pad=1, floor=True), (2, 6, 6)),
    "avg_pool": (lambda: nn.AvgPool(2), (2, 4, 4)),
    "avg_pool_pad": (lambda: nn.AvgPool(3, stride=1, pad=1), (2, 4, 4)),
    "global_avg_pool": (nn.GlobalAvgPool, (3, 3, 4)),
    "flatten": (nn.Flatten, (2, 3, 2)),
}


@pytest.mark.parametrize("case", sorted(MODULE_CASES))
def test_every_module_passes_a_gradient_check(case):
    make, input_shape = MODULE_CASES[case]
    report = check_module(make(), input_shape)
    assert report.entries[0].name == "x"


def test_test_mode_modules_are_checked_too():
    bn = nn.SpatialBatchNorm(3)
    bn.reset_running_stats()
    check_module(nn.Dropout(0.5, seed=1), (4,), mode="test")
    names, forward, _ = nn.as_layer(bn, "test")
    x = np.random.RandomState(0).randn(2, 3, 2, 2)
    out, _ = forward(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(out, x / np.sqrt(1 + nn.BN_EPS))  # running stats 0 / 1


def test_modules_call_the_package_layers():
    """The modules add bookkeeping only: their outputs are the layer functions' outputs."""
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 6, 6)
    conv = nn.Conv2d(3, 4, 3, stride=1, pad=1)
    params = random_params(conv, (3, 6, 6))
    out, _ = conv.forward(x, params, "train")
    expected, _ = layers.conv_forward_naive(x, params["W"], params["b"], {"stride": 1, "pad": 1})
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    out, _ = nn.MaxPool(2).forward(x, {}, "train")
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    np.testing.assert_array_equal(out, layers.max_pool_forward_naive(x, pool_param)[0])
    out, _ = nn.GlobalAvgPool().forward(x, {}, "train")
    np.testing.assert_allclose(out[:, :, 0, 0], x.mean(axis=(2, 3)))


def test_floor_conv_drops_the_rows_no_window_reaches():
    """floor=True equals a strict conv on the input with the unused trailing rows removed."""
    rng = np.random.RandomState(1)
    x = rng.randn(2, 2, 6, 6)
    conv = nn.Conv2d(2, 3, 1, stride=2, floor=True)  # windows at rows 0, 2, 4: row 5 unused
    params = random_params(conv, (2, 6, 6))
    out, _ = conv.forward(x, params, "train")
    expected, _ = layers.conv_forward_naive(
        x[:, :, :5, :5], params["W"], params["b"], {"stride": 2, "pad": 0}
    )
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
    assert conv.output_shape((2, 6, 6)) == (3, 3, 3)
    with pytest.raises(ValueError, match="not divisible by stride=2"):
        nn.Conv2d(2, 3, 1, stride=2).output_shape((2, 6, 6))


def test_pad_crop_roundtrip():
    rng = np.random.RandomState(2)
    x = rng.randn(2, 1, 5, 4)
    pads = (2, -1, -2, 1)
    out, cache = nn.pad_crop_forward(x, pads, value=7.0)
    assert out.shape == (2, 1, 6, 3)
    np.testing.assert_array_equal(out[:, :, :2], 7.0)
    np.testing.assert_array_equal(out[:, :, 2:, :2], x[:, :, :4, 2:])
    dx = nn.pad_crop_backward(np.ones_like(out), cache)
    assert dx.shape == x.shape
    assert dx.sum() == 4 * 2 * 2  # the kept 4x2 block of each image
    report = check_layer(
        lambda x: nn.pad_crop_forward(x, pads), nn.pad_crop_backward, {"x": x}
    )
    report.assert_ok(LAYER_TOL)


# ------------------------------------------------------------------------- containers


def small_resnet(dropout=0.0):
    """Conv stem, one identity and one projection residual block, an Inception-style Concat."""
    branches = [
        nn.Sequential(nn.Conv2d(4, 2, 1), nn.ReLU()),
        nn.Sequential(nn.Conv2d(4, 1, 1), nn.ReLU(), nn.Conv2d(1, 2, 3, pad=1)),
        nn.Sequential(nn.MaxPool(3, stride=1, pad=1), nn.Conv2d(4, 1, 1)),
    ]
    modules = [
        nn.Conv2d(3, 3, 3, pad=1, bias=False),  # a bias before batch norm has zero gradient
        nn.SpatialBatchNorm(3),
        nn.ReLU(),
        nn.residual_block(3, 3),
        nn.residual_block(3, 4, stride=2),
        nn.Concat(branches),
        nn.GlobalAvgPool(),
        nn.Flatten(),
    ]
    if dropout:
        modules.append(nn.Dropout(dropout))
    modules.append(nn.Affine(5, NUM_CLASSES))
    return nn.Sequential(*modules)


SMALL_INPUT = (3, 6, 6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.residual_block(3, 3, batchnorm=False),
        lambda: nn.residual_block(3, 4, stride=2),
        lambda: nn.Residual(nn.Sequential(nn.Conv2d(3, 3, 3, pad=1)), activation=None),
        lambda: nn.Concat([nn.Conv2d(3, 2, 1), nn.Conv2d(3, 1, 3, pad=1), nn.AvgPool(3, 1, 1)]),
        lambda: nn.Sequential(nn.Conv2d(3, 2, 3), nn.Tanh(), nn.Flatten(), nn.Affine(32, 3)),
    ],
    ids=["residual_identity", "residual_projection", "residual_linear", "concat", "sequential"],
)
def test_containers_pass_a_gradient_check(make):
    check_module(make(), SMALL_INPUT, num_examples=3, tol=MODEL_TOL)


def test_classifier_with_residual_and_concat_passes_check_model():
    model = nn.Classifier(small_resnet(dropout=0.3), SMALL_INPUT, reg=0.1, seed=0)
    for name, value in random_params(model.net, SMALL_INPUT, seed=5).items():
        if not name.endswith("W"):  # random biases, gamma, beta; keep the He weights
            model.params[name] = value.astype(model.dtype)
    rng = np.random.RandomState(3)
    X, y = rng.randn(4, *SMALL_INPUT), rng.randint(NUM_CLASSES, size=4)
    report = check_model(model, X, y)
    report.assert_ok(MODEL_TOL)
    assert len(report.entries) == len(model.params)
    assert model.dtype == np.float32 and model.params["0.W"].dtype == np.float32  # restored
    assert "0.b" not in model.params


def test_regularization_covers_weights_only():
    model = nn.Classifier(small_resnet(), SMALL_INPUT, reg=0.0, seed=0, dtype=np.float64)
    X, y = np.random.RandomState(0).randn(2, *SMALL_INPUT), np.array([0, 1])
    loss0, grads0 = model.loss(X, y)
    model.reg = 0.5
    loss1, grads1 = model.loss(X, y)
    weights = [name for name in model.params if name.endswith("W")]
    assert sorted(model.weight_names) == sorted(weights)
    expected = 0.5 * sum(np.sum(model.params[name] ** 2) for name in weights)
    assert loss1 - loss0 == pytest.approx(expected, rel=1e-10)
    for name in model.params:
        extra = 2 * 0.5 * model.params[name] if name in weights else 0
        np.testing.assert_allclose(grads1[name], grads0[name] + extra, atol=1e-12)


# ------------------------------------------------------------------------- shapes and summary


def test_output_shape_matches_forward_and_param_shapes_match_params():
    net = small_resnet()
    model = nn.Classifier(net, (3, 9, 9), seed=0)  # odd size: floor conv and pools
    X = np.random.RandomState(0).randn(2, 3, 9, 9)
    scores = model.loss(X)
    assert scores.shape == (2, NUM_CLASSES) and scores.dtype == np.float32
    shapes = net.param_shapes((3, 9, 9))
    assert {name: value.shape for name, value in model.params.items()} == shapes
    x, caches = X, None
    for i in range(len(net)):
        x, caches = net[i].forward(x, {k.split(".", 1)[1]: v for k, v in model.params.items()
                                       if k.split(".", 1)[0] == str(i)}, "test")
        rows = net.layer_table((3, 9, 9))
        assert x.shape[1:] == next(r["output_shape"] for r in rows if r["layer"] == str(i))


def test_summary_prints_every_layer_and_returns_the_total():
    net = small_resnet()
    buffer = io.StringIO()
    total = net.summary(SMALL_INPUT, file=buffer)
    text = buffer.getvalue()
    expected = sum(np.prod(s) for s in net.param_shapes(SMALL_INPUT).values())
    assert total == expected == net.num_params(SMALL_INPUT)
    assert f"Total params: {total:,}" in text
    assert "4.shortcut.0" in text and "5.2.0" in text
    short = io.StringIO()
    assert net.summary(SMALL_INPUT, depth=1, file=short) == total
    assert "4.shortcut" not in short.getvalue() and "Residual" in short.getvalue()


def test_summary_counts_parameters_and_mult_adds_by_hand():
    net = nn.Sequential(nn.Conv2d(3, 10, 5, stride=1, pad=2), nn.ReLU(), nn.Flatten(),
                        nn.Affine(10 * 32 * 32, 7))
    rows = net.layer_table((3, 32, 32))
    conv, affine = rows[1], rows[4]
    assert conv["params"] == 5 * 5 * 3 * 10 + 10 == 760  # lecture 5's example
    assert conv["output_shape"] == (10, 32, 32)
    assert conv["macs"] == 10 * 32 * 32 * 3 * 5 * 5
    assert affine["params"] == 10 * 32 * 32 * 7 + 7 and affine["macs"] == 10 * 32 * 32 * 7
    assert rows[0]["params"] == 760 + 10 * 32 * 32 * 7 + 7


def test_summary_of_a_huge_net_allocates_nothing():
    net = nn.Sequential(nn.Flatten(), nn.Affine(100_000, 100_000))  # 40 GB as float32
    assert net.summary((100_000,), file=io.StringIO()) == 100_000 * 100_000 + 100_000


# ------------------------------------------------------------------------- errors


def test_shape_errors_name_the_layer_path():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, pad=1),
                        nn.Residual(nn.Sequential(nn.ReLU(), nn.Conv2d(5, 4, 3, pad=1))))
    with pytest.raises(ValueError, match=r"layer 1\.body\.1 \(Conv2d\(5->4.*expects C=5"):
        net.summary((3, 8, 8))
    with pytest.raises(ValueError, match="not divisible by stride=2"):
        nn.Conv2d(3, 4, 3, stride=2).output_shape((3, 8, 8))
    with pytest.raises(ValueError, match="nn.projection"):
        nn.Residual(nn.Conv2d(3, 4, 1)).output_shape((3, 4, 4))
    with pytest.raises(ValueError, match="same H' and W'"):
        nn.Concat([nn.Conv2d(3, 4, 1), nn.MaxPool(2)]).output_shape((3, 4, 4))
    with pytest.raises(ValueError, match="D=12"):
        nn.Affine(12, 3).output_shape((3, 5))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="out_channels"):
        nn.Conv2d(3, 0, 3)
    with pytest.raises(ValueError, match="DROPPING|\\[0, 1\\)"):
        nn.Dropout(1.0)
    with pytest.raises(ValueError, match="smaller than the pool size"):
        nn.MaxPool(2, pad=2)
    with pytest.raises(TypeError, match="entry 1"):
        nn.Sequential(nn.ReLU(), "relu")
    relu = nn.ReLU()
    with pytest.raises(ValueError, match="appears twice"):
        nn.Classifier(nn.Sequential(relu, relu, nn.Affine(4, 2)), (4,))
    with pytest.raises(ValueError, match="class scores"):
        nn.Classifier(nn.Conv2d(3, 2, 1), (3, 4, 4))
    model = nn.Classifier(nn.Affine(4, 2), (4,))
    with pytest.raises(ValueError, match=r"X must have shape \(N, 4\)"):
        model.loss(np.zeros((2, 5)))


# ------------------------------------------------------------------------- Classifier + Solver


def tiny_data(seed=0, num_train=40, num_val=10):
    rng = np.random.RandomState(seed)
    data = {}
    for split, n in (("train", num_train), ("val", num_val)):
        data[f"y_{split}"] = rng.randint(NUM_CLASSES, size=n)
        X = rng.randn(n, *SMALL_INPUT).astype(np.float32)
        X[:, 0] += 2 * data[f"y_{split}"][:, None, None]  # learnable signal in channel 0
        data[f"X_{split}"] = X
    return data


SOLVER_KWARGS = {
    "update_rule": "adam",
    "optim_config": {"learning_rate": 1e-2},
    "batch_size": 10,
    "num_train_samples": 20,
    "verbose": False,
    "seed": 7,
}


def make_model(seed=0):
    return nn.Classifier(small_resnet(dropout=0.2), SMALL_INPUT, reg=1e-3, seed=seed)


def test_solver_resume_reproduces_an_uninterrupted_run(tmp_path):
    data = tiny_data()
    straight = Solver(make_model(), data, num_epochs=3, **SOLVER_KWARGS)
    straight.train()

    name = str(tmp_path / "nn")
    first = Solver(make_model(), data, num_epochs=1, checkpoint_name=name, **SOLVER_KWARGS)
    first.train()
    resumed_model = make_model(seed=99)  # everything must come from the checkpoint
    resumed = Solver(resumed_model, data, num_epochs=3, checkpoint_name=name,
                     resume_from=f"{name}_epoch_1.pkl")
    resumed.train()

    assert resumed.loss_history == straight.loss_history
    assert resumed.val_acc_history == straight.val_acc_history
    for key, value in straight.model.params.items():
        np.testing.assert_array_equal(resumed.model.params[key], value)
    assert len(resumed_model.bn_params) == 6
    for own, ref in zip(resumed_model.bn_params, straight.model.bn_params, strict=True):
        np.testing.assert_array_equal(own["running_mean"], ref["running_mean"])
        np.testing.assert_array_equal(own["running_var"], ref["running_var"])
    # the modules use the restored dicts: test-mode scores agree
    np.testing.assert_array_equal(resumed_model.loss(data["X_val"]),
                                  straight.model.loss(data["X_val"]))


def test_dropout_seeds_come_from_the_solver_and_differ_per_layer():
    net = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Dropout(0.5), nn.Affine(108, 5))
    model = nn.Classifier(net, SMALL_INPUT, seed=3)
    assert model.dropout_param == {"mode": "train", "seed": 3}
    X, y = tiny_data()["X_train"][:4], np.arange(4)
    model.loss(X, y)
    assert (net[1].seed, net[2].seed) == (3, 4)
    loss_a, _ = model.loss(X, y)
    model.dropout_param["seed"] = 11  # what the Solver does before every step
    loss_b, _ = model.loss(X, y)
    assert loss_a != loss_b
    model.dropout_param["seed"] = 3
    assert model.loss(X, y)[0] == loss_a
    scores = model.loss(X)
    np.testing.assert_array_equal(scores, model.loss(X))  # test mode: no dropout
    assert model.dropout_param["mode"] == "test"


def test_training_learns_the_tiny_problem():
    data = tiny_data()
    model = make_model()
    solver = Solver(model, data, num_epochs=15, **SOLVER_KWARGS)
    solver.train()
    assert np.mean(solver.loss_history[-4:]) < 0.6 * solver.loss_history[0]
    assert max(solver.train_acc_history) >= 0.7  # it can fit the 40 examples
    assert model.predict(data["X_val"]).shape == (10,)


def test_float32_path_keeps_float32():
    model = make_model()
    X, y = tiny_data()["X_train"][:4], np.arange(4)
    loss, grads = model.loss(X, y)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert all(p["running_mean"].dtype == np.float32 for p in model.bn_params)
    assert model.loss(X).dtype == np.float32
