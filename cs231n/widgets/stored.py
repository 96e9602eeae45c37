"""Store a trained model's params and its Solver snapshots in one small .npz file.

The widgets gallery shows models whose training takes minutes; a ``# NBVAL_SKIP`` cell trains
them and calls ``save_trained``, the next cell calls ``load_trained``. The file holds plain
arrays only (read with ``allow_pickle=False``: loading it runs no code).

Layout of the .npz: ``params__<name>`` for every param, ``snapshot<t>__<name>`` for every
snapshot t, ``snapshot_epochs`` (T,), and ``meta__<key>`` for metadata values.
"""

import os
import tempfile

import numpy as np

SEPARATOR = "__"
PARAMS_PREFIX = "params"
SNAPSHOT_PREFIX = "snapshot"
EPOCHS_KEY = "snapshot_epochs"
META_PREFIX = "meta"
FILE_MODE = 0o666  # permissions of a new file before the umask, as open() uses


def _current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_trained(path, params, snapshots=(), **metadata):
    """Write params, Solver snapshots and metadata to a compressed .npz, atomically.

    Inputs:
    - path: file name (its directory must exist).
    - params: dict name -> array (e.g. model.params).
    - snapshots: Solver.snapshots, list of (epoch, {name: array}).
    - metadata: scalars or arrays to keep with them (e.g. val_acc=0.51, seed=231).

    Returns the path.
    """
    path = os.fspath(path)
    arrays = {f"{PARAMS_PREFIX}{SEPARATOR}{name}": np.asarray(w) for name, w in params.items()}
    epochs = []
    for t, (epoch, snapshot) in enumerate(snapshots):
        epochs.append(epoch)
        for name, w in snapshot.items():
            arrays[f"{SNAPSHOT_PREFIX}{t}{SEPARATOR}{name}"] = np.asarray(w)
    arrays[EPOCHS_KEY] = np.asarray(epochs, dtype=np.int64)
    for key, value in metadata.items():
        arrays[f"{META_PREFIX}{SEPARATOR}{key}"] = np.asarray(value)
    fd, tmp_path = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
        os.chmod(tmp_path, FILE_MODE & ~_current_umask())  # mkstemp made it owner-only
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise
    return path


def load_trained(path):
    """Read a file written by save_trained.

    Inputs:
    - path: the .npz file.

    Returns a tuple of:
    - params: dict name -> array.
    - snapshots: list of (epoch, {name: array}), as Solver.snapshots.
    - metadata: dict key -> value (0-d arrays become Python scalars).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_trained: no stored model at {path!r}")
    params, metadata, by_snapshot = {}, {}, {}
    with np.load(path, allow_pickle=False) as stored:
        if EPOCHS_KEY not in stored.files:
            raise ValueError(f"load_trained: {path!r} was not written by save_trained")
        epochs = [int(e) for e in stored[EPOCHS_KEY]]
        for key in stored.files:
            if key == EPOCHS_KEY:
                continue
            prefix, name = key.split(SEPARATOR, 1)
            value = stored[key]
            if prefix == PARAMS_PREFIX:
                params[name] = value
            elif prefix == META_PREFIX:
                metadata[name] = value.item() if value.ndim == 0 else value
            else:
                by_snapshot.setdefault(int(prefix[len(SNAPSHOT_PREFIX) :]), {})[name] = value
    snapshots = [(epoch, by_snapshot.get(t, {})) for t, epoch in enumerate(epochs)]
    return params, snapshots, metadata
