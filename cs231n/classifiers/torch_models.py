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
- ``best_model()`` / ``BEST_MODEL_TRAINING``: the conv net of the notebook's last part
  (validation accuracy >= 0.72 within 10 epochs); ``train_best_model`` stores its state dict
  in ``assignments/assignment2/stored/pytorch_best_model.pt``, ``load_best_model`` reads it.
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
CIFAR10_CHANNELS = 3
NUM_CLASSES = 10
POOL = 2
BEST_MODEL_WIDTHS = (32, 64, 128)  # conv-bn-relu-pool stages, as the numpy best conv net
BEST_MODEL_TRAINING = {  # keyword arguments of train() for best_model()
    "epochs": 8,
    "batch_size": 128,
    "learning_rate": 2e-3,
    "weight_decay": 5e-4,  # L2: weight_decay * sum(W**2) added to the loss (weights only)
    "augment": True,
    "cosine": True,
    "seed": 0,
}
BEST_MODEL_TARGET_VAL = 0.72
STORED_PATH = (
    Path(__file__).resolve().parents[2] / "assignments" / "assignment2" / "stored"
    / "pytorch_best_model.pt"
)


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


def best_model(widths=BEST_MODEL_WIDTHS, num_classes=NUM_CLASSES):
    """{conv3x3 - BatchNorm2d - ReLU - 2x2 max pool} x 3 - Flatten - Linear, as nn.Sequential.

    The same architecture as the numpy best conv net (cs231n.bench.accuracy_assignment2).
    Returns an nn.Sequential mapping (N, 3, 32, 32) to (N, num_classes).
    """
    require_torch()
    from torch import nn

    layers, channels, size = [], CIFAR10_CHANNELS, 32
    for width in widths:
        layers += [
            nn.Conv2d(channels, width, kernel_size=3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.MaxPool2d(POOL),
        ]
        channels, size = width, size // POOL
    layers += [nn.Flatten(), nn.Linear(channels * size * size, num_classes)]
    return nn.Sequential(*layers)


def train_best_model(data, path=STORED_PATH, progress=True):
    """Train best_model() with BEST_MODEL_TRAINING (seeded) and save it to ``path``.

    Inputs:
    - data: dict of tensors (to_tensors)
    - path: file for {"state_dict", "history"} (torch.save); None to skip saving

    Returns (model, history).
    """
    torch = require_torch()
    torch.manual_seed(BEST_MODEL_TRAINING["seed"])
    model = best_model()
    history = train(model, data, progress=progress, **BEST_MODEL_TRAINING)
    if path is not None:
        torch.save({"state_dict": model.state_dict(), "history": history}, path)
    return model, history


def load_best_model(path=STORED_PATH):
    """best_model() with the stored parameters (eval mode); returns (model, history)."""
    torch = require_torch()
    stored = torch.load(path, weights_only=True)
    model = best_model()
    model.load_state_dict(stored["state_dict"])
    model.eval()
    return model, stored["history"]
