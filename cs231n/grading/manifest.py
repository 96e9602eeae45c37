"""Assignment manifests: ``assignments/<name>/assignment.toml``.

A manifest says what an assignment is made of and how it is graded::

    name = "assignment1"
    title = "..."
    expected = "grading/expected.npz"      # the grader's expected values (relative to the folder)
    memory_mb = 4096                       # address-space limit of the graded process

    [handout]
    tests = ["tests/test_knn.py"]          # self-check tests shipped to students (repo paths)
    test_support = ["tests/conftest.py"]   # helpers those tests import
    extra_files = []                       # files next to the notebooks that the handout needs

    [[problems]]
    name = "knn"
    title = "k-Nearest Neighbor classifier"
    points = 20
    notebooks = ["knn.ipynb"]
    functions = ["cs231n/classifiers/k_nearest_neighbor.py:KNearestNeighbor.predict_labels"]
    grading = "auto"                       # "auto": `checks` run by cs231n.grade; "manual"
    checks = ["knn_two_loops"]             # names in cs231n.grading.checks.CHECKS
    time_limit = 60                        # seconds of wall-clock time for the whole problem
    manual = "..."                         # what a human grades (notebook answers, results)

``functions`` lists the package functions (``path:Qualified.name``) whose solution regions the
problem covers; ``tests/test_grade.py`` checks that every solution region of the package
belongs to exactly one problem of one assignment.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    try:
        import tomli as tomllib
    except ImportError as error:
        raise ImportError(
            "cs231n.grading needs Python >= 3.11 (tomllib) or `pip install tomli`"
        ) from error

MANIFEST_NAME = "assignment.toml"
ASSIGNMENTS_DIR = "assignments"
GRADING_KINDS = ("auto", "manual")
DEFAULT_TIME_LIMIT = 60  # seconds per problem
DEFAULT_MEMORY_MB = 4096  # RLIMIT_AS of the graded process
DEFAULT_EXPECTED = "grading/expected.npz"


class ManifestError(ValueError):
    """A manifest is missing or malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Problem:
    """One graded problem of an assignment (see the module docstring for the fields)."""

    name: str
    title: str
    points: float
    notebooks: tuple
    functions: tuple
    checks: tuple
    grading: str
    time_limit: float
    manual: str

    @property
    def is_auto(self):
        return self.grading == "auto"


@dataclass(frozen=True)
class Manifest:
    """A parsed ``assignment.toml``; ``directory`` is the assignment folder."""

    name: str
    title: str
    path: Path
    directory: Path
    expected_path: Path
    memory_mb: int
    problems: tuple
    tests: tuple
    test_support: tuple
    extra_files: tuple

    @property
    def notebooks(self):
        """Every notebook of every problem, in manifest order, without repeats."""
        seen = []
        for problem in self.problems:
            seen.extend(nb for nb in problem.notebooks if nb not in seen)
        return tuple(seen)

    @property
    def auto_points(self):
        return sum(p.points for p in self.problems if p.is_auto)

    @property
    def total_points(self):
        return sum(p.points for p in self.problems)

    def problem(self, name):
        for problem in self.problems:
            if problem.name == name:
                return problem
        names = ", ".join(p.name for p in self.problems)
        raise ManifestError(f"{self.path}: no problem named {name!r}; the problems are {names}")


def manifest_path(course_root, assignment):
    """Path of the manifest of ``assignment`` under ``course_root``."""
    return Path(course_root) / ASSIGNMENTS_DIR / assignment / MANIFEST_NAME


def available_assignments(course_root):
    """Names of the assignments under ``course_root`` that have a manifest, sorted."""
    folder = Path(course_root) / ASSIGNMENTS_DIR
    return sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST_NAME}"))


