"""Time the fast conv / max-pool layers against PyTorch CPU, the pure-numpy im2col path and the
naive layers, all in one run with one thread count, and judge the performance targets.

    python -m cs231n.bench layers [--json FILE] [--threads N] [--repeats K] [--quick]

Every number is the median of K interleaved repetitions after a warm-up: within a repetition
each implementation runs once, in an order that rotates, so a burst of load from other
processes hits all of them alike. Ratios are time(ours) / time(PyTorch) (lower is better) and
naive / fast (higher is better). The threads of OpenMP, of the BLAS libraries and of PyTorch
are all set to N: with threadpoolctl when it is installed, otherwise through OMP_NUM_THREADS /
OPENBLAS_NUM_THREADS / MKL_NUM_THREADS, which only work before numpy is imported, so the
command starts itself again with them set. The command exits 0 only when every target passes
(with --quick, tiny shapes and one repetition: only the correctness targets are judged).
"""

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from cs231n.gradient_check import scaled_error

# ----------------------------------------------------------------------------------------------
# What is measured
# ----------------------------------------------------------------------------------------------
# name -> (x shape (N, C, H, W), w shape (F, C, HH, WW), stride, pad)
CONV_SHAPES = {
    "a": ((50, 3, 32, 32), (32, 3, 7, 7), 1, 3),
    "b": ((50, 3, 32, 32), (32, 3, 3, 3), 1, 1),
    "c": ((50, 32, 16, 16), (64, 32, 3, 3), 1, 1),
    "d": ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),  # the CS231n notebook shape
}
QUICK_CONV_SHAPES = {
    "a": ((2, 3, 8, 8), (4, 3, 7, 7), 1, 3),
    "b": ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
    "c": ((2, 4, 6, 6), (5, 4, 3, 3), 1, 1),
    "d": ((3, 3, 7, 7), (2, 3, 3, 3), 2, 1),
}
NAIVE_SHAPE = "d"  # the naive layers are timed on this shape only
# name -> (x shape, pool size, stride); 31 = 2 * 15 + 1 makes the 3x3 stride-2 windows tile
POOL_SHAPES = {
    "2x2 s2": ((50, 32, 32, 32), 2, 2),
    "3x3 s2": ((50, 32, 31, 31), 3, 2),
}
QUICK_POOL_SHAPES = {"2x2 s2": ((2, 3, 8, 8), 2, 2), "3x3 s2": ((2, 3, 7, 7), 3, 2)}
DTYPES = (np.float32, np.float64)

# ThreeLayerConvNet training step (CS231n defaults): conv 7x7x32 pad 3 - relu - 2x2 pool -
# affine 100 - relu - affine 10 - softmax, batch 50, plain SGD
NET_BATCH = 50
NET_IMAGE = (3, 32, 32)
NET_FILTERS, NET_FILTER_SIZE, NET_HIDDEN, NET_CLASSES = 32, 7, 100, 10
NET_WEIGHT_SCALE = 1e-3
NET_LEARNING_RATE = 1e-3
QUICK_NET = {"batch": 4, "image": (3, 8, 8), "filters": 4, "hidden": 6}

# Targets (issue 5): ours / PyTorch time at most these; images/s at least these; naive / fast
CONV_MAX_RATIO = {"float32": 1.5, "float64": 1.0}  # forward + backward, every shape
POOL_MAX_RATIO = 1.5  # forward + backward
NET_MIN_SPEED_RATIO = {"float32": 0.6, "float64": 1.0}  # our images/s / PyTorch images/s
NAIVE_MIN_SPEEDUP = 1000.0  # naive / fast, forward + backward on NAIVE_SHAPE
MAX_ERROR = {"float32": 1e-4, "float64": 1e-10}  # fast vs naive: max relative error

DEFAULT_REPEATS = 7
SLOW_REPEATS = 2  # the pure-numpy im2col path and the naive layers
WARMUP_RUNS = 2
THREADS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
REEXEC_MARK = "CS231N_BENCH_THREADS"  # set when the command restarted itself with N threads


