"""Tests for cs231n.data_utils: CIFAR-10 batch loading, the restricted unpickler, dataset lookup,
and the generated stand-in data set."""

import os
import pickle
import pickletools
import struct
import time

import numpy as np
import pytest

from cs231n import data_utils
from cs231n.data_utils import (
    CLASS_NAMES,
    CIFARFormatError,
    UnsafePickleError,
    find_cifar10,
    get_CIFAR10_data,
    get_datasets_dir,
    load_CIFAR10,
    load_CIFAR_batch,
    load_dataset,
    make_standin,
)

PIXELS = 3 * 32 * 32
TINY_BATCH_SIZE = 20  # images per fake batch file
STANDIN_TIME_LIMIT = 2.0  # CPU seconds for the default stand-in (5000 + 1000 images)


# ----------------------------------------------------------------------------------------------
# Writing batches in the official format (Python 2, pickle protocol 2) from Python 3
# ----------------------------------------------------------------------------------------------
def _py2_str(raw):
    """A Python 2 ``str`` (byte string): SHORT_BINSTRING or BINSTRING."""
    if len(raw) < 256:
        return pickle.SHORT_BINSTRING + bytes([len(raw)]) + raw
    return pickle.BINSTRING + struct.pack("<i", len(raw)) + raw


def _int(value):
    return pickle.BININT + struct.pack("<i", value)


def _global(module, name):
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def _tuple(*items):
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def _list(items):
    return pickle.EMPTY_LIST + pickle.MARK + b"".join(items) + pickle.APPENDS


