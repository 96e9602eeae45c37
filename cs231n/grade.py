"""Grade a submission: ``python -m cs231n.grade SUBMISSION [--json report.json]``.

SUBMISSION is a handout folder (or a ``.zip`` of one, as ``make submit`` writes) holding the
student's ``cs231n/`` package. The assignment comes from ``--assignment`` or the handout's
``handout.json``. For every automatically graded problem of the manifest
(``assignments/<assignment>/assignment.toml``) the grader

- builds the problem's check inputs in its own process (seeded, see grading/checks.py);
- runs the submission's code on them in a SEPARATE, sandboxed process (grading/sandbox.py and
  grading/runner.py: a temporary copy of the package, time limit per problem, resource limits,
  scrubbed environment, Landlock file-system isolation where the kernel has it), which sends
  back only OUTPUTS over a dedicated pipe;
- compares the outputs with the expected values, stored as data in
  ``assignments/<assignment>/grading/expected.npz`` and loaded before any submission code runs;
- after the run, checks that the grader's own files are unchanged (restoring them and giving
  the problem zero if not).

It prints one row per problem (points, score, checks passed, the first failing check's
message) and the total. Problems graded by hand (written answers in the notebooks) are listed
as such. Printing, exiting early, patching numpy or looping forever in the submission can only
lose points: missing outputs score zero and the grader says what happened.

The expected values come from the reference package of this repository::

    python -m cs231n.grade --make-expected assignment1

(run it after changing a check or the reference; it refuses to store values that fail the
grader's own property checks).
"""

import argparse
import hashlib
import json
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from cs231n.grading import sandbox
from cs231n.grading.checks import CHECKS, build_inputs
from cs231n.grading.manifest import (
    ManifestError,
    available_assignments,
    load_manifest,
)

META_KEY = "__meta__"
HANDOUT_RECORD = "handout.json"
MESSAGE_WIDTH = 100  # the table shortens first-failure messages to this many characters
TABLE_WIDTH = 100  # width of the table's rules
MAX_ZIP_BYTES = 256 << 20  # uncompressed size limit of a submitted zip
SCORE_DIGITS = 2


class GradingError(RuntimeError):
    """The grader cannot grade (bad submission path, stale expected values, ...)."""


def default_course_root():
    """The repository holding this package (assignments/, the reference cs231n/)."""
    return Path(__file__).resolve().parent.parent


def grader_files(manifest):
    """Files the submission must not change: expected values, manifest, the grader's code."""
    here = Path(__file__).resolve().parent
    files = [manifest.expected_path, manifest.path, here / "grade.py", here / "release.py"]
    files += sorted((here / "grading").glob("*.py"))
    return [f for f in files if f.is_file()]


# ---------------------------------------------------------------------------------------------
# Expected values
# ---------------------------------------------------------------------------------------------
def input_digest(inputs):
    """SHA-256 of a check's inputs (arrays by dtype, shape and bytes; other values as JSON)."""
    arrays, values = sandbox.split_inputs(inputs)
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def read_expected(path):
    """Read expected.npz; returns (raw bytes, {check: {output: array}}, metadata dict)."""
    if not path.is_file():
        raise GradingError(
            f"{path}: no expected values; make them with "
            f"`python -m cs231n.grade --make-expected {path.parent.parent.name}`"
        )
    raw = path.read_bytes()
    import io

    expected = {}
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        meta = json.loads(str(archive[META_KEY])) if META_KEY in archive.files else {}
        for key in archive.files:
            if key != META_KEY:
                check, output = key.split("/", 1)
                expected.setdefault(check, {})[output] = archive[key]
    return raw, expected, meta


def check_expected_current(manifest, expected, meta, inputs, names):
    """Raise GradingError unless every check in ``names`` has expected values for its inputs."""
    digests = meta.get("input_digests", {})
    stale = [n for n in names if digests.get(n) != input_digest(inputs[n])
             or (CHECKS[n].needs_expected and n not in expected)]
    if stale:
        raise GradingError(
            f"{manifest.expected_path}: the expected values of {', '.join(stale)} are missing or "
            f"were made from other inputs; run `python -m cs231n.grade --make-expected "
            f"{manifest.name}`"
        )


# ---------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------
@dataclass
class CheckResult:
    name: str
    description: str
    passed: bool
    message: str = ""


