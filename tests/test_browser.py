"""Real-browser test: the widgets gallery in headless Chromium, driven by Python Playwright.

The gallery (``notebooks/widgets_gallery.ipynb``, copied with its stored models into a
temporary folder so no front end can autosave over the committed file) is served on
127.0.0.1 with a free port, opened in Chromium, and checked like a person would: every widget
of the gallery is on the page, the template viewer's figure has been drawn, and moving its
snapshot slider with the keyboard changes the drawn figure (the canvas pixels, compared as
data URLs before and after).

Front ends: ``voila`` always; ``lab`` (JupyterLab 4) and ``notebook`` (Notebook 7) too when
CS231N_BROWSER_FRONTENDS lists them, e.g. ``CS231N_BROWSER_FRONTENDS=voila,lab,notebook``
(there the test clicks Run > Run All Cells first). The test is skipped, with the reason, when
Playwright or Chromium is missing (CI installs Debian's ``chromium``; see .ci/run). Every wait
is bounded, and the server and its kernels are killed at the end.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GALLERY = REPO / "notebooks" / "widgets_gallery.ipynb"
STORED = REPO / "notebooks" / "stored"
CHROMIUM = os.environ.get("CS231N_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRONTENDS = [f for f in os.environ.get("CS231N_BROWSER_FRONTENDS", "voila").split(",") if f]
KNOWN_FRONTENDS = ("voila", "lab", "notebook")
TOKEN = "cs231n-browser-test"
NUM_WIDGETS = 8  # widget boxes in the gallery (two template viewers)

# Time limits (seconds)
SERVER_START_TIMEOUT = 90
PAGE_TIMEOUT = 420  # the whole gallery executes (Voila: before the page is served)
REDRAW_TIMEOUT = 60  # from the slider move to the changed canvas
DIALOG_SECONDS = 10  # JupyterLab / Notebook 7: how long to watch for a kernel dialog
POLL_SECONDS = 0.5


def _missing_requirement():
    """Why the browser test can't run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install playwright)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    if not (STORED / "widgets_conv_net.npz").is_file():
        return "the gallery's stored model notebooks/stored/widgets_conv_net.npz is missing"
    return None


MISSING = _missing_requirement()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"browser test: {MISSING}")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_command(frontend, folder, port):
    python = sys.executable
    if frontend == "voila":
        return [
            python,
            "-m",
            "voila",
            "widgets_gallery.ipynb",
            f"--port={port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True",
        ]
    app = "jupyterlab" if frontend == "lab" else "notebook"
    return [
        python,
        "-m",
        app,
        f"--port={port}",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={folder}",
        "--ServerApp.open_browser=False",
        "--allow-root",
        "--LabApp.news_url=",
        f"--LabServerApp.workspaces_dir={folder / 'workspaces'}",
        f"--LabServerApp.user_settings_dir={folder / 'settings'}",
    ]


def _page_url(frontend, port):
    base = f"http://127.0.0.1:{port}"
    if frontend == "voila":
        return base + "/"
    path = "lab/tree" if frontend == "lab" else "notebooks"
    return f"{base}/{path}/widgets_gallery.ipynb?token={TOKEN}"


def _wait_for_http(url, process, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(POLL_SECONDS)
    pytest.fail(f"the server did not answer {url} in {timeout} s:\n{log_path.read_text()}")


@contextlib.contextmanager
def _served(frontend, folder):
    """Start a server for the gallery in ``folder``; kill it and its kernels at the end."""
    port = _free_port()
    log_path = folder / f"{frontend}.log"
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "PYTHONUNBUFFERED": "1",
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            _server_command(frontend, folder, port),
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        probe = f"http://127.0.0.1:{port}/" + ("" if frontend == "voila" else "api")
        if frontend == "voila":
            probe = f"http://127.0.0.1:{port}/voila/static/"  # answers without running kernels
        _wait_for_http(probe, process, log_path, SERVER_START_TIMEOUT)
        yield _page_url(frontend, port), log_path
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def _canvas_url(page, selector):
    """Data URL of the figure canvas inside the first element matching selector, or None."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector);
            const canvas = box && box.querySelector('.jupyter-matplotlib-canvas-div canvas');
            return canvas && canvas.width > 0 ? canvas.toDataURL() : null;
        }""",
        selector,
    )