def _uint8_ndarray(array):
    """What Python 2 numpy writes for a C-contiguous uint8 array."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    dtype_state = _tuple(
        _int(3), _py2_str(b"|"), pickle.NONE, pickle.NONE, pickle.NONE, _int(-1), _int(-1), _int(0)
    )
    dtype = (
        _global("numpy", "dtype")
        + _tuple(_py2_str(b"u1"), pickle.NEWFALSE, pickle.NEWTRUE)
        + pickle.REDUCE
        + dtype_state
        + pickle.BUILD
    )
    shape = _tuple(*(_int(size) for size in array.shape))
    return (
        _global("numpy.core.multiarray", "_reconstruct")
        + _tuple(_global("numpy", "ndarray"), _tuple(_int(0)), _py2_str(b"b"))
        + pickle.REDUCE
        + _tuple(_int(1), shape, dtype, pickle.NEWFALSE, _py2_str(array.tobytes()))
        + pickle.BUILD
    )


def official_batch_bytes(data, labels, skip_keys=()):
    """Pickle bytes of a CIFAR-10 batch exactly as the official Python 2 files are written."""
    entries = {
        b"batch_label": _py2_str(b"training batch 1 of 5"),
        b"labels": _list(_int(int(label)) for label in labels),
        b"data": _uint8_ndarray(data),
        b"filenames": _list(_py2_str(b"img_%d.png" % i) for i in range(len(labels))),
    }
    body = b"".join(_py2_str(k) + v for k, v in entries.items() if k not in skip_keys)
    return (
        pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK + body + pickle.SETITEMS
    ) + pickle.STOP


def random_batch(rng, num_images=TINY_BATCH_SIZE):
    data = rng.integers(0, 256, size=(num_images, PIXELS), dtype=np.uint8)
    labels = rng.integers(0, 10, size=num_images)
    return data, labels


def write_batch(path, data, labels, **kwargs):
    path.write_bytes(official_batch_bytes(data, labels, **kwargs))
    return path


def make_fake_cifar10(datasets_dir, rng):
    """Write a tiny CIFAR-10 (5 train batches + test batch) to datasets_dir/cifar-10-batches-py."""
    folder = datasets_dir / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for name in (*data_utils.CIFAR10_TRAIN_FILES, data_utils.CIFAR10_TEST_FILE):
        batches[name] = random_batch(rng)
        write_batch(folder / name, *batches[name])
    return folder, batches


def pickle_globals(raw):
    """Set of 'module name' strings a pickle references."""
    found = set()
    for opcode, arg, _ in pickletools.genops(raw):
        if opcode.name == "GLOBAL":
            found.add(arg)
    return found


@pytest.fixture
def no_cifar(tmp_path, monkeypatch):
    """Neither $CS231N_DATASETS nor <repo>/datasets holds CIFAR-10."""
    monkeypatch.delenv(data_utils.DATASETS_ENV_VAR, raising=False)
    monkeypatch.setattr(data_utils, "REPO_DATASETS_DIR", tmp_path / "empty_repo_datasets")


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch, rng):
    """A tiny CIFAR-10 found through $CS231N_DATASETS; returns (folder, batches)."""
    monkeypatch.setattr(data_utils, "REPO_DATASETS_DIR", tmp_path / "empty_repo_datasets")
    monkeypatch.setenv(data_utils.DATASETS_ENV_VAR, str(tmp_path / "data"))
    return make_fake_cifar10(tmp_path / "data", rng)


# ----------------------------------------------------------------------------------------------
# load_CIFAR_batch / load_CIFAR10
# ----------------------------------------------------------------------------------------------
def test_load_batch_official_format(tmp_path, rng):
    data, labels = random_batch(rng)
    X, Y = load_CIFAR_batch(write_batch(tmp_path / "data_batch_1", data, labels))
    assert X.shape == (TINY_BATCH_SIZE, 32, 32, 3) and X.dtype == np.float64
    assert Y.shape == (TINY_BATCH_SIZE,) and Y.dtype == np.int64
    np.testing.assert_array_equal(Y, labels)
    # Rows are channel-major: data[i, c*1024 + h*32 + w] == X[i, h, w, c].
    i, h, w, c = 3, 5, 7, 2
    assert X[i, h, w, c] == data[i, c * 1024 + h * 32 + w]
    rows = X.transpose(0, 3, 1, 2).reshape(TINY_BATCH_SIZE, -1)  # (N, H, W, C) -> (N, C*H*W)
    np.testing.assert_array_equal(rows, data)


def test_load_batch_accepts_string_path_and_python3_bytes_keys(tmp_path, rng):
    # Written by Python 3 (protocol 3: real bytes keys; numpy int labels need `scalar`).
    data, labels = random_batch(rng)
    path = tmp_path / "py3_batch"
    with open(path, "wb") as f:
        pickle.dump({b"data": data, b"labels": list(labels)}, f, protocol=3)
    X, Y = load_CIFAR_batch(str(path))
    np.testing.assert_array_equal(Y, labels)
    assert X.shape == (TINY_BATCH_SIZE, 32, 32, 3)


def test_writer_matches_the_real_files():
    folder = find_cifar10()
    if folder is None:
        pytest.skip("CIFAR-10 not available (set CS231N_DATASETS)")
    raw = (folder / "data_batch_1").read_bytes()
    assert raw[:2] == b"\x80\x02"  # protocol 2
    mine = official_batch_bytes(np.zeros((1, PIXELS), np.uint8), [0])
    assert pickle_globals(mine) == pickle_globals(raw)
    assert pickle_globals(raw) <= {f"{m} {n}" for m, n in data_utils.ALLOWED_PICKLE_GLOBALS}


def test_real_cifar10_batches():
    folder = find_cifar10()
    if folder is None:
        pytest.skip("CIFAR-10 not available (set CS231N_DATASETS)")
    for name in ("data_batch_1", "test_batch"):
        X, Y = load_CIFAR_batch(folder / name)
        assert X.shape == (10000, 32, 32, 3) and X.dtype == np.float64
        assert Y.shape == (10000,) and Y.dtype == np.int64
        assert 0 <= X.min() and X.max() <= 255 and np.all(X == np.round(X))
        assert set(np.unique(Y)) == set(range(10))


def test_load_cifar10_concatenates_batches(fake_cifar):
    folder, batches = fake_cifar
    Xtr, Ytr, Xte, Yte = load_CIFAR10(folder)
    assert Xtr.shape == (5 * TINY_BATCH_SIZE, 32, 32, 3) and Xtr.dtype == np.float64
    assert Xte.shape == (TINY_BATCH_SIZE, 32, 32, 3) and Xte.dtype == np.float64
    expected_train = np.concatenate([batches[n][1] for n in data_utils.CIFAR10_TRAIN_FILES])
    np.testing.assert_array_equal(Ytr, expected_train)
    np.testing.assert_array_equal(Yte, batches["test_batch"][1])
    # The parent folder is accepted too.
    np.testing.assert_array_equal(load_CIFAR10(folder.parent)[3], Yte)


def test_load_cifar10_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="make data"):
        load_CIFAR10(tmp_path)


# ----------------------------------------------------------------------------------------------
# The restricted unpickler
# ----------------------------------------------------------------------------------------------
class _Payload:
    """Pickles to a call of ``func(*args)``: what a crafted file would run on load."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _marker_payloads(marker):
    return {
        "builtins.open": _Payload(open, str(marker), "w"),
        "os.system": _Payload(os.system, f"touch '{marker}'"),
        "builtins.eval": _Payload(eval, f"open({str(marker)!r}, 'w')"),
        "builtins.exec": _Payload(exec, f"open({str(marker)!r}, 'w').close()"),
    }


