"""Interactive widgets for the notebooks (ipywidgets 8 + ipympl).

One line each::

    from cs231n.widgets import (FilterViewer, InitExplorer, LinearClassifierPlayground,
                                LossLandscapeExplorer, OptimizerRace, TemplateViewer,
                                TrainingMonitor)

    LossLandscapeExplorer(model, X_val, y_val, snapshots=solver.snapshots)  # loss landscapes
    TemplateViewer(model, param="W1", layout="CHW", snapshots=solver.snapshots)  # templates
    FilterViewer(conv_net, images=X_val[:16], snapshots=solver.snapshots)   # conv filters
    LinearClassifierPlayground()                                            # W, b on 2-D data
    OptimizerRace("rosenbrock")                                             # cs231n.optim race
    InitExplorer()                                                          # init, lecture 6
    monitor = TrainingMonitor(); Solver(..., callbacks=[monitor])           # live curves

Each widget object shows itself when it is the last expression of a cell (or through
``display``); ``obj.widget`` is the ipywidgets box, ``obj.figure`` the matplotlib figure
(built once, its artists updated in place), ``obj.controls`` the controls by name. Every
widget takes ``backend="auto" | "ipympl" | "image"`` (see ``cs231n.widgets._common``).
"""

from cs231n.widgets.init_explorer import InitExplorer
from cs231n.widgets.landscape_explorer import LossLandscapeExplorer
from cs231n.widgets.optimizer_race import OptimizerRace
from cs231n.widgets.playground import LinearClassifierPlayground
from cs231n.widgets.training_monitor import TrainingMonitor
from cs231n.widgets.weights_viewer import FilterViewer, TemplateViewer

__all__ = [
    "FilterViewer",
    "InitExplorer",
    "LinearClassifierPlayground",
    "LossLandscapeExplorer",
    "OptimizerRace",
    "TemplateViewer",
    "TrainingMonitor",
]
