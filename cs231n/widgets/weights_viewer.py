"""Weights and filters viewers: watch class templates and conv filters form (lectures 2-5).

Usage::

    TemplateViewer(softmax_net, param="W1", layout="CHW", snapshots=solver.snapshots,
                   class_names=data.class_names)
    FilterViewer(conv_net, images=data["X_val"][:16], snapshots=solver.snapshots)

``TemplateViewer`` shows every column of a linear layer on flattened images as an image: the
class templates of a linear classifier (lecture 2), or the first-layer units of a
fully-connected net. ``FilterViewer`` shows the filters of a conv layer as an image grid and
that layer's activation maps for a chosen input image. A slider over the Solver's snapshots
(``Solver(snapshot_every=1)``) replays how they formed during training.
"""

import ipywidgets as widgets
import numpy as np

from cs231n.landscape import snapshot_params
from cs231n.widgets._common import (
    CIFAR10_IMAGE_SHAPE,
    WidgetBase,
    check_choice,
    chw_to_hwc,
    columns_to_images,
    dropdown,
    grid_shape,
    int_slider,
    normalize_images,
    tile_centers,
    tile_images,
)

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
SCALINGS = ("global", "each")  # scale all images by one min/max, or each by its own
MAX_TEMPLATES = 100  # TemplateViewer shows at most this many columns
LABEL_FONTSIZE = 8
TEMPLATE_WIDTH = 9.0  # inches, for one row of templates; the height follows the grid
TEMPLATE_GRID_WIDTH = 6.0  # inches, for a grid of many templates (hidden units)
TEMPLATE_MARGIN = 0.8  # inches above and below the grid for the title and the labels
ONE_ROW_MAX = 10  # up to this many templates are shown in one row
FILTER_FIGSIZE = (10.0, 4.0)
RGB_CHANNELS = 3
CONV_NDIM = 4  # conv weights are (F, C, HH, WW)
CONV_STRIDE = 1  # used when the model has no conv_param


def weights_of(obj, param):
    """The weight array of a model, a linear classifier or an array.

    Inputs:
    - obj: an ndarray; an object with ``params`` (dict) -> ``params[param]``; or a linear
      classifier with ``W`` (cs231n.classifiers.LinearSVM / Softmax).
    - param: name of the parameter in ``params``.

    Returns the array.
    """
    if isinstance(obj, np.ndarray):
        return obj
    params = getattr(obj, "params", None)
    if isinstance(params, dict):
        if param not in params:
            raise ValueError(
                f"weights_of: the model has no param {param!r}; it has {sorted(params)}"
            )
        return params[param]
    W = getattr(obj, "W", None)
    if isinstance(W, np.ndarray):
        return W
    raise TypeError(
        f"weights_of: expected an array, a model with params or a classifier with W (trained), "
        f"got {type(obj).__name__}"
    )


def _snapshot_labels(snapshots):
    """'epoch e' for Solver snapshots (epoch, params), 'snapshot t' for plain dicts."""
    return [
        f"epoch {s[0]}" if isinstance(s, tuple) else f"snapshot {t}"
        for t, s in enumerate(snapshots)
    ]


class _SnapshotMixin:
    """A snapshot slider over ``self.snapshots`` (the current weights are the last entry)."""

    def _add_snapshot_slider(self, current_label="current"):
        self.snapshot_labels = [*_snapshot_labels(self.snapshots[:-1]), current_label]
        slider = int_slider("snapshot", len(self.snapshots) - 1, 0, len(self.snapshots) - 1)
        slider.readout = False
        self.snapshot_label = widgets.Label(self.snapshot_labels[-1])
        self._add_control("snapshot", slider, self.update)
        slider.layout.display = None if len(self.snapshots) > 1 else "none"
        return widgets.HBox([slider, self.snapshot_label])

    def snapshot_params(self):
        """The params of the selected snapshot (names a snapshot lacks come from the model)."""
        index = self.controls["snapshot"].value
        self.snapshot_label.value = self.snapshot_labels[index]
        return {**self.params, **snapshot_params(self.snapshots[index])}