PAYLOAD_NAMES = ["builtins.open", "os.system", "builtins.eval", "builtins.exec"]


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("payload_name", PAYLOAD_NAMES)
def test_crafted_pickle_is_refused_and_never_runs(tmp_path, payload_name, protocol):
    # The same payload really does write its marker through the standard unpickler ...
    armed_marker = tmp_path / "armed"
    armed = pickle.dumps(_marker_payloads(armed_marker)[payload_name], protocol=protocol)
    obj = pickle.loads(armed)
    if hasattr(obj, "close"):
        obj.close()
    assert armed_marker.exists(), "the payload is not armed; the test would prove nothing"

    # ... but not through load_CIFAR_batch.
    marker = tmp_path / "pwned"
    crafted = {"data": _marker_payloads(marker)[payload_name], "labels": [0]}
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(crafted, protocol=protocol))
    with pytest.raises(pickle.UnpicklingError) as info:
        load_CIFAR_batch(path)
    assert isinstance(info.value, UnsafePickleError) and isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message
    assert payload_name.split(".")[1] in message and "forbidden global" in message
    assert not marker.exists()


def test_unpickler_refuses_other_numpy_globals(tmp_path):
    # Only the three globals an array needs are allowed, not "anything under numpy".
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({"data": _Payload(np.save, str(tmp_path / "x.npy"), [1])}))
    with pytest.raises(UnsafePickleError, match="numpy"):
        load_CIFAR_batch(path)
    assert not (tmp_path / "x.npy").exists()


# ----------------------------------------------------------------------------------------------
# Malformed files
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("keep_fraction", [0.0, 0.01, 0.5, 0.999])
def test_truncated_batch_names_the_file(tmp_path, rng, keep_fraction):
    raw = official_batch_bytes(*random_batch(rng))
    path = tmp_path / "data_batch_3"
    path.write_bytes(raw[: int(len(raw) * keep_fraction)])
    with pytest.raises(CIFARFormatError, match="data_batch_3") as info:
        load_CIFAR_batch(path)
    assert "truncated" in str(info.value)


def test_wrong_shape_names_the_file(tmp_path, rng):
    data = rng.integers(0, 256, size=(4, 3000), dtype=np.uint8)
    path = write_batch(tmp_path / "data_batch_2", data, [0, 1, 2, 3])
    with pytest.raises(CIFARFormatError, match=r"data_batch_2.*shape \(4, 3000\)"):
        load_CIFAR_batch(path)


