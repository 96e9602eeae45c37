"""One registry of every layer of cs231n.layers, cs231n.layer_utils and (when the Cython
extension is built) cs231n.fast_layers, for gradient checking and other layer-wide tests.

Each ``LayerCase`` names a forward/backward pair (or a loss function, with backward None)
and knows how to build seeded float64 inputs for it: ``case.build(seed)`` returns
``(inputs, args)`` with ``inputs`` a dict name -> ndarray in the forward pass's argument
order and ``args`` the non-differentiable extra arguments (conv_param, bn_param, labels...).

Inputs stay away from the kinks of non-smooth layers so that centered differences see a
smooth function: ReLU-like inputs are at least KINK_MARGIN from 0, max-pool inputs are
distinct values at least DISTINCT_SPACING apart (no ties within a window). Both margins
are far larger than the finite-difference step.

The step is CS231n's h = 1e-5 (FINITE_DIFFERENCE_STEP) rather than check_layer's default 1e-6:
the numerical gradient's error is dominated by round-off, about eps * |f| / h, so the larger
step makes it ten times smaller while the truncation error (about h**2 * f'''/6) stays near
1e-11; with it every case passes the default tolerance of 1e-7 over many seeds.
"""

from dataclasses import dataclass

import numpy as np

from cs231n import layer_utils, layers

try:
    from cs231n import fast_layers
except ImportError:  # the Cython extension is not built
    fast_layers = None

DEFAULT_SEED = 231
DEFAULT_TOL = 1e-7
FINITE_DIFFERENCE_STEP = 1e-5
KINK_MARGIN = 0.05  # |x| >= this for inputs of ReLU / leaky ReLU / ELU
DISTINCT_SPACING = 0.01  # gap between neighbouring values fed to max pooling


# ---------------------------------------------------------------------------------------------
# Seeded input builders
# ---------------------------------------------------------------------------------------------
def normal(rng, *shape, scale=1.0, shift=0.0):
    """float64 array of shape `shape` with entries shift + scale * N(0, 1)."""
    return shift + scale * rng.standard_normal(shape)


def away_from_zero(rng, *shape, margin=KINK_MARGIN):
    """float64 array of random sign and magnitude >= margin (no ReLU kink within reach)."""
    magnitude = margin + np.abs(rng.standard_normal(shape))
    return rng.choice([-1.0, 1.0], size=shape) * magnitude


def distinct(rng, *shape, spacing=DISTINCT_SPACING):
    """float64 array of distinct values spaced by `spacing`, in random order (no max ties)."""
    size = int(np.prod(shape))
    values = (rng.permutation(size) - size / 2) * spacing  # (size,)
    return values.reshape(shape)  # (size,) -> shape


def labels(rng, num_examples, num_classes):
    """int64 class labels of shape (N,)."""
    return rng.integers(num_classes, size=num_examples)


# ---------------------------------------------------------------------------------------------
# Registry entries
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerCase:
    """One gradient-checkable layer (or loss, when backward is None).

    - name: unique id, e.g. "conv_naive-3x3-s2-p1"
    - forward: forward(*inputs.values(), *args) -> (out, cache), or for a loss
      loss(*inputs.values(), *args) -> (loss, grads)
    - backward: backward(dout, cache), or None for a loss
    - make_inputs: make_inputs(rng) -> (inputs dict, args tuple)
    - tol: tolerance of the relative error (DEFAULT_TOL unless `why` says otherwise)
    - h: finite-difference step
    - zero_grads: names of inputs whose true gradient is exactly zero (e.g. the bias of an
      affine layer followed by batch norm); a relative error means nothing there (0 against
      round-off noise), so they are checked with an absolute tolerance instead
    - why: reason for a non-default tol or zero_grads
    """

    name: str
    forward: object
    backward: object
    make_inputs: object
    tol: float = DEFAULT_TOL
    h: float = FINITE_DIFFERENCE_STEP
    zero_grads: tuple = ()
    why: str = ""

    @property
    def is_loss(self):
        return self.backward is None

    def build(self, seed=DEFAULT_SEED):
        """Seeded (inputs, args); inputs are float64 arrays."""
        return self.make_inputs(np.random.default_rng(seed))


def _affine_inputs(rng, x_shape=(3, 2, 3, 2), num_outputs=4):
    x = normal(rng, *x_shape)
    dim = int(np.prod(x_shape[1:]))
    return {"x": x, "w": normal(rng, dim, num_outputs), "b": normal(rng, num_outputs)}


