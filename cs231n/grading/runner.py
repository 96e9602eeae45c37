"""The grader's child process: runs one problem's checks on a submission, inside a sandbox.

Started by :mod:`cs231n.grading.sandbox` as::

    python -I -S runner.py SANDBOX_DIR RESULT_FD

from a fresh temporary folder holding a copy of the submission's package (``submission/``),
this file and ``checks.py`` (``_grader/``), the check inputs (``inputs/``) and
``request.json``. ``-I -S``: no environment variables, no user site, no ``.pth`` files, so
neither the grader's checkout nor anything but the standard library and the site-packages
listed in the request is importable.

Before any submission code runs, the runner
1. lowers its resource limits (CPU seconds, address space, file size, open files, no core);
2. on Linux with Landlock (5.13+), restricts the file system for itself and every child:
   read-only access to the Python installation and system folders (but of /proc only its own
   entry: other processes' environments stay unreadable), read-write access to the sandbox
   folder only (so the grader's files, the reference and the expected values can be neither
   read nor written), no TCP, and no signals to processes outside the sandbox;
3. reports OUTPUTS (never verdicts) on the result channel, the inherited file descriptor
   RESULT_FD, as length-prefixed frames: magic, header length, payload length, a JSON header
   and an ``.npz`` payload (read back with ``allow_pickle=False``: no pickle, no code).

The grader compares the outputs with the expected values in its own process. Anything the
submission prints goes to stdout/stderr, which the grader keeps only as a log.

This module uses only the standard library at import time (numpy is imported after the
sandbox is set up) and never imports the grader's ``cs231n``.
"""

import ctypes
import importlib.util
import io
import json
import os
import random
import struct
import sys
import time
import traceback
from pathlib import Path

# ----------------------------------------------------------------------------- result channel
MAGIC = b"CS231NGR"
FRAME_HEAD = struct.Struct(">8sIQ")  # magic, header length, payload length
MAX_HEADER_BYTES = 1 << 20
REQUEST_FILE = "request.json"
SUBMISSION_DIR = "submission"
GRADER_DIR = "_grader"
INPUTS_DIR = "inputs"
CHECK_SEED = 0  # numpy's and random's global state before every check
WATCHED_NUMPY = ("allclose", "isclose", "array_equal", "array_equiv")  # reported when replaced
WATCHED_TESTING = ("assert_allclose", "assert_array_equal", "assert_array_almost_equal")


class ChannelError(ValueError):
    """The result channel holds bytes that are not well-formed frames."""


def encode_frame(header, arrays=None):
    """One frame: FRAME_HEAD, the JSON ``header``, and ``arrays`` (dict) as .npz bytes."""
    payload = b""
    if arrays:
        import numpy as np

        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
    head = json.dumps(header).encode("utf-8")
    return FRAME_HEAD.pack(MAGIC, len(head), len(payload)) + head + payload


def decode_frames(data):
    """Parse the result channel's bytes.

    Returns (frames, error): frames is a list of (header dict, dict of arrays) read before the
    first malformed byte; error is None or a message saying what was wrong.
    """
    import numpy as np

    frames, position = [], 0
    while position < len(data):
        if len(data) - position < FRAME_HEAD.size:
            return frames, f"truncated frame at byte {position}"
        magic, head_len, payload_len = FRAME_HEAD.unpack_from(data, position)
        start = position + FRAME_HEAD.size
        if magic != MAGIC or head_len > MAX_HEADER_BYTES:
            return frames, f"bytes that are not a result frame at byte {position}"
        if start + head_len + payload_len > len(data):
            return frames, f"truncated frame at byte {position}"
        try:
            header = json.loads(data[start : start + head_len].decode("utf-8"))
            if not isinstance(header, dict):
                raise ValueError("the header is not a JSON object")
            arrays = {}
            if payload_len:
                payload = io.BytesIO(data[start + head_len : start + head_len + payload_len])
                with np.load(payload, allow_pickle=False) as archive:
                    arrays = {name: archive[name] for name in archive.files}
        except Exception as error:  # noqa: BLE001 - any malformed frame ends the parse
            return frames, f"malformed frame at byte {position}: {error}"
        frames.append((header, arrays))
        position = start + head_len + payload_len
    return frames, None


# ----------------------------------------------------------------------------- resource limits
def apply_limits(limits):
    """Lower this process's resource limits; returns a list of what was set (or why not).

    ``limits``: dict with cpu_seconds, memory_bytes, file_bytes, open_files.
    """
    try:
        import resource
    except ImportError:
        return ["resource limits unavailable on this platform"]
    wanted = {
        "RLIMIT_CPU": limits["cpu_seconds"],
        "RLIMIT_AS": limits["memory_bytes"],
        "RLIMIT_FSIZE": limits["file_bytes"],
        "RLIMIT_NOFILE": limits["open_files"],
        "RLIMIT_CORE": 0,
    }
    applied = []
    for name, value in wanted.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(which, (value, value if name != "RLIMIT_CPU" else value + 1))
            applied.append(f"{name}={value}")
        except (ValueError, OSError) as error:
            applied.append(f"{name} not set ({error})")
    return applied


# ----------------------------------------------------------------------------- Landlock
SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture Linux added it to
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_ABI1_ALL = (1 << 13) - 1  # execute ... make_sym: every right of Landlock ABI 1
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1
READ_ONLY = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock_abi(libc):
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return abi if abi > 0 else 0


def _handled_rights(abi):
    fs = FS_ABI1_ALL
    if abi >= 2:
        fs |= FS_REFER
    if abi >= 3:
        fs |= FS_TRUNCATE
    if abi >= 5:
        fs |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr_size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    return fs, net, scoped, attr_size


