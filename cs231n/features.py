"""Image features for assignment 1: HOG and a hue histogram, per image and batched (lecture 3).

Each per-image feature function ``fn(im) -> (F,)`` has a batched twin ``fn.batched(imgs) ->
(N, F)`` that computes exactly the same numbers for a whole stack of images with numpy
array operations. :func:`extract_features` uses the batched twin whenever a feature function
has one (also through ``functools.partial``), so all 60,000 CIFAR-10 images take seconds
instead of minutes:

    from functools import partial
    feature_fns = [hog_feature, partial(color_histogram_hsv, nbin=10)]
    X_train_feats = extract_features(X_train, feature_fns, verbose=True)   # (N, 144 + 10)

Any other function of one image (a lambda, say) works too, through a per-image loop.
"""

import functools

import matplotlib.colors
import numpy as np
from tqdm.auto import tqdm

GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma weights of R, G, B
HOG_ORIENTATIONS = 9  # unsigned orientation bins over [0, 180) degrees, 20 degrees each
HOG_CELL_SIZE = 8  # cells of 8x8 pixels
HALF_TURN_DEGREES = 180.0
EXTRACT_CHUNK_SIZE = 1000  # images per batched call in extract_features


def rgb2gray(rgb):
    """Convert RGB image(s) to grayscale with weights 0.299 R + 0.587 G + 0.114 B.

    Inputs:
    - rgb: array of shape (..., 3) (or more channels; only the first three are used),
      e.g. (H, W, 3) or (N, H, W, 3).

    Returns:
    - gray: array of shape (...), e.g. (H, W) or (N, H, W).
    """
    rgb = np.asarray(rgb)
    if rgb.ndim < 1 or rgb.shape[-1] < len(GRAY_WEIGHTS):
        raise ValueError(f"rgb2gray: expected an array of shape (..., 3), got {rgb.shape}")
    return np.dot(rgb[..., : len(GRAY_WEIGHTS)], GRAY_WEIGHTS)


def _as_image_stack(imgs, name):
    """Return imgs as a float64 array (N, H, W, C) or (N, H, W); raise a clear error otherwise."""
    imgs = np.asarray(imgs, dtype=np.float64)
    if imgs.ndim not in (3, 4):
        raise ValueError(
            f"{name}: expected a stack of images (N, H, W, C) or (N, H, W), got shape {imgs.shape}"
        )
    return imgs


def _as_single_image(im, name):
    """Return one image (H, W, C) or (H, W) as a stack of one image, (1, H, W, C) / (1, H, W)."""
    im = np.asarray(im)
    if im.ndim not in (2, 3):
        raise ValueError(
            f"{name}: expected one image (H, W, C) or (H, W), got shape {im.shape}; for a "
            f"stack of images use {name}.batched or extract_features"
        )
    return im[None]  # (H, W[, C]) -> (1, H, W[, C])


def hog_features(imgs, orientations=HOG_ORIENTATIONS, cell_size=HOG_CELL_SIZE):
    """Simplified Histogram of Oriented Gradients of a stack of images (batched).

    The same simplified HOG as CS231n: grayscale; gradients by forward differences
    (np.diff; the last column of gx and the last row of gy are zero); unsigned orientations
    in [0, 180) degrees split into `orientations` equal bins; for every cell of
    cell_size x cell_size pixels, each bin holds the sum of the gradient magnitudes of the
    cell's pixels whose orientation falls in the bin, divided by the cell area. Rows and
    columns that do not fill a whole cell (H % cell_size, W % cell_size) are dropped.

    Inputs:
    - imgs: array of shape (N, H, W, C) (RGB, converted with rgb2gray) or (N, H, W) gray.
    - orientations: int, number of orientation bins.
    - cell_size: int, cell side in pixels.

    Returns:
    - feats: array of shape (N, (H // cell_size) * (W // cell_size) * orientations), laid
      out as (cell row, cell column, orientation bin).
    """
    imgs = _as_image_stack(imgs, "hog_features")
    gray = rgb2gray(imgs) if imgs.ndim == 4 else imgs  # (N, H, W)
    num_images, height, width = gray.shape
    cells_y, cells_x = height // cell_size, width // cell_size
    if cells_y == 0 or cells_x == 0:
        raise ValueError(
            f"hog_features: images of {height}x{width} pixels hold no whole "
            f"{cell_size}x{cell_size} cell; use a smaller cell_size"
        )
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, :, :-1] = np.diff(gray, n=1, axis=2)
    gy[:, :-1, :] = np.diff(gray, n=1, axis=1)
    crop = (slice(None), slice(0, cells_y * cell_size), slice(0, cells_x * cell_size))
    gx, gy = gx[crop], gy[crop]  # (N, H, W) -> (N, cells_y * cell_size, cells_x * cell_size)
    magnitude = np.hypot(gx, gy)
    orientation = np.degrees(np.arctan2(gy, gx))  # (-180, 180]
    bin_width = HALF_TURN_DEGREES / orientations
    # floor(-0.0 / w) and 180 / w wrap to bin 0 under the modulo: unsigned orientation
    orientation_bin = np.floor(orientation / bin_width).astype(np.int64) % orientations

    cell_row = np.arange(cells_y * cell_size) // cell_size  # (H',)
    cell_col = np.arange(cells_x * cell_size) // cell_size  # (W',)
    cell_index = cell_row[:, None] * cells_x + cell_col[None, :]  # (H', W')
    num_cells = cells_y * cells_x
    image_offset = np.arange(num_images)[:, None, None] * num_cells  # (N, 1, 1)
    flat_bin = (image_offset + cell_index) * orientations + orientation_bin  # (N, H', W')
    sums = np.bincount(
        flat_bin.ravel(), weights=magnitude.ravel(), minlength=num_images * num_cells * orientations
    )
    return sums.reshape(num_images, -1) / cell_size**2  # (N*cells*bins,) -> (N, cells*bins)


