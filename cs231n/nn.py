"""A small module system over the package's pure layer functions.

Every module wraps ``*_forward -> (out, cache)`` / ``*_backward(dout, cache)`` pairs of
``cs231n.layers`` (and the fast convolution / max pooling of ``cs231n.fast_layers`` whenever
``cs231n.layer_utils`` picked them, see ``layer_utils.CONV_BACKEND``); no layer math is
repeated here. Modules compose into any network (LeNet-5 ... ResNet, see
``cs231n.architectures``), and ``Classifier`` turns a network into a model that the
``cs231n.solver.Solver`` trains::

    from cs231n import nn
    net = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, pad=1), nn.SpatialBatchNorm(16), nn.ReLU(),
        nn.MaxPool(2, stride=2),
        nn.residual_block(16, 16),                       # identity shortcut
        nn.residual_block(16, 32, stride=2),             # 1x1 conv projection shortcut
        nn.GlobalAvgPool(), nn.Flatten(), nn.Dropout(p=0.5), nn.Affine(32, 10),
    )
    net.summary(input_shape=(3, 32, 32))                 # shapes and parameter counts only
    model = nn.Classifier(net, input_shape=(3, 32, 32), reg=1e-4, seed=0)
    solver = Solver(model, data, update_rule="adam", seed=0)

The module contract (shapes never include the batch axis N):
- ``output_shape(input_shape) -> tuple``: shape of one output example; raises ValueError
  naming the layer when the input does not fit (wrong channels, windows that don't tile...).
- ``param_shapes(input_shape) -> dict`` name -> shape of every learnable array of the module
  and its children (names of children are prefixed: ``"3.body.0.W"``).
- ``param_kinds() -> dict`` name -> "weight" (randomly initialised, L2-regularised),
  "zeros" (biases, beta) or "ones" (gamma).
- ``forward(x, params, mode) -> (out, cache)`` with ``params`` a dict holding (at least) the
  module's names and mode "train" or "test".
- ``backward(dout, cache) -> (dx, grads)``, grads a dict with the module's names.

Windows (convolution and pooling) must tile the padded input exactly, like the layers; with
``floor=True`` a module instead drops the trailing rows/columns no window reaches (the
PyTorch/Caffe convention that ImageNet networks rely on, e.g. a 3x3 stride-2 convolution
with pad 1 on a 56x56 input gives 28x28). The cropping and any padding the layer functions
can't do themselves (asymmetric, or around a pooling window) is ``pad_crop_forward``.
"""

import math
import numbers
import sys

import numpy as np

