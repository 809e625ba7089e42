"""The first process of a sandbox: builds the student's filesystem view, starts the kernel, reaps it.

Run as root by :class:`~eastasia_security.autograde.execute.SandboxKernelManager` through
``unshare --mount --pid --net --ipc --uts --fork --kill-child``, so this process is PID 1 of a
fresh PID namespace with its own mount table and a network namespace with no interfaces up.

1. Builds a new root from nothing (a tmpfs) and bind-mounts into it, read-only, only what a
   Python kernel needs: ``/usr``, ``/etc``, the Python environment, the kit's package, a copy of
   the kit's datasets. The course (``source/``, ``release/``, ``gradebook.db``, other students),
   the instructor's home and every other path on the machine are simply not there.
2. Gives the kernel a private home and ``/tmp`` on size-capped tmpfs that vanish with the
   namespace, plus the one host folder where its connection sockets live (deleted after the run).
3. Forks the kernel: ``chroot``, its own session and process group, resource limits, no new
   privileges, the run's unprivileged uid/gid, a clean environment.
4. Forwards interrupts to the kernel, reaps every child, counts the tasks the uid runs, and when
   the kernel exits writes ``status.json`` (exit status, processes left behind, peak tasks)
   where only root can read it. Then it exits, and the kernel kills whatever is left in the
   namespace: nothing a notebook starts outlives it.

Only the standard library: this runs before anything of the student's is imported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import shutil
import signal
import sys
import time
from pathlib import Path

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _bind(host: str, newroot: Path, writable: bool = False, inside: str | None = None) -> None:
    target = newroot / (inside or host).lstrip("/")
    if os.path.isdir(host):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    _mount(host, str(target), None, MS_BIND | MS_REC)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if writable else MS_RDONLY)
    if not host.startswith("/dev/"):
        flags |= MS_NODEV
    _mount(None, str(target), None, flags)


def build_root(spec: dict) -> Path:
    newroot = Path(spec["root"])
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount leaks back to the host
    _mount("sandbox", str(newroot), "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    for path in spec["readonly"]:
        if os.path.islink(path) and os.path.dirname(path) == "/":
            os.symlink(os.readlink(path), newroot / path.lstrip("/"))  # /bin -> usr/bin on merged-/usr systems
        elif os.path.exists(path):
            _bind(path, newroot)
    for host, inside in spec["binds"]:
        _bind(host, newroot, inside=inside)
    dev = newroot / "dev"
    dev.mkdir(exist_ok=True)
    _mount("sandbox-dev", str(dev), "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        _bind(f"/dev/{name}", newroot, writable=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, dev / name)
    (dev / "shm").mkdir()
    _mount("sandbox-shm", str(dev / "shm"), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    (newroot / "proc").mkdir(exist_ok=True)
    _mount("proc", str(newroot / "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    (newroot / "tmp").mkdir(exist_ok=True)
    _mount("sandbox-tmp", str(newroot / "tmp"), "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec['tmp_mb']}m,mode=1777")
    uid, gid = spec["uid"], spec["gid"]
    home = newroot / spec["home"].lstrip("/")
    home.mkdir(parents=True, exist_ok=True)
    _mount("sandbox-home", str(home), "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={spec['home_mb']}m,mode=0700,uid={uid},gid={gid}")
    staging = Path(spec["files"])
    if staging.is_dir():
        shutil.copytree(staging, home, dirs_exist_ok=True, symlinks=False)
    for path in [home, *home.rglob("*")]:
        os.lchown(path, uid, gid)
    ipc = spec["ipc"]
    _bind(ipc, newroot, writable=True)
    os.chown(spec["connection_file"], uid, gid)
    _mount(None, str(newroot), None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4m,mode=0755")
    return newroot


def _become_student(spec: dict, newroot: Path) -> None:
    os.chroot(newroot)
    os.chdir(spec["home"])
    os.setsid()  # its own session and process group
    limits = spec["limits"]
    for name, value in (("RLIMIT_AS", limits["memory_mb"] * 1024 * 1024), ("RLIMIT_NPROC", limits["processes"]),
                        ("RLIMIT_NOFILE", limits["open_files"]), ("RLIMIT_FSIZE", limits["file_mb"] * 1024 * 1024),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    os.setgroups([])
    os.setgid(spec["gid"])
    os.setuid(spec["uid"])
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("refusing to run student code as root")


def _tasks(proc: Path, uid: int) -> tuple[int, list[str]]:
    """(threads of ``uid``, command lines of its processes) as this namespace's /proc sees them."""
    tasks, commands = 0, []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            if f"\nUid:\t{uid}\t" not in status or "\nState:\tZ" in status:
                continue
            tasks += int(status.split("\nThreads:\t", 1)[1].split("\n", 1)[0])
            command = " ".join((entry / "cmdline").read_bytes().decode(errors="replace").split())
            commands.append(f"{entry.name}: {command[:120]}")
        except (OSError, IndexError, ValueError):
            continue
    return tasks, commands


def _written_outside(newroot: Path, spec: dict) -> list[str]:
    """Files the notebook left outside its home (in /tmp, /dev/shm, the socket folder): all discarded."""
    found = []
    for folder in (newroot / "tmp", newroot / "dev" / "shm", Path(spec["ipc"])):
        try:
            for path in folder.rglob("*"):
                if folder == Path(spec["ipc"]) and (path.name == "kernel.json" or path.name.startswith("kernel-")):
                    continue  # the kernel's own connection file and sockets
                shown = "/" + str(path.relative_to(newroot)) if folder != Path(spec["ipc"]) else str(path)
                found.append(shown)
        except OSError:
            continue
    return sorted(found)[:20]


def main(argv: list[str]) -> int:
    spec_path, separator, *kernel = argv
    assert separator == "--" and kernel, "usage: _jail SPEC -- KERNEL ARGV"
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    status_path = Path(spec["status"])
    if os.getpid() != 1:
        raise SystemExit("the sandbox must be PID 1 of its own PID namespace")
    newroot = build_root(spec)
    child = os.fork()
    if child == 0:  # pragma: no cover - replaced by the kernel
        try:
            _become_student(spec, newroot)
            os.execve(kernel[0], kernel, spec["env"])
        except BaseException as exc:  # noqa: BLE001 - tell the grader, never run unsandboxed
            os.write(2, f"sandbox: cannot start the kernel: {exc}\n".encode())
        finally:
            os._exit(127)

    def forward(signum, _frame):
        try:
            os.killpg(child, signum)
        except OSError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    proc, uid = newroot / "proc", spec["uid"]
    peak, exit_status, next_look = 0, None, 0.0
    while exit_status is None:
        try:
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid == child:
                    exit_status = status
        except ChildProcessError:
            pass
        now = time.monotonic()
        if exit_status is None and now >= next_look:
            peak = max(peak, _tasks(proc, uid)[0])
            next_look = now + 0.2
        if exit_status is None:
            time.sleep(0.02)
    _, left = _tasks(proc, uid)
    wrote = _written_outside(newroot, spec)
    if os.WIFSIGNALED(exit_status):
        ended = {"signal": signal.Signals(os.WTERMSIG(exit_status)).name}
    else:
        ended = {"exit_code": os.WEXITSTATUS(exit_status)}
    record = {"kernel": ended, "left_running": left, "peak_tasks": peak,
              "process_limit": spec["limits"]["processes"], "wrote_outside": wrote}
    temporary = status_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, status_path)
    return 0  # PID 1 exits: the kernel kills every process left in the namespace


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
