"""How fast is grading, and what does the sandbox cost? Four methods on the same submissions.

Run from the repository root, in the kit's environment, as root (for the sandbox):

    .venv/bin/python benchmarks/grading.py                 # 60 students, ps2_missile_data, --jobs 2, 3 runs
    .venv/bin/python benchmarks/grading.py --students 20 --runs 1   # a quick look

It builds K synthetic submissions (a mix of correct, partly wrong and unanswered), then measures
in one run, each method ``--runs`` times on a fresh copy (the median is reported): raw nbclient
execution of the notebooks one after another (the floor), serial `nbgrader autograde`,
`eastasia-security grade --jobs N` (each notebook in a sandbox) and the same with `--unsafe`.
It prints seconds per notebook and the ratios against the targets. Never run by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from hostile_submissions import ASSIGNMENT, Maker  # noqa: E402

from eastasia_security import autograde  # noqa: E402


def _env() -> dict:
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


def course_with_submissions(root: Path, students: int) -> Path:
    shutil.copytree(REPO / "course", root, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db*", "grades*.csv", ".grade-worker-*"))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"], cwd=root,
                   env=_env(), check=True, capture_output=True)
    maker = Maker(root)
    kinds = [maker.solved(), maker.solved(skip=("ps2-count-answer",)),
             maker.answer("ps2-busiest-answer", "def busiest_month(table, year):\n    return f'{year}-12'\n"),
             maker.release]
    for i in range(students):
        folder = root / "submitted" / f"student{i:03d}" / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], folder / f"{ASSIGNMENT}.ipynb")
    return root


def raw_execution(course: Path) -> float:
    start = time.perf_counter()
    for path in sorted((course / "submitted").glob(f"*/{ASSIGNMENT}/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def serial_nbgrader(course: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=course, env=_env(),
                   check=True, capture_output=True)
    return time.perf_counter() - start


def kit_grade(course: Path, jobs: int, unsafe: bool = False) -> float:
    start = time.perf_counter()
    autograde.grade(ASSIGNMENT, course, jobs=jobs, report=course / "report.csv", progress=None, unsafe=unsafe)
    return time.perf_counter() - start


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sandboxed = autograde.unavailable_reason() is None
    methods = [("raw nbclient execution (serial)", raw_execution), ("nbgrader autograde (serial)", serial_nbgrader),
               (f"eastasia-security grade --jobs {args.jobs}", lambda c: kit_grade(c, args.jobs)),
               (f"eastasia-security grade --jobs {args.jobs} --unsafe", lambda c: kit_grade(c, args.jobs, True))]
    if not sandboxed:
        print(f"note: no sandbox on this machine ({autograde.unavailable_reason()}); skipping the sandboxed run")
        methods.pop(2)
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    scores_by_method: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"{args.students} submissions of {ASSIGNMENT}; {os.cpu_count()} cores; {args.runs} runs of each "
              "method (median shown) ...", flush=True)
        template = course_with_submissions(tmp / "template", args.students)
        # Warm caches (kernel spec lookup, dataset validation record) outside the timings.
        NotebookClient(nbformat.read(next((template / "submitted").glob(f"*/{ASSIGNMENT}/*.ipynb")), 4),
                       kernel_name="python3", allow_errors=True).execute()
        for run in range(args.runs):
            for index, (name, method) in enumerate(methods):  # interleaved, so drift hits all methods alike
                course = tmp / f"run{run}-{index}"
                shutil.copytree(template, course)
                times[name].append(method(course))
                if index:
                    scores_by_method[name] = scores(course)
                shutil.rmtree(course)
    n = args.students
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{'method':44} {'median s':>9} {'s/notebook':>11}  runs (s)")
    for name, _ in methods:
        runs = ", ".join(f"{t:.1f}" for t in times[name])
        print(f"{name:44} {median[name]:9.1f} {median[name] / n:11.2f}  {runs}")
    raw, serial = median[methods[0][0]], median[methods[1][0]]
    unsafe = median[f"eastasia-security grade --jobs {args.jobs} --unsafe"]
    print()
    if sandboxed:
        boxed = median[f"eastasia-security grade --jobs {args.jobs}"]
        print(f"sandboxed --jobs {args.jobs} over serial nbgrader:   {serial / boxed:.2f}x faster  (target >= 1.8x)")
        print(f"sandbox cost over --unsafe --jobs {args.jobs}:    {100 * (boxed / unsafe - 1):+.1f} %  (target <= +10 %)")
    print(f"--unsafe --jobs {args.jobs} over serial nbgrader:    {serial / unsafe:.2f}x faster")
    print(f"serial nbgrader over raw execution:         {serial / raw:.2f}x")
    reference = scores_by_method[methods[1][0]]
    same = all(found == reference for found in scores_by_method.values())
    print(f"scores identical across methods: {same}")


if __name__ == "__main__":
    main()
