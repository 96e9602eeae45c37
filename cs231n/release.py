"""Student handouts from the reference: ``python -m cs231n.release assignment1 OUT/``.

A handout is a self-contained folder a student can install and work in:

- ``cs231n/``: the whole package, with EVERY solution region replaced by a stub (both handouts
  stub every region, so neither leaks the other assignment's solutions; the instructor tools
  ``release.py``, ``grade.py``, ``grading/`` and ``bench/`` are left out);
- the assignment's notebooks, with code regions stubbed, inline answers replaced by
  ``YOUR ANSWER HERE``, outputs and execution counts cleared;
- ``tests/``: the self-check tests the manifest lists; ``datasets/``: the CIFAR-10 installer;
- ``pyproject.toml``, ``setup.py``, ``requirements.txt`` (``pip install -e .`` builds the
  Cython extension) and a generated ``Makefile`` (setup, lab, test, data, submit);
- ``README.md`` (set-up, checking one's own work, submitting) and ``handout.json`` (what every
  file was generated from).

Every generated file says so in a header comment (notebooks: a first markdown cell and
``metadata.cs231n_release``; other files: ``handout.json``).

Solution regions use nbgrader's markers: the reference code sits between a line
``### BEGIN SOLUTION`` and a line ``### END SOLUTION`` (alone on their lines, at the code's
indentation), right below a ``# TODO:`` comment block saying what to do. In ``.py`` files and
notebook code cells such a region becomes::

    # TODO: Implement the affine forward pass. ...
    # YOUR CODE HERE
    raise NotImplementedError("Implement the affine forward pass. ...")

at the marker's indentation. In markdown cells the region becomes ``YOUR ANSWER HERE``. One
function, :func:`strip_solutions`, does this for ``.py`` files and notebook cells alike.

``python -m cs231n.release assignment1 OUT/ --nbgrader`` instead writes an nbgrader course
folder (``OUT/source/assignment1/*.ipynb``: the reference notebooks with nbgrader's cell
metadata) for instructors who grade the notebooks with nbgrader.
"""

import argparse
import ast
import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cs231n.grading.manifest import ManifestError, load_manifest

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
TODO_WORD = "TODO"
TODO_PREFIX = "# " + TODO_WORD
CODE_STUB_COMMENT = "# YOUR CODE HERE"
ANSWER_STUB = "YOUR ANSWER HERE"
FALLBACK_TASK = "Write this part yourself; the instructions are above."
STUB_LINE_LENGTH = 100  # ruff's line-length: stub lines stay within it

PACKAGE = "cs231n"
# Instructor-only parts of the package, never shipped to students (bench/ holds tuned
# hyperparameters, i.e. answers to the notebooks' tuning exercises).
INSTRUCTOR_ONLY = ("release.py", "grade.py", "grading", "bench")
SKIPPED_DIRS = ("__pycache__", ".ipynb_checkpoints")
BUILD_PRODUCTS = (".pyc", ".pyo", ".so", ".pyd", ".o", ".html")  # rebuilt by `pip install -e .`
HASH_COMMENT_SUFFIXES = (".py", ".pyx", ".pxd", ".toml", ".txt", ".sh", ".cfg", ".ini")
STRIPPED_SUFFIXES = (".py", ".pyx", ".pxd")  # package files whose solution regions are stubbed
BUILD_FILES = ("pyproject.toml", "setup.py", "requirements.txt")
DATASET_FILES = ("datasets/get_datasets.sh", "datasets/README.md")
HANDOUT_RECORD = "handout.json"
_INSTRUCTOR_NAMES = "|".join(n.removesuffix(".py") for n in INSTRUCTOR_ONLY)
INSTRUCTOR_IMPORT = re.compile(  # code that would need a module the handout leaves out
    rf"^\s*(?:(?:from|import)\s+cs231n\.({_INSTRUCTOR_NAMES})\b"
    rf"|from\s+cs231n\s+import\s+[^\n#]*\b({_INSTRUCTOR_NAMES})\b)",
    re.MULTILINE,
)
NBGRADER_SCHEMA_VERSION = 3
NBGRADER_ANSWER_POINTS = 1  # points nbgrader gives each inline answer (instructors adjust)