from cs231n.init import INIT_SCHEMES, init_weights
from cs231n.layer_utils import AFFINE, BATCHNORM, CONV, LAYERNORM, MAX_POOL, SPATIAL_BATCHNORM
from cs231n.layers import (
    avg_pool_backward_naive,
    avg_pool_forward_naive,
    conv_output_size,
    dropout_backward,
    dropout_forward,
    elu_backward,
    elu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    softmax_loss,
    tanh_backward,
    tanh_forward,
)

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
MODES = ("train", "test")
BN_EPS = 1e-5  # batch/layer norm epsilon (as cs231n.layers)
BN_MOMENTUM = 0.9  # batch norm running average momentum (as cs231n.layers)
LEAKY_RELU_ALPHA = 0.01
ELU_ALPHA = 1.0
DEFAULT_WEIGHT_INIT = "he"  # Classifier weight initialisation scheme (cs231n.init)
DEFAULT_WEIGHT_SCALE = 1e-2  # std of the "small" scheme
SEED_BOUND = 2**32  # numpy RandomState seeds lie in [0, 2**32)
PARAM_KINDS = ("weight", "zeros", "ones")
MAX_POOL_PAD_VALUE = -np.inf  # max pooling pads with -inf: a pad never wins a window
AVG_POOL_PAD_VALUE = 0.0  # average pooling counts padded zeros (PyTorch count_include_pad)
SUMMARY_COLUMNS = ("layer", "type", "output shape", "params", "mult-adds")


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------
def _positive_int(caller, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{caller}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _pair(caller, name, value, minimum=1):
    """An int or a pair of ints -> (height value, width value)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{caller}: {name} must be an int or a pair of ints, got {value!r}")
        return tuple(_positive_int(caller, name, v, minimum) for v in value)
    value = _positive_int(caller, name, value, minimum)
    return value, value


def _probability(caller, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{caller}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _shape_tuple(caller, input_shape):
    """input_shape (one example, no batch axis) as a tuple of positive ints."""
    if isinstance(input_shape, numbers.Integral):
        input_shape = (input_shape,)
    try:
        shape = tuple(int(s) for s in input_shape)
    except TypeError:
        raise TypeError(
            f"{caller}: input_shape must be a tuple of ints (one example, without the batch "
            f"axis N), got {input_shape!r}"
        ) from None
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"{caller}: input_shape must hold positive ints, got {input_shape!r}")
    return shape


def _require_ndim(module, input_shape, ndim, letters):
    if len(input_shape) != ndim:
        raise ValueError(
            f"{module!r} expects one example of shape {letters}, got input_shape {input_shape}"
        )


def _check_mode(caller, mode):
    if mode not in MODES:
        raise ValueError(f"{caller}: mode must be 'train' or 'test', got {mode!r}")


class LayerShapeError(ValueError):
    """A module does not fit its input; the message names the layer path and its input shape.

    Attributes: path (list of child names from the outermost container), module (description),
    input_shape, reason.
    """

    def __init__(self, path, module, input_shape, reason):
        self.path, self.module, self.input_shape, self.reason = path, module, input_shape, reason
        super().__init__(self._message())

    def _message(self):
        where = ".".join(self.path)
        return (
            f"layer {where} ({self.module}) with input shape {self.input_shape}: {self.reason}"
        )

    def nested(self, name):
        """The same error seen from the container that holds this layer as child ``name``."""
        return LayerShapeError([name, *self.path], self.module, self.input_shape, self.reason)


def _child_output_shape(name, child, input_shape):
    """child.output_shape(input_shape), errors re-raised with the layer path."""
    try:
        return child.output_shape(input_shape)
    except LayerShapeError as error:
        raise error.nested(name) from None
    except ValueError as error:
        raise LayerShapeError([name], repr(child), input_shape, str(error)) from None


# ---------------------------------------------------------------------------------------------
# Window geometry and padding/cropping (bookkeeping around the layer functions)
# ---------------------------------------------------------------------------------------------
def window_plan(size, window, stride, pad, floor, caller, size_label="H", window_label="HH"):
    """Output length and effective padding of a sliding window along one axis.

    Inputs:
    - size: input length (H or W); window: window length (HH, WW or the pool size)
    - stride: step between windows; pad: zeros (or pad values) added on each side
    - floor: False: the windows must tile the padded input exactly (ValueError otherwise, as
      the layers); True: trailing rows no window reaches are dropped (PyTorch/Caffe).
    - caller, size_label, window_label: how error messages name things

    Returns a tuple of:
    - out_size: int, number of windows
    - pad_before: int, the padding before the input (= pad)
    - pad_after: int, the padding after the input that the windows actually use; smaller
      than pad (possibly negative = rows cropped off the input) when floor drops rows
    """
    if not floor:
        out_size = conv_output_size(size, window, stride, pad, caller, size_label, window_label)
        return out_size, pad, pad
    padded = size + 2 * pad
    if window > padded:
        raise ValueError(
            f"{caller}: {window_label}={window} is larger than the padded input "
            f"{size_label} + 2*pad = {size} + 2*{pad} = {padded}"
        )
    out_size = 1 + (padded - window) // stride
    used = (out_size - 1) * stride + window  # padded rows the windows cover
    return out_size, pad, used - size - pad


def pad_crop_forward(x, pads, value=0.0):
    """Pad (or crop) the two spatial axes of x by different amounts on each side.

    Inputs:
    - x: input data of shape (N, C, H, W)
    - pads: (top, bottom, left, right) ints; a positive entry adds that many rows/columns of
      ``value``, a negative one removes that many from that side
    - value: the value of the added entries (0 for convolution, -inf for max pooling)

    Returns a tuple of:
    - out: shape (N, C, H + top + bottom, W + left + right)
    - cache: (x.shape, pads)
    """
    top, bottom, left, right = pads
    _, _, H, W = x.shape
    kept = x[:, :, max(-top, 0) : H - max(-bottom, 0), max(-left, 0) : W - max(-right, 0)]
    widths = ((0, 0), (0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)))
    out = np.pad(kept, widths, constant_values=value) if max(pads) > 0 else kept
    return out, (x.shape, pads)


def pad_crop_backward(dout, cache):
    """Backward pass of pad_crop_forward.

    Inputs:
    - dout: upstream derivative, shape (N, C, H + top + bottom, W + left + right)
    - cache: (x.shape, pads) from pad_crop_forward

    Returns:
    - dx: shape (N, C, H, W); cropped entries get zero gradient
    """
    x_shape, (top, bottom, left, right) = cache
    _, _, H, W = x_shape
    kept_height = H - max(-top, 0) - max(-bottom, 0)
    kept_width = W - max(-left, 0) - max(-right, 0)
    row0, col0 = max(top, 0), max(left, 0)
    dkept = dout[:, :, row0 : row0 + kept_height, col0 : col0 + kept_width]
    if min(top, bottom, left, right) >= 0:
        return dkept
    dx = np.zeros(x_shape, dtype=dout.dtype)
    dx[:, :, max(-top, 0) : H - max(-bottom, 0), max(-left, 0) : W - max(-right, 0)] = dkept
    return dx


class _Windows:
    """Geometry of a convolution/pooling window over (C, H, W) inputs, shared by the modules.

    ``plan(H, W)`` -> (H', W', pads) with pads the (top, bottom, left, right) padding the layer
    needs, or None when the layer function can take the input directly (symmetric ``pad``
    that tiles, given to conv as conv_param['pad']).
    """

    def __init__(self, caller, window, stride, pad, floor, layer_pads):
        self.caller = caller
        self.window = _pair(caller, "kernel_size", window)
        self.stride = _positive_int(caller, "stride", stride)
        self.pad = _positive_int(caller, "pad", pad, minimum=0)
        self.floor = bool(floor)
        self.layer_pads = layer_pads  # True if the wrapped layer pads symmetrically itself
        self._plans = {}

    def plan(self, H, W):
        key = (H, W)
        if key not in self._plans:
            HH, WW = self.window
            out_h, top, bottom = window_plan(
                H, HH, self.stride, self.pad, self.floor, self.caller, "H", "HH"
            )
            out_w, left, right = window_plan(
                W, WW, self.stride, self.pad, self.floor, self.caller, "W", "WW"
            )
            pads = (top, bottom, left, right)
            direct = bottom == top and right == left and (self.layer_pads or self.pad == 0)
            self._plans[key] = (out_h, out_w, None if direct else pads)
        return self._plans[key]

    def describe(self):
        HH, WW = self.window
        text = f"{HH}x{WW}, stride {self.stride}"
        if self.pad:
            text += f", pad {self.pad}"
        if self.floor:
            text += ", floor"
        return text


# ---------------------------------------------------------------------------------------------
# Module base class
# ---------------------------------------------------------------------------------------------
class Module:
    """Base class: a layer or a container of layers (see the module docstring for the contract).

    Subclasses set ``_param_kinds`` (name -> kind) for their own arrays and override
    ``output_shape``, ``forward``, ``backward``; containers override ``children``.
    """

    _param_kinds = {}

    def children(self):
        """List of (name, module) pairs of the direct children (empty for a layer)."""
        return []

    def param_kinds(self):
        """Dict name -> "weight" | "zeros" | "ones" of every learnable array (with children)."""
        kinds = dict(self._param_kinds)
        for name, child in self.children():
            kinds.update({f"{name}.{k}": v for k, v in child.param_kinds().items()})
        return kinds

    def output_shape(self, input_shape):
        """Shape of one output example for one input example of ``input_shape``."""
        raise NotImplementedError

    def own_param_shapes(self, input_shape):
        """Shapes of this module's own arrays (not its children's)."""
        return {}

    def param_shapes(self, input_shape):
        """Dict name -> shape of every learnable array, validated against input_shape."""
        input_shape = _shape_tuple(type(self).__name__, input_shape)
        shapes = {}
        self._walk(input_shape, "", 0, None, shapes=shapes)
        return shapes

    def macs(self, input_shape):
        """Multiply-adds of this module alone for one example (0 unless conv/affine)."""
        return 0

    def forward(self, x, params, mode):
        """out, cache = forward(x (N, *input_shape), params dict, mode 'train' | 'test')."""
        raise NotImplementedError

    def backward(self, dout, cache):
        """dx, grads = backward(dout (N, *output_shape), cache from forward)."""
        raise NotImplementedError

    def describe(self):
        """One line naming the module and its configuration."""
        return type(self).__name__

    def __repr__(self):
        return self.describe()

    def modules(self, prefix=""):
        """Yield (path, module) for this module and all its descendants, depth first."""
        yield prefix, self
        for name, child in self.children():
            yield from child.modules(f"{prefix}.{name}" if prefix else name)

    # -- shape walk used by param_shapes, summary and layer_table ----------------------------
    def _walk(self, input_shape, path, depth, rows, shapes):
        """Compute the output shape, collect param shapes (and summary rows); return the shape.

        Containers override ``_walk_children``; rows is a list (or None) of summary dicts.
        """
        if path:
            out_shape = _child_output_shape(path, self, input_shape)
        else:
            out_shape = self.output_shape(input_shape)
        own = self.own_param_shapes(input_shape)
        prefix = f"{path}." if path else ""
        shapes.update({prefix + name: shape for name, shape in own.items()})
        row = None
        if rows is not None:
            row = {
                "layer": path or "(net)",
                "type": self.describe(),
                "output_shape": out_shape,
                "params": sum(math.prod(s) for s in own.values()),
                "macs": self.macs(input_shape),
                "depth": depth,
                "is_container": bool(self.children()),
            }
            rows.append(row)
        start = len(rows) if rows is not None else 0
        before = dict(shapes)
        self._walk_children(input_shape, prefix, depth + 1, rows, shapes)
        if row is not None and row["is_container"]:
            new = [shape for name, shape in shapes.items() if name not in before]
            row["params"] += sum(math.prod(s) for s in new)
            row["macs"] += sum(r["macs"] for r in rows[start:] if not r["is_container"])
        return out_shape

    def _walk_children(self, input_shape, prefix, depth, rows, shapes):
        """Walk the children (containers only)."""

    # -- summaries -----------------------------------------------------------------------------
    def layer_table(self, input_shape):
        """Rows of the summary, computed from shapes only (no weights are allocated).

        Inputs:
        - input_shape: shape of one input example, e.g. (3, 224, 224)

        Returns a list of dicts, one per module in depth-first order, with keys layer (path
        like "3.body.0"), type (description), output_shape, params (int, including the
        children for containers), macs (multiply-adds per example, convolution and affine
        layers only), depth (0 for this module) and is_container.
        """
        input_shape = _shape_tuple(type(self).__name__, input_shape)
        rows = []
        self._walk(input_shape, "", 0, rows, shapes={})
        return rows

    def num_params(self, input_shape):
        """Total number of learnable values (int)."""
        return sum(math.prod(s) for s in self.param_shapes(input_shape).values())

    def summary(self, input_shape, depth=None, file=None):
        """Print every layer's output shape, parameter count and mult-adds, plus the totals.

        Computed from shapes only, so it works for VGG-16 without allocating its 138M weights.

        Inputs:
        - input_shape: shape of one input example (no batch axis), e.g. (3, 32, 32)
        - depth: None to list every module; k to list modules down to nesting depth k only
          (the rows of deeper containers still count all their layers)
        - file: stream to print to (default sys.stdout)

        Returns:
        - total: int, the number of learnable parameters
        """
        rows = self.layer_table(input_shape)
        total_params, total_macs = rows[0]["params"], rows[0]["macs"]
        if not rows[0]["is_container"]:
            rows = [dict(rows[0], layer="0", depth=1)]
        else:
            rows = rows[1:]
        shown = [r for r in rows if depth is None or r["depth"] <= depth]
        table = [SUMMARY_COLUMNS, ("input", "", str(_shape_tuple("summary", input_shape)), "", "")]
        for r in shown:
            indent = "  " * (r["depth"] - 1)
            table.append(
                (
                    indent + r["layer"],
                    r["type"],
                    str(r["output_shape"]),
                    f"{r['params']:,}",
                    f"{r['macs']:,}" if r["macs"] else "",
                )
            )
        widths = [max(len(line[i]) for line in table) for i in range(len(SUMMARY_COLUMNS))]
        right_aligned = (3, 4)
        out = file if file is not None else sys.stdout
        for k, line in enumerate(table):
            cells = [
                cell.rjust(w) if i in right_aligned else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            ]
            print("  ".join(cells).rstrip(), file=out)
            if k == 0:
                print("-" * (sum(widths) + 2 * (len(widths) - 1)), file=out)
        print(f"Total params: {total_params:,}", file=out)
        print(f"Total mult-adds per example: {total_macs:,}", file=out)
        return total_params


# ---------------------------------------------------------------------------------------------
# Layers with parameters
# ---------------------------------------------------------------------------------------------
class Conv2d(Module):
    """Convolution: ``conv_forward_fast`` (or the naive layer when the extension is missing).

    Params: W (F, C, HH, WW) "weight"; b (F,) "zeros" unless bias=False (then zero biases are
    passed to the layer and no gradient is returned for them, as in ResNet before batch norm).
    Input (C, H, W) -> output (F, H', W'); see window_plan for H', W' and ``floor``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, bias=True,
                 floor=False):
        caller = "Conv2d"
        self.in_channels = _positive_int(caller, "in_channels", in_channels)
        self.out_channels = _positive_int(caller, "out_channels", out_channels)
        self.windows = _Windows(caller, kernel_size, stride, pad, floor, layer_pads=True)
        self.bias = bool(bias)
        self._param_kinds = {"W": "weight", "b": "zeros"} if self.bias else {"W": "weight"}
        self._zero_bias = {}  # dtype -> zeros (F,), for bias=False

    def describe(self):
        bias = "" if self.bias else ", no bias"
        return (
            f"Conv2d({self.in_channels}->{self.out_channels}, {self.windows.describe()}{bias})"
        )

    def _check(self, input_shape):
        _require_ndim(self, input_shape, 3, "(C, H, W)")
        if input_shape[0] != self.in_channels:
            raise ValueError(
                f"{self!r} expects C={self.in_channels} input channels, got input_shape "
                f"{input_shape}"
            )
        return self.windows.plan(*input_shape[1:])

    def output_shape(self, input_shape):
        out_h, out_w, _ = self._check(input_shape)
        return (self.out_channels, out_h, out_w)

    def own_param_shapes(self, input_shape):
        HH, WW = self.windows.window
        shapes = {"W": (self.out_channels, self.in_channels, HH, WW)}
        if self.bias:
            shapes["b"] = (self.out_channels,)
        return shapes

    def macs(self, input_shape):
        F, out_h, out_w = self.output_shape(input_shape)
        HH, WW = self.windows.window
        return F * out_h * out_w * self.in_channels * HH * WW

    def forward(self, x, params, mode):
        w = params["W"]
        if self.bias:
            b = params["b"]
        else:
            b = self._zero_bias.get(w.dtype)
            if b is None:
                b = self._zero_bias[w.dtype] = np.zeros(self.out_channels, dtype=w.dtype)
        _, _, pads = self.windows.plan(*x.shape[2:])
        pad_cache = None
        conv_param = {"stride": self.windows.stride, "pad": self.windows.pad}
        if pads is not None:
            x, pad_cache = pad_crop_forward(x, pads)
            conv_param["pad"] = 0
        out, cache = CONV.forward(x, w, b, conv_param)
        return out, (cache, pad_cache)

    def backward(self, dout, cache):
        conv_cache, pad_cache = cache
        dx, dw, db = CONV.backward(dout, conv_cache)
        if pad_cache is not None:
            dx = pad_crop_backward(dx, pad_cache)
        grads = {"W": dw, "b": db} if self.bias else {"W": dw}
        return dx, grads


