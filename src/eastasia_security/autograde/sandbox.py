"""Where student code runs: an unprivileged user in fresh Linux namespaces, with limits.

The mechanism, chosen because it needs nothing beyond a stock Debian/Ubuntu (``util-linux``
gives ``unshare``, ``passwd`` gives ``useradd``) and root, which a grading server has:

* a **dedicated unprivileged Unix user per worker slot** (``eas-sandbox-0``, ``-1``, ...;
  created once with ``useradd --system``), so one run's processes are counted, limited and
  killed by uid without touching anything else, and cannot signal the grader (root);
* **namespaces** (``unshare --mount --pid --net --ipc --uts``): a PID namespace whose first
  process is our jail (so every process the notebook starts dies with it), a network namespace
  with no interface up (no network), and a mount namespace whose root is built from nothing;
* a **filesystem view of only what the notebook needs**: system and Python files read-only,
  the student's own files and a copy of the kit's datasets; the course folder, ``source/``,
  ``release/``, ``gradebook.db``, other students and every home directory do not exist there.
  Everything writable is tmpfs inside the namespace, except the socket folder, which the grader
  deletes after the run;
* **rlimits** on address space, processes, open files and file size, and ``no_new_privs``.

The grader talks to the kernel over ZeroMQ ``ipc`` sockets (Unix sockets in the run folder),
which work across network namespaces, where TCP on localhost would not.

Bubblewrap would give the same view but is an extra package and needs its own user-namespace
policy; a container runtime is heavier still and is rarely on a teaching server.

>>> from eastasia_security.autograde import sandbox
>>> sandbox.unavailable_reason() is None or isinstance(sandbox.unavailable_reason(), str)
True
"""

from __future__ import annotations

import functools
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import SandboxUnavailable

__all__ = ["SandboxLimits", "Sandbox", "SandboxRun", "unavailable_reason", "kernel_command",
           "require", "ensure_users", "claim_slots", "clean_slot", "kill_user_processes", "USER_PREFIX"]