def restrict_filesystem(read_paths, write_paths):
    """Landlock this process (and its children): read ``read_paths``, read/write ``write_paths``.

    Returns a one-line status: "landlock ABI n" when the restriction is in force, otherwise
    "unavailable: <reason>" (the grader then relies on its file-integrity guard alone).
    """
    if not sys.platform.startswith("linux"):
        return "unavailable: not Linux"
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = _landlock_abi(libc)
    if abi == 0:
        return f"unavailable: {os.strerror(ctypes.get_errno()) or 'no Landlock in this kernel'}"
    fs, net, scoped, attr_size = _handled_rights(abi)
    attr = _RulesetAttr(fs, net, scoped)
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr),
                           ctypes.c_size_t(attr_size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"unavailable: landlock_create_ruleset: {os.strerror(ctypes.get_errno())}"
    try:
        for paths, rights in ((read_paths, READ_ONLY), (write_paths, fs)):
            for path in paths:
                try:
                    _add_path_rule(libc, ruleset, path, rights & fs)
                except OSError as error:
                    return f"unavailable: {error}"
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return f"unavailable: prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}"
        if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            return f"unavailable: landlock_restrict_self: {os.strerror(ctypes.get_errno())}"
    finally:
        os.close(ruleset)
    return f"landlock ABI {abi}"


def _add_path_rule(libc, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a folder that does not exist here needs no rule
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        if libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path})")
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- running checks
def describe_error(error, submission):
    """'<Type> in <function> (<file>:<line>): <first line of the message>'.

    The location is the innermost traceback frame inside the submission, if any.
    """
    lines = str(error).strip().splitlines()
    kind = type(error).__name__
    if isinstance(error, SystemExit):
        kind = f"the submission called sys.exit({error.code!r})"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename.startswith(str(submission))]
    if frames:
        last = frames[-1]
        kind += f" in {last.name} ({os.path.relpath(last.filename, submission)}:{last.lineno})"
    return f"{kind}: {lines[0]}" if lines and not isinstance(error, SystemExit) else kind


def _to_arrays(outputs):
    import numpy as np

    if not isinstance(outputs, dict):
        raise TypeError(f"the check returned {type(outputs).__name__}, not a dict of outputs")
    arrays = {}
    for name, value in outputs.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"output {name!r} is not numeric: {type(value).__name__}") from None
        arrays[name] = array
    return arrays


def _load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load_inputs(sandbox, name, json_inputs):
    import numpy as np

    inputs = dict(json_inputs)
    path = sandbox / INPUTS_DIR / f"{name}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as archive:
            inputs.update({key: archive[key] for key in archive.files})
    return inputs


def _watched(np):
    found = {f"numpy.{n}": getattr(np, n, None) for n in WATCHED_NUMPY}
    found.update({f"numpy.testing.{n}": getattr(np.testing, n, None) for n in WATCHED_TESTING})
    return found


def _import_submission(submission):
    """Import the submission's cs231n; raise ImportError if it resolved anywhere else."""
    import cs231n

    location = Path(getattr(cs231n, "__file__", None) or "").resolve()
    if submission.resolve() not in location.parents:
        raise ImportError(f"cs231n was imported from {location}, not from the submission "
                          "(is cs231n/__init__.py missing?)")


class Channel:
    """The write end of the result channel (a raw file descriptor; every byte is written)."""

    def __init__(self, fd):
        self.fd = fd

    def write(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]


def run_checks(sandbox, channel):
    """Run the requested checks and write one frame per check, then a 'done' frame."""
    request = json.loads((sandbox / REQUEST_FILE).read_text())
    notes = apply_limits(request["limits"])
    sys.path[:] = [p for p in sys.path if p] + request["site_dirs"]
    if request["landlock"]:
        own_proc = [f"/proc/{os.getpid()}"]  # /proc/self, but not the other processes
        landlock = restrict_filesystem(request["read_paths"] + own_proc, request["write_paths"])
    else:
        landlock = "off (disabled by the grader)"
    channel.write(encode_frame({"kind": "hello", "landlock": landlock, "limits": notes}))

    import numpy as np

    checks = _load_module(sandbox / GRADER_DIR / "checks.py", "_cs231n_grader_checks")
    submission = sandbox / SUBMISSION_DIR
    sys.path.insert(0, str(submission))
    originals = _watched(np)
    try:
        _import_submission(submission)
        import_error = None
    except BaseException as error:  # noqa: BLE001 - whatever the submission raises is reported
        import_error = "importing the submission's cs231n failed: " + describe_error(
            error, submission)
    for name in request["checks"]:
        np.random.seed(CHECK_SEED)  # noqa: NPY002 - submissions may draw from the global state
        random.seed(CHECK_SEED)
        start = time.perf_counter()
        if import_error:
            header, arrays = {"kind": "error", "check": name, "error": import_error}, None
        else:
            try:
                inputs = _load_inputs(sandbox, name, request["json_inputs"].get(name, {}))
                arrays = _to_arrays(checks.CHECKS[name].run(**inputs))
                header = {"kind": "result", "check": name}
            except BaseException as error:  # noqa: BLE001 - reported, then the next check runs
                header = {"kind": "error", "check": name,
                          "error": describe_error(error, submission)}
                arrays = None
        header["seconds"] = round(time.perf_counter() - start, 4)
        channel.write(encode_frame(header, arrays))
    replaced = [name for name, value in _watched(np).items() if value is not originals[name]]
    channel.write(encode_frame({"kind": "done", "replaced": replaced}))


def main(argv):
    sandbox, fd = Path(argv[1]), int(argv[2])
    run_checks(sandbox, Channel(fd))
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
