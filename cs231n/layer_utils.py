"""Convenience "sandwich" layers: common chains of layers as one forward / backward pair.

Each sandwich runs its layers in order and keeps, per layer, the layer's backward function
with its cache; the matching backward pass walks that list in reverse. The convolution and
max-pooling steps use the fast im2col implementations of ``cs231n.fast_layers`` when the
Cython extension is built and the naive layers otherwise; ``CONV_BACKEND`` says which
("fast" or "naive"). The choice is made once, when this module is imported.

The cache of every sandwich is a tuple of ``(backward_function, layer_cache)`` pairs, one per
layer in forward order.
"""

from collections import namedtuple

from cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    conv_backward_naive,
    conv_forward_naive,
    layernorm_backward,
    layernorm_forward,
    max_pool_backward_naive,
    max_pool_forward_naive,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

Layer = namedtuple("Layer", ["forward", "backward"])


def _load_conv_backend():
    """Return (backend name, conv Layer, max-pool Layer): the fast ones if importable."""
    try:
        from cs231n.fast_layers import (
            conv_backward_fast,
            conv_forward_fast,
            max_pool_backward_fast,
            max_pool_forward_fast,
        )
    except ImportError:
        return (
            "naive",
            Layer(conv_forward_naive, conv_backward_naive),
            Layer(max_pool_forward_naive, max_pool_backward_naive),
        )
    return (
        "fast",
        Layer(conv_forward_fast, conv_backward_fast),
        Layer(max_pool_forward_fast, max_pool_backward_fast),
    )


CONV_BACKEND, CONV, MAX_POOL = _load_conv_backend()
AFFINE = Layer(affine_forward, affine_backward)
RELU = Layer(relu_forward, relu_backward)
BATCHNORM = Layer(batchnorm_forward, batchnorm_backward_alt)
SPATIAL_BATCHNORM = Layer(spatial_batchnorm_forward, spatial_batchnorm_backward)
LAYERNORM = Layer(layernorm_forward, layernorm_backward)


def _forward_chain(x, *stages):
    """Run ``stages`` = ``(Layer, *extra_args)`` tuples in order, starting from x.

    Returns (out, cache) with cache a tuple of (backward_function, layer_cache) pairs.
    """
    cache = []
    for layer, *args in stages:
        x, layer_cache = layer.forward(x, *args)
        cache.append((layer.backward, layer_cache))
    return x, tuple(cache)


def _backward_chain(dout, cache):
    """Backpropagate through a _forward_chain cache.

    Returns (dx, *parameter_gradients) with the parameter gradients in forward order (a layer
    whose backward returns a tuple contributes everything after its dx).
    """
    param_grads = []
    for backward, layer_cache in reversed(cache):
        grads = backward(dout, layer_cache)
        if isinstance(grads, tuple):
            dout, *layer_param_grads = grads
            param_grads = layer_param_grads + param_grads
        else:
            dout = grads
    return (dout, *param_grads)


def affine_relu_forward(x, w, b):
    """Affine transform followed by a ReLU.

    Inputs:
    - x: input to the affine layer, shape (N, d_1, ..., d_k)
    - w: weights (D, M); b: biases (M,)

    Returns a tuple of:
    - out: output of the ReLU, shape (N, M)
    - cache: ((affine_backward, affine cache), (relu_backward, relu cache))
    """
    return _forward_chain(x, (AFFINE, w, b), (RELU,))


def affine_relu_backward(dout, cache):
    """Backward pass of affine_relu_forward.

    Inputs:
    - dout: upstream derivative, shape (N, M)
    - cache: from affine_relu_forward

    Returns a tuple (dx (N, d_1, ..., d_k), dw (D, M), db (M,)).
    """
    return _backward_chain(dout, cache)


def affine_bn_relu_forward(x, w, b, gamma, beta, bn_param):
    """Affine transform, batch normalization, ReLU.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k); w: weights (D, M); b: biases (M,)
    - gamma, beta: batch norm scale and shift, shape (M,)
    - bn_param: batch norm parameters (see layers.batchnorm_forward)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: the (backward_function, layer_cache) pairs of the three layers
    """
    return _forward_chain(x, (AFFINE, w, b), (BATCHNORM, gamma, beta, bn_param), (RELU,))


