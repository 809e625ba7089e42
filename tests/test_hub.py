"""A class on one server, end to end: deploy/jupyterhub/setup.sh, a real JupyterHub, real Unix users.

What course/INSTRUCTORS.md ("A class on one server") tells an instructor to do, done here in the
same order: the administrator writes hub.ini and runs setup.sh (twice: the second run changes
nothing); the hub starts on loopback; the instructor generates and releases ps1_geography; one
student logs in through the hub in Chromium and fetches, answers and submits in JupyterLab, two
others use the nbgrader commands as themselves; the instructor collects; root grades in the
sandbox; the grader enters a manual grade in the formgrader in Chromium; the instructor generates
and releases feedback; every student fetches their own; the instructor exports Canvas and Moodle
grade files. Then each isolation promise is checked as the user it protects against.

Needs Linux, root, Debian's python3-venv, Node.js with npm and Chromium (CI has them all; .ci/run
installs them). Elsewhere the tests skip with the reason; under CI=true they fail instead.

``EAS_HUB_LOOSEN=<name>`` (for proving the isolation tests bite) loosens one permission after
set-up; the isolation test that guards it must then fail. Names: see ``LOOSENINGS``.
"""

from __future__ import annotations

import csv
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eastasia_security import assignments
from kit_testing import REPO, free_port, require

pytestmark = pytest.mark.slow

PREFIX = Path("/opt/eas-hub-test")          # not the real /opt/eastasia-security of a server
SRV = Path("/srv/eas-hub-test")
EXCHANGE = SRV / "exchange"
COURSES = SRV / "courses"
ADMIN = SRV / "admin"                        # hub.ini and the roster: root's only
COURSE = "eas-hub-course"
ROOT = COURSES / COURSE
ASSIGNMENT = "ps1_geography"
INSTRUCTOR, GRADER = "eas-hub-instructor", "eas-hub-grader"
STUDENTS = ["eas-hub-student1", "eas-hub-student2", "eas-hub-student3"]
USERS = [INSTRUCTOR, GRADER, *STUDENTS]
GROUPS = ["eas-hub-users"] + [f"{course}-{role}" for course in ("eas-hub-course", "eas-hub-course2")
                               for role in ("instructors", "graders", "students")]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
ROSTER = """id,first_name,last_name,email,lms_user_id,sis_user_id,sis_login_id,section
eas-hub-student1,Min-ji,Kim,minji.kim@example.edu,1001,S-0001,mkim,Section A
eas-hub-student2,Haruto,Sato,haruto.sato@example.edu,1002,S-0002,hsato,Section A
eas-hub-student3,Wei,Chen,wei.chen@example.edu,1003,S-0003,wchen,Section B
"""
SPEC = assignments.load_spec(ASSIGNMENT)
AUTO_POINTS = sum(item.points for item in SPEC.auto_items())
FIRST = SPEC.auto_items()[0]
# The answer student 1 types in JupyterLab: the first question (a distance), in the default variant.
DISTANCE_ANSWER = 'q1 = geo.distance_km("pyongyang", "tokyo")\n'
WRITTEN = SPEC.written_items()[0]
WRITTEN_POINTS = 3.0   # the manual grade the grader gives student 2 in the formgrader

