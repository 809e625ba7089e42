"""Browser test harness: Debian's Chromium driven by Playwright, with the network cut.

The kit's maps and pages must work with no network (issue 16), so nothing is faked here:
every request that does not go to this machine (``file:``, ``data:``, ``blob:``, loopback)
is aborted and recorded, and Chromium itself resolves every other host name to nothing
(``--host-resolver-rules``), so a request that slipped past the route still fails. Tests
assert that the record is empty: a page that asks the internet for anything fails its test.

Fixtures here: ``chromium_context`` (session), ``browser_page`` (a fresh page with console
errors and outside requests collected) and ``artifacts_dir`` (``test-artifacts/`` at the
repository root, git-ignored). The JupyterLab and site tests reuse them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kit_testing import jupyter_server, require

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = REPO / "test-artifacts"

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")

#: The flags the kit's browser tests start Chromium with: no GPU, no background traffic, and
#: no name resolution for any host but loopback (the network is cut for the page).
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@dataclass
class CutNetwork:
    """Lets a page reach this machine only; records every other request it makes."""

    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @staticmethod
    def is_local(url: str) -> bool:
        parsed = urlparse(url)
        return parsed.scheme in ("file", "data", "blob", "about", "chrome-error") or parsed.hostname in LOCAL_HOSTS

    def handle(self, route) -> None:
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("internetdisconnected")




def chromium_executable() -> str | None:
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).exists() else None


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_context(tmp_path_factory, request):
    """One Chromium (Debian's package) for the session, with a fresh profile folder."""
    executable = chromium_executable()
    require(executable is not None, "Chromium not found: install it with `apt-get install chromium` "
                                     "(or set CHROMIUM=/path/to/chromium)")
    playwright = request.getfixturevalue("playwright_session")
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
    web: CutNetwork
    console_errors: list[str]


@pytest.fixture()
def browser_page(chromium_context):
    """A new page with the network cut: outside requests and console errors are collected."""
    page = chromium_context.new_page()
    web = CutNetwork()
    errors: list[str] = []
    page.route("**/*", web.handle)
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: web.failed.append(f"{req.url} ({req.failure})")
            if not web.is_local(req.url) else None)
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


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """Start `jupyter lab` (this environment's) and stop it after the session."""
    import json

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
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    log = home / "jupyter.log"
    with jupyter_server("lab", root, env, log, extra=["--LabApp.expose_app_in_browser=True"]) as (url, token):
        yield JupyterLab(url, token, root, log)


# --------------------------------------------------------------------------- land on a map

#: Fill colours of the bundled basemap (maps.BASEMAP_STYLE), as RGB.
def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def basemap_colours_at(frame, points: list[tuple[float, float]], name: str) -> list[str]:
    """What the basemap shows at each (lat, lon) of the first Leaflet map in ``frame``: 'land', 'sea' or 'other'.

    The data layers are hidden for the picture (they may lie over the point), then shown again;
    the picture is saved as test-artifacts/<name>.png. ``frame`` is a page or a frame.
    """
    import io

    from PIL import Image

    from eastasia_security.maps import BASEMAP_STYLE

    container = frame.locator(".leaflet-container").first
    xy = frame.evaluate(
        """(points) => {
            const el = document.querySelector('.leaflet-container');
            const map = window[el.id];
            return points.map(p => { const c = map.latLngToContainerPoint(p); return [c.x, c.y]; });
        }""", [list(p) for p in points])
    frame.evaluate("""() => document.querySelectorAll('.leaflet-overlay-pane, .leaflet-marker-pane, .leaflet-shadow-pane')
                      .forEach(e => e.style.visibility = 'hidden')""")
    try:
        png = container.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    finally:
        frame.evaluate("""() => document.querySelectorAll('.leaflet-overlay-pane, .leaflet-marker-pane, .leaflet-shadow-pane')
                          .forEach(e => e.style.visibility = '')""")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = image.width / container.bounding_box()["width"]
    land, sea = _rgb(BASEMAP_STYLE["land"]), _rgb(BASEMAP_STYLE["sea"])

    def close(a, b):
        return all(abs(x - y) <= 6 for x, y in zip(a, b))

    found = []
    for x, y in xy:
        pixel = image.getpixel((int(x * scale), int(y * scale)))
        found.append("land" if close(pixel, land) else "sea" if close(pixel, sea) else f"other {pixel}")
    return found


# --------------------------------------------------------------------------- the course site

SITE = REPO / "site" / "_build" / "html"


@pytest.fixture(scope="session")
def course_site():
    """The built course site (``bash kit.sh site``) served on loopback; yields its base URL."""
    import functools
    import http.server
    import threading

    require((SITE / "index.html").is_file(), "the course site is not built: run `bash kit.sh site` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
