"""How fast is grading? Raw execution vs serial `nbgrader autograde` vs `eastasia-security grade --jobs N`.

Run from the repository root, in the kit's environment:

    .venv/bin/python benchmarks/grading.py            # 60 students, ps2_missile_data, --jobs 2
    .venv/bin/python benchmarks/grading.py --students 20 --jobs 2

It builds K synthetic submissions (a mix of correct, partly wrong and unanswered), then
measures in one run: raw nbclient execution of the same notebooks one after another (the
floor: what any grader must at least spend), serial `nbgrader autograde`, and
`eastasia-security grade --jobs N`. It prints seconds per notebook and the ratios. Not run by CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

from eastasia_security import grader  # noqa: E402


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


def kit_grade(course: Path, jobs: int) -> float:
    start = time.perf_counter()
    grader.grade(ASSIGNMENT, course, jobs=jobs, report=course / "report.csv", progress=None)
    return time.perf_counter() - start


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"{args.students} submissions of {ASSIGNMENT}; {os.cpu_count()} cores; building ...", flush=True)
        a = course_with_submissions(tmp / "raw", args.students)
        b = course_with_submissions(tmp / "serial", args.students)
        c = course_with_submissions(tmp / "parallel", args.students)
        # Warm caches (kernel spec lookup, dataset validation record) outside the timings.
        raw_execution_one = NotebookClient(nbformat.read(next((a / "submitted").glob(f"*/{ASSIGNMENT}/*.ipynb")), 4),
                                           kernel_name="python3", allow_errors=True)
        raw_execution_one.execute()
        t_raw = raw_execution(a)
        t_serial = serial_nbgrader(b)
        t_kit = kit_grade(c, args.jobs)
        same = scores(b) == scores(c)
    n = args.students
    rows = [("raw nbclient execution (serial)", t_raw), ("nbgrader autograde (serial)", t_serial),
            (f"eastasia-security grade --jobs {args.jobs}", t_kit)]
    print(f"\n{'method':40} {'total s':>9} {'s/notebook':>11}")
    for name, seconds in rows:
        print(f"{name:40} {seconds:9.1f} {seconds / n:11.2f}")
    print(f"\nspeed-up of --jobs {args.jobs} over serial nbgrader: {t_serial / t_kit:.2f}x  (target >= 1.8x)")
    print(f"serial nbgrader over raw execution:            {t_serial / t_raw:.2f}x")
    print(f"--jobs {args.jobs} over raw execution split {args.jobs} ways: {t_kit / (t_raw / args.jobs):.2f}x  (target <= 1.3x)")
    print(f"scores identical to serial nbgrader: {same}")


if __name__ == "__main__":
    main()