# ---------------------------------------------------------------------------------------------
# Solution regions: find, check, replace
# ---------------------------------------------------------------------------------------------
class RegionError(ValueError):
    """Malformed solution markers; the message starts with ``source:line:``."""

    def __init__(self, source, line, message):
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line


@dataclass(frozen=True)
class Region:
    """One solution region: 0-based line indices of its markers, their indentation, the task.

    ``task`` is the text of the ``# TODO:`` comment block right above the BEGIN marker
    (without the ``#`` and ``TODO:``), or None when there is none.
    """

    begin: int
    end: int
    indent: str
    task: str | None


def _leading_space(line):
    return line[: len(line) - len(line.lstrip())]


def _looks_like_marker(stripped):
    """True for near-misses such as '## BEGIN SOLUTION' or '# end solution' (not exact)."""
    words = stripped.lstrip("#").strip().upper()
    return words in ("BEGIN SOLUTION", "END SOLUTION") and stripped not in (
        BEGIN_MARKER,
        END_MARKER,
    )


def _task_above(lines, begin, indent):
    """Text of the '# TODO' comment block ending right above line ``begin``, or None."""
    index = begin - 1
    while index >= 0:
        line = lines[index]
        stripped = line.strip()
        if (
            not stripped.startswith("#")
            or _leading_space(line) != indent
            or stripped in (BEGIN_MARKER, END_MARKER)
        ):
            return None
        if stripped.startswith(TODO_PREFIX):
            break
        index -= 1
    else:
        return None
    words = [lines[i].strip().lstrip("#").strip() for i in range(index, begin)]
    first = words[0][len(TODO_WORD) :].lstrip(":").strip()  # drop "TODO" and its colon
    return " ".join(w for w in [first, *words[1:]] if w)


def _check_region(lines, begin, end, source):
    """Validate one region's indentation; return its Region."""
    indent = _leading_space(lines[begin])
    if _leading_space(lines[end]) != indent:
        raise RegionError(
            source,
            end + 1,
            f"{END_MARKER} is indented differently from the {BEGIN_MARKER} at line {begin + 1}",
        )
    for index in range(begin + 1, end):
        line = lines[index]
        if line.strip() and not line.startswith(indent):
            raise RegionError(
                source,
                index + 1,
                f"this line is less indented than the {BEGIN_MARKER} at line {begin + 1}; a "
                "region must be a whole block of statements at the marker's indentation",
            )
    return Region(begin, end, indent, _task_above(lines, begin, indent))


def find_regions(text, source="<text>"):
    """Return the solution regions of ``text`` in order (a list of Region).

    Inputs:
    - text: the source of a .py file or of one notebook cell
    - source: name used in error messages, e.g. "cs231n/layers.py" or "knn.ipynb cell 7"

    Raises RegionError naming the source and the line for a BEGIN without END, an END without
    BEGIN, nested regions, markers at different indentations, region lines less indented than
    the markers, and near-miss markers such as '## BEGIN SOLUTION' (which would silently leak
    a solution).
    """
    lines = text.splitlines()
    regions, open_begin = [], None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _looks_like_marker(stripped):
            raise RegionError(
                source,
                index + 1,
                f"{stripped!r} looks like a solution marker but is not exactly {BEGIN_MARKER!r} "
                f"or {END_MARKER!r}",
            )
        if stripped == BEGIN_MARKER:
            if open_begin is not None:
                raise RegionError(
                    source,
                    index + 1,
                    f"{BEGIN_MARKER} inside the region opened at line {open_begin + 1}; "
                    "regions cannot nest (is an END marker missing?)",
                )
            open_begin = index
        elif stripped == END_MARKER:
            if open_begin is None:
                raise RegionError(
                    source, index + 1, f"{END_MARKER} without a matching {BEGIN_MARKER} above it"
                )
            regions.append(_check_region(lines, open_begin, index, source))
            open_begin = None
    if open_begin is not None:
        raise RegionError(
            source, open_begin + 1, f"{BEGIN_MARKER} has no matching {END_MARKER} below it"
        )
    return regions


