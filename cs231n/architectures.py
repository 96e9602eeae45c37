"""The CNN architectures of lecture 9, built from ``cs231n.nn`` modules.

ImageNet-size definitions (inspect them with ``net.summary(INPUT_SHAPES[name])``; training
them in numpy is out of reach, their summaries are computed from shapes only):

- ``lenet5()``, input (1, 32, 32): 61,706 parameters. The common modern variant: full C3
  connections, tanh, 2x2 average pooling without trainable coefficients, 10 affine outputs
  (no RBF layer).
- ``alexnet()``, input (3, 227, 227): 62,378,344. The original layer sizes (96-256-384-384-256
  filters, 4096-4096-1000) counted as ONE tower; the paper's split over two GPUs (conv2,
  conv4 and conv5 seeing half the channels) has 60,965,224. Local response normalisation is
  left out (it has no parameters).
- ``vgg16()``, input (3, 224, 224): 138,357,544. Configuration D of Simonyan & Zisserman.
- ``googlenet()``, input (3, 224, 224): 6,998,552. The paper's table 1 (5x5 branches,
  convolutions with biases, no batch norm) without the two auxiliary classifiers (used only
  in training); LRN left out. (The table's own parameter column adds up to 6.8M.)
- ``resnet18()``, input (3, 224, 224): 11,689,512. He et al. 2015 as torchvision builds it:
  convolutions without bias followed by batch norm, 1x1 projection shortcuts (conv + BN)
  where the shape changes.

AlexNet takes 227x227 (the lecture's size; the paper's 224 does not tile with 11x11 filters at
stride 4). Where an ImageNet network relies on frameworks dropping the rows no window reaches
(a 7x7 stride-2 convolution on 224x224, 3x3 stride-2 pooling with padding 1), the modules are
built with ``floor=True`` (see cs231n.nn). ResNet's 3x3/2 max pool keeps its padding of 1.

CIFAR-size networks for the degradation experiment: ``resnet_cifar(depth, width)`` (He et al.
2015, section 4.2: 6n + 2 layers in three stages of width, 2 width, 4 width channels, with
projection shortcuts where the shape changes) and ``plain_cifar(depth, width)``, the same
stack of layers without the shortcuts.
"""

from cs231n import nn

IMAGENET_CLASSES = 1000
CIFAR10_CLASSES = 10
INPUT_SHAPES = {
    "lenet5": (1, 32, 32),
    "alexnet": (3, 227, 227),
    "vgg16": (3, 224, 224),
    "googlenet": (3, 224, 224),
    "resnet18": (3, 224, 224),
    "cifar": (3, 32, 32),
}
ALEXNET_DROPOUT = 0.5
VGG_DROPOUT = 0.5
GOOGLENET_DROPOUT = 0.4
VGG16_STAGES = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))  # (filters, 3x3 convs)
VGG_FC = 4096
# GoogLeNet inception modules (paper, table 1): name -> (input channels, #1x1, #3x3 reduce,
# #3x3, #5x5 reduce, #5x5, pool proj); a 3x3/2 max pool before 4a and 5a.
GOOGLENET_INCEPTIONS = (
    ("3a", (192, 64, 96, 128, 16, 32, 32)),
    ("3b", (256, 128, 128, 192, 32, 96, 64)),
    ("4a", (480, 192, 96, 208, 16, 48, 64)),
    ("4b", (512, 160, 112, 224, 24, 64, 64)),
    ("4c", (512, 128, 128, 256, 24, 64, 64)),
    ("4d", (512, 112, 144, 288, 32, 64, 64)),
    ("4e", (528, 256, 160, 320, 32, 128, 128)),
    ("5a", (832, 256, 160, 320, 32, 128, 128)),
    ("5b", (832, 384, 192, 384, 48, 128, 128)),
)
GOOGLENET_POOL_BEFORE = ("4a", "5a")
RESNET18_STAGES = ((64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 2, 2))  # (width, blocks, stride)
CIFAR_STAGE_STRIDES = (1, 2, 2)  # three stages: width, 2*width, 4*width channels
CIFAR_LAYERS_PER_BLOCK = 2  # two 3x3 convolutions per residual block
CIFAR_EXTRA_LAYERS = 2  # the first convolution and the final affine layer


def _check_classes(caller, num_classes):
    return nn._positive_int(caller, "num_classes", num_classes)


def lenet5(num_classes=CIFAR10_CLASSES):
    """LeNet-5 (LeCun et al. 1998), the common modern variant, for (1, 32, 32) inputs.

    conv5x5(6) - tanh - avgpool2 - conv5x5(16) - tanh - avgpool2 - fc120 - tanh - fc84 - tanh
    - fc(num_classes). 61,706 parameters for 10 classes.

    Returns an nn.Sequential.
    """
    num_classes = _check_classes("lenet5", num_classes)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool(2),
        nn.Flatten(),
        nn.Affine(16 * 5 * 5, 120), nn.Tanh(),
        nn.Affine(120, 84), nn.Tanh(),
        nn.Affine(84, num_classes),
    )  # fmt: skip