def _wait_for_change(page, selector, old, timeout, what):
    """Poll the canvas until its data URL exists and differs from ``old``; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        url = _canvas_url(page, selector)
        if url is not None and url != old:
            return url
        page.wait_for_timeout(POLL_SECONDS * 1000)
    pytest.fail(f"{what}: the figure did not change within {timeout} s")


def _prepare_settings(folder):
    """JupyterLab / Notebook 7 user settings: attach every cell to the page (no windowing)."""
    tracker = folder / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')


def _accept_dialogs(page, seconds):
    """Accept any dialog (e.g. Notebook 7's "Select Kernel") that shows within ``seconds``."""
    accept = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if accept.count() and accept.first.is_visible():
            accept.first.click()
        page.wait_for_timeout(POLL_SECONDS * 1000)


def _run_all_cells(page):
    """JupyterLab / Notebook 7: wait for the kernel, then Run > Run All Cells."""
    page.locator(".jp-Notebook").first.wait_for(timeout=PAGE_TIMEOUT * 1000)
    _accept_dialogs(page, DIALOG_SECONDS)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    _accept_dialogs(page, DIALOG_SECONDS)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_gallery_slider_redraws_the_figure(frontend, tmp_path):
    assert frontend in KNOWN_FRONTENDS, f"CS231N_BROWSER_FRONTENDS: unknown {frontend!r}"
    from playwright.sync_api import sync_playwright

    shutil.copy(GALLERY, tmp_path / GALLERY.name)
    (tmp_path / "stored").mkdir()
    for stored in STORED.glob("widgets_*"):
        shutil.copy(stored, tmp_path / "stored" / stored.name)

    if frontend != "voila":
        _prepare_settings(tmp_path)
    viewer = ".cs231n-template-viewer"
    with _served(frontend, tmp_path) as (url, log_path), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.set_default_timeout(PAGE_TIMEOUT * 1000)
            page.goto(url, timeout=PAGE_TIMEOUT * 1000, wait_until="domcontentloaded")
            if frontend != "voila":
                _run_all_cells(page)
            canvas = page.locator(f"{viewer} .jupyter-matplotlib-canvas-div canvas").first
            canvas.wait_for(state="attached", timeout=PAGE_TIMEOUT * 1000)
            for last in (".cs231n-filter-viewer", ".cs231n-init-explorer"):
                page.locator(last).first.wait_for(state="attached", timeout=PAGE_TIMEOUT * 1000)
            canvas.scroll_into_view_if_needed()
            assert page.locator(".cs231n-widget").count() >= NUM_WIDGETS
            assert page.get_by_text("Error displaying widget").count() == 0

            before = _wait_for_change(page, viewer, None, REDRAW_TIMEOUT, "first draw")
            time.sleep(2 * POLL_SECONDS)  # let the first full frame settle
            before = _canvas_url(page, viewer)
            handle = page.locator(f"{viewer} .cs231n-snapshot .noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            page.keyboard.press("Home")  # the slider's minimum: the epoch-0 snapshot
            label = page.locator(f"{viewer} .widget-label", has_text="epoch 0")
            label.first.wait_for(timeout=REDRAW_TIMEOUT * 1000)  # the kernel saw the move
            after = _wait_for_change(page, viewer, before, REDRAW_TIMEOUT, "snapshot slider")
            assert after != before
        finally:
            page.screenshot(path=str(tmp_path / f"{frontend}.png"))  # kept for debugging
            browser.close()
    assert "Traceback" not in log_path.read_text()