def hog_feature(im):
    """Compute the simplified Histogram of Oriented Gradients (HOG) feature of one image.

    Modified from skimage.feature.hog, as in CS231n; see :func:`hog_features` (its batched
    twin, ``hog_feature.batched``) for the exact definition.

    Reference:
      Histograms of Oriented Gradients for Human Detection
      Navneet Dalal and Bill Triggs, CVPR 2005

    Inputs:
    - im: an input grayscale (H, W) or RGB (H, W, C) image.

    Returns:
    - feat: Histogram of Gradient (HOG) feature of shape ((H // 8) * (W // 8) * 9,).
    """
    return hog_features(_as_single_image(im, "hog_feature"))[0]


hog_feature.batched = hog_features


def color_histograms_hsv(imgs, nbin=10, xmin=0, xmax=255, normalized=True):
    """Hue histograms of a stack of RGB images (batched).

    Each image is divided by xmax, converted to HSV (matplotlib.colors.rgb_to_hsv) and the
    hue, scaled back by xmax, is histogrammed into `nbin` equal bins spanning [xmin, xmax],
    exactly like np.histogram(hue, bins=np.linspace(xmin, xmax, nbin + 1)).

    Inputs:
    - imgs: array of shape (N, H, W, C) of RGB images with values in [0, xmax].
    - nbin: number of histogram bins.
    - xmin: minimum hue value of the bins.
    - xmax: maximum pixel (and hue) value.
    - normalized: if True, every histogram is divided by its number of counted pixels, so it
      sums to 1 (as np.histogram(density=True) times the bin widths; an image with no hue
      in [xmin, xmax] gives all zeros).

    Returns:
    - hists: array of shape (N, nbin).
    """
    imgs = _as_image_stack(imgs, "color_histograms_hsv")
    if imgs.ndim != 4 or imgs.shape[-1] != 3:
        raise ValueError(
            f"color_histograms_hsv: expected RGB images (N, H, W, 3), got shape {imgs.shape}"
        )
    if isinstance(nbin, bool) or not isinstance(nbin, (int, np.integer)) or nbin < 1:
        raise ValueError(f"color_histograms_hsv: nbin must be an integer >= 1, got {nbin!r}")
    if not xmax > xmin:
        raise ValueError(f"color_histograms_hsv: need xmax > xmin, got xmin={xmin}, xmax={xmax}")
    scaled = imgs / xmax
    if scaled.size and (scaled.min() < 0.0 or scaled.max() > 1.0):
        raise ValueError(
            f"color_histograms_hsv: pixel values must lie in [0, xmax={xmax}], got "
            f"[{imgs.min():g}, {imgs.max():g}]; pass the raw images, not mean-subtracted ones"
        )
    num_images = imgs.shape[0]
    hue = matplotlib.colors.rgb_to_hsv(scaled)[..., 0] * xmax  # (N, H, W, 3) -> (N, H, W)
    hue = hue.reshape(num_images, -1)  # (N, H, W) -> (N, H*W)
    edges = np.linspace(xmin, xmax, nbin + 1)
    bin_index = np.searchsorted(edges, hue, side="right") - 1  # (N, H*W), np.histogram's bins
    bin_index[hue == edges[-1]] = nbin - 1  # the last bin is closed on the right
    counted = (bin_index >= 0) & (bin_index < nbin)  # hue inside [xmin, xmax]
    flat_bin = np.arange(num_images)[:, None] * nbin + np.where(counted, bin_index, 0)
    hists = np.bincount(
        flat_bin.ravel(), weights=counted.ravel().astype(np.float64), minlength=num_images * nbin
    ).reshape(num_images, nbin)  # (N*nbin,) -> (N, nbin)
    if normalized:
        totals = hists.sum(axis=1, keepdims=True)  # (N, 1)
        hists = np.divide(hists, totals, out=np.zeros_like(hists), where=totals > 0)
    return hists


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """Compute a color histogram of one image using hue.

    See :func:`color_histograms_hsv` (its batched twin, ``color_histogram_hsv.batched``) for
    the exact definition.

    Inputs:
    - im: H x W x C array of pixel data for an RGB image, values in [0, xmax].
    - nbin: Number of histogram bins. (default: 10)
    - xmin: Minimum pixel value (default: 0)
    - xmax: Maximum pixel value (default: 255)
    - normalized: Whether to normalize the histogram (default: True)

    Returns:
    - imhist: 1D vector of length nbin giving the color histogram over the hue of the
      input image.
    """
    stack = _as_single_image(im, "color_histogram_hsv")
    return color_histograms_hsv(stack, nbin=nbin, xmin=xmin, xmax=xmax, normalized=normalized)[0]


