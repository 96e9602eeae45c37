"""Shared helpers of the cs231n widgets: the figure a widget draws in, controls, image tiling.

Every widget builds ONE matplotlib figure when it is created and afterwards only updates its
artists in place (``set_data``, ``set_array``, ...) and asks for a redraw. The figure is shown
by one of two backends:

- ``"ipympl"``: the figure lives on an ipympl ``Canvas`` (a DOMWidget with zoom/pan toolbar).
  A redraw sends the changed pixels to the front end. This works with any matplotlib backend
  of the kernel (``%matplotlib widget`` or ``inline``) because the widget makes its canvas
  itself, and it works headless (tests, nbconvert): without a front end nothing is sent.
- ``"image"``: the figure is rendered by Agg into a PNG shown in an ``ipywidgets.Image``; for
  front ends without the jupyter-matplotlib extension.

``"auto"`` picks ``"ipympl"`` when ipympl is installed, else ``"image"``.
"""

import base64
import html
import io
import itertools
import math
import time
import warnings
from contextlib import contextmanager

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# ---------------------------------------------------------------------------------------------
# Defaults shared by all widgets
# ---------------------------------------------------------------------------------------------
BACKENDS = ("auto", "ipympl", "image")
FIGURE_DPI = 100
FALLBACK_DPI = 60  # the PNG kept in a notebook for static viewers (GitHub) is a small preview
DESCRIPTION_WIDTH = "120px"  # width of a control's label
CONTROL_WIDTH = "360px"  # width of a slider / dropdown including its label
ERROR_COLOR = "#b00020"
TILE_PADDING = 1  # pixels between the tiles of an image grid
TILE_FILL = 1.0  # colour of the padding (white on a 0..1 scale)
IMAGE_LAYOUTS = ("HWC", "CHW")  # how a flattened image row is ordered
CIFAR10_IMAGE_SHAPE = (32, 32, 3)  # (H, W, C)
LIVE_REDRAW_SECONDS = 0.5  # a live widget (training monitor) redraws at most this often


def resolve_backend(backend):
    """The backend to use: "ipympl" or "image" (see the module docstring)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend != "auto":
        return backend
    try:
        import ipympl.backend_nbagg  # noqa: F401
    except ImportError:
        return "image"
    return "ipympl"


class FigureView:
    """One matplotlib figure, built once, and the widget that shows it.

    Attributes: figure (matplotlib Figure), widget (the ipympl Canvas or an ipywidgets.Image),
    backend ("ipympl" or "image"), draw_count (redraw requests so far).
    """

    _numbers = itertools.count(1)  # ipympl figure managers need a number

    def __init__(self, figsize, backend="auto"):
        """Inputs: figsize (width, height) in inches; backend: see BACKENDS."""
        self.backend = resolve_backend(backend)
        self.figure = Figure(figsize=figsize, dpi=FIGURE_DPI)
        self.draw_count = 0
        if self.backend == "ipympl":
            from ipympl.backend_nbagg import Canvas, FigureManager

            canvas = Canvas(self.figure)
            with warnings.catch_warnings():  # ipympl's Toolbar trips a traitlets deprecation
                warnings.simplefilter("ignore", DeprecationWarning)
                FigureManager(canvas, next(self._numbers))  # sets canvas.manager
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.toolbar_position = "left"
            self.widget = canvas
        else:
            FigureCanvasAgg(self.figure)
            self.widget = widgets.Image(format="png")

    def png(self, dpi=FIGURE_DPI):
        """The figure rendered as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()

    def redraw(self, now=False):
        """Show the current artists.

        Inputs:
        - now: draw at once and push the pixels (needed while the kernel is busy, e.g. during
          training); otherwise ipympl lets the front end ask for one draw when it is ready,
          which merges the requests of a fast slider drag.
        """
        self.draw_count += 1
        if self.backend == "image":
            self.widget.value = self.png()
        elif now:
            self.widget.draw()
        else:
            self.widget.draw_idle()

    def close(self):
        """Close the figure's widget (frees its front-end model)."""
        self.widget.close()


# ---------------------------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------------------------
def _control_style():
    return {
        "style": {"description_width": DESCRIPTION_WIDTH},
        "layout": widgets.Layout(width=CONTROL_WIDTH),
    }


def float_slider(description, value, low, high, step, continuous=True, readout_format=".2f"):
    """A FloatSlider with the widgets' common label width and layout."""
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=continuous,
        readout_format=readout_format,
        **_control_style(),
    )


