"""Helpers shared by the tests (import them: ``from kit_testing import set_cell``)."""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

def line_of(folder: Path, file_name: str, key_field: str, key: str) -> int:
    """Line number (header = 1) of the row whose key_field equals key."""
    with (folder / file_name).open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row[key_field] == key:
                return line
    raise KeyError(key)


def set_cell(folder: Path, file_name: str, key_field: str, key: str, field: str, value: str) -> int:
    """Change one cell in a copied CSV; returns the line that was changed."""
    path = folder / file_name
    line = line_of(folder, file_name, key_field, key)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames
        rows = list(reader)
    for row in rows:
        if row[key_field] == key:
            row[field] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return line


#: A lesson must run top to bottom within this many seconds; the run times of this session.
LESSON_SECONDS = 60
TIMES: dict[str, float] = {}


def require(condition: bool, why: str) -> None:
    """Fail on CI (it must run everything); skip on a machine without what the test needs."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



@contextmanager
def jupyter_server(app: str, root: Path, env: dict, log: Path, extra: list[str] = (), cwd: Path | None = None):
    """Run ``jupyter <app>`` (lab or server) on loopback with a token; yield (url, token); stop it after.

    Fails the test with the server's log if it does not answer within 90 seconds."""
    import secrets
    import subprocess
    import sys
    import time
    import urllib.request

    token = secrets.token_hex(16)
    port = free_port()
    args = [sys.executable, "-m", "jupyter", app, "--no-browser", f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0", *extra]
    if hasattr(os, "getuid") and os.getuid() == 0:
        args.append("--allow-root")
    with log.open("w") as out:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"jupyter {app} did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    try:
        yield url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
