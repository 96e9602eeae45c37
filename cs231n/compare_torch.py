"""The same network in cs231n and in PyTorch: gradients compared tensor by tensor (lecture 8).

``ThreeLayerConvNet`` (conv - relu - 2x2 max pool - affine - relu - affine - softmax) computes
its gradients with hand-written backward passes; ``torch_convnet(model)`` builds the same
function as a ``torch.nn.Module`` holding copies of the model's weights, whose gradients come
from autograd. ``compare_with_torch`` runs both on the same minibatch and reports, for the loss
and for every parameter, the largest relative error and where it occurs, so a disagreement
names the tensor that differs.

PyTorch is optional: it is imported only when a function here needs it. Without it those
functions raise ImportError naming ``make torch`` / ``pip install -e ".[torch]"``;
``torch_available()`` tells a notebook whether to skip.

Example::

    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.compare_torch import compare_with_torch
    model = ThreeLayerConvNet(num_filters=4, filter_size=3, hidden_dim=10, reg=0.1,
                              dtype=np.float64, seed=0)
    report = compare_with_torch(model, X, y)      # a GradCheckReport; print(report)
    report.assert_ok(tol=1e-9)
"""

import functools
import importlib

import numpy as np

from cs231n.experiments import time_call
from cs231n.gradient_check import GradCheckReport, compare_gradients

TORCH_INSTALL_HINT = (
    'PyTorch is not installed. It is optional; install the CPU build with `make torch` (or '
    '`pip install -e ".[torch]"` in the repository root) to run the PyTorch comparisons.'
)
WEIGHT_NAMES = ("W1", "W2", "W3")  # the L2-regularized parameters of ThreeLayerConvNet
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
LOSS_ENTRY = "loss"  # name of the loss's row in the comparison report
COMPARISON_TOL = 1e-9  # float64 cs231n and float64 PyTorch agree to about machine precision
DTYPES = {"float32": np.float32, "float64": np.float64}


# ---------------------------------------------------------------------------------------------
# Optional import
# ---------------------------------------------------------------------------------------------
def torch_available():
    """True if PyTorch can be imported (tries the import; False on ImportError)."""
    try:
        require_torch()
    except ImportError:
        return False
    return True