@dataclass
class ProblemResult:
    name: str
    title: str
    points: float
    grading: str
    score: float = 0.0
    status: str = ""
    seconds: float = 0.0
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    manual: str = ""  # what a human grades in this problem's notebooks
    stdout: str = ""
    stderr: str = ""

    @property
    def first_failure(self):
        for result in self.checks:
            if not result.passed:
                return f"{result.name}: {result.message}"
        return ""

    @property
    def passed_checks(self):
        return sum(r.passed for r in self.checks)


@dataclass
class Report:
    assignment: str
    submission: str
    landlock: str
    problems: list

    @property
    def score(self):
        return round(sum(p.score for p in self.problems if p.grading == "auto"), SCORE_DIGITS)

    @property
    def auto_points(self):
        return sum(p.points for p in self.problems if p.grading == "auto")

    @property
    def manual_points(self):
        return sum(p.points for p in self.problems if p.grading == "manual")

    def to_json(self):
        problems = []
        for p in self.problems:
            entry = asdict(p)
            entry["first_failure"] = p.first_failure
            problems.append(entry)
        return {
            "assignment": self.assignment,
            "submission": self.submission,
            "sandbox": {"landlock": self.landlock},
            "score": self.score,
            "auto_points": self.auto_points,
            "manual_points": self.manual_points,
            "problems": problems,
        }


MISSING_REASONS = {
    "timeout": "not reported: the time limit was hit before this check finished",
    "exited early": "not reported: the process exited (status 0) before this check",
}


def _missing_reason(status):
    return MISSING_REASONS.get(status, f"not reported: the process {status}")


def _status_note(status, time_limit, stderr):
    if status == "timeout":
        return f"time limit of {time_limit:g} s exceeded: the process was killed (endless loop?)"
    if status == "exited early":
        return ("the process exited with status 0 before reporting every check (sys.exit / "
                "os._exit in the submission?); unreported checks score zero")
    if status != "finished":
        last = stderr.strip().splitlines()[-1:] or ["no error output"]
        return f"the process {status}: {last[0][:200]}"
    return ""


def score_problem(problem, run, expected, inputs, time_limit):
    """Turn a sandboxed run into a ProblemResult (points in proportion to checks passed)."""
    result = ProblemResult(problem.name, problem.title, problem.points, problem.grading,
                           status=run.status, seconds=round(run.seconds, 2),
                           manual=problem.manual, stdout=run.stdout, stderr=run.stderr)
    for name in problem.checks:
        check = CHECKS[name]
        if name in run.outputs:
            message = check.compare(check, run.outputs[name], expected.get(name, {}),
                                    inputs[name])
        else:
            message = run.errors.get(name) or _missing_reason(run.status)
        result.checks.append(CheckResult(name, check.description, message is None, message or ""))
    note = _status_note(run.status, time_limit, run.stderr)
    result.notes = ([note] if note else []) + list(run.notes)
    if run.stdout.strip():
        lines = len(run.stdout.strip().splitlines())
        result.notes.append(f"the submission printed {lines} line(s) to stdout (ignored: only "
                            "the result channel counts; see --json)")
    result.score = round(problem.points * result.passed_checks / len(problem.checks),
                         SCORE_DIGITS)
    return result


def _safe_extract(archive_path, dest):
    """Extract a zip without absolute paths, '..', symlinks or more than MAX_ZIP_BYTES."""
    with zipfile.ZipFile(archive_path) as archive:
        total = 0
        for info in archive.infolist():
            name = Path(info.filename)
            is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
            if name.is_absolute() or ".." in name.parts or is_link or info.is_dir():
                continue
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise GradingError(f"{archive_path}: more than {MAX_ZIP_BYTES} bytes unpacked")
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source:
                target.write_bytes(source.read())


def find_package(submission, workdir):
    """The submission's cs231n folder: SUBMISSION/cs231n, SUBMISSION itself, or inside a zip."""
    submission = Path(submission)
    if submission.is_file() and zipfile.is_zipfile(submission):
        _safe_extract(submission, workdir)
        candidates = [workdir, *[p for p in workdir.iterdir() if p.is_dir()]]
    else:
        candidates = [submission]
    for folder in candidates:
        if (folder / "cs231n" / "__init__.py").is_file():
            return folder, folder / "cs231n"
        if folder.name == "cs231n" and (folder / "__init__.py").is_file():
            return folder.parent, folder
    raise GradingError(f"{submission}: no cs231n/ package (with __init__.py) found")