@pytest.mark.parametrize("missing", [b"data", b"labels"])
def test_missing_key_names_the_file(tmp_path, rng, missing):
    path = write_batch(tmp_path / "test_batch", *random_batch(rng), skip_keys=(missing,))
    with pytest.raises(CIFARFormatError, match=f"test_batch.*missing key '{missing.decode()}'"):
        load_CIFAR_batch(path)


def test_label_count_and_range_are_checked(tmp_path, rng):
    data, labels = random_batch(rng)
    path = write_batch(tmp_path / "b1", data, labels[:-1])
    with pytest.raises(CIFARFormatError, match="b1.*'labels' has shape"):
        load_CIFAR_batch(path)
    labels[0] = 10
    path = write_batch(tmp_path / "b2", data, labels)
    with pytest.raises(CIFARFormatError, match="b2.*0..9"):
        load_CIFAR_batch(path)


def test_not_a_dict(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    with pytest.raises(CIFARFormatError, match="batch.*dict"):
        load_CIFAR_batch(path)


# ----------------------------------------------------------------------------------------------
# Finding the data
# ----------------------------------------------------------------------------------------------
def test_env_var_takes_precedence(fake_cifar, tmp_path):
    folder, _ = fake_cifar
    assert get_datasets_dir() == tmp_path / "data"
    assert find_cifar10() == folder


def test_repo_datasets_is_the_fallback(tmp_path, monkeypatch, rng):
    repo_datasets = tmp_path / "repo_datasets"
    folder, _ = make_fake_cifar10(repo_datasets, rng)
    monkeypatch.setattr(data_utils, "REPO_DATASETS_DIR", repo_datasets)
    monkeypatch.delenv(data_utils.DATASETS_ENV_VAR, raising=False)
    assert get_datasets_dir() == repo_datasets
    assert find_cifar10() == folder
    # An env var pointing at a folder without the data falls through to <repo>/datasets.
    monkeypatch.setenv(data_utils.DATASETS_ENV_VAR, str(tmp_path / "nothing_here"))
    assert get_datasets_dir() == tmp_path / "nothing_here"
    assert find_cifar10() == folder


def test_incomplete_folder_is_not_found(fake_cifar):
    folder, _ = fake_cifar
    (folder / "test_batch").unlink()
    assert find_cifar10() is None


def test_default_repo_dir_is_next_to_the_package():
    repo_dir = os.path.dirname(os.path.dirname(os.path.abspath(data_utils.__file__)))
    assert str(data_utils.REPO_DATASETS_DIR) == os.path.join(repo_dir, "datasets")


# ----------------------------------------------------------------------------------------------
# load_dataset / get_CIFAR10_data
# ----------------------------------------------------------------------------------------------
def test_load_dataset_cifar10(fake_cifar, capsys):
    folder, _ = fake_cifar
    for name in ("auto", "cifar10"):
        dataset = load_dataset(name)
        assert dataset.name == "cifar10" and not dataset.is_standin
        assert dataset.source == folder and dataset.class_names == CLASS_NAMES
        assert dataset.X_train.shape == (5 * TINY_BATCH_SIZE, 32, 32, 3)
        assert "Using CIFAR-10 from" in capsys.readouterr().out
    assert "cifar10" in repr(dataset) and "(100, 32, 32, 3)" in repr(dataset)


def test_load_dataset_cifar10_missing_says_how_to_get_it(no_cifar):
    with pytest.raises(FileNotFoundError) as info:
        load_dataset("cifar10")
    message = str(info.value)
    for hint in ("make data", "CS231N_DATASETS", "get_datasets.sh --from"):
        assert hint in message


def test_load_dataset_auto_falls_back_loudly(no_cifar, capsys):
    dataset = load_dataset("auto", seed=3)
    assert dataset.name == "standin" and dataset.is_standin and dataset.source is None
    assert dataset.class_names == data_utils.STANDIN_CLASS_NAMES
    np.testing.assert_array_equal(dataset.y_train, make_standin(seed=3)[1])
    banner = capsys.readouterr().out
    assert "NOT CIFAR-10" in banner and "make data" in banner
    lines = banner.strip().splitlines()
    assert len(lines) >= 5 and lines[0] == lines[-1] == "#" * len(lines[0])


def test_load_dataset_quiet_and_bad_name(no_cifar, capsys):
    load_dataset("standin", verbose=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="name='cifar'"):
        load_dataset("cifar")


def test_get_cifar10_data_split_and_mean(fake_cifar):
    folder, _ = fake_cifar
    Xtr, Ytr, Xte, Yte = load_CIFAR10(folder)
    data = get_CIFAR10_data(num_training=70, num_validation=20, num_test=10, verbose=False)
    assert data["X_train"].shape == (70, 3, 32, 32) and data["X_train"].dtype == np.float64
    assert data["X_val"].shape == (20, 3, 32, 32) and data["X_test"].shape == (10, 3, 32, 32)
    assert data["y_train"].dtype == np.int64
    np.testing.assert_array_equal(data["y_val"], Ytr[70:90])
    np.testing.assert_array_equal(data["y_test"], Yte[:10])
    mean_image = Xtr[:70].mean(axis=0)
    expected_val = (Xtr[70:90] - mean_image).transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    np.testing.assert_allclose(data["X_val"], expected_val)
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)

    raw = get_CIFAR10_data(70, 20, 10, subtract_mean=False, verbose=False)
    expected_test = Xte[:10].transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
    np.testing.assert_array_equal(raw["X_test"], expected_test)


