"""Store a trained model's parameters in a small ``.npz`` file and load them back; accuracy.

A training run longer than a few minutes stores what it learned, so that a notebook can load
and evaluate it without training again (and nbval can skip the long cell):

    solver.train()                                  # (timed: seconds)
    save_model("stored/my_net.npz", model, **training_summary(solver, seconds))
    ...
    model = FullyConnectedNet(...)                  # a fresh model of the same architecture
    metadata = load_model("stored/my_net.npz", model)
    print(accuracy(model, data["X_val"], data["y_val"]))

The file holds ``params/<name>`` for every entry of ``model.params``, ``bn_params/<i>/<key>``
for the arrays of batch norm layer i's state (running mean and variance), and ``metadata``
(a JSON string). It is read with ``allow_pickle=False``: loading runs no code.
"""

import json
from pathlib import Path

import numpy as np

PARAM_PREFIX = "params/"
BN_PREFIX = "bn_params/"
METADATA_KEY = "metadata"
EVAL_BATCH_SIZE = 200  # test-mode forward passes of this many images at a time


def save_model(path, model, **metadata):
    """Store a model's params and batch-norm running averages in a .npz file.

    Inputs:
    - path: file name (missing parent directories are created)
    - model: object with ``params`` (dict name -> array) and optionally ``bn_params`` (list
      of dicts; their array entries, the running mean and variance, are stored)
    - metadata: JSON-serialisable keywords stored alongside (accuracies, training time,
      the Solver's epoch_history...)
    """
    arrays = {PARAM_PREFIX + name: np.asarray(value) for name, value in model.params.items()}
    for i, bn_param in enumerate(getattr(model, "bn_params", None) or []):
        for key, value in bn_param.items():
            if isinstance(value, np.ndarray):
                arrays[f"{BN_PREFIX}{i}/{key}"] = value
    arrays[METADATA_KEY] = np.array(json.dumps(metadata))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def training_summary(solver, seconds):
    """What a training run should store with its parameters (save_model's metadata).

    Inputs:
    - solver: a Solver after ``train()``
    - seconds: the training time

    Returns a dict with epochs, the last train_acc / val_acc, best_val_acc, best_epoch,
    train_seconds and the per-epoch epoch_history (for the plots of the notebooks).
    """
    return {
        "epochs": solver.epoch,
        "train_acc": solver.train_acc_history[-1],
        "val_acc": solver.val_acc_history[-1],
        "best_val_acc": solver.best_val_acc,
        "best_epoch": solver.best_epoch,
        "train_seconds": round(seconds, 1),
        "epoch_history": solver.epoch_history,
    }


def load_model(path, model):
    """Load parameters written by ``save_model`` into ``model`` (in place).

    Inputs:
    - path: .npz file written by save_model
    - model: a fresh model of the same architecture (same param names and shapes, as many
      bn_params); params are cast to the dtypes the model has, batch norm running averages
      to model.dtype

    Returns the metadata dict that was stored with the parameters.
    Raises ValueError naming the parameter when the file does not fit the model.
    """
    with np.load(path, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    params = {k[len(PARAM_PREFIX) :]: v for k, v in arrays.items() if k.startswith(PARAM_PREFIX)}
    if params.keys() != model.params.keys():
        raise ValueError(
            f"load_model: {path} holds the params {sorted(params)} but the model has "
            f"{sorted(model.params)}; build the model with the architecture that stored them"
        )
    for name, value in params.items():
        if value.shape != model.params[name].shape:
            raise ValueError(
                f"load_model: params[{name!r}] has shape {value.shape} in {path} but "
                f"{model.params[name].shape} in the model"
            )
    bn_params = getattr(model, "bn_params", None) or []
    stored_bn = {}  # layer index -> {key: array}
    for key, value in arrays.items():
        if key.startswith(BN_PREFIX):
            index, state_key = key[len(BN_PREFIX) :].split("/", 1)
            stored_bn.setdefault(int(index), {})[state_key] = value
    if any(index >= len(bn_params) for index in stored_bn):
        raise ValueError(
            f"load_model: {path} holds batch norm state of layers {sorted(stored_bn)} but the "
            f"model has only {len(bn_params)} bn_params"
        )
    dtype = getattr(model, "dtype", None)
    for name, value in params.items():
        model.params[name] = value.astype(model.params[name].dtype)
    for i, bn_param in enumerate(bn_params):
        for key, value in stored_bn.get(i, {}).items():
            bn_param[key] = value.astype(dtype) if dtype is not None else value
    return json.loads(str(arrays[METADATA_KEY]))


def accuracy(model, X, y, batch_size=EVAL_BATCH_SIZE):
    """Fraction of examples whose highest test-mode score is the label.

    Inputs:
    - model: follows the Solver's contract (``model.loss(X)`` returns scores of shape (N, C))
    - X: array of shape (N, ...) of inputs; y: array of shape (N,) of labels
    - batch_size: images per forward pass (bounds the memory)
    """
    predictions = [
        np.argmax(model.loss(X[i : i + batch_size]), axis=1)  # (batch, C) -> (batch,)
        for i in range(0, X.shape[0], batch_size)
    ]
    return float(np.mean(np.concatenate(predictions) == y))
