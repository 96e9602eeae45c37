"""Run one problem's checks on a submission in a separate, sandboxed process.

For every problem the grader
1. makes a fresh temporary folder and copies into it only the ``*.py`` files of the
   submission's ``cs231n`` package (no symlinks, no binaries - so no compiled extension either:
   ``layer_utils`` falls back to the naive conv/pool layers -, size-capped), the child program
   (``runner.py``, ``checks.py``) and the check INPUTS - never the expected values;
2. starts ``python -I -S runner.py`` there in a new session, with a scrubbed environment
   (``HOME``/``TMPDIR`` inside the folder, one BLAS thread), stdin closed, stdout/stderr
   captured as a log, and the write end of a pipe as the result channel (see runner.py);
3. waits at most the problem's time limit, then kills the whole process group;
4. parses the channel's frames (outputs only) and removes the folder.

:class:`FileGuard` snapshots the grader's files (expected values, manifest, grader code) before
grading and checks them after every problem: a change is undone and reported as tampering.
"""

import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cs231n.grading import runner

GRADING_DIR = Path(__file__).resolve().parent
CHILD_FILES = ("runner.py", "checks.py")  # copied into <sandbox>/_grader/
PACKAGE = "cs231n"
MAX_FILE_BYTES = 2 << 20  # a submitted .py file larger than this is skipped
MAX_PACKAGE_BYTES = 32 << 20
MAX_CHANNEL_BYTES = 256 << 20
MAX_LOG_BYTES = 64 << 10  # the tail of stdout/stderr that is kept
FILE_SIZE_LIMIT = 64 << 20  # RLIMIT_FSIZE of the child
OPEN_FILES_LIMIT = 256
CPU_MARGIN_SECONDS = 2  # RLIMIT_CPU = time limit + margin (the wall clock usually hits first)
READER_JOIN_SECONDS = 5
# /proc is left out on purpose (other processes' environments are readable there); the child
# adds its own /proc/<pid>.
SYSTEM_READ_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/sys", "/dev")
DEVICE_WRITE_PATHS = ("/dev/null",)
CHILD_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
}


@dataclass
class ProblemRun:
    """What came back from one sandboxed run.

    - outputs: check name -> dict of arrays; errors: check name -> message
    - status: "finished", "timeout", "exited early", "killed by <signal>", "crashed (exit N)"
    - notes: what the grader noticed (skipped files, channel trouble, replaced numpy functions)
    """

    outputs: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    status: str = "finished"
    returncode: int | None = None
    seconds: float = 0.0
    landlock: str = "not reported"
    notes: list = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""


def split_inputs(inputs):
    """Split a check's inputs into (arrays, JSON values)."""
    import numpy as np

    arrays = {k: v for k, v in inputs.items() if isinstance(v, np.ndarray)}
    return arrays, {k: v for k, v in inputs.items() if k not in arrays}


def copy_submission_package(source, dest):
    """Copy the ``*.py`` files of the package folder ``source`` to ``dest``; return notes.

    Symlinks are skipped (they could point at the reference), as are caches, binaries and
    files over MAX_FILE_BYTES; copying stops at MAX_PACKAGE_BYTES.
    """
    notes, total = [], 0
    for folder, dirs, files in os.walk(source, followlinks=False):
        here = Path(folder)
        for name in list(dirs):
            if name == "__pycache__" or (here / name).is_symlink():
                if (here / name).is_symlink():
                    notes.append(f"skipped symlink {(here / name).relative_to(source)}")
                dirs.remove(name)
        for name in sorted(files):
            path = here / name
            rel = path.relative_to(source)
            if path.is_symlink():
                notes.append(f"skipped symlink {rel}")
                continue
            if path.suffix != ".py":
                continue
            size = path.stat().st_size
            if size > MAX_FILE_BYTES or total + size > MAX_PACKAGE_BYTES:
                notes.append(f"skipped {rel} ({size} bytes: over the size limit)")
                continue
            total += size
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
    return notes


def site_dirs():
    """The site-packages folders of the grader's interpreter (added without .pth processing)."""
    return [d for d in site.getsitepackages() if Path(d).is_dir()]


