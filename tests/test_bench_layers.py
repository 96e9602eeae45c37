"""`python -m cs231n.bench layers --quick` runs end to end and prints its tables (no timing
assertions: the numbers depend on the machine and its load)."""

import argparse
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("cs231n.fast_layers", reason="Cython extension not built (run `make build`)")
from cs231n.bench import layers as bench_layers  # noqa: E402 - after the skip guard on purpose

ONE_THREAD = {name: "1" for name in bench_layers.THREADS_ENV}
TIMEOUT = 300


def run_bench(tmp_path, prelude=""):
    """Run the quick benchmark in a subprocess with one thread (no restart needed)."""
    json_path = tmp_path / "layers.json"
    script = (
        f"{prelude}\nimport sys\nfrom cs231n.bench.__main__ import main\n"
        f"sys.exit(main(['layers', '--quick', '--threads', '1', '--json', {str(json_path)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, timeout=TIMEOUT, env=dict(os.environ, **ONE_THREAD))
    return result, json_path


def test_quick_benchmark_prints_every_table(tmp_path):
    result, json_path = run_bench(tmp_path)
    output = result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in ("Convolution", "Max pooling", "ThreeLayerConvNet SGD step", "Targets"):
        assert heading in output
    for column in ("fast ms", "numpy ms", "naive ms", "fast GF/s", "fast/torch", "naive/fast"):
        assert column in output
    assert "judged targets pass" in output
    report = json.loads(json_path.read_text())
    assert report["machine"]["threads"] == 1
    sections = {row["section"] for row in report["rows"]}
    assert sections == {"conv", "pool", "net"}
    conv_rows = [row for row in report["rows"] if row["section"] == "conv"]
    assert len(conv_rows) == 4 * 2 * 2  # shapes a-d, float32/float64, forward / fwd+bwd
    assert all({"fast", "numpy"} <= set(row["seconds"]) for row in conv_rows)
    assert any("naive" in row["seconds"] for row in conv_rows)
    correctness = [t for t in report["targets"] if "max rel error" in t["name"]]
    assert correctness and all(t["passed"] for t in correctness)


def test_quick_benchmark_without_torch_says_why(tmp_path):
    result, json_path = run_bench(tmp_path, prelude="import sys; sys.modules['torch'] = None")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PyTorch columns skipped: torch is not installed" in result.stdout
    report = json.loads(json_path.read_text())
    assert all("torch" not in row["seconds"] for row in report["rows"])


def test_restart_command_keeps_the_options():
    args = argparse.Namespace(repeats=5, quick=True, json="out.json", threads=None)
    command = bench_layers._command_line(args, threads=2)
    assert command[:3] == ["-m", "cs231n.bench", "layers"]
    assert command[command.index("--threads") + 1] == "2"
    assert command[command.index("--repeats") + 1] == "5"
    assert "--quick" in command and command[command.index("--json") + 1] == "out.json"


def test_time_interleaved_returns_a_median_per_function():
    calls = []
    times = bench_layers.time_interleaved(
        {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1
    )
    assert set(times) == {"a", "b"} and all(t >= 0 for t in times.values())
    assert calls.count("a") == calls.count("b") == 4
    assert calls[2:4] == ["a", "b"] and calls[4:6] == ["b", "a"]  # the order rotates
