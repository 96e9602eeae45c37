"""Shared pytest settings: headless matplotlib and a seeded generator per test."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def rng():
    """A fresh, seeded numpy Generator for each test."""
    return np.random.default_rng(231)