def _string_literal(text):
    """A double-quoted Python string literal holding ``text``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def code_stub(region):
    """Lines replacing a code region: a comment and ``raise NotImplementedError(<task>)``."""
    task = region.task or FALLBACK_TASK
    indent = region.indent
    one_line = f"{indent}raise NotImplementedError({_string_literal(task)})"
    if len(one_line) <= STUB_LINE_LENGTH:
        return [f"{indent}{CODE_STUB_COMMENT}", one_line]
    inner = indent + " " * 4
    width = max(20, STUB_LINE_LENGTH - len(inner) - 2)  # 2 quotes per literal
    chunks = textwrap.wrap(task, width=width - 1, break_long_words=False, break_on_hyphens=False)
    literals = [_string_literal(c + " ") for c in chunks[:-1]] + [_string_literal(chunks[-1])]
    return [
        f"{indent}{CODE_STUB_COMMENT}",
        f"{indent}raise NotImplementedError(",
        *(inner + literal for literal in literals),
        f"{indent})",
    ]


def answer_stub(region):
    """Lines replacing a markdown region: ``YOUR ANSWER HERE``."""
    return [f"{region.indent}{ANSWER_STUB}"]


STUBS = {"code": code_stub, "answer": answer_stub}


def strip_solutions(text, source="<text>", stub="code", require_task=False):
    """Replace every solution region of ``text`` by a stub; the one stripping function.

    Used for package ``.py`` files, notebook code cells (stub="code") and notebook markdown
    cells (stub="answer").

    Inputs:
    - text: source text
    - source: name for error messages (file, or notebook and cell)
    - stub: "code" (``raise NotImplementedError(<task>)`` at the region's indentation, the
      ``# TODO`` block above kept) or "answer" (``YOUR ANSWER HERE``)
    - require_task: if True, a region without a ``# TODO:`` block right above it is an error
      (package files must say what the student has to do)

    Returns (new_text, number of regions replaced). Raises RegionError for bad markers.
    """
    if stub not in STUBS:
        raise ValueError(f"strip_solutions: stub must be one of {sorted(STUBS)}, got {stub!r}")
    regions = find_regions(text, source)
    if not regions:
        return text, 0
    lines = text.splitlines()
    out, position = [], 0
    for region in regions:
        if require_task and region.task is None:
            raise RegionError(
                source,
                region.begin + 1,
                f"no '# TODO:' comment block right above {BEGIN_MARKER}; the stub's message "
                "comes from it",
            )
        out.extend(lines[position : region.begin])
        out.extend(STUBS[stub](region))
        position = region.end + 1
    out.extend(lines[position:])
    trailing_newline = "\n" if text.endswith("\n") else ""
    return "\n".join(out) + trailing_newline, len(regions)


def function_regions(text, source="<text>"):
    """Map each solution region of a Python module to the function that holds it.

    Returns a list of (qualified function name, Region), e.g. ("TwoLayerNet.loss", region);
    regions outside any function get the qualified name "<module>".
    """
    regions = find_regions(text, source)
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")

    visit(ast.parse(text, filename=source), "")
    result = []
    for region in regions:
        line = region.begin + 1
        holders = [(start, name) for start, end, name in spans if start <= line <= end]
        result.append((max(holders)[1] if holders else "<module>", region))
    return result


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------
def strip_notebook(notebook, source):
    """Return (handout copy of ``notebook``, regions replaced): regions stubbed, outputs cleared.

    Code cells get code stubs, markdown cells ``YOUR ANSWER HERE``; every code cell loses its
    outputs and execution count; execution timing metadata is dropped.
    """
    notebook = copy.deepcopy(notebook)
    count = 0
    for index, cell in enumerate(notebook.cells, start=1):
        where = f"{source} cell {index}"
        if cell.cell_type in ("code", "markdown"):
            stub = "code" if cell.cell_type == "code" else "answer"
            cell.source, replaced = strip_solutions(cell.source, where, stub=stub)
            count += replaced
            if replaced and cell.cell_type == "code":
                _check_cell_compiles(cell.source, where)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "ExecuteTime"):
            cell.metadata.pop(key, None)
    return notebook, count


def _check_cell_compiles(source, where):
    """Compile a stubbed code cell (IPython magics translated first, when IPython is here)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - the release runs where Jupyter is installed
        return
    try:
        compile(TransformerManager().transform_cell(source), where, "exec")
    except SyntaxError as error:
        message = f"stubbed cell is not valid Python: {error}"
        raise RegionError(where, error.lineno or 0, message) from None


def add_nbgrader_metadata(notebook, stem):
    """Mark the cells holding solution regions the way nbgrader expects (in place).

    Code cells with regions become nbgrader "solution" cells (autograded answer code);
    markdown cells with regions become manually graded answer cells worth
    NBGRADER_ANSWER_POINTS. Returns the number of cells marked.
    """
    marked = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type not in ("code", "markdown") or not find_regions(cell.source, stem):
            continue
        is_answer = cell.cell_type == "markdown"
        meta = {
            "grade": is_answer,
            "grade_id": f"{stem}-cell-{index}",
            "locked": False,
            "schema_version": NBGRADER_SCHEMA_VERSION,
            "solution": True,
            "task": False,
        }
        if is_answer:
            meta["points"] = NBGRADER_ANSWER_POINTS
        cell.metadata["nbgrader"] = meta
        marked += 1
    return marked


# ---------------------------------------------------------------------------------------------
# Handout assembly
# ---------------------------------------------------------------------------------------------
class ReleaseError(RuntimeError):
    """The handout cannot be built (missing files, output folder in the way, ...)."""


def default_course_root():
    """The repository this package lives in (it holds assignments/ and the build files)."""
    return Path(__file__).resolve().parent.parent


def source_version(root):
    """Short git commit of ``root`` (plus '+changes' when the tree is dirty), or 'unknown'."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"
    return f"commit {commit}" + (" + uncommitted changes" if dirty else "")


def add_header(text, header, name):
    """Prefix ``text`` with a one-line comment ``header`` in the file type's comment syntax.

    A shebang or an encoding line stays first. Markdown gets an HTML comment.
    """
    if name.endswith(".md"):
        return f"<!-- {header} -->\n\n{text}"
    if not (name.endswith(HASH_COMMENT_SUFFIXES) or name in ("Makefile", ".gitignore")):
        raise ReleaseError(f"add_header: no comment syntax known for {name}")
    lines = text.splitlines(keepends=True)
    keep = 0
    while keep < min(2, len(lines)) and (
        lines[keep].startswith("#!") or ("coding" in lines[keep] and lines[keep].startswith("#"))
    ):
        keep += 1
    return "".join(lines[:keep]) + f"# {header}\n" + "".join(lines[keep:])


@dataclass
class Handout:
    """Bookkeeping while a handout is written: where, from what, and what was produced."""

    assignment: str
    out: Path
    root: Path
    version: str
    files: dict = field(default_factory=dict)
    regions: dict = field(default_factory=lambda: {"package": 0, "notebooks": 0})
    warnings: list = field(default_factory=list)

    def check_imports(self, text, where):
        """Warn when handout code imports an instructor-only module (not in the handout)."""
        for match in INSTRUCTOR_IMPORT.finditer(text):
            name = match.group(1) or match.group(2)
            self.warnings.append(
                f"{where}: imports cs231n.{name}, which the handout leaves out (instructor-only)"
            )

    def header(self, source, regions=0):
        text = f"Generated by `python -m cs231n.release {self.assignment}` from {source} "
        text += f"(cs231n-suite {self.version})"
        if regions:
            text += f"; {regions} solution region(s) replaced by stubs"
        return text

    def write_text(self, rel, text, source, regions=0):
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.files[rel] = {"source": source, "stubbed_regions": regions}

    def copy_binary(self, rel, source_path, source):
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_path, path)
        self.files[rel] = {"source": source, "stubbed_regions": 0}


def _package_files(package_dir):
    """Files of the package to ship, as paths relative to the package folder, sorted."""
    files = []
    for path in sorted(package_dir.rglob("*")):
        rel = path.relative_to(package_dir)
        if rel.parts[0] in INSTRUCTOR_ONLY or any(p in SKIPPED_DIRS for p in rel.parts):
            continue
        if not path.is_file() or path.suffix in BUILD_PRODUCTS:
            continue
        if path.suffix == ".c" and path.with_suffix(".pyx").exists():
            continue  # generated by Cython from the .pyx
        files.append(rel)
    return files


def _write_package(handout):
    """Copy the package, stubbing every solution region of its Python/Cython files."""
    package_dir = handout.root / PACKAGE
    binaries = {}
    for rel in _package_files(package_dir):
        source = f"{PACKAGE}/{rel.as_posix()}"
        path = package_dir / rel
        if path.suffix in STRIPPED_SUFFIXES:
            text, count = strip_solutions(
                path.read_text(encoding="utf-8"), source, stub="code", require_task=True
            )
            if path.suffix == ".py":
                try:
                    compile(text, source, "exec")
                except SyntaxError as error:
                    raise ReleaseError(
                        f"{source}: the stubbed module does not compile: {error}"
                    ) from None
            handout.regions["package"] += count
            handout.check_imports(text, source)
            handout.write_text(source, add_header(text, handout.header(source, count), source),
                               source, count)
        else:
            handout.copy_binary(source, path, source)
            binaries.setdefault(Path(source).parent.as_posix(), []).append(source)
    for folder, names in binaries.items():  # data files get a sidecar saying where they came from
        listing = "\n".join(f"- `{n}`: copied unchanged from the reference" for n in names)
        rel = f"{folder}/GENERATED.md"
        handout.write_text(rel, f"<!-- {handout.header(folder)} -->\n\n# Generated files\n\n"
                           f"{listing}\n", "generated")


def _read_notebook(path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _write_notebooks(handout, manifest, allow_missing):
    """Stub and clear the manifest's notebooks; returns the names of missing ones."""
    import nbformat

    missing = []
    for name in manifest.notebooks:
        path = manifest.directory / name
        source = path.relative_to(handout.root).as_posix()
        if not path.is_file():
            missing.append(source)
            continue
        notebook, count = strip_notebook(_read_notebook(path), source)
        for index, cell in enumerate(notebook.cells, start=1):
            if cell.cell_type == "code":
                handout.check_imports(cell.source, f"{source} cell {index}")
        banner = nbformat.v4.new_markdown_cell(
            f"*{handout.header(f'`{source}`', count)}. Code you write is marked "
            f"`{CODE_STUB_COMMENT}` / `raise NotImplementedError(...)` here and in the "
            f"`cs231n/` package; written answers are marked {ANSWER_STUB}.*"
        )
        notebook.cells.insert(0, banner)
        notebook.metadata["cs231n_release"] = {
            "generated_by": f"python -m cs231n.release {handout.assignment}",
            "source": source,
            "version": handout.version,
            "stubbed_regions": count,
        }
        handout.regions["notebooks"] += count
        handout.write_text(name, nbformat.writes(notebook), source, count)
    if missing and not allow_missing:
        raise ReleaseError(
            f"{manifest.path}: notebooks not found: {', '.join(missing)} "
            "(pass --allow-missing-notebooks to release without them)"
        )
    return missing


def _copy_with_header(handout, rel_source, rel_dest=None):
    """Copy a text file of the repository into the handout with a generated-file header."""
    rel_dest = rel_dest or rel_source
    path = handout.root / rel_source
    if not path.is_file():
        raise ReleaseError(f"{path}: file needed by the handout is missing")
    text = add_header(path.read_text(encoding="utf-8"), handout.header(rel_source), rel_dest)
    handout.write_text(rel_dest, text, rel_source)


def _problem_table(manifest):
    rows = ["| problem | points | notebooks | graded |", "|---|---|---|---|"]
    for p in manifest.problems:
        how = "automatically (package functions)" if p.is_auto else "by hand"
        notebooks = ", ".join(f"`{n}`" for n in p.notebooks)
        rows.append(f"| {p.title} | {p.points:g} | {notebooks} | {how} |")
    return "\n".join(rows)


def _shipped_notebooks(manifest, missing):
    """The manifest's notebooks that are in the handout (``missing`` are repo paths)."""
    return [n for n in manifest.notebooks if not any(m.endswith("/" + n) for m in missing)]


def _readme(manifest, handout, missing):
    notebooks = _shipped_notebooks(manifest, missing)
    first = notebooks[0] if notebooks else "the first notebook"
    missing_note = (
        f"\n> Not included (missing at release time): {', '.join(missing)}\n" if missing else ""
    )
    return f"""# {manifest.title}

This folder is your copy of **{manifest.name}** of cs231n-suite (after Stanford CS231n, 2017).
It holds the `cs231n` package with the parts you implement replaced by stubs, the notebooks
that walk you through them, self-check tests and the data installer.
{missing_note}
{_problem_table(manifest)}

Total: {manifest.total_points:g} points.

## Set-up

You need `python3` >= 3.10 and a C compiler (`gcc` or `clang`). Then:

```bash
make setup        # .venv, requirements.txt, and `pip install -e .` (builds the Cython extension)
make data         # CIFAR-10 into datasets/ (or: export CS231N_DATASETS=/folder/holding/it)
make lab          # JupyterLab, starting with {first}
```

By hand: `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt &&
.venv/bin/pip install --no-build-isolation -e .`. Without CIFAR-10 the notebooks fall back to
a small generated data set and say so loudly; their numbers are then not CIFAR-10 numbers.

## Working

Do the notebooks in the order of the table. Each stub in the package looks like

```python
    # TODO: <what to do>
    # YOUR CODE HERE
    raise NotImplementedError("<what to do>")
```

Replace the `raise` (and only that) with your code; keep the function names and signatures.
Search for them with `grep -rn NotImplementedError cs231n/`. Written answers go where a notebook
says **{ANSWER_STUB}**. The notebooks reload the package when you edit it (`%autoreload 2`).

## Checking your own work

- `make test` (or `.venv/bin/python -m pytest tests -q`) runs the self-check tests; a test
  starts passing once the functions it uses are implemented. Run one file or test with e.g.
  `pytest tests/{Path(manifest.tests[0]).name if manifest.tests else "test_x.py"} -q -k <name>`.
- The notebooks gradient-check every backward pass (`cs231n.gradient_check.check_layer` names the
  array whose gradient is wrong and where) and assert their thresholds.

## Submitting

Run every notebook top to bottom and save it with its outputs, then

```bash
make submit       # writes {manifest.name}_submission.zip: cs231n/, the notebooks, handout.json
```

and hand in the zip. The package functions are graded automatically: the grader runs them on
its own inputs in a separate process, with a time limit per problem, and compares the results
with the reference outputs (printing things or exiting early changes nothing). Written answers
and notebook results are graded by hand.

*This folder was generated by `python -m cs231n.release {manifest.name}` from cs231n-suite
({handout.version}); `handout.json` lists where every file came from.*
"""


def _makefile(manifest, missing):
    notebooks = _shipped_notebooks(manifest, missing)
    first = notebooks[0] if notebooks else ""
    shipped = " ".join(["cs231n", *notebooks, HANDOUT_RECORD])
    return f"""# {manifest.name} handout: `make setup`, `make lab`, `make test`, `make submit`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUBMISSION ?= {manifest.name}_submission.zip

.PHONY: help setup lab test data submit

help:
\t@echo "make setup  - virtual environment, dependencies, Cython extension (pip install -e .)"
\t@echo "make data   - fetch CIFAR-10 into datasets/"
\t@echo "make lab    - open JupyterLab"
\t@echo "make test   - run the self-check tests"
\t@echo "make submit - write $(SUBMISSION)"

$(VENV)/.created:
\t$(PYTHON) -m venv $(VENV)
\t$(PY) -m pip install --quiet --upgrade pip
\t@touch $@

$(VENV)/.deps-installed: requirements.txt | $(VENV)/.created
\t$(PY) -m pip install --quiet -r requirements.txt
\t@touch $@

setup: $(VENV)/.deps-installed
\t$(PY) -m pip install --quiet --no-build-isolation --no-deps -e .

data: | $(VENV)/.created
\tbash datasets/get_datasets.sh

lab: setup
\t$(VENV)/bin/jupyter lab {first}

test: setup
\t$(PY) -m pytest tests -q

submit:
\trm -f $(SUBMISSION)
\t$(PY) -m zipfile -c $(SUBMISSION) {shipped}
\t@echo "wrote $(SUBMISSION): hand it in"
"""


GITIGNORE = """.venv/
build/
*.egg-info/
__pycache__/
*.so
*.pyd
cs231n/im2col_cython.c
datasets/cifar-10-batches-py/
datasets/*.tar.gz
.ipynb_checkpoints/
*_submission.zip
"""


def _verify_no_regions_left(out):
    """Safety net: no solution marker may survive anywhere in the handout."""
    import nbformat

    for path in sorted(out.rglob("*")):
        if path.suffix in STRIPPED_SUFFIXES:
            texts = [(path.read_text(encoding="utf-8"), str(path))]
        elif path.suffix == ".ipynb":
            nb = nbformat.read(str(path), as_version=4)
            texts = [(c.source, f"{path} cell {i}") for i, c in enumerate(nb.cells, 1)]
        else:
            continue
        for text, where in texts:
            if find_regions(text, where):
                raise ReleaseError(f"{where}: a solution region survived the release")


def _write_generated_files(handout, manifest, missing):
    """README.md, Makefile and .gitignore of the handout."""
    generated = handout.header(f"the manifest {manifest.path.relative_to(handout.root)}")
    readme = f"<!-- {generated} -->\n\n" + _readme(manifest, handout, missing)
    handout.write_text("README.md", readme, "generated")
    makefile = add_header(_makefile(manifest, missing), generated, "Makefile")
    handout.write_text("Makefile", makefile, "generated")
    handout.write_text(".gitignore", add_header(GITIGNORE, generated, ".gitignore"), "generated")


def _handout_record(handout, manifest, missing):
    """The contents of handout.json: what was generated from what, with checksums."""
    return {
        "generated_by": f"python -m cs231n.release {handout.assignment}",
        "assignment": handout.assignment,
        "title": manifest.title,
        "source_version": handout.version,
        "stubbed_regions": handout.regions,
        "missing_notebooks": missing,
        "warnings": handout.warnings,
        "problems": [
            {"name": p.name, "points": p.points, "grading": p.grading,
             "notebooks": list(p.notebooks)}
            for p in manifest.problems
        ],
        "files": {
            rel: {**info, "sha256": hashlib.sha256((handout.out / rel).read_bytes()).hexdigest()}
            for rel, info in sorted(handout.files.items())
        },
    }


def _prepare_output(out, force):
    """Refuse to overwrite anything but a previous handout; return a fresh staging folder."""
    if out.exists():
        if not out.is_dir():
            raise ReleaseError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not force:
            raise ReleaseError(f"{out} is not empty; pass --force to replace a previous handout")
        if any(out.iterdir()) and not (out / HANDOUT_RECORD).is_file():
            raise ReleaseError(
                f"{out} is not empty and holds no {HANDOUT_RECORD}: refusing to delete a folder "
                "that is not a handout"
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))