class Affine(Module):
    """Fully connected layer ``out = x_rows @ W + b`` (layers.affine_forward).

    Params: W (D, M) "weight", b (M,) "zeros". Input of D = in_features values (any shape,
    flattened) -> output (M,).
    """

    _param_kinds = {"W": "weight", "b": "zeros"}

    def __init__(self, in_features, out_features):
        self.in_features = _positive_int("Affine", "in_features", in_features)
        self.out_features = _positive_int("Affine", "out_features", out_features)

    def describe(self):
        return f"Affine({self.in_features}->{self.out_features})"

    def output_shape(self, input_shape):
        if math.prod(input_shape) != self.in_features:
            raise ValueError(
                f"{self!r} expects D={self.in_features} input values per example, got "
                f"input_shape {input_shape} = {math.prod(input_shape)} values"
            )
        return (self.out_features,)

    def own_param_shapes(self, input_shape):
        return {"W": (self.in_features, self.out_features), "b": (self.out_features,)}

    def macs(self, input_shape):
        return self.in_features * self.out_features

    def forward(self, x, params, mode):
        return AFFINE.forward(x, params["W"], params["b"])

    def backward(self, dout, cache):
        dx, dw, db = AFFINE.backward(dout, cache)
        return dx, {"W": dw, "b": db}


