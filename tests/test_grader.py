"""`eastasia-security grade`: the hostile suite in one sandboxed batch, parallel = serial, --unsafe.

Real nbgrader, real Unix users, real namespaces and processes: these tests need Linux and root
(CI has both). Where the machine cannot sandbox, the sandboxed tests are skipped with the reason
and the refusal test checks that `grade` says so.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from eastasia_security import autograde
from eastasia_security.autograde import Code, sandbox
from eastasia_security.cli import main
from hostile_submissions import ASSIGNMENT, ATTACKS, CASES, FULL, LINGER_SECONDS, Maker
from kit_testing import REPO

pytestmark = pytest.mark.slow
needs_sandbox = pytest.mark.skipif(sandbox.unavailable_reason() is not None,
                                   reason=f"cannot sandbox here: {sandbox.unavailable_reason()}")
HOST_MARKERS = ["/tmp/eas-escape-marker", "/var/tmp/eas-escape-marker", "/dev/shm/eas-escape-marker",
                "/etc/eas-escape-marker", "/eas-escape-marker", "/tmp/eas-lingering-struck"]


def _env() -> dict:
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


def _course_copy(root: Path) -> Path:
    shutil.copytree(REPO / "course", root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("release", "submitted", "autograded", "feedback", "gradebook.db*",
                                                  "grades*.csv", ".grade-worker-*", "__pycache__"))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
                          cwd=root, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sandbox_processes() -> list[str]:
    uids = set()
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(sandbox.USER_PREFIX):
            uids.add(entry.pw_uid)
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid in uids and "\nState:\tZ" not in (proc / "status").read_text():
                alive.append(proc.name)
        except OSError:
            continue
    return alive


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    if sandbox.unavailable_reason():
        pytest.skip(f"cannot sandbox here: {sandbox.unavailable_reason()}")
    for marker in HOST_MARKERS:
        Path(marker).unlink(missing_ok=True)
    course = _course_copy(tmp_path_factory.mktemp("hostile"))
    maker = Maker(course)
    for case in CASES:
        case.build(maker, course / "submitted" / case.student / ASSIGNMENT)
    report = course / "report.csv"
    # Attacks first: with two workers dealt in turn, each worker's share starts with them.
    order = [c.student for c in ATTACKS] + [c.student for c in CASES if c not in ATTACKS]
    results = autograde.grade(ASSIGNMENT, course, jobs=2, timeout=10, memory_mb=4096, report=report, progress=None,
                              order=order)
    digest = _sha(course / "gradebook.db")
    time.sleep(LINGER_SECONDS + 4)  # longer than any hostile delay: a survivor would strike now
    return course, results, report, digest


@pytest.mark.skipif(not os.environ.get("CI"), reason="only CI promises a machine that can sandbox")
def test_ci_grades_in_the_sandbox():
    """CI runs as root on Linux: the sandboxed tests must run there, never be skipped."""
    assert sandbox.unavailable_reason() is None


def test_the_suite_has_every_class_of_attack():
    assert len(CASES) >= 30 and len({c.student for c in CASES}) == len(CASES)
    codes = {c.code for c in ATTACKS}
    assert {"grader-attack", "leak-attempt", "lingering-processes", "process-limit", "network", "wrote-outside",
            "leaked-output"} <= codes
    assert all(c.code is None or c.code in {code.value for code in Code} for c in CASES)


def test_attacks_are_first_in_each_workers_share(hostile_batch):
    _, results, _, _ = hostile_batch
    attacks = {c.student for c in ATTACKS}
    shares: dict[int, list[str]] = {}
    for r in sorted((r for r in results if r.graded_by), key=lambda r: r.graded_by):
        shares.setdefault(r.graded_by[0], []).append(r.student)
    assert len(shares) == 2
    assert shares[0][0] == "a01-kills-parent" and shares[1][0] == "a02-kills-everyone"
    for share in shares.values():
        first = share[: len([s for s in share if s in attacks])]
        assert set(first) <= attacks and len(first) >= 4, share  # every attack comes before any honest student


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_each_hostile_case_ends_as_specified(hostile_batch, case):
    _, results, _, _ = hostile_batch
    result = results[case.student]
    messages = [str(f) for f in result.flags]
    if case.expected is None:
        assert not result.graded, f"{case.student} should not be graded ({case.why})"
    else:
        assert result.graded, f"{case.student} should be graded: {messages}"
        assert result.score == pytest.approx(case.expected), f"{case.student}: {result.score} ({case.why}); {messages}"
    if case.flag is None:
        assert result.flags == [], f"{case.student}: unexpected flags {messages}"
    else:
        assert any(case.flag in m for m in messages), f"{case.student}: flags {messages} lack {case.flag!r}"
        assert case.code in result.codes, f"{case.student}: codes {result.codes} lack {case.code!r}"


def test_every_correct_student_keeps_full_marks(hostile_batch):
    _, results, _, _ = hostile_batch
    correct = [c for c in CASES if c.expected == FULL]
    assert len(correct) >= 20
    assert {c.student: results[c.student].score for c in correct} == {c.student: FULL for c in correct}


def test_gradebook_intact_after_every_hostile_delay(hostile_batch):
    course, results, _, digest = hostile_batch
    assert _sha(course / "gradebook.db") == digest, "something wrote the gradebook after grading ended"
    assert autograde.check_gradebook(course, ASSIGNMENT) == []
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        in_db = {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}
    assert in_db == {r.student: r.score for r in results if r.graded}
    assert _sandbox_processes() == [], "a sandboxed process outlived its batch"
    escaped = [str(f) for r in results for f in r.flags if "after the sandbox's namespace closed" in f.message]
    assert escaped == [], "a process outlived its PID namespace and had to be killed by uid"


def test_nothing_was_written_outside_the_sandbox(hostile_batch):
    course, _, _, _ = hostile_batch
    for marker in HOST_MARKERS + [str(course / "eas-escape-marker")]:
        assert not Path(marker).exists(), f"a submission wrote {marker} on the host"
    # Classmates' notebooks are untouched: each is still a valid notebook.
    for notebook in (course / "submitted").glob(f"*/{ASSIGNMENT}/*.ipynb"):
        if notebook.parent.parent.name not in ("s17-invalid-json", "s20-empty-notebook"):
            nbformat.read(notebook, as_version=4)


def _cell_outputs(course: Path, student: str) -> str:
    nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    return "\n".join(json.dumps(c.get("outputs", [])) for c in nb.cells)


def test_the_attacks_saw_nothing_of_the_course(hostile_batch):
    course, _, _, _ = hostile_batch
    assert '"FOUND 0' in _cell_outputs(course, "a03-reads-source")
    assert '"WIPED 0' in _cell_outputs(course, "a04-wipes-gradebook")
    network = _cell_outputs(course, "a07-network")
    assert "no network" in network and "CONNECTED" not in network
    writes = _cell_outputs(course, "a08-writes-outside")
    assert "cannot write /etc/eas-escape-marker" in writes and f"cannot write {course}" in writes


def _secrets(course: Path) -> set[str]:
    return autograde.secret_lines(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                  course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def _own_text(course: Path, student: str) -> str:
    notebook = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)


def _feedback_text(page: Path) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", "", page.read_text(encoding="utf-8"), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_no_hidden_test_or_model_answer_in_outputs_or_feedback(hostile_batch):
    course, results, _, _ = hostile_batch
    secrets = _secrets(course)
    assert len(secrets) > 20 and any(s.startswith("expect_equal(q1, 17,") for s in secrets)
    outcome = autograde.generate_feedback(course, ASSIGNMENT)
    graded = [r.student for r in results if r.graded]
    assert set(outcome) == set(graded) and all(r["success"] for r in outcome.values()), outcome
    visible = "expect_type(q3, numbers.Integral, what='the busiest month of 2022'"
    for student in graded:
        own = _own_text(course, student)
        outputs = _cell_outputs(course, student)
        feedback = _feedback_text(course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html")
        assert visible in feedback  # the method sees code in the feedback: a hidden line would be seen too
        for secret in secrets:
            if secret in own:
                continue  # the student's own code (s01 hands in the model answers)
            assert secret not in outputs, f"{student}: a graded notebook's output quotes {secret!r}"
            assert secret not in feedback, f"{student}: the feedback quotes {secret!r}"


def test_feedback_names_the_failed_test_and_its_message(hostile_batch):
    course, _, _, _ = hostile_batch
    feedback = _feedback_text(course / "feedback" / "s03-wrong-answers" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    assert "AssertionError: the busiest month of 2022: expected 1, got 12." in feedback
    assert "Hint: Count the rows of that year per month; on a tie take the earliest month." in feedback
    assert "most recent call last" not in feedback and "BEGIN HIDDEN TESTS" not in feedback
    assert "expect_equal(q3" not in feedback  # the hidden value check itself is never shown


def test_report_csv_lists_every_student_with_codes(hostile_batch):
    _, results, report, _ = hostile_batch
    with report.open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {c.student for c in CASES}
    assert rows["s07-os-exit"]["flag_codes"] == "kernel-died" and rows["s07-os-exit"]["graded"] == "no"
    assert "timeout" in rows["s04-infinite-loop"]["flag_codes"].split()
    assert "after 10 s" in rows["s04-infinite-loop"]["flags"]
    assert rows["s01-correct"]["score"] == f"{FULL:g}" and rows["s01-correct"]["flag_codes"] == ""
    assert results.to_dict()["results"][0]["student"] == ATTACKS[0].student


def test_the_students_files_are_never_removed(hostile_batch):
    course, _, _, _ = hostile_batch
    assert (course / "submitted" / "s18-wrong-file-name" / ASSIGNMENT / "ps2.ipynb").is_file()
    assert (course / "submitted" / "s17-invalid-json" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    kept = course / "submitted" / "s13-duplicated-cell" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb.as-submitted"
    assert kept.is_file() and kept.read_text(encoding="utf-8").count('"grade_id": "ps2-period-tests"') == 2


def _normal_submissions(course: Path) -> None:
    maker = Maker(course)
    variants = {
        "p1": maker.solved(), "p2": maker.release, "p3": maker.solved(skip=("ps2-period-answer",)),
        "p4": maker.answer("ps2-busiest-answer", "q3 = 10\n"),
        "p5": maker.solved(skip=("ps2-period-answer", "ps2-busiest-answer")), "p6": maker.solved(),
    }
    for student, nb in variants.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")


def _scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "eastasia-security") as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(ASSIGNMENT)}


@needs_sandbox
def test_sandboxed_parallel_grading_gives_the_scores_of_serial_nbgrader(tmp_path, monkeypatch, capsys):
    parallel = _course_copy(tmp_path / "parallel")
    serial = _course_copy(tmp_path / "serial")
    _normal_submissions(parallel)
    _normal_submissions(serial)
    monkeypatch.chdir(parallel)  # --course defaults to the folder the instructor stands in
    assert main(["grade", ASSIGNMENT, "--jobs", "2", "--report", str(tmp_path / "r.csv")]) == 0
    counts = [int(n) for n in re.findall(r"graded (\d+)/6", capsys.readouterr().err)]
    assert counts and counts == sorted(set(counts)) and counts[-1] == 6  # progress only ever counts up
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=serial, env=_env(),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _scores(parallel) == _scores(serial)
    assert _scores(serial) == {"p1": 10.0, "p2": 0.0, "p3": 6.0, "p4": 7.0, "p5": 3.0, "p6": 10.0}


def test_unsafe_grading_survives_a_submission_that_kills_the_grader(tmp_path, capsys):
    course = _course_copy(tmp_path / "unsafe")
    _normal_submissions(course)
    maker = Maker(course)
    ATTACKS[0].build(maker, course / "submitted" / "a01-kills-parent" / ASSIGNMENT)  # first in worker 0's share
    assert main(["grade", ASSIGNMENT, "--course", str(course), "--jobs", "2", "--unsafe",
                 "--report", str(tmp_path / "r.csv")]) == 0
    captured = capsys.readouterr()
    assert "WARNING: grading WITHOUT a sandbox (--unsafe)" in captured.err
    with (tmp_path / "r.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert "killed" in rows["a01-kills-parent"]["flag_codes"].split() and rows["a01-kills-parent"]["graded"] == "no"
    assert {s: rows[s]["score"] for s in ("p1", "p2", "p3", "p4", "p5", "p6")} == {
        "p1": "10", "p2": "0", "p3": "6", "p4": "7", "p5": "3", "p6": "10"}
    assert autograde.check_gradebook(course, ASSIGNMENT) == []
    assert "a01-kills-parent" not in _scores(course)


def _instructor_user() -> pwd.struct_passwd:
    name = "eas-test-instructor"
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        name], check=True, capture_output=True)
        return pwd.getpwnam(name)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as an ordinary instructor account")
def test_grade_refuses_loudly_without_isolation(tmp_path):
    """An ordinary (non-root) instructor account cannot sandbox: grade refuses and names --unsafe."""
    user = _instructor_user()
    probe = subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                            sys.executable, "-c", "import eastasia_security"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"the kit's environment is not readable by an ordinary user here: {probe.stderr[-200:]}")
    folder = Path(tempfile.mkdtemp(prefix="eas-refusal-"))  # pytest's tmp_path is private to root
    try:
        course = _course_copy(folder / "course")
        _normal_submissions(course)
        home = folder / "home"
        home.mkdir()
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
        done = subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups",
                               sys.executable, "-m", "eastasia_security", "grade", ASSIGNMENT],
                              cwd=course, env=dict(_env(), HOME=str(home)), capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "REFUSING TO GRADE" in done.stderr and "--unsafe" in done.stderr and "root" in done.stderr
        assert not (course / "autograded").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_course_defaults_to_the_current_folder_and_says_when_it_is_not_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["grade", ASSIGNMENT]) == 1
    message = capsys.readouterr().err
    assert f"the current folder ({tmp_path})" in message and "nbgrader_config.py" in message