#: One way each to loosen what an isolation test checks (EAS_HUB_LOOSEN=name), applied after set-up.
LOOSENINGS = {
    "course-root": lambda: os.chmod(ROOT, 0o3775),                           # others may list the course
    "inbound": lambda: os.chmod(EXCHANGE / COURSE / "inbound", 0o2777),     # others may list inbound
    "feedback-dir": lambda: os.chmod(EXCHANGE / COURSE / "feedback", 0o2775),
    # Both layers: setup.sh's chmod and the hub's at each server start.
    "homes": lambda: ([os.chmod(pwd.getpwnam(u).pw_dir, 0o755) for u in STUDENTS],
                      (PREFIX / "etc" / "jupyterhub_config.py").open("a").write(
                          "\n_private = c.Spawner.pre_spawn_hook\n\n\ndef _open_home(spawner):\n"
                          "    _private(spawner)\n    os.chmod(pwd.getpwnam(spawner.user.name).pw_dir, 0o755)\n\n\n"
                          "c.Spawner.pre_spawn_hook = _open_home\n")),
    "submission-files": lambda: subprocess.run(["chmod", "-R", "o+rX", str(EXCHANGE / COURSE / "inbound")], check=True),
    "source-for-graders": lambda: subprocess.run(["gpasswd", "-a", GRADER, f"{COURSE}-instructors"],
                                                 check=True, capture_output=True),
    "gradebook": lambda: os.chmod(ROOT / "gradebook.db", 0o664) or os.chmod(ROOT, 0o3775),
    # Every user may use every server (what making everyone a hub admin would do).
    "servers": lambda: (PREFIX / "etc" / "jupyterhub_config.py").open("a").write(
        '\nc.JupyterHub.load_roles = [{"name": "user", "scopes": ["self", "access:servers"]}]\n'),
}




