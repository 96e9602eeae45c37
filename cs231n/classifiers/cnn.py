"""A three-layer convolutional network (CS231n 2017, assignment 2).

The model follows the Solver's model contract (see ``cs231n.solver.Solver``). Convolution and
pooling go through the ``cs231n.layer_utils`` sandwiches, which use the fast im2col layers
when the Cython extension is built (``layer_utils.CONV_BACKEND == "fast"``).
"""

import numpy as np

from cs231n.classifiers.fc_net import (
    CIFAR10_NUM_CLASSES,
    add_gradients,
    check_model_options,
    check_positive_int,
    l2_regularization,
    make_rng,
)
from cs231n.init import init_weights
from cs231n.layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from cs231n.layers import affine_backward, affine_forward, conv_output_size, softmax_loss

CIFAR10_IMAGE_SHAPE = (3, 32, 32)  # (C, H, W)
CONV_STRIDE = 1
POOL_SIZE = 2  # 2x2 max pooling ...
POOL_STRIDE = 2  # ... with stride 2 halves H and W


class ThreeLayerConvNet:
    """A three-layer convolutional network with the following architecture:

        conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The network operates on minibatches of data of shape (N, C, H, W) consisting of N images,
    each with height H and width W and with C input channels. The convolution has stride 1 and
    zero padding (filter_size - 1) // 2, so an odd filter_size keeps H and W.

    The learnable parameters are stored in ``self.params``:
    - W1: conv filters, shape (F, C, HH, WW) with HH = WW = filter_size; b1: shape (F,)
    - W2: hidden affine weights, shape (F * H_pool * W_pool, hidden_dim); b2: (hidden_dim,)
    - W3: output affine weights, shape (hidden_dim, num_classes); b3: (num_classes,)
    """

    def __init__(
        self,
        input_dim=CIFAR10_IMAGE_SHAPE,
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=CIFAR10_NUM_CLASSES,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
        weight_init="small",
        seed=None,
    ):
        """Initialize a new network.

        Inputs:
        - input_dim: tuple (C, H, W) giving size of input data
        - num_filters: int, F, number of filters to use in the convolutional layer
        - filter_size: int, width/height of filters to use in the convolutional layer
        - hidden_dim: int, number of units to use in the fully-connected hidden layer
        - num_classes: int, number of scores to produce from the final affine layer
        - weight_scale: float, std of the "small" random weights
        - reg: float, L2 regularization strength
        - dtype: numpy datatype of the parameters (and of X inside loss); float64 for
          numeric gradient checks
        - weight_init: "small" (randn * weight_scale), "xavier" or "he" (see cs231n.init)
        - seed: int or None; weights come from RandomState(seed), or numpy's global random
          state when None
        """
        caller = "ThreeLayerConvNet"
        if not hasattr(input_dim, "__len__") or len(input_dim) != 3:
            raise ValueError(f"{caller}: input_dim must be a tuple (C, H, W), got {input_dim!r}")
        C, H, W = (check_positive_int(caller, "input_dim[i]", d) for d in input_dim)
        num_filters = check_positive_int(caller, "num_filters", num_filters)
        filter_size = check_positive_int(caller, "filter_size", filter_size)
        hidden_dim = check_positive_int(caller, "hidden_dim", hidden_dim)
        num_classes = check_positive_int(caller, "num_classes", num_classes)
        self.reg, weight_scale = check_model_options(caller, reg, weight_scale, weight_init)
        rng = make_rng(seed)

        self.input_dim = (C, H, W)
        self.dtype = dtype
        self.conv_param = {"stride": CONV_STRIDE, "pad": (filter_size - 1) // 2}
        self.pool_param = {"pool_height": POOL_SIZE, "pool_width": POOL_SIZE, "stride": POOL_STRIDE}
        H_pool, W_pool = (
            self._pooled_size(size, filter_size, label) for size, label in ((H, "H"), (W, "W"))
        )
        pooled_dim = num_filters * H_pool * W_pool
        self.params = {}
        # TODO: Initialize weights and biases for the three-layer convolutional network.
        # Weights come from init_weights(shape, weight_init, rng, weight_scale), biases are
        # zeros: W1/b1 for the conv layer (filters of shape (F, C, filter_size, filter_size)),
        # W2/b2 for the hidden affine layer (input size pooled_dim) and W3/b3 for the output
        # affine layer.
        ### BEGIN SOLUTION
        conv_shape = (num_filters, C, filter_size, filter_size)
        self.params["W1"] = init_weights(conv_shape, weight_init, rng, weight_scale)
        self.params["b1"] = np.zeros(num_filters)
        self.params["W2"] = init_weights((pooled_dim, hidden_dim), weight_init, rng, weight_scale)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = init_weights((hidden_dim, num_classes), weight_init, rng, weight_scale)
        self.params["b3"] = np.zeros(num_classes)
        ### END SOLUTION

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def _pooled_size(self, size, filter_size, label):
        """Length of one spatial axis after the conv and the pool, checked to tile exactly."""
        caller = "ThreeLayerConvNet"
        conv_size = conv_output_size(
            size,
            filter_size,
            self.conv_param["stride"],
            self.conv_param["pad"],
            name=caller,
            size_label=label,
            filter_label="filter_size",
        )
        return conv_output_size(
            conv_size,
            POOL_SIZE,
            POOL_STRIDE,
            name=f"{caller} (2x2 max pool after the conv, whose output {label} is {conv_size})",
            size_label=f"conv output {label}",
            filter_label="pool size",
        )

    def loss(self, X, y=None):
        """Evaluate loss and gradient for the three-layer convolutional network.

        Inputs:
        - X: array of input images, shape (N, C, H, W)
        - y: array of labels, shape (N,); y[i] gives the label for X[i]

        Returns:
        If y is None:
        - scores: array of shape (N, num_classes) with the class scores of every image.

        Otherwise a tuple of:
        - loss: scalar value giving the loss (data loss + reg * sum of squared weights)
        - grads: dict with the same keys as self.params, mapping parameter names to gradients
          of the loss with respect to those parameters.
        """
        if not hasattr(X, "shape") or X.ndim != 4 or tuple(X.shape[1:]) != self.input_dim:
            raise ValueError(
                f"ThreeLayerConvNet.loss: X must have shape (N, C, H, W) = (N, "
                f"{', '.join(map(str, self.input_dim))}), got "
                f"{getattr(X, 'shape', type(X).__name__)}"
            )
        X = X.astype(self.dtype, copy=False)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        conv_param, pool_param = self.conv_param, self.pool_param

        scores = None
        # TODO: Implement the forward pass for the three-layer convolutional net, computing
        # the class scores for X: conv_relu_pool_forward(X, W1, b1, conv_param, pool_param),
        # then affine_relu_forward and affine_forward. Keep the caches.
        ### BEGIN SOLUTION
        pooled, pool_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)
        scores, scores_cache = affine_forward(hidden, W3, b3)
        ### END SOLUTION

        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Implement the backward pass for the three-layer convolutional net: softmax
        # data loss, the backward passes of the three stages, and the L2 penalty
        # (l2_regularization) on W1, W2 and W3. grads[k] holds the gradient for
        # self.params[k].
        ### BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        dhidden, grads["W3"], grads["b3"] = affine_backward(dscores, scores_cache)
        dpooled, grads["W2"], grads["b2"] = affine_relu_backward(dhidden, hidden_cache)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dpooled, pool_cache)
        weights = {"W1": W1, "W2": W2, "W3": W3}
        reg_loss, reg_grads = l2_regularization(weights, self.reg)
        loss = data_loss + reg_loss
        add_gradients(grads, reg_grads)
        ### END SOLUTION
        return loss, grads
