"""Data loading: CIFAR-10 (CS231n 2017 API) and a generated CIFAR-shaped stand-in data set.

Where the data lives
--------------------
The project looks for a folder holding ``cifar-10-batches-py/`` (the official "python
version" of CIFAR-10) first in ``$CS231N_DATASETS``, then in ``<repo>/datasets/``.
``make data`` (``datasets/get_datasets.sh``) downloads and installs it there.

Safe loading
------------
The CIFAR-10 batches are Python-2 pickles (protocol 2). Unpickling can run arbitrary code, so
batches are read with ``RestrictedUnpickler``, which resolves ONLY the numpy globals needed to
rebuild arrays: the three an official batch references (``numpy.core.multiarray._reconstruct``,
``numpy.ndarray``, ``numpy.dtype``), their numpy-2 spelling (``numpy._core...``) and
``multiarray.scalar`` (numpy integers in batches written by Python 3). Any other global
(``os.system``, ``builtins.eval``, ...) is refused with ``UnsafePickleError`` before anything
is called.

The stand-in
------------
Without CIFAR-10 the notebooks still run, on ``make_standin``: 32x32x3 images whose class is a
SPATIAL pattern (stripes at four orientations, ring, square outline, plus, X, checkerboard,
dots), randomly placed, sized, rotated a little, coloured and noised. Foreground and
background colours are drawn from the same distribution for every class, so pixel means and
colour statistics carry (almost) no class information, while a model that sees spatial
structure (gradient-orientation features, a ConvNet) learns the classes well. Numbers measured
on it are NOT CIFAR-10 numbers; ``load_dataset`` prints a loud banner whenever it is used.
"""

import os
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------------------------
CLASS_NAMES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
STANDIN_CLASS_NAMES = [
    "horizontal stripes",
    "vertical stripes",
    "diagonal stripes",
    "antidiagonal stripes",
    "ring",
    "square",
    "plus",
    "x-cross",
    "checkerboard",
    "dots",
]

DATASETS_ENV_VAR = "CS231N_DATASETS"  # a folder holding cifar-10-batches-py/
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
REPO_DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"
DATASET_NAMES = ("auto", "cifar10", "standin")

IMAGE_SIZE = 32  # H = W
NUM_CHANNELS = 3  # C (RGB)
PIXELS_PER_IMAGE = NUM_CHANNELS * IMAGE_SIZE * IMAGE_SIZE  # 3072 values per row of `data`
NUM_CLASSES = 10
MAX_PIXEL_VALUE = 255

# Stand-in sizes and generator settings (lengths in pixels, angles in degrees).
STANDIN_NUM_TRAIN = 5000
STANDIN_NUM_TEST = 1000
STANDIN_CENTER_JITTER = 5.0  # shape centres: image centre +- this
STANDIN_ROTATION_JITTER = 12.0  # every pattern is rotated by a random angle in +- this
STANDIN_PERIOD_RANGE = (5.0, 9.0)  # stripes / checkerboard / dots period
STANDIN_DUTY_RANGE = (0.3, 0.6)  # fraction of a period covered by the foreground
STANDIN_RADIUS_RANGE = (6.0, 11.0)  # ring radius, square half-side, cross arm length
STANDIN_THICKNESS_RANGE = (2.0, 4.0)  # line width of ring, square and crosses
STANDIN_WINDOW_RANGE = (14.0, 32.0)  # textures are confined to a random window this wide
STANDIN_CONTRAST_RANGE = (40.0, 216.0)  # per-channel (fg - bg) offset, taken modulo 256
STANDIN_SHADING_MAX = 30.0  # amplitude of a random linear brightness ramp
STANDIN_NOISE_STD = 28.0  # per-pixel Gaussian noise
STANDIN_DOT_RADIUS_SCALE = 0.6  # dot radius = this * duty * period
STANDIN_VAL_DIVISOR = 10  # when clamping to the stand-in, validation gets 1/10 of train


# ----------------------------------------------------------------------------------------------
# Errors and the restricted unpickler
# ----------------------------------------------------------------------------------------------
class CIFARFormatError(ValueError):
    """A file is not a well-formed CIFAR-10 python batch (truncated, missing key, bad shape)."""


