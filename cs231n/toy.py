"""Toy data and image transforms for the lecture notebooks 1-3.

Three groups of helpers, all pure numpy and seeded:

- 2-D toy data sets for classifiers you can draw (lecture 2-3): ``make_blobs``, ``make_spirals``.
- Image transforms that show why recognition is hard (lecture 2, "challenges"): viewpoint
  (``rotate_image``, ``shear_image``), scale (``scale_image``), illumination
  (``adjust_illumination``), deformation (``deform_image``), occlusion (``occlude_image``),
  background clutter (``place_on_background`` over ``make_clutter``); ``challenge_examples``
  applies one of each to a real image.
- The "same L2 distance" counter-example (lecture 2): ``same_l2_examples`` alters an image in
  very different ways (shifted, boxed, tinted, noisy) that all lie at exactly the same L2
  distance from the original.
- The loss of a LINEAR classifier on a line or plane of weights (lecture 3):
  ``loss_along_directions``. Scores are linear in the weights, so X @ W and X @ D_k are
  computed once and every point of the grid costs only the score-to-loss step; this makes a
  31 x 31 plane a matter of milliseconds. (``cs231n.landscape`` makes the directions and grids
  and evaluates general models point by point.)

Images are (H, W, C) float arrays with values in 0..255, like ``load_CIFAR10``'s; every
transform returns a new float64 array of the same shape, clipped to 0..255.
"""

import numbers

import numpy as np

from cs231n.layers import svm_loss

# ----------------------------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------------------------
MAX_PIXEL_VALUE = 255.0
FILL_MODES = ("edge", "constant")  # how pixels sampled from outside the image are filled

# 2-D toy data
BLOB_RADIUS = 3.0  # blob centres lie on a circle of this radius
BLOB_SPREAD = 1.0  # standard deviation of every blob
SPIRAL_TURNS = 0.75  # each spiral arm winds this many full turns
SPIRAL_NOISE = 0.2  # standard deviation of the angle noise, in radians

# Default strengths of the challenge gallery (angles in degrees, lengths in pixels)
CHALLENGE_ROTATION = 30.0
CHALLENGE_SHEAR = 0.35
CHALLENGE_ZOOM = 1.6  # a closer view: the object fills more of the frame
CHALLENGE_DARK_GAIN = 0.35
CHALLENGE_WARM_LIGHT = (1.25, 1.0, 0.6)  # per-channel gain of a warm, yellow light
CHALLENGE_DEFORM_AMPLITUDE = 1.5
CHALLENGE_DEFORM_WAVELENGTH = 12.0
CHALLENGE_OCCLUDER_FRACTION = 0.45  # side of the occluding square / image side
CHALLENGE_OCCLUDER_VALUE = (90.0, 110.0, 60.0)  # a green-brown "leaf"
CHALLENGE_CLUTTER_SCALE = 0.6
CLUTTER_TILE = 8  # side of the square crops a clutter background is tiled from

# The same-L2 counter-example
SAME_L2_SHIFT = (0, 2)  # (rows, cols) shift that sets the common distance
SAME_L2_TINT = (1.0, 0.55, -0.35)  # direction of the tint added to every pixel
SAME_L2_BOX_VALUE = 0.0  # the occluding box is black
BISECTION_STEPS = 60  # halvings of the parameter interval: ~1e-18 of its length


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------
def _check_image(image, name):
    """Return ``image`` as a float64 (H, W, C) array; raise a clear error otherwise."""
    try:
        image = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: image must be a numeric (H, W, C) array ({err})") from err
    if image.ndim != 3 or min(image.shape) == 0:
        raise ValueError(
            f"{name}: image must have shape (H, W, C) with H, W, C >= 1, got {image.shape}; "
            "pass one image such as X_train[0], not a batch"
        )
    return image


def _check_count(value, name, low=1):
    """Raise ValueError unless ``value`` is an integer >= low (bools are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_positive(value, name):
    """Raise ValueError unless ``value`` is a real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a real number > 0, got {value!r}")


