"""Loss landscape explorer: 1-D and 2-D slices of a model's loss (lectures 3 and 7).

Usage::

    explorer = LossLandscapeExplorer(model, X_val, y_val, snapshots=solver.snapshots)
    explorer            # shows the widget

Views (the "view" dropdown):

- "interpolation": 1-D linear interpolation from params_start (alpha = 0, e.g. the initial
  weights) to params_end (alpha = 1, the trained weights);
- "slice_1d" / "surface_2d": slices along 1 or 2 random directions from the trained weights,
  filter-normalized (Li et al. 2018, see cs231n.landscape);
- "trajectory": the surface on the two PCA directions of the Solver's snapshots, with the
  optimizer's trajectory projected on it.

The "range" control is the half-width of a random slice in filter-normalized units (1 = a
step as large as the weights); the interpolation view covers alpha in 0.5 +- range; the
trajectory view covers range * TRAJECTORY_MARGIN times the trajectory's extent.

2-D views are drawn as a heat map with contour lines or as a 3-D surface. Every computed
landscape is cached by its settings, so going back to earlier settings is instant. The math
lives in ``cs231n.landscape``.
"""

import time

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps

from cs231n import landscape
from cs231n.widgets._common import WidgetBase, check_choice, dropdown, float_slider, int_slider

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
VIEWS = {  # view name -> label in the dropdown
    "interpolation": "1-D: interpolate start -> end",
    "slice_1d": "1-D: random direction",
    "surface_2d": "2-D: random directions",
    "trajectory": "2-D: PCA of the trajectory",
}
STYLES = ("contour", "surface")  # how a 2-D landscape is drawn
DEFAULT_SPAN = 1.0  # half-width of a random slice, in filter-normalized units
SPAN_RANGE = (0.1, 3.0, 0.1)  # (min, max, step) of the span slider
DEFAULT_RESOLUTION = 21
RESOLUTION_RANGE = (5, 51, 2)  # (min, max, step) of the resolution slider
SUBSET_SIZES = (100, 250, 500, 1000, 2000, 5000)  # choices of the data subset
DEFAULT_SUBSET = 500
MAX_SEED = 9999
TRAJECTORY_MARGIN = 1.25  # the trajectory view covers the trajectory plus 25 %
NUM_CONTOURS = 15
COLORMAP = "viridis"
FIGSIZE = (7.5, 5.0)
MAIN_RECT = (0.1, 0.12, 0.7, 0.8)  # [left, bottom, width, height] of the plot
COLORBAR_RECT = (0.84, 0.12, 0.03, 0.8)
ANCHOR_STYLE = {"color": "0.5", "linestyle": "--", "linewidth": 1}


