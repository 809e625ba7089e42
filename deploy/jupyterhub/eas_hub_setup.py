"""Set up (or bring up to date) a class hub on one Debian/Ubuntu server; run by setup.sh as root.

Declarative and idempotent: it reads hub.ini (the server and its courses), compares what is on the
machine with what the file asks for, changes only what differs, and prints one ``changed:`` line
per change. A second run with the same file prints ``nothing to change`` and changes nothing.

Only Python's standard library is used here, because this runs before the kit's environment exists.
"""

from __future__ import annotations

import argparse
import configparser
import grp
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KIT = HERE.parent.parent  # the repository (or unpacked sdist) this script belongs to
CHP_VERSION = "5.3.0"     # configurable-http-proxy, from npm
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
COURSE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$")


class SetupError(Exception):
    """A problem in hub.ini or on the machine; the message says where and what to do."""


class Changes:
    """Counts and prints what a run changed."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def __call__(self, what: str) -> None:
        self.items.append(what)
        print(f"changed: {what}", flush=True)


changed = Changes()


def run(*cmd: str, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise SetupError(f"`{' '.join(cmd)}` failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


# --------------------------------------------------------------------------- hub.ini

def read_config(path: Path) -> dict:
    """hub.ini as a dict: ``hub`` settings and ``courses`` by id; errors name the file, section and key."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise SetupError(f"{path}: {exc}") from None
    if "hub" not in parser:
        raise SetupError(f"{path}: no [hub] section (see deploy/jupyterhub/hub.example.ini)")
    hub = parser["hub"]
    known = {"prefix", "exchange", "courses_dir", "ip", "port", "hub_port", "proxy_api_port", "users_group", "systemd"}
    for key in hub:
        if key not in known:
            raise SetupError(f"{path}, [hub], key {key!r}: unknown (known: {', '.join(sorted(known))})")
    settings = {
        "prefix": hub.get("prefix", "/opt/eastasia-security"),
        "exchange": hub.get("exchange", "/srv/nbgrader/exchange"),
        "courses_dir": hub.get("courses_dir", "/srv/nbgrader/courses"),
        "ip": hub.get("ip", ""),
        "users_group": hub.get("users_group", "jupyterhub-users"),
    }
    for key, default in (("port", 8000), ("hub_port", 8081), ("proxy_api_port", 8001)):
        try:
            settings[key] = hub.getint(key, default)
        except ValueError:
            raise SetupError(f"{path}, [hub], key {key!r}: {hub.get(key)!r} is not a port number") from None
    try:
        settings["systemd"] = hub.getboolean("systemd", True)
    except ValueError:
        raise SetupError(f"{path}, [hub], key 'systemd': {hub.get('systemd')!r} is not yes or no") from None
    for key in ("prefix", "exchange", "courses_dir"):
        if not settings[key].startswith("/"):
            raise SetupError(f"{path}, [hub], key {key!r}: {settings[key]!r} must be an absolute path")
    if not NAME.match(settings["users_group"]):
        raise SetupError(f"{path}, [hub], key 'users_group': {settings['users_group']!r} is not a group name")
    courses = {}
    for section in parser.sections():
        if section == "hub":
            continue
        kind, _, course_id = section.partition(" ")
        if kind != "course" or not COURSE.match(course_id):
            raise SetupError(f"{path}, [{section}]: expected [course COURSE_ID] (letters, digits, - _ .; at most 21, "
                             "so that COURSE_ID-instructors is a valid group name)")
        body = parser[section]
        for key in body:
            if key not in {"instructors", "graders", "roster", "source"}:
                raise SetupError(f"{path}, [{section}], key {key!r}: unknown (known: instructors, graders, roster, source)")
        names = {key: body.get(key, "").replace(",", " ").split() for key in ("instructors", "graders")}
        if not names["instructors"]:
            raise SetupError(f"{path}, [{section}], key 'instructors': at least one instructor is needed")
        roster = body.get("roster", "").strip()
        if not roster:
            raise SetupError(f"{path}, [{section}], key 'roster': the roster CSV of the course's students is needed")
        roster_path = Path(roster) if roster.startswith("/") else (path.parent / roster)
        courses[course_id] = {
            "instructors": names["instructors"],
            "graders": names["graders"],
            "roster": str(roster_path),
            "source": body.get("source", str(KIT / "course")),
            "root": f"{settings['courses_dir']}/{course_id}",
            "instructors_group": f"{course_id}-instructors",
            "graders_group": f"{course_id}-graders",
            "students_group": f"{course_id}-students",
        }
    settings["courses"] = courses
    return settings


# --------------------------------------------------------------------------- small idempotent steps

