"""Tests of cs231n.compare_torch: ThreeLayerConvNet against its PyTorch twin, tensor by tensor."""

import builtins

import numpy as np
import pytest

from cs231n import compare_torch
from cs231n.classifiers.cnn import ThreeLayerConvNet


def test_missing_torch_names_the_install_command(monkeypatch):
    """Runs with or without PyTorch: the import is made to fail either way."""
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"make torch.*pip install -e \"\.\[torch\]\""):
        compare_torch.require_torch()
    assert not compare_torch.torch_available()


@pytest.fixture
def torch():
    """The torch module; tests using it are skipped when PyTorch is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture
def small_net(torch):
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=10,
                              num_classes=5, weight_scale=0.1, reg=0.05, dtype=np.float64, seed=0)
    rng = np.random.default_rng(0)
    return model, rng.standard_normal((6, 3, 8, 8)), rng.integers(0, 5, size=6)


def test_torch_available(torch):
    assert compare_torch.torch_available()


def test_same_network_same_gradients(small_net, torch):
    model, X, y = small_net
    report = compare_torch.compare_with_torch(model, X, y)
    assert report.names == ["loss", "W1", "b1", "W2", "b2", "W3", "b3"]
    report.assert_ok(tol=1e-9)
    scores = compare_torch.torch_convnet(model)(torch.as_tensor(X)).detach().numpy()
    np.testing.assert_allclose(scores, model.loss(X), rtol=1e-10)
    assert "pytorch" in str(report)


def test_a_porting_bug_is_named(small_net):
    model, X, y = small_net
    report = compare_torch.compare_with_torch(model, X, y, regularized=("W1", "W3"))
    assert [entry.name for entry in report.failures(1e-9)] == ["loss", "W2"]
    with pytest.raises(AssertionError, match=r"2 of 7 tensors differ[\s\S]*W2: max rel error"):
        report.assert_ok()


def test_float32_model_is_rejected(small_net):
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=2, filter_size=3, hidden_dim=4)
    _, X, y = small_net
    with pytest.raises(TypeError, match="dtype=np.float64"):
        compare_torch.compare_with_torch(model, X, y)
    with pytest.raises(TypeError, match="must be a ThreeLayerConvNet"):
        compare_torch.torch_convnet(object())


def test_timing_returns_both_sides(small_net):
    model, X, y = small_net
    times = compare_torch.time_forward_backward(model, X, y, repeats=1)
    assert set(times) == {"cs231n", "pytorch"} and min(times.values()) > 0


def test_dynamic_and_static_graphs(torch):
    x = torch.ones(2, 3)
    w = torch.eye(3, requires_grad=True)
    sizes = [compare_torch.count_graph_nodes(compare_torch.repeated_tanh_layer(x, w, n).sum())
             for n in (1, 2, 3)]
    assert sizes[0] < sizes[1] < sizes[2]  # a new, bigger graph for every depth
    assert compare_torch.count_graph_nodes(x) == 0
    assert torch.equal(compare_torch.sign_dependent_layer(-x), x)
    ops = compare_torch.static_graph_ops(compare_torch.torch_convnet(
        ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=2, filter_size=3, hidden_dim=4,
                          dtype=np.float64)))
    assert "call_function: conv2d" in ops and ops[-1] == "output: output"
    fx = pytest.importorskip("torch.fx")
    with pytest.raises(fx.proxy.TraceError):
        compare_torch.static_graph_ops(compare_torch.sign_dependent_layer)