class _Norm(Module):
    """Shared bookkeeping of the normalization layers: gamma "ones", beta "zeros" of (D,)."""

    _param_kinds = {"gamma": "ones", "beta": "zeros"}
    layer = None  # a layer_utils.Layer with forward(x, gamma, beta, param) / backward
    letters = None  # the input shape it expects, e.g. "(D,)" ...
    ndim = None  # ... and its number of axes

    def __init__(self, num_features, eps=BN_EPS):
        caller = type(self).__name__
        self.num_features = _positive_int(caller, "num_features", num_features)
        if not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"{caller}: eps must be a number > 0, got {eps!r}")
        self.norm_param = {"eps": eps}

    def describe(self):
        return f"{type(self).__name__}({self.num_features})"

    def output_shape(self, input_shape):
        _require_ndim(self, input_shape, self.ndim, self.letters)
        if input_shape[0] != self.num_features:
            raise ValueError(
                f"{self!r} expects {self.num_features} features/channels first, got input_shape "
                f"{input_shape}"
            )
        return tuple(input_shape)

    def own_param_shapes(self, input_shape):
        return {"gamma": (self.num_features,), "beta": (self.num_features,)}

    def _prepare(self, mode):
        return self.norm_param

    def forward(self, x, params, mode):
        return self.layer.forward(x, params["gamma"], params["beta"], self._prepare(mode))

    def backward(self, dout, cache):
        dx, dgamma, dbeta = self.layer.backward(dout, cache)
        return dx, {"gamma": dgamma, "beta": dbeta}


class _BatchNormBase(_Norm):
    """Batch norm state: ``bn_param`` (mode, eps, momentum, running_mean, running_var)."""

    def __init__(self, num_features, eps=BN_EPS, momentum=BN_MOMENTUM):
        super().__init__(num_features, eps)
        if not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must lie in [0, 1], got "
                             f"{momentum!r}")
        self.norm_param["momentum"] = momentum
        self.bn_param = self.norm_param  # the dict a Classifier lists in model.bn_params

    def reset_running_stats(self, dtype=np.float64):
        """Running mean zeros and running variance ones (shape (D,)) of ``dtype``."""
        self.bn_param["running_mean"] = np.zeros(self.num_features, dtype=dtype)
        self.bn_param["running_var"] = np.ones(self.num_features, dtype=dtype)

    def _prepare(self, mode):
        _check_mode(type(self).__name__, mode)
        self.bn_param["mode"] = mode
        return self.bn_param