def _norm_inputs(rng, num_examples=6, dim=5):
    return {
        "x": normal(rng, num_examples, dim, scale=3.0, shift=2.0),
        "gamma": normal(rng, dim, shift=1.0),
        "beta": normal(rng, dim),
    }


def _conv_inputs(rng, x_shape, w_shape):
    return {
        "x": normal(rng, *x_shape),
        "w": normal(rng, *w_shape, scale=0.5),
        "b": normal(rng, w_shape[0]),
    }


def _pool_param(size, stride, width=None):
    return {"pool_height": size, "pool_width": width or size, "stride": stride}


def _single(name, forward, backward, make_x, *args):
    """A case with one input x and fixed extra args."""
    return LayerCase(name, forward, backward, lambda rng: ({"x": make_x(rng)}, args))


def _elementwise_cases():
    def smooth(rng):
        return normal(rng, 4, 5, scale=1.5)

    def kinked(rng):
        return away_from_zero(rng, 4, 5)

    return [
        _single("relu", layers.relu_forward, layers.relu_backward, kinked),
        _single("leaky_relu", layers.leaky_relu_forward, layers.leaky_relu_backward, kinked),
        _single("leaky_relu-alpha0.2", layers.leaky_relu_forward, layers.leaky_relu_backward,
                kinked, 0.2),
        _single("sigmoid", layers.sigmoid_forward, layers.sigmoid_backward, smooth),
        _single("tanh", layers.tanh_forward, layers.tanh_backward, smooth),
        _single("elu", layers.elu_forward, layers.elu_backward, kinked),
        _single("elu-alpha0.5", layers.elu_forward, layers.elu_backward, kinked, 0.5),
    ]


def _normalization_cases():
    def bn(rng):
        return _norm_inputs(rng), ({"mode": "train"},)

    def spatial_bn(rng):
        x = normal(rng, 2, 3, 4, 4, scale=2.0, shift=1.0)
        return ({"x": x, "gamma": normal(rng, 3, shift=1.0), "beta": normal(rng, 3)},
                ({"mode": "train"},))

    def ln(rng):
        return _norm_inputs(rng), ({"eps": 1e-5},)

    return [
        LayerCase("batchnorm", layers.batchnorm_forward, layers.batchnorm_backward, bn),
        LayerCase("batchnorm_alt", layers.batchnorm_forward, layers.batchnorm_backward_alt, bn),
        LayerCase("spatial_batchnorm", layers.spatial_batchnorm_forward,
                  layers.spatial_batchnorm_backward, spatial_bn),
        LayerCase("layernorm", layers.layernorm_forward, layers.layernorm_backward, ln),
    ]


def _dropout_cases():
    def make(mode):
        return lambda rng: ({"x": normal(rng, 5, 6)}, ({"p": 0.3, "mode": mode, "seed": 123},))

    return [
        LayerCase(f"dropout-{mode}", layers.dropout_forward, layers.dropout_backward, make(mode))
        for mode in ("train", "test")
    ]


# (name, x shape (N, C, H, W), w shape (F, C, HH, WW), conv_param)
CONV_GEOMETRIES = [
    ("3x3-s1-p1", (2, 3, 5, 5), (4, 3, 3, 3), {"stride": 1, "pad": 1}),
    ("3x3-s2-p1", (2, 3, 5, 7), (3, 3, 3, 3), {"stride": 2, "pad": 1}),
    ("3x2-s1-p0", (2, 2, 5, 4), (3, 2, 3, 2), {"stride": 1, "pad": 0}),
    ("1x1-s1-p0", (2, 3, 3, 3), (2, 3, 1, 1), {"stride": 1, "pad": 0}),
]

# (name, x shape, pool_param)
POOL_GEOMETRIES = [
    ("2x2-s2", (2, 3, 4, 6), _pool_param(2, 2)),
    ("3x3-s2-overlap", (2, 2, 5, 5), _pool_param(3, 2)),
    ("2x3-s1-overlap", (1, 2, 4, 5), _pool_param(2, 1, width=3)),
]


