"""Instructor tools behind ``python -m cs231n.release`` and ``python -m cs231n.grade``.

- ``manifest``: reads ``assignments/<name>/assignment.toml`` (problems, points, functions,
  notebooks, checks, handout contents).
- ``checks``: the grader's checks, each a pair of (inputs made in the grader's process, a call
  of the submission's code made in the sandbox) and a comparison done back in the grader.
- ``runner``: the sandboxed child process (standalone: it never imports the grader's cs231n).
- ``sandbox``: starts the child for one problem, enforces the time limit, reads the result
  channel and guards the grader's own files.

None of these modules is shipped in a student handout.
"""
