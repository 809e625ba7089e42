"""Hostile and broken submissions to ps2_missile_data, each with the outcome the grader must produce.

Each case builds a submission folder from the released notebook and the instructor's
solutions. ``expected`` is the autograded score (``None`` when the submission must not be
graded), ``flag`` a phrase that must appear in the report's flags (``None``: no flags) and
``code`` the flag code it must carry (:class:`eastasia_security.autograde.Code`).
ps2's autograded parts: events under a rule 4, missiles 3, busiest month 3 (10 points).

The ``a..`` cases attack the grader itself (issue 14): they read the instructor's files, wipe
the gradebook, leave processes behind, kill the grading process, fork-bomb, use the network,
write outside their folder and leak the hidden tests through their outputs. Their ids sort
before the ``s..`` cases, so each lands first in a worker's share. ``LINGER_SECONDS`` is the
delay of the one that tries to strike after grading has finished.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

ASSIGNMENT = "ps2_missile_data"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
FULL = 10.0


@dataclass
class Case:
    student: str
    build: Callable[["Maker", Path], None]
    expected: float | None
    flag: str | None
    why: str
    code: str | None = None


class Maker:
    """Builds submissions from the release and the source notebooks of a course copy."""

    def __init__(self, course: Path):
        self.course = course.resolve()
        self.release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
        source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
        self.solutions = {c.metadata["nbgrader"]["grade_id"]: _strip(c.source) for c in source.cells
                          if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}

    def solved(self, skip: tuple[str, ...] = ()) -> nbformat.NotebookNode:
        nb = nbformat.from_dict(json.loads(json.dumps(self.release)))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in self.solutions and gid not in skip:
                cell.source = self.solutions[gid]
        return nb

    def with_cell_after(self, code: str, after: str = "ps2-period-answer", nb=None) -> nbformat.NotebookNode:
        nb = nb or self.solved()
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
        return nb

    def answer(self, grade_id: str, code: str) -> nbformat.NotebookNode:
        nb = self.solved()
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                cell.source = code
        return nb


ALWAYS_EQUAL = """class Sly(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__

q1 = Sly(3)
"""

#: Rebinds the helper without any text the pre-flight's patterns look for.
EVASIVE_REBIND = """import importlib
helpers = importlib.import_module("eastasia_" + "security.grading")
setattr(helpers, "expect_" + "equal", lambda *args, **kwargs: None)
"""


def _rebound_and_wrong(m: "Maker") -> nbformat.NotebookNode:
    nb = m.with_cell_after("import eastasia_security.grading as g\ng.expect_equal = lambda *a, **k: None")
    wrong = {"ps2-period-answer": "q1 = 16\n", "ps2-missiles-answer": "q2 = 64\n", "ps2-busiest-answer": "q3 = 12\n"}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in wrong:
            cell.source = wrong[gid]
    return nb


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _write(folder: Path, nb, name: str = NOTEBOOK) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _edited_test(m: Maker, folder: Path) -> None:
    nb = m.answer("ps2-period-answer", "q1 = 0\n")
    _cell(nb, "ps2-period-tests").source = "pass  # the tests are fine, trust me"
    _write(folder, nb)


def _deleted_test(m: Maker, folder: Path) -> None:
    nb = m.solved()
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "ps2-busiest-tests"]
    _write(folder, nb)


def _duplicated(m: Maker, folder: Path) -> None:
    nb = m.solved()
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ps2-period-tests")
    nb.cells.insert(index + 1, nbformat.from_dict(json.loads(json.dumps(nb.cells[index]))))
    _write(folder, nb)


def _points(m: Maker, folder: Path) -> None:
    nb = m.solved(skip=("ps2-busiest-answer",))
    _cell(nb, "ps2-busiest-tests").metadata["nbgrader"]["points"] = 100
    _write(folder, nb)


def _kernel(m: Maker, folder: Path) -> None:
    nb = m.solved()
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "Evil", "language": "python"}
    _write(folder, nb)


def _empty(m: Maker, folder: Path) -> None:
    nb = m.solved()
    nb.cells = []
    _write(folder, nb)


def _bad_json(m: Maker, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(m.solved())
    (folder / NOTEBOOK).write_text(text[: len(text) // 2], encoding="utf-8")


def _wrong_name(m: Maker, folder: Path) -> None:
    _write(folder, m.solved(), name="ps2.ipynb")


def _extra_files(m: Maker, folder: Path) -> None:
    _write(folder, m.solved())
    (folder / "my_notes.txt").write_text("notes", encoding="utf-8")
    (folder / "launches_copy.csv").write_text("a,b\n1,2\n", encoding="utf-8")


def _nothing(m: Maker, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "readme.txt").write_text("I forgot the notebook", encoding="utf-8")


LINGER_SECONDS = 6


def _attack(code: str):
    """A solved notebook with ``code`` (formatted with the course path as {course}) in a cell of its own."""
    def build(m: Maker, folder: Path) -> None:
        _write(folder, m.with_cell_after(code.replace("{course}", str(m.course))))
    return build


KILL_PARENT = """import os, signal
os.kill(os.getppid(), signal.SIGKILL)
"""
KILL_EVERYONE = """import os, signal
mine = {int(t) for t in os.listdir("/proc/self/task")}  # its own threads: killing one kills the kernel
for pid in range(1, 40000):
    if pid not in mine:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
print("kill sweep done")
"""
READ_SOURCE = r"""import glob, os
found = []
for root in ["{course}", os.path.abspath(".."), os.path.abspath("../.."), os.path.expanduser("~")]:
    for path in glob.glob(os.path.join(root, "source", "*", "*.ipynb")) + glob.glob(os.path.join(root, "release", "*", "*.ipynb")):
        try:
            found.append(open(path, encoding="utf-8").read())
        except OSError as exc:
            found.append(f"{path}: {exc}")
print("FOUND", len(found))
print("\n".join(found))
"""
WIPE_GRADEBOOK = """import glob, os
hits = []
for target in glob.glob("{course}/gradebook.db") + glob.glob("../../gradebook.db"):
    try:
        open(target, "w").close()
        hits.append(target)
    except OSError as exc:
        print("cannot wipe", target, exc)
for other in glob.glob("{course}/submitted/*/*/*.ipynb") + glob.glob("{course}/autograded/*/*/*.ipynb"):
    try:
        open(other, "w").write("{}")
        hits.append(other)
    except OSError as exc:
        print("cannot overwrite", other, exc)
print("WIPED", len(hits))
"""
LINGER = r"""import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time, os\n"
                  "time.sleep(%d)\n"
                  "open('{course}/gradebook.db', 'w').close()\n"
                  "open('/tmp/eas-lingering-struck', 'w').write('too late')\n"],
                 start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("detached")
