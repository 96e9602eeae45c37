"""Weight-initialisation explorer: activation statistics of a deep net (lecture 6).

Usage::

    InitExplorer()          # pick the init scheme, weight scale, nonlinearity, depth, width

Unit-Gaussian inputs go through ``depth`` fully-connected layers (no biases) with weights from
``cs231n.init`` and the chosen nonlinearity from ``cs231n.layers``; the widget shows the mean
and standard deviation of every layer's activations and their histograms. With tanh, small
weights (0.01) make the activations collapse to zero within a few layers, large weights (1.0)
saturate them at +-1, and Xavier keeps them spread; with ReLU, He init does.
"""

import numpy as np

from cs231n.widgets._common import WidgetBase, check_choice, dropdown, int_slider, log_slider

# ---------------------------------------------------------------------------------------------
# Defaults (the lecture's experiment: 10 layers of 500 units on unit-Gaussian data)
# ---------------------------------------------------------------------------------------------
INIT_SCHEMES = ("small", "xavier", "he")  # names of cs231n.init.INIT_SCHEMES
NONLINEARITIES = ("tanh", "relu", "leaky_relu", "sigmoid")
MAX_DEPTH = 10  # the figure holds this many histograms
DEFAULT_DEPTH = 10
DEFAULT_WIDTH = 500
WIDTH_RANGE = (50, 1000, 50)
DEFAULT_NUM_INPUTS = 500
DEFAULT_WEIGHT_SCALE = 0.01
WEIGHT_SCALE_RANGE = (1e-3, 10.0)
NUM_BINS = 40
HISTOGRAM_ROWS, HISTOGRAM_COLS = 2, 5  # MAX_DEPTH histograms
FIGSIZE = (10.0, 6.0)