def add_arguments(parser):
    parser.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    parser.add_argument(
        "--threads", type=int, metavar="N",
        help="threads for OpenMP, BLAS and PyTorch (default: OMP_NUM_THREADS, else all cores)",
    )
    parser.add_argument(
        "--repeats", type=int, default=DEFAULT_REPEATS, metavar="K",
        help=f"timed repetitions per measurement, median reported (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="tiny shapes and one repetition (checks that everything runs; times mean nothing)",
    )


# ----------------------------------------------------------------------------------------------
# Threads
# ----------------------------------------------------------------------------------------------
def _requested_threads(args):
    """The thread count to use: --threads, else OMP_NUM_THREADS, else the number of cores."""
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        return args.threads
    from_env = os.environ.get("OMP_NUM_THREADS", "")
    return int(from_env) if from_env.isdigit() and int(from_env) > 0 else os.cpu_count() or 1


def _command_line(args, threads):
    """The arguments that run this command again with the same options."""
    command = ["-m", "cs231n.bench", "layers", "--threads", str(threads),
               "--repeats", str(args.repeats)]
    if args.quick:
        command.append("--quick")
    if args.json:
        command += ["--json", args.json]
    return command


def _limit_threads_or_restart(args, threads):
    """Make OpenMP and BLAS use `threads` threads. Returns None when done in this process, or
    the exit code of a restarted copy of the command (with the thread variables set)."""
    if all(os.environ.get(name) == str(threads) for name in THREADS_ENV):
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        import cs231n.im2col_cython  # noqa: F401 - load its OpenMP runtime before limiting

        threadpool_limits(limits=threads)
        return None
    if os.environ.get(REEXEC_MARK) == str(threads):  # already restarted once: do not loop
        return None
    env = dict(os.environ, **{name: str(threads) for name in THREADS_ENV})
    env[REEXEC_MARK] = str(threads)
    print(f"(restarting with {', '.join(THREADS_ENV)}={threads}: they only take effect "
          "before numpy is imported)", flush=True)
    return subprocess.call([sys.executable, *_command_line(args, threads)], env=env)


def _import_torch(threads):
    """(torch module or None, reason it is missing)."""
    try:
        import torch
    except ImportError as error:
        return None, f"torch is not installed ({error}); `make torch` or pip install -e '.[torch]'"
    torch.set_num_threads(threads)
    return torch, ""


# ----------------------------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------------------------
def time_interleaved(functions, repeats, warmup=WARMUP_RUNS):
    """Median seconds of each callable in `functions` (name -> callable), measured in rounds:
    each round calls every function once, the order rotating from round to round."""
    names = list(functions)
    for _ in range(warmup):
        for name in names:
            functions[name]()
    samples = {name: [] for name in names}
    for round_index in range(repeats):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            functions[name]()
            samples[name].append(time.perf_counter() - start)
    return {name: float(np.median(times)) for name, times in samples.items()}


@dataclass
class Target:
    """One judged target: `value` must be <= `limit` (kind "max") or >= `limit` ("min")."""

    name: str
    value: float | None
    limit: float
    kind: str
    judged: bool = True

    @property
    def passed(self):
        if self.value is None or not np.isfinite(self.value):
            return False
        return self.value <= self.limit if self.kind == "max" else self.value >= self.limit

    @property
    def verdict(self):
        if not self.judged:
            return "not judged"
        if self.value is None:
            return "FAIL (not measured)"
        return "PASS" if self.passed else "FAIL"


@dataclass
class Report:
    """Everything measured, for printing and --json."""

    machine: dict
    rows: list = field(default_factory=list)
    targets: list = field(default_factory=list)

    def add(self, section, **values):
        self.rows.append({"section": section, **values})


# ----------------------------------------------------------------------------------------------
# Implementations under test
# ----------------------------------------------------------------------------------------------
def conv_flops(x_shape, w_shape, stride, pad):
    """Floating point operations (2 per multiply-add) of one conv forward pass."""
    N, _, H, W = x_shape
    F, C, HH, WW = w_shape
    out_height = (H + 2 * pad - HH) // stride + 1
    out_width = (W + 2 * pad - WW) // stride + 1
    return 2 * N * F * C * HH * WW * out_height * out_width