USER_PREFIX = "eas-sandbox-"
BASE = Path(os.environ.get("EASTASIA_SECURITY_SANDBOX_DIR", "/var/lib/eastasia-security/sandbox"))
HOME_IN_JAIL = "/home/student"
DATASETS_IN_JAIL = "/opt/eastasia-security/datasets"
CACHE_IN_JAIL = "/opt/eastasia-security/cache"
SYSTEM_PATHS = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
JAIL = Path(__file__).with_name("_jail.py")
NAMESPACES = ["--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child"]


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one sandboxed notebook (per process for memory; per run for the rest)."""

    memory_mb: int = 4096
    processes: int = 256
    open_files: int = 256
    file_mb: int = 256
    home_mb: int = 512
    tmp_mb: int = 256


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when this machine can sandbox student code, else why it cannot (for the error)."""
    if not sys.platform.startswith("linux"):
        return f"sandboxing needs Linux namespaces; this is {sys.platform}"
    if os.geteuid() != 0:
        return ("sandboxing needs root (to create the sandbox users and namespaces); "
                "run `sudo -E eastasia-security grade ...` or use a grading server")
    for tool in ("unshare", "useradd"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"`{tool}` is missing (Debian/Ubuntu: apt-get install util-linux passwd)"
    probe = subprocess.run(["unshare", *NAMESPACES, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"this machine refuses new namespaces (unshare: {probe.stderr.strip()[:200]})"
    return None


def require() -> None:
    """Raise :class:`SandboxUnavailable` when student code cannot be isolated here."""
    reason = unavailable_reason()
    if reason:
        raise SandboxUnavailable(reason)


def claim_slots(count: int, limit: int = 64) -> list[tuple[int, object]]:
    """Lock ``count`` free sandbox slots (a lock file each), so two batches never share a user.

    Returns (slot, open lock file); the slot stays ours until the file is closed.
    """
    import fcntl

    BASE.mkdir(parents=True, exist_ok=True)
    os.chmod(BASE, 0o700)
    claimed = []
    for slot in range(limit):
        handle = open(BASE / f"slot-{slot}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        claimed.append((slot, handle))
        if len(claimed) == count:
            return claimed
    for _, handle in claimed:
        handle.close()
    raise SandboxUnavailable(f"no {count} free sandbox slots of {limit}: other grading batches hold them")


def clean_slot(uid: int) -> None:
    """Before and after a batch (and when a worker is stopped): no process, no run folder of that user."""
    kill_user_processes(uid)
    for folder in BASE.glob(f"run-{uid}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def ensure_users(slots) -> list[tuple[int, int]]:
    """(uid, gid) of the sandbox users of ``slots`` (a count or slot numbers), creating missing ones."""
    users = []
    for slot in (range(slots) if isinstance(slots, int) else slots):
        name = f"{USER_PREFIX}{slot}"
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            done = subprocess.run([useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                                   "--shell", "/usr/sbin/nologin", "--comment", "eastasia-security grading sandbox", name],
                                  capture_output=True, text=True)
            if done.returncode != 0 and "already exists" not in done.stderr:
                raise SandboxUnavailable(f"cannot create sandbox user {name}: {done.stderr.strip()}")
            entry = pwd.getpwnam(name)
        if entry.pw_uid == 0 or entry.pw_gid == 0 or any(name in g.gr_mem for g in grp.getgrall() if g.gr_gid == 0):
            raise SandboxUnavailable(f"sandbox user {name} is privileged (uid {entry.pw_uid}); remove it and retry")
        users.append((entry.pw_uid, entry.pw_gid))
    return users


def _python_paths() -> list[str]:
    """Read-only paths a kernel of this environment needs: the environments and the kit's package."""
    import eastasia_security

    package_parent = str(Path(eastasia_security.__file__).resolve().parent.parent)
    paths = [sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)]
    if not any(package_parent.startswith(p.rstrip("/") + "/") for p in paths):
        # An editable install (src/ layout): only the src/ folder, never the checkout around it.
        paths.append(package_parent)
    return list(dict.fromkeys(paths))


def user_processes(uid: int) -> list[int]:
    """Live (not zombie) processes of ``uid`` on the machine."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid and "\nState:\tZ" not in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_user_processes(uid: int) -> list[str]:
    """Kill every live process of ``uid`` on the machine; return what was running (should be nothing)."""
    found = []
    for pid in user_processes(uid):
        try:
            command = " ".join(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split())
            os.kill(pid, signal.SIGKILL)
            found.append(f"{pid}: {command[:120]}")
        except OSError:
            continue
    return found


@dataclass
class Sandbox:
    """What every run of a batch shares: the slot's user, limits and the datasets copy."""

    uid: int
    gid: int
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    datasets: Path | None = None   # a root-owned, world-readable copy made once per batch
    cache: Path | None = None      # the validation record of that copy (so kernels skip re-validating)
    base: Path = BASE

    def new_run(self, student_files: list[Path]) -> "SandboxRun":
        """A fresh run folder holding copies of ``student_files`` (the notebook's own files)."""
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o700)  # only root looks in here; the jail mounts what the kernel needs
        folder = self.base / f"run-{self.uid}-{secrets.token_hex(6)}"
        folder.mkdir(mode=0o700)
        files = folder / "files"
        files.mkdir()
        for path in student_files:
            if path.is_file() and not path.is_symlink():
                shutil.copy2(path, files / path.name)
            elif path.is_dir() and not path.is_symlink():
                shutil.copytree(path, files / path.name, symlinks=False, ignore_dangling_symlinks=True)
        ipc = folder / "ipc"
        ipc.mkdir(mode=0o700)
        os.chown(ipc, self.uid, self.gid)
        (folder / "root").mkdir()
        return SandboxRun(self, folder)


@dataclass
class SandboxRun:
    """One notebook's sandbox: its folder, the kernel's spec, and what the jail reported."""

    sandbox: Sandbox
    folder: Path

    @property
    def connection_file(self) -> Path:
        return self.folder / "ipc" / "kernel.json"

    @property
    def status_file(self) -> Path:
        return self.folder / "status.json"

    def write_spec(self) -> Path:
        box = self.sandbox
        readonly = SYSTEM_PATHS + _python_paths()
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": HOME_IN_JAIL,
               "USER": "student", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
               "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{HOME_IN_JAIL}/.matplotlib",
               "JUPYTER_RUNTIME_DIR": f"{HOME_IN_JAIL}/.jupyter-runtime", "IPYTHONDIR": f"{HOME_IN_JAIL}/.ipython",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NBGRADER_EXECUTION": "autograde"}
        binds = []
        if box.datasets is not None:
            env["EASTASIA_SECURITY_DATASETS"] = DATASETS_IN_JAIL
            binds.append((str(box.datasets), DATASETS_IN_JAIL))
        if box.cache is not None:
            env["EASTASIA_SECURITY_CACHE"] = CACHE_IN_JAIL
            binds.append((str(box.cache), CACHE_IN_JAIL))
        spec = {"root": str(self.folder / "root"), "readonly": readonly, "binds": binds, "home": HOME_IN_JAIL,
                "files": str(self.folder / "files"), "ipc": str(self.folder / "ipc"),
                "connection_file": str(self.connection_file), "status": str(self.status_file),
                "uid": box.uid, "gid": box.gid, "limits": asdict(box.limits), "env": env,
                "home_mb": box.limits.home_mb, "tmp_mb": box.limits.tmp_mb}
        path = self.folder / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        return path

    def status(self) -> dict | None:
        """What the jail wrote when the kernel ended (None if the jail itself was killed)."""
        try:
            return json.loads(self.status_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def close(self, grace: float = 3.0) -> list[str]:
        """Kill anything of the run's uid still alive, delete the run folder; return what was killed.

        The namespace's processes die with its first process; their teardown (a fork bomb's
        hundreds) is given ``grace`` seconds before anything left is killed by uid and reported.
        """
        import time

        deadline = time.monotonic() + grace
        while user_processes(self.sandbox.uid) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = kill_user_processes(self.sandbox.uid)
        shutil.rmtree(self.folder, ignore_errors=True)
        return survivors


def kernel_command(run: SandboxRun, command: list[str]) -> list[str]:
    """The kernel's command line wrapped in the namespaces and the jail of ``run``."""
    spec = run.write_spec()
    # The jail runs as a plain script (-I -S, by path): importing the kit's packages would cost a second.
    return [shutil.which("unshare") or "unshare", *NAMESPACES, sys.executable, "-I", "-S", str(JAIL),
            str(spec), "--", *command]