class TemplateViewer(_SnapshotMixin, WidgetBase):
    """Columns of a linear layer's weights as images, with a slider over snapshots.

    Artists: image (the tiled grid, updated with set_data), labels (class names).
    """

    css_class = "cs231n-template-viewer"

    def __init__(
        self,
        weights,
        snapshots=None,
        param="W",
        class_names=None,
        layout="HWC",
        image_shape=CIFAR10_IMAGE_SHAPE,
        scaling="global",
        max_images=MAX_TEMPLATES,
        backend="auto",
    ):
        """Inputs:
        - weights: (D, M) array, a model with ``params[param]`` of shape (D, M), or a trained
          linear classifier (``W``). D = H * W * C, or H * W * C + 1 with a bias row last.
        - snapshots: Solver.snapshots, list of (epoch, {name: array}) holding ``param``.
        - param: name of the weights in the model's params and the snapshots.
        - class_names: M labels drawn under the images (e.g. data.class_names), or None.
        - layout: "HWC" for assignment 1's rows (flattened (N, 32, 32, 3) images), "CHW" for
          assignment 2's models (flattened (N, 3, 32, 32) images).
        - image_shape: (H, W, C) of one image.
        - scaling: "global" (one min/max for all images, as CS231n) or "each".
        - max_images: show the first max_images columns only.
        - backend: "auto", "ipympl" or "image".
        """
        caller = "TemplateViewer"
        check_choice(caller, "scaling", scaling, SCALINGS)
        W = weights_of(weights, param)
        columns_to_images(W, tuple(image_shape), layout)  # validates the shape
        self.layout, self.image_shape, self.param = layout, tuple(image_shape), param
        self.num_images = min(W.shape[1], max_images)
        if class_names is not None and len(class_names) < self.num_images:
            raise ValueError(
                f"{caller}: got {len(class_names)} class_names for "
                f"{self.num_images} columns of {param}"
            )
        # Up to ONE_ROW_MAX images (the classes) in one row, more in an about square grid.
        self.num_cols = self.num_images if self.num_images <= ONE_ROW_MAX else None
        rows, cols = grid_shape(self.num_images, self.num_cols)
        width = TEMPLATE_WIDTH if rows == 1 else TEMPLATE_GRID_WIDTH
        height = width * rows / cols + TEMPLATE_MARGIN
        super().__init__((width, height), backend)

        self.params = {param: W}
        self.snapshots = [*(snapshots or []), {param: W}]
        for t, snapshot in enumerate(self.snapshots[:-1]):
            if param not in snapshot_params(snapshot):
                raise ValueError(
                    f"{caller}: snapshot {t} has no {param!r}; snapshot the "
                    f"weights with Solver(snapshot_params=[{param!r}, ...])"
                )
        self._add_control("scaling", dropdown("scaling", list(SCALINGS), scaling), self.update)
        row = self._add_snapshot_slider()
        margin = TEMPLATE_MARGIN / height  # figure fraction kept for the title and labels
        self.ax = self.figure.add_axes((0.01, margin / 2, 0.98, 1 - margin))
        self.ax.set_axis_off()
        self.image = self.ax.imshow(self._grid(W), interpolation="nearest")
        self.labels = []
        if class_names is not None:
            H, Wd = self.image_shape[:2]
            centers = tile_centers(self.num_images, H, Wd, self.num_cols)
            self.labels = [
                self.ax.text(x, y + H / 2 + 1, name, ha="center", va="top", fontsize=LABEL_FONTSIZE)
                for (x, y), name in zip(centers, class_names, strict=False)
            ]
        self.ax.set_title(f"{param}: {self.num_images} columns as images", fontsize=10)
        self._assemble([row, [self.controls["scaling"]]])
        self.update()

    def _grid(self, W):
        images = columns_to_images(W, self.image_shape, self.layout)[: self.num_images]
        scaled = normalize_images(images, per_image=self.controls["scaling"].value == "each")
        return tile_images(scaled, self.num_cols)

    def update(self):
        """Show the weights of the selected snapshot with the selected scaling."""
        W = self.snapshot_params()[self.param]
        self.image.set_data(self._grid(W))
        self.redraw()


