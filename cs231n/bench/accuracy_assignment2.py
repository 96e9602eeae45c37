"""Assignment 2's final models on real CIFAR-10: the recipes, their stored parameters, the table.

    python -m cs231n.bench accuracy assignment2              # FC net + ThreeLayerConvNet trained,
                                                             # best conv net: stored params
    python -m cs231n.bench accuracy assignment2 --retrain    # also retrain the best conv net

The notebooks of assignment 2 train exactly these recipes (FullyConnectedNets.ipynb,
ConvolutionalNetworks.ipynb), so the numbers of the notebooks and of the benchmark agree:

- ``FC_NET`` / ``FC_SOLVER``: the best FullyConnectedNet (target: validation >= 0.56).
- ``THREE_LAYER_CONVNET`` / ``THREE_LAYER_SOLVER``: one epoch of ThreeLayerConvNet
  (target: training accuracy >= 0.45 after the epoch, on the Solver's 1000-example sample).
- ``best_convnet()`` / ``BEST_CONVNET_SOLVER``: a small VGG-style conv-bn-relu network built
  with ``cs231n.nn`` and trained with random flips and crops (``cs231n.augment``); its trained
  parameters are stored in ``assignments/assignment2/stored/`` (``cs231n.model_store``)
  because training takes about 15 minutes on 2 idle cores (target: TEST
  accuracy >= 0.75).

Data: ``get_CIFAR10_data()``, the CS231n split (49000 train / 1000 val / 1000 test).
"""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cs231n import nn, optim
from cs231n.augment import RandomFlipCrop
from cs231n.bench.accuracy import Experiment, Row
from cs231n.model_store import accuracy, load_model, save_model, training_summary

# ---------------------------------------------------------------------------------------------
# Recipes (all seeded: the same recipe gives the same model)
# ---------------------------------------------------------------------------------------------
FC_TARGET_VAL = 0.56
THREE_LAYER_TARGET_TRAIN = 0.45
BEST_CONVNET_TARGET_TEST = 0.75

FC_EPOCHS = 20
FC_NET = {  # FullyConnectedNet keyword arguments
    "hidden_dims": [256, 256],
    "normalization": "batchnorm",
    "dropout": 0.2,
    "reg": 1e-3,
    "weight_init": "he",
    "seed": 0,
}
FC_SOLVER = {  # Solver keyword arguments
    "update_rule": "adam",
    "optim_config": {"learning_rate": 1e-3},
    "lr_schedule": optim.CosineDecay(FC_EPOCHS),
    "num_epochs": FC_EPOCHS,
    "batch_size": 100,
    "seed": 0,
}

THREE_LAYER_CONVNET = {  # ThreeLayerConvNet keyword arguments (CS231n's architecture)
    "num_filters": 32,
    "filter_size": 7,
    "hidden_dim": 100,
    "weight_init": "small",  # randn * weight_scale: the data are not normalized (pixel std ~60)
    "weight_scale": 1e-3,
    "reg": 1e-3,
    "seed": 0,
}
THREE_LAYER_SOLVER = {
    "update_rule": "adam",
    "optim_config": {"learning_rate": 5e-4},  # CS231n used 1e-3 (about 0.40-0.43 after 1 epoch)
    "num_epochs": 1,
    "batch_size": 50,
    "seed": 0,
}

BEST_CONVNET_EPOCHS = 10
BEST_CONVNET_WIDTHS = (32, 64, 128)  # channels of the three conv-bn-relu-pool stages
BEST_CONVNET_REG = 5e-4
BEST_CONVNET_INIT = "xavier"  # Var(W) = 1 / fan_in
BEST_CONVNET_SOLVER = {
    "update_rule": "adam",
    "optim_config": {"learning_rate": 2e-3},
    "lr_schedule": optim.CosineDecay(BEST_CONVNET_EPOCHS),
    "num_epochs": BEST_CONVNET_EPOCHS,
    "batch_size": 128,
    "batch_transform": RandomFlipCrop(pad=4),
    "seed": 0,
}
CIFAR10_INPUT_SHAPE = (3, 32, 32)  # (C, H, W)
NUM_CLASSES = 10
POOL = 2  # every stage ends with 2x2 max pooling, stride 2