def test_get_cifar10_data_too_many_cifar_images(fake_cifar):
    with pytest.raises(ValueError, match="CIFAR-10 has 100"):
        get_CIFAR10_data(num_training=100, num_validation=1, verbose=False)


def test_get_cifar10_data_bad_counts(no_cifar):
    with pytest.raises(TypeError, match="num_training"):
        get_CIFAR10_data(num_training=10.5)
    with pytest.raises(ValueError, match="num_validation"):
        get_CIFAR10_data(num_validation=-1)


def test_get_cifar10_data_clamps_to_the_standin(no_cifar):
    with pytest.warns(UserWarning, match="stand-in has only 5000"):
        data = get_CIFAR10_data(verbose=False)
    assert data["X_train"].shape == (4500, 3, 32, 32)
    assert data["X_val"].shape == (500, 3, 32, 32)
    assert data["X_test"].shape == (1000, 3, 32, 32)


# ----------------------------------------------------------------------------------------------
# The stand-in
# ----------------------------------------------------------------------------------------------
def test_standin_shapes_dtypes_and_values():
    X_train, y_train, X_test, y_test = make_standin(num_train=200, num_test=50, seed=1)
    assert X_train.shape == (200, 32, 32, 3) and X_test.shape == (50, 32, 32, 3)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert X_train.min() >= 0 and X_train.max() <= 255
    assert np.all(X_train == np.round(X_train))
    assert set(np.unique(y_train)) == set(range(10)) and y_test.shape == (50,)
    assert X_train.std() > 30  # not a blank image set


def test_standin_is_deterministic_and_balanced():
    first, second = make_standin(300, 100, seed=5), make_standin(300, 100, seed=5)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], make_standin(300, 100, seed=6)[0])
    # The training set does not depend on num_test.
    np.testing.assert_array_equal(first[0], make_standin(300, 7, seed=5)[0])
    np.testing.assert_array_equal(np.bincount(first[1]), np.full(10, 30))
    np.testing.assert_array_equal(np.bincount(first[3]), np.full(10, 10))


def test_standin_is_fast():
    start = time.process_time()
    X_train, _, X_test, _ = make_standin()
    elapsed = time.process_time() - start
    assert X_train.shape[0] == data_utils.STANDIN_NUM_TRAIN
    assert X_test.shape[0] == data_utils.STANDIN_NUM_TEST
    assert elapsed < STANDIN_TIME_LIMIT, f"make_standin took {elapsed:.2f} s of CPU"


