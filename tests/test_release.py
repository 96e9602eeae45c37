"""Student handouts: region stripping, notebooks, the handout folder, and the real assignments.

The fast tests build a tiny course (package, manifest, notebook) in tmp_path; the last ones
release the real assignment1/assignment2 from this repository, check that the handout's
self-check tests import, build the Cython extension the way `pip install -e .` does, and run the
assignment notebooks (those that exist) up to their first stub.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

import cs231n
from cs231n import release
from cs231n.grading.manifest import load_manifest
from cs231n.release import (
    ANSWER_STUB,
    BEGIN_MARKER,
    END_MARKER,
    RegionError,
    ReleaseError,
    build_handout,
    build_nbgrader_source,
    find_regions,
    function_regions,
    strip_notebook,
    strip_solutions,
)

REPO = Path(cs231n.__file__).resolve().parent.parent
ASSIGNMENTS = ("assignment1", "assignment2")
NOTEBOOK_CELL_TIMEOUT = 300  # seconds per cell when running handout notebooks
B, E = BEGIN_MARKER, END_MARKER  # written via constants: this file holds no marker lines

MODULE = f'''"""A fixture module."""

import numpy as np


def double(x):
    """Return 2 x."""
    out = None
    # TODO: Compute out = 2 * x,
    # elementwise.
    {B}
    out = 2 * np.asarray(x)
    {E}
    return out


class Net:
    """A fixture class."""

    def loss(self, x):
        if x is None:
            # TODO: Return zero when x is None. This task text is deliberately long so that the
            # stub's message has to be wrapped over several lines to stay within the line length.
            {B}
            return 0
            {E}
        return x
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
    return path


def fixture_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    setup = nbformat.v4.new_code_cell("import numpy as np\nfrom cs231n.layers import double")
    setup.outputs = [nbformat.v4.new_output("stream", text="set up\n")]
    setup.execution_count = 1
    given = nbformat.v4.new_code_cell("print(int(np.sum(np.ones(3))))")
    student = nbformat.v4.new_code_cell(
        f"# TODO: Double the array.\n{B}\nresult = double([1, 2])\n{E}\nprint(result)"
    )
    student.outputs = [nbformat.v4.new_output("stream", text="[2 4]\n")]
    student.execution_count = 3
    after = nbformat.v4.new_code_cell("print('after the stub')")
    answer = nbformat.v4.new_markdown_cell(f"**Your answer:**\n\n{B}\nBecause it doubles.\n{E}")
    tuned = nbformat.v4.new_code_cell(
        f"# TODO: Train.\n{B}\nfrom cs231n.bench import recipe\n{E}\n"
        "from cs231n import bench, layers"
    )
    nb.cells = [nbformat.v4.new_markdown_cell("# Fixture notebook"), setup, given, student,
                after, answer, tuned]
    return nb


MANIFEST = '''
name = "assignmentX"
title = "Fixture assignment"

[handout]
tests = ["tests/test_double.py"]
test_support = ["tests/conftest.py"]

[[problems]]
name = "double"
points = 20
notebooks = ["double.ipynb"]
functions = ["cs231n/layers.py:double"]
checks = ["affine_forward"]

[[problems]]
name = "essay"
points = 5
notebooks = ["double.ipynb"]
grading = "manual"
'''


@pytest.fixture
def course(tmp_path):
    """A tiny course: package with two regions, manifest, notebook, tests, build files."""
    root = tmp_path / "course"
    write(root / "cs231n/__init__.py", '"""Fixture package."""\n')
    write(root / "cs231n/layers.py", MODULE)
    write(root / "cs231n/grade.py", "# instructor only\n")
    write(root / "cs231n/grading/__init__.py", "")
    write(root / "cs231n/bench/__init__.py", "")
    write(root / "cs231n/im2col_cython.pyx", "# cython: language_level=3\ndef f():\n    pass\n")
    (root / "cs231n/data").mkdir()
    (root / "cs231n/data/weights.npz").write_bytes(b"\x93NUMPY fake binary")
    (root / "cs231n/__pycache__").mkdir()
    (root / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"stale")
    write(root / "tests/conftest.py", '"""Fixture conftest."""\n')
    write(root / "tests/test_double.py",
          "from cs231n.layers import double\n\n\ndef test_double():\n"
          "    assert list(double([1])) == [2]\n")
    write(root / "tests/test_other.py", "def test_other():\n    pass\n")
    write(root / "datasets/get_datasets.sh", "#!/usr/bin/env bash\necho data\n")
    write(root / "datasets/README.md", "# datasets\n")
    write(root / "pyproject.toml", '[project]\nname = "fixture"\n')
    write(root / "setup.py", "from setuptools import setup\n\nsetup()\n")
    write(root / "requirements.txt", "numpy\n")
    write(root / "assignments/assignmentX/assignment.toml", MANIFEST)
    nbformat.write(fixture_notebook(), str(root / "assignments/assignmentX/double.ipynb"))
    return root


def run_function(text, call):
    """Execute module text and return the result of evaluating ``call`` in its namespace."""
    namespace = {}
    exec(compile(text, "<stubbed>", "exec"), namespace)
    return eval(call, namespace)


# ---------------------------------------------------------------------------------------------
# Region stripping
# ---------------------------------------------------------------------------------------------
def test_code_region_becomes_a_stub_at_its_indentation_carrying_the_todo():
    text, count = strip_solutions(MODULE, "layers.py", require_task=True)
    assert count == 2
    assert B not in text and E not in text and "2 * np.asarray" not in text
    assert "    # TODO: Compute out = 2 * x,\n    # elementwise.\n    # YOUR CODE HERE\n" in text
    assert '    raise NotImplementedError("Compute out = 2 * x, elementwise.")\n' in text
    with pytest.raises(NotImplementedError, match=r"^Compute out = 2 \* x, elementwise\.$"):
        run_function(text, "double(1)")


def test_a_long_task_is_wrapped_within_the_line_length_and_kept_whole():
    text, _ = strip_solutions(MODULE, "layers.py", require_task=True)
    assert all(len(line) <= release.STUB_LINE_LENGTH for line in text.splitlines())
    assert "            raise NotImplementedError(\n" in text  # the region's indentation
    with pytest.raises(NotImplementedError) as info:
        run_function(text, "Net().loss(None)")
    assert str(info.value) == (
        "Return zero when x is None. This task text is deliberately long so that the stub's "
        "message has to be wrapped over several lines to stay within the line length."
    )
    assert run_function(text, "Net().loss(3)") == 3  # code outside the region is untouched


def test_answer_regions_become_your_answer_here():
    text, count = strip_solutions(f"**Your answer:**\n\n{B}\nSecret.\n{E}\n", "nb", stub="answer")
    assert count == 1
    assert text == f"**Your answer:**\n\n{ANSWER_STUB}\n"


def test_text_without_regions_is_returned_unchanged():
    assert strip_solutions("x = 1\n", "m.py") == ("x = 1\n", 0)


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        ([f"    {B}", "    x = 1"], 1, "has no matching"),
        (["x = 1", f"{E}"], 2, "without a matching"),
        ([f"{B}", "x = 1", f"{B}", f"{E}"], 3, "cannot nest"),
        ([f"    {B}", "    x = 1", f"{E}"], 3, "indented differently"),
        ([f"    {B}", "x = 1", f"    {E}"], 2, "less indented"),
        (["## BEGIN SOLUTION", "x = 1"], 1, "looks like a solution marker"),
        (["x = 1", "#### end solution"], 2, "looks like a solution marker"),
    ],
)
def test_malformed_markers_are_errors_naming_file_and_line(lines, line, message):
    with pytest.raises(RegionError, match=rf"^pkg/mod\.py:{line}: .*{message}"):
        strip_solutions("\n".join(lines) + "\n", "pkg/mod.py")


def test_package_regions_need_a_todo_block_but_notebook_cells_fall_back():
    text = f"def f():\n    {B}\n    return 1\n    {E}\n"
    with pytest.raises(RegionError, match=r"^mod\.py:2: no '# TODO:' comment block"):
        strip_solutions(text, "mod.py", require_task=True)
    stubbed, _ = strip_solutions(text, "nb cell 3")
    with pytest.raises(NotImplementedError, match="instructions are above"):
        run_function(stubbed, "f()")


def test_regions_map_to_their_functions():
    found = [(name, region.begin + 1) for name, region in function_regions(MODULE, "layers.py")]
    assert found == [("double", 11), ("Net.loss", 24)]
    assert [r.task for r in find_regions(MODULE)][0] == "Compute out = 2 * x, elementwise."


def test_strip_notebook_stubs_code_and_answers_and_clears_outputs():
    nb, count = strip_notebook(fixture_notebook(), "double.ipynb")
    assert count == 3
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "raise NotImplementedError(\"Double the array.\")" in code[2].source
    assert nb.cells[-2].source.endswith(ANSWER_STUB)
    assert "Because it doubles" not in nbformat.writes(nb)
    assert fixture_notebook().cells[3].outputs  # the input notebook is not modified


def test_a_bad_marker_in_a_notebook_names_the_cell_and_line():
    nb = fixture_notebook()
    nb.cells[3].source = f"x = 1\n{B}\ny = 2"
    with pytest.raises(RegionError, match=r"^double\.ipynb cell 4:2: .*has no matching"):
        strip_notebook(nb, "double.ipynb")


# ---------------------------------------------------------------------------------------------
# The handout folder
# ---------------------------------------------------------------------------------------------
def test_handout_of_the_fixture_course(course, tmp_path):
    out = tmp_path / "handout"
    record = build_handout("assignmentX", out, course)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"cs231n/__init__.py", "cs231n/layers.py", "cs231n/im2col_cython.pyx",
            "cs231n/data/weights.npz", "cs231n/data/GENERATED.md", "double.ipynb",
            "tests/test_double.py", "tests/conftest.py", "datasets/get_datasets.sh",
            "datasets/README.md", "pyproject.toml", "setup.py", "requirements.txt",
            "README.md", "Makefile", ".gitignore", "handout.json"} == files
    # instructor tools, caches and unlisted tests stay out
    assert record["stubbed_regions"] == {"package": 2, "notebooks": 3}
    assert record["warnings"] == [  # only the import left outside the region
        "assignments/assignmentX/double.ipynb cell 7: imports cs231n.bench, which the handout "
        "leaves out (instructor-only)"
    ]
    assert set(record["files"]) == files - {"handout.json"}
    for rel, info in record["files"].items():
        assert len(info["sha256"]) == 64 and info["source"], rel
    # every text file says it is generated, and from what
    for rel in files - {"cs231n/data/weights.npz", "double.ipynb", "handout.json"}:
        assert "Generated by `python -m cs231n.release assignmentX`" in (out / rel).read_text()
    assert (out / "datasets/get_datasets.sh").read_text().startswith("#!/usr/bin/env bash\n# Gen")
    assert "from cs231n/layers.py" in (out / "cs231n/layers.py").read_text().splitlines()[0]
    layers = (out / "cs231n/layers.py").read_text()
    assert "2 * np.asarray" not in layers and B not in layers
    nb = nbformat.read(str(out / "double.ipynb"), as_version=4)
    assert "Generated by" in nb.cells[0].source and nb.metadata["cs231n_release"]["source"] == (
        "assignments/assignmentX/double.ipynb")
    assert all(not c.get("outputs") for c in nb.cells)
    readme = (out / "README.md").read_text()
    for section in ("## Set-up", "## Checking your own work", "## Submitting", "| double | 20"):
        assert section in readme
    assert "submit:" in (out / "Makefile").read_text()
    assert json.loads((out / "handout.json").read_text())["assignment"] == "assignmentX"
    assert not list(tmp_path.glob(".handout.partial-*"))


def test_handout_notebook_runs_up_to_its_first_stub(course, tmp_path):
    out = tmp_path / "handout"
    build_handout("assignmentX", out, course)
    results = run_until_first_error(out, ["double.ipynb"])
    assert results["double.ipynb"] == "NotImplementedError: Double the array."


def test_output_folder_rules(course, tmp_path):
    other = tmp_path / "precious"
    write(other / "thesis.tex", "do not delete")
    with pytest.raises(ReleaseError, match="not empty"):
        build_handout("assignmentX", other, course)
    with pytest.raises(ReleaseError, match="not a handout"):
        build_handout("assignmentX", other, course, force=True)
    assert (other / "thesis.tex").exists()
    out = tmp_path / "handout"
    build_handout("assignmentX", out, course)
    with pytest.raises(ReleaseError, match="--force"):
        build_handout("assignmentX", out, course)
    build_handout("assignmentX", out, course, force=True)  # replaces a previous handout


def test_missing_notebooks_are_an_error_unless_allowed(course, tmp_path):
    (course / "assignments/assignmentX/double.ipynb").unlink()
    with pytest.raises(ReleaseError, match="notebooks not found.*double.ipynb"):
        build_handout("assignmentX", tmp_path / "a", course)
    record = build_handout("assignmentX", tmp_path / "b", course, allow_missing_notebooks=True)
    assert record["missing_notebooks"] == ["assignments/assignmentX/double.ipynb"]


def test_cli_reports_a_bad_marker_with_file_and_line(course, tmp_path, capsys):
    layers = course / "cs231n/layers.py"
    layers.write_text(layers.read_text().replace(f"    {E}\n    return out", "    return out", 1))
    assert release.main(["assignmentX", str(tmp_path / "out"), "--source", str(course)]) == 2
    error = capsys.readouterr().err
    assert "cs231n/layers.py:23: ### BEGIN SOLUTION inside the region opened at line 11" in error
    assert not (tmp_path / "out").exists()


def test_nbgrader_source_marks_solution_and_answer_cells(course, tmp_path):
    assert build_nbgrader_source("assignmentX", tmp_path / "nbg", course) == ["double.ipynb"]
    nb = nbformat.read(str(tmp_path / "nbg/source/assignmentX/double.ipynb"), as_version=4)
    marked = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    assert [(m["solution"], m["grade"]) for m in marked] == [(True, False), (True, True),
                                                             (True, False)]
    assert len({m["grade_id"] for m in marked}) == 3 and marked[1]["points"] > 0
    assert "Because it doubles" in nb.cells[-2].source  # nbgrader strips it itself


# ---------------------------------------------------------------------------------------------
# The real assignments
# ---------------------------------------------------------------------------------------------
BUILD_COMMAND = [sys.executable, "-c", "from setuptools import build_meta as b; "
                 "b.build_editable('dist')"]  # what `pip install -e .` runs, without installing


@pytest.fixture(scope="module")
def real_handouts(tmp_path_factory):
    """Both handouts of this repository (notebooks that do not exist yet are left out).

    The Cython build of the assignment-2 handout starts right away in the background (the
    tests of assignment 1 run meanwhile); ``wait_for_build`` waits for it.
    """
    base = tmp_path_factory.mktemp("handouts")
    handouts = {a: (base / a, build_handout(a, base / a, REPO, allow_missing_notebooks=True))
                for a in ASSIGNMENTS}
    build = subprocess.Popen(BUILD_COMMAND, cwd=base / "assignment2", stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    yield {**handouts, "build": build}
    if build.poll() is None:
        build.kill()
        build.wait()


def wait_for_build(handouts):
    """Wait for the assignment-2 handout's build; check that it made the extension in place."""
    build = handouts["build"]
    output, _ = build.communicate(timeout=900)
    assert build.returncode == 0, (output or "")[-3000:]
    package = handouts["assignment2"][0] / "cs231n"
    assert list(package.glob("im2col_cython*.so")) or list(package.glob("im2col_cython*.pyd"))