def numpy_conv_forward(x, w, b, conv_param):
    """The pure-numpy im2col path: cs231n.im2col's fancy-index im2col and one GEMM."""
    from cs231n.im2col import im2col_indices

    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_cols = im2col_indices(x, HH, WW, pad, stride)  # (C*HH*WW, N*Ho*Wo)
    out = w.reshape(F, -1) @ x_cols + b[:, None]  # (F, C*HH*WW) @ (C*HH*WW, N*Ho*Wo)
    out_height = (H + 2 * pad - HH) // stride + 1
    out = out.reshape(F, N, out_height, -1).transpose(1, 0, 2, 3)
    # (F, N*Ho*Wo) -> (F, N, Ho, Wo) -> (N, F, Ho, Wo)
    return out, (x, w, conv_param, x_cols)


def numpy_conv_backward(dout, cache):
    """Backward pass of numpy_conv_forward: two GEMMs and cs231n.im2col's col2im (np.add.at)."""
    from cs231n.im2col import col2im_indices

    x, w, conv_param, x_cols = cache
    F, _, HH, WW = w.shape
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    # (N, F, Ho, Wo) -> (F, N, Ho, Wo) -> (F, N*Ho*Wo)
    dw = (dout_rows @ x_cols.T).reshape(w.shape)  # (F, C*HH*WW) -> (F, C, HH, WW)
    dx_cols = w.reshape(F, -1).T @ dout_rows  # (C*HH*WW, N*Ho*Wo)
    dx = col2im_indices(dx_cols, x.shape, HH, WW, conv_param["pad"], conv_param["stride"])
    return dx, dw, db


def _layer_pair(forward, backward, inputs, args, dout):
    """(forward-only callable, forward+backward callable) for a cs231n layer pair."""

    def run_forward():
        return forward(*inputs, *args)

    def run_both():
        _, cache = forward(*inputs, *args)
        return backward(dout, cache)

    return run_forward, run_both


def _torch_pair(torch, function, arrays, dout, **kwargs):
    """(forward-only, forward+backward) callables for a torch.nn.functional op with autograd."""
    leaves = [torch.from_numpy(a).requires_grad_() for a in arrays]
    torch_dout = torch.from_numpy(dout)

    def run_forward():
        with torch.no_grad():
            return function(*leaves, **kwargs)

    def run_both():
        for leaf in leaves:
            leaf.grad = None
        function(*leaves, **kwargs).backward(torch_dout)

    return run_forward, run_both


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------
def bench_conv(report, torch, shapes, repeats, slow_repeats, rng):
    """Conv rows (every shape and dtype, forward and forward+backward) and the conv targets."""
    from cs231n import fast_layers, layers

    for dtype in DTYPES:
        dtype_name = np.dtype(dtype).name
        for shape_name, (x_shape, w_shape, stride, pad) in shapes.items():
            x = rng.standard_normal(x_shape).astype(dtype)
            w = rng.standard_normal(w_shape).astype(dtype)
            b = rng.standard_normal(w_shape[0]).astype(dtype)
            conv_param = {"stride": stride, "pad": pad}
            out, _ = fast_layers.conv_forward_fast(x, w, b, conv_param)
            dout = rng.standard_normal(out.shape).astype(dtype)
            pairs = {
                "fast": _layer_pair(fast_layers.conv_forward_fast, fast_layers.conv_backward_fast,
                                    (x, w, b), (conv_param,), dout),
            }
            if torch is not None:
                pairs["torch"] = _torch_pair(torch, torch.nn.functional.conv2d, (x, w, b), dout,
                                             stride=stride, padding=pad)
            slow_pairs = {
                "numpy": _layer_pair(numpy_conv_forward, numpy_conv_backward, (x, w, b),
                                     (conv_param,), dout),
            }
            if shape_name == NAIVE_SHAPE:
                slow_pairs["naive"] = _layer_pair(layers.conv_forward_naive,
                                                  layers.conv_backward_naive, (x, w, b),
                                                  (conv_param,), dout)
            flops = conv_flops(x_shape, w_shape, stride, pad)
            for mode, index, mode_flops in (("forward", 0, flops), ("forward+backward", 1,
                                                                    3 * flops)):
                times = time_interleaved({k: p[index] for k, p in pairs.items()}, repeats)
                times.update(time_interleaved({k: p[index] for k, p in slow_pairs.items()},
                                              slow_repeats, warmup=1))
                report.add("conv", shape=shape_name, dtype=dtype_name, mode=mode,
                           flops=mode_flops, seconds=times,
                           x_shape=x_shape, w_shape=w_shape, stride=stride, pad=pad)
            check_conv_against_naive(report, shape_name, x, w, b, conv_param, dout)


