"""Fully-connected classifiers built from the modular layers (CS231n 2017, assignment 2).

Both models follow the Solver's model contract (see ``cs231n.solver.Solver``): a ``params``
dict and ``loss(X, y=None)`` returning class scores (y is None) or ``(loss, grads)``.
The loss is the mean softmax loss plus the L2 penalty ``reg * sum(W**2)`` over the weight
matrices (not the biases, gammas or betas).
"""

import numbers

import numpy as np

from cs231n.init import DEFAULT_WEIGHT_SCALE, INIT_SCHEMES, init_weights
from cs231n.layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from cs231n.layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    softmax_loss,
)

CIFAR10_INPUT_DIM = 3 * 32 * 32  # a flattened 32x32 RGB image
CIFAR10_NUM_CLASSES = 10
NORMALIZATIONS = (None, "batchnorm", "layernorm")
SEED_BOUND = 2**32  # numpy RandomState seeds lie in [0, 2**32)


# ------------------------------------------------------------------------- shared helpers


def l2_regularization(weights, reg):
    """L2 penalty ``reg * sum_k sum(W_k**2)`` and its gradient.

    Inputs:
    - weights: dict name -> weight array (any shapes), e.g. {"W1": (D, H), "W2": (H, C)}
    - reg: float >= 0, regularization strength

    Returns a tuple of:
    - loss: float, the penalty
    - grads: dict name -> gradient of the penalty, 2 * reg * W, same shape as W
    """
    loss, grads = 0.0, {}
    # TODO: Compute the L2 penalty reg * sum(W**2) summed over all the weights and its
    # gradient 2 * reg * W for every weight.
    ### BEGIN SOLUTION
    loss = reg * sum(float(np.sum(w * w)) for w in weights.values())
    grads = {name: 2 * reg * w for name, w in weights.items()}
    ### END SOLUTION
    return loss, grads


