"""cs231n.model_store: what a notebook stores after a long training run, and loads back."""

import numpy as np
import pytest

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.model_store import accuracy, load_model, save_model, training_summary
from cs231n.solver import Solver


def small_net(seed=0):
    return FullyConnectedNet([8], input_dim=6, num_classes=3, normalization="batchnorm",
                             dtype=np.float64, seed=seed)


@pytest.fixture
def trained():
    rng = np.random.default_rng(0)
    data = {"X_train": rng.standard_normal((40, 6)), "y_train": rng.integers(3, size=40),
            "X_val": rng.standard_normal((10, 6)), "y_val": rng.integers(3, size=10)}
    model = small_net()
    solver = Solver(model, data, num_epochs=2, batch_size=10, verbose=False, seed=0,
                    optim_config={"learning_rate": 1e-2})
    solver.train()
    return model, solver, data


def test_save_creates_the_folder_and_load_restores_params_bn_state_and_metadata(trained, tmp_path):
    model, solver, data = trained
    path = tmp_path / "new" / "folder" / "net.npz"
    save_model(path, model, **training_summary(solver, seconds=1.234))
    fresh = small_net(seed=1)
    metadata = load_model(path, fresh)
    assert metadata["epochs"] == 2 and metadata["train_seconds"] == 1.2
    assert len(metadata["epoch_history"]) == len(solver.epoch_history)
    assert metadata["best_val_acc"] == solver.best_val_acc
    np.testing.assert_array_equal(fresh.loss(data["X_val"]), model.loss(data["X_val"]))
    assert accuracy(fresh, data["X_val"], data["y_val"], batch_size=3) == accuracy(
        model, data["X_val"], data["y_val"])


def test_load_names_the_parameter_whose_shape_differs(trained, tmp_path):
    model, _, _ = trained
    save_model(tmp_path / "net.npz", model)
    other = FullyConnectedNet([9], input_dim=6, num_classes=3, normalization="batchnorm")
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(6, 8\)"):
        load_model(tmp_path / "net.npz", other)