def _channel_values(value, num_channels, name):
    """Broadcast a scalar or per-channel sequence to a float64 array of shape (C,)."""
    values = np.asarray(value, dtype=np.float64)
    if values.ndim == 0:
        return np.full(num_channels, float(values))
    if values.shape != (num_channels,):
        raise ValueError(
            f"{name} must be a scalar or have one value per channel ({num_channels},), "
            f"got shape {values.shape}"
        )
    return values


def _clip(image):
    """Clip pixel values to the valid range 0..255."""
    return np.clip(image, 0.0, MAX_PIXEL_VALUE)


# ----------------------------------------------------------------------------------------------
# 2-D toy data sets
# ----------------------------------------------------------------------------------------------
def make_blobs(num_per_class=40, num_classes=3, radius=BLOB_RADIUS, spread=BLOB_SPREAD, seed=0):
    """Gaussian blobs in the plane, one per class, centred on a circle.

    Inputs:
    - num_per_class: int >= 1, points per class.
    - num_classes: int C >= 1.
    - radius: float, radius of the circle the C blob centres lie on (evenly spaced).
    - spread: float > 0, standard deviation of every blob; overlapping blobs (spread close to
      the distance between centres) make interesting decision boundaries.
    - seed: int, seeds np.random.default_rng.

    Returns a tuple of:
    - X: float64 array of shape (N, 2) with N = C * num_per_class, points grouped by class.
    - y: int64 array of shape (N,) with labels 0..C-1.
    """
    _check_count(num_per_class, "make_blobs: num_per_class")
    _check_count(num_classes, "make_blobs: num_classes")
    _check_positive(spread, "make_blobs: spread")
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(num_classes) / num_classes  # (C,)
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (C, 2)
    y = np.repeat(np.arange(num_classes), num_per_class)  # (N,)
    X = centres[y] + spread * rng.standard_normal((y.size, 2))  # (N, 2)
    return X, y.astype(np.int64)