def test_standin_empty_and_bad_sizes():
    X_train, y_train, X_test, _ = make_standin(0, 0)
    assert X_train.shape == (0, 32, 32, 3) and y_train.shape == (0,)
    with pytest.raises(ValueError, match="num_train"):
        make_standin(num_train=-1)
    with pytest.raises(TypeError, match="num_test"):
        make_standin(num_test=1.5)


def _gradient_orientation_features(X, cells=4, bins=8):
    """HOG-like features: gradient-magnitude histograms over orientation, per cell."""
    gray = X @ np.array([0.299, 0.587, 0.114])  # (N, H, W, C) -> (N, H, W)
    gy, gx = np.gradient(gray, axis=(1, 2))
    magnitude = np.hypot(gx, gy)
    orientation = np.mod(np.arctan2(gy, gx), np.pi)
    bin_index = np.minimum((orientation / np.pi * bins).astype(int), bins - 1)
    N, H, W = gray.shape
    features = np.stack(
        [
            (magnitude * (bin_index == k))
            .reshape(N, cells, H // cells, cells, W // cells)  # (N, H, W) -> cell blocks
            .sum(axis=(2, 4))
            for k in range(bins)
        ],
        axis=-1,
    ).reshape(N, -1)  # (N, cells, cells, bins) -> (N, cells * cells * bins)
    return features / (features.sum(axis=1, keepdims=True) + 1e-8)


def _colour_features(X):
    """Mean and standard deviation of each colour channel: (N, 6)."""
    return np.concatenate([X.mean(axis=(1, 2)), X.std(axis=(1, 2))], axis=1)


def _softmax_regression_accuracy(F_train, y_train, F_test, y_test, iters=200, lr=1.0):
    """Full-batch gradient descent on a softmax classifier; returns test accuracy."""
    mu, sigma = F_train.mean(axis=0), F_train.std(axis=0) + 1e-8
    F_train, F_test = (F_train - mu) / sigma, (F_test - mu) / sigma
    W = np.zeros((F_train.shape[1], 10))
    b = np.zeros(10)
    for _ in range(iters):
        scores = F_train @ W + b
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y_train)), y_train] -= 1
        W -= lr * F_train.T @ probs / len(y_train)
        b -= lr * probs.mean(axis=0)
    return np.mean((F_test @ W + b).argmax(axis=1) == y_test)


def test_standin_needs_spatial_structure():
    X_train, y_train, X_test, y_test = make_standin(num_train=2000, num_test=500, seed=0)
    spatial = _softmax_regression_accuracy(
        _gradient_orientation_features(X_train), y_train,
        _gradient_orientation_features(X_test), y_test,
    )  # fmt: skip
    colour = _softmax_regression_accuracy(
        _colour_features(X_train), y_train, _colour_features(X_test), y_test
    )
    assert colour < 0.25, f"colour statistics alone reach {colour:.2f}"
    assert spatial > 0.5, f"gradient-orientation features reach only {spatial:.2f}"
    assert spatial > colour + 0.3


def test_load_cifar10_subset_matches_get_cifar10_data(fake_cifar):
    sizes = (20, 5, 10)
    subset = data_utils.load_cifar10_subset(*sizes, verbose=False)
    reference = data_utils.get_CIFAR10_data(*sizes, verbose=False)
    assert subset.pop("name") == "cifar10"
    assert subset.keys() == reference.keys()
    for key, value in reference.items():
        np.testing.assert_allclose(subset[key], value, err_msg=key)
    raw = data_utils.load_cifar10_subset(*sizes, subtract_mean=False, verbose=False)
    assert raw["X_train"].shape == (20, 3, 32, 32) and raw["X_train"].min() >= 0


def test_load_cifar10_subset_falls_back_to_the_standin(no_cifar):
    data = data_utils.load_cifar10_subset(50, 10, 10, verbose=False)
    assert data["name"] == "standin" and data["X_train"].shape == (50, 3, 32, 32)
