"""Forward outputs and every gradient of the numpy layers against PyTorch autograd (float64).

The inputs come from tests/layer_registry.py; for every registry case listed in TORCH_EQUIVALENTS
the same inputs go through our forward/backward pair and through the PyTorch expression, with
the same upstream gradient, and ``assert_all_close`` names the first tensor that differs.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from layer_registry import REGISTRY  # noqa: E402 - after the skip guard on purpose

RTOL = 1e-9
ATOL = 1e-11
DOUT_SEED = 7


def assert_all_close(actual, expected, rtol=RTOL, atol=ATOL):
    """Compare two dicts name -> array in order; fail naming the first mismatching entry."""
    assert list(actual) == list(expected), f"different names: {list(actual)} vs {list(expected)}"
    for name, value in actual.items():
        value, reference = np.asarray(value), np.asarray(expected[name])
        if value.shape != reference.shape:
            raise AssertionError(f"{name}: shape {value.shape} differs from {reference.shape}")
        if not np.allclose(value, reference, rtol=rtol, atol=atol):
            error = np.abs(value - reference)
            worst = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape))
            raise AssertionError(
                f"{name} differs: max abs error {error.max():.3e} at {worst}: ours "
                f"{float(value[worst]):.12g} vs torch {float(reference[worst]):.12g}"
            )


def _affine(t):
    x_rows = t["x"].reshape(t["x"].shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
    return x_rows @ t["w"] + t["b"]


def _leaky_relu(t, alpha=0.01):
    return F.leaky_relu(t["x"], negative_slope=alpha)


def _elu(t, alpha=1.0):
    return F.elu(t["x"], alpha=alpha)


def _batchnorm(t, bn_param):
    return F.batch_norm(t["x"], None, None, t["gamma"], t["beta"], training=True,
                        eps=bn_param.get("eps", 1e-5))


def _layernorm(t, ln_param):
    return F.layer_norm(t["x"], t["x"].shape[1:], t["gamma"], t["beta"], eps=ln_param["eps"])


def _conv(t, conv_param):
    return F.conv2d(t["x"], t["w"], t["b"], stride=conv_param["stride"],
                    padding=conv_param["pad"])


def _pool_args(pool_param):
    return (pool_param["pool_height"], pool_param["pool_width"]), pool_param["stride"]


def _max_pool(t, pool_param):
    return F.max_pool2d(t["x"], *_pool_args(pool_param))


def _avg_pool(t, pool_param):
    return F.avg_pool2d(t["x"], *_pool_args(pool_param))


def _softmax_loss(t, y):
    return F.cross_entropy(t["x"], y)


def _svm_loss(t, y):
    # torch averages the hinge terms over the C classes as well; ours sums them (CS231n).
    return F.multi_margin_loss(t["x"], y, p=1, margin=1.0) * t["x"].shape[1]


# registry case name -> function (tensors dict, *args) -> output tensor
TORCH_EQUIVALENTS = {
    "affine": _affine,
    "affine-2d": _affine,
    "relu": lambda t: F.relu(t["x"]),
    "leaky_relu": _leaky_relu,
    "leaky_relu-alpha0.2": _leaky_relu,
    "sigmoid": lambda t: torch.sigmoid(t["x"]),
    "tanh": lambda t: torch.tanh(t["x"]),
    "elu": _elu,
    "elu-alpha0.5": _elu,
    "batchnorm": _batchnorm,
    "batchnorm_alt": _batchnorm,
    "spatial_batchnorm": _batchnorm,
    "layernorm": _layernorm,
    "softmax_loss": _softmax_loss,
    "svm_loss": _svm_loss,
    **{name: _conv for name in REGISTRY if name.startswith("conv_naive")},
    **{name: _max_pool for name in REGISTRY if name.startswith("max_pool_naive")},
    **{name: _avg_pool for name in REGISTRY if name.startswith("avg_pool_naive")},
}


def _torch_args(args):
    """Labels (integer arrays) become torch tensors; parameter dicts pass unchanged."""
    return [torch.from_numpy(arg) if isinstance(arg, np.ndarray) else arg for arg in args]


@pytest.mark.parametrize("name", list(TORCH_EQUIVALENTS))
def test_matches_torch(name):
    case = REGISTRY[name]
    inputs, args = case.build()
    tensors = {key: torch.tensor(value, requires_grad=True) for key, value in inputs.items()}
    torch_out = TORCH_EQUIVALENTS[name](tensors, *_torch_args(args))

    if case.is_loss:
        out, grads = case.forward(*inputs.values(), *args)
        torch_out.backward()
    else:
        out, cache = case.forward(*inputs.values(), *args)
        dout = np.random.default_rng(DOUT_SEED).standard_normal(out.shape)
        grads = case.backward(dout, cache)
        torch_out.backward(torch.from_numpy(dout))
    grads = grads if isinstance(grads, tuple) else (grads,)

    ours = {"out": out, **{f"d{key}": grad for key, grad in zip(inputs, grads, strict=True)}}
    theirs = {"out": torch_out.detach().numpy(),
              **{f"d{key}": tensor.grad.numpy() for key, tensor in tensors.items()}}
    assert_all_close(ours, theirs)


def test_assert_all_close_names_the_first_mismatch():
    same = np.ones(3)
    with pytest.raises(AssertionError, match=r"^dw differs: max abs error 1\.000e-03 at \(1,\)"):
        assert_all_close({"out": same, "dw": same + [0, 1e-3, 0], "db": same + 1},
                         {"out": same, "dw": same, "db": same})
