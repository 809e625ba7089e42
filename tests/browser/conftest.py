"""Browser test harness: Debian's Chromium driven by Playwright, with no network.

Maps and notebooks load Leaflet & co. from CDNs and tiles from OpenStreetMap.
Neither is reachable on CI, and tests must not depend on them anyway, so every
request is answered locally:

* CDN scripts and stylesheets -> the same files from the npm packages in
  ``tests/browser/node_modules`` (``npm ci --prefix tests/browser``);
* map tiles -> a blank 256 x 256 PNG;
* anything else from outside this machine -> aborted and recorded, so a test
  can assert that nothing unexpected was requested.

Fixtures here: ``chromium_context`` (session), ``browser_page`` (a fresh page
with console errors collected and the offline routes installed) and
``artifacts_dir`` (``test-artifacts/`` at the repository root, git-ignored).
Later browser tests (JupyterLab, quizzes, lessons) reuse them.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"
ARTIFACTS = REPO / "test-artifacts"

#: The flags the kit's browser tests start Chromium with (no GPU, no background traffic).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

#: CDN URL prefix -> file or folder in node_modules (longest prefix wins). The
#: versions are the ones folium writes into its pages.
CDN_TO_NPM = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/": "leaflet/dist/",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/": "bootstrap/dist/",
    # cdnjs serves 2.0.2; npm has 2.0.5 of the same plugin (same API, bug fixes).
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/": "leaflet.awesome-markers/dist/",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/": "@fortawesome/fontawesome-free/",
    # The npm package ships the unminified file only.
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js":
        "leaflet.fullscreen/Control.FullScreen.js",
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/": "leaflet.fullscreen/",
}

TILE_HOSTS = ("tile.openstreetmap.org", "basemaps.cartocdn.com", "tile.opentopomap.org", "server.arcgisonline.com")


def _blank_png(size: int = 256) -> bytes:
    """A valid, all-white PNG (a stand-in for map tiles)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff" * (size * 3) for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


BLANK_TILE = _blank_png()


@dataclass
class OfflineWeb:
    """Answers a page's requests from local files; records what it did."""

    node_modules: Path = NODE_MODULES
    served: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def local_file(self, url: str) -> Path | None:
        for prefix in sorted(CDN_TO_NPM, key=len, reverse=True):
            if url.startswith(prefix):
                target = CDN_TO_NPM[prefix]
                rest = url[len(prefix):].split("?")[0].split("#")[0]
                return self.node_modules / (target + rest if target.endswith("/") else target)
        return None

    def handle(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
            return
        local = self.local_file(url)
        if local is not None:
            if local.is_file():
                self.served.append(url)
                route.fulfill(path=str(local))
            else:
                self.missing.append(url)
                route.fulfill(status=404, body="not in node_modules")
            return
        if parsed.hostname and parsed.hostname.endswith(TILE_HOSTS):
            self.tiles.append(url)
            route.fulfill(status=200, body=BLANK_TILE, content_type="image/png")
            return
        self.unexpected.append(url)
        route.abort()


def _require(condition: bool, why: str) -> None:
    """Fail on CI (it must run everything), skip on a newcomer's machine without the tool."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def chromium_executable() -> str | None:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_context(tmp_path_factory):
    """One Chromium (Debian's package) for the session, with a fresh profile folder."""
    executable = chromium_executable()
    _require(executable is not None, "Chromium not found: install it with `apt-get install chromium` "
                                     "(or set CHROMIUM=/path/to/chromium)")
    _require(NODE_MODULES.is_dir(), "tests/browser/node_modules is missing: run `npm ci --prefix tests/browser`")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class BrowserPage:
    page: object
    web: OfflineWeb
    console_errors: list[str]


@pytest.fixture()
def browser_page(chromium_context):
    """A new page whose outside requests are answered locally and whose console errors are collected."""
    page = chromium_context.new_page()
    web = OfflineWeb()
    errors: list[str] = []
    page.route("**/*", web.handle)
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        yield BrowserPage(page, web, errors)
    finally:
        page.close()


# --------------------------------------------------------------------------- JupyterLab

@dataclass
class JupyterLab:
    """A JupyterLab 4 server on loopback, with token auth and a temporary root folder."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        # ?reset: start from an empty workspace, not the tabs an earlier test left open.
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def copy_notebook(self, source: Path) -> Path:
        target = self.root / source.name
        shutil.copy(source, target)
        return target

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = self.root / name
        nbformat.write(nb, path)
        return path

    def open_and_run_all(self, page, name: str, timeout_ms: int = 120_000) -> None:
        """Open a notebook in JupyterLab, wait for its kernel, and run all its cells.

        The run uses JupyterLab's own "Run All Cells" command (what the Run menu and the
        command palette call), reached through the application object that the server
        exposes for tests (``--LabApp.expose_app_in_browser``): unlike a keyboard shortcut
        it does not depend on where the focus happens to be.
        """
        page.goto(self.notebook_url(name))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_ms)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=timeout_ms)
        page.evaluate(
            """async (path) => {
                const app = window.jupyterapp;
                const panel = await app.commands.execute('docmanager:open', {path});
                app.shell.activateById(panel.id);
                await panel.context.ready;
                await panel.sessionContext.ready;
                await app.commands.execute('notebook:run-all-cells');
                panel.node.setAttribute('data-kit-test', 'running');
            }""", name)
        # Every code cell gets an execution count when it has run.
        try:
            self._wait_for_all_executed(page, timeout_ms)
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed_run_{Path(name).stem}.png"), full_page=True)
            raise

    @staticmethod
    def error_outputs(page) -> list[str]:
        """Texts of the error outputs (tracebacks) shown in the page."""
        texts = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        return [t for t in texts if "Traceback" in t or "Error" in t]

    @staticmethod
    def _wait_for_all_executed(page, timeout_ms: int) -> None:
        page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel[data-kit-test="running"]');
                if (!panel) return false;
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            }""", timeout=timeout_ms)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """Start `jupyter lab` (this environment's) and stop it after the session."""
    import json
    import secrets
    import subprocess
    import sys
    import time
    import urllib.request

    home = tmp_path_factory.mktemp("jupyter")
    root = home / "root"
    root.mkdir()
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "would you like Jupyter news?" toast over the page.
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # Render every cell (no virtual scrolling), so tests can find outputs anywhere in a notebook.
    notebook_settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    token = secrets.token_hex(16)
    port = _free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    args = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            "--ServerApp.port_retries=0", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        args.append("--allow-root")
    log = home / "jupyter.log"
    with log.open("w") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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
            pytest.fail(f"JupyterLab did not start; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    try:
        yield JupyterLab(url, token, root, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
