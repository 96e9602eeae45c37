"""The autograder: full marks for the reference, zero for a handout, injected bugs lose points
on their own problem only, and tampering gains nothing (the grader says what happened)."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import cs231n
from cs231n import grade
from cs231n.grade import GradingError, grade_submission
from cs231n.grading import checks, runner
from cs231n.grading.manifest import load_manifest
from cs231n.release import INSTRUCTOR_ONLY, build_handout, function_regions

REPO = Path(cs231n.__file__).resolve().parent.parent
ASSIGNMENTS = ("assignment1", "assignment2")
SHORT_TIME_LIMIT = 4  # seconds, for the endless-loop submission


def landlock_available():
    folder = str(Path(runner.__file__).parent)
    status = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {folder!r}); "
         "import runner; print(runner.restrict_filesystem(['/'], []))"],
        capture_output=True, text=True, timeout=60,
    ).stdout
    return status.startswith("landlock")


LANDLOCK = landlock_available()


def scores(report):
    return {p.name: p.score for p in report.problems if p.grading == "auto"}


def full_marks(assignment):
    manifest = load_manifest(REPO, assignment)
    return {p.name: p.points for p in manifest.problems if p.is_auto}


def copy_reference(dest):
    """A submission folder holding a copy of the reference package (sources only)."""
    shutil.copytree(REPO / "cs231n", dest / "cs231n",
                    ignore=shutil.ignore_patterns("__pycache__", *INSTRUCTOR_ONLY))
    return dest


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    base = tmp_path_factory.mktemp("handouts")
    for assignment in ASSIGNMENTS:
        build_handout(assignment, base / assignment, REPO, allow_missing_notebooks=True)
    return {assignment: base / assignment for assignment in ASSIGNMENTS}


@pytest.fixture
def course(tmp_path):
    """A copy of the grader's manifests and expected values (tampering tests attack these)."""
    root = tmp_path / "course"
    for assignment in ASSIGNMENTS:
        source = REPO / "assignments" / assignment
        (root / "assignments" / assignment / "grading").mkdir(parents=True)
        shutil.copyfile(source / "assignment.toml", root / "assignments" / assignment /
                        "assignment.toml")
        shutil.copyfile(source / "grading/expected.npz",
                        root / "assignments" / assignment / "grading/expected.npz")
    return root