def check_conv_against_naive(report, shape_name, x, w, b, conv_param, dout):
    """Correctness target: fast conv (out, dx, dw, db) vs the naive layer in float64."""
    from cs231n import fast_layers, layers

    if shape_name != NAIVE_SHAPE:
        return
    dtype_name = x.dtype.name
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    fast = (out, *fast_layers.conv_backward_fast(dout, cache))
    arrays64 = [a.astype(np.float64) for a in (x, w, b)]
    naive_out, naive_cache = layers.conv_forward_naive(*arrays64, conv_param)
    naive = (naive_out, *layers.conv_backward_naive(dout.astype(np.float64), naive_cache))
    error = max(scaled_error(f, n) for f, n in zip(fast, naive, strict=True))
    report.targets.append(Target(f"conv {shape_name} {dtype_name}: fast vs naive max rel error",
                                 error, MAX_ERROR[dtype_name], "max"))


def bench_pool(report, torch, shapes, repeats, rng):
    """Max-pool rows (fast vs PyTorch, forward and forward+backward) and correctness targets."""
    from cs231n import fast_layers, layers

    for dtype in DTYPES:
        dtype_name = np.dtype(dtype).name
        for pool_name, (x_shape, size, stride) in shapes.items():
            x = rng.standard_normal(x_shape).astype(dtype)
            pool_param = {"pool_height": size, "pool_width": size, "stride": stride}
            out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
            dout = rng.standard_normal(out.shape).astype(dtype)
            pairs = {"fast": _layer_pair(fast_layers.max_pool_forward_fast,
                                         fast_layers.max_pool_backward_fast, (x,),
                                         (pool_param,), dout)}
            if torch is not None:
                pairs["torch"] = _torch_pair(torch, torch.nn.functional.max_pool2d, (x,), dout,
                                             kernel_size=size, stride=stride)
            for mode, index in (("forward", 0), ("forward+backward", 1)):
                times = time_interleaved({k: p[index] for k, p in pairs.items()}, repeats)
                report.add("pool", shape=pool_name, dtype=dtype_name, mode=mode, seconds=times,
                           x_shape=x_shape)
            x64 = x.astype(np.float64)
            naive_out, naive_cache = layers.max_pool_forward_naive(x64, pool_param)
            naive_dx = layers.max_pool_backward_naive(dout.astype(np.float64), naive_cache)
            fast_dx = fast_layers.max_pool_backward_fast(dout, cache)
            error = max(scaled_error(out, naive_out), scaled_error(fast_dx, naive_dx))
            report.targets.append(Target(
                f"max pool {pool_name} {dtype_name}: fast vs naive max rel error", error,
                MAX_ERROR[dtype_name], "max"))


def _net_config(quick):
    if quick:
        return QUICK_NET
    return {"batch": NET_BATCH, "image": NET_IMAGE, "filters": NET_FILTERS, "hidden": NET_HIDDEN}


def _our_net_step(dtype, config, rng):
    """(step callable, model) for one SGD step of cs231n's ThreeLayerConvNet."""
    from cs231n.classifiers.cnn import ThreeLayerConvNet

    model = ThreeLayerConvNet(
        input_dim=config["image"], num_filters=config["filters"], filter_size=NET_FILTER_SIZE,
        hidden_dim=config["hidden"], num_classes=NET_CLASSES, weight_scale=NET_WEIGHT_SCALE,
        dtype=dtype, seed=0,
    )
    X = rng.standard_normal((config["batch"], *config["image"])).astype(dtype)
    y = rng.integers(0, NET_CLASSES, size=config["batch"])

    def step():
        _, grads = model.loss(X, y)
        for name, grad in grads.items():
            model.params[name] -= NET_LEARNING_RATE * grad

    return step, model, X, y