def ensure_dir(path: Path, mode: int, owner: str = "root", group: str = "root") -> None:
    uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid
    if not path.exists():
        path.mkdir(parents=True)
        changed(f"created {path}")
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise SetupError(f"{path} exists and is not a folder; move it away and re-run")
    if (info.st_uid, info.st_gid) != (uid, gid):
        os.chown(path, uid, gid)
        changed(f"{path}: owner {owner}:{group}")
    if stat.S_IMODE(path.lstat().st_mode) != mode:
        os.chmod(path, mode)
        changed(f"{path}: mode {mode:o}")


def ensure_file(path: Path, text: str, mode: int, owner: str = "root", group: str = "root") -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_name(path.name + ".new")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        changed(f"wrote {path}")
    uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid
    info = path.stat()
    if (info.st_uid, info.st_gid) != (uid, gid):
        os.chown(path, uid, gid)
        changed(f"{path}: owner {owner}:{group}")
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)
        changed(f"{path}: mode {mode:o}")


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        run("groupadd", name)
        changed(f"group {name} created")


def ensure_members(group: str, members: list[str]) -> None:
    """The group's supplementary members are exactly ``members`` (a user dropped from a course leaves it)."""
    current = sorted(grp.getgrnam(group).gr_mem)
    wanted = sorted(set(members))
    if current != wanted:
        run("gpasswd", "-M", ",".join(wanted), group)
        changed(f"group {group}: members {', '.join(wanted) or '(none)'}")


def ensure_private_home(user: str) -> None:
    home = Path(pwd.getpwnam(user).pw_dir)
    if not home.is_dir():
        raise SetupError(f"user {user!r} has no home folder {home}; create it (mkhomedir_helper {user}) and re-run")
    mode = stat.S_IMODE(home.stat().st_mode)
    if mode & 0o077:
        os.chmod(home, mode & 0o700)
        changed(f"{home}: mode {mode & 0o700:o} (other users could read it)")


def require_user(user: str, where: str) -> None:
    if not NAME.match(user):
        raise SetupError(f"{where}: {user!r} is not a valid user name")
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise SetupError(f"{where}: user {user!r} does not exist on this server; create it first "
                         f"(sudo adduser {user}) and re-run") from None


