"""cs231n: the numpy package behind the cs231n-suite notebooks and assignments.

Submodules are imported on demand (``from cs231n.layers import affine_forward``) so that
``import cs231n`` stays fast and works before the Cython extension is built.
"""

import random

import numpy as np

__version__ = "0.1.0"

DEFAULT_SEED = 231  # the seed every notebook of the suite starts from


def seed_all(seed=DEFAULT_SEED):
    """Seed every random source the suite uses: Python's ``random``, numpy, and torch if present.

    Inputs:
    - seed: int, the seed.

    Returns the seed, so a notebook can print what it used.
    """
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the legacy global state is what CS231n code draws from
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
    return seed


PLOT_DEFAULTS = {  # CS231n's notebook plot settings
    "figure.figsize": (10.0, 8.0),
    "image.interpolation": "nearest",
    "image.cmap": "gray",
}


def setup_notebook(seed=DEFAULT_SEED):
    """The first call of every notebook: seed all random sources and set plot defaults.

    Inputs:
    - seed: int, passed to ``seed_all``.

    Returns the seed.
    """
    import matplotlib.pyplot as plt

    plt.rcParams.update(PLOT_DEFAULTS)
    return seed_all(seed)