def _torch_net_step(torch, model, X, y):
    """One SGD step of the same network in PyTorch, initialised with the same weights."""
    params = model.params
    filters, channels, size, _ = params["W1"].shape
    dtype = getattr(torch, params["W1"].dtype.name)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(channels, filters, size, padding=(size - 1) // 2),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),  # (N, F, H/2, W/2) -> (N, F*H/2*W/2), the order of W2's rows
        torch.nn.Linear(*params["W2"].shape),
        torch.nn.ReLU(),
        torch.nn.Linear(*params["W3"].shape),
    ).to(dtype)
    with torch.no_grad():
        for layer, weight, bias, transpose in ((net[0], "W1", "b1", False),
                                               (net[4], "W2", "b2", True),
                                               (net[6], "W3", "b3", True)):
            layer.weight.copy_(torch.from_numpy(params[weight].T if transpose else
                                                params[weight]))
            layer.bias.copy_(torch.from_numpy(params[bias]))
    images, labels = torch.from_numpy(X), torch.from_numpy(y)
    loss_function = torch.nn.CrossEntropyLoss()
    parameters = list(net.parameters())

    def step():
        for parameter in parameters:
            parameter.grad = None
        loss_function(net(images), labels).backward()
        with torch.no_grad():
            for parameter in parameters:
                parameter -= NET_LEARNING_RATE * parameter.grad

    return step


def bench_net(report, torch, quick, repeats, rng):
    """ThreeLayerConvNet SGD step: images/s of ours and of the same network in PyTorch."""
    config = _net_config(quick)
    for dtype in DTYPES:
        dtype_name = np.dtype(dtype).name
        step, model, X, y = _our_net_step(dtype, config, rng)
        steps = {"fast": step}
        if torch is not None:
            steps["torch"] = _torch_net_step(torch, model, X, y)
        times = time_interleaved(steps, repeats)
        report.add("net", dtype=dtype_name, batch=config["batch"], seconds=times,
                   images_per_second={k: config["batch"] / t for k, t in times.items()})


# ----------------------------------------------------------------------------------------------
# Targets and printing
# ----------------------------------------------------------------------------------------------
def add_speed_targets(report, judged):
    """Targets on the measured rows (conv and pool ratios, images/s ratio, naive speed-up)."""
    for row in report.rows:
        seconds = row["seconds"]
        torch_time = seconds.get("torch")
        if row["section"] == "conv" and row["mode"] == "forward+backward":
            ratio = seconds["fast"] / torch_time if torch_time else None
            report.targets.append(Target(
                f"conv {row['shape']} {row['dtype']} fwd+bwd: fast / PyTorch time", ratio,
                CONV_MAX_RATIO[row["dtype"]], "max", judged))
            if "naive" in seconds:
                report.targets.append(Target(
                    f"conv {row['shape']} {row['dtype']} fwd+bwd: naive / fast time",
                    seconds["naive"] / seconds["fast"], NAIVE_MIN_SPEEDUP, "min", judged))
        elif row["section"] == "pool" and row["mode"] == "forward+backward":
            ratio = seconds["fast"] / torch_time if torch_time else None
            report.targets.append(Target(
                f"max pool {row['shape']} {row['dtype']} fwd+bwd: fast / PyTorch time", ratio,
                POOL_MAX_RATIO, "max", judged))
        elif row["section"] == "net":
            speed = row["images_per_second"]
            ratio = speed["fast"] / speed["torch"] if "torch" in speed else None
            report.targets.append(Target(
                f"ThreeLayerConvNet step {row['dtype']}: fast / PyTorch images/s", ratio,
                NET_MIN_SPEED_RATIO[row["dtype"]], "min", judged))


def _milliseconds(seconds):
    return "-" if seconds is None else f"{seconds * 1e3:9.3f}"