def _conv_cases(prefix, forward, backward):
    def make(x_shape, w_shape, conv_param):
        return lambda rng: (_conv_inputs(rng, x_shape, w_shape), (conv_param,))

    return [
        LayerCase(f"{prefix}-{name}", forward, backward, make(x_shape, w_shape, conv_param))
        for name, x_shape, w_shape, conv_param in CONV_GEOMETRIES
    ]


def _pool_cases(prefix, forward, backward):
    def make(x_shape, pool_param):
        return lambda rng: ({"x": distinct(rng, *x_shape)}, (pool_param,))

    return [
        LayerCase(f"{prefix}-{name}", forward, backward, make(x_shape, pool_param))
        for name, x_shape, pool_param in POOL_GEOMETRIES
    ]


def _loss_cases():
    def scores(rng):
        x = normal(rng, 6, 5)
        return {"x": x}, (labels(rng, 6, 5),)

    return [
        LayerCase("svm_loss", layers.svm_loss, None, scores),
        LayerCase("softmax_loss", layers.softmax_loss, None, scores),
    ]


BIAS_BEFORE_BN = "batch norm subtracts the batch mean, so the bias before it has gradient 0"


def _sandwich_cases():
    lu = layer_utils

    def affine_relu(rng):
        return _affine_inputs(rng), ()

    def affine_norm_relu(params):
        def make(rng):
            inputs = _affine_inputs(rng, x_shape=(5, 2, 3), num_outputs=4)
            inputs["gamma"] = normal(rng, 4, shift=1.0)
            inputs["beta"] = normal(rng, 4)
            return inputs, (params,)

        return make

    def conv(rng, extra_args=()):
        inputs = _conv_inputs(rng, (2, 3, 4, 4), (3, 3, 3, 3))
        return inputs, ({"stride": 1, "pad": 1}, *extra_args)

    def conv_bn(rng):
        inputs, args = conv(rng)
        inputs["gamma"] = normal(rng, 3, shift=1.0)
        inputs["beta"] = normal(rng, 3)
        return inputs, (*args, {"mode": "train"})

    return [
        LayerCase("affine_relu", lu.affine_relu_forward, lu.affine_relu_backward, affine_relu),
        LayerCase("affine_bn_relu", lu.affine_bn_relu_forward, lu.affine_bn_relu_backward,
                  affine_norm_relu({"mode": "train"}), zero_grads=("b",), why=BIAS_BEFORE_BN),
        LayerCase("affine_ln_relu", lu.affine_ln_relu_forward, lu.affine_ln_relu_backward,
                  affine_norm_relu({})),
        LayerCase("conv_relu", lu.conv_relu_forward, lu.conv_relu_backward, conv),
        LayerCase("conv_relu_pool", lu.conv_relu_pool_forward, lu.conv_relu_pool_backward,
                  lambda rng: conv(rng, (_pool_param(2, 2),))),
        LayerCase("conv_bn_relu", lu.conv_bn_relu_forward, lu.conv_bn_relu_backward, conv_bn,
                  zero_grads=("b",), why=BIAS_BEFORE_BN),
    ]


def _fast_cases():
    if fast_layers is None:
        return []
    return [
        *_conv_cases("conv_fast", fast_layers.conv_forward_fast, fast_layers.conv_backward_fast),
        *_pool_cases("max_pool_fast", fast_layers.max_pool_forward_fast,
                     fast_layers.max_pool_backward_fast),
    ]


def _all_cases():
    return [
        LayerCase("affine", layers.affine_forward, layers.affine_backward,
                  lambda rng: (_affine_inputs(rng), ())),
        LayerCase("affine-2d", layers.affine_forward, layers.affine_backward,
                  lambda rng: (_affine_inputs(rng, x_shape=(4, 6), num_outputs=3), ())),
        *_elementwise_cases(),
        *_normalization_cases(),
        *_dropout_cases(),
        *_conv_cases("conv_naive", layers.conv_forward_naive, layers.conv_backward_naive),
        *_pool_cases("max_pool_naive", layers.max_pool_forward_naive,
                     layers.max_pool_backward_naive),
        *_pool_cases("avg_pool_naive", layers.avg_pool_forward_naive,
                     layers.avg_pool_backward_naive),
        *_loss_cases(),
        *_sandwich_cases(),
        *_fast_cases(),
    ]


def _by_name(cases):
    registry = {case.name: case for case in cases}
    if len(registry) != len(cases):
        raise ValueError("layer_registry: duplicate case names")
    return registry


REGISTRY = _by_name(_all_cases())
