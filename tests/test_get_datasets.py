"""Tests for datasets/get_datasets.sh: md5 check before unpacking, atomic install, idempotence,
and a helpful message when the download fails (no internet is needed: the download URL points
at a closed port on 127.0.0.1)."""

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
SCRIPT = REPO_DIR / "datasets" / "get_datasets.sh"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CLOSED_PORT_URL = "http://127.0.0.1:9/cifar-10-python.tar.gz"  # refused at once, no network
FOLDER = "cifar-10-batches-py"
FILE_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]
FAKE_BATCH_BYTES = 2048  # fake files are this big; the script is told 1024 is plausible
FAKE_MIN_BATCH_BYTES = 1024
FAKE_META_BYTES = 158
SCRIPT_TIMEOUT = 60  # seconds
SCRIPT_SETTINGS = ("CS231N_DATASETS", "CS231N_DOWNLOAD_TIMEOUT")  # + CS231N_CIFAR10_*

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def build_tarball(path, names=FILE_NAMES, seed=0):
    """A small tarball with the official layout; returns (path, md5, {name: bytes})."""
    contents = {}
    for index, name in enumerate(names):
        size = FAKE_META_BYTES if name == "batches.meta" else FAKE_BATCH_BYTES
        contents[name] = hashlib.sha256(f"{seed}-{index}".encode()).digest() * (size // 32 + 1)
        contents[name] = contents[name][:size]
    with tarfile.open(path, "w:gz") as tar:
        folder_info = tarfile.TarInfo(FOLDER)
        folder_info.type = tarfile.DIRTYPE
        folder_info.mode = 0o755
        tar.addfile(folder_info)
        for name, data in contents.items():
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path, hashlib.md5(path.read_bytes()).hexdigest(), contents


def base_env(**overrides):
    """The current environment without any of the script's settings, plus ``overrides``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("CS231N_CIFAR10_") or k in SCRIPT_SETTINGS)
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def run(*args, env=None):
    return subprocess.run(
        ["bash", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        env=env if env is not None else base_env(),
        timeout=SCRIPT_TIMEOUT,
    )


@pytest.fixture
def tarball(tmp_path):
    """(path, env accepting it) for a fake tarball with the official layout."""
    path, md5, contents = build_tarball(tmp_path / "fake-cifar-10-python.tar.gz")
    env = base_env(CS231N_CIFAR10_MD5=md5, CS231N_CIFAR10_MIN_BATCH_BYTES=FAKE_MIN_BATCH_BYTES)
    return path, env, contents


@pytest.fixture
def dest(tmp_path):
    folder = tmp_path / "dest"
    folder.mkdir()
    return folder


def assert_installed(dest, contents):
    assert sorted(os.listdir(dest)) == [FOLDER], "leftovers next to the installed folder"
    installed = dest / FOLDER
    assert sorted(os.listdir(installed)) == sorted(contents)
    for name, data in contents.items():
        assert (installed / name).read_bytes() == data


def test_help():
    result = run("--help")
    assert result.returncode == 0
    for word in ("--from", "--dest", "--check", "CS231N_DATASETS", OFFICIAL_MD5):
        assert word in result.stdout


def test_unknown_argument():
    result = run("--frmo", "x")
    assert result.returncode != 0 and "unknown argument '--frmo'" in result.stderr


def test_default_md5_is_the_official_one():
    assert f'OFFICIAL_MD5="{OFFICIAL_MD5}"' in SCRIPT.read_text()
    assert f'OFFICIAL_URL="{OFFICIAL_URL}"' in SCRIPT.read_text()


def test_wrong_checksum_is_refused_and_leaves_nothing(tarball, dest):
    path, _, _ = tarball
    result = run("--from", path, "--dest", dest)  # default env: the official md5 is expected
    assert result.returncode == 1
    assert "md5" in result.stderr and OFFICIAL_MD5 in result.stderr
    assert "nothing was unpacked" in result.stderr
    assert os.listdir(dest) == []


def test_wrong_checksum_does_not_create_the_destination(tarball, tmp_path):
    path, _, _ = tarball
    result = run("--from", path, "--dest", tmp_path / "new" / "deeper" / "dest")
    assert result.returncode == 1
    assert not (tmp_path / "new").exists()


def test_good_tarball_installs_atomically(tarball, dest):
    path, env, contents = tarball
    result = run("--from", path, "--dest", dest, env=env)
    assert result.returncode == 0, result.stderr
    assert "installed" in result.stdout
    assert_installed(dest, contents)
    assert path.exists(), "a --from tarball belongs to the user and is kept"


def test_rerun_is_a_no_op(tarball, dest):
    path, env, contents = tarball
    assert run("--from", path, "--dest", dest, env=env).returncode == 0
    inode = (dest / FOLDER / "data_batch_1").stat().st_ino
    again = run("--dest", dest, env=env)  # no --from, no network needed
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert (dest / FOLDER / "data_batch_1").stat().st_ino == inode
    assert_installed(dest, contents)


def test_check_mode(tarball, dest):
    path, env, _ = tarball
    missing = run("--check", "--dest", dest, env=env)
    assert missing.returncode == 1 and "NOT installed" in missing.stdout
    assert os.listdir(dest) == []
    assert run("--from", path, "--dest", dest, env=env).returncode == 0
    assert run("--check", "--dest", dest, env=env).returncode == 0


def test_too_small_files_are_not_a_valid_copy(tarball, dest):
    path, env, _ = tarball
    assert run("--from", path, "--dest", dest, env=env).returncode == 0
    # With the real size threshold (>= 10000 x 3072 bytes per batch) the fake files are too small.
    strict_env = dict(env)
    del strict_env["CS231N_CIFAR10_MIN_BATCH_BYTES"]
    result = run("--check", "--dest", dest, env=strict_env)
    assert result.returncode == 1 and "too small" in result.stdout


def test_incomplete_copy_is_replaced(tarball, dest):
    path, env, contents = tarball
    partial = dest / FOLDER
    partial.mkdir()
    (partial / "data_batch_1").write_bytes(b"half-written")
    result = run("--from", path, "--dest", dest, env=env)
    assert result.returncode == 0, result.stderr
    assert "incomplete" in result.stdout
    assert_installed(dest, contents)


def test_tarball_without_all_files_is_refused(tmp_path, dest):
    path, md5, _ = build_tarball(tmp_path / "short.tar.gz", names=FILE_NAMES[:-2])
    env = base_env(CS231N_CIFAR10_MD5=md5, CS231N_CIFAR10_MIN_BATCH_BYTES=FAKE_MIN_BATCH_BYTES)
    result = run("--from", path, "--dest", dest, env=env)
    assert result.returncode == 1 and "test_batch is missing" in result.stderr
    assert os.listdir(dest) == []


def test_missing_from_file(dest):
    result = run("--from", dest / "nope.tar.gz", "--dest", dest)
    assert result.returncode == 1 and "no such file" in result.stderr
    assert os.listdir(dest) == []


def test_dest_defaults_to_env_var(tarball, tmp_path):
    path, env, contents = tarball
    env["CS231N_DATASETS"] = str(tmp_path / "from_env")
    result = run("--from", path, env=env)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path / "from_env", contents)


def test_local_tarball_in_dest_is_used(tarball, dest):
    path, env, contents = tarball
    shutil.copy(path, dest / "cifar-10-python.tar.gz")
    result = run("--dest", dest, env=env)
    assert result.returncode == 0, result.stderr
    assert "using the local tarball" in result.stdout
    assert sorted(os.listdir(dest)) == sorted([FOLDER, "cifar-10-python.tar.gz"])


def test_failed_download_says_what_to_do(dest):
    start = time.monotonic()
    result = run("--dest", dest, env=base_env(CS231N_CIFAR10_URL=CLOSED_PORT_URL))
    assert time.monotonic() - start < SCRIPT_TIMEOUT / 2
    assert result.returncode == 1
    for hint in ("could not download", OFFICIAL_URL, OFFICIAL_MD5, "--from", str(dest)):
        assert hint in result.stderr
    assert os.listdir(dest) == []


def _path_without(tmp_path, hidden):
    """A PATH holding links to every program on PATH except ``hidden``, plus python3."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            link = bin_dir / name
            if name not in hidden and not link.exists():
                link.symlink_to(Path(directory) / name)
    if "python3" not in hidden:
        (bin_dir / "python3").unlink(missing_ok=True)
        (bin_dir / "python3").symlink_to(sys.executable)
    return str(bin_dir)


def test_md5_falls_back_to_python(tarball, dest, tmp_path):
    path, env, contents = tarball
    env["PATH"] = _path_without(tmp_path, hidden={"md5sum", "md5"})
    result = run("--from", path, "--dest", dest, env=env)
    assert result.returncode == 0, result.stderr
    assert_installed(dest, contents)


@pytest.mark.skipif(shutil.which("wget") is None, reason="needs wget")
def test_download_falls_back_to_wget(dest, tmp_path):
    env = base_env(CS231N_CIFAR10_URL=CLOSED_PORT_URL, PATH=_path_without(tmp_path, {"curl"}))
    result = run("--dest", dest, env=env)
    assert result.returncode == 1 and "wget exit status" in result.stderr
    assert os.listdir(dest) == []


def test_interrupted_run_leaves_nothing_behind(dest, tmp_path):
    # --from a FIFO blocks the md5 check while the temporary folder exists; then interrupt.
    fifo = tmp_path / "slow.tar.gz"
    os.mkfifo(fifo)
    process = subprocess.Popen(
        ["bash", str(SCRIPT), "--from", str(fifo), "--dest", str(dest)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=base_env(),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SCRIPT_TIMEOUT / 2
        while not os.listdir(dest) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.listdir(dest)[0].startswith(".tmp-cifar10."), "no temporary folder appeared"
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=SCRIPT_TIMEOUT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    assert os.listdir(dest) == []