# ---------------------------------------------------------------------------------------------
# Stored parameters
# ---------------------------------------------------------------------------------------------
STORED_DIR = Path(__file__).resolve().parents[2] / "assignments" / "assignment2" / "stored"
BEST_CONVNET_FILE = "best_convnet.npz"
FC_NET_FILE = "fc_net.npz"
THREE_LAYER_FILE = "three_layer_convnet.npz"
SECONDS_PER_MINUTE = 60


def best_convnet(seed=0, reg=BEST_CONVNET_REG, widths=BEST_CONVNET_WIDTHS,
                 weight_init=BEST_CONVNET_INIT):
    """The best numpy conv net: {conv3x3 - spatial batch norm - relu - 2x2 max pool} x 3 - affine.

    Inputs:
    - seed: int, seed of the weight initialisation
    - reg: float, L2 strength (reg * sum(W**2) over conv and affine weights)
    - widths: channels of the three stages (F1, F2, F3)
    - weight_init: "small", "xavier" or "he" (cs231n.init)

    Returns an ``nn.Classifier`` (float32) for (3, 32, 32) images and 10 classes; its ``net``
    maps (N, 3, 32, 32) to scores (N, 10) through (N, F3, 4, 4).
    """
    layers, channels, size = [], CIFAR10_INPUT_SHAPE[0], CIFAR10_INPUT_SHAPE[1]
    for width in widths:
        layers += nn.conv_block(channels, width)  # conv (no bias) - batch norm - relu
        layers.append(nn.MaxPool(POOL, stride=POOL))
        channels, size = width, size // POOL
    layers += [nn.Flatten(), nn.Affine(channels * size * size, NUM_CLASSES)]
    return nn.Classifier(
        nn.Sequential(*layers), CIFAR10_INPUT_SHAPE, reg=reg, dtype=np.float32, seed=seed,
        weight_init=weight_init,
    )


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------
def train(model, data, solver_config, **solver_kwargs):
    """Train ``model`` with a Solver built from a recipe; returns (solver, seconds).

    Inputs:
    - model: a model following the Solver's contract
    - data: dict with X_train, y_train, X_val, y_val (as get_CIFAR10_data)
    - solver_config: one of the *_SOLVER recipes
    - solver_kwargs: extra Solver settings (verbose, checkpoint_name, resume_from, ...)
    """
    from cs231n.solver import Solver

    solver = Solver(model, data, **{**solver_config, **solver_kwargs})
    started = time.perf_counter()
    solver.train()
    return solver, time.perf_counter() - started


def fc_net():
    """A fresh FullyConnectedNet of the FC_NET recipe."""
    from cs231n.classifiers.fc_net import FullyConnectedNet

    return FullyConnectedNet(**FC_NET)


