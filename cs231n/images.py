"""Sample photographs for the convolution demos, from matplotlib's bundled sample data.

No download: the photographs ship with matplotlib (``matplotlib.cbook.get_sample_data``).

- ``load_sample_image(name, size=None)``: an RGB photograph as an (H, W, 3) float64 array in
  0..255, optionally centre-cropped to a square and resized to (size, size).
- ``sample_images(size)``: all of them, stacked as (N, size, size, 3).
- ``grayscale_and_edge_filters()``: the two 3x3 filters of CS231n's convolution demo (a
  grayscale converter and a horizontal-edge detector on the blue channel), as conv weights.
"""

import numpy as np

SAMPLE_IMAGES = {  # name -> file in matplotlib's sample_data folder (both are photographs)
    "grace_hopper": "grace_hopper.jpg",
    "present": "Minduka_Present_Blue_Pack.png",
}
MAX_PIXEL_VALUE = 255.0
RGB_CHANNELS = 3
GRAYSCALE_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R BT.601 luma weights of R, G, B
SOBEL_HORIZONTAL_EDGES = ((1.0, 2.0, 1.0), (0.0, 0.0, 0.0), (-1.0, -2.0, -1.0))
EDGE_CHANNEL = 2  # the edge filter looks at the blue channel, as in CS231n's demo
EDGE_BIAS = MAX_PIXEL_VALUE / 2  # shifts edge responses so that "no edge" is mid-gray
FILTER_SIZE = 3


def _check_name(name):
    if name not in SAMPLE_IMAGES:
        raise ValueError(
            f"load_sample_image: unknown image name {name!r}; expected one of "
            f"{sorted(SAMPLE_IMAGES)}"
        )


def _read_rgb(file_name):
    """Read a sample-data image as (H, W, 3) float64 in 0..255 (alpha channel dropped)."""
    import matplotlib.cbook as cbook
    import matplotlib.image as mpimg

    with cbook.get_sample_data(file_name) as f:
        image = mpimg.imread(f, format=file_name.rsplit(".", 1)[-1])
    image = np.asarray(image, dtype=np.float64)
    if image.max() <= 1.0:  # PNGs are read as floats in 0..1, JPEGs as uint8 in 0..255
        image = image * MAX_PIXEL_VALUE
    if image.ndim == 2:  # grayscale file: repeat the single channel
        image = np.repeat(image[:, :, None], RGB_CHANNELS, axis=2)  # (H, W) -> (H, W, 3)
    return image[:, :, :RGB_CHANNELS]


def center_square(image):
    """The largest centred square of an (H, W, C) image, shape (S, S, C) with S = min(H, W)."""
    H, W = image.shape[:2]
    side = min(H, W)
    top, left = (H - side) // 2, (W - side) // 2
    return image[top : top + side, left : left + side]


def resize(image, size):
    """Resize an (H, W, 3) image in 0..255 to (size, size, 3) (bilinear, via Pillow).

    Returns float64 in 0..255.
    """
    from PIL import Image

    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"resize: size must be a positive int (pixels), got {size!r}")
    pixels = np.clip(np.round(image), 0, MAX_PIXEL_VALUE).astype(np.uint8)
    resized = Image.fromarray(pixels).resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float64)


def load_sample_image(name, size=None):
    """Load one of the bundled photographs.

    Inputs:
    - name: a key of SAMPLE_IMAGES ("grace_hopper", "present")
    - size: None for the full image, or an int: centre-crop to a square, then resize to
      (size, size)

    Returns:
    - image: float64 array of shape (H, W, 3) (or (size, size, 3)), RGB values in 0..255
    """
    _check_name(name)
    image = _read_rgb(SAMPLE_IMAGES[name])
    if size is not None:
        image = resize(center_square(image), size)
    return image


def sample_images(size=200):
    """All sample photographs, centre-cropped and resized: (N, size, size, 3) in 0..255.

    Returns (images, names) with names the SAMPLE_IMAGES keys in the same order.
    """
    names = list(SAMPLE_IMAGES)
    return np.stack([load_sample_image(name, size) for name in names]), names


def grayscale_and_edge_filters():
    """The two 3x3 filters of CS231n's convolution demo, as conv layer parameters.

    Filter 0 converts RGB to grayscale: its centre tap holds GRAYSCALE_WEIGHTS on the three
    channels. Filter 1 detects horizontal edges in the blue channel (a Sobel kernel); its bias
    EDGE_BIAS makes "no edge" mid-gray.

    Returns a tuple of:
    - w: filter weights of shape (F, C, HH, WW) = (2, 3, 3, 3)
    - b: biases of shape (F,) = (2,)
    """
    w = np.zeros((2, RGB_CHANNELS, FILTER_SIZE, FILTER_SIZE))
    center = FILTER_SIZE // 2
    w[0, :, center, center] = GRAYSCALE_WEIGHTS
    w[1, EDGE_CHANNEL] = SOBEL_HORIZONTAL_EDGES
    b = np.array([0.0, EDGE_BIAS])
    return w, b