def alexnet(num_classes=IMAGENET_CLASSES):
    """AlexNet (Krizhevsky et al. 2012) as in lecture 9, one tower, for (3, 227, 227) inputs.

    CONV1 96 11x11/4 - POOL 3x3/2 - CONV2 256 5x5 pad 2 - POOL - CONV3 384 3x3 pad 1 - CONV4
    384 - CONV5 256 - POOL - FC6 4096 - FC7 4096 - FC8 (ReLU after each conv/FC but the last,
    dropout before FC6 and FC7; the NORM layers are left out).

    Returns an nn.Sequential.
    """
    num_classes = _check_classes("alexnet", num_classes)
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.MaxPool(3, stride=2),
        nn.Conv2d(96, 256, 5, pad=2), nn.ReLU(), nn.MaxPool(3, stride=2),
        nn.Conv2d(256, 384, 3, pad=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, pad=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, pad=1), nn.ReLU(), nn.MaxPool(3, stride=2),
        nn.Flatten(),
        nn.Dropout(ALEXNET_DROPOUT), nn.Affine(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(ALEXNET_DROPOUT), nn.Affine(4096, 4096), nn.ReLU(),
        nn.Affine(4096, num_classes),
    )  # fmt: skip


def vgg16(num_classes=IMAGENET_CLASSES):
    """VGG-16 (Simonyan & Zisserman 2014, configuration D) for (3, 224, 224) inputs.

    Five stages of 3x3 convolutions (pad 1) + ReLU, each followed by a 2x2/2 max pool, then
    FC 4096 - FC 4096 - FC num_classes with dropout. 138,357,544 parameters.

    Returns an nn.Sequential.
    """
    num_classes = _check_classes("vgg16", num_classes)
    modules, channels = [], 3
    for filters, num_convs in VGG16_STAGES:
        for _ in range(num_convs):
            modules += [nn.Conv2d(channels, filters, 3, pad=1), nn.ReLU()]
            channels = filters
        modules.append(nn.MaxPool(2, stride=2))
    spatial = INPUT_SHAPES["vgg16"][1] // 2 ** len(VGG16_STAGES)  # 224 / 32 = 7
    modules += [
        nn.Flatten(),
        nn.Affine(channels * spatial * spatial, VGG_FC), nn.ReLU(), nn.Dropout(VGG_DROPOUT),
        nn.Affine(VGG_FC, VGG_FC), nn.ReLU(), nn.Dropout(VGG_DROPOUT),
        nn.Affine(VGG_FC, num_classes),
    ]  # fmt: skip
    return nn.Sequential(*modules)


def _conv_relu(in_channels, out_channels, kernel_size, **kwargs):
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs), nn.ReLU())


def inception_module(in_channels, c1, c3_reduce, c3, c5_reduce, c5, pool_proj):
    """GoogLeNet's Inception module with 1x1 "bottleneck" convolutions.

    Four branches on the same (in_channels, H, W) input, concatenated on the channel axis:
    1x1 conv (c1) | 1x1 conv (c3_reduce) - 3x3 conv (c3) | 1x1 conv (c5_reduce) - 5x5 conv
    (c5) | 3x3/1 max pool - 1x1 conv (pool_proj); every conv followed by a ReLU.

    Returns an nn.Concat mapping (in_channels, H, W) to (c1 + c3 + c5 + pool_proj, H, W).
    """
    return nn.Concat([
        _conv_relu(in_channels, c1, 1),
        nn.Sequential(_conv_relu(in_channels, c3_reduce, 1), _conv_relu(c3_reduce, c3, 3, pad=1)),
        nn.Sequential(_conv_relu(in_channels, c5_reduce, 1), _conv_relu(c5_reduce, c5, 5, pad=2)),
        nn.Sequential(nn.MaxPool(3, stride=1, pad=1), _conv_relu(in_channels, pool_proj, 1)),
    ])  # fmt: skip


def naive_inception_module(in_channels, c1, c3, c5):
    """The lecture's naive Inception module: 1x1, 3x3 and 5x5 convs and a 3x3 max pool.

    Returns an nn.Concat mapping (in_channels, H, W) to (c1 + c3 + c5 + in_channels, H, W):
    the pooling branch keeps all input channels, so the depth can only grow.
    """
    return nn.Concat([
        _conv_relu(in_channels, c1, 1),
        _conv_relu(in_channels, c3, 3, pad=1),
        _conv_relu(in_channels, c5, 5, pad=2),
        nn.MaxPool(3, stride=1, pad=1),
    ])  # fmt: skip


def _downsampling_max_pool():
    """3x3/2 max pool with pad 1, dropping the row no window reaches (112 -> 56 -> 28 ...)."""
    return nn.MaxPool(3, stride=2, pad=1, floor=True)