def default_activations(model, params, x, layer):
    """Activation maps of a conv layer for one input, for conv - relu - [pool] stacks.

    The conv layers are the 4-D params in the order of ``params``; every layer before
    ``layer`` is applied as conv - relu - pool (the pool when the model has ``pool_param``),
    then ``layer`` as conv - relu. Convolutions use ``model.conv_param`` when the model has it
    (as ThreeLayerConvNet), else stride 1 and "same" padding (HH - 1) // 2.

    Inputs:
    - model: the model (for conv_param / pool_param), may be None.
    - params: dict with the conv weights ``W`` (F, C, HH, WW) and biases ``b`` named Wk/bk.
    - x: (1, C, H, W) input.
    - layer: name of a 4-D param, e.g. "W1".

    Returns:
    - maps: (F, H', W') activation maps of that layer.
    """
    from cs231n.layer_utils import conv_relu_forward, conv_relu_pool_forward

    conv_names = [name for name, w in params.items() if np.ndim(w) == CONV_NDIM]
    pool_param = getattr(model, "pool_param", None)
    out = x
    for name in conv_names[: conv_names.index(layer) + 1]:
        w = params[name]
        b = params.get("b" + name[1:], np.zeros(w.shape[0]))
        conv_param = getattr(model, "conv_param", None) or {
            "stride": CONV_STRIDE,
            "pad": (w.shape[2] - 1) // 2,
        }
        if name == layer or pool_param is None:
            out, _ = conv_relu_forward(out.astype(w.dtype, copy=False), w, b, conv_param)
        else:
            out, _ = conv_relu_pool_forward(
                out.astype(w.dtype, copy=False), w, b, conv_param, pool_param
            )
    return out[0]