def _assignment_of(root, requested, course_root):
    known = available_assignments(course_root)
    if requested:
        return requested
    record = root / HANDOUT_RECORD
    if record.is_file():
        try:
            name = json.loads(record.read_text()).get("assignment")
        except (json.JSONDecodeError, AttributeError):
            name = None
        if name in known:
            return name
    raise GradingError(f"{root}: say which assignment to grade with --assignment "
                       f"(one of {', '.join(known)})")


def grade_submission(submission, assignment=None, course_root=None, problems=None,
                     time_limit=None, landlock=True):
    """Grade ``submission``; returns a Report (see the module docstring).

    Inputs:
    - submission: handout folder, its cs231n/ folder, or a zip of the handout
    - assignment: e.g. "assignment1"; default: the handout's handout.json
    - course_root: repository holding assignments/ (default: this checkout)
    - problems: optional list of problem names to grade (default: all)
    - time_limit: optional seconds per problem overriding the manifest
    - landlock: use Landlock file-system isolation where available
    """
    course_root = Path(course_root or default_course_root())
    with tempfile.TemporaryDirectory(prefix="cs231n-submission-") as workdir:
        root, package = find_package(submission, Path(workdir))
        name = _assignment_of(root, assignment, course_root)
        manifest = load_manifest(course_root, name, known_checks=CHECKS)
        selected = [manifest.problem(p) for p in problems] if problems else manifest.problems
        guard = sandbox.FileGuard(grader_files(manifest))  # before any submission code runs
        _, expected, meta = read_expected(manifest.expected_path)
        names = [c for p in selected for c in p.checks]
        inputs = {c: build_inputs(c) for c in names}
        check_expected_current(manifest, expected, meta, inputs, names)
        results, landlock_status = [], "not used"
        for problem in selected:
            if not problem.is_auto:
                results.append(ProblemResult(problem.name, problem.title, problem.points,
                                             problem.grading, status="manual",
                                             notes=[problem.manual], manual=problem.manual))
                continue
            limit = time_limit or problem.time_limit
            run = sandbox.run_problem(package, problem.checks, inputs, limit,
                                      manifest.memory_mb, landlock=landlock)
            landlock_status = run.landlock
            result = score_problem(problem, run, expected, inputs, limit)
            tampering = guard.check_and_restore()
            if tampering:
                result.score = 0.0
                result.notes = [f"TAMPERING: {m}; this problem scores 0"
                                for m in tampering] + result.notes
            results.append(result)
    exposed = sandbox.exposed_files(guard.files) if landlock else []
    if exposed:
        landlock_status += f" (warning: {len(exposed)} grader file(s) lie in readable folders)"
    return Report(name, str(submission), landlock_status, results)


