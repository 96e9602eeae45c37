"""Tests of cs231n.layers and cs231n.layer_utils (and, through the registry, fast_layers).

- one gradient check over every layer of tests/layer_registry.py, and one test that the check
  catches a wrong backward pass;
- known values against independent explicit-loop references;
- batch norm statistics and running averages, dropout statistics, validation errors, dtypes,
  and the conv backend choice of layer_utils.
"""

import itertools
import math
import sys
import timeit

import numpy as np
import pytest
from layer_registry import REGISTRY, fast_layers

from cs231n import layer_utils, layers
from cs231n.gradient_check import check_layer, check_loss, rel_error

ZERO_GRAD_ATOL = 1e-8  # |analytic| and |numeric| bound for gradients that are exactly zero
EXACT_RTOL = 1e-12  # float64 agreement of two arrangements of the same arithmetic
RAISE_ON_OVERFLOW = {"over": "raise", "invalid": "raise", "divide": "raise"}  # underflow is fine
CASES = list(REGISTRY.values())


def run_check(case, seed=None, backward=None):
    """Gradient-check a registry case; return the GradCheckReport."""
    inputs, args = case.build() if seed is None else case.build(seed)
    if case.is_loss:
        return check_loss(case.forward, inputs, args, h=case.h)
    return check_layer(case.forward, backward or case.backward, inputs, args, h=case.h)


# ---------------------------------------------------------------------------------------------
# Gradient checks over the whole registry
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_gradient_check(case):
    report = run_check(case)
    print(report)
    for name in case.zero_grads:
        entry = report[name]
        assert abs(entry.analytic) < ZERO_GRAD_ATOL and abs(entry.numeric) < ZERO_GRAD_ATOL, (
            f"{case.name}: gradient of {name} should be 0 ({case.why}); got analytic "
            f"{entry.analytic:g}, numeric {entry.numeric:g}"
        )
    checked = [entry for entry in report.entries if entry.name not in case.zero_grads]
    failing = [entry.name for entry in checked if not entry.ok(case.tol)]
    assert not failing, f"{case.name}: gradients {failing} exceed tol={case.tol:g}\n{report}"


def test_gradient_check_flags_a_wrong_backward():
    case = REGISTRY["affine"]

    def backward_with_flipped_dw(dout, cache):
        dx, dw, db = case.backward(dout, cache)
        return dx, -dw, db

    report = run_check(case, backward=backward_with_flipped_dw)
    assert report["w"].max_rel_error == pytest.approx(1.0)
    assert report["x"].ok(case.tol) and report["b"].ok(case.tol)
    with pytest.raises(AssertionError, match=r"\bw: max rel error") as error:
        report.assert_ok(case.tol)
    assert "x: max rel error" not in str(error.value)


# ---------------------------------------------------------------------------------------------
# Known values against explicit-loop references
# ---------------------------------------------------------------------------------------------
def linspace_array(low, high, *shape):
    """CS231n's test inputs: np.linspace over the array, reshaped."""
    return np.linspace(low, high, num=math.prod(shape)).reshape(shape)  # (size,) -> shape


