"""Tests of cs231n.architectures: parameter totals against independent arithmetic, shapes."""

import io

import numpy as np
import pytest

from cs231n import architectures as arch
from cs231n import nn


def conv(c_in, c_out, k, bias=True):
    return k * k * c_in * c_out + (c_out if bias else 0)


def fc(d_in, d_out):
    return d_in * d_out + d_out


def bn(c):
    return 2 * c


# Independent arithmetic, layer by layer (no cs231n code involved).
LENET5 = conv(1, 6, 5) + conv(6, 16, 5) + fc(400, 120) + fc(120, 84) + fc(84, 10)
ALEXNET = (conv(3, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3)
           + conv(384, 256, 3) + fc(9216, 4096) + fc(4096, 4096) + fc(4096, 1000))
ALEXNET_TWO_TOWERS = (conv(3, 96, 11) + conv(48, 256, 5) + conv(256, 384, 3)
                      + conv(192, 384, 3) + conv(192, 256, 3) + fc(9216, 4096)
                      + fc(4096, 4096) + fc(4096, 1000))
VGG16 = (conv(3, 64, 3) + conv(64, 64, 3) + conv(64, 128, 3) + conv(128, 128, 3)
         + conv(128, 256, 3) + 2 * conv(256, 256, 3) + conv(256, 512, 3)
         + 5 * conv(512, 512, 3) + fc(7 * 7 * 512, 4096) + fc(4096, 4096) + fc(4096, 1000))


def inception(c_in, c1, c3r, c3, c5r, c5, pool):
    return (conv(c_in, c1, 1) + conv(c_in, c3r, 1) + conv(c3r, c3, 3) + conv(c_in, c5r, 1)
            + conv(c5r, c5, 5) + conv(c_in, pool, 1))


GOOGLENET = (conv(3, 64, 7) + conv(64, 64, 1) + conv(64, 192, 3)
             + inception(192, 64, 96, 128, 16, 32, 32) + inception(256, 128, 128, 192, 32, 96, 64)
             + inception(480, 192, 96, 208, 16, 48, 64) + inception(512, 160, 112, 224, 24, 64, 64)
             + inception(512, 128, 128, 256, 24, 64, 64) + inception(512, 112, 144, 288, 32, 64, 64)
             + inception(528, 256, 160, 320, 32, 128, 128)
             + inception(832, 256, 160, 320, 32, 128, 128)
             + inception(832, 384, 192, 384, 48, 128, 128) + fc(1024, 1000))


def basic_block(c_in, c_out):
    projection = conv(c_in, c_out, 1, bias=False) + bn(c_out) if c_in != c_out else 0
    return conv(c_in, c_out, 3, bias=False) + conv(c_out, c_out, 3, bias=False) + 2 * bn(c_out) \
        + projection


RESNET18 = (conv(3, 64, 7, bias=False) + bn(64) + 2 * basic_block(64, 64)
            + basic_block(64, 128) + basic_block(128, 128) + basic_block(128, 256)
            + basic_block(256, 256) + basic_block(256, 512) + basic_block(512, 512)
            + fc(512, 1000))