def _get(table, key, kind, where, default=None, required=False):
    """Read ``table[key]`` and check its type; ``where`` names the table in errors."""
    if key not in table:
        if required:
            raise ManifestError(f"{where}: missing key {key!r}")
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ManifestError(f"{where}: {key!r} must be a list of strings, got {value!r}")
        return tuple(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ManifestError(f"{where}: {key!r} must be a {kind.__name__}, got {value!r}")
    return value


def _parse_problem(table, where, known_checks):
    name = _get(table, "name", str, where, required=True)
    where = f"{where} (problem {name!r})"
    points = _get(table, "points", float, where, required=True)
    if not points > 0:
        raise ManifestError(f"{where}: points must be > 0, got {points}")
    grading = _get(table, "grading", str, where, default="auto")
    if grading not in GRADING_KINDS:
        raise ManifestError(f"{where}: grading must be one of {GRADING_KINDS}, got {grading!r}")
    checks = _get(table, "checks", tuple, where, default=())
    if grading == "auto" and not checks:
        raise ManifestError(f"{where}: an automatically graded problem needs `checks`")
    if grading == "manual" and checks:
        raise ManifestError(f"{where}: a manual problem has no `checks` (grading = 'manual')")
    unknown = [c for c in checks if known_checks is not None and c not in known_checks]
    if unknown:
        raise ManifestError(
            f"{where}: unknown checks {unknown}; define them in cs231n/grading/checks.py"
        )
    if len(set(checks)) != len(checks):
        raise ManifestError(f"{where}: a check is listed twice in {list(checks)}")
    time_limit = _get(table, "time_limit", float, where, default=float(DEFAULT_TIME_LIMIT))
    if not time_limit > 0:
        raise ManifestError(f"{where}: time_limit must be > 0 seconds, got {time_limit}")
    functions = _get(table, "functions", tuple, where, default=())
    for ref in functions:
        if ref.count(":") != 1:
            raise ManifestError(f"{where}: function {ref!r} must look like 'path.py:Qual.name'")
    return Problem(
        name=name,
        title=_get(table, "title", str, where, default=name),
        points=points,
        notebooks=_get(table, "notebooks", tuple, where, default=()),
        functions=functions,
        checks=checks,
        grading=grading,
        time_limit=time_limit,
        manual=_get(table, "manual", str, where, default=""),
    )


def load_manifest(course_root, assignment, known_checks=None):
    """Read and validate the manifest of ``assignment`` under ``course_root``.

    Inputs:
    - course_root: folder holding ``assignments/`` (the repository root)
    - assignment: e.g. "assignment1"
    - known_checks: optional collection of valid check names (validated when given)

    Returns a Manifest. Raises ManifestError naming the file and key of any problem.
    """
    path = manifest_path(course_root, assignment)
    if not path.is_file():
        found = ", ".join(available_assignments(course_root)) or "none"
        raise ManifestError(f"{path}: no manifest for {assignment!r} (assignments found: {found})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{path}: not valid TOML: {error}") from None
    where = str(path)
    name = _get(data, "name", str, where, required=True)
    if name != assignment:
        raise ManifestError(f"{where}: name = {name!r} but the folder is {assignment!r}")
    problems_data = data.get("problems")
    if not isinstance(problems_data, list) or not problems_data:
        raise ManifestError(f"{where}: needs at least one [[problems]] table")
    problems = tuple(_parse_problem(p, where, known_checks) for p in problems_data)
    names = [p.name for p in problems]
    if len(set(names)) != len(names):
        raise ManifestError(f"{where}: problem names must be unique, got {names}")
    handout = data.get("handout", {})
    if not isinstance(handout, dict):
        raise ManifestError(f"{where}: [handout] must be a table")
    memory_mb = _get(data, "memory_mb", int, where, default=DEFAULT_MEMORY_MB)
    return Manifest(
        name=name,
        title=_get(data, "title", str, where, default=name),
        path=path,
        directory=path.parent,
        expected_path=path.parent / _get(data, "expected", str, where, default=DEFAULT_EXPECTED),
        memory_mb=memory_mb,
        problems=problems,
        tests=_get(handout, "tests", tuple, f"{where} [handout]", default=()),
        test_support=_get(handout, "test_support", tuple, f"{where} [handout]", default=()),
        extra_files=_get(handout, "extra_files", tuple, f"{where} [handout]", default=()),
    )