""" % LINGER_SECONDS
FORK_BOMB = """import os, time
if os.fork() == 0:
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.2)
time.sleep(3)
"""
NETWORK = """import socket, urllib.request
for attempt in (lambda: socket.create_connection(("pypi.org", 443), timeout=3),
                lambda: socket.create_connection(("1.1.1.1", 53), timeout=3),
                lambda: urllib.request.urlopen("http://example.com", timeout=3)):
    try:
        attempt()
        print("CONNECTED")
    except OSError as exc:
        print("no network:", type(exc).__name__)
"""
WRITE_OUTSIDE = """import os
for path in ["/tmp/eas-escape-marker", "/var/tmp/eas-escape-marker", "/dev/shm/eas-escape-marker",
             os.path.expanduser("~/.bashrc-eas-marker"), "/etc/eas-escape-marker", "/eas-escape-marker",
             "{course}/eas-escape-marker", "../eas-escape-marker"]:
    try:
        with open(path, "w") as handle:
            handle.write("escaped")
        print("wrote", path)
    except OSError as exc:
        print("cannot write", path, type(exc).__name__)
"""
LEAK_HIDDEN = r"""ip = get_ipython()
ip.events.register("pre_run_cell", lambda info: print("NEXT CELL:\n" + info.raw_cell))
"""

ATTACKS = [
    Case("a01-kills-parent", _attack(KILL_PARENT), FULL, "signals", "the kernel cannot signal the grader (root)",
         "grader-attack"),
    Case("a02-kills-everyone", _attack(KILL_EVERYONE), FULL, "signals",
         "in its PID namespace it sees only its own processes", "grader-attack"),
    Case("a03-reads-source", _attack(READ_SOURCE), FULL, "course's files",
         "source/ and release/ do not exist in the sandbox", "leak-attempt"),
    Case("a04-wipes-gradebook", _attack(WIPE_GRADEBOOK), FULL, "course's files",
         "the gradebook and classmates' notebooks do not exist in the sandbox", "leak-attempt"),
    Case("a05-lingering", _attack(LINGER), FULL, "still running",
         "the detached process dies with the notebook's namespace", "lingering-processes"),
    Case("a06-fork-bomb", _attack(FORK_BOMB), FULL, "limit of",
         "the process limit stops the bomb; the answers are still graded", "process-limit"),
    Case("a07-network", _attack(NETWORK), FULL, "network", "no network interface in the sandbox", "network"),
    Case("a08-writes-outside", _attack(WRITE_OUTSIDE), FULL, "outside its folder",
         "only the sandbox's tmpfs is writable, and it is discarded", "wrote-outside"),
    Case("a09-leaks-hidden-tests", _attack(LEAK_HIDDEN), FULL, "quoted hidden tests",
         "a hook prints each cell the grader runs; those outputs are removed", "leaked-output"),
]

CASES = ATTACKS + [
    Case("s01-correct", lambda m, f: _write(f, m.solved()), FULL, None, "control: the model answers"),
    Case("s02-untouched", lambda m, f: _write(f, m.release), 0.0, None, "control: nothing answered"),
    Case("s03-wrong-answers", lambda m, f: _write(f, m.answer(
        "ps2-busiest-answer", "q3 = 12\n")), 7.0, None,
         "one wrong answer loses its 3 points"),
    Case("s04-infinite-loop", lambda m, f: _write(f, m.with_cell_after("while True:\n    pass")), FULL,
         "timed out", "the loop is interrupted at the cell timeout; the answers are still graded", code="timeout"),
    Case("s05-loop-in-answer", lambda m, f: _write(f, m.answer(
        "ps2-period-answer", "while True:\n    pass\nq1 = 17\n")), 6.0, "timed out",
         "an answer that never returns fails its own test only", code="timeout"),
    Case("s06-sys-exit", lambda m, f: _write(f, m.with_cell_after("import sys\nsys.exit()")), FULL, None,
         "IPython catches SystemExit: the kernel lives on"),
    Case("s07-os-exit", lambda m, f: _write(f, m.with_cell_after("import os\nos._exit(1)")), None, "kernel died",
         "the kernel process exits: not graded, flagged for review", code="kernel-died"),
    Case("s08-kernel-crash", lambda m, f: _write(f, m.with_cell_after("import ctypes\nctypes.string_at(0)")), None,
         "kernel died", "a segmentation fault kills the kernel: not graded, flagged", code="kernel-died"),
    Case("s09-memory-bomb", lambda m, f: _write(f, m.with_cell_after("hog = bytearray(8 * 1024 ** 3)")), FULL,
         "memory limit", "the allocation fails under the per-process memory cap", code="memory"),
    Case("s10-huge-output", lambda m, f: _write(f, m.with_cell_after("for i in range(20_000):\n    print('x' * 2500)")),
         FULL, "output cut", "50 MB of output is cut to the configured number of lines", code="output-cut"),
    Case("s11-deleted-test", _deleted_test, FULL, "deleted cell 'ps2-busiest-tests'",
         "nbgrader restores the deleted test cell and runs it", code="tampering"),
    Case("s12-edited-test", _edited_test, 6.0, "edited test cell 'ps2-period-tests'",
         "the edited test is restored, so the wrong answer still fails", code="tampering"),
    Case("s13-duplicated-cell", _duplicated, FULL, "appears 2 times", "graded from a copy without the repeat; original kept", code="duplicated-cells"),
    Case("s14-changed-points", _points, 7.0, "changed points on 'ps2-busiest-tests'",
         "points come from the gradebook, not the student's metadata", code="tampering"),
    Case("s15-redefines-helper", lambda m, f: _write(f, m.with_cell_after(
        "import eastasia_security.grading as g\ng.expect_equal = lambda *a, **k: None")), FULL, "test helpers",
         "flagged for review: tampering with the test helpers", code="tampering"),
    Case("s25-helper-rebound-wrong", lambda m, f: _write(f, _rebound_and_wrong(m)), 0.0,
         "not when the grader checked it again",
         "every hidden check passes in the kernel; the grader's own re-check of the recorded answers fails all three",
         code="tampering"),
    Case("s26-always-equal", lambda m, f: _write(f, m.answer("ps2-period-answer", ALWAYS_EQUAL)), 6.0,
         "not when the grader checked it again",
         "an int whose __eq__ always says yes passes in the kernel; the grader reads the int itself (3)",
         code="tampering"),
    Case("s27-helper-rebound-evasively", lambda m, f: _write(f, m.with_cell_after(EVASIVE_REBIND, nb=m.answer(
        "ps2-busiest-answer", "q3 = 12\n"))), 7.0, "not when the grader checked it again",
         "a rebinding the pre-flight's patterns miss is caught by the re-check: the wrong q3 loses its 3 points",
         code="tampering"),
    Case("s28-silences-the-record", lambda m, f: _write(f, m.with_cell_after(
        "import eastasia_security.grading as g\ng.record_answer = lambda *a, **k: None")), 0.0, "recorded 0 times",
         "no answer reaches the grader: every re-check fails (flagged for review)", code="tampering"),
    Case("s16-redefines-builtin", lambda m, f: _write(f, m.with_cell_after("import builtins\nbuiltins.print = lambda *a, **k: None")),
         FULL, "builtins", "flagged for review: tampering with builtins", code="tampering"),
    Case("s17-invalid-json", _bad_json, None, "not a valid notebook", "cannot be read: not graded, flagged", code="invalid-notebook"),
    Case("s18-wrong-file-name", _wrong_name, FULL, "wrong file name", "graded under the expected name", code="wrong-file-name"),
    Case("s19-extra-files", _extra_files, FULL, "extra files", "graded; the extra files are listed", code="extra-files"),
    Case("s20-empty-notebook", _empty, None, "empty", "nothing to grade: not graded, flagged", code="empty-notebook"),
    Case("s21-no-notebook", _nothing, None, "no notebook", "nothing handed in: flagged", code="no-notebook"),
    Case("s22-changed-kernel", _kernel, FULL, "changed kernel", "nbgrader restores the kernel", code="tampering"),
    Case("s23-José-Müller", lambda m, f: _write(f, m.solved()), FULL, None, "a non-ASCII student id"),
    Case("s24-김민준", lambda m, f: _write(f, m.solved(skip=("ps2-period-answer",))), 6.0, None,
         "a Hangul student id, one answer missing"),
]
