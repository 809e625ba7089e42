"""The batch: pre-flight checks, sandboxed nbgrader workers, results from nbgrader's API, one report.

``eastasia-security grade ps2_missile_data --jobs 2`` (from the course folder):

1. **Checks every submission** (:func:`~eastasia_security.autograde.preflight.preflight`).
2. **Grades in ``--jobs`` worker processes**, each taking its share of the students one at a
   time and calling nbgrader's Python API (``NbGraderAPI.autograde``), whose ``Execute`` step
   is :class:`~eastasia_security.autograde.execute.SandboxedExecute`: every notebook runs in a
   fresh sandbox (:mod:`~eastasia_security.autograde.sandbox`) as an unprivileged user that
   cannot see the course. The workers are the grader's processes: they, and only they, write
   the gradebook. A failed submission's rows are removed at once.
3. **Watches the workers**: a worker that dies or hangs on a submission is replaced; that
   student is flagged ``killed`` (rows removed), the rest of the share is still graded.
4. **Collects** scores from the gradebook and flags (codes with messages) from nbgrader's
   results, the Execute step's records, the jail's reports and the graded notebooks; checks each
   recorded answer again outside the student's kernel (:mod:`~eastasia_security.autograde.recheck`);
   removes outputs that quote hidden tests or model answers; checks the gradebook; writes the report.

Scores are nbgrader's own: a sandboxed ``--jobs 2`` run gives the scores of a serial
``nbgrader autograde`` (``tests/test_autograde.py``), except a test that passed only inside the
student's kernel, which the re-check sets to 0 and flags.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import NotACourse, SandboxUnavailable
from .flags import NOT_GRADED, Code, Flag
from .preflight import NBGRADER_FILES, preflight
from .report import GradingResults, StudentResult

__all__ = ["grade", "check_gradebook", "nbgrader_api", "is_course", "course_id"]


def is_course(folder: Path) -> bool:
    """An nbgrader course root: ``nbgrader_config.py`` or a ``source/`` folder beside ``gradebook.db``."""
    folder = Path(folder)
    return (folder / "nbgrader_config.py").is_file() or ((folder / "source").is_dir() and (folder / "gradebook.db").exists())


def course_id(course: Path) -> str:
    return _config(course).CourseDirectory.get("course_id", "default_course")


def _config(course: Path, overrides: dict | None = None):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (course / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    config.merge(Config({"CourseDirectory": {"root": str(course)}}))
    if overrides:
        config.merge(Config(overrides))
    return config


def nbgrader_api(course: Path, overrides: dict | None = None):
    """``NbGraderAPI`` for ``course`` with its ``nbgrader_config.py`` and ``overrides`` (a config dict)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = _config(Path(course).resolve(), overrides)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def _autograde_pipeline(config) -> list:
    """nbgrader's autograde preprocessors (or the course's), with Execute replaced by SandboxedExecute."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from .execute import SandboxedExecute

    configured = config.Autograde.get("autograde_preprocessors") or list(
        Autograde.class_traits()["autograde_preprocessors"].default())
    pipeline = []
    for step in configured:
        name = step if isinstance(step, str) else f"{step.__module__}.{step.__name__}"
        is_execute = step is Execute or name in ("nbgrader.preprocessors.Execute", "nbgrader.preprocessors.execute.Execute")
        pipeline.append(SandboxedExecute if is_execute else step)
    return pipeline


def check_gradebook(course: Path | str, assignment: str) -> list[str]:
    """Problems in the gradebook for an assignment (empty when consistent).

    Every submission must have one grade per graded cell, autograded cells must have a
    score, and no score may exceed its maximum.
    """
    from nbgrader.api import Gradebook

    course = Path(course)
    problems = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gb:
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


def _remove_submission(course: Path, assignment: str, student: str) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gb:
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            pass


# ----------------------------------------------------------------------------- the worker process

def _student_files(course: Path, assignment: str, student: str) -> list[Path]:
    """What the notebook may see: the student's own non-notebook files and the release's (never source/)."""
    files = []
    for folder in (course / "release" / assignment, course / "submitted" / student / assignment):
        if folder.is_dir():
            files += [p for p in sorted(folder.iterdir()) if not p.name.endswith((".ipynb", ".as-submitted"))
                      and p.name not in NBGRADER_FILES]
    by_name = {p.name: p for p in files}  # the student's copy wins over the release's
    return list(by_name.values())


def _limit_own_memory(megabytes: int) -> None:
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024,) * 2)
    except (ValueError, OSError):
        pass  # e.g. macOS does not enforce RLIMIT_AS


def _worker_main(spec_path: str) -> int:
    """Grade one share, one student at a time; one JSON line per event on stdout's file."""
    from .execute import RunContext, set_context
    from .sandbox import Sandbox, SandboxLimits

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    course, assignment = Path(spec["course"]), spec["assignment"]
    sandbox = None
    if spec["sandbox"]:
        box = spec["sandbox"]
        sandbox = Sandbox(uid=box["uid"], gid=box["gid"], limits=SandboxLimits(**box["limits"]),
                          datasets=Path(box["datasets"]) if box["datasets"] else None,
                          cache=Path(box["cache"]) if box["cache"] else None)
    else:
        _limit_own_memory(spec["memory_mb"])  # --unsafe: the kernels inherit the cap
    config = _config(course, {"Execute": {"timeout": spec["timeout"]}})
    config.Autograde.autograde_preprocessors = _autograde_pipeline(config)
    api = nbgrader_api(course, {"Execute": {"timeout": spec["timeout"]},
                                "Autograde": {"autograde_preprocessors": config.Autograde.autograde_preprocessors}})
    events = open(spec["events"], "a", encoding="utf-8")
    if sandbox is not None:
        ready, waited = Path(spec["sandbox"]["ready"]), 0.0
        while not ready.exists() and waited < 60:  # the grader is validating the datasets copy
            time.sleep(0.05)
            waited += 0.05

    def emit(**record):
        events.write(json.dumps(record, ensure_ascii=False) + "\n")
        events.flush()
        os.fsync(events.fileno())

    for student in spec["students"]:
        emit(event="start", student=student, time=time.time())
        context = RunContext(sandbox=sandbox, files=_student_files(course, assignment, student), timeout=spec["timeout"])
        set_context(context)
        result = api.autograde(assignment, student, force=True, create=True)
        if not result.get("success"):
            _remove_submission(course, assignment, student)  # no half-written rows
        error = (result.get("error") or "").strip().splitlines()
        emit(event="done", student=student, success=bool(result.get("success")), error=error[-1][:300] if error else "",
             flags=[f.to_dict() for f in context.flags], statuses=context.statuses)
    events.close()
    return 0