color_histogram_hsv.batched = color_histograms_hsv


def batched_version(feature_fn):
    """Return the batched twin of a per-image feature function, or None if it has none.

    Recognises a ``batched`` attribute on the function itself or on the function wrapped by
    a ``functools.partial`` that binds only keyword arguments (e.g.
    ``partial(color_histogram_hsv, nbin=25)``).

    Inputs:
    - feature_fn: callable taking one image.

    Returns:
    - a callable taking a stack of images (N, H, W[, C]) and returning (N, F), or None.
    """
    if isinstance(feature_fn, functools.partial):
        inner = getattr(feature_fn.func, "batched", None)
        if inner is None or feature_fn.args:
            return None
        return functools.partial(inner, **feature_fn.keywords)
    return getattr(feature_fn, "batched", None)


def _features_of_chunk(chunk, feature_fn, batched_fn):
    """Features (B, F) of one chunk (B, H, W[, C]) from the batched twin or a per-image loop."""
    if batched_fn is not None:
        feats = np.asarray(batched_fn(chunk), dtype=np.float64)
    else:
        per_image = [np.asarray(feature_fn(im), dtype=np.float64) for im in chunk]
        for feat in per_image:
            if feat.ndim != 1:
                raise ValueError(
                    f"extract_features: feature function {feature_fn!r} must return a 1-D "
                    f"array per image, got shape {feat.shape}"
                )
        feats = np.stack(per_image)  # B x (F,) -> (B, F)
    if feats.ndim != 2 or feats.shape[0] != chunk.shape[0]:
        raise ValueError(
            f"extract_features: feature function {feature_fn!r} gave shape {feats.shape} for "
            f"{chunk.shape[0]} images; expected (num_images, F)"
        )
    return feats


def extract_features(imgs, feature_fns, verbose=False, chunk_size=EXTRACT_CHUNK_SIZE):
    """Given pixel data for images and several feature functions that can operate on single
    images, apply all feature functions to all images, concatenating the feature vectors for
    each image and storing the features for all images in a single matrix.

    Feature functions with a batched twin (see :func:`batched_version`) run on chunks of
    `chunk_size` images at once; others are called once per image.

    Inputs:
    - imgs: N x H x W x C array of pixel data for N images (or N x H x W gray images).
    - feature_fns: List of k feature functions. The ith feature function should take as
      input an H x W x D array and return a (one-dimensional) array of length F_i.
    - verbose: Boolean; if true, show a progress bar (tqdm.auto) over the chunks.
    - chunk_size: number of images per chunk.

    Returns:
    An array of shape (N, F_1 + ... + F_k) where each column is the concatenation of all
    features for a single image.
    """
    imgs = np.asarray(imgs)
    if imgs.ndim not in (3, 4) or imgs.shape[0] == 0:
        raise ValueError(
            f"extract_features: imgs must be a non-empty stack (N, H, W, C) or (N, H, W), got "
            f"shape {imgs.shape}"
        )
    feature_fns = list(feature_fns)
    if not feature_fns or not all(callable(fn) for fn in feature_fns):
        raise TypeError("extract_features: feature_fns must be a non-empty list of callables")
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or (chunk_size < 1)
    ):
        raise ValueError(
            f"extract_features: chunk_size must be an integer >= 1, got {chunk_size!r}"
        )
    batched_fns = [batched_version(fn) for fn in feature_fns]

    num_images = imgs.shape[0]
    imgs_features = None
    with tqdm(total=num_images, disable=not verbose, desc="extract_features", unit="img") as bar:
        for start in range(0, num_images, chunk_size):
            chunk = imgs[start : start + chunk_size]
            per_function = [
                _features_of_chunk(chunk, fn, bfn)
                for fn, bfn in zip(feature_fns, batched_fns, strict=True)
            ]
            chunk_feats = np.hstack(per_function)  # k x (B, F_i) -> (B, F_total)
            if imgs_features is None:
                imgs_features = np.zeros((num_images, chunk_feats.shape[1]))
            elif chunk_feats.shape[1] != imgs_features.shape[1]:
                raise ValueError(
                    "extract_features: the feature functions returned a different number of "
                    f"features for images {start}.. ({chunk_feats.shape[1]}) than before "
                    f"({imgs_features.shape[1]})"
                )
            imgs_features[start : start + chunk.shape[0]] = chunk_feats
            bar.update(chunk.shape[0])
    return imgs_features