def build_handout(assignment, out, course_root=None, force=False, allow_missing_notebooks=False):
    """Write the student handout of ``assignment`` to ``out``; see the module docstring.

    Inputs:
    - assignment: e.g. "assignment1" (its manifest is assignments/<assignment>/assignment.toml)
    - out: output folder; must be absent or empty, or hold a previous handout when force=True
    - course_root: the repository to release from (default: the one holding this package)
    - force: replace a previous handout in ``out``
    - allow_missing_notebooks: release even if some manifest notebooks do not exist yet

    Returns the handout record (the dict written to handout.json). The folder appears
    atomically: it is built next to ``out`` and renamed into place.
    """
    root = Path(course_root or default_course_root()).resolve()
    out = Path(out).resolve()
    manifest = load_manifest(root, assignment)
    staging = _prepare_output(out, force)
    try:
        handout = Handout(assignment, staging, root, source_version(root))
        _write_package(handout)
        missing = _write_notebooks(handout, manifest, allow_missing_notebooks)
        for rel in manifest.extra_files:
            path = manifest.directory / rel
            if not path.is_file():
                raise ReleaseError(f"{manifest.path}: extra file {rel} not found")
            handout.copy_binary(rel, path, path.relative_to(root).as_posix())
        for rel in (*manifest.test_support, *manifest.tests):
            _copy_with_header(handout, rel)
        for rel in (*DATASET_FILES, *BUILD_FILES):
            _copy_with_header(handout, rel)
        _write_generated_files(handout, manifest, missing)
        _verify_no_regions_left(staging)
        record = _handout_record(handout, manifest, missing)
        (staging / HANDOUT_RECORD).write_text(json.dumps(record, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return record


def build_nbgrader_source(assignment, out, course_root=None, allow_missing_notebooks=False):
    """Write ``out/source/<assignment>/``: the reference notebooks with nbgrader metadata.

    nbgrader only strips regions in cells marked as solution cells; this marks them (see
    add_nbgrader_metadata). Returns the list of notebooks written.
    """
    import nbformat

    root = Path(course_root or default_course_root()).resolve()
    manifest = load_manifest(root, assignment)
    folder = Path(out) / "source" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in manifest.notebooks:
        path = manifest.directory / name
        if not path.is_file():
            if allow_missing_notebooks:
                continue
            raise ReleaseError(f"{manifest.path}: notebook {path} not found")
        notebook = _read_notebook(path)
        add_nbgrader_metadata(notebook, Path(name).stem)
        nbformat.write(notebook, str(folder / name))
        written.append(name)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cs231n.release",
        description="Write the student handout of an assignment (solutions replaced by stubs).",
    )
    parser.add_argument("assignment", help="e.g. assignment1 (assignments/<name>/assignment.toml)")
    parser.add_argument("out", type=Path, help="output folder (absent or empty)")
    parser.add_argument("--source", type=Path, default=None,
                        help="repository to release from (default: this checkout)")
    parser.add_argument("--force", action="store_true", help="replace a previous handout in OUT")
    parser.add_argument("--allow-missing-notebooks", action="store_true",
                        help="release even when some of the manifest's notebooks do not exist")
    parser.add_argument("--nbgrader", action="store_true",
                        help="write an nbgrader course folder (OUT/source/ASSIGNMENT/) instead")
    args = parser.parse_args(argv)
    try:
        if args.nbgrader:
            written = build_nbgrader_source(args.assignment, args.out, args.source,
                                            args.allow_missing_notebooks)
            print(f"nbgrader source for {args.assignment} in {args.out}/source/"
                  f"{args.assignment}: {', '.join(written) or 'no notebooks'}")
            return 0
        record = build_handout(args.assignment, args.out, args.source, args.force,
                               args.allow_missing_notebooks)
    except (ManifestError, RegionError, ReleaseError) as error:
        print(f"cs231n.release: {error}", file=sys.stderr)
        return 2
    regions = record["stubbed_regions"]
    print(
        f"{args.assignment} handout in {args.out}: {len(record['files'])} files, "
        f"{regions['package']} package and {regions['notebooks']} notebook solution regions "
        "replaced by stubs"
    )
    for name in record["missing_notebooks"]:
        print(f"  warning: {name} does not exist yet and is not in the handout")
    for warning in record["warnings"]:
        print(f"  warning: {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