def affine_bn_relu_backward(dout, cache):
    """Backward pass of affine_bn_relu_forward (batch norm uses batchnorm_backward_alt).

    Inputs:
    - dout: upstream derivative, shape (N, M)
    - cache: from affine_bn_relu_forward

    Returns a tuple (dx (N, d_1, ..., d_k), dw (D, M), db (M,), dgamma (M,), dbeta (M,)).
    """
    return _backward_chain(dout, cache)


def affine_ln_relu_forward(x, w, b, gamma, beta, ln_param):
    """Affine transform, layer normalization, ReLU.

    Inputs:
    - x: input, shape (N, d_1, ..., d_k); w: weights (D, M); b: biases (M,)
    - gamma, beta: layer norm scale and shift, shape (M,)
    - ln_param: layer norm parameters (see layers.layernorm_forward)

    Returns a tuple of:
    - out: shape (N, M)
    - cache: the (backward_function, layer_cache) pairs of the three layers
    """
    return _forward_chain(x, (AFFINE, w, b), (LAYERNORM, gamma, beta, ln_param), (RELU,))


def affine_ln_relu_backward(dout, cache):
    """Backward pass of affine_ln_relu_forward.

    Inputs:
    - dout: upstream derivative, shape (N, M)
    - cache: from affine_ln_relu_forward

    Returns a tuple (dx (N, d_1, ..., d_k), dw (D, M), db (M,), dgamma (M,), dbeta (M,)).
    """
    return _backward_chain(dout, cache)


def conv_relu_forward(x, w, b, conv_param):
    """Convolution followed by a ReLU.

    Inputs:
    - x: input, shape (N, C, H, W)
    - w: filters (F, C, HH, WW); b: biases (F,)
    - conv_param: dict with stride and pad

    Returns a tuple of:
    - out: output of the ReLU, shape (N, F, H', W')
    - cache: the (backward_function, layer_cache) pairs of the two layers
    """
    return _forward_chain(x, (CONV, w, b, conv_param), (RELU,))


def conv_relu_backward(dout, cache):
    """Backward pass of conv_relu_forward.

    Inputs:
    - dout: upstream derivative, shape (N, F, H', W')
    - cache: from conv_relu_forward

    Returns a tuple (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    """
    return _backward_chain(dout, cache)


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Convolution, ReLU, max pooling.

    Inputs:
    - x: input, shape (N, C, H, W)
    - w: filters (F, C, HH, WW); b: biases (F,)
    - conv_param: dict with stride and pad
    - pool_param: dict with pool_height, pool_width and stride

    Returns a tuple of:
    - out: output of the pooling layer, shape (N, F, H'', W'')
    - cache: the (backward_function, layer_cache) pairs of the three layers
    """
    return _forward_chain(x, (CONV, w, b, conv_param), (RELU,), (MAX_POOL, pool_param))


def conv_relu_pool_backward(dout, cache):
    """Backward pass of conv_relu_pool_forward.

    Inputs:
    - dout: upstream derivative, shape (N, F, H'', W'')
    - cache: from conv_relu_pool_forward

    Returns a tuple (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    """
    return _backward_chain(dout, cache)


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """Convolution, spatial batch normalization, ReLU.

    Inputs:
    - x: input, shape (N, C, H, W)
    - w: filters (F, C, HH, WW); b: biases (F,)
    - gamma, beta: spatial batch norm scale and shift, shape (F,)
    - conv_param: dict with stride and pad
    - bn_param: batch norm parameters (see layers.spatial_batchnorm_forward)

    Returns a tuple of:
    - out: shape (N, F, H', W')
    - cache: the (backward_function, layer_cache) pairs of the three layers
    """
    return _forward_chain(
        x, (CONV, w, b, conv_param), (SPATIAL_BATCHNORM, gamma, beta, bn_param), (RELU,)
    )


def conv_bn_relu_backward(dout, cache):
    """Backward pass of conv_bn_relu_forward.

    Inputs:
    - dout: upstream derivative, shape (N, F, H', W')
    - cache: from conv_bn_relu_forward

    Returns a tuple (dx (N, C, H, W), dw (F, C, HH, WW), db (F,), dgamma (F,), dbeta (F,)).
    """
    return _backward_chain(dout, cache)