def reference_conv(x, w, b, stride, pad):
    """Convolution by scalar loops, padding handled by index checks (no np.pad)."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    out_h, out_w = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    out = np.zeros((N, F, out_h, out_w))
    for n, f, i, j in itertools.product(range(N), range(F), range(out_h), range(out_w)):
        total = b[f]
        for c, di, dj in itertools.product(range(C), range(HH), range(WW)):
            row, col = i * stride + di - pad, j * stride + dj - pad
            if 0 <= row < H and 0 <= col < W:
                total += x[n, c, row, col] * w[f, c, di, dj]
        out[n, f, i, j] = total
    return out


def reference_pool(x, size_h, size_w, stride, reduce):
    """Pooling by loops over windows with a Python reduction (max or mean of a list)."""
    N, C, H, W = x.shape
    out_h, out_w = (H - size_h) // stride + 1, (W - size_w) // stride + 1
    out = np.zeros((N, C, out_h, out_w))
    for n, c, i, j in itertools.product(range(N), range(C), range(out_h), range(out_w)):
        window = [x[n, c, i * stride + di, j * stride + dj]
                  for di in range(size_h) for dj in range(size_w)]
        out[n, c, i, j] = reduce(window)
    return out


def test_affine_forward_known_values():
    x = linspace_array(-0.1, 0.5, 2, 4, 5, 6)
    w = linspace_array(-0.2, 0.3, 120, 3)
    b = linspace_array(-0.3, 0.1, 3)
    expected = np.array([
        [sum(x[n].flat[d] * w[d, m] for d in range(120)) + b[m] for m in range(3)]
        for n in range(2)
    ])
    out, _ = layers.affine_forward(x, w, b)
    assert rel_error(out, expected) < EXACT_RTOL
    # The values CS231n's notebook prints, equal to the loop reference above.
    cs231n_printed = np.array([[1.49834967, 1.70660132, 1.91485297],
                               [3.25553199, 3.5141327, 3.77273342]])
    assert np.allclose(expected, cs231n_printed, atol=1e-8)


def test_affine_backward_known_values():
    x = linspace_array(-1, 1, 2, 3, 2)
    w = linspace_array(-0.5, 0.5, 6, 4)
    b = linspace_array(0, 1, 4)
    dout = linspace_array(-2, 1, 2, 4)
    dx, dw, db = layers.affine_backward(dout, layers.affine_forward(x, w, b)[1])
    x_rows = x.reshape(2, 6)  # (N, 3, 2) -> (N, D)
    expected_dw = np.array([[sum(x_rows[n, d] * dout[n, m] for n in range(2)) for m in range(4)]
                            for d in range(6)])
    expected_dx = np.array([[sum(dout[n, m] * w[d, m] for m in range(4)) for d in range(6)]
                            for n in range(2)]).reshape(x.shape)  # (N, D) -> (N, 3, 2)
    assert dx.shape == x.shape
    assert rel_error(dx, expected_dx) < EXACT_RTOL
    assert rel_error(dw, expected_dw) < EXACT_RTOL
    assert rel_error(db, dout[0] + dout[1]) < EXACT_RTOL


def test_relu_forward_known_values():
    x = linspace_array(-0.5, 0.5, 3, 4)
    out, _ = layers.relu_forward(x)
    expected = np.array([[max(0.0, value) for value in row] for row in x])
    assert np.array_equal(out, expected)


def test_conv_forward_known_values():
    x = linspace_array(-0.1, 0.5, 2, 3, 4, 4)
    w = linspace_array(-0.2, 0.3, 3, 3, 4, 4)
    b = linspace_array(-0.1, 0.2, 3)
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    expected = reference_conv(x, w, b, stride=2, pad=1)
    assert out.shape == (2, 3, 2, 2)
    assert rel_error(out, expected) < EXACT_RTOL
    # First image of the output CS231n's notebook prints, equal to the loop reference.
    cs231n_printed = np.array([[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                               [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                               [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]])
    assert np.allclose(expected[0], cs231n_printed, atol=1e-8)


@pytest.mark.parametrize("stride, pad, filter_shape",
                         [(1, 0, (2, 3)), (1, 2, (3, 3)), (3, 2, (3, 3))])
def test_conv_forward_matches_loops_for_other_geometries(rng, stride, pad, filter_shape):
    x = rng.standard_normal((2, 2, 5, 5))
    w = rng.standard_normal((3, 2, *filter_shape))
    b = rng.standard_normal(3)
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    assert rel_error(out, reference_conv(x, w, b, stride, pad)) < EXACT_RTOL


@pytest.mark.parametrize("pool_forward, reduce", [
    (layers.max_pool_forward_naive, max),
    (layers.avg_pool_forward_naive, lambda window: sum(window) / len(window)),
], ids=["max", "avg"])
@pytest.mark.parametrize("size_h, size_w, stride", [(2, 2, 2), (3, 3, 1), (2, 3, 1)])
def test_pool_forward_matches_loops(pool_forward, reduce, size_h, size_w, stride):
    x = linspace_array(-0.3, 0.4, 2, 3, 4, 6)[..., ::-1] * np.array([1, -1, 1, -1, 1, -1])
    pool_param = {"pool_height": size_h, "pool_width": size_w, "stride": stride}
    out, _ = pool_forward(x, pool_param)
    assert rel_error(out, reference_pool(x, size_h, size_w, stride, reduce)) < EXACT_RTOL


def test_max_pool_backward_routes_to_first_argmax_and_accumulates_overlaps():
    x = np.array([[[[1.0, 5.0, 5.0],
                    [0.0, 2.0, 5.0],
                    [3.0, 3.0, 1.0]]]])
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    out, cache = layers.max_pool_forward_naive(x, pool_param)
    assert np.array_equal(out, [[[[5.0, 5.0], [3.0, 5.0]]]])
    dx = layers.max_pool_backward_naive(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), cache)
    # window (0, 0) = [[1, 5], [0, 2]] -> x[0, 1]
    # window (0, 1) = [[5, 5], [2, 5]] -> x[0, 1], the first of its three 5s
    # window (1, 0) = [[0, 2], [3, 3]] -> x[2, 0], the first of its two 3s
    # window (1, 1) = [[2, 5], [3, 1]] -> x[1, 2]
    expected = np.zeros((3, 3))
    expected[0, 1] = 1.0 + 10.0
    expected[2, 0] = 100.0
    expected[1, 2] = 1000.0
    assert np.array_equal(dx[0, 0], expected)


def test_avg_pool_backward_spreads_evenly():
    x = np.zeros((1, 1, 3, 3))
    _, cache = layers.avg_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    dx = layers.avg_pool_backward_naive(np.ones((1, 1, 2, 2)), cache)
    coverage = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4  # windows covering each pixel
    assert np.array_equal(dx[0, 0], coverage)


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])
    with np.errstate(**RAISE_ON_OVERFLOW):
        out, _ = layers.sigmoid_forward(x)
    naive = np.array([1 / (1 + math.exp(-value)) if value > -700 else 0.0 for value in x])
    assert np.allclose(out, naive, rtol=1e-14, atol=0)
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert out[1] > 0  # exp(-50) survives instead of underflowing 1 / (1 + exp(50))


def test_elu_and_tanh_values():
    x = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    with np.errstate(**RAISE_ON_OVERFLOW):
        elu, _ = layers.elu_forward(x, alpha=0.5)
        tanh, _ = layers.tanh_forward(x)
    assert np.allclose(elu, [-0.5, 0.5 * (math.exp(-1) - 1), 0.0, 2.0, 800.0], rtol=1e-15)
    assert np.allclose(tanh, [math.tanh(value) for value in x], rtol=1e-15)


def test_leaky_relu_values():
    out, _ = layers.leaky_relu_forward(np.array([-2.0, 0.0, 3.0]), 0.1)
    assert np.allclose(out, [-0.2, 0.0, 3.0], rtol=1e-15)
    default_out, _ = layers.leaky_relu_forward(np.array([-2.0]))
    assert default_out[0] == pytest.approx(-0.02)


def test_softmax_and_svm_losses_known_values(rng):
    N, C = 7, 4
    y = rng.integers(C, size=N)
    zero_scores = np.zeros((N, C))
    assert layers.softmax_loss(zero_scores, y)[0] == pytest.approx(math.log(C))
    assert layers.svm_loss(zero_scores, y)[0] == pytest.approx(C - 1)

    x = rng.standard_normal((N, C))
    softmax_expected = sum(
        -x[i, y[i]] + math.log(sum(math.exp(s) for s in x[i])) for i in range(N)) / N
    svm_expected = sum(max(0.0, x[i, j] - x[i, y[i]] + 1)
                       for i in range(N) for j in range(C) if j != y[i]) / N
    assert layers.softmax_loss(x, y)[0] == pytest.approx(softmax_expected, rel=1e-12)
    assert layers.svm_loss(x, y)[0] == pytest.approx(svm_expected, rel=1e-12)


def test_softmax_loss_is_stable_for_huge_scores():
    x = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    with np.errstate(**RAISE_ON_OVERFLOW):
        loss, dx = layers.softmax_loss(x, np.array([0, 0]))
    assert loss == pytest.approx(1000.0)
    assert np.all(np.isfinite(dx))


# ---------------------------------------------------------------------------------------------
# Batch norm and layer norm
# ---------------------------------------------------------------------------------------------
def test_batchnorm_train_statistics(rng):
    x = 12 + 5 * rng.standard_normal((200, 3))
    out, _ = layers.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    assert np.allclose(out.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(out.std(axis=0), 1, atol=1e-5)

    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert np.allclose(out.mean(axis=0), beta, atol=1e-12)
    assert np.allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_running_averages_and_test_mode(rng):
    bn_param = {"mode": "train", "momentum": 0.8}
    gamma, beta = np.array([0.5, 2.0]), np.array([-1.0, 1.0])
    x = 3 + 2 * rng.standard_normal((50, 2))
    layers.batchnorm_forward(x, gamma, beta, bn_param)
    # lazily created zeros/ones, then one momentum step with the biased batch variance
    assert np.allclose(bn_param["running_mean"], 0.2 * x.mean(axis=0), rtol=1e-12)
    assert np.allclose(bn_param["running_var"], 0.8 + 0.2 * x.var(axis=0), rtol=1e-12)

    for _ in range(100):
        layers.batchnorm_forward(3 + 2 * rng.standard_normal((50, 2)), gamma, beta, bn_param)
    assert np.allclose(bn_param["running_mean"], 3, atol=0.3)
    assert np.allclose(bn_param["running_var"], 4, rtol=0.2)

    bn_param["mode"] = "test"
    x_test = rng.standard_normal((5, 2))
    out, _ = layers.batchnorm_forward(x_test, gamma, beta, bn_param)
    expected = (gamma * (x_test - bn_param["running_mean"])
                / np.sqrt(bn_param["running_var"] + 1e-5) + beta)
    assert rel_error(out, expected) < EXACT_RTOL
    # a single test example works and does not touch the running averages
    before = bn_param["running_mean"].copy()
    layers.batchnorm_forward(x_test[:1], gamma, beta, bn_param)
    assert np.array_equal(bn_param["running_mean"], before)


def test_batchnorm_lazy_running_stats_have_input_dtype():
    bn_param = {"mode": "test"}
    x = np.arange(6, dtype=np.float32).reshape(2, 3)  # (6,) -> (N, D)
    gamma, beta = np.ones(3, np.float32), np.zeros(3, np.float32)
    out, _ = layers.batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"].dtype == np.float32
    assert np.array_equal(bn_param["running_mean"], np.zeros(3))
    assert np.array_equal(bn_param["running_var"], np.ones(3))
    assert out.dtype == np.float32


def test_batchnorm_backward_alt_matches_graph_version_and_is_faster(rng):
    N, D = 500, 100
    x = 5 * rng.standard_normal((N, D)) + 3
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    _, cache = layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    graph_grads = layers.batchnorm_backward(dout, cache)
    alt_grads = layers.batchnorm_backward_alt(dout, cache)
    for name, graph, alt in zip(("dx", "dgamma", "dbeta"), graph_grads, alt_grads, strict=True):
        # Relative to the array's scale: dx is a difference of nearly equal terms, so its
        # entries close to 0 carry a larger elementwise relative error (rel_error ~1e-10).
        scale_error = np.max(np.abs(graph - alt)) / np.max(np.abs(graph))
        print(f"{name}: error relative to scale {scale_error:.1e}, rel_error "
              f"{rel_error(graph, alt):.1e}")
        assert scale_error < EXACT_RTOL, name

    def best_time(backward):
        return min(timeit.repeat(lambda: backward(dout, cache), number=20, repeat=5))

    graph_time = best_time(layers.batchnorm_backward)
    alt_time = best_time(layers.batchnorm_backward_alt)
    print(f"batchnorm backward ({N}x{D}): graph {graph_time * 50:.3f} ms, alt "
          f"{alt_time * 50:.3f} ms per call, speed-up x{graph_time / alt_time:.2f}")


def test_batchnorm_backward_needs_a_train_cache():
    x = np.ones((4, 2))
    _, cache = layers.batchnorm_forward(x, np.ones(2), np.zeros(2), {"mode": "test"})
    for backward in (layers.batchnorm_backward, layers.batchnorm_backward_alt):
        with pytest.raises(ValueError, match="mode='train'"):
            backward(np.ones((4, 2)), cache)


def test_spatial_batchnorm_normalizes_each_channel(rng):
    x = 4 + 3 * rng.standard_normal((4, 3, 5, 6))
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.0, -1.0, 5.0])
    out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert out.shape == x.shape
    assert np.allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-12)
    assert np.allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)


def test_layernorm_normalizes_each_example(rng):
    x = 7 + 2 * rng.standard_normal((4, 50))
    out, _ = layers.layernorm_forward(x, np.ones(50), np.zeros(50), {})
    assert np.allclose(out.mean(axis=1), 0, atol=1e-12)
    assert np.allclose(out.std(axis=1), 1, rtol=1e-4)
    # same result at any batch size: each row only sees itself
    single, _ = layers.layernorm_forward(x[2:3], np.ones(50), np.zeros(50), {})
    assert np.allclose(single, out[2:3], rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.25, 0.4, 0.7])
def test_dropout_train_statistics(p):
    x = 10 + np.random.default_rng(3).standard_normal((500, 500))
    out, (_, mask) = layers.dropout_forward(x, {"p": p, "mode": "train", "seed": 7})
    assert np.mean(out == 0) == pytest.approx(p, abs=0.01)
    assert out.mean() == pytest.approx(x.mean(), rel=0.01)
    assert np.allclose(out[out != 0], x[out != 0] / (1 - p), rtol=1e-15, atol=0)
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}


def test_dropout_test_mode_is_identity_and_seed_fixes_the_mask(rng):
    x = rng.standard_normal((20, 30))
    out, cache = layers.dropout_forward(x, {"p": 0.5, "mode": "test"})
    assert np.array_equal(out, x)
    assert np.array_equal(layers.dropout_backward(x, cache), x)

    first, _ = layers.dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})
    again, _ = layers.dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})
    other, _ = layers.dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 2})
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_dropout_without_seed_follows_numpy_global_state():
    x = np.ones((10, 10))
    np.random.seed(5)  # noqa: NPY002 - the documented behaviour under cs231n.seed_all
    first, _ = layers.dropout_forward(x, {"p": 0.5, "mode": "train"})
    np.random.seed(5)  # noqa: NPY002
    again, _ = layers.dropout_forward(x, {"p": 0.5, "mode": "train"})
    assert np.array_equal(first, again)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match="DROPPING"):
        layers.dropout_forward(np.ones(3), {"p": p, "mode": "train"})


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def test_conv_output_size():
    assert layers.conv_output_size(32, 5, 1, 2) == 32
    assert layers.conv_output_size(32, 2, 2, 0) == 16
    assert layers.conv_output_size(7, 3, 2, 1) == 4


def test_conv_rejects_a_geometry_that_does_not_tile(rng):
    x = rng.standard_normal((1, 3, 32, 32))
    w = rng.standard_normal((2, 3, 5, 5))
    message = (r"conv_forward_naive: \(H \+ 2\*pad - HH\) = \(32 \+ 2\*1 - 5\) = 29 is not "
               r"divisible by stride=4")
    with pytest.raises(ValueError, match=message):
        layers.conv_forward_naive(x, w, np.zeros(2), {"stride": 4, "pad": 1})
    with pytest.raises(ValueError, match="HH=5 is larger than the padded input"):
        layers.conv_forward_naive(x[:, :, :3, :3], w, np.zeros(2), {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"\(W \+ 2\*pad - pool_width\)"):
        layers.max_pool_forward_naive(x[:, :, :4, :5], {"pool_height": 2, "pool_width": 2,
                                                        "stride": 2})


def test_conv_rejects_bad_inputs(rng):
    x = rng.standard_normal((1, 3, 4, 4))
    with pytest.raises(ValueError, match="x has C=3 channels.*expect C=2"):
        layers.conv_forward_naive(x, np.ones((2, 2, 3, 3)), np.zeros(2), {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"conv_param is missing key\(s\) \['pad'\]"):
        layers.conv_forward_naive(x, np.ones((2, 3, 3, 3)), np.zeros(2), {"stride": 1})
    with pytest.raises(TypeError, match="stride must be an int"):
        layers.conv_forward_naive(x, np.ones((2, 3, 3, 3)), np.zeros(2), {"stride": 1.5,
                                                                          "pad": 1})
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        layers.conv_forward_naive(x, np.ones((2, 3, 3, 3)), np.zeros(3), {"stride": 1, "pad": 1})


def test_other_layers_reject_bad_inputs():
    with pytest.raises(ValueError, match="D = 6 features.*expects D = 5"):
        layers.affine_forward(np.ones((2, 2, 3)), np.ones((5, 4)), np.ones(4))
    with pytest.raises(ValueError, match="mode must be 'train' or 'test'"):
        layers.batchnorm_forward(np.ones((2, 3)), np.ones(3), np.ones(3), {"mode": "eval"})
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        layers.layernorm_forward(np.ones((2, 3)), np.ones(4), np.ones(3), {})
    with pytest.raises(ValueError, match=r"labels y must lie in \[0, 3\)"):
        layers.softmax_loss(np.ones((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        layers.svm_loss(np.ones((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="x must be a numpy array"):
        layers.relu_forward([1.0, -1.0])


# ---------------------------------------------------------------------------------------------
# dtypes: float32 in, float32 out (forward and backward)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_float32_in_float32_out(case):
    inputs, args = case.build()
    inputs32 = [value.astype(np.float32) for value in inputs.values()]
    if case.is_loss:
        loss, dx = case.forward(*inputs32, *args)
        assert dx.dtype == np.float32 and np.asarray(loss).dtype == np.float32
        return
    out, cache = case.forward(*inputs32, *args)
    assert out.dtype == np.float32
    grads = case.backward(np.ones_like(out), cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert [grad.dtype for grad in grads] == [np.float32] * len(inputs32)


# ---------------------------------------------------------------------------------------------
# layer_utils: sandwiches and the conv backend
# ---------------------------------------------------------------------------------------------
def test_conv_backend_matches_what_is_importable():
    assert layer_utils.CONV_BACKEND == ("naive" if fast_layers is None else "fast")


def test_conv_backend_falls_back_to_naive(monkeypatch):
    monkeypatch.setitem(sys.modules, "cs231n.fast_layers", None)  # import now raises
    backend, conv, max_pool = layer_utils._load_conv_backend()
    assert backend == "naive"
    assert conv.forward is layers.conv_forward_naive
    assert max_pool.backward is layers.max_pool_backward_naive


def test_sandwiches_equal_their_layers_composed(rng):
    x = rng.standard_normal((2, 3, 6, 6))
    w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2,
                                                       "stride": 2}
    conv_out, _ = layers.conv_forward_naive(x, w, b, conv_param)
    relu_out, _ = layers.relu_forward(conv_out)
    pooled, _ = layers.max_pool_forward_naive(relu_out, pool_param)
    out, _ = layer_utils.conv_relu_pool_forward(x, w, b, conv_param, pool_param)
    assert rel_error(out, pooled) < 1e-10

    normed, _ = layers.spatial_batchnorm_forward(conv_out, gamma, beta, {"mode": "train"})
    out, cache = layer_utils.conv_bn_relu_forward(x, w, b, gamma, beta, conv_param,
                                                  {"mode": "train"})
    assert rel_error(out, np.maximum(normed, 0)) < 1e-10
    grads = layer_utils.conv_bn_relu_backward(np.ones_like(out), cache)
    assert [grad.shape for grad in grads] == [x.shape, w.shape, b.shape, gamma.shape,
                                              beta.shape]
