"""Batch grading around ``nbgrader autograde``: hostile submissions, parallel workers, a report.

``eastasia-security grade ps2_missile_data --jobs 2`` (run from anywhere; ``--course``
defaults to the kit's ``course/``):

1. **Checks every submission first** and records flags: wrong file name (graded under the
   right name from a copy; the original stays), invalid JSON, empty notebook, no notebook
   (these three are not graded: nbgrader would stop on them or half-write the gradebook),
   extra files, deleted or edited test cells, changed points, duplicated grade cells,
   a changed kernel, code that redefines the test helpers or builtins.
2. **Runs the real ``nbgrader autograde``** in ``--jobs`` worker processes, each grading its
   share of the students (``--CourseDirectory.student_id_exclude``), with a per-cell timeout
   and a per-process memory cap (``RLIMIT_AS``), so an infinite loop or a memory bomb fails
   one cell, not the batch.
3. **Checks the results**: submissions whose kernel died (``os._exit``, a crash) are flagged and
   their half-written rows removed from the gradebook; timeouts, memory errors and cut
   output are flagged. The gradebook then passes :func:`check_gradebook`.
4. **Reports** each student's score and flags as a table and a CSV file.

Scores are nbgrader's own: a parallel run gives the same scores as a serial
``nbgrader autograde`` of the same submissions (``tests/test_grader.py`` checks it).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GradeResult", "grade", "check_gradebook", "preflight"]

# Code that changes what the test cells rely on. Flagged for review, not blocked:
# in-process Python cannot be fully sandboxed, so a human should look.
SUSPICIOUS = [
    (re.compile(r"\bimport\s+builtins\b|\b__builtins__\b|\bbuiltins\s*\."), "touches builtins"),
    (re.compile(r"eastasia_security\.grading|\bgrading\s*\.\s*expect_\w+\s*="), "touches the test helpers"),
    (re.compile(r"^\s*(def\s+expect_\w+|expect_\w+\s*=)", re.M), "redefines a test helper"),
    (re.compile(r"\bsys\.modules\b"), "edits sys.modules"),
    (re.compile(r"^\s*(AssertionError|len|sorted|int|float|isinstance)\s*=", re.M), "redefines a builtin"),
]


@dataclass
class GradeResult:
    student: str
    score: float | None = None
    max_score: float | None = None
    graded: bool = False
    flags: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {"student": self.student, "score": "" if self.score is None else f"{self.score:g}",
                "max_score": "" if self.max_score is None else f"{self.max_score:g}",
                "graded": "yes" if self.graded else "no", "flags": "; ".join(self.flags)}


def _cells(nb: dict) -> list[dict]:
    return nb.get("cells", []) if isinstance(nb, dict) else []


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def preflight(course: Path, assignment: str, student: str) -> tuple[bool, list[str]]:
    """(gradable, flags) for one submission, before nbgrader sees it.

    It never removes a student's file. For a notebook handed in under another name it adds a
    copy under the expected name; for one with repeated grade cells it grades a copy without
    the repeats and keeps the notebook as handed in beside it (``*.as-submitted``).
    """
    folder = course / "submitted" / student / assignment
    release_dir = course / "release" / assignment
    expected = sorted(p.name for p in release_dir.glob("*.ipynb"))
    flags: list[str] = []
    present = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    others = [p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(".ipynb")
              and p.name != "timestamp.txt"] if folder.is_dir() else []
    if others:
        flags.append(f"extra files: {', '.join(sorted(others))}")
    if not present:
        flags.append("no notebook submitted: not graded")
        return False, flags
    missing = [name for name in expected if name not in present]
    unexpected = [name for name in present if name not in expected and not name.startswith("_kit_")]
    if missing and len(missing) == 1 and len(unexpected) == 1:
        # One notebook under another name: grade it under the expected name, keep the original.
        shutil.copy2(folder / unexpected[0], folder / missing[0])
        flags.append(f"wrong file name: graded '{unexpected[0]}' as '{missing[0]}'")
        missing = []
    elif missing:
        flags.append(f"missing notebook(s) {', '.join(missing)}; found {', '.join(present)}: not graded")
        return False, flags
    release = {name: json.loads((release_dir / name).read_text(encoding="utf-8")) for name in expected}
    for name in expected:
        raw = (folder / name).read_bytes()
        try:
            nb = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            flags.append(f"{name} is not a valid notebook ({str(exc)[:80]}): not graded")
            return False, flags
        if not isinstance(nb, dict) or not _cells(nb):
            flags.append(f"{name} is empty (no cells): not graded, 0 points")
            return False, flags
        flags.extend(_tampering(nb, release[name]))
        duplicates = _drop_duplicate_grade_cells(nb)
        if duplicates:
            # nbgrader 0.9 cannot grade a notebook with a repeated grade_id (its DeduplicateIds
            # leaves metadata that later steps reject). Grade a copy without the repeats; the
            # notebook as handed in is kept beside it, byte for byte.
            original = folder / f"{name}.as-submitted"
            if not original.exists():
                original.write_bytes(raw)
            (folder / name).write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
            flags.append(f"graded without the repeated cells; the notebook as handed in is kept as {original.name}")
    return True, flags


def _drop_duplicate_grade_cells(nb: dict) -> list[str]:
    """Remove second and later cells with an already-seen grade_id; return their ids."""
    seen, kept, dropped = set(), [], []
    for cell in _cells(nb):
        gid = _meta(cell).get("grade_id")
        if gid and gid in seen:
            dropped.append(gid)
            continue
        if gid:
            seen.add(gid)
        kept.append(cell)
    nb["cells"] = kept
    return dropped


def _tampering(nb: dict, release: dict) -> list[str]:
    flags: list[str] = []
    released = {_meta(c).get("grade_id"): c for c in _cells(release) if _meta(c).get("grade_id")}
    seen: dict[str, int] = {}
    for cell in _cells(nb):
        gid = _meta(cell).get("grade_id")
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
    for gid, count in seen.items():
        if count > 1:
            flags.append(f"grade cell '{gid}' appears {count} times")
    by_id = {_meta(c).get("grade_id"): c for c in _cells(nb) if _meta(c).get("grade_id")}
    for gid, original in released.items():
        meta = _meta(original)
        is_test = meta.get("grade") and not meta.get("solution")
        mine = by_id.get(gid)
        if mine is None:
            if is_test or meta.get("solution"):
                flags.append(f"deleted cell '{gid}' (nbgrader restores it)")
            continue
        if is_test and _source(mine).strip() != _source(original).strip():
            flags.append(f"edited test cell '{gid}' (nbgrader restores it)")
        if meta.get("grade") and _meta(mine).get("points") != meta.get("points"):
            flags.append(f"changed points on '{gid}' (ignored)")
    kernel = (nb.get("metadata") or {}).get("kernelspec", {}).get("name")
    if kernel != (release.get("metadata") or {}).get("kernelspec", {}).get("name"):
        flags.append(f"changed kernel to {kernel!r} (nbgrader restores it)")
    for cell in _cells(nb):
        if cell.get("cell_type") != "code" or _meta(cell).get("locked"):
            continue
        for pattern, what in SUSPICIOUS:
            if pattern.search(_source(cell)):
                flags.append(f"code {what}: review the graded notebook")
                break
    return list(dict.fromkeys(flags))


def _nbgrader_env() -> dict:
    # nbgrader runs `alembic` from PATH: put this environment's bin/ first.
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


def _limit_memory(megabytes: int):
    def apply():  # pragma: no cover - runs in the child process
        import resource

        limit = megabytes * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass  # e.g. macOS does not enforce RLIMIT_AS: grade without the cap
        os.setsid()
    return apply


def _worker(course: Path, assignment: str, exclude: list[str], timeout: int, memory_mb: int, log: Path,
            extra: tuple[str, ...] = ()):
    args = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force",
            f"--Execute.timeout={timeout}", f"--CourseDirectory.student_id_exclude={','.join(exclude)}", *extra]
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(args, cwd=course, env=_nbgrader_env(), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=_limit_memory(memory_mb) if os.name == "posix" else None)


def _failed_students(logs: list[Path]) -> dict[str, str]:
    """Students nbgrader could not grade, with the reason found in their part of the log."""
    failed = {}
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        sections = {}
        for part in text.split("Creating/updating student with ID '")[1:]:
            student = part.split("'", 1)[0]
            sections[student] = sections.get(student, "") + part
        for match in re.finditer(r"error processing assignment '[^']*' for student '([^']*)'", text):
            student = match.group(1)
            section = sections.get(student, "")
            if "Kernel died" in section or "DeadKernel" in section:
                reason = "kernel died"
            else:
                last = [line.strip() for line in section.splitlines() if re.match(r"\s*\w+(Error|Exception)\b", line)]
                reason = f"nbgrader could not grade it ({last[-1][:100]})" if last else "nbgrader could not grade it"
            failed[student] = reason
    return failed


def _output_flags(notebook: Path) -> list[str]:
    flags = []
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["autograded notebook unreadable"]
    text = json.dumps(nb)
    if "CellTimeoutError" in text or "Timeout waiting for execute reply" in text or "KeyboardInterrupt" in text:
        flags.append("a cell timed out (interrupted)")
    if '"ename": "MemoryError"' in text:
        flags.append("a cell hit the memory limit")
    if "Output truncated" in text or "output truncated" in text.lower():
        flags.append("output cut to the configured limit")
    return flags


def check_gradebook(course: Path | str, assignment: str) -> list[str]:
    """Problems in the gradebook for an assignment (empty when consistent).

    Every submission must have one grade per graded cell, autograded cells must have a
    score, and no score may exceed its maximum.
    """
    from nbgrader.api import Gradebook

    course = Path(course)
    problems = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", _course_id(course)) as gb:
        source = gb.find_assignment(assignment)
        expected = {(nb.name, cell.name) for nb in source.notebooks for cell in nb.grade_cells}
        for sub in gb.assignment_submissions(assignment):
            got = {(nb.notebook.name, g.name) for nb in sub.notebooks for g in nb.grades}
            if got != expected:
                problems.append(f"{sub.student.id}: grades for {sorted(got)} instead of {sorted(expected)}")
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell_type == "code" and g.auto_score is None and g.manual_score is None:
                        problems.append(f"{sub.student.id}: '{g.name}' has no score (half-written)")
                    if g.score is not None and g.max_score is not None and g.score > g.max_score + 1e-9:
                        problems.append(f"{sub.student.id}: '{g.name}' scores {g.score} of {g.max_score}")
    return problems


def _course_id(course: Path) -> str:
    text = (course / "nbgrader_config.py").read_text(encoding="utf-8") if (course / "nbgrader_config.py").exists() else ""
    match = re.search(r"course_id\s*=\s*['\"]([^'\"]+)", text)
    return match.group(1) if match else "default_course"


def _progress(course: Path, assignment: str, students: list[str], stop: threading.Event, stream) -> None:
    shown = -1
    while not stop.wait(1.0):
        done = sum((course / "autograded" / s / assignment).is_dir() for s in students)
        if done != shown:
            print(f"  graded {done}/{len(students)}", file=stream, flush=True)
            shown = done


def grade(assignment: str, course: Path | str, jobs: int = 1, timeout: int = 60, memory_mb: int = 4096,
          report: Path | str | None = None, progress=sys.stderr) -> list[GradeResult]:
    """Grade every submission of ``assignment``; see the module docstring."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course).resolve()
    if not (course / "release" / assignment).is_dir():
        raise FileNotFoundError(f"{course / 'release' / assignment} does not exist: run "
                                f"`nbgrader generate_assignment {assignment}` in {course} first")
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).exists()) if submitted.is_dir() else []
    results = {s: GradeResult(s) for s in students}
    gradable = []
    for student in students:
        ok, flags = preflight(course, assignment, student)
        results[student].flags.extend(flags)
        if ok:
            gradable.append(student)
    skipped = [s for s in students if s not in gradable]
    jobs = max(1, min(jobs, len(gradable) or 1))
    shares = [gradable[i::jobs] for i in range(jobs)]
    logs = [course / f".grade-worker-{i}.log" for i in range(jobs)]
    start = time.perf_counter()
    if progress:
        print(f"Grading {len(gradable)} of {len(students)} submissions of {assignment} with {jobs} worker(s)",
              file=progress, flush=True)
    stop = threading.Event()
    watcher = threading.Thread(target=_progress, args=(course, assignment, gradable, stop, progress), daemon=True) \
        if progress else None
    if watcher:
        watcher.start()
    processes = [_worker(course, assignment, [s for s in students if s not in share], timeout, memory_mb, log)
                 for share, log in zip(shares, logs) if share]
    for process in processes:
        process.wait()
    stop.set()
    if watcher:
        watcher.join()
    failed = _failed_students(logs)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", _course_id(course)) as gb:
        for student in failed:
            results[student].flags.append(f"{failed[student]}: not graded, review by hand")
            try:
                gb.remove_submission(assignment, student)   # no half-written rows
            except MissingEntry:
                pass
        for student in students:
            result = results[student]
            if student in failed or student in skipped:
                result.score, result.graded = 0.0, False
                continue
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:
                result.flags.append("nbgrader recorded no submission")
                continue
            result.score, result.max_score, result.graded = sub.code_score, sub.max_code_score, True
            for notebook in (course / "autograded" / student / assignment).glob("*.ipynb"):
                result.flags.extend(_output_flags(notebook))
        maximum = None
        try:
            maximum = gb.find_assignment(assignment).max_code_score
        except MissingEntry:
            pass
        for result in results.values():
            if result.max_score is None:
                result.max_score = maximum
    if progress:
        print(f"Done in {time.perf_counter() - start:.1f} s", file=progress, flush=True)
    ordered = [results[s] for s in students]
    if report is not None:
        with Path(report).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["student", "score", "max_score", "graded", "flags"])
            writer.writeheader()
            writer.writerows(r.row() for r in ordered)
    return ordered


def format_table(results: list[GradeResult]) -> str:
    width = max([len(r.student) for r in results] + [7])
    lines = [f"{'student':<{width}}  {'score':>7}  flags"]
    for r in results:
        score = "-" if r.score is None else f"{r.score:g}/{r.max_score:g}" if r.max_score is not None else f"{r.score:g}"
        lines.append(f"{r.student:<{width}}  {score:>7}  {'; '.join(r.flags)}")
    flagged = sum(bool(r.flags) for r in results)
    lines.append(f"{len(results)} submissions, {sum(r.graded for r in results)} graded, {flagged} with flags")
    return "\n".join(lines)
