"""Live training monitor: loss and accuracy curves that the Solver updates while it trains.

Usage::

    monitor = TrainingMonitor()
    monitor.display()        # or display(monitor)
    solver = Solver(model, data, ..., callbacks=[monitor])   # the monitor is a callback
    solver.train()

    TrainingMonitor.from_solver(solver)     # the curves of a finished run

The monitor draws the loss of every iteration (and its moving average) and the train and
validation accuracy of every evaluation, with a progress bar and a line of numbers. While the
Solver runs the kernel is busy, so the monitor pushes a fresh picture itself at most every
LIVE_REDRAW_SECONDS and after every epoch (``FigureView.redraw(now=True)``).
"""

import ipywidgets as widgets
import numpy as np

from cs231n.widgets._common import Stopwatch, WidgetBase, moving_average

# ---------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------
DEFAULT_SMOOTHING = 25  # iterations in the moving average of the loss
FIGSIZE = (10.0, 3.8)
EVENTS = ("iteration", "epoch", "train_end")  # the Solver's callback events


class TrainingMonitor(WidgetBase):
    """Loss and accuracy curves fed by a Solver (a ``callback(event, solver)``).

    Artists (updated with set_data): loss_line, smooth_line, train_line, val_line,
    best_marker. Attributes: progress (ipywidgets.IntProgress), events (count per event).
    """

    css_class = "cs231n-training-monitor"

    def __init__(
        self, smoothing=DEFAULT_SMOOTHING, redraw_seconds=None, title="training", backend="auto"
    ):
        """Inputs:
        - smoothing: int, window of the loss's moving average.
        - redraw_seconds: redraw at most this often during an epoch (None =
          LIVE_REDRAW_SECONDS; 0 = after every iteration).
        - title: shown above the loss plot.
        - backend: "auto", "ipympl" or "image".
        """
        super().__init__(FIGSIZE, backend)
        if isinstance(smoothing, bool) or not isinstance(smoothing, int) or smoothing < 1:
            raise ValueError(f"TrainingMonitor: smoothing must be an int >= 1, got {smoothing!r}")
        self.smoothing = smoothing
        self.stopwatch = Stopwatch() if redraw_seconds is None else Stopwatch(redraw_seconds)
        self.events = dict.fromkeys(EVENTS, 0)
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="iteration")
        self.progress.add_class("cs231n-progress")
        self.summary = widgets.Label("waiting for the Solver (pass callbacks=[monitor])")
        fig = self.figure
        self.ax_loss = fig.add_axes((0.07, 0.14, 0.42, 0.74))
        self.ax_acc = fig.add_axes((0.57, 0.14, 0.41, 0.74))
        (self.loss_line,) = self.ax_loss.plot([], [], ".", markersize=2, alpha=0.4, label="loss")
        (self.smooth_line,) = self.ax_loss.plot(
            [], [], "-", color="C3", label=f"mean of {smoothing}"
        )
        self.ax_loss.set_xlabel("iteration")
        self.ax_loss.set_title(title)
        self.ax_loss.legend(loc="upper right", fontsize=8)
        (self.train_line,) = self.ax_acc.plot([], [], "o-", label="train")
        (self.val_line,) = self.ax_acc.plot([], [], "s-", label="val")
        (self.best_marker,) = self.ax_acc.plot(
            [], [], "*", color="gold", markersize=14, markeredgecolor="k", label="best val"
        )
        self.ax_acc.set_xlabel("epoch")
        self.ax_acc.set_title("accuracy")
        self.ax_acc.legend(loc="lower right", fontsize=8)
        self._assemble([], extra=[widgets.HBox([self.progress, self.summary])])

    @classmethod
    def from_solver(cls, solver, **kwargs):
        """A monitor showing the histories of a Solver that has already trained."""
        monitor = cls(**kwargs)
        monitor.show(solver, now=False)
        return monitor

    def __call__(self, event, solver):
        """The Solver callback: update the curves (see cs231n.solver.Solver, callbacks)."""
        if event not in self.events:
            raise ValueError(
                f"TrainingMonitor: unknown Solver event {event!r}; expected one of {EVENTS}"
            )
        self.events[event] += 1
        if event == "iteration":
            self.progress.max = solver.num_iterations
            self.progress.value = solver.t
            if self.stopwatch.due():
                self.show(solver)
        else:
            self.show(solver)
        if event == "train_end":
            self.refresh_output()  # the notebook keeps a preview of the final curves

    def show(self, solver, now=True):
        """Draw the Solver's histories (now=True pushes the picture while the kernel is busy)."""
        losses = np.asarray(solver.loss_history, dtype=np.float64)
        iterations = np.arange(1, losses.size + 1)
        self.loss_line.set_data(iterations, losses)
        self.smooth_line.set_data(iterations, moving_average(losses, self.smoothing))
        if losses.size:
            finite = losses[np.isfinite(losses)]
            self.ax_loss.set_xlim(0, max(solver.num_iterations, losses.size))
            self.ax_loss.set_ylim(0, float(np.max(finite)) * 1.05 if finite.size else 1.0)
        history = solver.epoch_history
        epochs = [entry["epoch"] for entry in history]
        self.train_line.set_data(epochs, [entry["train_acc"] for entry in history])
        self.val_line.set_data(epochs, [entry["val_acc"] for entry in history])
        if solver.best_epoch is not None:
            self.best_marker.set_data([solver.best_epoch], [solver.best_val_acc])
        accuracies = [a for entry in history for a in (entry["train_acc"], entry["val_acc"])]
        self.ax_acc.set_xlim(-0.2, solver.num_epochs + 0.2)
        self.ax_acc.set_ylim(0, min(1.0, max(accuracies, default=0.5) * 1.15 + 0.02))
        self.progress.max = max(1, solver.num_iterations)
        self.progress.value = solver.t
        last = history[-1] if history else None
        self.summary.value = (
            f"iteration {solver.t}/{solver.num_iterations}, epoch {solver.epoch}/"
            f"{solver.num_epochs}"
            + (f", loss {losses[-1]:.4f}" if losses.size else "")
            + (
                f", train acc {last['train_acc']:.3f}, val acc {last['val_acc']:.3f}"
                if last
                else ""
            )
        )
        self.redraw(now=now)