class BatchNorm(_BatchNormBase):
    """Batch normalization of (D,) features (layers.batchnorm_forward, backward_alt)."""

    layer = BATCHNORM
    letters = "(D,)"
    ndim = 1


class SpatialBatchNorm(_BatchNormBase):
    """Spatial batch normalization of (C, H, W) inputs, one mean/variance per channel."""

    layer = SPATIAL_BATCHNORM
    letters = "(C, H, W)"
    ndim = 3


class LayerNorm(_Norm):
    """Layer normalization of (D,) features (layers.layernorm_forward); no running state."""

    layer = LAYERNORM
    letters = "(D,)"
    ndim = 1


# ---------------------------------------------------------------------------------------------
# Layers without parameters
# ---------------------------------------------------------------------------------------------
class _Elementwise(Module):
    """An activation ``forward(x, *args) -> (out, cache)``, ``backward -> dx``; shape kept."""

    functions = None  # (forward, backward)

    def __init__(self, *args):
        self.args = args

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, params, mode):
        return self.functions[0](x, *self.args)

    def backward(self, dout, cache):
        return self.functions[1](dout, cache), {}


class ReLU(_Elementwise):
    """max(0, x) (layers.relu_forward)."""

    functions = (relu_forward, relu_backward)


class Tanh(_Elementwise):
    """tanh(x) (layers.tanh_forward)."""

    functions = (tanh_forward, tanh_backward)


class Sigmoid(_Elementwise):
    """1 / (1 + exp(-x)) (layers.sigmoid_forward)."""

    functions = (sigmoid_forward, sigmoid_backward)


class LeakyReLU(_Elementwise):
    """max(alpha * x, x) (layers.leaky_relu_forward)."""

    functions = (leaky_relu_forward, leaky_relu_backward)

    def __init__(self, alpha=LEAKY_RELU_ALPHA):
        super().__init__(alpha)

    def describe(self):
        return f"LeakyReLU(alpha={self.args[0]})"


class ELU(_Elementwise):
    """x for x > 0, alpha * (exp(x) - 1) otherwise (layers.elu_forward)."""

    functions = (elu_forward, elu_backward)

    def __init__(self, alpha=ELU_ALPHA):
        super().__init__(alpha)

    def describe(self):
        return f"ELU(alpha={self.args[0]})"


class Dropout(Module):
    """Inverted dropout; p is the probability of DROPPING a unit (layers.dropout_forward).

    ``seed``: None (numpy's global random state) or an int giving the mask (a Classifier sets
    it from model.dropout_param['seed'] before every call). Identity in test mode.
    """

    def __init__(self, p=0.5, seed=None):
        self.p = _probability("Dropout", "p", p)
        self.seed = seed

    def describe(self):
        return f"Dropout(p={self.p})"

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def forward(self, x, params, mode):
        dropout_param = {"p": self.p, "mode": mode}
        if self.seed is not None:
            dropout_param["seed"] = self.seed
        return dropout_forward(x, dropout_param)

    def backward(self, dout, cache):
        return dropout_backward(dout, cache), {}


class _Pool(Module):
    """Shared bookkeeping of the pooling layers over (C, H, W) inputs."""

    layer_functions = None  # (forward, backward) taking pool_param
    pad_value = 0.0

    def __init__(self, kernel_size, stride=None, pad=0, floor=False):
        caller = type(self).__name__
        stride = kernel_size if stride is None else stride
        if isinstance(stride, (tuple, list)):
            raise ValueError(f"{caller}: stride must be an int, got {stride!r}")
        self.windows = _Windows(caller, kernel_size, stride, pad, floor, layer_pads=False)
        if self.windows.pad >= min(self.windows.window):
            raise ValueError(
                f"{caller}: pad={pad} must be smaller than the pool size {kernel_size} (a window "
                "made only of padding has no value)"
            )
        HH, WW = self.windows.window
        self.pool_param = {"pool_height": HH, "pool_width": WW, "stride": self.windows.stride}

    def describe(self):
        return f"{type(self).__name__}({self.windows.describe()})"

    def output_shape(self, input_shape):
        _require_ndim(self, input_shape, 3, "(C, H, W)")
        out_h, out_w, _ = self.windows.plan(*input_shape[1:])
        return (input_shape[0], out_h, out_w)

    def forward(self, x, params, mode):
        _, _, pads = self.windows.plan(*x.shape[2:])
        pad_cache = None
        if pads is not None:
            x, pad_cache = pad_crop_forward(x, pads, self.pad_value)
        out, cache = self.layer_functions[0](x, self.pool_param)
        return out, (cache, pad_cache)

    def backward(self, dout, cache):
        pool_cache, pad_cache = cache
        dx = self.layer_functions[1](dout, pool_cache)
        if pad_cache is not None:
            dx = pad_crop_backward(dx, pad_cache)
        return dx, {}


class MaxPool(_Pool):
    """Max pooling (fast layer when built); padding, if any, is -inf."""

    layer_functions = MAX_POOL
    pad_value = MAX_POOL_PAD_VALUE


class AvgPool(_Pool):
    """Average pooling (layers.avg_pool_forward_naive); padding, if any, counts as zeros."""

    layer_functions = (avg_pool_forward_naive, avg_pool_backward_naive)
    pad_value = AVG_POOL_PAD_VALUE


class GlobalAvgPool(Module):
    """Average over all of H and W: (C, H, W) -> (C, 1, 1) (one average-pooling window)."""

    def output_shape(self, input_shape):
        _require_ndim(self, input_shape, 3, "(C, H, W)")
        return (input_shape[0], 1, 1)

    def forward(self, x, params, mode):
        _, _, H, W = x.shape
        pool_param = {"pool_height": H, "pool_width": W, "stride": 1}
        return avg_pool_forward_naive(x, pool_param)

    def backward(self, dout, cache):
        return avg_pool_backward_naive(dout, cache), {}