def _missing() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the hub tests need Linux"
    if os.geteuid() != 0:
        return "the hub tests need root (they create Unix users and run JupyterHub as root, like a server)"
    for tool in ("useradd", "chpasswd", "gpasswd", "node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is missing (Debian/Ubuntu: apt-get install passwd nodejs npm)"
    if subprocess.run(["/usr/bin/python3", "-c", "import ensurepip, venv"], capture_output=True).returncode:
        return "Debian's python3-venv is missing (apt-get install python3-venv)"
    if not Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium").exists():
        return "Chromium is missing (apt-get install chromium)"
    return None


def _user_env(user: str) -> dict:
    home = pwd.getpwnam(user).pw_dir
    return {"HOME": home, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
            "PATH": f"{PREFIX / 'env' / 'bin'}:/usr/local/bin:/usr/bin:/bin"}


def as_user(user: str, args: list[str], cwd: Path | str | None = None, check: bool = True,
            timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a command as ``user`` with their groups and home, as a login would."""
    entry = pwd.getpwnam(user)
    done = subprocess.run(args, user=entry.pw_uid, group=entry.pw_gid,
                          extra_groups=os.getgrouplist(user, entry.pw_gid), env=_user_env(user),
                          cwd=str(cwd or entry.pw_dir), capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"{user}: {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def as_user_python(user: str, code: str, *args: str) -> subprocess.CompletedProcess:
    """Python run as ``user`` (for what the user's own code may or may not do); never raises."""
    return as_user(user, [str(PREFIX / "env" / "bin" / "python"), "-c", code, *args], check=False)


def nbgrader(user: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return as_user(user, [str(PREFIX / "env" / "bin" / "nbgrader"), *args], cwd=cwd)


def _kill_user_processes(users: list[str]) -> None:
    """Kill, by pid, every process of the test's own users (their servers, kernels)."""
    uids = set()
    for user in users:
        try:
            uids.add(pwd.getpwnam(user).pw_uid)
        except KeyError:
            pass
    for _ in range(3):
        pids = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and proc.stat().st_uid in uids:
                    pids.append(int(proc.name))
            except OSError:
                continue
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)


def _remove_everything() -> None:
    _kill_user_processes(USERS)
    for user in USERS:
        subprocess.run(["userdel", "--remove", user], capture_output=True)
    for group in GROUPS + USERS:
        subprocess.run(["groupdel", group], capture_output=True)
    shutil.rmtree(SRV, ignore_errors=True)
    # The environment and the proxy stay (minutes to reinstall; nothing of a user is in them);
    # the hub's state goes.
    shutil.rmtree(PREFIX / "var", ignore_errors=True)
    shutil.rmtree(PREFIX / "etc", ignore_errors=True)


@dataclass
class Hub:
    url: str
    passwords: dict[str, str]
    log: Path
    timings: dict[str, float] = field(default_factory=dict)
    setup_runs: list[str] = field(default_factory=list)

    def login(self, user: str):
        """A requests session logged in through the hub's PAM login form."""
        import requests

        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=30)
        reply = session.post(f"{self.url}/hub/login", timeout=120,
                             data={"username": user, "password": self.passwords[user],
                                   "_xsrf": session.cookies.get("_xsrf", "")})
        assert reply.status_code == 200 and "/hub/login" not in reply.url, f"{user} could not log in: {reply.url}"
        return session

    def wait_for_server(self, session, user: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = session.get(f"{self.url}/user/{user}/lab", timeout=30)
            if reply.status_code == 200 and reply.url.endswith("/lab") or "/lab/tree" in reply.url:
                return
            time.sleep(1)
        raise AssertionError(f"the server of {user} did not start; hub log:\n{self.log.read_text()[-4000:]}")


def _start_hub(log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen([str(PREFIX / "env" / "bin" / "jupyterhub"), "-f", str(PREFIX / "etc" / "jupyterhub_config.py")],
                            cwd=str(PREFIX / "var"), stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def _stop_hub(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)   # the hub stops every user's server (cleanup_servers)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # configurable-http-proxy is the hub's child in its session; make sure it is gone too.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _setup(config: Path) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(["bash", str(REPO / "deploy" / "jupyterhub" / "setup.sh"), str(config)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"setup.sh failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout, time.perf_counter() - start


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """Users, setup.sh twice, and the hub running on loopback; everything removed afterwards."""
    require(_missing() is None, _missing() or "")
    _remove_everything()   # what an interrupted earlier run may have left
    passwords = {user: secrets.token_urlsafe(12) for user in USERS}
    try:
        for user in USERS:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", user], check=True, capture_output=True)
        subprocess.run(["chpasswd"], input="".join(f"{u}:{p}\n" for u, p in passwords.items()), text=True,
                       check=True, capture_output=True)
        ADMIN.mkdir(parents=True)
        os.chmod(SRV, 0o755)
        os.chmod(ADMIN, 0o700)
        (ADMIN / "roster.csv").write_text(ROSTER, encoding="utf-8")
        port, hub_port, proxy_port = free_port(), free_port(), free_port()
        config = ADMIN / "hub.ini"
        config.write_text(f"""[hub]
prefix = {PREFIX}
exchange = {EXCHANGE}
courses_dir = {COURSES}
ip = 127.0.0.1
port = {port}
hub_port = {hub_port}
proxy_api_port = {proxy_port}
users_group = eas-hub-users
systemd = no

[course {COURSE}]
instructors = {INSTRUCTOR}
graders = {GRADER}
roster = roster.csv
""", encoding="utf-8")
        first, first_s = _setup(config)
        second, second_s = _setup(config)
        loosen = os.environ.get("EAS_HUB_LOOSEN")
        if loosen:
            LOOSENINGS[loosen]()
        log = tmp_path_factory.mktemp("hub") / "jupyterhub.log"
        process = _start_hub(log)
    except BaseException:
        _remove_everything()
        raise
    hub = Hub(f"http://127.0.0.1:{port}", passwords, log,
              timings={"setup.sh, first run": first_s, "setup.sh, second run": second_s},
              setup_runs=[first, second])
    try:
        deadline = time.monotonic() + 60
        import requests

        while True:
            try:
                if requests.get(f"{hub.url}/hub/api", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, f"the hub did not start:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
        yield hub
    finally:
        _stop_hub(process)
        _remove_everything()
        for what, seconds in hub.timings.items():
            print(f"hub timing: {what}: {seconds:.1f} s")


# --------------------------------------------------------------------------- the browser

@pytest.fixture(scope="module")
def chromium(tmp_path_factory, playwright_session):
    """Starts Debian's Chromium with a fresh profile folder for each person who logs in (the
    session's one Playwright, which the browser tests share)."""
    return lambda user: playwright_session.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path_factory.mktemp(f"chromium-{user}")),
        executable_path=os.environ.get("CHROMIUM") or "/usr/bin/chromium", headless=True, args=CHROMIUM_FLAGS,
        viewport={"width": 1400, "height": 900})


def _browser_login(chromium, hub: Hub, user: str):
    """A browser of the user's own (own profile, own cookies) logged in through the hub's form; returns the page."""
    context = chromium(user)
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", hub.passwords[user])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/lab**", timeout=180_000)
    page.wait_for_selector(".jp-LabShell", timeout=180_000)
    return page


def _screenshot(page, name: str) -> None:
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(REPO / "test-artifacts" / f"hub_{name}.png"), full_page=True)


def _lab_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _student_works_in_jupyterlab(browser, hub: Hub) -> None:
    """Student 1: log in, fetch in the Assignments panel, answer one question, save, submit."""
    user = STUDENTS[0]
    page = _browser_login(browser, hub, user)
    try:
        _lab_menu(page, "Nbgrader", "Assignment List")
        released = page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT)
        released.locator("button", has_text="Fetch").click()
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
        fetched.locator("button", has_text="Submit").wait_for()
        page.goto(f"{hub.url}/user/{user}/lab/tree/{COURSE}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        # The first answer cell holds nbgrader's stub; replace it with the answer, as a student types.
        cell = page.locator(".jp-CodeCell", has_text="YOUR CODE HERE").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(DISTANCE_ANSWER)
        page.keyboard.press("Control+s")
        page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel .jp-mod-dirty')", timeout=60_000)
        _lab_menu(page, "Nbgrader", "Assignment List")
        fetched = page.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT).first
        fetched.locator("button", has_text="Submit").click()
        # The panel lists the submission (with its timestamp) once nbgrader has made it.
        page.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for(timeout=120_000)
        _screenshot(page, "student_submitted")
    except Exception:
        _screenshot(page, "student_failed")
        raise
    finally:
        page.context.close()


def _submission_id(student: str) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{ROOT / 'gradebook.db'}", COURSE) as gb:
        return gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student).id