class FilterViewer(_SnapshotMixin, WidgetBase):
    """A conv layer's filters as an image grid and its activation maps for one input image.

    Artists (updated with set_data): filter_image, input_image, maps_image.
    """

    css_class = "cs231n-filter-viewer"

    def __init__(
        self,
        model,
        images=None,
        snapshots=None,
        layer=None,
        image_index=0,
        activation_fn=None,
        backend="auto",
    ):
        """Inputs:
        - model: object with ``params`` holding conv weights (F, C, HH, WW), e.g.
          ThreeLayerConvNet.
        - images: (N, C, H, W) input images (preprocessed as the model's training data) for
          the activation maps, or None (filters only).
        - snapshots: Solver.snapshots, list of (epoch, {name: array}).
        - layer: name of the conv weights to show first (default: the first 4-D param).
        - image_index: the input image shown first.
        - activation_fn: callable(model, params, x (1, C, H, W), layer) -> (F, H', W') maps;
          default: default_activations (conv - relu - [pool] stacks).
        - backend: "auto", "ipympl" or "image".
        """
        super().__init__(FILTER_FIGSIZE, backend)
        caller = "FilterViewer"
        self.model = model
        self.params = dict(getattr(model, "params", None) or {})
        conv_layers = [name for name, w in self.params.items() if np.ndim(w) == CONV_NDIM]
        if not conv_layers:
            raise ValueError(
                f"{caller}: the model has no conv weights (4-D params); its params "
                f"are {sorted(self.params)}"
            )
        layer = (
            conv_layers[0] if layer is None else check_choice(caller, "layer", layer, conv_layers)
        )
        if images is not None and (np.ndim(images) != CONV_NDIM or len(images) == 0):
            raise ValueError(
                f"{caller}: images must have shape (N, C, H, W), got {np.shape(images)}"
            )
        self.images = images
        self.activation_fn = activation_fn or default_activations
        self.snapshots = [*(snapshots or []), self.params]

        num_panels = 3 if images is not None else 1
        widths = (0.42, 0.14, 0.42)[:num_panels] if num_panels == 3 else (0.96,)
        left, self.axes = 0.01, []
        for width in widths:
            ax = self.figure.add_axes((left, 0.05, width - 0.01, 0.85))
            ax.set_axis_off()
            self.axes.append(ax)
            left += width
        self.filter_image = self.axes[0].imshow(np.zeros((2, 2, 3)), interpolation="nearest")
        self.input_image = self.maps_image = None
        if images is not None:
            self.input_image = self.axes[1].imshow(np.zeros((2, 2, 3)), interpolation="nearest")
            self.maps_image = self.axes[2].imshow(
                np.zeros((2, 2)), cmap="gray", interpolation="nearest", vmin=0, vmax=1
            )

        self._add_control("layer", dropdown("layer", conv_layers, layer), self._layer_changed)
        self._add_control("channel", int_slider("input channel", 0, 0, 1), self.update)
        self._add_control(
            "image",
            int_slider(
                "image", image_index, 0, max(0, len(images) - 1) if images is not None else 0
            ),
            self.update,
        )
        if images is None:
            self.controls["image"].layout.display = "none"
        snapshot_row = self._add_snapshot_slider()
        c = self.controls
        self._assemble([snapshot_row, [c["layer"], c["image"]], [c["channel"]]])
        self._layer_changed()

    def _layer_changed(self):
        """A new layer: RGB filters for 3 input channels, else a channel slider."""
        channels = self.params[self.controls["layer"].value].shape[1]
        channel = self.controls["channel"]
        with self._quietly():
            channel.max = channels - 1
            channel.value = min(channel.value, channels - 1)
        channel.layout.display = "none" if channels == RGB_CHANNELS else None
        self.update()

    def filter_tiles(self, w):
        """(F, C, HH, WW) filters -> list of images: (F, HH, WW, 3) RGB or (F, HH, WW) gray."""
        if w.shape[1] == RGB_CHANNELS:
            return normalize_images(w.transpose(0, 2, 3, 1))  # (F, C, HH, WW) -> (F, HH, WW, C)
        return normalize_images(w[:, self.controls["channel"].value])  # (F, HH, WW)

    def update(self):
        """Show the filters (and activation maps) of the selected snapshot, layer and image."""
        params = self.snapshot_params()
        layer = self.controls["layer"].value
        w = np.asarray(params[layer])
        tiles = self.filter_tiles(w)
        grid = tile_images(tiles)
        self.filter_image.set_data(grid if grid.ndim == 3 else np.repeat(grid[..., None], 3, 2))
        self.filter_image.set_extent((-0.5, grid.shape[1] - 0.5, grid.shape[0] - 0.5, -0.5))
        self.axes[0].set_title(
            f"{layer}: {w.shape[0]} filters {w.shape[2]}x{w.shape[3]}"
            + (
                ""
                if w.shape[1] == RGB_CHANNELS
                else f", input channel {self.controls['channel'].value}"
            ),
            fontsize=9,
        )
        if self.images is not None:
            x = self.images[self.controls["image"].value][None]  # (C, H, W) -> (1, C, H, W)
            shown = (
                normalize_images(chw_to_hwc(x))[0]
                if x.shape[1] == RGB_CHANNELS
                else normalize_images(x[:, 0])[0]
            )
            self.input_image.set_data(shown)
            self.input_image.set_extent((-0.5, shown.shape[1] - 0.5, shown.shape[0] - 0.5, -0.5))
            self.axes[1].set_title(f"image {self.controls['image'].value}", fontsize=9)
            maps = np.asarray(self.activation_fn(self.model, params, x, layer), np.float64)
            peak = float(np.max(maps)) or 1.0
            maps_grid = tile_images(maps / peak, fill=1.0)
            self.maps_image.set_data(maps_grid)
            self.maps_image.set_extent(
                (-0.5, maps_grid.shape[1] - 0.5, maps_grid.shape[0] - 0.5, -0.5)
            )
            self.axes[2].set_title(f"activation maps of {layer} (relu), max {peak:.3g}", fontsize=9)
        self.redraw()