def googlenet(num_classes=IMAGENET_CLASSES):
    """GoogLeNet (Szegedy et al. 2014, table 1) without auxiliary classifiers, (3, 224, 224).

    Stem: 7x7/2 conv 64 - 3x3/2 max pool - 1x1 conv 64 - 3x3 conv 192 - 3x3/2 max pool; nine
    Inception modules (3a, 3b, pool, 4a-4e, pool, 5a, 5b); 7x7 average pool, dropout 0.4,
    FC num_classes. 6,998,552 parameters (convolutions have biases; LRN left out).

    Returns an nn.Sequential.
    """
    num_classes = _check_classes("googlenet", num_classes)
    modules = [
        _conv_relu(3, 64, 7, stride=2, pad=3, floor=True), _downsampling_max_pool(),
        _conv_relu(64, 64, 1), _conv_relu(64, 192, 3, pad=1), _downsampling_max_pool(),
    ]  # fmt: skip
    for name, channels in GOOGLENET_INCEPTIONS:
        if name in GOOGLENET_POOL_BEFORE:
            modules.append(_downsampling_max_pool())
        modules.append(inception_module(*channels))
    _, c1, _, c3, _, c5, pool_proj = GOOGLENET_INCEPTIONS[-1][1]
    out_channels = c1 + c3 + c5 + pool_proj  # channels out of 5b
    modules += [
        nn.AvgPool(7, stride=1), nn.Flatten(), nn.Dropout(GOOGLENET_DROPOUT),
        nn.Affine(out_channels, num_classes),
    ]  # fmt: skip
    return nn.Sequential(*modules)


def resnet18(num_classes=IMAGENET_CLASSES):
    """ResNet-18 (He et al. 2015) for (3, 224, 224) inputs, parameters as torchvision's.

    7x7/2 conv 64 (no bias) - BN - ReLU - 3x3/2 max pool - four stages of two basic residual
    blocks (64, 128, 256, 512 channels; stages 2-4 start with stride 2 and a 1x1 projection
    shortcut) - global average pool - FC num_classes. 11,689,512 parameters.

    Returns an nn.Sequential.
    """
    num_classes = _check_classes("resnet18", num_classes)
    modules = [
        nn.Conv2d(3, 64, 7, stride=2, pad=3, bias=False, floor=True), nn.SpatialBatchNorm(64),
        nn.ReLU(), _downsampling_max_pool(),
    ]  # fmt: skip
    channels = 64
    for width, num_blocks, stride in RESNET18_STAGES:
        for block in range(num_blocks):
            modules.append(nn.residual_block(channels, width, stride if block == 0 else 1))
            channels = width
    modules += [nn.GlobalAvgPool(), nn.Flatten(), nn.Affine(channels, num_classes)]
    return nn.Sequential(*modules)


def _cifar_blocks_per_stage(caller, depth):
    depth = nn._positive_int(caller, "depth", depth)
    per_stage = CIFAR_LAYERS_PER_BLOCK * len(CIFAR_STAGE_STRIDES)
    if depth < per_stage + CIFAR_EXTRA_LAYERS or (depth - CIFAR_EXTRA_LAYERS) % per_stage:
        raise ValueError(
            f"{caller}: depth must be 6n + 2 (8, 14, 20, 32, 44, 56, 110, ...), got {depth}"
        )
    return (depth - CIFAR_EXTRA_LAYERS) // per_stage


def _cifar_net(caller, depth, width, num_classes, shortcuts):
    blocks = _cifar_blocks_per_stage(caller, depth)
    width = nn._positive_int(caller, "width", width)
    num_classes = _check_classes(caller, num_classes)
    modules = nn.conv_block(3, width)
    channels = width
    for stage, stride in enumerate(CIFAR_STAGE_STRIDES):
        stage_width = width * 2**stage
        for block in range(blocks):
            block_stride = stride if block == 0 else 1
            residual = nn.residual_block(channels, stage_width, block_stride)
            if shortcuts:
                modules.append(residual)
            else:
                modules += [residual.body, nn.ReLU()]  # the same layers, no shortcut
            channels = stage_width
    modules += [nn.GlobalAvgPool(), nn.Flatten(), nn.Affine(channels, num_classes)]
    return nn.Sequential(*modules)


def resnet_cifar(depth=20, width=16, num_classes=CIFAR10_CLASSES):
    """CIFAR-10 ResNet (He et al. 2015, section 4.2) for (3, 32, 32) inputs.

    3x3 conv (width) - BN - ReLU, then three stages of n basic residual blocks with width,
    2 width and 4 width channels on 32x32, 16x16 and 8x8 maps (depth = 6n + 2 weighted
    layers), projection shortcuts where the shape changes, global average pool, FC.

    Inputs:
    - depth: 6n + 2 (20 gives ResNet-20)
    - width: channels of the first stage (16 in the paper)
    - num_classes: outputs of the last layer

    Returns an nn.Sequential.
    """
    return _cifar_net("resnet_cifar", depth, width, num_classes, shortcuts=True)


def plain_cifar(depth=20, width=16, num_classes=CIFAR10_CLASSES):
    """The "plain" twin of resnet_cifar: the same convolutions and batch norms, no shortcuts.

    Inputs and returns as resnet_cifar; every residual block becomes body - ReLU.
    """
    return _cifar_net("plain_cifar", depth, width, num_classes, shortcuts=False)


IMAGENET_ARCHITECTURES = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg16": vgg16,
    "googlenet": googlenet,
    "resnet18": resnet18,
}
