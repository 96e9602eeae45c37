"""Tests of cs231n.classifiers.torch_models (PyTorch helpers of PyTorch.ipynb)."""

import numpy as np
import pytest

from cs231n.bench import torch_recipe
from cs231n.classifiers import torch_models


class FakeShell:
    def __init__(self):
        self.input_transformers_post = []


def test_without_torch_the_notebook_is_told_how_to_install_and_skipped(monkeypatch, capsys):
    monkeypatch.setattr(torch_models, "torch_available", lambda: False)
    with pytest.raises(ImportError, match="make torch"):
        torch_models.require_torch()
    shell = FakeShell()
    assert torch_models.skip_rest_of_notebook_without_torch(shell) is False
    assert "make torch" in capsys.readouterr().out
    (transform,) = shell.input_transformers_post
    assert transform(["import torch\n", "x = torch.zeros(3)\n"]) == [torch_models.SKIPPED_CELL]
    torch_models.skip_rest_of_notebook_without_torch(shell)
    assert len(shell.input_transformers_post) == 1  # registered once


torch = pytest.importorskip("torch")


def test_with_torch_nothing_is_skipped():
    shell = FakeShell()
    assert torch_models.skip_rest_of_notebook_without_torch(shell) is True
    assert shell.input_transformers_post == []


def tiny_tensors(n=32, seed=0):
    rng = np.random.default_rng(seed)
    data = {}
    for split in ("train", "val", "test"):
        data[f"X_{split}"] = rng.standard_normal((n, 3, 32, 32))
        data[f"y_{split}"] = rng.integers(10, size=n)
    return torch_models.to_tensors(data)


def test_to_tensors_and_minibatches():
    data = tiny_tensors()
    assert data["X_train"].dtype == torch.float32 and data["y_train"].dtype == torch.int64
    batches = torch_models.minibatches(10, 4, np.random.RandomState(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))


def test_best_model_shapes_and_check_accuracy():
    model = torch_recipe.best_model()
    X = torch.zeros(5, 3, 32, 32)
    assert model(X).shape == (5, 10)
    model.train()
    y = model.eval()(X).argmax(dim=1)
    model.train()
    assert torch_models.check_accuracy(model, X, y) == 1.0
    assert model.training  # mode restored
    assert torch_models.check_accuracy(lambda x: torch.zeros(len(x), 10), X, y * 0) == 1.0


def test_train_is_seeded_and_the_best_model_round_trips(tmp_path, monkeypatch):
    data = tiny_tensors()
    monkeypatch.setitem(torch_recipe.BEST_MODEL_TRAINING, "epochs", 2)
    monkeypatch.setitem(torch_recipe.BEST_MODEL_TRAINING, "batch_size", 16)
    path = tmp_path / "new_folder" / "best.pt"
    model, history = torch_recipe.train_best_model(data, path=path, progress=False)
    again, _ = torch_recipe.train_best_model(data, path=None, progress=False)
    for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert [h["epoch"] for h in history] == [1, 2]
    assert history[1]["lr"] < history[0]["lr"]  # cosine decay
    loaded = torch_recipe.best_model()
    stored_history = torch_models.load_module(path, loaded)
    assert not loaded.training
    assert stored_history == history
    model.eval()
    assert torch.equal(loaded(data["X_val"]), model(data["X_val"]))