class Flatten(Module):
    """(d_1, ..., d_k) -> (d_1 * ... * d_k,) per example."""

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def forward(self, x, params, mode):
        out = x.reshape(x.shape[0], -1)  # (N, d_1, ..., d_k) -> (N, D)
        return out, x.shape

    def backward(self, dout, cache):
        return dout.reshape(cache), {}  # (N, D) -> (N, d_1, ..., d_k)


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------
def _check_modules(caller, modules):
    modules = list(modules)
    for i, module in enumerate(modules):
        if not isinstance(module, Module):
            raise TypeError(
                f"{caller}: entry {i} must be a cs231n.nn module, got {type(module).__name__}"
            )
    return modules


class _Container(Module):
    """Bookkeeping shared by the containers: named children and their parameter names."""

    def __init__(self, named_children):
        self._children = list(named_children)
        # For every child: (module, [(name inside the child, name inside this container)])
        self._child_params = [
            (child, [(local, f"{name}.{local}") for local in child.param_kinds()])
            for name, child in self._children
        ]

    def children(self):
        return list(self._children)

    @staticmethod
    def _select(params, names):
        """The child's params dict: its own names -> arrays of this container's dict."""
        return {local: params[full] for local, full in names}

    @staticmethod
    def _merge(grads, child_grads, names):
        for local, full in names:
            grads[full] = child_grads[local]


