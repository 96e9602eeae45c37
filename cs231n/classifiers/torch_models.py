"""PyTorch helpers of PyTorch.ipynb: data as tensors, a training loop, the best model.

PyTorch is optional (``make torch`` or ``pip install -e ".[torch]"``); it is imported lazily, so
``import cs231n.classifiers.torch_models`` works without it and ``require_torch()`` raises an
ImportError that says how to install it.

- ``torch_available()``, ``require_torch()``, ``skip_rest_of_notebook_without_torch()``.
- ``to_tensors(data)``: the arrays of get_CIFAR10_data() as float32 / int64 tensors.
- ``minibatches(X, y, batch_size, rng)``: one epoch of shuffled minibatches.
- ``check_accuracy(model, X, y)``: accuracy of an ``nn.Module`` (eval mode) or a function.
- ``train(model, optimizer, data, ...)``: epochs of minibatch training (optional flips and
  crops from ``cs231n.augment``, per-epoch learning-rate schedule), returns a history.
- ``save_module(path, model, history)`` / ``load_module(path, model)``: a trained network's
  state dict and training history in a ``.pt`` file, so a notebook can evaluate it again
  without training.

The reference answer of the notebook's open-ended part (an instructor file, not handed out) is
``cs231n.bench.torch_recipe``.
"""

import importlib.util
import math
import time
from pathlib import Path

import numpy as np

from cs231n.augment import RandomFlipCrop

INSTALL_HINT = (
    "PyTorch is not installed. Install the optional CPU build with `make torch` "
    '(or `pip install -e ".[torch]"` in the repository root), then restart the kernel.'
)
SKIPPED_CELL = "# skipped: PyTorch is not installed\n"
EVAL_BATCH_SIZE = 500


def torch_available():
    """True if PyTorch can be imported."""
    return importlib.util.find_spec("torch") is not None


def require_torch():
    """Import and return torch, or raise an ImportError that says how to install it."""
    if not torch_available():
        raise ImportError(INSTALL_HINT)
    import torch

    return torch


def _skip_cell(lines):
    """IPython input transformer: replace a cell by a comment (no code runs, no output)."""
    return [SKIPPED_CELL]


def skip_rest_of_notebook_without_torch(shell=None):
    """Call at the top of a PyTorch notebook: without PyTorch, print how to install it and
    turn every LATER cell into a no-op, so that the notebook runs to the end without errors.

    Inputs:
    - shell: the IPython shell (default: the running one; None outside IPython)

    Returns True if PyTorch is available (nothing is changed), False otherwise.
    """
    if torch_available():
        return True
    print(INSTALL_HINT)
    print("The rest of this notebook is skipped.")
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            get_ipython = None
        shell = get_ipython() if get_ipython is not None else None
    if shell is not None and _skip_cell not in shell.input_transformers_post:
        shell.input_transformers_post.append(_skip_cell)
    return False


def to_tensors(data):
    """Convert a get_CIFAR10_data() dict to tensors: X_* float32 (N, 3, 32, 32), y_* int64."""
    torch = require_torch()
    tensors = {}
    for key, value in data.items():
        dtype = torch.float32 if key.startswith("X") else torch.int64
        tensors[key] = torch.as_tensor(np.asarray(value), dtype=dtype)
    return tensors


def minibatches(num_examples, batch_size, rng):
    """Index arrays of one epoch: a random permutation cut into minibatches (the last may be
    smaller).

    Inputs:
    - num_examples: N; batch_size: int; rng: np.random.RandomState or Generator

    Returns a list of int arrays of indices into the N examples.
    """
    order = rng.permutation(num_examples)
    return [order[i : i + batch_size] for i in range(0, num_examples, batch_size)]


def check_accuracy(model, X, y, batch_size=EVAL_BATCH_SIZE):
    """Accuracy of ``model`` on tensors X (N, ...) and y (N,).

    ``model`` is an nn.Module (evaluated in eval mode, then put back in its previous mode) or
    a function X_batch -> scores. Returns a float.
    """
    torch = require_torch()
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            scores = model(X[start : start + batch_size])
            correct += int((scores.argmax(dim=1) == y[start : start + batch_size]).sum())
    if was_training:
        model.train()
    return correct / X.shape[0]


def _l2_penalty(model, weight_decay):
    """weight_decay * sum(W**2) over the weight tensors (2-D and 4-D) of the model."""
    return weight_decay * sum((p * p).sum() for p in model.parameters() if p.dim() > 1)


def train(model, data, epochs=1, batch_size=64, learning_rate=1e-3, weight_decay=0.0,
          augment=False, cosine=False, seed=0, optimizer=None, progress=True):
    """Train an nn.Module with softmax loss on minibatches; returns the per-epoch history.

    Inputs:
    - model: nn.Module mapping (N, 3, 32, 32) to scores (N, C)
    - data: dict of tensors (to_tensors) with X_train, y_train, X_val, y_val
    - epochs, batch_size: passes over the training set and minibatch size
    - learning_rate: Adam's learning rate (when optimizer is None)
    - weight_decay: L2 strength, ``weight_decay * sum(W**2)`` over weights added to the loss
    - augment: random flips and 4-pixel crops of every minibatch (cs231n.augment)
    - cosine: cosine decay of the learning rate per epoch (lr_e = lr / 2 * (1 + cos(pi e / E)))
    - seed: seeds the minibatch order and the augmentation (np.random.RandomState(seed))
    - optimizer: a torch.optim optimizer over model.parameters() (default: Adam)
    - progress: tqdm progress bar

    Returns a list of dicts (epoch, lr, loss = mean training loss, train_acc on the first 1000
    training images, val_acc, seconds since the start).
    """
    torch = require_torch()
    import torch.nn.functional as F
    from tqdm.auto import tqdm

    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    rng = np.random.RandomState(seed)
    transform = RandomFlipCrop() if augment else None
    X_train, y_train = data["X_train"], data["y_train"]
    history, started = [], time.perf_counter()
    for epoch in range(epochs):
        scale = 0.5 * (1 + math.cos(math.pi * epoch / epochs)) if cosine else 1.0
        for group, base_lr in zip(optimizer.param_groups, base_lrs, strict=True):
            group["lr"] = base_lr * scale
        model.train()
        losses = []
        batches = minibatches(X_train.shape[0], batch_size, rng)
        for batch in tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress):
            X_batch = X_train[batch]
            if transform is not None:
                X_batch = torch.from_numpy(transform(X_batch.numpy(), rng))
            loss = F.cross_entropy(model(X_batch), y_train[batch])
            if weight_decay:
                loss = loss + _l2_penalty(model, weight_decay)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.append({
            "epoch": epoch + 1,
            "lr": optimizer.param_groups[0]["lr"],
            "loss": float(np.mean(losses)),
            "train_acc": check_accuracy(model, X_train[:1000], y_train[:1000]),
            "val_acc": check_accuracy(model, data["X_val"], data["y_val"]),
            "seconds": round(time.perf_counter() - started, 1),
        })
    return history


def save_module(path, model, history):
    """Store a network's state dict and its training history with torch.save.

    Inputs:
    - path: file name (missing parent directories are created)
    - model: an nn.Module
    - history: list of per-epoch dicts, as train() returns
    """
    torch = require_torch()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "history": history}, path)


def load_module(path, model):
    """Load what save_module stored into ``model`` (a fresh network of the same architecture).

    The file is read with ``weights_only=True`` (no code runs). The model is left in eval
    mode. Returns the stored history.
    """
    torch = require_torch()
    stored = torch.load(path, weights_only=True)
    model.load_state_dict(stored["state_dict"])
    model.eval()
    return stored["history"]