# name -> (exact total of our definition, the published figure it should round to, rel tol)
EXPECTED = {
    "lenet5": (61_706, 60e3, 0.05),
    "alexnet": (62_378_344, 60e6, 0.05),
    "vgg16": (138_357_544, 138e6, 0.01),
    "googlenet": (6_998_552, 7e6, 0.01),
    "resnet18": (11_689_512, 11.7e6, 0.01),
}
ARITHMETIC = {
    "lenet5": LENET5, "alexnet": ALEXNET, "vgg16": VGG16, "googlenet": GOOGLENET,
    "resnet18": RESNET18,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameter_totals_match_arithmetic_and_published_figures(name):
    exact, published, tol = EXPECTED[name]
    net = arch.IMAGENET_ARCHITECTURES[name]()
    out = io.StringIO()
    total = net.summary(arch.INPUT_SHAPES[name], file=out)
    assert total == exact == ARITHMETIC[name]
    assert abs(total - published) / published < tol
    assert f"Total params: {exact:,}" in out.getvalue()


def test_known_reference_figures():
    assert VGG16 == 138_357_544  # torchvision vgg16
    assert RESNET18 == 11_689_512  # torchvision resnet18
    assert LENET5 == 61_706
    assert ALEXNET_TWO_TOWERS == 60_965_224  # the paper's grouped convolutions: "60 million"


@pytest.mark.parametrize(
    "name, shapes",
    [
        ("lenet5", {"0": (6, 28, 28), "2": (6, 14, 14), "5": (16, 5, 5), "11": (10,)}),
        ("alexnet", {"0": (96, 55, 55), "2": (96, 27, 27), "5": (256, 13, 13),
                     "12": (256, 6, 6), "20": (1000,)}),
        ("vgg16", {"1": (64, 224, 224), "4": (64, 112, 112), "30": (512, 7, 7)}),
        ("googlenet", {"0": (64, 112, 112), "1": (64, 56, 56), "4": (192, 28, 28),
                       "5": (256, 28, 28), "6": (480, 28, 28), "12": (832, 14, 14),
                       "15": (1024, 7, 7), "19": (1000,)}),
        ("resnet18", {"0": (64, 112, 112), "3": (64, 56, 56), "6": (128, 28, 28),
                      "8": (256, 14, 14), "10": (512, 7, 7), "14": (1000,)}),
    ],
)
def test_output_shapes_are_the_papers(name, shapes):
    rows = arch.IMAGENET_ARCHITECTURES[name]().layer_table(arch.INPUT_SHAPES[name])
    by_layer = {row["layer"]: row["output_shape"] for row in rows}
    for layer, shape in shapes.items():
        assert by_layer[layer] == shape, layer


def test_lecture_inception_examples():
    """Lecture 9: the naive module on 28x28x256 has 854M conv ops and 672 output channels."""
    naive = arch.naive_inception_module(256, 128, 192, 96)
    rows = naive.layer_table((256, 28, 28))
    assert rows[0]["output_shape"] == (672, 28, 28)
    assert rows[0]["macs"] == 28 * 28 * 256 * (128 + 192 * 9 + 96 * 25) == 854_196_224
    bottleneck = arch.inception_module(256, 128, 64, 192, 64, 96, 64)
    rows = bottleneck.layer_table((256, 28, 28))
    assert rows[0]["output_shape"] == (480, 28, 28)
    assert rows[0]["macs"] == 28 * 28 * (64 * 256 * 3 + 128 * 256 + 192 * 9 * 64 + 96 * 25 * 64)


@pytest.mark.parametrize("depth", [8, 20])
def test_cifar_nets_have_the_same_layers_with_and_without_shortcuts(depth):
    resnet, plain = arch.resnet_cifar(depth, width=4), arch.plain_cifar(depth, width=4)
    shape = arch.INPUT_SHAPES["cifar"]
    weighted = (nn.Conv2d, nn.Affine)
    def count(net):
        return sum(isinstance(m, weighted) for path, m in net.modules()
                   if "shortcut" not in path)
    assert count(resnet) == count(plain) == depth
    assert not any(isinstance(m, nn.Residual) for _, m in plain.modules())
    projections = resnet.num_params(shape) - plain.num_params(shape)
    assert projections == conv(4, 8, 1, bias=False) + bn(8) + conv(8, 16, 1, bias=False) + bn(16)
    assert plain.output_shape(shape) == resnet.output_shape(shape) == (10,)


def test_resnet20_matches_the_paper_scale():
    """He et al. report 0.27M parameters for ResNet-20 (identity shortcuts with zero padding);
    projection shortcuts add 2 * (1x1 conv + BN)."""
    total = arch.resnet_cifar(20, 16).num_params(arch.INPUT_SHAPES["cifar"])
    assert total == 272_474
    assert round(total / 1e6, 2) == 0.27


def test_small_cifar_nets_run_forward_and_backward():
    rng = np.random.RandomState(0)
    X, y = rng.randn(2, 3, 32, 32), np.array([1, 2])
    for make in (arch.resnet_cifar, arch.plain_cifar):
        model = nn.Classifier(make(8, width=2), (3, 32, 32), seed=0)
        loss, grads = model.loss(X, y)
        assert np.isfinite(loss) and grads.keys() == model.params.keys()


def test_lenet5_runs_on_its_input_and_bad_depth_is_rejected():
    model = nn.Classifier(arch.lenet5(), arch.INPUT_SHAPES["lenet5"], seed=0)
    assert model.loss(np.zeros((2, 1, 32, 32))).shape == (2, 10)
    with pytest.raises(ValueError, match="6n \\+ 2"):
        arch.resnet_cifar(depth=21)
    with pytest.raises(ValueError, match="num_classes"):
        arch.vgg16(num_classes=0)