def _grader_grades_in_formgrader(browser, hub: Hub) -> dict:
    """The grader: the formgrader inside JupyterLab shows (not blank), then one manual grade."""
    page = _browser_login(browser, hub, GRADER)
    seen = {}
    try:
        _lab_menu(page, "Nbgrader", "Formgrader")
        frame = page.frame_locator("#formgrader-iframe iframe")
        frame.locator("text=Manage Assignments").first.wait_for(timeout=120_000)
        seen["formgrader_in_lab"] = True
        _screenshot(page, "formgrader_in_lab")
        page.goto(f"{hub.url}/user/{GRADER}/formgrader/submissions/{_submission_id(STUDENTS[1])}")
        score = page.locator(f"input.score#{WRITTEN.id}")
        score.wait_for()
        # The analytic rubric shows as a table beside the answer: criteria down, levels across.
        rubric = page.locator("table", has_text=WRITTEN.rubric.criteria[0].name).first
        rubric.wait_for()
        seen["rubric_rows"] = rubric.locator("tbody tr").count()
        seen["rubric_text"] = rubric.inner_text()
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
            score.fill(f"{WRITTEN_POINTS:g}")
            score.press("Tab")
        seen["save_status"] = saved.value.status
        _screenshot(page, "formgrader_graded")
    except Exception:
        _screenshot(page, "grader_failed")
        raise
    finally:
        page.context.close()
    return seen


