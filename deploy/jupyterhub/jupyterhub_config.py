"""JupyterHub for a class on one server (deploy/jupyterhub/README section in course/INSTRUCTORS.md).

Installed by ``setup.sh`` as PREFIX/etc/jupyterhub_config.py and started, as root, by the systemd
unit it writes (or by hand: ``PREFIX/env/bin/jupyterhub -f PREFIX/etc/jupyterhub_config.py``).
Everything site-specific comes from PREFIX/etc/hub.json, which ``setup.sh`` writes from hub.ini;
edit hub.ini and re-run ``setup.sh``, not this file.

Why each choice:

* **System users and PAM** (as The Littlest JupyterHub does): each person logs in with their
  server account and password, and their server runs as that Unix user, so file permissions,
  not the hub, keep students apart. Only members of the hub's users group may log in.
* **LocalProcessSpawner as root**: the hub must be root to start servers as other users; it
  listens on loopback for its API and lets configurable-http-proxy face the network.
* **No admins in the hub**: an admin can open every user's server; the server's root account is
  where administration happens.
* **Each server is told its courses** (environment variables read by the system-wide Jupyter and
  nbgrader configuration that setup.sh writes): staff get the formgrader on their course, students
  get none.
"""

import grp
import json
import os
import pwd
import stat
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub)

ETC = Path(__file__).resolve().parent
SETTINGS = json.loads((ETC / "hub.json").read_text(encoding="utf-8"))
PREFIX = Path(SETTINGS["prefix"])
VAR = PREFIX / "var"

c.JupyterHub.bind_url = f"http://{SETTINGS['ip']}:{SETTINGS['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{SETTINGS['hub_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{SETTINGS['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [str(PREFIX / "node" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(VAR / "proxy.pid")
c.JupyterHub.pid_file = str(VAR / "jupyterhub.pid")
c.JupyterHub.db_url = f"sqlite:///{VAR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(VAR / "jupyterhub_cookie_secret")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set()
c.LocalAuthenticator.allowed_groups = {SETTINGS["users_group"]}
c.Authenticator.admin_users = set()
# Users are created by the server's administrator (adduser), never by the hub.
c.LocalAuthenticator.create_system_users = False

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(PREFIX / "env" / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# nbgrader starts `alembic` from PATH when it creates a gradebook: the environment's bin/ first.
c.Spawner.environment = {"PATH": f"{PREFIX / 'env' / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
# Servers stop with the hub (a restart of the service does not leave orphans running as users).
c.JupyterHub.cleanup_servers = True


def current_courses():
    """The courses as hub.json lists them now: read at each start of a server, so that a course
    added by setup.sh needs no restart of the hub (which would stop everyone's server)."""
    return json.loads((ETC / "hub.json").read_text(encoding="utf-8"))["courses"]


def courses_of(username, courses):
    """(staff courses, student courses) of a user, from the course groups setup.sh keeps."""
    staff, student = [], []
    for course_id, course in courses.items():
        if username in grp.getgrnam(course["graders_group"]).gr_mem:
            staff.append(course_id)
        elif username in grp.getgrnam(course["students_group"]).gr_mem:
            student.append(course_id)
    return staff, student


def prepare_server(spawner):
    """Before a server starts: a private home, and the environment naming the user's courses."""
    user = pwd.getpwnam(spawner.user.name)
    home = Path(user.pw_dir)
    # A home other users can read would show them the user's work and fetched feedback
    # (useradd makes 0755 homes by default on Debian). Checked at every start, as root.
    info = home.lstat()
    if stat.S_ISDIR(info.st_mode) and info.st_uid == user.pw_uid and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(home, stat.S_IMODE(info.st_mode) & 0o700)
    courses = current_courses()
    staff, student = courses_of(user.pw_name, courses)
    # A new dict: the configured one is shared by every spawner.
    env = spawner.environment = dict(spawner.environment)
    env["EAS_HUB_STAFF_COURSES"] = ",".join(staff)
    env["EAS_HUB_STUDENT_COURSES"] = ",".join(student)
    if staff:
        course = courses[staff[0]]
        env["EAS_HUB_COURSE_ROOT"] = course["root"]
        # The formgrader needs its course inside the server's root folder: staff servers are
        # rooted at / (file permissions still apply) and open in their home.
        spawner.notebook_dir = "/"
        spawner.default_url = "/lab/tree" + str(home)


c.Spawner.pre_spawn_hook = prepare_server
