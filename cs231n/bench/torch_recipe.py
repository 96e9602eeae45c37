"""The reference answer of PyTorch.ipynb's open-ended part (instructor file, not handed out).

A small VGG-style network, the architecture of the numpy best conv net
(``cs231n.bench.accuracy_assignment2.best_convnet``) written in PyTorch, trained with
``cs231n.classifiers.torch_models.train``. Target: validation accuracy >= 0.72 within 10
epochs. Its trained state is stored in ``assignments/assignment2/stored/pytorch_best_model.pt``
(``torch_models.save_module`` / ``load_module``).
"""

from pathlib import Path

from cs231n.classifiers import torch_models

CIFAR10_CHANNELS = 3
CIFAR10_SIZE = 32
NUM_CLASSES = 10
POOL = 2  # every stage ends with 2x2 max pooling, stride 2
BEST_MODEL_WIDTHS = (32, 64, 128)  # conv-bn-relu-pool stages, as the numpy best conv net
BEST_MODEL_TRAINING = {  # keyword arguments of torch_models.train() for best_model()
    "epochs": 8,
    "batch_size": 128,
    "learning_rate": 2e-3,
    "weight_decay": 5e-4,  # L2: weight_decay * sum(W**2) added to the loss (weights only)
    "augment": True,
    "cosine": True,
    "seed": 0,
}
STORED_PATH = (
    Path(__file__).resolve().parents[2] / "assignments" / "assignment2" / "stored"
    / "pytorch_best_model.pt"
)


def best_model(widths=BEST_MODEL_WIDTHS, num_classes=NUM_CLASSES):
    """{conv3x3 - BatchNorm2d - ReLU - 2x2 max pool} x 3 - Flatten - Linear, as nn.Sequential.

    Returns an nn.Sequential mapping (N, 3, 32, 32) to (N, num_classes).
    """
    torch_models.require_torch()
    from torch import nn

    layers, channels, size = [], CIFAR10_CHANNELS, CIFAR10_SIZE
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
    """Train best_model() with BEST_MODEL_TRAINING (seeded) and store it at ``path``.

    Inputs:
    - data: dict of tensors (torch_models.to_tensors)
    - path: file for torch_models.save_module; None to skip saving

    Returns (model, history).
    """
    torch = torch_models.require_torch()
    torch.manual_seed(BEST_MODEL_TRAINING["seed"])
    model = best_model()
    history = torch_models.train(model, data, progress=progress, **BEST_MODEL_TRAINING)
    if path is not None:
        torch_models.save_module(path, model, history)
    return model, history