def read_paths():
    """Folders the sandboxed process may read: the Python installation and system folders."""
    candidates = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, *site_dirs(),
                  *SYSTEM_READ_PATHS]
    paths = []
    for path in candidates:
        resolved = str(Path(path).resolve())
        if Path(resolved).exists() and resolved not in paths:
            paths.append(resolved)
    return paths


def exposed_files(files):
    """The ``files`` that lie under a folder the sandbox may read (Landlock cannot hide them)."""
    readable = [Path(p) for p in read_paths()]
    return [f for f in files if any(r == f or r in Path(f).resolve().parents for r in readable)]


def _drain(stream, limit, keep_tail, sink):
    """Read ``stream`` to EOF, keeping at most ``limit`` bytes (the head or the tail)."""
    data = bytearray()
    overflow = False
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        data.extend(chunk)
        if len(data) > limit:
            overflow = True
            if keep_tail:
                del data[: len(data) - limit]
            else:
                del data[limit:]
                break  # stop reading: a writer that floods the channel blocks and times out
    sink.append((bytes(data), overflow))


def _start_reader(stream, limit, keep_tail):
    sink = []
    thread = threading.Thread(target=_drain, args=(stream, limit, keep_tail, sink), daemon=True)
    thread.start()
    return thread, sink


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _status(returncode, timed_out, finished):
    if timed_out:
        return "timeout"
    if finished:
        return "finished"
    if returncode == 0:
        return "exited early"
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name
        if name == "SIGXCPU":
            return "killed by SIGXCPU (CPU time limit)"
        return f"killed by {name}"
    return f"crashed (exit status {returncode})"


def _write_request(sandbox, checks, inputs, time_limit, memory_mb, landlock):
    import json

    import numpy as np

    (sandbox / runner.INPUTS_DIR).mkdir()
    json_inputs = {}
    for name in checks:
        arrays, values = split_inputs(inputs[name])
        if arrays:
            np.savez(sandbox / runner.INPUTS_DIR / f"{name}.npz", **arrays)
        json_inputs[name] = values
    request = {
        "checks": list(checks),
        "json_inputs": json_inputs,
        "site_dirs": site_dirs(),
        "landlock": landlock,
        "read_paths": read_paths(),
        "write_paths": [str(sandbox), *DEVICE_WRITE_PATHS],
        "limits": {
            "cpu_seconds": int(time_limit) + CPU_MARGIN_SECONDS,
            "memory_bytes": int(memory_mb) << 20,
            "file_bytes": FILE_SIZE_LIMIT,
            "open_files": OPEN_FILES_LIMIT,
        },
    }
    (sandbox / runner.REQUEST_FILE).write_text(json.dumps(request))


def _prepare_sandbox(sandbox, package_dir, checks, inputs, time_limit, memory_mb, landlock):
    grader = sandbox / runner.GRADER_DIR
    grader.mkdir()
    for name in CHILD_FILES:
        shutil.copyfile(GRADING_DIR / name, grader / name)
    for name in ("home", "tmp"):
        (sandbox / name).mkdir()
    dest = sandbox / runner.SUBMISSION_DIR / PACKAGE
    dest.mkdir(parents=True)
    notes = copy_submission_package(package_dir, dest)
    _write_request(sandbox, checks, inputs, time_limit, memory_mb, landlock)
    env = dict(CHILD_ENV, HOME=str(sandbox / "home"), TMPDIR=str(sandbox / "tmp"),
               MPLCONFIGDIR=str(sandbox / "tmp"))
    return notes, env


def _collect(run, frames, requested):
    """Fill ``run`` from the channel's frames; returns True when the 'done' frame arrived."""
    finished = False
    for header, arrays in frames:
        kind, name = header.get("kind"), header.get("check")
        if kind == "hello":
            run.landlock = str(header.get("landlock"))
        elif kind == "done":
            finished = True
            replaced = [str(r) for r in header.get("replaced", [])]
            if replaced:
                run.notes.append(
                    f"the submission replaced {', '.join(replaced)} (no effect: outputs are "
                    "compared in the grader's own process)"
                )
        elif kind in ("result", "error") and name in requested:
            if name in run.outputs or name in run.errors:
                run.notes.append(f"a second report for check {name} was ignored")
            elif kind == "result":
                run.outputs[name] = arrays
            else:
                run.errors[name] = str(header.get("error", "error"))
        else:
            run.notes.append(f"ignored an unexpected frame {str(header)[:80]}")
    return finished