def _fill_solutions(student: str, answers: str) -> None:
    """A student's own edit of their fetched notebook (as that user): ``answers`` is 'all' or 'none'."""
    if answers == "none":
        return
    source = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solutions = {}
    import nbformat

    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            solutions[meta["grade_id"]] = "\n".join(l for l in cell.source.splitlines()
                                                    if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    code = ("import json, sys, nbformat\n"
            "path, answers = sys.argv[1], json.loads(sys.argv[2])\n"
            "nb = nbformat.read(path, as_version=4)\n"
            "for cell in nb.cells:\n"
            "    gid = cell.metadata.get('nbgrader', {}).get('grade_id')\n"
            "    if gid in answers: cell.source = answers[gid]\n"
            "nbformat.write(nb, path)\n")
    home = Path(pwd.getpwnam(student).pw_dir)
    done = as_user_python(student, code, str(home / COURSE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), json.dumps(solutions))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def term(hub, chromium):
    """The whole term of one assignment through the hub, each step as the person who does it."""
    t = hub.timings

    def timed(name, step, *args, **kwargs):
        start = time.perf_counter()
        result = step(*args, **kwargs)
        t[name] = time.perf_counter() - start
        return result

    # 1. The instructor, in the course folder (from a terminal in their server, or ssh).
    timed("instructor: generate and release", lambda: (nbgrader(INSTRUCTOR, "generate_assignment", ASSIGNMENT, cwd=ROOT),
                                                        nbgrader(INSTRUCTOR, "release_assignment", ASSIGNMENT, cwd=ROOT)))
    # 2. Students: one in JupyterLab through the hub, two with the nbgrader commands as themselves.
    timed("student 1 in JupyterLab (login, spawn, fetch, answer, submit)", _student_works_in_jupyterlab, chromium, hub)

    def by_commands():
        for student, answers in ((STUDENTS[1], "all"), (STUDENTS[2], "none")):
            nbgrader(student, "fetch_assignment", ASSIGNMENT, "--course", COURSE)
            _fill_solutions(student, answers)
            nbgrader(student, "submit", ASSIGNMENT, "--course", COURSE)
    timed("students 2 and 3 with nbgrader commands", by_commands)
    # 3. Collect (instructor), then sandboxed autograde (root, as the guide says: sudo).
    timed("instructor: collect", nbgrader, INSTRUCTOR, "collect", ASSIGNMENT, cwd=ROOT)

    def grade():
        done = subprocess.run([str(PREFIX / "env" / "bin" / "eastasia-security"), "grade", ASSIGNMENT, "--course", str(ROOT),
                               "--jobs", "2"], cwd=str(ROOT), capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, PATH=f"{PREFIX / 'env' / 'bin'}:{os.environ['PATH']}"))
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout
    grade_table = timed("root: sandboxed autograde (2 workers)", grade)
    # 4. The grader's manual grade in the formgrader, in Chromium.
    formgrader = timed("grader: formgrader in Chromium", _grader_grades_in_formgrader, chromium, hub)
    # 5. Feedback: generated and released by the instructor, fetched by every student.
    timed("instructor: generate and release feedback", lambda: (
        nbgrader(INSTRUCTOR, "generate_feedback", ASSIGNMENT, cwd=ROOT),
        nbgrader(INSTRUCTOR, "release_feedback", ASSIGNMENT, cwd=ROOT)))
    timed("students: fetch feedback", lambda: [nbgrader(s, "fetch_feedback", ASSIGNMENT, "--course", COURSE)
                                               for s in STUDENTS])
    # 6. Grades out to the LMS (instructor).
    exports = {}
    for fmt in ("canvas", "moodle"):
        out = Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / f"grades-{fmt}.csv"
        as_user(INSTRUCTOR, [str(PREFIX / "env" / "bin" / "eastasia-security"), "export-grades", "--format", fmt,
                             "--roster", "roster.csv", "--output", str(out)], cwd=ROOT)
        exports[fmt] = out
    return {"grade_table": grade_table, "formgrader": formgrader, "exports": exports}


# --------------------------------------------------------------------------- the deployment

def test_setup_twice_changes_nothing_the_second_time(hub):
    first, second = hub.setup_runs
    assert "changed:" in first and "setup: nothing to change" not in first
    assert [line for line in second.splitlines() if line.startswith("changed:")] == []
    assert second.strip().endswith("setup: nothing to change")