class UnsafePickleError(CIFARFormatError, pickle.UnpicklingError):
    """A pickle referenced a global that a CIFAR-10 batch never needs; nothing was run."""


def _numpy_multiarray():
    """Return numpy's multiarray module (``numpy._core`` on numpy 2, ``numpy.core`` before)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    return multiarray


_MULTIARRAY = _numpy_multiarray()
# (module, name) as written in the pickle -> the object it resolves to. Nothing else resolves.
# Official batches use the first three; `scalar` appears when a batch written by Python 3 holds
# numpy integers (e.g. labels saved as a list of np.int64).
ALLOWED_PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _MULTIARRAY._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy._core.multiarray", "_reconstruct"): _MULTIARRAY._reconstruct,
    ("numpy.core.multiarray", "scalar"): _MULTIARRAY.scalar,
    ("numpy._core.multiarray", "scalar"): _MULTIARRAY.scalar,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches that resolves only ``ALLOWED_PICKLE_GLOBALS``.

    Every way a pickle can reach a callable (GLOBAL, STACK_GLOBAL, INST, OBJ, EXT*) goes
    through ``find_class``, so refusing there means no code from the file ever runs.
    Byte strings written by Python 2 are decoded as latin-1 (numpy's recommended setting).
    """

    def __init__(self, file, filename):
        super().__init__(file, encoding="latin1")
        self.filename = filename

    def find_class(self, module, name):
        try:
            return ALLOWED_PICKLE_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"{self.filename}: refusing to unpickle forbidden global '{module}.{name}'. "
                "A CIFAR-10 batch only references numpy array globals (numpy.ndarray, "
                "numpy.dtype, multiarray._reconstruct/scalar); this file is not an official "
                "batch (it may be crafted to run code). Nothing from it was executed."
            ) from None


# ----------------------------------------------------------------------------------------------
# CIFAR-10 batches
# ----------------------------------------------------------------------------------------------
def _unpickle_batch(path):
    """Unpickle one batch file with ``RestrictedUnpickler``; return a dict with str keys."""
    with open(path, "rb") as f:
        try:
            datadict = RestrictedUnpickler(f, path).load()
        except UnsafePickleError:
            raise
        except Exception as err:  # truncated / corrupt data surfaces as many exception types
            raise CIFARFormatError(
                f"{path}: not a readable CIFAR-10 batch ({type(err).__name__}: {err}). "
                "The file is probably truncated or corrupt; reinstall it with `make data`."
            ) from err
    if not isinstance(datadict, dict):
        raise CIFARFormatError(
            f"{path}: expected a pickled dict (a CIFAR-10 batch), got {type(datadict).__name__}"
        )
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in datadict.items()}


