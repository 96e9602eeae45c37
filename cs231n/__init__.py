"""cs231n: the numpy package behind the cs231n-suite notebooks and assignments.

Submodules are imported on demand (``from cs231n.layers import affine_forward``) so that
``import cs231n`` stays fast and works before the Cython extension is built.
"""

import os
import random

# Two thread pools share the cores: the extension's OpenMP threads (conv, pool) and numpy's
# OpenBLAS threads (affine layers). By default both keep spinning for a while after each call,
# on the cores the other pool needs next: a ThreeLayerConvNet training step ran 3x slower
# (57 ms instead of 18 on 2 cores). With these settings idle threads sleep instead. Values
# already in the environment win. They act on libraries loaded after this point only:
# OMP_WAIT_POLICY on the extension's OpenMP runtime (and torch's), OPENBLAS_THREAD_TIMEOUT
# (spin for 2**4 cycles) on numpy's OpenBLAS only when numpy is imported after cs231n, so the
# Makefile exports both for JupyterLab's kernels and processes started from here inherit them.
THREAD_WAIT_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE", "OPENBLAS_THREAD_TIMEOUT": "4"}
for _name, _value in THREAD_WAIT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)

import numpy as np  # noqa: E402 - after the thread settings, in case numpy is not loaded yet

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