def make_spirals(num_per_class=100, num_classes=3, turns=SPIRAL_TURNS, noise=SPIRAL_NOISE, seed=0):
    """Interleaved spiral arms, one per class: data that no linear classifier can separate.

    Point i of arm c sits at radius r = i / (num_per_class - 1) and angle
    2*pi*(c / C + turns * r) + noise * N(0, 1).

    Inputs:
    - num_per_class: int >= 2, points per arm.
    - num_classes: int C >= 1, number of arms.
    - turns: float > 0, how far each arm winds (in full turns).
    - noise: float >= 0, standard deviation of the angle noise (radians).
    - seed: int, seeds np.random.default_rng.

    Returns a tuple of:
    - X: float64 array of shape (N, 2) with N = C * num_per_class, inside the unit disc.
    - y: int64 array of shape (N,) with labels 0..C-1.
    """
    _check_count(num_per_class, "make_spirals: num_per_class", low=2)
    _check_count(num_classes, "make_spirals: num_classes")
    _check_positive(turns, "make_spirals: turns")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"make_spirals: noise must be a real number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    radii = np.tile(np.linspace(0.0, 1.0, num_per_class), num_classes)  # (N,)
    y = np.repeat(np.arange(num_classes), num_per_class)  # (N,)
    angles = 2 * np.pi * (y / num_classes + turns * radii) + noise * rng.standard_normal(y.size)
    X = radii[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (N, 2)
    return X, y.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Geometric transforms: resample the image at transformed coordinates
# ----------------------------------------------------------------------------------------------
def sample_image(image, rows, cols, fill="edge", fill_value=0.0):
    """Sample an image at real-valued coordinates by bilinear interpolation.

    Inputs:
    - image: array of shape (H, W, C).
    - rows, cols: float arrays of the same shape (h, w): where to sample (row, column),
      pixel centres at integer coordinates.
    - fill: "edge" (coordinates outside are clamped to the border) or "constant" (pixels
      outside read fill_value).
    - fill_value: scalar or (C,) values of the outside for fill="constant".

    Returns:
    - out: float64 array of shape (h, w, C).
    """
    image = _check_image(image, "sample_image")
    if fill not in FILL_MODES:
        raise ValueError(f"sample_image: fill={fill!r}; expected one of {FILL_MODES}")
    rows = np.asarray(rows, dtype=np.float64)
    cols = np.asarray(cols, dtype=np.float64)
    if rows.shape != cols.shape:
        raise ValueError(
            f"sample_image: rows and cols must have the same shape, got {rows.shape} and "
            f"{cols.shape}"
        )
    height, width, num_channels = image.shape
    outside = (rows < 0) | (rows > height - 1) | (cols < 0) | (cols > width - 1)
    rows_in = np.clip(rows, 0, height - 1)
    cols_in = np.clip(cols, 0, width - 1)
    top = np.minimum(np.floor(rows_in).astype(int), max(height - 2, 0))
    left = np.minimum(np.floor(cols_in).astype(int), max(width - 2, 0))
    bottom = np.minimum(top + 1, height - 1)
    right = np.minimum(left + 1, width - 1)
    frac_r = (rows_in - top)[..., None]  # (h, w) -> (h, w, 1)
    frac_c = (cols_in - left)[..., None]  # (h, w) -> (h, w, 1)
    upper = image[top, left] * (1 - frac_c) + image[top, right] * frac_c
    lower = image[bottom, left] * (1 - frac_c) + image[bottom, right] * frac_c
    out = upper * (1 - frac_r) + lower * frac_r  # (h, w, C)
    if fill == "constant":
        out[outside] = _channel_values(fill_value, num_channels, "sample_image: fill_value")
    return out


def _centred_grid(height, width):
    """Row and column offsets (H, W) of every pixel from the image centre."""
    centre_r, centre_c = (height - 1) / 2, (width - 1) / 2
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    return rows - centre_r, cols - centre_c, centre_r, centre_c


def affine_image(image, matrix, shift=(0.0, 0.0), fill="edge", fill_value=0.0):
    """Apply an affine map about the image centre: out(p) = image(inverse map of p).

    A point at offset v = (row, col) from the centre moves to matrix @ v + shift.

    Inputs:
    - image: array of shape (H, W, C).
    - matrix: (2, 2) invertible array acting on (row, col) offsets.
    - shift: (rows, cols) translation in pixels.
    - fill, fill_value: see sample_image.

    Returns:
    - out: float64 array of shape (H, W, C), clipped to 0..255.
    """
    image = _check_image(image, "affine_image")
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (2, 2) or abs(np.linalg.det(matrix)) < np.finfo(float).eps:
        raise ValueError(f"affine_image: matrix must be an invertible (2, 2) array, got {matrix}")
    shift = np.asarray(shift, dtype=np.float64)
    if shift.shape != (2,):
        raise ValueError(f"affine_image: shift must be (rows, cols), got {shift!r}")
    d_rows, d_cols, centre_r, centre_c = _centred_grid(*image.shape[:2])
    target = np.stack([d_rows - shift[0], d_cols - shift[1]])  # (2, H, W)
    source = np.einsum("ij,jhw->ihw", np.linalg.inv(matrix), target)  # (2, H, W)
    out = sample_image(image, source[0] + centre_r, source[1] + centre_c, fill, fill_value)
    return _clip(out)


def rotate_image(image, degrees, fill="edge", fill_value=0.0):
    """Rotate an image counter-clockwise by ``degrees`` about its centre (a viewpoint change).

    Inputs: image (H, W, C); degrees, float; fill, fill_value as in sample_image.

    Returns: float64 array of shape (H, W, C).
    """
    theta = np.deg2rad(degrees)
    # rows grow downwards, so a counter-clockwise turn on screen is this matrix on (row, col)
    matrix = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return affine_image(image, matrix, fill=fill, fill_value=fill_value)


def shear_image(image, shear, fill="edge", fill_value=0.0):
    """Shear an image horizontally: row r moves shear * (r - centre) pixels to the right.

    A cheap stand-in for looking at the object from another angle.

    Inputs: image (H, W, C); shear, float; fill, fill_value as in sample_image.

    Returns: float64 array of shape (H, W, C).
    """
    matrix = np.array([[1.0, 0.0], [shear, 1.0]])
    return affine_image(image, matrix, fill=fill, fill_value=fill_value)


def scale_image(image, factor, fill="edge", fill_value=0.0):
    """Zoom an image about its centre: factor < 1 shrinks the object, > 1 enlarges it.

    Inputs: image (H, W, C); factor, float > 0; fill, fill_value as in sample_image.

    Returns: float64 array of shape (H, W, C).
    """
    _check_positive(factor, "scale_image: factor")
    return affine_image(image, factor * np.eye(2), fill=fill, fill_value=fill_value)


def shift_image(image, rows, cols, fill="edge", fill_value=0.0):
    """Translate an image by (rows, cols) pixels (down and right for positive values).

    Inputs: image (H, W, C); rows, cols, floats (fractional shifts interpolate); fill,
    fill_value as in sample_image.

    Returns: float64 array of shape (H, W, C).
    """
    return affine_image(image, np.eye(2), shift=(rows, cols), fill=fill, fill_value=fill_value)


def deform_image(image, amplitude, wavelength, phase=0.0):
    """Bend an image with a smooth sinusoidal displacement field (a non-rigid deformation).

    Pixel (r, c) reads the input at (r + a sin(2 pi c / L + phase), c + a sin(2 pi r / L + phase)),
    a = amplitude, L = wavelength.

    Inputs:
    - image: array of shape (H, W, C).
    - amplitude: float, the largest displacement in pixels.
    - wavelength: float > 0, period of the waves in pixels.
    - phase: float, phase of the waves in radians.

    Returns: float64 array of shape (H, W, C).
    """
    image = _check_image(image, "deform_image")
    _check_positive(wavelength, "deform_image: wavelength")
    rows, cols = np.mgrid[0 : image.shape[0], 0 : image.shape[1]].astype(np.float64)
    wave_number = 2 * np.pi / wavelength
    src_rows = rows + amplitude * np.sin(wave_number * cols + phase)
    src_cols = cols + amplitude * np.sin(wave_number * rows + phase)
    return _clip(sample_image(image, src_rows, src_cols, fill="edge"))


# ----------------------------------------------------------------------------------------------
# Photometric transforms, occlusion and clutter
# ----------------------------------------------------------------------------------------------
def adjust_illumination(image, gain=1.0, color=(1.0, 1.0, 1.0), gamma=1.0, shading=0.0):
    """Change the lighting of an image: brightness, colour of the light, contrast, shadow.

    out = clip(255 * gain * color * ramp * (image / 255) ** gamma), where ramp goes linearly
    from 1 - shading (left column) to 1 + shading (right column).

    Inputs:
    - image: array of shape (H, W, C).
    - gain: float >= 0, overall brightness factor.
    - color: scalar or (C,) per-channel factors (the colour of the light).
    - gamma: float > 0; > 1 darkens mid-tones, < 1 brightens them.
    - shading: float in [0, 1], strength of a left-to-right brightness ramp.

    Returns: float64 array of shape (H, W, C).
    """
    image = _check_image(image, "adjust_illumination")
    if isinstance(gain, bool) or not isinstance(gain, numbers.Real) or gain < 0:
        raise ValueError(f"adjust_illumination: gain must be a real number >= 0, got {gain!r}")
    _check_positive(gamma, "adjust_illumination: gamma")
    if not 0.0 <= shading <= 1.0:
        raise ValueError(f"adjust_illumination: shading must lie in [0, 1], got {shading!r}")
    color = _channel_values(color, image.shape[2], "adjust_illumination: color")
    ramp = np.linspace(1.0 - shading, 1.0 + shading, image.shape[1])[None, :, None]  # (1, W, 1)
    relative = (image / MAX_PIXEL_VALUE) ** gamma
    return _clip(MAX_PIXEL_VALUE * gain * color * ramp * relative)


def occlude_image(image, top, left, height, width, value=0.0, alpha=1.0):
    """Cover a rectangle of an image: out = (1 - alpha) * image + alpha * value inside it.

    Inputs:
    - image: array of shape (H, W, C).
    - top, left: ints, the rectangle's first row and column (may lie partly outside).
    - height, width: ints >= 1, its size in pixels.
    - value: scalar or (C,) colour of the occluder.
    - alpha: float in [0, 1], its opacity.

    Returns: float64 array of shape (H, W, C).
    """
    image = _check_image(image, "occlude_image")
    _check_count(height, "occlude_image: height")
    _check_count(width, "occlude_image: width")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"occlude_image: alpha must lie in [0, 1], got {alpha!r}")
    value = _channel_values(value, image.shape[2], "occlude_image: value")
    out = image.copy()
    rows = slice(max(top, 0), max(top + height, 0))
    cols = slice(max(left, 0), max(left + width, 0))
    out[rows, cols] = (1.0 - alpha) * out[rows, cols] + alpha * value
    return _clip(out)