class Sequential(_Container):
    """Modules applied one after the other; children are named "0", "1", ..."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = modules[0]
        modules = _check_modules("Sequential", modules)
        if not modules:
            raise ValueError("Sequential: give at least one module")
        super().__init__((str(i), module) for i, module in enumerate(modules))

    def __len__(self):
        return len(self._children)

    def __getitem__(self, index):
        return self._children[index][1]

    def describe(self):
        return f"Sequential({len(self._children)} modules)"

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        for name, child in self._children:
            shape = _child_output_shape(name, child, shape)
        return shape

    def _walk_children(self, input_shape, prefix, depth, rows, shapes):
        shape = tuple(input_shape)
        for name, child in self._children:
            shape = child._walk(shape, prefix + name, depth, rows, shapes)

    def forward(self, x, params, mode):
        caches = []
        for child, names in self._child_params:
            x, cache = child.forward(x, self._select(params, names), mode)
            caches.append(cache)
        return x, caches

    def backward(self, dout, cache):
        grads = {}
        for (child, names), child_cache in zip(
            reversed(self._child_params), reversed(cache), strict=True
        ):
            dout, child_grads = child.backward(dout, child_cache)
            self._merge(grads, child_grads, names)
        return dout, grads


ACTIVATIONS = {None: None, "relu": (relu_forward, relu_backward)}


class Residual(_Container):
    """Residual block: ``out = activation(body(x) + shortcut(x))`` (He et al. 2015).

    - body: module computing the residual F(x).
    - shortcut: None for the identity (body must keep the shape), or a module mapping x to the
      body's output shape, typically ``projection(C_in, C_out, stride)`` (1x1 convolution).
    - activation: "relu" (ResNet v1: ReLU after the addition) or None (no activation).

    Children: "body" and, with a projection, "shortcut".
    """

    def __init__(self, body, shortcut=None, activation="relu"):
        _check_modules("Residual", [body] if shortcut is None else [body, shortcut])
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"Residual: activation must be one of {list(ACTIVATIONS)}, got {activation!r}"
            )
        self.activation = activation
        named = [("body", body)] if shortcut is None else [("body", body), ("shortcut", shortcut)]
        super().__init__(named)
        self.body, self.shortcut = body, shortcut

    def describe(self):
        shortcut = "identity" if self.shortcut is None else "projection"
        return f"Residual({shortcut} shortcut, {self.activation or 'no'} activation)"

    def output_shape(self, input_shape):
        body_shape = _child_output_shape("body", self.body, input_shape)
        if self.shortcut is None:
            short_shape = tuple(input_shape)
            if short_shape != body_shape:
                raise ValueError(
                    f"the body maps {short_shape} to {body_shape} but an identity shortcut "
                    "keeps the shape; pass shortcut=nn.projection(C_in, C_out, stride)"
                )
        else:
            short_shape = _child_output_shape("shortcut", self.shortcut, input_shape)
            if short_shape != body_shape:
                raise ValueError(
                    f"the body gives {body_shape} but the shortcut gives {short_shape}; they "
                    "must match to be added"
                )
        return body_shape

    def _walk_children(self, input_shape, prefix, depth, rows, shapes):
        for name, child in self._children:
            child._walk(input_shape, prefix + name, depth, rows, shapes)

    def forward(self, x, params, mode):
        (body, body_names), *rest = self._child_params
        out, body_cache = body.forward(x, self._select(params, body_names), mode)
        short_cache = None
        if rest:
            shortcut, short_names = rest[0]
            short, short_cache = shortcut.forward(x, self._select(params, short_names), mode)
            out = out + short
        else:
            out = out + x
        act_cache = None
        if self.activation is not None:
            out, act_cache = ACTIVATIONS[self.activation][0](out)
        return out, (body_cache, short_cache, act_cache)

    def backward(self, dout, cache):
        body_cache, short_cache, act_cache = cache
        if self.activation is not None:
            dout = ACTIVATIONS[self.activation][1](dout, act_cache)
        (body, body_names), *rest = self._child_params
        dx, body_grads = body.backward(dout, body_cache)
        grads = {}
        self._merge(grads, body_grads, body_names)
        if rest:
            shortcut, short_names = rest[0]
            dx_short, short_grads = shortcut.backward(dout, short_cache)
            self._merge(grads, short_grads, short_names)
            dx = dx + dx_short
        else:
            dx = dx + dout
        return dx, grads


class Concat(_Container):
    """Inception-style branches on the same input, outputs concatenated on the channel axis.

    Every branch maps (C, H, W) to (C_k, H', W') with the same H', W'; the output is
    (C_1 + ... + C_K, H', W'). Children are named "0", "1", ...
    """

    def __init__(self, branches):
        branches = _check_modules("Concat", branches)
        if not branches:
            raise ValueError("Concat: give at least one branch")
        super().__init__((str(i), branch) for i, branch in enumerate(branches))

    def describe(self):
        return f"Concat({len(self._children)} branches)"

    def output_shape(self, input_shape):
        shapes = [_child_output_shape(name, b, input_shape) for name, b in self._children]
        if any(len(s) != 3 or s[1:] != shapes[0][1:] for s in shapes):
            raise ValueError(
                f"the branches give {shapes}; they must all be (C_k, H', W') with the same "
                "H' and W' to be concatenated on the channel axis"
            )
        return (sum(s[0] for s in shapes), *shapes[0][1:])

    def _walk_children(self, input_shape, prefix, depth, rows, shapes):
        for name, child in self._children:
            child._walk(input_shape, prefix + name, depth, rows, shapes)

    def forward(self, x, params, mode):
        outs, caches = [], []
        for branch, names in self._child_params:
            out, cache = branch.forward(x, self._select(params, names), mode)
            outs.append(out)
            caches.append(cache)
        channels = [out.shape[1] for out in outs]
        return np.concatenate(outs, axis=1), (caches, channels)

    def backward(self, dout, cache):
        caches, channels = cache
        douts = np.split(dout, np.cumsum(channels)[:-1], axis=1)  # channel blocks, views
        dx, grads = None, {}
        for (branch, names), branch_dout, branch_cache in zip(
            self._child_params, douts, caches, strict=True
        ):
            dx_branch, branch_grads = branch.backward(branch_dout, branch_cache)
            self._merge(grads, branch_grads, names)
            dx = dx_branch if dx is None else dx + dx_branch
        return dx, grads


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------
def projection(in_channels, out_channels, stride=1, batchnorm=True):
    """The projection shortcut of ResNet: 1x1 convolution (stride ``stride``), then batch norm.

    Inputs:
    - in_channels, out_channels: C_in and C_out
    - stride: int, the body's downsampling factor (floor semantics, like the body's convs)
    - batchnorm: True: Conv2d without bias followed by SpatialBatchNorm; False: Conv2d with bias

    Returns a Sequential mapping (C_in, H, W) to (C_out, H', W').
    """
    conv = Conv2d(in_channels, out_channels, 1, stride=stride, bias=not batchnorm, floor=True)
    return Sequential(conv, SpatialBatchNorm(out_channels)) if batchnorm else Sequential(conv)


def residual_block(in_channels, out_channels, stride=1, batchnorm=True):
    """ResNet's basic block: two 3x3 convolutions, identity or projection shortcut, ReLU.

    body = conv3x3(stride) - [bn] - relu - conv3x3 - [bn]; the shortcut is the identity when
    the shape is kept (stride 1, in_channels == out_channels) and ``projection(...)`` (1x1
    convolution) otherwise; out = relu(body(x) + shortcut(x)).

    Inputs:
    - in_channels, out_channels: C_in and C_out
    - stride: int, stride of the first convolution (2 halves H and W)
    - batchnorm: use batch norm after each convolution (convolutions then have no bias)

    Returns a Residual module mapping (C_in, H, W) to (C_out, H', W').
    """
    body = conv_block(in_channels, out_channels, stride, batchnorm) + [
        Conv2d(out_channels, out_channels, 3, stride=1, pad=1, bias=not batchnorm)
    ]
    if batchnorm:
        body.append(SpatialBatchNorm(out_channels))
    shortcut = None
    if stride != 1 or in_channels != out_channels:
        shortcut = projection(in_channels, out_channels, stride, batchnorm)
    return Residual(Sequential(*body), shortcut=shortcut, activation="relu")


def conv_block(in_channels, out_channels, stride=1, batchnorm=True, kernel_size=3):
    """conv (kernel_size, pad kernel_size // 2, floor) - [spatial batch norm] - relu, as a list.

    Returns a list of modules (concatenate lists to build a Sequential).
    """
    conv = Conv2d(in_channels, out_channels, kernel_size, stride=stride, pad=kernel_size // 2,
                  bias=not batchnorm, floor=stride > 1)
    layers = [conv]
    if batchnorm:
        layers.append(SpatialBatchNorm(out_channels))
    layers.append(ReLU())
    return layers


# ---------------------------------------------------------------------------------------------
# Module as a layer function pair (for cs231n.gradient_check.check_layer)
# ---------------------------------------------------------------------------------------------
def as_layer(module, mode="train"):
    """Wrap a module as a ``forward(x, *params) / backward(dout, cache)`` layer pair.

    Inputs:
    - module: any Module
    - mode: 'train' or 'test'

    Returns a tuple of:
    - names: list of the module's parameter names, in the order forward takes them
    - forward: forward(x, *arrays) -> (out, cache), arrays in ``names`` order
    - backward: backward(dout, cache) -> (dx, *grads) in the same order (just dx if the
      module has no parameters), the contract of check_layer
    """
    _check_mode("as_layer", mode)
    names = list(module.param_kinds())

    def forward(x, *arrays):
        return module.forward(x, dict(zip(names, arrays, strict=True)), mode)

    def backward(dout, cache):
        dx, grads = module.backward(dout, cache)
        return (dx, *(grads[name] for name in names)) if names else dx

    forward.__name__ = f"{type(module).__name__}.forward"
    backward.__name__ = f"{type(module).__name__}.backward"
    return names, forward, backward


def init_params(module, input_shape, weight_init=DEFAULT_WEIGHT_INIT,
                weight_scale=DEFAULT_WEIGHT_SCALE, rng=None, dtype=np.float64):
    """Fresh parameters of a module: weights from cs231n.init, biases/beta 0, gamma 1.

    Inputs:
    - module: any Module; input_shape: shape of one input example
    - weight_init: "small", "xavier" or "he" (cs231n.init); weight_scale: std of "small"
    - rng: numpy RandomState / Generator, or None for numpy's global random state
    - dtype: dtype of the arrays

    Returns a dict name -> array, in module.param_kinds() order.
    """
    shapes = module.param_shapes(input_shape)
    params = {}
    for name, kind in module.param_kinds().items():
        shape = shapes[name]
        if kind == "weight":
            value = init_weights(shape, weight_init, rng, weight_scale)
        elif kind == "ones":
            value = np.ones(shape)
        else:
            value = np.zeros(shape)
        params[name] = value.astype(dtype)
    return params


# ---------------------------------------------------------------------------------------------
# Classifier: a network + softmax loss + L2, following the Solver's model contract
# ---------------------------------------------------------------------------------------------
class Classifier:
    """A network of nn modules trained with softmax loss and L2 regularization.

    Follows the model contract of ``cs231n.solver.Solver``:
    - ``params``: flat dict name -> array ("0.W", "0.b", "1.gamma", "3.body.0.W", ...),
      read on every call of loss (the Solver may replace the arrays or the whole dict).
    - ``loss(X, y=None)``: scores (N, C) in test mode (batch norm uses its running averages,
      dropout is off) or (loss, grads) in train mode; loss = softmax loss
      + reg * sum(W**2) over the weight arrays (convolution and affine W; not biases, gamma,
      beta).
    - ``bn_params``: the bn_param dicts of the batch norm modules (running averages), saved
      and restored by Solver checkpoints.
    - ``dropout_param``: {} without dropout, else {"mode", "seed"}; the Solver writes a fresh
      seed before every training call, and dropout module k uses seed + k.
    - ``reg``, ``dtype``: L2 strength and the dtype of params (X is cast to it).
    """

    def __init__(self, net, input_shape, reg=0.0, dtype=np.float32, seed=None,
                 weight_init=DEFAULT_WEIGHT_INIT, weight_scale=DEFAULT_WEIGHT_SCALE):
        """Build the classifier and initialise its parameters.

        Inputs:
        - net: a Module mapping one example of input_shape to (C,) class scores
        - input_shape: shape of one input example, e.g. (3, 32, 32)
        - reg: float >= 0, L2 regularization strength
        - dtype: dtype of the parameters (float32 to train, float64 for gradient checks)
        - seed: int or None; the weights come from RandomState(seed) (numpy's global state if
          None) and dropout_param['seed'] starts at seed
        - weight_init: "small", "xavier" or "he" (see cs231n.init)
        - weight_scale: std of the "small" scheme
        """
        caller = "Classifier"
        if not isinstance(net, Module):
            raise TypeError(f"{caller}: net must be a cs231n.nn module, got {type(net).__name__}")
        if isinstance(reg, bool) or not isinstance(reg, numbers.Real) or not reg >= 0:
            raise ValueError(f"{caller}: reg must be a number >= 0, got {reg!r}")
        if weight_init not in INIT_SCHEMES:
            raise ValueError(
                f"{caller}: weight_init must be one of {sorted(INIT_SCHEMES)}, got "
                f"{weight_init!r}"
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"{caller}: seed must be an int or None, got {seed!r}")
        self.net = net
        self.input_shape = _shape_tuple(caller, input_shape)
        out_shape = net.output_shape(self.input_shape)
        if len(out_shape) != 1:
            raise ValueError(
                f"{caller}: the net must end with class scores of shape (C,), but it maps "
                f"{self.input_shape} to {out_shape}; add nn.Flatten() / nn.Affine(D, C)"
            )
        self.num_classes = out_shape[0]
        self.reg = float(reg)
        self.dtype = dtype

        modules = [module for _, module in net.modules()]
        if len({id(m) for m in modules}) != len(modules):
            raise ValueError(
                f"{caller}: a module instance appears twice in the net; create a new module "
                "for every use (weights are not shared)"
            )
        rng = None if seed is None else np.random.RandomState(seed)
        self.params = init_params(net, self.input_shape, weight_init, weight_scale, rng, dtype)
        kinds = net.param_kinds()
        self.weight_names = [name for name, kind in kinds.items() if kind == "weight"]

        batchnorms = [m for m in modules if isinstance(m, _BatchNormBase)]
        for module in batchnorms:
            module.reset_running_stats(dtype)
        self.bn_params = [module.bn_param for module in batchnorms]
        self._dropouts = [m for m in modules if isinstance(m, Dropout)]
        self.dropout_param = {}
        if self._dropouts:
            self.dropout_param = {"mode": "train"}
            if seed is not None:
                self.dropout_param["seed"] = int(seed)

    def _seed_dropouts(self):
        seed = self.dropout_param.get("seed")
        for k, module in enumerate(self._dropouts):
            module.seed = None if seed is None else (seed + k) % SEED_BOUND

    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        Inputs:
        - X: array of shape (N, *input_shape), cast to self.dtype (no copy if it already is)
        - y: None (test mode), or int labels of shape (N,) with 0 <= y[i] < C

        Returns:
        - if y is None: scores, shape (N, C)
        - else a tuple (loss, grads) with grads a dict with the keys and shapes of params
        """
        if not hasattr(X, "shape") or tuple(X.shape[1:]) != self.input_shape:
            raise ValueError(
                f"Classifier.loss: X must have shape (N, {', '.join(map(str, self.input_shape))})"
                f", got {getattr(X, 'shape', type(X).__name__)}"
            )
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"
        if self.dropout_param:
            self.dropout_param["mode"] = mode
            self._seed_dropouts()
        scores, cache = self.net.forward(X, self.params, mode)
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, y)
        _, grads = self.net.backward(dscores, cache)
        if self.reg:
            for name in self.weight_names:
                w = self.params[name]
                loss += self.reg * np.sum(w * w)
                grads[name] = grads[name] + 2 * self.reg * w
        return loss, grads

    def predict(self, X, batch_size=100):
        """Predicted class labels, computed in test mode in minibatches.

        Inputs:
        - X: array of shape (N, *input_shape)
        - batch_size: examples per forward pass

        Returns:
        - y_pred: int array of shape (N,), the argmax of the scores
        """
        batch_size = _positive_int("Classifier.predict", "batch_size", batch_size)
        scores = [self.loss(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return np.argmax(np.concatenate(scores), axis=1)

    def summary(self, depth=None, file=None):
        """net.summary(self.input_shape, depth, file); returns the parameter count."""
        return self.net.summary(self.input_shape, depth=depth, file=file)