def reference_region_count():
    count = 0
    for path in (REPO / "cs231n").rglob("*.py"):
        rel = path.relative_to(REPO / "cs231n")
        if rel.parts[0] not in release.INSTRUCTOR_ONLY and "__pycache__" not in rel.parts:
            count += len(find_regions(path.read_text(), str(path)))
    return count


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_real_handout_stubs_every_region_and_ships_what_the_manifest_lists(
    real_handouts, assignment
):
    out, record = real_handouts[assignment]
    manifest = load_manifest(REPO, assignment)
    assert record["stubbed_regions"]["package"] == reference_region_count() > 0
    for rel in (*manifest.tests, *manifest.test_support):
        assert (out / rel).is_file(), rel
    for name in manifest.notebooks:
        assert (out / name).is_file() == (manifest.directory / name).is_file(), name
    for name in release.INSTRUCTOR_ONLY:
        assert not (out / "cs231n" / name).exists(), name
    for path in (out / "cs231n").rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_real_handout_stubs_raise_the_todo_text(real_handouts):
    out, _ = real_handouts["assignment2"]
    script = textwrap.dedent(f"""
        import numpy as np
        import cs231n.layers as layers
        assert layers.__file__.startswith({str(out)!r}), layers.__file__
        try:
            layers.affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.ones(4))
        except NotImplementedError as error:
            print(error)
        """)
    result = subprocess.run([sys.executable, "-c", script], cwd=out, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.startswith("Implement the affine forward pass.")


def run_until_first_error(folder, names):
    """Run notebooks one after the other in ONE kernel started in ``folder`` (the namespace is
    reset between them, imports stay warm), each until its first error.

    Returns {name: None if it ran to the end, else "<error name>: <message>"}.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebooks = {name: nbformat.read(str(folder / name), as_version=4) for name in names}
    client = NotebookClient(notebooks[names[0]], timeout=NOTEBOOK_CELL_TIMEOUT,
                            kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    results = {}
    with client.setup_kernel():
        for name, nb in notebooks.items():
            client.nb = nb
            client.execute_cell(nbformat.v4.new_code_cell("%reset -f"), 0)
            results[name] = None
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as error:
                    results[name] = f"{error.ename}: {error.evalue}"
                    break
    return results


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_real_handout_installs_and_its_tests_and_notebooks_run(
    real_handouts, assignment, tmp_path, monkeypatch
):
    """After the build (assignment 2's tests and notebooks use the extension, as after
    `make setup`), the self-check tests import against the stubbed package, and every
    assignment notebook that exists runs until it reaches a stub (on the generated stand-in
    data set, which loads in a second, instead of CIFAR-10)."""
    folder, record = real_handouts[assignment]
    if assignment == "assignment2":
        wait_for_build(real_handouts)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests"], cwd=folder, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "collected" in result.stdout
    names = [n for p in record["problems"] for n in p["notebooks"] if (folder / n).is_file()]
    if not names:
        return  # no notebook of this assignment exists yet
    monkeypatch.setenv("CS231N_DATASETS", str(tmp_path))  # no CIFAR-10 here: the stand-in
    results = run_until_first_error(folder, list(dict.fromkeys(names)))
    wrong = {n: r for n, r in results.items() if r and not r.startswith("NotImplementedError")}
    assert not wrong, f"notebooks that fail before their first stub: {wrong}"