def three_layer_convnet():
    """A fresh ThreeLayerConvNet of the THREE_LAYER_CONVNET recipe."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    return ThreeLayerConvNet(**THREE_LAYER_CONVNET)


@dataclass(frozen=True)
class Recipe:
    """A final model of assignment 2: how to build it, how to train it, where it is stored."""

    name: str
    build: Callable  # () -> fresh model
    solver: dict  # Solver keyword arguments
    file: str  # file name in STORED_DIR

    @property
    def path(self):
        return STORED_DIR / self.file


RECIPES = {
    "fc_net": Recipe("fc_net", fc_net, FC_SOLVER, FC_NET_FILE),
    "three_layer_convnet": Recipe(
        "three_layer_convnet", three_layer_convnet, THREE_LAYER_SOLVER, THREE_LAYER_FILE
    ),
    "best_convnet": Recipe("best_convnet", best_convnet, BEST_CONVNET_SOLVER, BEST_CONVNET_FILE),
}


def _recipe(name):
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; expected one of {sorted(RECIPES)}")
    return RECIPES[name]


def train_recipe(name, data, path=None, store=True, **solver_kwargs):
    """Train a recipe from scratch (seeded: the same run every time) and store the result.

    Inputs:
    - name: a key of RECIPES ("fc_net", "three_layer_convnet", "best_convnet")
    - data: dict as returned by get_CIFAR10_data() (X_test/y_test are evaluated if present)
    - path: where to store the parameters (default: the recipe's file in STORED_DIR)
    - store: False to skip writing the file
    - solver_kwargs: extra Solver settings that don't change the run (verbose,
      checkpoint_name, resume_from, ...)

    Returns (model, solver, metadata); metadata (also stored in the file) holds the epochs,
    final train/val accuracy, best validation accuracy and epoch, test accuracy, the training
    time in seconds and the per-epoch history.
    """
    recipe = _recipe(name)
    model = recipe.build()
    solver, seconds = train(model, data, recipe.solver, **solver_kwargs)
    metadata = {
        "recipe": f"{__name__}.RECIPES[{name!r}]",
        **training_summary(solver, seconds),
        "resumed": solver_kwargs.get("resume_from") is not None,
    }
    if "X_test" in data:
        metadata["test_acc"] = accuracy(model, data["X_test"], data["y_test"])
    if store:
        save_model(path if path is not None else recipe.path, model, **metadata)
    return model, solver, metadata


def load_recipe(name, path=None):
    """A model of the recipe with its stored parameters; returns (model, metadata)."""
    recipe = _recipe(name)
    model = recipe.build()
    metadata = load_model(path if path is not None else recipe.path, model)
    return model, metadata


# ---------------------------------------------------------------------------------------------
# The benchmark's experiments
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _cifar10():
    from cs231n.data_utils import get_CIFAR10_data

    return get_CIFAR10_data(dataset="cifar10", verbose=False)


def run_fc_net(data_root):
    """Train the FC_NET recipe; rows: best validation accuracy, test accuracy."""
    _, solver, metadata = train_recipe("fc_net", _cifar10(), store=False, verbose=False)
    return [
        Row("FullyConnectedNet best validation accuracy", solver.best_val_acc, FC_TARGET_VAL,
            metadata["train_seconds"]),
        Row("FullyConnectedNet test accuracy", metadata["test_acc"]),
    ]


def run_three_layer_convnet(data_root):
    """Train ThreeLayerConvNet for one epoch; rows: training accuracy (Solver's sample), val."""
    _, _, metadata = train_recipe("three_layer_convnet", _cifar10(), store=False,
                                  verbose=False)
    return [
        Row("ThreeLayerConvNet train accuracy after 1 epoch", metadata["train_acc"],
            THREE_LAYER_TARGET_TRAIN, metadata["train_seconds"]),
        Row("ThreeLayerConvNet validation accuracy after 1 epoch", metadata["val_acc"]),
    ]


def _best_convnet_rows(model, metadata, label):
    data = _cifar10()
    return [
        Row(f"best conv net TEST accuracy ({label})",
            accuracy(model, data["X_test"], data["y_test"]), BEST_CONVNET_TARGET_TEST),
        Row("best conv net validation accuracy", accuracy(model, data["X_val"], data["y_val"])),
        Row(f"best conv net training time, minutes ({metadata['epochs']} epochs)",
            metadata["train_seconds"] / SECONDS_PER_MINUTE, seconds=metadata["train_seconds"]),
    ]


def run_best_convnet(data_root):
    """Evaluate the STORED parameters of the best conv net (no training)."""
    recipe = RECIPES["best_convnet"]
    print(f"   evaluating the stored parameters {recipe.path} (--retrain trains them again)",
          flush=True)
    model, metadata = load_recipe("best_convnet")
    return _best_convnet_rows(model, metadata, "stored params")


def retrain_best_convnet(data_root):
    """Train the best conv net from scratch (about 15 min on 2 idle cores), store it; same rows."""
    model, _, metadata = train_recipe("best_convnet", _cifar10(), verbose=False)
    return _best_convnet_rows(model, metadata, "retrained")


EXPERIMENTS = [
    Experiment("fc_net", run_fc_net),
    Experiment("three_layer_convnet", run_three_layer_convnet),
    Experiment("best_convnet", run_best_convnet, retrain=retrain_best_convnet),
]