def make_clutter(images, shape, tile=CLUTTER_TILE, seed=0):
    """A busy background: a mosaic of random square crops of other images.

    Inputs:
    - images: array of shape (N, H, W, C), the images to cut crops from.
    - shape: (h, w) of the background; multiples of tile are filled exactly.
    - tile: int >= 1, side of the crops in pixels (at most H and W).
    - seed: int, seeds np.random.default_rng.

    Returns:
    - background: float64 array of shape (h, w, C).
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(
            f"make_clutter: images must have shape (N, H, W, C) with N >= 1, got {images.shape}"
        )
    _check_count(tile, "make_clutter: tile")
    num_images, img_h, img_w, num_channels = images.shape
    if tile > min(img_h, img_w):
        raise ValueError(f"make_clutter: tile={tile} is larger than the images ({img_h}x{img_w})")
    height, width = shape
    rng = np.random.default_rng(seed)
    background = np.zeros((height, width, num_channels))
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            idx = rng.integers(num_images)
            r, c = rng.integers(img_h - tile + 1), rng.integers(img_w - tile + 1)
            crop = images[idx, r : r + tile, c : c + tile]
            block = background[top : top + tile, left : left + tile]
            block[...] = crop[: block.shape[0], : block.shape[1]]
    return background


def place_on_background(image, background, scale=CHALLENGE_CLUTTER_SCALE):
    """Shrink an image about its centre and paste it onto a background of the same shape.

    Inputs:
    - image: array of shape (H, W, C).
    - background: array of shape (H, W, C), e.g. from make_clutter.
    - scale: float in (0, 1], size of the pasted image relative to the background.

    Returns: float64 array of shape (H, W, C).
    """
    image = _check_image(image, "place_on_background")
    background = _check_image(background, "place_on_background")
    if background.shape != image.shape:
        raise ValueError(
            f"place_on_background: background has shape {background.shape}, image has "
            f"{image.shape}; they must match"
        )
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"place_on_background: scale must lie in (0, 1], got {scale!r}")
    height, width = image.shape[:2]
    small = scale_image(image, scale)
    half_h, half_w = scale * height / 2, scale * width / 2
    d_rows, d_cols, _, _ = _centred_grid(height, width)
    inside = (np.abs(d_rows) <= half_h) & (np.abs(d_cols) <= half_w)  # (H, W)
    return np.where(inside[..., None], small, background)


def challenge_examples(image, clutter_images, seed=0):
    """One real image under each challenge of recognition (lecture 2), with default strengths.

    Inputs:
    - image: array of shape (H, W, C), values 0..255.
    - clutter_images: array of shape (N, H, W, C), other images to build a cluttered
      background from.
    - seed: int, seeds the clutter mosaic.

    Returns:
    - examples: dict name -> float64 (H, W, C) image, in display order: "original",
      "viewpoint: rotated", "viewpoint: sheared", "scale", "illumination: dark",
      "illumination: warm light", "deformation", "occlusion", "background clutter".
    """
    image = _check_image(image, "challenge_examples")
    height, width = image.shape[:2]
    side = max(1, round(CHALLENGE_OCCLUDER_FRACTION * min(height, width)))
    background = make_clutter(clutter_images, (height, width), seed=seed)
    return {
        "original": image.copy(),
        "viewpoint: rotated": rotate_image(image, CHALLENGE_ROTATION),
        "viewpoint: sheared": shear_image(image, CHALLENGE_SHEAR),
        "scale": scale_image(image, CHALLENGE_ZOOM),
        "illumination: dark": adjust_illumination(image, gain=CHALLENGE_DARK_GAIN),
        "illumination: warm light": adjust_illumination(image, color=CHALLENGE_WARM_LIGHT),
        "deformation": deform_image(image, CHALLENGE_DEFORM_AMPLITUDE, CHALLENGE_DEFORM_WAVELENGTH),
        "occlusion": occlude_image(
            image, height // 2 - side // 2, width // 2, side, side, CHALLENGE_OCCLUDER_VALUE
        ),
        "background clutter": place_on_background(image, background),
    }


# ----------------------------------------------------------------------------------------------
# Pixel distances and the same-L2 counter-example
# ----------------------------------------------------------------------------------------------
def l2_distance(a, b):
    """Euclidean (L2) distance between two images (or any arrays of the same shape).

    Inputs: a, b: arrays of the same shape, e.g. (H, W, C).

    Returns: float, sqrt(sum((a - b)**2)).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"l2_distance: shapes differ, {a.shape} and {b.shape}")
    return float(np.sqrt(np.sum((a - b) ** 2)))