# ---------------------------------------------------------------------------------------------
# Expected values from the reference
# ---------------------------------------------------------------------------------------------
def make_expected(assignment, course_root=None):
    """Run every check on the reference package and store its outputs as expected values.

    The reference runs in the same sandbox as submissions. Raises GradingError when a check
    fails on the reference (a property check that the reference does not pass, an exception).
    Writes ``expected.npz`` and a sidecar README.md; returns the path of the .npz.
    """
    import io

    from cs231n.release import source_version

    course_root = Path(course_root or default_course_root())
    manifest = load_manifest(course_root, assignment, known_checks=CHECKS)
    guard = sandbox.FileGuard([f for f in grader_files(manifest)
                               if f != manifest.expected_path])
    arrays, digests = {}, {}
    for problem in manifest.problems:
        if not problem.is_auto:
            continue
        inputs = {c: build_inputs(c) for c in problem.checks}
        run = sandbox.run_problem(course_root / "cs231n", problem.checks, inputs,
                                  problem.time_limit, manifest.memory_mb)
        for name in problem.checks:
            if name not in run.outputs:
                why = run.errors.get(name) or _missing_reason(run.status)
                raise GradingError(f"the reference fails check {name}: {why}\n{run.stderr}")
            check = CHECKS[name]
            message = check.compare(check, run.outputs[name], run.outputs[name], inputs[name])
            if message:
                raise GradingError(f"the reference fails check {name}: {message}")
            digests[name] = input_digest(inputs[name])
            if check.needs_expected:
                arrays.update({f"{name}/{k}": v for k, v in run.outputs[name].items()})
    if guard.check_and_restore():
        raise GradingError("the reference changed the grader's files while it ran")
    version = source_version(course_root)
    meta = {
        "generated_by": f"python -m cs231n.grade --make-expected {assignment}",
        "source": f"cs231n/ of cs231n-suite ({version})",
        "numpy": np.__version__,
        "input_digests": digests,
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{META_KEY: np.array(json.dumps(meta, sort_keys=True))},
                        **arrays)
    path = manifest.expected_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    (path.parent / "README.md").write_text(
        f"<!-- Generated by `python -m cs231n.grade --make-expected {assignment}` -->\n\n"
        f"# Expected values of {assignment}\n\n"
        f"`{path.name}` holds the outputs of the reference package (cs231n-suite {version}) "
        f"for the {len(digests)} checks of `cs231n/grading/checks.py` that the manifest "
        f"`{manifest.path.name}` lists, one array per `<check>/<output>`, and in `{META_KEY}` "
        "a JSON record of how it was made (with a SHA-256 of every check's inputs, so that the "
        "grader refuses stale values). Do not edit it: regenerate it with\n\n"
        f"```bash\npython -m cs231n.grade --make-expected {assignment}\n```\n"
    )
    return path


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
def _shorten(text, width=MESSAGE_WIDTH):
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(report):
    """The grading table: one row per problem, the total, then the notes."""
    head = f"{'problem':<24} {'points':>6} {'score':>7} {'checks':>7}  first failing check"
    rule = "-" * TABLE_WIDTH
    lines = [f"cs231n.grade: {report.assignment} - {report.submission}",
             f"sandbox: one process per problem; file system: {report.landlock}", "", head, rule]
    for p in report.problems:
        if p.grading == "manual":
            lines.append(f"{p.name:<24} {p.points:>6g} {'manual':>7} {'-':>7}  graded by hand")
            continue
        checks = f"{p.passed_checks}/{len(p.checks)}"
        lines.append(f"{p.name:<24} {p.points:>6g} {p.score:>7.2f} {checks:>7}  "
                     f"{_shorten(p.first_failure)}")
    lines.append(rule)
    manual = (f"; {report.manual_points:g} more points are graded by hand"
              if report.manual_points else "")
    lines.append(f"{'total':<24} {report.auto_points + report.manual_points:>6g} "
                 f"{report.score:>7.2f}  out of {report.auto_points:g} graded automatically"
                 f"{manual}")
    notes = [(p.name, n) for p in report.problems for n in p.notes if n]
    if notes:
        lines += ["", "notes:"] + [f"  {name}: {_shorten(note, 160)}" for name, note in notes]
    return "\n".join(line.rstrip() for line in lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.grade",
        description="Grade a submission in a sandbox against the stored expected values.",
    )
    parser.add_argument("submission", nargs="?", type=Path,
                        help="handout folder (or its zip) holding the student's cs231n/")
    parser.add_argument("--assignment", help="assignment1 or assignment2 (default: handout.json)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--problem", action="append", metavar="NAME",
                        help="grade only this problem (repeatable)")
    parser.add_argument("--time-limit", type=float, metavar="SECONDS",
                        help="time limit per problem (default: the manifest's)")
    parser.add_argument("--course-root", type=Path, default=None,
                        help="repository holding assignments/ (default: this checkout)")
    parser.add_argument("--no-landlock", action="store_true",
                        help="do not restrict the file system (debugging; the guard still runs)")
    parser.add_argument("--make-expected", metavar="ASSIGNMENT",
                        help="store the reference's outputs as the expected values and exit")
    args = parser.parse_args(argv)
    try:
        if args.make_expected:
            path = make_expected(args.make_expected, args.course_root)
            print(f"wrote {path}")
            return 0
        if args.submission is None:
            parser.error("a SUBMISSION folder (or --make-expected ASSIGNMENT) is required")
        report = grade_submission(args.submission, args.assignment, args.course_root,
                                  args.problem, args.time_limit, not args.no_landlock)
    except (GradingError, ManifestError) as error:
        print(f"cs231n.grade: {error}", file=sys.stderr)
        return 2
    print(format_table(report))
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