def layer_activations(
    depth=DEFAULT_DEPTH,
    width=DEFAULT_WIDTH,
    init="xavier",
    nonlinearity="tanh",
    weight_scale=DEFAULT_WEIGHT_SCALE,
    num_inputs=DEFAULT_NUM_INPUTS,
    seed=0,
):
    """Forward unit-Gaussian data through a deep fully-connected net; keep every activation.

    Inputs:
    - depth: int L >= 1, number of layers; width: int H, units per layer (and input size).
    - init: "small" (randn * weight_scale), "xavier" or "he" (cs231n.init).
    - nonlinearity: "tanh", "relu", "leaky_relu" or "sigmoid" (cs231n.layers).
    - weight_scale: std of the "small" scheme.
    - num_inputs: int N, number of input vectors.
    - seed: int, seeds the data and the weights (numpy Generator).

    Returns:
    - activations: list of L arrays of shape (N, H), the output of every layer.
    """
    from cs231n.experiments import deep_net_forward

    caller = "layer_activations"
    check_choice(caller, "init", init, INIT_SCHEMES)
    check_choice(caller, "nonlinearity", nonlinearity, NONLINEARITIES)
    for name, value in (("depth", depth), ("width", width), ("num_inputs", num_inputs)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{caller}: {name} must be a positive int, got {value!r}")
    activations, _ = deep_net_forward(nonlinearity, init, depth, width, num_inputs,
                                      weight_scale, batchnorm=False,
                                      rng=np.random.default_rng(seed))
    return activations


def histogram(values, num_bins=NUM_BINS):
    """Fraction of values per bin over [min, max] (a tiny range is widened).

    Inputs:
    - values: array of any shape; num_bins: int.

    Returns a tuple of:
    - fractions: (num_bins,) floats summing to 1.
    - edges: (num_bins + 1,) bin edges.
    """
    values = np.ravel(values)
    low, high = float(np.min(values)), float(np.max(values))
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(values, bins=num_bins, range=(low, high))
    return counts / values.size, edges


class InitExplorer(WidgetBase):
    """Per-layer activation statistics of a deep net as init, depth and nonlinearity change.

    Artists (updated in place): mean_line, std_line (per layer), histograms (one StepPatch
    per layer, set_data). Attributes: activations (list of (N, H) arrays shown).
    """

    css_class = "cs231n-init-explorer"

    def __init__(
        self,
        init="small",
        nonlinearity="tanh",
        depth=DEFAULT_DEPTH,
        width=DEFAULT_WIDTH,
        weight_scale=DEFAULT_WEIGHT_SCALE,
        num_inputs=DEFAULT_NUM_INPUTS,
        seed=0,
        backend="auto",
    ):
        """Inputs: the initial control values (see layer_activations); backend: "auto",
        "ipympl" or "image"."""
        super().__init__(FIGSIZE, backend)
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"InitExplorer: depth must be in 1..{MAX_DEPTH}, got {depth!r}")
        self.num_inputs, self.seed = num_inputs, seed
        self.activations = []
        self._add_control("init", dropdown("init", list(INIT_SCHEMES), init), self.update)
        self._add_control(
            "weight_scale",
            log_slider(
                "weight scale",
                weight_scale,
                *WEIGHT_SCALE_RANGE,
                continuous=False,
                readout_format=".3f",
            ),
            self.update,
        )
        self._add_control(
            "nonlinearity",
            dropdown("nonlinearity", list(NONLINEARITIES), nonlinearity),
            self.update,
        )
        self._add_control(
            "depth", int_slider("depth", depth, 1, MAX_DEPTH, continuous=False), self.update
        )
        self._add_control(
            "width", int_slider("width", width, *WIDTH_RANGE, continuous=False), self.update
        )
        self._build_figure()
        c = self.controls
        self._assemble(
            [[c["init"], c["weight_scale"]], [c["nonlinearity"], c["depth"]], [c["width"]]]
        )
        self.update()

    def _build_figure(self):
        fig = self.figure
        grid = fig.add_gridspec(
            HISTOGRAM_ROWS + 1,
            HISTOGRAM_COLS,
            hspace=0.8,
            wspace=0.35,
            left=0.06,
            right=0.98,
            top=0.93,
            bottom=0.07,
        )
        self.ax_stats = fig.add_subplot(grid[0, :])
        layers = np.arange(1, MAX_DEPTH + 1)
        (self.mean_line,) = self.ax_stats.plot(layers, np.zeros(MAX_DEPTH), "o-", label="mean")
        (self.std_line,) = self.ax_stats.plot(layers, np.zeros(MAX_DEPTH), "s-", label="std")
        self.ax_stats.set_xlim(0.5, MAX_DEPTH + 0.5)
        self.ax_stats.set_xticks(layers)
        self.ax_stats.set_xlabel("layer")
        self.ax_stats.legend(loc="upper right", fontsize=8)
        self.hist_axes, self.histograms = [], []
        for layer in range(MAX_DEPTH):
            ax = fig.add_subplot(grid[1 + layer // HISTOGRAM_COLS, layer % HISTOGRAM_COLS])
            ax.tick_params(labelsize=7)
            self.histograms.append(
                ax.stairs(np.zeros(NUM_BINS), np.arange(NUM_BINS + 1.0), fill=True, alpha=0.7)
            )
            self.hist_axes.append(ax)

    def settings(self):
        """Keyword arguments of layer_activations for the current controls."""
        c = self.controls
        return {
            "depth": c["depth"].value,
            "width": c["width"].value,
            "init": c["init"].value,
            "nonlinearity": c["nonlinearity"].value,
            "weight_scale": c["weight_scale"].value,
            "num_inputs": self.num_inputs,
            "seed": self.seed,
        }

    def update(self):
        """Recompute the activations and redraw the statistics and histograms."""
        settings = self.settings()
        self.controls["weight_scale"].disabled = settings["init"] != "small"
        self.activations = layer_activations(**settings)
        depth = settings["depth"]
        means = np.full(MAX_DEPTH, np.nan)
        stds = np.full(MAX_DEPTH, np.nan)
        for layer, (ax, stairs) in enumerate(zip(self.hist_axes, self.histograms, strict=True)):
            ax.set_visible(layer < depth)
            if layer >= depth:
                continue
            values = self.activations[layer]
            means[layer], stds[layer] = float(np.mean(values)), float(np.std(values))
            fractions, edges = histogram(values)
            stairs.set_data(fractions, edges)
            ax.set_xlim(edges[0], edges[-1])
            ax.set_ylim(0, float(np.max(fractions)) * 1.1)
            ax.set_title(f"layer {layer + 1}: std {stds[layer]:.2g}", fontsize=8)
        self.mean_line.set_ydata(means)
        self.std_line.set_ydata(stds)
        finite = np.concatenate([means[:depth], stds[:depth]])
        low, high = float(np.min(finite)), float(np.max(finite))
        pad = 0.1 * (high - low) or 0.1
        self.ax_stats.set_ylim(low - pad, high + pad)
        scheme = settings["init"] + (
            f" {settings['weight_scale']:.3g}" if settings["init"] == "small" else ""
        )
        self.ax_stats.set_title(
            f"{settings['nonlinearity']}, init {scheme}: activation mean and std per layer",
            fontsize=10,
        )
        self.redraw()