# ---------------------------------------------------------------------------------------------
# Reference, handout, manifest coverage
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_reference_scores_full_marks(assignment):
    report = grade_submission(REPO, assignment)
    assert not any(p.first_failure for p in report.problems), grade.format_table(report)
    assert scores(report) == full_marks(assignment)
    assert report.score == report.auto_points == 90
    assert [p.name for p in report.problems if p.grading == "manual"] == (
        ["features"] if assignment == "assignment1" else ["PyTorch"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_fresh_handout_scores_zero(handouts, assignment):
    report = grade_submission(handouts[assignment])  # assignment read from handout.json
    assert report.assignment == assignment
    assert report.score == 0
    for problem in report.problems:
        for result in problem.checks:
            assert result.message.startswith("NotImplementedError in "), result.message


def test_every_solution_region_belongs_to_exactly_one_problem():
    owners = {}
    for assignment in ASSIGNMENTS:
        for problem in load_manifest(REPO, assignment).problems:
            for ref in problem.functions:
                owners.setdefault(ref, []).append(f"{assignment}/{problem.name}")
    shared = {ref: who for ref, who in owners.items() if len(who) > 1}
    assert not shared, f"functions listed by several problems: {shared}"
    in_package = set()
    for path in sorted((REPO / "cs231n").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if path.relative_to(REPO / "cs231n").parts[0] in INSTRUCTOR_ONLY:
            continue
        in_package |= {f"{rel}:{name}" for name, _ in function_regions(path.read_text(), rel)}
    unowned = sorted(in_package - set(owners))
    assert not unowned, f"solution regions that no manifest problem lists: {unowned}"
    stale = sorted(set(owners) - in_package)
    assert not stale, f"manifest functions without a solution region: {stale}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stored_expected_values_match_the_current_check_inputs(assignment):
    manifest = load_manifest(REPO, assignment, known_checks=checks.CHECKS)
    _, expected, meta = grade.read_expected(manifest.expected_path)
    names = [c for p in manifest.problems for c in p.checks]
    grade.check_expected_current(manifest, expected, meta, {n: checks.build_inputs(n)
                                                            for n in names}, names)
    assert meta["generated_by"] == f"python -m cs231n.grade --make-expected {assignment}"


def test_make_expected_reproduces_the_stored_values(tmp_path, course):
    shutil.copytree(REPO / "cs231n", course / "cs231n",
                    ignore=shutil.ignore_patterns("__pycache__"))
    stored = dict(np.load(REPO / "assignments/assignment1/grading/expected.npz"))
    path = grade.make_expected("assignment1", course)
    made = dict(np.load(path))
    assert sorted(made) == sorted(stored)
    for key in stored:
        if key != grade.META_KEY:
            np.testing.assert_allclose(made[key], stored[key], rtol=1e-10, atol=1e-12)
    assert "Generated by" in (path.parent / "README.md").read_text()


def test_stale_expected_values_are_refused(course, handouts):
    path = course / "assignments/assignment1/grading/expected.npz"
    data = dict(np.load(path))
    meta = json.loads(str(data[grade.META_KEY]))
    meta["input_digests"]["knn_two_loops"] = "0" * 64
    data[grade.META_KEY] = np.array(json.dumps(meta))
    np.savez(path, **data)
    with pytest.raises(GradingError, match="knn_two_loops.*--make-expected assignment1"):
        grade_submission(handouts["assignment1"], course_root=course)


# ---------------------------------------------------------------------------------------------
# Injected bugs lose points on their own problem only
# ---------------------------------------------------------------------------------------------
BUGS = {
    "two_layer_net: wrong sign in the backward pass": (
        "assignment1", "two_layer_net", "cs231n/classifiers/neural_net.py", "TwoLayerNet.loss",
        {
            0: """
            hidden = np.maximum(0.0, X @ W1 + b1)
            scores = hidden @ W2 + b2
            """,
            1: """
            probs = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            loss += reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
            """,
            2: """
            dscores = probs.copy()
            dscores[np.arange(N), y] -= 1.0
            dscores /= N
            grads["W2"] = hidden.T @ dscores + 2 * reg * W2
            grads["b2"] = dscores.sum(axis=0)
            dhidden = dscores @ W2.T
            dhidden[hidden <= 0] = 0.0
            grads["W1"] = -(X.T @ dhidden) + 2 * reg * W1  # BUG: wrong sign
            grads["b1"] = dhidden.sum(axis=0)
            """,
        },
    ),
    "svm: missing regularization term": (
        "assignment1", "svm", "cs231n/classifiers/linear_svm.py", "svm_loss_vectorized",
        {
            0: """
            rows = np.arange(X.shape[0])
            scores = X @ W
            margins = np.maximum(0.0, scores - scores[rows, y][:, None] + 1.0)
            margins[rows, y] = 0.0
            loss = margins.sum() / X.shape[0]  # BUG: no reg * sum(W**2)
            coeffs = (margins > 0).astype(float)
            coeffs[rows, y] = -coeffs.sum(axis=1)
            dW = X.T @ coeffs / X.shape[0]  # BUG: no 2 * reg * W
            """,
        },
    ),
    "softmax: no max shift on large scores": (
        "assignment1", "softmax", "cs231n/classifiers/softmax.py", "softmax_loss_vectorized",
        {
            0: """
            rows = np.arange(X.shape[0])
            exp_scores = np.exp(X @ W)  # BUG: scores not shifted by their maximum
            probs = exp_scores / exp_scores.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[rows, y])) + reg * np.sum(W * W)
            dscores = probs.copy()
            dscores[rows, y] -= 1.0
            dW = X.T @ dscores / X.shape[0] + 2 * reg * W
            """,
        },
    ),
    "Dropout: no rescaling of the kept units": (
        "assignment2", "Dropout", "cs231n/layers.py", "dropout_forward",
        {
            0: """
            mask = (random_source.random(x.shape) >= p).astype(x.dtype)  # BUG: no 1 / (1 - p)
            out = x * mask
            """,
        },
    ),
    "ConvolutionalNetworks: off-by-one conv stride": (
        "assignment2", "ConvolutionalNetworks", "cs231n/layers.py", "conv_forward_naive",
        {
            0: """
            x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            for i in range(out_height):
                for j in range(out_width):
                    top, left = i * (stride - 1), j * (stride - 1)  # BUG: off-by-one stride
                    window = x_pad[:, :, top:top + HH, left:left + WW]
                    out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
            """,
        },
    ),
    "BatchNormalization: wrong sign in the backward pass": (
        "assignment2", "BatchNormalization", "cs231n/layers.py", "batchnorm_backward",
        {
            0: """
            N = dout.shape[0]
            x_hat, gamma, inv_std = cache["x_hat"], cache["gamma"], cache["inv_std"]
            dbeta = dout.sum(axis=0)
            dgamma = (dout * x_hat).sum(axis=0)
            dx_hat = dout * gamma
            dx = inv_std / N * (
                N * dx_hat - dx_hat.sum(axis=0) + x_hat * (dx_hat * x_hat).sum(axis=0)  # BUG
            )
            """,
        },
    ),
}


def replace_regions(path, function, bodies):
    """Replace solution regions of ``function`` in the file ``path`` (region index -> code)."""
    text = path.read_text()
    regions = [region for name, region in function_regions(text, str(path)) if name == function]
    assert len(regions) >= len(bodies), (
        f"{path}: {function} has {len(regions)} solution regions; update the injected bug")
    lines = text.splitlines()
    for index in sorted(bodies, reverse=True):
        region = regions[index]
        body = textwrap.dedent(bodies[index]).strip("\n").splitlines()
        lines[region.begin : region.end + 1] = [region.indent + line if line else line
                                                for line in body]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_an_injected_bug_loses_points_on_its_problem_only(tmp_path, bug):
    assignment, problem, path, function, bodies = BUGS[bug]
    submission = copy_reference(tmp_path)
    replace_regions(submission / path, function, bodies)
    report = grade_submission(submission, assignment)
    expected = full_marks(assignment)
    got = scores(report)
    table = grade.format_table(report)
    assert got[problem] < expected[problem], f"{bug}: {problem} kept full marks\n{table}"
    others = {name: score for name, score in got.items() if name != problem}
    assert others == {name: p for name, p in expected.items() if name != problem}, table


# ---------------------------------------------------------------------------------------------
# Tampering gains nothing, and the grader says what happened
# ---------------------------------------------------------------------------------------------
def tampering_submission(tmp_path, handouts, code, assignment="assignment1"):
    """A fresh handout (worth 0 points) whose package runs ``code`` when it is imported."""
    submission = tmp_path / "submission"
    shutil.copytree(handouts[assignment], submission)
    init = submission / "cs231n/__init__.py"
    init.write_text(init.read_text() + "\n" + textwrap.dedent(code))
    return submission


def grade_knn(submission, course, **options):
    return grade_submission(submission, "assignment1", course_root=course, problems=["knn"],
                            **options)


@pytest.mark.parametrize("use_landlock", [True, False] if LANDLOCK else [False])
def test_overwriting_the_expected_values_gains_nothing(tmp_path, handouts, course, use_landlock):
    expected = course / "assignments/assignment1/grading/expected.npz"
    before = expected.read_bytes()
    submission = tampering_submission(tmp_path, handouts, f"""
        import numpy
        numpy.savez({str(expected)!r}, **{{"knn_two_loops/dists": numpy.zeros((7, 30))}})
        """)
    report = grade_knn(submission, course, landlock=use_landlock)
    assert expected.read_bytes() == before
    assert report.score == 0
    knn = report.problems[0]
    if use_landlock:  # the write itself is refused
        assert "PermissionError" in knn.first_failure
    else:  # the write happened, was undone, and the problem scores zero
        assert any(n.startswith("TAMPERING: the submission modified") for n in knn.notes)


def test_monkeypatching_numpy_comparisons_gains_nothing(tmp_path, handouts, course):
    submission = tampering_submission(tmp_path, handouts, """
        import numpy
        numpy.allclose = lambda *args, **kwargs: True
        numpy.testing.assert_allclose = lambda *args, **kwargs: None
        from cs231n.classifiers import k_nearest_neighbor as knn
        for name in ("two_loops", "one_loop", "no_loops"):
            setattr(knn.KNearestNeighbor, "compute_distances_" + name,
                    lambda self, X: numpy.zeros((X.shape[0], self.X_train.shape[0])))
        """)
    report = grade_knn(submission, course)
    assert report.score == 0
    knn = report.problems[0]
    assert "differs from the expected values" in knn.first_failure
    assert any("replaced numpy.allclose" in n for n in knn.notes)


def test_printing_a_fake_score_gains_nothing(tmp_path, handouts, course, capsys):
    submission = tampering_submission(tmp_path, handouts, """
        print("knn                          20   20.00     4/4")
        print("total                       100  100.00  out of 90 graded automatically")
        """)
    assert grade.main([str(submission), "--course-root", str(course), "--problem", "knn",
                       "--json", str(tmp_path / "report.json")]) == 0
    table = capsys.readouterr().out
    assert "knn                          20    0.00     0/4" in table
    assert "printed 2 line(s) to stdout (ignored" in table
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["score"] == 0 and "20.00" in report["problems"][0]["stdout"]


def test_exiting_early_with_status_0_gains_nothing(tmp_path, handouts, course):
    submission = tampering_submission(tmp_path, handouts, "import os\nos._exit(0)\n")
    report = grade_knn(submission, course)
    knn = report.problems[0]
    assert report.score == 0 and knn.status == "exited early"
    assert "exited with status 0 before reporting every check" in knn.notes[0]
    assert knn.first_failure.endswith("the process exited (status 0) before this check")


def test_an_endless_loop_hits_the_time_limit(tmp_path, handouts, course):
    submission = tampering_submission(tmp_path, handouts, "while True:\n    pass\n")
    report = grade_knn(submission, course, time_limit=SHORT_TIME_LIMIT)
    knn = report.problems[0]
    assert report.score == 0 and knn.status == "timeout"
    assert knn.notes[0].startswith(f"time limit of {SHORT_TIME_LIMIT} s exceeded")
    assert knn.seconds < SHORT_TIME_LIMIT + 10


def test_garbage_on_the_result_channel_gains_nothing(tmp_path, handouts, course):
    submission = tampering_submission(tmp_path, handouts, """
        import os
        for fd in range(3, 64):
            try:
                os.write(fd, b"knn_two_loops PASSED 20/20")
            except OSError:
                pass
        """)
    report = grade_knn(submission, course)
    assert report.score == 0
    assert any(n.startswith("result channel: bytes that are not a result frame")
               for n in report.problems[0].notes)


@pytest.mark.skipif(not LANDLOCK, reason="Landlock is not available in this kernel")
def test_reading_the_reference_from_the_sandbox_is_refused(tmp_path, handouts, course):
    reference = REPO / "cs231n/classifiers/k_nearest_neighbor.py"
    submission = tampering_submission(tmp_path, handouts, f"""
        import importlib.util
        _spec = importlib.util.spec_from_file_location("_reference", {str(reference)!r})
        _reference = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_reference)
        from cs231n.classifiers import k_nearest_neighbor
        k_nearest_neighbor.KNearestNeighbor = _reference.KNearestNeighbor
        """)
    report = grade_knn(submission, course)
    assert report.score == 0
    assert "PermissionError" in report.problems[0].first_failure


@pytest.mark.skipif(not LANDLOCK, reason="Landlock is not available in this kernel")
def test_the_sandbox_confines_the_submission(tmp_path, handouts, course):
    outside = tmp_path / "outside.txt"
    submission = tampering_submission(tmp_path, handouts, f"""
        import os
        attempts = {{
            "grader environment": lambda: open(f"/proc/{{os.getppid()}}/environ", "rb").read(),
            "grader memory": lambda: open(f"/proc/{{os.getppid()}}/mem", "rb").read(1),
            "repository": lambda: open({str(REPO / "README.md")!r}).read(),
            "write outside": lambda: open({str(outside)!r}, "w").write("x"),
            "signal the grader": lambda: os.kill(os.getppid(), 0),
        }}
        allowed = []
        for what, attempt in attempts.items():
            try:
                attempt()
                allowed.append(what)
            except PermissionError:
                pass
        raise RuntimeError(f"allowed: {{allowed}}")
        """)
    report = grade_knn(submission, course)
    assert "RuntimeError in <module> (cs231n/__init__.py:" in report.problems[0].first_failure
    assert report.problems[0].first_failure.endswith("allowed: []")
    assert not outside.exists()


def test_a_symlink_to_the_reference_is_not_followed(tmp_path, handouts, course):
    submission = tmp_path / "submission"
    shutil.copytree(handouts["assignment1"], submission)
    target = submission / "cs231n/classifiers/k_nearest_neighbor.py"
    target.unlink()
    target.symlink_to(REPO / "cs231n/classifiers/k_nearest_neighbor.py")
    report = grade_knn(submission, course)
    assert report.score == 0
    assert any("skipped symlink classifiers/k_nearest_neighbor.py" in n
               for n in report.problems[0].notes)


# ---------------------------------------------------------------------------------------------
# Smaller pieces
# ---------------------------------------------------------------------------------------------
def test_result_frames_round_trip_and_garbage_is_reported():
    frame = runner.encode_frame({"kind": "result", "check": "c"}, {"out": np.arange(3)})
    frames, error = runner.decode_frames(frame + frame)
    assert error is None and len(frames) == 2
    assert frames[0][0]["check"] == "c" and frames[0][1]["out"].tolist() == [0, 1, 2]
    frames, error = runner.decode_frames(frame + b"SCORE 100")
    assert len(frames) == 1 and error.startswith("truncated frame")
    frames, error = runner.decode_frames(frame[:-5])
    assert frames == [] and "truncated" in error


def test_pickled_objects_are_refused_on_the_channel():
    frame = runner.encode_frame({"kind": "result", "check": "c"},
                                {"out": np.array([{"evil": 1}], dtype=object)})
    frames, error = runner.decode_frames(frame)
    assert frames == [] and "malformed frame" in error


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (np.array([1.0, 2.0, 3.0]), None),
        (np.array([1.0, 2.0, 3.0 + 1e-9]), None),
        (np.array([[1.0, 2.0, 3.0]]), None),
        (np.array([1.0, 2.5, 3.0]), "x: differs from the expected values; worst at (1,)"),
        (np.array([1.0, np.inf, 3.0]), "x: contains NaN/inf at (1,)"),
        (np.array([1.0, 2.0]), "x: shape (2,), expected (3,)"),
        (np.array(["a", "b", "c"]), "x: not a numeric array"),
    ],
)
def test_compare_array_messages(got, message):
    result = checks.compare_array("x", got, np.array([1.0, 2.0, 3.0]), 1e-6)
    assert result == message if message is None else result.startswith(message)


def test_integer_outputs_must_match_exactly():
    message = checks.compare_array("y_pred", np.array([0, 2, 1]), np.array([0, 1, 1]), 1e-6)
    assert message == "y_pred: 1 of 3 values differ (first at (1,): got 2, expected 1)"


def test_a_zip_made_by_make_submit_is_graded(tmp_path, handouts):
    archive = tmp_path / "assignment1_submission.zip"
    folder = handouts["assignment1"]
    with zipfile.ZipFile(archive, "w") as zf:
        for path in [*folder.joinpath("cs231n").rglob("*.py"), folder / "handout.json"]:
            zf.write(path, path.relative_to(folder).as_posix())
        zf.writestr("../escape.py", "print('outside')")
    report = grade_submission(archive, problems=["knn"])
    assert report.assignment == "assignment1" and report.score == 0
    assert not (tmp_path / "escape.py").exists()


def test_cli_errors_are_clear(tmp_path, capsys):
    assert grade.main([str(tmp_path), "--assignment", "assignment1"]) == 2
    assert "no cs231n/ package" in capsys.readouterr().err
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n/__init__.py").write_text("")
    assert grade.main([str(tmp_path)]) == 2
    assert "--assignment" in capsys.readouterr().err


def test_the_table_shows_points_first_failures_and_the_total(handouts):
    report = grade_submission(handouts["assignment1"], problems=["svm", "features"])
    table = grade.format_table(report)
    assert "svm                          25    0.00     0/4  svm_loss_naive: NotImplementedError" \
        in table
    assert "features                     10  manual       -  graded by hand" in table
    assert "total                        35    0.00  out of 25 graded automatically; 10 more" \
        in table


def test_the_sandbox_environment_is_scrubbed(tmp_path, handouts, course, monkeypatch):
    monkeypatch.setenv("CS231N_SECRET", "instructor-token")
    submission = tampering_submission(tmp_path, handouts, f"""
        import os, sys
        assert "CS231N_SECRET" not in os.environ, "environment leaked"
        assert {str(REPO)!r} not in sys.path, sys.path
        assert os.getcwd().endswith("submission"), os.getcwd()
        """)
    report = grade_knn(submission, course)
    assert report.problems[0].first_failure.startswith("knn_two_loops: NotImplementedError")
    assert os.environ["CS231N_SECRET"] == "instructor-token"