def tree_digest(root: Path, parts: list[str]) -> str:
    """A digest of the kit's files that go into the environment: reinstall only when they change."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()
                                                     and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------- the steps

def step_system_packages() -> None:
    """Debian's Python venv module and Node.js with npm (for configurable-http-proxy), if missing."""
    missing = []
    if subprocess.run(["python3", "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        missing.append("python3-venv")
    if shutil.which("node") is None or shutil.which("npm") is None:
        missing += ["nodejs", "npm"]
    if missing:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", *missing, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        changed(f"installed {' '.join(missing)} (apt)")


def step_environment(settings: dict) -> None:
    """PREFIX/env: a virtual environment of Debian's python3 with the kit, JupyterHub and nbgrader.

    One environment for the hub and every user: root owns it, so no user can change what the
    others (or the hub) run, and every user's server has the same kit and nbgrader.
    """
    prefix = Path(settings["prefix"])
    ensure_dir(prefix, 0o755)
    env = prefix / "env"
    python = env / "bin" / "python"
    if not python.exists():
        run("/usr/bin/python3", "-m", "venv", str(env))
        changed(f"created the environment {env}")
    stamp = env / ".eastasia-security-installed"
    digest = tree_digest(KIT, ["pyproject.toml", "src", "datasets", "course/quizzes"])
    if not stamp.is_file() or stamp.read_text().strip() != digest:
        run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        # A non-editable install: users' servers must not read the kit from a checkout they cannot see.
        run(str(python), "-m", "pip", "install", "--quiet", f"{KIT}[hub]")
        stamp.write_text(digest + "\n")
        changed(f"installed the kit with JupyterHub and nbgrader into {env}")


def step_proxy(settings: dict) -> None:
    """configurable-http-proxy from npm, into PREFIX/node (not a global npm install)."""
    node = Path(settings["prefix"]) / "node"
    package = node / "node_modules" / "configurable-http-proxy" / "package.json"
    installed = json.loads(package.read_text())["version"] if package.is_file() else None
    if installed != CHP_VERSION:
        node.mkdir(parents=True, exist_ok=True)
        run("npm", "install", "--prefix", str(node), "--no-fund", "--no-audit", "--omit=dev",
            f"configurable-http-proxy@{CHP_VERSION}")
        changed(f"installed configurable-http-proxy {CHP_VERSION} into {node}")


def step_exchange(settings: dict) -> None:
    """The exchange: anyone may enter (nbgrader checks it is writable); sticky, so no one removes another's course."""
    exchange = Path(settings["exchange"])
    ensure_dir(exchange.parent, 0o755)
    ensure_dir(exchange, 0o1777)


def step_groups(settings: dict, rosters: dict[str, list[str]]) -> None:
    """The hub's users group and, per course, instructors, graders (instructors too) and students."""
    everyone: set[str] = set()
    for course_id, course in settings["courses"].items():
        for group in ("instructors_group", "graders_group", "students_group"):
            ensure_group(course[group])
        for user in course["instructors"]:
            require_user(user, f"[course {course_id}] instructors")
        for user in course["graders"]:
            require_user(user, f"[course {course_id}] graders")
        ensure_members(course["instructors_group"], course["instructors"])
        ensure_members(course["graders_group"], course["instructors"] + course["graders"])
        ensure_members(course["students_group"], rosters[course_id])
        everyone |= set(course["instructors"]) | set(course["graders"]) | set(rosters[course_id])
    ensure_group(settings["users_group"])
    ensure_members(settings["users_group"], sorted(everyone))
    for user in sorted(everyone):
        ensure_private_home(user)


def _copy_source(source: Path, target: Path, group: str) -> None:
    """The kit's assignments, the first time only: afterwards source/ is the instructors' to edit."""
    for item in sorted(source.rglob("*")):
        if "__pycache__" in item.parts or ".ipynb_checkpoints" in item.parts:
            continue
        dest = target / item.relative_to(source)
        if item.is_dir():
            dest.mkdir(exist_ok=True)
            os.chmod(dest, 0o2775)
        else:
            shutil.copyfile(item, dest)
            os.chmod(dest, 0o664)
        os.chown(dest, 0, grp.getgrnam(group).gr_gid)


def course_config(settings: dict, course_id: str, course: dict) -> str:
    kit_config = (KIT / "course" / "nbgrader_config.py").read_text(encoding="utf-8")
    return (f"# Written by deploy/jupyterhub/setup.sh for course {course_id!r}: change hub.ini or the kit and\n"
            "# re-run it, do not edit here. This file runs in every staff server and in root's sandboxed\n"
            "# grading, so only root may write it.\n\n" + kit_config + f"""

# ---- the course on the hub
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {course['root']!r}
# Several instructors and graders share the course: what nbgrader writes is group-writable.
c.CourseDirectory.groupshared = True
c.Exchange.root = {settings['exchange']!r}
c.Exchange.path_includes_course = True
""")


def step_course(settings: dict, course_id: str, course: dict, python: Path) -> None:
    """The course folder, its exchange folders and its gradebook, with who may do what."""
    root = Path(course["root"])
    instructors, graders = course["instructors_group"], course["graders_group"]
    ensure_dir(Path(settings["courses_dir"]), 0o755)
    # Staff only (students cannot even list it); set-group-id so new files are the staff's;
    # sticky so a grader cannot rename or delete source/ although graders write the gradebook here.
    ensure_dir(root, 0o3770, "root", graders)
    for name in ("source", "release"):
        ensure_dir(root / name, 0o2775, "root", instructors)   # graders read, only instructors write
    for name in ("submitted", "autograded", "feedback"):
        ensure_dir(root / name, 0o2770, "root", graders)
    source = Path(course["source"]) / "source"
    if source.is_dir() and not any((root / "source").iterdir()):
        _copy_source(source, root / "source", instructors)
        changed(f"copied the kit's assignments into {root / 'source'}")
    ensure_file(root / "nbgrader_config.py", course_config(settings, course_id, course), 0o644)
    # The roster beside the gradebook, for the instructors' LMS export (it holds e-mail addresses
    # and LMS ids: instructors only).
    ensure_file(root / "roster.csv", Path(course["roster"]).read_text(encoding="utf-8"), 0o640, "root", instructors)
    log = root / ".nbgrader.log"
    if not log.exists():
        log.touch()
        changed(f"created {log}")
    # Every staff member's nbgrader appends here, so the staff's group writes it.
    if log.stat().st_gid != grp.getgrnam(graders).gr_gid:
        os.chown(log, 0, grp.getgrnam(graders).gr_gid)
        changed(f"{log}: group {graders}")
    if stat.S_IMODE(log.stat().st_mode) != 0o660:
        os.chmod(log, 0o660)
        changed(f"{log}: mode 660")
    # The gradebook and its roster, through nbgrader's API in the kit's environment.
    done = run(str(python), str(HERE / "eas_hub_gradebook.py"), str(root), course_id, course["roster"],
               env=dict(os.environ, PATH=f"{python.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"))
    for line in done.stdout.splitlines():
        changed(line)
    db = root / "gradebook.db"
    if db.stat().st_gid != grp.getgrnam(graders).gr_gid or db.stat().st_uid != 0:
        os.chown(db, 0, grp.getgrnam(graders).gr_gid)
        changed(f"{db}: owner root:{graders}")
    if stat.S_IMODE(db.stat().st_mode) != 0o660:
        os.chmod(db, 0o660)
        changed(f"{db}: mode 660 (graders write grades)")
    # The course's exchange folders, made here as root so that any instructor (not only the
    # first to release) can write them; nbgrader's own modes, with the instructors' group.
    exchange = Path(settings["exchange"]) / course_id
    ensure_dir(exchange, 0o2775, "root", instructors)
    ensure_dir(exchange / "outbound", 0o2775, "root", instructors)
    ensure_dir(exchange / "inbound", 0o2773, "root", instructors)     # students write, cannot list
    ensure_dir(exchange / "feedback", 0o2771, "root", instructors)    # students fetch by a secret name only


def step_hub_files(settings: dict) -> None:
    prefix = Path(settings["prefix"])
    etc = prefix / "etc"
    ensure_dir(etc, 0o755)
    ensure_dir(prefix / "var", 0o700)   # the hub's database, cookie secret and pid files
    public = {k: v for k, v in settings.items() if k != "courses"}
    public["courses"] = {cid: {k: c[k] for k in ("root", "instructors_group", "graders_group", "students_group")}
                         for cid, c in settings["courses"].items()}
    # Readable by every user's server (it names the exchange); it holds no secret.
    ensure_file(etc / "hub.json", json.dumps(public, indent=2, sort_keys=True) + "\n", 0o644)
    ensure_file(etc / "jupyterhub_config.py", (HERE / "jupyterhub_config.py").read_text(encoding="utf-8"), 0o644)
    jupyter = prefix / "env" / "etc" / "jupyter"
    ensure_dir(jupyter, 0o755)
    ensure_file(jupyter / "jupyter_server_config.py",
                (HERE / "jupyter_server_config.py").read_text(encoding="utf-8"), 0o644)
    ensure_file(jupyter / "nbgrader_config.py",
                (HERE / "nbgrader_config.py").read_text(encoding="utf-8").replace("@HUB_JSON@", str(etc / "hub.json")),
                0o644)


def systemd_unit(settings: dict) -> str:
    prefix = settings["prefix"]
    return f"""# Written by deploy/jupyterhub/setup.sh. The hub runs as root (it starts each user's server as
# that user), as The Littlest JupyterHub's does; its proxy is the only part facing the network.
[Unit]
Description=JupyterHub for the East Asian Security course kit
After=network.target

[Service]
User=root
WorkingDirectory={prefix}/var
ExecStart={prefix}/env/bin/jupyterhub -f {prefix}/etc/jupyterhub_config.py
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""


def step_systemd(settings: dict) -> None:
    if not settings["systemd"]:
        return
    unit = Path("/etc/systemd/system/eastasia-security-hub.service")
    before = unit.read_text() if unit.is_file() else None
    ensure_file(unit, systemd_unit(settings), 0o644)
    if not Path("/run/systemd/system").is_dir():
        print("note: systemd is not running here; start the hub with "
              f"{settings['prefix']}/env/bin/jupyterhub -f {settings['prefix']}/etc/jupyterhub_config.py", file=sys.stderr)
        return
    if before != unit.read_text():
        run("systemctl", "daemon-reload")
    if subprocess.run(["systemctl", "is-enabled", "--quiet", unit.name]).returncode != 0:
        run("systemctl", "enable", "--now", unit.name)
        changed(f"enabled and started {unit.name}")
    elif before is not None and before != unit.read_text():
        run("systemctl", "restart", unit.name)
        changed(f"restarted {unit.name}")


def roster_ids(python: Path, roster: str, where: str) -> list[str]:
    done = subprocess.run([str(python), "-c", "import json, sys\nfrom eastasia_security import lms\n"
                           "try:\n    r = lms.read_roster(sys.argv[1])\nexcept lms.RosterError as e:\n"
                           "    sys.exit(str(e))\nprint(json.dumps(sorted(r)))", roster],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"{where}: {done.stderr.strip()}")
    ids = json.loads(done.stdout)
    for user in ids:
        require_user(user, f"{roster} (roster of {where})")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="setup.sh", description=__doc__.splitlines()[0])
    parser.add_argument("config", help="hub.ini: the server and its courses (see hub.example.ini)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("setup.sh must run as root (sudo): it creates groups, folders and a system service", file=sys.stderr)
        return 2
    try:
        settings = read_config(Path(args.config).resolve())
        step_system_packages()
        step_environment(settings)
        step_proxy(settings)
        python = Path(settings["prefix"]) / "env" / "bin" / "python"
        rosters = {cid: roster_ids(python, c["roster"], f"[course {cid}]") for cid, c in settings["courses"].items()}
        step_exchange(settings)
        step_groups(settings, rosters)
        for course_id, course in settings["courses"].items():
            step_course(settings, course_id, course, python)
        step_hub_files(settings)
        step_systemd(settings)
    except SetupError as exc:
        print(f"setup.sh: {exc}", file=sys.stderr)
        return 1
    print(f"setup: {len(changed.items)} changes" if changed.items else "setup: nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