def run_problem(package_dir, checks, inputs, time_limit, memory_mb, landlock=True):
    """Run ``checks`` on the submission package folder ``package_dir`` in a sandboxed process.

    Inputs:
    - package_dir: the submission's ``cs231n`` folder
    - checks: names of the checks to run, in order
    - inputs: check name -> inputs dict (from checks.build_inputs)
    - time_limit: wall-clock seconds for the whole run
    - memory_mb: address-space limit of the process
    - landlock: restrict the file system with Landlock where the kernel has it

    Returns a ProblemRun.
    """
    sandbox = Path(tempfile.mkdtemp(prefix="cs231n-grade-"))
    run = ProblemRun()
    try:
        run.notes, env = _prepare_sandbox(sandbox, Path(package_dir), checks, inputs,
                                          time_limit, memory_mb, landlock)
        read_fd, write_fd = os.pipe()
        command = [sys.executable, "-I", "-S", str(sandbox / runner.GRADER_DIR / "runner.py"),
                   str(sandbox), str(write_fd)]
        start = time.monotonic()
        try:
            process = subprocess.Popen(
                command, cwd=sandbox / runner.SUBMISSION_DIR, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(write_fd,),
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        with os.fdopen(read_fd, "rb", buffering=0) as channel:
            readers = [_start_reader(channel, MAX_CHANNEL_BYTES, keep_tail=False),
                       _start_reader(process.stdout, MAX_LOG_BYTES, keep_tail=True),
                       _start_reader(process.stderr, MAX_LOG_BYTES, keep_tail=True)]
            timed_out = False
            try:
                process.wait(timeout=time_limit)
            except subprocess.TimeoutExpired:
                timed_out = True
            _kill_group(process.pid)  # also stray children the submission started
            process.wait()
            for thread, _ in readers:
                thread.join(READER_JOIN_SECONDS)
        run.seconds = time.monotonic() - start
        run.returncode = process.returncode
        (channel_data, overflow), (stdout, _), (stderr, _) = (
            sink[0] if sink else (b"", False) for _, sink in readers
        )
        run.stdout = stdout.decode("utf-8", "replace")
        run.stderr = stderr.decode("utf-8", "replace")
        frames, channel_error = runner.decode_frames(channel_data)
        if overflow:
            run.notes.append(f"the result channel exceeded {MAX_CHANNEL_BYTES} bytes; the rest "
                             "was ignored")
        elif channel_error:
            run.notes.append(f"result channel: {channel_error}; later frames were ignored")
        finished = _collect(run, frames, set(checks))
        run.status = _status(process.returncode, timed_out, finished)
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    return run


class FileGuard:
    """Snapshot files (and the listings of their folders) and detect/undo changes to them."""

    def __init__(self, files):
        self.files = {Path(f).resolve(): Path(f).read_bytes() for f in files}
        self.listings = {d: self._listing(d) for d in {f.parent for f in self.files}}

    @staticmethod
    def _listing(folder):
        return set(os.listdir(folder)) if folder.is_dir() else set()

    def check_and_restore(self):
        """Return messages for every change since the snapshot; changed files are restored."""
        messages = []
        for path, content in self.files.items():
            try:
                current = path.read_bytes()
            except OSError:
                current = None
            if current != content:
                tmp = path.with_name(f".{path.name}.restore")
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(content)
                os.replace(tmp, path)
                what = "deleted" if current is None else "modified"
                messages.append(f"the submission {what} the grader's file {path}; restored")
        for folder, before in self.listings.items():
            new = sorted(self._listing(folder) - before)
            if new:
                messages.append(f"the submission created {', '.join(new)} in {folder}")
        return messages