def _ratio(numerator, denominator):
    if numerator is None or denominator is None:
        return "-"
    return f"{numerator / denominator:7.2f}"


def format_conv(report):
    header = (f"{'shape':<5} {'dtype':<7} {'mode':<16} {'fast ms':>9} {'torch ms':>9} "
              f"{'numpy ms':>9} {'naive ms':>9} {'fast GF/s':>9} {'torch GF/s':>10} "
              f"{'fast/torch':>10} {'naive/fast':>10}")
    lines = ["Convolution (x; w; stride, pad): " + "; ".join(
        f"{name} {x}; {w}; {s}, {p}" for name, (x, w, s, p) in
        sorted({r["shape"]: (r["x_shape"], r["w_shape"], r["stride"], r["pad"])
                for r in report.rows if r["section"] == "conv"}.items())),
             header, "-" * len(header)]
    for row in (r for r in report.rows if r["section"] == "conv"):
        s = row["seconds"]
        gflops = {k: row["flops"] / t / 1e9 for k, t in s.items()}
        lines.append(
            f"{row['shape']:<5} {row['dtype']:<7} {row['mode']:<16} {_milliseconds(s['fast'])} "
            f"{_milliseconds(s.get('torch'))} {_milliseconds(s.get('numpy'))} "
            f"{_milliseconds(s.get('naive'))} {gflops['fast']:9.1f} "
            f"{gflops['torch'] if 'torch' in gflops else float('nan'):10.1f} "
            f"{_ratio(s['fast'], s.get('torch')):>10} {_ratio(s.get('naive'), s['fast']):>10}")
    return "\n".join(lines)


def format_pool(report):
    header = (f"{'pool':<7} {'dtype':<7} {'mode':<16} {'fast ms':>9} {'torch ms':>9} "
              f"{'fast/torch':>10}")
    lines = ["Max pooling: " + "; ".join(sorted({f"{r['shape']} on {r['x_shape']}"
                                                 for r in report.rows
                                                 if r["section"] == "pool"})),
             header, "-" * len(header)]
    for row in (r for r in report.rows if r["section"] == "pool"):
        s = row["seconds"]
        lines.append(f"{row['shape']:<7} {row['dtype']:<7} {row['mode']:<16} "
                     f"{_milliseconds(s['fast'])} {_milliseconds(s.get('torch'))} "
                     f"{_ratio(s['fast'], s.get('torch')):>10}")
    return "\n".join(lines)


def format_net(report):
    header = (f"{'dtype':<7} {'batch':>5} {'fast ms':>9} {'torch ms':>9} {'fast img/s':>10} "
              f"{'torch img/s':>11} {'fast/torch img/s':>16}")
    lines = ["ThreeLayerConvNet SGD step (conv 7x7x32 pad 3 - relu - pool 2x2 - affine 100 - "
             "relu - affine 10 - softmax)", header, "-" * len(header)]
    for row in (r for r in report.rows if r["section"] == "net"):
        s, speed = row["seconds"], row["images_per_second"]
        torch_speed = speed.get("torch")
        lines.append(
            f"{row['dtype']:<7} {row['batch']:>5} {_milliseconds(s['fast'])} "
            f"{_milliseconds(s.get('torch'))} {speed['fast']:10.0f} "
            f"{'-' if torch_speed is None else f'{torch_speed:11.0f}':>11} "
            f"{_ratio(speed['fast'], torch_speed):>16}")
    return "\n".join(lines)


def format_targets(report):
    header = f"{'target':<66} {'measured':>12} {'limit':>10}  verdict"
    lines = ["Targets", header, "-" * len(header)]
    for target in report.targets:
        value = "-" if target.value is None else f"{target.value:12.4g}"
        limit = ("<= " if target.kind == "max" else ">= ") + f"{target.limit:g}"
        lines.append(f"{target.name:<66} {value:>12} {limit:>10}  {target.verdict}")
    return "\n".join(lines)