def _batch_arrays(datadict, path):
    """Validate a batch dict; return (X uint8 (N, H, W, C), y int64 (N,))."""
    for key in ("data", "labels"):
        if key not in datadict:
            raise CIFARFormatError(
                f"{path}: missing key '{key}' (found {sorted(map(str, datadict))}); "
                "not a CIFAR-10 python batch"
            )
    data = datadict["data"]
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != PIXELS_PER_IMAGE:
        shape = getattr(data, "shape", type(data).__name__)
        raise CIFARFormatError(
            f"{path}: 'data' has shape {shape}; expected (N, {PIXELS_PER_IMAGE}) "
            f"(e.g. (10000, {PIXELS_PER_IMAGE})), one row of {NUM_CHANNELS}x{IMAGE_SIZE}x"
            f"{IMAGE_SIZE} channel-major pixels per image"
        )
    if data.dtype.kind not in "ui" or (data.size and (data.min() < 0 or data.max() > 255)):
        raise CIFARFormatError(
            f"{path}: 'data' must hold integers in 0..{MAX_PIXEL_VALUE} (uint8); got dtype "
            f"{data.dtype}"
        )
    try:
        labels = np.asarray(datadict["labels"], dtype=np.int64)
    except (TypeError, ValueError) as err:
        raise CIFARFormatError(f"{path}: 'labels' is not a list of integers ({err})") from err
    num_images = data.shape[0]
    if labels.shape != (num_images,):
        raise CIFARFormatError(
            f"{path}: 'labels' has shape {labels.shape}; expected ({num_images},), one per row "
            "of 'data'"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise CIFARFormatError(
            f"{path}: labels must lie in 0..{NUM_CLASSES - 1}; got {labels.min()}..{labels.max()}"
        )
    pixels = data.astype(np.uint8, copy=False)
    chw = (NUM_CHANNELS, IMAGE_SIZE, IMAGE_SIZE)
    images = pixels.reshape(num_images, *chw)  # (N, 3072) -> (N, C, H, W)
    images = images.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
    return images, labels


def _read_batch(filename):
    """Read one batch file; return (X uint8 (N, H, W, C), y int64 (N,))."""
    path = Path(filename)
    return _batch_arrays(_unpickle_batch(path), path)


def load_CIFAR_batch(filename):
    """Load a single batch of CIFAR-10 (official python format) with the restricted unpickler.

    Inputs:
    - filename: path of a batch file such as ``.../cifar-10-batches-py/data_batch_1``.

    Returns a tuple of:
    - X: float64 array of shape (N, H, W, C) = (10000, 32, 32, 3), integer values in 0..255.
    - Y: int64 array of shape (N,) with labels in 0..9.

    Raises UnsafePickleError (a pickle.UnpicklingError and ValueError) when the file references
    a global a CIFAR batch does not need, CIFARFormatError (a ValueError) when it is truncated,
    misses a key or has wrongly shaped data; both messages name the file.
    """
    X, Y = _read_batch(filename)
    return X.astype(np.float64), Y


def _resolve_cifar10_root(root):
    """The folder holding the batch files: ``root`` itself or ``root/cifar-10-batches-py``."""
    root = Path(root)
    if not (root / CIFAR10_TRAIN_FILES[0]).is_file() and (root / CIFAR10_FOLDER).is_dir():
        return root / CIFAR10_FOLDER
    return root


def _has_cifar10_files(folder):
    """True when every batch file ``load_CIFAR10`` reads exists in ``folder``."""
    return all((folder / name).is_file() for name in (*CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE))


def load_CIFAR10(root):
    """Load all of CIFAR-10.

    Inputs:
    - root: the ``cifar-10-batches-py`` folder (its parent folder is accepted too).

    Returns a tuple of:
    - Xtr: float64 array (N, H, W, C) = (50000, 32, 32, 3), integer values in 0..255.
    - Ytr: int64 array (50000,), labels in 0..9.
    - Xte: float64 array (10000, 32, 32, 3).
    - Yte: int64 array (10000,).
    """
    folder = _resolve_cifar10_root(root)
    if not _has_cifar10_files(folder):
        raise FileNotFoundError(
            f"load_CIFAR10: {folder} does not hold the CIFAR-10 batch files "
            f"({', '.join(CIFAR10_TRAIN_FILES)}, {CIFAR10_TEST_FILE}).\n{_how_to_get_cifar10()}"
        )
    train_parts = [_read_batch(folder / name) for name in CIFAR10_TRAIN_FILES]
    Xtr = np.concatenate([X for X, _ in train_parts]).astype(np.float64)
    Ytr = np.concatenate([Y for _, Y in train_parts])
    del train_parts
    Xte, Yte = _read_batch(folder / CIFAR10_TEST_FILE)
    return Xtr, Ytr, Xte.astype(np.float64), Yte


# ----------------------------------------------------------------------------------------------
# Finding the data
# ----------------------------------------------------------------------------------------------
def get_datasets_dir():
    """Return the folder that holds (or should hold) ``cifar-10-batches-py/``.

    ``$CS231N_DATASETS`` when set, else ``<repo>/datasets``. Returns a pathlib.Path.
    """
    env_dir = os.environ.get(DATASETS_ENV_VAR, "").strip()
    return Path(env_dir).expanduser() if env_dir else REPO_DATASETS_DIR


def _search_dirs():
    """Folders searched for ``cifar-10-batches-py/``, in order."""
    env_dir = os.environ.get(DATASETS_ENV_VAR, "").strip()
    dirs = [Path(env_dir).expanduser()] if env_dir else []
    if REPO_DATASETS_DIR not in dirs:
        dirs.append(REPO_DATASETS_DIR)
    return dirs


def find_cifar10():
    """Return the ``cifar-10-batches-py`` folder (a pathlib.Path), or None when not found.

    Searches ``$CS231N_DATASETS`` then ``<repo>/datasets``; a folder counts when it holds all
    six batch files (data_batch_1..5, test_batch).
    """
    for folder in _search_dirs():
        candidate = folder / CIFAR10_FOLDER
        if _has_cifar10_files(candidate):
            return candidate
    return None


def _how_to_get_cifar10():
    """Multi-line text: where we looked for CIFAR-10 and how to get it."""
    env_value = os.environ.get(DATASETS_ENV_VAR, "")
    searched = "\n".join(f"  - {folder / CIFAR10_FOLDER}" for folder in _search_dirs())
    return (
        f"Looked for CIFAR-10 in (${DATASETS_ENV_VAR}={env_value or '<not set>'}):\n"
        f"{searched}\n"
        "To get it:\n"
        "  - run `make data` (downloads the official tarball and checks its md5), or\n"
        "  - without internet: copy cifar-10-python.tar.gz onto this machine and run\n"
        "      bash datasets/get_datasets.sh --from /path/to/cifar-10-python.tar.gz, or\n"
        f"  - set {DATASETS_ENV_VAR} to a folder that already holds {CIFAR10_FOLDER}/."
    )


# ----------------------------------------------------------------------------------------------
# The generated stand-in
# ----------------------------------------------------------------------------------------------
def _soft_mask(signed_dist):
    """Anti-aliased coverage in [0, 1] from a signed distance in pixels (negative = inside)."""
    return np.clip(0.5 - signed_dist, 0.0, 1.0)


def _rotate(u, v, degrees):
    """Rotate coordinate arrays (u, v) by ``degrees`` (scalar or broadcastable array)."""
    theta = np.deg2rad(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    return u * cos + v * sin, -u * sin + v * cos


def _distance_to_grid(t, period, phase):
    """Distance from t to the nearest line of the grid {period * (k - phase)} (any shape)."""
    frac = np.mod(t / period + phase, 1.0)
    return period * (0.5 - np.abs(frac - 0.5))


def _stripes_sd(angle):
    """Signed distance of stripes running at ``angle`` degrees (0 = horizontal stripes)."""

    def signed_dist(u, v, p):
        _, across = _rotate(u, v, angle)  # coordinate across the stripes
        to_centre = p["period"] / 2 - _distance_to_grid(across, p["period"], p["phase"])
        return to_centre - p["duty"] * p["period"] / 2

    return signed_dist


def _ring_sd(u, v, p):
    """Ring of radius p["radius"] and width p["thickness"] around the origin."""
    return np.abs(np.hypot(u, v) - p["radius"]) - p["thickness"] / 2


def _square_sd(u, v, p):
    """Square outline of half-side p["radius"] and width p["thickness"]."""
    return np.abs(np.maximum(np.abs(u), np.abs(v)) - p["radius"]) - p["thickness"] / 2


def _plus_sd(u, v, p):
    """Plus sign: two bars of width p["thickness"] reaching p["radius"] from the origin."""
    arms = np.minimum(np.abs(u), np.abs(v)) - p["thickness"] / 2
    extent = np.maximum(np.abs(u), np.abs(v)) - p["radius"]
    return np.maximum(arms, extent)


def _xcross_sd(u, v, p):
    """The plus sign turned by 45 degrees."""
    return _plus_sd(*_rotate(u, v, 45.0), p)


def _checkerboard_sd(u, v, p):
    """Checkerboard with squares of side p["period"] / 2."""
    cell = p["period"] / 2
    du = _distance_to_grid(u, cell, p["phase"])
    dv = _distance_to_grid(v, cell, p["phase"])
    parity = (np.floor(u / cell + p["phase"]) + np.floor(v / cell + p["phase"])) % 2
    return np.where(parity == 0, -1.0, 1.0) * np.minimum(du, dv)


def _dots_sd(u, v, p):
    """Square grid of dots, p["period"] apart, radius growing with p["duty"]."""
    half = p["period"] / 2
    du = half - _distance_to_grid(u, p["period"], p["phase"])  # offset from the dot centre
    dv = half - _distance_to_grid(v, p["period"], p["phase"])
    return np.hypot(du, dv) - STANDIN_DOT_RADIUS_SCALE * p["duty"] * p["period"]


# One entry per class, in STANDIN_CLASS_NAMES order: (signed distance, is a texture).
# Textures fill a random window; shapes are drawn around a random centre.
STANDIN_PATTERNS = (
    (_stripes_sd(0.0), True),
    (_stripes_sd(90.0), True),
    (_stripes_sd(45.0), True),
    (_stripes_sd(135.0), True),
    (_ring_sd, False),
    (_square_sd, False),
    (_plus_sd, False),
    (_xcross_sd, False),
    (_checkerboard_sd, True),
    (_dots_sd, True),
)


def _standin_params(rng, num_images):
    """Draw every random per-image parameter of the stand-in; each value is float32 (N, 1, 1)."""

    def uniform(bounds):
        return rng.uniform(*bounds, size=(num_images, 1, 1)).astype(np.float32)

    centre = IMAGE_SIZE / 2 - 0.5
    jitter = (-STANDIN_CENTER_JITTER, STANDIN_CENTER_JITTER)
    return {
        "cx": centre + uniform(jitter),
        "cy": centre + uniform(jitter),
        "angle": uniform((-STANDIN_ROTATION_JITTER, STANDIN_ROTATION_JITTER)),
        "period": uniform(STANDIN_PERIOD_RANGE),
        "phase": uniform((0.0, 1.0)),
        "duty": uniform(STANDIN_DUTY_RANGE),
        "radius": uniform(STANDIN_RADIUS_RANGE),
        "thickness": uniform(STANDIN_THICKNESS_RANGE),
        "window_w": uniform(STANDIN_WINDOW_RANGE),
        "window_h": uniform(STANDIN_WINDOW_RANGE),
        "window_x": uniform((0.0, 1.0)),
        "window_y": uniform((0.0, 1.0)),
        "shading": uniform((0.0, STANDIN_SHADING_MAX)),
        "shading_angle": uniform((0.0, 360.0)),
    }


def _pixel_grid():
    """(rows, cols): float32 pixel coordinates of shape (H, W) each."""
    rows, cols = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE].astype(np.float32)  # (2, H, W)
    return rows, cols


def _window_sd(cols, rows, p):
    """Signed distance to a random axis-aligned window lying inside the image."""
    half_w, half_h = p["window_w"] / 2, p["window_h"] / 2
    centre_x = half_w + p["window_x"] * (IMAGE_SIZE - 2 * half_w) - 0.5
    centre_y = half_h + p["window_y"] * (IMAGE_SIZE - 2 * half_h) - 0.5
    return np.maximum(np.abs(cols - centre_x) - half_w, np.abs(rows - centre_y) - half_h)


def _standin_masks(labels, p):
    """Foreground coverage in [0, 1], float32 of shape (N, H, W), for images of these labels."""
    rows, cols = _pixel_grid()
    masks = np.empty((labels.shape[0], IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    for label, (signed_dist, is_texture) in enumerate(STANDIN_PATTERNS):
        idx = np.flatnonzero(labels == label)
        p_k = {name: value[idx] for name, value in p.items()}
        u, v = _rotate(cols - p_k["cx"], rows - p_k["cy"], p_k["angle"])  # (N_k, H, W) each
        mask = _soft_mask(signed_dist(u, v, p_k))
        if is_texture:
            mask *= _soft_mask(_window_sd(cols, rows, p_k))
        masks[idx] = mask
    return masks


def _standin_images(rng, num_images):
    """Generate (X float64 (N, H, W, C) integer-valued in 0..255, y int64 (N,)).

    Works in float32 and in place: allocating big arrays dominates the run time.
    """
    labels = rng.permutation(np.arange(num_images) % NUM_CLASSES).astype(np.int64)
    p = _standin_params(rng, num_images)
    masks = _standin_masks(labels, p)  # (N, H, W)

    # Foreground = background + an offset of at least STANDIN_CONTRAST_RANGE[0] per channel,
    # modulo 256: both colours are uniform over the RGB cube whatever the class.
    background = rng.integers(0, MAX_PIXEL_VALUE + 1, size=(num_images, 1, 1, NUM_CHANNELS))
    offset = rng.uniform(*STANDIN_CONTRAST_RANGE, size=(num_images, 1, 1, NUM_CHANNELS))
    foreground = np.mod(background + offset, MAX_PIXEL_VALUE + 1)
    contrast = (foreground - background).astype(np.float32)  # (N, 1, 1, C)

    # A linear brightness ramp in a random direction.
    rows, cols = (coord / (IMAGE_SIZE - 1) * 2 - 1 for coord in _pixel_grid())  # in [-1, 1]
    direction = np.deg2rad(p["shading_angle"])  # (N, 1, 1)
    ramp = p["shading"] * (np.cos(direction) * cols + np.sin(direction) * rows)  # (N, H, W)

    images = rng.standard_normal((num_images, IMAGE_SIZE, IMAGE_SIZE, NUM_CHANNELS), np.float32)
    images *= STANDIN_NOISE_STD
    images += background.astype(np.float32)
    for channel in range(NUM_CHANNELS):
        images[..., channel] += masks * contrast[..., channel] + ramp
    np.clip(images, 0, MAX_PIXEL_VALUE, out=images)
    return np.rint(images, out=np.empty(images.shape)), labels


def make_standin(num_train=STANDIN_NUM_TRAIN, num_test=STANDIN_NUM_TEST, seed=0):
    """Generate the CIFAR-shaped stand-in data set (NOT CIFAR-10; see the module docstring).

    Class k (names in STANDIN_CLASS_NAMES) is a spatial pattern: 0-3 stripes at 0, 90, 45 and
    135 degrees, 4 ring, 5 square outline, 6 plus, 7 x-cross, 8 checkerboard, 9 dots. Every
    image gets a random position, size, period, phase and a rotation jitter of
    +-STANDIN_ROTATION_JITTER degrees; textures are confined to a random window. Foreground and
    background colours are random (same distribution for all classes), then a brightness ramp
    and Gaussian noise are added. Classes are balanced (N multiple of 10: exactly N / 10 each).

    Inputs:
    - num_train: int N_train >= 0, number of training images.
    - num_test: int N_test >= 0, number of test images.
    - seed: int; the same seed gives the same arrays. The training set does not depend on
      num_test and vice versa.

    Returns a tuple like load_CIFAR10:
    - X_train: float64 (N_train, H, W, C) = (N_train, 32, 32, 3), integer values in 0..255.
    - y_train: int64 (N_train,), labels in 0..9.
    - X_test: float64 (N_test, 32, 32, 3).
    - y_test: int64 (N_test,).
    """
    _check_count("num_train", num_train)
    _check_count("num_test", num_test)
    train_seq, test_seq = np.random.SeedSequence(seed).spawn(2)
    X_train, y_train = _standin_images(np.random.default_rng(train_seq), num_train)
    X_test, y_test = _standin_images(np.random.default_rng(test_seq), num_test)
    return X_train, y_train, X_test, y_test


# ----------------------------------------------------------------------------------------------
# One entry point for notebooks
# ----------------------------------------------------------------------------------------------
@dataclass(repr=False)
class Dataset:
    """A loaded data set: images (N, H, W, C) float64 in 0..255 and int64 labels."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list
    name: str  # "cifar10" or "standin"
    source: Path | None = None  # the cifar-10-batches-py folder, None for the stand-in

    @property
    def is_standin(self):
        return self.name == "standin"

    def __repr__(self):
        return (
            f"Dataset(name={self.name!r}, X_train={self.X_train.shape}, "
            f"X_test={self.X_test.shape}, source={self.source})"
        )


def _boxed(lines, border="#"):
    """Frame text lines in a box of ``border`` characters."""
    width = max(len(line) for line in lines)
    edge = border * (width + 6)
    body = [f"{border}{border} {line.ljust(width)} {border}{border}" for line in lines]
    return "\n".join([edge, *body, edge])


def _standin_banner(reason):
    """The loud multi-line message printed whenever the stand-in is used."""
    lines = [
        "!!! USING THE GENERATED STAND-IN DATA SET - THIS IS NOT CIFAR-10 !!!",
        "",
        reason,
        "Images are synthetic 32x32x3 spatial patterns (stripes, rings, crosses, ...).",
        "Every accuracy, loss curve and picture below is NOT a CIFAR-10 number.",
        "",
        *_how_to_get_cifar10().splitlines(),
    ]
    return _boxed(lines)


def load_dataset(name="auto", seed=0, verbose=True):
    """Load CIFAR-10 or the generated stand-in, and say which one is in use.

    Inputs:
    - name: "auto" (CIFAR-10 if found, else the stand-in), "cifar10" (CIFAR-10 or a
      FileNotFoundError saying how to get it) or "standin".
    - seed: int, seed of the stand-in (unused for CIFAR-10).
    - verbose: print a banner naming the data set (boxed and loud for the stand-in).

    Returns a Dataset with X_train (N, 32, 32, 3) float64 in 0..255 (N = 50000 for CIFAR-10,
    STANDIN_NUM_TRAIN for the stand-in), y_train (N,) int64, X_test, y_test, class_names,
    name ("cifar10" or "standin") and source (the CIFAR-10 folder, or None).
    """
    if name not in DATASET_NAMES:
        raise ValueError(f"load_dataset: name={name!r}; expected one of {DATASET_NAMES}")
    root = None if name == "standin" else find_cifar10()
    if root is not None:
        X_train, y_train, X_test, y_test = load_CIFAR10(root)
        if verbose:
            print(f"Using CIFAR-10 from {root} ({X_train.shape[0]} train, {X_test.shape[0]} test).")
        return Dataset(X_train, y_train, X_test, y_test, list(CLASS_NAMES), "cifar10", root)
    if name == "cifar10":
        raise FileNotFoundError(f"load_dataset: CIFAR-10 was not found.\n{_how_to_get_cifar10()}")
    X_train, y_train, X_test, y_test = make_standin(seed=seed)
    if verbose:
        reason = (
            "You asked for it (name='standin')."
            if name == "standin"
            else "CIFAR-10 was not found, so name='auto' fell back to it."
        )
        print(_standin_banner(reason))
    return Dataset(X_train, y_train, X_test, y_test, list(STANDIN_CLASS_NAMES), "standin")


def _check_count(arg_name, value, minimum=0):
    """Raise TypeError/ValueError unless ``value`` is an int >= minimum."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{arg_name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{arg_name} must be >= {minimum}, got {value}")


def _clamp_split(num_training, num_validation, num_test, available_train, available_test):
    """Shrink a requested split to fit the available images; returns the three sizes."""
    if num_training + num_validation > available_train:
        num_validation = min(num_validation, available_train // STANDIN_VAL_DIVISOR)
        num_training = min(num_training, available_train - num_validation)
    return num_training, num_validation, min(num_test, available_test)


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    dataset="auto",
    verbose=True,
):
    """Load CIFAR-10 (or the stand-in) and prepare it for the classifiers (CS231n 2017 split).

    Train = the first num_training training images, val = the next num_validation, test = the
    first num_test test images. With the stand-in (dataset="auto" without CIFAR-10, or
    "standin") sizes larger than the stand-in are clamped with a warning.

    Inputs:
    - num_training, num_validation, num_test: ints >= 0 (num_training >= 1).
    - subtract_mean: subtract the mean training image from all three splits.
    - dataset: "auto", "cifar10" or "standin" (see load_dataset).
    - verbose: print which data set is in use (see load_dataset).

    Returns a dict with X_train (N_train, C, H, W) = (N_train, 3, 32, 32) float64, y_train
    (N_train,) int64, and likewise X_val, y_val, X_test, y_test.
    """
    _check_count("num_training", num_training, minimum=1)
    _check_count("num_validation", num_validation)
    _check_count("num_test", num_test)
    data = load_dataset(dataset, verbose=verbose)
    available_train, available_test = data.X_train.shape[0], data.X_test.shape[0]
    requested = (num_training, num_validation, num_test)
    sizes = _clamp_split(*requested, available_train, available_test)
    if sizes != requested:
        if not data.is_standin:
            raise ValueError(
                f"get_CIFAR10_data: asked for {num_training} train + {num_validation} val and "
                f"{num_test} test images; CIFAR-10 has {available_train} and {available_test}"
            )
        warnings.warn(
            f"get_CIFAR10_data: the stand-in has only {available_train} train and "
            f"{available_test} test images; using (train, val, test) = {sizes} instead of "
            f"{requested}",
            UserWarning,
            stacklevel=2,
        )
    return _cs231n_split(data.X_train, data.y_train, data.X_test, data.y_test, *sizes,
                         subtract_mean)


def _cs231n_split(X_train_all, y_train_all, X_test_all, y_test_all, num_training,
                  num_validation, num_test, subtract_mean):
    """The CS231n split of loaded images, mean-subtracted and channels first.

    Inputs:
    - X_train_all (N, H, W, C) float64, y_train_all (N,); X_test_all, y_test_all likewise;
      num_training + num_validation <= N, num_test <= the number of test images.
    - subtract_mean: subtract the mean of the training split from all three splits (in place:
      the slices are views of arrays that the caller does not keep).

    Returns the dict of get_CIFAR10_data.
    """
    splits = {
        "train": (X_train_all[:num_training], y_train_all[:num_training]),
        "val": (X_train_all[num_training : num_training + num_validation],
                y_train_all[num_training : num_training + num_validation]),
        "test": (X_test_all[:num_test], y_test_all[:num_test]),
    }
    if subtract_mean:
        mean_image = np.mean(splits["train"][0], axis=0)  # (H, W, C)
        for X, _ in splits.values():
            X -= mean_image
    data = {}
    for split, (X, y) in splits.items():
        data[f"X_{split}"] = X.transpose(0, 3, 1, 2).copy()  # (N, H, W, C) -> (N, C, H, W)
        data[f"y_{split}"] = y.copy()
    return data


def load_cifar10_subset(num_training=5000, num_validation=500, num_test=500,
                        subtract_mean=True, verbose=True):
    """The CS231n split of the first CIFAR-10 images, reading only the batch files it needs.

    Same result as ``get_CIFAR10_data`` with these sizes (train = the first num_training
    training images, val = the next num_validation, test = the first num_test test images,
    mean training image subtracted), but it reads only
    ceil((num_training + num_validation) / 10000) training batch files instead of all five,
    which keeps lecture notebooks fast (it stops reading batch files as soon as it has
    num_training + num_validation images). Without CIFAR-10 it falls back to the stand-in, as
    ``get_CIFAR10_data(..., dataset="auto")`` does (with its loud banner).

    Inputs:
    - num_training, num_validation, num_test: ints >= 0 (num_training >= 1).
    - subtract_mean: subtract the mean training image from all three splits.
    - verbose: print which data set is in use.

    Returns the dict of get_CIFAR10_data plus "name": "cifar10" or "standin" (the Solver
    ignores extra keys).
    """
    _check_count("num_training", num_training, minimum=1)
    _check_count("num_validation", num_validation)
    _check_count("num_test", num_test)
    folder = find_cifar10()
    needed = num_training + num_validation
    train_parts, found = [], 0
    for name in CIFAR10_TRAIN_FILES if folder is not None else ():
        if found >= needed:
            break
        train_parts.append(load_CIFAR_batch(folder / name))
        found += train_parts[-1][0].shape[0]
    if found < needed:  # no CIFAR-10 (the stand-in), or more images than it has (an error)
        data = get_CIFAR10_data(num_training, num_validation, num_test,
                                subtract_mean=subtract_mean,
                                dataset="auto" if folder is None else "cifar10",
                                verbose=verbose)
        return {**data, "name": "standin" if folder is None else "cifar10"}
    X_all = np.concatenate([X for X, _ in train_parts])  # (found, 32, 32, 3)
    y_all = np.concatenate([y for _, y in train_parts])
    X_test, y_test = load_CIFAR_batch(folder / CIFAR10_TEST_FILE)
    if verbose:
        print(f"Using CIFAR-10 from {folder} (the first {len(train_parts)} training batch "
              "file(s)).")
    data = _cs231n_split(X_all, y_all, X_test, y_test, num_training, num_validation, num_test,
                         subtract_mean)
    return {**data, "name": "cifar10"}