def require_torch():
    """Import and return the torch module, or raise ImportError with the install hint."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(TORCH_INSTALL_HINT) from error
    return torch


# ---------------------------------------------------------------------------------------------
# The PyTorch twin of ThreeLayerConvNet
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _torch_convnet_class():
    """Define (once) the torch.nn.Module mirroring ThreeLayerConvNet; needs torch."""
    torch = require_torch()
    functional = torch.nn.functional

    class TorchThreeLayerConvNet(torch.nn.Module):
        """conv - relu - max pool - affine - relu - affine, with ThreeLayerConvNet's layout.

        Parameters W1 (F, C, HH, WW), b1 (F,), W2 (F * H_pool * W_pool, hidden), b2, W3
        (hidden, C_out), b3 are torch Parameters with the same names and shapes as the
        cs231n model's params (W2 and W3 are (D_in, D_out), as in affine_forward).
        """

        def __init__(self, params, conv_param, pool_param, dtype):
            super().__init__()
            for name in PARAM_NAMES:
                value = torch.tensor(np.asarray(params[name]), dtype=dtype)
                self.register_parameter(name, torch.nn.Parameter(value))
            self.stride, self.pad = conv_param["stride"], conv_param["pad"]
            self.pool_size = (pool_param["pool_height"], pool_param["pool_width"])
            self.pool_stride = pool_param["stride"]

        def forward(self, x):
            """Class scores (N, C_out) of images x (N, C, H, W)."""
            out = functional.conv2d(x, self.W1, self.b1, stride=self.stride, padding=self.pad)
            out = functional.max_pool2d(functional.relu(out), self.pool_size, self.pool_stride)
            rows = out.flatten(1)  # (N, F, H_pool, W_pool) -> (N, F * H_pool * W_pool)
            hidden = functional.relu(rows @ self.W2 + self.b2)
            return hidden @ self.W3 + self.b3

    return TorchThreeLayerConvNet


def _torch_dtype(torch, dtype):
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    return getattr(torch, dtype)


def torch_convnet(model, dtype="float64"):
    """A torch.nn.Module computing the same scores as a ThreeLayerConvNet, with copied weights.

    Inputs:
    - model: cs231n.classifiers.cnn.ThreeLayerConvNet (reads params, conv_param, pool_param).
    - dtype: "float64" (for comparisons) or "float32" (for timings).

    Returns the module; net(x) maps a torch tensor x (N, C, H, W) to scores (N, C_out).
    """
    torch = require_torch()
    missing = [name for name in PARAM_NAMES if name not in getattr(model, "params", {})]
    if missing or not hasattr(model, "conv_param"):
        raise TypeError(
            f"torch_convnet: model must be a ThreeLayerConvNet (params {list(PARAM_NAMES)}, "
            f"conv_param, pool_param); missing {missing or ['conv_param']}"
        )
    return _torch_convnet_class()(model.params, model.conv_param, model.pool_param,
                                  _torch_dtype(torch, dtype))


def torch_loss(net, X, y, reg, regularized=WEIGHT_NAMES):
    """Softmax cross-entropy (mean over N) plus reg * sum(W**2) over the named weights.

    Inputs:
    - net: module from torch_convnet.
    - X: (N, C, H, W) numpy array; y: (N,) int labels.
    - reg: float, L2 strength (the cs231n convention reg * sum(W**2), gradient 2 reg W).
    - regularized: names of the parameters in the penalty (default W1, W2, W3, like the
      cs231n model; leaving one out reproduces a typical porting bug).

    Returns the scalar loss tensor (call .backward() on it).
    """
    torch = require_torch()
    dtype = net.W1.dtype
    scores = net(torch.as_tensor(X, dtype=dtype))
    data_loss = torch.nn.functional.cross_entropy(scores, torch.as_tensor(y, dtype=torch.long))
    penalty = sum((getattr(net, name) ** 2).sum() for name in regularized)
    return data_loss + reg * penalty


def torch_loss_and_grads(model, X, y, regularized=WEIGHT_NAMES, dtype="float64"):
    """Loss and gradients of a ThreeLayerConvNet's twin, by PyTorch autograd.

    Inputs:
    - model: ThreeLayerConvNet; X: (N, C, H, W); y: (N,) int labels.
    - regularized, dtype: as in torch_loss / torch_convnet.

    Returns a tuple of:
    - loss: float
    - grads: dict name -> numpy array, same keys and shapes as model.params
    """
    net = torch_convnet(model, dtype=dtype)
    loss = torch_loss(net, X, y, model.reg, regularized=regularized)
    loss.backward()
    grads = {name: getattr(net, name).grad.detach().numpy() for name in PARAM_NAMES}
    return float(loss.detach()), grads


class TorchComparison(GradCheckReport):
    """A GradCheckReport whose two value columns are the cs231n and the PyTorch values.

    Entries: "loss" first (shape ()), then one per parameter; ``analytic`` holds the cs231n
    value and ``numeric`` the PyTorch value at the worst index. ``assert_ok(tol)`` raises an
    AssertionError naming every tensor over tol.
    """

    COLUMNS = ("name", "shape", "max rel error", "worst index", "cs231n", "pytorch", "status")

    def assert_ok(self, tol=COMPARISON_TOL):
        failures = self.failures(tol)
        if failures:
            lines = [f"{self.title}: {len(failures)} of {len(self.entries)} tensors differ "
                     f"by more than tol={tol:g}:"]
            lines += [f"  {entry.name}: max rel error {entry.max_rel_error:.3e} at index "
                      f"{entry.worst_index}: cs231n {entry.analytic:.10g} vs pytorch "
                      f"{entry.numeric:.10g}" for entry in failures]
            raise AssertionError("\n".join(lines))
        return self

    def format_table(self, tol=COMPARISON_TOL):
        return super().format_table(tol)


def compare_with_torch(model, X, y, regularized=WEIGHT_NAMES):
    """Run a ThreeLayerConvNet and its PyTorch twin on one minibatch; compare every tensor.

    Both run in float64: the cs231n model must have been built with dtype=np.float64.

    Inputs:
    - model: ThreeLayerConvNet (dtype float64).
    - X: (N, C, H, W) images; y: (N,) int labels.
    - regularized: weights in the PyTorch L2 penalty (see torch_loss).

    Returns a TorchComparison with the loss and one entry per parameter (in PARAM_NAMES
    order): max relative error, its index, and the two values there.
    """
    if any(np.asarray(value).dtype != np.float64 for value in model.params.values()):
        raise TypeError("compare_with_torch: build the model with dtype=np.float64 so both "
                        "sides compute in double precision")
    loss, grads = model.loss(X, y)
    torch_loss_value, torch_grads = torch_loss_and_grads(model, X, y, regularized=regularized)
    entries = [compare_gradients(LOSS_ENTRY, np.array([loss]), np.array([torch_loss_value]))]
    entries += [compare_gradients(name, grads[name], torch_grads[name]) for name in PARAM_NAMES]
    return TorchComparison(entries, title="cs231n vs PyTorch autograd")


def time_forward_backward(model, X, y, repeats=3):
    """Wall-clock time of one forward + backward pass: cs231n model.loss vs PyTorch autograd.

    Inputs:
    - model: ThreeLayerConvNet (its dtype decides both sides' precision).
    - X: (N, C, H, W); y: (N,) int labels.
    - repeats: best of this many calls.

    Returns a dict {"cs231n": seconds, "pytorch": seconds}.
    """
    dtype = "float32" if model.params["W1"].dtype == np.float32 else "float64"
    net = torch_convnet(model, dtype=dtype)

    def torch_step():
        net.zero_grad()
        torch_loss(net, X, y, model.reg).backward()

    numpy_seconds, _ = time_call(model.loss, X, y, repeats=repeats)
    torch_seconds, _ = time_call(torch_step, repeats=repeats)
    return {"cs231n": numpy_seconds, "pytorch": torch_seconds}


# ---------------------------------------------------------------------------------------------
# Static vs dynamic graphs
# ---------------------------------------------------------------------------------------------
def repeated_tanh_layer(x, w, num_repeats):
    """Apply h <- tanh(h @ w) num_repeats times: plain Python control flow around torch ops.

    Inputs:
    - x: torch tensor (N, D); w: torch tensor (D, D); num_repeats: int >= 0.

    Returns the tensor (N, D). In eager PyTorch every call records a new graph with
    num_repeats layers (a dynamic graph).
    """
    torch = require_torch()
    hidden = x
    for _ in range(num_repeats):
        hidden = torch.tanh(hidden @ w)
    return hidden


def sign_dependent_layer(x):
    """relu(x) if x.sum() > 0 else -x: the branch taken depends on the data.

    Inputs:
    - x: torch tensor of any shape.

    Returns a tensor like x. Eager PyTorch just runs the branch; a static graph traced
    symbolically (torch.fx) cannot, because the condition has no value while tracing.
    """
    torch = require_torch()
    if x.sum() > 0:
        return torch.relu(x)
    return -x


def count_graph_nodes(output):
    """Number of autograd graph nodes behind a tensor (walks grad_fn.next_functions).

    Inputs:
    - output: torch tensor produced from inputs with requires_grad=True.

    Returns an int: 0 for a tensor without history.
    """
    seen, stack = set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return len(seen)


def static_graph_ops(fn_or_module):
    """Trace a function or module with torch.fx into a static graph; list its operations.

    Inputs:
    - fn_or_module: a torch.nn.Module or a function of tensors.

    Returns a list of strings, one per graph node, "op: target" (e.g. "call_function:
    conv2d"). Raises torch.fx's TraceError when the code branches on tensor values.
    """
    require_torch()
    fx = importlib.import_module("torch.fx")
    graph = fx.symbolic_trace(fn_or_module).graph
    return [f"{node.op}: {getattr(node.target, '__name__', node.target)}" for node in graph.nodes]