FORCED_KERNEL_NOTE = (
    "note: OPENBLAS_CORETYPE={coretype} forces OpenBLAS (numpy's and the extension's GEMMs) onto\n"
    "      that CPU's kernels, while PyTorch picks the best ones for this CPU. To compare kernels\n"
    "      of the same generation, run this one command without the override:\n"
    "      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m cs231n.bench layers"
)
OPENBLAS_CORENAME_SYMBOLS = ("openblas_get_corename", "scipy_openblas_get_corename64_",
                             "scipy_openblas_get_corename")


def openblas_kernels():
    """{library file: the CPU kernel set it runs} for every OpenBLAS this process has loaded.

    OpenBLAS picks its kernels when it loads (``OPENBLAS_CORETYPE`` overrides the choice), so
    this is what numpy's matrix products and the extension's GEMMs actually run.
    """
    import ctypes

    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        return {}
    kernels = {}
    for path in paths:
        library = ctypes.CDLL(path)
        for symbol in OPENBLAS_CORENAME_SYMBOLS:
            corename = getattr(library, symbol, None)
            if corename is not None:
                corename.restype = ctypes.c_char_p
                kernels[os.path.basename(path)] = corename().decode()
                break
    return kernels


def machine_info(threads, torch, torch_missing):
    """What machine and libraries the numbers come from."""
    from cs231n import im2col_cython

    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_blas = f"{blas.get('name')} {blas.get('version')}"
        openblas_config = blas.get("openblas configuration", "")
    except Exception:  # noqa: BLE001 - older numpy: not worth failing the benchmark for
        numpy_blas, openblas_config = "unknown", ""
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "threads": threads,
        "numpy": np.__version__,
        "numpy_blas": numpy_blas,
        "openblas_config": openblas_config,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(not set)"),
        "openblas_kernels": openblas_kernels(),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(not set)"),
        "OPENBLAS_THREAD_TIMEOUT": os.environ.get("OPENBLAS_THREAD_TIMEOUT", "(not set)"),
        "openmp": im2col_cython.OPENMP_ENABLED,
        "openmp_threads": im2col_cython.openmp_threads(),
        "conv_blas_pinned": im2col_cython.BLAS_THREAD_PIN.available,
        "torch": torch.__version__ if torch is not None else f"skipped: {torch_missing}",
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def format_machine(machine):
    return "\n".join(f"{key:>18}: {value}" for key, value in machine.items())


def main(args):
    threads = _requested_threads(args)
    restarted = _limit_threads_or_restart(args, threads)
    if restarted is not None:
        return restarted
    torch, torch_missing = _import_torch(threads)
    repeats = 1 if args.quick else max(1, args.repeats)
    slow_repeats = 1 if args.quick else SLOW_REPEATS
    rng = np.random.default_rng(0)
    report = Report(machine_info(threads, torch, torch_missing))
    started = time.perf_counter()

    print("Layer benchmark (python -m cs231n.bench layers): medians of "
          f"{repeats} interleaved runs after {WARMUP_RUNS} warm-up runs"
          + (" [--quick: tiny shapes, times mean nothing]" if args.quick else ""))
    print(format_machine(report.machine))
    if "OPENBLAS_CORETYPE" in os.environ:
        print(FORCED_KERNEL_NOTE.format(coretype=os.environ["OPENBLAS_CORETYPE"]))
    if torch is None:
        print(f"PyTorch columns skipped: {torch_missing}")
    bench_conv(report, torch, QUICK_CONV_SHAPES if args.quick else CONV_SHAPES, repeats,
               slow_repeats, rng)
    print()
    print(format_conv(report))
    bench_pool(report, torch, QUICK_POOL_SHAPES if args.quick else POOL_SHAPES, repeats, rng)
    print()
    print(format_pool(report))
    bench_net(report, torch, args.quick, repeats, rng)
    print()
    print(format_net(report))
    add_speed_targets(report, judged=not args.quick)
    print()
    print(format_targets(report))
    judged = [t for t in report.targets if t.judged]
    passed = sum(t.passed for t in judged)
    print(f"\n{passed} of {len(judged)} judged targets pass "
          f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": report.machine, "rows": report.rows,
                       "targets": [dict(asdict(t), passed=t.passed) for t in report.targets]},
                      f, indent=2, default=str)
    return 0 if passed == len(judged) else 1