class LossLandscapeExplorer(WidgetBase):
    """Interactive 1-D and 2-D views of a model's loss around its trained weights.

    Artists (updated in place): curve_line (1-D loss), anchor_lines (alpha = 0 and 1, or the
    center), map_image (2-D heat map), trajectory_line and center_marker (2-D); contours and
    surface are redrawn for every new landscape (matplotlib can't update them in place).
    Attributes: result (the landscape shown: dict with view, x, y, losses, method, seconds,
    ...), cache (settings -> result).
    """

    css_class = "cs231n-landscape-explorer"

    def __init__(
        self,
        model,
        X,
        y,
        params_start=None,
        params_end=None,
        snapshots=None,
        reg=None,
        view="surface_2d",
        style="contour",
        span=DEFAULT_SPAN,
        resolution=DEFAULT_RESOLUTION,
        seed=0,
        normalization="filter",
        num_images=DEFAULT_SUBSET,
        method="auto",
        backend="auto",
    ):
        """Build the widget and compute the first landscape.

        Inputs:
        - model: object with ``params`` and ``loss(X, y)`` (or assignment 1's
          ``loss(X, y, reg)``); its params at this moment are the center (copied).
        - X: (N, d_1, ..., d_k) inputs; y: (N,) labels. The loss uses the first num_images.
        - params_start, params_end: dicts like model.params for the interpolation view
          (defaults: the first snapshot, filled up with the center's other params; the
          center). Without a start the interpolation view is not offered.
        - snapshots: Solver.snapshots, list of (epoch, {name: array}); enables the trajectory
          view (needs >= 3 snapshots).
        - reg: for models whose loss takes ``reg``, see cs231n.landscape.evaluate_landscape.
        - view, style, span, resolution, seed, normalization, num_images: initial values of
          the controls (see VIEWS, STYLES, cs231n.landscape.NORMALIZATIONS).
        - method: "auto", "batched" or "loop" (see cs231n.landscape.evaluate_landscape).
        - backend: "auto", "ipympl" or "image" (see cs231n.widgets._common).
        """
        super().__init__(FIGSIZE, backend)
        caller = "LossLandscapeExplorer"
        if not isinstance(getattr(model, "params", None), dict) or not callable(
            getattr(model, "loss", None)
        ):
            raise TypeError(f"{caller}: model must have a dict `params` and a method loss(X, y)")
        if X.shape[0] != np.shape(y)[0]:
            raise ValueError(f"{caller}: X has {X.shape[0]} examples but y has {np.shape(y)[0]}")
        self.model, self.X, self.y, self.reg, self.method = model, X, y, reg, method
        self.center = {name: np.array(w, copy=True) for name, w in model.params.items()}
        self.snapshots = list(snapshots or [])
        self.params_end = dict(params_end) if params_end is not None else self.center
        if params_start is None and self.snapshots:
            params_start = {**self.center, **landscape.snapshot_params(self.snapshots[0])}
        self.params_start = params_start
        self.cache = {}
        self.result = None

        check_choice(caller, "style", style, STYLES)
        check_choice(caller, "normalization", normalization, landscape.NORMALIZATIONS)
        views = [name for name in VIEWS if self._view_available(name)]
        if view not in views:
            raise ValueError(
                f"{caller}: view must be one of {views} for these inputs, got {view!r}"
            )
        sizes = sorted({min(n, X.shape[0]) for n in (*SUBSET_SIZES, num_images)})
        self._add_control(
            "view", dropdown("view", [(VIEWS[v], v) for v in views], view), self.update
        )
        self._add_control(
            "style", widgets.ToggleButtons(options=list(STYLES), value=style), self._draw_result
        )
        self._add_control(
            "span", float_slider("range", span, *SPAN_RANGE, continuous=False), self.update
        )
        self._add_control(
            "resolution",
            int_slider("resolution", resolution, *RESOLUTION_RANGE, continuous=False),
            self.update,
        )
        self._add_control(
            "seed",
            widgets.BoundedIntText(
                value=seed,
                min=0,
                max=MAX_SEED,
                description="seed",
                layout=widgets.Layout(width="160px"),
            ),
            self.update,
        )
        self._add_control(
            "normalization",
            dropdown("normalization", list(landscape.NORMALIZATIONS), normalization),
            self.update,
        )
        self._add_control(
            "num_images", dropdown("images", sizes, min(num_images, X.shape[0])), self.update
        )
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="computing")
        self._build_figure()
        c = self.controls
        self._assemble(
            [
                [c["view"], c["style"]],
                [c["span"], c["resolution"]],
                [c["normalization"], c["num_images"], c["seed"]],
            ],
            extra=[self.progress],
        )
        self.update()

    # ------------------------------------------------------------------ figure
    def _build_figure(self):
        fig = self.figure
        self.ax_curve = fig.add_axes(MAIN_RECT)
        (self.curve_line,) = self.ax_curve.plot([], [], "-o", markersize=3, color="C0")
        self.anchor_lines = [self.ax_curve.axvline(x, **ANCHOR_STYLE) for x in (0.0, 1.0)]
        self.ax_curve.set_ylabel("loss")

        self.ax_map = fig.add_axes(MAIN_RECT)
        self.map_image = self.ax_map.imshow(
            np.zeros((2, 2)),
            origin="lower",
            cmap=COLORMAP,
            aspect="auto",
            extent=(-1, 1, -1, 1),
            interpolation="bilinear",
        )
        (self.trajectory_line,) = self.ax_map.plot(
            [], [], "-o", color="w", markersize=4, markeredgecolor="k", label="trajectory"
        )
        (self.center_marker,) = self.ax_map.plot([0], [0], "*", color="r", markersize=12)
        self.colorbar_ax = fig.add_axes(COLORBAR_RECT)
        self.colorbar = fig.colorbar(self.map_image, cax=self.colorbar_ax, label="loss")
        self.contours = None

        self.ax_surface = fig.add_axes(MAIN_RECT, projection="3d")
        self.surface = None

    def _show_axes(self, kind):
        """Show the axes of one kind: "curve", "map" or "surface"."""
        self.ax_curve.set_visible(kind == "curve")
        self.ax_map.set_visible(kind == "map")
        self.colorbar_ax.set_visible(kind == "map")
        self.ax_surface.set_visible(kind == "surface")

    # ------------------------------------------------------------------ settings
    def _view_available(self, view):
        if view == "interpolation":
            return self.params_start is not None
        if view == "trajectory":
            return len(self.snapshots) > landscape.PCA_COMPONENTS
        return True

    def settings(self):
        """The settings that define a landscape (the cache key), as a tuple of
        (view, span, resolution, seed, normalization, num_images)."""
        c = self.controls
        return (
            c["view"].value,
            round(float(c["span"].value), 6),
            int(c["resolution"].value),
            int(c["seed"].value),
            c["normalization"].value,
            int(c["num_images"].value),
        )

    # ------------------------------------------------------------------ computing
    def update(self):
        """Compute (or fetch from the cache) the landscape of the current settings; draw it."""
        key = self.settings()
        if key not in self.cache:
            self.cache[key] = self._compute(*key)
            cached = ""
        else:
            cached = ", cached"
        self.result = self.cache[key]
        r = self.result
        self.set_status(
            f"{r['points']} points on {key[-1]} images in {r['seconds']:.2f} s "
            f"(method {r['method']}{cached})"
        )
        self._draw_result()

    def _progress(self, done, total):
        self.progress.max = total
        self.progress.value = done

    def _evaluate(self, center, directions, coords, num_images):
        losses, method = landscape.evaluate_landscape(
            self.model,
            self.X[:num_images],
            self.y[:num_images],
            center,
            directions,
            coords,
            reg=self.reg,
            method=self.method,
            progress=self._progress,
        )
        return losses, method

    def _compute(self, view, span, resolution, seed, normalization, num_images):
        """The landscape of one setting: a dict (see the class docstring)."""
        start = time.perf_counter()
        self.progress.value = 0
        result = {"view": view}
        if view == "interpolation":
            alphas = landscape.grid_axis(span, resolution, landscape.INTERPOLATION_MIDPOINT)
            direction = landscape.param_difference(self.params_end, self.params_start)
            losses, method = self._evaluate(
                self.params_start, [direction], landscape.grid_coords(alphas), num_images
            )
            result.update(
                x=alphas, losses=losses, anchors=(0.0, 1.0), xlabel="alpha (0 = start, 1 = end)"
            )
        elif view == "slice_1d":
            alphas = landscape.grid_axis(span, resolution)
            directions = landscape.random_directions(self.center, 1, seed, normalization)
            losses, method = self._evaluate(
                self.center, directions, landscape.grid_coords(alphas), num_images
            )
            result.update(
                x=alphas,
                losses=losses,
                anchors=(0.0,),
                xlabel=f"direction ({normalization}-normalized, seed {seed})",
            )
        else:
            if view == "surface_2d":
                directions = landscape.random_directions(self.center, 2, seed, normalization)
                alphas = betas = landscape.grid_axis(span, resolution)
                path = np.zeros((0, 2))
                labels = (f"direction 1 ({normalization}, seed {seed})", "direction 2")
            else:
                directions, path, explained = landscape.pca_directions(self.snapshots, self.center)
                half = span * TRAJECTORY_MARGIN * np.max(np.abs(path), axis=0)  # (2,)
                half = np.where(half > 0, half, span)
                alphas = np.linspace(-half[0], half[0], resolution)
                betas = np.linspace(-half[1], half[1], resolution)
                labels = tuple(
                    f"PC{k + 1} ({100 * e:.1f} % of the variance)" for k, e in enumerate(explained)
                )
            coords = landscape.grid_coords(alphas, betas)
            losses, method = self._evaluate(self.center, directions, coords, num_images)
            surface = losses.reshape(len(betas), len(alphas))  # (B * A,) -> (B, A)
            result.update(x=alphas, y=betas, path=path, labels=labels, losses=surface)
        result.update(
            method=method, seconds=time.perf_counter() - start, points=result["losses"].size
        )
        return result

    # ------------------------------------------------------------------ drawing
    def _draw_result(self):
        r = self.result
        if r["losses"].ndim == 1:
            self._draw_curve(r)
        elif self.controls["style"].value == "surface":
            self._draw_surface(r)
        else:
            self._draw_map(r)
        self.redraw()

    def _draw_curve(self, r):
        self._show_axes("curve")
        ax = self.ax_curve
        self.curve_line.set_data(r["x"], r["losses"])
        for line, anchor in zip(self.anchor_lines, (*r["anchors"], None, None), strict=False):
            line.set_visible(anchor is not None)
            if anchor is not None:
                line.set_xdata([anchor, anchor])
        low, high = float(np.min(r["losses"])), float(np.max(r["losses"]))
        margin = 0.05 * (high - low) or 0.5
        ax.set_xlim(r["x"][0], r["x"][-1])
        ax.set_ylim(low - margin, high + margin)
        ax.set_xlabel(r["xlabel"])
        ax.set_title(VIEWS[r["view"]])

    def _draw_map(self, r):
        self._show_axes("map")
        ax, Z = self.ax_map, r["losses"]
        extent = (r["x"][0], r["x"][-1], r["y"][0], r["y"][-1])
        self.map_image.set_data(Z)
        self.map_image.set_extent(extent)
        self.map_image.set_clim(float(np.min(Z)), float(np.max(Z)))
        if self.contours is not None:
            self.contours.remove()
        self.contours = ax.contour(
            r["x"], r["y"], Z, levels=_contour_levels(Z), colors="w", linewidths=0.7, alpha=0.8
        )
        self.trajectory_line.set_data(r["path"][:, 0], r["path"][:, 1])
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_xlabel(r["labels"][0])
        ax.set_ylabel(r["labels"][1])
        ax.set_title(VIEWS[r["view"]])

    def _draw_surface(self, r):
        self._show_axes("surface")
        ax = self.ax_surface
        if self.surface is not None:
            self.surface.remove()
        grid_x, grid_y = np.meshgrid(r["x"], r["y"])  # each (B, A)
        self.surface = ax.plot_surface(
            grid_x, grid_y, r["losses"], cmap=colormaps[COLORMAP], linewidth=0, antialiased=True
        )
        ax.set_xlim(r["x"][0], r["x"][-1])
        ax.set_ylim(r["y"][0], r["y"][-1])
        ax.set_zlim(float(np.min(r["losses"])), float(np.max(r["losses"])))
        ax.set_xlabel(r["labels"][0], fontsize=8)
        ax.set_ylabel(r["labels"][1], fontsize=8)
        ax.set_zlabel("loss")


def _contour_levels(Z):
    """NUM_CONTOURS levels, log-spaced when the loss is positive (shows the basin better)."""
    low, high = float(np.min(Z)), float(np.max(Z))
    if high <= low:
        return np.array([low])
    if low > 0:
        return np.geomspace(low, high, NUM_CONTOURS)
    return np.linspace(low, high, NUM_CONTOURS)