def log_slider(description, value, low, high, continuous=True, readout_format=".1e"):
    """A FloatLogSlider (base 10) from low to high, both positive."""
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=0.1,
        description=description,
        continuous_update=continuous,
        readout_format=readout_format,
        **_control_style(),
    )


def int_slider(description, value, low, high, step=1, continuous=True):
    """An IntSlider with the widgets' common label width and layout."""
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=continuous,
        **_control_style(),
    )


def dropdown(description, options, value):
    """A Dropdown over options (a list of values or of (label, value) pairs)."""
    return widgets.Dropdown(
        options=options, value=value, description=description, **_control_style()
    )


def check_choice(caller, name, value, choices):
    """Return value if it is one of choices, else raise a ValueError naming the argument."""
    if value not in choices:
        raise ValueError(f"{caller}: {name} must be one of {tuple(choices)}, got {value!r}")
    return value


def moving_average(values, window):
    """Trailing moving average: out[i] = mean(values[max(0, i - window + 1) : i + 1]).

    Inputs:
    - values: (T,) array.
    - window: int >= 1.

    Returns:
    - smoothed: (T,) float64 array.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    cumulative = np.concatenate([[0.0], np.cumsum(values)])  # (T + 1,)
    ends = np.arange(1, values.size + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------
def normalize_images(images, per_image=True):
    """Scale images to 0..1.

    Inputs:
    - images: (N, H, W) or (N, H, W, C) array.
    - per_image: scale each image by its own min and max; else by the min and max of all.

    Returns:
    - scaled: float64 array of the same shape; a constant image becomes 0.
    """
    images = np.asarray(images, dtype=np.float64)
    axes = tuple(range(1, images.ndim)) if per_image else None
    low = np.min(images, axis=axes, keepdims=True)
    high = np.max(images, axis=axes, keepdims=True)
    scale = np.where(high > low, high - low, 1.0)
    return (images - low) / scale


def grid_shape(num_tiles, num_cols=None):
    """(rows, cols) of a grid holding num_tiles tiles: about square unless num_cols is given."""
    cols = num_cols or max(1, math.ceil(math.sqrt(num_tiles)))
    return math.ceil(num_tiles / cols), cols


def tile_images(images, num_cols=None, padding=TILE_PADDING, fill=TILE_FILL):
    """Arrange images in one grid image (like CS231n's visualize_grid).

    Inputs:
    - images: (N, H, W) or (N, H, W, C) array, already scaled (e.g. by normalize_images).
    - num_cols: tiles per row (None = about square).
    - padding: pixels between tiles; fill: their value.

    Returns:
    - grid: (rows * (H + padding) - padding, cols * (W + padding) - padding[, C]) array.
    """
    images = np.asarray(images, dtype=np.float64)
    N, H, W = images.shape[:3]
    rows, cols = grid_shape(N, num_cols)
    grid = np.full(
        (rows * (H + padding) - padding, cols * (W + padding) - padding, *images.shape[3:]),
        fill,
    )
    for n in range(N):
        top, left = (n // cols) * (H + padding), (n % cols) * (W + padding)
        grid[top : top + H, left : left + W] = images[n]
    return grid


def tile_centers(num_tiles, tile_height, tile_width, num_cols=None, padding=TILE_PADDING):
    """(N, 2) pixel coordinates (x, y) of the centers of the tiles laid out by tile_images."""
    _, cols = grid_shape(num_tiles, num_cols)
    index = np.arange(num_tiles)
    x = (index % cols) * (tile_width + padding) + (tile_width - 1) / 2
    y = (index // cols) * (tile_height + padding) + (tile_height - 1) / 2
    return np.stack([x, y], axis=1)


def columns_to_images(W, image_shape=CIFAR10_IMAGE_SHAPE, layout="HWC"):
    """Turn every column of a weight matrix into an image (class templates, hidden units).

    Inputs:
    - W: (D, M) weights of a linear layer on flattened images; D = H * W * C, or
      H * W * C + 1 with a bias row last (CS231n's bias trick), which is dropped.
    - image_shape: (H, W, C) of the images.
    - layout: "HWC" when the rows were flattened from (N, H, W, C) images (assignment 1's
      data), "CHW" when flattened from (N, C, H, W) (assignment 2's data).

    Returns:
    - images: (M, H, W, C) array (not scaled).
    """
    check_choice("columns_to_images", "layout", layout, IMAGE_LAYOUTS)
    W = np.asarray(W)
    H, Wd, C = image_shape
    pixels = H * Wd * C
    if W.ndim != 2 or W.shape[0] not in (pixels, pixels + 1):
        raise ValueError(
            f"columns_to_images: W must have shape (D, M) with D = {pixels} (H*W*C of "
            f"{image_shape}) or {pixels + 1} (with a bias row), got {W.shape}"
        )
    columns = W[:pixels].T  # (D, M) -> (M, D)
    if layout == "HWC":
        return columns.reshape(-1, H, Wd, C)  # (M, D) -> (M, H, W, C)
    # (M, D) -> (M, C, H, W) -> (M, H, W, C)
    return columns.reshape(-1, C, H, Wd).transpose(0, 2, 3, 1)


def chw_to_hwc(images):
    """(N, C, H, W) -> (N, H, W, C); a single (C, H, W) image -> (H, W, C)."""
    images = np.asarray(images)
    if images.ndim == 3:
        return images.transpose(1, 2, 0)  # (C, H, W) -> (H, W, C)
    return images.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)


# ---------------------------------------------------------------------------------------------
# Bookkeeping every widget shares
# ---------------------------------------------------------------------------------------------
class WidgetBase:
    """One figure (``view``), named controls, a status line, assembled into ``widget``.

    Subclasses build their figure and controls in __init__, then call ``_assemble``. Showing
    the object in a notebook (last expression of a cell, or ``display(obj)``) shows
    ``obj.widget``; static renderers (GitHub, nbviewer) get a PNG of the figure instead.

    Attributes: view (FigureView), figure, controls (dict name -> ipywidgets control),
    status (ipywidgets.HTML), widget (the assembled ipywidgets.VBox).
    """

    css_class = "cs231n-widget"  # CSS class of the outer box (the browser test finds it)

    def __init__(self, figsize, backend="auto"):
        self.view = FigureView(figsize, backend)
        self.figure = self.view.figure
        self.controls = {}
        self.status = widgets.HTML(value="")
        self.widget = None
        self._quiet = False  # True while controls are set programmatically
        self._display_handle = None  # set by display()

    # ---------------------------------------------------------------- controls
    def _add_control(self, name, control, on_change=None):
        """Register ``control`` under ``name``; call on_change() when its value changes."""
        control.add_class(f"cs231n-{name.replace('_', '-')}")
        self.controls[name] = control
        if on_change is not None:
            control.observe(lambda _change: self._run(on_change), names="value")
        return control

    def _run(self, callback):
        """Run a control's callback; show its error in the status line (and re-raise)."""
        if self._quiet:
            return
        try:
            callback()
        except Exception as error:
            self.status.value = (
                f'<span style="color: {ERROR_COLOR}">{type(error).__name__}: '
                f"{html.escape(str(error))}</span>"
            )
            raise

    @contextmanager
    def _quietly(self):
        """Set controls programmatically without triggering their callbacks."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _assemble(self, control_rows, extra=()):
        """Build ``self.widget``: rows of controls, then extra widgets, the figure, status."""
        rows = [
            widgets.HBox(list(row)) if isinstance(row, list | tuple) else row
            for row in control_rows
        ]
        self.widget = widgets.VBox([*rows, *extra, self.view.widget, self.status])
        self.widget.add_class("cs231n-widget")
        self.widget.add_class(self.css_class)
        return self.widget

    def set_status(self, text):
        """Show ``text`` (plain text, escaped) in the status line under the figure."""
        self.status.value = html.escape(text)

    # ---------------------------------------------------------------- drawing
    def redraw(self, now=False):
        """Show the updated artists (see FigureView.redraw)."""
        self.view.redraw(now=now)

    def close(self):
        """Close the figure widget and every control (frees their front-end models)."""
        self.view.close()
        for control in self.controls.values():
            control.close()
        if self.widget is not None:
            self.widget.close()

    def display(self):
        """Show the widget in the output area and remember where (see refresh_output)."""
        from IPython.display import display

        self._display_handle = display(self, display_id=True)

    def refresh_output(self):
        """Re-send the output shown by display(), so that its static PNG preview is current."""
        if self._display_handle is not None:
            self._display_handle.update(self)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.view.png(FALLBACK_DPI)).decode("ascii")
        return bundle


class Stopwatch:
    """Seconds since creation; ``due()`` is True at most once every ``interval`` seconds."""

    def __init__(self, interval=LIVE_REDRAW_SECONDS):
        self.interval = interval
        self.start = self.last = time.perf_counter()

    def elapsed(self):
        """Seconds since the stopwatch was made."""
        return time.perf_counter() - self.start

    def due(self):
        """True if ``interval`` seconds passed since the last True (then restarts the wait)."""
        now = time.perf_counter()
        if now - self.last >= self.interval:
            self.last = now
            return True
        return False