def check_positive_int(caller, name, value):
    """Return ``value`` as an int if it is a positive integer, else raise a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{caller}: {name} must be a positive int, got {value!r}")
    return int(value)


def check_model_options(caller, reg, weight_scale, weight_init):
    """Validate the options every classifier shares; return reg and weight_scale as floats."""
    if isinstance(reg, bool) or not isinstance(reg, numbers.Real) or not reg >= 0:
        raise ValueError(f"{caller}: reg must be a number >= 0, got {reg!r}")
    if (
        isinstance(weight_scale, bool)
        or not isinstance(weight_scale, numbers.Real)
        or not weight_scale > 0
    ):
        raise ValueError(f"{caller}: weight_scale must be a positive number, got {weight_scale!r}")
    if weight_init not in INIT_SCHEMES:
        raise ValueError(
            f"{caller}: weight_init must be one of {sorted(INIT_SCHEMES)}, got {weight_init!r}"
        )
    return float(reg), float(weight_scale)


def make_rng(seed):
    """RandomState(seed) for weight init, or None (numpy's global state) when seed is None."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    return np.random.RandomState(seed)


def check_input(caller, X, input_dim):
    """Check that X is (N, d_1, ..., d_k) with d_1 * ... * d_k == input_dim."""
    if not hasattr(X, "shape") or X.ndim < 2:
        raise ValueError(
            f"{caller}: X must be an array of shape (N, d_1, ..., d_k), got "
            f"{getattr(X, 'shape', type(X).__name__)}"
        )
    D = int(np.prod(X.shape[1:]))
    if D != input_dim:
        raise ValueError(
            f"{caller}: each example of X has {D} values (X.shape={X.shape}) but the model "
            f"was built with input_dim={input_dim}"
        )


def add_gradients(grads, extra):
    """Add the arrays of ``extra`` into ``grads`` (same keys), returning grads."""
    for name, value in extra.items():
        grads[name] = grads[name] + value
    return grads


# ------------------------------------------------------------------------- models


class TwoLayerNet:
    """A two-layer fully-connected network with ReLU and softmax loss (modular version).

    Architecture: affine - relu - affine - softmax. Inputs have dimension D, the hidden layer
    dimension H, and there are C classes.

    The learnable parameters are stored in ``self.params``:
    - W1: first layer weights, shape (D, H); b1: first layer biases, shape (H,)
    - W2: second layer weights, shape (H, C); b2: second layer biases, shape (C,)
    """

    def __init__(
        self,
        input_dim=CIFAR10_INPUT_DIM,
        hidden_dim=100,
        num_classes=CIFAR10_NUM_CLASSES,
        weight_scale=1e-3,
        reg=0.0,
        weight_init="small",
        seed=None,
    ):
        """Initialize a new network.

        Inputs:
        - input_dim: int, D, the size of the input
        - hidden_dim: int, H, the size of the hidden layer
        - num_classes: int, C, the number of classes
        - weight_scale: float, std of the "small" random weights
        - reg: float, L2 regularization strength
        - weight_init: "small" (randn * weight_scale), "xavier" or "he" (see cs231n.init)
        - seed: int or None; weights come from RandomState(seed), or numpy's global random
          state when None (as CS231n's np.random.randn)
        """
        caller = "TwoLayerNet"
        self.input_dim = check_positive_int(caller, "input_dim", input_dim)
        hidden_dim = check_positive_int(caller, "hidden_dim", hidden_dim)
        num_classes = check_positive_int(caller, "num_classes", num_classes)
        self.reg, weight_scale = check_model_options(caller, reg, weight_scale, weight_init)
        rng = make_rng(seed)
        self.params = {}
        # TODO: Initialize the weights and biases of the two-layer net. Weights come from
        # init_weights(shape, weight_init, rng, weight_scale); biases are zeros. Store them in
        # self.params as W1, b1 (first layer) and W2, b2 (second layer).
        ### BEGIN SOLUTION
        self.params["W1"] = init_weights((input_dim, hidden_dim), weight_init, rng, weight_scale)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = init_weights((hidden_dim, num_classes), weight_init, rng, weight_scale)
        self.params["b2"] = np.zeros(num_classes)
        ### END SOLUTION

    def loss(self, X, y=None):
        """Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: array of input data of shape (N, d_1, ..., d_k), d_1 * ... * d_k = D
        - y: array of labels, of shape (N,); y[i] gives the label for X[i]

        Returns:
        If y is None, run a test-time forward pass and return:
        - scores: array of shape (N, C) giving classification scores, where scores[i, c] is
          the classification score for X[i] and class c.

        If y is not None, run a training-time forward and backward pass and return a tuple of:
        - loss: scalar value giving the loss (data loss + reg * sum of squared weights)
        - grads: dict with the same keys as self.params, mapping parameter names to gradients
          of the loss with respect to those parameters.
        """
        check_input("TwoLayerNet.loss", X, self.input_dim)
        scores = None
        # TODO: Implement the forward pass for the two-layer net (affine_relu_forward, then
        # affine_forward), computing the class scores for X. Keep the caches.
        ### BEGIN SOLUTION
        hidden, hidden_cache = affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, scores_cache = affine_forward(hidden, self.params["W2"], self.params["b2"])
        ### END SOLUTION

        # If y is None then we are in test mode so just return scores
        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Implement the backward pass: the softmax data loss (softmax_loss), the backward
        # passes of both layers, and the L2 penalty (l2_regularization) on W1 and W2.
        # grads[k] must hold the gradient of the total loss with respect to self.params[k].
        ### BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        weights = {name: self.params[name] for name in ("W1", "W2")}
        reg_loss, reg_grads = l2_regularization(weights, self.reg)
        loss = data_loss + reg_loss
        add_gradients(grads, reg_grads)
        ### END SOLUTION
        return loss, grads


class FullyConnectedNet:
    """A fully-connected network with any number of hidden layers.

    Architecture, for L layers (L - 1 hidden layers):

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where normalization and dropout are optional.

    The learnable parameters are stored in ``self.params``: W1..WL (shape (D_in, D_out)),
    b1..bL, and with normalization gamma1..gamma(L-1), beta1..beta(L-1) (shape (D_out,)).

    Model state besides params: ``self.bn_params`` (one dict per hidden layer with the norm
    layer's mode / running averages) and ``self.dropout_param`` ({"mode", "p"[, "seed"]},
    empty without dropout). Hidden layer i (0-based) uses seed ``seed + i`` so layers of equal
    width don't share a mask. The Solver writes a fresh ``dropout_param["seed"]`` before every
    training iteration (see cs231n.solver.Solver), so training masks change per iteration and
    are reproducible; a fixed ``seed`` without the Solver gives the same masks on every call,
    which gradient checks need.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=CIFAR10_INPUT_DIM,
        num_classes=CIFAR10_NUM_CLASSES,
        dropout=0.0,
        normalization=None,
        reg=0.0,
        weight_scale=DEFAULT_WEIGHT_SCALE,
        dtype=np.float32,
        seed=None,
        weight_init="small",
    ):
        """Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: list of ints, the size of each hidden layer (may be empty)
        - input_dim: int, D, the size of the input
        - num_classes: int, C, the number of classes
        - dropout: float in [0, 1), probability of DROPPING a hidden unit; 0 = no dropout
        - normalization: None, "batchnorm" or "layernorm"
        - reg: float, L2 regularization strength
        - weight_scale: float, std of the "small" random weights
        - dtype: numpy dtype of the parameters (and of X inside loss); float32 trains faster,
          float64 is needed for numeric gradient checking
        - seed: int or None; seeds the weight initialisation (RandomState(seed); None = numpy's
          global random state) and fixes the dropout masks (dropout_param["seed"])
        - weight_init: "small" (randn * weight_scale), "xavier" or "he" (see cs231n.init)
        """
        caller = "FullyConnectedNet"
        if isinstance(hidden_dims, numbers.Integral) or not hasattr(hidden_dims, "__iter__"):
            raise TypeError(f"{caller}: hidden_dims must be a list of ints, got {hidden_dims!r}")
        hidden_dims = [check_positive_int(caller, "hidden_dims[i]", h) for h in hidden_dims]
        self.input_dim = check_positive_int(caller, "input_dim", input_dim)
        num_classes = check_positive_int(caller, "num_classes", num_classes)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
            raise TypeError(f"{caller}: dropout must be a number in [0, 1), got {dropout!r}")
        if not 0 <= dropout < 1:
            raise ValueError(
                f"{caller}: dropout is the probability of DROPPING a unit and must lie in "
                f"[0, 1), got {dropout}"
            )
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"{caller}: normalization must be one of {NORMALIZATIONS}, got {normalization!r}"
            )
        self.reg, weight_scale = check_model_options(caller, reg, weight_scale, weight_init)
        rng = make_rng(seed)

        self.normalization = normalization
        self.use_dropout = dropout > 0
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}
        layer_dims = [self.input_dim, *hidden_dims, num_classes]
        # TODO: Initialize the parameters of the network in self.params: for layer i = 1..L
        # the weights Wi of shape (layer_dims[i-1], layer_dims[i]) from
        # init_weights(shape, weight_init, rng, weight_scale) and zero biases bi; with
        # normalization also gammai (ones) and betai (zeros) for every hidden layer.
        ### BEGIN SOLUTION
        for i in range(1, self.num_layers + 1):
            dim_in, dim_out = layer_dims[i - 1], layer_dims[i]
            self.params[f"W{i}"] = init_weights((dim_in, dim_out), weight_init, rng, weight_scale)
            self.params[f"b{i}"] = np.zeros(dim_out)
            if self.normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dim_out)
                self.params[f"beta{i}"] = np.zeros(dim_out)
        ### END SOLUTION

        # When using dropout we need to pass a dropout_param dictionary to each dropout layer
        # so that the layer knows the dropout probability and the mode (train / test).
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # Batch norm keeps running means and variances per layer: one bn_param per hidden
        # layer. Layer norm needs no state but gets one (empty) dict per layer as well.
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        elif self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # Cast all parameters to the correct datatype
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def _layer_dropout_params(self):
        """One dropout_param per hidden layer; layer i gets seed + i when a seed is set."""
        if not self.use_dropout:
            return []
        seed = self.dropout_param.get("seed")
        if seed is None:
            return [self.dropout_param] * (self.num_layers - 1)
        return [
            {**self.dropout_param, "seed": (seed + i) % SEED_BOUND}
            for i in range(self.num_layers - 1)
        ]

    def loss(self, X, y=None):
        """Compute loss and gradient for the fully-connected net.

        Inputs:
        - X: array of input data of shape (N, d_1, ..., d_k), d_1 * ... * d_k = D
        - y: array of labels, of shape (N,); y[i] gives the label for X[i]

        Returns:
        If y is None (test mode: batch norm uses its running averages, no dropout):
        - scores: array of shape (N, C), scores[i, c] is the score of class c for X[i]

        If y is not None (training mode), a tuple of:
        - loss: scalar value giving the loss (data loss + reg * sum of squared weights)
        - grads: dict with the same keys as self.params, mapping parameter names to gradients
          of the loss with respect to those parameters.
        """
        check_input("FullyConnectedNet.loss", X, self.input_dim)
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"

        # Set train/test mode for batchnorm params and dropout param since they behave
        # differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        dropout_params = self._layer_dropout_params()
        scores = None
        # TODO: Implement the forward pass for the fully-connected net, computing the class
        # scores for X. Every hidden layer is affine_relu_forward, or affine_bn_relu_forward /
        # affine_ln_relu_forward (with gammai, betai, self.bn_params[i-1]) when
        # self.normalization is set, followed by dropout_forward(hidden, dropout_params[i-1])
        # when self.use_dropout. The last layer is affine_forward. Keep every cache.
        ### BEGIN SOLUTION
        hidden = X
        layer_caches, dropout_caches = [], []
        for i in range(1, self.num_layers):
            w, b = self.params[f"W{i}"], self.params[f"b{i}"]
            if self.normalization is None:
                hidden, cache = affine_relu_forward(hidden, w, b)
            else:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                norm_forward = (
                    affine_bn_relu_forward
                    if self.normalization == "batchnorm"
                    else affine_ln_relu_forward
                )
                hidden, cache = norm_forward(hidden, w, b, gamma, beta, self.bn_params[i - 1])
            layer_caches.append(cache)
            if self.use_dropout:
                hidden, cache = dropout_forward(hidden, dropout_params[i - 1])
                dropout_caches.append(cache)
        last = self.num_layers
        scores, scores_cache = affine_forward(
            hidden, self.params[f"W{last}"], self.params[f"b{last}"]
        )
        ### END SOLUTION

        # If test mode return early
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: Implement the backward pass for the fully-connected net: the softmax data
        # loss, then the backward pass of every layer in reverse order (dropout_backward,
        # then the matching *_relu_backward), then the L2 penalty (l2_regularization) on the
        # weights W1..WL only. grads[k] must hold the gradient for self.params[k].
        ### BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        last = self.num_layers
        dhidden, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, scores_cache)
        for i in range(self.num_layers - 1, 0, -1):
            if self.use_dropout:
                dhidden = dropout_backward(dhidden, dropout_caches[i - 1])
            if self.normalization is None:
                dhidden, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(
                    dhidden, layer_caches[i - 1]
                )
            else:
                norm_backward = (
                    affine_bn_relu_backward
                    if self.normalization == "batchnorm"
                    else affine_ln_relu_backward
                )
                dhidden, dw, db, dgamma, dbeta = norm_backward(dhidden, layer_caches[i - 1])
                grads[f"W{i}"], grads[f"b{i}"] = dw, db
                grads[f"gamma{i}"], grads[f"beta{i}"] = dgamma, dbeta
        weights = {f"W{i}": self.params[f"W{i}"] for i in range(1, self.num_layers + 1)}
        reg_loss, reg_grads = l2_regularization(weights, self.reg)
        loss = data_loss + reg_loss
        add_gradients(grads, reg_grads)
        ### END SOLUTION
        return loss, grads