def test_setup_writes_what_the_guide_describes(hub):
    def mode(path):
        return oct(path.stat().st_mode & 0o7777)

    assert mode(EXCHANGE) == "0o1777"
    assert {p.name: mode(p) for p in (EXCHANGE / COURSE).iterdir()} == {
        "outbound": "0o2775", "inbound": "0o2773", "feedback": "0o2771"}
    assert mode(ROOT) == "0o3770" and grp.getgrgid(ROOT.stat().st_gid).gr_name == f"{COURSE}-graders"
    assert set(grp.getgrnam(f"{COURSE}-graders").gr_mem) == {INSTRUCTOR, GRADER}
    assert set(grp.getgrnam(f"{COURSE}-instructors").gr_mem) == {INSTRUCTOR}
    assert set(grp.getgrnam(f"{COURSE}-students").gr_mem) == set(STUDENTS)
    # useradd made these homes 0755 (Debian's default); setup.sh closed them.
    assert {u: mode(Path(pwd.getpwnam(u).pw_dir)) for u in USERS} == {u: "0o700" for u in USERS}
    chp = PREFIX / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    assert chp.exists(), "configurable-http-proxy is installed from npm into the prefix, not globally"


# --------------------------------------------------------------------------- the term

def _gradebook() -> dict[str, tuple[float, float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{ROOT / 'gradebook.db'}", COURSE) as gb:
        return {s: (gb.find_submission(ASSIGNMENT, s).code_score, gb.find_submission(ASSIGNMENT, s).written_score,
                    gb.find_submission(ASSIGNMENT, s).score) for s in STUDENTS}


def test_whole_term_through_the_hub(hub, term):
    scores = _gradebook()
    # Student 1 answered the distance in JupyterLab; student 2 everything; student 3 nothing.
    assert scores[STUDENTS[0]][0] == pytest.approx(FIRST.points), scores
    assert scores[STUDENTS[1]][0] == pytest.approx(AUTO_POINTS), scores
    assert scores[STUDENTS[2]][0] == pytest.approx(0.0), scores
    # The grader's manual grade, entered in the formgrader, is in the gradebook.
    assert term["formgrader"]["formgrader_in_lab"] and term["formgrader"]["save_status"] == 200
    assert scores[STUDENTS[1]][1] == pytest.approx(WRITTEN_POINTS)
    assert scores[STUDENTS[1]][2] == pytest.approx(AUTO_POINTS + WRITTEN_POINTS)
    # The rubric rendered in the formgrader: one row per criterion, each level's descriptor shown.
    assert term["formgrader"]["rubric_rows"] == len(WRITTEN.rubric.criteria)
    for criterion in WRITTEN.rubric.criteria:
        assert criterion.name in term["formgrader"]["rubric_text"]
        assert criterion.levels[-1].descriptor.split()[0] in term["formgrader"]["rubric_text"]
    # Graded in the sandbox (the command refuses otherwise), every submission, with no flag.
    assert f"{ASSIGNMENT}: 3 submissions, 3 graded, 0 with flags" in term["grade_table"], term["grade_table"]


def _fetched_feedback(student: str) -> list[Path]:
    folder = Path(pwd.getpwnam(student).pw_dir) / COURSE / ASSIGNMENT / "feedback"
    return sorted(folder.rglob("*.html"))


def test_each_student_fetches_only_their_own_feedback(hub, term):
    scores = _gradebook()
    for student in STUDENTS:
        pages = _fetched_feedback(student)
        assert len(pages) == 1, f"{student}: {pages}"
        html = pages[0].read_text(encoding="utf-8")
        total = scores[student][2]
        assert f"{total:g}" in html or f"{total:.1f}" in html, f"{student}: feedback lacks score {total}"
        for other in STUDENTS:
            if other != student:
                assert other not in html
        assert "BEGIN HIDDEN TESTS" not in html and "### BEGIN SOLUTION" not in html


def test_lms_exports_match_students_by_roster_ids(hub, term):
    canvas = list(csv.reader(term["exports"]["canvas"].open(encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5] == f"{SPEC.points:g}"
    rows = {r[1]: r for r in canvas[2:]}
    assert rows["1002"] == ["Sato, Haruto", "1002", "S-0002", "hsato", "Section A", f"{AUTO_POINTS + WRITTEN_POINTS:g}"]
    assert rows["1001"][5] == f"{FIRST.points:g}" and rows["1003"][5] == "0"
    moodle = list(csv.reader(term["exports"]["moodle"].open(encoding="utf-8")))
    assert moodle[0] == ["Email address", "First name", "Last name", ASSIGNMENT]
    assert ["haruto.sato@example.edu", "Haruto", "Sato", f"{AUTO_POINTS + WRITTEN_POINTS:g}"] in moodle


# --------------------------------------------------------------------------- isolation, as the user it protects against

PROBE = """
import json, os, sys
kind, path = sys.argv[1], sys.argv[2]
try:
    if kind == 'list':
        os.listdir(path)
    elif kind == 'read':
        open(path, 'rb').read(1)
    elif kind == 'write':
        open(path, 'ab').close()
    elif kind == 'create':
        open(os.path.join(path, 'eas-probe'), 'x').close()
    elif kind == 'rename':
        os.rename(path, path + '-moved')
    print('ALLOWED')
except PermissionError as exc:
    print('DENIED', exc.errno)
"""


def can(user: str, kind: str, path: Path) -> bool:
    done = as_user_python(user, PROBE, kind, str(path))
    assert done.stdout.strip().startswith(("ALLOWED", "DENIED")), done.stdout + done.stderr
    return done.stdout.strip().startswith("ALLOWED")


def _inbound_of(student: str) -> Path:
    found = [p for p in (EXCHANGE / COURSE / "inbound").iterdir() if p.name.startswith(student + "+")]
    assert found, f"no submission of {student} in inbound"
    return found[0]


def test_a_student_cannot_list_or_read_another_students_submission(hub, term):
    mine, theirs = STUDENTS[1], _inbound_of(STUDENTS[0])
    assert not can(mine, "list", EXCHANGE / COURSE / "inbound"), "a student can list every submission in inbound"
    assert not can(mine, "list", theirs), "a student can list another's submission folder"
    assert not can(mine, "read", theirs / f"{ASSIGNMENT}.ipynb"), "a student can read another's submitted notebook"
    assert not can(mine, "read", theirs / "submission_secret.txt"), "a student can read the secret naming another's feedback"
    # Their own work stays theirs: the student and the staff can read it.
    assert can(STUDENTS[0], "read", theirs / f"{ASSIGNMENT}.ipynb")
    assert can(INSTRUCTOR, "read", theirs / f"{ASSIGNMENT}.ipynb")


def test_a_student_cannot_list_or_read_another_students_feedback(hub, term):
    other = Path(pwd.getpwnam(STUDENTS[0]).pw_dir)
    assert not can(STUDENTS[1], "list", EXCHANGE / COURSE / "feedback"), "a student can list every released feedback"
    assert not can(STUDENTS[1], "list", other), "a student can list another student's home"
    assert not can(STUDENTS[1], "read", _fetched_feedback(STUDENTS[0])[0]), "a student can read another's fetched feedback"
    assert not can(STUDENTS[1], "list", ROOT / "feedback"), "a student can list the course's feedback folder"


def test_a_student_cannot_reach_the_course_source_or_gradebook(hub, term):
    student = STUDENTS[2]
    assert not can(student, "list", ROOT), "a student can list the course folder"
    assert not can(student, "list", ROOT / "source"), "a student can list source/ (model answers, hidden tests)"
    assert not can(student, "read", ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    assert not can(student, "read", ROOT / "gradebook.db"), "a student can read the gradebook"
    assert not can(student, "write", ROOT / "gradebook.db"), "a student can write the gradebook"


def test_a_grader_can_grade_but_not_change_the_source(hub, term):
    source = ROOT / "source" / ASSIGNMENT
    assert can(GRADER, "read", source / f"{ASSIGNMENT}.ipynb"), "a grader should read the model answers"
    assert can(GRADER, "write", ROOT / "gradebook.db"), "a grader must be able to write grades"
    assert not can(GRADER, "write", source / f"{ASSIGNMENT}.ipynb"), "a grader can change an assignment's source"
    assert not can(GRADER, "create", source), "a grader can add files to an assignment's source"
    assert not can(GRADER, "rename", ROOT / "source"), "a grader can move source/ away"
    assert not can(GRADER, "write", ROOT / "nbgrader_config.py"), "a grader can change the course's configuration"


def test_a_student_cannot_reach_another_users_server(hub, term):
    owner, intruder = STUDENTS[0], STUDENTS[1]
    session = hub.login(owner)
    hub.wait_for_server(session, owner)
    assert session.get(f"{hub.url}/user/{owner}/api/contents", timeout=30).status_code == 200
    other = hub.login(intruder)
    for path in ("lab", "api/contents", f"files/{COURSE}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"):
        reply = other.get(f"{hub.url}/user/{owner}/{path}", timeout=60)
        assert reply.status_code in (403, 404) or "/hub/login" in reply.url, \
            f"{intruder} was not refused {owner}'s server at {path}: {reply.status_code} {reply.url}"
        assert '"type": "directory"' not in reply.text and "nbformat" not in reply.text
    # Staff servers allow the formgrader's frame; students' keep JupyterHub's frame-ancestors 'none'.
    assert "frame-ancestors 'none'" in session.get(f"{hub.url}/user/{owner}/lab", timeout=30).headers.get(
        "Content-Security-Policy", "")


def test_students_servers_have_no_formgrader(hub, term):
    session = hub.login(STUDENTS[2])
    hub.wait_for_server(session, STUDENTS[2])
    assert session.get(f"{hub.url}/user/{STUDENTS[2]}/formgrader", timeout=30).status_code == 404


def test_timings_are_within_the_budget(hub, term):
    for what, seconds in hub.timings.items():
        print(f"{what}: {seconds:.1f} s")
    assert sum(hub.timings.values()) < 420, hub.timings


# --------------------------------------------------------------------------- a second course

COURSE2 = "eas-hub-course2"


def test_adding_a_second_course_changes_only_that_course(hub, term):
    """The guide's "A second course": a new section in hub.ini, setup.sh again, the new course works."""
    config = ADMIN / "hub.ini"
    (ADMIN / "roster2.csv").write_text("\n".join(ROSTER.splitlines()[:2]) + "\n", encoding="utf-8")   # student 1
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "gradebook.db", ROOT / "nbgrader_config.py")}
    # The course's grader becomes the new course's instructor.
    config.write_text(config.read_text(encoding="utf-8") + f"""
[course {COURSE2}]
instructors = {GRADER}
roster = roster2.csv
""", encoding="utf-8")
    out, seconds = _setup(config)
    hub.timings["setup.sh, second course"] = seconds
    changes = [line for line in out.splitlines() if line.startswith("changed:")]
    assert changes, out
    unrelated = [line for line in changes if COURSE2 not in line and "hub.json" not in line]
    assert unrelated == [], f"adding a course changed other things: {unrelated}"
    assert {p: p.stat().st_mtime_ns for p in before} == before, "the first course's files were rewritten"
    again, _ = _setup(config)
    assert again.strip().endswith("setup: nothing to change"), again
    root2 = COURSES / COURSE2
    nbgrader(GRADER, "generate_assignment", "ps2_missile_data", cwd=root2)
    nbgrader(GRADER, "release_assignment", "ps2_missile_data", cwd=root2)
    nbgrader(STUDENTS[0], "fetch_assignment", "ps2_missile_data", "--course", COURSE2)
    home = Path(pwd.getpwnam(STUDENTS[0]).pw_dir)
    assert (home / COURSE2 / "ps2_missile_data" / "ps2_missile_data.ipynb").is_file()
    assert (home / COURSE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file(), "the first course's work is where it was"
    # Instructor of the new course, still only a grader of the first: its source stays closed to them.
    assert not can(GRADER, "write", ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    # Students of one course do not see the other's folder.
    assert not can(STUDENTS[1], "list", root2)