# ----------------------------------------------------------------------------- the grading process

class _Worker:
    """One worker process, its share, and what it has reported."""

    def __init__(self, index: int, share: list[str], spec: dict, folder: Path):
        self.index, self.share, self.folder = index, list(share), folder
        self.base_spec = spec
        self.events = folder / f"worker-{index}.jsonl"
        self.events.touch()
        self.offset, self.current, self.started_at = 0, None, None
        self.done: dict[str, dict] = {}
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def start(self, students: list[str]) -> None:
        spec = dict(self.base_spec, students=students, events=str(self.events))
        path = self.folder / f"worker-{self.index}-{self.restarts}.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        log = (self.folder / f"worker-{self.index}-{self.restarts}.log").open("w", encoding="utf-8")
        env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
                   JUPYTER_RUNTIME_DIR=str(self.folder / "runtime"))  # connection files where no student can look
        self.process = subprocess.Popen([sys.executable, "-m", "eastasia_security.autograde._worker", str(path)],
                                        cwd=spec["course"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()

    def poll_events(self) -> list[dict]:
        with self.events.open(encoding="utf-8") as handle:
            handle.seek(self.offset)
            text = handle.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete.encode("utf-8"))
        records = [json.loads(line) for line in complete.splitlines() if line.strip()]
        for record in records:
            if record["event"] == "start":
                self.current, self.started_at = record["student"], time.monotonic()
            else:
                self.done[record["student"]] = record
                self.current = None
        return records

    def remaining(self) -> list[str]:
        return [s for s in self.share if s not in self.done]

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
        box = self.base_spec.get("sandbox")
        if box:  # the kernel's jail is in a session of its own: stop it through its user
            from .sandbox import clean_slot

            clean_slot(box["uid"])


def _watch(workers: list, deadline: float, killed: dict[str, str], course: Path, assignment: str,
           total: int, progress, on_first_result=None) -> None:
    """Until every share is graded: read the workers' events, replace dead or hung workers, show progress."""
    shown = 0
    while True:
        running = False
        for worker in workers:
            worker.poll_events()
            exited = worker.process.poll() is not None
            if exited:
                worker.poll_events()  # what it wrote just before exiting
            overdue = worker.current and time.monotonic() - worker.started_at > deadline
            if overdue:
                worker.kill()
                worker.poll_events()
            if exited or overdue:
                left = worker.remaining()
                if left:
                    victim = worker.current or left[0]
                    reason = (f"grading took longer than {deadline:.0f} s and was stopped" if overdue else
                              f"the grading process died while grading this submission (exit {worker.process.returncode})")
                    killed[victim] = reason
                    _remove_submission(course, assignment, victim)
                    worker.done[victim] = {"student": victim, "success": False, "flags": [], "statuses": []}
                    worker.current = None
                    rest = worker.remaining()
                    if rest:
                        worker.restarts += 1
                        worker.start(rest)
                        running = True
            else:
                running = True
        done = sum(len(w.done) for w in workers)
        if done and not shown and on_first_result:
            on_first_result()
        if done > shown:  # only ever counts up
            shown = done
            if progress:
                print(f"  graded {done}/{total}", file=progress, flush=True)
        if not running:
            break
        time.sleep(0.3)


def _load_result_tools() -> None:
    """Import what reading the results needs (nbgrader, nbformat: seconds) while the workers grade."""
    import nbgrader.api  # noqa: F401

    from . import feedback  # noqa: F401


def _prepare_sandboxes(jobs: int, limits, folder: Path, locks: list) -> list[dict]:
    """The sandbox users (one free slot per worker) and one world-readable copy of the datasets, validated once."""
    from dataclasses import asdict

    from .. import paths
    from .sandbox import claim_slots, clean_slot, ensure_users

    claimed = claim_slots(jobs)
    locks.extend(handle for _, handle in claimed)
    users = ensure_users([slot for slot, _ in claimed])
    for uid, _ in users:
        clean_slot(uid)  # left over from a batch that was killed
    datasets = folder / "datasets"
    shutil.copytree(paths.datasets_dir(), datasets)
    cache = folder / "cache"
    cache.mkdir()
    for path in [datasets, cache, *datasets.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return [{"uid": uid, "gid": gid, "limits": asdict(limits), "datasets": str(datasets), "cache": str(cache),
             "ready": str(folder / "validation-ready")} for uid, gid in users]


def _seed_validation(box: dict) -> None:
    """Validate the datasets copy once and give the kernels the record, so none re-validates (seconds each).

    Runs while the workers start up; they wait for the ``ready`` marker before their first notebook.
    """
    from .. import data

    datasets, cache = Path(box["datasets"]), Path(box["cache"])
    try:
        if data.validate(datasets).ok:
            record = data._cache_dir() / f"valid-{data._content_key(datasets)}.json"
            if record.is_file():
                temporary = cache / (record.name + ".tmp")
                shutil.copy2(record, temporary)
                os.chmod(temporary, 0o644)
                temporary.replace(cache / record.name)
    except Exception:  # noqa: BLE001 - a kernel then validates for itself (slower, same result)
        pass
    finally:
        Path(box["ready"]).touch()


def _student_deadline(course: Path, assignment: str, timeout: int) -> float:
    """Seconds one submission may take before its worker is stopped: every code cell timing out, plus start-up."""
    import nbformat

    cells = 0
    for notebook in (course / "release" / assignment).glob("*.ipynb"):
        cells += sum(c.cell_type == "code" for c in nbformat.read(notebook, as_version=4).cells)
    return timeout * (cells + 3) + 120


def _output_flags(notebook: Path) -> list[Flag]:
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001
        return [Flag(Code.NOT_RECORDED, f"{notebook.name}: the autograded notebook cannot be read")]
    flags = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "MemoryError":
                flags.append(Flag(Code.MEMORY, f"{notebook.name}, cell {index + 1}: hit the memory limit (MemoryError)"))
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            if "output truncated" in str(text).lower():
                flags.append(Flag(Code.OUTPUT_CUT, f"{notebook.name}, cell {index + 1}: output cut to the configured limit"))
    return list(dict.fromkeys(flags))


def _jail_flags(statuses: list[dict], limit_margin: int = 8) -> list[Flag]:
    flags = []
    for status in statuses:
        name, jail = status["notebook"], status.get("jail")
        if jail is None:
            flags.append(Flag(Code.KILLED, f"{name}: the kernel's sandbox was killed before it could report"))
            continue
        left = jail.get("left_running") or []
        if left:
            shown = "; ".join(left[:3]) + (" ..." if len(left) > 3 else "")
            flags.append(Flag(Code.LINGERING, f"{name}: {len(left)} process(es) still running when the notebook "
                                              f"ended were killed ({shown})"))
        if jail.get("peak_tasks", 0) >= jail.get("process_limit", 1 << 30) - limit_margin:
            flags.append(Flag(Code.PROCESS_LIMIT, f"{name}: reached the limit of {jail['process_limit']} processes "
                                                  f"(fork bomb?); the extra forks failed"))
        if jail.get("wrote_outside"):
            shown = ", ".join(jail["wrote_outside"][:3]) + (" ..." if len(jail["wrote_outside"]) > 3 else "")
            flags.append(Flag(Code.WROTE_OUTSIDE, f"{name}: wrote files outside its folder ({shown}); "
                                                  "they were discarded with the sandbox"))
        if status.get("killed_after"):
            flags.append(Flag(Code.LINGERING, f"{name}: processes still alive after the sandbox's namespace closed "
                                              "were killed: " + "; ".join(status["killed_after"][:3])))
    return flags


def _own_text(folder: Path) -> str:
    """The code and text the student handed in (their own lines are not a leak, even when they match)."""
    import nbformat

    parts = []
    for path in folder.glob("*.ipynb"):
        try:
            parts += [c.source for c in nbformat.read(path, as_version=4).cells]
        except Exception:  # noqa: BLE001 - unreadable notebooks were not graded anyway
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _give_back(course: Path, owner: int, group: int) -> None:
    """Run as root for the sandbox: hand what nbgrader wrote back to the course's owner."""
    for name in ("gradebook.db", "autograded", "feedback"):
        path = course / name
        if not path.exists():
            continue
        for item in [path, *(path.rglob("*") if path.is_dir() else [])]:
            try:
                os.lchown(item, owner, group)
            except OSError:
                pass


def grade(assignment: str, course: Path | str, jobs: int = 1, timeout: int = 60, memory_mb: int = 4096,
          report: Path | str | None = None, progress="stderr", unsafe: bool = False,
          limits=None, order: list[str] | None = None) -> GradingResults:
    """Grade every submission of ``assignment`` in ``course``; see the module docstring.

    ``unsafe=True`` runs student code as the grader (no sandbox): only for trusted submissions, or
    machines that cannot sandbox (:class:`SandboxUnavailable` is raised otherwise). ``order``
    fixes the order in which students are dealt to the workers (default: sorted by id).
    """
    from . import sandbox as sandboxing

    if progress == "stderr":
        progress = sys.stderr
    course = Path(course).resolve()
    if not is_course(course):
        raise NotACourse(f"{course} is not an nbgrader course (no nbgrader_config.py); "
                         "run from the course folder or pass --course")
    if not (course / "release" / assignment).is_dir():
        raise NotACourse(f"{course / 'release' / assignment} does not exist: run "
                         f"`nbgrader generate_assignment {assignment}` in {course} first")
    if not unsafe:
        sandboxing.require()
    limits = limits or sandboxing.SandboxLimits(memory_mb=memory_mb)
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).exists()) if submitted.is_dir() else []
    if order:
        students = [s for s in order if s in students] + [s for s in students if s not in order]
    results = {s: StudentResult(s) for s in students}
    gradable = []
    for student in students:
        ok, flags = preflight(course, assignment, student)
        results[student].flags.extend(flags)
        if ok:
            gradable.append(student)
    jobs = max(1, min(jobs, len(gradable) or 1))
    shares = [gradable[i::jobs] for i in range(jobs)]
    start = time.perf_counter()
    if not unsafe:
        sandboxing.BASE.mkdir(parents=True, exist_ok=True)
        os.chmod(sandboxing.BASE, 0o700)
    work = Path(tempfile.mkdtemp(prefix="batch-", dir=sandboxing.BASE if not unsafe else None))
    locks: list = []
    boxes: list = []
    os.chmod(work, 0o700)
    (work / "runtime").mkdir(mode=0o700)
    if progress:
        mode = "unsandboxed (--unsafe)" if unsafe else "each notebook in a sandbox"
        print(f"Grading {len(gradable)} of {len(students)} submissions of {assignment} with {jobs} worker(s), "
              f"{mode}", file=progress, flush=True)
    try:
        boxes = [None] * jobs if unsafe else _prepare_sandboxes(jobs, limits, work, locks)
        base = {"course": str(course), "assignment": assignment, "timeout": timeout, "memory_mb": memory_mb}
        workers = [_Worker(i, share, dict(base, sandbox=boxes[i]), work) for i, share in enumerate(shares) if share]
        for worker in workers:
            worker.start(worker.share)
        if boxes and boxes[0]:
            _seed_validation(boxes[0])
        deadline = _student_deadline(course, assignment, timeout)
        killed: dict[str, str] = {}
        try:
            _watch(workers, deadline, killed, course, assignment, len(gradable), progress, _load_result_tools)
        except BaseException:
            # Interrupted (Ctrl-C) or failed: stop every worker and leave no half-graded student behind.
            for worker in workers:
                worker.kill()
                worker.poll_events()
                if worker.current:
                    _remove_submission(course, assignment, worker.current)
            raise
        records = {s: r for w in workers for s, r in w.done.items()}
        for worker in workers:
            for position, student in enumerate(worker.share):
                results[student].graded_by = (worker.index, position)
    finally:
        for box in boxes:
            if box:
                sandboxing.clean_slot(box["uid"])
        for handle in locks:
            handle.close()
        if not os.environ.get("EASTASIA_SECURITY_KEEP_WORK"):
            shutil.rmtree(work, ignore_errors=True)

    from nbgrader.api import Gradebook, MissingEntry

    from .feedback import redact_leaks, secret_lines
    from .recheck import recheck

    source_dir, release_dir = course / "source" / assignment, course / "release" / assignment
    secrets = {nb.name: secret_lines(nb, release_dir / nb.name) for nb in source_dir.glob("*.ipynb")}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id(course)) as gb:
        try:
            maximum = gb.find_assignment(assignment).max_code_score
        except MissingEntry:
            maximum = None
        for student in students:
            result = results[student]
            result.max_score = maximum
            if student not in gradable:
                result.score, result.graded = 0.0, False
                continue
            record = records.get(student, {})
            result.flags.extend(Flag(Code(f["code"]), f["message"]) for f in record.get("flags", []))
            result.flags.extend(_jail_flags(record.get("statuses", [])))
            if student in killed:
                result.flags.append(Flag(Code.KILLED, f"{killed[student]}: not graded, review by hand"))
            elif not record.get("success"):
                if not any(f.code in NOT_GRADED for f in result.flags):
                    result.flags.append(Flag(Code.NOT_GRADED, f"nbgrader could not grade it "
                                                              f"({record.get('error') or 'no error given'})"))
            else:
                try:
                    sub = gb.find_submission(assignment, student)
                    result.score, result.graded = sub.code_score, True
                except MissingEntry:
                    result.flags.append(Flag(Code.NOT_RECORDED, "nbgrader recorded no submission"))
            if not result.graded:
                result.score = 0.0
                continue
            folder = course / "autograded" / student / assignment
            rechecked = recheck(gb, assignment, student, source_dir, folder)
            if rechecked:
                result.flags.extend(rechecked)
                result.score = gb.find_submission(assignment, student).code_score
            own = _own_text(submitted / student / assignment)
            for notebook in sorted(folder.glob("*.ipynb")):
                result.flags.extend(_output_flags(notebook))
                result.flags.extend(redact_leaks(notebook, secrets.get(notebook.name, set()), own))
            result.flags = list(dict.fromkeys(result.flags))
    for student in students:
        if not results[student].graded:
            _remove_submission(course, assignment, student)
    if os.geteuid() == 0:
        owner = course.stat()
        if owner.st_uid != 0:
            _give_back(course, owner.st_uid, owner.st_gid)
    outcome = GradingResults(assignment, [results[s] for s in students], sandboxed=not unsafe,
                             seconds=time.perf_counter() - start)
    outcome.gradebook_problems = check_gradebook(course, assignment)
    if progress:
        print(f"Done in {outcome.seconds:.1f} s", file=progress, flush=True)
    if report is not None:
        outcome.write_csv(report)
    return outcome