def l1_distance(a, b):
    """Manhattan (L1) distance between two images (or any arrays of the same shape).

    Inputs: a, b: arrays of the same shape, e.g. (H, W, C).

    Returns: float, sum(|a - b|).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"l1_distance: shapes differ, {a.shape} and {b.shape}")
    return float(np.sum(np.abs(a - b)))


def match_l2_distance(original, alter, target, t_max=1.0, steps=BISECTION_STEPS):
    """Find the strength t in [0, t_max] at which alter(t) is at L2 distance target.

    ``alter`` must move away from ``original`` monotonically: d(t) = ||alter(t) - original||
    non-decreasing, d(0) <= target <= d(t_max). Bisection, so clipping to 0..255 is fine.

    Inputs:
    - original: array of shape (H, W, C).
    - alter: callable t -> array of shape (H, W, C).
    - target: float >= 0, the wanted L2 distance.
    - t_max: float > 0, the largest strength to try.
    - steps: int >= 1, bisection steps.

    Returns a tuple of:
    - altered: float64 array (H, W, C) = alter(t) at the final t.
    - t: float, the strength found.
    """
    _check_positive(t_max, "match_l2_distance: t_max")
    _check_count(steps, "match_l2_distance: steps")
    reach = l2_distance(alter(t_max), original)
    if reach < target:
        raise ValueError(
            f"match_l2_distance: the strongest alteration (t_max={t_max}) only reaches L2 "
            f"distance {reach:.4g} < target {target:.4g}; raise t_max or lower the target"
        )
    low, high = 0.0, float(t_max)
    for _ in range(steps):
        middle = (low + high) / 2
        if l2_distance(alter(middle), original) < target:
            low = middle
        else:
            high = middle
    return np.asarray(alter(high), dtype=np.float64), high


def _smallest_centred_box(image, target, value):
    """Side of the smallest centred square that, fully drawn, is at L2 distance >= target."""
    height, width = image.shape[:2]
    for side in range(1, min(height, width) + 1):
        top, left = (height - side) // 2, (width - side) // 2
        if l2_distance(occlude_image(image, top, left, side, side, value), image) >= target:
            return top, left, side
    raise ValueError(
        f"same_l2_examples: even a box over the whole image is closer than L2 distance "
        f"{target:.4g}; use a smaller shift"
    )


def same_l2_examples(image, shift=SAME_L2_SHIFT, tint=SAME_L2_TINT, seed=0):
    """Four very different alterations of one image, all at the SAME L2 distance from it.

    The common distance is that of the image shifted by ``shift`` pixels (borders repeated).
    The other alterations are tuned by bisection (match_l2_distance) to reach it:
    - "boxed": a black square over the centre (the smallest one that can reach the distance,
      made partly transparent to hit it exactly);
    - "tinted": a colour ``t * tint`` added to every pixel;
    - "noisy": seeded Gaussian noise of the right strength.

    Inputs:
    - image: array of shape (H, W, C), values 0..255.
    - shift: (rows, cols) of the reference shift.
    - tint: (C,) direction of the added colour.
    - seed: int, seeds the noise.

    Returns:
    - examples: dict with keys "original", "shifted", "boxed", "tinted", "noisy", each a
      float64 array of shape (H, W, C) with values in 0..255.
    """
    image = _check_image(image, "same_l2_examples")
    shifted = shift_image(image, *shift)
    target = l2_distance(shifted, image)
    if target == 0:
        raise ValueError(
            f"same_l2_examples: shifting by {shift} does not change the image; use a textured "
            "image or a larger shift"
        )
    top, left, side = _smallest_centred_box(image, target, SAME_L2_BOX_VALUE)
    boxed, _ = match_l2_distance(
        image, lambda t: occlude_image(image, top, left, side, side, SAME_L2_BOX_VALUE, t), target
    )
    direction = _channel_values(tint, image.shape[2], "same_l2_examples: tint")
    tint_max = 2 * MAX_PIXEL_VALUE / np.max(np.abs(direction))  # enough to saturate any pixel
    tinted, _ = match_l2_distance(image, lambda t: _clip(image + t * direction), target, tint_max)
    noise = np.random.default_rng(seed).standard_normal(image.shape)
    noisy, _ = match_l2_distance(
        image, lambda t: _clip(image + t * noise), target, 2 * MAX_PIXEL_VALUE
    )
    return {
        "original": image.copy(),
        "shifted": shifted,
        "boxed": boxed,
        "tinted": tinted,
        "noisy": noisy,
    }


# ----------------------------------------------------------------------------------------------
# Loss of a linear classifier along directions in weight space
# ----------------------------------------------------------------------------------------------
def loss_along_directions(W, X, y, directions, coords, loss_fn=svm_loss, reg=0.0):
    """Loss of a linear classifier at the weights W + sum_k coords[p, k] * directions[k].

    scores(p) = X @ W + sum_k coords[p, k] * (X @ directions[k]), so only 1 + K matrix products
    are needed for any number of points; each point then calls ``loss_fn`` on its (N, C)
    scores. The L2 penalty reg * sum(W_p**2) is added when reg > 0.

    Inputs:
    - W: array of shape (D, C), the centre (e.g. trained LinearSVM.W, bias row included).
    - X: array of shape (N, D) of examples (bias column included); y: int array (N,).
    - directions: list of K arrays of shape (D, C) (e.g. ``d["W"]`` for the dicts of
      cs231n.landscape.random_directions({"W": W}, K)).
    - coords: array of shape (P, K) of coordinates (cs231n.landscape.grid_coords makes them
      for 1-D and 2-D grids).
    - loss_fn: callable (scores (N, C), y) -> (loss, dscores), e.g. cs231n.layers.svm_loss
      (default) or softmax_loss; mean over the N examples.
    - reg: float >= 0, L2 regularization strength.

    Returns:
    - losses: float64 array of shape (P,).
    """
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if W.ndim != 2 or X.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(
            f"loss_along_directions: need W (D, C) and X (N, D) with matching D, got W "
            f"{W.shape} and X {X.shape}"
        )
    directions = [np.asarray(d, dtype=np.float64) for d in directions]
    for k, direction in enumerate(directions):
        if direction.shape != W.shape:
            raise ValueError(
                f"loss_along_directions: directions[{k}] has shape {direction.shape}; every "
                f"direction must have W's shape {W.shape}"
            )
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != len(directions):
        raise ValueError(
            f"loss_along_directions: coords must have shape (P, K) = (P, {len(directions)}), "
            f"got {coords.shape}"
        )
    if isinstance(reg, bool) or not isinstance(reg, numbers.Real) or reg < 0:
        raise ValueError(f"loss_along_directions: reg must be a real number >= 0, got {reg!r}")
    base_scores = X @ W  # (N, D) @ (D, C) -> (N, C)
    direction_scores = [X @ d for d in directions]  # K arrays (N, C)
    losses = np.empty(coords.shape[0])
    for p, point in enumerate(coords):
        scores = base_scores + sum(c * s for c, s in zip(point, direction_scores, strict=True))
        losses[p] = loss_fn(scores, y)[0]
        if reg > 0:
            W_p = W + sum(c * d for c, d in zip(point, directions, strict=True))
            losses[p] += reg * np.sum(W_p * W_p)
    return losses
